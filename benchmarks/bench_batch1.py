"""Calls per second of the SdA's batch-size-1 training steps.

The stacked autoencoder trains with one example per minibatch, so each epoch
is 50,000 calls of a compiled function per layer, and the time goes into the
per-call overhead and into updating the weight matrices (a rank-1 update of a
3-4 MB matrix). This script times, side by side, on the same data:

* the project's functions (``SdA.pretraining_functions`` and
  ``SdA.build_finetune_functions``) under the NUMBA and CVM backends;
* the same steps written by hand in NumPy, with the rank-1 weight updates
  done in place by BLAS ``sger`` (what Theano's in-place ``Ger`` did).

    python benchmarks/bench_batch1.py [--calls 3000] [--json results/bench_batch1.json]

Each backend runs in a fresh subprocess (the backend is a global setting).
"""

import argparse
import json
import os
import subprocess
import sys
import timeit

import numpy
from scipy.linalg import blas

SIZES = [784, 1000, 1000, 1000]
N_OUT = 10


def sigmoid(a):
    return 1.0 / (1.0 + numpy.exp(-a))


class NumpySdA:
    """The SdA's two training steps in NumPy, float32, weights updated in place."""

    def __init__(self, seed=89677):
        rng = numpy.random.RandomState(seed)
        self.W, self.b, self.b_vis = [], [], []
        for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
            bound = 4 * numpy.sqrt(6.0 / (n_in + n_out))
            # Fortran order: sger updates a column-major matrix in place
            self.W.append(
                numpy.asfortranarray(rng.uniform(-bound, bound, (n_in, n_out)), "f")
            )
            self.b.append(numpy.zeros(n_out, "f"))
            self.b_vis.append(numpy.zeros(n_in, "f"))
        self.W_out = numpy.zeros((SIZES[-1], N_OUT), "f", order="F")
        self.b_out = numpy.zeros(N_OUT, "f")
        self.rng = numpy.random.default_rng(1)

    def encode(self, x, layers):
        for W, b in zip(self.W[:layers], self.b[:layers]):
            x = sigmoid(x @ W + b)
        return x

    def pretrain_step(self, layer, x, corruption, lr):
        """One dA step on a single example ``x`` (a vector); returns the cost."""
        x = self.encode(x, layer)
        W, b, c = self.W[layer], self.b[layer], self.b_vis[layer]
        tilde_x = x * (self.rng.random(x.shape, dtype="f") < 1 - corruption)
        h = sigmoid(tilde_x @ W + b)
        z = sigmoid(W @ h + c)
        cost = -numpy.sum(x * numpy.log(z) + (1 - x) * numpy.log(1 - z))
        dz = z - x
        dh = (dz @ W) * h * (1 - h)
        blas.sger(-lr, tilde_x, dh, a=W, overwrite_a=True)
        blas.sger(-lr, dz, h, a=W, overwrite_a=True)
        b -= lr * dh
        c -= lr * dz
        return cost

    def finetune_step(self, x, y, lr):
        """One SGD step of the whole perceptron on one example; returns the cost."""
        activations = [x]
        for W, b in zip(self.W, self.b):
            activations.append(sigmoid(activations[-1] @ W + b))
        a = activations[-1] @ self.W_out + self.b_out
        p = numpy.exp(a - a.max())
        p /= p.sum()
        cost = -numpy.log(p[y])
        delta = p
        delta[y] -= 1
        back = self.W_out @ delta
        blas.sger(-lr, activations[-1], delta, a=self.W_out, overwrite_a=True)
        self.b_out -= lr * delta
        for i in reversed(range(len(self.W))):
            h = activations[i + 1]
            delta = back * h * (1 - h)
            if i > 0:
                back = self.W[i] @ delta
            blas.sger(-lr, activations[i], delta, a=self.W[i], overwrite_a=True)
            self.b[i] -= lr * delta
        return cost


def time_calls(step, n_calls):
    step(0)
    start = timeit.default_timer()
    for i in range(n_calls):
        step(i)
    return (timeit.default_timer() - start) / n_calls


def data(n=5000, seed=0):
    rng = numpy.random.RandomState(seed)
    x = (rng.randint(0, 256, size=(n, 784)) / 256.0).astype("float32")
    y = rng.randint(0, 10, size=n).astype("int64")
    return x, y


def numpy_timings(n_calls):
    x, y = data()
    model = NumpySdA()
    timings = {}
    for layer, corruption in enumerate([0.1, 0.2, 0.3]):
        timings[f"pretrain layer {layer}"] = time_calls(
            lambda i: model.pretrain_step(layer, x[i], corruption, 0.001), n_calls
        )
    timings["finetune"] = time_calls(
        lambda i: model.finetune_step(x[i], y[i], 0.1), n_calls
    )
    return timings


def pytensor_timings(mode, n_calls):
    from deeplearning_tutorials import config

    config.configure(floatX="float32", mode=mode)
    from deeplearning_tutorials.data import shared_dataset
    from deeplearning_tutorials.SdA import SdA

    x, y = data()
    datasets = [shared_dataset((x, y)) for _ in range(3)]
    sda = SdA(numpy.random.RandomState(89677), hidden_layers_sizes=SIZES[1:])
    timings = {}
    fns = sda.pretraining_functions(datasets[0][0], batch_size=1)
    for layer, (fn, corruption) in enumerate(zip(fns, [0.1, 0.2, 0.3])):
        timings[f"pretrain layer {layer}"] = time_calls(
            lambda i: fn(index=i, corruption=corruption, lr=0.001), n_calls
        )
    train_fn, _, _ = sda.build_finetune_functions(datasets, 1, 0.1)
    timings["finetune"] = time_calls(train_fn, n_calls)
    return timings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls per step")
    parser.add_argument("--json", help="write the timings there")
    parser.add_argument("--only", help=argparse.SUPPRESS)  # a subprocess's backend
    args = parser.parse_args(argv)
    if args.only:
        print(json.dumps(pytensor_timings(args.only, args.calls)))
        return
    results = {"NumPy + BLAS sger": numpy_timings(args.calls)}
    for mode in ("CVM", "NUMBA"):
        out = subprocess.run(
            [sys.executable, __file__, "--only", mode, "--calls", str(args.calls)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[f"PyTensor {mode}"] = json.loads(out.stdout.strip().splitlines()[-1])
    baseline = results["NumPy + BLAS sger"]
    lines = [
        f"batch-size-1 SdA steps, float32, {args.calls} calls each, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}",
        f"{'step':18s}" + "".join(f"{name:>22s}" for name in results),
    ]
    for step in baseline:
        cells = "".join(
            f"{t[step] * 1e3:9.3f} ms ({t[step] / baseline[step]:4.2f}x)"
            for t in results.values()
        )
        lines.append(f"{step:18s}{cells}")
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"ms_per_call": results, "table": lines}, f, indent=2)


if __name__ == "__main__":
    main()
