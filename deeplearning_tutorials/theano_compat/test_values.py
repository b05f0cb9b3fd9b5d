"""``theano.config.compute_test_value`` (Theano 0.6-1.0), which PyTensor dropped.

In Theano, a variable could carry a *test value* (``x.tag.test_value =
numpy_array``; shared variables and constants have theirs). With
``compute_test_value`` set to anything but ``'off'``, every Op applied while
the graph was built ran at once on its inputs' test values, and stored the
result as the test value of its outputs: a shape error (``T.dot`` of a (2, 3)
and a (4, 5) test value) was raised at the line that built the product, not
when the compiled function was first called. What happened when an input had
no test value depended on the setting:

``'off'``     nothing was computed (the default);
``'ignore'``  the Op was skipped silently;
``'warn'``    skipped, with a ``UserWarning``;
``'raise'``   ``ValueError: Cannot compute test value: input i (x) of Op ...
              missing default value``;
``'pdb'``     the debugger was started there.

PyTensor 3 has no test values (``pytensor.config`` ignores an attribute it
does not know). The kit computes them as Theano did: once a mode other than
``'off'`` is set (``theano.config.compute_test_value = 'raise'``, or
``THEANO_FLAGS=compute_test_value=raise``), every ``Op`` call that builds a
node computes the node's outputs on its inputs' test values with the Op's
Python implementation (``perform``), and stores them in
``output.tag.test_value``; errors propagate from the line that built the node.
``theano.scan`` gives its step function's arguments test values (a slice of
each sequence, the initial state, the non-sequences), as Theano's did.

Two differences: a test value that does not fit its variable's type is
reported when it is first used, not when it is assigned (Theano 1.0.5 did not
check at assignment either, for the values tested); and a node built
without an ``Op`` call (some of PyTensor's own helpers call ``make_node``
directly) gets its test value when a later node needs it.
"""

import copy
import sys
import warnings

from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.op import Op
from pytensor.scalar.basic import ScalarOp

MODES = ("off", "ignore", "warn", "raise", "pdb")

_state = {"mode": "off", "busy": False, "installed": False}
_ORIGINAL_CALL = Op.__call__


def mode():
    """The current ``compute_test_value`` setting."""
    return _state["mode"]


def set_mode(value):
    """Set ``compute_test_value`` (one of :data:`MODES`), as Theano's config did."""
    if value not in MODES:
        raise ValueError(
            f'Invalid value ("{value}") for configuration variable "compute_test_value". '
            f"Valid options are {MODES}"
        )
    _state["mode"] = value
    if value != "off" and not _state["installed"]:
        _install()
    elif value == "off" and _state["installed"]:
        _uninstall()


class suspended:
    """A context in which nothing computes test values (Theano compiled its
    functions with ``compute_test_value_opt='off'``: rewrites build nodes
    without them)."""

    def __enter__(self):
        self.saved = _state["mode"]
        _state["mode"] = "off"

    def __exit__(self, *exc):
        _state["mode"] = self.saved


def _suspending(method):
    """``method`` run with test values suspended (it builds inner graphs on
    placeholder variables that have none)."""

    def wrapper(*args, **kwargs):
        with suspended():
            return method(*args, **kwargs)

    wrapper.__wrapped__ = method
    return wrapper


def _install():
    """Compute test values at every ``Op`` call; build inner graphs without.

    PyTensor builds the inner graphs of ``OpFromGraph`` (its ``softmax`` is
    one) and of the gradients of ``scan`` on placeholder variables, where
    Theano's user code built them on variables with test values: those
    builders run with test values suspended, and the nodes they leave in the
    outer graph get theirs when a later node needs them.
    """
    Op.__call__ = _call_computing_test_values
    for owner, name in _builders():
        setattr(owner, name, _suspending(owner.__dict__[name]))
    _state["installed"] = True


def _uninstall():
    """PyTensor's classes as they were (``compute_test_value = 'off'``)."""
    Op.__call__ = _ORIGINAL_CALL
    for owner, name in _builders():
        setattr(owner, name, owner.__dict__[name].__wrapped__)
    _state["installed"] = False


def _builders():
    from pytensor.compile.builders import OpFromGraph, SymbolicOp
    from pytensor.scan.op import Scan
    from pytensor.tensor.elemwise import Elemwise

    return [(Elemwise, "_bgrad"), (SymbolicOp, "__init__"), (OpFromGraph, "__init__"),
            (OpFromGraph, "_build_and_cache_lop_op"), (OpFromGraph, "_build_and_cache_rop_op"),
            (Scan, "pullback"), (Scan, "pushforward")]


def _call_computing_test_values(self, *inputs, **kwargs):
    outputs = _ORIGINAL_CALL(self, *inputs, **kwargs)
    if _state["mode"] == "off" or _state["busy"]:
        return outputs
    first = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
    node = getattr(first, "owner", None)
    if node is not None and not isinstance(node.op, ScalarOp):
        _state["busy"] = True
        try:
            compute_node_test_value(node)
        finally:
            _state["busy"] = False
    return outputs


class _Missing(Exception):
    """An input without a test value (handled per the setting)."""


def get_test_value(v):
    """Theano's ``Op._get_test_value``: a constant's data, a shared variable's
    value, or ``v.tag.test_value`` filtered through ``v``'s type.

    A variable built by a node that has no test value yet (a node made while
    test values were suspended, or without an Op call) gets it computed first.
    """
    if isinstance(v, Constant):
        return v.data
    if isinstance(v, SharedVariable):
        return v.get_value(borrow=True, return_internal_type=True)
    if hasattr(v.tag, "test_value"):
        try:
            return v.type.filter(v.tag.test_value)
        except Exception as error:
            error.args = (
                "\n".join(
                    ["For compute_test_value, one input test value does not have the "
                     f"requested type.\nThe error when converting the test value of {v} "
                     "to that variable type:", *(str(arg) for arg in error.args)]
                ),
            )
            raise
    if v.owner is not None and compute_node_test_value(v.owner) and hasattr(v.tag, "test_value"):
        return v.tag.test_value
    raise _Missing(f"{v} has no test value")


def compute_node_test_value(node):
    """Compute and store the test values of ``node``'s outputs; return
    whether they are there (a missing input is reported per the setting)."""
    if all(hasattr(o.tag, "test_value") for o in node.outputs):
        return True
    setting = _state["mode"]
    values = []
    for i, ins in enumerate(node.inputs):
        try:
            values.append(get_test_value(ins))
        except _Missing:
            text = f"Cannot compute test value: input {i} ({ins}) of Op {node} missing default value"
            if setting == "raise":
                raise ValueError(text + ". ") from None
            if setting == "warn":
                warnings.warn("Warning, " + text, UserWarning, stacklevel=_caller_level())
            elif setting == "pdb":
                import pdb

                pdb.post_mortem(sys.exc_info()[2])
            return False
    try:
        results = run_node(node, values)
    except Exception as error:
        shapes = [getattr(value, "shape", ()) for value in values]
        error.args = (
            f"{error.args[0] if error.args else error}\n(computing the test value of "
            f"{node}; the test values of its inputs have shapes {shapes})",
            *error.args[1:],
        )
        raise
    for output, result in zip(node.outputs, results):
        output.tag.test_value = result
    return True


def run_node(node, values):
    """``node``'s outputs on input ``values``, with the Python implementation
    of its Op (the inner graph of an ``OpFromGraph`` node by node; a
    ``scan`` compiled on the Python VM)."""
    from pytensor.compile.builders import OpFromGraph
    from pytensor.scan.op import Scan

    if isinstance(node.op, OpFromGraph):
        return _evaluate(node.op.fgraph, values)
    if isinstance(node.op, Scan):
        node = node.clone()
        node.op = copy.copy(node.op)
        node.op.mode, node.op._fn = "FAST_COMPILE", None
    storage_map = {v: [value] for v, value in zip(node.inputs, values)}
    compute_map = {v: [True] for v in node.inputs}
    # the values of the inputs that the Op destroys are copied
    for positions in getattr(node.op, "destroy_map", {}).values():
        for position in positions:
            inp = node.inputs[position]
            storage_map[inp] = [storage_map[inp][0].copy()]
    for o in node.outputs:
        storage_map[o] = [None]
        compute_map[o] = [False]
    with suspended():  # compiling a scan's inner function rewrites graphs
        thunk = node.op.make_thunk(node, storage_map, compute_map, no_recycling=[], impl="py")
        thunk.inputs = [storage_map[v] for v in node.inputs]
        thunk.outputs = [storage_map[v] for v in node.outputs]
        thunk()
    return [storage_map[o][0] for o in node.outputs]


def _evaluate(fgraph, values):
    env = dict(zip(fgraph.inputs, values))

    def value(v):
        if v in env:
            return env[v]
        if isinstance(v, Constant):
            return v.data
        return v.get_value(borrow=True, return_internal_type=True)

    for node in fgraph.toposort():
        env.update(zip(node.outputs, run_node(node, [value(i) for i in node.inputs])))
    return [value(o) for o in fgraph.outputs]


def _caller_level():
    """The stack level of the line outside PyTensor and the kit that built the node."""
    frame, level = sys._getframe(1), 1
    while frame is not None and (
        "/pytensor/" in frame.f_code.co_filename or "theano_compat" in frame.f_code.co_filename
    ):
        frame, level = frame.f_back, level + 1
    return level


# -- scan: the step function's arguments ------------------------------------------


def _as_list(x):
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def step_test_values(sequences, outputs_info, non_sequences):
    """The test values of a scan step's arguments, in the order ``scan``
    passes them (each sequence's taps, each output's taps, the
    non-sequences); ``None`` where one is not known. As Theano's scan: a
    sequence's tap ``k`` is its row ``k - min(taps)``; an output's initial
    state is its ``initial`` value (taps ``[-1]``) or, for other taps, its row
    ``k - min(taps)``."""
    values = []

    def value(v):
        try:
            return get_test_value(v) if isinstance(v, Variable) else v
        except (_Missing, Exception):  # noqa: BLE001 - unknown: left to the setting
            return None

    for seq in _as_list(sequences):
        if isinstance(seq, dict):
            data, taps = seq["input"], list(seq.get("taps", [0]) or [0])
        else:
            data, taps = seq, [0]
        full = value(data)
        for k in taps:
            values.append(None if full is None else full[k - min(taps)])
    for out in _as_list(outputs_info):
        if out is None:
            continue
        if isinstance(out, dict):
            if out.get("initial") is None:
                continue
            initial, taps = out["initial"], list(out.get("taps", [-1]) or [-1])
        else:
            initial, taps = out, [-1]
        full = value(initial)
        if taps == [-1]:
            values.append(full)
        else:
            for k in taps:
                values.append(None if full is None else full[k - min(taps)])
    for ns in _as_list(non_sequences):
        values.append(value(ns))
    return values


def with_step_test_values(fn, sequences, outputs_info, non_sequences):
    """``fn`` giving its arguments their test values, and computing test
    values while it runs (``scan`` itself runs with them suspended)."""
    values = step_test_values(sequences, outputs_info, non_sequences)
    setting = _state["mode"]

    def step(*args):
        if len(values) == len(args):
            for arg, val in zip(args, values):
                if (val is not None and isinstance(arg, Variable)
                        and not isinstance(arg, (Constant, SharedVariable))
                        and not hasattr(arg.tag, "test_value")):
                    arg.tag.test_value = val
        saved, _state["mode"] = _state["mode"], setting
        try:
            return fn(*args)
        finally:
            _state["mode"] = saved

    return step
