"""Where the rbm's PCD-15 training step spends its time, Op by Op.

Not a test: run it and read the profile.

    OPENBLAS_NUM_THREADS=1 python benchmarks/profile_rbm.py --calls 200 --out results/profile_rbm.txt

Builds the rbm tutorial's training function (784-500, batch 20, PCD-15, the
original's MRG noise, float32) under CVM, its default backend, with
PyTensor's profiler on for the function and for the ``scan`` of the Gibbs
chain, calls it ``--calls`` times, and writes
PyTensor's two profiles (the function's Ops, and the Ops inside one Gibbs
step with the time ``scan`` spends between the steps) under a header with
the command and the machine.
"""

import argparse
import io
import json
import sys
import timeit

import numpy
from bench_rbm import data


def profiled_step(calls):
    """The profiles of ``calls`` training steps, as PyTensor prints them."""
    import pytensor
    import pytensor.tensor as pt

    from deeplearning_tutorials.machinery.data import minibatch
    from deeplearning_tutorials.machinery.noise import make_random_streams
    from deeplearning_tutorials.rbm import RBM

    train_x = pytensor.shared(data())
    index, x = pt.lscalar("index"), pt.matrix("x")
    numpy_rng = numpy.random.RandomState(123)
    chain = pytensor.shared(numpy.zeros((20, 500), "float32"))
    rbm = RBM(x, 784, 500, numpy_rng=numpy_rng,
              theano_rng=make_random_streams(numpy_rng.randint(2**30)))
    with pytensor.config.change_flags(profile=True):
        cost, updates = rbm.get_cost_updates(lr=0.1, persistent=chain, k=15)
        step = pytensor.function(
            [index], cost, updates=updates,
            givens={x: minibatch(train_x, index, 20)}, name="rbm PCD-15 step",
        )
    start = timeit.default_timer()
    for i in range(calls):
        step(i % 2500)
    seconds = timeit.default_timer() - start
    text = io.StringIO()
    step.profile.summary(file=text, n_ops_to_print=12, n_apply_to_print=12)
    for node in step.maker.fgraph.toposort():
        if type(node.op).__name__ == "Scan":  # the Gibbs chain's inner profile
            node.op.fn.profile.summary(file=text, n_ops_to_print=12, n_apply_to_print=12)
    return seconds / calls, text.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="profiled calls")
    parser.add_argument("--out", help="write the profile there (e.g. results/profile_rbm.txt)")
    args = parser.parse_args(argv)

    from deeplearning_tutorials.machinery import config, provenance

    config.configure(floatX="float32", mode="CVM")
    per_call, profile = profiled_step(args.calls)
    header = [
        "# command: " + " ".join(["python", "benchmarks/profile_rbm.py", *sys.argv[1:]]),
        "# machine: " + json.dumps(provenance.machine()),
        f"# {args.calls} calls, {per_call * 1e3:.3f} ms per call "
        "(rbm PCD-15 784-500, batch 20, MRG noise, float32, CVM, profiler on)",
        "",
    ]
    text = "\n".join(header) + profile
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
