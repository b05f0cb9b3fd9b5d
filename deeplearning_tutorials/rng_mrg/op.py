"""The PyTensor Op that draws uniform numbers from MRG31k3p streams.

``MRGUniform(dtype, ndim)(rstate, size)`` returns ``(new_rstate, draws)``:
the ``(n_streams, 6)`` int32 state matrix after the draws, and an array of
shape ``size`` filled with draws in ``(0, 1]`` of the given dtype, element
``i`` (in C order) from stream ``i % n_streams``. The state is an ordinary
input and output, so a graph advances a generator by an explicit update
``(rstate, new_rstate)``, and a ``scan`` can carry it from step to step.

It has an implementation for every backend the project supports, all
computing the bits of :mod:`.generator` (tested against it and against
vectors drawn by Theano):

============  ===========================================================
``perform``   :func:`.generator.uniform_draws` (NumPy, vectorised)
C (``CVM``)   :meth:`MRGUniform.c_code`, Theano's loop over the elements
Numba         :mod:`.numba_backend` (PyTensor's default linker)
JAX           :mod:`.jax_backend`, all streams stepped at once per round
============  ===========================================================

After the graph is optimised, a rewrite replaces the Op by its in-place
version (``inplace=True``), which overwrites the state matrix instead of
copying it, as Theano did: at batch size 1 the copy of a 15,360-stream
state (368 KB) would cost more than the draw.
"""

import numpy as np
import pytensor.tensor as pt
from pytensor.compile import optdb
from pytensor.gradient import grad_undefined
from pytensor.graph.basic import Apply
from pytensor.graph.rewriting.basic import dfs_rewriter, node_rewriter
from pytensor.link.c.op import COp
from pytensor.tensor.basic import infer_static_shape
from pytensor.tensor.type import TensorType, integer_dtypes

from deeplearning_tutorials.rng_mrg import generator

#: the loop over the draws, one per output dtype (``%(norm)s`` is Theano's
#: scale literal). Element ``i`` comes from stream ``i % n_streams``, so the
#: draws go in rounds of one per stream. The six state words of the streams in
#: use are copied into six arrays first (``scratch``) and back at the end, so
#: that a round is a loop over contiguous arrays with no division and no
#: branch, which the compiler steps many streams at a time in SIMD registers:
#: the same bits as Theano's loop over the elements, 8-10 times faster per draw
#: once there are more draws than streams (python benchmarks/bench_all.py noise).
_C_DRAWS = """
static inline void mrg31k3p_round_%(ctype)s(
    %(ctype)s* __restrict__ out, int n,
    npy_uint32* __restrict__ x1, npy_uint32* __restrict__ x2, npy_uint32* __restrict__ x3,
    npy_uint32* __restrict__ w1, npy_uint32* __restrict__ w2, npy_uint32* __restrict__ w3)
{
    const npy_uint32 M1 = 2147483647u, M2 = 2147462579u;
    for (int j = 0; j < n; ++j)
    {
        const npy_uint32 x11 = x1[j], x12 = x2[j], x13 = x3[j];
        const npy_uint32 x21 = w1[j], x22 = w2[j], x23 = w3[j];
        /* unsigned sums: each stays below 2**32, and one subtraction of the
           modulus brings it back below the modulus (Theano's int32 code
           relied on signed overflow for the same result) */
        npy_uint32 y1 = ((x12 & 511u) << 22) + (x12 >> 9)
                      + ((x13 & 16777215u) << 7) + (x13 >> 24);
        y1 -= (y1 >= M1) ? M1 : 0u;
        y1 += x13;
        y1 -= (y1 >= M1) ? M1 : 0u;
        npy_uint32 z1 = ((x21 & 65535u) << 15) + 21069u * (x21 >> 16);
        z1 -= (z1 >= M2) ? M2 : 0u;
        npy_uint32 z2 = ((x23 & 65535u) << 15) + 21069u * (x23 >> 16);
        z2 -= (z2 >= M2) ? M2 : 0u;
        z2 += x23;
        z2 -= (z2 >= M2) ? M2 : 0u;
        z2 += z1;
        z2 -= (z2 >= M2) ? M2 : 0u;
        x1[j] = y1; x2[j] = x11; x3[j] = x12;
        w1[j] = z2; w2[j] = x21; w3[j] = x22;
        const npy_uint32 k = (y1 <= z2) ? y1 - z2 + M1 : y1 - z2;
        out[j] = (%(ctype)s)(npy_int32)k * %(norm)s;
    }
}

static void mrg31k3p_draws_%(ctype)s(%(ctype)s* out, npy_int32* states,
                                    npy_int64 n_elements, npy_int64 n_streams,
                                    npy_uint32* scratch)
{
    const npy_int64 used = n_elements < n_streams ? n_elements : n_streams;
    npy_uint32 *x1 = scratch, *x2 = scratch + used, *x3 = scratch + 2 * used;
    npy_uint32 *w1 = scratch + 3 * used, *w2 = scratch + 4 * used, *w3 = scratch + 5 * used;
    for (npy_int64 j = 0; j < used; ++j)
    {
        const npy_int32* s = states + 6 * j;
        x1[j] = s[0]; x2[j] = s[1]; x3[j] = s[2];
        w1[j] = s[3]; w2[j] = s[4]; w3[j] = s[5];
    }
    for (npy_int64 start = 0; start < n_elements; start += used)
    {
        const npy_int64 n = n_elements - start < used ? n_elements - start : used;
        mrg31k3p_round_%(ctype)s(out + start, (int)n, x1, x2, x3, w1, w2, w3);
    }
    for (npy_int64 j = 0; j < used; ++j)
    {
        npy_int32* s = states + 6 * j;
        s[0] = x1[j]; s[1] = x2[j]; s[2] = x3[j];
        s[3] = w1[j]; s[4] = w2[j]; s[5] = w3[j];
    }
}
"""

_C_NORM = {"npy_float32": "4.6566126e-10f", "npy_float64": "4.656612873077392578125e-10"}


class MRGUniform(COp):
    """Uniform draws from MRG31k3p streams; see the module's docstring."""

    __props__ = ("dtype", "ndim", "inplace")

    def __init__(self, dtype, ndim, inplace=False):
        if dtype not in generator.NORM:
            raise TypeError(f"MRG uniform draws are float32 or float64, not {dtype}")
        self.dtype = dtype
        self.ndim = ndim
        self.inplace = inplace
        if inplace:
            self.destroy_map = {0: [0]}

    def make_node(self, rstate, size):
        rstate = pt.as_tensor_variable(rstate)
        if rstate.type.ndim != 2 or rstate.type.dtype != "int32":
            raise TypeError(f"rstate must be an int32 matrix, not {rstate.type}")
        size = pt.as_tensor_variable(size, ndim=1)
        if size.type.dtype not in integer_dtypes:
            raise TypeError(f"size must hold integers, not {size.type.dtype}")
        size = pt.cast(size, "int64")
        _, static_shape = infer_static_shape(size)
        if len(static_shape) != self.ndim:
            raise ValueError(f"size has {len(static_shape)} entries, not {self.ndim}")
        draws = TensorType(self.dtype, shape=tuple(static_shape))()
        return Apply(self, [rstate, size], [rstate.type(), draws])

    def perform(self, node, inputs, outputs):
        rstate, size = inputs
        n_elements = int(np.prod(size, dtype="int64"))
        new_rstate, draws = generator.uniform_draws(rstate, n_elements, self.dtype)
        if self.inplace:
            rstate[...] = new_rstate
            new_rstate = rstate
        outputs[0][0] = new_rstate
        outputs[1][0] = draws.reshape(tuple(size))

    def infer_shape(self, fgraph, node, input_shapes):
        size = node.inputs[1]
        return [input_shapes[0], [size[i] for i in range(self.ndim)]]

    def grad(self, inputs, output_grads):
        return [
            grad_undefined(self, k, inp, "no gradient through random sampling")
            for k, inp in enumerate(inputs)
        ]

    def R_op(self, inputs, eval_points):
        return [None for _ in eval_points]

    # -- C implementation ---------------------------------------------------

    def c_support_code(self, **kwargs):
        return "".join(
            _C_DRAWS % {"ctype": ctype, "norm": norm} for ctype, norm in _C_NORM.items()
        )

    def c_code(self, node, name, inputs, outputs, sub):
        rstate, size = inputs
        o_rstate, o_draws = outputs
        fail = sub["fail"]
        ctype = "npy_float32" if self.dtype == "float32" else "npy_float64"
        typenum = "NPY_FLOAT32" if self.dtype == "float32" else "NPY_FLOAT64"
        ndim = self.ndim
        copy = "0" if self.inplace else "NPY_ARRAY_ENSURECOPY"
        return f"""
        {{
        npy_intp dims[{max(ndim, 1)}];
        npy_int64 n_elements = 1;
        if (PyArray_NDIM({size}) != 1 || PyArray_DIMS({size})[0] != {ndim}) {{
            PyErr_SetString(PyExc_ValueError, "MRGUniform: size must have {ndim} entries");
            {fail}
        }}
        for (int d = 0; d < {ndim}; ++d) {{
            dims[d] = *(npy_int64*)PyArray_GETPTR1({size}, d);
            if (dims[d] < 0) {{
                PyErr_SetString(PyExc_ValueError, "MRGUniform: negative size");
                {fail}
            }}
            n_elements *= dims[d];
        }}
        if (n_elements > 2147483647) {{
            PyErr_SetString(PyExc_ValueError,
                "rng_mrg does not support more than 2**31 - 1 samples");
            {fail}
        }}
        Py_XDECREF({o_rstate});
        {o_rstate} = (PyArrayObject*)PyArray_FromAny((PyObject*){rstate}, NULL, 0, 0,
            {copy} | NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED, NULL);
        if (!{o_rstate}) {{ {fail} }}
        if (PyArray_NDIM({o_rstate}) != 2 || PyArray_DIMS({o_rstate})[1] != 6
            || PyArray_TYPE({o_rstate}) != NPY_INT32 || PyArray_DIMS({o_rstate})[0] < 1) {{
            PyErr_SetString(PyExc_ValueError,
                "MRGUniform: rstate must be an int32 matrix of 6 columns");
            {fail}
        }}
        int must_alloc = !{o_draws} || PyArray_NDIM({o_draws}) != {ndim}
                         || !PyArray_IS_C_CONTIGUOUS({o_draws});
        for (int d = 0; !must_alloc && d < {ndim}; ++d)
            must_alloc = PyArray_DIMS({o_draws})[d] != dims[d];
        if (must_alloc) {{
            Py_XDECREF({o_draws});
            {o_draws} = (PyArrayObject*)PyArray_SimpleNew({ndim}, dims, {typenum});
            if (!{o_draws}) {{ {fail} }}
        }}
        npy_uint32* scratch = (npy_uint32*)malloc(
            6 * sizeof(npy_uint32) * (PyArray_DIMS({o_rstate})[0] < n_elements
                                      ? PyArray_DIMS({o_rstate})[0] : n_elements) + 1);
        if (!scratch) {{ PyErr_NoMemory(); {fail} }}
        mrg31k3p_draws_{ctype}(({ctype}*)PyArray_DATA({o_draws}),
                               (npy_int32*)PyArray_DATA({o_rstate}),
                               n_elements, PyArray_DIMS({o_rstate})[0], scratch);
        free(scratch);
        }}
        """

    def c_code_cache_version(self):
        return (6,)


def mrg_uniform(rstate, size, dtype):
    """Symbolic ``(new_rstate, draws)`` of shape ``size`` from the streams ``rstate``."""
    size = pt.as_tensor_variable(size, ndim=1)
    return MRGUniform(dtype, pt.get_vector_length(size))(rstate, size)


@node_rewriter([MRGUniform], inplace=True)
def mrg_uniform_inplace(fgraph, node):
    """Use the in-place Op: the old state is dead once the new one exists."""
    if node.op.inplace:
        return False
    op = MRGUniform(node.op.dtype, node.op.ndim, inplace=True)
    return op.make_node(*node.inputs).outputs


if "deeplearning_tutorials_mrg_inplace" not in optdb:
    optdb.register(
        "deeplearning_tutorials_mrg_inplace",
        dfs_rewriter(mrg_uniform_inplace, ignore_newtrees=True),
        "fast_run",
        "inplace",
        position=50.9,
    )
