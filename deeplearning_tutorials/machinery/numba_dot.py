"""PyTensor's ``Dot`` under the Numba backend, without copying its operands.

Numba types an array by its memory layout: ``C`` (row-major), ``F``
(column-major) or ``A`` (any strides). Arrays passed into a compiled function
carry their true layout, but an array made *inside* it by a ``Subtensor``
(the minibatch ``train_set_x[i * 600:(i + 1) * 600]`` that every tutorial
takes through ``givens``) or a transpose of one is typed ``A``, whatever
its strides are. Numba's ``np.dot`` hands only ``C``/``F`` arrays to BLAS,
and copies any ``A`` array into a new C array first (``make_contiguous`` in
``numba/np/linalg.py``): at every training step, the minibatch is copied
once for ``x @ W`` and once more for the gradient ``x.T @ delta``
(600 x 784 floats each for logistic regression, about half of the step).

A row slice of a C array is C-contiguous, and its transpose F-contiguous:
nothing needs copying. ``np.ascontiguousarray`` and ``np.asfortranarray``
check the strides at run time and, for an array that already has the
layout, return the same memory re-typed ``C`` or ``F``. The ``dot`` below
asks each operand which it is and calls ``np.dot`` on the re-typed views, so
that BLAS reads the minibatch where it lies; a truly strided operand is
still copied, as before. The products and their rounding are BLAS's either
way: the results are the same to the bit.

Importing this module registers the implementation for every ``Dot`` that
the Numba backend compiles afterwards (it replaces PyTensor 3.0.7's
registration, whose cache key it does not share). Written so that it can go
upstream, into ``pytensor/link/numba/dispatch/elemwise.py``.
"""

import numpy as np
from pytensor.link.numba.dispatch import basic as numba_basic
from pytensor.link.numba.dispatch.basic import register_funcify_default_op_cache_key
from pytensor.tensor.math import Dot

# added to the Op's default cache key: compiled code of PyTensor's own
# registration (version 2) is not reused for this one
CACHE_VERSION = 1002


@numba_basic.numba_njit
def _is_column_major(a):
    """True for an F-contiguous matrix that is not also C-contiguous."""
    return a.ndim == 2 and a.flags.f_contiguous and not a.flags.c_contiguous


@numba_basic.numba_njit
def dot_in_place_views(x, y):
    """``np.dot(x, y)``, with each operand re-typed to its actual layout.

    Four calls, one per pair of layouts, because a Numba function returns
    one type: every branch gives a new C array.
    """
    if _is_column_major(x):
        if _is_column_major(y):
            return np.dot(np.asfortranarray(x), np.asfortranarray(y))
        return np.dot(np.asfortranarray(x), np.ascontiguousarray(y))
    if _is_column_major(y):
        return np.dot(np.ascontiguousarray(x), np.asfortranarray(y))
    return np.dot(np.ascontiguousarray(x), np.ascontiguousarray(y))


@register_funcify_default_op_cache_key(Dot)
def numba_funcify_Dot(op, node, **kwargs):
    """``Dot`` of two float arrays of one dtype without copies; any other
    case (integers, mixed dtypes) as PyTensor's own implementation."""
    x, y = node.inputs
    [out] = node.outputs
    dtypes = {x.type.dtype, y.type.dtype, out.type.dtype}
    if len(dtypes) != 1 or out.type.numpy_dtype.kind not in "fc":
        from pytensor.link.numba.dispatch.elemwise import (
            numba_funcify_Dot as upstream,
        )

        return upstream(op, node, **kwargs)

    @numba_basic.numba_njit
    def dot(x, y, out=None):
        if out is None:
            return np.asarray(dot_in_place_views(x, y))
        out[...] = dot_in_place_views(x, y)
        return out

    dot.handles_out = True
    return dot, CACHE_VERSION
