"""The DBN's training steps against a NumPy + BLAS floor, and what a full run costs.

The DBN tutorial (784-1000-1000-1000-10, batch 10) spends its time in two
steps: the CD-1 update of each RBM during pre-training (100 epochs of 5,000
calls per layer) and the SGD step of the whole perceptron during
fine-tuning (5,000 calls per epoch, plus 1,000 validation minibatches, and
1,000 test minibatches after each new best). This script times, side by
side on the same data:

* the project's functions (``DBN.pretraining_functions`` and
  ``DBN.build_finetune_functions``) under the CVM backend, the DBN's
  default, and
* the same steps written by hand in NumPy, float32, with every weight
  update done in place by one BLAS ``sgemm`` (the least work a step can do
  with these matrix products),

and then projects the wall time of a whole run from the per-call times: for
the published schedule (46 fine-tuning epochs) and for this project's
recorded run (the tutorial's early stopping went on to epoch 432).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_dbn.py [--calls 500] [--rounds 3] [--json results/bench_dbn.json]
    python benchmarks/bench_dbn.py --no-baseline --json results/bench_dbn_2threads.json

The variants run interleaved in one process and each keeps its best round
(see ``bench_batch1.interleaved_timings``). Compare them with one BLAS
thread: NumPy and SciPy each bring their own OpenBLAS, and with two threads
per library their idle threads spin against each other on a 2-core machine
(the NumPy steps then take 10 times longer). ``--no-baseline`` times the
project's steps alone, for the projection with all cores.
"""

import argparse
import json
import os

import numpy
from bench_batch1 import data, interleaved_timings, sigmoid
from scipy.linalg import blas

SIZES = [784, 1000, 1000, 1000]
N_OUT = 10
BATCH = 10
N_TRAIN_BATCHES = 5000  # 50,000 training examples
N_EVAL_BATCHES = 1000  # the validation set (every epoch) or the test set, 10,000 examples
PRETRAINING_EPOCHS = 100
# schedule: (fine-tuning epochs, epochs with a new best, which score the test set too);
# the published run's log is not known, so all its epochs count as new bests
EPOCHS = {
    "published schedule": (46, 46),
    "recorded run (results/pytensor_rng/DBN.log)": (432, 36),
}


def _update(W, alpha, a, b):
    """``W += alpha * a.T @ b`` in place, for a C-ordered ``W``.

    ``W.T`` is Fortran-ordered, which is what BLAS overwrites in place, so
    the product is computed transposed: ``W.T += alpha * b.T @ a``.
    """
    blas.sgemm(alpha, b, a, beta=1.0, c=W.T, trans_a=True, overwrite_c=True)


class NumpyDBN:
    """The DBN's steps in NumPy, float32, weights updated in place."""

    def __init__(self, seed=123, sizes=SIZES, n_out=N_OUT):
        rng = numpy.random.RandomState(seed)
        self.W, self.hbias, self.vbias = [], [], []
        for n_in, n_hidden in zip(sizes[:-1], sizes[1:]):
            bound = 4 * numpy.sqrt(6.0 / (n_in + n_hidden))
            self.W.append(rng.uniform(-bound, bound, (n_in, n_hidden)).astype("f"))
            self.hbias.append(numpy.zeros(n_hidden, "f"))
            self.vbias.append(numpy.zeros(n_in, "f"))
        self.W_out = numpy.zeros((sizes[-1], n_out), "f")
        self.b_out = numpy.zeros(n_out, "f")
        self.rng = numpy.random.default_rng(1)

    def encode(self, x, layers):
        for W, b in zip(self.W[:layers], self.hbias[:layers]):
            x = sigmoid(x @ W + b)
        return x

    def cd1_step(self, layer, x, lr):
        """One CD-1 update of RBM ``layer`` on the minibatch ``x``; returns the cost."""
        v0 = self.encode(x, layer)
        W, hbias, vbias = self.W[layer], self.hbias[layer], self.vbias[layer]
        ph0 = sigmoid(v0 @ W + hbias)
        h0 = (self.rng.random(ph0.shape, dtype="f") < ph0).astype("f")
        pre_v1 = h0 @ W.T + vbias
        pv1 = sigmoid(pre_v1)
        v1 = (self.rng.random(pv1.shape, dtype="f") < pv1).astype("f")
        ph1 = sigmoid(v1 @ W + hbias)
        cost = numpy.mean(
            numpy.sum(v0 * numpy.log(pv1) + (1 - v0) * numpy.log(1 - pv1), axis=1)
        )
        step = lr / len(x)
        _update(W, step, v0, ph0)
        _update(W, -step, v1, ph1)
        hbias += step * (ph0.sum(axis=0) - ph1.sum(axis=0))
        vbias += step * (v0.sum(axis=0) - v1.sum(axis=0))
        return cost

    def forward(self, x):
        activations = [x]
        for W, b in zip(self.W, self.hbias):
            activations.append(sigmoid(activations[-1] @ W + b))
        a = activations[-1] @ self.W_out + self.b_out
        p = numpy.exp(a - a.max(axis=1, keepdims=True))
        return activations, p / p.sum(axis=1, keepdims=True)

    def errors(self, x, y):
        return numpy.mean(numpy.argmax(self.forward(x)[1], axis=1) != y)

    def finetune_step(self, x, y, lr):
        """One SGD step of the perceptron on the minibatch; returns the cost."""
        activations, p = self.forward(x)
        rows = numpy.arange(len(y))
        cost = -numpy.mean(numpy.log(p[rows, y]))
        delta = p
        delta[rows, y] -= 1
        delta /= len(y)
        back = delta @ self.W_out.T
        _update(self.W_out, -lr, activations[-1], delta)
        self.b_out -= lr * delta.sum(axis=0)
        for i in reversed(range(len(self.W))):
            h = activations[i + 1]
            delta = back * h * (1 - h)
            if i > 0:
                back = delta @ self.W[i].T
            _update(self.W[i], -lr, activations[i], delta)
            self.hbias[i] -= lr * delta.sum(axis=0)
        return cost


def minibatch_index(i, n):
    return i % (n // BATCH)


def numpy_steps():
    x, y = data()
    model = NumpyDBN()

    def window(i):
        start = minibatch_index(i, len(x)) * BATCH
        return slice(start, start + BATCH)

    steps = {
        f"CD-1 layer {layer}": (
            lambda i, layer=layer: model.cd1_step(layer, x[window(i)], 0.01)
        )
        for layer in range(len(SIZES) - 1)
    }
    def on_minibatch(method, *args):
        return lambda i: method(x[window(i)], y[window(i)], *args)

    steps["fine-tuning step"] = on_minibatch(model.finetune_step, 0.1)
    steps["error of a minibatch"] = on_minibatch(model.errors)
    return steps


def pytensor_steps(mode):
    """The project's DBN steps, compiled with ``mode``."""
    import pytensor

    from deeplearning_tutorials.machinery import config
    from deeplearning_tutorials.machinery.data import shared_dataset
    from deeplearning_tutorials.DBN import DBN

    config.configure(floatX="float32", mode=mode)
    x, y = data()
    datasets = [shared_dataset((x, y)) for _ in range(3)]
    n = len(x)
    dbn = DBN(numpy.random.RandomState(123), hidden_layers_sizes=SIZES[1:])
    fns = dbn.pretraining_functions(datasets[0][0], batch_size=BATCH, k=1)
    steps = {
        f"CD-1 layer {layer}": (
            lambda i, fn=fn: fn(minibatch_index(i, n), lr=0.01)
        )
        for layer, fn in enumerate(fns)
    }
    train_fn, _, _ = dbn.build_finetune_functions(datasets, BATCH, 0.1)
    validate_i = dbn.minibatch_scores[0]
    steps["fine-tuning step"] = lambda i: train_fn(minibatch_index(i, n))
    steps["error of a minibatch"] = lambda i: validate_i(minibatch_index(i, n))
    for step in steps.values():
        step(0)  # compiles where the backend compiles at the first call
    pytensor.config.mode = config.DEFAULT_MODE
    return steps


def projected_minutes(ms):
    """Minutes of a full run, from the ms per call of each step."""
    pretraining = sum(
        ms[f"CD-1 layer {layer}"] for layer in range(len(SIZES) - 1)
    ) * (PRETRAINING_EPOCHS * N_TRAIN_BATCHES)
    per_scoring = ms["error of a minibatch"] * N_EVAL_BATCHES  # a whole set
    per_epoch = ms["fine-tuning step"] * N_TRAIN_BATCHES + per_scoring
    return {
        schedule: (pretraining + epochs * per_epoch + bests * per_scoring) / 60e3
        for schedule, (epochs, bests) in EPOCHS.items()
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500, help="calls per round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--json", help="write the timings there")
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="time the project's steps only (for runs with several BLAS threads)",
    )
    args = parser.parse_args(argv)

    variants = {"PyTensor CVM": pytensor_steps("CVM")}
    if not args.no_baseline:
        variants = {"NumPy + BLAS sgemm": numpy_steps(), **variants}
    baseline = next(iter(variants))
    best = interleaved_timings(variants, args.calls, args.rounds)
    ms = {v: {n: best[v, n] for n in variants[v]} for v in variants}
    lines = [
        f"DBN steps, float32, batch {BATCH}, best of {args.rounds} interleaved "
        f"rounds of {args.calls} calls, OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}",
        f"{'step':22s}" + "".join(f"{name:>24s}" for name in variants),
    ]
    for name in variants[baseline]:
        cells = "".join(
            f"{ms[v][name]:11.3f} ms ({ms[v][name] / ms[baseline][name]:4.2f}x)"
            for v in variants
        )
        lines.append(f"{name:22s}{cells}")
    projections = {v: projected_minutes(ms[v]) for v in variants}
    lines.append("projected wall time of a whole run (pre-training + fine-tuning):")
    for schedule, (epochs, _) in EPOCHS.items():
        cells = "".join(
            f"{projections[v][schedule]:17.1f} min" for v in variants
        )
        lines.append(f"  {epochs:3d} epochs, {schedule:32s}{cells}")
    print("\n".join(lines))
    if args.json:
        from deeplearning_tutorials.machinery import provenance

        record = {"ms_per_call": ms, "projected_minutes": projections, "table": lines}
        record["machine"] = provenance.machine()
        with open(args.json, "w") as f:
            json.dump(record, f, indent=2)


if __name__ == "__main__":
    main()
