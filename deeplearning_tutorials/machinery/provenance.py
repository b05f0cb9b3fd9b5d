"""Where and how a run happened, for its result record.

Every record (``--results-json``) says on what machine, with which library
versions and how many BLAS threads it ran, and by what command; paths in it
are relative to the folder the command ran in (the repository root for
``python -m deeplearning_tutorials.reproduce``), so that no record holds a
path of the machine it was made on.
"""

import os
import platform
import shlex
import sys


def machine():
    """The CPU, cores, Python and library versions, BLAS threads, JAX devices."""
    import numpy
    import pytensor

    info = {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "pytensor": pytensor.__version__,
        "numpy": numpy.__version__,
        "blas": blas_libraries(),
    }
    for name in ("numba", "jax"):
        module = sys.modules.get(name)
        if module is not None:
            info[name] = module.__version__
    if str(pytensor.config.mode).upper() == "JAX":
        import jax

        info["devices"] = [device.device_kind for device in jax.devices()]
    return info


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            return next(
                line.split(":", 1)[1].strip() for line in f if "model name" in line
            )
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def blas_libraries():
    """Each BLAS loaded in the process, its version and its threads now."""
    import threadpoolctl

    return [
        {
            "library": lib["internal_api"],
            "version": lib.get("version"),
            "threads": lib["num_threads"],
        }
        for lib in threadpoolctl.threadpool_info()
        if lib["user_api"] == "blas"
    ]


def relative(path, start=None):
    """``path`` relative to ``start`` (the current folder) if it lies inside it."""
    path = str(path)
    if not os.path.isabs(path):
        return path
    start = os.path.abspath(start or os.curdir)
    if os.path.commonpath([path, start]) != start:
        return path
    return os.path.relpath(path, start)


def command_line():
    """The command that started this process, its paths made :func:`relative`.

    ``python -m deeplearning_tutorials.<name> ...`` or ``dlt-<name> ...`` when
    a tutorial runs from the command line; None when it is called from Python.
    """
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name.startswith("deeplearning_tutorials."):
        program = ["python", "-m", spec.name]
    elif os.path.basename(sys.argv[0]).startswith("dlt-"):
        program = [os.path.basename(sys.argv[0])]
    else:
        return None
    return shlex.join(program + [_relative_word(word) for word in sys.argv[1:]])


def _relative_word(word):
    flag, equals, value = word.partition("=")
    if equals and flag.startswith("--"):
        return f"{flag}={relative(value)}"
    return relative(word)
