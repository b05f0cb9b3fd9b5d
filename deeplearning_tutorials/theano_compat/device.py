"""``device='gpu'``: Theano's GPU switch, mapped onto PyTensor's JAX backend.

Theano 0.x/1.0 moved a script to the GPU with ``device='gpu'`` (the old back
end) or ``'cuda'`` (1.0's gpuarray), in ``THEANO_FLAGS`` or in
``theano.config``. PyTensor has no device setting; its GPU route is the JAX
backend. So the kit maps the setting onto it:

* **where it can** -- JAX is installed and sees a GPU -- every
  ``theano.function`` compiled afterwards (with Theano's default mode) is
  compiled for JAX, and ``theano.config.device`` reads what was set;
* **where it cannot** -- no JAX, or JAX without a GPU (Theano too went on on
  the CPU when it could not initialise its GPU) -- the setting is accepted,
  ``theano.config.device`` reads ``'cpu'``, and a warning says why.

JAX needs every shape at compile time. The minibatch of a legacy script,
``givens={x: data[index * batch_size: (index + 1) * batch_size]}``, is a
slice whose bounds depend on ``index``, which JAX refuses ("Slice entries
must be static integers"). Its *length* is static, though: the two bounds
differ by a constant. :func:`static_length_slices` finds such slices and
takes the same rows with a gather of ``start + arange(length)``, which JAX
compiles. A function that JAX still cannot compile (a slice whose length is
not constant, an Op without a JAX implementation) is compiled for the CPU
instead, with a warning that names the reason.

One difference remains: a slice that runs past the end of its array is cut
short by NumPy, while JAX's gather clamps the indices and repeats the last
row. Legacy scripts count ``n // batch_size`` whole minibatches, so their
slices stay inside; a script that takes a partial last minibatch gets a
different last step on JAX.
"""

import importlib.util
import warnings

import pytensor
import pytensor.tensor as pt
from pytensor.graph.basic import Constant
from pytensor.graph.fg import FunctionGraph
from pytensor.graph.replace import clone_replace
from pytensor.graph.rewriting.basic import MergeOptimizer
from pytensor.graph.traversal import applys_between
from pytensor.scalar.basic import Add, Cast, Mul, Neg, Sub
from pytensor.tensor.basic import ScalarFromTensor, TensorFromScalar
from pytensor.tensor.elemwise import Elemwise
from pytensor.tensor.subtensor import Subtensor, indices_from_subtensor

GPU_DEVICES = ("gpu", "cuda", "opencl")

#: the device that ``theano.config.device`` was set to, once mapped onto JAX
_mapped = {"device": None}


def jax_gpu():
    """The first GPU that JAX sees, or None (also when JAX is not installed)."""
    if importlib.util.find_spec("jax") is None:
        return None
    import jax

    try:
        return jax.devices("gpu")[0]
    except RuntimeError:  # "Unknown backend gpu" / no GPU visible
        return None


def request(value, stacklevel=3):
    """Handle ``device=value``; return what ``theano.config.device`` reads."""
    value = str(value)
    if value == "cpu":
        _mapped["device"] = None
        return "cpu"
    if not value.startswith(GPU_DEVICES):
        raise ValueError(f"unknown Theano device {value!r} (use 'cpu', 'gpu' or 'cuda')")
    gpu = jax_gpu()
    if gpu is None:
        why = (
            "JAX is not installed (pip install -e .[gpu])"
            if importlib.util.find_spec("jax") is None
            else "JAX sees no GPU on this machine"
        )
        warnings.warn(
            f"theano.config.device = {value!r} is accepted, but {why}: the porting kit "
            f"computes on the CPU with mode {pytensor.config.mode}, as Theano did when it "
            "could not initialise its GPU. See doc/porting.md.",
            UserWarning,
            stacklevel=stacklevel,
        )
        _mapped["device"] = None
        return "cpu"
    map_to_jax(value)
    warnings.warn(
        f"theano.config.device = {value!r}: the porting kit compiles theano.function "
        f"for PyTensor's JAX backend, on {gpu}.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return value


def map_to_jax(value):
    """Compile the kit's functions for JAX from now on (``device=value``)."""
    from deeplearning_tutorials.machinery.config import make_jax_faithful

    make_jax_faithful()
    _mapped["device"] = value


def mapped_device():
    """The GPU device string in effect, or None when functions stay on the CPU."""
    return _mapped["device"]


def reset():
    """Back to the CPU (for tests)."""
    _mapped["device"] = None


# -- static slices ----------------------------------------------------------


def static_length_slices(variables):
    """``variables`` with each constant-length slice taken by a gather.

    ``x[a:b]`` whose bounds differ by a constant ``n`` (``b - a`` reduces to
    a number once both are written as sums of constant multiples of the same
    symbols) becomes ``x[a + arange(n)]``: the same rows, with a shape JAX
    knows. Other slices are left as they are.
    """
    replacements = {}
    for node in applys_between([], variables):
        if isinstance(node.op, Subtensor):
            gathered = _as_gather(node)
            if gathered is not None:
                replacements[node.outputs[0]] = gathered
    if not replacements:
        return list(variables)
    return clone_replace(list(variables), replace=replacements)


def _as_gather(node):
    """``x[a + arange(n)]`` for a node ``x[a:b]`` with ``b - a == n``, else None."""
    indices = indices_from_subtensor(node.inputs[1:], node.op.idx_list)
    if len(indices) != 1 or not isinstance(indices[0], slice):
        return None
    start, stop, step = indices[0].start, indices[0].stop, indices[0].step
    if start is None or stop is None or step is not None:
        return None
    if isinstance(start, Constant) and isinstance(stop, Constant):
        return None  # already static
    length = _constant(_subtract(*(_linear(bound) for bound in _merged(stop, start))))
    if length is None or length < 0:
        return None
    rows = pt.as_tensor_variable(start) + pt.arange(length, dtype="int64")
    return node.inputs[0][rows]


def _merged(*bounds):
    """Copies of ``bounds`` whose common subexpressions are one variable
    (``i * i`` built twice is one symbol)."""
    graph = FunctionGraph(outputs=list(bounds), clone=True)
    MergeOptimizer().rewrite(graph)
    return graph.outputs


def _linear(variable):
    """``variable`` as ``{symbol: coefficient}`` (the key 1 for the constant term).

    Sums, differences, negations and products by constants are expanded; any
    other expression is a symbol of its own.
    """
    if isinstance(variable, Constant):
        return {1: int(variable.data)}
    owner = variable.owner
    if owner is None:
        return {variable: 1}
    op = owner.op.scalar_op if isinstance(owner.op, Elemwise) else owner.op
    args = owner.inputs
    if isinstance(op, (ScalarFromTensor, TensorFromScalar, Cast)):
        return _linear(args[0])
    if isinstance(op, Add):
        return _sum(_linear(arg) for arg in args)
    if isinstance(op, Sub):
        return _subtract(_linear(args[0]), _linear(args[1]))
    if isinstance(op, Neg):
        return _scale(_linear(args[0]), -1)
    if isinstance(op, Mul):
        forms = [_linear(arg) for arg in args]
        constants = [_constant(form) for form in forms]
        if sum(c is None for c in constants) <= 1:
            factor, rest = 1, {1: 1}
            for form, constant in zip(forms, constants):
                if constant is None:
                    rest = form
                else:
                    factor *= constant
            return _scale(rest, factor)
    return {variable: 1}


def _sum(forms):
    total = {}
    for form in forms:
        for key, value in form.items():
            total[key] = total.get(key, 0) + value
    return {key: value for key, value in total.items() if value != 0}


def _scale(form, factor):
    return {key: value * factor for key, value in form.items() if value * factor != 0}


def _subtract(a, b):
    return _sum([a, _scale(b, -1)])


def _constant(form):
    """The number that ``form`` is, or None if it has symbols."""
    if any(key != 1 for key in form):
        return None
    return form.get(1, 0)
