"""The ``rnnslu`` mode: one epoch of rnnslu, this project's backends and the
original, back to back.

    python benchmarks/bench_all.py rnnslu --data-dir DIR [--modes NUMBA CVM] [--repeat 2]
        [--json results/rnnslu_epoch_times.json]

Each run is one epoch of the original's defaults on ATIS fold 3 (DIR holds
atis.fold3.pkl.gz), in float32, with one BLAS thread, started as a program:
``python -m deeplearning_tutorials.rnnslu --nepochs 1 --mode M`` for each mode,
and, where the original's environment is found (Python 3.7 with Theano 1.0.5,
and the original's code/ folder), the original ``rnnslu.main`` through
tests/oracle/original_rnnslu_driver.py. A first epoch of each, not kept,
fills the compile caches and the page cache; then the runs alternate (ours,
..., the original, then again), so that they share the machine's load. Each
keeps the training time the run printed (``[learning] epoch 0 >> 100.00%
completed in S (sec)``, wall clock, compilation excluded for both: Theano
compiles in ``theano.function``, this project before the first epoch) and the
CPU seconds of the same span (``time.process_time``), which other jobs on the
machine change much less; and the load average before and after.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time

from bench_harness import common
from bench_harness.common import ROOT

DRIVER = os.path.join(ROOT, "tests", "oracle", "original_rnnslu_driver.py")
LAST_EPOCH_TIME = re.compile(r"epoch 0 >> 100\.00% completed in ([0-9.]+) \(sec\)")


def run(command, env, cwd):
    started, load = time.time(), os.getloadavg()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} ... failed: {done.stderr[-2000:]}")
    times = LAST_EPOCH_TIME.findall(done.stdout)
    return {
        "printed_train_seconds": float(times[-1]),
        "wall_seconds_of_process": time.time() - started,
        "load_average_before": load,
        "load_average_after": os.getloadavg(),
        "scores_line": next(
            line.split("\r")[-1] for line in done.stdout.split("\n") if "NEW BEST" in line
        ),
    }


def ours(mode, data_dir, work):
    record = os.path.join(work, f"ours_{mode}.json")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env.pop("PYTENSOR_FLAGS", None)
    command = [sys.executable, "-m", "deeplearning_tutorials.rnnslu", "--data-dir", data_dir,
               "--nepochs", "1", "--mode", mode, "--floatX", "float32", "--blas-threads", "1",
               "--folder", os.path.join(work, f"predictions_{mode}"), "--results-json", record]
    result = run(command, env, ROOT)
    with open(record) as f:
        result["train_cpu_seconds"] = json.load(f)["train_cpu_seconds_per_epoch"][0]
    return result


def original(python, code, data_dir, work):
    folder = os.path.join(work, "original")
    os.makedirs(folder, exist_ok=True)
    link = os.path.join(folder, "conlleval.pl")
    if not os.path.exists(link):
        os.symlink(os.path.join(code, "conlleval.pl"), link)
    values = os.path.join(work, "original.json")
    env = dict(os.environ, PYTHONPATH=code, ATISDATA=data_dir, OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1",
               THEANO_FLAGS="floatX=float32,device=cpu,base_compiledir="
               + os.path.join(work, "theano_compiledir"))
    result = run([python, "-u", DRIVER, folder, values, "--nepochs", "1"], env, code)
    with open(values) as f:
        result["train_cpu_seconds"] = json.load(f)["train_cpu_seconds"][0]
    return result


def add_arguments(parser):
    parser.add_argument("--data-dir", required=True, metavar="DIR", help="the folder that holds atis.fold3.pkl.gz")
    parser.add_argument("--modes", nargs="+", default=["NUMBA", "CVM"], metavar="MODE", help="this project's backends (default NUMBA CVM)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, after the first (default 2)")
    common.add_original_arguments(parser)


def run(args):
    data_dir = os.path.abspath(args.data_dir)
    if not os.path.isfile(os.path.join(data_dir, "atis.fold3.pkl.gz")):
        raise SystemExit(f"error: --data-dir {args.data_dir}: no atis.fold3.pkl.gz there")
    original_env = common.original_from(args)
    runs = []
    with tempfile.TemporaryDirectory() as work:
        # a first epoch of each, not kept: compile caches, data in the page cache
        for mode in args.modes:
            ours(mode, data_dir, work)
        if original_env:
            original(*original_env, data_dir, work)
        for repeat in range(args.repeat):
            for mode in args.modes:
                runs.append({"who": f"ours {mode}", "repeat": repeat, **ours(mode, data_dir, work)})
                print(runs[-1], flush=True)
            if original_env:
                runs.append({"who": "original (Theano 1.0.5)", "repeat": repeat,
                             **original(*original_env, data_dir, work)})
                print(runs[-1], flush=True)
    return {
        "what": "one epoch of rnnslu's defaults on ATIS fold 3, float32, one BLAS thread",
        "cores": os.cpu_count(),
        "runs": runs,
    }
