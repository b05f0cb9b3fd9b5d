"""A graph rewrite the project adds to PyTensor's: reshaping an array of one
value gives an array of that value.

It is there for the contractive autoencoder (cA). Its penalty is floor-divided
(``T.sum(J ** 2) // n_batchsize``, as in the original), whose gradient is
zero; ``pytensor.grad`` carries that zero back through the penalty's
``reshape`` of ``W`` as ``reshape(alloc(0, 1, 784, 500), W.shape)``, and
PyTensor folds the ``alloc`` into a constant array of zeros (1.5 MB for the
784 x 500 weights) that the weights' update adds. Numba does not put an array
constant of more than a megabyte into the machine code: it keeps a pointer
to it (a *dynamic global*), and a function that holds one cannot be cached
("Cannot cache compiled function ... as it uses dynamic globals"). So the
cA's training function was compiled again at every start, two seconds.

``reshape(x, shape)`` of an ``x`` whose elements are all one value ``v``
(an ``alloc(v, ...)``, or a constant array of one value) is rewritten
``alloc(v, *shape)``. PyTensor's own rewrites then see the zeros an
elementwise sum adds and drop them (an ``alloc`` of one value within an
``Elemwise`` is its value, broadcast, and ``x + 0`` is ``x``): the update
computes what it computed, without the array, and Numba caches it. Adding
a zero leaves every other number as it was, so the cA prints the same.
(A ``reshape`` to a shape of another size raises an error; the ``alloc`` of
the new shape does not: only a graph that could not run loses that error.)
"""

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Constant
from pytensor.graph.rewriting.basic import node_rewriter
from pytensor.tensor.basic import Alloc
from pytensor.tensor.rewriting.basic import register_canonicalize, register_specialize
from pytensor.tensor.shape import Reshape


def one_value(x):
    """The scalar that every element of ``x`` equals, where the graph says
    so (an ``alloc`` of a scalar, a constant array of one value), else None."""
    if isinstance(x, Constant):
        data = np.asarray(x.data)
        if data.size and (data == data.flat[0]).all():
            return pt.constant(data.flat[0], dtype=data.dtype)
        return None
    if x.owner is not None and isinstance(x.owner.op, Alloc) and x.owner.inputs[0].ndim == 0:
        return x.owner.inputs[0]
    return None


@register_canonicalize
@register_specialize
@node_rewriter([Reshape])
def local_reshape_of_one_value(fgraph, node):
    """``reshape(alloc(v, ...), shape)`` -> ``alloc(v, *shape)``."""
    x, shape = node.inputs
    value = one_value(x)
    if value is None:
        return None
    [out] = node.outputs
    new = pt.alloc(value, *(shape[i] for i in range(out.ndim)))
    try:
        return [out.type.filter_variable(new)]
    except TypeError:  # static shapes that cannot agree
        return None
