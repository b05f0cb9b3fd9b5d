"""The ``start`` mode: how long each tutorial takes to start training, cold
and warm, side by side with the original under Theano 1.0.5.

    python benchmarks/bench_all.py start --json results/start_times.json
    python benchmarks/bench_all.py start --models logistic_sgd --no-original
    python benchmarks/bench_all.py start --warm-only --before 2969a6f --no-original --json results/start_times_warm.json
    python benchmarks/bench_all.py start --parts --json results/start_parts.json
    python benchmarks/bench_all.py start --models rnnslu rnnrbm lstm --data-dir DATA --no-original

For each model, in turn, four runs of this project and four of the original,
each a fresh process with its default settings:

* *cold*: a compile directory made empty for the run (``base_compiledir``
  for PyTensor and for Theano), as on a new machine;
* *warm*: the same command again, finding what the cold run compiled;

and for each the seconds from starting the process to its **first training
step** (this project: the moment its training loop calls
``startup.first_step``, as its records' ``startup_seconds`` say; the original:
the first call of any compiled Theano function, since Theano compiles every
function when it is made and the original calls none before it trains). The
process is stopped there. For ``logistic_sgd`` and ``mlp`` a fifth and sixth
run, cold and warm, go on to their **first epoch line** (``epoch 1,
minibatch ...``), timed from the start of the command as a user sees it.
Each model's runs have a decoded-data cache of their own
(``DLT_DATA_CACHE``, ``machinery/data_cache.py``), empty for the cold run as
on a new machine, filled by it for the warm one.

``--models rnnslu rnnrbm lstm`` (or any of them with the others) times the
three tutorials whose data the project may not ship, on this project alone:
rnnslu on ATIS fold 3 and rnnrbm on the Nottingham MIDI files, both from
``--data-dir`` (default ``$DLT_SHARED_DATA``; a model whose file is not
there is left out, with the reason in the record), and the LSTM on a
generated stand-in for IMDB's ``imdb.pkl`` (``tests/generated_imdb.py``,
the original's format), written for the run.

``--warm-only`` times warm starts alone, ``--repeat`` times each (3 by
default): one run fills the compile and data caches (untimed), then the
warm runs to the first step follow one another; the record keeps every
time and the table shows their median. ``--before REV`` (with
``--warm-only``) times the project as it was at commit ``REV`` too (its
files, from ``git archive``), each run of it right after one of the working
tree's, so that both meet the same load; without ``--warm-only``, its cold
and warm runs of each model follow the working tree's.

``--parts`` times two parts of every warm start instead, each in fresh
processes, ``--repeat`` times (median kept): importing the package and then
PyTensor's Numba backend, as a tutorial on it does at its first compile
(from ``python -X importtime``: the package, PyTensor within it, Numba and
PyTensor's Numba dispatch), and reading MNIST with ``data.read_dataset``,
decoded from the gzipped pickle (``DLT_DATA_CACHE=0``) and mapped from the
decoded cache.

``--profile`` runs each model's warm start once more under ``cProfile``
(after a run that fills its caches; with ``--before``, the project at that
commit too) and records the first step's time and the cumulative seconds of
the calls named in :data:`PROFILED`, where the warm start spends them.
Times under the profiler are longer than without it: compare them with one
another, not with the table's.

The original runs in its own environment (``--original-python``,
``--original-code``; by default ``/tmp/oracle``, see
``common.find_original``); without it, its columns are left out, with a
note. Both sides get one BLAS thread and the machine's load average is
recorded before and after: the two columns of a row ran minutes apart, not
at the same moment, so compare them on a quiet machine.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

from bench_harness import common
from bench_harness.common import MNIST, ROOT

#: model: (this project's extra flags, the original's call)
MODELS = {
    "logistic_sgd": ([], "import logistic_sgd; logistic_sgd.sgd_optimization_mnist()"),
    # the original's conjugate gradient runs in float64 only (SciPy hands it
    # float64 parameters): both sides run it so
    "logistic_cg": (["--floatX", "float64"], "import logistic_cg; logistic_cg.cg_optimization_mnist()"),
    "mlp": ([], "import mlp; mlp.test_mlp()"),
    "convolutional_mlp": ([], "import convolutional_mlp; convolutional_mlp.evaluate_lenet5()"),
    "dA": ([], "import dA; dA.test_dA()"),
    "SdA": ([], "import SdA; SdA.test_SdA()"),
    "cA": ([], "import cA; cA.test_cA()"),
    "rbm": ([], "import rbm; rbm.test_rbm()"),
    "DBN": ([], "import DBN; DBN.test_DBN()"),
    "hmc": ([], "from hmc import test_hmc; test_hmc.test_hmc()"),
}
#: the models that read data the project may not ship: model -> the file they
#: need under the shared data folder (--data-dir), or None for the LSTM, which
#: reads a generated stand-in for IMDB's imdb.pkl (tests/generated_imdb.py:
#: the original's format, 300 reviews; the real file is not available here)
DATA_MODELS = {"rnnslu": "atis/atis.fold3.pkl.gz", "rnnrbm": "Nottingham.zip", "lstm": None}
#: the models whose first epoch line is timed too
FIRST_EPOCH = ("logistic_sgd", "mlp")
EPOCH_LINE = re.compile(r"^epoch 1, minibatch")

# Runs this project's module as ``python -m`` would, and leaves at the first
# training step, printing the seconds since the process started.
OURS = textwrap.dedent(
    """
    import json, os, runpy, sys, time
    from deeplearning_tutorials.machinery import startup

    def first_step():
        print("START " + json.dumps(time.time() - startup.process_start()), flush=True)
        os._exit(0)

    startup.first_step = first_step
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    """
)

# Runs the original's call under Theano, and leaves at the first call of a
# compiled function.
ORIGINAL = textwrap.dedent(
    """
    import json, os, sys, time
    started = time.time() - (
        float(open("/proc/uptime").read().split()[0])
        - int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
        / os.sysconf("SC_CLK_TCK"))
    from theano.compile import function_module

    def first_call(self, *args, **kwargs):
        print("START " + json.dumps(time.time() - started), flush=True)
        os._exit(0)

    function_module.Function.__call__ = first_call
    exec(sys.argv[1])
    """
)


def run_until(command, env, cwd, pattern, timeout):
    """Seconds from starting ``command`` to its first line matching
    ``pattern`` (or the number a ``START`` line carries); the process is
    stopped there. None if it ended or timed out first."""
    started = time.time()
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=env, cwd=cwd, bufsize=1,
    )
    try:
        for line in proc.stdout:
            if line.startswith("START "):
                return float(line.split()[1])
            if pattern is not None and pattern.search(line):
                return time.time() - started
            if time.time() - started > timeout:
                break
        return None
    finally:
        proc.kill()
        proc.wait()


def our_run(model, flags, scratch, root=ROOT):
    """The command to the first step and its environment: the project's
    files at ``root``, a compile directory and a decoded-data cache of this
    run's own, empty at first (machinery/data_cache.py), and compiling ahead
    as on an idle machine, whatever the load average when the benchmark runs
    (machinery/compile_ahead.py)."""
    cache = tempfile.mkdtemp(prefix=f"ours-{model}-", dir=scratch)
    env = dict(os.environ, PYTENSOR_FLAGS=f"base_compiledir={cache}",
               OPENBLAS_NUM_THREADS="1", PYTHONPATH=root, DLT_COMPILE_AHEAD_ANY_LOAD="1",
               DLT_DATA_CACHE=tempfile.mkdtemp(prefix=f"data-{model}-", dir=scratch))
    return [sys.executable, "-c", OURS, f"deeplearning_tutorials.{model}", *flags], env


# Like OURS, under cProfile: at the first step, the cumulative seconds of the
# calls named in PROFILED (file suffix, function name), as JSON.
PROFILED_RUN = textwrap.dedent(
    """
    import cProfile, json, os, pstats, runpy, sys, time
    profile = cProfile.Profile()
    profile.enable()
    from deeplearning_tutorials.machinery import startup

    def first_step():
        profile.disable()
        wanted = json.loads(os.environ["DLT_PROFILED"])
        found = {name: 0.0 for name in wanted}
        for (path, _, function), row in pstats.Stats(profile).stats.items():
            for name, (suffix, called) in wanted.items():
                if path.endswith(suffix) and function == called:
                    found[name] = max(found[name], row[3])
        found["first step"] = time.time() - startup.process_start()
        print("PROFILE " + json.dumps(found), flush=True)
        os._exit(0)

    startup.first_step = first_step
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    """
)
#: what --profile records: name -> (the file's path ends with, function)
PROFILED = {
    "import deeplearning_tutorials": ("deeplearning_tutorials/__init__.py", "<module>"),
    "import PyTensor's Numba backend": ("pytensor/link/numba/dispatch/__init__.py", "<module>"),
    "import scipy.optimize": ("scipy/optimize/__init__.py", "<module>"),
    "pytensor.function: rewriting": ("pytensor/compile/maker.py", "prepare_fgraph"),
    "C backend: -march search": ("pytensor/link/c/cmodule.py", "try_march_flag"),
    "C backend: module cache's keys read": ("pytensor/link/c/cmodule.py", "refresh"),
    "OpFromGraph inner functions (perform)": ("pytensor/compile/builders.py", "perform"),
    "Numba: cached code loaded": ("numba/core/caching.py", "load_overload"),
    "MRG substream states": ("deeplearning_tutorials/rng_mrg/generator.py", "substream_states"),
    "MRG draws' static shapes": ("deeplearning_tutorials/rng_mrg/op.py", "make_node"),
}


def profiled(model, flags, scratch, timeout, roots):
    """Each side's warm start under cProfile (see the module's docstring)."""
    found = {}
    for side, root in roots.items():
        step, env = our_run(model, flags, scratch, root)
        run_until(step, env, scratch, None, timeout)  # fills the caches
        env = dict(env, DLT_PROFILED=json.dumps(PROFILED))
        proc = subprocess.run([sys.executable, "-c", PROFILED_RUN, *step[3:]], env=env, cwd=scratch,
                              capture_output=True, text=True, timeout=timeout)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("PROFILE ")]
        found[side] = json.loads(lines[-1].split(" ", 1)[1]) if lines else None
    return found


def warm_in_turns(model, flags, scratch, timeout, repeat, roots):
    """``repeat`` warm times to the first step for each of ``roots`` (side
    name: the project's files), one side's run after the other's; each side
    first fills its caches with a run of its own."""
    runs = {side: our_run(model, flags, scratch, root) for side, root in roots.items()}
    for step, env in runs.values():
        run_until(step, env, scratch, None, timeout)  # fills the caches
    times = {side: [] for side in roots}
    for _ in range(repeat):
        for side, (step, env) in runs.items():
            times[side].append(run_until(step, env, scratch, None, timeout))
    return {side: _warm_summary(found) for side, found in times.items()}


def data_flags(model, data_dir, scratch):
    """The flags that give a model of :data:`DATA_MODELS` its data, or a
    sentence saying why it cannot run."""
    needed = DATA_MODELS[model]
    if needed is None:
        folder = tempfile.mkdtemp(prefix="imdb-", dir=scratch)
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "generated_imdb.py"), folder],
                       check=True, capture_output=True)
        return ["--data-dir", folder]
    path = os.path.join(data_dir or "", needed)
    if not data_dir or not os.path.exists(path):
        return f"{needed} is not in --data-dir ({data_dir or 'not given'})"
    return ["--data-dir", os.path.dirname(path)]


def our_times(model, flags, scratch, timeout, root=ROOT):
    """{"cold": s, "warm": s} to the first step, and to the first epoch line,
    of the project's files at ``root``."""
    step, env = our_run(model, flags, scratch, root)
    times = {
        "first_step_cold": run_until(step, env, scratch, None, timeout),
        "first_step_warm": run_until(step, env, scratch, None, timeout),
    }
    if model in FIRST_EPOCH:
        epoch = [sys.executable, "-m", f"deeplearning_tutorials.{model}", *flags]
        env["PYTENSOR_FLAGS"] = f"base_compiledir={tempfile.mkdtemp(dir=scratch)}"
        env["DLT_DATA_CACHE"] = tempfile.mkdtemp(dir=scratch)
        times["first_epoch_cold"] = run_until(epoch, env, scratch, EPOCH_LINE, timeout)
        times["first_epoch_warm"] = run_until(epoch, env, scratch, EPOCH_LINE, timeout)
    return times


def warm_times(step, env, cwd, timeout, repeat):
    """``repeat`` warm times to the first step, and their median."""
    return _warm_summary([run_until(step, env, cwd, None, timeout) for _ in range(repeat)])


def _warm_summary(times):
    found = sorted(t for t in times if t is not None)
    median = found[len(found) // 2] if len(found) == len(times) else None
    return {"first_step_warm": median, "first_step_warm_runs": times}


def tree_at(rev, scratch):
    """The project's files at commit ``rev`` (``git archive``), in ``scratch``."""
    folder = tempfile.mkdtemp(prefix="before-", dir=scratch)
    archive = subprocess.run(["git", "-C", ROOT, "archive", rev], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
    return folder


IMPORT_PARTS = ("pytensor", "numba", "pytensor.link.numba.dispatch")
READ_MNIST = (
    "import time; from deeplearning_tutorials.machinery import data; t = time.perf_counter(); "
    "data.read_dataset(); print('SECONDS', time.perf_counter() - t)"
)


def parts(scratch, repeat):
    """Seconds of the parts of a warm start (see the module's docstring)."""
    env = dict(os.environ, PYTHONPATH=ROOT, OPENBLAS_NUM_THREADS="1",
               PYTENSOR_FLAGS=f"base_compiledir={tempfile.mkdtemp(dir=scratch)}")
    imports = [_import_times(env, scratch) for _ in range(repeat)]
    found = {name: statistics.median(run[name] for run in imports) for name in imports[0]}
    cache = dict(env, DLT_DATA_CACHE=tempfile.mkdtemp(prefix="data-", dir=scratch))
    _seconds([sys.executable, "-c", READ_MNIST], cache, scratch)  # fills the cache
    for name, run_env in (("read_mnist_decoded", dict(env, DLT_DATA_CACHE="0")),
                          ("read_mnist_from_cache", cache)):
        found[name] = statistics.median(
            _seconds([sys.executable, "-c", READ_MNIST], run_env, scratch) for _ in range(repeat))
    return found


def _import_times(env, cwd):
    """Seconds to import the package, and cumulative import times of
    :data:`IMPORT_PARTS` from ``-X importtime`` (the Numba backend, which the
    package no longer imports itself, imported after it)."""
    code = "import deeplearning_tutorials; import pytensor.link.numba.dispatch"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                          env=env, cwd=cwd, capture_output=True, text=True, check=True)
    found = {}
    for line in done.stderr.splitlines():
        fields = line.split("|")
        if len(fields) == 3 and fields[2].strip() in IMPORT_PARTS + ("deeplearning_tutorials",):
            found.setdefault(f"import {fields[2].strip()}", int(fields[1]) / 1e6)
    return found


def _seconds(command, env, cwd):
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=True)
    return float(done.stdout.split("SECONDS")[-1])


def original_times(model, call, original, scratch, timeout, warm_only=False, repeat=3):
    python, code = original
    cache = tempfile.mkdtemp(prefix=f"theano-{model}-", dir=scratch)
    work = tempfile.mkdtemp(prefix=f"work-{model}-", dir=scratch)
    os.symlink(MNIST, os.path.join(work, "mnist.pkl.gz"))
    floatX = "float64" if "float64" in MODELS[model][0] else "float32"
    env = dict(
        os.environ, PYTHONPATH=code, OPENBLAS_NUM_THREADS="1",
        THEANO_FLAGS=f"floatX={floatX},device=cpu,base_compiledir={cache}",
    )
    step = [python, "-u", "-c", ORIGINAL, call]
    if warm_only:
        run_until(step, env, work, None, timeout)  # fills the compile cache
        return warm_times(step, env, work, timeout, repeat)
    times = {
        "first_step_cold": run_until(step, env, work, None, timeout),
        "first_step_warm": run_until(step, env, work, None, timeout),
    }
    if model in FIRST_EPOCH:
        epoch = [python, "-u", "-c", call]
        env["THEANO_FLAGS"] = env["THEANO_FLAGS"].replace(cache, tempfile.mkdtemp(dir=scratch))
        times["first_epoch_cold"] = run_until(epoch, env, work, EPOCH_LINE, timeout)
        times["first_epoch_warm"] = run_until(epoch, env, work, EPOCH_LINE, timeout)
    return times


def cell(seconds):
    return "—" if seconds is None else f"{seconds:.1f} s"


def table(results):
    columns = ["first_step_cold", "first_step_warm", "first_epoch_cold", "first_epoch_warm"]
    lines = [
        "| model | first step, cold | warm | first epoch line, cold | warm |",
        "|---|---|---|---|---|",
    ]
    for model, sides in results.items():
        if "left out" in sides:
            lines.append(f"| {model} (left out: {sides['left out']}) | | | | |")
            continue
        for side, times in sides.items():
            cells = [cell(times.get(c)) if c in times else "" for c in columns]
            lines.append(f"| {model} ({side}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def add_arguments(parser):
    parser.add_argument("--models", nargs="+", choices=[*MODELS, *DATA_MODELS], default=list(MODELS),
                        metavar="MODEL",
                        help=f"the tutorials to start: {', '.join([*MODELS, *DATA_MODELS])} (default: "
                             f"the first {len(MODELS)}; {', '.join(DATA_MODELS)} run on this project "
                             "alone, the LSTM on a generated stand-in for IMDB)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="the folder holding atis/atis.fold3.pkl.gz (rnnslu) and Nottingham.zip "
                             "(rnnrbm), which the project may not ship (default: $DLT_SHARED_DATA)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a run may take (default 600)")
    parser.add_argument("--warm-only", action="store_true",
                        help="time warm starts only: one run fills the caches, then --repeat warm runs")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per model with --warm-only (default 3)")
    parser.add_argument("--parts", action="store_true",
                        help="time the parts of a warm start instead: the imports and reading MNIST")
    parser.add_argument("--profile", action="store_true",
                        help="profile one warm start of each model instead (cProfile, to the first step)")
    parser.add_argument("--before", metavar="REV",
                        help="the project at commit REV too (its runs follow this project's, "
                             "model by model)")
    common.add_original_arguments(parser)


def run(args):
    if args.parts:
        with tempfile.TemporaryDirectory(prefix="start-parts-") as scratch:
            found = parts(scratch, args.repeat)
        print(json.dumps(found, indent=1))
        return {"seconds": found}
    original = common.original_from(args)
    results = {}
    with tempfile.TemporaryDirectory(prefix="start-times-") as scratch:
        roots = {"this project": ROOT}
        if args.before:
            roots[f"this project at {args.before}"] = tree_at(args.before, scratch)
        data_dir = args.data_dir or os.environ.get("DLT_SHARED_DATA")
        for model in args.models:
            flags, call = MODELS.get(model, ([], None))
            if model in DATA_MODELS:
                flags = data_flags(model, data_dir, scratch)
                if isinstance(flags, str):
                    print(f"{model}: left out: {flags}", flush=True)
                    results[model] = {"left out": flags}
                    continue
            if args.profile:
                results[model] = profiled(model, flags, scratch, args.timeout, roots)
                print(model, json.dumps(results[model]), flush=True)
                continue
            if args.warm_only:
                results[model] = warm_in_turns(model, flags, scratch, args.timeout, args.repeat, roots)
            else:
                results[model] = {
                    side: our_times(model, flags, scratch, args.timeout, root)
                    for side, root in roots.items()
                }
            if original is not None and call is not None:
                results[model]["Theano 1.0.5"] = original_times(
                    model, call, original, scratch, args.timeout, args.warm_only, args.repeat
                )
            print(model, json.dumps(results[model]), flush=True)
    if args.profile:
        return {"seconds under cProfile": results}
    print(table(results))
    return {"seconds": results}
