"""The RBM training steps: the Gibbs chain as a scan, unrolled, and in NumPy.

Times, side by side on the same data, one training call of

* ``PCD-15``: the rbm tutorial's step (784-500, batch 20, 15 Gibbs steps,
  pseudo-likelihood cost), and
* ``CD-1``: the DBN's first-layer pre-training step (784-1000, batch 10),

built by :meth:`RBM.get_cost_updates` with the chain as a ``scan`` (the
tutorial's code) and unrolled (``unroll=True``), under the CVM and NUMBA
backends, against the same step written directly in NumPy (uniform draws
compared with the probabilities, in place updates).

    python benchmarks/bench_rbm.py [--calls 50] [--rounds 5] [--json results/bench_rbm.json]

The variants run interleaved in one process (each function compiled with
its own ``mode``), and each keeps its best round.
"""

import argparse
import json
import os
import timeit

import numpy

STEPS = {
    # name: (n_visible, n_hidden, batch size, k, persistent)
    "PCD-15 784-500 batch 20": (784, 500, 20, 15, True),
    "CD-1 784-1000 batch 10": (784, 1000, 10, 1, False),
}


def sigmoid(a):
    return 1.0 / (1.0 + numpy.exp(-a))


def data(n=2000, seed=0):
    rng = numpy.random.RandomState(seed)
    return (rng.randint(0, 256, size=(n, 784)) / 256.0).astype("float32")


def numpy_step(n_visible, n_hidden, batch_size, k, persistent):
    """The training step in NumPy, float32; returns ``step(index)``."""
    rng = numpy.random.RandomState(123)
    bound = 4 * numpy.sqrt(6.0 / (n_hidden + n_visible))
    W = rng.uniform(-bound, bound, (n_visible, n_hidden)).astype("f")
    hbias, vbias = numpy.zeros(n_hidden, "f"), numpy.zeros(n_visible, "f")
    chain = numpy.zeros((batch_size, n_hidden), "f")
    noise = numpy.random.default_rng(1)
    x_all = data()
    lr = numpy.float32(0.1)
    bit = [0]

    def free_energy(v):
        return -numpy.logaddexp(0, v @ W + hbias).sum(1) - v @ vbias

    def step(index):
        nonlocal W, hbias, vbias  # updated in place
        x = x_all[index * batch_size : (index + 1) * batch_size]
        ph = sigmoid(x @ W + hbias)
        h = chain if persistent else (noise.random(ph.shape, "f") < ph).astype("f")
        for _ in range(k):
            pv = sigmoid(h @ W.T + vbias)
            v = (noise.random(pv.shape, "f") < pv).astype("f")
            nh = sigmoid(v @ W + hbias)
            h = (noise.random(nh.shape, "f") < nh).astype("f")
        # gradient of mean F(x) - mean F(v), the chain end held constant
        W -= lr * ((v.T @ nh) - (x.T @ ph)) / batch_size
        hbias -= lr * (nh.mean(0) - ph.mean(0))
        vbias -= lr * (v.mean(0) - x.mean(0))
        if persistent:
            chain[...] = h
            xi = numpy.round(x)
            flipped = xi.copy()
            flipped[:, bit[0]] = 1 - flipped[:, bit[0]]
            bit[0] = (bit[0] + 1) % n_visible
            return numpy.mean(
                n_visible * numpy.log(sigmoid(free_energy(flipped) - free_energy(xi)))
            )
        return numpy.mean(numpy.sum(x * numpy.log(pv) + (1 - x) * numpy.log(1 - pv), 1))

    return step


def pytensor_step(n_visible, n_hidden, batch_size, k, persistent, unroll, mode):
    import pytensor
    import pytensor.tensor as pt

    from deeplearning_tutorials.machinery.noise import RandomStreams
    from deeplearning_tutorials.rbm import RBM

    train_x = pytensor.shared(data())
    x, index = pt.matrix("x"), pt.lscalar("index")
    # PyTensor's generator, which can be unrolled (benchmarks/bench_noise.py
    # compares it with the MRG streams)
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
        [index],
        cost,
        updates=updates,
        givens={x: minibatch(train_x, index, batch_size, shape)},
        mode=mode,
    )


def interleaved_timings(steps, n_calls, rounds):
    """ms per call of each step: the best of ``rounds`` interleaved rounds.

    Running every variant a little in turn, several times, and keeping each
    one's best round makes the comparison fair on a machine whose load
    changes (a shared 2-core machine).
    """
    best = {name: float("inf") for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = timeit.default_timer()
            for i in range(n_calls):
                step(i % 100)
            best[name] = min(best[name], (timeit.default_timer() - start) / n_calls)
    return {name: seconds * 1e3 for name, seconds in best.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50, help="calls per round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--json", help="write the timings there")
    args = parser.parse_args(argv)

    from deeplearning_tutorials.machinery import config

    config.configure(floatX="float32")
    lines = [
        f"RBM training steps, float32, best of {args.rounds} interleaved rounds of "
        f"{args.calls} calls, OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}",
        f"{'step':44s} {'ms/call':>9s} {'x NumPy':>8s} {'compile s':>10s}",
    ]
    record = {}
    for name, shape in STEPS.items():
        steps, compile_seconds = {"NumPy": numpy_step(*shape)}, {}
        for mode in ("CVM", "NUMBA"):
            config.configure(mode=mode)  # e.g. links the BLAS for CVM
            for unroll in (False, True):
                label = f"{mode} {'unrolled' if unroll else 'scan'}"
                start = timeit.default_timer()
                steps[label] = pytensor_step(*shape, unroll=unroll, mode=mode)
                steps[label](0)  # Numba compiles at the first call
                compile_seconds[label] = timeit.default_timer() - start
        timings = interleaved_timings(steps, args.calls, args.rounds)
        for label, ms in timings.items():
            compiled = compile_seconds.get(label)
            lines.append(
                f"{name + ' | ' + label:44s} {ms:9.2f} {ms / timings['NumPy']:8.2f} "
                + (f"{compiled:10.1f}" if compiled is not None else "")
            )
        record[name] = {"ms_per_call": timings, "compile_seconds": compile_seconds}
    print("\n".join(lines))
    if args.json:
        from deeplearning_tutorials.machinery import provenance

        machine = provenance.machine()
        with open(args.json, "w") as f:
            json.dump({"steps": record, "table": lines, "machine": machine}, f, indent=2)


if __name__ == "__main__":
    main()
