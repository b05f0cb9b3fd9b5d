"""Training steps timed call by call, in one process: the modes ``sda-steps``,
``rbm-steps`` and ``dbn-steps``.

Each builds the project's compiled step of a tutorial under the backends it
names, beside the same step written by hand in NumPy (``numpy_nets.py``), on
the same synthetic minibatches (``common.synthetic_mnist``: no download), and
times them in turns, keeping each variant's best round
(``common.interleaved_timings``). The functions that build the project's
steps are shared with the ``threads`` and ``noise`` modes.
"""

import functools
import os

import numpy

from bench_harness import common

# --------------------------------------------------------------------------
# sda-steps: the SdA's batch-size-1 steps
# --------------------------------------------------------------------------

SDA_HELP = """The SdA's batch-size-1 steps, calls per second.

The stacked autoencoder trains with one example per minibatch, so each epoch
is 50,000 calls of a compiled function per layer, and the time goes into the
per-call overhead and into updating the weight matrices (a rank-1 update of a
3-4 MB matrix). Timed side by side on the same data: the project's functions
(SdA.pretraining_functions and SdA.build_finetune_functions) under CVM and
NUMBA, and the same steps in NumPy with the rank-1 weight updates done in
place by BLAS sger (what Theano's in-place Ger did)."""

SDA_CORRUPTION = [0.1, 0.2, 0.3]


def sda_pytensor_steps(mode):
    """The project's SdA steps on 5,000 synthetic examples, compiled with ``mode``."""
    import pytensor

    from deeplearning_tutorials.machinery import config
    from deeplearning_tutorials.machinery.data import shared_dataset
    from deeplearning_tutorials.SdA import SdA
    from numpy_nets import SDA_SIZES

    config.configure(mode=mode)  # links the BLAS for CVM
    datasets = [shared_dataset(common.synthetic_mnist(5000)) for _ in range(3)]
    sda = SdA(numpy.random.RandomState(89677), hidden_layers_sizes=SDA_SIZES[1:])
    fns = sda.pretraining_functions(datasets[0][0], batch_size=1)
    steps = {
        f"pretrain layer {layer}": functools.partial(fn, corruption=corruption, lr=0.001)
        for layer, (fn, corruption) in enumerate(zip(fns, SDA_CORRUPTION))
    }
    steps["finetune"], _, _ = sda.build_finetune_functions(datasets, 1, 0.1)
    for step in steps.values():
        step(0)  # Numba compiles at the first call
    pytensor.config.mode = config.DEFAULT_MODE
    return steps


def sda_numpy_steps():
    from numpy_nets import NumpySdA

    x, y = common.synthetic_mnist(5000)
    model = NumpySdA()
    steps = {
        f"pretrain layer {layer}": functools.partial(
            lambda i, layer, corruption: model.pretrain_step(layer, x[i], corruption, 0.001),
            layer=layer, corruption=corruption,
        )
        for layer, corruption in enumerate(SDA_CORRUPTION)
    }
    steps["finetune"] = lambda i: model.finetune_step(x[i], y[i], 0.1)
    return steps


def run_sda(args):
    from deeplearning_tutorials.machinery import config

    config.configure(floatX="float32")
    variants = {"NumPy + BLAS sger": sda_numpy_steps()}
    for mode in ("CVM", "NUMBA"):
        variants[f"PyTensor {mode}"] = sda_pytensor_steps(mode)
    ms = timings_of_variants(variants, args.calls, args.rounds, n_indices=5000)
    lines = [
        f"batch-size-1 SdA steps, float32, {rounds_line(args)}",
        *variant_table(ms, "step", 18),
    ]
    print("\n".join(lines))
    return {"ms_per_call": ms, "table": lines}


# --------------------------------------------------------------------------
# rbm-steps: the Gibbs chain as a scan, unrolled, and in NumPy
# --------------------------------------------------------------------------

RBM_HELP = """The RBM's training steps: the Gibbs chain as a scan, unrolled, and in NumPy.

Times one training call of PCD-15 (the rbm tutorial's step: 784-500, batch
20, 15 Gibbs steps, pseudo-likelihood cost) and of CD-1 (the DBN's
first-layer pre-training step: 784-1000, batch 10), built by
RBM.get_cost_updates with the chain as a scan (the tutorial's code) and
unrolled (unroll=True), under CVM and NUMBA, against the same step written
directly in NumPy. Every function is compiled with its own mode; the column
'compile s' is building, compiling and the first call."""

RBM_STEPS = {
    # name: (n_visible, n_hidden, batch size, k, persistent)
    "PCD-15 784-500 batch 20": (784, 500, 20, 15, True),
    "CD-1 784-1000 batch 10": (784, 1000, 10, 1, False),
}


def rbm_pytensor_step(n_visible, n_hidden, batch_size, k, persistent, unroll, mode):
    """The project's RBM step on 2,000 synthetic images, with PyTensor's own
    generator (which can be unrolled; the ``noise`` mode compares it with the
    MRG streams)."""
    import pytensor
    import pytensor.tensor as pt

    from deeplearning_tutorials.machinery.noise import RandomStreams
    from deeplearning_tutorials.rbm import RBM

    train_x = pytensor.shared(common.synthetic_mnist(2000)[0])
    x, index = pt.matrix("x"), pt.lscalar("index")
    numpy_rng = numpy.random.RandomState(123)
    theano_rng = RandomStreams(numpy_rng.randint(2**30))
    rbm = RBM(x, n_visible, n_hidden, numpy_rng=numpy_rng, theano_rng=theano_rng)
    chain = None
    if persistent:
        chain = pytensor.shared(numpy.zeros((batch_size, n_hidden), "float32"))
    cost, updates = rbm.get_cost_updates(lr=0.1, persistent=chain, k=k, unroll=unroll)
    return minibatch_step(cost, updates, x, index, train_x, batch_size, mode)


def minibatch_step(cost, updates, x, index, train_x, batch_size, mode):
    """``step(index)``: one training call on minibatch ``index`` of ``train_x``."""
    import pytensor

    from deeplearning_tutorials.machinery.data import minibatch

    shape = train_x.get_value(borrow=True).shape
    return pytensor.function(
        [index], cost, updates=updates,
        givens={x: minibatch(train_x, index, batch_size, shape)}, mode=mode,
    )


def run_rbm(args):
    import timeit

    from deeplearning_tutorials.machinery import config
    from numpy_nets import numpy_rbm_step

    config.configure(floatX="float32")
    lines = [
        f"RBM training steps, float32, {rounds_line(args)}",
        f"{'step':44s} {'ms/call':>9s} {'x NumPy':>8s} {'compile s':>10s}",
    ]
    record = {}
    for name, shape in RBM_STEPS.items():
        steps = {"NumPy": numpy_rbm_step(common.synthetic_mnist(2000)[0], *shape)}
        compile_seconds = {}
        for mode in ("CVM", "NUMBA"):
            config.configure(mode=mode)  # e.g. links the BLAS for CVM
            for unroll in (False, True):
                label = f"{mode} {'unrolled' if unroll else 'scan'}"
                start = timeit.default_timer()
                steps[label] = rbm_pytensor_step(*shape, unroll=unroll, mode=mode)
                steps[label](0)  # Numba compiles at the first call
                compile_seconds[label] = timeit.default_timer() - start
        ms = common.interleaved_timings(steps, args.calls, args.rounds)
        for label, t in ms.items():
            compiled = compile_seconds.get(label)
            lines.append(
                f"{name + ' | ' + label:44s} {t:9.2f} {t / ms['NumPy']:8.2f} "
                + (f"{compiled:10.1f}" if compiled is not None else "")
            )
        record[name] = {"ms_per_call": ms, "compile_seconds": compile_seconds}
    print("\n".join(lines))
    return {"steps": record, "table": lines}


# --------------------------------------------------------------------------
# dbn-steps: the DBN's steps, and what a whole DBN run costs
# --------------------------------------------------------------------------

DBN_HELP = """The DBN's training steps against a NumPy + BLAS floor, and what a full run costs.

The DBN tutorial (784-1000-1000-1000-10, batch 10) spends its time in the
CD-1 update of each RBM during pre-training (100 epochs of 5,000 calls per
layer) and the SGD step of the whole perceptron during fine-tuning (5,000
calls per epoch, plus 1,000 validation minibatches, and 1,000 test minibatches
after each new best). Timed side by side on the same data: the project's
functions (DBN.pretraining_functions, DBN.build_finetune_functions) under CVM,
the DBN's default, and the same steps in NumPy with every weight update done
in place by one BLAS sgemm; then the wall time of a whole run is projected
from the per-call times, for the published schedule (46 fine-tuning epochs)
and for this project's recorded run (432). Compare them with one BLAS thread
(OPENBLAS_NUM_THREADS=1): NumPy and SciPy each bring their own OpenBLAS, and
with two threads per library their idle threads spin against each other on a
2-core machine. --no-baseline times the project's steps alone, for the
projection with all cores."""

DBN_BATCH = 10
N_TRAIN_BATCHES = 5000  # 50,000 training examples
N_EVAL_BATCHES = 1000  # the validation set (every epoch) or the test set, 10,000 examples
PRETRAINING_EPOCHS = 100
# schedule: (fine-tuning epochs, epochs with a new best, which score the test set too);
# the published run's log is not known, so all its epochs count as new bests
SCHEDULES = {
    "published schedule": (46, 46),
    "recorded run (results/pytensor_rng/DBN.log)": (432, 36),
}


def dbn_numpy_steps():
    from numpy_nets import DBN_SIZES, NumpyDBN

    x, y = common.synthetic_mnist(5000)
    model = NumpyDBN()

    def window(i):
        return slice(i * DBN_BATCH, (i + 1) * DBN_BATCH)

    steps = {
        f"CD-1 layer {layer}": (lambda i, layer=layer: model.cd1_step(layer, x[window(i)], 0.01))
        for layer in range(len(DBN_SIZES) - 1)
    }
    steps["fine-tuning step"] = lambda i: model.finetune_step(x[window(i)], y[window(i)], 0.1)
    steps["error of a minibatch"] = lambda i: model.errors(x[window(i)], y[window(i)])
    return steps


def dbn_pytensor_steps(mode):
    """The project's DBN steps on 5,000 synthetic examples, compiled with ``mode``."""
    import pytensor

    from deeplearning_tutorials.DBN import DBN
    from deeplearning_tutorials.machinery import config
    from deeplearning_tutorials.machinery.data import shared_dataset
    from numpy_nets import DBN_SIZES

    config.configure(floatX="float32", mode=mode)
    datasets = [shared_dataset(common.synthetic_mnist(5000)) for _ in range(3)]
    dbn = DBN(numpy.random.RandomState(123), hidden_layers_sizes=DBN_SIZES[1:])
    fns = dbn.pretraining_functions(datasets[0][0], batch_size=DBN_BATCH, k=1)
    steps = {f"CD-1 layer {layer}": (lambda i, fn=fn: fn(i, lr=0.01)) for layer, fn in enumerate(fns)}
    steps["fine-tuning step"], _, _ = dbn.build_finetune_functions(datasets, DBN_BATCH, 0.1)
    steps["error of a minibatch"] = dbn.minibatch_scores[0]
    for step in steps.values():
        step(0)  # compiles where the backend compiles at the first call
    pytensor.config.mode = config.DEFAULT_MODE
    return steps


def projected_minutes(ms):
    """Minutes of a full run, from the ms per call of each step."""
    from numpy_nets import DBN_SIZES

    pretraining = sum(ms[f"CD-1 layer {layer}"] for layer in range(len(DBN_SIZES) - 1)) * (
        PRETRAINING_EPOCHS * N_TRAIN_BATCHES
    )
    per_scoring = ms["error of a minibatch"] * N_EVAL_BATCHES  # a whole set
    per_epoch = ms["fine-tuning step"] * N_TRAIN_BATCHES + per_scoring
    return {
        schedule: (pretraining + epochs * per_epoch + bests * per_scoring) / 60e3
        for schedule, (epochs, bests) in SCHEDULES.items()
    }


def run_dbn(args):
    variants = {"PyTensor CVM": dbn_pytensor_steps("CVM")}
    if not args.no_baseline:
        variants = {"NumPy + BLAS sgemm": dbn_numpy_steps(), **variants}
    ms = timings_of_variants(variants, args.calls, args.rounds, n_indices=5000 // DBN_BATCH)
    lines = [f"DBN steps, float32, batch {DBN_BATCH}, {rounds_line(args)}", *variant_table(ms, "step", 22)]
    projections = {v: projected_minutes(ms[v]) for v in variants}
    lines.append("projected wall time of a whole run (pre-training + fine-tuning):")
    for schedule, (epochs, _) in SCHEDULES.items():
        cells = "".join(f"{projections[v][schedule]:17.1f} min" for v in variants)
        lines.append(f"  {epochs:3d} epochs, {schedule:44s}{cells}")
    print("\n".join(lines))
    return {"ms_per_call": ms, "projected_minutes": projections, "table": lines}


# --------------------------------------------------------------------------
# Shared by the three
# --------------------------------------------------------------------------


def timings_of_variants(variants, n_calls, rounds, n_indices):
    """``{variant: {step: ms per call}}``, every step of every variant timed
    in turns (``common.interleaved_timings``)."""
    flat = {(v, name): step for v, steps in variants.items() for name, step in steps.items()}
    ms = common.interleaved_timings(flat, n_calls, rounds, n_indices)
    return {v: {name: ms[v, name] for name in steps} for v, steps in variants.items()}


def variant_table(ms, first_column, width):
    """One line per step: each variant's ms per call and its ratio to the first's."""
    variants = list(ms)
    baseline = variants[0]
    lines = [f"{first_column:{width}s}" + "".join(f"{v:>24s}" for v in variants)]
    for name, base in ms[baseline].items():
        cells = "".join(f"{ms[v][name]:11.3f} ms ({ms[v][name] / base:4.2f}x)" for v in variants)
        lines.append(f"{name:{width}s}{cells}")
    return lines


def rounds_line(args):
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    return (
        f"best of {args.rounds} interleaved rounds of {args.calls} calls, "
        f"OPENBLAS_NUM_THREADS={threads}"
    )


def add_timing_arguments(parser, calls, rounds):
    parser.add_argument("--calls", type=int, default=calls, help=f"calls per round (default {calls})")
    parser.add_argument("--rounds", type=int, default=rounds, help=f"interleaved rounds; each keeps its best (default {rounds})")


def add_dbn_arguments(parser):
    add_timing_arguments(parser, calls=500, rounds=3)
    parser.add_argument(
        "--no-baseline", action="store_true",
        help="time the project's steps only (for runs with several BLAS threads)",
    )
