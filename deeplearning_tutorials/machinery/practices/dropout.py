"""Dropout on the hidden units (``--dropout p``), training only.

Dropout (Srivastava et al., 2014) sets each hidden unit to zero with
probability :math:`p` at every training step, so that no unit can rely on
particular others being there: the network trained is a different thinned
network at each minibatch, and what is learnt is shared by all of them.

This is *inverted* dropout: the units kept are multiplied by
:math:`1 / (1 - p)`, so that their expected value is what the full network
sees. Validation and test then use the network as it is, every unit
present and nothing rescaled.

The mask is drawn from the project's noise streams
(:func:`deeplearning_tutorials.machinery.noise.make_random_streams`, Theano's MRG
streams by default); the training function must store the stream's next
state at each call, or every minibatch would get the same mask:
:func:`with_dropout` returns the updates that do it.
"""

from pytensor.graph.replace import clone_replace

from deeplearning_tutorials.machinery.errors import InputError


def check_probability(p):
    """Refuse a drop probability outside ``[0, 1)`` (1 would drop every unit)."""
    if not 0.0 <= p < 1.0:
        raise InputError(f"dropout must be a probability in [0, 1), got {p}")
    return p


def dropout(random_streams, units, p):
    """``units`` with each entry zeroed with probability ``p`` and the
    others scaled by ``1 / (1 - p)``; a new mask at each call."""
    keep = 1.0 - p
    mask = random_streams.binomial(size=units.shape, n=1, p=keep, dtype=units.dtype)
    return units * mask / keep


def with_dropout(cost, units, p, random_streams):
    """``(cost, updates)``: the training ``cost`` computed with the hidden
    ``units`` dropped out, and the updates that advance the noise stream.

    The model is left as it is: only this copy of the cost sees the mask,
    so the validation and test functions, built from the model's
    ``errors``, use every unit.
    """
    dropped = clone_replace(cost, {units: dropout(random_streams, units, p)})
    return dropped, random_streams.updates_for([dropped])
