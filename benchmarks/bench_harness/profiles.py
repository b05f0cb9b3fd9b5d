"""Where the time goes: the modes ``profile-compile``, ``profile-dA`` and
``profile-rbm``.

* ``profile-compile`` splits the Numba backend's compile time, cold and warm;
* ``profile-dA`` splits the dA's training step into growing prefixes, each
  compiled on its own (under NUMBA a whole graph is one compiled function,
  which PyTensor's profiler cannot split), NUMBA beside CVM;
* ``profile-rbm`` runs PyTensor's profiler, Op by Op, on the rbm's PCD-15
  step and the ``scan`` of its Gibbs chain (CVM).
"""

import argparse
import json
import os
import subprocess
import sys
import timeit

import numpy

from bench_harness import common

# --------------------------------------------------------------------------
# profile-compile
# --------------------------------------------------------------------------

COMPILE_HELP = """Where the Numba backend's compile time goes, cold and warm.

For each model a fresh process builds the tutorial's functions under NUMBA
and calls each once (as the epoch table's workers and the drivers do), first
with empty compile caches (cold: PyTensor's compile directory and Numba's
cache in a new temporary folder), then again with the caches it filled
(warm). The time is split into: 'load data' (reading MNIST into shared
variables); 'pytensor.function' (PyTensor's graph rewrites and the Numba
backend turning each Op into Python source, less any Numba compilation inside
it); 'numba compile' (everything Numba does under its compiler lock: typing,
lowering to LLVM IR, LLVM, from Numba's own events), of which 'LLVM' (the
time LLVM holds its lock: optimising the IR, generating machine code,
linking) and 'typing + lowering' the rest. The rest of 'total' is graph
building, the first calls' own run time and loading cached machine code.
NUMBA_OPT=1 in the environment measures LLVM's optimisation level 1."""

COMPILE_PARTS = ["total", "load data", "pytensor.function", "numba compile", "LLVM", "typing + lowering"]


class Stopwatch:
    """Seconds spent inside a wrapped function (outermost calls only)."""

    def __init__(self):
        self.seconds, self.depth = 0.0, 0

    def wrap(self, function):
        def timed(*args, **kwargs):
            self.depth += 1
            start = timeit.default_timer()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.seconds += timeit.default_timer() - start

        return timed


def measure_compile(model):
    """The split of building ``model``'s functions, in this process."""
    import pytensor
    from numba.core import event

    from deeplearning_tutorials.machinery import data
    from bench_harness.table import project_steps

    numba_seconds, llvm_seconds = [], []
    function_watch, data_watch = Stopwatch(), Stopwatch()
    pytensor.function = function_watch.wrap(pytensor.function)
    data.load_data = data_watch.wrap(data.load_data)
    by_function = function_compile_times()
    start = timeit.default_timer()
    with event.install_timer("numba:compiler_lock", numba_seconds.append), \
            event.install_timer("numba:llvm_lock", llvm_seconds.append), \
            event.install_listener("numba:compile", by_function):
        for step in project_steps(model, "NUMBA"):
            step(0)
    total = timeit.default_timer() - start
    numba, llvm = sum(numba_seconds), sum(llvm_seconds)
    return {
        "total": total,
        "load data": data_watch.seconds,
        "numba compile": numba,
        "LLVM": llvm,
        "typing + lowering": numba - llvm,
        # compilation inside pytensor.function is counted once, as Numba's
        "pytensor.function": function_watch.seconds,
        "by function": by_function.summary(),
    }


#: what each Numba function compiled for a graph is: markers in
#: ``module:qualname`` (the first group that matches wins; a marker ending in
#: "." is a module prefix); the rest are "other PyTensor Ops". PyTensor's
#: cache wrapper of a function (``dispatch.basic:elemwise``, which the project
#: names ``dispatch.basic:cache_wrapper_elemwise``: machinery/numba_graph_opt.py)
#: is looked up under PyTensor's name, and so counts with what it wraps.
FUNCTION_GROUPS = [
    ("the graphs' own functions", ("numba_funcified_fgraph", "numba_ofg")),
    ("elementwise loops and reductions", ("dispatch.elemwise:", "vectorize_codegen",
                                          "numba_composite", "dispatch.basic:elemwise",
                                          "dispatch.basic:careduce", "dispatch.scalar")),
    ("the project's kernels", ("deeplearning_tutorials.",)),
    ("NumPy's functions in Numba", ("numba.",)),
]


def function_group(module, name):
    """The group of :data:`FUNCTION_GROUPS` of the function ``name`` of ``module``."""
    from deeplearning_tutorials.machinery.numba_graph_opt import CACHE_WRAPPER

    key = f"{module}:{name.removeprefix(CACHE_WRAPPER)}"
    for group, markers in FUNCTION_GROUPS:
        for marker in markers:
            if key.startswith(marker) if marker.endswith(".") else marker in key:
                return group
    return "other PyTensor Ops"


def function_compile_times():
    """A listener of Numba's ``numba:compile`` events (a
    :class:`FunctionCompileTimes`)."""
    from numba.core import event

    class Listener(FunctionCompileTimes, event.Listener):
        pass

    return Listener()


class FunctionCompileTimes:
    """The seconds each Numba function took to compile *beyond* the functions
    it called (which Numba compiles while typing their caller), so that the
    parts add up to the whole of Numba's compile time."""

    def __init__(self):
        self.open, self.seconds, self.counts = [], {}, {}

    def on_start(self, ev):
        self.open.append([timeit.default_timer(), 0.0])

    def on_end(self, ev):
        started, inner = self.open.pop()
        elapsed = timeit.default_timer() - started
        if self.open:
            self.open[-1][1] += elapsed
        function = getattr(ev.data.get("dispatcher"), "py_func", None)
        key = (getattr(function, "__module__", "?"), getattr(function, "__qualname__", "?"))
        self.seconds[key] = self.seconds.get(key, 0.0) + elapsed - inner
        self.counts[key] = self.counts.get(key, 0) + 1

    def summary(self, top=12):
        groups = {group: 0.0 for group, _ in FUNCTION_GROUPS}
        groups["other PyTensor Ops"] = 0.0
        for (module, name), seconds in self.seconds.items():
            groups[function_group(module, name)] += seconds
        ranked = sorted(self.seconds.items(), key=lambda item: -item[1])[:top]
        return {
            "functions compiled": sum(self.counts.values()),
            "groups": groups,
            "slowest": [[f"{module}:{name}", seconds, self.counts[(module, name)]]
                        for (module, name), seconds in ranked],
        }


def compile_in_fresh_process(model, cache_dir):
    env = dict(os.environ)
    flags = [f for f in env.get("PYTENSOR_FLAGS", "").split(",") if f]
    flags = [f for f in flags if not f.startswith(("base_compiledir", "mode"))]
    env["PYTENSOR_FLAGS"] = ",".join([*flags, f"base_compiledir={cache_dir}"])
    env["NUMBA_CACHE_DIR"] = os.path.join(cache_dir, "numba_cache")
    proc = subprocess.run(
        [sys.executable, common.BENCH_ALL, "profile-compile", "--worker", model],
        env=env, capture_output=True, text=True, check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compile_table(results):
    lines = [f"{'seconds':22s}" + "".join(f"{p:>19s}" for p in COMPILE_PARTS)]
    for model, runs in results.items():
        for kind, r in runs.items():
            lines.append(f"{model + ', ' + kind:22s}" + "".join(f"{r[p]:19.2f}" for p in COMPILE_PARTS))
    split_runs = {model: runs["cold"]["by function"] for model, runs in results.items()
                  if "by function" in runs.get("cold", {})}  # records before the split had none
    if split_runs:
        lines += ["", "Numba's compile time, cold, by what it compiled (seconds; functions compiled):"]
    for model, split in split_runs.items():
        parts = ", ".join(f"{group} {seconds:.2f}" for group, seconds in split["groups"].items())
        lines.append(f"{model}: {parts}; {split['functions compiled']} functions")
        for name, seconds, count in split["slowest"][:5]:
            lines.append(f"    {seconds:6.2f} s  {name} (x{count})")
    return lines


def add_compile_arguments(parser):
    from bench_harness.table import MODELS

    parser.add_argument("--models", nargs="+", default=["logistic_sgd", "mlp", "lenet"], choices=list(MODELS),
                        metavar="MODEL", help="any of the epoch table's models (default: logistic_sgd mlp lenet)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)


def run_compile(args):
    import tempfile

    if args.worker:
        print(json.dumps(measure_compile(args.worker)))
        return None
    results = {}
    for model in args.models:
        with tempfile.TemporaryDirectory() as cache_dir:
            results[model] = {
                "cold": compile_in_fresh_process(model, cache_dir),
                "warm": compile_in_fresh_process(model, cache_dir),
            }
    print("\n".join(compile_table(results)))
    return {"seconds": results}


# --------------------------------------------------------------------------
# profile-dA
# --------------------------------------------------------------------------

DA_HELP = """Where the dA's training step spends its time, part by part, NUMBA beside CVM.

Under NUMBA a whole graph is one compiled function, and PyTensor's profiler
cannot split it into Ops. This mode splits the dA's training step (784-500,
batch 20, 30 % corruption, the original's MRG noise, float32) into growing
prefixes, each compiled as a function of its own, and times them interleaved
in one process under NUMBA and under CVM: 'noise' (the corrupted minibatch:
the MRG draws and the mask), 'encoder' (and the hidden values), 'decoder'
(and the reconstruction), 'cost' (and the cross-entropy), 'gradients' (the
cost and the three gradients, returned, nothing updated), 'step' (the
training step itself, the gradients applied to the weights). The difference
between neighbouring rows is what each part adds."""

DA_PARTS = ["noise", "encoder", "decoder", "cost", "gradients", "step"]
DA_MODES = ["NUMBA", "CVM"]


def dA_prefixes(mode):
    """The functions of ``DA_PARTS``, compiled under ``mode``."""
    import pytensor
    import pytensor.tensor as pt

    from deeplearning_tutorials.dA import dA
    from deeplearning_tutorials.machinery import config
    from deeplearning_tutorials.machinery.data import minibatch
    from deeplearning_tutorials.machinery.noise import make_random_streams

    config.configure(floatX="float32", mode=mode)
    train_x = pytensor.shared(common.synthetic_mnist(2000)[0])
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


def add_dA_arguments(parser):
    parser.add_argument("--calls", type=int, default=100, help="calls per round (default 100)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; each keeps its best (default 5)")


def run_dA(args):
    steps = {}
    for mode in DA_MODES:
        for part, function in dA_prefixes(mode).items():
            function(0)  # compiled before the clock starts
            steps[mode, part] = function
    ms = common.interleaved_timings(steps, args.calls, args.rounds)
    lines = prefix_table(ms, args)
    print("\n".join(lines))
    return {"ms_per_call": {m: {p: ms[m, p] for p in DA_PARTS} for m in DA_MODES}, "table": lines}


def prefix_table(ms, args):
    """One row per prefix, ms per call under each backend (``ms[mode, part]``)."""
    return [
        f"dA 784-500 training step by growing prefixes, batch 20, float32, ms per call, "
        f"best of {args.rounds} interleaved rounds of {args.calls} calls, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}",
        f"{'prefix':12s}" + "".join(f"{mode:>10s}" for mode in DA_MODES),
        *(f"{part:12s}" + "".join(f"{ms[m, part]:10.3f}" for m in DA_MODES) for part in DA_PARTS),
    ]


# --------------------------------------------------------------------------
# profile-rbm
# --------------------------------------------------------------------------

RBM_HELP = """Where the rbm's PCD-15 training step spends its time, Op by Op.

Builds the rbm tutorial's training function (784-500, batch 20, PCD-15, the
original's MRG noise, float32) under CVM, its default backend, with
PyTensor's profiler on for the function and for the scan of the Gibbs chain,
calls it --calls times, and prints (and with --out writes) PyTensor's two
profiles (the function's Ops, and the Ops inside one Gibbs step with the time
scan spends between the steps) under a header with the command and the
machine."""


def profiled_rbm_step(calls):
    """The seconds per call and the profiles of ``calls`` training steps."""
    import io

    import pytensor
    import pytensor.tensor as pt

    from deeplearning_tutorials.machinery.data import minibatch
    from deeplearning_tutorials.machinery.noise import make_random_streams
    from deeplearning_tutorials.rbm import RBM

    train_x = pytensor.shared(common.synthetic_mnist(2000)[0])
    index, x = pt.lscalar("index"), pt.matrix("x")
    numpy_rng = numpy.random.RandomState(123)
    chain = pytensor.shared(numpy.zeros((20, 500), "float32"))
    rbm = RBM(x, 784, 500, numpy_rng=numpy_rng, theano_rng=make_random_streams(numpy_rng.randint(2**30)))
    with pytensor.config.change_flags(profile=True):
        cost, updates = rbm.get_cost_updates(lr=0.1, persistent=chain, k=15)
        step = pytensor.function(
            [index], cost, updates=updates,
            givens={x: minibatch(train_x, index, 20)}, name="rbm PCD-15 step",
        )
    start = timeit.default_timer()
    for i in range(calls):
        step(i % 100)
    seconds = timeit.default_timer() - start
    text = io.StringIO()
    step.profile.summary(file=text, n_ops_to_print=12, n_apply_to_print=12)
    for node in step.maker.fgraph.toposort():
        if type(node.op).__name__ == "Scan":  # the Gibbs chain's inner profile
            node.op.fn.profile.summary(file=text, n_ops_to_print=12, n_apply_to_print=12)
    return seconds / calls, text.getvalue()


def add_rbm_arguments(parser):
    parser.add_argument("--calls", type=int, default=200, help="profiled calls (default 200)")
    parser.add_argument("--out", metavar="PATH", help="write the profile here (e.g. results/profile_rbm.txt)")


def run_rbm(args):
    from deeplearning_tutorials.machinery import config, provenance

    config.configure(floatX="float32", mode="CVM")
    per_call, profile = profiled_rbm_step(args.calls)
    header = [
        "# command: " + common.command_line(args.argv),
        "# machine: " + json.dumps(provenance.machine()),
        f"# {args.calls} calls, {per_call * 1e3:.3f} ms per call "
        "(rbm PCD-15 784-500, batch 20, MRG noise, float32, CVM, profiler on)",
        "",
    ]
    text = "\n".join(header) + profile
    print(text)
    if args.out:
        common.write_text(args.out, text)
