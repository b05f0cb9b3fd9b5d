"""What the kit says when a legacy name has no port.

A legacy script that reaches for a Theano name the kit does not offer must
learn *what to do instead*, at the line that asked, not from an
``AttributeError`` deep inside PyTensor. Each kit module ends with
``__getattr__ = missing_names(__name__, {...})``: a PEP 562 module hook that
answers every unknown attribute with :class:`TheanoNameError`, naming the
advice for the names listed and the porting guide for the rest.

Imports get the same answer: ``from theano.tensor.nnet import neighbours``,
``from theano.tensor.signal.pool import pool_3d`` and ``import
theano.sandbox.cuda`` raise :class:`TheanoImportError` (a
``ModuleNotFoundError``, so ``try: ... except ImportError:`` fallbacks in
legacy code keep working) with the advice of the module asked. Python turns
an ``AttributeError`` raised during ``from module import name`` into its own
``cannot import name`` message; to keep the kit's, every kit module answers
``__path__`` (as a package would) so that Python looks for the name as a
submodule, and :class:`KitFinder`, last on ``sys.meta_path``, answers that
search with the advice.
"""

import importlib.abc
import sys

GUIDE = "doc/porting.md"
KIT = "deeplearning_tutorials.theano_compat"

#: ``{kit module name: {legacy name: advice}}``, filled by :func:`missing_names`
ADVICE = {}


class TheanoNameError(AttributeError, NotImplementedError):
    """A Theano name the porting kit does not support.

    It is an ``AttributeError`` (so ``hasattr`` and ``getattr(..., default)``
    keep working) and a ``NotImplementedError`` (what it means).
    """


class TheanoImportError(ModuleNotFoundError):
    """An import of a Theano module or name the porting kit does not support.

    A ``ModuleNotFoundError`` (an ``ImportError``), so that legacy
    ``try: import ... except ImportError:`` fallbacks keep working; its
    message is the one :class:`TheanoNameError` gives for the same name.
    """


def legacy_name(module):
    """``deeplearning_tutorials.theano_compat.tensor.nnet`` -> ``theano.tensor.nnet``."""
    return "theano" + module.split(KIT, 1)[1] if module.startswith(KIT) else module


def message(module, name):
    """What the kit says about ``name`` missing from kit ``module``."""
    hint = ADVICE.get(module, {}).get(
        name, f"write it in PyTensor (see {GUIDE}, 'write native PyTensor')"
    )
    return (f"{legacy_name(module)}.{name} is not supported by the porting kit "
            f"({KIT}): {hint}")


def missing_names(module, advice):
    """A module ``__getattr__`` raising :class:`TheanoNameError` with ``advice``.

    :param module: the kit module's ``__name__``; the legacy name is its
        tail after ``theano_compat`` (``theano.tensor.nnet`` ...)
    :param advice: ``{name: what to do instead}`` for known gaps
    """
    ADVICE[module] = dict(advice)
    _install_finder()

    def __getattr__(name):
        if name == "__path__":
            # a module answers like a package: `from module import missing`
            # then searches a submodule, which KitFinder answers with the advice
            return []
        if name.startswith("__"):
            raise AttributeError(name)
        raise TheanoNameError(message(module, name))

    return __getattr__


class KitFinder(importlib.abc.MetaPathFinder):
    """Answers an import of a kit module that does not exist with the kit's
    advice (last on ``sys.meta_path``: only what no other finder found)."""

    def find_spec(self, fullname, path=None, target=None):
        parent, _, name = fullname.rpartition(".")
        if parent not in ADVICE:
            return None
        # name=None: Python's `from package import name` swallows a
        # ModuleNotFoundError named after the submodule it looked for, and
        # would say `cannot import name` instead
        raise TheanoImportError(message(parent, name), name=None)


def _install_finder():
    if not any(isinstance(finder, KitFinder) for finder in sys.meta_path):
        sys.meta_path.append(KitFinder())
