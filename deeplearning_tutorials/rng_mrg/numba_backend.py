"""The Numba implementations of :class:`~.op.MRGUniform` (PyTensor's default
linker) and of :class:`~.box_muller.BoxMuller`.

The same loop as the C code: element ``i`` steps stream ``i % n_streams``,
in rounds of one draw per stream over the streams' state words held as six
columns, and scales its draw as Theano did (``float32(k) * float32(4.6566126e-10)``
in float32, ``k * 2**-31`` in float64). Registered with a cache key, so a
compiled graph that draws MRG noise is cached like any other.
"""

import numpy as np
from numba.np.unsafe.ndarray import to_fixed_tuple
from pytensor.link.numba.dispatch import basic as numba_basic
from pytensor.link.numba.dispatch.basic import (
    default_hash_key_from_props,
    register_funcify_and_cache_key,
)

from deeplearning_tutorials.rng_mrg import box_muller
from deeplearning_tutorials.rng_mrg.generator import (
    M1,
    M2,
    MASK2,
    MASK12,
    MASK13,
    MULT2,
    NORM,
)
from deeplearning_tutorials.rng_mrg.op import MRGUniform

#: bump when the kernel changes, so that cached compiled graphs are rebuilt
VERSION = 3

njit = numba_basic.numba_njit


@njit
def _draw_round(out, n, x1, x2, x3, w1, w2, w3, norm):
    """One draw from each of the first ``n`` streams, whose state words are
    the columns ``x1 .. w3`` (int64), into ``out[:n]``: a loop over contiguous
    arrays that LLVM steps many streams at a time in SIMD registers."""
    for j in range(n):
        x11, x12, x13 = x1[j], x2[j], x3[j]
        x21, x22, x23 = w1[j], w2[j], w3[j]
        y1 = ((x12 & MASK12) << 22) + (x12 >> 9) + ((x13 & MASK13) << 7) + (x13 >> 24)
        y1 = y1 - M1 if y1 >= M1 else y1
        y1 += x13
        y1 = y1 - M1 if y1 >= M1 else y1
        z1 = ((x21 & MASK2) << 15) + MULT2 * (x21 >> 16)
        z1 = z1 - M2 if z1 >= M2 else z1
        z2 = ((x23 & MASK2) << 15) + MULT2 * (x23 >> 16)
        z2 = z2 - M2 if z2 >= M2 else z2
        z2 += x23
        z2 = z2 - M2 if z2 >= M2 else z2
        z2 += z1
        z2 = z2 - M2 if z2 >= M2 else z2
        x1[j], x2[j], x3[j] = y1, x11, x12
        w1[j], w2[j], w3[j] = z2, x21, x22
        k = y1 - z2 + M1 if y1 <= z2 else y1 - z2
        out[j] = out.dtype.type(k) * norm


@register_funcify_and_cache_key(MRGUniform)
def numba_funcify_MRGUniform(op, node, **kwargs):
    ndim, inplace = op.ndim, op.inplace
    dtype = np.dtype(op.dtype)
    norm = NORM[op.dtype]

    @njit
    def mrg_uniform(rstate, size):
        shape = to_fixed_tuple(size, ndim)
        n_elements = 1
        for extent in shape:
            n_elements *= extent
        if n_elements > M1:
            raise ValueError("rng_mrg does not support more than 2**31 - 1 samples")
        states = rstate if inplace else rstate.copy()
        n_streams = states.shape[0]
        draws = np.empty(n_elements, dtype=dtype)
        # element i comes from stream i % n_streams: rounds of one draw per
        # stream, over the state words of the streams in use as six columns
        # (six arrays of their own: LLVM vectorises a loop over arrays it can
        # tell apart, not over rows of one array)
        used = min(n_elements, n_streams)
        x1 = states[:used, 0].astype(np.int64)
        x2 = states[:used, 1].astype(np.int64)
        x3 = states[:used, 2].astype(np.int64)
        w1 = states[:used, 3].astype(np.int64)
        w2 = states[:used, 4].astype(np.int64)
        w3 = states[:used, 5].astype(np.int64)
        for start in range(0, n_elements, max(used, 1)):
            n = min(used, n_elements - start)
            _draw_round(draws[start:], n, x1, x2, x3, w1, w2, w3, norm)
        states[:used, 0], states[:used, 1], states[:used, 2] = x1, x2, x3
        states[:used, 3], states[:used, 4], states[:used, 5] = w1, w2, w3
        return states, draws.reshape(shape)

    return mrg_uniform, default_hash_key_from_props(op, cache_version=VERSION)


@register_funcify_and_cache_key(box_muller.BoxMuller)
def numba_funcify_BoxMuller(op, node, **kwargs):
    kernel = box_muller.kernel()

    @numba_basic.numba_njit
    def box_muller_op(u):
        if u.shape[0] % 2:
            raise ValueError("BoxMuller needs an even number of uniform draws")
        return kernel(np.ascontiguousarray(u))

    return box_muller_op, default_hash_key_from_props(op, cache_version=box_muller.VERSION)
