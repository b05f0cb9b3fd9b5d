"""Shared fixtures: small data set files written on the fly, and a runner
for the command-line entry points."""

import gzip
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

# Under pytest-xdist (-n auto: one worker per core) each worker has a core
# of its own, and the programs its tests start get one BLAS thread unless the
# session was given OPENBLAS_NUM_THREADS. OpenBLAS's threads spin while they
# wait: the DBN's smoke run, beside another busy core, took 88.7 s with two
# threads and 59.1 s with one. Set before NumPy loads OpenBLAS in this
# process. (The references were made with one thread, or name their own.)
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy  # noqa: E402
import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

# A test run started in the background (`pytest &` in a script, `nohup
# pytest`) inherits SIGINT or SIGHUP ignored, and so would every program the
# tests start and stop with a signal; those keep an ignored signal ignored,
# as they promise (tests/test_reliability.py), run to their end and fail the
# tests that stop them. The tests stand for a terminal's user: give the
# signals back their default actions here, in each worker, before anything
# is started.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
for _signum in (signal.SIGHUP, signal.SIGTERM):
    if signal.getsignal(_signum) == signal.SIG_IGN:
        signal.signal(_signum, signal.SIG_DFL)


def make_splits(n_train=60, n_valid=30, n_test=30, width=784, seed=0):
    """Three (x, y) splits shaped like MNIST, with random pixels and labels."""
    rng = numpy.random.RandomState(seed)

    def split(n):
        x = (rng.randint(0, 256, size=(n, width)) / 256.0).astype("float32")
        y = rng.randint(0, 10, size=n).astype("int64")
        return x, y

    return split(n_train), split(n_valid), split(n_test)


def write_pickle_gz(path, obj, protocol=2):
    with gzip.open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)
    return path


@pytest.fixture(autouse=True)
def _restore_pytensor_settings():
    """Give every test the settings the one before it started with.

    A driver run in-process (``mlp.main([...])`` and the like) configures
    ``pytensor.config`` for the whole process, as a command line should (the
    MLP's selects CVM); without this, a later test would compile in that
    test's backend or precision and depend on the order the tests ran in."""
    import pytensor

    names = ("mode", "floatX", "numba__fastmath")
    saved = {name: getattr(pytensor.config, name) for name in names}
    # ``--blas-threads N`` (or a tutorial's default of one thread) is also
    # written to OPENBLAS_NUM_THREADS for the process, and every program a
    # later test starts would inherit it: a float64 line compared to the last
    # digit (cA's) then came out of one thread's sums instead of two
    # (set by a test, or by a module-scoped fixture, which runs before this
    # one): every test starts and ends with the value the session started with
    _restore_blas_threads()
    yield
    for name, value in saved.items():
        setattr(pytensor.config, name, value)
    _restore_blas_threads()


# the thread counts as the test session found them: OPENBLAS_NUM_THREADS,
# and the two that importing dask.distributed (the sweep's tests) sets to 1 in
# this process, which every program a later test starts would inherit
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
_SESSION_THREADS = {name: os.environ.get(name) for name in _THREAD_VARIABLES}


def _restore_blas_threads():
    for name, value in _SESSION_THREADS.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def small_dataset(tmp_path):
    """A valid MNIST-shaped data set file of 60/30/30 examples."""
    return write_pickle_gz(tmp_path / "small.pkl.gz", make_splits())


def run_module(module, *args, env=None, cwd=None, timeout=600):
    """Run ``python -m deeplearning_tutorials.<module> args``; return the process."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", f"deeplearning_tutorials.{module}", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or REPO,
        timeout=timeout,
    )


def error_lines(stdout):
    """The lines of a training log that carry errors (no timing)."""
    return [
        line
        for line in stdout.splitlines()
        if "error" in line or line.startswith("Optimization complete")
    ]


@pytest.fixture
def backend(request):
    """The compilation mode of an operator test (parametrized indirectly); JAX is
    skipped when not installed and runs in the precision of the test (its
    64-bit flag is restored afterwards)."""
    mode, dtype = request.param, request.getfixturevalue("dtype")
    if mode != "JAX":
        yield mode
        return
    jax = pytest.importorskip("jax")
    import pytensor.link.jax.dispatch  # noqa: F401  (sets the flag once, from floatX)

    saved = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", dtype == "float64")
    try:
        yield mode
    finally:
        jax.config.update("jax_enable_x64", saved)
