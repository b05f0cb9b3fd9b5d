"""``theano.tensor.nnet``: activations, cross-entropies and ``conv2d``.

Each name computes what the Theano version in the table computed (the
formulas are Theano's own, so values, gradients at kinks and dtypes agree;
``tests/test_theano_compat_nnet.py`` holds them against Theano 1.0.5's
output):

==================================  =========================================
name                                behaviour of
==================================  =========================================
``sigmoid``, ``softplus``           Theano 0.6-1.0 (compiled by the kit's
                                    functions as Theano 1.0's clipped C
                                    code, :mod:`...numerics`)
``ultra_fast_sigmoid``              Theano 0.6-1.0 (its piecewise approximation)
``hard_sigmoid``                    Theano 0.6-1.0: ``clip(0.2 x + 0.5, 0, 1)``
``softmax``                         Theano 0.6-1.0: row-wise; a vector gives a
                                    ``(1, n)`` matrix; other ranks are refused;
                                    rounded as Theano 1.0's C code
                                    (:class:`TheanoSoftmax`)
``logsoftmax``                      Theano 0.9-1.0 (row-wise, as ``softmax``)
``relu(x, alpha=0)``                Theano 0.7.1-1.0: ``0.5 (x + |x|)``, leaky
                                    for ``alpha != 0``
``elu(x, alpha=1)``                 Theano 0.9-1.0
``categorical_crossentropy``        Theano 0.6-1.0: one-hot rows or int labels
``binary_crossentropy``             Theano 0.6-1.0
``sigmoid_binary_crossentropy``     Theano 1.0
``conv2d``                          Theano 0.8-1.0 (``nnet.conv2d``); the old
                                    ``nnet.conv.conv2d`` is :mod:`.conv`
==================================  =========================================
"""

import pytensor.tensor as pt
from pytensor.compile.mode import optdb
from pytensor.graph.rewriting.basic import in2out, node_rewriter
from pytensor.tensor.special import Softmax as _Softmax
from pytensor.tensor.special import LogSoftmax as _LogSoftmax
from pytensor.tensor.special import log_softmax as _log_softmax
from pytensor.tensor.symbolic import TensorSymbolicOp

from deeplearning_tutorials import nnet as _project_nnet
from deeplearning_tutorials.theano_compat import test_values
from deeplearning_tutorials.theano_compat.errors import missing_names
from deeplearning_tutorials.theano_compat.tensor.nnet import conv
from deeplearning_tutorials.theano_compat.numerics import TAG
from deeplearning_tutorials.theano_compat.tensor.nnet.softmax_c import (
    LogSoftmaxInC,
    SoftmaxGradInC,
    SoftmaxInC,
)

sigmoid = pt.sigmoid
softplus = pt.softplus


def ultra_fast_sigmoid(x):
    """Theano's piecewise-linear/rational approximation of the sigmoid
    (its C code: ``z = 1.5 v / (1 + v)`` below ``v = x / 2 = 1.7``, a line up
    to 3, then 0.99505475368673, mirrored for negative ``x``)."""
    x = pt.as_tensor_variable(x)
    v = abs(0.5 * x)
    z = pt.switch(
        v < 1.7,
        1.5 * v / (1 + v),
        pt.switch(v < 3, 0.935409070603099 + 0.0458812946797165 * (v - 1.7), 0.99505475368673),
    )
    z = pt.cast(z, x.dtype)
    return 0.5 * pt.switch(x >= 0, z, -z) + 0.5


def hard_sigmoid(x):
    """Theano's ``clip(x * 0.2 + 0.5, 0, 1)``."""
    x = pt.as_tensor_variable(x)
    slope = pt.constant(0.2, dtype=x.dtype)
    shift = pt.constant(0.5, dtype=x.dtype)
    return pt.clip(x * slope + shift, 0, 1)


def _rows(c, name):
    c = pt.as_tensor_variable(c)
    if c.type.ndim == 1:
        return c.dimshuffle("x", 0)
    if c.type.ndim != 2:
        raise ValueError(f"{name}: x must be 1-d or 2-d tensor of floats. Got {c.type}")
    return c


class TheanoSoftmax(_Softmax, SoftmaxInC):
    """PyTensor's ``Softmax`` (so its rewrites still turn ``log(softmax(x))``
    into a log-softmax, as Theano's did) rounded as Theano 1.0's C code.

    Theano's ``Softmax`` (and ``SoftmaxWithBias``, which its rewrites made
    of ``softmax(dot(x, W) + b)``) computed :math:`e_j = \\exp(x_j - \\max_k
    x_k)` in the input's precision, summed the :math:`e_j`
    in double and multiplied each by the reciprocal of the sum; PyTensor
    divides by the sum, which rounds otherwise in about one case in four.
    Its gradient is :class:`TheanoSoftmaxGrad`.

    Numba and JAX compile the inner graph below; PyTensor's C backend
    compiles the same formulas as one C loop (:mod:`.softmax_c`), as
    Theano did, instead of the inner graph as a function of its own.
    """

    def build_inner_graph(self, x):
        e_x = pt.exp(x - x.max(axis=self.axis, keepdims=True))
        total = pt.cast(e_x, "float64").sum(axis=self.axis, keepdims=True)
        return [pt.cast(pt.cast(e_x, "float64") * pt.reciprocal(total), x.dtype)]

    def pullback(self, inputs, outputs, output_grads):
        (sm,) = outputs
        (g,) = output_grads
        with test_values.suspended():  # its inner graph's placeholders have none
            softmax_grad = TheanoSoftmaxGrad(input_types=[g.type, sm.type], axis=self.axis)
        return [softmax_grad(g, sm)]


class TheanoSoftmaxGrad(TensorSymbolicOp, SoftmaxGradInC):
    """Theano 1.0's ``SoftmaxGrad``: :math:`d - s \\sum_j d_j` with
    :math:`d = g \\odot s` and the sum in double, a symbolic Op of its own
    so that rewrites cannot reorder it (the same formulas as
    ``deeplearning_tutorials.lstm.softmax``); in C on the C backend, as
    :class:`TheanoSoftmax`."""

    __props__ = ("axis",)

    def __init__(self, *, axis, **kwargs):
        self.axis = tuple(axis)
        super().__init__(**kwargs)

    def build_inner_graph(self, g, s):
        d = g * s
        total = pt.cast(d, "float64").sum(axis=self.axis, keepdims=True)
        return [pt.cast(pt.cast(d, "float64") - total * s, s.dtype)]


class TheanoLogSoftmax(_LogSoftmax, LogSoftmaxInC):
    """PyTensor's ``LogSoftmax`` (the same inner graph, gradient and
    implementations), with a C loop for the C backend (:mod:`.softmax_c`).

    PyTensor's rewrites turn ``log(softmax(x))`` into a ``LogSoftmax``, as
    Theano's did (the tutorials' negative log-likelihood); the kit's
    functions then put this class in its place
    (:func:`log_softmax_in_c`), so that the C backend does not compile its
    inner graph as a function of its own.
    """


@node_rewriter([_LogSoftmax])
def log_softmax_in_c(fgraph, node):
    """PyTensor's ``LogSoftmax`` replaced by :class:`TheanoLogSoftmax`."""
    if type(node.op) is not _LogSoftmax:
        return None
    return [TheanoLogSoftmax(axis=node.op.axis)(node.inputs[0])]


# after PyTensor's log(softmax) rewrite, with the kit's other numerics
# (the tag that only the kit's functions include, :mod:`...numerics`)
optdb.register("theano_log_softmax_in_c", in2out(log_softmax_in_c), TAG, position=48.95)


def softmax(c):
    """Theano's row-wise softmax of a matrix (a vector becomes one row),
    rounded as Theano's (:class:`TheanoSoftmax`)."""
    return TheanoSoftmax(axis=(1,))(_rows(c, "softmax"))


def logsoftmax(c):
    """Theano 0.9's row-wise log-softmax (a vector becomes one row)."""
    return _log_softmax(_rows(c, "logsoftmax"), axis=-1)


def relu(x, alpha=0):
    """Theano's ``relu``: ``0.5 * (x + abs(x))``; with ``alpha``, leaky:
    ``0.5 (1 + alpha) x + 0.5 (1 - alpha) |x|``."""
    x = pt.as_tensor_variable(x)
    if alpha == 0:
        return 0.5 * (x + abs(x))
    alpha = pt.as_tensor_variable(alpha)
    return 0.5 * (1 + alpha) * x + 0.5 * (1 - alpha) * abs(x)


def elu(x, alpha=1):
    """Theano's ``switch(x > 0, x, alpha * expm1(x))``."""
    x = pt.as_tensor_variable(x)
    return pt.switch(x > 0, x, alpha * pt.expm1(x))


def categorical_crossentropy(coding_dist, true_dist):
    """Theano's cross-entropy between rows of probabilities and targets.

    ``true_dist`` is a matrix of the same rank (one-hot or soft targets):
    ``-sum(true_dist * log(coding_dist), axis=-1)``; or a vector of int
    labels: ``-log(coding_dist[arange(n), true_dist])``.
    """
    coding_dist = pt.as_tensor_variable(coding_dist)
    true_dist = pt.as_tensor_variable(true_dist)
    if true_dist.type.ndim == coding_dist.type.ndim:
        return -pt.sum(true_dist * pt.log(coding_dist), axis=coding_dist.type.ndim - 1)
    if true_dist.type.ndim == coding_dist.type.ndim - 1:
        rows = pt.arange(true_dist.shape[0])
        return -pt.log(coding_dist[rows, true_dist])
    raise TypeError("rank mismatch between coding and true distributions")


def binary_crossentropy(output, target):
    """Theano's ``-(target * log(output) + (1 - target) * log(1 - output))``."""
    return -(target * pt.log(output) + (1.0 - target) * pt.log(1.0 - output))


def sigmoid_binary_crossentropy(output, target):
    """Theano 1.0's ``binary_crossentropy(sigmoid(output), target)``, computed
    stably as ``softplus(-|output|) + output * ((output > 0) - target)``."""
    output = pt.as_tensor_variable(output)
    return pt.softplus(-abs(output)) + output * (pt.gt(output, 0) - target)


def conv2d(input, filters, input_shape=None, filter_shape=None, border_mode="valid",
           subsample=(1, 1), filter_flip=True, image_shape=None,
           filter_dilation=(1, 1), num_groups=1, unshared=False, **kwargs):
    """Theano 1.0's ``nnet.conv2d`` (0.8's without the last three arguments),
    on this project's ``Conv2d`` Op. ``filter_dilation``, ``num_groups`` and
    ``unshared`` are accepted at their defaults only."""
    if tuple(filter_dilation) != (1, 1) or num_groups != 1 or unshared:
        raise NotImplementedError(
            "conv2d with filter_dilation, num_groups or unshared is not supported "
            "by the porting kit: dilate the filters with zeros, or split the groups "
            "into separate conv2d calls and concatenate them"
        )
    if kwargs:
        raise TypeError(f"conv2d got unexpected arguments {sorted(kwargs)}")
    return _project_nnet.conv2d(
        input, filters, input_shape=input_shape, filter_shape=filter_shape,
        border_mode=border_mode, subsample=subsample, filter_flip=filter_flip,
        image_shape=image_shape,
    )


__getattr__ = missing_names(
    __name__,
    {
        "neighbours": "images2neibs is not ported; reshape or use pool_2d",
        "conv3d": "3-D convolution is not ported; loop conv2d over the depth axis",
        "crossentropy_softmax_1hot": "use categorical_crossentropy(softmax(x), y_idx)",
        "h_softmax": "hierarchical softmax is not ported; use softmax",
        "bn": "batch normalisation is not ported; write (x - mean) / sqrt(var + eps)",
        "ctc": "CTC is not ported",
    },
)
