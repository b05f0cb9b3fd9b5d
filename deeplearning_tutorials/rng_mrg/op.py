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

#: the loops over the draws, one per output dtype (``%(norm)s`` is Theano's
#: scale literal). Element ``i`` comes from stream ``i % n_streams``, so the
#: draws go in rounds of one per stream. A stream's state is a row of six
#: int32 words; a round steps the six words of many streams at once held as
#: six columns, contiguous arrays with no division and no branch, which the
#: compiler steps in SIMD registers. The rows go to columns and back as three
#: 64-bit words each (a pair of state words), which GCC vectorises where it
#: does not vectorise a stride of six 32-bit words.
#:
#: The streams go through the columns a chunk at a time (on the stack, in the
#: first-level cache): a chunk is read from the old state, makes its draws of
#: every round, and is written to the new state, so that drawing outside the
#: old state (inside a ``scan``, which cannot give its state away) costs no
#: extra copy of it, and each stream is read and written once however many
#: rounds there are.
#:
#: The same bits as Theano's loop over the elements (tests/test_rng_mrg.py).
_C_DRAWS = """
#if NPY_BYTE_ORDER == NPY_BIG_ENDIAN
#define MRG_FIRST(pair) ((npy_uint32)((pair) >> 32))
#define MRG_SECOND(pair) ((npy_uint32)(pair))
#define MRG_PAIR(first, second) (((npy_uint64)(first) << 32) | (npy_uint64)(second))
#else
#define MRG_FIRST(pair) ((npy_uint32)(pair))
#define MRG_SECOND(pair) ((npy_uint32)((pair) >> 32))
#define MRG_PAIR(first, second) ((npy_uint64)(first) | ((npy_uint64)(second) << 32))
#endif

/* the streams one round steps in columns on the stack (12 KB) */
#define MRG_CHUNK 512

/* the six state words of rows 0..n-1 (24 bytes each) as columns c[0..5] */
static void mrg_rows_to_columns(const char* rows, npy_intp n, npy_uint32* const* c)
{
    npy_uint32 *x1 = c[0], *x2 = c[1], *x3 = c[2], *w1 = c[3], *w2 = c[4], *w3 = c[5];
    for (npy_intp j = 0; j < n; ++j)
    {
        npy_uint64 a, b, d;
        memcpy(&a, rows + 24 * j, 8);
        memcpy(&b, rows + 24 * j + 8, 8);
        memcpy(&d, rows + 24 * j + 16, 8);
        x1[j] = MRG_FIRST(a); x2[j] = MRG_SECOND(a); x3[j] = MRG_FIRST(b);
        w1[j] = MRG_SECOND(b); w2[j] = MRG_FIRST(d); w3[j] = MRG_SECOND(d);
    }
}

/* columns c[0..5] back to rows 0..n-1 */
static void mrg_columns_to_rows(npy_uint32* const* c, npy_intp n, char* rows)
{
    const npy_uint32 *x1 = c[0], *x2 = c[1], *x3 = c[2], *w1 = c[3], *w2 = c[4], *w3 = c[5];
    for (npy_intp j = 0; j < n; ++j)
    {
        const npy_uint64 a = MRG_PAIR(x1[j], x2[j]);
        const npy_uint64 b = MRG_PAIR(x3[j], w1[j]);
        const npy_uint64 d = MRG_PAIR(w2[j], w3[j]);
        memcpy(rows + 24 * j, &a, 8);
        memcpy(rows + 24 * j + 8, &b, 8);
        memcpy(rows + 24 * j + 16, &d, 8);
    }
}
"""

_C_DRAWS_DTYPE = """
/* one draw from each of the first n streams, held as six columns */
static void mrg31k3p_round_%(ctype)s(
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

/* n_elements draws from the (n_streams, 6) state `in` into `out`, the new
   state in `out_state` (`in` itself, or an array that does not overlap it).
   A chunk of streams at a time goes to columns on the stack, makes its draws
   of every round, and goes to the new state. */
static void mrg31k3p_draws_%(ctype)s(%(ctype)s* out, const npy_int32* in,
                                    npy_int32* out_state, npy_int64 n_elements,
                                    npy_int64 n_streams)
{
    const npy_int64 used = n_elements < n_streams ? n_elements : n_streams;
    if (out_state != in)  /* the streams this draw leaves alone */
        memcpy(out_state + 6 * used, in + 6 * used, 24 * (size_t)(n_streams - used));
    npy_uint32 chunk[6][MRG_CHUNK];
    npy_uint32* c[6] = {chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5]};
    for (npy_int64 start = 0; start < used; start += MRG_CHUNK)
    {
        const int m = used - start < MRG_CHUNK ? (int)(used - start) : MRG_CHUNK;
        mrg_rows_to_columns((const char*)(in + 6 * start), m, c);
        /* the chunk's draws in each round: elements first .. first + m - 1,
           fewer in the last round, none once the rounds are done */
        for (npy_int64 first = start; first < n_elements; first += used)
        {
            const int n = n_elements - first < m ? (int)(n_elements - first) : m;
            mrg31k3p_round_%(ctype)s(out + first, n, c[0], c[1], c[2], c[3], c[4], c[5]);
        }
        mrg_columns_to_rows(c, m, (char*)(out_state + 6 * start));
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
        return _C_DRAWS + "".join(
            _C_DRAWS_DTYPE % {"ctype": ctype, "norm": norm} for ctype, norm in _C_NORM.items()
        )

    def c_headers(self, **kwargs):
        return ["<string.h>"]

    def c_code(self, node, name, inputs, outputs, sub):
        rstate, size = inputs
        o_rstate, o_draws = outputs
        fail = sub["fail"]
        ctype = "npy_float32" if self.dtype == "float32" else "npy_float64"
        typenum = "NPY_FLOAT32" if self.dtype == "float32" else "NPY_FLOAT64"
        ndim = self.ndim
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
        /* the old state, as a C-contiguous matrix (itself where it is one) */
        PyArrayObject* in_state = (PyArrayObject*)PyArray_FromAny((PyObject*){rstate},
            NULL, 0, 0, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED, NULL);
        if (!in_state) {{ {fail} }}
        if (PyArray_NDIM(in_state) != 2 || PyArray_DIMS(in_state)[1] != 6
            || PyArray_TYPE(in_state) != NPY_INT32 || PyArray_DIMS(in_state)[0] < 1) {{
            Py_DECREF(in_state);
            PyErr_SetString(PyExc_ValueError,
                "MRGUniform: rstate must be an int32 matrix of 6 columns");
            {fail}
        }}
        const npy_int64 n_streams = PyArray_DIMS(in_state)[0];
        {self._c_new_state(o_rstate, fail)}
        int must_alloc = !{o_draws} || PyArray_NDIM({o_draws}) != {ndim}
                         || !PyArray_IS_C_CONTIGUOUS({o_draws});
        for (int d = 0; !must_alloc && d < {ndim}; ++d)
            must_alloc = PyArray_DIMS({o_draws})[d] != dims[d];
        if (must_alloc) {{
            Py_XDECREF({o_draws});
            {o_draws} = (PyArrayObject*)PyArray_SimpleNew({ndim}, dims, {typenum});
            if (!{o_draws}) {{ Py_DECREF(in_state); {fail} }}
        }}
        mrg31k3p_draws_{ctype}(({ctype}*)PyArray_DATA({o_draws}),
                               (const npy_int32*)PyArray_DATA(in_state),
                               (npy_int32*)PyArray_DATA({o_rstate}),
                               n_elements, n_streams);
        Py_DECREF(in_state);
        }}
        """

    def _c_new_state(self, o_rstate, fail):
        """C code that points ``o_rstate`` at the array the new state goes to.

        In place, that is the old state itself. Otherwise it is a separate
        array: the one the output held before when it fits and lies apart
        from the old state (``scan`` preallocates its buffer this way, and a
        function keeps its last output), a new one when not.
        """
        if self.inplace:
            return f"""
        Py_INCREF(in_state);
        Py_XDECREF({o_rstate});
        {o_rstate} = in_state;"""
        return f"""
        int reuse_state = {o_rstate} && PyArray_NDIM({o_rstate}) == 2
            && PyArray_DIMS({o_rstate})[0] == n_streams && PyArray_DIMS({o_rstate})[1] == 6
            && PyArray_TYPE({o_rstate}) == NPY_INT32
            && PyArray_ISCARRAY({o_rstate});  /* C-contiguous, aligned, writeable */
        if (reuse_state) {{
            const char *old = PyArray_BYTES(in_state), *new_ = PyArray_BYTES({o_rstate});
            const npy_intp nbytes = 24 * (npy_intp)n_streams;
            reuse_state = new_ + nbytes <= old || old + nbytes <= new_;
        }}
        if (!reuse_state) {{
            Py_XDECREF({o_rstate});
            {o_rstate} = (PyArrayObject*)PyArray_SimpleNew(2, PyArray_DIMS(in_state), NPY_INT32);
            if (!{o_rstate}) {{ Py_DECREF(in_state); {fail} }}
        }}"""

    def c_code_cache_version(self):
        return (10,)


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
