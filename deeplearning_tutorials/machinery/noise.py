"""The symbolic noise sources of the stochastic tutorials (dA, SdA, rbm, DBN).

Two kinds, chosen with :func:`make_random_streams` (``--rng`` on the command
line):

``"mrg"`` (the default)
    :class:`~deeplearning_tutorials.rng_mrg.MRG_RandomStreams`, Theano's
    generator, which the original tutorials imported as ``RandomStreams``:
    the same seed gives the original's draws, bit for bit, so a run follows
    the original run.

``"pytensor"``
    :class:`RandomStreams` below, on PyTensor's native generator API: the
    noise this project drew before it had the MRG streams (the records made
    with it are labelled ``"rng": "pytensor"``). Its draws have the right
    distribution but are not the original's.

Both offer the original interface (``uniform``, ``binomial``, ``normal``)
and what the project's training loops need: :meth:`~RandomStreams.updates_for`
(the generator updates a graph needs) and ``get_state``/``set_state`` (for
checkpoints).

PyTensor's native API is a shared NumPy ``Generator``
(``pytensor.tensor.random.shared_rng``) whose draw methods return
``(next_rng, draw)``: the caller must store ``next_rng`` back into the shared
generator, or every call would repeat the same numbers. :class:`RandomStreams`
keeps the original idiom on top of it: one object, seeded once, hands out
symbolic draws; each draw gets a generator of its own, seeded from the
stream's seed sequence, and the stream remembers the ``(generator,
next_rng)`` pair for :meth:`~RandomStreams.updates_for`. (PyTensor
deprecates the ``default_update`` that Theano's streams relied on, so the
update is explicit.)
"""

import numpy
import pytensor
import pytensor.tensor as pt
from pytensor.graph.traversal import ancestors

#: the noise sources a stochastic tutorial can draw from (``--rng``)
RNG_KINDS = ("mrg", "pytensor")


def make_random_streams(seed, rng="mrg"):
    """A noise source seeded with ``seed``: Theano's MRG streams or PyTensor's.

    The tutorials seed it with ``numpy_rng.randint(2 ** 30)``, as the
    original did.
    """
    if rng == "mrg":
        from deeplearning_tutorials.rng_mrg import MRG_RandomStreams

        return MRG_RandomStreams(seed)
    if rng == "pytensor":
        return RandomStreams(seed)
    raise ValueError(f"rng must be one of {', '.join(RNG_KINDS)}, not {rng!r}")


class _Draws:
    """Bernoulli and binomial draws in terms of ``uniform``, for both sources."""

    def bernoulli(self, p, size, dtype=None):
        """0/1 draws, each 1 with probability ``p`` (a binomial of one trial).

        Drawn as ``uniform < p``: the same distribution as
        ``binomial(n=1, p=p)``, an order of magnitude cheaper to draw.
        """
        dtype = dtype or pytensor.config.floatX
        return pt.cast(pt.lt(self.uniform(size, dtype=dtype), p), dtype)

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64", nstreams=None):
        """The original's ``binomial`` (one trial only, as Theano's MRG streams):
        0/1 draws of shape ``size`` as ``dtype``, each 1 with probability ``p``.
        (``ndim`` and ``nstreams`` are accepted for the signature.)"""
        if n != 1:
            raise NotImplementedError("binomial with n > 1")
        # the uniforms in floatX, as Theano's binomial drew them
        return pt.cast(self.bernoulli(p, size), dtype)


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

    def uniform(self, size, low=0.0, high=1.0, ndim=None, dtype=None, nstreams=None):
        """Uniform draws in ``[low, high)`` of symbolic shape ``size``.

        (``ndim`` and ``nstreams`` are accepted for the original signature.)
        """
        chain = GeneratorChain(self.generator())
        draw = chain.uniform(size, dtype, low, high)
        self.advance(chain.start, chain.rng)
        return draw

    def normal(self, size, avg=0.0, std=1.0, ndim=None, dtype=None, nstreams=None):
        """Normal draws of mean ``avg`` and deviation ``std``, of shape ``size``."""
        rng = self.generator()
        next_rng, draw = rng.normal(
            avg, std, size=size, dtype=dtype or pytensor.config.floatX
        )
        self.advance(rng, next_rng)
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

    def uniform(self, size, dtype=None, low=0.0, high=1.0):
        """Uniform draws in ``[low, high)``; advances :attr:`rng`."""
        self.rng, draw = self.rng.uniform(
            low, high, size=size, dtype=dtype or pytensor.config.floatX
        )
        return draw
