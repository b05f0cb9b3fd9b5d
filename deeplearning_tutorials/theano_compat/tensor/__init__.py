"""``theano.tensor`` (imported as ``T``): PyTensor's tensor module plus
Theano's legacy names.

Everything in ``pytensor.tensor`` is here under its name (``T.matrix``,
``T.dot``, ``T.grad``, ``T.switch``, ``T.cast`` ...: the same functions as
Theano's). Added, with the Theano version whose behaviour they follow:

==========================  ====================================================
name                        behaviour of
==========================  ====================================================
``flatten(x, outdim=1)``    Theano 0.6-1.0 (``outdim``, PyTensor's ``ndim``)
``dimshuffle(x, *pattern)`` Theano's method, as a function
``addbroadcast``,           Theano 0.7-1.0 (``specify_broadcastable``; the other
``unbroadcast``,            two return their input's values unchanged)
``patternbroadcast``
``abs_``                    Theano 0.6-1.0 (``abs``)
``stack``, ``split``,       Theano 1.0's signatures (:mod:`.signatures`)
``tile``, ``tensor``,
``dot``, ``mean``, ``inv``
``round``, ``iround``       Theano 0.9-1.0: half to even by default; half away
                            from zero (``mode=``, ``round_half_away_from_zero``)
                            exact, and compiled under Numba (:mod:`.rounding`)
``grad``                    Theano 0.6-1.0, ``wrt`` any iterable (:mod:`..gradient`)
``nnet``                    :mod:`.nnet`
``signal``                  :mod:`.signal` (``pool``, ``downsample``)
``shared_randomstreams``    :mod:`.shared_randomstreams` (Theano 0.6-1.0's numbers)
``raw_random``              :mod:`.raw_random` (its ``RandomState`` Op)
==========================  ====================================================

A Theano name that is neither raises
:class:`~deeplearning_tutorials.theano_compat.errors.TheanoNameError` with
what to do instead.
"""

import importlib as _importlib

import pytensor.tensor as _pt
from pytensor.tensor import *  # noqa: F403 - the module's whole API, as Theano's

from deeplearning_tutorials.theano_compat.errors import missing_names

# imported by path: ``from package import signal`` would find PyTensor's
# ``signal``, which the line above brought in, and stop there
nnet = _importlib.import_module(__name__ + ".nnet")
signal = _importlib.import_module(__name__ + ".signal")
raw_random = _importlib.import_module(__name__ + ".raw_random")
shared_randomstreams = _importlib.import_module(__name__ + ".shared_randomstreams")

abs_ = _pt.abs

# Theano 1.0's rounding; half away from zero compiled under Numba (.rounding)
from deeplearning_tutorials.theano_compat.tensor.rounding import (  # noqa: E402
    iround,
    round,
    round_half_away_from_zero,
    round_half_to_even,
)

# Theano 1.0's signatures where PyTensor's changed (.signatures)
from deeplearning_tutorials.theano_compat.tensor.signatures import (  # noqa: E402
    dot,
    inv,
    mean,
    split,
    stack,
    tensor,
    tile,
)

# Theano's grad, with any iterable as ``wrt`` (``theano.gradient``)
from deeplearning_tutorials.theano_compat.gradient import grad  # noqa: E402


def flatten(x, outdim=1, ndim=None):
    """Theano's ``flatten(x, outdim=1)``: keep ``outdim - 1`` leading axes and
    join the rest (``ndim`` is PyTensor's name for ``outdim``)."""
    return _pt.flatten(x, ndim=outdim if ndim is None else ndim)


def dimshuffle(x, *pattern):
    """``x.dimshuffle(*pattern)`` as a function."""
    return _pt.as_tensor_variable(x).dimshuffle(*pattern)


def addbroadcast(x, *axes):
    """Theano's ``addbroadcast``: declare ``axes`` (of length 1) broadcastable."""
    return _pt.specify_broadcastable(x, *axes)


def unbroadcast(x, *axes):
    """Theano's ``unbroadcast``: the same values (PyTensor infers broadcasting
    from static shapes, so there is nothing to undo)."""
    return _pt.as_tensor_variable(x)


def patternbroadcast(x, broadcastable):
    """Theano's ``patternbroadcast``: declare the axes marked True broadcastable."""
    axes = [i for i, flag in enumerate(broadcastable) if flag]
    return _pt.specify_broadcastable(x, *axes) if axes else _pt.as_tensor_variable(x)


__getattr__ = missing_names(
    __name__,
    {
        "shared": "use theano.shared (deeplearning_tutorials.theano_compat.shared)",
        "opt": "Theano's graph optimisations are PyTensor's rewrites (pytensor.graph.rewriting)",
        "nlinalg": "use pytensor.tensor.linalg (matrix_inverse, det, svd, eigh ... by the same "
                   "names)",
        "slinalg": "use pytensor.tensor.linalg (cholesky, solve, expm ... by the same names)",
    },
)
