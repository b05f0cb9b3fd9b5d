"""The epoch table: every tutorial's epoch, side by side, in every
implementation, in one run (the default mode).

    python benchmarks/bench_all.py --json results/bench_all.json
    python benchmarks/bench_all.py --quick --models logistic_sgd mlp

For each model (logistic_sgd, mlp, LeNet, dA, the SdA's pre-training and
fine-tuning, the rbm, the DBN's pre-training and fine-tuning) one worker
process per implementation builds the same network on MNIST with the
tutorial's batch size and learning rate:

* this project, under each backend: ``NUMBA``, ``CVM``, ``JAX`` (on the CPU);
* NumPy by hand (``numpy_sgd.py``, ``numpy_lenet.py``, ``numpy_nets.py``);
* PyTorch on the CPU (``torch_models.py``), when torch is installed
  (``pip install -e .[bench]``); otherwise a note says it was skipped;
* the original code under Theano 1.0.5 (``original_epoch.py``), when its
  environment exists; otherwise a note.

The workers take turns (``protocol.py``): in each of ``--rounds`` rounds
every worker times its share of an epoch once (a fraction of the training
steps and of the validation and test minibatches, ``--quick`` a quarter of
it), and each keeps its best round, so that all of them see the same changes
of the machine's load. The table gives seconds per epoch, projected from the
calls timed (epoch = every training minibatch, and one pass over the
validation and the test sets for the supervised models), and each
implementation's time divided by the project's default backend's. No figure
is taken from an earlier run: a baseline that cannot run is left out, with a
note.

The record (``--json``) holds the raw timings, the setup times (building,
compiling or loading from the compile cache, and the first call), the
machine, versions, BLAS threads and load average.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import timeit

import numpy

from bench_harness import common
from bench_harness.protocol import PREFIX, serve

# model: (what it is, the calls of one epoch per part, share of them timed per round)
MODELS = {
    "logistic_sgd": ("logistic_sgd, batch 600", [("train", 83), ("validate", 16), ("test", 16)], 1.0),
    "mlp": ("mlp 784-500-10, batch 20", [("train", 2500), ("validate", 500), ("test", 500)], 0.2),
    "lenet": ("LeNet [20, 50], batch 500", [("train", 100), ("validate", 20), ("test", 20)], 0.1),
    "dA": ("dA 784-500, 30 % corruption, batch 20", [("train", 2500)], 0.1),
    "SdA_pretrain": ("SdA pre-training, layer 0, batch 1", [("train", 50000)], 0.02),
    "SdA_finetune": ("SdA fine-tuning, batch 1", [("train", 50000), ("validate", 10000), ("test", 10000)], 0.02),
    "rbm": ("rbm PCD-15 784-500, batch 20", [("train", 2500)], 0.01),
    "DBN_pretrain": ("DBN CD-1, layer 0, batch 10", [("train", 5000)], 0.04),
    "DBN_finetune": ("DBN fine-tuning, batch 10", [("train", 5000), ("validate", 1000), ("test", 1000)], 0.04),
}
BACKENDS = ["NUMBA", "CVM", "JAX"]
IMPLEMENTATIONS = [*BACKENDS, "numpy", "torch", "original"]
# NUMBA with PyTensor's own Dot instead of the project's (numba_dot.py):
# what that change is worth, when asked for (--implementations)
UPSTREAM_DOT = "NUMBA_pytensor_dot"
# NUMBA with LLVM's optimisation level 1 instead of Numba's default 3
# (NUMBA_OPT=1, which compiles faster): what it costs per epoch, when asked for
NUMBA_OPT1 = "NUMBA_opt1"
# NUMBA with Numba's fast-math flags on (numba__fastmath=True, which the
# project turns off for the original's digits): what they are worth
NUMBA_FASTMATH = "NUMBA_fastmath"
# NUMBA with Numba's full LLVM optimisation of the graphs' own functions
# (DLT_NUMBA_GRAPH_OPT=full, machinery/numba_graph_opt.py): what the cheap
# pass the project gives them costs per epoch, if anything
NUMBA_GRAPH_OPT_FULL = "NUMBA_graph_opt_full"
# CVM linked against Intel's MKL (the mkl wheel: pip install mkl) instead of
# the cmeel-openblas wheel the project installs: which BLAS is faster here
CVM_MKL = "CVM_mkl"
VARIANTS = [UPSTREAM_DOT, NUMBA_OPT1, NUMBA_FASTMATH, NUMBA_GRAPH_OPT_FULL, CVM_MKL]
# the backend each tutorial runs under by default (config.DEFAULT_MODE, or
# the CVM the batch-1 and Gibbs-chain tutorials prefer, doc/backends.md)
DEFAULT_BACKEND = {model: "NUMBA" for model in MODELS}
DEFAULT_BACKEND.update(mlp="CVM", SdA_pretrain="CVM", SdA_finetune="CVM", rbm="CVM")
DEFAULT_BACKEND.update(DBN_pretrain="CVM", DBN_finetune="CVM")
QUICK = 0.25


# --------------------------------------------------------------------------
# This project
# --------------------------------------------------------------------------


def project_supervised(model, datasets, batch_size, learning_rate):
    """train, validate and test of logistic_sgd or the MLP, as the drivers build them."""
    import pytensor.tensor as pt

    from deeplearning_tutorials.machinery import training
    from deeplearning_tutorials.logistic_sgd import LogisticRegression
    from deeplearning_tutorials.mlp import MLP

    x, y = pt.matrix("x"), pt.ivector("y")
    if model == "logistic_sgd":
        classifier = LogisticRegression(x, 28 * 28, 10)
        cost = classifier.negative_log_likelihood(y)
    else:
        classifier = MLP(numpy.random.RandomState(1234), x, 28 * 28, 500, 10)
        cost = classifier.negative_log_likelihood(y) + 0.0001 * classifier.L2_sqr
    updates = training.sgd_updates(cost, classifier.params, learning_rate)
    return training.compile_sgd_functions(
        datasets, batch_size, x, y, cost, classifier.errors(y), updates
    )


def project_dA(datasets):
    import pytensor
    import pytensor.tensor as pt

    from deeplearning_tutorials.dA import dA
    from deeplearning_tutorials.machinery.data import minibatch
    from deeplearning_tutorials.machinery.noise import make_random_streams

    index, x = pt.lscalar(), pt.matrix("x")
    numpy_rng = numpy.random.RandomState(123)
    da = dA(numpy_rng, make_random_streams(numpy_rng.randint(2**30)), x, 28 * 28, 500)
    cost, updates = da.get_cost_updates(corruption_level=0.3, learning_rate=0.1)
    givens = {x: minibatch(datasets[0][0], index, 20)}
    return [pytensor.function([index], cost, updates=updates, givens=givens)]


def project_stack(kind):
    """The tutorial's SdA or DBN: 784-1000-1000-1000-10, its driver's seeds."""
    from deeplearning_tutorials.machinery.noise import make_random_streams

    if kind == "SdA":
        from deeplearning_tutorials.SdA import SdA as Stack

        numpy_rng = numpy.random.RandomState(89677)
    else:
        from deeplearning_tutorials.DBN import DBN as Stack

        numpy_rng = numpy.random.RandomState(123)
    return Stack(
        numpy_rng,
        make_random_streams(numpy_rng.randint(2**30)),
        hidden_layers_sizes=[1000, 1000, 1000],
    )


def project_finetune(kind, datasets, batch_size):
    stack = project_stack(kind)
    train_fn, _, _ = stack.build_finetune_functions(datasets, batch_size, 0.1)
    return [train_fn, *stack.minibatch_scores]


def project_rbm(datasets):
    import pytensor
    import pytensor.tensor as pt

    from deeplearning_tutorials.machinery.data import minibatch
    from deeplearning_tutorials.machinery.noise import make_random_streams
    from deeplearning_tutorials.rbm import RBM

    index, x = pt.lscalar(), pt.matrix("x")
    numpy_rng = numpy.random.RandomState(123)
    chain = pytensor.shared(numpy.zeros((20, 500), "float32"))
    rbm = RBM(x, 28 * 28, 500, numpy_rng=numpy_rng,
              theano_rng=make_random_streams(numpy_rng.randint(2**30)))
    cost, updates = rbm.get_cost_updates(lr=0.1, persistent=chain, k=15)
    givens = {x: minibatch(datasets[0][0], index, 20)}
    return [pytensor.function([index], cost, updates=updates, givens=givens)]


def project_steps(model, mode):
    """The project's compiled functions of ``model`` under backend ``mode``."""
    from deeplearning_tutorials.machinery import config, data

    if mode == UPSTREAM_DOT:
        use_pytensors_dot()
    if mode in VARIANTS:
        mode = "CVM" if mode == CVM_MKL else "NUMBA"
    config.configure(floatX="float32", mode=mode)
    if model == "lenet":
        from bench_harness.lenet import build_lenet_functions

        return build_lenet_functions()[0]
    datasets = data.load_data()
    if model in ("logistic_sgd", "mlp"):
        batch, rate = {"logistic_sgd": (600, 0.13), "mlp": (20, 0.01)}[model]
        return project_supervised(model, datasets, batch, rate)
    if model == "dA":
        return project_dA(datasets)
    if model == "rbm":
        return project_rbm(datasets)
    kind, phase = model.split("_")
    batch_size = 1 if kind == "SdA" else 10
    if phase == "finetune":
        return project_finetune(kind, datasets, batch_size)
    fn = project_stack(kind).pretraining_functions(
        datasets[0][0], batch_size, **({} if kind == "SdA" else {"k": 1})
    )[0]
    if kind == "SdA":
        return [lambda i: fn(i, corruption=0.1, lr=0.001)]
    return [lambda i: fn(i, lr=0.01)]


def use_pytensors_dot():
    """Register PyTensor's own Numba ``Dot`` again, in place of the project's."""
    from pytensor.link.numba.dispatch.basic import register_funcify_default_op_cache_key
    from pytensor.link.numba.dispatch.elemwise import numba_funcify_Dot
    from pytensor.tensor.math import Dot

    import deeplearning_tutorials  # noqa: F401  (registers the project's first)

    register_funcify_default_op_cache_key(Dot)(numba_funcify_Dot)


# --------------------------------------------------------------------------
# NumPy by hand and PyTorch
# --------------------------------------------------------------------------


def batches(x, y, batch_size):
    """``fetch(i)``: minibatch ``i`` of ``(x, y)``."""
    return lambda i: (x[i * batch_size : (i + 1) * batch_size], y[i * batch_size : (i + 1) * batch_size])


def supervised_steps(net, splits, batch_size, train_step, errors):
    train, valid, test = (batches(x, y, batch_size) for x, y in splits)
    return [
        lambda i: train_step(*train(i)),
        lambda i: errors(*valid(i)),
        lambda i: errors(*test(i)),
    ]


def numpy_error(predict):
    return lambda x, y: numpy.mean(predict(x) != y)


def numpy_steps(model):
    """The same steps written by hand in NumPy (float32)."""
    from numpy_lenet import NumpyLeNet
    from numpy_nets import DBN_SIZES, NumpyDA, NumpyDBN, NumpySdA, numpy_rbm_step
    from numpy_sgd import NumpyLogisticRegression, NumpyMLP

    from deeplearning_tutorials.machinery.data import read_dataset

    splits = read_dataset()
    train_x = splits[0][0]
    if model == "logistic_sgd":
        net = NumpyLogisticRegression()
        return supervised_steps(net, splits, 600, lambda x, y: net.sgd_step(x, y, 0.13), numpy_error(net.predict))
    if model == "mlp":
        net = NumpyMLP(numpy.random.RandomState(1234))
        return supervised_steps(net, splits, 20, lambda x, y: net.sgd_step(x, y, 0.01), numpy_error(net.predict))
    if model == "lenet":
        net = NumpyLeNet(numpy.random.RandomState(23455))
        return supervised_steps(net, splits, 500, lambda x, y: net.sgd_step(x, y, 0.1), numpy_error(net.predict))
    if model == "dA":
        net = NumpyDA()
        return [lambda i: net.train_step(train_x[i * 20 : (i + 1) * 20], 0.3, 0.1)]
    if model == "SdA_pretrain":
        net = NumpySdA()
        return [lambda i: net.pretrain_step(0, train_x[i], 0.1, 0.001)]
    if model == "rbm":
        # on its own 2,000 images, as the rbm-steps mode times it
        step = numpy_rbm_step(common.synthetic_mnist(2000)[0], 784, 500, 20, 15, True)
        return [lambda i: step(i % 100)]
    net = NumpyDBN(sizes=DBN_SIZES)
    if model == "DBN_pretrain":
        return [lambda i: net.cd1_step(0, train_x[i * 10 : (i + 1) * 10], 0.01)]
    batch_size = 1 if model == "SdA_finetune" else 10
    return supervised_steps(net, splits, batch_size, lambda x, y: net.finetune_step(x, y, 0.1), net.errors)


def torch_steps(model):
    """The same networks in PyTorch on the CPU (``torch_models.py``)."""
    import torch
    from torch_models import TorchDA, TorchLeNet, TorchMLP, TorchRBM

    from deeplearning_tutorials.machinery.data import read_dataset

    # as many threads as the BLAS of the other implementations
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or len(os.sched_getaffinity(0))
    torch.set_num_threads(int(threads))
    splits = [(torch.from_numpy(x), torch.from_numpy(y.astype("int64"))) for x, y in read_dataset()]
    train_x = splits[0][0]
    if model == "lenet":
        net = TorchLeNet()
        return supervised_steps(net, splits, 500, net.train_step, net.errors)
    if model == "dA":
        net = TorchDA()
        return [lambda i: net.train_step(train_x[i * 20 : (i + 1) * 20], 0.3, 0.1)]
    if model == "SdA_pretrain":
        net = TorchDA(784, 1000)
        return [lambda i: net.train_step(train_x[i : i + 1], 0.1, 0.001)]
    if model == "rbm":
        net = TorchRBM(784, 500, 20, persistent=True)
        return [lambda i: net.train_step(train_x[i * 20 : (i + 1) * 20], 15, 0.1)]
    if model == "DBN_pretrain":
        net = TorchRBM(784, 1000, 10, persistent=False)
        return [lambda i: net.train_step(train_x[i * 10 : (i + 1) * 10], 1, 0.01)]
    sizes, activation, l2, batch_size, rate = {
        "logistic_sgd": ([784, 10], None, 0.0, 600, 0.13),
        "mlp": ([784, 500, 10], torch.tanh, 0.0001, 20, 0.01),
        "SdA_finetune": ([784, 1000, 1000, 1000, 10], torch.sigmoid, 0.0, 1, 0.1),
        "DBN_finetune": ([784, 1000, 1000, 1000, 10], torch.sigmoid, 0.0, 10, 0.1),
    }[model]
    net = TorchMLP(sizes, activation, l2)
    return supervised_steps(net, splits, batch_size, lambda x, y: net.train_step(x, y, rate), net.errors)


# --------------------------------------------------------------------------
# Workers and the coordinator
# --------------------------------------------------------------------------


def worker(model, implementation, fraction):
    """Serve ``run`` requests for one model in one implementation."""
    epoch = MODELS[model][1]

    def build():
        if implementation in (*BACKENDS, *VARIANTS):
            # the result on the host, as the training loops read it (JAX
            # returns before it has computed)
            steps = [
                lambda i, fn=fn: numpy.asarray(fn(i))
                for fn in project_steps(model, implementation)
            ]
        elif implementation == "numpy":
            steps = numpy_steps(model)
        else:
            steps = torch_steps(model)
        return [
            (name, step, max(1, round(calls * fraction)), calls)
            for (name, calls), step in zip(epoch, steps)
        ]

    info = {}
    if implementation == "torch":
        import torch

        info["torch"] = torch.__version__
    serve(build, **info)


def worker_command(model, implementation, fraction, original):
    """The command line and environment of a worker, or ``None`` and why not.

    ``original`` is ``(python, code_dir)`` of the original's environment
    (``common.find_original``), or None."""
    env = dict(os.environ, BENCH_EPOCH_PARTS=json.dumps(MODELS[model][1]))
    if implementation == "original":
        if original is None:
            return None, "the original's environment (Theano 1.0.5) was not found"
        python, code_dir = original
        flags = os.environ.get("THEANO_FLAGS", "")
        env["THEANO_FLAGS"] = f"floatX=float32,device=cpu,{flags}".rstrip(",")
        script = os.path.join(common.HERE, "original_epoch.py")
        return ([python, script, code_dir, model, str(fraction), common.MNIST], env), None
    if implementation == "torch" and not module_available("torch"):
        return None, "torch is not installed (pip install -e .[bench])"
    if implementation == "JAX" and not module_available("jax"):
        return None, "jax is not installed"
    if implementation == CVM_MKL:
        return mkl_worker_command(model, fraction, env)
    if implementation in (NUMBA_OPT1, NUMBA_FASTMATH, NUMBA_GRAPH_OPT_FULL):
        # a compile directory of its own: the other NUMBA workers' cached code
        # was compiled with the default settings
        flags = [env.get("PYTENSOR_FLAGS"), f"base_compiledir={tempfile.mkdtemp(prefix='bench_numba_')}"]
        if implementation == NUMBA_OPT1:
            env["NUMBA_OPT"] = "1"
        elif implementation == NUMBA_GRAPH_OPT_FULL:
            env["DLT_NUMBA_GRAPH_OPT"] = "full"
        else:
            flags.append("numba__fastmath=True")
        env["PYTENSOR_FLAGS"] = ",".join(filter(None, flags))
    return (worker_argv(model, implementation, fraction), env), None


def worker_argv(model, implementation, fraction):
    return [sys.executable, common.BENCH_ALL, "table", "--worker", model, implementation, str(fraction)]


def mkl_worker_command(model, fraction, env):
    """A CVM worker whose BLAS is the mkl wheel's ``libmkl_rt``, named in a
    ``.pytensorrc`` of its own (``PYTENSOR_FLAGS`` cannot hold the commas of
    ``-Wl,-rpath``), with a compile directory of its own."""
    import glob

    found = glob.glob(os.path.join(sys.prefix, "lib", "libmkl_rt.so.*"))
    if not found:
        return None, "the mkl wheel is not installed (pip install mkl)"
    folder, library = os.path.split(sorted(found)[-1])
    rc = tempfile.NamedTemporaryFile("w", suffix=".pytensorrc", delete=False)
    with rc:
        rc.write(f"[global]\nbase_compiledir = {tempfile.mkdtemp(prefix='bench_mkl_')}\n")
        rc.write(f"[blas]\nldflags = -L{folder} -l:{library} -Wl,--disable-new-dtags -Wl,-rpath,{folder}\n")
    env["PYTENSORRC"] = rc.name
    return (worker_argv(model, CVM_MKL, fraction), env), None


def module_available(name):
    import importlib.util

    return importlib.util.find_spec(name) is not None


class Worker:
    """A worker process and its answers."""

    def __init__(self, command, env):
        self.proc = subprocess.Popen(
            command, env=env, cwd=common.ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True,
        )

    def receive(self):
        for line in self.proc.stdout:
            if line.startswith(PREFIX):
                return json.loads(line[len(PREFIX):])
        return {"error": f"the worker ended (exit status {self.proc.wait()})"}

    def run(self):
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        return self.receive()

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait()


def projected_epoch(model, timings, fraction):
    """Seconds per epoch from one round's seconds per part."""
    return sum(
        timings[name] / max(1, round(calls * fraction)) * calls
        for name, calls in MODELS[model][1]
    )


def benchmark(model, implementations, rounds, fraction, original):
    """Every implementation's best projected epoch of ``model``, interleaved."""
    result, workers = {}, {}
    for name in implementations:
        spec, why_not = worker_command(model, name, fraction, original)
        if spec is None:
            result[name] = {"skipped": why_not}
            continue
        start = timeit.default_timer()
        w = Worker(*spec)
        ready = w.receive()
        if "error" in ready:
            result[name] = {"failed": ready["error"]}
            w.close()
            continue
        ready["setup_wall"] = timeit.default_timer() - start
        workers[name], result[name] = w, {"ready": ready, "rounds": []}
    for _ in range(rounds):
        for name, w in list(workers.items()):
            answer = w.run()
            if "error" in answer:
                result[name] = {"failed": answer["error"]}
                workers.pop(name).close()
                continue
            result[name]["rounds"].append(answer)
    for name, w in workers.items():
        w.close()
        epochs = [projected_epoch(model, r, fraction) for r in result[name]["rounds"]]
        result[name]["epoch_seconds"] = min(epochs)
    return result


def report(results, implementations):
    """The table: seconds per epoch, and each divided by the default backend's."""
    width, cols = 44, [max(10, len(n) + 2) for n in implementations]

    def row(label, cells, form):
        print(f"{label:{width}s}" + "".join(
            f"{form(c):>{w}s}" if c is not None else f"{'-':>{w}s}"
            for c, w in zip(cells, cols)
        ))

    row("seconds per epoch", implementations, str)
    for model, result in results.items():
        cells = [result[n].get("epoch_seconds") for n in implementations]
        row(MODELS[model][0], cells, lambda c: f"{c:.3f}")
    print()
    row("/ the tutorial's default backend", implementations, str)
    for model, result in results.items():
        base = result.get(DEFAULT_BACKEND[model], {}).get("epoch_seconds")
        cells = [result[n].get("epoch_seconds") if base else None for n in implementations]
        label = f"{MODELS[model][0]} ({DEFAULT_BACKEND[model]})"
        row(label, cells, lambda c, base=base: f"{c / base:.2f}")
    goals(results)
    notes = {
        f"{n}: {r.get('skipped') or r.get('failed')}"
        for result in results.values()
        for n, r in result.items()
        if "skipped" in r or "failed" in r
    }
    for note in sorted(notes):
        print(f"note: {note}")


def goals(results):
    """The issue's goals per model: the project's time over the original's
    (goal: at most 0.5) and over PyTorch's (goal: at most 1), for the
    tutorial's default backend and for the project's fastest."""
    print(f"\n{'goals (ours / theirs)':44s}{'default/original':>18s}{'default/torch':>15s}"
          f"{'fastest':>10s}{'/original':>11s}{'/torch':>8s}")
    for model, result in results.items():
        seconds = {n: r["epoch_seconds"] for n, r in result.items() if "epoch_seconds" in r}
        ours = seconds.get(DEFAULT_BACKEND[model])
        mine = {n: t for n, t in seconds.items() if n in BACKENDS}
        fastest = min(mine, key=mine.get) if mine else None

        def over(a, b):
            return f"{a / b:.2f}" if a and b else "-"

        print(f"{MODELS[model][0]:44s}{over(ours, seconds.get('original')):>18s}"
              f"{over(ours, seconds.get('torch')):>15s}{fastest or '-':>10s}"
              f"{over(mine.get(fastest), seconds.get('original')):>11s}"
              f"{over(mine.get(fastest), seconds.get('torch')):>8s}")


def record(results, args):
    """The record's own fields (the harness adds the command and machine)."""
    return {
        "blas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS"),
        "fraction_of_epoch_timed": {m: r["fraction"] for m, r in results.items()},
        "rounds": args.rounds,
        "default_backend": DEFAULT_BACKEND,
        "models": {
            m: {"label": MODELS[m][0], "epoch_calls": dict(MODELS[m][1]),
                **{n: r for n, r in res.items() if n != "fraction"}}
            for m, res in results.items()
        },
    }


def add_arguments(parser):
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS), metavar="MODEL",
                        help=f"the models to time: {', '.join(MODELS)} (default: all)")
    parser.add_argument(
        "--implementations", nargs="+", default=IMPLEMENTATIONS, choices=[*IMPLEMENTATIONS, *VARIANTS],
        metavar="IMPL",
        help=f"the columns: {', '.join(IMPLEMENTATIONS)} (default: all of them), and on request the "
        f"variants {UPSTREAM_DOT} (NUMBA with PyTensor's own Numba Dot), {NUMBA_OPT1} (NUMBA_OPT=1), "
        f"{NUMBA_FASTMATH} (Numba's fast-math on), {NUMBA_GRAPH_OPT_FULL} (Numba's full LLVM pass for "
        f"the graphs' own functions too) and {CVM_MKL} (CVM linked against the mkl wheel)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; each keeps its best (default 3)")
    parser.add_argument("--quick", action="store_true", help=f"time {QUICK:g} of the usual share of an epoch")
    common.add_original_arguments(parser)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)


def run(args):
    if args.worker:
        model, implementation, fraction = args.worker
        worker(model, implementation, float(fraction))
        return None
    original = None if "original" not in args.implementations else common.original_from(args)
    start, results = timeit.default_timer(), {}
    for model in args.models:
        fraction = MODELS[model][2] * (QUICK if args.quick else 1.0)
        results[model] = benchmark(model, args.implementations, args.rounds, fraction, original)
        results[model]["fraction"] = fraction
        print(f"{model}: " + ", ".join(
            f"{n} {r['epoch_seconds']:.3f} s" for n, r in results[model].items()
            if isinstance(r, dict) and "epoch_seconds" in r
        ), flush=True)
    models = {m: {n: r for n, r in res.items() if n != "fraction"} for m, res in results.items()}
    report(models, args.implementations)
    return {**record(results, args), "seconds": timeit.default_timer() - start}
