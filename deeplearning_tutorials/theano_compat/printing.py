"""``theano.printing``: PyTensor's printing module (``pprint``,
``debugprint``, ``Print``, ``pydotprint`` when pydot is installed)."""

from pytensor.printing import *  # noqa: F403
from pytensor.printing import Print, debugprint, pp, pprint  # noqa: F401

from deeplearning_tutorials.theano_compat.errors import missing_names

__getattr__ = missing_names(__name__, {})
