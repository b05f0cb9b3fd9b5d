"""Numba implementations of the convolution and pooling Ops.

PyTensor's default linker compiles a whole graph with Numba. An Op without a
Numba implementation would run its ``perform`` in Numba's object mode, which
also stops PyTensor from caching the compiled graph; so every Op of
:mod:`deeplearning_tutorials.nnet` registers one here, with a cache key (the
Op's properties and :data:`VERSION`), following
``pytensor.link.numba.dispatch``.

**Convolution** is im2col plus one BLAS ``gemm`` (``np.dot`` in Numba calls
the BLAS that SciPy ships) per *chunk* of images. The patches of a chunk of
images, about 4 MB so that they stay in the cache, are copied into a matrix
``cols[(c, u, v), (b, i, j)]`` with one column per output position (each
copy a contiguous run of an image row); the output gradient of the chunk is
laid out the same way, ``tops[f, (b, i, j)]``, and the filters as
``kernel_t[(c, u, v), f]``. Then

* the forward pass is ``kernel_t.T @ cols``, copied into the output maps;
* the filters' gradient is ``cols @ tops.T``, summed over the chunks;
* the input's gradient is ``kernel_t @ tops``, whose columns are patch
  gradients, added back where each patch came from (col2im).

The orientation of each product is the one OpenBLAS ran fastest at LeNet's
sizes (``cols @ tops.T`` took 18 ms a minibatch where ``tops @ cols.T``, the
same numbers, took 27 ms). The buffers are allocated once per call: fresh
arrays for every chunk cost page faults.

**Pooling** is a direct loop over the windows, whose bounds are computed once
per call rather than once per image; the gradient of max pooling chooses
with a select rather than a branch (which element is a window's maximum is
unpredictable, and mispredicted branches tripled its time). When the windows
tile the image (no padding, stride = window size, LeNet's case), max pooling
and its gradient take loops of their own that run along whole rows and
vectorise, about 3 times faster at LeNet's shapes.

**tanh** (:mod:`.activation`) calls NumPy's vectorised ``np.tanh`` from
object mode.

The kernels are single-threaded; only the BLAS products use several cores.
Numba's ``parallel=True`` loops over the images were tried for the copies
and the pooling: next to OpenBLAS's threads, which keep spinning for a while
after each product, a LeNet training step became 8 times slower (and one
run crashed), so they were taken out.
"""

import numba
import numpy as np
from pytensor.link.numba.dispatch import basic as numba_basic
from pytensor.link.numba.dispatch.basic import (
    default_hash_key_from_props,
    register_funcify_and_cache_key,
)

from deeplearning_tutorials.nnet.activation import Tanh
from deeplearning_tutorials.nnet.conv import Conv2d, Conv2dGradInputs, Conv2dGradWeights
from deeplearning_tutorials.nnet.pool import (
    AveragePoolGrad,
    MaxPoolGrad,
    MaxPoolGradGrad,
    Pool,
)

#: bump when a kernel below changes, so that cached compiled graphs are rebuilt
VERSION = 8

#: elements of the patch matrix of one chunk (2**20 floats: 4 MB in float32, so
#: that it stays in the L2/L3 caches; with two BLAS threads this measured 10-15 %
#: faster than 1 MB chunks, whose small products parallelise less well, and the
#: same with one thread)
CHUNK_ELEMENTS = 1 << 20

njit = numba_basic.numba_njit


def _register(op_class, kernel, parameters):
    """Register ``kernel(*inputs, parameters(op))`` as ``op_class``'s Numba code.

    ``parameters(op)`` is a tuple of ints, the Op's properties in the form the
    kernel takes; it is frozen into the compiled function as a constant.
    """

    @register_funcify_and_cache_key(op_class)
    def numba_funcify(op, node, **kwargs):
        params = parameters(op)

        @njit
        def apply_kernel(*inputs):
            return kernel(*inputs, params)

        return apply_kernel, default_hash_key_from_props(op, cache_version=VERSION)

    return numba_funcify


# --------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------

MODE_PADS, MODE_FULL, MODE_HALF = 0, 1, 2


def _conv_parameters(op):
    """``(border mode code, pad rows, pad cols, stride rows, stride cols, flip)``."""
    if op.border_mode == "full":
        mode, pr, pc = MODE_FULL, 0, 0
    elif op.border_mode == "half":
        mode, pr, pc = MODE_HALF, 0, 0
    elif op.border_mode == "valid":
        mode, pr, pc = MODE_PADS, 0, 0
    else:
        mode, (pr, pc) = MODE_PADS, op.border_mode
    return (mode, pr, pc, *op.subsample, int(op.filter_flip))


@njit
def _geometry(params, rows, cols, fr, fc):
    """Padding, strides and output size of a convolution of ``rows x cols`` images."""
    mode, pr, pc, sr, sc, flip = params
    if mode == MODE_FULL:
        pr, pc = fr - 1, fc - 1
    elif mode == MODE_HALF:
        pr, pc = fr // 2, fc // 2
    oh = (rows + 2 * pr - fr) // sr + 1
    ow = (cols + 2 * pc - fc) // sc + 1
    return pr, pc, sr, sc, oh, ow, flip


@njit
def _gradient_geometry(params, rows, cols, fr, fc, oh, ow):
    """:func:`_geometry`, checking the output gradient's size ``oh x ow``."""
    geometry = _geometry(params, rows, cols, fr, fc)
    if (oh, ow) != (geometry[4], geometry[5]):
        raise ValueError("conv2d gradient: the output gradient's size does not fit")
    return geometry


@njit
def _chunks(like, batch, k, nf, n):
    """Images per chunk, and buffers for a chunk's ``k`` patch rows and ``nf`` map rows.

    A chunk's patch matrix ``(k, chunk * n)`` holds about CHUNK_ELEMENTS.
    The buffers have the dtype of the array ``like``.
    """
    chunk = max(1, min(batch, CHUNK_ELEMENTS // max(1, k * n)))
    return (
        chunk,
        np.empty(k * chunk * n, like.dtype),
        np.empty(nf * chunk * n, like.dtype),
    )


@njit
def _matrix(buffer, rows, cols):
    """The first ``rows * cols`` elements of ``buffer`` as a C-contiguous matrix.

    The chunk loops allocate their buffers once, for the largest chunk, and
    take the matrices of every chunk from them: fresh arrays for each chunk
    would cost page faults, and the last chunk may be smaller.
    """
    return buffer[: rows * cols].reshape((rows, cols))


@njit(boundscheck=False)
def _filter_columns(w, columns, flip, to_columns):
    """Copy between the filters ``w`` and ``columns[(c, u, v), f]``, one column a filter.

    Into ``columns`` if ``to_columns``, else back into ``w``; the filters
    flipped if ``flip`` (a convolution), as they are applied. (Plain loops
    rather than NumPy's flips and reshapes: Numba compiles them faster.)
    """
    nf, nc, fr, fc = w.shape
    for f in range(nf):
        for c in range(nc):
            for u in range(fr):
                for v in range(fc):
                    uu = fr - 1 - u if flip else u
                    vv = fc - 1 - v if flip else v
                    if to_columns:
                        columns[(c * fr + u) * fc + v, f] = w[f, c, uu, vv]
                    else:
                        w[f, c, uu, vv] = columns[(c * fr + u) * fc + v, f]


@njit(boundscheck=False)
def _im2col(x, b0, nb, fr, fc, pr, pc, sr, sc, oh, ow, cols):
    """``cols[(c, u, v), (b, i, j)] = padded x[b0 + b, c, i*sr + u, j*sc + v]``."""
    nc, rows, ncols = x.shape[1], x.shape[2], x.shape[3]
    n = oh * ow
    if pr == 0 and pc == 0 and sr == 1 and sc == 1:
        # the common case, a loop of its own so that it compiles to plain
        # contiguous copies: no padding to test for, unit strides
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
                    for i in range(oh):
                        at = bb * n + i * ow
                        r = i * sr + u - pr
                        if r < 0 or r >= rows:
                            for j in range(ow):
                                cols[row, at + j] = 0
                            continue
                        for j in range(ow):
                            q = j * sc + v - pc
                            in_q = 0 <= q < ncols
                            cols[row, at + j] = x[b0 + bb, c, r, q] if in_q else 0


@njit(boundscheck=False)
def _col2im(cols, b0, nb, fr, fc, pr, pc, sr, sc, oh, ow, out):
    """The transpose of :func:`_im2col`: add each patch gradient back into ``out``."""
    nc, rows, ncols = out.shape[1], out.shape[2], out.shape[3]
    n = oh * ow
    if pr == 0 and pc == 0 and sr == 1 and sc == 1:  # as in _im2col
        for c in range(nc):
            for u in range(fr):
                for v in range(fc):
                    row = (c * fr + u) * fc + v
                    for bb in range(nb):
                        for i in range(oh):
                            at = bb * n + i * ow
                            for j in range(ow):
                                out[b0 + bb, c, i + u, j + v] += cols[row, at + j]
        return
    for c in range(nc):
        for u in range(fr):
            for v in range(fc):
                row = (c * fr + u) * fc + v
                for bb in range(nb):
                    for i in range(oh):
                        r = i * sr + u - pr
                        if r < 0 or r >= rows:
                            continue
                        at = bb * n + i * ow
                        for j in range(ow):
                            q = j * sc + v - pc
                            if 0 <= q < ncols:
                                out[b0 + bb, c, r, q] += cols[row, at + j]


@njit(boundscheck=False)
def _maps_to_cols(maps, b0, nb, cols):
    """``cols[f, (b, i, j)] = maps[b0 + b, f, i, j]``: the chunk's maps side by side."""
    nf, oh, ow = maps.shape[1], maps.shape[2], maps.shape[3]
    for bb in range(nb):
        for f in range(nf):
            for i in range(oh):
                at = (bb * oh + i) * ow
                for j in range(ow):
                    cols[f, at + j] = maps[b0 + bb, f, i, j]


@njit(boundscheck=False)
def _cols_to_maps(cols, b0, nb, maps):
    """The inverse of :func:`_maps_to_cols`."""
    nf, oh, ow = maps.shape[1], maps.shape[2], maps.shape[3]
    for bb in range(nb):
        for f in range(nf):
            for i in range(oh):
                at = (bb * oh + i) * ow
                for j in range(ow):
                    maps[b0 + bb, f, i, j] = cols[f, at + j]


@njit(boundscheck=False)
def conv_forward(x, w, params):
    batch, nc, rows, ncols = x.shape
    nf, wc, fr, fc = w.shape
    if nc != wc:
        raise ValueError("conv2d: the input's channels do not match the filters'")
    pr, pc, sr, sc, oh, ow, flip = _geometry(params, rows, ncols, fr, fc)
    if oh <= 0 or ow <= 0:
        raise ValueError("conv2d: the filters do not fit the input")
    n, k = oh * ow, nc * fr * fc
    kernel_t = np.empty((k, nf), x.dtype)
    _filter_columns(w, kernel_t, flip, True)
    out = np.empty((batch, nf, oh, ow), x.dtype)
    chunk, cols_buffer, prod_buffer = _chunks(x, batch, k, nf, n)
    for b0 in range(0, batch, chunk):
        nb = min(chunk, batch - b0)
        cols, prod = _matrix(cols_buffer, k, nb * n), _matrix(prod_buffer, nf, nb * n)
        _im2col(x, b0, nb, fr, fc, pr, pc, sr, sc, oh, ow, cols)
        np.dot(kernel_t.T, cols, prod)
        _cols_to_maps(prod, b0, nb, out)
    return out


@njit(boundscheck=False)
def conv_grad_weights(x, top, shape, params):
    batch, nc, rows, ncols = x.shape
    tb, nf, oh, ow = top.shape
    fr, fc = shape[0], shape[1]
    if tb != batch:
        raise ValueError("conv2d gradient: the output gradient's batch does not fit")
    pr, pc, sr, sc, _, _, flip = _gradient_geometry(params, rows, ncols, fr, fc, oh, ow)
    n, k = oh * ow, nc * fr * fc
    # the transposed gradient (k, nf): cols @ tops.T is the product BLAS runs fastest
    acc, part = np.zeros((k, nf), x.dtype), np.empty((k, nf), x.dtype)
    chunk, cols_buffer, tops_buffer = _chunks(x, batch, k, nf, n)
    for b0 in range(0, batch, chunk):
        nb = min(chunk, batch - b0)
        cols, tops = _matrix(cols_buffer, k, nb * n), _matrix(tops_buffer, nf, nb * n)
        _im2col(x, b0, nb, fr, fc, pr, pc, sr, sc, oh, ow, cols)
        _maps_to_cols(top, b0, nb, tops)
        np.dot(cols, tops.T, part)
        acc += part
    grad = np.empty((nf, nc, fr, fc), x.dtype)
    _filter_columns(grad, acc, flip, False)
    return grad


@njit(boundscheck=False)
def conv_grad_inputs(w, top, shape, params):
    nf, nc, fr, fc = w.shape
    batch, tf, oh, ow = top.shape
    rows, ncols = shape[0], shape[1]
    if tf != nf:
        raise ValueError(
            "conv2d gradient: the output gradient's maps do not fit the filters"
        )
    pr, pc, sr, sc, _, _, flip = _gradient_geometry(params, rows, ncols, fr, fc, oh, ow)
    n, k = oh * ow, nc * fr * fc
    kernel_t = np.empty((k, nf), w.dtype)
    _filter_columns(w, kernel_t, flip, True)
    out = np.zeros((batch, nc, rows, ncols), w.dtype)
    chunk, cols_buffer, tops_buffer = _chunks(w, batch, k, nf, n)
    for b0 in range(0, batch, chunk):
        nb = min(chunk, batch - b0)
        tops, cols = _matrix(tops_buffer, nf, nb * n), _matrix(cols_buffer, k, nb * n)
        _maps_to_cols(top, b0, nb, tops)
        np.dot(kernel_t, tops, cols)
        _col2im(cols, b0, nb, fr, fc, pr, pc, sr, sc, oh, ow, out)
    return out


_register(Conv2d, conv_forward, _conv_parameters)
_register(Conv2dGradWeights, conv_grad_weights, _conv_parameters)
_register(Conv2dGradInputs, conv_grad_inputs, _conv_parameters)


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


def _pool_parameters(op):
    """``(ws rows, ws cols, stride rows, stride cols, pad rows, pad cols, ignore_border, mode)``."""
    return (*op.ws, *op.stride, *op.pad, int(op.ignore_border), _POOL_CODES[op.mode])


@njit
def _pool_len(size, ws, st, pad, ignore_border):
    if ignore_border:
        return max(0, (size + 2 * pad - ws) // st + 1)
    if st >= ws:
        return (size - 1) // st + 1
    return max(0, (size - 1 - ws + st) // st) + 1


@njit
def _axis_windows(size, ws, st, pad, ignore_border):
    """Per window along one axis: first and last + 1 real element, padded length."""
    n = _pool_len(size, ws, st, pad, ignore_border)
    bounds = np.empty((n, 3), np.int64)
    for r in range(n):
        start = r * st
        end = min(start + ws, size + 2 * pad)
        bounds[r, 0] = max(start - pad, 0)
        bounds[r, 1] = min(end - pad, size)
        bounds[r, 2] = end - start
    return bounds


@njit
def _pool_windows(x, params):
    """The window bounds of both axes; checks that whole windows fit."""
    ws0, ws1, st0, st1, pd0, pd1, ignore_border, _ = params
    rows, cols = x.shape[2], x.shape[3]
    if ignore_border and (rows + 2 * pd0 < ws0 or cols + 2 * pd1 < ws1):
        raise ValueError(
            "pool_2d: the window is larger than the input (ignore_border=True)"
        )
    return (
        _axis_windows(rows, ws0, st0, pd0, ignore_border),
        _axis_windows(cols, ws1, st1, pd1, ignore_border),
    )


@njit
def _divisor(mode, rw, cw, r, q):
    """What the sum over window ``(r, q)`` is divided by in ``mode``."""
    if mode == POOL_INC:
        return rw[r, 2] * cw[q, 2]
    if mode == POOL_EXC:
        return (rw[r, 1] - rw[r, 0]) * (cw[q, 1] - cw[q, 0])
    return 1


@njit
def _tiles(x, params, oh, ow):
    """Whether the windows tile the image: no padding, stride = window, all whole.

    Then every element lies in at most one window and the loops below need
    no window bounds; LeNet's 2x2 max pooling is such a case.
    """
    ws0, ws1, st0, st1, pd0, pd1, _, _ = params
    return (
        pd0 == 0
        and pd1 == 0
        and st0 == ws0
        and st1 == ws1
        and oh * ws0 <= x.shape[2]
        and ow * ws1 <= x.shape[3]
    )


@njit(boundscheck=False)
def _max_pool_tiled(x, ws0, ws1, out):
    """Max pooling over tiling windows, a whole output row at a time.

    The inner loop runs along an output row (``q``), reading every ``ws1``-th
    element of an input row, so that it vectorises. (Plain 4-d indexing:
    taking a view of every row costs more than the loop itself.)
    """
    oh, ow = out.shape[2], out.shape[3]
    for b in range(x.shape[0]):
        for c in range(x.shape[1]):
            for r in range(oh):
                for q in range(ow):
                    out[b, c, r, q] = x[b, c, r * ws0, q * ws1]
                for i in range(r * ws0, (r + 1) * ws0):
                    for v in range(ws1):
                        for q in range(ow):
                            out[b, c, r, q] = max(out[b, c, r, q], x[b, c, i, q * ws1 + v])


@njit(boundscheck=False)
def _max_pool_grad_tiled(x, maxout, gout, ws0, ws1, grad):
    """The gradient of :func:`_max_pool_tiled`, written once per element.

    Each element of a window that equals the window's maximum gets the
    window's output gradient, the others zero: no accumulation, as the
    windows do not overlap. Elements outside every window are left alone
    (the caller zeroes them).
    """
    oh, ow = maxout.shape[2], maxout.shape[3]
    for b in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(oh * ws0):
                r = i // ws0
                for q in range(ow):
                    m, g = maxout[b, c, r, q], gout[b, c, r, q]
                    for v in range(ws1):
                        j = q * ws1 + v
                        grad[b, c, i, j] = g if x[b, c, i, j] == m else 0


@njit(boundscheck=False)
def pool_forward(x, params):
    mode = params[7]
    rw, cw = _pool_windows(x, params)
    batch, nc = x.shape[0], x.shape[1]
    out = np.empty((batch, nc, len(rw), len(cw)), x.dtype)
    if mode == POOL_MAX and _tiles(x, params, len(rw), len(cw)):
        _max_pool_tiled(x, params[0], params[1], out)
        return out
    for b in range(batch):
        for c in range(nc):
            image, pooled = x[b, c], out[b, c]
            for r in range(len(rw)):
                r0, r1 = rw[r, 0], rw[r, 1]
                for q in range(len(cw)):
                    c0, c1 = cw[q, 0], cw[q, 1]
                    if mode == POOL_MAX:
                        best = image[r0, c0]
                        for i in range(r0, r1):
                            for j in range(c0, c1):
                                best = max(best, image[i, j])
                        pooled[r, q] = best
                    else:
                        total = 0.0
                        for i in range(r0, r1):
                            for j in range(c0, c1):
                                total += image[i, j]
                        pooled[r, q] = total / _divisor(mode, rw, cw, r, q)
    return out


@njit(boundscheck=False)
def max_pool_grad(x, maxout, gout, params):
    rw, cw = _pool_windows(x, params)
    batch, nc = x.shape[0], x.shape[1]
    if maxout.shape != (batch, nc, len(rw), len(cw)) or gout.shape != maxout.shape:
        raise ValueError(
            "pool_2d gradient: the output or its gradient has the wrong shape"
        )
    if _tiles(x, params, len(rw), len(cw)):
        covered = (len(rw) * params[0], len(cw) * params[1])
        if covered == (x.shape[2], x.shape[3]):
            grad = np.empty(x.shape, gout.dtype)  # every element is written
        else:
            grad = np.zeros(x.shape, gout.dtype)
        _max_pool_grad_tiled(x, maxout, gout, params[0], params[1], grad)
        return grad
    grad = np.zeros(x.shape, gout.dtype)
    for b in range(batch):
        for c in range(nc):
            for r in range(len(rw)):
                for i in range(rw[r, 0], rw[r, 1]):  # row by row, in memory order
                    for q in range(len(cw)):
                        m, g = maxout[b, c, r, q], gout[b, c, r, q]
                        for j in range(cw[q, 0], cw[q, 1]):
                            # a select, not a branch: which element is the
                            # maximum is unpredictable, a mispredicted branch slow
                            grad[b, c, i, j] += g if x[b, c, i, j] == m else 0
    return grad


@njit(boundscheck=False)
def average_pool_grad(x, gout, params):
    mode = params[7]
    rw, cw = _pool_windows(x, params)
    batch, nc = x.shape[0], x.shape[1]
    if gout.shape != (batch, nc, len(rw), len(cw)):
        raise ValueError("pool_2d gradient: the output gradient has the wrong shape")
    grad = np.zeros(x.shape, gout.dtype)
    for b in range(batch):
        for c in range(nc):
            g = grad[b, c]
            for r in range(len(rw)):
                for q in range(len(cw)):
                    share = gout[b, c, r, q] / _divisor(mode, rw, cw, r, q)
                    for i in range(rw[r, 0], rw[r, 1]):
                        for j in range(cw[q, 0], cw[q, 1]):
                            g[i, j] += share
    return grad


@njit(boundscheck=False)
def max_pool_grad_grad(x, maxout, ggx, params):
    rw, cw = _pool_windows(x, params)
    batch, nc = x.shape[0], x.shape[1]
    if maxout.shape != (batch, nc, len(rw), len(cw)) or ggx.shape != x.shape:
        raise ValueError("pool_2d gradient: an input has the wrong shape")
    out = np.zeros(maxout.shape, ggx.dtype)
    for b in range(batch):
        for c in range(nc):
            image, gg = x[b, c], ggx[b, c]
            for r in range(len(rw)):
                for q in range(len(cw)):
                    m = maxout[b, c, r, q]
                    total = 0.0
                    for i in range(rw[r, 0], rw[r, 1]):
                        for j in range(cw[q, 0], cw[q, 1]):
                            if image[i, j] == m:
                                total += gg[i, j]
                    out[b, c, r, q] = total
    return out


_register(Pool, pool_forward, _pool_parameters)
_register(MaxPoolGrad, max_pool_grad, _pool_parameters)
_register(AveragePoolGrad, average_pool_grad, _pool_parameters)
_register(MaxPoolGradGrad, max_pool_grad_grad, _pool_parameters)


# --------------------------------------------------------------------------
# tanh: NumPy's vectorised one, called back through object mode
# --------------------------------------------------------------------------


@register_funcify_and_cache_key(Tanh)
def numba_funcify_Tanh(op, node, **kwargs):
    dtype = node.outputs[0].type.dtype
    flat_type = numba.types.Array(numba.from_dtype(np.dtype(dtype)), 1, "C")

    @njit
    def tanh(x):
        flat = x.ravel()
        with numba.objmode(y=flat_type):
            y = np.tanh(flat)
        return y.reshape(x.shape)

    return tanh, default_hash_key_from_props(op, cache_version=VERSION, dtype=dtype)
