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

Two more sides and cases, for the porting guide's CVM table: ``--sides
theano,kit,kit_cvm`` adds the kit under PyTensor's C backend, as a porter
asks for it (``THEANO_FLAGS=linker=cvm``, the kind of linker Theano ran);
the cases ``van_amersfoort_vae`` and ``bourez_cnn_dropout`` are two ports of
the legacy corpus, run by ``tests/legacy/harness.py`` on the kit's sides and
by ``tests/oracle/kit_run_corpus_port_under_theano.py`` (the same ported
text, made by the kit side of the same round) on Theano's; they need
``DLT_LEGACY_CORPUS``. ``--cold-only`` skips the warm runs; ``--append``
adds to the runs a record already holds (the record is written after every
run, so a stopped measurement keeps what it measured)::

    DLT_ORIGINAL_CODE=... DLT_LEGACY_CORPUS=... THEANO_PYTHON=... \\
    nice -n 10 python benchmarks/theano_compat_cold_compile.py --cold-only \\
        --sides kit,theano,kit_cvm --rounds 2 \\
        --cases logistic_sgd,mlp,van_amersfoort_vae,bourez_cnn_dropout \\
        --json results/theano_compat_cold_compile_cvm.json

Not a test: compile times move with the load of the machine; read them as a
side-by-side comparison made in one window. The record's ``summary`` keeps,
per case and side, the best of the rounds; CPU seconds (the process's and its
children's: Theano's g++ among them) move less with the load than wall time.
"""

import argparse
import ast
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
CASES = {"logistic_sgd": "float32", "mlp": "float32", "kit_dropout_mlp_2014": "float64",
         "van_amersfoort_vae": "float32", "bourez_cnn_dropout": "float32"}
#: the corpus's cases -> the epochs they run (as results/theano_compat_corpus_cold_*.json)
CORPUS_EPOCHS = {"van_amersfoort_vae": 3, "bourez_cnn_dropout": 1}
HARNESS = os.path.join(REPO, "tests", "legacy", "harness.py")
THEANO_DRIVER = os.path.join(REPO, "tests", "oracle", "kit_run_corpus_port_under_theano.py")


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
        # kit_cvm: Theano's own flag for its C linker, which the kit maps onto CVM
        linker = ",linker=cvm" if side == "kit_cvm" else ""
        env["THEANO_FLAGS"] = f"floatX={floatx}{linker}"
        env["PYTENSOR_FLAGS"] = f"base_compiledir={cache}"
        env["NUMBA_CACHE_DIR"] = os.path.join(cache, "numba_cache_dir")
        env["PYTHONPATH"] = REPO
    return env


def command(side, case, python, workdir, ported):
    """The command of one run and where it runs; and how to read its record."""
    if case not in CORPUS_EPOCHS:
        record_path = os.path.join(workdir, f"{side}_{case}.json")
        return [python, RUNNER, side, case, record_path], workdir, lambda _: _read(record_path)
    epochs = ["--epochs", str(CORPUS_EPOCHS[case])]
    if side == "theano":  # the port the kit side of this round wrote, run from /
        return [python, THEANO_DRIVER, case, ported] + epochs, "/", _result_line
    return [python, HARNESS, case, workdir] + epochs, workdir, _result_line


def _read(path):
    with open(path) as f:
        return json.load(f)


def _result_line(stdout):
    """A corpus run's record: its ``RESULT`` line."""
    line = [row for row in stdout.splitlines() if row.startswith("RESULT ")][-1]
    text = line[len("RESULT "):]
    try:
        result = json.loads(text)  # the harness's
    except json.JSONDecodeError:
        result = ast.literal_eval(text)  # Theano's driver prints a dict's repr
    return result


def run_once(side, case, cache, python, workdir, ported=None):
    """One process; its record with wall time, CPU time and load average."""
    os.makedirs(cache, exist_ok=True)
    argv, cwd, read = command(side, case, python, workdir, ported)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=environment(side, CASES[case], cache),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:  # said, kept in the record, and the other runs go on
        print(f"{side} {case} failed ({done.returncode}):\n{done.stdout[-3000:]}", flush=True)
        record = dict(side=side, case=case, failed=done.returncode,
                      output_tail=done.stdout[-3000:], compile_seconds=float("nan"))
    else:
        record = read(done.stdout)
        record.update(side=side, case=case)
    record.update(
        wall_seconds=round(wall, 2),
        cpu_seconds=round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
        loadavg_before=[round(x, 2) for x in load_before],
        loadavg_after=[round(x, 2) for x in os.getloadavg()],
        started=datetime.datetime.now().isoformat(timespec="seconds"),
    )
    return record


def measure(case, theano_python, rounds, sides=("theano", "kit"), warm=True,
            done=lambda record: None):
    """Each side cold, then each warm (in the order of ``sides``); ``rounds``
    times. A corpus case's Theano side runs the port that the round's first
    kit side wrote, so a kit side must come first."""
    pythons = {side: theano_python if side == "theano" else sys.executable for side in sides}
    runs = []
    for round_ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="dlt_cold_") as top:
            caches = {side: os.path.join(top, f"cache_{side}") for side in pythons}
            ported = None
            for cache in ("cold", "warm") if warm else ("cold",):
                for side, python in pythons.items():
                    workdir = os.path.join(top, f"work_{side}_{cache}")
                    os.makedirs(workdir)
                    record = run_once(side, case, caches[side], python, workdir, ported)
                    ported = ported or workdir
                    record.update(cache=cache, round=round_)
                    print(f"{case:22s} {side:7s} {cache}: compile {record['compile_seconds']:7.1f} s, "
                          f"process {record['wall_seconds']:7.1f} s, cpu {record['cpu_seconds']:7.1f} s, "
                          f"load {record['loadavg_before'][0]:.2f}", flush=True)
                    runs.append(record)
                    done(record)
            shutil.rmtree(top, ignore_errors=True)
    return runs


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return "?"


def summarize(runs):
    """Per case and side, the best of the rounds (the least disturbed by other
    jobs): seconds compiling and CPU seconds of the cold process, CPU seconds
    of the warm one, and the cold process's CPU beyond the warm one's (what
    the cold caches cost)."""
    summary = {}
    for record in runs:
        if record.get("failed"):
            continue
        entry = summary.setdefault(record["case"], {}).setdefault(record["side"], {})
        for key, value in ((f"{record['cache']}_compile_seconds", record["compile_seconds"]),
                           (f"{record['cache']}_cpu_seconds", record["cpu_seconds"]),
                           (f"{record['cache']}_wall_seconds", record["wall_seconds"])):
            entry[key] = min(entry.get(key, value), value)
    for sides in summary.values():
        for entry in sides.values():
            if "warm_cpu_seconds" in entry:
                entry["cold_cache_cpu_seconds"] = round(
                    entry["cold_cpu_seconds"] - entry["warm_cpu_seconds"], 2)
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--sides", default="theano,kit",
                        help="in the order they run: theano, kit, kit_cvm")
    parser.add_argument("--cold-only", action="store_true", help="no warm runs")
    parser.add_argument("--json", help="write the record here")
    parser.add_argument("--append", action="store_true",
                        help="keep the runs the --json record holds and add these")
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
    cases, sides = args.cases.split(","), tuple(args.sides.split(","))
    if any(case in CORPUS_EPOCHS for case in cases) and not os.environ.get("DLT_LEGACY_CORPUS"):
        sys.exit("set DLT_LEGACY_CORPUS to the legacy corpus (tests/legacy/README.md)")
    runs, commands = [], []
    if args.append and args.json and os.path.exists(args.json):
        with open(args.json) as f:
            before = json.load(f)
        runs, commands = before["runs"], before["commands"]

    def write(record=None):
        """The record so far: a run that stops early keeps what it measured."""
        if record is not None:
            runs.append(record)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(dict(header, summary=summarize(runs), runs=runs), f, indent=1)
                f.write("\n")

    header = {
        "what": "cold" + ("" if args.cold_only else " and warm") + " compile of one legacy "
                "script, unchanged (a corpus case: its port), under Theano 1.0.5 and through "
                "the porting kit's import hook (kit: NUMBA; kit_cvm: THEANO_FLAGS=linker=cvm, "
                "PyTensor's C backend); sides alternated",
        "sides": list(sides),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "commands": commands + [
            "python benchmarks/theano_compat_cold_compile.py " + " ".join(argv or sys.argv[1:])],
        "machine": f"{os.cpu_count()} cores, {platform.machine()} ({cpu_model()}), "
                   "shared with other jobs",
        "date": datetime.date.today().isoformat(),
    }
    for case in cases:
        measure(case, theano_python, args.rounds, sides, warm=not args.cold_only, done=write)
    write()


if __name__ == "__main__":
    main()
