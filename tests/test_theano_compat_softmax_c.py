"""The kit's softmax and its gradient in C, on PyTensor's C backend (issue 33).

``T.nnet.softmax`` is :class:`TheanoSoftmax`, whose gradient is
:class:`TheanoSoftmaxGrad`, and ``log(softmax(x))`` becomes a
:class:`TheanoLogSoftmax` in the kit's functions: symbolic Ops whose inner graphs Numba and JAX
compile, and which carry C loops for the C backend (``mode=CVM``), so that it
no longer compiles their inner graphs as functions of their own
(``softmax_c.py``). The C loops must give the bits the inner graphs give,
held here against references from outside the C code:

* an independent NumPy computation with the C library's ``exp``/``expf``
  (through ctypes: NumPy's own SIMD ``exp`` rounds otherwise in the last
  bit) and sums taken left to right in float64 (``cumsum``);
* the inner graphs compiled by Numba (the kit's default backend) and by the
  C backend as before (without fused multiply-adds, ``-ffp-contract=off``:
  g++ would otherwise contract the gradient's ``d - total * s`` in float64,
  which Numba's code does not);
* Theano 1.0.5's own output (tests/oracle/kit_original_semantics_theano.json,
  made by tests/oracle/kit_make_original_semantics_reference.py);
* ``verify_grad`` (finite differences).

Small shapes, one module-scoped set of functions: about 10 seconds cold; the
comparisons with the inner graphs compile them (another 20 seconds) and are
marked ``slow`` (``pytest -m slow tests/test_theano_compat_softmax_c.py``).
"""

import ctypes
import ctypes.util
import json

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import REPO
from pytensor.link.numba.dispatch import numba_funcify

from deeplearning_tutorials.theano_compat import function
from deeplearning_tutorials.theano_compat.tensor.nnet import (
    TheanoLogSoftmax,
    TheanoSoftmax,
    TheanoSoftmaxGrad,
    softmax,
)

DTYPES = ("float32", "float64")
ORACLE = REPO / "tests" / "oracle"
THEANO = json.loads((ORACLE / "kit_original_semantics_theano.json").read_text())["numerics"]
SOFTMAX_ROWS = [[1.0, 2.0, 3.0, -4.5], [0.5, -1.0, 30.0, 29.5], [1e-3, 2e-3, -1e-3, 0.0]]
SOFTMAX_WEIGHTS = [[0.5, -1.0, 2.0, 0.25], [1.0, 1.0, -3.0, 0.5], [2.0, 0.0, 1.0, -1.0]]


def c_library_exp(dtype):
    """The C library's ``expf`` or ``exp``, elementwise, as the C code calls it."""
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    name, ctype = ("expf", ctypes.c_float) if dtype == "float32" else ("exp", ctypes.c_double)
    function = getattr(libm, name)
    function.restype, function.argtypes = ctype, [ctype]
    return numpy.vectorize(function, otypes=[dtype])


def numpy_softmax(x):
    e = c_library_exp(x.dtype)(x - x.max(axis=1, keepdims=True))
    total = numpy.cumsum(e.astype("float64"), axis=1)[:, -1:]
    return (e.astype("float64") * (1.0 / total)).astype(x.dtype)


def numpy_log_softmax(x):
    """PyTensor's ``LogSoftmax``: the sum of the exponentials in float64,
    rounded to the input's precision, then its logarithm (the C library's)."""
    y = x - x.max(axis=1, keepdims=True)
    total = numpy.cumsum(c_library_exp(x.dtype)(y).astype("float64"), axis=1)[:, -1:]
    return y - c_library_log(x.dtype)(total.astype(x.dtype))


def c_library_log(dtype):
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    name, ctype = ("logf", ctypes.c_float) if dtype == "float32" else ("log", ctypes.c_double)
    function = getattr(libm, name)
    function.restype, function.argtypes = ctype, [ctype]
    return numpy.vectorize(function, otypes=[dtype])


def numpy_softmax_grad(g, s):
    d = g * s
    total = numpy.cumsum(d.astype("float64"), axis=1)[:, -1:]
    return (d.astype("float64") - total * s.astype("float64")).astype(s.dtype)


@pytest.fixture(scope="module")
def data():
    """Per dtype: rows with a wide range (exp of -20 .. 0) and gradients."""
    rng = numpy.random.default_rng(33)
    return {
        dtype: ((rng.standard_normal((9, 23)) * 5).astype(dtype),
                rng.standard_normal((9, 23)).astype(dtype))
        for dtype in DTYPES
    }


@pytest.fixture(scope="module")
def in_c():
    """Per dtype: the softmax of ``x`` and ``softmax_grad(g, softmax(x))``,
    compiled by the C backend, and that function."""
    results = {}
    for dtype in DTYPES:
        x, g = pt.matrix("x", dtype=dtype), pt.matrix("g", dtype=dtype)
        sm = softmax(x)
        grad = TheanoSoftmaxGrad(axis=(1,))(g, sm)
        results[dtype] = pytensor.function([x, g], [sm, grad], mode="CVM")
    return results


def test_the_c_backend_runs_the_c_loops_not_the_inner_graphs(in_c):
    for fn in in_c.values():
        ops = [type(node.op) for node in fn.maker.fgraph.toposort()]
        assert ops == [TheanoSoftmax, TheanoSoftmaxGrad]
        assert all(hasattr(thunk, "cthunk") for thunk in fn.vm.thunks)


def test_numba_and_jax_still_compile_the_inner_graphs():
    # the OpFromGraph implementation, as before the C code (Numba); JAX's is
    # PyTensor's Softmax's, as before
    for op in (TheanoSoftmax, TheanoSoftmaxGrad):
        assert numba_funcify.dispatch(op).__name__ == "numba_funcify_OpFromGraph"


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_c_loops_equal_numpy_with_the_c_librarys_exp(in_c, data, dtype):
    x, g = data[dtype]
    sm, grad = in_c[dtype](x, g)
    numpy.testing.assert_array_equal(sm, numpy_softmax(x))
    numpy.testing.assert_array_equal(grad, numpy_softmax_grad(g, sm))
    assert sm.dtype == grad.dtype == dtype


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES)
def test_the_c_loops_equal_the_inner_graphs_under_cvm(in_c, data, dtype):
    """The inner graphs as the C backend compiled them before (each a
    function of its own), without fused multiply-adds."""
    x, g = data[dtype]
    xs, gs, ss = (pt.matrix(dtype=dtype) for _ in range(3))
    with pytensor.config.change_flags(gcc__cxxflags="-ffp-contract=off"):
        forward = pytensor.function(
            [xs], TheanoSoftmax(axis=(1,)).build_inner_graph(xs), mode="CVM")
        backward = pytensor.function(
            [gs, ss], TheanoSoftmaxGrad(axis=(1,)).build_inner_graph(gs, ss), mode="CVM")
    sm, grad = in_c[dtype](x, g)
    numpy.testing.assert_array_equal(sm, forward(x)[0])
    numpy.testing.assert_array_equal(grad, backward(g, sm)[0])


@pytest.mark.slow
def test_the_c_loops_equal_the_inner_graphs_under_numba(in_c, data):
    """Both precisions in one Numba function (one compile)."""
    variables, outputs, values = [], [], []
    for dtype in DTYPES:
        x, g, s = (pt.matrix(dtype=dtype) for _ in range(3))
        variables += [x, g, s]
        outputs += [TheanoSoftmax(axis=(1,))(x), TheanoSoftmaxGrad(axis=(1,))(g, s)]
    numba = pytensor.function(variables, outputs, mode="NUMBA")
    expected = []
    for dtype in DTYPES:
        x, g = data[dtype]
        sm, grad = in_c[dtype](x, g)
        values += [x, g, sm]
        expected += [sm, grad]
    for got, want in zip(numba(*values), expected):
        numpy.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_c_loops_give_theanos_bits(dtype):
    """``softmax(m)`` and ``grad((softmax(m) * weights).sum(), m)`` as the
    kit builds them, on the C backend: Theano 1.0.5's values to the last bit."""
    m = pt.matrix("m", dtype=dtype)
    sm = softmax(m)
    gradient = pytensor.grad((sm * numpy.asarray(SOFTMAX_WEIGHTS, dtype=dtype)).sum(), m)
    fn = pytensor.function([m], [sm, gradient], mode="CVM")
    forward, backward = fn(numpy.asarray(SOFTMAX_ROWS, dtype=dtype))
    assert forward.tolist() == THEANO[f"softmax {dtype}"]
    assert backward.tolist() == THEANO[f"softmax gradient {dtype}"]


def test_the_c_gradient_passes_verify_grad(data):
    x, _ = data["float64"]
    weights = numpy.linspace(-1, 1, x.shape[1])
    pytensor.gradient.verify_grad(
        lambda v: (softmax(v) * weights).sum(axis=1), [x[:3] / 5],
        rng=numpy.random.default_rng(0), mode="CVM")


def test_other_shapes_have_no_c_loop():
    """``NotImplementedError`` is what makes the C backend run the inner graph."""
    x = pt.matrix("x", dtype="float64")
    node = TheanoSoftmax(axis=(0,))(x).owner
    with pytest.raises(NotImplementedError, match="by rows"):
        node.op.c_code(node, "softmax", ["x"], ["sm"], {"fail": ""})
    g = pt.matrix("g", dtype="float32")
    node = TheanoSoftmaxGrad(axis=(1,))(g, x).owner  # unlike dtypes
    with pytest.raises(NotImplementedError, match="by rows"):
        node.op.c_code(node, "softmax_grad", ["g", "s"], ["dx"], {"fail": ""})


@pytest.mark.slow
def test_other_shapes_run_the_inner_graph_on_the_c_backend():
    """A softmax along the columns has no C loop: the inner graph runs."""
    x = pt.matrix("x", dtype="float64")
    fn = pytensor.function([x], TheanoSoftmax(axis=(0,))(x), mode="CVM")
    value = numpy.arange(6.0).reshape(2, 3)
    assert not hasattr(fn.vm.thunks[0], "cthunk")
    numpy.testing.assert_array_equal(fn(value), numpy_softmax(value.T).T)


def test_a_shape_mismatch_in_the_c_gradient_is_one_clear_error():
    g, s = pt.matrix("g"), pt.matrix("s")
    fn = pytensor.function([g, s], TheanoSoftmaxGrad(axis=(1,))(g, s), mode="CVM")
    with pytest.raises(ValueError, match="softmax_grad: the gradient and the softmax differ"):
        fn(numpy.ones((2, 3), dtype=g.dtype), numpy.ones((2, 4), dtype=s.dtype))


# ------------------------------------------------------------- log-softmax


def negative_log_likelihood(dtype):
    """The tutorials' cost, ``-mean(log(softmax(x))[arange(n), y])``, and
    ``log(softmax(x))``, which PyTensor's rewrites make a ``LogSoftmax``."""
    x, y = pt.matrix("x", dtype=dtype), pt.ivector("y")
    log_p = pt.log(softmax(x))
    return [x, y], [-pt.mean(log_p[pt.arange(y.shape[0]), y]), log_p]


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_kits_functions_compute_the_log_softmax_in_c(data, dtype):
    inputs, outputs = negative_log_likelihood(dtype)
    fn = function(inputs, outputs, mode="CVM")
    nodes = [node for node in fn.maker.fgraph.toposort()
             if isinstance(node.op, pytensor.tensor.special.LogSoftmax)]
    assert [type(node.op) for node in nodes] == [TheanoLogSoftmax]
    thunks = dict(zip(fn.maker.fgraph.toposort(), fn.vm.thunks))
    assert hasattr(thunks[nodes[0]], "cthunk")
    x, _ = data[dtype]
    labels = numpy.arange(len(x), dtype="int32") % x.shape[1]
    cost, log_p = fn(x, labels)
    numpy.testing.assert_array_equal(log_p, numpy_log_softmax(x))
    assert log_p.dtype == dtype


@pytest.mark.slow
def test_the_log_softmax_c_loop_equals_its_inner_graph_under_numba_and_cvm(data):
    """The kit's functions under Numba keep PyTensor's implementation (the
    inner graph): the same bits as the C loop."""
    for dtype in DTYPES:
        inputs, outputs = negative_log_likelihood(dtype)
        x, _ = data[dtype]
        labels = numpy.arange(len(x), dtype="int32") % x.shape[1]
        in_c = function(inputs, outputs, mode="CVM")(x, labels)
        numba = function(inputs, outputs, mode="NUMBA")(x, labels)
        xs = pt.matrix(dtype=dtype)
        inner = pytensor.function(
            [xs], TheanoLogSoftmax(axis=(1,)).build_inner_graph(xs), mode="CVM")(x)
        numpy.testing.assert_array_equal(in_c[1], inner[0])
        for got, want in zip(numba, in_c):
            numpy.testing.assert_array_equal(got, want)


# ------------------------------------------------ asking for the C backend


def test_theanos_linker_flag_selects_the_c_backend_with_blas_linked():
    """``THEANO_FLAGS=linker=cvm`` (Theano's default linker, named) compiles
    the kit's functions with PyTensor's C backend, linked against a BLAS (a
    matrix product compiles); ``PYTENSOR_FLAGS``'s mode wins, as for every
    flag; without it the default (NUMBA) stays."""
    from deeplearning_tutorials.theano_compat.config import apply_theano_flags

    saved = pytensor.config.mode
    apply_theano_flags({"THEANO_FLAGS": "floatX=float32"})
    assert pytensor.config.mode == saved
    apply_theano_flags({"THEANO_FLAGS": "linker=cvm", "PYTENSOR_FLAGS": "mode=NUMBA"})
    assert pytensor.config.mode == saved
    apply_theano_flags({"THEANO_FLAGS": "linker=cvm"})
    assert pytensor.config.mode == "CVM"
    assert pytensor.config.blas__ldflags
    a = pt.matrix("a", dtype="float64")
    fn = function([a], softmax(pt.dot(a, a)))
    assert type(fn.maker.linker).__name__ == "VMLinker"
    value = numpy.eye(2)
    numpy.testing.assert_array_equal(fn(value), numpy_softmax(value))
