"""Run a corpus script's port, as the kit's rewriter wrote it, under Theano 1.0.5.

Not part of the test run: this needs the original environment (Python 3.7,
Theano 1.0.5, numpy 1.19, as tests/oracle/run_original_smoke.sh uses). It answers "does the port
through the kit print what the same script printed under Theano?" for the
corpus scripts of ``tests/legacy/harness.py`` that draw from
``shared_randomstreams`` or run in float64: both sides run the *same text*,
the port, on the same MNIST slice, driven by the same harness function.

First, the harness (project environment) ports the script and writes the
slice into WORKDIR::

    DLT_LEGACY_CORPUS=... PYTENSOR_FLAGS=floatX=float64 \\
        python tests/legacy/harness.py SCRIPT WORKDIR --epochs N

then, from ``/``, this runs ``WORKDIR/ported/`` under Theano, in a fresh
folder ``WORKDIR/theano`` (the scripts write their files where they run)::

    THEANO_FLAGS=floatX=float64,device=cpu,base_compiledir=/tmp/oracle/theano_compiledir_h3 \\
        /tmp/oracle/venv37/bin/python <repo>/tests/oracle/kit_run_corpus_port_under_theano.py \\
        SCRIPT WORKDIR --epochs N

The port's import lines name ``deeplearning_tutorials.theano_compat``; here
that package is Theano itself (``theano_compat.theano`` is ``theano``,
``theano_compat.tensor`` is ``theano.tensor`` ...), so every other line runs
as the port has it. Three things of Python 2 or of the project are given as
they were: the harness's pickled slice (written under NumPy 2) is read,
``grad`` gets the list that Python 2's ``d.values()`` was, and the harness's
slices come from the shipped ``data/mnist.pkl.gz`` read directly.

With ``--record PATH`` the result is also added to a JSON record (as the
harness's ``--record``). Its ``RESULT`` line adds the run's seconds, its compile seconds as the
harness counts the kit's and its CPU seconds (its g++ children's included): with an empty
``base_compiledir``, Theano's cold compile of the same port.

What the script prints goes to stdout, as with the harness; the committed
files are that output without the driver's last ``RESULT`` line
(``| grep -v '^RESULT'``), in float64:
``corpus_van_amersfoort_vae_float64.stdout`` (``van_amersfoort_vae``,
``--epochs 3``) and ``corpus_bourez_cnn_dropout_float64.stdout``
(``bourez_cnn_dropout``, ``--epochs 1``).
"""

import argparse
import importlib
import importlib.abc
import importlib.util
import os
import shutil
import sys
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KIT = "deeplearning_tutorials.theano_compat"


class TheanoAsKit(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``deeplearning_tutorials.theano_compat.X`` as ``theano.X``."""

    def find_spec(self, fullname, path, target=None):
        if fullname.startswith(KIT + "."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("theano" + spec.name[len(KIT):])

    def exec_module(self, module):
        pass


def install():
    import theano

    package = types.ModuleType("deeplearning_tutorials")
    package.__path__ = []
    kit = types.ModuleType(KIT)
    kit.__path__ = []
    kit.theano = theano
    package.theano_compat = kit
    sys.modules.update({"deeplearning_tutorials": package, KIT: kit})
    sys.meta_path.insert(0, TheanoAsKit())


def read_numpy2_pickles():
    """The harness's pickled slice was written under NumPy 2, whose arrays
    pickle as ``numpy._core.multiarray._reconstruct``: NumPy 1.19 names that
    module ``numpy.core.multiarray`` (the same function)."""
    import numpy.core.multiarray

    sys.modules.setdefault("numpy._core", numpy.core)
    sys.modules.setdefault("numpy._core.multiarray", numpy.core.multiarray)


def python2_dict_views():
    """Python 2's ``d.values()`` was a list, which Theano's ``grad`` took as
    ``wrt``; under Python 3 it is a view, which Theano 1.0.5 refuses
    ("Expected Variable, got odict_values"). The kit's ``grad`` takes any
    iterable; here ``grad`` gets the list Python 2 gave it."""
    import theano
    import theano.gradient
    import theano.tensor

    original = theano.gradient.grad

    def grad(cost, wrt, *args, **kwargs):
        views = (type({}.values()), type({}.keys()), type({}.items()))
        if isinstance(wrt, views) or type(wrt).__name__.startswith("odict_"):
            wrt = list(wrt)
        return original(cost, wrt, *args, **kwargs)

    theano.grad = theano.gradient.grad = theano.tensor.grad = grad


def shipped_mnist_slice(sizes=None):
    """``harness.mnist_slice`` without the project: the first examples of each
    split of the shipped ``data/mnist.pkl.gz`` (a Python 2 pickle), as stored."""
    import gzip
    import pickle

    import harness

    sizes = sizes or harness.SIZES
    with gzip.open(str(REPO / "data" / "mnist.pkl.gz"), "rb") as f:
        splits = pickle.load(f, encoding="latin1")
    return [(x[:sizes[k]], y[:sizes[k]]) for (x, y), k in zip(splits, ("train", "valid", "test"))]


def cpu_seconds():
    """CPU seconds of this process and of its children (Theano's g++)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def time_theano_function(harness):
    """Time ``theano.function`` as the harness times the kit's (its
    :class:`CompileTimer`): inside it, plus each function's first call beyond
    its second (its only call, if called once). Theano compiles its C code
    inside ``theano.function``, on an empty ``base_compiledir`` from scratch."""
    import theano

    timer, original = harness.CompileTimer(), theano.function

    def timed(*args, **kwargs):
        start = time.perf_counter()
        fn = original(*args, **kwargs)
        timer.building += time.perf_counter() - start
        return harness._TimedCalls(fn, timer)

    theano.function = timed
    return timer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script")
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--record", type=Path,
                        help="add the RESULT to this JSON file (one entry per script)")
    args = parser.parse_args()
    if args.record:
        args.record = args.record.resolve()
    workdir = args.workdir.resolve()
    install()
    read_numpy2_pickles()
    python2_dict_views()
    sys.path.insert(0, str(REPO / "tests" / "legacy"))
    import harness

    harness.mnist_slice = shipped_mnist_slice  # the kit's reader is not here
    # the port the harness wrote, not a new one (the rewriter is the kit's)
    harness.port_file = lambda repo, path, _: (
        workdir / "ported" / repo.replace("/", "__") / path).parent
    run = workdir / "theano"  # a new one: van Amersfoort's run.py resumes
    if run.exists():         # from the parameters it finds there
        shutil.rmtree(str(run))
    run.mkdir()
    for name in os.listdir(str(workdir)):
        if name.startswith("mnist_"):
            (run / name).write_bytes((workdir / name).read_bytes())
    os.chdir(str(run))
    sys.dont_write_bytecode = True
    timer = time_theano_function(harness)
    start, cpu_start = time.perf_counter(), cpu_seconds()
    result = harness.RUNS[args.script](run, args.epochs)
    result.update(seconds=round(time.perf_counter() - start, 1),
                  compile_seconds=round(timer.seconds, 1),
                  cpu_seconds=round(cpu_seconds() - cpu_start, 1))
    print("RESULT", result)
    if args.record:
        harness.record(args.record, dict(
            result, script=args.script, epochs=args.epochs, side="Theano 1.0.5",
            floatX=theano_floatx(), load_average=[round(x, 2) for x in os.getloadavg()]))


def theano_floatx():
    import theano

    return theano.config.floatX


if __name__ == "__main__":
    main()
