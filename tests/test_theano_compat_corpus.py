"""The legacy corpus: public Theano scripts run after changing their imports.

Two checks per script (``tests/legacy/README.md`` lists their sources and
licences):

* the ported copy differs from the untouched original only in import lines
  and the Python 2 -> 3 mechanics of ``doc/porting.md`` (``print``,
  ``xrange``, integer ``//``, ``list(zip(...))``, ``time.clock``, text-mode
  files), and in exactly the number of lines the porting guide's corpus
  table states;
* trained briefly on a slice of the shipped MNIST (2,000 training and 500
  test examples) by ``tests/legacy/harness.py``, it reaches the accuracy
  stated here, as the script itself reports it.

The training runs compile a conv net or a dropout MLP under the default
backend (NUMBA): 30-60 s each on a cold cache, so they run with ``-m slow``.
The default suite runs LISA's logistic regression on the Python linker
(``FAST_COMPILE``, which compiles it in a second), and runs its *original*
file, unchanged, through the import hook.
"""

import difflib
import json
import os
import re
import subprocess
import sys

import pytest
from conftest import REPO

LEGACY = REPO / "tests" / "legacy"

#: (directory, file): changed lines (imports, Python 2 -> 3), as doc/porting.md states
CHANGED = {
    ("radford_theano_tutorials", "4_modern_net.py"): (3, 1),
    ("radford_theano_tutorials", "5_convolutional_net.py"): (5, 1),
    ("nielsen_nndl", "network3.py"): (9, 12),
    ("lisa_deeplearningtutorials", "logistic_sgd.py"): (2, 0),
    ("denil_dropout", "mlp.py"): (6, 17),
    ("denil_dropout", "logistic_sgd.py"): (2, 0),
    ("denil_dropout", "load_data.py"): (3, 2),
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
}


def is_import(line):
    return re.match(r"\s*(import |from \S+ import )", line) is not None


def py2_canonical(line):
    """A line with the Python 2 -> 3 mechanics undone, for comparison."""
    for py3, py2 in (
        ("time.perf_counter()", "time.clock()"), ("'w')", "'wb')"), ("//", "/"),
        (", file=sys.stderr", ""), ("print >> sys.stderr,", "print"),
        ("list(zip(", "zip(("), ("xrange(", "range("),
    ):
        line = line.replace(py3, py2)
    return re.sub(r"[()\s]", "", line)


def changed_lines(directory, name):
    original = (LEGACY / directory / "original" / name).read_text().splitlines()
    ported = (LEGACY / directory / name).read_text().splitlines()
    matcher = difflib.SequenceMatcher(a=original, b=ported, autojunk=False)
    pairs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        assert tag == "replace" and i2 - i1 == j2 - j1, f"lines added or removed near {i1 + 1}"
        pairs += zip(original[i1:i2], ported[j1:j2])
    return pairs


@pytest.mark.parametrize("directory, name", sorted(CHANGED))
def test_only_imports_and_python3_mechanics_changed(directory, name):
    pairs = changed_lines(directory, name)
    imports = [(a, b) for a, b in pairs if is_import(a) and is_import(b)]
    mechanics = [(a, b) for a, b in pairs if (a, b) not in imports]
    assert (len(imports), len(mechanics)) == CHANGED[directory, name]
    for _, new in imports:
        assert "theano" not in new or "deeplearning_tutorials.theano_compat" in new, new
    for old, new in mechanics:
        assert py2_canonical(old) == py2_canonical(new), (old, new)


def test_every_corpus_directory_keeps_its_licence():
    for directory in {d for d, _ in CHANGED}:
        names = [p.name for p in (LEGACY / directory).iterdir()]
        assert any(n.startswith("LICENSE") for n in names), directory
        text = next((LEGACY / directory).glob("LICENSE*")).read_text()
        assert "Permission is hereby granted" in text or "Redistribution and use" in text


def train(script, epochs, mode, tmp_path):
    command = [sys.executable, str(LEGACY / "harness.py"), script, str(tmp_path),
               "--epochs", str(epochs)] + (["--mode", mode] if mode else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800,
                          env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-3000:]
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


@pytest.mark.parametrize(
    "script",
    [pytest.param(name, marks=marks) for name, (*_, marks) in RUNS.items()],
)
def test_corpus_script_trains(script, tmp_path):
    epochs, mode, lowest, _ = RUNS[script]
    result = train(script, epochs, mode, tmp_path)
    assert result["epochs"] == epochs
    assert lowest <= result["accuracy"] <= 1.0, result


def test_the_porting_guide_states_the_changed_lines():
    """The corpus table of doc/porting.md gives each file's changed lines as
    ``imports + Python 3``, as counted here."""
    rows = [r for r in (REPO / "doc" / "porting.md").read_text().splitlines()
            if r.startswith("| `")]
    for (directory, name), (imports, mechanics) in CHANGED.items():
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
        row = f"{run['accuracy'] * 100:.1f} % | {run['compile_seconds']} s |"
        assert row in guide or f"{run['accuracy'] * 100:.1f} %," in guide, script
        assert run["mode"] == "NUMBA" and run["epochs"] == RUNS[script][0], script
