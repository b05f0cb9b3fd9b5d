"""The original repository, unchanged, runs through the porting kit (issue 33).

Every module of lisa-lab/DeepLearningTutorials ``code/`` (commit 11c4651)
that the tutorials teach with -- logistic_sgd, logistic_cg, mlp,
convolutional_mlp, dA, SdA, cA, rbm, DBN, hmc, rnnslu, rnnrbm, lstm, and the
imdb and utils modules they import -- runs with its ``import theano`` lines
answered by the kit's import hook, at the smoke settings of the project's
tests, and must print the lines it printed under Theano 1.0.5 (the
references in tests/oracle/ and tests/fixtures/original_logs/, each made by
the script named beside it). tests/original_through_kit.py holds the runs;
the samplers (rbm, DBN, hmc, rnnrbm) run in float64, where their runs are
not chaotic. These runs take from 15 seconds (mlp) to 13 minutes (rnnrbm on
Nottingham), about 45 minutes in all on a 2-core machine: they are marked
``slow`` (``pytest -m slow tests/test_theano_compat_original.py``) and need
the original's ``code/`` folder named by ``$DLT_ORIGINAL_CODE`` (skipped
with the reason where it is not set; CI has no checkout), ATIS and
Nottingham as tests/shared_data.py finds them, and ``six`` (the original
imports ``six.moves``).

What the original needs from the kit beyond what other legacy code needed is
checked here first, cheaply, against Theano 1.0.5 itself
(tests/oracle/kit_original_semantics_theano.json, made by
tests/oracle/kit_make_original_semantics_reference.py from the cases of
tests/oracle/kit_original_semantics_cases.py, run here on the kit):

* the truth value of a variable (``if not W:`` in dA, cA and rbm);
* ``theano.scalar.upcast`` (the HMC sampler's ``mean_dtype``);
* ``copy.deepcopy``, ``copy.copy`` and ``pickle`` of compiled functions and
  of a model holding them (rnnslu's ``best_rnn = copy.deepcopy(rnn)``);
* the sigmoid and softplus of Theano's C code (clipped: the RBM's free
  energy, dA's cross-entropy) and its softmax rounding (lstm's costs).

The reference of the numerics was compiled by Theano with
``gcc.cxxflags=-ffp-contract=off`` (no fused multiply-adds, which PyTensor's
Numba code does not make either), as the lstm references were
(tests/oracle/run_original_lstm.sh).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy
import pytensor
import pytest
from conftest import REPO
from pytensor.compile.mode import Mode

from deeplearning_tutorials import theano_compat
from deeplearning_tutorials.theano_compat import truthiness

ORACLE = REPO / "tests" / "oracle"
REFERENCE = json.loads((ORACLE / "kit_original_semantics_theano.json").read_text())

sys.path.insert(0, str(ORACLE))
sys.path.insert(0, str(REPO / "tests"))
import original_through_kit as through_kit  # noqa: E402
from kit_original_semantics_cases import (  # noqa: E402
    NUMERICS_POINTS,
    copy_cases,
    numerics_cases,
    truth_cases,
    upcast_cases,
)

@pytest.fixture
def kit():
    """``import theano`` answered by the kit, compiling on the Python linker
    (these tests are about semantics, not speed), in float64 as the
    reference ran (conftest restores the settings)."""
    pytensor.config.floatX = "float64"
    pytensor.config.mode = "FAST_COMPILE"
    theano = theano_compat.install()
    import theano.scalar  # noqa: F401 - theano.scalar.float64, .upcast
    import theano.tensor as T

    yield theano, T
    theano_compat.uninstall()


def test_the_reference_is_theanos():
    assert REFERENCE["theano"] == "1.0.5" and REFERENCE["numpy"] == "1.19.5"
    assert REFERENCE["floatX"] == "float64" and REFERENCE["cast_policy"] == "custom"
    assert REFERENCE["gcc.cxxflags"] == "-ffp-contract=off"


# -------------------------------------------------------------- truth values


def test_variables_have_theanos_truth_values(kit):
    """True, except the result of ``<``, ``<=``, ``>``, ``>=`` on tensors,
    whose truth value raises (so ``0 < x < 1`` fails), as in Theano 1.0.5."""
    assert truth_cases(*kit) == REFERENCE["truth"]


def test_pytensor_truth_values_come_back_with_uninstall(kit):
    """The hook switches Theano's truth values on; once it is removed the
    project's modules see PyTensor's (every variable's raises)."""
    theano, T = kit
    x = T.matrix("x")
    assert truthiness.enabled() and bool(x)
    theano_compat.uninstall()
    assert not truthiness.enabled()
    with pytest.raises(TypeError, match="cannot be converted to Python boolean"):
        bool(x)
    with pytest.raises(TypeError):
        bool(pytensor.scalar.float64("c"))
    theano_compat.install()  # for the fixture's uninstall


# ------------------------------------------------------------ theano.scalar


def test_scalar_upcast_is_theanos(kit):
    """Every pair of dtypes, and a few triples, as Theano 1.0.5 upcast them."""
    theano, _ = kit
    assert upcast_cases(theano) == REFERENCE["upcast"]


def test_scalar_has_theanos_names_and_refuses_the_rest_with_advice(kit):
    theano, _ = kit
    import theano.scalar.basic as basic

    assert basic is theano.scalar
    assert theano.scalar.Scalar is pytensor.scalar.ScalarType
    assert theano.scalar.inv is pytensor.scalar.reciprocal
    assert theano.scalar.sgn is pytensor.scalar.sign
    with pytest.raises(theano_compat.TheanoNameError, match="pytensor.scalar.math"):
        theano.scalar.basic_scipy


# ------------------------------------------------- copies of compiled functions


def test_copies_and_pickles_of_functions_behave_as_theanos(kit):
    """A deep copy (and a pickle) of a model trains its own copy of the
    parameters; a shallow copy shares them: the values Theano 1.0.5 gave."""
    assert copy_cases(*kit) == REFERENCE["copies"]


# ----------------------------------------------------------------- numerics


def assert_numerics_are_theanos(got, ulps):
    """``got`` equal to the reference to ``ulps`` units in the last place of
    each precision (0: bit for bit)."""
    for name, expected in REFERENCE["numerics"].items():
        eps = numpy.finfo(name.split()[-1]).eps
        if ulps == 0:
            assert got[name] == expected, name
        else:
            numpy.testing.assert_allclose(got[name], expected, rtol=ulps * eps, err_msg=name)


def test_sigmoid_softplus_and_softmax_compute_what_theanos_c_code_did(kit):
    """Clipped where Theano clipped (``sigmoid(19.5) == 1``, ``softplus(17)
    == 17`` in float64, where PyTensor's differ by 3.4e-9 and 4.1e-8), and
    ``log(sigmoid(x))``, ``log(1 - sigmoid(x))``, ``log(1 + exp(x))`` made
    softplus first, on the Python linker with PyTensor's full rewrites: to
    two units in the last place, as NumPy's ``exp`` (the Python linker's) is
    not the C library's. The NUMBA backend calls the C library's, and the
    slow test below holds it to every bit (there, too, the softmax's
    multiplication by the reciprocal of its sum)."""
    theano, T = kit
    mode = Mode(linker="py", optimizer="fast_run")
    got = numerics_cases(theano, T, mode)
    assert_numerics_are_theanos(got, ulps=2)
    # where Theano's clipped, exactly (closer than two units in the last place)
    at = NUMERICS_POINTS.index
    assert got["sigmoid float64"][at(19.5)] == got["sigmoid float32"][at(15.5)] == 1.0
    assert got["softplus float64"][at(17.0)] == 17.0
    assert got["softplus float32"][at(14.5)] == 14.5


@pytest.mark.slow
def test_the_numerics_are_theanos_to_the_last_bit_under_numba(kit):
    theano, T = kit
    assert_numerics_are_theanos(numerics_cases(theano, T, "NUMBA"), ulps=0)


def test_the_numerics_are_the_kits_only(kit):
    """PyTensor's own functions (the project's modules) keep PyTensor's
    sigmoid: the kit's rewrite is included by the kit's functions only."""
    x = pytensor.tensor.vector("x", dtype="float64")
    mode = Mode(linker="py", optimizer="fast_run")
    (value,) = pytensor.function([x], pytensor.tensor.sigmoid(x), mode=mode)([19.5])
    assert value == 1 / (1 + numpy.exp(-19.5)) < 1  # not clipped


# ---------------------------------------------- the original repository's runs


def test_every_module_of_the_original_has_a_run():
    """Each module the original's tutorials teach (and test.py runs, plus
    cA and hmc) is run by at least one entry of the runner."""
    covered = {spec["module"] for spec in through_kit.RUNS.values()}
    assert covered == set(through_kit.MODULES)
    for spec in through_kit.RUNS.values():
        reference = spec["reference"]
        if str(reference).startswith("smoke:"):
            continue
        if reference.is_relative_to(through_kit.NOTTINGHAM_REFERENCES):
            continue  # not committed: made from the Nottingham files
        assert reference.is_file(), reference


def original_code_or_skip():
    code = through_kit.original_code()
    if code is None:
        pytest.skip(f"{through_kit.CODE_VARIABLE} is not set: it names the original's "
                    "code/ folder (lisa-lab/DeepLearningTutorials at 11c4651)")
    pytest.importorskip("six", reason="the original imports six.moves: pip install six")
    changed = through_kit.changed_files(code)
    assert not changed, (f"{code} is not the original's code/ at commit 11c4651, the one "
                         f"the references were made with: {changed} differ")
    return code


def data_or_skip(name):
    needs = through_kit.RUNS[name].get("needs")
    if needs and not (through_kit.shared_data_folder() / needs).exists():
        pytest.skip(f"{needs} is not here: set DLT_SHARED_DATA to a folder holding it "
                    "(the project may not redistribute it)")
    reference = Path(str(through_kit.RUNS[name]["reference"]))
    if reference.is_relative_to(through_kit.NOTTINGHAM_REFERENCES) and not reference.exists():
        pytest.skip(f"{reference.name} is not here: it is made from the Nottingham files by "
                    "tests/oracle/run_original_rnnrbm.sh; set DLT_NOTTINGHAM_REFERENCES")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(through_kit.RUNS))
def test_the_original_prints_what_it_printed_under_theano(name, tmp_path):
    """The original module, unchanged, through the import hook, prints the
    reference's lines (times and addresses aside; where the run names an
    ``rtol``, its numbers to that tolerance)."""
    code = original_code_or_skip()
    data_or_skip(name)
    done = subprocess.run(
        [sys.executable, str(REPO / "tests" / "original_through_kit.py"), name,
         str(tmp_path / "work")],
        capture_output=True, timeout=3600,
        env=dict(os.environ, **{through_kit.CODE_VARIABLE: str(code)}),
    )
    # bytes: rnnslu's progress updates end in a carriage return
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert through_kit.differences(name, done.stdout.decode()) == []
