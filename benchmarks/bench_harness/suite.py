"""The ``test-run`` mode: the time of the default test run as CI starts it,
the README's command on a cold cache.

    python benchmarks/bench_all.py test-run --json results/test_run.json
    python benchmarks/bench_all.py test-run --beside 1    # a second suite runs beside it

The command is ``python -m pytest`` in the repository root (pytest.ini's
options: every core, the slow and adversarial markers left out), with
``HOME`` pointed at a new empty folder, so that PyTensor's and Numba's compile
caches start empty, as on a fresh CI machine. ``--beside N`` starts N more
copies of the same run at the same moment, each with its own empty cache, to
see the suite pass on a loaded machine; their own summaries go in the record
too. The record holds the wall time, pytest's summary line, the slowest
tests (``--durations``), the machine and the load average before and after.
The exit status is the worst of the runs'.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

from bench_harness.common import ROOT


def start_suite(home, log):
    env = dict(os.environ, HOME=home)
    env.pop("PYTENSOR_FLAGS", None)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    command += ["--durations=15"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )


def summary(text):
    """pytest's last line (``N passed, ... in S s``) and the slowest tests."""
    lines = text.splitlines()
    last = next(
        (l.strip("= ") for l in reversed(lines) if re.search(r"\d+ (passed|failed)", l)),
        "",
    )
    slowest = [
        l.strip() for l in lines if re.match(r"\s*[\d.]+s (call|setup|teardown) ", l)
    ]
    failed = [l.strip() for l in lines if l.startswith(("FAILED ", "ERROR "))]
    return last, slowest, failed


def add_arguments(parser):
    parser.add_argument("--beside", type=int, default=0, metavar="N",
                        help="more copies of the run at the same time (default 0)")


def run(args):
    with tempfile.TemporaryDirectory(prefix="time_tests_") as scratch:
        runs = []
        start = time.monotonic()
        for i in range(1 + args.beside):
            home = os.path.join(scratch, f"home{i}")
            os.makedirs(home)
            log = open(os.path.join(scratch, f"run{i}.log"), "w+")
            runs.append((start_suite(home, log), log))
        ended = {}
        while len(ended) < len(runs):  # each run's own end, whichever comes first
            for i, (proc, _) in enumerate(runs):
                if i not in ended and proc.poll() is not None:
                    ended[i] = time.monotonic() - start
            time.sleep(1)
        results = []
        for i, (proc, log) in enumerate(runs):
            seconds = ended[i]
            log.seek(0)
            last, slowest, failed = summary(log.read())
            log.close()
            results.append({"returncode": proc.returncode, "wall_seconds": round(seconds, 1),
                            "summary": last, "failed": failed, "slowest": slowest})
            print(f"exit {proc.returncode} after {seconds:.0f} s: {last}", flush=True)
    return {
        "measured_command": "python -m pytest",
        "cache": "cold (an empty HOME)",
        "beside": args.beside,
        "runs": results,
        "exit_status": max(r["returncode"] for r in results),
    }
