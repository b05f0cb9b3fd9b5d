"""The Numba implementation of :class:`~.op.MRGUniform` (PyTensor's default linker).

The same loop as the C code: element ``i`` steps stream ``i % n_streams``
and scales its draw as Theano did (``float32(k) * float32(4.6566126e-10)``
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
VERSION = 1

njit = numba_basic.numba_njit


@njit
def _next_integer(s):
    """Advance the state row ``s`` (int32) in place; its draw in ``1 .. m1``."""
    x11, x12, x13 = np.int64(s[0]), np.int64(s[1]), np.int64(s[2])
    x21, x22, x23 = np.int64(s[3]), np.int64(s[4]), np.int64(s[5])
    y1 = ((x12 & MASK12) << 22) + (x12 >> 9) + ((x13 & MASK13) << 7) + (x13 >> 24)
    if y1 >= M1:
        y1 -= M1
    y1 += x13
    if y1 >= M1:
        y1 -= M1
    z1 = ((x21 & MASK2) << 15) + MULT2 * (x21 >> 16)
    if z1 >= M2:
        z1 -= M2
    z2 = ((x23 & MASK2) << 15) + MULT2 * (x23 >> 16)
    if z2 >= M2:
        z2 -= M2
    z2 += x23
    if z2 >= M2:
        z2 -= M2
    z2 += z1
    if z2 >= M2:
        z2 -= M2
    s[0], s[1], s[2] = np.int32(y1), np.int32(x11), np.int32(x12)
    s[3], s[4], s[5] = np.int32(z2), np.int32(x21), np.int32(x22)
    return y1 - z2 + M1 if y1 <= z2 else y1 - z2


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
        for i in range(n_elements):
            k = _next_integer(states[i % n_streams])
            draws[i] = dtype.type(k) * norm
        return states, draws.reshape(shape)

    return mrg_uniform, default_hash_key_from_props(op, cache_version=VERSION)
