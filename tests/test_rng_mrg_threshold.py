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
from pytensor.compile import optdb
from pytensor.compile.mode import get_mode
from pytensor.graph.fg import FunctionGraph

from deeplearning_tutorials.rng_mrg import MRG_RandomStreams
from deeplearning_tutorials.rng_mrg.threshold import UniformBelowSigmoid, uniform_below_sigmoid

REWRITE = "deeplearning_tutorials_mrg_below_sigmoid"
CVM = get_mode("CVM")


def hard_cases(dtype, sigmoid):
    """x over the whole range and its edges; u random, and at the exact
    sigmoid of x (PyTensor's) and one step either side."""
    rng = numpy.random.RandomState(7)
    x = numpy.concatenate(
        [
            rng.uniform(-10, 10, 3000),
            rng.uniform(-100, 100, 1000),
            [numpy.nan, numpy.inf, -numpy.inf, 80.0, -80.0, 80.5, -80.5, 88.8, -88.8],
            [1e-30, -1e-30, 0.0, -0.0, 17.0, -17.0, 36.8, -36.8, 103.9, -103.9],
        ]
    ).astype(dtype)
    s = sigmoid(x)
    one = numpy.ones_like(s)
    u = numpy.concatenate(
        [
            rng.uniform(size=x.size).astype(dtype),
            s,
            numpy.nextafter(s, one),
            numpy.nextafter(s, -one),
            numpy.full(x.size, numpy.nan, dtype),
        ]
    )
    return u, numpy.tile(x, 5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_comparison_is_pytensors_own(dtype):
    u, x = pt.vector("u", dtype=dtype), pt.vector("x", dtype=dtype)
    ours = pytensor.function([u, x], uniform_below_sigmoid(u, x), mode=CVM)
    theirs = pytensor.function([u, x], pt.lt(u, pt.sigmoid(x)), mode=CVM)
    sigmoid = pytensor.function([x], pt.sigmoid(x), mode=CVM)
    u_values, x_values = hard_cases(dtype, sigmoid)
    got, expected = ours(u_values, x_values), theirs(u_values, x_values)
    assert got.dtype == expected.dtype == bool
    numpy.testing.assert_array_equal(got, expected)
    # at the threshold the answers are known: u = s is not below s, one
    # step down is (where s is a number)
    n = x_values.size // 5
    assert not got[n : 2 * n].any()
    numpy.testing.assert_array_equal(got[3 * n : 4 * n], ~numpy.isnan(sigmoid(x_values[:n])))


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
        optdb.query(get_mode(mode).excluding("inplace").provided_optimizer).rewrite(fgraph)
        return any(isinstance(n.op, UniformBelowSigmoid) for n in fgraph.toposort())

    assert rewritten("CVM") and not rewritten("NUMBA")
