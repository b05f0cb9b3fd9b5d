"""The project's promises about itself: CI runs the README's test command."""

import re

from conftest import REPO


def readme_commands():
    return re.findall(r"```bash\n(.*?)\n```", (REPO / "README.md").read_text(), re.S)[
        :2
    ]


def test_readme_opens_with_the_two_commands():
    run, test = readme_commands()
    assert run == "pip install -e . && python -m deeplearning_tutorials.mlp"
    assert "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim():
    _, test = readme_commands()
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert test in ci_lines


# an absolute path in text: "/" and a name, then "/", after a blank, a quote,
# "=", "(" or the start of a line (so "83/83" and "1.51/1.87" are not paths)
ABSOLUTE_PATH = re.compile(r"""(?:^|[\s"'=(])(/[\w.-]+/[\w./-]*)""", re.M)


def test_no_file_in_results_holds_an_absolute_path():
    """Records and logs name files relative to the repository (or to the
    folder a run started in), never a path of the machine that made them."""
    found = {
        str(path.relative_to(REPO)): ABSOLUTE_PATH.findall(path.read_text())
        for path in sorted((REPO / "results").rglob("*"))
        if path.suffix in {".json", ".log", ".txt", ".md"}
    }
    assert {name: paths for name, paths in found.items() if paths} == {}


def test_the_absolute_path_pattern():
    text = 'x "/work/main/results/a.json" 83/83 1.51/1.87 ms\n/tmp/a/b --y=/home/u/x'
    assert ABSOLUTE_PATH.findall(text) == [
        "/work/main/results/a.json",
        "/tmp/a/b",
        "/home/u/x",
    ]


# what the repository does not have: notes kept beside it while it was made
OUTSIDE_NOTES = re.compile(r"FINDINGS|REFERENCE\.md|\.\./shared/|/work/shared")


def test_nothing_cites_notes_the_repository_does_not_have():
    files = [REPO / "README.md", *(REPO / "doc").glob("*.md")]
    for folder in ("deeplearning_tutorials", "tile_utils", "tests", "benchmarks"):
        files += (REPO / folder).rglob("*.py")
    files += (REPO / "experiments").rglob("*.py")
    cited = {
        str(path.relative_to(REPO)): OUTSIDE_NOTES.findall(path.read_text())
        for path in files
        if path.name != "test_project.py"
    }
    assert {name: found for name, found in cited.items() if found} == {}


def test_the_package_top_level_is_the_table_of_contents():
    """Opening deeplearning_tutorials/ shows the tutorial: one module per
    chapter with the original's names (and lstm's data module, imdb), the two commands, and the
    subpackages (the shared machinery, the Ops, the porting kit)."""
    package = REPO / "deeplearning_tutorials"
    modules = {p.stem for p in package.glob("*.py")} - {"__init__"}
    chapters = {"logistic_sgd", "logistic_cg", "mlp", "convolutional_mlp", "dA", "SdA", "rbm", "DBN"}
    assert chapters <= modules
    assert modules - chapters <= {"hmc", "cA", "rnnslu", "rnnrbm", "lstm", "imdb", "sweep", "reproduce"}
    folders = {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert folders == {"machinery", "nnet", "rng_mrg", "theano_compat"}


def test_a_compile_cache_from_before_the_move_still_finds_numba_dot():
    """Numba's cache names the module of each cached function: the old name
    of the module of the in-place Dot must stay importable."""
    import importlib

    from deeplearning_tutorials.machinery import numba_dot

    assert importlib.import_module("deeplearning_tutorials.numba_dot") is numba_dot
