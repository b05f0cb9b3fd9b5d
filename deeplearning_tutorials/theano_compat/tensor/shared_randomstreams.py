"""``theano.tensor.shared_randomstreams.RandomStreams`` (Theano 0.6-1.0), replayed.

Theano's class gave every random variable its own ``numpy.random.RandomState``,
in a shared variable: the ``k``-th variable created by ``RandomStreams(seed)``
is seeded with the ``k``-th ``randint(2 ** 30)`` of ``RandomState(seed)``, and
draws with that state's method (:mod:`.raw_random`). A ``default_update``
replaces the state by the state after the draw, so each call of a compiled
function draws on. ``seed(s)`` re-seeds the variables made so far in the same
way from ``RandomState(s)``, and leaves the creation-order seeds where they
were (a variable created after ``seed`` continues them).

The kit does exactly this, so a legacy script draws the numbers it drew under
Theano 1.0.5, in float32 and float64: ``uniform``, ``normal``, ``binomial``
(any ``n``, ``p`` a number or a tensor), ``random_integers``,
``permutation``, ``choice``, ``poisson``, ``multinomial``
(``tests/test_theano_compat_randomstreams.py``, against Theano's recorded
numbers). The state travels through the graph as a vector; under Numba, the
draw runs in Numba's object mode and the rest of the function is compiled.

``RandomStreams()`` without a seed is seeded at random, as Theano's
(``seed=None``).
"""

import warnings

import numpy as np
from pytensor.tensor.sharedvar import TensorSharedVariable

from deeplearning_tutorials.theano_compat.errors import missing_names
from deeplearning_tutorials.theano_compat.tensor import raw_random
from deeplearning_tutorials.theano_compat.tensor.raw_random import random_state_type


class RandomStateSharedVariable(TensorSharedVariable):
    """A shared variable holding a ``numpy.random.RandomState`` (Theano's).

    The graph sees the state as a float64 vector (:mod:`.raw_random`);
    ``get_value`` gives a ``RandomState`` in that state (a new object: drawing
    from it does not advance the stream), ``set_value`` takes one.
    """

    def get_value(self, borrow=False, return_internal_type=False):
        vector = super().get_value(borrow=True, return_internal_type=True)
        if return_internal_type:
            return vector if borrow else vector.copy()
        return raw_random.decode_state(vector)

    def set_value(self, new_value, borrow=False):
        if isinstance(new_value, np.random.RandomState):
            new_value, borrow = raw_random.encode_state(new_value), True
        super().set_value(new_value, borrow=borrow)


def randomstate_constructor(value, name=None, strict=False, allow_downcast=None,
                            borrow=False):
    """A :class:`RandomStateSharedVariable` in ``value``'s state (a ``RandomState``)."""
    if not isinstance(value, np.random.RandomState):
        raise TypeError(f"randomstate_constructor needs a RandomState, not {type(value)}")
    return RandomStateSharedVariable(
        type=random_state_type, value=raw_random.encode_state(value), name=name,
        strict=strict, allow_downcast=allow_downcast,
    )


class RandomStreams:
    """Theano's ``RandomStreams(seed=None)``: NumPy ``RandomState`` draws that
    advance by themselves, Theano's numbers for Theano's seed."""

    def __init__(self, seed=None):
        #: ``(state variable, state after the draw)`` of every draw, in order
        self.state_updates = []
        self.default_instance_seed = seed
        #: seeds the state of each new draw, in creation order
        self.gen_seedgen = np.random.RandomState(seed)

    def updates(self):
        """The ``(state, next state)`` update of every draw so far."""
        return list(self.state_updates)

    def seed(self, seed=None):
        """Re-seed every draw made so far from ``seed`` (the instance's if None)."""
        if seed is None:
            seed = self.default_instance_seed
        seedgen = np.random.RandomState(seed)
        for old_r, _ in self.state_updates:
            old_r_seed = seedgen.randint(2 ** 30)
            old_r.set_value(np.random.RandomState(int(old_r_seed)), borrow=True)

    def __getitem__(self, item):
        """The ``RandomState`` of a draw's state variable (``item``), in its
        current state (a copy: drawing from it does not advance the stream)."""
        return item.get_value(borrow=True)

    def __setitem__(self, item, val):
        """Set the ``RandomState`` of a draw's state variable."""
        item.set_value(val, borrow=True)

    def gen(self, op, *args, **kwargs):
        """A new draw of ``op`` (a :mod:`.raw_random` function) with its own state."""
        seed = int(self.gen_seedgen.randint(2 ** 30))
        random_state_variable = randomstate_constructor(np.random.RandomState(seed), borrow=True)
        # marks it for the kit's check that compiled functions advance their streams
        random_state_variable.tag.is_rng = True
        new_r, out = op(random_state_variable, *args, **kwargs)
        out.rng = random_state_variable
        out.update = (random_state_variable, new_r)
        self.state_updates.append(out.update)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # PyTensor deprecates it
            random_state_variable.default_update = new_r
        return out

    # -- Theano's RandomStreamsBase -------------------------------------------------

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64", prob=None):
        """``n`` trials of probability ``p`` (``prob``: its old name); ``int64`` unless told."""
        if prob is not None:
            p = prob
            import sys

            print("DEPRECATION WARNING: the parameter prob to the binomal fct have been "
                  "renamed to p to have the same name as numpy.", file=sys.stderr)
        return self.gen(raw_random.binomial, size, n, p, ndim=ndim, dtype=dtype)

    def uniform(self, size=None, low=0.0, high=1.0, ndim=None, dtype=None):
        """Uniform draws in ``[low, high)``; ``dtype`` at least ``floatX``."""
        return self.gen(raw_random.uniform, size, low, high, ndim=ndim, dtype=dtype)

    def normal(self, size=None, avg=0.0, std=1.0, ndim=None, dtype=None):
        """Normal draws of mean ``avg`` and deviation ``std``."""
        return self.gen(raw_random.normal, size, avg, std, ndim=ndim, dtype=dtype)

    def random_integers(self, size=None, low=0, high=1, ndim=None, dtype="int64"):
        """Integers uniform in ``[low, high]``, both ends included."""
        return self.gen(raw_random.random_integers, size, low, high, ndim=ndim, dtype=dtype)

    def choice(self, size=None, a=2, replace=True, p=None, ndim=None, dtype="int64"):
        """Values of ``a`` (or ``range(a)``), with or without replacement."""
        return self.gen(raw_random.choice, size, a, replace, p, ndim=ndim, dtype=dtype)

    def poisson(self, size=None, lam=None, ndim=None, dtype="int64"):
        """Poisson draws of expectation ``lam``."""
        return self.gen(raw_random.poisson, size, lam, ndim=ndim, dtype=dtype)

    def permutation(self, size=None, n=1, ndim=None, dtype="int64"):
        """Permutations of ``0 .. n-1``, one per element of ``size``."""
        return self.gen(raw_random.permutation, size, n, ndim=ndim, dtype=dtype)

    def multinomial(self, size=None, n=1, pvals=(0.5, 0.5), ndim=None, dtype="int64"):
        """Multinomial counts over the last axis of ``pvals``."""
        return self.gen(raw_random.multinomial, size, n, pvals, ndim=ndim, dtype=dtype)

    def shuffle_row_elements(self, input):
        """``input`` with the elements of every row (last axis) shuffled."""
        import pytensor.tensor as pt

        input = pt.as_tensor_variable(input)
        perm = self.permutation(size=input.shape[:-1], n=input.shape[-1],
                                ndim=input.type.ndim - 1)
        shuffled = pt.permute_row_elements(input, perm)
        shuffled.permutation = perm
        return shuffled


__getattr__ = missing_names(__name__, {})
