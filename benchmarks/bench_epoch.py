"""Time one epoch of logistic_sgd and of the MLP, PyTensor against plain NumPy.

Not a test: run it on a quiet machine and read the table.

    python benchmarks/bench_epoch.py            # both models, all measurements
    python benchmarks/bench_epoch.py --models logistic_sgd --repeats 5

For each model, in one run and on the same data, batch size and initial
weights (the variants take turns, one epoch each per round, ``--repeats``
rounds, and each keeps its best, so that all see the same changes of load):

* the PyTensor training functions (as the tutorial builds them) run one epoch
  of SGD, then one pass over the validation set, as the early-stopping loop
  does every epoch;
* the same SGD written by hand in NumPy (``numpy_sgd.py``) does the same;
* the ratio NumPy time / PyTensor time (above 1: PyTensor is faster);
* compile times, each in a fresh process: *cold* with an empty compile
  directory (Numba compiles everything), *warm* with the cache filled;
* the PyTensor epoch again with Numba fast-math on, which the project turns
  off by default (see deeplearning_tutorials/machinery/config.py).

The original code under Theano, PyTorch and every backend are measured side
by side, for every tutorial, by ``bench_all.py``.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_epoch.py --json results/bench_epoch.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import timeit

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

BATCH_SIZE = {"logistic_sgd": 600, "mlp": 20}
LEARNING_RATE = {"logistic_sgd": 0.13, "mlp": 0.01}


def build_pytensor_functions(model):
    """Compile the tutorial's train/validate functions; return them and timings."""
    from bench_all import project_supervised

    from deeplearning_tutorials.machinery import data, training

    datasets = data.load_data()
    batch_size = BATCH_SIZE[model]
    start = timeit.default_timer()
    train_model, validate_model, _ = project_supervised(
        model, datasets, batch_size, LEARNING_RATE[model]
    )
    compile_seconds = timeit.default_timer() - start
    n_train, n_valid, _ = training.count_batches(datasets, batch_size)
    return train_model, validate_model, n_train, n_valid, compile_seconds


def time_pytensor_epoch(model, repeats):
    train_model, validate_model, n_train, n_valid, compile_seconds = (
        build_pytensor_functions(model)
    )
    train, validate = [], []
    for _ in range(repeats):
        start = timeit.default_timer()
        for i in range(n_train):
            train_model(i)
        middle = timeit.default_timer()
        for i in range(n_valid):
            validate_model(i)
        train.append(middle - start)
        validate.append(timeit.default_timer() - middle)
    return {"train": min(train), "validate": min(validate), "compile": compile_seconds}


def time_numpy_epoch(model, repeats):
    from numpy_sgd import NumpyLogisticRegression, NumpyMLP, mean_error, train_one_epoch

    from deeplearning_tutorials.machinery.data import read_dataset

    (train_x, train_y), (valid_x, valid_y), _ = read_dataset()
    batch_size = BATCH_SIZE[model]
    train, validate = [], []
    for _ in range(repeats):
        if model == "logistic_sgd":
            reference = NumpyLogisticRegression()
        else:
            reference = NumpyMLP(numpy.random.RandomState(1234))
        start = timeit.default_timer()
        train_one_epoch(reference, train_x, train_y, batch_size, LEARNING_RATE[model])
        middle = timeit.default_timer()
        mean_error(reference, valid_x, valid_y, batch_size)
        train.append(middle - start)
        validate.append(timeit.default_timer() - middle)
    return {"train": min(train), "validate": min(validate)}


def in_fresh_process(model, repeats, flags=""):
    """Run :func:`time_pytensor_epoch` in a new interpreter with PYTENSOR_FLAGS."""
    env = dict(os.environ, PYTENSOR_FLAGS=flags)
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", model, "--repeats", str(repeats)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fastest(rounds):
    """Each time's best over ``rounds`` (the workers' dicts); the rest as given."""
    best = dict(rounds[0])
    for key in ("train", "validate", "compile"):
        if key in best:
            best[key] = min(r[key] for r in rounds)
    return best


def benchmark(model, repeats):
    """Every variant times one epoch in turn, ``repeats`` rounds; each keeps
    its best round, so that all of them see the same changes of load."""
    rounds = {"pytensor": [], "fastmath": [], "numpy": []}
    with tempfile.TemporaryDirectory() as compiledir:  # an empty cache: cold
        flags = f"base_compiledir={compiledir}"
        cold = in_fresh_process(model, 1, flags)
        in_fresh_process(model, 1, flags + ",numba__fastmath=True")  # compiled
        for _ in range(repeats):
            rounds["pytensor"].append(in_fresh_process(model, 1, flags))
            rounds["fastmath"].append(
                in_fresh_process(model, 1, flags + ",numba__fastmath=True")
            )
            rounds["numpy"].append(time_numpy_epoch(model, 1))
    result = {name: fastest(r) for name, r in rounds.items() if r}
    result["cold_compile"] = cold["compile"]
    result["warm_compile"] = result["pytensor"]["compile"]
    return result


def report(model, r):
    pt_epoch = r["pytensor"]["train"] + r["pytensor"]["validate"]
    np_epoch = r["numpy"]["train"] + r["numpy"]["validate"]
    fm_epoch = r["fastmath"]["train"] + r["fastmath"]["validate"]
    print(f"\n{model} (batch {BATCH_SIZE[model]}, float32)")
    print(f"  {'':38s}{'train':>9s}{'validate':>10s}{'epoch':>9s}")
    rows = [
        ("PyTensor NUMBA (fastmath off, default)", r["pytensor"]),
        ("PyTensor NUMBA (fastmath on)", r["fastmath"]),
        ("NumPy by hand", r["numpy"]),
    ]
    for name, t in rows:
        print(
            f"  {name:38s}{t['train']:8.3f}s{t['validate']:9.3f}s"
            f"{t['train'] + t['validate']:8.3f}s"
        )
    print(f"  ratio NumPy / PyTensor (epoch):        {np_epoch / pt_epoch:.2f}x")
    print(f"  ratio fastmath-off / fastmath-on:      {pt_epoch / fm_epoch:.2f}x")
    print(f"  compile: cold {r['cold_compile']:.1f}s, warm {r['warm_compile']:.1f}s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--models",
        nargs="+",
        default=["logistic_sgd", "mlp"],
        choices=sorted(BATCH_SIZE),
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="interleaved rounds, one epoch of every variant each; the fastest is kept",
    )
    parser.add_argument("--json", help="also write the raw timings here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        import deeplearning_tutorials  # noqa: F401  (installs the defaults)

        print(json.dumps(time_pytensor_epoch(args.worker, args.repeats)))
        return
    results = {}
    for model in args.models:
        results[model] = benchmark(model, args.repeats)
        report(model, results[model])
    if args.json:
        from deeplearning_tutorials.machinery import provenance

        results["machine"] = provenance.machine()
        results["load_average_after"] = os.getloadavg()
        results["command"] = (
            f"python benchmarks/bench_epoch.py --models {' '.join(args.models)} "
            f"--repeats {args.repeats} --json {provenance.relative(args.json)}"
        )
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
