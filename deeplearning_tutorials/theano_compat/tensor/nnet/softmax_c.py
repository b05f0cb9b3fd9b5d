"""C code for the kit's softmax and its gradient, as Theano 1.0 compiled them.

PyTensor's ``Softmax`` is a ``SymbolicOp``: an ``OpFromGraph`` whose inner
graph each backend compiles. Numba and JAX compile it into the function
around it, but PyTensor's C backend (``mode=CVM``, the kind of linker Theano
ran) compiles every inner graph as a function of its own, with its own C
modules, and calls it from Python: about 9 of the 21 seconds of
logistic_sgd's cold compile. Theano compiled its ``Softmax`` and
``SoftmaxGrad`` as one C loop each, cached once per dtype.

The mixins here give :class:`~.TheanoSoftmax`, :class:`~.TheanoSoftmaxGrad`
and :class:`~.TheanoLogSoftmax` that C loop (``COp``), computing the formulas of their inner graphs in the
same precisions and order, so that the C backend gives the same bits as the
inner graph does under Numba:

softmax, each row
    ``e_j = exp(x_j - max_k x_k)`` in the input's precision; ``total``, the
    sum of the ``e_j`` in double, left to right; ``sm_j = e_j * (1 / total)``
    in double, rounded to the input's precision.
gradient, each row
    ``d_j = g_j * s_j`` in the precision of ``s``; ``total``, the sum of the
    ``d_j`` in double; ``dx_j = d_j - total * s_j`` in double, rounded.
log-softmax, each row (PyTensor's ``LogSoftmax``, which its rewrites make of
``log(softmax(x))``, as Theano's did: :class:`~.TheanoLogSoftmax`)
    ``y_j = x_j - max_k x_k`` in the input's precision; ``total``, the sum of
    the ``exp(y_j)`` in double (PyTensor's accumulator for a float32 sum),
    rounded to the input's precision; ``y_j - log(total)`` in that precision.

Each module is compiled with ``-ffp-contract=off``: GCC would otherwise fuse
``d_j - total * s_j`` into one multiply-add (another rounding), which
neither Numba's code nor Theano's reference (tests/oracle, made with the
same flag) does. Other shapes than a matrix along its rows, and unlike
dtypes of ``g`` and ``s``, raise ``NotImplementedError`` here: the C backend
then runs the inner graph, as before.
"""

from pytensor.link.c.op import COp

#: bumped whenever the C code changes, so that PyTensor's cache recompiles it
VERSION = (1,)

_NEW_OUTPUT = """
if (%(out)s == NULL || PyArray_NDIM(%(out)s) != 2
    || PyArray_DIMS(%(out)s)[0] != PyArray_DIMS(%(like)s)[0]
    || PyArray_DIMS(%(out)s)[1] != PyArray_DIMS(%(like)s)[1]) {
    Py_XDECREF(%(out)s);
    %(out)s = (PyArrayObject*)PyArray_EMPTY(2, PyArray_DIMS(%(like)s), %(typenum)s, 0);
    if (%(out)s == NULL) {
        PyErr_SetString(PyExc_MemoryError, "%(what)s: cannot allocate the output");
        %(fail)s
    }
}
"""

_ELEMENT = "(*(%(T)s*)(PyArray_BYTES(%(a)s) + i * PyArray_STRIDES(%(a)s)[0] + j * PyArray_STRIDES(%(a)s)[1]))"

#: a matrix's rows, each with its largest element ``row_max``: what the
#: softmax and the log-softmax share; ``%(row)s`` is the rest of a row's work
_ROWS_AFTER_MAX = """
if (PyArray_NDIM(%(x)s) != 2) {
    PyErr_SetString(PyExc_ValueError, "%(what)s: the input is not a matrix");
    %(fail)s
}
%(new_output)s
{
    const npy_intp rows = PyArray_DIMS(%(x)s)[0], cols = PyArray_DIMS(%(x)s)[1];
    for (npy_intp i = 0; i < rows; ++i) {
        if (cols == 0) continue;
        npy_intp j = 0;
        %(T)s row_max = %(x_ij)s;
        for (j = 1; j < cols; ++j) {
            if (%(x_ij)s > row_max) row_max = %(x_ij)s;
        }
%(row)s
    }
}
"""

_SOFTMAX_ROW = """\
        double total = 0.0;
        for (j = 0; j < cols; ++j) {
            %(T)s e = exp((%(T)s)(%(x_ij)s - row_max));
            %(sm_ij)s = e;
            total += (double)e;
        }
        const double inverse = 1.0 / total;
        for (j = 0; j < cols; ++j) {
            %(sm_ij)s = (%(T)s)((double)%(sm_ij)s * inverse);
        }"""

_SOFTMAX_GRAD = """
if (PyArray_NDIM(%(g)s) != 2 || PyArray_NDIM(%(s)s) != 2
    || PyArray_DIMS(%(g)s)[0] != PyArray_DIMS(%(s)s)[0]
    || PyArray_DIMS(%(g)s)[1] != PyArray_DIMS(%(s)s)[1]) {
    PyErr_SetString(PyExc_ValueError,
                    "softmax_grad: the gradient and the softmax differ in shape");
    %(fail)s
}
%(new_output)s
{
    const npy_intp rows = PyArray_DIMS(%(s)s)[0], cols = PyArray_DIMS(%(s)s)[1];
    for (npy_intp i = 0; i < rows; ++i) {
        npy_intp j = 0;
        double total = 0.0;
        for (j = 0; j < cols; ++j) {
            total += (double)(%(T)s)(%(g_ij)s * %(s_ij)s);
        }
        for (j = 0; j < cols; ++j) {
            const %(T)s d = %(g_ij)s * %(s_ij)s;
            %(dx_ij)s = (%(T)s)((double)d - total * (double)%(s_ij)s);
        }
    }
}
"""


def _element(array, ctype):
    return _ELEMENT % {"a": array, "T": ctype}


def _rows_of_float_matrices(node, axis):
    """Raise ``NotImplementedError`` (the inner graph runs instead) unless
    every input is a float32 or float64 matrix of one dtype, taken by rows."""
    dtypes = {v.type.dtype for v in node.inputs + node.outputs}
    if (tuple(axis) not in ((1,), (-1,)) or len(dtypes) != 1
            or not dtypes <= {"float32", "float64"}
            or any(v.type.ndim != 2 for v in node.inputs)):
        raise NotImplementedError("C code only for float matrices by rows")
    return node.outputs[0].type.dtype_specs()[1]


_LOG_SOFTMAX_ROW = """\
        double total = 0.0;
        for (j = 0; j < cols; ++j) {
            total += (double)exp((%(T)s)(%(x_ij)s - row_max));
        }
        const %(T)s log_total = log((%(T)s)total);
        for (j = 0; j < cols; ++j) {
            %(y_ij)s = (%(T)s)(%(x_ij)s - row_max) - log_total;
        }"""


def _by_rows_after_max(row, values):
    """:data:`_ROWS_AFTER_MAX` around ``row``, filled with ``values``."""
    return (_ROWS_AFTER_MAX.replace("%(row)s", row)) % values


class _RowsInC(COp):
    """What both C loops share: their compile flag and cache version."""

    def c_compile_args(self, **kwargs):
        return ["-ffp-contract=off"]

    def c_code_cache_version(self):
        return VERSION

    def _new_output(self, node, out, like, what, sub):
        return _NEW_OUTPUT % {
            "out": out, "like": like, "what": what, "fail": sub["fail"],
            "typenum": node.outputs[0].type.dtype_specs()[2],
        }


class SoftmaxInC(_RowsInC):
    """The C loop of :class:`~.TheanoSoftmax` (a mixin)."""

    def c_code(self, node, name, inputs, outputs, sub):
        ctype = _rows_of_float_matrices(node, self.axis)
        (x,), (sm,) = inputs, outputs
        return _by_rows_after_max(_SOFTMAX_ROW, {
            "x": x, "T": ctype, "fail": sub["fail"], "what": "softmax",
            "x_ij": _element(x, ctype), "sm_ij": _element(sm, ctype),
            "new_output": self._new_output(node, sm, x, "softmax", sub),
        })


class SoftmaxGradInC(_RowsInC):
    """The C loop of :class:`~.TheanoSoftmaxGrad` (a mixin)."""

    def c_code(self, node, name, inputs, outputs, sub):
        ctype = _rows_of_float_matrices(node, self.axis)
        (g, s), (dx,) = inputs, outputs
        return _SOFTMAX_GRAD % {
            "g": g, "s": s, "T": ctype, "fail": sub["fail"],
            "g_ij": _element(g, ctype), "s_ij": _element(s, ctype),
            "dx_ij": _element(dx, ctype),
            "new_output": self._new_output(node, dx, s, "softmax_grad", sub),
        }


class LogSoftmaxInC(_RowsInC):
    """The C loop of :class:`~.TheanoLogSoftmax` (a mixin)."""

    def c_code(self, node, name, inputs, outputs, sub):
        ctype = _rows_of_float_matrices(node, self.axis)
        (x,), (y,) = inputs, outputs
        return _by_rows_after_max(_LOG_SOFTMAX_ROW, {
            "x": x, "T": ctype, "fail": sub["fail"], "what": "log_softmax",
            "x_ij": _element(x, ctype), "y_ij": _element(y, ctype),
            "new_output": self._new_output(node, y, x, "log_softmax", sub),
        })
