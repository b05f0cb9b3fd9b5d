"""``u < sigmoid(x)`` without most exact sigmoids
(:mod:`deeplearning_tutorials.rng_mrg.threshold`): every comparison is
PyTensor's own.

The reference is PyTensor's graph ``lt(u, sigmoid(x))`` compiled by the same
C backend (CVM), with the Op's rewrite excluded; the hard cases are ``u``
equal to PyTensor's own sigmoid of ``x`` and one float step either side of
it, where only the exact sigmoid decides, and the ``x`` where the fast pass
gives up (not a number, infinite, beyond +-80)."""

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.compile.mode import get_mode
from pytensor.graph.fg import FunctionGraph

from deeplearning_tutorials.rng_mrg import MRG_RandomStreams
from deeplearning_tutorials.rng_mrg.threshold import UniformBelowSigmoid, uniform_below_sigmoid

REWRITE = "deeplearning_tutorials_mrg_below_sigmoid"
CVM = get_mode("CVM")


def hard_x(dtype):
    """x over the whole range and its edges."""
    rng = numpy.random.RandomState(7)
    return numpy.concatenate(
        [
            rng.uniform(-10, 10, 3000),
            rng.uniform(-100, 100, 1000),
            [numpy.nan, numpy.inf, -numpy.inf, 80.0, -80.0, 80.5, -80.5, 88.8, -88.8],
            [1e-30, -1e-30, 0.0, -0.0, 17.0, -17.0, 36.8, -36.8, 103.9, -103.9],
        ]
    ).astype(dtype)


def hard_u(s):
    """u random, at the exact sigmoids ``s``, one step above and below, NaN."""
    one = numpy.ones_like(s)
    rng = numpy.random.RandomState(8)
    return [
        rng.uniform(size=s.shape).astype(s.dtype),
        s,
        numpy.nextafter(s, one),
        numpy.nextafter(s, -one),
        numpy.full(s.shape, numpy.nan, s.dtype),
    ]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_comparison_is_pytensors_own(dtype):
    u, x = pt.vector("u", dtype=dtype), pt.vector("x", dtype=dtype)
    ours = pytensor.function([u, x], uniform_below_sigmoid(u, x), mode=CVM)
    theirs = pytensor.function([u, x], pt.lt(u, pt.sigmoid(x)), mode=CVM)
    x_values = hard_x(dtype)
    s = pytensor.function([x], pt.sigmoid(x), mode=CVM)(x_values)
    at, above, below = hard_u(s)[1:4]
    for u_values in hard_u(s):
        got, expected = ours(u_values, x_values), theirs(u_values, x_values)
        assert got.dtype == expected.dtype == bool
        numpy.testing.assert_array_equal(got, expected)
    # at the threshold the answers are known: u = s is not below s, one
    # step down is (where s is a number)
    assert not ours(at, x_values).any() and not ours(above, x_values).any()
    numpy.testing.assert_array_equal(ours(below, x_values), ~numpy.isnan(s))


def test_with_a_bias_and_a_cast_too():
    """cast(u < sigmoid(a + b), float32), b a bias row, as in the RBM."""
    shape, out = (5, 4019), "float32"
    u, a, b = pt.matrix("u"), pt.matrix("a"), pt.row("b")
    op = UniformBelowSigmoid(out, "row")
    ours = pytensor.function([u, a, b], op(u, a, b), mode=CVM)
    theirs = pytensor.function([u, a, b], pt.cast(pt.lt(u, pt.sigmoid(a + b)), out), mode=CVM)
    sigmoid = pytensor.function([a, b], pt.sigmoid(a + b), mode=CVM)
    rng = numpy.random.RandomState(9)
    b_values = rng.uniform(-3, 3, (1, shape[1])).astype("float32")
    rows = [numpy.roll(hard_x("float32"), 7 * i) for i in range(shape[0])]
    a_values = numpy.stack(rows) - b_values
    for u_values in hard_u(sigmoid(a_values, b_values)):
        got = ours(u_values, a_values, b_values)
        assert got.dtype == out
        numpy.testing.assert_array_equal(got, theirs(u_values, a_values, b_values))


def test_the_rewrite_fires_for_mrg_binomials_of_a_sigmoid_and_keeps_their_bits():
    """A Gibbs-like draw: the sample with the rewrite and without it."""
    x = pt.matrix("x")

    def sample():
        srng = MRG_RandomStreams(12)
        return srng.binomial(size=x.shape, p=pt.sigmoid(x), dtype="float32")

    with_op = pytensor.function([x], sample(), mode=CVM)
    without = pytensor.function([x], sample(), mode=CVM.excluding(REWRITE))
    uses = [isinstance(n.op, UniformBelowSigmoid) for n in with_op.maker.fgraph.toposort()]
    assert any(uses)
    values = numpy.random.RandomState(3).uniform(-6, 6, (20, 784)).astype("float32")
    got = with_op(values)
    assert got.tobytes() == without(values).tobytes()
    assert 0.3 < got.mean() < 0.7


def test_other_backends_get_the_comparison_back():
    """The graphs NUMBA and CVM compile (their rewrites, without compiling)."""

    def rewritten(mode):
        x = pt.matrix("x")
        srng = MRG_RandomStreams(12)
        draw = srng.binomial(size=x.shape, p=pt.sigmoid(x), dtype="float32")
        fgraph = FunctionGraph(outputs=[draw], clone=True)
        get_mode(mode).excluding("inplace").optimizer.rewrite(fgraph)
        return any(isinstance(n.op, UniformBelowSigmoid) for n in fgraph.toposort())

    assert rewritten("CVM") and not rewritten("NUMBA")
