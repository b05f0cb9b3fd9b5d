"""``theano.tensor.shared_randomstreams`` draws Theano 1.0.5's numbers.

The references are numbers drawn by Theano 1.0.5 itself (with NumPy 1.19):
``tests/oracle/kit_make_shared_randomstreams_reference.py`` ran the cases of
``tests/oracle/kit_shared_randomstreams_cases.py`` and stored every draw in
``tests/oracle/kit_shared_randomstreams_theano.json``. Here the same code runs
with ``theano`` bound to the porting kit (its import hook), under the default
backend, and must give the same arrays, bit for bit, in float32 and float64.

Then a legacy dropout script (``tests/legacy/kit_dropout_mlp_2014.py``,
2014-style Theano code whose masks come from ``RandomStreams``), ported by
its import lines alone, must print what Theano 1.0.5 printed
(``tests/oracle/kit_dropout_mlp_2014_float64.stdout``).
"""

import json
import runpy
import sys
import warnings

import numpy as np
import pytensor
import pytest
from conftest import REPO

from deeplearning_tutorials import theano_compat
from deeplearning_tutorials.theano_compat.port import port_source

ORACLE = REPO / "tests" / "oracle"
REFERENCE = json.loads((ORACLE / "kit_shared_randomstreams_theano.json").read_text())
SCRIPT = REPO / "tests" / "legacy" / "kit_dropout_mlp_2014.py"
PRINTED = (ORACLE / "kit_dropout_mlp_2014_float64.stdout").read_text()

sys.path.insert(0, str(ORACLE))
from kit_shared_randomstreams_cases import CASES, SEEDS, SETUP  # noqa: E402


@pytest.fixture
def kit():
    """``import theano`` answered by the kit."""
    theano = theano_compat.install()
    yield theano
    theano_compat.uninstall()


def encode(value):
    value = np.asarray(value)
    return {"dtype": str(value.dtype), "shape": list(value.shape),
            "values": value.astype("float64").ravel().tolist()}


def test_the_reference_is_theano_1_0_5_under_numpy_1_19():
    assert REFERENCE["theano"] == "1.0.5" and REFERENCE["numpy"].startswith("1.19")
    expected = {f"{fx}|{name}|{seed}" for fx in ("float32", "float64")
                for name, _ in CASES for seed in SEEDS}
    assert set(REFERENCE["cases"]) == expected


#: the backends the cases run under: the Python linker by default (the draws
#: are the same ``perform`` everywhere; it compiles at once), NUMBA, the default
#: backend, where the draw runs in object mode, in the slow run
MODES = ["FAST_COMPILE", pytest.param("NUMBA", marks=pytest.mark.slow)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("floatx", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[name for name, _ in CASES])
def test_draws_are_theanos_bit_for_bit(kit, case, floatx, seed, mode):
    name, code = case
    pytensor.config.floatX, pytensor.config.mode = floatx, mode
    namespace = {"np": np, "theano": kit, "T": kit.tensor, "SEED": seed}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(SETUP, namespace)
        exec(code, namespace)
    got = [encode(value) for value in namespace["out"]]
    expected = REFERENCE["cases"][f"{floatx}|{name}|{seed}"]
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert (g["dtype"], g["shape"]) == (e["dtype"], e["shape"]), f"output {i}"
        assert g["values"] == e["values"], f"output {i}"


def test_under_numba_the_draw_runs_in_object_mode_and_the_function_stays_compiled(kit):
    """The state is a vector in the graph, so NUMBA compiles the function;
    the draw is NumPy's RandomState, in Numba's object mode, without
    PyTensor's warning about it."""
    pytensor.config.mode = "NUMBA"
    from theano.tensor.shared_randomstreams import RandomStreams

    srng = RandomStreams(seed=1)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "Numba will use object mode")
        f = kit.function([], srng.uniform((2,)))
        draws = np.concatenate([f(), f()])
    assert type(f.fn.maker.linker).__name__ == "NumbaLinker"
    seed = np.random.RandomState(1).randint(2 ** 30)  # Theano's seeding of the first draw
    np.testing.assert_array_equal(draws, np.random.RandomState(seed).uniform(size=4).astype(draws.dtype))


def test_seed_and_the_state_of_a_draw_are_theanos(kit):
    """``seed()``, ``srng[v.rng]`` and ``v.update`` as Theano had them; a state
    shared by two functions advances in both."""
    pytensor.config.mode = "FAST_COMPILE"
    from theano.tensor.shared_randomstreams import RandomStreams

    srng = RandomStreams(seed=5)
    u = srng.uniform((3,))
    first_seed = np.random.RandomState(5).randint(2 ** 30)
    np.testing.assert_array_equal(
        srng[u.rng].get_state()[1], np.random.RandomState(first_seed).get_state()[1])
    assert u.update[0] is u.rng and srng.updates() == [u.update]
    f, g = kit.function([], u), kit.function([], u)
    expected = np.random.RandomState(first_seed).uniform(size=(6,)).astype(u.dtype)
    np.testing.assert_array_equal(np.concatenate([f(), g()]), expected)


# -- a legacy dropout script, ported by its imports alone ------------------------------


def run_script(path, capsys):
    """Run a script as ``__main__`` in float64, on the Python linker (the
    default-run budget: the NUMBA run is the slow test below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runpy.run_path(str(path), run_name="__main__")
    return capsys.readouterr().out


@pytest.mark.parametrize("mode", ["FAST_COMPILE", pytest.param("NUMBA", marks=pytest.mark.slow)])
def test_a_dropout_script_through_the_import_hook_prints_theanos_lines(kit, capsys, mode):
    pytensor.config.floatX, pytensor.config.mode = "float64", mode
    assert run_script(SCRIPT, capsys) == PRINTED


@pytest.mark.parametrize("mode", ["FAST_COMPILE", pytest.param("NUMBA", marks=pytest.mark.slow)])
def test_a_dropout_script_ported_by_the_rewriter_prints_theanos_lines(tmp_path, capsys, mode):
    text = SCRIPT.read_text()
    ported, changed = port_source(text)
    lines = text.splitlines()
    assert [lines[n - 1] for n in changed] == [
        "import theano",
        "import theano.tensor as T",
        "from theano.tensor.shared_randomstreams import RandomStreams",
    ]
    (tmp_path / "ported.py").write_text(ported)
    pytensor.config.floatX, pytensor.config.mode = "float64", mode
    assert run_script(tmp_path / "ported.py", capsys) == PRINTED
