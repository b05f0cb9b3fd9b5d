"""Time the default test run as CI starts it: the README's command, a cold cache.

Not a test: the record it writes is the measurement behind the README's
"Tests" paragraph.

    python benchmarks/time_tests.py --json results/test_run.json
    python benchmarks/time_tests.py --beside 1     # a second suite runs beside it

The command is ``python -m pytest`` in the repository root (pytest.ini's
options: every core, the slow and adversarial markers left out), with
``HOME`` pointed at a new empty folder, so that PyTensor's and Numba's compile
caches start empty, as on a fresh CI machine. ``--beside N`` starts N more
copies of the same run at the same moment, each with its own empty cache, to
see the suite pass on a loaded machine; their own summaries go in the record
too. The record holds the wall time, pytest's summary line, the slowest
tests (``--durations``), the machine and the load average before and after.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--beside", type=int, default=0, metavar="N",
                        help="more copies of the run at the same time (default 0)")
    parser.add_argument("--json", help="write the record here")
    args = parser.parse_args(argv)

    from deeplearning_tutorials.machinery import provenance

    record = {"command": "python -m pytest", "cache": "cold (an empty HOME)",
              "beside": args.beside, "machine": provenance.machine(),
              "load_before": os.getloadavg()}
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
    record["load_after"] = os.getloadavg()
    record["runs"] = results
    if args.json:
        with open(args.json, "w") as f:
            json.dump(record, f, indent=1)
            f.write("\n")
    return max(r["returncode"] for r in results)


if __name__ == "__main__":
    sys.exit(main())
