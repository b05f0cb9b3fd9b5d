"""``T.round`` through the kit rounds as Theano 1.0.5 did, compiled.

References: Theano 1.0.5 itself (``tests/oracle/kit_make_round_reference.py``
rounded the values that decide a rule -- ties, the float below one half,
integers too large for a fraction, signed zeros, infinities, NaN -- and wrote
``tests/oracle/kit_round_theano.json``), and an independent computation:
Python's ``decimal`` rounding the exact value of each float with
``ROUND_HALF_UP`` (half away from zero, in decimal's words).
"""

import decimal
import json
import math
import sys
import warnings

import numpy as np
import pytensor
import pytest
from conftest import REPO

import deeplearning_tutorials.theano_compat.tensor as T
from deeplearning_tutorials.theano_compat import theano

ORACLE = REPO / "tests" / "oracle"
THEANO = json.loads((ORACLE / "kit_round_theano.json").read_text())
sys.path.insert(0, str(ORACLE))
from kit_make_round_reference import VALUES, values  # noqa: E402

DTYPES = ("float32", "float64")


def half_away_from_zero(value):
    """The exact value of ``value`` rounded half away from zero, by decimal."""
    if not math.isfinite(value):
        return value
    exact = decimal.Context(prec=400)  # enough digits for 1e300 and for 3e38
    rounded = float(decimal.Decimal(value).quantize(
        decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP, context=exact))
    return math.copysign(rounded, value)  # C's round keeps the sign of a zero


def hexes(array):
    return [float(v).hex() for v in array]


def compiled(output_of, dtype, mode):
    x = T.vector("x", dtype=dtype)
    return theano.function([x], output_of(x), mode=mode)


def test_the_reference_is_theano_1_0_5_compiled_c():
    assert THEANO["theano"] == "1.0.5" and THEANO["linker"] == "VM_Linker"
    assert set(THEANO["rounded"]) == {f"{d} {m}" for d in DTYPES
                                      for m in ("half_away_from_zero", "half_to_even")}


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_independent_rule_agrees_with_theano(dtype):
    expected = [half_away_from_zero(float.fromhex(v)) for v in VALUES[dtype]]
    assert hexes(np.array(expected, dtype=dtype)) == \
        THEANO["rounded"][f"{dtype} half_away_from_zero"]


@pytest.mark.parametrize("mode", ["NUMBA", "FAST_COMPILE"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_half_away_from_zero_is_theanos_to_the_bit_and_compiled(dtype, mode):
    """Under NUMBA (the default backend) and on the Python linker: Theano's
    numbers, signed zeros and NaN included; under NUMBA without the object-mode
    warning PyTensor's own Op gives."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Numba will use object mode ..." would fail here
        f = compiled(lambda x: T.round(x, mode="half_away_from_zero"), dtype, mode)
        out = f(values(dtype))
    assert out.dtype == dtype
    assert hexes(out) == THEANO["rounded"][f"{dtype} half_away_from_zero"]
    if mode == "NUMBA":
        assert type(f.maker.linker).__name__ == "NumbaLinker"


def test_the_other_spellings_are_compiled_too():
    """``T.round_half_away_from_zero`` and a variable's own
    ``x.round(mode=...)`` (PyTensor's method) compile under NUMBA alike."""
    for output_of in (T.round_half_away_from_zero, lambda x: x.round(mode="half_away_from_zero")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            f = compiled(output_of, "float64", "NUMBA")
            out = f(values("float64"))
        assert hexes(out) == THEANO["rounded"]["float64 half_away_from_zero"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_default_rounds_half_to_even_as_theano_1_0(dtype):
    f = compiled(T.round, dtype, "NUMBA")
    expected = [float.fromhex(v) for v in THEANO["rounded"][f"{dtype} half_to_even"]]
    # the same numbers; a zero's sign may differ (Theano's C code gives +0.0
    # for -0.5, NumPy's rule -0.0), which no comparison sees
    np.testing.assert_array_equal(f(values(dtype)), np.array(expected, dtype=dtype))
    i = compiled(lambda x: T.iround(x, mode="half_away_from_zero"), dtype, "FAST_COMPILE")
    assert i(np.array([2.5, -2.5, 0.49], dtype=dtype)).tolist() == [3, -3, 0]
    assert i.maker.fgraph.outputs[0].dtype == "int64"


def test_a_mode_theano_lacked_is_refused_in_one_line():
    with pytest.raises(ValueError, match="round mode 'half_up' is not implemented: use"):
        T.round(T.vector(), mode="half_up")


def test_its_gradient_is_zero_as_theanos():
    x = T.vector("x", dtype="float64")
    g = theano.function([x], T.grad(T.round(x, mode="half_away_from_zero").sum(), x),
                        mode="FAST_COMPILE")
    assert g(np.array([0.4, 2.5, -3.7])).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES)
def test_the_c_backend_rounds_as_theano(dtype):
    """CVM compiles Theano's own C code (``round(x)``)."""
    with pytensor.config.change_flags(cxx=pytensor.config.cxx or "g++"):
        f = compiled(lambda x: T.round(x, mode="half_away_from_zero"), dtype, "CVM")
        assert hexes(f(values(dtype))) == THEANO["rounded"][f"{dtype} half_away_from_zero"]
