"""``theano.tensor.shared_randomstreams.RandomStreams`` (Theano 0.6-1.0), on
PyTensor's shared NumPy generators.

Theano's class drew from NumPy ``RandomState`` generators held in shared
variables, each with a ``default_update``, so every call of a compiled
function advanced them. The kit does the same with NumPy ``Generator``
objects (``pytensor.tensor.random.shared_rng``): the draws have Theano's distributions, shapes
and dtypes (``binomial`` is ``int64`` unless told) but **not Theano's
numbers** -- no port can replay ``RandomState`` through PyTensor's
generator API. Scripts that need Theano's numbers draw from
``theano.sandbox.rng_mrg.MRG_RandomStreams``, which the kit replays bit for
bit.

``RandomStreams()`` without a seed is seeded at random, as Theano's
(``seed=None``).
"""

import warnings

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.theano_compat.errors import missing_names


class RandomStreams:
    """Theano's ``RandomStreams(seed=None)``: symbolic draws that advance by themselves.

    Each draw gets its own shared NumPy ``Generator``
    (``pytensor.tensor.random.shared_rng``), seeded from the stream's seed
    sequence, whose ``default_update`` is the generator after the draw, as
    Theano's ``RandomState`` variables had.
    """

    def __init__(self, seed=None):
        self.default_instance_seed = seed
        self._seeds = numpy.random.SeedSequence(seed)
        #: ``(shared generator, its next state)`` of every draw, in order
        self.state_updates = []

    def updates(self):
        """The ``(generator, next state)`` update of every draw so far."""
        return list(self.state_updates)

    def seed(self, seed=None):
        """Re-seed every draw made so far from ``seed`` (the instance's if None)."""
        self._seeds = numpy.random.SeedSequence(
            self.default_instance_seed if seed is None else seed
        )
        for rng, _ in self.state_updates:
            (child,) = self._seeds.spawn(1)
            rng.set_value(numpy.random.default_rng(child), borrow=True)

    def uniform(self, size=None, low=0.0, high=1.0, ndim=None, dtype=None):
        """Uniform draws in ``[low, high)`` (``dtype`` default ``floatX``)."""
        return self._draw("uniform", (low, high), size, dtype or _float(low, high))

    def normal(self, size=None, avg=0.0, std=1.0, ndim=None, dtype=None):
        """Normal draws of mean ``avg`` and deviation ``std``."""
        return self._draw("normal", (avg, std), size, dtype or _float(avg, std))

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64", prob=None):
        """Binomial draws of ``n`` trials (``prob`` is Theano's old name of ``p``)."""
        if prob is not None:
            p = prob
        return self._draw("binomial", (n, p), size, dtype)

    def random_integers(self, size=None, low=0, high=1, ndim=None, dtype="int64"):
        """Integers uniform in ``[low, high]``, both ends included."""
        return self._draw("integers", (low, pt.as_tensor_variable(high) + 1), size, dtype)

    def _draw(self, kind, parameters, size, dtype):
        (child,) = self._seeds.spawn(1)
        rng = pt.random.shared_rng(seed=child, name=f"rng_{len(self.state_updates)}")
        next_rng, draw = getattr(rng, kind)(*parameters, size=size)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            rng.default_update = next_rng
        self.state_updates.append((rng, next_rng))
        return draw if draw.dtype == dtype else pt.cast(draw, dtype)


def _float(*parameters):
    """Theano's default dtype: ``floatX``, widened by float64 parameters."""
    dtypes = [pt.as_tensor_variable(p).dtype for p in parameters]
    return "float64" if "float64" in dtypes else pytensor.config.floatX


__getattr__ = missing_names(
    __name__,
    {
        "RandomStateSharedVariable": "PyTensor's generators are NumPy Generator objects "
        "(pytensor.tensor.random.shared_rng)",
    },
)
