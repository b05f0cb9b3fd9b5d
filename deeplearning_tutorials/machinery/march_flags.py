"""The C compiler's flags for this CPU, found once per machine, not per run.

PyTensor compiles its C code (the CVM backend) for the CPU it runs on, but
not with ``-march=native``, so that a compile directory shared by several
machines stays usable: at the first compile of every process it asks the
compiler which flags ``-march=native`` stands for (``g++ -march=native -E
-v -``, twice) and compiles and runs a test program with them. That is half
a second at every start of a tutorial on the C backend, spent to find the
same flags again (``python benchmarks/bench_all.py start --parts``).

:func:`use_remembered` keeps the flags PyTensor found in its compile
directory (``compiledir``, whose name already says the platform and Python),
with what they depend on: the compiler and its version, the user's
``gcc__cxxflags``, and the CPU as ``/proc/cpuinfo`` describes it (model,
feature flags, cache size). A later run that finds the same hands them to
PyTensor (``GCC_compiler.march_flags``) before it compiles anything, and
PyTensor skips its search; any difference, or no record, and PyTensor
searches as before and the record is written anew. The flags, and so the
compiled modules and their cache keys, are the ones PyTensor would have
found itself.
"""

import hashlib
import json
import os
from pathlib import Path

import pytensor

RECORD = "deeplearning_tutorials_march_flags.json"
_CPU_FIELDS = ("vendor_id", "cpu family", "model", "model name", "stepping", "flags", "cache size")


def machine():
    """What the flags depend on: the compiler, its version and flags, the CPU."""
    cpu = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if not line.strip():
                break  # the first processor's block
            key, _, value = line.partition(":")
            if key.strip() in _CPU_FIELDS:
                cpu[key.strip()] = value.strip()
    except OSError:
        return None
    if "flags" not in cpu:
        return None
    config = pytensor.config
    described = json.dumps([config.cxx, config.gcc_version_str, config.gcc__cxxflags, cpu])
    return hashlib.sha256(described.encode()).hexdigest()


def use_remembered():
    """Give PyTensor the ``-march`` flags recorded for this machine, or let
    it find them now and record them; does nothing without a C compiler or
    where the flags are already known to this process."""
    from pytensor.link.c.cmodule import GCC_compiler

    if not pytensor.config.cxx or GCC_compiler.march_flags is not None:
        return
    key = machine()
    if key is None:
        return
    record = Path(pytensor.config.compiledir) / RECORD
    try:
        found = json.loads(record.read_text())
    except (OSError, ValueError):
        found = None
    if isinstance(found, dict) and found.get("machine") == key and isinstance(found.get("flags"), list):
        GCC_compiler.march_flags = [str(flag) for flag in found["flags"]]
        return
    GCC_compiler.compile_args()  # PyTensor's own search
    if GCC_compiler.march_flags is not None:
        _write(record, {"machine": key, "flags": GCC_compiler.march_flags})


def _write(path, content):
    """Write ``content`` as JSON, atomically; a compile directory that cannot
    be written to is left as it is."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(content))
        os.replace(temporary, path)
    except OSError:
        pass
