"""Numerical precision and backend selection, in one place.

The tutorials follow Theano's convention: every array is created with
``pytensor.config.floatX`` and every function is compiled with the default
mode. This module decides those two settings once, before any model is built.

Precedence, from strongest to weakest:

1. an explicit argument (the ``--floatX`` / ``--mode`` command-line flags, or
   :func:`configure` called from Python);
2. ``PYTENSOR_FLAGS`` (for example ``PYTENSOR_FLAGS=floatX=float64,mode=CVM``);
3. the project defaults: ``floatX=float32`` (what the published runs used;
   PyTensor's own default is float64) and ``mode=NUMBA``.

Numba ``fastmath``
    PyTensor turns Numba's fast-math flags on by default. They let LLVM
    reassociate sums and approximate ``exp``/``log``, which changes results in
    the last bits and has produced wrong answers upstream (PyTensor issues
    #1145 and #2187). Reproducing published numbers is this project's job, so
    it turns fast-math **off** unless ``PYTENSOR_FLAGS`` names
    ``numba__fastmath`` explicitly. The benchmark script reports the speed of
    both settings.

CVM (PyTensor's C backend)
    needs a BLAS to link against: the ``cmeel-openblas`` wheel that ``pip``
    installs with the project, unless ``blas__ldflags`` names another
    (:mod:`deeplearning_tutorials.machinery.blas`). A tutorial that prefers CVM falls
    back to NUMBA where there is none, with a note said once, after the run
    (:func:`note`); asked for explicitly, CVM without a BLAS is an error. The
    compiler's flags for this CPU are looked up once per machine, not at
    every run (:mod:`deeplearning_tutorials.machinery.march_flags`).

C compiler flags
    PyTensor compiles every C module with ``-g``, debug information that
    nothing here reads, which takes about a seventh of a cold compile on the C
    backend. Unless ``PYTENSOR_FLAGS`` or a ``.pytensorrc`` gives
    ``gcc__cxxflags``, the project sets it to ``-g0``, which comes after
    ``-g`` on the compiler's command line and turns it off. GCC makes the
    same code with debug information or without it: the results are the same
    to the bit (``tests/test_config.py``).
"""

import contextlib
import importlib.util
import os
import sys
import warnings

from deeplearning_tutorials.machinery import environment, errors, startup
from deeplearning_tutorials.machinery.errors import InputError, one_line


def _bad_environment(exc):
    """PyTensor refused a value of ``PYTENSOR_FLAGS`` (``mode=NOPE``,
    ``linker=zzz``) while loading: one line and exit status 2 when a tutorial
    runs as ``python -m`` (whose ``argv[0]`` is ``-m`` while the package
    loads), an :class:`InputError` for Python callers."""
    flags = os.environ["PYTENSOR_FLAGS"]
    message = f"PYTENSOR_FLAGS={flags!r} is refused by PyTensor ({exc})"
    if sys.argv[:1] == ["-m"]:
        print(f"deeplearning_tutorials: error: {one_line(message)}", file=sys.stderr)
        sys.exit(2)
    raise InputError(message) from None


_PROGRAM = sys.argv[:1] == ["-m"]  # a tutorial started as a program
if _PROGRAM:
    errors.stop_signals_from_the_start(environment.program_name())
    environment.refuse(environment.problems_before_import())

try:
    import pytensor
except Exception as exc:
    if not os.environ.get("PYTENSOR_FLAGS"):
        raise
    _bad_environment(exc)

if _PROGRAM:
    environment.refuse(
        [p for p in [environment.compile_dir_problem(pytensor.config.base_compiledir)] if p]
    )

FLOATX_CHOICES = ("float32", "float64")
MODE_CHOICES = ("NUMBA", "CVM", "JAX")
DEFAULT_FLOATX = "float32"
DEFAULT_MODE = "NUMBA"
#: the C compiler's flags where the user gives none: no debug information
DEFAULT_CXXFLAGS = "-g0"


class ConfigurationError(InputError):
    """A floatX or mode that cannot be used on this machine."""


def flags_from_environment():
    """Return ``PYTENSOR_FLAGS`` as a dict (``{'floatX': 'float64', ...}``)."""
    flags = {}
    for item in os.environ.get("PYTENSOR_FLAGS", "").split(","):
        if "=" in item:
            key, value = item.split("=", 1)
            flags[key.strip()] = value.strip()
    return flags


def _canonical_mode(mode):
    upper = str(mode).upper()
    if upper == "FAST_RUN":
        return DEFAULT_MODE
    if upper not in MODE_CHOICES:
        raise ConfigurationError(
            f"unknown mode {mode!r}; choose one of {', '.join(MODE_CHOICES)}"
        )
    return upper


def _link_blas_for_cvm():
    """Give the C backend its BLAS link flags, or explain why there are none."""
    from deeplearning_tutorials.machinery import blas, march_flags

    try:
        flags = blas.ldflags()
    except blas.NoBlas as missing:
        raise ConfigurationError(
            f"mode CVM needs a BLAS library to link against: {missing}; "
            "reinstall the project (pip install -e .) or set blas__ldflags "
            "in PYTENSOR_FLAGS"
        ) from None
    if None in blas.libraries(flags):
        raise ConfigurationError(
            f"mode CVM needs a BLAS library to link against: {flags!r} names "
            "a library that is not found"
        )
    if blas.user_ldflags() is None:
        pytensor.config.blas__ldflags = flags
    march_flags.use_remembered()


def configure(floatX=None, mode=None, default_mode=DEFAULT_MODE):
    """Set ``floatX`` and the compilation mode for everything built afterwards.

    ``None`` means: keep what ``PYTENSOR_FLAGS`` says, else the default.
    ``default_mode`` lets a tutorial prefer another backend than the
    project's (``"CVM"`` for the batch-size-1 autoencoders, see
    doc/backends.md); a preferred CVM falls back to NUMBA, with a note, on a
    machine without a BLAS to link against.
    Returns the ``(floatX, mode)`` pair now in force.
    """
    env = flags_from_environment()
    floatX = floatX or env.get("floatX") or DEFAULT_FLOATX
    if floatX not in FLOATX_CHOICES:
        raise ConfigurationError(
            f"unknown floatX {floatX!r}; choose one of {', '.join(FLOATX_CHOICES)}"
        )
    if not (mode or env.get("mode")):
        mode = _available(default_mode)
    mode = _canonical_mode(mode or env.get("mode"))
    if mode == "JAX":
        try:
            import jax  # noqa: F401
        except ImportError:
            raise ConfigurationError(
                "mode JAX needs jax: pip install -e .[gpu] (or pip install jax)"
            ) from None
        make_jax_faithful()
    if mode == "CVM":
        _link_blas_for_cvm()
    if "numba__fastmath" not in env:
        pytensor.config.numba__fastmath = False
    pytensor.config.floatX = floatX
    pytensor.config.mode = mode
    return floatX, mode


def _available(preferred):
    """``preferred``, or NUMBA when it is CVM and no BLAS can be found."""
    if preferred == "CVM":
        try:
            _link_blas_for_cvm()
        except ConfigurationError as exc:
            note(f"ran on NUMBA instead of the faster CVM: {exc}")
            return DEFAULT_MODE
    return preferred


_said = set()  # the notes already said in this process
_held = None  # a list while notes wait for the end of a run


def note(text):
    """Say ``text`` on stderr once per process; within :func:`notes_after_run`
    it waits until the run has finished."""
    if text in _said or (_held is not None and text in _held):
        return
    if _held is not None:
        _held.append(text)
        return
    _said.add(text)
    print(f"note: {text}", file=sys.stderr)


@contextlib.contextmanager
def notes_after_run():
    """Hold back the notes said within the block: said at its end when the
    run finishes, dropped when it ends in an error (whose one line must stand
    alone on stderr)."""
    global _held
    outer, _held = _held, []
    try:
        yield
        held = _held
    finally:
        _held = outer
    for text in held:
        note(text)


def apply_defaults():
    """Install the project defaults where ``PYTENSOR_FLAGS`` is silent.

    Called once when the package is imported, so that the Python API and the
    command line start from the same settings. It never raises: a bad value in
    ``PYTENSOR_FLAGS`` is reported by :func:`configure` when a driver starts.
    """
    startup.begin(pytensor.config.base_compiledir)
    env = flags_from_environment()
    if "numba__fastmath" not in env:
        pytensor.config.numba__fastmath = False
    if "floatX" not in env:
        pytensor.config.floatX = DEFAULT_FLOATX
    if "gcc__cxxflags" not in env and not pytensor.config.gcc__cxxflags:
        pytensor.config.gcc__cxxflags = DEFAULT_CXXFLAGS
    if "mode" not in env:
        pytensor.config.mode = DEFAULT_MODE
    elif str(env["mode"]).upper() == "JAX" and importlib.util.find_spec("jax"):
        make_jax_faithful()


def make_jax_faithful():
    """Make JAX compute as the published float32 runs did, and repeatably.

    * On recent NVIDIA GPUs (Ampere and later) XLA may run float32 matrix
      products in TF32, which keeps 10 bits of mantissa instead of 23: fast,
      but not float32 arithmetic. The project asks for full precision unless
      ``JAX_DEFAULT_MATMUL_PRECISION`` is set.
    * XLA's GPU kernels may sum in an order that changes from run to run, so
      that two runs of LeNet on the same GPU ended at different iterations.
      ``--xla_gpu_deterministic_ops=true`` is added to ``XLA_FLAGS`` (read
      when JAX first computes) unless ``XLA_FLAGS`` already names it; with
      it, repeated runs print the same lines.
    """
    if "xla_gpu_deterministic_ops" not in os.environ.get("XLA_FLAGS", ""):
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = f"{flags} --xla_gpu_deterministic_ops=true".strip()
    if "JAX_DEFAULT_MATMUL_PRECISION" in os.environ:
        return
    import jax

    jax.config.update("jax_default_matmul_precision", "highest")


def limit_blas_threads(n_threads):
    """Let every BLAS of the process use at most ``n_threads`` threads.

    ``None`` leaves the libraries alone (OpenBLAS then uses every core, or
    ``OPENBLAS_NUM_THREADS``). At batch size 1 the matrix products are too
    small to share between threads (``python benchmarks/bench_all.py
    threads`` times the steps with one thread and with two,
    doc/performance.md).

    The limit covers the BLAS libraries already loaded (NumPy's, SciPy's)
    and the one that CVM's compiled code links against, which is loaded
    here first so that the limit reaches it (C modules load it only when
    the first function is compiled); ``OPENBLAS_NUM_THREADS`` is set too,
    for libraries loaded later and for child processes.
    """
    if n_threads is None:
        return None
    import ctypes

    import threadpoolctl

    os.environ["OPENBLAS_NUM_THREADS"] = str(n_threads)
    from deeplearning_tutorials.machinery import blas

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ldflags = pytensor.config.blas__ldflags or ""
    for path in filter(None, blas.libraries(ldflags)):
        try:
            ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        except OSError:
            # the wheel's OpenBLAS finds its Fortran runtime only through the
            # run path of the compiled code: it will read the variable above
            pass
    return threadpoolctl.threadpool_limits(limits=n_threads, user_api="blas")


def current():
    """The ``(floatX, mode)`` pair in force, as the tutorials will use it."""
    return pytensor.config.floatX, str(pytensor.config.mode)


def uses_jax():
    """True when functions compile for JAX, which needs static minibatch shapes."""
    return str(pytensor.config.mode).upper() == "JAX"
