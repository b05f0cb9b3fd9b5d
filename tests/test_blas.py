"""The C backend's BLAS comes from the package index: the ``cmeel-openblas``
wheel, linked whatever the system has (deeplearning_tutorials/machinery/blas.py).

References: NumPy's own matrix product for the values; ``/proc/self/maps``
(the kernel's list of what the process loaded) for which library computed
them."""

import os
import subprocess
import sys

import pytest

from conftest import REPO, run_module

LINKED = """
import numpy, pytensor, pytensor.tensor as pt
from deeplearning_tutorials.machinery import blas, config
config.configure(floatX="float64", mode="CVM")
x, y = pt.matrix("x"), pt.matrix("y")
f = pytensor.function([x, y], pt.dot(x, y))  # Dot22: C code that calls dgemm_
rng = numpy.random.default_rng(0)
a, b = rng.normal(size=(7, 5)), rng.normal(size=(5, 3))
assert any("Dot22" in type(n.op).__name__ for n in f.maker.fgraph.toposort())
numpy.testing.assert_allclose(f(a, b), a @ b, rtol=1e-12)
maps = {line.split()[-1] for line in open("/proc/self/maps") if "/" in line}
print("wheel", blas.wheel_library())
print("flags", pytensor.config.blas__ldflags)
for path in sorted(maps):
    name = os.path.basename(path)
    if name.startswith(("libopenblas", "libblas", "libmkl", "libgfortran")):
        print("loaded", path)
"""


def python(code, tmp_path, flags=None, timeout=600):
    env = dict(os.environ)
    env["PYTENSOR_FLAGS"] = f"base_compiledir={tmp_path / 'compiled'}"
    if flags:
        env["PYTENSOR_FLAGS"] += f",{flags}"
    return subprocess.run(
        [sys.executable, "-c", "import os\n" + code],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=timeout,
    )


def test_cvm_computes_with_the_wheels_openblas_not_a_system_blas(tmp_path):
    proc = python(LINKED, tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines()[:2])
    loaded = [l.split(" ", 1)[1] for l in proc.stdout.splitlines()[2:]]
    wheel = lines["wheel"]
    assert "cmeel.prefix" in wheel and lines["flags"].startswith(
        f"-L{os.path.dirname(wheel)} -lopenblas"
    )
    blas_libraries = [p for p in loaded if "blas" in os.path.basename(p)]
    assert [os.path.dirname(p) for p in blas_libraries] == [os.path.dirname(wheel)]


def test_the_fortran_runtime_it_needs_is_found_without_a_system_one(tmp_path):
    """Where the system has no libgfortran.so.5 (as on a fresh machine),
    NumPy's bundled copy is linked under that name in the compile directory,
    and that is the copy the process loads."""
    import ctypes.util

    if ctypes.util.find_library("gfortran") is not None:
        pytest.skip("this machine has a system libgfortran, which is used instead")
    proc = python(LINKED, tmp_path)
    assert proc.returncode == 0, proc.stderr
    loaded = [l.split(" ", 1)[1] for l in proc.stdout.splitlines() if "loaded" in l]
    links = list((tmp_path / "compiled").rglob("libgfortran.so.5"))
    assert len(links) == 1 and "deeplearning_tutorials_blas" in str(links[0])
    assert "numpy.libs" in os.path.realpath(links[0])
    assert os.path.realpath(links[0]) in loaded


def test_blas_ldflags_set_by_the_user_win_and_a_missing_library_is_refused(tmp_path):
    code = (
        "from deeplearning_tutorials.machinery import blas, config\n"
        "print(blas.ldflags())\n"
        "config.configure(mode='CVM')\n"
    )
    proc = python(code, tmp_path, flags="blas__ldflags=-lno_such_blas_here")
    assert proc.stdout.strip() == "-lno_such_blas_here"
    assert proc.returncode != 0
    assert "'-lno_such_blas_here' names a library that is not found" in proc.stderr


def test_the_mlp_runs_on_cvm_without_a_note(small_dataset):
    """The README's first command, shortened: the MLP's default backend is
    CVM and nothing is said about a missing BLAS."""
    proc = run_module("mlp", "--dataset", small_dataset, "--n-epochs", "1",
                      "--batch-size", "10", "--results-json", small_dataset.parent / "r.json")
    assert proc.returncode == 0, proc.stderr
    assert "note" not in proc.stderr and "BLAS" not in proc.stderr
    record = (small_dataset.parent / "r.json").read_text()
    assert '"mode": "CVM"' in record


NO_BLAS = "blas__ldflags=-lno_such_blas_here"


def test_without_a_blas_the_fallback_note_comes_once_after_the_run(
    small_dataset, tmp_path
):
    env = {"PYTENSOR_FLAGS": f"base_compiledir={tmp_path / 'compiled'},{NO_BLAS}"}
    proc = run_module("mlp", "--dataset", small_dataset, "--n-epochs", "1",
                      "--batch-size", "10", env=env)
    assert proc.returncode == 0, proc.stderr
    notes = [l for l in proc.stderr.splitlines() if l.startswith("note:")]
    assert len(notes) == 1 and notes[0].startswith(
        "note: ran on NUMBA instead of the faster CVM"
    )
    # said last, after the run's own lines
    assert proc.stderr.splitlines()[-1] == notes[0]
    assert "Optimization complete" in proc.stdout


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--batch-size", "1000"], "batch"),  # found after the data is read
        (["--dataset", "no-such-file.pkl.gz"], "file not found"),
        (["--learning-rate", "-1"], "--learning-rate"),  # refused by the parser
        (["--checkpoint-dir", "{held}"], "in use by another run"),
        (["--results-json", "/proc/version"], "takes no new file"),
    ],
)
def test_without_a_blas_every_error_is_still_one_line(
    small_dataset, tmp_path, flags, words
):
    """Every path to an error: the parser's, the data's, the output paths',
    the checkpoint folder's lock, with no BLAS to note."""
    from deeplearning_tutorials.machinery import runlock

    env = {"PYTENSOR_FLAGS": f"base_compiledir={tmp_path / 'compiled'},{NO_BLAS}"}
    flags = [f.replace("{held}", str(tmp_path)) for f in flags]
    with runlock.holding(tmp_path):  # another "run" holds tmp_path
        proc = run_module("mlp", "--dataset", small_dataset, *flags, env=env)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and words in lines[0] and "note" not in lines[0], lines


def test_ci_proves_the_path_without_a_system_blas():
    """CI runs the README's commands on a fresh machine; it must not install
    the system BLAS that this path makes unnecessary."""
    ci = (REPO / ".ci" / "run").read_text()
    assert "pip install -e \".[test]\" && python -m pytest" in ci
    assert not any(name in ci for name in ("libopenblas", "libblas", "liblapack"))
