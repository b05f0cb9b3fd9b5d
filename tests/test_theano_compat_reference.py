"""The porting kit against Theano 1.0.5 itself.

Every case of ``tests/oracle/theano_compat_cases.py`` is legacy code that
Theano 1.0.5 ran (``make_theano_compat_reference.py`` stored its outputs in
``tests/oracle/theano_compat_float32.json``); here the same code runs with
``theano`` and ``T`` bound to the kit, through its import hook (so the
``from theano.tensor.signal import pool`` lines inside the cases are the
kit's), and must give the same dtypes, shapes and values.
"""

import json
import sys
import warnings

import numpy as np
import pytensor
import pytest
from conftest import REPO

from deeplearning_tutorials import theano_compat

ORACLE = REPO / "tests" / "oracle"
REFERENCE = json.loads((ORACLE / "theano_compat_float32.json").read_text())

sys.path.insert(0, str(ORACLE))
from theano_compat_cases import CASES, SETUP  # noqa: E402


#: the backends the cases run under: the Python linker by default (the
#: cases hold the kit's formulas and signatures, and compile in a fraction of
#: the time); NUMBA, the default backend, in the slow run
MODES = [
    "FAST_COMPILE",
    pytest.param("NUMBA", marks=pytest.mark.slow),
]


@pytest.fixture(params=MODES)
def kit(request):
    """The kit, as ``import theano`` answers it, in float32 as the reference."""
    saved = pytensor.config.floatX, pytensor.config.mode
    pytensor.config.floatX, pytensor.config.mode = "float32", request.param
    theano = theano_compat.install()
    yield theano
    theano_compat.uninstall()
    pytensor.config.floatX, pytensor.config.mode = saved


def encode(value):
    """An output as the reference script stored it."""
    if isinstance(value, (np.ndarray, np.generic)):
        value = np.asarray(value)
        return {"dtype": str(value.dtype), "shape": list(value.shape),
                "values": value.astype("float64").ravel().tolist()}
    if isinstance(value, tuple):
        return {"tuple": list(value)}
    return value


def run(theano, code):
    namespace = {"np": np, "theano": theano, "T": theano.tensor}
    exec(SETUP, namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code, namespace)
    return [encode(item) for item in namespace["out"]]


def test_the_reference_is_theano_1_0_5_in_float32():
    assert REFERENCE["theano"] == "1.0.5"
    assert REFERENCE["floatX"] == "float32"
    assert set(REFERENCE["cases"]) == {case[0] for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_kit_computes_what_theano_computed(kit, case):
    code = case[2] if len(case) > 2 and case[2] else case[1]
    got = run(kit, code)
    expected = REFERENCE["cases"][case[0]]
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        if isinstance(e, dict) and "values" in e:
            assert (g["dtype"], g["shape"]) == (e["dtype"], e["shape"]), f"output {i}"
            np.testing.assert_allclose(
                g["values"], e["values"], rtol=2e-6, atol=2e-7, err_msg=f"output {i}"
            )
        else:
            assert g == e, f"output {i}"
