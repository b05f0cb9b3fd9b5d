"""Cold compile: a legacy script through the porting kit against Theano 1.0.5.

The same script, unchanged, runs in turn under Theano 1.0.5 (Python 3.7,
NumPy 1.19.5, as in ``tests/oracle/run_original_smoke.sh``) and under this project's Python
with ``import theano`` answered by the kit's import hook (NUMBA, the default
backend). Each side first runs *cold* -- Theano with an empty
``base_compiledir``; the kit with an empty PyTensor ``base_compiledir`` (where
PyTensor keeps its Numba cache) and an empty ``NUMBA_CACHE_DIR`` (the
project's own ``cache=True`` kernels) -- then *warm*, on the caches the cold
run filled. The two sides alternate (Theano cold, kit cold, Theano warm, kit
warm) so that both meet the same load; the load average is recorded before
and after every run. One BLAS thread on both sides; Theano calls BLAS through
NumPy's C API (``blas.ldflags`` empty: the machine has no system BLAS to
link, as in the oracle's other runs).

Each run is ``cold_compile_runner.py``: it reports the seconds spent
compiling (inside ``theano.function``, plus each function's first call
beyond its second); the driver adds the process's wall time and CPU time.

    DLT_ORIGINAL_CODE=/path/to/DeepLearningTutorials/code \\
    THEANO_PYTHON=/tmp/oracle/venv37/bin/python \\
    nice -n 10 python benchmarks/theano_compat_cold_compile.py \\
        --json results/theano_compat_cold_compile.json

Not a test: compile times move with the load of the machine; read them as a
side-by-side comparison made in one window. The record's ``summary`` keeps,
per case and side, the best of the rounds; CPU seconds (the process's and its
children's: Theano's g++ among them) move less with the load than wall time.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RUNNER = os.path.join(HERE, "cold_compile_runner.py")
#: case -> floatX it runs in (the dropout script's Theano record is float64)
CASES = {"logistic_sgd": "float32", "mlp": "float32", "kit_dropout_mlp_2014": "float64"}


def environment(side, floatx, cache):
    """The environment of one run: its own compile caches, one BLAS thread."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
    env.pop("PYTENSOR_FLAGS", None)
    if side == "theano":
        env["THEANO_FLAGS"] = (f"floatX={floatx},device=cpu,blas.ldflags=,"
                               f"base_compiledir={cache}")
        env.pop("PYTHONPATH", None)
    else:
        env["THEANO_FLAGS"] = f"floatX={floatx}"
        env["PYTENSOR_FLAGS"] = f"base_compiledir={cache}"
        env["NUMBA_CACHE_DIR"] = os.path.join(cache, "numba_cache_dir")
        env["PYTHONPATH"] = REPO
    return env


def run_once(side, case, cache, python, workdir):
    """One process; its record with wall time, CPU time and load average."""
    os.makedirs(cache, exist_ok=True)
    record_path = os.path.join(workdir, f"{side}_{case}.json")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()
    start = time.perf_counter()
    done = subprocess.run([python, RUNNER, side, case, record_path], cwd=workdir,
                          env=environment(side, CASES[case], cache),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{side} {case} failed ({done.returncode}):\n{done.stdout[-3000:]}")
    with open(record_path) as f:
        record = json.load(f)
    record.update(
        wall_seconds=round(wall, 2),
        cpu_seconds=round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
        loadavg_before=[round(x, 2) for x in load_before],
        loadavg_after=[round(x, 2) for x in os.getloadavg()],
        started=datetime.datetime.now().isoformat(timespec="seconds"),
    )
    return record


def measure(case, theano_python, rounds):
    """Theano cold, kit cold, Theano warm, kit warm; ``rounds`` times."""
    pythons = {"theano": theano_python, "kit": sys.executable}
    runs = []
    for round_ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="dlt_cold_") as top:
            caches = {side: os.path.join(top, f"cache_{side}") for side in pythons}
            for cache in ("cold", "warm"):
                for side, python in pythons.items():
                    workdir = os.path.join(top, f"work_{side}_{cache}")
                    os.makedirs(workdir)
                    record = run_once(side, case, caches[side], python, workdir)
                    record.update(cache=cache, round=round_)
                    print(f"{case:22s} {side:6s} {cache}: compile {record['compile_seconds']:7.1f} s, "
                          f"process {record['wall_seconds']:7.1f} s, cpu {record['cpu_seconds']:7.1f} s, "
                          f"load {record['loadavg_before'][0]:.2f}", flush=True)
                    runs.append(record)
            shutil.rmtree(top, ignore_errors=True)
    return runs


def summarize(runs):
    """Per case and side, the best of the rounds (the least disturbed by other
    jobs): seconds compiling and CPU seconds of the cold process, CPU seconds
    of the warm one, and the cold process's CPU beyond the warm one's (what
    the cold caches cost)."""
    summary = {}
    for record in runs:
        entry = summary.setdefault(record["case"], {}).setdefault(record["side"], {})
        for key, value in ((f"{record['cache']}_compile_seconds", record["compile_seconds"]),
                           (f"{record['cache']}_cpu_seconds", record["cpu_seconds"]),
                           (f"{record['cache']}_wall_seconds", record["wall_seconds"])):
            entry[key] = min(entry.get(key, value), value)
    for sides in summary.values():
        for entry in sides.values():
            entry["cold_cache_cpu_seconds"] = round(
                entry["cold_cpu_seconds"] - entry["warm_cpu_seconds"], 2)
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", help="write the record here")
    parser.add_argument("--summarize", metavar="RECORD",
                        help="add the summary to a record written before, and stop")
    args = parser.parse_args(argv)
    if args.summarize:
        with open(args.summarize) as f:
            record = json.load(f)
        record["summary"] = summarize(record["runs"])
        with open(args.summarize, "w") as f:
            json.dump(record, f, indent=1)
            f.write("\n")
        return
    theano_python = os.environ.get("THEANO_PYTHON", "/tmp/oracle/venv37/bin/python")
    if not os.environ.get("DLT_ORIGINAL_CODE"):
        sys.exit("set DLT_ORIGINAL_CODE to the original repository's code/ folder")
    runs = []
    for case in args.cases.split(","):
        runs += measure(case, theano_python, args.rounds)
    record = {
        "what": "cold and warm compile of one legacy script, unchanged, under Theano 1.0.5 "
                "and through the porting kit's import hook (NUMBA); sides alternated",
        "command": "python benchmarks/theano_compat_cold_compile.py " + " ".join(argv or sys.argv[1:]),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, shared with other jobs",
        "date": datetime.date.today().isoformat(),
        "summary": summarize(runs),
        "runs": runs,
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(record, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
