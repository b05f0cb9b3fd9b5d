"""The ``threads`` mode: one BLAS thread against two, for the steps whose
default depends on it.

The SdA keeps BLAS to one thread by default and the rbm and DBN leave
OpenBLAS its one thread per core (``--blas-threads``). This mode times, side
by side in one process, the same compiled functions (CVM, float32) with the
BLAS limit switched between 1 and 2 threads:

* the SdA's batch-1 fine-tuning step (as ``sda-steps`` builds it);
* the rbm's PCD-15 step, batch 20, and the DBN's CD-1 step, batch 10, with
  the Gibbs chain as a scan (as ``rbm-steps`` builds them).

Each limit runs a round of calls of every step in turn, and each keeps its
best round. On a shared machine the second thread competes with the other
jobs for the cores: the record's load average says how busy it was.
"""

import timeit

from bench_harness import steps as step_builders

SDA_FINETUNE = "SdA fine-tuning, batch 1"
CALLS = {SDA_FINETUNE: 1000, **{name: 50 for name in step_builders.RBM_STEPS}}
THREADS = (1, 2)


def build_steps():
    built = {SDA_FINETUNE: step_builders.sda_pytensor_steps("CVM")["finetune"]}
    for name, shape in step_builders.RBM_STEPS.items():
        built[name] = step_builders.rbm_pytensor_step(*shape, unroll=False, mode="CVM")
        built[name](0)
    return built


def timings(built, rounds, limit_blas_threads):
    """ms per call of each step under each thread limit, best of ``rounds``."""
    best = {}
    for _ in range(rounds):
        for n in THREADS:
            limit_blas_threads(n)
            for name, step in built.items():
                n_calls = CALLS[name]
                start = timeit.default_timer()
                for i in range(n_calls):
                    step(i % 100)
                ms = (timeit.default_timer() - start) / n_calls * 1e3
                best[name, n] = min(best.get((name, n), float("inf")), ms)
    return best


def table(best, rounds):
    lines = [
        f"CVM steps, float32, BLAS limited to 1 and 2 threads in turn, best of "
        f"{rounds} interleaved rounds",
        f"{'step':28s}{'1 thread':>12s}{'2 threads':>12s}{'2 / 1':>8s}",
    ]
    for name in CALLS:
        one, two = best[name, 1], best[name, 2]
        lines.append(f"{name:28s}{one:9.3f} ms{two:9.3f} ms{two / one:7.2f}x")
    return lines


def add_arguments(parser):
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; each keeps its best (default 5)")


def run(args):
    from deeplearning_tutorials.machinery import config

    config.configure(floatX="float32", mode="CVM")
    best = timings(build_steps(), args.rounds, config.limit_blas_threads)
    lines = table(best, args.rounds)
    print("\n".join(lines))
    return {
        "ms_per_call": {name: {str(n): best[name, n] for n in THREADS} for name in CALLS},
        "calls_per_round": CALLS,
        "rounds": args.rounds,
        "table": lines,
    }
