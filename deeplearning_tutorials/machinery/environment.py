"""What a tutorial checks of its environment before it loads the backend.

Some environments make the libraries under PyTensor fail in ways that say
little: a traceback from deep inside Numba, or no answer at all. A tutorial
started as a program (``python -m deeplearning_tutorials.<name>``) checks
for them first and ends, where one is found, with one line on stderr and
exit status 2 (a problem the user can fix; see doc/usage.md):

* standard output closed (``>&-``): the run's log would be lost;
* a memory limit (``ulimit -v``) under :data:`MIN_ADDRESS_SPACE`: loading
  NumPy, SciPy and their OpenBLAS libraries and LLVM reserves that much
  address space, and under it OpenBLAS was seen to spin for ever inside
  SciPy's import;
* ``NUMBA_NUM_THREADS`` that is not a positive whole number;
* a compile cache folder that cannot be created or written (a
  ``base_compiledir`` under ``/proc``, ``HOME=/proc``), checked once
  PyTensor has said where it is (:func:`check_compile_dir`).
"""

import contextlib
import os
import resource
import sys
import tempfile

from deeplearning_tutorials.machinery.errors import InputError, one_line

MIB = 2**20
MIN_ADDRESS_SPACE = 1024 * MIB


class EnvironmentProblem(InputError):
    """The environment keeps the backend from loading or running."""


def program_name():
    """``deeplearning_tutorials.<name>`` of the program being started, from
    the interpreter's own command line (``python -m ...``)."""
    argv = getattr(sys, "orig_argv", [])
    if "-m" in argv[:-1]:
        module = argv[argv.index("-m") + 1]
        if module.startswith("deeplearning_tutorials"):
            return module
    return "deeplearning_tutorials"


def problems_before_import():
    """The problems found before PyTensor is imported, as sentences."""
    found = []
    if sys.stdout is None:
        found.append(
            "standard output is closed, and the run's log would be lost; "
            "send it to a file, or to /dev/null to discard it"
        )
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit != resource.RLIM_INFINITY and limit < MIN_ADDRESS_SPACE:
        found.append(
            f"the memory limit (ulimit -v) of {limit // MIB} MiB is too low to "
            f"load the backend, which needs {MIN_ADDRESS_SPACE // MIB} MiB of "
            "address space (NumPy, SciPy, OpenBLAS, LLVM); raise it"
        )
    threads = os.environ.get("NUMBA_NUM_THREADS")
    if threads is not None and not (threads.strip().isdigit() and int(threads) > 0):
        found.append(
            f"NUMBA_NUM_THREADS={threads!r} is not a positive number of "
            "threads; set one, or unset it"
        )
    return found


def compile_dir_problem(base_compiledir):
    """A sentence if the compile cache folder cannot be created or written."""
    try:
        os.makedirs(base_compiledir, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".dlt-probe-", dir=base_compiledir)
    except OSError as exc:
        return (
            f"the compile cache folder {base_compiledir} cannot be used "
            f"({exc.strerror}); set PYTENSOR_FLAGS=base_compiledir=DIR to a "
            "writable folder"
        )
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return None


def refuse(problems):
    """End the program with the first problem, as one line and status 2."""
    if problems:
        message = f"{program_name()}: error: {one_line(problems[0])}"
        with contextlib.suppress(OSError, ValueError, AttributeError):
            print(message, file=sys.stderr, flush=True)
        sys.exit(2)
