"""``T.round``, ``T.iround`` and ``T.round_half_away_from_zero`` as in Theano 1.0.

Theano 1.0 (since 0.9) rounds half to even by default, as NumPy does
(``round(2.5) == 2``); ``mode='half_away_from_zero'`` rounds as the C library's
``round`` (``round(2.5) == 3``, ``round(-2.5) == -3``), the default of Theano
0.8 and older. PyTensor 3.0.7 keeps both, but its half-away-from-zero Op has
neither a Numba implementation -- under the default backend each call ran
Python in Numba's object mode, with a warning -- nor an exact Python one: it
computes ``floor(x + 0.5)``, and the sum itself rounds, so that
``0.49999999999999994`` became 1 and ``2**52 + 1`` became ``2**52 + 2`` (on
NumPy float32 scalars, where NumPy 2 keeps ``x + 0.5`` in float32, NEP 50,
``0.49999997`` and ``8388609.0`` go the same way). Theano's compiled C code
called the C library's ``round``, which is exact.

Here the rule is computed without a sum that can round:

    t = trunc(x)                       exact
    round(x) = t + copysign(1, x)      if |x - t| >= 1/2     (x - t is exact)
               t                       otherwise

``x - t`` is exact because ``t`` and ``x`` are within a factor of two of each
other (Sterbenz's lemma) or ``t`` is zero; a number too large to have a
fraction is its own ``trunc``, so it is returned as it is; NaN and infinities
pass through, and ``-0.3`` gives ``-0.0``, as C's ``round`` does. The Op
below computes it in NumPy (Python linker), in Numba (the default backend:
compiled, no object mode) and in C (``round``, Theano's own C code, which
PyTensor's Op carries).

An integer tensor is refused (``TypeError: only float type are supported``),
by Theano 1.0 and here alike. A variable's own ``x.round(mode=...)`` is
PyTensor's method and Op: compiled by the Numba implementation below, but on
the Python linker computed by PyTensor's ``floor(x + 0.5)``.
"""

import numpy as np
import pytensor.scalar as ps
import pytensor.tensor as pt
from pytensor.link.numba.dispatch import basic as numba_basic
from pytensor.link.numba.dispatch.basic import register_funcify_and_cache_key
from pytensor.link.numba.dispatch.scalar import scalar_op_cache_key
from pytensor.tensor.elemwise import Elemwise

__all__ = ["iround", "round", "round_half_away_from_zero", "round_half_to_even"]

round_half_to_even = pt.round_half_to_even


def round_half_away_from_zero_numpy(x):
    """C's ``round`` in NumPy: half away from zero, exact for every float."""
    x = np.asarray(x)
    t = np.trunc(x)
    away = t + np.copysign(np.ones_like(t), x)
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, not >= 0.5: inf stays
        out = np.where(np.abs(x - t) >= 0.5, away, t)
    return out[()] if out.ndim == 0 else out


class RoundHalfAwayFromZero(ps.RoundHalfAwayFromZero):
    """PyTensor's scalar Op with an exact ``impl`` (its C code, ``round(x)``,
    is the C library's, and exact already) and a Numba implementation."""

    def impl(self, x):
        return round_half_away_from_zero_numpy(x)


_scalar_round_half_away_from_zero = RoundHalfAwayFromZero(
    ps.same_out_float_only, name="round_half_away_from_zero")

#: ``T.round_half_away_from_zero(x)``: an Elemwise of the Op above
round_half_away_from_zero = Elemwise(_scalar_round_half_away_from_zero,
                                     name="round_half_away_from_zero")


@register_funcify_and_cache_key(ps.RoundHalfAwayFromZero)
def numba_funcify_RoundHalfAwayFromZero(op, node, **kwargs):
    """The rule above in Numba, in the output's dtype (float32 stays float32).

    Registered for PyTensor's Op, which the kit's inherits, so that
    ``x.round(mode='half_away_from_zero')`` (a variable's method, PyTensor's)
    is compiled too once the kit is imported; the numbers are C's ``round``
    either way.
    """
    one = np.dtype(node.outputs[0].type.dtype).type(1)

    @numba_basic.numba_njit
    def round_half_away_from_zero(x):
        t = np.trunc(x)
        if np.abs(x - t) >= 0.5:
            return t + np.copysign(one, x)
        return t

    return round_half_away_from_zero, scalar_op_cache_key(op, cache_version=1)


def round(a, mode=None):
    """Theano 1.0's ``T.round(a, mode=None)``: ``mode`` is ``'half_to_even'``
    (the default, NumPy's rule) or ``'half_away_from_zero'`` (C's ``round``)."""
    if mode is None or mode == "half_to_even":
        return round_half_to_even(a)
    if mode == "half_away_from_zero":
        return round_half_away_from_zero(a)
    raise ValueError(f"round mode {mode!r} is not implemented: use 'half_to_even' "
                     "(the default) or 'half_away_from_zero'")


def iround(a, mode=None):
    """Theano 1.0's ``T.iround``: ``round(a, mode)`` cast to int64."""
    return pt.cast(round(a, mode), "int64")
