"""Theano's Box-Muller transform as an Op, for bit-identical normal draws.

``normal`` turns ``2h`` uniform draws ``u`` into ``2h`` normal ones: with
:math:`r = \\sqrt{-2 \\log u_i}` and :math:`\\theta = 2\\pi u_{h+i}`, element
``i`` is :math:`r \\cos\\theta` and element ``h + i`` is :math:`r \\sin\\theta`.

Theano compiled this with g++, where ``log``, ``cos`` and ``sin`` of a
float32 are the C library's ``logf``, ``cosf`` and ``sinf``. Those are not
NumPy's float32 functions, nor the double functions rounded to float32: on
200,000 draws measured against Theano 1.0.5, NumPy's differ in 43,363
places, the rounded double ones in 3,065. Numba's float32 ``np.log``,
``np.cos`` and ``np.sin`` call the C library's float functions, so one Numba
kernel serves every backend: Numba's linker calls it directly, ``perform``
(the C backend and Python mode) calls it from Python, and JAX through
``jax.pure_callback``. The kernel is compiled (or loaded from Numba's cache)
on its first use, so that importing the Op does not import Numba; its
registration with Numba's linker is in :mod:`.numba_backend`.
"""

import functools

import numpy as np
import pytensor.tensor as pt
from pytensor.gradient import grad_undefined
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op

#: bump when the kernel changes, so that cached compiled graphs are rebuilt
VERSION = 1


def box_muller(u):
    """Normal draws from an even number of uniform ones, as Theano's graph did
    (Numba's compiled :func:`_box_muller`)."""
    return kernel()(u)


@functools.cache
def kernel():
    """:func:`_box_muller` compiled by Numba (kept in its on-disk cache)."""
    import numba

    return numba.njit(fastmath=False, cache=True)(_box_muller)


def _box_muller(u):
    half = u.shape[0] // 2
    two_pi = u.dtype.type(2.0 * np.pi)
    minus_two = u.dtype.type(-2.0)
    out = np.empty_like(u)
    r = np.sqrt(minus_two * np.log(u[:half]))
    theta = two_pi * u[half:]
    out[:half] = r * np.cos(theta)
    out[half:] = r * np.sin(theta)
    return out


class BoxMuller(Op):
    """``BoxMuller()(u)``: normal draws from a vector of an even number of uniforms."""

    __props__ = ()

    def make_node(self, u):
        u = pt.as_tensor_variable(u)
        if u.type.ndim != 1 or u.type.dtype not in ("float32", "float64"):
            raise TypeError(f"BoxMuller takes a float vector, not {u.type}")
        return Apply(self, [u], [u.type()])

    def perform(self, node, inputs, outputs):
        (u,) = inputs
        if u.shape[0] % 2:
            raise ValueError("BoxMuller needs an even number of uniform draws")
        outputs[0][0] = box_muller(np.ascontiguousarray(u))

    def infer_shape(self, fgraph, node, input_shapes):
        return input_shapes

    def grad(self, inputs, output_grads):
        return [grad_undefined(self, 0, inputs[0], "no gradient through sampling")]
