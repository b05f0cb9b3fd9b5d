"""``MRG_RandomStreams``: Theano's symbolic random streams, the same draws.

The original tutorials draw their noise with::

    from theano.sandbox.rng_mrg import MRG_RandomStreams as RandomStreams
    theano_rng = RandomStreams(numpy_rng.randint(2 ** 30))
    mask = theano_rng.binomial(size=input.shape, n=1, p=1 - corruption_level,
                               dtype=theano.config.floatX)

and a port replays them with one changed import::

    from deeplearning_tutorials.rng_mrg import MRG_RandomStreams as RandomStreams

What makes the draws the same, for the same seed and the same calls in the
same order (each is a fact of Theano 1.0.5's ``rng_mrg.py``):

* the seed: an int ``s`` is the state ``(s, s, s, s, s, s)``;
* every ``uniform`` call (and ``binomial``, ``normal``, ``multinomial``,
  which are built on it) gets its own shared state matrix of ``nstreams``
  streams, each :math:`2^{72}` steps after the previous one, the first at the
  stream's current state, which then moves :math:`2^{134}` steps ahead;
* ``nstreams``, unless given: ``prod(size) // 6`` when ``size`` is a tuple of
  ints (``prod(size)`` if at most 6), capped at 15,360 (60 * 256), and
  15,360 when any entry of ``size`` is symbolic, as in ``size=input.shape``;
* ``binomial(n=1)`` is ``uniform(size) < p`` cast to ``dtype``, the uniform
  in ``floatX`` and a Python ``p`` a ``floatX`` constant;
* ``normal`` draws ``n + n % 2`` uniforms (from 15,360 streams: its size is
  always symbolic there) and applies Box-Muller with the C library's float
  functions (:mod:`.box_muller`).

Each state matrix is a shared variable whose update (the state after the
draw) is the variable's ``default_update``, as in Theano: a function that
uses a draw advances its stream without being told, and a ``scan`` whose
step draws carries the state from step to step and returns the update.
PyTensor deprecates ``default_update``; :meth:`MRG_RandomStreams.updates_for`
gives the same updates explicitly, which is what this project's models pass
to ``pytensor.function``.
"""

import base64
import warnings

import numpy
import pytensor
import pytensor.tensor as pt
from pytensor.gradient import undefined_grad
from pytensor.graph.basic import Variable
from pytensor.graph.traversal import ancestors
from pytensor.scalar import upcast

from deeplearning_tutorials.rng_mrg import generator
from deeplearning_tutorials.rng_mrg.box_muller import BoxMuller
from deeplearning_tutorials.rng_mrg.op import mrg_uniform

#: Theano's number of streams when it cannot tell the size: 60 * 256, chosen
#: in its day to fill a GTX 280/480
MAX_STREAMS = 60 * 256


def guess_n_streams(size):
    """The number of streams Theano gives a draw of ``size``.

    >>> guess_n_streams((4, 5)), guess_n_streams((3,)), guess_n_streams((500, 784))
    (3, 3, 15360)
    """
    if isinstance(size, tuple | list) and all(
        isinstance(s, int | numpy.integer) for s in size
    ):
        n = int(numpy.prod(size, dtype=object))
        return min(n // 6 if n > 6 else n, MAX_STREAMS)
    return MAX_STREAMS


def _as_state(seed):
    """The six-integer start state of an int seed or a sequence of six."""
    if isinstance(seed, int | numpy.integer) and not isinstance(seed, bool):
        if seed == 0:
            raise ValueError("seed should not be 0")
        if not 0 < seed < generator.M2:
            raise ValueError(f"seed should be positive and less than {generator.M2}")
        return numpy.array([seed] * 6, dtype="int32")
    try:
        values = [int(v) for v in seed]
    except (TypeError, ValueError):
        raise TypeError("seed should be 1 integer or 6 integers") from None
    if len(values) != 6:
        raise TypeError("seed should be 1 integer or 6 integers")
    if not any(values[:3]) or not any(values[3:]):
        raise ValueError("neither half of the seed (3 values each) may be all 0")
    if any(not 0 <= v < generator.M1 for v in values[:3]) or any(
        not 0 <= v < generator.M2 for v in values[3:]
    ):
        raise ValueError(
            f"the first 3 values of the seed must be in [0, {generator.M1}), "
            f"the last 3 in [0, {generator.M2})"
        )
    return numpy.array(values, dtype="int32")


def _check_size(size):
    """Theano's checks of a ``uniform`` size: a tuple of ints/scalars or a vector."""
    if isinstance(size, tuple | list):
        for s in size:
            if isinstance(s, int | numpy.integer):
                if s <= 0:
                    raise ValueError(
                        f"the size {tuple(size)} contains a dimension <= 0"
                    )
            elif not (isinstance(s, Variable) and s.type.ndim == 0):
                raise TypeError(
                    f"size must hold ints or symbolic scalars, got {s!r} in {size!r}"
                )
    elif not (isinstance(size, Variable) and size.type.ndim == 1):
        raise TypeError(
            "size must be a tuple of ints or a symbolic vector, got "
            f"{size!r} of type {type(size).__name__}"
        )


class MRG_RandomStreams:
    """Symbolic random draws from MRG31k3p streams, as Theano drew them.

    >>> import pytensor
    >>> srng = MRG_RandomStreams(seed=1234)
    >>> u = srng.uniform(size=(2, 2))
    >>> f = pytensor.function([], u)      # advances the streams at each call
    >>> print(f())                        # what Theano printed for this seed
    [[0.37257108 0.6576857 ]
     [0.3604643  0.3002901 ]]

    :param seed: an int in ``1 .. 2**31 - 21070`` (Theano's default 12345),
        or six ints, the generator's start state
    """

    def __init__(self, seed=12345):
        #: ``(state, new_state, size, nstreams)`` of every draw, in order
        self.state_updates = []
        self.default_instance_seed = seed
        self.set_rstate(seed)

    # -- seeding ---------------------------------------------------------------

    def set_rstate(self, seed):
        """Set the state the next draw's streams start from."""
        self.rstate = _as_state(seed)

    def seed(self, seed=None):
        """Re-seed: every draw made so far gets the streams it got at creation
        under the new ``seed`` (the instance's own seed if ``None``)."""
        self.set_rstate(self.default_instance_seed if seed is None else seed)
        for state, _, size, nstreams in self.state_updates:
            if nstreams is None:
                nstreams = self.n_streams(size)
            state.set_value(self.get_substream_rstates(nstreams), borrow=True)

    def inc_rstate(self):
        """Move the start state :math:`2^{134}` steps ahead, to the next draw's."""
        self.rstate = generator.jump(self.rstate, generator.A1P134, generator.A2P134)

    def get_substream_rstates(self, n_streams, dtype=None, inc_rstate=True):
        """The ``(n_streams, 6)`` states of a new draw; then :meth:`inc_rstate`.

        (``dtype`` is accepted for Theano's signature and does not matter.)
        """
        if not 0 < n_streams < 2**72:
            raise ValueError(f"n_streams must be positive, got {n_streams}")
        states = generator.substream_states(self.rstate, int(n_streams))
        if inc_rstate:
            self.inc_rstate()
        return states

    def n_streams(self, size):
        """The number of streams a draw of ``size`` gets (:func:`guess_n_streams`)."""
        return guess_n_streams(size)

    # -- draws -----------------------------------------------------------------

    def uniform(
        self, size, low=0.0, high=1.0, ndim=None, dtype=None, nstreams=None, **kwargs
    ):
        """Draws uniform in ``(low, high)`` of shape ``size``.

        :param size: a tuple of ints or symbolic scalars, or a symbolic
            vector such as ``x.shape``
        :param ndim: the number of dimensions, when ``size`` does not tell
        :param dtype: of the draws; by default the widest of ``floatX`` and
            the dtypes of ``low`` and ``high``
        :param nstreams: streams to draw from (default: :func:`guess_n_streams`)
        """
        _reject_extra_arguments("uniform", kwargs)
        low, high = pt.as_tensor_variable(low), pt.as_tensor_variable(high)
        if dtype is None:
            dtype = upcast(pytensor.config.floatX, low.dtype, high.dtype)
        low = undefined_grad(pt.cast(low, dtype))
        high = undefined_grad(pt.cast(high, dtype))
        _check_size(size)
        n_streams = self.n_streams(size) if nstreams is None else nstreams
        state = pytensor.shared(self.get_substream_rstates(n_streams), borrow=True)
        state.tag.is_rng = True
        size_vector = pt.as_tensor_variable(size, ndim=1)
        if ndim is not None and pt.get_vector_length(size_vector) != ndim:
            raise ValueError(f"size {size} does not have {ndim} entries")
        new_state, draws = mrg_uniform(state, size_vector, dtype)
        self._register(state, new_state, draws, size, nstreams)
        result = _fused_multiply_add(draws, high - low, low)
        if result.type.broadcastable != draws.type.broadcastable:
            raise NotImplementedError(
                "increase the size to match the broadcasting pattern of low and high"
            )
        return result

    def binomial(
        self, size=None, n=1, p=0.5, ndim=None, dtype="int64", nstreams=None, **kwargs
    ):
        """0/1 draws of shape ``size``, each 1 with probability ``p`` (``n=1`` only).

        Theano's rule: ``uniform(size) < p``, cast to ``dtype``.
        """
        if n != 1:
            raise NotImplementedError("MRG_RandomStreams.binomial with n > 1")
        p = undefined_grad(pt.as_tensor_variable(p))
        u = self.uniform(size=size, nstreams=nstreams, **kwargs)
        return pt.cast(pt.lt(u, p), dtype)

    def normal(
        self,
        size,
        avg=0.0,
        std=1.0,
        ndim=None,
        dtype=None,
        nstreams=None,
        truncate=False,
        **kwargs,
    ):
        """Normal draws of shape ``size`` by Theano's Box-Muller transform."""
        if truncate:
            raise NotImplementedError("MRG_RandomStreams.normal(truncate=True)")
        size = _size_vector(size)
        avg = undefined_grad(pt.as_tensor_variable(avg))
        std = undefined_grad(pt.as_tensor_variable(std))
        if dtype is None:
            dtype = upcast(pytensor.config.floatX, avg.dtype, std.dtype)
        avg, std = pt.cast(avg, dtype), pt.cast(std, dtype)
        n_odd = pt.prod(size, dtype="int64")
        n_even = n_odd + n_odd % 2
        u = self.uniform((n_even,), ndim=1, dtype=dtype, nstreams=nstreams, **kwargs)
        samples = pt.reshape(BoxMuller()(u)[:n_odd], size, ndim=ndim)
        return samples * std + avg

    def multinomial(
        self, size=None, n=1, pvals=None, ndim=None, dtype="int64", nstreams=None, **kwargs
    ):
        """Counts of ``n`` draws from each row of ``pvals`` (a matrix).

        As Theano: ``pvals.shape[0] * n`` uniforms ``u``; draw ``c`` of row
        ``r`` falls in the first outcome whose cumulative probability (summed
        in float64) exceeds ``u[c * rows + r]``.
        """
        if pvals is None:
            raise TypeError("You have to specify pvals")
        if size is not None:
            raise ValueError("MRG_RandomStreams.multinomial does not use size")
        if ndim is not None:
            raise ValueError("MRG_RandomStreams.multinomial does not use ndim")
        pvals = undefined_grad(pt.as_tensor_variable(pvals))
        if pvals.type.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.multinomial needs 2-d pvals")
        rows = pvals.shape[0]
        u = self.uniform(size=(rows * n,), ndim=1, nstreams=nstreams, **kwargs)
        cumulative = pt.cumsum(pt.cast(pvals, "float64"), axis=1)
        u = pt.cast(u, "float64").reshape((n, rows))
        exceeds = pt.gt(cumulative[None, :, :], u[:, :, None])  # (n, rows, outcomes)
        first = pt.eq(pt.cumsum(pt.cast(exceeds, "int64"), axis=2), 1) & exceeds
        return pt.cast(pt.sum(first, axis=0), dtype)

    # -- the project's interface ---------------------------------------------

    def updates(self):
        """Every ``(state, new_state)`` pair, as Theano's ``updates()``."""
        return [(state, new) for state, new, _, _ in self.state_updates]

    def updates_for(self, outputs):
        """The ``(state, new_state)`` updates of the draws ``outputs`` use.

        Draws made inside a ``scan`` step are left out: ``scan`` carries
        their state and returns their updates itself (it clears their
        default update, and ``new_state`` lives inside the loop).
        """
        used = set(ancestors(outputs))
        return [
            (state, new)
            for state, new in self.updates()
            if state in used and state.default_update is not None
        ]

    def get_state(self):
        """The states of all draws, as JSON-able dicts (for checkpoints):
        ``{"mrg31k3p": base64 of the int32 state matrix, "streams": rows}``."""
        return [
            {
                "mrg31k3p": base64.b64encode(value.tobytes()).decode("ascii"),
                "streams": int(value.shape[0]),
            }
            for value in (state.get_value(borrow=True) for state, *_ in self.state_updates)
        ]

    def set_state(self, states):
        """Restore states returned by :meth:`get_state`."""
        if len(states) != len(self.state_updates):
            raise ValueError(
                f"{len(states)} generator states for {len(self.state_updates)} generators"
            )
        for (state, *_), saved in zip(self.state_updates, states):
            shape = state.get_value(borrow=True).shape
            try:
                if saved["streams"] != shape[0]:
                    raise ValueError(f"{saved['streams']} streams, not {shape[0]}")
                value = numpy.frombuffer(base64.b64decode(saved["mrg31k3p"]), dtype="int32")
                value = value.reshape(shape).copy()
            except (TypeError, ValueError, KeyError) as error:
                raise ValueError(f"not a saved MRG stream state: {error}") from None
            state.set_value(value, borrow=True)

    def _register(self, state, new_state, draws, size, nstreams):
        draws.rstate = state
        draws.update = (state, new_state)
        self.state_updates.append((state, new_state, size, nstreams))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            state.default_update = new_state


def _fused_multiply_add(x, scale, shift):
    """``x * scale + shift`` rounded once, as Theano's compiled code did it.

    g++ contracted the multiplication and the addition into one fused
    multiply-add (its default on machines with FMA), so a float32 result is
    the exact value rounded once: computed here in float64, where the
    product of two float32 numbers is exact (measured: the two-step float32
    result differs from Theano's in 3 of 12 draws of ``uniform(low=-2,
    high=3)``). Without a shift and with a unit scale (the default
    ``uniform(0, 1)``) both are ``x`` itself.
    """
    if x.dtype == "float32":
        exact = pt.cast(x, "float64") * pt.cast(scale, "float64") + pt.cast(shift, "float64")
        return pt.cast(exact, "float32")
    return x * scale + shift


def _size_vector(size):
    """``normal``'s size as a symbolic int vector (an int, a tuple, or a vector)."""
    if isinstance(size, Variable):
        if size.type.ndim == 0:
            return pt.stack([size])
        if size.type.ndim == 1:
            return size
        raise ValueError(f"a symbolic size must have 1 dimension, not {size.type.ndim}")
    if isinstance(size, int | numpy.integer):
        size = (size,)
    if not isinstance(size, tuple | list):
        raise ValueError(f"size must be an int, a tuple, a list or a vector: {size!r}")
    for s in size:
        if isinstance(s, int | numpy.integer) and s <= 0:
            raise ValueError(f"non-positive dimension in size {tuple(size)}")
    return pt.as_tensor_variable(size, ndim=1)


def _reject_extra_arguments(name, kwargs):
    if kwargs:
        raise TypeError(f"{name}() got unexpected keyword arguments {sorted(kwargs)}")
