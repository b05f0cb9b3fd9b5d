"""``theano.compat``: Theano's Python 2/3 helpers (Theano 0.7-1.0), on Python 3.

Legacy code imports its ``OrderedDict``, ``izip``, ``imap``, ``ifilter``,
``PY3``, ``decode``, ``DefaultOrderedDict`` ... from here (every name of
Theano 1.0.5's ``__all__``); under Python 3 Theano 1.0.5 defined them as below (``izip`` is ``zip``, ``OrderedDict`` is ``collections``'), without
``six``. The older module ``theano.compat.python2x`` (Theano 0.6-0.7:
``OrderedDict``, ``Counter``, ``DefaultOrderedDict``, ``any``, ``all`` ...) is
:mod:`.python2x`.
"""

import configparser  # noqa: F401 - Theano's six.moves.configparser
import io
from collections import OrderedDict  # noqa: F401
from collections.abc import Callable, Iterable, Mapping, ValuesView  # noqa: F401
from collections.abc import MutableMapping as DictMixin  # noqa: F401
from importlib import reload  # noqa: F401
from operator import truediv as operator_div  # noqa: F401

from deeplearning_tutorials.theano_compat.compat import python2x  # noqa: F401
from deeplearning_tutorials.theano_compat.compat.python2x import DefaultOrderedDict  # noqa: F401
from deeplearning_tutorials.theano_compat.errors import missing_names

PY3 = True
BytesIO = io.BytesIO
next = next  # noqa: A001 - Theano's six.next
izip = zip
imap = map
ifilter = filter


def b(s):
    """``six.b``: a ``str`` literal as ``bytes`` (Latin-1)."""
    return s.encode("latin-1")


def exc_message(e):
    """The message of an exception, unwrapping re-raised ones (Theano's)."""
    msg = e.args[0]
    if isinstance(msg, Exception):
        return exc_message(msg)
    return msg


def cmp(x, y):
    """Return -1 if x < y, 0 if x == y, 1 if x > y (Python 2's ``cmp``)."""
    return (x > y) - (x < y)


def get_unbound_function(unbound):
    """The function behind a bound method (itself otherwise)."""
    return getattr(unbound, "__func__", unbound)


def decode(x):
    """``bytes`` to ``str``."""
    return x.decode()


def decode_iter(itr):
    """Each ``bytes`` of ``itr`` as ``str``."""
    for x in itr:
        yield x.decode()


def decode_with(x, encoding):
    """``bytes`` to ``str`` in ``encoding``."""
    return x.decode(encoding)


def maybe_add_to_os_environ_pathlist(var, newpath):
    """Put an absolute ``newpath`` first in the path list ``os.environ[var]``
    unless it is there (Theano 1.0's)."""
    import os

    if os.path.isabs(newpath):
        try:
            oldpaths = os.environ[var].split(os.pathsep)
            if newpath not in oldpaths:
                os.environ[var] = os.pathsep.join([newpath] + oldpaths)
        except Exception:  # noqa: BLE001 - Theano's: best effort
            pass


__all__ = [
    "DefaultOrderedDict", "maybe_add_to_os_environ_pathlist", "PY3", "b", "BytesIO", "Callable", "next", "configparser", "reload", "cmp", "operator_div",
    "DictMixin", "Iterable", "Mapping", "OrderedDict", "ValuesView", "decode", "decode_iter",
    "decode_with", "exc_message", "get_unbound_function", "imap", "izip", "ifilter",
]

__getattr__ = missing_names(
    __name__,
    {
        "six": "Theano 0.7's bundled six is not ported: use Python 3's own names "
        "(range, zip, io.StringIO, pickle) or install six",
        "python3": "use Python 3's own names",
    },
)
