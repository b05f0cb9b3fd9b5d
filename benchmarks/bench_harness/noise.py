"""The ``noise`` mode: the cost of Theano's MRG noise, training steps with MRG
streams and with PyTensor's generator.

Times, side by side in one process, the training step of each stochastic
tutorial built twice, once with ``rng="mrg"`` (Theano's MRG_RandomStreams, the
default) and once with ``rng="pytensor"`` (PyTensor's native generator):

* ``dA``: 784-500, 30 % corruption, batch 20, under NUMBA (its default);
* ``rbm``: PCD-15, 784-500, batch 20, under CVM (its default);
* ``DBN``: CD-1 of the first RBM, 784-1000, batch 10, under CVM.

Each step's best round gives its time per call; times the number of
minibatches of a training epoch on MNIST, the time of an epoch's training
steps. The ratio MRG / native is the cost of drawing the original's numbers.
"""

import os

import numpy

from bench_harness import common
from bench_harness.steps import minibatch_step

#: model: (minibatches in an epoch of MNIST's 50,000 training images, mode)
MODELS = {"dA": (2500, "NUMBA"), "rbm": (2500, "CVM"), "DBN": (5000, "CVM")}
RNGS = ("mrg", "pytensor")


def training_step(model, rng, mode):
    """The tutorial's training function of ``model`` with noise ``rng``."""
    import pytensor
    import pytensor.tensor as pt

    from deeplearning_tutorials.dA import dA
    from deeplearning_tutorials.machinery.noise import make_random_streams
    from deeplearning_tutorials.rbm import RBM

    train_x = pytensor.shared(common.synthetic_mnist(2000)[0])
    x, index = pt.matrix("x"), pt.lscalar("index")
    numpy_rng = numpy.random.RandomState(123)
    theano_rng = make_random_streams(numpy_rng.randint(2**30), rng)
    if model == "dA":
        batch_size = 20
        net = dA(numpy_rng, theano_rng, input=x, n_visible=784, n_hidden=500)
        cost, updates = net.get_cost_updates(corruption_level=0.3, learning_rate=0.1)
    else:
        batch_size, n_hidden, k = (20, 500, 15) if model == "rbm" else (10, 1000, 1)
        net = RBM(x, 784, n_hidden, numpy_rng=numpy_rng, theano_rng=theano_rng)
        chain = None
        if model == "rbm":
            chain = pytensor.shared(numpy.zeros((batch_size, n_hidden), "float32"))
        cost, updates = net.get_cost_updates(lr=0.1, persistent=chain, k=k)
    return minibatch_step(cost, updates, x, index, train_x, batch_size, mode)


def add_arguments(parser):
    parser.add_argument("--calls", type=int, default=100, help="calls per round (default 100)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; each keeps its best (default 5)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS), metavar="MODEL",
                        help=f"the steps to time: {', '.join(MODELS)} (default: all)")


def run(args):
    from deeplearning_tutorials.machinery import config

    config.configure(floatX="float32")
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    lines = [
        f"Training steps with MRG and native noise, float32, best of {args.rounds} "
        f"interleaved rounds of {args.calls} calls, OPENBLAS_NUM_THREADS={threads}",
        f"{'model':6s} {'mode':6s} {'MRG ms':>8s} {'native ms':>10s} "
        f"{'MRG epoch s':>12s} {'native epoch s':>15s} {'MRG/native':>11s}",
    ]
    record = {}
    for model in args.models:
        mode = MODELS[model][1]
        config.configure(mode=mode)  # e.g. links the BLAS for CVM
        steps = {rng: training_step(model, rng, mode) for rng in RNGS}
        for step in steps.values():
            step(0)  # compiled before the clock starts
        record[model] = summary(model, common.interleaved_timings(steps, args.calls, args.rounds))
        lines.append(row(model, record[model]))
    print("\n".join(lines))
    return {"openblas_num_threads": threads, "models": record, "table": lines}


def summary(model, ms):
    """The record of one model from its ms per call with each generator: an
    epoch's training steps (ms times the minibatches of an epoch) and the
    ratio MRG / native."""
    n_batches, mode = MODELS[model]
    return {
        "mode": mode,
        "ms_per_call": ms,
        "epoch_seconds": {rng: ms[rng] * n_batches / 1e3 for rng in ms},
        "minibatches_per_epoch": n_batches,
        "mrg_over_native": ms["mrg"] / ms["pytensor"],
    }


def row(model, r):
    ms, epoch = r["ms_per_call"], r["epoch_seconds"]
    return (
        f"{model:6s} {r['mode']:6s} {ms['mrg']:8.2f} {ms['pytensor']:10.2f} "
        f"{epoch['mrg']:12.1f} {epoch['pytensor']:15.1f} {r['mrg_over_native']:11.3f}"
    )
