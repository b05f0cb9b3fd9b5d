"""``theano.ifelse``: PyTensor's ``ifelse`` (a lazy two-way branch), as in
Theano 0.6-1.0."""

from pytensor.ifelse import IfElse, ifelse  # noqa: F401

from deeplearning_tutorials.theano_compat.errors import missing_names  # noqa: E402

__getattr__ = missing_names(__name__, {})
