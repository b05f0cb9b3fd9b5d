"""The LISA-lab Deep Learning Tutorials on PyTensor.

One module per tutorial, with the original names: ``logistic_sgd``,
``logistic_cg``, ``mlp``, ``convolutional_mlp``, ``dA``, ``SdA``, ``rbm`` and
``DBN``. Each runs as ``python -m deeplearning_tutorials.<name>``.
The training practices that the SGD drivers offer on top (dropout,
learning-rate schedules, initialisations, losses, preprocessing; all off by
default) are in :mod:`deeplearning_tutorials.machinery.practices`.

Importing the package installs the project defaults for whatever
``PYTENSOR_FLAGS`` leaves unset: ``floatX=float32``, ``mode=NUMBA`` and Numba
fast-math off (see :mod:`deeplearning_tutorials.machinery.config`), and registers the
Numba ``Dot`` that reads minibatch slices without copying them
(:mod:`deeplearning_tutorials.machinery.numba_dot`).
"""

from deeplearning_tutorials.machinery import config as _config

_config.apply_defaults()

try:
    from deeplearning_tutorials.machinery import numba_dot as _numba_dot  # noqa: F401
except ImportError:  # pragma: no cover - numba is a PyTensor dependency
    pass
else:
    # Numba's on-disk cache (in PyTensor's compile directory) names the module
    # that defined each cached function; caches written before the machinery
    # moved into machinery/ name deeplearning_tutorials.numba_dot: keep that
    # name importable, so that an existing cache is read and not refused
    import sys as _sys

    _sys.modules.setdefault(f"{__name__}.numba_dot", _numba_dot)

__version__ = "0.1.0"
