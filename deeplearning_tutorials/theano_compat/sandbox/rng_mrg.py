"""``theano.sandbox.rng_mrg.MRG_RandomStreams`` (Theano 0.6-1.0): this
project's port, which draws Theano 1.0.5's numbers bit for bit.

``MRG_RandomStreams()`` without a seed is seeded with 12345, Theano's
default. Each draw's state carries a ``default_update``, so a compiled
function advances its streams at every call, as in Theano; the kit's
``theano.function`` refuses a function that would not
(:class:`~deeplearning_tutorials.theano_compat.compile.FrozenNoiseError`).
"""

from deeplearning_tutorials.rng_mrg import MRG_RandomStreams, guess_n_streams, mrg_uniform
from deeplearning_tutorials.theano_compat.errors import missing_names

__all__ = ["MRG_RandomStreams", "guess_n_streams", "mrg_uniform"]

__getattr__ = missing_names(
    __name__, {"GPU_mrg_uniform": "there is no GPU back end; use MRG_RandomStreams"}
)
