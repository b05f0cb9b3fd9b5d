"""One BLAS thread against two, for the steps whose default depends on it.

The SdA keeps BLAS to one thread by default and the rbm and DBN leave
OpenBLAS its one thread per core (``--blas-threads``). This script times,
side by side in one process, the same compiled functions (CVM, float32) with
the BLAS limit switched between 1 and 2 threads:

* the SdA's batch-1 fine-tuning step (``bench_batch1.py``);
* the rbm's PCD-15 step, batch 20, and the DBN's CD-1 step, batch 10, with
  the Gibbs chain as a scan (``bench_rbm.py``).

    python benchmarks/bench_threads.py [--rounds 5] [--json results/bench_threads.json]

Each limit runs a round of calls of every step in turn, and each keeps its
best round. The record holds the machine, the library versions and the load
average before and after: on a shared machine the second thread competes
with the other jobs for the cores.
"""

import argparse
import json
import os
import sys
import timeit

from bench_batch1 import pytensor_steps
from bench_rbm import STEPS, pytensor_step

CALLS = {"SdA fine-tuning, batch 1": 1000}
CALLS.update({name: 50 for name in STEPS})


def steps():
    sda = pytensor_steps("CVM")
    built = {"SdA fine-tuning, batch 1": sda["finetune"]}
    for name, shape in STEPS.items():
        built[name] = pytensor_step(*shape, unroll=False, mode="CVM")
        built[name](0)
    return built


def timings(built, threads, rounds, limit_blas_threads):
    """ms per call of each step under each thread limit, best of ``rounds``."""
    best = {}
    for _ in range(rounds):
        for n in threads:
            limit_blas_threads(n)
            for name, step in built.items():
                n_calls = CALLS[name]
                start = timeit.default_timer()
                for i in range(n_calls):
                    step(i % 100)
                ms = (timeit.default_timer() - start) / n_calls * 1e3
                best[name, n] = min(best.get((name, n), float("inf")), ms)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--json", help="write the timings there")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    from deeplearning_tutorials.machinery import config, provenance

    config.configure(floatX="float32", mode="CVM")
    load_before = os.getloadavg()
    built = steps()
    threads = (1, 2)
    best = timings(built, threads, args.rounds, config.limit_blas_threads)
    lines = [
        f"CVM steps, float32, BLAS limited to 1 and 2 threads in turn, best of "
        f"{args.rounds} interleaved rounds",
        f"{'step':28s}{'1 thread':>12s}{'2 threads':>12s}{'2 / 1':>8s}",
    ]
    for name in built:
        one, two = best[name, 1], best[name, 2]
        lines.append(f"{name:28s}{one:9.3f} ms{two:9.3f} ms{two / one:7.2f}x")
    load_after = os.getloadavg()
    lines.append(f"load average (1, 5, 15 min): before {load_before}, after {load_after}")
    print("\n".join(lines))
    if args.json:
        record = {
            "ms_per_call": {
                name: {str(n): best[name, n] for n in threads} for name in built
            },
            "calls_per_round": CALLS,
            "rounds": args.rounds,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "machine": provenance.machine(),
            "command": "python benchmarks/bench_threads.py "
            + " ".join(provenance.relative(a) for a in argv),
            "table": lines,
        }
        with open(args.json, "w") as f:
            json.dump(record, f, indent=2)


if __name__ == "__main__":
    main()
