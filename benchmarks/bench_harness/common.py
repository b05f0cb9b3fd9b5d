"""What every measurement of the harness shares: where things are, the
original's environment, the machine's load, timing variants in turns, and the
record a run leaves.

A benchmark here compares variants *side by side*: they run in turns, a
little each, several rounds, and each keeps its best round, so that all of
them meet the same changes of the machine's load (a shared 2-core machine).
A figure is never compared with another run's.
"""

import os
import sys
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = os.path.dirname(HERE)
ROOT = os.path.dirname(BENCHMARKS)
#: the command every mode is started by (its workers too)
BENCH_ALL = os.path.join(BENCHMARKS, "bench_all.py")
MNIST = os.path.join(ROOT, "data", "mnist.pkl.gz")
#: where the original's environment is built (``tests/fixtures/README.md``)
ORACLE = "/tmp/oracle"
#: environment variables that change what a benchmark measures; a record's
#: command names those that were set
MEASURED_ENVIRONMENT = (
    "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_OPT", "DLT_COMPILE_AHEAD",
    "DLT_NUMBA_GRAPH_OPT",
)


# --------------------------------------------------------------------------
# The original code under Theano 1.0.5
# --------------------------------------------------------------------------


def add_original_arguments(parser):
    """``--original-python``, ``--original-code`` and ``--no-original``."""
    parser.add_argument(
        "--original-python", metavar="PY37",
        help=f"Theano 1.0.5's Python (default {ORACLE}/venv37/bin/python)",
    )
    parser.add_argument(
        "--original-code", metavar="CODE_DIR",
        help=f"the original repository's code/ folder (default {ORACLE}/src/code)",
    )
    parser.add_argument(
        "--no-original", action="store_true",
        help="leave the original under Theano out, even where its environment exists",
    )


def find_original(python=None, code_dir=None):
    """``(python, code_dir)`` of the original's environment, or None where it
    is not there: a baseline that cannot run is left out, with a note, never
    replaced by a stored figure."""
    python = python or os.path.join(ORACLE, "venv37", "bin", "python")
    code_dir = code_dir or os.path.join(ORACLE, "src", "code")
    if os.path.exists(python) and os.path.isdir(code_dir):
        return python, os.path.abspath(code_dir)
    return None


def original_from(args):
    """The original's environment the arguments name, or None (with a note)."""
    if args.no_original:
        return None
    original = find_original(args.original_python, args.original_code)
    if original is None:
        print("note: the original under Theano 1.0.5 is left out (its environment was not found)")
    return original


# --------------------------------------------------------------------------
# Timing in turns
# --------------------------------------------------------------------------


def interleaved_timings(steps, n_calls, rounds, n_indices=100):
    """ms per call of each ``steps[name](i)``: the best of ``rounds`` rounds,
    in each of which every step makes ``n_calls`` calls in turn (minibatch
    ``i`` cycling over ``n_indices``)."""
    best = {name: float("inf") for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = timeit.default_timer()
            for i in range(n_calls):
                step(i % n_indices)
            best[name] = min(best[name], (timeit.default_timer() - start) / n_calls)
    return {name: seconds * 1e3 for name, seconds in best.items()}


def synthetic_mnist(n, seed=0):
    """``n`` random images shaped like MNIST's (float32 in [0, 1)) and labels:
    the data of the step benchmarks, which need no download."""
    import numpy

    rng = numpy.random.RandomState(seed)
    x = (rng.randint(0, 256, size=(n, 784)) / 256.0).astype("float32")
    y = rng.randint(0, 10, size=n).astype("int64")
    return x, y


# --------------------------------------------------------------------------
# The record
# --------------------------------------------------------------------------


def command_line(argv, environ=None):
    """The command that ran, as a user would type it again: the environment
    variables that change the measurement, ``python benchmarks/bench_all.py``
    and the arguments, paths relative to the repository."""
    from deeplearning_tutorials.machinery import provenance

    environ = os.environ if environ is None else environ
    settings = [f"{name}={environ[name]}" for name in MEASURED_ENVIRONMENT if name in environ]
    words = [provenance.relative(word, ROOT) for word in argv]
    return " ".join([*settings, "python", "benchmarks/bench_all.py", *words])


def provenance_fields(argv, load_before):
    """The fields every record starts with: the command, the machine (CPU,
    versions, BLAS threads) and the load average before and after the run."""
    from deeplearning_tutorials.machinery import provenance

    return {
        "command": command_line(argv),
        "machine": provenance.machine(),
        "load_average_before_after": [list(load_before), list(os.getloadavg())],
    }


def write_json(path, record):
    import json

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")


def write_text(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text if text.endswith("\n") else text + "\n")


def project_on_path():
    """Make ``deeplearning_tutorials`` and the reference implementations
    (``numpy_sgd``, ``torch_models``, ...) importable, as when the harness is
    run from a checkout without ``pip install -e .``."""
    for folder in (BENCHMARKS, ROOT):
        if folder not in sys.path:
            sys.path.insert(0, folder)
