"""The legacy corpus: public Theano scripts run after changing their imports.

The scripts are not shipped: ``tests/legacy/README.md`` lists each one
(repository, commit, path, sha256) and how to lay them out under the folder
that ``DLT_LEGACY_CORPUS`` names. Without it (CI has no internet) the tests
that need the scripts skip, saying so; with it, two checks per script:

* the port made at test time by the kit's rewriter
  (``theano_compat.port.port_source``) differs from the untouched original
  only in import lines and the Python 2 -> 3 mechanics of ``doc/porting.md``
  (``print``, ``xrange``, integer ``//``, ``list(zip(...))``, ``time.clock``,
  ``it.next()``, text-mode files), in exactly the number of lines the porting
  guide's corpus table states, and is the port whose runs are recorded (its
  sha256);
* trained briefly on a slice of the shipped MNIST (2,000 training and 500
  test examples) by ``tests/legacy/harness.py``, it reaches the accuracy
  stated here (for the VAE, the lower bound), as the script itself reports it;
* the scripts whose noise comes from ``shared_randomstreams`` print, in
  float64, the numbers Theano 1.0.5 printed running the same port
  (``THEANOS_LINES``).

The training runs compile a conv net or a dropout MLP under the default
backend (NUMBA): 30-60 s each on a cold cache, so they run with ``-m slow``.
The default suite runs LISA's logistic regression on the Python linker
(``FAST_COMPILE``, which compiles it in a second), and runs its *original*
file, unchanged, through the import hook.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import warnings

import pytest
from conftest import REPO

from deeplearning_tutorials.theano_compat.port import port_source

LEGACY = REPO / "tests" / "legacy"
sys.path.insert(0, str(LEGACY))
import harness  # noqa: E402

#: (repository, path): changed lines (imports, Python 2 -> 3) as doc/porting.md
#: states, and the sha256 of the port (the one the recorded runs used, but for
#: Taylor's, recorded before the rules for Python 2 pickles and NumPy 2's
#: removed names: his load gained ``encoding='latin1'``, a no-op on the
#: pickles his own ``save`` wrote under Python 3, and his ``np.cast``/``np.int``
#: lines are in his test functions, which the harness does not run)
CHANGED = {
    ("Newmu/Theano-Tutorials", "4_modern_net.py"):
        (3, 1, "e7ed592729534586cc98204f6f1149719d6db54d1479fb3a4abf0bcd965e54d3"),
    ("Newmu/Theano-Tutorials", "5_convolutional_net.py"):
        (5, 1, "9285f7583ce21a903b27deadfd50e75add60ffde8d69e783a05632fe7ab1b0d1"),
    ("mnielsen/neural-networks-and-deep-learning", "src/network3.py"):
        (9, 13, "d264e61485c2b9e397d42ce4b1cbcf0e509363a4a11e63ce78e6462f4ffe78a8"),
    ("lisa-lab/DeepLearningTutorials", "code/logistic_sgd.py"):
        (2, 0, "31c599ddf6282badf28a8bf6a5586bac9a4c08f91fe9e9bfb83faae50dd4c26a"),
    ("mdenil/dropout", "mlp.py"):
        (6, 17, "41c6b617dfe54b33b2d5235e476f401cf93e248f4eb5339209d12142a1508c6f"),
    ("mdenil/dropout", "logistic_sgd.py"):
        (2, 0, "0d553ccd78ddb88c88ca4c9cae76ff5b7e3138cf970aca3a32b444798ec21ac0"),
    ("mdenil/dropout", "load_data.py"):
        (3, 3, "4144861334cefb8d111f4b3ae482eafd0ac919a53e44e0cdd6de4d357c2696be"),
    ("gwtaylor/theano-rnn", "rnn.py"):
        (3, 15, "27e38dda4f9ed4369da60a3a060c0f681085d6470d80e525a755b3e8b40082f3"),
    ("PacktPublishing/Deep-Learning-with-Theano", "Chapter02/5-cnn-with-dropout.py"):
        (4, 2, "504b9a99a5431c2666f5af5d3941286f66c46cff11e7ca2504c2d8d8810ba6aa"),
    ("y0ast/Variational-Autoencoder", "VAE.py"):
        (3, 5, "b7502171a576adf21e8901b32e3c5681291101b9e58387097f9f4e4b9b4c97a5"),
    ("y0ast/Variational-Autoencoder", "run.py"):
        (1, 9, "6f3e8597f0e62b66dc6d6c669a1311c6179ba3e19b590b9ae5f154b99cc2a886"),
}

#: script -> (epochs, mode or None for the default, lowest accuracy, marks)
RUNS = {
    "lisa_logistic_sgd_unchanged_with_hook": (3, "FAST_COMPILE", 0.78, ()),
    "lisa_logistic_sgd": (3, None, 0.78, (pytest.mark.slow,)),
    "radford_modern_net": (3, None, 0.60, (pytest.mark.slow,)),
    # runs (its shapes need max_pool_2d's legacy default), but its randn * 0.01
    # initialisation keeps it at chance for far more steps than a test can
    # take (the same net initialised at 0.1 learns through the kit: 66 % after
    # 90 steps): the run is checked, the accuracy is not
    "radford_convolutional_net": (1, None, 0.0, (pytest.mark.slow,)),
    "nielsen_network3_fc": (3, None, 0.70, (pytest.mark.slow,)),
    "nielsen_network3_conv_dropout": (3, None, 0.60, (pytest.mark.slow,)),
    # Denil's initialisation starts slowly: chance until epoch 3, 82 % at 8
    "denil_dropout_mlp": (8, None, 0.75, (pytest.mark.slow,)),
    # Taylor's vanilla RNN (scan, momentum, theano.Mode(linker='cvm')) on
    # images read as 4 steps of 7 rows; np.random seeded as his tests do
    "taylor_rnn_softmax": (5, None, 0.60, (pytest.mark.slow,)),
    # van Amersfoort's VAE (Adam, eps from shared_randomstreams): the lower
    # bound on the validation set his run.py prints, in nats (-206.8 after 3
    # epochs in float64, -380.7 after the first)
    "van_amersfoort_vae": (3, None, -230.0, (pytest.mark.slow,)),
    # Bourez's book (ch. 2): his first validation line comes after one step
    # (the next after 1,000, far more than a test can take): the run and its
    # line are checked, the accuracy (chance after one step) is not; the
    # float64 test below holds its numbers to Theano's
    "bourez_cnn_dropout": (1, None, 0.0, (pytest.mark.slow,)),
}

#: script -> the number of the RESULT line that the script's own output gave,
#: and the highest it can be (an accuracy, unless named here)
REPORTED = {"van_amersfoort_vae": ("validation_lower_bound", 0.0)}

SKIP = (
    "legacy corpus not available ({}): set DLT_LEGACY_CORPUS to a folder holding the "
    "public scripts as <folder>/<owner>__<repo>/<path>; tests/legacy/README.md lists "
    "their repositories, commits and sha256"
)


@pytest.fixture
def corpus():
    """The corpus folder; skips the test when it is not set up."""
    problems = harness.corpus_problems()
    if problems:
        pytest.skip(SKIP.format("; ".join(problems[:2]) + (" ..." if len(problems) > 2 else "")))
    return harness.corpus_dir()


def is_import(line):
    return re.match(r"\s*(import |from \S+ import )", line) is not None


def py2_canonical(line):
    """A line with the Python 2 -> 3 mechanics undone, for comparison."""
    for py3, py2 in (
        ("time.perf_counter()", "time.clock()"), ("'w')", "'wb')"), ("//", "/"),
        (", file=sys.stderr", ""), ("print >> sys.stderr,", "print"),
        ("list(zip(", "zip(("), ("xrange(", "range("), (", encoding='latin1'", ""),
        ("np.cast[np.int](", "np.array("), ("dtype=np.int", "dtype=int"), (", dtype=int)", ")"),
    ):
        line = line.replace(py3, py2)
    line = re.sub(r"\bnext\(([\w.]+)\)", r"\1.next()", line)
    return re.sub(r"[()\s]", "", line)


@pytest.mark.parametrize("repo, path", sorted(CHANGED))
def test_only_imports_and_python3_mechanics_changed(corpus, repo, path):
    original = harness.source_path(repo, path, corpus).read_text()
    ported, changed = port_source(original)
    before, after = original.splitlines(), ported.splitlines()
    assert len(before) == len(after)
    assert [i + 1 for i, (a, b) in enumerate(zip(before, after)) if a != b] == changed
    pairs = [(before[i - 1], after[i - 1]) for i in changed]
    imports = [(a, b) for a, b in pairs if is_import(a) and is_import(b)]
    mechanics = [(a, b) for a, b in pairs if (a, b) not in imports]
    assert (len(imports), len(mechanics)) == CHANGED[repo, path][:2]
    for _, new in imports:
        assert "theano" not in new or "deeplearning_tutorials.theano_compat" in new, new
    for old, new in mechanics:
        assert py2_canonical(old) == py2_canonical(new), (old, new)
    with warnings.catch_warnings():  # invalid escapes in docstrings: Python 3 warns
        warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
        compile(ported, path, "exec")  # Python 3 now
    assert hashlib.sha256(ported.encode()).hexdigest() == CHANGED[repo, path][2]


def test_the_harness_and_the_readme_list_the_same_sources():
    """Every file of the harness's SOURCES is listed in tests/legacy/README.md
    with its repository, commit and sha256, and is a file of CHANGED."""
    readme = (LEGACY / "README.md").read_text()
    files = set()
    for repo, source in harness.SOURCES.items():
        assert f"https://github.com/{repo}" in readme and source["commit"] in readme, repo
        for path, digest in source["files"].items():
            assert f"`{path}`" in readme and digest in readme, path
            files.add((repo, path))
    assert files == set(CHANGED)


def test_a_missing_or_altered_corpus_file_is_reported(tmp_path):
    problems = harness.corpus_problems(tmp_path)
    assert len(problems) == len(CHANGED) and all("is missing" in p for p in problems)
    for (repo, path) in CHANGED:
        harness.source_path(repo, path, tmp_path).parent.mkdir(parents=True, exist_ok=True)
        harness.source_path(repo, path, tmp_path).write_text("import theano\n")
    problems = harness.corpus_problems(tmp_path)
    assert len(problems) == len(CHANGED) and all("sha256 differs" in p for p in problems)


def train(script, epochs, mode, tmp_path, floatx=None, printed=False):
    """Run the harness; its RESULT (and, with ``printed``, what it printed)."""
    command = [sys.executable, str(LEGACY / "harness.py"), script, str(tmp_path),
               "--epochs", str(epochs)] + (["--mode", mode] if mode else [])
    env = dict(os.environ)
    if floatx:
        env["PYTENSOR_FLAGS"] = ",".join(
            filter(None, [env.get("PYTENSOR_FLAGS"), f"floatX={floatx}"]))
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")][-1]
    result = json.loads(line[len("RESULT "):])
    return (result, done.stdout) if printed else result


@pytest.mark.parametrize(
    "script",
    [pytest.param(name, marks=marks) for name, (*_, marks) in RUNS.items()],
)
def test_corpus_script_trains(corpus, script, tmp_path):
    epochs, mode, lowest, _ = RUNS[script]
    result = train(script, epochs, mode, tmp_path)
    assert result["epochs"] == epochs
    name, highest = REPORTED.get(script, ("accuracy", 1.0))
    assert lowest <= result[name] <= highest, result
    # a model saved and read back by the script's own code scores the same
    if "reloaded_accuracy" in result:
        assert result["reloaded_accuracy"] == result["accuracy"], result


#: scripts whose noise comes from ``shared_randomstreams``, run in float64 on
#: the Python linker -> (the harness's N, the numbers each line prints, how
#: many): ``tests/oracle/kit_run_corpus_port_under_theano.py`` ran the same
#: port under Theano 1.0.5 on the same slice and wrote
#: ``tests/oracle/corpus_<script>_float64.stdout``
THEANOS_LINES = {
    # srng.normal (seed 42) in his sampler: 3 epochs' bounds, the validation's
    "van_amersfoort_vae": (3, r"LB: (\S+),|LB on validation set: (\S+)", 4),
    # srng.binomial masks (seed from RandomState(1234)) in training and in
    # his validation function alike; np.random seeded by the harness
    "bourez_cnn_dropout": (1, r"validation error ([\d.]+) %, validation loss (\S+)", 2),
}


@pytest.mark.parametrize("script", sorted(THEANOS_LINES))
def test_shared_randomstreams_scripts_print_theanos_numbers(corpus, script, tmp_path):
    """Through the kit, the port prints the numbers Theano printed: van
    Amersfoort's first two bounds and Bourez's error to the last digit, the
    rest within 1e-15 as measured (summation order)."""
    lines, pattern, count = THEANOS_LINES[script]
    _, printed = train(script, lines, "FAST_COMPILE", tmp_path, floatx="float64", printed=True)
    theano = (REPO / "tests" / "oracle" / f"corpus_{script}_float64.stdout").read_text()

    def numbers(text):
        return [float(g) for found in re.findall(pattern, text) for g in found if g]

    assert len(numbers(theano)) == count
    assert numbers(printed) == pytest.approx(numbers(theano), rel=1e-12, abs=0)


def test_the_porting_guide_states_the_changed_lines():
    """The corpus table of doc/porting.md gives each file's changed lines as
    ``imports + Python 3``, as counted here."""
    rows = [r for r in (REPO / "doc" / "porting.md").read_text().splitlines()
            if r.startswith("| `")]
    for (_, path), (imports, mechanics, _) in CHANGED.items():
        name = path.rsplit("/", 1)[-1]
        stated = [re.findall(r"(\d+) \+ (\d+)", r) for r in rows if f"`{name}`" in r]
        assert any((str(imports), str(mechanics)) in pairs for pairs in stated), name


def test_the_porting_guide_quotes_the_recorded_runs():
    """Every run in results/theano_compat_corpus.json (written by the
    harness's ``--record``) appears in the corpus table: its accuracy and its
    compile time, as the table rounds them."""
    runs = json.loads((REPO / "results" / "theano_compat_corpus.json").read_text())
    guide = (REPO / "doc" / "porting.md").read_text()
    assert set(runs) == set(RUNS) - {"lisa_logistic_sgd_unchanged_with_hook"}
    for script, run in runs.items():
        if script in REPORTED:  # a number other than an accuracy, as printed
            figure = f"{run[REPORTED[script][0]]:.1f}"
        else:
            figure = f"{run['accuracy'] * 100:.1f} %"
        row = f"{figure} | {run['compile_seconds']} s |"
        assert row in guide or f"{figure}," in guide, script
        assert run["mode"] == "NUMBA" and run["epochs"] == RUNS[script][0], script
