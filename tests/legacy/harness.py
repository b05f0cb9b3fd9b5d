"""Run one script of the legacy corpus on a small MNIST slice; print what it reports.

    DLT_LEGACY_CORPUS=DIR python tests/legacy/harness.py SCRIPT WORKDIR [--epochs N]

The corpus is not shipped: :data:`SOURCES` (and ``tests/legacy/README.md``)
name each public script -- repository, commit, path, sha256 -- and ``DIR``
holds them as ``DIR/<owner>__<repo>/<path>`` (a clone of each repository at
its commit). ``SCRIPT`` is a key of :data:`RUNS`. The harness checks each
file's sha256, ports it into ``WORKDIR/ported/`` with the kit's rewriter
(:func:`deeplearning_tutorials.theano_compat.port.port_source`: the import
lines and the Python 2 -> 3 mechanics, nothing else), writes the slice of the
shipped MNIST in the format each script reads (``WORKDIR/mnist_slice.*``),
runs the ported script -- its own code -- for ``N`` epochs from ``WORKDIR``
(for Bourez's, ``N`` of his validation lines), and prints one last line
``RESULT {json}`` with the number the script itself reported: its test
accuracy (Bourez's: his validation accuracy; van Amersfoort's VAE: its lower
bound on the validation set).

How each script is driven, without touching its code:

* Radford's scripts train at module level for 100 epochs and print the test
  accuracy after each: they run with :func:`runpy.run_path` and a ``print``
  in their globals that records the printed accuracy and ends the run after
  ``N`` epochs; ``from load import mnist`` finds ``stand_ins/load.py``.
* LISA's ``logistic_sgd.py`` is Python 3 already: besides the port, the
  harness runs the *original* file, unchanged, from the corpus directory
  after ``theano_compat.install()`` (the import hook).
* Nielsen's ``network3``, LISA's ``logistic_sgd`` and Denil's ``mlp`` are
  libraries with a training function: the harness calls it with the book's
  or the script's own settings (LISA's with batches of 100 for the small
  slice), ``N`` epochs, and parses the accuracy from what the function prints.
* Taylor's ``rnn.py`` is a library too (a vanilla RNN trained by ``scan`` and
  per-sequence SGD with momentum): the harness reads each MNIST image as a
  sequence of 4 steps of 7 rows, the digit's label the target at every step,
  trains his ``MetaRNN`` with softmax outputs (his own ``fit``, which logs the
  test loss), and scores his own compiled ``predict`` at the last step, then
  saves the model with his ``save`` and scores it again as his ``load`` reads
  it into a new one. His ``from sklearn.base import BaseEstimator`` finds
  ``stand_ins/sklearn/``.
* Bourez's ``5-cnn-with-dropout.py`` (chapter 2 of *Deep Learning with
  Theano*) trains a LeNet-like net with dropout from ``shared_randomstreams``
  at module level for 1,000 epochs of minibatches of 600, printing the
  validation error at every 1,000th step (the first after one step): it runs
  with :func:`runpy.run_path` and a ``print`` that ends the run after ``N`` of
  those lines, its ``/sharedfiles/mnist.pkl.gz`` answered by a slice with 600
  validation examples (one of his minibatches).
* van Amersfoort's ``run.py`` trains his ``VAE`` (``VAE.py``: ReLU encoder
  and decoder, Adam as ``updates``, its noise from ``shared_randomstreams``)
  at module level, ``while epoch < n_epochs`` (40), reading ``mnist.pkl.gz``
  from the working directory (the harness puts the slice there): it runs with
  :func:`runpy.run_path` and a ``print`` (:class:`EpochLimit`) that ends his
  loop after ``N`` epochs, so that the script goes on to print the lower
  bound on the validation set, the number the harness reports.
"""

import contextlib
import gzip
import hashlib
import io
import json
import os
import pickle
import re
import runpy
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
#: examples per split of the slice (train, valid, test)
SIZES = {"train": 2000, "valid": 500, "test": 500}
#: the environment variable that names the corpus directory
CORPUS_VARIABLE = "DLT_LEGACY_CORPUS"

#: The corpus: repository -> commit, author, licence, {path: sha256 of the file}.
#: tests/legacy/README.md lists the same; a file is looked for at
#: ``$DLT_LEGACY_CORPUS/<owner>__<repo>/<path>``.
SOURCES = {
    "Newmu/Theano-Tutorials": {
        "commit": "49de4c52f45ab7b05cea3dbad039270f816be70c",
        "author": "Alec Radford", "licence": "MIT",
        "files": {
            "4_modern_net.py": "ff14ddb9affe6e1225d89febbdf8f45f552c6a33d8f5f8ecc89c091ed5a3abd4",
            "5_convolutional_net.py":
                "da4712c36306a05054a4b702abe015fefcbef0ab7f42324072d400a6861ce3e4",
        },
    },
    "mnielsen/neural-networks-and-deep-learning": {
        "commit": "72db53d750f571bef8804de4a52224e44dcab3a1",
        "author": "Michael Nielsen", "licence": "MIT",
        "files": {
            "src/network3.py": "719e13438137d87b9c3271f7635e82c96bd550f9094db31b2f0ab80d18a93075",
        },
    },
    "lisa-lab/DeepLearningTutorials": {
        "commit": "11c465105026cf87573937fc2d35ab7543678698",
        "author": "Deep Learning Tutorials Development Team (LISA lab)",
        "licence": "BSD 3-clause",
        "files": {
            "code/logistic_sgd.py":
                "0f7f2af7e36366e195ec744acbd717177af65e9609d0f5b67a876b2a9033eaaf",
        },
    },
    "mdenil/dropout": {
        "commit": "c99292e6ba443d6a6ced48724fcec504a35f77dc",
        "author": "Misha Denil", "licence": "MIT",
        "files": {
            "mlp.py": "c2fc0aace8748d9d1b7c2724e5bff9ab55c4fe7105bf4dd6e423a72c9a07100c",
            "logistic_sgd.py": "3e8e0e5aa2bc820b14581c7c1a0c87c71594cd30078c6dc550e81634eba8bc48",
            "load_data.py": "af6e59990874749e9e272aff9e35ab355b2a9424d84c18bb8fded33418a29c23",
        },
    },
    "gwtaylor/theano-rnn": {
        "commit": "f7a091d791f6d0871e5f8e38f5841066efe40d03",
        "author": "Graham Taylor", "licence": "BSD 3-clause",
        "files": {
            "rnn.py": "e874f2ccc794f95ee874e71b576a7b2cacf59ffd640bad608be7740438469245",
        },
    },
    # the last Python 2 commit (2016; the next one ported it to Python 3)
    # the code of the book *Deep Learning with Theano* (Packt, 2017), chapter 2
    "PacktPublishing/Deep-Learning-with-Theano": {
        "commit": "94a0acce79a5324d5522e866e9f4fe40acb8ce6f",
        "author": "Christopher Bourez", "licence": "MIT",
        "files": {
            "Chapter02/5-cnn-with-dropout.py":
                "3f49ae646eb9fd826595a7d84a22d2333f5a712c268758e52141c213df78dca0",
        },
    },
    "y0ast/Variational-Autoencoder": {
        "commit": "b3c71bf5527c1bcf68af12ca970decfd04b394b9",
        "author": "Joost van Amersfoort", "licence": "MIT",
        "files": {
            "VAE.py": "8a8ca75f501847bc9a5cc8468af8176e0b674d25bb49adbb08bd88a1e1d0e758",
            "run.py": "e27605ed0732cc80e7e2b3fb57574fff4e2b55d38955ff5a3edb363777b5fd64",
        },
    },
}


def corpus_dir():
    """The corpus directory that ``$DLT_LEGACY_CORPUS`` names, or None."""
    value = os.environ.get(CORPUS_VARIABLE)
    return Path(value) if value else None


def source_path(repo, path, corpus=None):
    """Where the corpus keeps ``path`` of ``repo``."""
    return (corpus or corpus_dir()) / repo.replace("/", "__") / path


def corpus_problems(corpus=None):
    """What is missing from the corpus directory: a list of sentences, empty
    when every file of :data:`SOURCES` is there with its sha256."""
    corpus = corpus or corpus_dir()
    if corpus is None:
        return [f"{CORPUS_VARIABLE} is not set"]
    problems = []
    for repo, source in SOURCES.items():
        for path, digest in source["files"].items():
            file = source_path(repo, path, corpus)
            if not file.is_file():
                problems.append(f"{file} is missing")
            elif hashlib.sha256(file.read_bytes()).hexdigest() != digest:
                problems.append(f"{file} is not the file of commit {source['commit'][:12]} "
                                "(its sha256 differs)")
    return problems


def port_file(repo, path, workdir):
    """Port one corpus file into ``workdir/ported/<owner>__<repo>/<path>``;
    return the folder it is in."""
    sys.path.insert(0, str(REPO))
    from deeplearning_tutorials.theano_compat.port import port_source

    problems = corpus_problems()
    if problems:
        raise SystemExit("the legacy corpus is not ready: " + "; ".join(problems)
                         + " (see tests/legacy/README.md)")
    text, _ = port_source(source_path(repo, path).read_text())
    target = Path(workdir) / "ported" / repo.replace("/", "__") / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target.parent


def mnist_slice(sizes=SIZES):
    """The first examples of each split of the shipped MNIST."""
    sys.path.insert(0, str(REPO))
    from deeplearning_tutorials.machinery.data import read_dataset

    splits = read_dataset(str(REPO / "data" / "mnist.pkl.gz"))
    return [(np.asarray(x[:n]), np.asarray(y[:n]))
            for (x, y), n in zip(splits, (sizes["train"], sizes["valid"], sizes["test"]))]


def write_pickle(path, splits):
    """``splits`` as ``mnist.pkl.gz`` holds MNIST: a gzipped pickle."""
    with gzip.open(path, "wb") as f:
        pickle.dump(tuple(splits), f, protocol=2)


def write_slices(workdir, sizes=SIZES):
    """The first examples of each MNIST split, as a pickle (LISA, Nielsen) and
    ``.npz`` files (Radford's stand-in loader, Denil's ``load_mnist``)."""
    (trx, try_), (vax, vay), (tex, tey) = mnist_slice(sizes)
    write_pickle(workdir / "mnist_slice.pkl.gz", ((trx, try_), (vax, vay), (tex, tey)))
    np.savez(workdir / "mnist_slice.npz", train_x=trx, train_y=try_, test_x=tex, test_y=tey)
    np.savez(workdir / "mnist_batches.npz", train_data=trx, train_labels=try_,
             test_data=tex, test_labels=tey)


class CompileTimer:
    """Seconds a run spends compiling: inside ``theano.function``, plus each
    function's first call beyond its second (Numba compiles at the first
    call what its cache does not hold); for a function called once, that
    call whole (its compiling and one run, which one call cannot separate)."""

    def __init__(self):
        self.building = 0.0
        self.functions = []

    @property
    def first_calls(self):
        return sum(function.compiling() for function in self.functions)

    @property
    def seconds(self):
        return self.building + self.first_calls

    def install(self):
        """Time every ``theano.function`` of the kit from now on."""
        from deeplearning_tutorials import theano_compat

        original = theano_compat.function

        def timed(*args, **kwargs):
            start = time.perf_counter()
            fn = original(*args, **kwargs)
            self.building += time.perf_counter() - start
            return _TimedCalls(fn, self)

        theano_compat.function = timed


class _TimedCalls:
    """A compiled function whose first two calls are timed."""

    def __init__(self, fn, timer):
        self._fn, self._times = fn, []
        timer.functions.append(self)

    def __getattr__(self, name):
        return getattr(self._fn, name)

    def __call__(self, *args, **kwargs):
        if len(self._times) >= 2:
            return self._fn(*args, **kwargs)
        start = time.perf_counter()
        result = self._fn(*args, **kwargs)
        self._times.append(time.perf_counter() - start)
        return result

    def compiling(self):
        """Its first call beyond its second; its only call, if called once."""
        if len(self._times) == 2:
            return max(self._times[0] - self._times[1], 0.0)
        return sum(self._times)


class _Enough(Exception):
    """Raised by :class:`EpochWatcher` to end a module-level training loop."""


class EpochWatcher:
    """A ``print`` for Radford's scripts: records each epoch's accuracy line
    and stops the script after ``epochs`` of them."""

    def __init__(self, epochs):
        self.epochs, self.accuracies = epochs, []

    def __call__(self, *args, **kwargs):
        print(*args, **kwargs)
        if len(args) == 1 and isinstance(args[0], (float, np.floating)):
            self.accuracies.append(float(args[0]))
            if len(self.accuracies) >= self.epochs:
                raise _Enough


def run_radford(name, workdir, epochs):
    sys.path.insert(0, str(HERE / "stand_ins"))
    os.environ["LEGACY_MNIST_SLICE"] = str(workdir / "mnist_slice.npz")
    watcher = EpochWatcher(epochs)
    folder = port_file("Newmu/Theano-Tutorials", name, workdir)
    with contextlib.suppress(_Enough):
        runpy.run_path(str(folder / name),
                       init_globals={"print": watcher}, run_name="__main__")
    return {"accuracy": watcher.accuracies[-1], "per_epoch": watcher.accuracies}


def _captured(call):
    """Run ``call()``, echo and return what it printed."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        call()
    sys.stdout.write(buffer.getvalue())
    return buffer.getvalue()


def run_nielsen(workdir, epochs, conv):
    sys.path.insert(0, str(port_file("mnielsen/neural-networks-and-deep-learning",
                                     "src/network3.py", workdir)))
    import network3
    from network3 import ConvPoolLayer, FullyConnectedLayer, Network, ReLU, SoftmaxLayer

    training, validation, test = network3.load_data_shared(str(workdir / "mnist_slice.pkl.gz"))
    mbs = 10
    if conv:  # chapter 6: a conv-pool layer, ReLU, dropout in the dense layers
        layers = [
            ConvPoolLayer(image_shape=(mbs, 1, 28, 28), filter_shape=(20, 1, 5, 5),
                          poolsize=(2, 2), activation_fn=ReLU),
            FullyConnectedLayer(n_in=20 * 12 * 12, n_out=100, activation_fn=ReLU,
                                p_dropout=0.5),
            SoftmaxLayer(n_in=100, n_out=10, p_dropout=0.5),
        ]
        eta, lmbda = 0.03, 0.1
    else:  # chapter 6's first network: one sigmoid layer of 100
        layers = [FullyConnectedLayer(n_in=784, n_out=100), SoftmaxLayer(n_in=100, n_out=10)]
        eta, lmbda = 0.1, 0.0
    net = Network(layers, mbs)
    text = _captured(lambda: net.SGD(training, epochs, mbs, eta, validation, test, lmbda=lmbda))
    found = re.findall(r"Corresponding test accuracy of ([\d.]+)%", text)
    return {"accuracy": float(found[-1]) / 100}


def run_lisa(workdir, epochs, unchanged=False):
    repo, path = "lisa-lab/DeepLearningTutorials", "code/logistic_sgd.py"
    if unchanged:  # the original file, its `import theano` lines answered by the hook
        from deeplearning_tutorials import theano_compat

        theano_compat.install()
        port_file(repo, path, workdir)  # checks the corpus (the port is not run)
        folder = source_path(repo, path).parent
    else:
        folder = port_file(repo, path, workdir)
    sys.path.insert(0, str(folder))
    import logistic_sgd

    text = _captured(lambda: logistic_sgd.sgd_optimization_mnist(
        n_epochs=epochs, dataset=str(workdir / "mnist_slice.pkl.gz"), batch_size=100))
    found = re.findall(r"with test performance ([\d.]+) %", text)
    return {"accuracy": 1 - float(found[-1]) / 100}


def run_denil(workdir, epochs):
    for name in ("mlp.py", "logistic_sgd.py", "load_data.py"):
        folder = port_file("mdenil/dropout", name, workdir)
    sys.path.insert(0, str(folder))
    import mlp

    batch_size = 100
    text = _captured(lambda: mlp.test_mlp(
        initial_learning_rate=1.0, learning_rate_decay=0.998,
        squared_filter_length_limit=15.0, n_epochs=epochs, batch_size=batch_size,
        mom_params={"start": 0.5, "end": 0.99, "interval": 500},
        activations=[mlp.ReLU, mlp.ReLU], dropout=True, dropout_rates=[0.2, 0.5, 0.5],
        results_file_name=str(workdir / "results_dropout.txt"),
        layer_sizes=[28 * 28, 1200, 1200, 10], dataset=str(workdir / "mnist_batches.npz"),
        use_bias=False, random_seed=1234))
    # his errors() counts the mistakes of a batch; the line sums the batches
    errors = [float(e) for e in re.findall(r"test error ([\d.]+)", text)]
    return {"accuracy": 1 - errors[-1] / SIZES["test"]}


def run_taylor(workdir, epochs):
    import logging

    sys.path.insert(0, str(HERE / "stand_ins"))  # sklearn.base.BaseEstimator
    os.environ.setdefault("MPLBACKEND", "Agg")  # his module calls plt.ion()
    sys.path.insert(0, str(port_file("gwtaylor/theano-rnn", "rnn.py", workdir)))
    import rnn

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    with gzip.open(workdir / "mnist_slice.pkl.gz", "rb") as f:
        (train_x, train_y), _, (test_x, test_y) = pickle.load(f)
    # an image is a sequence of 4 steps of 7 rows (196 pixels) each, its label
    # the target at every step (his softmax RNN labels each step; over the 28
    # single rows his vanilla RNN learns far more slowly)
    steps = 4

    def sequences(x, y):
        return x.reshape(len(x), steps, -1), np.repeat(np.asarray(y)[:, None], steps, axis=1)

    seq, targets = sequences(train_x, train_y)
    test_seq, test_targets = sequences(test_x, test_y)
    np.random.seed(0)  # his initial weights come from np.random; his tests seed it so
    # his test_softmax's settings, but 100 hidden units and a rate of 0.01
    model = rnn.MetaRNN(n_in=seq.shape[2], n_hidden=100, n_out=10, learning_rate=0.01,
                        learning_rate_decay=0.999, n_epochs=epochs, activation="tanh",
                        output_type="softmax", use_symbolic_softmax=False)
    # his fit logs the training and test losses; once an epoch here
    model.fit(seq, targets, test_seq, test_targets, validation_frequency=len(seq))
    # his predict labels every step: the label at the last is the answer
    def accuracy(net):
        predicted = np.array([net.predict(s)[-1] for s in test_seq])
        return float(np.mean(predicted == np.asarray(test_y)))

    # his save and load: a pickle of his parameters and weights, read into a new model
    model.save(str(workdir / "taylor_rnn.pkl"))
    restored = rnn.MetaRNN(n_in=seq.shape[2], n_hidden=100, n_out=10, output_type="softmax")
    restored.load(str(workdir / "taylor_rnn.pkl"))
    return {"accuracy": accuracy(model), "reloaded_accuracy": accuracy(restored)}


class EpochLimit:
    """A ``print`` for van Amersfoort's ``run.py``, which trains ``while epoch
    < n_epochs`` at module level (``n_epochs = 40`` in its text): at the
    ``epochs``-th "Epoch N finished" line it sets the script's ``n_epochs`` to
    ``epochs``, so that its loop ends there and the script goes on to its last
    line, the lower bound on the validation set. Records what it prints."""

    def __init__(self, epochs):
        self.epochs, self.bounds, self.validation = epochs, [], None

    def __call__(self, *args, **kwargs):
        print(*args, **kwargs)
        text = " ".join(str(a) for a in args)
        found = re.match(r"Epoch (\d+) finished\. LB: (\S+),", text)
        if found:
            self.bounds.append(float(found.group(2)))
            if int(found.group(1)) >= self.epochs:
                sys._getframe(1).f_globals["n_epochs"] = self.epochs
        found = re.match(r"LB on validation set: (\S+)", text)
        if found:
            self.validation = float(found.group(1))


def run_van_amersfoort(workdir, epochs):
    for name in ("VAE.py", "run.py"):
        folder = port_file("y0ast/Variational-Autoencoder", name, workdir)
    sys.path.insert(0, str(folder))  # his `from VAE import VAE`
    # his run.py reads mnist.pkl.gz from the working directory
    (workdir / "mnist.pkl.gz").write_bytes((workdir / "mnist_slice.pkl.gz").read_bytes())
    printed = EpochLimit(epochs)
    runpy.run_path(str(folder / "run.py"), init_globals={"print": printed},
                   run_name="__main__")
    return {"validation_lower_bound": printed.validation, "per_epoch": printed.bounds}


class LineWatcher:
    """A ``print`` that echoes, keeps the lines matching ``pattern`` and ends
    the script (:class:`_Enough`) after ``count`` of them."""

    def __init__(self, pattern, count):
        self.pattern, self.count, self.found = re.compile(pattern), count, []

    def __call__(self, *args, **kwargs):
        print(*args, **kwargs)
        found = self.pattern.search(" ".join(str(a) for a in args))
        if found:
            self.found.append(found.groups())
            if len(self.found) >= self.count:
                raise _Enough


@contextlib.contextmanager
def gzip_open_redirected(path, target):
    """``gzip.open(path)`` opens ``target`` meanwhile."""
    original = gzip.open

    def opened(name, *args, **kwargs):
        return original(str(target) if str(name) == path else name, *args, **kwargs)

    gzip.open = opened
    try:
        yield
    finally:
        gzip.open = original


def run_bourez(workdir, lines):
    name = "Chapter02/5-cnn-with-dropout.py"
    folder = port_file("PacktPublishing/Deep-Learning-with-Theano", name, workdir)
    # his minibatches are 600 images (the reshape to (600, 1, 28, 28) is fixed)
    # and he validates on whole minibatches: 600 validation examples
    data = workdir / "mnist_bourez.pkl.gz"
    write_pickle(data, mnist_slice(dict(SIZES, valid=600)))
    watcher = LineWatcher(r"validation error ([\d.]+) %, validation loss (\S+)", lines)
    # his weights come from numpy.random, unseeded (his RandomState(1234) seeds
    # only the dropout stream): seeded here, so that two runs can be compared
    np.random.seed(1234)
    # the book reads /sharedfiles/mnist.pkl.gz (its chapter's README: wget ... -P /sharedfiles)
    with gzip_open_redirected("/sharedfiles/mnist.pkl.gz", data), contextlib.suppress(_Enough):
        runpy.run_path(str(folder / name.rsplit("/", 1)[1]),
                       init_globals={"print": watcher}, run_name="__main__")
    errors = [float(error) for error, _ in watcher.found]
    return {"accuracy": 1 - errors[-1] / 100, "validation_errors": errors,
            "validation_losses": [float(loss) for _, loss in watcher.found]}


RUNS = {
    "radford_modern_net": lambda w, e: run_radford("4_modern_net.py", w, e),
    "radford_convolutional_net": lambda w, e: run_radford("5_convolutional_net.py", w, e),
    "nielsen_network3_fc": lambda w, e: run_nielsen(w, e, conv=False),
    "nielsen_network3_conv_dropout": lambda w, e: run_nielsen(w, e, conv=True),
    "lisa_logistic_sgd": run_lisa,
    "lisa_logistic_sgd_unchanged_with_hook": lambda w, e: run_lisa(w, e, unchanged=True),
    "denil_dropout_mlp": run_denil,
    "taylor_rnn_softmax": run_taylor,
    "van_amersfoort_vae": run_van_amersfoort,
    "bourez_cnn_dropout": run_bourez,
}


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", choices=sorted(RUNS))
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--corpus", type=Path, help="the corpus directory (default: "
                        f"${CORPUS_VARIABLE}); tests/legacy/README.md says how to fill it")
    parser.add_argument("--record", type=Path, help="add the result to this JSON file")
    parser.add_argument("--mode", help="PyTensor mode for every function (default: the "
                        "project's, NUMBA); FAST_COMPILE compiles fastest")
    args = parser.parse_args(argv)
    if args.corpus or corpus_dir():  # absolute: the run changes directory
        os.environ[CORPUS_VARIABLE] = str((args.corpus or corpus_dir()).resolve())
    sys.dont_write_bytecode = True  # no __pycache__ in the corpus directory
    sys.path.insert(0, str(REPO))
    import pytensor

    import deeplearning_tutorials  # noqa: F401 - its defaults first, then --mode

    if args.mode:
        pytensor.config.mode = args.mode
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.record:
        args.record = args.record.resolve()
    write_slices(args.workdir)
    os.chdir(args.workdir)  # the scripts write their files (best_model.pkl ...) here
    timer = CompileTimer()
    timer.install()
    start, cpu_start = time.perf_counter(), time.process_time()
    result = RUNS[args.script](args.workdir, args.epochs)
    result.update(script=args.script, epochs=args.epochs, mode=str(pytensor.config.mode),
                  floatX=str(pytensor.config.floatX),
                  seconds=round(time.perf_counter() - start, 1),
                  compile_seconds=round(timer.seconds, 1),
                  # the process's CPU time over the same span: far below
                  # `seconds` when other work shares the cores
                  cpu_seconds=round(time.process_time() - cpu_start, 1))
    print("RESULT " + json.dumps(result))
    if args.record:
        record(args.record, result)


def record(path, result):
    """Add ``result`` to the JSON record at ``path`` (one entry per script)."""
    path = Path(path)
    runs = json.loads(path.read_text()) if path.exists() else {}
    runs[result["script"]] = result
    path.write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
