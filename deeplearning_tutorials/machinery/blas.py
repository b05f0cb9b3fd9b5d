"""Where PyTensor's C backend (CVM) finds the BLAS it links against.

The C code PyTensor generates for a matrix product calls the Fortran BLAS
symbols by their plain names (``sgemm_``, ``dgemm_``, ``sger_``, ...). NumPy's
and SciPy's wheels bundle an OpenBLAS whose symbols carry a prefix
(``scipy_sgemm_``), so they cannot serve; a machine may have no system BLAS at
all. The project therefore depends on the ``cmeel-openblas`` wheel, an
OpenBLAS with the plain names, installed by ``pip install`` with everything
else, and links CVM's code against it. In order, the BLAS is:

1. the one named by ``blas__ldflags`` in ``PYTENSOR_FLAGS`` or ``.pytensorrc``
   (the user's choice always wins);
2. the ``cmeel-openblas`` wheel's ``libopenblas.so``;
3. what PyTensor itself finds on the system (MKL, a system BLAS, OpenBLAS).

The wheel's library needs the GNU Fortran runtime ``libgfortran.so.5``, which
the wheel does not carry and a machine without a Fortran compiler lacks.
NumPy's own wheel ships a copy (under another file name, in ``numpy.libs/``):
when the system has none, :func:`_fortran_runtime_dir` links that copy under
the expected name in a folder of the compile directory, and the compiled code
finds it through its run path (``-Wl,-rpath``; ``--disable-new-dtags`` makes
the path apply to the libraries that ``libopenblas`` itself needs). The folder
lives with the compiled modules that use it, so clearing PyTensor's cache
clears both.

``python benchmarks/bench_all.py --implementations CVM CVM_mkl`` times this
OpenBLAS against Intel's MKL wheel (see doc/performance.md).
"""

import ctypes.util
import functools
import hashlib
import importlib.metadata
import os
import warnings
from pathlib import Path

import pytensor

WHEEL = "cmeel-openblas"
FORTRAN_RUNTIME = "libgfortran.so.5"


class NoBlas(Exception):
    """No BLAS could be found; the message says what was missing."""


def user_ldflags():
    """``blas__ldflags`` as the user set it (``PYTENSOR_FLAGS`` or
    ``.pytensorrc``), ``None`` when they did not."""
    from deeplearning_tutorials.machinery.config import flags_from_environment

    flags = flags_from_environment()
    if "blas__ldflags" in flags:
        return flags["blas__ldflags"]
    try:  # PyTensor has taken PYTENSOR_FLAGS' values out of this lookup
        return pytensor.config.fetch_val_for_key("blas__ldflags")
    except KeyError:
        return None


def ldflags():
    """The link flags for CVM's BLAS; raises :class:`NoBlas` when there is none."""
    chosen = user_ldflags()
    if chosen is not None:
        return chosen
    try:
        return wheel_ldflags()
    except NoBlas as missing:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = pytensor.config.blas__ldflags  # PyTensor's own search
        if found:
            return found
        raise missing from None


def wheel_ldflags():
    """Link flags for the ``cmeel-openblas`` wheel's ``libopenblas.so``."""
    library = wheel_library()
    folders = [str(library.parent)]
    if ctypes.util.find_library("gfortran") is None:
        folders.append(str(_fortran_runtime_dir()))
    rpaths = " ".join(f"-Wl,-rpath,{folder}" for folder in folders)
    return f"-L{library.parent} -lopenblas -Wl,--disable-new-dtags {rpaths}"


def wheel_library():
    """The path of the wheel's ``libopenblas.so``."""
    try:
        files = importlib.metadata.files(WHEEL) or []
    except importlib.metadata.PackageNotFoundError:
        raise NoBlas(f"the {WHEEL} package is not installed") from None
    for file in files:
        if file.name == "libopenblas.so":
            return Path(file.locate()).resolve()
    raise NoBlas(f"the {WHEEL} package holds no libopenblas.so")


def _bundled_fortran_runtime():
    """NumPy's (or SciPy's) bundled copy of the GNU Fortran runtime."""
    import numpy

    site = Path(numpy.__file__).resolve().parent.parent
    for folder in ("numpy.libs", "scipy.libs"):
        for candidate in sorted((site / folder).glob("libgfortran*.so.5*")):
            return candidate
    raise NoBlas(
        f"{FORTRAN_RUNTIME} is missing (neither the system nor NumPy's wheel has it)"
    )


@functools.cache
def _fortran_runtime_dir():
    """A folder holding ``libgfortran.so.5``: links to NumPy's bundled copy
    and to the libraries beside it (its ``libquadmath``), made once."""
    runtime = _bundled_fortran_runtime()
    digest = hashlib.sha1(str(runtime).encode()).hexdigest()[:12]
    folder = Path(pytensor.config.compiledir) / "deeplearning_tutorials_blas" / digest
    links = {FORTRAN_RUNTIME: runtime}
    links.update({lib.name: lib for lib in runtime.parent.glob("libquadmath*.so*")})
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, target in links.items():
            _link(folder / name, target)
    except OSError as exc:
        raise NoBlas(f"cannot link {FORTRAN_RUNTIME} into {folder} ({exc})") from None
    return folder


def _link(path, target):
    """``path`` -> ``target`` as a symbolic link, made atomically (runs in
    parallel may make the same link)."""
    if path.is_symlink() and os.readlink(path) == str(target):
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    os.replace(temporary, path)


def libraries(flags):
    """The paths of the shared libraries that ``flags`` link (``-lNAME``
    looked up in the ``-L`` folders, then the system's), ``None`` for one not
    found."""
    folders = [flag[2:] for flag in flags.split() if flag.startswith("-L")]
    found = []
    for flag in flags.split():
        if not flag.startswith("-l"):
            continue
        name = flag[2:]
        file = name[1:] if name.startswith(":") else f"lib{name}.so"  # -l:FILE
        local = [Path(f) / file for f in folders if (Path(f) / file).exists()]
        found.append(str(local[0]) if local else ctypes.util.find_library(name))
    return found
