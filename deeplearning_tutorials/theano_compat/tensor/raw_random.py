"""``theano.tensor.raw_random`` (Theano 0.6-1.0): draws from NumPy ``RandomState`` objects.

Theano's ``shared_randomstreams.RandomStreams`` was built on this module: a
random variable is the output of a :class:`RandomFunction` Op whose first input
is a ``numpy.random.RandomState`` held in a shared variable, and whose
``perform`` calls that state's method (``uniform``, ``normal``, ``binomial``
...) with the draw's parameters and size, on a copy of the state, returning the
advanced copy as a second output (the state's next value). This module is a
port of Theano 1.0.5's, line for line where numbers depend on it:

* the output dtype and shape rules (``_infer_ndim_bcast``): ``size`` a tuple of
  ints and variables, a ``-1`` borrowing a parameter's length, a symbolic
  vector (``x.shape``), or ``None`` (the parameters' broadcast shape; NumPy is
  then called with ``size=None``); ``dtype`` of ``uniform``/``normal``
  defaulting to ``upcast(floatX, low, high)``;
* the parameters reach NumPy as the arrays Theano built from them: a Python
  float is a ``floatX`` constant (``-0.3`` under ``floatX=float32`` is
  ``float32(-0.3)``, which NumPy widens to ``-0.30000001192...``), as in
  Theano (PyTensor kept Theano's ``autocast_float``);
* the helpers that loop in Python (``random_integers`` draws one
  ``randint(low, high + 1)`` per element; ``permutation`` one
  ``permutation(n)`` per row; ``choice`` maps an empty ``p`` to ``None``;
  ``multinomial`` rescales ``pvals`` that sum a little over 1);
* the draw is made in NumPy's dtype and then cast to the output dtype (a
  float32 ``uniform`` is the float64 draw rounded).

NumPy keeps ``RandomState``'s streams unchanged across versions, so under
NumPy 2 the draws are Theano's (``tests/test_theano_compat_randomstreams.py``
holds them against numbers drawn by Theano 1.0.5 with NumPy 1.19).

The state travels through the graph as a float64 vector (its legacy
``get_state()``, :data:`random_state_type`), so a compiled function carries it
as an array: under Numba (PyTensor's default backend) the draw runs in
Numba's object mode, everything else compiled; JAX has no object mode, and a
function that draws runs on the CPU there (the kit's ``theano.function``
says so).
"""

import sys
import threading
from functools import reduce

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.gradient import grad_undefined
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.scalar import upcast
from pytensor.tensor.exceptions import ShapeError

from deeplearning_tutorials.machinery.when_imported import when_imported
from deeplearning_tutorials.theano_compat.errors import missing_names

__all__ = [
    "RandomFunction", "RandomStateType", "binomial", "choice", "multinomial", "normal",
    "permutation", "poisson", "random_integers", "random_state_type", "uniform",
]


#: the length of a state vector: MT19937's 624 words, its position, whether a
#: second Gaussian is cached, and that Gaussian
STATE_LENGTH = 627


#: the type of a ``numpy.random.RandomState``'s state in a graph. Theano's
#: state was the ``RandomState`` object itself, which neither Numba nor JAX
#: can hold; the kit's is its legacy state (``get_state()``) as a float64
#: vector (every word of MT19937 is exact in float64), so a compiled function
#: passes it like any array and only the draw itself runs in Python.
#: :func:`encode_state` and :func:`decode_state` convert.
random_state_type = pt.TensorType("float64", shape=(STATE_LENGTH,))


def RandomStateType():
    """Theano's ``RandomStateType()``: :data:`random_state_type`."""
    return random_state_type


_scratch = threading.local()


def encode_state(state):
    """A ``RandomState``'s legacy state as a float64 vector (:data:`random_state_type`)."""
    _, key, pos, has_gauss, gauss = state.get_state(legacy=True)
    return np.concatenate([key.astype("float64"), [pos, has_gauss, gauss]])


def decode_state(vector, into=None):
    """The ``RandomState`` whose state ``vector`` encodes (``into`` one given)."""
    if into is None:
        into = np.random.RandomState(0)
    vector = np.asarray(vector, dtype="float64")
    into.set_state(("MT19937", vector[:624].astype("uint32"), int(vector[624]),
                    int(vector[625]), float(vector[626])))
    return into


def copy_state(state):
    """An independent copy of a ``RandomState`` (its cached Gaussian included)."""
    return decode_state(encode_state(state))


class RandomFunction(Op):
    """Theano's Op that draws with a method of a ``numpy.random.RandomState``.

    ``fn`` names a ``RandomState`` method (``'uniform'``, ``'normal'``,
    ``'binomial'``, ``'poisson'``) or one of this module's helpers
    (``'random_integers'``, ``'permutation'``, ``'choice'``,
    ``'multinomial'``); ``outtype`` is the draw's ``TensorType``;
    ``ndim_added`` the axes the draw adds to ``size`` (1 for ``permutation``
    and ``multinomial``). Inputs: the state, the size (an int64 vector; empty
    means NumPy's ``size=None``), the parameters. Outputs: the state after the
    draw, and the draw.
    """

    __props__ = ("fn", "outtype", "ndim_added")

    def __init__(self, fn, outtype, ndim_added=0):
        if fn not in _FUNCTIONS:
            raise ValueError(f"RandomFunction: unknown distribution {fn!r}")
        self.fn = fn
        self.outtype = outtype
        self.ndim_added = ndim_added

    def __str__(self):
        return f"RandomFunction{{{self.fn}}}"

    def make_node(self, r, shape, *args):
        shape_ = pt.as_tensor_variable(shape, ndim=1)
        shape = shape_.astype("int64") if isinstance(shape, tuple) and shape == () else shape_
        if shape.type.ndim != 1 or shape.type.dtype not in ("int64", "int32"):
            raise TypeError(f"RandomFunction: the size must be an int vector, not {shape.type}")
        if r.type != random_state_type:
            raise TypeError(f"RandomFunction draws from a RandomStateType variable, not {r.type}")
        args = [pt.as_tensor_variable(a) for a in args]
        return Apply(self, [r, shape, *args], [r.type(), self.outtype()])

    def infer_shape(self, fgraph, node, i_shapes):
        shp = node.inputs[1]
        unknown = len(getattr(shp, "data", [0, 1, 2])) == 0
        if self.ndim_added == 0 and not unknown:
            return [None, [shp[i] for i in range(node.outputs[1].type.ndim)]]
        raise ShapeError()

    def perform(self, node, inputs, outputs):
        r, shape, args = inputs[0], inputs[1], list(inputs[2:])
        # an empty size: NumPy draws the parameters' shape (its size=None)
        shape = None if len(shape) == 0 else tuple(int(s) for s in shape)
        out_ndim = self.outtype.ndim
        if shape is not None and out_ndim != len(shape) + self.ndim_added:
            raise ValueError(
                f"Shape mismatch: self.outtype.ndim ({out_ndim}) != len(shape) "
                f"({len(shape)}) + self.ndim_added ({self.ndim_added})"
            )
        if not hasattr(_scratch, "state"):
            _scratch.state = np.random.RandomState(0)
        r = decode_state(r, into=_scratch.state)
        rval = _FUNCTIONS[self.fn](r, *args, shape)
        outputs[0][0] = encode_state(r)
        dtype = node.outputs[1].type.dtype
        if not isinstance(rval, np.ndarray) or str(rval.dtype) != dtype:
            rval = np.asarray(rval, dtype=dtype)
        if shape is None and rval.ndim == 0 and out_ndim > 0:
            rval = rval.reshape([1] * out_ndim)
        if rval.ndim != out_ndim:
            raise ValueError(
                f'Shape mismatch: "out" should have dimension {out_ndim}, but the value '
                f'produced by "perform" has dimension {rval.ndim}'
            )
        if shape is not None:
            drawn = rval.shape if self.ndim_added == 0 else rval.shape[:-self.ndim_added]
            if shape != drawn:
                raise ValueError(
                    f'Shape mismatch: "out" should have shape {shape}'
                    + (f" (plus {self.ndim_added} extra dimensions)" if self.ndim_added else "")
                    + f', but the value produced by "perform" has shape {rval.shape}'
                )
        outputs[1][0] = rval

    def grad(self, inputs, output_grads):
        return [
            grad_undefined(self, k, inp, "No gradient defined through raw random numbers op")
            for k, inp in enumerate(inputs)
        ]

    def R_op(self, inputs, eval_points):
        return [None for _ in eval_points]


def _register_numba():
    """Under Numba, a draw runs its ``perform`` in object mode (the state and
    the draw are arrays, so the rest of the function stays compiled); as
    PyTensor's own fallback, without its warning."""
    try:
        import numba
        from pytensor.link.numba.dispatch.basic import get_numba_type, numba_funcify, numba_njit
    except ImportError:  # pragma: no cover - Numba is a dependency of PyTensor
        return

    @numba_funcify.register(RandomFunction)
    def numba_funcify_random_function(op, node=None, **kwargs):
        ret_sig = numba.types.Tuple([get_numba_type(o.type) for o in node.outputs])

        def py_perform(inputs):
            storage = [[None] for _ in node.outputs]
            op.perform(node, list(inputs), storage)
            return tuple(s[0] for s in storage)

        @numba_njit
        def draw(*inputs):
            with numba.objmode(ret=ret_sig):
                ret = py_perform(inputs)
            return ret

        return draw


# when PyTensor's Numba backend is loaded: a run on the C backend imports
# neither Numba nor the backend
when_imported("pytensor.link.numba.dispatch", _register_numba)


_INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def _infer_ndim_shape(ndim, shape, *args):
    """Theano's ``_infer_ndim_bcast``: ``(ndim, int64 size vector, static shape)``.

    The static shape holds the lengths given as ints (Theano's
    broadcastable flags said only which were 1).
    """
    args_ndim = max(arg.type.ndim for arg in args) if args else 0
    if isinstance(shape, (tuple, list)):
        if ndim is None:
            ndim = len(shape)
        elif len(shape) != ndim:
            raise ValueError(
                f"ndim should be equal to len(shape), but ndim = {ndim}, "
                f"len(shape) = {len(shape)}, shape = {shape}"
            )
        static, pre_v_shape = [], []
        for i, s in enumerate(shape):
            if hasattr(s, "type"):  # symbolic
                static.append(None)
                pre_v_shape.append(s)
            elif s >= 0:
                static.append(int(s))
                pre_v_shape.append(pt.as_tensor_variable(s))
            elif s == -1:  # the length of a parameter's axis
                n_a_i = 0
                for a in args:
                    if i >= ndim - a.type.ndim:
                        n_a_i += 1
                        a_i = i + a.type.ndim - ndim
                        if a.type.shape[a_i] != 1:
                            pre_v_shape.append(a.shape[a_i])
                            static.append(a.type.shape[a_i])
                            break
                else:
                    if n_a_i == 0:
                        raise ValueError(
                            "Auto-shape of -1 must overlap with the shape of one of the "
                            "broadcastable inputs"
                        )
                    pre_v_shape.append(pt.as_tensor_variable(1))
                    static.append(1)
            else:
                raise ValueError("negative shape", s)
        if pre_v_shape:
            v_shape = pt.stack(pre_v_shape)
        else:
            v_shape = pt.constant([], dtype="int64")
    elif shape is None:
        if not args:
            raise TypeError("_infer_ndim_bcast cannot infer shape without either shape or args")
        template = reduce(lambda a, b: a + b, args)
        v_shape = template.shape
        static = list(template.type.shape)
        ndim = template.type.ndim
    else:
        v_shape = pt.as_tensor_variable(shape)
        if v_shape.type.ndim != 1:
            raise TypeError(f"shape must be a vector or list of scalar, got '{v_shape}'")
        if ndim is None:
            ndim = pt.get_vector_length(v_shape)
        static = [None] * ndim
    if v_shape.type.ndim != 1:
        raise TypeError(f"shape must be a vector or list of scalar, got '{v_shape}'")
    if v_shape.type.dtype not in _INTEGER_DTYPES:
        raise TypeError("shape must be an integer vector or list", v_shape.type.dtype)
    if args_ndim > ndim:
        raise ValueError("ndim should be at least as big as required by args value",
                         (ndim, args_ndim), args)
    return ndim, pt.cast(v_shape, "int64"), tuple(static)


def _tensor_type(dtype, static):
    return pt.TensorType(dtype=dtype, shape=static)


# -- the distributions (Theano 1.0.5's raw_random functions) -------------------


def uniform(random_state, size=None, low=0.0, high=1.0, ndim=None, dtype=None):
    """Uniform draws in ``[low, high)``; ``dtype`` at least ``floatX``."""
    low, high = pt.as_tensor_variable(low), pt.as_tensor_variable(high)
    if dtype is None:
        dtype = upcast(pytensor.config.floatX, low.dtype, high.dtype)
    ndim, size, static = _infer_ndim_shape(ndim, size, low, high)
    op = RandomFunction("uniform", _tensor_type(dtype, static))
    return op(random_state, size, low, high)


def normal(random_state, size=None, avg=0.0, std=1.0, ndim=None, dtype=None):
    """Normal draws of mean ``avg`` and deviation ``std``; ``dtype`` at least ``floatX``."""
    avg, std = pt.as_tensor_variable(avg), pt.as_tensor_variable(std)
    if dtype is None:
        dtype = upcast(pytensor.config.floatX, avg.dtype, std.dtype)
    ndim, size, static = _infer_ndim_shape(ndim, size, avg, std)
    op = RandomFunction("normal", _tensor_type(dtype, static))
    return op(random_state, size, avg, std)


def binomial(random_state, size=None, n=1, p=0.5, ndim=None, dtype="int64", prob=None):
    """Binomial draws of ``n`` trials of probability ``p`` (``prob``: its old name)."""
    if prob is not None:
        p = prob
        print("DEPRECATION WARNING: the parameter prob to the binomal fct have been "
              "renamed to p to have the same name as np.", file=sys.stderr)
    n, p = pt.as_tensor_variable(n), pt.as_tensor_variable(p)
    ndim, size, static = _infer_ndim_shape(ndim, size, n, p)
    op = RandomFunction("binomial", _tensor_type(dtype, static))
    return op(random_state, size, n, p)


def random_integers(random_state, size=None, low=0, high=1, ndim=None, dtype="int64"):
    """Integers uniform in ``[low, high]``, both ends included."""
    low, high = pt.as_tensor_variable(low), pt.as_tensor_variable(high)
    ndim, size, static = _infer_ndim_shape(ndim, size, low, high)
    op = RandomFunction("random_integers", _tensor_type(dtype, static))
    return op(random_state, size, low, high)


def choice(random_state, size=None, a=2, replace=True, p=None, ndim=None, dtype="int64"):
    """``a``'s elements (or ``range(a)``), with or without replacement, weighted by ``p``."""
    a = pt.as_tensor_variable(a)
    if isinstance(replace, bool):
        replace = pt.constant(replace, dtype="int8")
    else:
        replace = pt.as_tensor_variable(replace)
    # an empty vector stands for p=None
    p = pt.as_tensor_variable(p if p is not None else [])
    ndim, size, static = _infer_ndim_shape(ndim, size)
    op = RandomFunction("choice", _tensor_type(dtype, static))
    return op(random_state, size, a, replace, p)


def poisson(random_state, size=None, lam=1.0, ndim=None, dtype="int64"):
    """Poisson draws of expectation ``lam``."""
    lam = pt.as_tensor_variable(lam)
    ndim, size, static = _infer_ndim_shape(ndim, size)
    op = RandomFunction("poisson", _tensor_type(dtype, static))
    return op(random_state, size, lam)


def permutation(random_state, size=None, n=1, ndim=None, dtype="int64"):
    """Permutations of ``0 .. n-1``: one per element of ``size``, on a last axis of ``n``."""
    if size is None or (isinstance(size, (tuple, list)) and len(size) == 0):
        if not (ndim is None or ndim == 1):
            raise TypeError(
                "You asked for just one permutation but asked for more then 1 dimensions.")
        size, static = (), ()
    else:
        ndim, size, static = _infer_ndim_shape(ndim, size)
    op = RandomFunction("permutation", _tensor_type(dtype, (*static, None)), ndim_added=1)
    return op(random_state, size, n)


def multinomial(random_state, size=None, n=1, pvals=(0.5, 0.5), ndim=None, dtype="int64"):
    """Multinomial counts of ``n`` experiments over the last axis of ``pvals``."""
    n = pt.as_tensor_variable(n)
    pvals = pt.as_tensor_variable(list(pvals) if isinstance(pvals, tuple) else pvals)
    tmp = pvals.T[0].T
    ndim, size, static = _infer_ndim_shape(ndim, size, n, tmp)
    static = (*static, pvals.type.shape[-1])
    op = RandomFunction("multinomial", _tensor_type(dtype, static), ndim_added=1)
    return op(random_state, size, n, pvals)


# -- what perform calls: RandomState methods and Theano's helpers ---------------


def _broadcasting_indices(out_shape, *shapes):
    """Theano's ``_generate_broadcasting_indices``: for every index of
    ``out_shape`` (``numpy.ndindex`` order), the matching index of each shape."""
    all_shapes = (out_shape,) + shapes
    ret_indices = [[()] for _ in all_shapes]
    for dim in range(len(out_shape)):
        new_indices = [[] for _ in all_shapes]
        out_range = list(range(out_shape[dim]))
        ranges = [out_range]
        for shape in shapes:
            if shape[dim] == out_shape[dim]:
                ranges.append(out_range)
            elif shape[dim] == 1:
                ranges.append([0] * out_shape[dim])
            else:
                raise ValueError(
                    f"shape[{dim}] ({shape[dim]}) should be equal to out_shape[{dim}] "
                    f"({out_shape[dim]}) or to 1", shape, out_shape, shapes)
        for prev_index in zip(*ret_indices):
            for dim_index in zip(*ranges):
                for i in range(len(all_shapes)):
                    new_indices[i].append(prev_index[i] + (dim_index[i],))
        ret_indices = new_indices
    return ret_indices


def _random_integers_helper(random_state, low, high, size):
    if size is not None:
        out_ndim = len(size)
    else:
        out_ndim = max(low.ndim, high.ndim)
    if low.ndim > out_ndim or high.ndim > out_ndim:
        raise ValueError(f"low.ndim ({low.ndim}) and high.ndim ({high.ndim}) should not be "
                         f"larger than len(size) ({out_ndim})", low, high, size)
    low = low.reshape((1,) * (out_ndim - low.ndim) + low.shape)
    high = high.reshape((1,) * (out_ndim - high.ndim) + high.shape)
    if size is not None:
        out_size = tuple(size)
    else:
        out_size = tuple(max(low.shape[d], high.shape[d]) for d in range(out_ndim))
    out = np.ndarray(out_size)
    for oi, li, hi in zip(*_broadcasting_indices(out_size, low.shape, high.shape)):
        # Python ints: Theano's int8 constants + 1 overflowed nowhere NumPy 1 let them
        out[oi] = random_state.randint(low=int(low[li]), high=int(high[hi]) + 1)
    return out


def _permutation_helper(random_state, n, shape):
    if n.shape != ():
        raise ValueError("permutation: n must be a scalar")
    n = int(n.item())
    if shape is None:
        shape = ()
    out = np.empty(list(shape) + [n], int)
    for i in np.ndindex(*shape):
        out[i] = random_state.permutation(n)
    return out


def _choice_helper(random_state, a, replace, p, size):
    if a.ndim > 1:
        raise ValueError(f"a.ndim ({a.ndim}) must be 0 or 1")
    if p.ndim != 1:
        raise ValueError(f"p.ndim ({p.ndim}) must be 1")
    if p.size == 0:
        p = None
    return random_state.choice(a, size, bool(replace), p)


def _multinomial_helper(random_state, n, pvals, size):
    ndim = len(size) if size is not None else max(n.ndim, pvals.ndim - 1)
    if n.ndim > ndim:
        raise ValueError(f"n.ndim ({n.ndim}) should not be larger than len(size) ({ndim})")
    if n.ndim < ndim:
        n = n.reshape((1,) * (ndim - n.ndim) + n.shape)
    if pvals.ndim - 1 > ndim:
        raise ValueError(
            f"pvals.ndim-1 ({pvals.ndim - 1}) should not be larger than len(size) ({ndim})")
    if pvals.ndim - 1 < ndim:
        pvals = pvals.reshape((1,) * (ndim - pvals.ndim + 1) + pvals.shape)
    if size is not None:
        size = tuple(size)
    else:
        size = tuple(max(n.shape[d], pvals.shape[d]) for d in range(ndim))
    out = np.ndarray(size + (pvals.shape[-1],))
    if not pvals.min() >= 0:
        raise ValueError("multinomial: pvals must be >= 0")
    for mi, ni, pi in zip(*_broadcasting_indices(size, n.shape, pvals.shape[:-1])):
        pvi = pvals[pi]
        pisum = np.sum(pvi)
        if 1.0 < pisum < 1.0 + 1e-5:  # Theano's correction of a sum a little over 1
            pvi = pvi * (1.0 - 5e-5)
            pisum = np.sum(pvi)
        elif pvi[-1] < 5e-5:
            pvi = pvi * (1.0 - 5e-5)
            pisum = np.sum(pvi)
        if not pisum <= 1.0:
            raise ValueError(f"multinomial: pvals sum to {pisum} > 1")
        out[mi] = random_state.multinomial(n=n[ni], pvals=pvi.astype("float64"))
    return out


_FUNCTIONS = {
    "uniform": np.random.RandomState.uniform,
    "normal": np.random.RandomState.normal,
    "binomial": np.random.RandomState.binomial,
    "poisson": np.random.RandomState.poisson,
    "random_integers": _random_integers_helper,
    "permutation": _permutation_helper,
    "choice": _choice_helper,
    "multinomial": _multinomial_helper,
}


def contains_random_function(variables):
    """The first :class:`RandomFunction` that a graph draws from (the inner
    graphs of ``scan`` and ``OpFromGraph`` included), or None."""
    from pytensor.graph.traversal import ancestors

    for var in ancestors([v for v in variables if v is not None]):
        node = var.owner
        if node is None:
            continue
        if isinstance(node.op, RandomFunction):
            return node.op
        inner = getattr(node.op, "fgraph", None)
        found = contains_random_function(list(inner.outputs)) if hasattr(inner, "outputs") else None
        if found is not None:
            return found
    return None


__getattr__ = missing_names(__name__, {
    "RandomStreamsBase": "use theano.tensor.shared_randomstreams.RandomStreams",
    "random_make_inplace": "the kit's draws copy the state; there is no in-place rewrite",
})
