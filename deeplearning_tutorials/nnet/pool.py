"""Theano's 2-D pooling, ``pool_2d``, as PyTensor Ops.

::

    pool_2d(input, ws, ignore_border=True, stride=None, pad=(0, 0), mode='max')

pools the last two axes of ``input`` over windows of ``ws = (rows, cols)``
moved by ``stride`` (default: ``ws``, non-overlapping windows), after adding
``pad`` rows and columns on each side. The semantics are those of Theano's
``Pool`` Op (its C code):

* window ``(r, c)`` covers rows ``r * stride[0]`` to ``r * stride[0] + ws[0]``
  of the padded input (columns likewise);
* ``ignore_border=True`` keeps only whole windows: ``(rows + 2 * pad - ws) //
  stride + 1`` of them. ``ignore_border=False`` also keeps the partial windows
  at the bottom and right edges (then ``pad`` must be ``(0, 0)``);
* ``'max'`` is the maximum over the window's *real* elements (the padding
  never wins); ``'sum'`` their sum; ``'average_exc_pad'`` their mean;
  ``'average_inc_pad'`` their sum divided by the window's size counting the
  padding (``ws[0] * ws[1]`` when ``ignore_border=True``);
* the gradient of ``'max'`` goes to **every** element of a window equal to the
  window's maximum, as Theano's ``MaxPoolGrad`` did (ties each get the whole
  gradient); the other modes spread it over the window with the same weights
  as the forward pass.

Ops: :class:`Pool`, its gradients :class:`MaxPoolGrad` and
:class:`AveragePoolGrad` (``'sum'`` and both averages), and
:class:`MaxPoolGradGrad`, the gradient of :class:`MaxPoolGrad`. The
``perform`` methods loop only over the ``ws[0] * ws[1]`` window offsets, each
step a vectorised NumPy operation on the whole batch; the Numba and JAX
backends have their own implementations.
"""

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.tensor.type import TensorType

from deeplearning_tutorials.nnet.conv import _as_4d_float, int_pair

POOL_MODES = ("max", "sum", "average_inc_pad", "average_exc_pad")


# --------------------------------------------------------------------------
# Arguments and shapes
# --------------------------------------------------------------------------


def pool_output_length(size, ws, stride, pad, ignore_border):
    """Theano's number of windows along an axis of ``size`` elements."""
    if size is None:
        return None
    if ignore_border:
        return max(0, (size + 2 * pad - ws) // stride + 1)
    if stride >= ws:
        return (size - 1) // stride + 1
    return max(0, (size - 1 - ws + stride) // stride) + 1


def _sym_output_length(size, ws, stride, pad, ignore_border):
    if ignore_border:
        return pt.maximum((size + 2 * pad - ws) // stride + 1, 0)
    if stride >= ws:
        return (size - 1) // stride + 1
    return pt.maximum((size - 1 - ws + stride) // stride, 0) + 1


def check_pool_arguments(ws, ignore_border, stride, pad, mode):
    """Normalise and validate the pooling parameters; return them as tuples."""
    ws = int_pair(ws, "ws", 1)
    stride = ws if stride is None else int_pair(stride, "stride", 1)
    pad = int_pair(pad, "pad", 0)
    if mode not in POOL_MODES:
        raise ValueError(f"unknown pooling mode {mode!r}; use one of {POOL_MODES}")
    if not isinstance(ignore_border, bool | np.bool_):
        raise ValueError(f"ignore_border must be True or False, got {ignore_border!r}")
    if pad != (0, 0) and not ignore_border:
        raise ValueError("pool_2d: padding works only with ignore_border=True")
    if pad[0] >= ws[0] or pad[1] >= ws[1]:
        raise ValueError(
            f"pool_2d: pad {pad} must be smaller than the window ws {ws} in each axis"
        )
    return ws, bool(ignore_border), stride, pad, mode


def _check_fits(rows, cols, ws, pad, ignore_border):
    """With ignore_border, a window larger than the padded input is an error."""
    if not ignore_border:
        return
    for size, w, p, axis in (
        (rows, ws[0], pad[0], "rows"),
        (cols, ws[1], pad[1], "cols"),
    ):
        if size is not None and size + 2 * p < w:
            raise ValueError(
                f"pool_2d: the window ws={ws} is larger than the input "
                f"({axis}: {size} + 2 * pad {p}) with ignore_border=True"
            )


# --------------------------------------------------------------------------
# NumPy implementation (perform): a loop over the window offsets only
# --------------------------------------------------------------------------


class _Geometry:
    """Sizes and slices of one pooling problem."""

    def __init__(self, op, rows, cols):
        self.ws, self.stride, self.pad = op.ws, op.stride, op.pad
        self.rows, self.cols = rows, cols
        _check_fits(rows, cols, op.ws, op.pad, op.ignore_border)
        self.oh = pool_output_length(
            rows, op.ws[0], op.stride[0], op.pad[0], op.ignore_border
        )
        self.ow = pool_output_length(
            cols, op.ws[1], op.stride[1], op.pad[1], op.ignore_border
        )
        # padded size, and the extended size that holds every window whole
        self.ph, self.pw = rows + 2 * op.pad[0], cols + 2 * op.pad[1]
        self.eh = max(self.ph, (self.oh - 1) * op.stride[0] + op.ws[0])
        self.ew = max(self.pw, (self.ow - 1) * op.stride[1] + op.ws[1])

    def extend(self, x, fill):
        """``x`` inside a ``fill``-ed array holding every window whole."""
        b, c = x.shape[:2]
        out = np.full((b, c, self.eh, self.ew), fill, dtype=x.dtype)
        p0, p1 = self.pad
        out[:, :, p0 : p0 + self.rows, p1 : p1 + self.cols] = x
        return out

    def crop(self, extended):
        p0, p1 = self.pad
        return np.ascontiguousarray(
            extended[:, :, p0 : p0 + self.rows, p1 : p1 + self.cols]
        )

    def offsets(self):
        """``(u, v, index)``: the elements at offset ``(u, v)`` of every window."""
        s0, s1 = self.stride
        for u in range(self.ws[0]):
            for v in range(self.ws[1]):
                yield (
                    slice(None),
                    slice(None),
                    slice(u, u + (self.oh - 1) * s0 + 1, s0),
                    slice(v, v + (self.ow - 1) * s1 + 1, s1),
                )

    def counts(self, mode):
        """Divisors of the window sums, ``(oh, ow)``, for the averaging modes."""
        if mode == "sum":
            return None
        s0, s1 = self.stride
        starts_r = np.arange(self.oh) * s0
        starts_c = np.arange(self.ow) * s1
        if mode == "average_inc_pad":
            lo_r, hi_r, lo_c, hi_c = 0, self.ph, 0, self.pw
        else:
            lo_r, hi_r = self.pad[0], self.pad[0] + self.rows
            lo_c, hi_c = self.pad[1], self.pad[1] + self.cols
        n_r = np.minimum(starts_r + self.ws[0], hi_r) - np.maximum(starts_r, lo_r)
        n_c = np.minimum(starts_c + self.ws[1], hi_c) - np.maximum(starts_c, lo_c)
        return np.outer(n_r, n_c)


def pool_numpy(op, x):
    """:class:`Pool` in NumPy."""
    g = _Geometry(op, *x.shape[2:])
    if op.mode == "max":
        ext = g.extend(x, -np.inf)
        out = None
        for index in g.offsets():
            out = ext[index].copy() if out is None else np.maximum(out, ext[index])
        return out
    ext = g.extend(x, 0)
    out = np.zeros(x.shape[:2] + (g.oh, g.ow), dtype=x.dtype)
    for index in g.offsets():
        out += ext[index]
    counts = g.counts(op.mode)
    if counts is not None:
        out /= counts.astype(x.dtype)
    return out


def max_pool_grad_numpy(op, x, maxout, gout):
    """:class:`MaxPoolGrad` in NumPy: every maximal element gets the gradient."""
    g = _Geometry(op, *x.shape[2:])
    ext = g.extend(x, -np.inf)
    grad = np.zeros_like(ext)
    for index in g.offsets():
        grad[index] += np.where(ext[index] == maxout, gout, 0)
    return g.crop(grad)


def average_pool_grad_numpy(op, x, gout):
    """:class:`AveragePoolGrad` in NumPy (``'sum'`` and both averages)."""
    g = _Geometry(op, *x.shape[2:])
    counts = g.counts(op.mode)
    share = gout if counts is None else gout / counts.astype(gout.dtype)
    grad = np.zeros(x.shape[:2] + (g.eh, g.ew), dtype=gout.dtype)
    for index in g.offsets():
        grad[index] += share
    return g.crop(grad)


def max_pool_grad_grad_numpy(op, x, maxout, ggx):
    """:class:`MaxPoolGradGrad` in NumPy: the transpose of :func:`max_pool_grad_numpy`."""
    g = _Geometry(op, *x.shape[2:])
    ext = g.extend(x, -np.inf)
    ext_gg = g.extend(ggx, 0)
    out = np.zeros(maxout.shape, dtype=ggx.dtype)
    for index in g.offsets():
        out += np.where(ext[index] == maxout, ext_gg[index], 0)
    return out


# --------------------------------------------------------------------------
# The Ops
# --------------------------------------------------------------------------


class BasePool(Op):
    __props__ = ("ws", "ignore_border", "stride", "pad", "mode")

    def __init__(self, ws, ignore_border=True, stride=None, pad=(0, 0), mode="max"):
        (
            self.ws,
            self.ignore_border,
            self.stride,
            self.pad,
            self.mode,
        ) = check_pool_arguments(ws, ignore_border, stride, pad, mode)

    def out_shape(self, shape):
        """The static output shape for an input of static ``shape``."""
        rows, cols = shape[2:]
        _check_fits(rows, cols, self.ws, self.pad, self.ignore_border)
        return (
            shape[0],
            shape[1],
            pool_output_length(
                rows, self.ws[0], self.stride[0], self.pad[0], self.ignore_border
            ),
            pool_output_length(
                cols, self.ws[1], self.stride[1], self.pad[1], self.ignore_border
            ),
        )

    def sym_out_shape(self, shape):
        return (
            shape[0],
            shape[1],
            _sym_output_length(
                shape[2], self.ws[0], self.stride[0], self.pad[0], self.ignore_border
            ),
            _sym_output_length(
                shape[3], self.ws[1], self.stride[1], self.pad[1], self.ignore_border
            ),
        )

    def params(self, **changes):
        values = dict(
            ws=self.ws,
            ignore_border=self.ignore_border,
            stride=self.stride,
            pad=self.pad,
            mode=self.mode,
        )
        values.update(changes)
        return values

    def __str__(self):
        return (
            f"{type(self).__name__}{{{self.mode}, ws={self.ws}, stride={self.stride}, "
            f"pad={self.pad}, ignore_border={self.ignore_border}}}"
        )


class Pool(BasePool):
    """``pool_2d`` of a 4-D tensor: see the module docstring."""

    def make_node(self, x):
        x = _as_4d_float(x, "pool_2d input")
        out = TensorType(x.type.dtype, shape=self.out_shape(x.type.shape))()
        return Apply(self, [x], [out])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = pool_numpy(self, inputs[0])

    def infer_shape(self, fgraph, node, shapes):
        return [self.sym_out_shape(shapes[0])]

    def pullback(self, inputs, outputs, cotangents):
        (x,) = inputs
        (gz,) = cotangents
        if self.mode == "max":
            return [MaxPoolGrad(**self.params())(x, outputs[0], gz)]
        return [AveragePoolGrad(**self.params())(x, gz)]


class _MaxPoolLinearMap(BasePool):
    """What :class:`MaxPoolGrad` and :class:`MaxPoolGradGrad` share.

    Given ``x`` and its pooled ``maxout``, each is a linear map of its third
    input, and each is the other's transpose: ``MaxPoolGrad`` sends a
    window's value to the window's maximal elements, ``MaxPoolGradGrad`` sums
    the values at those elements into the window. The output has the shape
    of input ``like`` (0: ``x``, 1: ``maxout``).
    """

    like = 0
    third_name = ""

    def __init__(self, ws, ignore_border=True, stride=None, pad=(0, 0), mode="max"):
        super().__init__(ws, ignore_border, stride, pad, mode)
        if self.mode != "max":
            raise ValueError(
                f"{type(self).__name__} is for mode 'max', got {self.mode!r}"
            )

    def make_node(self, x, maxout, values):
        inputs = [
            _as_4d_float(x, "pool_2d input"),
            _as_4d_float(maxout, "pool_2d output"),
            _as_4d_float(values, self.third_name),
        ]
        return Apply(self, inputs, [inputs[self.like].type()])

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[self.like]]

    def transpose(self):
        raise NotImplementedError

    def pullback(self, inputs, outputs, cotangents):
        x, maxout, _ = inputs
        (g,) = cotangents
        return [pt.zeros_like(x), pt.zeros_like(maxout), self.transpose()(x, maxout, g)]


class MaxPoolGrad(_MaxPoolLinearMap):
    """Gradient of max pooling: ``(x, maxout, gout) -> gx``."""

    like, third_name = 0, "pool_2d output gradient"

    def perform(self, node, inputs, outputs):
        outputs[0][0] = max_pool_grad_numpy(self, *inputs)

    def transpose(self):
        return MaxPoolGradGrad(**self.params())


class AveragePoolGrad(BasePool):
    """Gradient of sum and average pooling: ``(x, gout) -> gx`` (``x`` for its shape)."""

    def __init__(self, ws, ignore_border=True, stride=None, pad=(0, 0), mode="sum"):
        super().__init__(ws, ignore_border, stride, pad, mode)
        if self.mode == "max":
            raise ValueError("AveragePoolGrad is not for mode 'max'; use MaxPoolGrad")

    def make_node(self, x, gout):
        x = _as_4d_float(x, "pool_2d input")
        gout = _as_4d_float(gout, "pool_2d output gradient")
        return Apply(self, [x, gout], [x.type()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = average_pool_grad_numpy(self, *inputs)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def connection_pattern(self, node):
        return [[False], [True]]

    def pullback(self, inputs, outputs, cotangents):
        from pytensor.gradient import disconnected_type

        (ggx,) = cotangents
        return [disconnected_type(), Pool(**self.params())(ggx)]


class MaxPoolGradGrad(_MaxPoolLinearMap):
    """Gradient of :class:`MaxPoolGrad` w.r.t. ``gout``: ``(x, maxout, ggx) -> ggout``."""

    like, third_name = 1, "gradient"

    def perform(self, node, inputs, outputs):
        outputs[0][0] = max_pool_grad_grad_numpy(self, *inputs)

    def transpose(self):
        return MaxPoolGrad(**self.params())


# --------------------------------------------------------------------------
# The user-facing function
# --------------------------------------------------------------------------


def pool_2d(
    input,
    ws=None,
    ignore_border=True,
    stride=None,
    pad=(0, 0),
    mode="max",
    ds=None,
    st=None,
    padding=None,
):
    """Theano's ``pool_2d``: pool the last two axes of ``input``.

    :param input: a tensor of 2 or more dimensions; the last two are pooled
    :param ws: the window ``(rows, cols)``
    :param ignore_border: ``True`` keeps whole windows only (the tutorials'
        setting); ``False`` adds the partial windows at the edges
    :param stride: the step between windows (default ``ws``)
    :param pad: zero rows and columns added on each side (``ignore_border``
        only; smaller than ``ws``)
    :param mode: ``'max'``, ``'sum'``, ``'average_inc_pad'`` or
        ``'average_exc_pad'``
    :param ds, st, padding: the old names of ``ws``, ``stride`` and ``pad``
        (``max_pool_2d(input, ds, ignore_border)`` of the original tutorials)
    """
    for old, new, value in (
        ("ds", "ws", ds),
        ("st", "stride", st),
        ("padding", "pad", padding),
    ):
        if value is not None:
            current = {"ws": ws, "stride": stride, "pad": pad}[new]
            if current is not None and not (new == "pad" and tuple(current) == (0, 0)):
                raise ValueError(f"give {new} or its old name {old}, not both")
            if new == "ws":
                ws = value
            elif new == "stride":
                stride = value
            else:
                pad = value
    if ws is None:
        raise ValueError("pool_2d needs the window size ws")
    op = Pool(ws, ignore_border=ignore_border, stride=stride, pad=pad, mode=mode)
    x = pt.as_tensor_variable(input)
    if x.type.ndim < 2:
        raise TypeError(f"pool_2d needs at least 2 dimensions, got {x.type.ndim}")
    if x.type.ndim == 4:
        return op(x)
    # other ranks: pool every (rows, cols) image as one channel of a 4-D batch
    lead = x.shape[:-2]
    images = x.reshape((-1, 1, x.shape[-2], x.shape[-1]), ndim=4)
    pooled = op(images)
    return pooled.reshape(pt.concatenate([lead, pooled.shape[-2:]]), ndim=x.type.ndim)
