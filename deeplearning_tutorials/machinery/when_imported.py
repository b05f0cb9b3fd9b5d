"""Run a function when a module is imported, not before.

The project adds to PyTensor's Numba backend: its own ``Dot``
(:mod:`~deeplearning_tutorials.machinery.numba_dot`), the kernels of Theano's
MRG streams and of the convolutions, and a listener that times Numba's
compiles (:mod:`~deeplearning_tutorials.machinery.startup`). Registering them
means importing Numba and PyTensor's Numba dispatch, about a third of a
second, which a tutorial that runs on the C backend (CVM: mlp, SdA, rbm,
DBN) never needs. So the registrations wait for the module they extend::

    when_imported("pytensor.link.numba.dispatch", register_numba_dot)

calls ``register_numba_dot()`` right after ``pytensor.link.numba.dispatch``
has been imported, by whoever imports it first (PyTensor's ``NumbaLinker``
does, before it compiles anything), or at once if it is imported already.
A finder put first on ``sys.meta_path`` watches for the waited-for names
only; it lets the usual finders find the module and runs the callbacks once
the module's own code has run.
"""

import importlib
import importlib.abc
import sys

_waiting = {}  # module name: the callbacks still to call


class _Watcher(importlib.abc.MetaPathFinder):
    """Finds nothing itself: for a waited-for module, the spec that the
    other finders give, its loader made to call the callbacks afterwards."""

    def find_spec(self, name, path, target=None):
        if name not in _waiting:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            _call_after(spec.loader, name)
        return spec


def _call_after(loader, name):
    """Make ``loader`` (this module's own) call ``name``'s callbacks once it
    has run the module."""
    exec_module = loader.exec_module

    def exec_module_then_call(module):
        exec_module(module)
        for callback in _waiting.pop(name, []):
            callback()

    loader.exec_module = exec_module_then_call


_WATCHER = _Watcher()


def when_imported(name, callback):
    """Call ``callback()`` once module ``name`` is imported (at once if it is)."""
    if name in sys.modules:
        callback()
        return
    _waiting.setdefault(name, []).append(callback)
    if _WATCHER not in sys.meta_path:
        sys.meta_path.insert(0, _WATCHER)


def import_when_imported(name, module):
    """Import ``module``, whose import registers something, once module
    ``name`` is imported: ``import_when_imported("pytensor.link.numba.dispatch",
    "deeplearning_tutorials.nnet.numba_backend")``."""
    when_imported(name, lambda: importlib.import_module(module))
