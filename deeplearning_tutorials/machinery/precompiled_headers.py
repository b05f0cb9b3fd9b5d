"""The C backend reads the headers every module starts with once, not once
per module.

PyTensor's C backend (the CVM mode, which the MLP, SdA, rbm and DBN use)
compiles each operation of a graph as a C++ module of its own, with one
``g++`` process per module (``GCC_compiler.compile_str`` in
``pytensor/link/c/cmodule.py``). Every module begins with the same six
headers, which PyTensor's ``CLinker.headers`` puts first::

    #include <Python.h>
    #include "pytensor_mod_helper.h"
    #include <math.h>
    #include <numpy/arrayobject.h>
    #include <numpy/arrayscalars.h>
    #include <numpy/npy_math.h>

Reading them (Python's and NumPy's C API, some 40,000 lines) is about half
of what ``g++`` spends on a small module: 0.2 to 0.3 s of its 0.5 to 0.7 s
on this project's machine, for each of the 35 modules of the MLP's cold
start.

So this module hands ``g++`` those six headers *precompiled*: the first time
a module is compiled with a given set of flags, it compiles the six lines
once into ``pch.h.gch`` (GCC's precompiled header) in the compile directory
(``deeplearning_tutorials_pch/``), and compiles every module that starts with
them with ``-include pch.h``, which reads the precompiled file instead of
the headers. The module's own ``#include`` lines that follow find the
headers already read (each is guarded), so the code compiled is the code
PyTensor wrote, in the same order, and the same machine code comes out; the
modules' cache keys do not change either (``-include`` is added where
``g++`` is called, not to the flags that key a module).

The precompiled header is keyed by everything that shapes it: the compiler,
its version and every flag and include folder of the module's command but
those that only the linker reads (``-l``, ``-L``, ``-Wl,``). If
``g++`` finds it unusable, it reads ``pch.h`` itself, the six lines as
text, so the result is the same, only slower; if it cannot be built, the
module is compiled as PyTensor would, and the failure is remembered in the
header's folder (``failed``) so that it is not tried again.

``DLT_C_PCH=0`` in the environment compiles every module as PyTensor does.
"""

import hashlib
import json
import os
import sys

#: the lines PyTensor's CLinker.headers writes at the top of every module
HEADER = (
    "#include <Python.h>\n"
    '#include "pytensor_mod_helper.h"\n'
    "#include <math.h>\n"
    "#include <numpy/arrayobject.h>\n"
    "#include <numpy/arrayscalars.h>\n"
    "#include <numpy/npy_math.h>\n"
)
#: where the precompiled headers live, in PyTensor's compile directory
FOLDER = "deeplearning_tutorials_pch"
#: the environment variable that turns the precompiled header off
SWITCH = "DLT_C_PCH"
# flags that only the linker reads, which do not shape the header
_LINK_ONLY = ("-l", "-L", "-Wl,", "-shared")


def wanted(src_code):
    """True if the module's source starts with :data:`HEADER`, and the switch
    is not off."""
    return os.environ.get(SWITCH, "1") != "0" and src_code.startswith(HEADER)


def compile_flags(include_dirs, preargs, hide_symbols):
    """The flags ``compile_str`` gives ``g++`` for a module, in its order,
    less those that only the linker reads (and the output and the source)."""
    from pytensor import config
    from pytensor.link.c import cmodule

    flags = ["-g", *(p for p in preargs if not (config.cmodule__remove_gxx_opt and p.startswith("-O")))]
    flags += [f"-I{folder}" for folder in [d for d in include_dirs if d] + cmodule.std_include_dirs()]
    if hide_symbols and sys.platform != "win32":
        flags.append("-fvisibility=hidden")
    return [flag for flag in flags if not flag.startswith(_LINK_ONLY)]


def folder_for(flags):
    """The folder of the header compiled with ``flags``, in the compile
    directory, and the description of what shaped it."""
    from pytensor import config

    described = json.dumps([config.cxx, config.gcc_version_str, flags, HEADER])
    key = hashlib.sha256(described.encode()).hexdigest()[:20]
    return os.path.join(config.compiledir, FOLDER, key), described


def header_for(flags):
    """The path of ``pch.h`` whose ``pch.h.gch`` was compiled with ``flags``,
    built now if it is not there yet; None where it cannot be built."""
    folder, described = folder_for(flags)
    header = os.path.join(folder, "pch.h")
    if os.path.exists(header + ".gch"):
        return header
    if os.path.exists(os.path.join(folder, "failed")):
        return None
    try:
        return _build(folder, header, flags, described)
    except OSError:
        return None


def _build(folder, header, flags, described):
    import subprocess

    from pytensor import config

    os.makedirs(folder, exist_ok=True)
    _write(header, HEADER)
    _write(os.path.join(folder, "flags.json"), described)
    partial = f"{header}.gch.{os.getpid()}"
    command = [config.cxx, *flags, "-x", "c++-header", header, "-o", partial]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not os.path.exists(partial):
        if os.path.exists(partial):
            os.remove(partial)  # what the compiler left: megabytes
        _write(os.path.join(folder, "failed"), done.stderr[-4000:])
        return None
    os.replace(partial, header + ".gch")
    return header


def _write(path, text):
    partial = f"{path}.{os.getpid()}"
    with open(partial, "w") as file:
        file.write(text)
    os.replace(partial, path)


def install():
    """Have PyTensor's ``GCC_compiler.compile_str`` use the precompiled header
    (called once ``pytensor.link.c.cmodule`` is imported)."""
    from pytensor.link.c import cmodule

    plain = cmodule.GCC_compiler.compile_str
    if getattr(plain, "precompiled_header_installed", False):
        return

    def compile_str(module_name, src_code, location=None, include_dirs=None, lib_dirs=None,
                    libs=None, preargs=None, py_module=True, hide_symbols=True):
        preargs = list(preargs or [])
        if wanted(src_code):
            header = header_for(compile_flags(include_dirs or [], preargs, hide_symbols))
            if header is not None:
                preargs += ["-include", header]
        return plain(module_name, src_code, location=location, include_dirs=include_dirs,
                     lib_dirs=lib_dirs, libs=libs, preargs=preargs, py_module=py_module,
                     hide_symbols=hide_symbols)

    compile_str.precompiled_header_installed = True
    cmodule.GCC_compiler.compile_str = staticmethod(compile_str)
