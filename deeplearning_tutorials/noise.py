"""Seeded symbolic random numbers, through PyTensor's generator API.

The original tutorials drew their noise from Theano's ``RandomStreams``. Its
PyTensor successor (``RandomStream``) is soft-deprecated; the current API is a
shared NumPy ``Generator`` (``pytensor.tensor.random.shared_rng``) whose draw
methods return ``(next_rng, draw)``: the caller must store ``next_rng`` back
into the shared generator, or every call would repeat the same numbers.

:class:`RandomStreams` keeps the original idiom on top of that API: one
object, seeded once (the tutorials seed it with ``numpy_rng.randint(2 **
30)``), hands out symbolic draws. Each draw gets a generator of its own,
seeded from the stream's seed sequence, and the stream remembers the
``(generator, next_rng)`` pair; :meth:`~RandomStreams.updates_for` returns
the pairs a graph needs, to be passed to ``pytensor.function`` with the
other ``updates``. (PyTensor deprecates the ``default_update`` that
Theano's streams relied on, so the update is explicit.) A stream's
:meth:`~RandomStreams.get_state` and :meth:`~RandomStreams.set_state` save
and restore all its generators, for checkpoints.
"""

import numpy
import pytensor
import pytensor.tensor as pt
from pytensor.graph.traversal import ancestors


class _Draws:
    """Bernoulli draws in terms of ``uniform``, shared by both sources."""

    def bernoulli(self, p, size, dtype=None):
        """0/1 draws, each 1 with probability ``p`` (a binomial of one trial).

        Drawn as ``uniform < p``: the same distribution as
        ``binomial(n=1, p=p)``, an order of magnitude cheaper to draw.
        """
        dtype = dtype or pytensor.config.floatX
        return pt.cast(pt.lt(self.uniform(size, dtype=dtype), p), dtype)


class RandomStreams(_Draws):
    """A seeded source of symbolic random draws.

    >>> import pytensor
    >>> streams = RandomStreams(seed=1)
    >>> mask = streams.bernoulli(0.7, size=(2, 3))
    >>> f = pytensor.function([], mask, updates=streams.updates_for([mask]))
    >>> (f() != f()).any()    # a new draw at every call
    np.True_
    """

    def __init__(self, seed):
        self.seed = seed
        self._seeds = numpy.random.SeedSequence(seed)
        self.generators = []  # the shared generators, in the order made
        self._next = {}  # generator -> its state after the draw

    def generator(self):
        """A new shared generator, seeded from this stream.

        Its next state must be registered with :meth:`advance` (the draw
        methods do this themselves).
        """
        (child,) = self._seeds.spawn(1)
        rng = pt.random.shared_rng(
            seed=child, name=f"rng_{self.seed}_{len(self.generators)}"
        )
        self.generators.append(rng)
        return rng

    def advance(self, rng, next_rng):
        """Record that a function using ``rng`` must store ``next_rng`` in it."""
        self._next[rng] = next_rng

    def uniform(self, size, dtype=None):
        """Uniform draws in ``[0, 1)`` of symbolic shape ``size``."""
        chain = GeneratorChain(self.generator())
        draw = chain.uniform(size, dtype)
        self.advance(chain.start, chain.rng)
        return draw

    def updates_for(self, outputs):
        """The ``(generator, next_rng)`` updates of the draws ``outputs`` use."""
        used = set(ancestors(outputs))
        return [(rng, self._next[rng]) for rng in self.generators if rng in used]

    def get_state(self):
        """The bit-generator states of all generators, as JSON-able dicts."""
        return [
            rng.get_value(borrow=True).bit_generator.state for rng in self.generators
        ]

    def set_state(self, states):
        """Restore states returned by :meth:`get_state`."""
        if len(states) != len(self.generators):
            raise ValueError(
                f"{len(states)} generator states for {len(self.generators)} generators"
            )
        for rng, state in zip(self.generators, states):
            generator = numpy.random.default_rng()
            generator.bit_generator.state = state
            rng.set_value(generator, borrow=True)


class GeneratorChain(_Draws):
    """Draws from one symbolic generator, each draw advancing it.

    Inside a ``scan`` step the generator is part of the loop state: the
    step receives it, draws, and returns ``chain.rng``, the state after its
    draws, for the next step::

        def step(h, rng):
            chain = GeneratorChain(rng)
            v = chain.bernoulli(p_of(h), h.shape)
            return v, chain.rng
    """

    def __init__(self, rng):
        self.start = rng
        self.rng = rng

    def uniform(self, size, dtype=None):
        """Uniform draws in ``[0, 1)``; advances :attr:`rng`."""
        self.rng, draw = self.rng.uniform(
            0.0, 1.0, size=size, dtype=dtype or pytensor.config.floatX
        )
        return draw
