"""Numba implementations of the convolution and pooling Ops.

PyTensor's default linker compiles a whole graph with Numba. An Op without a
Numba implementation would run its ``perform`` in Numba's object mode, which
also stops PyTensor from caching the compiled graph; so every Op of
:mod:`deeplearning_tutorials.nnet` registers one here, with a cache key (the
Op's properties and :data:`VERSION`), following
``pytensor.link.numba.dispatch``.

Convolution is im2col plus one BLAS ``gemm`` (``np.dot`` in Numba calls the
BLAS that SciPy ships) per *chunk* of images: the patches of a few dozen
images, about 4 MB, are copied into a ``(channels * rows * cols, images *
positions)`` matrix that stays in the cache, multiplied by the filter matrix,
and the product is written to the output. The chunk size balances the size of
the products (BLAS is fastest on large ones) against memory traffic (the
im2col matrix of a whole LeNet minibatch is 64 MB). Pooling is a direct loop.
"""

import numpy as np
from pytensor.link.numba.dispatch import basic as numba_basic
from pytensor.link.numba.dispatch.basic import (
    default_hash_key_from_props,
    register_funcify_and_cache_key,
)

from deeplearning_tutorials.nnet.conv import Conv2d, Conv2dGradInputs, Conv2dGradWeights
from deeplearning_tutorials.nnet.pool import (
    AveragePoolGrad,
    MaxPoolGrad,
    MaxPoolGradGrad,
    Pool,
)

#: bump when a kernel below changes, so that cached compiled graphs are rebuilt
VERSION = 2

#: elements of the im2col buffer of one chunk (2**20 floats: 4 MB in float32)
CHUNK_ELEMENTS = 1 << 20

njit = numba_basic.numba_njit


# --------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------

MODE_PADS, MODE_FULL, MODE_HALF = 0, 1, 2


def _mode_code(border_mode):
    if border_mode == "full":
        return MODE_FULL, 0, 0
    if border_mode == "half":
        return MODE_HALF, 0, 0
    if border_mode == "valid":
        return MODE_PADS, 0, 0
    return MODE_PADS, border_mode[0], border_mode[1]


@njit
def _pads(mode, pr, pc, fr, fc):
    if mode == MODE_FULL:
        return fr - 1, fc - 1
    if mode == MODE_HALF:
        return fr // 2, fc // 2
    return pr, pc


@njit
def _chunk(batch, k, n):
    per_image = max(1, k * n)
    return max(1, min(batch, CHUNK_ELEMENTS // per_image))


@njit(boundscheck=False)
def _filter_matrix(w, flip):
    """``(n_filters, channels * rows * cols)``, the filters flipped if ``flip``."""
    nf, nc, fr, fc = w.shape
    m = np.empty((nf, nc * fr * fc), w.dtype)
    for f in range(nf):
        for c in range(nc):
            for u in range(fr):
                for v in range(fc):
                    uu = fr - 1 - u if flip else u
                    vv = fc - 1 - v if flip else v
                    m[f, (c * fr + u) * fc + v] = w[f, c, uu, vv]
    return m


@njit(boundscheck=False)
def _im2col(x, b0, nb, fr, fc, sr, sc, pr, pc, oh, ow, cols):
    """Patches of images ``b0 .. b0 + nb`` into ``cols[(c, u, v), (b, i, j)]``."""
    nc, rows, ncols = x.shape[1], x.shape[2], x.shape[3]
    n = oh * ow
    if pr == 0 and pc == 0 and sr == 1 and sc == 1:
        # the common case: contiguous copies, no bounds to check
        for c in range(nc):
            for u in range(fr):
                for v in range(fc):
                    row = (c * fr + u) * fc + v
                    for bb in range(nb):
                        for i in range(oh):
                            at = bb * n + i * ow
                            for j in range(ow):
                                cols[row, at + j] = x[b0 + bb, c, i + u, j + v]
        return
    for c in range(nc):
        for u in range(fr):
            for v in range(fc):
                row = (c * fr + u) * fc + v
                for bb in range(nb):
                    base = bb * n
                    for i in range(oh):
                        r = i * sr + u - pr
                        at = base + i * ow
                        if r < 0 or r >= rows:
                            for j in range(ow):
                                cols[row, at + j] = 0
                            continue
                        for j in range(ow):
                            q = j * sc + v - pc
                            if q < 0 or q >= ncols:
                                cols[row, at + j] = 0
                            else:
                                cols[row, at + j] = x[b0 + bb, c, r, q]


@njit(boundscheck=False)
def _top_chunk(top, b0, nb, out):
    """``out[f, (b, i, j)] = top[b0 + b, f, i, j]``."""
    nf, oh, ow = top.shape[1], top.shape[2], top.shape[3]
    n = oh * ow
    for bb in range(nb):
        for f in range(nf):
            for i in range(oh):
                for j in range(ow):
                    out[f, bb * n + i * ow + j] = top[b0 + bb, f, i, j]


@njit(boundscheck=False)
def conv_forward(x, w, mode, pr, pc, sr, sc, flip):
    batch, nc, rows, ncols = x.shape
    nf, wc, fr, fc = w.shape
    if nc != wc:
        raise ValueError("conv2d: the input's channels do not match the filters'")
    pr, pc = _pads(mode, pr, pc, fr, fc)
    oh = (rows + 2 * pr - fr) // sr + 1
    ow = (ncols + 2 * pc - fc) // sc + 1
    if oh <= 0 or ow <= 0:
        raise ValueError("conv2d: the filters do not fit the input")
    n, k = oh * ow, nc * fr * fc
    kernel = _filter_matrix(w, flip)
    out = np.empty((batch, nf, oh, ow), x.dtype)
    flat = out.reshape((batch, nf, n))
    chunk = _chunk(batch, k, n)
    cols = np.empty((k, chunk * n), x.dtype)
    prod = np.empty((nf, chunk * n), x.dtype)
    for b0 in range(0, batch, chunk):
        nb = min(chunk, batch - b0)
        if nb != chunk:
            cols = np.empty((k, nb * n), x.dtype)
            prod = np.empty((nf, nb * n), x.dtype)
        _im2col(x, b0, nb, fr, fc, sr, sc, pr, pc, oh, ow, cols)
        np.dot(kernel, cols, prod)
        for bb in range(nb):
            for f in range(nf):
                for p in range(n):
                    flat[b0 + bb, f, p] = prod[f, bb * n + p]
    return out


@njit(boundscheck=False)
def conv_grad_weights(x, top, shape, mode, pr, pc, sr, sc, flip):
    batch, nc, rows, ncols = x.shape
    tb, nf, oh, ow = top.shape
    fr, fc = shape[0], shape[1]
    pr, pc = _pads(mode, pr, pc, fr, fc)
    if (
        tb != batch
        or oh != (rows + 2 * pr - fr) // sr + 1
        or ow != (ncols + 2 * pc - fc) // sc + 1
    ):
        raise ValueError("conv2d gradient: the output gradient does not fit the input")
    n, k = oh * ow, nc * fr * fc
    acc = np.zeros((nf, k), x.dtype)
    part = np.empty((nf, k), x.dtype)
    chunk = _chunk(batch, k, n)
    cols = np.empty((k, chunk * n), x.dtype)
    tops = np.empty((nf, chunk * n), x.dtype)
    for b0 in range(0, batch, chunk):
        nb = min(chunk, batch - b0)
        if nb != chunk:
            cols = np.empty((k, nb * n), x.dtype)
            tops = np.empty((nf, nb * n), x.dtype)
        _im2col(x, b0, nb, fr, fc, sr, sc, pr, pc, oh, ow, cols)
        _top_chunk(top, b0, nb, tops)
        if b0 == 0:
            np.dot(tops, cols.T, acc)
        else:
            np.dot(tops, cols.T, part)
            acc += part
    out = np.empty((nf, nc, fr, fc), x.dtype)
    for f in range(nf):
        for c in range(nc):
            for u in range(fr):
                for v in range(fc):
                    uu = fr - 1 - u if flip else u
                    vv = fc - 1 - v if flip else v
                    out[f, c, uu, vv] = acc[f, (c * fr + u) * fc + v]
    return out


@njit(boundscheck=False)
def conv_grad_inputs(w, top, shape, mode, pr, pc, sr, sc, flip):
    nf, nc, fr, fc = w.shape
    batch, tf, oh, ow = top.shape
    rows, ncols = shape[0], shape[1]
    pr, pc = _pads(mode, pr, pc, fr, fc)
    if (
        tf != nf
        or oh != (rows + 2 * pr - fr) // sr + 1
        or ow != (ncols + 2 * pc - fc) // sc + 1
    ):
        raise ValueError("conv2d gradient: the output gradient does not fit the filters")
    n, k = oh * ow, nc * fr * fc
    kernel_t = _filter_matrix(w, flip).T.copy()  # (k, nf)
    out = np.zeros((batch, nc, rows, ncols), w.dtype)
    chunk = _chunk(batch, k, n)
    tops = np.empty((nf, chunk * n), w.dtype)
    cols = np.empty((k, chunk * n), w.dtype)
    for b0 in range(0, batch, chunk):
        nb = min(chunk, batch - b0)
        if nb != chunk:
            tops = np.empty((nf, nb * n), w.dtype)
            cols = np.empty((k, nb * n), w.dtype)
        _top_chunk(top, b0, nb, tops)
        np.dot(kernel_t, tops, cols)
        # col2im: add each patch back where it came from
        for c in range(nc):
            for u in range(fr):
                for v in range(fc):
                    row = (c * fr + u) * fc + v
                    for bb in range(nb):
                        base = bb * n
                        for i in range(oh):
                            r = i * sr + u - pr
                            if r < 0 or r >= rows:
                                continue
                            at = base + i * ow
                            for j in range(ow):
                                q = j * sc + v - pc
                                if q >= 0 and q < ncols:
                                    out[b0 + bb, c, r, q] += cols[row, at + j]
    return out


def _conv_key(op):
    return default_hash_key_from_props(op, cache_version=VERSION)


@register_funcify_and_cache_key(Conv2d)
def numba_funcify_Conv2d(op, node, **kwargs):
    mode, pr, pc = _mode_code(op.border_mode)
    sr, sc = op.subsample
    flip = op.filter_flip

    @njit
    def conv2d(img, kern):
        return conv_forward(img, kern, mode, pr, pc, sr, sc, flip)

    return conv2d, _conv_key(op)


@register_funcify_and_cache_key(Conv2dGradWeights)
def numba_funcify_Conv2dGradWeights(op, node, **kwargs):
    mode, pr, pc = _mode_code(op.border_mode)
    sr, sc = op.subsample
    flip = op.filter_flip

    @njit
    def conv2d_grad_weights(img, top, shape):
        return conv_grad_weights(img, top, shape, mode, pr, pc, sr, sc, flip)

    return conv2d_grad_weights, _conv_key(op)


@register_funcify_and_cache_key(Conv2dGradInputs)
def numba_funcify_Conv2dGradInputs(op, node, **kwargs):
    mode, pr, pc = _mode_code(op.border_mode)
    sr, sc = op.subsample
    flip = op.filter_flip

    @njit
    def conv2d_grad_inputs(kern, top, shape):
        return conv_grad_inputs(kern, top, shape, mode, pr, pc, sr, sc, flip)

    return conv2d_grad_inputs, _conv_key(op)


# --------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------

POOL_MAX, POOL_SUM, POOL_INC, POOL_EXC = 0, 1, 2, 3
_POOL_CODES = {
    "max": POOL_MAX,
    "sum": POOL_SUM,
    "average_inc_pad": POOL_INC,
    "average_exc_pad": POOL_EXC,
}


@njit
def _pool_len(size, ws, st, pad, ignore_border):
    if ignore_border:
        return max(0, (size + 2 * pad - ws) // st + 1)
    if st >= ws:
        return (size - 1) // st + 1
    return max(0, (size - 1 - ws + st) // st) + 1


@njit
def _pool_shape(x, ws0, ws1, st0, st1, pd0, pd1, ignore_border):
    rows, cols = x.shape[2], x.shape[3]
    if ignore_border and (rows + 2 * pd0 < ws0 or cols + 2 * pd1 < ws1):
        raise ValueError("pool_2d: the window is larger than the input (ignore_border=True)")
    return (
        _pool_len(rows, ws0, st0, pd0, ignore_border),
        _pool_len(cols, ws1, st1, pd1, ignore_border),
    )


@njit
def _window(r, ws, st, pad, size):
    """Start, end (real elements) and padded-space length of window ``r``."""
    start = r * st
    end = min(start + ws, size + 2 * pad)
    inc = end - start
    lo = max(start - pad, 0)
    hi = min(end - pad, size)
    return lo, hi, inc


@njit(boundscheck=False)
def pool_forward(x, ws0, ws1, st0, st1, pd0, pd1, ignore_border, mode):
    batch, nc, rows, cols = x.shape
    oh, ow = _pool_shape(x, ws0, ws1, st0, st1, pd0, pd1, ignore_border)
    out = np.empty((batch, nc, oh, ow), x.dtype)
    for b in range(batch):
        for c in range(nc):
            for r in range(oh):
                r0, r1, rn = _window(r, ws0, st0, pd0, rows)
                for q in range(ow):
                    c0, c1, cn = _window(q, ws1, st1, pd1, cols)
                    if mode == POOL_MAX:
                        best = x[b, c, r0, c0]
                        for i in range(r0, r1):
                            for j in range(c0, c1):
                                if x[b, c, i, j] > best:
                                    best = x[b, c, i, j]
                        out[b, c, r, q] = best
                    else:
                        total = 0.0
                        for i in range(r0, r1):
                            for j in range(c0, c1):
                                total += x[b, c, i, j]
                        if mode == POOL_INC:
                            total /= rn * cn
                        elif mode == POOL_EXC:
                            total /= (r1 - r0) * (c1 - c0)
                        out[b, c, r, q] = total
    return out


@njit(boundscheck=False)
def max_pool_grad(x, maxout, gout, ws0, ws1, st0, st1, pd0, pd1, ignore_border):
    batch, nc, rows, cols = x.shape
    oh, ow = _pool_shape(x, ws0, ws1, st0, st1, pd0, pd1, ignore_border)
    if maxout.shape != (batch, nc, oh, ow) or gout.shape != (batch, nc, oh, ow):
        raise ValueError("pool_2d gradient: the output or its gradient has the wrong shape")
    if st0 == ws0 and st1 == ws1 and pd0 == 0 and pd1 == 0 and ignore_border:
        # LeNet's case: windows tile the image; write every element once
        grad = np.empty(x.shape, gout.dtype)
        for b in range(batch):
            for c in range(nc):
                for i in range(oh * ws0, rows):
                    for j in range(cols):
                        grad[b, c, i, j] = 0
                for i in range(oh * ws0):
                    r = i // ws0
                    for j in range(ow * ws1):
                        q = j // ws1
                        if x[b, c, i, j] == maxout[b, c, r, q]:
                            grad[b, c, i, j] = gout[b, c, r, q]
                        else:
                            grad[b, c, i, j] = 0
                    for j in range(ow * ws1, cols):
                        grad[b, c, i, j] = 0
        return grad
    grad = np.zeros(x.shape, gout.dtype)
    if st0 >= ws0 and st1 >= ws1:
        # windows do not overlap: each element gets at most one gradient
        for b in range(batch):
            for c in range(nc):
                for r in range(oh):
                    r0, r1, rn = _window(r, ws0, st0, pd0, rows)
                    for q in range(ow):
                        c0, c1, cn = _window(q, ws1, st1, pd1, cols)
                        m = maxout[b, c, r, q]
                        g = gout[b, c, r, q]
                        for i in range(r0, r1):
                            for j in range(c0, c1):
                                if x[b, c, i, j] == m:
                                    grad[b, c, i, j] = g
        return grad
    for b in range(batch):
        for c in range(nc):
            for r in range(oh):
                r0, r1, rn = _window(r, ws0, st0, pd0, rows)
                for q in range(ow):
                    c0, c1, cn = _window(q, ws1, st1, pd1, cols)
                    m = maxout[b, c, r, q]
                    g = gout[b, c, r, q]
                    for i in range(r0, r1):
                        for j in range(c0, c1):
                            if x[b, c, i, j] == m:
                                grad[b, c, i, j] += g
    return grad


@njit(boundscheck=False)
def average_pool_grad(x, gout, ws0, ws1, st0, st1, pd0, pd1, ignore_border, mode):
    batch, nc, rows, cols = x.shape
    oh, ow = _pool_shape(x, ws0, ws1, st0, st1, pd0, pd1, ignore_border)
    if gout.shape != (batch, nc, oh, ow):
        raise ValueError("pool_2d gradient: the output gradient has the wrong shape")
    grad = np.zeros(x.shape, gout.dtype)
    for b in range(batch):
        for c in range(nc):
            for r in range(oh):
                r0, r1, rn = _window(r, ws0, st0, pd0, rows)
                for q in range(ow):
                    c0, c1, cn = _window(q, ws1, st1, pd1, cols)
                    g = gout[b, c, r, q]
                    if mode == POOL_INC:
                        g = g / (rn * cn)
                    elif mode == POOL_EXC:
                        g = g / ((r1 - r0) * (c1 - c0))
                    for i in range(r0, r1):
                        for j in range(c0, c1):
                            grad[b, c, i, j] += g
    return grad


@njit(boundscheck=False)
def max_pool_grad_grad(x, maxout, ggx, ws0, ws1, st0, st1, pd0, pd1, ignore_border):
    batch, nc, rows, cols = x.shape
    oh, ow = _pool_shape(x, ws0, ws1, st0, st1, pd0, pd1, ignore_border)
    if maxout.shape != (batch, nc, oh, ow) or ggx.shape != x.shape:
        raise ValueError("pool_2d gradient: an input has the wrong shape")
    out = np.zeros((batch, nc, oh, ow), ggx.dtype)
    for b in range(batch):
        for c in range(nc):
            for r in range(oh):
                r0, r1, rn = _window(r, ws0, st0, pd0, rows)
                for q in range(ow):
                    c0, c1, cn = _window(q, ws1, st1, pd1, cols)
                    m = maxout[b, c, r, q]
                    total = 0.0
                    for i in range(r0, r1):
                        for j in range(c0, c1):
                            if x[b, c, i, j] == m:
                                total += ggx[b, c, i, j]
                    out[b, c, r, q] = total
    return out


def _pool_params(op):
    return (*op.ws, *op.stride, *op.pad, op.ignore_border)


@register_funcify_and_cache_key(Pool)
def numba_funcify_Pool(op, node, **kwargs):
    ws0, ws1, st0, st1, pd0, pd1, ignore_border = _pool_params(op)
    mode = _POOL_CODES[op.mode]

    @njit
    def pool(x):
        return pool_forward(x, ws0, ws1, st0, st1, pd0, pd1, ignore_border, mode)

    return pool, _conv_key(op)


@register_funcify_and_cache_key(MaxPoolGrad)
def numba_funcify_MaxPoolGrad(op, node, **kwargs):
    ws0, ws1, st0, st1, pd0, pd1, ignore_border = _pool_params(op)

    @njit
    def pool_grad(x, maxout, gout):
        return max_pool_grad(x, maxout, gout, ws0, ws1, st0, st1, pd0, pd1, ignore_border)

    return pool_grad, _conv_key(op)


@register_funcify_and_cache_key(AveragePoolGrad)
def numba_funcify_AveragePoolGrad(op, node, **kwargs):
    ws0, ws1, st0, st1, pd0, pd1, ignore_border = _pool_params(op)
    mode = _POOL_CODES[op.mode]

    @njit
    def pool_grad(x, gout):
        return average_pool_grad(x, gout, ws0, ws1, st0, st1, pd0, pd1, ignore_border, mode)

    return pool_grad, _conv_key(op)


@register_funcify_and_cache_key(MaxPoolGradGrad)
def numba_funcify_MaxPoolGradGrad(op, node, **kwargs):
    ws0, ws1, st0, st1, pd0, pd1, ignore_border = _pool_params(op)

    @njit
    def pool_grad_grad(x, maxout, ggx):
        return max_pool_grad_grad(x, maxout, ggx, ws0, ws1, st0, st1, pd0, pd1, ignore_border)

    return pool_grad_grad, _conv_key(op)
