"""Theano's 2-D convolution, ``conv2d``, as PyTensor Ops.

PyTensor 3 has no neural-network convolution; this module supplies the one
the tutorials were written against, with Theano's signature and semantics::

    conv2d(input, filters, input_shape=None, filter_shape=None,
           border_mode='valid', subsample=(1, 1), filter_flip=True)

``input`` is ``(batch, channels, rows, cols)``, ``filters`` is ``(n_filters,
channels, filter_rows, filter_cols)`` and the result is ``(batch, n_filters,
out_rows, out_cols)``. With ``filter_flip=True`` (the default, as in Theano)
this is a true convolution: the filters are flipped, so a ``'full'``
convolution of one channel is ``scipy.signal.convolve2d(x, w, 'full')``;
``filter_flip=False`` gives a cross-correlation.

Every variant is one canonical operation, a strided cross-correlation of the
zero-padded input with the (possibly flipped) filters::

    out[b, f, i, j] = sum_{c, u, v} xpad[b, c, i*sr + u, j*sc + v] * w'[f, c, u, v]

where the padding comes from ``border_mode``: ``'valid'`` none, ``'full'``
``filter_size - 1``, ``'half'`` ``filter_size // 2``, an int ``p`` or a pair
``(pr, pc)`` that many rows and columns of zeros. The output size is
``(size + 2 * pad - filter_size) // stride + 1``, Theano's rule.

Three Ops implement it, as Theano's ``AbstractConv2d`` family did:

* :class:`Conv2d` ``(input, filters) -> output``;
* :class:`Conv2dGradWeights` ``(input, output_grad, filter_rows_cols) -> filters_grad``;
* :class:`Conv2dGradInputs` ``(filters, output_grad, input_rows_cols) -> input_grad``.

Each is the gradient of the others, so gradients of any order exist. Their
``perform`` methods (the C backend, ``mode=CVM``, and the Python one) do the
work with one BLAS matrix product on an im2col copy of the input; the Numba
and JAX backends get their own implementations in
:mod:`deeplearning_tutorials.nnet.numba_backend` and
:mod:`deeplearning_tutorials.nnet.jax_backend`.
"""

import numbers

import numpy as np
import pytensor.tensor as pt
from numpy.lib.stride_tricks import sliding_window_view
from pytensor.gradient import disconnected_type
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.scalar.basic import upcast
from pytensor.tensor.basic import get_scalar_constant_value
from pytensor.tensor.exceptions import NotScalarConstantError
from pytensor.tensor.type import TensorType

BORDER_MODES = ("valid", "full", "half")


# --------------------------------------------------------------------------
# Argument checking and shape arithmetic
# --------------------------------------------------------------------------


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def int_pair(value, name, minimum):
    """``value`` as a pair of ints ``>= minimum`` (an int means both)."""
    if _is_int(value):
        value = (value, value)
    try:
        pair = tuple(value)
    except TypeError:
        pair = None
    if pair is None or len(pair) != 2 or not all(_is_int(v) for v in pair):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in pair):
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return tuple(int(v) for v in pair)


def normalize_border_mode(border_mode):
    """``'valid'``, ``'full'``, ``'half'`` or a pair of non-negative paddings."""
    if isinstance(border_mode, str):
        if border_mode not in BORDER_MODES:
            raise ValueError(
                f"unknown border_mode {border_mode!r}: use 'valid', 'full', "
                "'half', an int or a pair of ints"
            )
        return border_mode
    pads = int_pair(border_mode, "border_mode", 0)
    return "valid" if pads == (0, 0) else pads


def padding(border_mode, filter_rows, filter_cols):
    """The zero padding ``(pr, pc)`` of ``border_mode`` for a filter size.

    Works on ints and on symbolic sizes alike.
    """
    if border_mode == "valid":
        return 0, 0
    if border_mode == "full":
        return filter_rows - 1, filter_cols - 1
    if border_mode == "half":
        return filter_rows // 2, filter_cols // 2
    return border_mode


def output_length(size, filter_size, pad, stride):
    """Theano's output length; ``None`` when a size is not known."""
    if size is None or filter_size is None:
        return None
    return (size + 2 * pad - filter_size) // stride + 1


def conv_output_shape(input_shape, filter_shape, border_mode, subsample):
    """The 4-D output shape (``None`` for what is unknown) of :func:`conv2d`."""
    border_mode = normalize_border_mode(border_mode)
    subsample = int_pair(subsample, "subsample", 1)
    out = [input_shape[0], filter_shape[0]]
    for axis in (2, 3):
        size, k = input_shape[axis], filter_shape[axis]
        if k is None and border_mode in ("full", "half"):
            out.append(None)
            continue
        pad = padding(border_mode, k or 0, k or 0)[axis - 2]
        out.append(output_length(size, k, pad, subsample[axis - 2]))
    return tuple(out)


def _static_shape(shape, name):
    """A 4-tuple of positive ints or ``None``, or ``None`` for no shape."""
    if shape is None:
        return None
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(f"{name} must be a tuple of 4 ints, got {shape!r}") from None
    if len(shape) != 4 or not all(s is None or (_is_int(s) and s > 0) for s in shape):
        raise ValueError(
            f"{name} must be 4 positive ints (or None for unknown), got {shape!r}"
        )
    return tuple(None if s is None else int(s) for s in shape)


def _as_4d_float(x, name):
    x = pt.as_tensor_variable(x)
    if x.type.ndim != 4:
        raise TypeError(
            f"{name} must be a 4-D tensor (batch, channels, rows, cols), "
            f"got {x.type.ndim} dimensions ({x.type})"
        )
    if not x.type.dtype.startswith("float"):
        raise TypeError(f"{name} must hold floats, got dtype {x.type.dtype}")
    return x


def _as_size_pair(shape, name):
    """A symbolic int64 vector of 2 sizes, and its values where constant."""
    shape = pt.as_tensor_variable(shape)
    if shape.type.ndim != 1 or not shape.type.dtype.startswith(("int", "uint")):
        raise TypeError(f"{name} must be a vector of 2 ints, got {shape.type}")
    if shape.type.shape[0] not in (None, 2):
        raise ValueError(f"{name} must hold 2 sizes, got {shape.type.shape[0]}")
    shape = pt.cast(shape, "int64")
    values = []
    for i in range(2):
        try:
            values.append(int(get_scalar_constant_value(shape[i])))
        except NotScalarConstantError:
            values.append(None)
    return shape, tuple(values)


def _common_dtype(*variables):
    dtype = upcast(*(v.type.dtype for v in variables))
    return dtype, [pt.cast(v, dtype) if v.type.dtype != dtype else v for v in variables]


def _check_channels(c1, c2, what):
    if c1 is not None and c2 is not None and c1 != c2:
        raise ValueError(
            f"conv2d: the input has {c1} channels but the filters expect {c2} ({what})"
        )


# --------------------------------------------------------------------------
# The computation in NumPy (perform): im2col + one BLAS product
# --------------------------------------------------------------------------


def _check_output_size(oh, ow, rows, cols, fr, fc):
    if oh <= 0 or ow <= 0:
        raise ValueError(
            f"conv2d: a {fr}x{fc} filter does not fit a {rows}x{cols} input "
            "with this border_mode"
        )


def _windows(x, fr, fc, pr, pc, sr, sc, oh, ow):
    """The ``(batch, channels, oh, ow, fr, fc)`` patches of padded ``x`` (a view)."""
    if pr or pc:
        x = np.pad(x, ((0, 0), (0, 0), (pr, pr), (pc, pc)))
    view = sliding_window_view(x, (fr, fc), axis=(2, 3))
    return view[:, :, : (oh - 1) * sr + 1 : sr, : (ow - 1) * sc + 1 : sc]


def _im2col(x, fr, fc, pr, pc, sr, sc, oh, ow):
    """Patches as a ``(batch * oh * ow, channels * fr * fc)`` matrix (one copy)."""
    b, c = x.shape[:2]
    patches = _windows(x, fr, fc, pr, pc, sr, sc, oh, ow)
    return patches.transpose(0, 2, 3, 1, 4, 5).reshape(b * oh * ow, c * fr * fc)


def _oriented(filters, flip):
    return filters[:, :, ::-1, ::-1] if flip else filters


def _numpy_geometry(border_mode, subsample, rows, cols, fr, fc):
    """``(pr, pc, sr, sc, oh, ow)``: padding, strides and output size."""
    pr, pc = padding(border_mode, fr, fc)
    sr, sc = subsample
    return (
        pr,
        pc,
        sr,
        sc,
        output_length(rows, fr, pr, sr),
        output_length(cols, fc, pc, sc),
    )


def conv_forward_numpy(x, w, border_mode, subsample, filter_flip):
    """:class:`Conv2d` in NumPy."""
    b, c, rows, cols = x.shape
    f, wc, fr, fc = w.shape
    if c != wc:
        raise ValueError(f"conv2d: the input has {c} channels, the filters {wc}")
    pr, pc, sr, sc, oh, ow = _numpy_geometry(border_mode, subsample, rows, cols, fr, fc)
    _check_output_size(oh, ow, rows, cols, fr, fc)
    patches = _im2col(x, fr, fc, pr, pc, sr, sc, oh, ow)
    kernel = _oriented(w, filter_flip).reshape(f, c * fr * fc)
    out = patches @ kernel.T  # (b * oh * ow, f)
    return np.ascontiguousarray(out.reshape(b, oh, ow, f).transpose(0, 3, 1, 2))


def conv_grad_weights_numpy(x, topgrad, filter_rows_cols, border_mode, subsample, flip):
    """:class:`Conv2dGradWeights` in NumPy."""
    b, c, rows, cols = x.shape
    tb, f, oh, ow = topgrad.shape
    fr, fc = (int(s) for s in filter_rows_cols)
    pr, pc, sr, sc, *expected = _numpy_geometry(
        border_mode, subsample, rows, cols, fr, fc
    )
    if tb != b or [oh, ow] != expected:
        raise ValueError(
            f"conv2d gradient: output gradient {topgrad.shape} does not fit an "
            f"input of shape {x.shape} and {fr}x{fc} filters"
        )
    patches = _im2col(x, fr, fc, pr, pc, sr, sc, oh, ow)
    top = topgrad.transpose(0, 2, 3, 1).reshape(b * oh * ow, f)
    grad = (top.T @ patches).reshape(f, c, fr, fc)
    return np.ascontiguousarray(_oriented(grad, flip))


def conv_grad_inputs_numpy(w, topgrad, input_rows_cols, border_mode, subsample, flip):
    """:class:`Conv2dGradInputs` in NumPy: products scattered back (col2im)."""
    f, c, fr, fc = w.shape
    b, tf, oh, ow = topgrad.shape
    rows, cols = (int(s) for s in input_rows_cols)
    pr, pc, sr, sc, *expected = _numpy_geometry(
        border_mode, subsample, rows, cols, fr, fc
    )
    if tf != f or [oh, ow] != expected:
        raise ValueError(
            f"conv2d gradient: output gradient {topgrad.shape} does not fit "
            f"filters of shape {w.shape} and a {rows}x{cols} input"
        )
    top = topgrad.transpose(0, 2, 3, 1).reshape(b * oh * ow, f)
    kernel = _oriented(w, flip).reshape(f, c * fr * fc)
    patches = (top @ kernel).reshape(b, oh, ow, c, fr, fc)
    padded = np.zeros((b, c, rows + 2 * pr, cols + 2 * pc), dtype=topgrad.dtype)
    for u in range(fr):
        for v in range(fc):
            padded[
                :, :, u : u + (oh - 1) * sr + 1 : sr, v : v + (ow - 1) * sc + 1 : sc
            ] += patches[:, :, :, :, u, v].transpose(0, 3, 1, 2)
    return np.ascontiguousarray(padded[:, :, pr : pr + rows, pc : pc + cols])


# --------------------------------------------------------------------------
# The Ops
# --------------------------------------------------------------------------


class BaseConv2d(Op):
    """What the three convolution Ops share: the geometry of the convolution."""

    __props__ = ("border_mode", "subsample", "filter_flip")

    def __init__(self, border_mode="valid", subsample=(1, 1), filter_flip=True):
        self.border_mode = normalize_border_mode(border_mode)
        self.subsample = int_pair(subsample, "subsample", 1)
        self.filter_flip = bool(filter_flip)

    def _padding(self, filter_rows, filter_cols):
        return padding(self.border_mode, filter_rows, filter_cols)

    def _out_length(self, size, k, axis):
        if size is None or k is None:
            return None
        pad = self._padding(k, k)[axis]
        return output_length(size, k, pad, self.subsample[axis])

    def _sym_out_length(self, size, k, axis):
        pad = self._padding(k, k)[axis]
        return (size + 2 * pad - k) // self.subsample[axis] + 1

    def _geometry(self):
        return dict(
            border_mode=self.border_mode,
            subsample=self.subsample,
            filter_flip=self.filter_flip,
        )

    def __str__(self):
        return (
            f"{type(self).__name__}{{{self.border_mode}, {self.subsample}, "
            f"flip={self.filter_flip}}}"
        )


class Conv2d(BaseConv2d):
    """``conv2d(input, filters)``: see the module docstring for the semantics."""

    def make_node(self, img, kern):
        img = _as_4d_float(img, "conv2d input")
        kern = _as_4d_float(kern, "conv2d filters")
        dtype, (img, kern) = _common_dtype(img, kern)
        ishape, kshape = img.type.shape, kern.type.shape
        _check_channels(ishape[1], kshape[1], "static shapes")
        out_shape = (
            ishape[0],
            kshape[0],
            self._out_length(ishape[2], kshape[2], 0),
            self._out_length(ishape[3], kshape[3], 1),
        )
        for n in out_shape[2:]:
            if n is not None and n <= 0:
                raise ValueError(
                    f"conv2d: filters of shape {kshape} do not fit an input of "
                    f"shape {ishape} with border_mode {self.border_mode!r}"
                )
        out = TensorType(dtype, shape=out_shape)()
        return Apply(self, [img, kern], [out])

    def perform(self, node, inputs, outputs):
        img, kern = inputs
        out = conv_forward_numpy(img, kern, **self._geometry())
        outputs[0][0] = out.astype(node.outputs[0].type.dtype, copy=False)

    def infer_shape(self, fgraph, node, shapes):
        ishape, kshape = shapes
        return [
            (
                ishape[0],
                kshape[0],
                self._sym_out_length(ishape[2], kshape[2], 0),
                self._sym_out_length(ishape[3], kshape[3], 1),
            )
        ]

    def pullback(self, inputs, outputs, cotangents):
        img, kern = inputs
        (top,) = cotangents
        geometry = self._geometry()
        d_img = Conv2dGradInputs(**geometry)(kern, top, _rows_cols(img))
        d_kern = Conv2dGradWeights(**geometry)(img, top, _rows_cols(kern))
        return [d_img, d_kern]


def _rows_cols(x):
    """The last two sizes of ``x``: a constant when they are static."""
    static = x.type.shape[2:]
    if all(s is not None for s in static):
        return pt.as_tensor_variable(np.asarray(static, dtype="int64"))
    return x.shape[2:]


class _Conv2dGradient(BaseConv2d):
    """What the two gradient Ops share.

    Their inputs are a 4-D tensor (the convolution's input or its filters),
    the gradient of the convolution's output and the ``(rows, cols)`` of the
    gradient they compute; subclasses say which.
    """

    #: the names of the first input and of the size, for error messages
    first_name = size_name = ""

    @staticmethod
    def leading_sizes(first_shape, top_shape):
        """The first two sizes of the gradient, from its inputs' shapes."""
        raise NotImplementedError

    @staticmethod
    def compute(first, top, rows_cols, border_mode, subsample, flip):
        """The gradient in NumPy."""
        raise NotImplementedError

    def make_node(self, first, topgrad, shape):
        first = _as_4d_float(first, self.first_name)
        topgrad = _as_4d_float(topgrad, "conv2d output gradient")
        dtype, (first, topgrad) = _common_dtype(first, topgrad)
        shape, static = _as_size_pair(shape, self.size_name)
        leading = self.leading_sizes(first.type.shape, topgrad.type.shape)
        out = TensorType(dtype, shape=(*leading, *static))()
        return Apply(self, [first, topgrad, shape], [out])

    def perform(self, node, inputs, outputs):
        out = self.compute(*inputs, self.border_mode, self.subsample, self.filter_flip)
        outputs[0][0] = out.astype(node.outputs[0].type.dtype, copy=False)

    def infer_shape(self, fgraph, node, shapes):
        shape = node.inputs[2]
        return [(*self.leading_sizes(shapes[0], shapes[1]), shape[0], shape[1])]

    def connection_pattern(self, node):
        return [[True], [True], [False]]


class Conv2dGradWeights(_Conv2dGradient):
    """The gradient of :class:`Conv2d` with respect to the filters.

    Inputs: the convolution's input, the gradient of its output and the
    filters' ``(rows, cols)``.
    """

    first_name, size_name = "conv2d input", "filter shape"
    compute = staticmethod(conv_grad_weights_numpy)

    @staticmethod
    def leading_sizes(img_shape, top_shape):
        return top_shape[1], img_shape[1]

    def pullback(self, inputs, outputs, cotangents):
        img, top, _ = inputs
        (g_kern,) = cotangents
        geometry = self._geometry()
        d_img = Conv2dGradInputs(**geometry)(g_kern, top, _rows_cols(img))
        d_top = Conv2d(**geometry)(img, g_kern)
        return [d_img, d_top, disconnected_type()]


class Conv2dGradInputs(_Conv2dGradient):
    """The gradient of :class:`Conv2d` with respect to its input.

    Inputs: the filters, the gradient of the output and the input's
    ``(rows, cols)`` (with strides, several input sizes give one output size).
    """

    first_name, size_name = "conv2d filters", "input shape"
    compute = staticmethod(conv_grad_inputs_numpy)

    @staticmethod
    def leading_sizes(kern_shape, top_shape):
        return top_shape[0], kern_shape[1]

    def pullback(self, inputs, outputs, cotangents):
        kern, top, _ = inputs
        (g_img,) = cotangents
        geometry = self._geometry()
        d_kern = Conv2dGradWeights(**geometry)(g_img, top, _rows_cols(kern))
        d_top = Conv2d(**geometry)(g_img, kern)
        return [d_kern, d_top, disconnected_type()]


# --------------------------------------------------------------------------
# The user-facing function
# --------------------------------------------------------------------------


def conv2d(
    input,
    filters,
    input_shape=None,
    filter_shape=None,
    border_mode="valid",
    subsample=(1, 1),
    filter_flip=True,
    image_shape=None,
):
    """Theano's ``conv2d``: a 2-D convolution of a batch of multi-channel images.

    :param input: symbolic 4-D tensor ``(batch, channels, rows, cols)``
    :param filters: symbolic 4-D tensor ``(n_filters, channels, rows, cols)``
    :param input_shape: the input's shape, if known (ints, ``None`` for an
        unknown size); it is checked when the function runs and lets every
        backend specialise (JAX needs it to differentiate)
    :param filter_shape: the same for the filters
    :param border_mode: ``'valid'`` (no padding, output ``rows - filter_rows
        + 1``), ``'full'`` (``rows + filter_rows - 1``), ``'half'`` (pad by
        ``filter_rows // 2``: the same size for odd filters), or an int or
        ``(int, int)`` of zero padding
    :param subsample: the strides ``(row_step, col_step)``
    :param filter_flip: ``True`` (default) for a convolution, ``False`` for a
        cross-correlation
    :param image_shape: the old name of ``input_shape``, as in
        ``theano.tensor.nnet.conv.conv2d``
    :returns: symbolic 4-D tensor ``(batch, n_filters, out_rows, out_cols)``
    """
    if image_shape is not None:
        if input_shape is not None:
            raise ValueError("give input_shape or its old name image_shape, not both")
        input_shape = image_shape
    input = _as_4d_float(input, "conv2d input")
    filters = _as_4d_float(filters, "conv2d filters")
    input_shape = _static_shape(input_shape, "input_shape")
    filter_shape = _static_shape(filter_shape, "filter_shape")
    if input_shape is not None:
        _check_channels(input_shape[1], filters.type.shape[1], "input_shape")
        input = pt.specify_shape(input, input_shape)
    if filter_shape is not None:
        _check_channels(input.type.shape[1], filter_shape[1], "filter_shape")
        filters = pt.specify_shape(filters, filter_shape)
    op = Conv2d(border_mode=border_mode, subsample=subsample, filter_flip=filter_flip)
    return op(input, filters)
