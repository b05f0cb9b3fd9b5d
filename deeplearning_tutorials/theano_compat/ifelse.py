"""``theano.ifelse``: PyTensor's ``ifelse`` (a lazy two-way branch), as in
Theano 0.6-1.0."""

from pytensor.ifelse import IfElse, ifelse  # noqa: F401
