"""Reusing compiled functions and loaded data from one trial to the next.

A sweep (:mod:`deeplearning_tutorials.machinery.sweep`) runs many trials of
one tutorial that often differ only in values: the learning rate, the
weight of a penalty, the cross-validation fold. Each trial builds the same
symbolic graph again, with new shared variables, and compiling it costs
seconds, where five epochs of logistic regression train in one. A sweep's
worker process therefore runs its trials one after another in-process, and
:func:`install` makes ``pytensor.function`` there remember what it compiled:

* the **key** of a call is its graph written out node by node (each ``Op``
  with its properties, constants by value, the explicit inputs by position
  and type), with the ``givens``, the ``updates``, the shared variables'
  default updates, the keyword arguments and the settings that change the
  compiled code (floatX, mode, ...). A shared variable enters the key only
  by its type and its place: two trials whose graphs differ only in the
  *values* of their shared variables have the same key;
* on a **hit** the compiled ``Function`` is handed out again, and the new
  trial's shared variables are made to use its storage: each new value is
  put into the old variable's ``Container`` (the cell the compiled code
  reads and its updates write), and the new ``SharedVariable`` is given
  that container, so that its ``get_value``/``set_value`` and every function
  of the trial see one value, as if it had been compiled anew. A shared
  variable that a trial has already bound to other storage (a function
  compiled for it earlier in the trial), or storage that another of its
  variables already uses, makes the call compile instead;
* a **miss** compiles, as ``pytensor.function`` always does.

A hyper-parameter compiled in as a constant (``W - 0.13 * g``) is part of
the key, so that trials differing in it compile; the drivers keep theirs in
shared variables for this (the learning rate of
:mod:`~deeplearning_tutorials.machinery.practices.schedules`, and
:func:`hyperparameter`'s: the MLP's penalty weights, the other drivers'
learning rates, the dA's corruption and the cA's contraction levels). A
minibatch size is part of the graph's slices: other sizes are other graphs,
compiled once per worker.

:func:`remembered` keeps the data a trial loads (the file's arrays, its
cross-validation folds) for the next trial of the worker, so MNIST is not
read again; outside a sweep worker both do nothing.
"""

import collections
from dataclasses import dataclass, field

import numpy
import pytensor
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant, Variable

from deeplearning_tutorials.machinery import graph_cache

#: how many loaded data sets a worker keeps (one per file, floatX and fold)
DATA_ENTRIES = 8

# the pytensor.function that compiles, while install() has replaced it
_compile = None
# key -> [_Entry, ...]: the functions compiled in this process
_functions = {}
# key -> value: the data remembered by remembered(), oldest first
_data = collections.OrderedDict()
# the trial running now (begin_trial), or None
_trial = None


class _NotReusable(Exception):
    """A call whose graph cannot be written as a key: it just compiles."""


@dataclass
class _Entry:
    """A compiled function and the containers of its shared variables, in
    the order of the key."""

    function: object
    containers: list


@dataclass
class _Trial:
    """What the running trial's shared variables are bound to."""

    container_of: dict = field(default_factory=dict)  # SharedVariable -> Container
    variable_of: dict = field(default_factory=dict)  # id(Container) -> SharedVariable
    entries: set = field(default_factory=set)  # id(_Entry) handed out
    compiled: int = 0
    reused: int = 0

    def bind(self, variable, container):
        self.container_of[variable] = container
        self.variable_of[id(container)] = variable

    def fits(self, entry, shared):
        """Can ``shared`` (this trial's variables) take ``entry``'s storage?"""
        if id(entry) in self.entries:
            return False
        for variable, container in zip(shared, entry.containers, strict=True):
            bound = self.container_of.get(variable)
            if bound is not None and bound is not container:
                return False
            holder = self.variable_of.get(id(container))
            if holder is not None and holder is not variable:
                return False
        return True

    def adopt(self, entry, shared):
        """Give ``shared`` the storage of ``entry``, each keeping its value."""
        for variable, container in zip(shared, entry.containers, strict=True):
            if variable.container is not container:
                container.storage[0] = variable.container.storage[0]
                variable.container = container
            self.bind(variable, container)
        self.entries.add(id(entry))


def hyperparameter(value, name, dtype=None):
    """``value`` as a shared scalar named ``name`` (``floatX`` unless
    ``dtype`` says otherwise), so that the graphs built with it differ only
    in a shared variable's value; 0 stays the number 0, whose term
    PyTensor's rewrites drop from the compiled graph (an unused penalty
    costs nothing, as in the original)."""
    if value == 0:
        return value
    dtype = dtype or pytensor.config.floatX
    return pytensor.shared(numpy.asarray(value, dtype=dtype), name=name)


def install():
    """Make ``pytensor.function`` reuse what it compiled (in a sweep worker)."""
    global _compile
    if _compile is None:
        _compile = pytensor.function
        pytensor.function = function


def installed():
    return _compile is not None


def begin_trial():
    """Start a trial: its shared variables are bound to nothing yet."""
    global _trial
    _trial = _Trial()


def trial_counts():
    """``{"compiled": n, "reused": m}``: the functions of the trial so far."""
    if _trial is None:
        return {"compiled": 0, "reused": 0}
    return {"compiled": _trial.compiled, "reused": _trial.reused}


def function(inputs, outputs=None, **kwargs):
    """``pytensor.function``, which hands out a function compiled earlier in
    this process for the same graph (see the module's docstring)."""
    try:
        key, shared = graph_key(inputs, outputs, kwargs)
    except _NotReusable:
        key = None
    if key is None or _trial is None:
        return _compile(inputs, outputs, **kwargs)
    for entry in _functions.get(key, ()):
        if _trial.fits(entry, shared):
            _trial.adopt(entry, shared)
            _trial.reused += 1
            return entry.function
    compiled = _compile(inputs, outputs, **kwargs)
    entry = _Entry(compiled, [variable.container for variable in shared])
    for variable in shared:
        _trial.bind(variable, variable.container)
    _trial.entries.add(id(entry))
    _trial.compiled += 1
    _functions.setdefault(key, []).append(entry)
    return compiled


def remembered(key, compute):
    """``compute()``, or in a sweep worker the value it gave for ``key``
    before (at most :data:`DATA_ENTRIES` kept, the least recently used
    dropped). NumPy arrays kept are made read-only: the trials share them."""
    if _compile is None:
        return compute()
    if key in _data:
        _data.move_to_end(key)
        return _data[key]
    value = compute()
    _freeze(value)
    _data[key] = value
    while len(_data) > DATA_ENTRIES:
        _data.popitem(last=False)
    return value


def _freeze(value):
    if isinstance(value, numpy.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple | list):
        for item in value:
            _freeze(item)


# --------------------------------------------------------------------------
# The key of a call
# --------------------------------------------------------------------------


def graph_key(inputs, outputs, kwargs):
    """``(key, shared)``: the hashable key of a ``pytensor.function`` call,
    and its shared variables in the order the key numbers them.

    Raises :class:`_NotReusable` for what the key does not cover (``In`` and
    ``Out`` specifications, a ``Mode`` object, profiling, a constant that
    cannot be hashed): such calls compile every time.
    """
    if not isinstance(inputs, list | tuple) or not all(
        isinstance(v, Variable) and not isinstance(v, SharedVariable) for v in inputs
    ):
        raise _NotReusable
    kwargs = dict(kwargs)
    updates = _pairs(kwargs.pop("updates", None))
    givens = _pairs(kwargs.pop("givens", None))
    if kwargs.get("profile") or not isinstance(kwargs.get("mode"), str | type(None)):
        raise _NotReusable
    walk = _Walk(inputs)
    if isinstance(outputs, Variable):
        shape = ("one", walk.ref(outputs))
    elif outputs is None:
        shape = ("none",)
    elif isinstance(outputs, list | tuple) and all(
        isinstance(v, Variable) for v in outputs
    ):
        shape = (type(outputs).__name__, tuple(walk.ref(v) for v in outputs))
    else:
        raise _NotReusable
    pairs = tuple((walk.ref(a), walk.ref(b)) for a, b in updates)
    replaced = tuple((walk.ref(a), walk.ref(b)) for a, b in givens)
    if not kwargs.get("no_default_updates"):
        walk.default_updates()
    # the settings that change what it compiles: those the rewrites read (all
    # read now, so that the keys of a worker's trials do not change when one
    # is first read by a compile)
    settings = tuple(graph_cache.flag(name, read=True) for name in graph_cache.FLAGS)
    try:
        options = tuple(sorted(kwargs.items()))
        key = (shape, pairs, replaced, tuple(walk.items), options, settings)
        hash(key)
    except TypeError:
        raise _NotReusable from None
    return key, walk.shared


def _pairs(mapping):
    if mapping is None:
        return []
    items = mapping.items() if isinstance(mapping, dict) else mapping
    return [tuple(pair) for pair in items]


class _Walk:
    """Numbers the variables of a graph in the order they are first met and
    writes each one as a hashable item: its node's ``Op`` and inputs, a
    constant's value, an explicit input's position, a shared variable's
    type. ``ref(v)`` is ``v``'s number (a ``(node, output)`` pair for a
    node's output)."""

    def __init__(self, inputs):
        self.items = []
        self.refs = {}
        self.shared = []
        for position, variable in enumerate(inputs):
            self.refs[variable] = len(self.items)
            self.items.append(("input", position, variable.type))

    def ref(self, variable):
        if variable not in self.refs:
            self._visit(variable)
        return self.refs[variable]

    def _visit(self, root):
        """Number ``root`` and everything it depends on (no recursion: a
        graph may be deeper than Python's stack)."""
        stack = [root]
        while stack:
            variable = stack[-1]
            if variable in self.refs:
                stack.pop()
                continue
            node = variable.owner
            if node is None:
                stack.pop()
                self.refs[variable] = len(self.items)
                self.items.append(self._root(variable))
                continue
            waiting = [i for i in node.inputs if i not in self.refs]
            if waiting:
                stack.extend(reversed(waiting))
                continue
            stack.pop()
            number = len(self.items)
            inputs = tuple(self.refs[i] for i in node.inputs)
            self.items.append(("apply", node.op, inputs, len(node.outputs)))
            for index, output in enumerate(node.outputs):
                self.refs[output] = (number, index)
                self.items.append(("output", number, index, output.type))

    def _root(self, variable):
        if isinstance(variable, SharedVariable):
            self.shared.append(variable)
            return ("shared", variable.type)
        if isinstance(variable, Constant):
            return ("constant", variable.type, _value_key(variable.data))
        return ("free", variable.type)  # replaced by givens, or missing

    def default_updates(self):
        """Number the default update of every shared variable met (and of
        those its expression meets in turn)."""
        done = 0
        while done < len(self.shared):
            variable = self.shared[done]
            done += 1
            update = variable.default_update
            if update is not None:
                self.items.append(("default_update", self.refs[variable], self.ref(update)))


def _value_key(data):
    if isinstance(data, numpy.ndarray | numpy.generic):
        data = numpy.asarray(data)
        return (data.dtype.str, data.shape, data.tobytes())
    if isinstance(data, slice):
        return ("slice", data.start, data.stop, data.step)
    try:
        hash(data)
    except TypeError:
        raise _NotReusable from None
    return (type(data).__name__, data)
