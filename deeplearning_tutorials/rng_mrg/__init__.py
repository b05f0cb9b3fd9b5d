"""Theano's ``MRG_RandomStreams`` on PyTensor: the original tutorials' noise, bit for bit.

A legacy script that imported ::

    from theano.sandbox.rng_mrg import MRG_RandomStreams as RandomStreams

imports instead ::

    from deeplearning_tutorials.rng_mrg import MRG_RandomStreams as RandomStreams

and draws the same numbers (see :mod:`.streams` for what that takes, and
:mod:`.generator` for the generator itself).
"""

from deeplearning_tutorials.rng_mrg.op import MRGUniform, mrg_uniform
from deeplearning_tutorials.rng_mrg.streams import MRG_RandomStreams, guess_n_streams

try:  # the Numba kernel: PyTensor's default backend
    from deeplearning_tutorials.rng_mrg import numba_backend  # noqa: F401
except ImportError:  # pragma: no cover - numba is a PyTensor dependency
    pass

__all__ = ["MRGUniform", "MRG_RandomStreams", "guess_n_streams", "mrg_uniform"]
