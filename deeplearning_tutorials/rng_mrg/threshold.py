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
shape and dtype as ``x``, under the C backend: the Op has no Numba or JAX
implementation, and another rewrite, registered for those backends alone,
puts PyTensor's expression back before their graphs are fused.
"""

import numpy as np
import pytensor.tensor as pt
from pytensor.compile import optdb
from pytensor.graph.basic import Apply
from pytensor.graph.rewriting.basic import dfs_rewriter, node_rewriter
from pytensor.link.c.op import COp
from pytensor.scalar.basic import LT
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

#: one function per dtype; ``%(one)s`` is 1 in the dtype, as PyTensor's
#: scalar sigmoid writes it (``1.0f / (1.0f + exp(-x))`` for float32)
_C_DTYPE = """
static void uniform_below_sigmoid_%(ctype)s(const %(ctype)s* u, const %(ctype)s* x,
                                           npy_bool* out, npy_intp n)
{
    npy_bool undecided[UBS_CHUNK];
    for (npy_intp start = 0; start < n; start += UBS_CHUNK)
    {
        const int m = n - start < UBS_CHUNK ? (int)(n - start) : UBS_CHUNK;
        const %(ctype)s* __restrict__ uc = u + start;
        const %(ctype)s* __restrict__ xc = x + start;
        npy_bool* __restrict__ oc = out + start;
        int any = 0;
        for (int j = 0; j < m; ++j)  /* 1: the approximate sigmoid */
        {
            const double xd = xc[j];
            const double y = -(xd < -80.0 ? -80.0 : (xd > 80.0 ? 80.0 : xd));
            const double d = (double)uc[j] - 1.0 / (1.0 + ubs_exp(y));
            oc[j] = d < 0.0;
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
                const %(ctype)s s = %(one)s / (%(one)s + exp(-xc[j]));
                oc[j] = uc[j] < s;
            }
    }
}
"""

_C_TYPES = {"float32": ("npy_float32", "1.0f"), "float64": ("npy_float64", "1.0")}


class UniformBelowSigmoid(COp):
    """``u < sigmoid(x)`` elementwise, for ``u`` and ``x`` of one shape and
    dtype (float32 or float64); see the module's docstring."""

    __props__ = ()

    def make_node(self, u, x):
        u, x = pt.as_tensor_variable(u), pt.as_tensor_variable(x)
        if u.type.dtype not in _C_TYPES or u.type.dtype != x.type.dtype:
            raise TypeError(f"u and x must be both float32 or float64, not {u.type}, {x.type}")
        if u.type.broadcastable != x.type.broadcastable:
            raise TypeError(f"u and x must have the same dimensions, not {u.type}, {x.type}")
        return Apply(self, [u, x], [TensorType("bool", shape=u.type.shape)()])

    def perform(self, node, inputs, outputs):
        u, x = inputs
        if u.shape != x.shape:
            raise ValueError(f"u and x have shapes {u.shape} and {x.shape}")
        one = x.dtype.type(1)
        with np.errstate(over="ignore"):
            outputs[0][0] = np.asarray(u < one / (one + np.exp(-x)))

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def c_headers(self, **kwargs):
        return ["<math.h>", "<string.h>"]

    def c_support_code(self, **kwargs):
        return (_C_SUPPORT % {"margin": MARGIN}) + "".join(
            _C_DTYPE % {"ctype": ctype, "one": one} for ctype, one in _C_TYPES.values()
        )

    def c_code(self, node, name, inputs, outputs, sub):
        u, x = inputs
        (out,) = outputs
        fail = sub["fail"]
        ctype = _C_TYPES[node.inputs[0].type.dtype][0]
        return f"""
        {{
        if (PyArray_NDIM({u}) != PyArray_NDIM({x})
            || !PyArray_CompareLists(PyArray_DIMS({u}), PyArray_DIMS({x}), PyArray_NDIM({u}))) {{
            PyErr_SetString(PyExc_ValueError, "UniformBelowSigmoid: u and x differ in shape");
            {fail}
        }}
        PyArrayObject* uc = PyArray_GETCONTIGUOUS({u});
        PyArrayObject* xc = PyArray_GETCONTIGUOUS({x});
        if (!uc || !xc) {{ Py_XDECREF(uc); Py_XDECREF(xc); {fail} }}
        if (!{out} || !PyArray_IS_C_CONTIGUOUS({out}) || PyArray_NDIM({out}) != PyArray_NDIM(uc)
            || !PyArray_CompareLists(PyArray_DIMS({out}), PyArray_DIMS(uc), PyArray_NDIM(uc))) {{
            Py_XDECREF({out});
            {out} = (PyArrayObject*)PyArray_SimpleNew(PyArray_NDIM(uc), PyArray_DIMS(uc), NPY_BOOL);
            if (!{out}) {{ Py_DECREF(uc); Py_DECREF(xc); {fail} }}
        }}
        uniform_below_sigmoid_{ctype}((const {ctype}*)PyArray_DATA(uc),
                                      (const {ctype}*)PyArray_DATA(xc),
                                      (npy_bool*)PyArray_DATA({out}), PyArray_SIZE(uc));
        Py_DECREF(uc);
        Py_DECREF(xc);
        }}
        """

    def c_code_cache_version(self):
        return (1,)


uniform_below_sigmoid = UniformBelowSigmoid()


def _is_elemwise(var, scalar_op_type):
    node = var.owner
    return (
        node is not None
        and isinstance(node.op, Elemwise)
        and isinstance(node.op.scalar_op, scalar_op_type)
    )


@node_rewriter([Elemwise])
def mrg_binomial_below_sigmoid(fgraph, node):
    """``lt(u, sigmoid(x))`` -> ``uniform_below_sigmoid(u, x)`` for an MRG draw ``u``."""
    if not isinstance(node.op.scalar_op, LT):
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
    return [uniform_below_sigmoid(u, x)]


@node_rewriter([UniformBelowSigmoid])
def put_back_lt_sigmoid(fgraph, node):
    """``uniform_below_sigmoid(u, x)`` -> ``lt(u, sigmoid(x))``, for the
    backends without the Op."""
    u, x = node.inputs
    return [pt.lt(u, pt.sigmoid(x))]


if "deeplearning_tutorials_mrg_below_sigmoid" not in optdb:
    # after PyTensor's canonical and specialised forms, before elementwise
    # fusion (which would fold lt and sigmoid into one loop)
    optdb.register(
        "deeplearning_tutorials_mrg_below_sigmoid",
        dfs_rewriter(mrg_binomial_below_sigmoid),
        "fast_run",
        position=48.5,
    )
    optdb.register(
        "deeplearning_tutorials_mrg_below_sigmoid_back",
        dfs_rewriter(put_back_lt_sigmoid),
        "numba",
        "jax",
        position=48.6,
    )
