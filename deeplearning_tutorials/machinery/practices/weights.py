"""Hidden layers: how their weights start (``--init``) and their
non-linearity (``--activation``).

The initial weights should be small enough for the units to start in the
linear part of their activation, where the gradients are largest, and
different enough to break the symmetry between units. The schemes:

``glorot`` (the default)
    the original's: uniform in
    :math:`\\pm\\sqrt{6 / (n_{in} + n_{out})}` (Glorot and Bengio, 2010),
    four times wider for a sigmoid; :class:`~deeplearning_tutorials.mlp.HiddenLayer`
    draws it itself, with the original's calls to the generator.
``small``
    :math:`0.01 \\cdot \\mathcal{N}(0, 1)`: small random numbers.
``fan-in``
    :math:`\\mathcal{N}(0, 1) / \\sqrt{n_{in}}`, which calibrates the variance
    of each unit's input so that all units start with about the same output
    distribution.
``he``
    :math:`\\mathcal{N}(0, 1) \\cdot \\sqrt{2 / n_{in}}` (He et al., 2015),
    made for rectified linear units, which zero half their inputs.

Activations: ``tanh`` (the default), ``sigmoid`` (with ``glorot``, the
original's four times wider interval), ``relu`` (:math:`\\max(0, x)`).
"""

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery.errors import InputError

#: the names ``--init`` accepts
INITS = ("glorot", "small", "fan-in", "he")


def relu(x):
    """The rectified linear unit, ``max(0, x)``."""
    return pt.maximum(x, 0)


#: the names ``--activation`` accepts, and their functions
ACTIVATIONS = {"tanh": pt.tanh, "sigmoid": pt.sigmoid, "relu": relu}


def weight_scale(scheme, n_in):
    """The standard deviation of the normal draws of ``scheme``."""
    if scheme == "small":
        return 0.01
    if scheme == "fan-in":
        return 1.0 / numpy.sqrt(n_in)
    return numpy.sqrt(2.0 / n_in)  # he


def hidden_weights(rng, scheme, n_in, n_out):
    """The shared ``W`` of a hidden layer of ``n_in`` inputs and ``n_out``
    units, drawn from ``rng`` by ``scheme``; ``None`` for ``glorot``, which
    the layer draws itself as the original did."""
    if scheme == "glorot":
        return None
    if scheme not in INITS:
        raise InputError(
            f"unknown initialisation {scheme!r} (choose from {', '.join(INITS)})"
        )
    values = rng.standard_normal((n_in, n_out)) * weight_scale(scheme, n_in)
    return pytensor.shared(
        numpy.asarray(values, dtype=pytensor.config.floatX), name="W", borrow=True
    )


def activation_function(name):
    """The activation called ``name`` (one of :data:`ACTIVATIONS`)."""
    if name not in ACTIVATIONS:
        raise InputError(
            f"unknown activation {name!r} (choose from {', '.join(ACTIVATIONS)})"
        )
    return ACTIVATIONS[name]
