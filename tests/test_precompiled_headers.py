"""The C backend's precompiled header (machinery/precompiled_headers.py).

That a module compiled with it is the same machine code, and that g++ reads
it instead of Python's and NumPy's headers, is checked module by module in
tests/test_config.py (``test_c_modules_without_debug_information_from_the_
precompiled_header_are_the_same_code``). These tests check which modules
get it, the switch, and what happens where it cannot be built.
"""

import json
import os
import subprocess
import sys

from deeplearning_tutorials.machinery import precompiled_headers

# Builds the header for a set of flags twice, in a compile directory of its
# own, counting the g++ runs that compile it; prints the two results, the
# runs, and the files in the header's folder.
BUILD_TWICE = """
import json, os, subprocess, sys
import deeplearning_tutorials
from deeplearning_tutorials.machinery import precompiled_headers as p
runs = []
run = subprocess.run
def counted(command, *args, **kwargs):
    if "c++-header" in command:
        runs.append(command)
    return run(command, *args, **kwargs)
subprocess.run = counted
flags = p.compile_flags([], sys.argv[1:], hide_symbols=True)
found = [p.header_for(flags), p.header_for(flags)]
folder = p.folder_for(flags)[0]
print(json.dumps({"found": found, "runs": len(runs), "files": sorted(os.listdir(folder))}))
"""


def build_twice(tmp_path, *flags):
    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={tmp_path}"}
    done = subprocess.run([sys.executable, "-c", BUILD_TWICE, *flags], capture_output=True, text=True,
                          env=env, check=True, timeout=300)
    return json.loads(done.stdout.splitlines()[-1])


def test_the_header_is_built_once_per_set_of_flags(tmp_path):
    found = build_twice(tmp_path, "-O3", "-g0")
    assert found["found"][0] == found["found"][1] and found["found"][0].endswith("pch.h")
    assert found["runs"] == 1  # the second ask finds it built
    assert found["files"] == ["flags.json", "pch.h", "pch.h.gch"]
    with open(found["found"][0]) as header:
        assert header.read() == precompiled_headers.HEADER


def test_a_header_that_cannot_be_built_is_not_used_nor_tried_again(tmp_path):
    found = build_twice(tmp_path, "-fno-such-option-for-gcc")
    assert found["found"] == [None, None]
    assert found["runs"] == 1
    assert found["files"] == ["failed", "flags.json", "pch.h"]  # no half-written .gch left


def test_only_modules_that_start_with_pytensors_six_headers_get_it(monkeypatch):
    """PyTensor's lazy linker and cutils modules start otherwise; and the
    switch turns it off."""
    monkeypatch.delenv(precompiled_headers.SWITCH, raising=False)
    module = precompiled_headers.HEADER + "#include <vector>\nint f() { return 0; }\n"
    assert precompiled_headers.wanted(module)
    assert not precompiled_headers.wanted("#include <Python.h>\n#include \"pytensor_mod_helper.h\"\n")
    assert not precompiled_headers.wanted("int f() { return 0; }\n" + precompiled_headers.HEADER)
    monkeypatch.setenv(precompiled_headers.SWITCH, "0")
    assert not precompiled_headers.wanted(module)


def test_the_header_is_what_pytensor_writes_first():
    """Reference: PyTensor's own CLinker, for a small graph."""
    import pytensor.tensor as pt
    from pytensor.graph.fg import FunctionGraph
    from pytensor.link.c.basic import CLinker

    x = pt.dvector("x")
    linker = CLinker().accept(FunctionGraph([x], [pt.exp(x) + 1]))
    assert linker.get_dynamic_module().code().startswith(precompiled_headers.HEADER)
