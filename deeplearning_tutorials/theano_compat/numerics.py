"""Theano 1.0's sigmoid and softplus, as its C code computed them.

Theano 1.0.5 compiled ``T.nnet.sigmoid`` and ``T.nnet.softplus`` to C code
that clipped (``theano/tensor/nnet/sigm.py``)::

    sigmoid   float64: x < -709 ? 0 : x > 19 ? 1 : 1 / (1 + exp(-x))
              float32: x < -88  ? 0 : x > 15 ? 1 : 1 / (1 + exp(-x))
    softplus  float64: x < -745 ? 0 : x > 16 ? x : log1p(exp(x))
              float32: x < -103 ? 0 : x > 14 ? x : log1p(exp(x))

each in the input's precision (C++'s ``exp`` of a ``float`` is the float
overload). PyTensor's versions do not clip, and its softplus is exact to the
last bit (``x + exp(-x)`` above 18). The difference is small but not below what the
tutorials print: ``softplus(17)`` is 17 in Theano and ``17 + 4.1e-8`` in
PyTensor, and an RBM's free energy sums such terms over its hidden units.

Theano's graph rewrites turned ``log(sigmoid(x))`` into ``-softplus(-x)``,
``log(1 - sigmoid(x))`` into ``-softplus(x)`` and ``log(1 + exp(x))`` into
``softplus(x)`` first, and PyTensor's do the same; so the rewrite here runs
after them (position 48.9, just before elementwise fusion) and replaces each
remaining ``sigmoid`` and ``softplus`` by the formula Theano's C code used.

It is registered under the tag ``theano_numerics`` only, which PyTensor's
modes do not include: the kit's ``theano.function`` and ``theano.scan``
compile with :func:`theano_mode`, which adds it, and the project's own
modules never see it.
"""

import pytensor.tensor as pt
from pytensor.compile.mode import get_default_mode, get_mode, optdb
from pytensor.graph.rewriting.basic import in2out, node_rewriter
from pytensor.scalar.math import Sigmoid, Softplus
from pytensor.tensor.elemwise import Elemwise

#: the tag of the kit's rewrites
TAG = "theano_numerics"

#: (low, high) thresholds of Theano 1.0.5's C code, by dtype
SIGMOID_BOUNDS = {"float64": (-709.0, 19.0), "float32": (-88.0, 15.0)}
SOFTPLUS_BOUNDS = {"float64": (-745.0, 16.0), "float32": (-103.0, 14.0)}


def theano_sigmoid(x):
    """The sigmoid as Theano 1.0.5's C code computed it."""
    low, high = SIGMOID_BOUNDS[x.dtype]
    zero, one = pt.constant(0, dtype=x.dtype), pt.constant(1, dtype=x.dtype)
    core = pt.true_div(one, one + pt.exp(-x))
    return pt.switch(pt.lt(x, low), zero, pt.switch(pt.gt(x, high), one, core))


def theano_softplus(x):
    """The softplus as Theano 1.0.5's C code computed it."""
    low, high = SOFTPLUS_BOUNDS[x.dtype]
    zero = pt.constant(0, dtype=x.dtype)
    core = pt.log1p(pt.exp(x))
    return pt.switch(pt.lt(x, low), zero, pt.switch(pt.gt(x, high), x, core))


_FORMULAS = {Sigmoid: (theano_sigmoid, SIGMOID_BOUNDS), Softplus: (theano_softplus, SOFTPLUS_BOUNDS)}


@node_rewriter([Elemwise])
def theano_sigmoid_and_softplus(fgraph, node):
    """``sigmoid`` and ``softplus`` replaced by Theano's C formulas."""
    formula, bounds = _FORMULAS.get(type(node.op.scalar_op), (None, {}))
    (x,) = node.inputs if len(node.inputs) == 1 else (None,)
    if formula is None or x is None or x.dtype not in bounds:
        return None
    if node.outputs[0].dtype != x.dtype:
        return None
    return [formula(x)]


optdb.register("theano_sigmoid_and_softplus", in2out(theano_sigmoid_and_softplus), TAG,
               position=48.9)


def theano_mode(mode=None):
    """``mode`` (a name, a Mode, or None for the default) with the kit's
    rewrites; a mode without an optimizer to extend is returned as it is."""
    resolved = get_default_mode() if mode is None else get_mode(mode)
    try:
        return resolved.including(TAG)
    except (AttributeError, TypeError):
        return mode
