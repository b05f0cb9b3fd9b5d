"""Theano 1.0's signatures where PyTensor's twin of a ``T.*`` name changed.

Each function here is the ``theano.tensor`` function of that name as
Theano 1.0.5 called it, computed by PyTensor's: the same arguments in the
same places and the same defaults, so that a legacy call that worked
still works and means what it meant. What each one fixes:

=======================================  =========================================
Theano 1.0 call                          PyTensor 3
=======================================  =========================================
``T.stack(a, b, c)`` (0.7's form,        ``stack(tensors, axis=0)`` only: the
deprecated in 1.0 but accepted)          second tensor would be the axis
``T.split(x, sizes, n_splits, axis)``    ``n_splits`` keyword-only
``T.tile(x, reps, ndim=None)``           no ``ndim``
``T.tensor(dtype, broadcastable)``       ``tensor(name, dtype=, shape=)``
``T.dot(a=..., b=...)``                  named ``l`` and ``r``
``T.mean(x, ..., op=False)``             no ``op``
``T.inv(x)`` (1/x, elementwise)          removed (``reciprocal``)
=======================================  =========================================
"""

import warnings

import pytensor.tensor as _pt

__all__ = ["dot", "inv", "mean", "split", "stack", "tensor", "tile"]

#: ``T.inv``: Theano's elementwise reciprocal (PyTensor's ``inv`` was removed
#: in favour of ``reciprocal``; its ``linalg.inv`` is a matrix inverse)
inv = _pt.reciprocal


def stack(*tensors, **kwargs):
    """Theano 1.0's ``stack``: ``stack([a, b], axis=0)``, and, with a
    ``DeprecationWarning`` as Theano gave, the older ``stack(a, b, c)``."""
    if not tensors and not kwargs:
        raise TypeError("theano.tensor.stack(tensors, axis) must have at least one parameter")
    if not kwargs and not isinstance(tensors[0], (list, tuple)):
        warnings.warn("stack(*tensors) interface is deprecated, use stack(tensors, axis=0) "
                      "instead.", DeprecationWarning, stacklevel=2)
        axis = 0
    elif "tensors" in kwargs:
        tensors, axis = kwargs["tensors"], kwargs.get("axis", 0)
    else:
        axis = tensors[1] if len(tensors) == 2 else kwargs.get("axis", 0)
        tensors = tensors[0]
    return _pt.stack(list(tensors), axis=axis)


def split(x, splits_size, n_splits, axis=0):
    """Theano 1.0's ``split(x, splits_size, n_splits, axis=0)``: a list of
    ``n_splits`` pieces of ``x`` along ``axis``, of the sizes given."""
    return _pt.split(x, splits_size, n_splits=n_splits, axis=axis)


def tile(x, reps, ndim=None):
    """Theano 1.0's ``tile(x, reps, ndim=None)``: ``numpy.tile``, with an
    output of ``ndim`` dimensions where given (``reps`` padded with leading
    ones); a symbolic vector ``reps`` needs ``ndim`` to be its length."""
    x = _pt.as_tensor_variable(x)
    if ndim is not None and ndim < x.ndim:
        raise ValueError("ndim should be equal or larger than x.ndim")
    if not isinstance(reps, (list, tuple)):
        symbolic = _pt.as_tensor_variable(reps)
        if symbolic.ndim == 0:
            reps = [reps]
        elif symbolic.ndim == 1:
            if ndim is None:
                raise ValueError("if reps is tensor.vector, you should specify the ndim")
            reps = [symbolic[i] for i in range(ndim)]
        else:
            raise ValueError("the dimension of reps should not exceed 1")
    elif ndim is not None and len(reps) > ndim:
        raise ValueError("len(reps) should be equal or less than ndim")
    reps = list(reps)
    if ndim is not None and len(reps) < ndim:
        reps = [1] * (ndim - len(reps)) + reps
    return _pt.tile(x, reps)


def tensor(*args, **kwargs):
    """Theano 1.0's ``tensor(dtype, broadcastable, name=None)``: a variable of
    that type (``broadcastable`` a tuple of booleans, True for an axis of
    length 1)."""
    name = kwargs.pop("name", None)
    names = ("dtype", "broadcastable")
    kwargs.update(zip(names, args))
    if len(args) > len(names) or set(kwargs) - {*names, "sparse_grad"}:
        raise TypeError("theano.tensor.tensor takes dtype, broadcastable and name")
    if kwargs.pop("sparse_grad", False):
        raise NotImplementedError("TensorType(sparse_grad=True) is not ported: sparse "
                                  "gradients are pytensor.sparse's")
    shape = tuple(1 if flag else None for flag in kwargs["broadcastable"])
    return _pt.TensorType(kwargs["dtype"], shape=shape)(name=name)


def dot(a, b):
    """Theano 1.0's ``dot(a, b)`` (PyTensor names them ``l`` and ``r``)."""
    return _pt.dot(a, b)


def mean(input, axis=None, dtype=None, op=False, keepdims=False, acc_dtype=None):
    """Theano 1.0's ``mean``; ``op=True`` (its ``Mean`` Op, a float64 result
    of one axis or all) is refused: write ``T.mean(x, dtype='float64')``."""
    if op:
        raise NotImplementedError("T.mean(..., op=True) (Theano's Mean Op) is not ported: "
                                  "write T.mean(x, axis, dtype='float64')")
    return _pt.mean(input, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)
