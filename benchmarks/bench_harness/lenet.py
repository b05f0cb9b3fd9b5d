"""The ``lenet`` mode: LeNet's convolution, pooling and a whole epoch,
PyTensor against PyTorch, and the compile time of its three functions.

    python benchmarks/bench_all.py lenet --json results/bench_lenet.json --txt results/bench_lenet.txt
    python benchmarks/bench_all.py lenet --repeats 5 --no-cold
    python benchmarks/bench_all.py lenet --modes NUMBA CVM    # other backends too

Measured, float32, at the default LeNet shapes (batch 500, nkerns [20, 50]):

* ``conv2d`` forward, and forward + backward, of both layers
  (``500x1x28x28 * 20x1x5x5``: the filters' gradient only, as in training;
  ``500x20x12x12 * 50x20x5x5``: the input's and the filters' gradients);
* ``pool_2d`` 2x2 max pooling forward + backward at ``500x20x24x24`` and
  ``500x50x8x8``;
* one full LeNet epoch as ``evaluate_lenet5`` runs it: 100 training
  minibatches, then the 20 validation and 20 test minibatches (every epoch
  improves at the start of training, so the test set is scored too);
* the compile time of the three LeNet functions (building the graph,
  compiling, and the first call, where Numba compiles), in a fresh process:
  *cold* with empty compile caches (PyTensor's and Numba's), *warm* with them
  filled.

The same network in PyTorch (CPU, ``torch.set_num_threads`` = the number of
cores, same initial weights, same minibatches, plain SGD;
``torch_models.TorchLeNet``) is timed the same way, when ``torch`` is
installed (``pip install -e .[bench]``; it is no dependency of the project),
and the table gives PyTorch time / PyTensor time (above 1: PyTensor is
faster). With ``--numpy``, the NumPy LeNet of ``numpy_lenet.py`` is timed
too. The goal of the LeNet issue: a full epoch under 9.7 s (200 epochs faster
than the published GTX 480 run, 32.52 min) and a cold compile under 20 s, on
the project's 2-core machine.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import timeit

import numpy

from bench_harness import common

BATCH, NKERNS, LEARNING_RATE = 500, (20, 50), 0.1
CONV_SHAPES = {
    "conv layer 0": ((BATCH, 1, 28, 28), (NKERNS[0], 1, 5, 5), False),
    "conv layer 1": ((BATCH, NKERNS[0], 12, 12), (NKERNS[1], NKERNS[0], 5, 5), True),
}
POOL_SHAPES = {
    "pool layer 0": (BATCH, NKERNS[0], 24, 24),
    "pool layer 1": (BATCH, NKERNS[1], 8, 8),
}
PUBLISHED_GTX480_SECONDS_PER_EPOCH = 32.52 * 60 / 200


def best_of(function, repeats):
    function()  # warm-up (JIT, caches)
    times = []
    for _ in range(repeats):
        start = timeit.default_timer()
        function()
        times.append(timeit.default_timer() - start)
    return min(times)


# --------------------------------------------------------------------------
# PyTensor
# --------------------------------------------------------------------------


def pytensor_ops(mode, repeats):
    import pytensor
    import pytensor.tensor as pt

    from deeplearning_tutorials.nnet import conv2d, pool_2d

    rng = numpy.random.RandomState(0)
    timings = {}
    for name, (x_shape, w_shape, input_grad) in CONV_SHAPES.items():
        x = pt.tensor4("x", shape=x_shape)
        w = pt.tensor4("w", shape=w_shape)
        out = conv2d(x, w, input_shape=x_shape, filter_shape=w_shape)
        g = pt.tensor4("g", shape=out.type.shape)
        wrt = [x, w] if input_grad else [w]
        grads = pytensor.grad((out * g).sum(), wrt)
        forward = pytensor.function([x, w], out, mode=mode)
        both = pytensor.function([x, w, g], [out, *grads], mode=mode)
        xv = rng.rand(*x_shape).astype("float32")
        wv = rng.uniform(-0.1, 0.1, w_shape).astype("float32")
        gv = rng.randn(*out.type.shape).astype("float32")
        timings[f"{name} forward"] = best_of(lambda: forward(xv, wv), repeats)
        timings[f"{name} forward+backward"] = best_of(lambda: both(xv, wv, gv), repeats)
    for name, shape in POOL_SHAPES.items():
        x = pt.tensor4("x", shape=shape)
        out = pool_2d(x, (2, 2), ignore_border=True)
        g = pt.tensor4("g", shape=out.type.shape)
        both = pytensor.function(
            [x, g], [out, pytensor.grad((out * g).sum(), x)], mode=mode
        )
        xv = rng.randn(*shape).astype("float32")
        gv = rng.randn(*out.type.shape).astype("float32")
        timings[f"{name} forward+backward"] = best_of(lambda: both(xv, gv), repeats)
    return timings


def build_lenet_functions():
    """The three functions of ``evaluate_lenet5``, compiled and run once."""
    import pytensor.tensor as pt

    from deeplearning_tutorials.machinery import data, training
    from deeplearning_tutorials.convolutional_mlp import build_lenet5

    datasets = data.load_data()
    start = timeit.default_timer()
    x, y = pt.matrix("x"), pt.ivector("y")
    layers = build_lenet5(numpy.random.RandomState(23455), x, list(NKERNS), BATCH)
    cost = layers[3].negative_log_likelihood(y)
    params = sum((layer.params for layer in reversed(layers)), [])
    updates = training.sgd_updates(cost, params, LEARNING_RATE)
    models = training.compile_sgd_functions(
        datasets, BATCH, x, y, cost, layers[3].errors(y), updates
    )
    return models, training.count_batches(datasets, BATCH), timeit.default_timer() - start


def epoch_function(models, n_batches):
    train_model, validate_model, test_model = models
    n_train, n_valid, n_test = n_batches

    def epoch():
        for i in range(n_train):
            train_model(i)
        for i in range(n_valid):
            validate_model(i)
        for i in range(n_test):
            test_model(i)

    def training_only():
        for i in range(n_train):
            train_model(i)

    return epoch, training_only


def compile_in_fresh_process(mode, compiledir):
    """Seconds to build and compile the LeNet functions in a new process."""
    env = dict(os.environ)
    flags = [f for f in env.get("PYTENSOR_FLAGS", "").split(",") if f]
    flags = [f for f in flags if not f.startswith(("base_compiledir", "mode"))]
    env["PYTENSOR_FLAGS"] = ",".join([*flags, f"base_compiledir={compiledir}", f"mode={mode}"])
    # Numba's own cache (functions compiled with cache=True outside PyTensor's) too
    env["NUMBA_CACHE_DIR"] = os.path.join(compiledir, "numba_cache")
    proc = subprocess.run(
        [sys.executable, common.BENCH_ALL, "lenet", "--compile-only"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])["compile_seconds"]


# --------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_ops(repeats):
    import torch
    import torch.nn.functional as F

    rng = numpy.random.RandomState(0)
    timings = {}
    for name, (x_shape, w_shape, input_grad) in CONV_SHAPES.items():
        x = torch.from_numpy(rng.rand(*x_shape).astype("float32"))
        w = torch.from_numpy(rng.uniform(-0.1, 0.1, w_shape).astype("float32"))
        x.requires_grad_(input_grad)
        w.requires_grad_(True)
        out_shape = F.conv2d(x.detach(), w.detach()).shape
        g = torch.from_numpy(rng.randn(*out_shape).astype("float32"))

        def forward():
            with torch.no_grad():
                F.conv2d(x, w)

        def both():
            out = F.conv2d(x, w)
            out.backward(g)
            w.grad = x.grad = None

        timings[f"{name} forward"] = best_of(forward, repeats)
        timings[f"{name} forward+backward"] = best_of(both, repeats)
    for name, shape in POOL_SHAPES.items():
        x = torch.from_numpy(rng.randn(*shape).astype("float32")).requires_grad_(True)
        g = torch.from_numpy(
            rng.randn(shape[0], shape[1], shape[2] // 2, shape[3] // 2).astype("float32")
        )

        def both():
            F.max_pool2d(x, 2).backward(g)
            x.grad = None

        timings[f"{name} forward+backward"] = best_of(both, repeats)
    return timings


def torch_epoch_functions():
    import torch
    from torch_models import TorchLeNet

    from deeplearning_tutorials.machinery.data import read_dataset

    torch.set_num_threads(os.cpu_count() or 1)
    splits = [
        (torch.from_numpy(x), torch.from_numpy(y.astype("int64"))) for x, y in read_dataset()
    ]
    net = TorchLeNet(NKERNS, LEARNING_RATE)
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = splits

    def batches(x, y):
        for i in range(len(x) // BATCH):
            yield x[i * BATCH : (i + 1) * BATCH], y[i * BATCH : (i + 1) * BATCH]

    def training_only():
        for xb, yb in batches(train_x, train_y):
            net.train_step(xb, yb)

    def epoch():
        training_only()
        for xb, yb in batches(valid_x, valid_y):
            net.errors(xb, yb)
        for xb, yb in batches(test_x, test_y):
            net.errors(xb, yb)

    return epoch, training_only


def numpy_epoch_seconds():
    from numpy_lenet import NumpyLeNet, mean_error, train_one_epoch

    from deeplearning_tutorials.machinery.data import read_dataset

    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = read_dataset()
    net = NumpyLeNet(numpy.random.RandomState(23455), NKERNS)
    start = timeit.default_timer()
    train_one_epoch(net, train_x, train_y, BATCH, LEARNING_RATE)
    mean_error(net, valid_x, valid_y, BATCH)
    mean_error(net, test_x, test_y, BATCH)
    return timeit.default_timer() - start


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def ratio(torch_seconds, pytensor_seconds):
    if torch_seconds is None or not pytensor_seconds:
        return None
    return torch_seconds / pytensor_seconds


def report(results):
    lines = []
    lines.append(
        f"LeNet benchmark: {results['cpu']}, float32, batch {BATCH}, nkerns "
        f"{list(NKERNS)}; best of {results['repeats']}"
    )
    lines.append(
        f"PyTensor {results['versions']['pytensor']}, NumPy {results['versions']['numpy']}, "
        f"PyTorch {results['versions'].get('torch') or 'not installed'}; "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )
    lines.append("")
    for mode, per_mode in results["pytensor"].items():
        lines.append(f"{'measurement (seconds)':42s} {'PyTensor ' + mode:>16s} {'PyTorch':>10s} {'PyTorch/PyTensor':>17s}")
        for key, seconds in per_mode.items():
            if key.endswith("compile"):
                continue
            theirs = results["torch"].get(key)
            r = ratio(theirs, seconds)
            lines.append(
                f"{key:42s} {seconds:16.4f} "
                f"{'' if theirs is None else f'{theirs:10.4f}':>10s} "
                f"{'' if r is None else f'{r:16.2f}x':>17s}"
            )
        for key in ("cold compile", "warm compile"):
            if key in per_mode:
                lines.append(f"{key + ' (3 LeNet functions)':42s} {per_mode[key]:16.1f}")
        lines.append("")
    if results.get("numpy epoch") is not None:
        lines.append(f"NumPy LeNet by hand, one epoch: {results['numpy epoch']:.2f} s")
    epoch = results["pytensor"].get("NUMBA", {}).get("epoch (train + valid + test)")
    if epoch:
        lines.append(
            f"goal: an epoch under {PUBLISHED_GTX480_SECONDS_PER_EPOCH:.2f} s "
            f"(200 epochs < the published GTX 480 run): {epoch:.2f} s, "
            f"{'met' if epoch < PUBLISHED_GTX480_SECONDS_PER_EPOCH else 'not met'}; "
            f"200 epochs would take {200 * epoch / 60:.1f} min"
        )
    cold = results["pytensor"].get("NUMBA", {}).get("cold compile")
    if cold:
        lines.append(f"goal: cold compile under 20 s: {cold:.1f} s, {'met' if cold < 20 else 'not met'}")
    return "\n".join(lines)


def add_arguments(parser):
    parser.add_argument("--repeats", type=int, default=3, help="each measurement's best of N (default 3)")
    parser.add_argument("--modes", nargs="+", default=["NUMBA"], metavar="MODE", help="PyTensor backends to time (default NUMBA)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold and warm compile timings")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--numpy", action="store_true", help="also time the NumPy LeNet")
    parser.add_argument("--txt", metavar="PATH", help="write the printed table here too (e.g. results/bench_lenet.txt)")
    parser.add_argument("--compile-only", action="store_true", help=argparse.SUPPRESS)


def run(args):
    import deeplearning_tutorials  # noqa: F401  (project defaults: float32, NUMBA)

    if args.compile_only:
        _, _, seconds = build_lenet_functions()
        print(json.dumps({"compile_seconds": seconds}))
        return None

    import pytensor

    from deeplearning_tutorials.machinery import config

    results = {
        "cpu": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "repeats": args.repeats,
        "versions": {"pytensor": pytensor.__version__, "numpy": numpy.__version__},
        "pytensor": {},
        "torch": {},
    }
    for mode in args.modes:
        config.configure(floatX="float32", mode=mode)
        results["pytensor"][mode] = pytensor_measurements(mode, args.repeats, not args.no_cold)
        print(f"... {mode} done", file=sys.stderr)
    if not args.no_torch and torch_available():
        results["versions"]["torch"], results["torch"] = torch_measurements(args.repeats)
        print("... PyTorch done", file=sys.stderr)
    if args.numpy:
        results["numpy epoch"] = numpy_epoch_seconds()
    text = report(results)
    print(text)
    if args.txt:
        common.write_text(args.txt, text)
    return results


def pytensor_measurements(mode, repeats, compile_times):
    per_mode = pytensor_ops(mode, repeats)
    models, n_batches, _ = build_lenet_functions()
    epoch, training_only = epoch_function(models, n_batches)
    per_mode["epoch training only (100 minibatches)"] = best_of(training_only, repeats)
    per_mode["epoch (train + valid + test)"] = best_of(epoch, repeats)
    if compile_times:
        with tempfile.TemporaryDirectory() as compiledir:
            per_mode["cold compile"] = compile_in_fresh_process(mode, compiledir)
            per_mode["warm compile"] = compile_in_fresh_process(mode, compiledir)
    return per_mode


def torch_measurements(repeats):
    """PyTorch's version and its timings of the same operations and epoch."""
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    timings = torch_ops(repeats)
    epoch, training_only = torch_epoch_functions()
    timings["epoch training only (100 minibatches)"] = best_of(training_only, repeats)
    timings["epoch (train + valid + test)"] = best_of(epoch, repeats)
    return torch.__version__, timings
