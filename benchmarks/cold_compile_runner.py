"""One run of a legacy Theano script, timing what it spends compiling.

Started by ``benchmarks/theano_compat_cold_compile.py``, once under Theano
1.0.5 (Python 3.7, the oracle's environment) and once under this project's
Python with ``import theano`` answered by the porting kit's import hook; the
script itself is the same file, unchanged, in both.

    python cold_compile_runner.py theano|kit|kit_cvm CASE RECORD.json

``CASE`` is one of :data:`CASES`. The seconds spent compiling are those spent
inside ``theano.function`` (Theano compiles its C code there) plus each
function's first call beyond its second (Numba compiles at the first call
what its cache does not hold), as ``tests/legacy/harness.py`` counts them for
the corpus. Written for Python 3.7 and later.
"""

import json
import os
import runpy
import sys
import time

START = time.perf_counter()
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST = os.path.join(REPO, "data", "mnist.pkl.gz")
ORIGINAL_CODE = os.environ.get("DLT_ORIGINAL_CODE", "")


def logistic_sgd():
    """The original logistic_sgd.py, one epoch."""
    sys.path.insert(0, ORIGINAL_CODE)
    import logistic_sgd

    logistic_sgd.sgd_optimization_mnist(n_epochs=1, dataset=MNIST)


def mlp():
    """The original mlp.py, one epoch."""
    sys.path.insert(0, ORIGINAL_CODE)
    import mlp

    mlp.test_mlp(n_epochs=1, dataset=MNIST)


def kit_dropout_mlp_2014():
    """The project's legacy dropout script (masks from shared_randomstreams)."""
    runpy.run_path(os.path.join(REPO, "tests", "legacy", "kit_dropout_mlp_2014.py"),
                   run_name="__main__")


CASES = {"logistic_sgd": logistic_sgd, "mlp": mlp, "kit_dropout_mlp_2014": kit_dropout_mlp_2014}


class CompileTimer:
    """Wraps ``theano.function``: the seconds spent building functions and
    in each one's first call beyond its second."""

    def __init__(self, theano):
        self.building, self.first_calls, self.functions = 0.0, 0.0, 0
        original = theano.function

        def timed(*args, **kwargs):
            start = time.perf_counter()
            fn = original(*args, **kwargs)
            self.building += time.perf_counter() - start
            self.functions += 1
            return TimedCalls(fn, self)

        theano.function = timed


class TimedCalls:
    """A compiled function whose first two calls are timed."""

    def __init__(self, fn, timer):
        self._fn, self._timer, self._times = fn, timer, []

    def __getattr__(self, name):
        return getattr(self._fn, name)

    def __call__(self, *args, **kwargs):
        if len(self._times) >= 2:
            return self._fn(*args, **kwargs)
        start = time.perf_counter()
        result = self._fn(*args, **kwargs)
        self._times.append(time.perf_counter() - start)
        if len(self._times) == 2:
            self._timer.first_calls += max(self._times[0] - self._times[1], 0.0)
        return result


def main(side, case, record_path):
    if side.startswith("kit"):  # kit (NUMBA) or kit_cvm (THEANO_FLAGS=linker=cvm)
        import deeplearning_tutorials.theano_compat as kit

        kit.install()
    import theano

    timer = CompileTimer(theano)
    imported = time.perf_counter() - START
    CASES[case]()
    record = {
        "side": side,
        "case": case,
        "python": sys.version.split()[0],
        "theano": getattr(theano, "__version__", "?"),
        "floatX": theano.config.floatX,
        "import_seconds": round(imported, 2),
        "compile_seconds": round(timer.building + timer.first_calls, 2),
        "building_seconds": round(timer.building, 2),
        "first_call_seconds": round(timer.first_calls, 2),
        "functions": timer.functions,
        "process_seconds": round(time.perf_counter() - START, 2),
    }
    with open(record_path, "w") as out:
        json.dump(record, out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
