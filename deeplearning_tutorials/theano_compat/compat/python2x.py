"""``theano.compat.python2x`` (Theano 0.6-0.7): Python 2.4-2.7 back-ports, on Python 3.

Theano defined these for Pythons that lacked them and otherwise re-exported
the standard library's: under Python 3 they are the standard library's
(``OrderedDict`` and ``Counter`` from ``collections``, ``DictMixin`` is
``MutableMapping``, ``any``/``all`` the builtins), plus Theano's own
``DefaultOrderedDict`` (an ``OrderedDict`` with a ``default_factory``).
Legacy code's ``from theano.compat.python2x import OrderedDict`` works as it
did.
"""

import builtins
from collections import Counter, OrderedDict, defaultdict, deque  # noqa: F401
from collections.abc import Callable  # noqa: F401
from collections.abc import MutableMapping as DictMixin  # noqa: F401
from functools import partial  # noqa: F401
from itertools import combinations, product  # noqa: F401
from sys import maxsize  # noqa: F401

from deeplearning_tutorials.theano_compat.errors import missing_names

all = builtins.all  # noqa: A001
any = builtins.any  # noqa: A001


class DefaultOrderedDict(OrderedDict):
    """Theano 0.6's ordered dict with a ``default_factory``, as ``defaultdict``."""

    def __init__(self, default_factory=None, *a, **kw):
        if default_factory is not None and not callable(default_factory):
            raise TypeError("first argument must be callable")
        OrderedDict.__init__(self, *a, **kw)
        self.default_factory = default_factory

    def __missing__(self, key):
        if self.default_factory is None:
            raise KeyError(key)
        self[key] = value = self.default_factory()
        return value

    def __reduce__(self):
        args = () if self.default_factory is None else (self.default_factory,)
        return type(self), args, None, None, iter(list(self.items()))

    def copy(self):
        return self.__copy__()

    def __copy__(self):
        return type(self)(self.default_factory, self)


__all__ = ["all", "any", "partial", "defaultdict", "deque", "combinations", "product",
           "maxsize", "DictMixin", "OrderedDict", "Counter", "DefaultOrderedDict", "Callable"]

__getattr__ = missing_names(__name__, {})
