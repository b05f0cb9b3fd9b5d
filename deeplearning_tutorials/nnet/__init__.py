"""Neural-network convolution and pooling for PyTensor, with Theano's semantics.

PyTensor 3 dropped Theano's ``nnet.conv2d`` and ``signal.pool.pool_2d``; the
tutorials (LeNet) and most ported Theano code need them. This subpackage
supplies both, as PyTensor Ops with gradients, shape inference and an
implementation for each backend the project supports:

========================  ==============================================
backend                   implementation
========================  ==============================================
``NUMBA`` (default)       Numba kernels: im2col + BLAS ``gemm`` per chunk
                          of images for convolution, direct loops for
                          pooling (:mod:`.numba_backend`); cached
``CVM`` / Python          ``perform``: im2col + one BLAS product in NumPy;
                          pooling vectorised over the batch
``JAX``                   ``lax.conv_general_dilated`` and
                          ``lax.reduce_window`` (:mod:`.jax_backend`)
========================  ==============================================

Usage, as in Theano::

    from deeplearning_tutorials.nnet import conv2d, pool_2d

    conv_out = conv2d(input, W, input_shape=(500, 1, 28, 28),
                      filter_shape=(20, 1, 5, 5))
    pooled = pool_2d(conv_out, ws=(2, 2), ignore_border=True)

It also has :func:`tanh`, ``pt.tanh`` computed by NumPy's vectorised code
under every backend but JAX (:mod:`.activation`): PyTensor's Numba backend
computes ``pt.tanh`` one element at a time, 30 times slower.
"""

from pytensor.compile.mode import optdb
from pytensor.graph.rewriting.basic import GraphRewriter

from deeplearning_tutorials.machinery.when_imported import import_when_imported
from deeplearning_tutorials.nnet.activation import Tanh, tanh
from deeplearning_tutorials.nnet.conv import (
    Conv2d,
    Conv2dGradInputs,
    Conv2dGradWeights,
    conv2d,
    conv_output_shape,
)
from deeplearning_tutorials.nnet.pool import (
    AveragePoolGrad,
    MaxPoolGrad,
    MaxPoolGradGrad,
    Pool,
    pool_2d,
    pool_output_length,
)


# The Numba kernels (PyTensor's default backend), registered once PyTensor's
# Numba dispatch is loaded: a run on the C backend imports neither Numba nor
# the dispatch.
import_when_imported(
    "pytensor.link.numba.dispatch", "deeplearning_tutorials.nnet.numba_backend"
)


class _ImportJAXImplementations(GraphRewriter):
    """A no-op rewrite run only when compiling for JAX.

    Its side effect registers the JAX implementations, without importing
    JAX (slow, and it fixes JAX's 64-bit flag) in every other process.
    """

    def apply(self, fgraph):
        from deeplearning_tutorials.nnet import jax_backend  # noqa: F401


if "deeplearning_tutorials_nnet_jax" not in optdb:
    optdb.register(
        "deeplearning_tutorials_nnet_jax",
        _ImportJAXImplementations(),
        "jax",
        position=0,
    )

__all__ = [
    "AveragePoolGrad",
    "Conv2d",
    "Conv2dGradInputs",
    "Conv2dGradWeights",
    "MaxPoolGrad",
    "MaxPoolGradGrad",
    "Pool",
    "Tanh",
    "conv2d",
    "conv_output_shape",
    "pool_2d",
    "pool_output_length",
    "tanh",
]
