"""JAX implementations of the convolution and pooling Ops (``mode=JAX``).

Importing ``pytensor.link.jax.dispatch`` imports JAX (seconds) and fixes
JAX's 64-bit flag from ``floatX``, so this module is imported only when a
function is compiled for JAX: :mod:`deeplearning_tutorials.nnet` registers a
graph rewrite tagged ``jax`` whose only job is to import it.

Convolution is ``jax.lax.conv_general_dilated`` (a cross-correlation, so the
filters are flipped for ``filter_flip=True``) at ``Precision.HIGHEST`` (no
TF32 on GPUs: float32 results stay float32-exact); its two gradients are the
vector-Jacobian products of that convolution, which XLA turns into the usual
transposed convolutions. They need the input and filter sizes at compile time
(give ``input_shape`` and ``filter_shape`` to ``conv2d``, or use inputs of
static shape).

Max pooling's forward pass is ``jax.lax.reduce_window``. Its gradient is
written out over the window offsets, because JAX's own gradient of
``reduce_window(max)`` sends each window's gradient to one maximal element,
where Theano sent it to every element equal to the maximum.
"""

import jax
import jax.numpy as jnp
from jax import lax
from pytensor.graph.basic import Constant
from pytensor.link.jax.dispatch import jax_funcify

from deeplearning_tutorials.nnet.activation import Tanh
from deeplearning_tutorials.nnet.conv import (
    Conv2d,
    Conv2dGradInputs,
    Conv2dGradWeights,
    padding,
)
from deeplearning_tutorials.nnet.pool import (
    AveragePoolGrad,
    MaxPoolGrad,
    MaxPoolGradGrad,
    Pool,
    _Geometry,
)

# --------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------


def _convolution(op):
    def conv(img, kern):
        pr, pc = padding(op.border_mode, kern.shape[2], kern.shape[3])
        if op.filter_flip:
            kern = kern[:, :, ::-1, ::-1]
        return lax.conv_general_dilated(
            img,
            kern,
            window_strides=op.subsample,
            padding=[(pr, pr), (pc, pc)],
            dimension_numbers=("NCHW", "OIHW", "NCHW"),
            precision=lax.Precision.HIGHEST,
        )

    return conv


def _static_sizes(node, what):
    """The ``(rows, cols)`` a gradient Op produces, known at compile time."""
    static = node.outputs[0].type.shape[2:]
    if all(s is not None for s in static):
        return tuple(int(s) for s in static)
    shape = node.inputs[2]
    if isinstance(shape, Constant):
        return tuple(int(s) for s in shape.data)
    raise NotImplementedError(
        f"conv2d under JAX needs the {what} size at compile time: give conv2d "
        "input_shape and filter_shape (or inputs of static shape)"
    )


@jax_funcify.register(Conv2d)
def jax_funcify_Conv2d(op, node=None, **kwargs):
    return _convolution(op)


def _convolution_vjp(node, what, leading_sizes, convolve):
    """The gradient Op ``(other, top, shape) -> d(convolve(primal, other) . top) / d primal``.

    ``primal`` is the argument the gradient is taken with respect to: a
    tensor of sizes ``leading_sizes(other, top)`` and the static ``(rows,
    cols)`` of ``what``.
    """
    rows, cols = _static_sizes(node, what)

    def convolution_vjp(other, top, shape):
        primal = jnp.zeros((*leading_sizes(other, top), rows, cols), top.dtype)
        _, vjp = jax.vjp(lambda p: convolve(p, other), primal)
        return vjp(top)[0]

    return convolution_vjp


@jax_funcify.register(Conv2dGradWeights)
def jax_funcify_Conv2dGradWeights(op, node=None, **kwargs):
    conv = _convolution(op)
    return _convolution_vjp(
        node,
        "filter",
        lambda img, top: (top.shape[1], img.shape[1]),
        lambda kern, img: conv(img, kern),
    )


@jax_funcify.register(Conv2dGradInputs)
def jax_funcify_Conv2dGradInputs(op, node=None, **kwargs):
    return _convolution_vjp(
        node,
        "input",
        lambda kern, top: (top.shape[0], kern.shape[1]),
        _convolution(op),
    )


# --------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------


def _extend(g, x, fill):
    """``x`` padded with ``fill`` so that every window lies inside (see ``_Geometry``)."""
    p0, p1 = g.pad
    return jnp.pad(
        x,
        ((0, 0), (0, 0), (p0, g.eh - g.rows - p0), (p1, g.ew - g.cols - p1)),
        constant_values=fill,
    )


def _crop(g, x):
    p0, p1 = g.pad
    return x[:, :, p0 : p0 + g.rows, p1 : p1 + g.cols]


@jax_funcify.register(Pool)
def jax_funcify_Pool(op, node=None, **kwargs):
    window = (1, 1, *op.ws)
    strides = (1, 1, *op.stride)

    def pool(x):
        g = _Geometry(op, x.shape[2], x.shape[3])
        if op.mode == "max":
            ext = _extend(g, x, -jnp.inf)
            return lax.reduce_window(ext, -jnp.inf, lax.max, window, strides, "VALID")
        ext = _extend(g, x, 0)
        total = lax.reduce_window(
            ext, jnp.zeros((), x.dtype), lax.add, window, strides, "VALID"
        )
        counts = g.counts(op.mode)
        return total if counts is None else total / counts.astype(x.dtype)

    return pool


@jax_funcify.register(MaxPoolGrad)
def jax_funcify_MaxPoolGrad(op, node=None, **kwargs):
    def max_pool_grad(x, maxout, gout):
        g = _Geometry(op, x.shape[2], x.shape[3])
        ext = _extend(g, x, -jnp.inf)
        grad = jnp.zeros(ext.shape, gout.dtype)
        for index in g.offsets():
            grad = grad.at[index].add(jnp.where(ext[index] == maxout, gout, 0))
        return _crop(g, grad)

    return max_pool_grad


@jax_funcify.register(AveragePoolGrad)
def jax_funcify_AveragePoolGrad(op, node=None, **kwargs):
    def average_pool_grad(x, gout):
        g = _Geometry(op, x.shape[2], x.shape[3])
        counts = g.counts(op.mode)
        share = gout if counts is None else gout / counts.astype(gout.dtype)
        grad = jnp.zeros((*x.shape[:2], g.eh, g.ew), gout.dtype)
        for index in g.offsets():
            grad = grad.at[index].add(share)
        return _crop(g, grad)

    return average_pool_grad


@jax_funcify.register(MaxPoolGradGrad)
def jax_funcify_MaxPoolGradGrad(op, node=None, **kwargs):
    def max_pool_grad_grad(x, maxout, ggx):
        g = _Geometry(op, x.shape[2], x.shape[3])
        ext = _extend(g, x, -jnp.inf)
        ext_gg = _extend(g, ggx, 0)
        out = jnp.zeros(maxout.shape, ggx.dtype)
        for index in g.offsets():
            out = out + jnp.where(ext[index] == maxout, ext_gg[index], 0)
        return out

    return max_pool_grad_grad


@jax_funcify.register(Tanh)
def jax_funcify_Tanh(op, node=None, **kwargs):
    return jnp.tanh
