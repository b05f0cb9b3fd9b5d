"""Where the dA's training step spends its time, part by part, NUMBA beside CVM.

Not a test: run it and read the table.

    OPENBLAS_NUM_THREADS=1 python benchmarks/profile_dA.py --json results/profile_dA.json

Under NUMBA a whole graph is one compiled function, and PyTensor's profiler
cannot split it into Ops. This script splits the dA's training step (784-500,
batch 20, 30 % corruption, the original's MRG noise, float32) into growing
prefixes, each compiled as a function of its own, and times them interleaved
in one process under NUMBA and under CVM:

* ``noise``: the corrupted minibatch (the MRG draws and the mask);
* ``encoder``: and the hidden values;
* ``decoder``: and the reconstruction;
* ``cost``: and the cross-entropy;
* ``gradients``: the cost and the three gradients, returned, nothing updated;
* ``step``: the training step itself, the gradients applied to the weights.

The difference between neighbouring rows is what each part adds.
"""

import argparse
import json
import os

import numpy
from bench_rbm import data, interleaved_timings

PARTS = ["noise", "encoder", "decoder", "cost", "gradients", "step"]
MODES = ["NUMBA", "CVM"]


def dA_prefixes(mode):
    """The functions of ``PARTS``, compiled under ``mode``."""
    import pytensor
    import pytensor.tensor as pt

    from deeplearning_tutorials.machinery import config
    from deeplearning_tutorials.dA import dA
    from deeplearning_tutorials.machinery.data import minibatch
    from deeplearning_tutorials.machinery.noise import make_random_streams

    config.configure(floatX="float32", mode=mode)
    train_x = pytensor.shared(data())
    index, x = pt.lscalar("index"), pt.matrix("x")
    numpy_rng = numpy.random.RandomState(123)
    net = dA(numpy_rng, make_random_streams(numpy_rng.randint(2**30)), x, 784, 500)
    cost, updates = net.get_cost_updates(corruption_level=0.3, learning_rate=0.1)
    tilde_x = net.get_corrupted_input(x, 0.3)
    hidden = net.get_hidden_values(tilde_x)
    reconstruction = net.get_reconstructed_input(hidden)
    gradients = pytensor.grad(cost, net.params)

    def compiled(outputs, step_updates=None):
        noise = net.theano_rng.updates_for(outputs if isinstance(outputs, list) else [outputs])
        return pytensor.function(
            [index], outputs, updates=step_updates or noise,
            givens={x: minibatch(train_x, index, 20)},
        )

    return {
        "noise": compiled(tilde_x),
        "encoder": compiled(hidden),
        "decoder": compiled(reconstruction),
        "cost": compiled(cost),
        "gradients": compiled([cost, *gradients]),
        "step": compiled(cost, updates),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100, help="calls per round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--json", help="write the timings there")
    args = parser.parse_args(argv)

    from deeplearning_tutorials.machinery import provenance

    steps = {}
    for mode in MODES:
        for part, function in dA_prefixes(mode).items():
            function(0)  # compiled before the clock starts
            steps[mode, part] = function
    ms = interleaved_timings(steps, args.calls, args.rounds)
    lines = [
        f"dA 784-500 training step by growing prefixes, batch 20, float32, ms per call, "
        f"best of {args.rounds} interleaved rounds of {args.calls} calls, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}",
        f"{'prefix':12s}" + "".join(f"{mode:>10s}" for mode in MODES),
        *(f"{part:12s}" + "".join(f"{ms[m, part]:10.3f}" for m in MODES) for part in PARTS),
    ]
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "command": "python benchmarks/profile_dA.py "
                    f"--calls {args.calls} --rounds {args.rounds} "
                    f"--json {provenance.relative(args.json)}",
                    "machine": provenance.machine(),
                    "ms_per_call": {m: {p: ms[m, p] for p in PARTS} for m in MODES},
                    "table": lines,
                },
                f,
                indent=1,
            )


if __name__ == "__main__":
    main()
