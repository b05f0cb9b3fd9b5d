"""``theano.gradient``: PyTensor's gradient module (``grad``, ``jacobian``,
``hessian``, ``disconnected_grad``, ``zero_grad``, ``grad_clip`` ...), with
Theano's ``grad`` taking ``wrt`` as Python 2 code handed it.

Theano's ``grad(cost, wrt)`` returned a list for a list ``wrt``, a tuple for
a tuple, one gradient for one variable. Under Python 2, ``params.values()``,
``zip(...)`` and ``map(...)`` were lists; under Python 3 they are views and
iterators, which PyTensor's ``grad`` (and Theano 1.0.5's, under Python 3)
takes for one variable and fails on with an ``AttributeError``. The kit's
``grad`` turns any other iterable of variables (a dict view, a generator, a
``zip``) into a list and returns a list, as Python 2 code expects.
"""

from pytensor.gradient import *  # noqa: F403
from pytensor.gradient import grad as _pytensor_grad
from pytensor.graph.basic import Variable

from deeplearning_tutorials.theano_compat.errors import missing_names


def grad(cost, wrt, *args, **kwargs):
    """Theano's ``grad(cost, wrt, consider_constant=None,
    disconnected_inputs='raise', add_names=True, known_grads=None,
    return_disconnected='zero', null_gradients='raise')``; ``wrt`` may be
    any iterable of variables (a list of gradients comes back)."""
    if not isinstance(wrt, (Variable, list, tuple)) and hasattr(wrt, "__iter__"):
        wrt = list(wrt)
    return _pytensor_grad(cost, wrt, *args, **kwargs)


__getattr__ = missing_names(__name__, {"format_as": "write the list/tuple conversion by hand"})
