"""Calls per second of the SdA's batch-size-1 training steps.

The stacked autoencoder trains with one example per minibatch, so each epoch
is 50,000 calls of a compiled function per layer, and the time goes into the
per-call overhead and into updating the weight matrices (a rank-1 update of a
3-4 MB matrix). This script times, side by side, on the same data:

* the project's functions (``SdA.pretraining_functions`` and
  ``SdA.build_finetune_functions``) under the NUMBA and CVM backends;
* the same steps written by hand in NumPy, with the rank-1 weight updates
  done in place by BLAS ``sger`` (what Theano's in-place ``Ger`` did).

    python benchmarks/bench_batch1.py [--calls 1000] [--rounds 3] [--json results/bench_batch1.json]

The variants run interleaved in one process (each function compiled with
its own mode) and each keeps its best round.
"""

import argparse
import functools
import json
import os
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


def data(n=5000, seed=0):
    rng = numpy.random.RandomState(seed)
    x = (rng.randint(0, 256, size=(n, 784)) / 256.0).astype("float32")
    y = rng.randint(0, 10, size=n).astype("int64")
    return x, y


def numpy_steps():
    x, y = data()
    model = NumpySdA()
    steps = {
        f"pretrain layer {layer}": functools.partial(
            lambda i, layer, corruption: model.pretrain_step(
                layer, x[i], corruption, 0.001
            ),
            layer=layer,
            corruption=corruption,
        )
        for layer, corruption in enumerate([0.1, 0.2, 0.3])
    }
    steps["finetune"] = lambda i: model.finetune_step(x[i], y[i], 0.1)
    return steps


def pytensor_steps(mode):
    """The project's SdA steps, every function compiled with ``mode``."""
    import pytensor

    from deeplearning_tutorials.machinery import config
    from deeplearning_tutorials.machinery.data import shared_dataset
    from deeplearning_tutorials.SdA import SdA

    config.configure(mode=mode)  # links the BLAS for CVM
    x, y = data()
    datasets = [shared_dataset((x, y)) for _ in range(3)]
    sda = SdA(numpy.random.RandomState(89677), hidden_layers_sizes=SIZES[1:])
    fns = sda.pretraining_functions(datasets[0][0], batch_size=1)
    steps = {
        f"pretrain layer {layer}": functools.partial(
            fn, corruption=corruption, lr=0.001
        )
        for layer, (fn, corruption) in enumerate(zip(fns, [0.1, 0.2, 0.3]))
    }
    steps["finetune"], _, _ = sda.build_finetune_functions(datasets, 1, 0.1)
    for step in steps.values():
        step(0)  # Numba compiles at the first call
    pytensor.config.mode = config.DEFAULT_MODE
    return steps


def interleaved_timings(variants, n_calls, rounds):
    """ms per call of every step of every variant, best of ``rounds`` rounds.

    Each variant runs a little in turn, several times, and keeps its best
    round: a fair comparison on a machine whose load changes.
    """
    best = {}
    for _ in range(rounds):
        for variant, steps in variants.items():
            for name, step in steps.items():
                start = timeit.default_timer()
                for i in range(n_calls):
                    step(i)
                seconds = (timeit.default_timer() - start) / n_calls
                key = (variant, name)
                best[key] = min(best.get(key, float("inf")), seconds * 1e3)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--json", help="write the timings there")
    args = parser.parse_args(argv)
    from deeplearning_tutorials.machinery import config

    config.configure(floatX="float32")
    variants = {"NumPy + BLAS sger": numpy_steps()}
    for mode in ("CVM", "NUMBA"):
        variants[f"PyTensor {mode}"] = pytensor_steps(mode)
    best = interleaved_timings(variants, args.calls, args.rounds)
    lines = [
        f"batch-size-1 SdA steps, float32, best of {args.rounds} interleaved rounds "
        f"of {args.calls} calls, OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}",
        f"{'step':18s}" + "".join(f"{name:>24s}" for name in variants),
    ]
    baseline = "NumPy + BLAS sger"
    for name in variants[baseline]:
        cells = "".join(
            f"{best[v, name]:11.3f} ms ({best[v, name] / best[baseline, name]:4.2f}x)"
            for v in variants
        )
        lines.append(f"{name:18s}{cells}")
    print("\n".join(lines))
    if args.json:
        table = {v: {n: best[v, n] for n in variants[v]} for v in variants}
        from deeplearning_tutorials.machinery import provenance

        record = {"ms_per_call": table, "table": lines, "machine": provenance.machine()}
        with open(args.json, "w") as f:
            json.dump(record, f, indent=2)


if __name__ == "__main__":
    main()
