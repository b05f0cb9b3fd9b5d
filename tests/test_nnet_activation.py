"""nnet.tanh: NumPy's tanh under every backend, its gradient, errors."""

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.gradient import verify_grad

from deeplearning_tutorials.nnet import tanh


@pytest.mark.parametrize("mode", ["NUMBA", "CVM"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_are_numpys_tanh(mode, dtype):
    values = (numpy.random.RandomState(0).randn(3, 4, 5, 6) * 3).astype(dtype)
    x = pt.tensor4("x", dtype=dtype)
    # a transposed input too: not contiguous in memory
    f = pytensor.function([x], [tanh(x), tanh(x.transpose(3, 1, 2, 0))], mode=mode)
    out, transposed = f(values)
    assert out.dtype == dtype
    numpy.testing.assert_array_equal(out, numpy.tanh(values))
    numpy.testing.assert_array_equal(transposed, numpy.tanh(values.transpose(3, 1, 2, 0)))


def test_values_under_jax():
    pytest.importorskip("jax")
    values = numpy.random.RandomState(1).randn(2, 3).astype("float32")
    x = pt.matrix("x", dtype="float32")
    out = pytensor.function([x], tanh(x), mode="JAX")(values)
    numpy.testing.assert_allclose(out, numpy.tanh(values), rtol=1e-6)


def test_scalars_work():
    s = pt.scalar("s", dtype="float64")
    assert pytensor.function([s], tanh(s))(0.5) == numpy.tanh(0.5)


def test_gradient_is_correct():
    values = numpy.random.RandomState(2).randn(3, 4)
    verify_grad(tanh, [values], rng=numpy.random.RandomState(3))


def test_gradient_uses_the_output_like_pt_tanh():
    x = pt.matrix("x", dtype="float64")
    values = numpy.random.RandomState(4).randn(5, 3)
    ours = pytensor.function([x], pytensor.grad(tanh(x).sum(), x))(values)
    theirs = pytensor.function([x], pytensor.grad(pt.tanh(x).sum(), x))(values)
    numpy.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_integers_are_refused():
    with pytest.raises(TypeError, match="float"):
        tanh(pt.ivector())
