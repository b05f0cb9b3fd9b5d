"""Theano 1.0's truth value of a variable: ``if not W:`` means "no W given".

Legacy code often tests an optional argument with ``if not W:`` or ``if
input:`` instead of ``is None`` (the original tutorials' ``dA``, ``cA`` and
``rbm`` do). In Theano 1.0 that worked, because a variable was true:

* every tensor variable (symbolic, shared or constant) is true, except
* the result of a comparison written with an operator (``a < b``, ``a <= b``,
  ``a > b``, ``a >= b``), whose truth value raises ``TypeError: Variables do
  not support boolean operations.`` -- so that a chained comparison ``a < b <
  c``, which Python evaluates as ``(a < b) and (b < c)``, fails loudly
  instead of building half of what was meant (``T.lt(a, b)``, the function,
  gave a true variable);
* a scalar variable (``theano.scalar``) is true.

PyTensor raises ``TypeError`` for the truth value of *every* variable, so
``if not W:`` stops a legacy script. :func:`enable` gives PyTensor's tensor
and scalar variables Theano's truth values; :func:`disable` restores
PyTensor's.

Scope: the truth value belongs to PyTensor's variable classes, shared by
every module of the process, so it cannot be given to the kit's variables
only. It is therefore switched on by the way in that hands the whole process
to legacy code: the import hook (``theano_compat.install()``, which makes
every ``import theano`` the kit's) enables it, and ``uninstall()`` disables
it. A script ported by changing its imports calls :func:`enable` itself
(``deeplearning_tutorials.theano_compat.truthiness.enable()``). The project's
own modules never run with it unless a legacy program in the same process
asked for it; the only change they could see is that a truth test which
raised now answers ``True``.
"""

from pytensor.scalar.basic import _scalar_py_operators
from pytensor.tensor.variable import _tensor_py_operators

#: Theano 1.0's message for the truth value of a comparison's result
MESSAGE = "Variables do not support boolean operations."

_COMPARISONS = ("__lt__", "__le__", "__gt__", "__ge__")
_ORIGINAL = {
    (owner, name): owner.__dict__[name]
    for owner in (_tensor_py_operators, _scalar_py_operators)
    for name in ("__bool__", *_COMPARISONS)
}


def _theano_bool(self):
    """Theano 1.0's ``__bool__``: true, unless ``self`` came from ``<``,
    ``<=``, ``>`` or ``>=``."""
    if getattr(self, "_is_nonzero", True):
        return True
    raise TypeError(
        f"{MESSAGE} (Theano 1.0's rule, kept by the porting kit: the result of a "
        "comparison has no truth value; a chained comparison a < b < c needs "
        "T.and_(a < b, b < c))"
    )


def _marking(comparison):
    """``comparison`` whose result has no truth value, as Theano's had none."""

    def compare(self, other):
        result = comparison(self, other)
        if result is not NotImplemented:
            result._is_nonzero = False
        return result

    compare.__wrapped__ = comparison
    compare.__name__ = comparison.__name__
    return compare


def enable():
    """Give tensor and scalar variables Theano 1.0's truth values."""
    if enabled():
        return
    _tensor_py_operators.__bool__ = _theano_bool
    _scalar_py_operators.__bool__ = _theano_bool
    for name in _COMPARISONS:
        # scalar variables compared with operators were true in Theano: only
        # the tensor comparisons are marked
        setattr(_tensor_py_operators, name, _marking(_ORIGINAL[_tensor_py_operators, name]))


def disable():
    """PyTensor's truth values again: every variable's raises ``TypeError``."""
    for (owner, name), method in _ORIGINAL.items():
        setattr(owner, name, method)


def enabled():
    """Whether variables have Theano 1.0's truth values now."""
    return _tensor_py_operators.__dict__["__bool__"] is _theano_bool
