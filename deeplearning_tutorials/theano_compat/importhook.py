"""The opt-in import hook: ``import theano`` resolves to the kit.

After :func:`install`, every ``import theano...`` in the process -- in the
script and in every module it imports -- is answered by the kit's module of
the same path (``theano.tensor.nnet.conv`` is
``deeplearning_tutorials.theano_compat.tensor.nnet.conv``). A path the kit does not have
fails with :class:`~.errors.TheanoImportError` (a ``ModuleNotFoundError``)
that says what to do instead. :func:`uninstall` removes
the hook and the ``theano`` modules it made.

The hook hands the whole process to legacy code, so it also gives variables
Theano 1.0's truth values (``if not W:``, :mod:`.truthiness`) while it is in
place.

A real Theano, if installed, is shadowed while the hook is in place.
"""

import importlib
import importlib.abc
import importlib.util
import sys

from deeplearning_tutorials.theano_compat import truthiness
from deeplearning_tutorials.theano_compat.errors import KIT, TheanoImportError


class _Alias(importlib.abc.Loader):
    """Loads an already importable module under another name."""

    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class TheanoFinder(importlib.abc.MetaPathFinder):
    """Maps ``theano`` and ``theano.*`` onto the kit's modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "theano" and not fullname.startswith("theano."):
            return None
        target = KIT + fullname[len("theano"):]
        try:
            spec = importlib.util.find_spec(target)
        except TheanoImportError:
            raise  # a name the kit knows it lacks: its advice
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            raise TheanoImportError(
                f"{fullname} is not supported by the porting kit ({KIT}); "
                "see doc/porting.md for what to use instead",
                name=None,
            )
        return importlib.util.spec_from_loader(fullname, _Alias(target))


def install():
    """Make ``import theano`` (and its submodules) resolve to the kit, and
    give variables Theano's truth values."""
    if not any(isinstance(finder, TheanoFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, TheanoFinder())
    truthiness.enable()
    return importlib.import_module("theano")


def uninstall():
    """Remove the hook, forget the ``theano`` modules it provided, and give
    variables PyTensor's truth values again."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, TheanoFinder)]
    truthiness.disable()
    for name in [n for n in sys.modules if n == "theano" or n.startswith("theano.")]:
        del sys.modules[name]


def installed():
    """Whether the hook is in place."""
    return any(isinstance(finder, TheanoFinder) for finder in sys.meta_path)
