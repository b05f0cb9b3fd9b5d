"""The JAX implementation of :class:`~.op.MRGUniform` (``--mode JAX``).

JAX has no in-place loop over elements, so the streams are stepped together:
a draw of ``n`` values from ``n_streams`` streams uses the first
``m = min(n, n_streams)`` streams for ``ceil(n / m)`` rounds, each round one
vectorised step of all of them (in the last round only the streams that
still owe a value move on). Round ``r`` yields elements ``r*m .. r*m + m-1``,
element ``i`` from stream ``i % m``: Theano's order. The arithmetic is in
uint32, where every intermediate sum of MRG31k3p stays below 2**32.

JAX compiles for static shapes, so the size of a draw must be known when the
function is traced: a constant, or the shape of an input (``x.shape``).
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from pytensor.graph.basic import Constant
from pytensor.link.jax.dispatch import jax_funcify

from deeplearning_tutorials.rng_mrg.box_muller import BoxMuller, box_muller
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


def _reduce(y, modulus):
    return jnp.where(y >= modulus, y - modulus, y)


def _step(states):
    """One step of every stream (uint32 ``(m, 6)``); the new states and draws."""
    x11, x12, x13, x21, x22, x23 = (states[:, j] for j in range(6))
    y1 = ((x12 & MASK12) << 22) + (x12 >> 9) + ((x13 & MASK13) << 7) + (x13 >> 24)
    y1 = _reduce(_reduce(y1, M1) + x13, M1)
    z1 = _reduce(((x21 & MASK2) << 15) + MULT2 * (x21 >> 16), M2)
    z2 = _reduce(((x23 & MASK2) << 15) + MULT2 * (x23 >> 16), M2)
    z2 = _reduce(_reduce(z2 + x23, M2) + z1, M2)
    new_states = jnp.stack([y1, x11, x12, z2, x21, x22], axis=1)
    return new_states, jnp.where(y1 <= z2, y1 + M1 - z2, y1 - z2)


def _static_shape(node, size):
    shape = node.outputs[1].type.shape
    if all(s is not None for s in shape):
        return tuple(int(s) for s in shape)
    if isinstance(node.inputs[1], Constant):  # folded after the node was made
        return tuple(int(s) for s in node.inputs[1].data)
    try:
        return tuple(int(s) for s in size)
    except Exception:  # a traced size: not known at compile time
        raise NotImplementedError(
            "MRG draws under JAX need their size at compile time: a constant, "
            "or the shape of an input (x.shape)"
        ) from None


@jax_funcify.register(MRGUniform)
def jax_funcify_MRGUniform(op, node=None, **kwargs):
    dtype = op.dtype
    norm = NORM[dtype]

    def mrg_uniform(rstate, size):
        shape = _static_shape(node, size)
        n_elements = int(np.prod(shape, dtype="int64"))
        if n_elements > M1:
            raise ValueError("rng_mrg does not support more than 2**31 - 1 samples")
        if n_elements == 0:
            return rstate, jnp.zeros(shape, dtype=dtype)
        m = min(n_elements, rstate.shape[0])
        rounds = -(-n_elements // m)
        owing = n_elements - jnp.arange(rounds)[:, None] * m  # per round

        def one_round(states, owed):
            new_states, integers = _step(states)
            active = (jnp.arange(m) < owed[0])[:, None]
            return jnp.where(active, new_states, states), integers

        states, integers = lax.scan(one_round, rstate[:m].astype(jnp.uint32), owing)
        draws = integers.reshape(-1)[:n_elements].astype(dtype) * jnp.asarray(norm, dtype)
        new_rstate = rstate.at[:m].set(states.astype(jnp.int32))
        return new_rstate, draws.reshape(shape)

    return mrg_uniform


@jax_funcify.register(BoxMuller)
def jax_funcify_BoxMuller(op, node=None, **kwargs):
    """The C library's float functions are not XLA's: call the Numba kernel."""

    def box_muller_op(u):
        result = jax.ShapeDtypeStruct(u.shape, u.dtype)
        return jax.pure_callback(lambda v: box_muller(np.asarray(v)), result, u)

    return box_muller_op
