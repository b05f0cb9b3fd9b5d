"""The porting kit: legacy Theano scripts run after changing their imports.

Two ways in (doc/porting.md, "Change the imports"):

* change the import lines::

      from deeplearning_tutorials.theano_compat import theano
      import deeplearning_tutorials.theano_compat.tensor as T
      from deeplearning_tutorials.theano_compat.tensor.signal import downsample
      from deeplearning_tutorials.theano_compat.sandbox.rng_mrg import MRG_RandomStreams

* or leave them as they are and install the import hook first, once per
  process::

      import deeplearning_tutorials.theano_compat
      deeplearning_tutorials.theano_compat.install()
      import theano, theano.tensor as T   # the kit's modules

This package *is* the kit's ``theano`` module (``theano`` below is the
package itself): ``function``, ``shared``, ``scan``, ``In``, ``Param``, ``Mode``,
``config``, ``grad``, ``tensor``, ``scalar``, ``sandbox``, ``printing``,
``gradient``, ``ifelse``, ``compat`` (``import theano`` made ``theano.scalar``
and the rest attributes at once, and legacy code relies on it: the HMC
tutorial calls ``theano.scalar.upcast`` after a bare ``import theano``).
Each submodule states which Theano version's signatures and defaults it
follows; a name the kit does not offer raises
:class:`~.errors.TheanoNameError` saying what to do instead.
"""

import sys

import pytensor
from pytensor import Out, shared  # noqa: F401
from pytensor.tensor import dot  # noqa: F401
from pytensor.printing import pp  # noqa: F401

import deeplearning_tutorials  # noqa: F401 - the project's defaults (floatX float32, Numba)
from deeplearning_tutorials.theano_compat import (
    compat,
    gradient,
    ifelse,
    printing,
    sandbox,
    scalar,
    tensor,
)
from deeplearning_tutorials.theano_compat.compile import (
    FrozenNoiseError,
    In,
    Mode,
    Param,
    ShapeMismatchError,
    function,
)
from deeplearning_tutorials.theano_compat.config import apply_theano_flags, config
from deeplearning_tutorials.theano_compat.gradient import grad
from deeplearning_tutorials.theano_compat.errors import (
    TheanoImportError,
    TheanoNameError,
    missing_names,
)
from deeplearning_tutorials.theano_compat.importhook import install, installed, uninstall
from deeplearning_tutorials.theano_compat.scan_module import scan

#: the Theano API whose signatures and defaults the kit follows, at most
__version__ = "1.0.5"

#: ``from deeplearning_tutorials.theano_compat import theano``: the kit itself
theano = sys.modules[__name__]

apply_theano_flags()

__all__ = [
    "FrozenNoiseError", "In", "Mode", "Out", "Param", "ShapeMismatchError", "TheanoImportError",
    "TheanoNameError", "compat", "config", "dot", "function", "grad", "gradient", "ifelse", "install", "installed",
    "printing", "sandbox", "scalar", "scan", "shared", "tensor", "theano", "uninstall",
]

__getattr__ = missing_names(
    __name__,
    {
        "sparse": "theano.sparse is not ported; pytensor.sparse has a subset",
        "d3viz": "use pytensor.d3viz",
        "compile": "use theano.function, theano.In, theano.Mode and theano.shared",
        "gof": "Theano's graph framework is pytensor.graph",
        "scan_module": "use theano.scan",
    },
)
