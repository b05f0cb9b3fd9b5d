"""Run a module of the original repository, unchanged, through the kit's import hook.

    DLT_ORIGINAL_CODE=<the original's code/ folder> \\
        python tests/original_through_kit.py RUN WORKDIR

runs one of :data:`RUNS` in ``WORKDIR``: ``theano_compat.install()`` first
(every ``import theano`` of the original is then the porting kit's), then the
original module is imported from ``$DLT_ORIGINAL_CODE``
(lisa-lab/DeepLearningTutorials ``code/``, commit 11c4651) and called as the
oracle called it under Theano 1.0.5, with the same arguments, so that what it
prints can be compared, line for line, with what it printed there (the
reference each run names, in tests/oracle/ or tests/fixtures/original_logs/).
tests/test_theano_compat_original.py runs each in a subprocess.

What a run may set around the original, none of which changes its code or
what it computes:

* ``floatX`` through ``THEANO_FLAGS``, as the oracle runs did (the samplers,
  rbm, DBN, hmc and rnnrbm, in float64, where their runs are not chaotic);
* the data: the shipped MNIST (``dataset=``, where the oracle let the
  original find the same file beside its code/ folder), or the slice the
  reference was made on; ATIS, Nottingham and the generated IMDB as the
  oracle scripts handed them over;
* the oracle's own driver where the reference was made through one
  (rnnslu's and rnnrbm's, in tests/oracle/), run as a script;
* lstm's initial ``lstm_W`` and ``lstm_U``, the left singular vectors of
  random matrices, whose signs are LAPACK's choice (NumPy 1.19's and NumPy
  2's choose differently): the oracle run's, from its ``_init.npz``, as
  tests/lstm_with_initial_weights.py gives the port;
* the number of BLAS threads and OpenBLAS's kernels where the reference's
  last digits depend on them (cA, lstm), as the port's own tests set them;
* rnnrbm's ``import midi.utils``: the package (Python 2 only, GPL, not on
  PyPI) is answered by ``tests/original_stand_ins/midi``, the project's
  reader and writer, which make the original's piano rolls
  (deeplearning_tutorials/machinery/midi.py); the tiny run uses the oracle's
  own shim (rolls from an ``.npz``), as its reference did.
"""

import gzip
import hashlib
import importlib.util
import json
import os
import pickle
import re
import runpy
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ORACLE = HERE / "oracle"
ORIGINAL_LOGS = HERE / "fixtures" / "original_logs"
MNIST = REPO / "data" / "mnist.pkl.gz"
#: the environment variable naming the original's code/ folder
CODE_VARIABLE = "DLT_ORIGINAL_CODE"

#: the original's modules this file runs, each through at least one run
MODULES = ("logistic_sgd", "logistic_cg", "mlp", "convolutional_mlp", "dA", "SdA", "cA",
           "rbm", "DBN", "hmc", "rnnslu", "rnnrbm", "lstm")


#: sha256 of the original's files at commit 11c4651, the commit the oracle ran
#: (the references were made with these files)
ORIGINAL_FILES = {
    "logistic_sgd.py": "0f7f2af7e36366e195ec744acbd717177af65e9609d0f5b67a876b2a9033eaaf",
    "logistic_cg.py": "447f1eb273d3bd2a9966361cd1a8138df2b8e6b6e240f09c605717f1565fe8c9",
    "mlp.py": "88e2e056b3860440de2bf65833be93a9c1066605a3213f3c477cd0279a875eac",
    "convolutional_mlp.py": "b902293b53555f830412d58bb8d8891722e79b2c654a6c4d7b9656accf05fa15",
    "dA.py": "e6ac759bbb0d1de1d8da886755170acd401aafffe4bb2b55e5d29d86c8aba347",
    "SdA.py": "6741fff39bc04d22f96393e87b213fa818b9cca31de91187d40c1750d67de3de",
    "cA.py": "ec72c5d5ccc98f764f03ae05d43e93af270cdaefa610771507e55151c70c0b4a",
    "rbm.py": "9fff96a02f46e03897671239544300bac072adae29f3dacf5f86faccbf3e4dba",
    "DBN.py": "6ec3eb8a5dfa6264a6a6060d1df118651d8f819425e8f23fe86cf2d0e03819d4",
    "hmc/hmc.py": "accd15f4a918a9f3db5d7f0736be0d7afd9d8ada704e8e27d395ea83ebe2f58f",
    "hmc/test_hmc.py": "c88eedab3158d3bdd5a35788298355bacbe7f59689796fe029edf13e4f524817",
    "rnnslu.py": "277a1c610ae9d218cfe34bf46c06373679a3584abb17e89902d450f81e5c535b",
    "rnnrbm.py": "f7a3fe6432c7393271455fb81553b9e3e64bbe77311481b071f280a7d83931a0",
    "lstm.py": "c61e8f55838ba1d1c62102ac529638b3518e17466e40538dc0df99c183e97664",
    "imdb.py": "e2d8f954d5673dd1c810021528cb88d374ba9ee02dffb783b617ad36af72d71f",
    "utils.py": "a58d60d7e528ea64c7bde30a86c130b425ddb6794c05177f5d63c1dd29537387",
    "conlleval.pl": "45d5391ece8151b5c824584ed6bd4b07727017423a77966ff86084def431f956",
}


def changed_files(code):
    """The files of :data:`ORIGINAL_FILES` that ``code`` lacks or holds
    changed: an empty list for the original's code/ at 11c4651."""
    return [name for name, digest in ORIGINAL_FILES.items()
            if not (code / name).is_file()
            or hashlib.sha256((code / name).read_bytes()).hexdigest() != digest]


def original_code():
    """The original's code/ folder that ``$DLT_ORIGINAL_CODE`` names, or None."""
    value = os.environ.get(CODE_VARIABLE)
    return Path(value).resolve() if value else None


# ----------------------------------------------------------------- the data


def mnist_slice(workdir, sizes):
    """The first ``sizes`` (train, valid, test) examples of the shipped MNIST,
    as the original's pickle (the cut of tests/fixtures/capture_original_logs.py)."""
    target = Path(workdir) / ("mnist_%d_%d_%d.pkl.gz" % sizes)
    with gzip.open(MNIST, "rb") as f:
        splits = pickle.load(f, encoding="latin1")
    cut = [(x[:n], y[:n]) for (x, y), n in zip(splits, sizes)]
    with gzip.open(target, "wb") as f:
        pickle.dump(cut, f, protocol=2)
    return str(target)


def generated_imdb(workdir):
    """tests/generated_imdb.py's ``imdb.pkl`` in ``workdir`` (lstm reads it there)."""
    sys.path.insert(0, str(HERE))
    import generated_imdb

    generated_imdb.write_generated_imdb(str(workdir))


# ----------------------------------------------------------------- the runs


def _call(module, call, **data):
    """A run that imports the original ``module`` and evaluates ``call`` in
    its namespace (``data`` names the files it needs, made in the workdir)."""

    def run(workdir):
        namespace = {name: make(workdir) for name, make in data.items()}
        # ``import hmc.test_hmc``: the package's name, its submodule loaded
        namespace[module.split(".")[0]] = __import__(module)
        exec(call, namespace)

    return run


#: the products rounded as the oracle's did: its NumPy's OpenBLAS 0.3.13 does
#: not know this machine's CPU and runs its "Prescott" (SSE3) kernels, on one
#: thread (tests/oracle/run_original_lstm.sh)
ORACLE_BLAS = {"OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_NUM_THREADS": "1"}
#: tests/fixtures/capture_original_logs.py's slice of MNIST (train, valid, test)
SMALL = (1000, 200, 200)
#: float32 costs, which the kit's backend (Numba, OpenBLAS) rounds in another
#: order than Theano's C code did: they differ from the 9th significant digit
#: on (measured: at most 6e-9 relative; the port's own tests allow 5e-8, and
#: the float64 smoke runs print the original's digits)
FLOAT32_ORDER = 1e-8


def _slice(sizes):
    return lambda workdir: mnist_slice(workdir, sizes)


def _mnist(workdir):
    return str(MNIST)


def _driver(script, *arguments, env=None, path=()):
    """A run of an oracle driver script (tests/oracle/), as the oracle ran it;
    ``arguments`` are formatted with ``workdir``, ``oracle`` and ``data`` (the
    shared data folder)."""

    def run(workdir):
        values = dict(workdir=workdir, oracle=ORACLE, data=shared_data_folder())
        for name, value in (env or {}).items():
            os.environ[name] = value.format(**values)
        sys.path[:0] = [str(p).format(**values) for p in path]
        sys.argv = [str(ORACLE / script)] + [a.format(**values) for a in arguments]
        runpy.run_path(str(ORACLE / script), run_name="__main__")

    return run


#: the references made from the Nottingham files (tests/shared_data.py)
NOTTINGHAM_REFERENCES = Path(os.environ.get("DLT_NOTTINGHAM_REFERENCES", "/nonexistent"))


def shared_data_folder():
    """tests/shared_data.py's folder: ``$DLT_SHARED_DATA``, else the default that module names."""
    given = os.environ.get("DLT_SHARED_DATA")
    return Path(given) if given else REPO.parent / "shared" / "data"


def _rnnslu(*arguments):
    def run(workdir):
        # the original finds conlleval.pl beside its rnnslu.py, which the
        # driver makes the working directory (as the oracle script linked it)
        link = Path(workdir) / "conlleval.pl"
        if not link.exists():
            link.symlink_to(original_code() / "conlleval.pl")
        os.chdir(original_code())  # as run_original_rnnslu.sh
        _driver("original_rnnslu_driver.py", str(workdir), str(Path(workdir) / "values.json"),
                *arguments, env={"ATISDATA": "{data}/atis"})(workdir)

    return run


def _lstm(workdir):
    """The oracle's smoke run under Python 3 (its zip() iterators as they
    are), with the oracle run's initial lstm_W and lstm_U."""
    import numpy

    generated_imdb(workdir)
    import lstm

    initial = numpy.load(ORACLE / "lstm_smoke_float64_init.npz")
    draw_params = lstm.init_params

    def init_params(options):
        params = draw_params(options)  # every draw as the original's
        for name in ("lstm_W", "lstm_U"):
            params[name] = initial[name]
        return params

    lstm.init_params = init_params
    lstm.train_lstm(n_words=100, maxlen=60, batch_size=16, valid_batch_size=32, dispFreq=5,
                    dim_proj=16, max_epochs=2, validFreq=10, saveFreq=15)


def _rnnrbm_nottingham(workdir):
    """The oracle's default RnnRbm on the Nottingham training tunes, read by
    the MIDI stand-in (the project's reader) where the oracle read rolls the
    original reader had made under Python 2."""
    import zipfile

    with zipfile.ZipFile(shared_data_folder() / "Nottingham.zip") as archive:
        archive.extractall(workdir)
    sys.path.insert(0, str(HERE / "original_stand_ins"))
    _driver("original_rnnrbm_driver.py", "nottingham", str(Path(workdir) / "Nottingham" / "train"),
            "2", str(Path(workdir) / "values.json"))(workdir)


#: name -> {module, floatX, run, reference, ...}; ``reference`` is the file of
#: the lines the original printed under Theano 1.0.5 (``smoke:MODEL`` for
#: tests/oracle/smoke_<floatX>.json's record), ``needs`` the data a run
#: reads beyond MNIST, ``env`` what the oracle's run set
RUNS = {
    "logistic_sgd": dict(
        module="logistic_sgd", floatX="float32",
        run=_call("logistic_sgd", "logistic_sgd.sgd_optimization_mnist("
                  "n_epochs=2, dataset=DATA, batch_size=100)", DATA=_slice(SMALL)),
        reference=ORIGINAL_LOGS / "logistic_sgd.stdout"),
    "logistic_cg": dict(
        module="logistic_cg", floatX="float64",
        run=_call("logistic_cg", "logistic_cg.cg_optimization_mnist("
                  "n_epochs=10, mnist_pkl_gz=DATA)", DATA=_mnist),
        reference=ORACLE / "logistic_cg_float64.stdout"),
    "mlp": dict(
        module="mlp", floatX="float32",
        run=_call("mlp", "mlp.test_mlp(n_epochs=2, dataset=DATA, batch_size=20, n_hidden=20)",
                  DATA=_slice(SMALL)),
        reference=ORIGINAL_LOGS / "mlp.stdout"),
    "convolutional_mlp": dict(
        module="convolutional_mlp", floatX="float32",
        run=_call("convolutional_mlp", "convolutional_mlp.evaluate_lenet5("
                  "n_epochs=3, dataset=DATA, nkerns=[2, 3], batch_size=20)", DATA=_slice(SMALL)),
        reference=ORIGINAL_LOGS / "convolutional_mlp.stdout"),
    "dA": dict(
        module="dA", floatX="float32",
        run=_call("dA", "dA.test_dA(training_epochs=2, dataset=DATA, batch_size=20, "
                  "output_folder='dA_plots')", DATA=_slice(SMALL)),
        reference=ORIGINAL_LOGS / "dA.stdout", rtol=FLOAT32_ORDER),
    # the original's own smoke setting (its code/test.py), in float64
    "dA_smoke": dict(
        module="dA", floatX="float64",
        run=_call("dA", "dA.test_dA(training_epochs=1, output_folder='tmp_dA_plots', "
                  "dataset=DATA)", DATA=_mnist),
        reference="smoke:dA"),
    "SdA": dict(
        module="SdA", floatX="float32",
        run=_call("SdA", "SdA.test_SdA(pretraining_epochs=1, training_epochs=2, dataset=DATA, "
                  "batch_size=20)", DATA=_slice(SMALL)),
        reference=ORIGINAL_LOGS / "SdA.stdout", rtol=FLOAT32_ORDER),
    # the epoch line is made of the first two minibatches alone (tests/test_cA.py)
    "cA": dict(
        module="cA", floatX="float64",
        run=_call("cA", "cA.test_cA(training_epochs=1, dataset=DATA, output_folder='cA_plots')",
                  DATA=_slice((20, 20, 20))),
        reference=ORACLE / "cA_1epoch_float64.stdout",
        # its last digit depends on how BLAS splits the sums: two threads, as
        # on the machines where the port's line was matched (tests/test_cA.py)
        env={"OPENBLAS_NUM_THREADS": "2"}),
    # the original's smoke settings; the references' C code compiled without
    # fused multiply-adds, the products made with the oracle's OpenBLAS
    # kernels (tests/oracle/run_original_smoke_nofma.sh)
    "rbm": dict(
        module="rbm", floatX="float64",
        run=_call("rbm", "rbm.test_rbm(training_epochs=1, batch_size=300, n_chains=1, "
                  "n_samples=1, n_hidden=20, output_folder='tmp_rbm_plots', dataset=DATA)",
                  DATA=_mnist),
        reference=ORACLE / "smoke_nofma_rbm_float64.stdout", env=ORACLE_BLAS),
    "DBN": dict(
        module="DBN", floatX="float64",
        run=_call("DBN", "DBN.test_DBN(pretraining_epochs=1, training_epochs=1, "
                  "batch_size=300, dataset=DATA)", DATA=_mnist),
        reference=ORACLE / "smoke_nofma_DBN_float64.stdout", env=ORACLE_BLAS,
        # every error exact; the pre-training costs, means over a Gibbs
        # chain's epoch, to 9e-12 relative at most (measured: layer 0 to
        # 2e-16, layer 2 to 8.6e-12; the port's own test measured 8.5e-11)
        rtol=1e-10),
    # test_hmc() printed what the oracle's driver printed (hmc_threads_check.txt)
    "hmc": dict(
        module="hmc", floatX="float64",
        run=_call("hmc.test_hmc", "hmc.test_hmc.test_hmc()"),
        reference=ORACLE / "hmc_float64.stdout"),
    "rnnslu_small": dict(
        module="rnnslu", floatX="float64", needs="atis",
        run=_rnnslu("--nepochs", "2", "--subset", "100,30,30", "--nhidden", "10",
                    "--lr", "0.5", "--lists", "--capture-models"),
        reference=ORACLE / "rnnslu_small_2epochs_float64.stdout"),
    # no better validation F1 after epoch 0: the rate decays, and at the first
    # decay the run goes back to the copy.deepcopy of the best model
    "rnnslu_decay": dict(
        module="rnnslu", floatX="float64", needs="atis",
        run=_rnnslu("--nepochs", "14", "--subset", "20,10,10", "--nhidden", "10",
                    "--lists", "--capture-models"),
        reference=ORACLE / "rnnslu_decay_14epochs_float64.stdout"),
    "rnnrbm_tiny": dict(
        module="rnnrbm", floatX="float64",
        run=_driver("original_rnnrbm_driver.py", "tiny", "2", "{workdir}/values.json",
                    path=[ORACLE / "rnnrbm_midi_shim"]),
        reference=ORACLE / "rnnrbm_tiny_float64.stdout",
        # the last of a cost's 16 digits may differ (measured: one cost, by
        # one unit, with Theano's C code compiled with or without fused
        # multiply-adds, and with either OpenBLAS kernels); the port prints
        # the same, and its own test allows it (tests/test_rnnrbm.py)
        rtol=1e-13),
    "rnnrbm_nottingham": dict(
        module="rnnrbm", floatX="float64", needs="Nottingham.zip",
        run=_rnnrbm_nottingham,
        # made from the Nottingham files, kept with them outside the repository
        reference=NOTTINGHAM_REFERENCES / "rnnrbm_nottingham_2epochs_float64.stdout",
        rtol=1e-13),
    "lstm": dict(
        module="lstm", floatX="float64",
        run=_lstm,
        reference=ORACLE / "lstm_smoke_py3zip_float64.stdout",
        env=ORACLE_BLAS),
}


# --------------------------------------------------------- the printed lines

#: what changes from run to run in a line: wall times, an object's address
_VARYING = [
    (re.compile(r"(with |in |ran for |took )[0-9.]+"), r"\1<time>"),
    (re.compile(r" at 0x[0-9a-f]+"), " at <address>"),
]
#: rnnslu's progress update, rewritten in place with a carriage return
_PROGRESS = r"\[learning\] epoch \d+ >> [ 0-9.]+% completed in [0-9.]+ \(sec\) <<\r"


def comparable(text):
    """``text``'s lines with times and addresses masked, and rnnslu's
    progress updates cut to the last of each epoch (as the oracle script cut
    them)."""
    text = re.sub("(?:%s)+(?=%s)" % (_PROGRESS, _PROGRESS), "", text)
    lines = []
    for line in text.splitlines():
        for pattern, replacement in _VARYING:
            line = pattern.sub(replacement, line)
        lines.append(line)
    return lines


#: printed by the original when pylab (matplotlib) is missing, as it was in
#: the oracle's environment: a fact of the environment, not of Theano
_WITHOUT_PYLAB = (
    "pylab isn't available. If you use its functionality, it will crash.",
    "It can be installed with 'pip install -q Pillow'",
)
_STDERR_LINE = re.compile(r"The .*code for file \S+ ran for ")
_NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+")


def differences(name, printed):
    """How the lines of ``printed`` differ from the reference's: an empty
    list where they are the same. Each line must be the reference's, its
    numbers written alike (as strings), or, where the run names an ``rtol``,
    equal to that relative tolerance."""
    got, expected = ([line for line in lines if line not in _WITHOUT_PYLAB]
                     for lines in (comparable(printed), reference_lines(name)))
    rtol = RUNS[name].get("rtol", 0)
    problems = []
    if len(got) != len(expected):
        problems.append(f"{len(got)} lines printed, the original printed {len(expected)}")
    for number, (line, reference) in enumerate(zip(got, expected), 1):
        if line == reference:
            continue
        if rtol and _NUMBER.sub("#", line) == _NUMBER.sub("#", reference) and all(
            abs(float(a) - float(b)) <= rtol * abs(float(b))
            for a, b in zip(_NUMBER.findall(line), _NUMBER.findall(reference))
        ):
            continue
        problems.append(f"line {number}: {line!r}, the original printed {reference!r}")
    return problems


def reference_lines(name):
    """The lines the original printed in the reference run of ``name``."""
    reference = RUNS[name]["reference"]
    if isinstance(reference, str) and reference.startswith("smoke:"):
        floatX = RUNS[name]["floatX"]
        record = json.loads((ORACLE / f"smoke_{floatX}.json").read_text())
        assert record["theano"] == "1.0.5" and record["floatX"] == floatX
        printed = record["runs"][reference.split(":", 1)[1]]["printed"]
        # the record holds stdout and stderr together: leave out the
        # original's lines to stderr (its run times, tests/original_logs.py)
        text = "\n".join(line for line in printed if not _STDERR_LINE.match(line))
    else:
        text = Path(reference).read_text()
    return comparable(text)


def main(argv):
    if len(argv) != 2 or argv[0] not in RUNS:
        raise SystemExit("usage: original_through_kit.py RUN WORKDIR, RUN one of "
                         + ", ".join(sorted(RUNS)))
    name, workdir = argv
    spec = RUNS[name]
    # before NumPy loads OpenBLAS and the kit reads THEANO_FLAGS
    os.environ.update(spec.get("env", {}))
    os.environ["THEANO_FLAGS"] = f"floatX={spec['floatX']}"
    code = original_code()
    if code is None:
        raise SystemExit(f"{CODE_VARIABLE} is not set: it names the original's code/ folder")
    changed = changed_files(code)
    if changed:
        raise SystemExit(f"{code} is not the original's code/ at commit 11c4651: "
                         f"{', '.join(changed)} missing or changed")
    if importlib.util.find_spec("six") is None:
        raise SystemExit("the original imports six.moves: pip install six")
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    os.chdir(workdir)
    sys.dont_write_bytecode = True  # no __pycache__ in the original's folder
    sys.path.insert(0, str(code))
    from deeplearning_tutorials import theano_compat

    theano_compat.install()
    spec["run"](workdir)


if __name__ == "__main__":
    main(sys.argv[1:])
