"""The LISA-lab Deep Learning Tutorials on PyTensor.

One module per tutorial, with the original names: ``logistic_sgd``,
``logistic_cg``, ``mlp``, ``convolutional_mlp``, ``dA``, ``SdA``, ``rbm`` and
``DBN``. Each runs as ``python -m deeplearning_tutorials.<name>``.
The training practices that the SGD drivers offer on top (dropout,
learning-rate schedules, initialisations, losses, preprocessing; all off by
default) are in :mod:`deeplearning_tutorials.machinery.practices`.

Importing the package installs the project defaults for whatever
``PYTENSOR_FLAGS`` leaves unset: ``floatX=float32``, ``mode=NUMBA`` and Numba
fast-math off (see :mod:`deeplearning_tutorials.machinery.config`), and has
the Numba ``Dot`` that reads minibatch slices without copying them
(:mod:`deeplearning_tutorials.machinery.numba_dot`) registered when PyTensor's
Numba backend is loaded, before it compiles anything: a tutorial that runs on
the C backend loads neither Numba nor that backend
(:mod:`deeplearning_tutorials.machinery.when_imported`). It also adds a graph
rewrite that lets Numba cache the cA's training function
(:mod:`deeplearning_tutorials.machinery.rewrites`), and one that hands a
``scan`` its transposed weights in C order under the C backend, once per
call (:mod:`deeplearning_tutorials.machinery.scan_transpose`). Once Numba is
loaded, the functions that call a graph's operations in order, and
PyTensor's one-line cache wrappers, are not optimised by LLVM a second time
over the operations' code
(:mod:`deeplearning_tutorials.machinery.numba_graph_opt`).
"""

from deeplearning_tutorials.machinery import config as _config
from deeplearning_tutorials.machinery import numba_graph_opt as _numba_graph_opt
from deeplearning_tutorials.machinery import precompiled_headers as _precompiled_headers
from deeplearning_tutorials.machinery import rewrites as _rewrites  # noqa: F401
from deeplearning_tutorials.machinery import scan_transpose as _scan_transpose  # noqa: F401
from deeplearning_tutorials.machinery.when_imported import when_imported as _when_imported

_config.apply_defaults()


def _register_numba_dot():
    try:
        from deeplearning_tutorials.machinery import numba_dot
    except ImportError:  # pragma: no cover - numba is a PyTensor dependency
        return
    # Numba's on-disk cache (in PyTensor's compile directory) names the module
    # that defined each cached function; caches written before the machinery
    # moved into machinery/ name deeplearning_tutorials.numba_dot: keep that
    # name importable, so that an existing cache is read and not refused
    import sys

    sys.modules.setdefault(f"{__name__}.numba_dot", numba_dot)


_when_imported("pytensor.link.numba.dispatch", _register_numba_dot)
_when_imported("numba.core.codegen", _numba_graph_opt.install)
_when_imported("pytensor.link.numba.dispatch.basic", _numba_graph_opt.name_cache_wrappers)
_when_imported("pytensor.link.c.cmodule", _precompiled_headers.install)

__version__ = "0.1.0"
