"""The rewrite that hands a ``scan`` its transposed weights in C order
(:mod:`deeplearning_tutorials.machinery.scan_transpose`): where it fires, and
that the loop computes the same bits as without it.

The reference for "the same bits" is the same graph compiled with the rewrite
excluded (PyTensor's ``Mode.excluding``), and for the values an independent
NumPy computation of the loop; the shapes are the RBM's Gibbs step (a 20-row
minibatch, 784 x 500 weights)."""

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.compile.mode import get_mode
from pytensor.graph.fg import FunctionGraph
from pytensor.scan.op import Scan
from pytensor.tensor.extra_ops import CpuContiguous

from deeplearning_tutorials.machinery import scan_transpose

REWRITE = "deeplearning_tutorials_scan_transpose"


def chain(dtype, n_steps):
    """``n_steps`` of ``h -> (h @ W.T) @ W``: a product by ``W.T`` and one by
    ``W`` per step, as the RBM's Gibbs step; returns the inputs and the last
    ``h``."""
    h0 = pt.matrix("h0", dtype=dtype)
    W = pt.matrix("W", dtype=dtype)

    def step(h):
        return pt.dot(pt.dot(h, W.T), W)

    hs = pytensor.scan(step, outputs_info=[h0], n_steps=n_steps, return_updates=False)
    return [h0, W], hs[-1]


def numpy_chain(h, W, n_steps):
    for _ in range(n_steps):
        h = (h @ W.T) @ W
    return h


def has_c_order_copy(f):
    return any(isinstance(node.op, CpuContiguous) for node in f.maker.fgraph.toposort())


@pytest.fixture(scope="module")
def values():
    rng = numpy.random.RandomState(0)
    h = (rng.uniform(size=(20, 500)) < 0.5).astype("float64")
    W = rng.uniform(-0.1, 0.1, size=(784, 500))
    return h, W


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_loop_gets_w_transposed_in_c_order_and_the_same_bits(dtype, values):
    inputs, out = chain(dtype, 15)
    mode = get_mode("CVM")
    with_copy = pytensor.function(inputs, out, mode=mode)
    without = pytensor.function(inputs, out, mode=mode.excluding(REWRITE))
    assert has_c_order_copy(with_copy) and not has_c_order_copy(without)
    h, W = (v.astype(dtype) for v in values)
    got = with_copy(h, W)
    assert got.tobytes() == without(h, W).tobytes()
    # NumPy's BLAS sums in another order: 30 products' rounding apart, which
    # scales with the largest values (the entries near zero are differences
    # of large sums), not with each entry
    expected = numpy_chain(h, W, 15)
    scale = numpy.abs(expected).max()
    numpy.testing.assert_allclose(
        got, expected, rtol=0, atol=(1e-4 if dtype == "float32" else 1e-12) * scale
    )


def test_short_loops_and_other_backends_keep_the_view():
    short = pytensor.function(*chain("float32", scan_transpose.MIN_STEPS - 1), mode="CVM")
    assert not has_c_order_copy(short)
    # the graph NUMBA would compile (its rewrites, without compiling it)
    inputs, out = chain("float32", 15)
    fgraph = FunctionGraph(inputs, [out], clone=True)
    get_mode("NUMBA").excluding("inplace").optimizer.rewrite(fgraph)
    assert not any(isinstance(node.op, CpuContiguous) for node in fgraph.toposort())
    assert any(isinstance(node.op, Scan) for node in fgraph.toposort())

