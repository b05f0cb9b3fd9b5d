"""The Numba ``Dot`` that reads contiguous operands in place
(deeplearning_tutorials/machinery/numba_dot.py): inside a compiled function, where a
minibatch slice is typed as of any layout, it gives PyTensor's own products
to the bit, for every layout an operand can have."""

import numpy
import pytensor
import pytensor.tensor as pt
import pytest

from deeplearning_tutorials.machinery import numba_dot

rng = numpy.random.RandomState(0)
DATA = rng.rand(60, 30).astype("float32")

# the operands of each product, from the minibatch x (20 x 30) and m
CASES = {
    "slice @ matrix": (lambda x, m: (x, m), rng.rand(30, 7)),
    "transposed slice @ matrix": (lambda x, m: (x.T, m), rng.rand(20, 7)),
    "matrix @ transposed slice": (lambda x, m: (m.T, x.T), rng.rand(30, 7)),
    "strided slice @ strided matrix": (lambda x, m: (x[:, ::2], m[::2]), rng.rand(30, 7)),
    "slice @ vector": (lambda x, m: (x, m), rng.rand(30)),
}


def dot_of_inputs(x, y):
    """``Dot`` of ``x`` and ``y`` passed in from Python, where Numba types
    each array by its true layout (C, F, or A for a strided view): the
    operands BLAS reads without the in-graph slicing."""
    a = pt.tensor(dtype="float32", shape=(None,) * x.ndim)
    b = pt.tensor(dtype="float32", shape=(None,) * y.ndim)
    return pytensor.function([a, b], pt.dot(a, b), mode="NUMBA")(x, y)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_products_are_pytensors_own_to_the_bit(case):
    operands, m = CASES[case]
    m = m.astype("float32")
    i = pt.lscalar("i")
    M = pt.tensor("M", dtype="float32", shape=(None,) * m.ndim)
    minibatch = pytensor.shared(DATA)[i * 20 : (i + 1) * 20]
    f = pytensor.function([i, M], pt.dot(*operands(minibatch, M)), mode="NUMBA")
    for index in range(3):
        rows = DATA[index * 20 : (index + 1) * 20]
        expected = dot_of_inputs(*operands(rows, m))
        numpy.testing.assert_array_equal(f(index, m), expected)
        numpy.testing.assert_allclose(expected, numpy.dot(*operands(rows, m)), rtol=1e-5)


def test_integer_products_keep_pytensors_implementation():
    x = pt.imatrix("x")
    f = pytensor.function([x], pt.dot(x, x.T), mode="NUMBA")
    a = numpy.arange(6, dtype="int32").reshape(2, 3)
    numpy.testing.assert_array_equal(f(a), a @ a.T)


def test_compiled_code_is_cached_apart_from_pytensors():
    assert numba_dot.CACHE_VERSION != 2
