"""``theano.config.compute_test_value`` behaves as in Theano 1.0.5.

PyTensor dropped test values; the kit computes them (``theano_compat.test_values``).
The references come from Theano 1.0.5 itself:
``tests/oracle/kit_make_compute_test_value_reference.py`` ran the cases of
``tests/oracle/kit_compute_test_value_cases.py`` (what was raised or warned,
and where; the test values of a model, its gradient and a ``scan``) and stored
them in ``tests/oracle/kit_compute_test_value_theano.json``. Here the same code
runs with ``theano`` bound to the kit.
"""

import json
import sys
import warnings

import numpy as np
import pytensor
import pytest
from conftest import REPO

from deeplearning_tutorials import theano_compat
from deeplearning_tutorials.theano_compat import test_values

ORACLE = REPO / "tests" / "oracle"
REFERENCE = json.loads((ORACLE / "kit_compute_test_value_theano.json").read_text())

sys.path.insert(0, str(ORACLE))
from kit_compute_test_value_cases import CASES, SETUP  # noqa: E402


@pytest.fixture
def kit():
    """``import theano`` answered by the kit, in float64, test values off after."""
    pytensor.config.floatX = "float64"
    theano = theano_compat.install()
    yield theano
    theano.config.compute_test_value = "off"
    theano_compat.uninstall()


def test_the_reference_is_theano_1_0_5():
    assert REFERENCE["theano"] == "1.0.5"
    assert set(REFERENCE["cases"]) == {name for name, _ in CASES}


@pytest.mark.parametrize("case", CASES, ids=[name for name, _ in CASES])
def test_test_values_behave_as_in_theano(kit, case):
    name, code = case
    namespace = {"np": np, "theano": kit, "T": kit.tensor}
    try:
        exec(SETUP, namespace)
        exec(code, namespace)
    finally:
        kit.config.compute_test_value = "off"
    got, expected = namespace["out"], REFERENCE["cases"][name]
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        if isinstance(e, str):
            assert g == e, f"output {i}"
        else:
            g = np.asarray(g)
            assert (str(g.dtype), list(g.shape)) == (e["dtype"], e["shape"]), f"output {i}"
            np.testing.assert_allclose(g.ravel(), e["values"], rtol=1e-12, atol=1e-14,
                                       err_msg=f"output {i}")


def test_a_shape_error_at_build_time_names_both_shapes(kit):
    T = kit.tensor
    kit.config.compute_test_value = "raise"
    x, w = T.matrix("x"), T.matrix("W")
    x.tag.test_value, w.tag.test_value = np.ones((2, 3)), np.ones((4, 5))
    with pytest.raises(ValueError, match=r"\[\(2, 3\), \(4, 5\)\]"):
        T.dot(x, w)


def test_the_flag_in_theano_flags_is_honoured(kit, monkeypatch):
    from deeplearning_tutorials.theano_compat.config import apply_theano_flags

    apply_theano_flags({"THEANO_FLAGS": "compute_test_value=raise"})
    assert kit.config.compute_test_value == "raise"
    with pytest.raises(ValueError, match="Cannot compute test value"):
        kit.tensor.matrix("z") * 2


def test_off_leaves_pytensor_as_it_was(kit):
    """Test values patch PyTensor's Op.__call__ only while they are on."""
    from pytensor.graph.op import Op

    original = test_values._ORIGINAL_CALL
    kit.config.compute_test_value = "warn"
    assert Op.__call__ is not original
    kit.config.compute_test_value = "off"
    assert Op.__call__ is original


def test_compiling_does_not_compute_test_values(kit):
    """Theano compiled with ``compute_test_value_opt='off'``: the rewrites of a
    function build nodes without test values, and must not be refused."""
    T = kit.tensor
    kit.config.compute_test_value = "raise"
    x = T.vector("x")
    x.tag.test_value = np.arange(3.0)
    y = (x * 2 + 1).sum()
    assert y.tag.test_value == 9.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        f = kit.function([x], [y, T.grad(y, x)], mode=kit.Mode(linker="py"))
    total, gradient = f(np.arange(3.0))
    assert total == 9.0 and list(gradient) == [2.0, 2.0, 2.0]
