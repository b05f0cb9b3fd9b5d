"""Where the Numba backend's compile time goes, cold and warm.

Not a test: run it and read the table.

    python benchmarks/profile_compile.py --models logistic_sgd mlp lenet --json results/profile_compile.json

For each model a fresh process builds the tutorial's functions under NUMBA
and calls each once (``bench_all.project_steps``, as the drivers do), first
with empty compile caches (*cold*: PyTensor's compile directory and Numba's
cache in a new temporary folder), then again with the caches it filled
(*warm*). The time is split into:

* ``load data``: reading MNIST into shared variables;
* ``pytensor.function``: building the graphs' functions: PyTensor's graph
  rewrites, and the Numba backend turning each Op into Python source
  (``numba_funcify``), less any Numba compilation inside it;
* ``numba compile``: everything Numba does under its compiler lock (typing,
  lowering to LLVM IR, LLVM), measured with Numba's own events
  (``numba:compiler_lock``), of which
* ``LLVM``: the time LLVM holds its lock (``numba:llvm_lock``: optimising
  the IR, generating machine code, linking), and ``typing + lowering`` the
  rest;
* ``other``: the rest (graph building, the first calls' own run time,
  loading cached machine code).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class Stopwatch:
    """Seconds spent inside a wrapped function (outermost calls only)."""

    def __init__(self):
        self.seconds, self.depth = 0.0, 0

    def wrap(self, function):
        def timed(*args, **kwargs):
            self.depth += 1
            start = timeit.default_timer()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.seconds += timeit.default_timer() - start

        return timed


def measure(model):
    """The split of building ``model``'s functions, in this process."""
    import pytensor
    from bench_all import project_steps
    from numba.core import event

    from deeplearning_tutorials.machinery import data

    numba_seconds, llvm_seconds = [], []
    function_watch, data_watch = Stopwatch(), Stopwatch()
    pytensor.function = function_watch.wrap(pytensor.function)
    data.load_data = data_watch.wrap(data.load_data)
    start = timeit.default_timer()
    with event.install_timer("numba:compiler_lock", numba_seconds.append), \
            event.install_timer("numba:llvm_lock", llvm_seconds.append):
        steps = project_steps(model, "NUMBA")
        for step in steps:
            step(0)
    total = timeit.default_timer() - start
    numba, llvm = sum(numba_seconds), sum(llvm_seconds)
    return {
        "total": total,
        "load data": data_watch.seconds,
        "numba compile": numba,
        "LLVM": llvm,
        "typing + lowering": numba - llvm,
        # compilation inside pytensor.function is counted once, as Numba's
        "pytensor.function": function_watch.seconds,
    }


def in_fresh_process(model, cache_dir):
    env = dict(os.environ)
    flags = [f for f in env.get("PYTENSOR_FLAGS", "").split(",") if f]
    flags = [f for f in flags if not f.startswith(("base_compiledir", "mode"))]
    env["PYTENSOR_FLAGS"] = ",".join([*flags, f"base_compiledir={cache_dir}"])
    env["NUMBA_CACHE_DIR"] = os.path.join(cache_dir, "numba_cache")
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", model],
        env=env, capture_output=True, text=True, check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report(results):
    parts = ["total", "load data", "pytensor.function", "numba compile", "LLVM", "typing + lowering"]
    print(f"{'seconds':22s}" + "".join(f"{p:>19s}" for p in parts))
    for model, runs in results.items():
        for kind, r in runs.items():
            print(f"{model + ', ' + kind:22s}" + "".join(f"{r[p]:19.2f}" for p in parts))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["logistic_sgd", "mlp", "lenet"])
    parser.add_argument("--json", help="write the record here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(measure(args.worker)))
        return
    load_before, results = list(os.getloadavg()), {}
    for model in args.models:
        with tempfile.TemporaryDirectory() as cache_dir:
            results[model] = {
                "cold": in_fresh_process(model, cache_dir),
                "warm": in_fresh_process(model, cache_dir),
            }
    report(results)
    if args.json:
        from deeplearning_tutorials.machinery import provenance

        # LLVM's optimisation level, where the environment sets it (Numba's
        # default is 3)
        opt = os.environ.get("NUMBA_OPT")
        record = {
            "command": (f"NUMBA_OPT={opt} " if opt else "")
            + "python benchmarks/profile_compile.py --models "
            + " ".join(args.models) + f" --json {provenance.relative(args.json)}",
            "machine": provenance.machine(),
            "load_average_before_after": [load_before, list(os.getloadavg())],
            "seconds": results,
        }
        with open(args.json, "w") as f:
            json.dump(record, f, indent=1)


if __name__ == "__main__":
    main()
