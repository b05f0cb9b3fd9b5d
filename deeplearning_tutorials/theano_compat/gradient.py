"""``theano.gradient``: PyTensor's gradient module (``grad``, ``jacobian``,
``hessian``, ``disconnected_grad``, ``zero_grad``, ``grad_clip`` ...)."""

from pytensor.gradient import *  # noqa: F403
from pytensor.gradient import grad  # noqa: F401
