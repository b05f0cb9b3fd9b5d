"""Binomial draws from a sigmoid, ``uniform < sigmoid(x)``, without computing
most of the sigmoids exactly: the same bits, in about half the time (CVM).

An RBM's Gibbs step samples each unit as Theano's ``binomial`` does: a
uniform draw ``u`` from the MRG streams, compared with the unit's probability
``sigmoid(x)``: ``cast(u < sigmoid(x))``. PyTensor computes the sigmoid of
every unit exactly, one scalar ``exp`` at a time (``1 / (1 + exp(-x))`` in the
dtype of ``x``), to compare it with ``u`` and throw it away. Only the
comparison is kept, and it is decided without the exact sigmoid wherever
``u`` is not very close to it.

:class:`UniformBelowSigmoid` computes ``u < sigmoid(x)`` in two passes over
a chunk of elements:

1. a sigmoid accurate to about 1e-12, in double precision, from an ``exp``
   written so that the compiler steps several elements at once in SIMD
   registers (a polynomial of degree 9 after reducing by powers of two);
   where ``u`` differs from it by more than :data:`MARGIN` (1e-5), the
   comparison is the exact sigmoid's: PyTensor's float32 sigmoid is within
   about 3e-7 of the true one, its float64 one within about 1e-15;
2. where it does not (about 2e-5 of the elements), and where ``x`` or ``u``
   is not a number or ``|x| > 80``, the comparison with PyTensor's own
   expression, ``1 / (1 + exp(-x))``, as its C code computes it.

So every element is PyTensor's comparison (tested against PyTensor's own
graph, and at ``u`` equal to the exact sigmoid and one step either side,
``tests/test_rng_mrg_threshold.py``).

A rewrite replaces ``lt(u, sigmoid(x))`` by the Op where ``u`` is an MRG
draw (:class:`~deeplearning_tutorials.rng_mrg.op.MRGUniform`) of the same
shape and dtype as ``x``, under the C backend, and takes into the same loop
what PyTensor would have fused with it: the sum ``x = a + b`` of a product
and a bias row (added as PyTensor adds them, in ``x``'s dtype) and the
``cast`` of the comparison to the binomial's dtype. The Op has C code only:
the rewrite is tagged ``cxx_only``, which PyTensor leaves out for the
backends that do not run C (Numba, JAX, PyTorch, MLX, or no compiler), so
their graphs keep PyTensor's expression.
"""

import numpy as np
import pytensor.tensor as pt
from pytensor.compile import optdb
from pytensor.graph.basic import Apply
from pytensor.graph.rewriting.basic import in2out, node_rewriter
from pytensor.link.c.op import COp
from pytensor.scalar.basic import LT, Add, Cast
from pytensor.scalar.math import Sigmoid
from pytensor.tensor.elemwise import Elemwise
from pytensor.tensor.type import TensorType

from deeplearning_tutorials.rng_mrg.op import MRGUniform

#: how far ``u`` must be from the approximate sigmoid for the comparison to
#: be decided without the exact one (the two differ by less than 1e-6)
MARGIN = 1e-5

_C_SUPPORT = """
#define UBS_MARGIN %(margin)r
#define UBS_CHUNK 1024

/* exp(y) for |y| <= 80, to about 1e-12 relative, in a form compilers
   vectorise: y = k ln 2 + r with |r| <= ln 2 / 2, exp(r) by its Taylor
   polynomial, 2**k put into a double's exponent bits */
static inline double ubs_exp(double y)
{
    const double shifter = 6755399441055744.0;  /* 1.5 * 2**52: adding it rounds */
    double kd = y * 1.4426950408889634 + shifter;
    npy_uint64 kbits;
    memcpy(&kbits, &kd, 8);  /* k in the low bits */
    kd -= shifter;
    const double r = (y - kd * 0.693147180559945286) - kd * 2.319046813846299558e-17;
    const double p = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24
        + r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320
        + r * (1.0 / 362880)))))))));
    const npy_uint64 sbits = (kbits + 1023) << 52;  /* the double 2**k */
    double scale;
    memcpy(&scale, &sbits, 8);
    return p * scale;
}
"""

#: one function per input and output dtype; ``%(one)s`` is 1 in the input
#: dtype, as PyTensor's scalar sigmoid writes it (``1.0f / (1.0f + exp(-x))``
#: for float32). ``x = a + b`` in the input dtype, as PyTensor adds them;
#: ``b`` is NULL (``x = a``) or one row (``period``: the length of the last
#: axis) repeated over the others, as a bias is.
_C_DTYPE = """
static void uniform_below_sigmoid_%(ctype)s_%(oname)s(
    const %(ctype)s* u, const %(ctype)s* a, const %(ctype)s* b, npy_intp period,
    %(otype)s* out, npy_intp n)
{
    %(ctype)s xs[UBS_CHUNK];
    npy_bool undecided[UBS_CHUNK];
    const npy_intp row = b ? period : n;
    for (npy_intp first = 0; first < n; first += row)
        for (npy_intp col = 0; col < row; col += UBS_CHUNK)
        {
            const npy_intp start = first + col;
            const int m = row - col < UBS_CHUNK ? (int)(row - col) : UBS_CHUNK;
            const %(ctype)s* __restrict__ uc = u + start;
            const %(ctype)s* __restrict__ ac = a + start;
            %(otype)s* __restrict__ oc = out + start;
            if (b)
            {
                const %(ctype)s* __restrict__ bc = b + col;
                for (int j = 0; j < m; ++j)
                    xs[j] = ac[j] + bc[j];
            }
            else
                for (int j = 0; j < m; ++j)
                    xs[j] = ac[j];
            int any = 0;
            for (int j = 0; j < m; ++j)  /* 1: the approximate sigmoid */
            {
                const double xd = xs[j];
                const double y = -(xd < -80.0 ? -80.0 : (xd > 80.0 ? 80.0 : xd));
                const double d = (double)uc[j] - 1.0 / (1.0 + ubs_exp(y));
                oc[j] = (%(otype)s)(d < 0.0);
                /* no branch (and NaNs undecided): '|' of the negated tests */
                const npy_bool open = (npy_bool)(!(fabs(d) > UBS_MARGIN) | !(fabs(xd) <= 80.0));
                undecided[j] = open;
                any |= open;
            }
            if (!any)
                continue;
            for (int j = 0; j < m; ++j)  /* 2: PyTensor's sigmoid where undecided */
                if (undecided[j])
                {
                    const %(ctype)s s = %(one)s / (%(one)s + exp(-xs[j]));
                    oc[j] = (%(otype)s)(uc[j] < s);
                }
        }
}
"""

_C_TYPES = {"float32": ("npy_float32", "1.0f"), "float64": ("npy_float64", "1.0")}
#: the dtypes the comparison can be written in (a binomial's ``dtype``)
_OUT_TYPES = {
    "bool": ("npy_bool", "NPY_BOOL"),
    "float32": ("npy_float32", "NPY_FLOAT32"),
    "float64": ("npy_float64", "NPY_FLOAT64"),
}


class UniformBelowSigmoid(COp):
    """``cast(u < sigmoid(a [+ b]), dtype)`` elementwise; see the module's
    docstring.

    ``u`` and ``a`` have one shape and dtype (float32 or float64); ``bias``
    says whether there is a ``b``: ``None`` (no ``b``) or ``"row"`` (one row,
    broadcast over the leading axes, as a bias is).
    """

    __props__ = ("dtype", "bias")

    def __init__(self, dtype="bool", bias=None):
        if dtype not in _OUT_TYPES or bias not in (None, "row"):
            raise ValueError(f"no UniformBelowSigmoid with dtype={dtype!r}, bias={bias!r}")
        self.dtype = dtype
        self.bias = bias

    def make_node(self, u, a, *b):
        u, a = pt.as_tensor_variable(u), pt.as_tensor_variable(a)
        b = [pt.as_tensor_variable(v) for v in b]
        if len(b) != (self.bias is not None):
            raise TypeError(f"bias={self.bias!r} takes {2 + (self.bias is not None)} inputs")
        for v in [a, *b]:
            if u.type.dtype not in _C_TYPES or v.type.dtype != u.type.dtype:
                raise TypeError(f"u, a and b must be all float32 or all float64, not {v.type}")
        if a.type.broadcastable != u.type.broadcastable or (
            b and b[0].type.broadcastable != _row(u)
        ):
            raise TypeError("u and a must have one shape, and b be a row of it")
        return Apply(self, [u, a, *b], [TensorType(self.dtype, shape=u.type.shape)()])

    def perform(self, node, inputs, outputs):
        u, x = inputs[0], inputs[1] if len(inputs) == 2 else inputs[1] + inputs[2]
        one = x.dtype.type(1)
        with np.errstate(over="ignore"):
            below = u < one / (one + np.exp(-x))
        outputs[0][0] = np.asarray(below, dtype=self.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def c_headers(self, **kwargs):
        return ["<math.h>", "<string.h>"]

    def c_support_code(self, **kwargs):
        return (_C_SUPPORT % {"margin": MARGIN}) + "".join(
            _C_DTYPE % {"ctype": ctype, "one": one, "otype": otype, "oname": oname}
            for ctype, one in _C_TYPES.values()
            for oname, (otype, _) in _OUT_TYPES.items()
        )

    def c_code(self, node, name, inputs, outputs, sub):
        u, a = inputs[:2]
        b = inputs[2] if self.bias else None
        (out,) = outputs
        fail = sub["fail"]
        ctype = _C_TYPES[node.inputs[0].type.dtype][0]
        otype, typenum = _OUT_TYPES[self.dtype]
        if self.bias is None:
            b_ok, b_ptr, period = "1", "NULL", "0"
        else:
            last = f"PyArray_DIMS({u})[PyArray_NDIM({u}) - 1]"
            b_ok = f"PyArray_NDIM({b}) == PyArray_NDIM({u}) && PyArray_SIZE({b}) == {last}"
            b_ptr, period = f"(const {ctype}*)PyArray_DATA(bc)", last
        get_b = f"PyArray_GETCONTIGUOUS({b})" if b else "NULL"
        return f"""
        {{
        if (!({_c_same_shape(a, u)}) || !({b_ok})) {{
            PyErr_SetString(PyExc_ValueError, "UniformBelowSigmoid: u, a and b differ in shape");
            {fail}
        }}
        PyArrayObject* uc = PyArray_GETCONTIGUOUS({u});
        PyArrayObject* ac = PyArray_GETCONTIGUOUS({a});
        PyArrayObject* bc = {get_b};
        if (!uc || !ac || ({int(b is not None)} && !bc)) {{
            Py_XDECREF(uc); Py_XDECREF(ac); Py_XDECREF(bc); {fail}
        }}
        if (!{out} || !PyArray_IS_C_CONTIGUOUS({out}) || PyArray_NDIM({out}) != PyArray_NDIM(uc)
            || !PyArray_CompareLists(PyArray_DIMS({out}), PyArray_DIMS(uc), PyArray_NDIM(uc))) {{
            Py_XDECREF({out});
            {out} = (PyArrayObject*)PyArray_SimpleNew(
                PyArray_NDIM(uc), PyArray_DIMS(uc), {typenum});
            if (!{out}) {{ Py_DECREF(uc); Py_DECREF(ac); Py_XDECREF(bc); {fail} }}
        }}
        uniform_below_sigmoid_{ctype}_{self.dtype}(
            (const {ctype}*)PyArray_DATA(uc), (const {ctype}*)PyArray_DATA(ac), {b_ptr},
            {period}, ({otype}*)PyArray_DATA({out}), PyArray_SIZE(uc));
        Py_DECREF(uc);
        Py_DECREF(ac);
        Py_XDECREF(bc);
        }}
        """

    def c_code_cache_version(self):
        return (4,)


def _c_same_shape(x, y):
    """C code: whether the arrays ``x`` and ``y`` have one shape."""
    return (
        f"PyArray_NDIM({x}) == PyArray_NDIM({y}) && "
        f"PyArray_CompareLists(PyArray_DIMS({x}), PyArray_DIMS({y}), PyArray_NDIM({y}))"
    )


def _row(u):
    """The broadcastable pattern of a row of ``u`` (a bias)."""
    return (True,) * (u.type.ndim - 1) + (False,)


uniform_below_sigmoid = UniformBelowSigmoid()  # u < sigmoid(x), as bool


def _is_elemwise(var, scalar_op_type):
    node = var.owner
    return (
        node is not None
        and isinstance(node.op, Elemwise)
        and isinstance(node.op.scalar_op, scalar_op_type)
    )


def _split_sum(fgraph, x, u):
    """``[a, b], "row"`` where ``x = a + b`` with ``a`` of ``u``'s shape, ``b``
    a row of it, and nothing else uses ``x``; else ``[x], None``."""
    if not (_is_elemwise(x, Add) and len(x.owner.inputs) == 2 and len(fgraph.clients[x]) == 1):
        return [x], None
    a, b = x.owner.inputs
    if a.type.broadcastable != u.type.broadcastable:
        a, b = b, a
    if (
        a.type.broadcastable != u.type.broadcastable
        or b.type.dtype != u.type.dtype
        or u.type.ndim < 2
        or b.type.broadcastable != _row(u)
    ):
        return [x], None
    return [a, b], "row"


@node_rewriter([Elemwise])
def mrg_binomial_below_sigmoid(fgraph, node):
    """``lt(u, sigmoid(a + b))`` -> ``UniformBelowSigmoid("bool", bias)(u, a, b)``
    for an MRG draw ``u``; then a ``cast`` of it -> the Op in the cast's dtype."""
    scalar_op = node.op.scalar_op
    if isinstance(scalar_op, Cast):
        (below,) = node.inputs
        dtype = node.outputs[0].type.dtype
        if (
            below.owner is not None
            and isinstance(below.owner.op, UniformBelowSigmoid)
            and below.owner.op.dtype == "bool"
            and dtype in _OUT_TYPES
            and len(fgraph.clients[below]) == 1
        ):
            return [UniformBelowSigmoid(dtype, below.owner.op.bias)(*below.owner.inputs)]
        return None
    if not isinstance(scalar_op, LT):
        return None
    u, p = node.inputs
    if not (u.owner is not None and isinstance(u.owner.op, MRGUniform)):
        return None
    if not _is_elemwise(p, Sigmoid):
        return None
    (x,) = p.owner.inputs
    if (
        u.type.dtype != x.type.dtype
        or u.type.dtype not in _C_TYPES
        or u.type.broadcastable != x.type.broadcastable
    ):
        return None
    terms, bias = _split_sum(fgraph, x, u)
    return [UniformBelowSigmoid("bool", bias)(u, *terms)]


if "deeplearning_tutorials_mrg_below_sigmoid" not in optdb:
    # after PyTensor's canonical and specialised forms, before elementwise
    # fusion (which would fold lt and sigmoid into one loop)
    optdb.register(
        "deeplearning_tutorials_mrg_below_sigmoid",
        in2out(mrg_binomial_below_sigmoid, ignore_newtrees=False),
        "fast_run",
        "cxx_only",
        position=48.5,
    )
