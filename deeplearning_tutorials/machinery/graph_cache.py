"""Rewritten graphs kept between runs, so that a warm start does not rewrite.

``pytensor.function`` does three things with a graph: it *rewrites* it
(hundreds of rewrites: constant folding, fusing elementwise loops, turning
``dot`` and ``+`` into ``gemm``, making updates work in place), it *links*
the result (the C backend compiles C modules, Numba compiles at the first
call) and it wraps it in a ``Function``. Linking keeps what it compiled in
PyTensor's compile directory, so a second run loads it; rewriting was done
again by every run, the same rewrites on the same graph giving the same
result: 0.1 to 0.5 s per function, most of a warm start's compile time.

While a tutorial runs from its command line (``cli.run``), :func:`active`
keeps the rewritten graphs in the compile directory too
(``<compiledir>/rewritten_graphs``). The key of the graph a function is
asked for is a SHA-256 digest of it (its inputs by their position, every
``Op`` with its properties, every constant with its value: :func:`graph_key`)
and of what else decides the rewrites: the mode (its linker and its rewrite
query), the PyTensor flags the rewrites read, the rewrites registered, the
input and output specifications (``mutable``, ``borrow``: they decide the
copies PyTensor adds), the versions of PyTensor and of this project's
source. The first run pickles the rewritten graph under that key; a later
run that asks for the same graph reads it, puts it in place of the graph it
was given and goes straight to linking. The first run, too, links its
graph as read back from the pickle, so every run links the same graph, its
compiled code is found in the backends' caches, and it computes the bits
that PyTensor's own rewriting gives (``tests/test_graph_cache.py``).

Shared variables enter the key by type and place, not by value (rewrites do
not read their values), and a loaded graph uses the run's own shared
variables. A graph that cannot be pickled or hashed (an ``Op`` holding a
Python function, say) is rewritten every time, as before; an entry that
cannot be read is rewritten and written again. The folder holds at most
:data:`LIMIT` entries, the least recently used removed first. Like the
rest of the compile directory it is read with ``pickle``, so it must be
written only by its owner. ``DLT_GRAPH_CACHE=0`` turns the cache off.
"""

import contextlib
import hashlib
import io
import os
import pickle
import sys
import tempfile
from pathlib import Path

import numpy
import pytensor
from pytensor.compile.maker import FunctionMaker
from pytensor.graph.basic import Apply, Constant, Variable
from pytensor.graph.fg import FunctionGraph
from pytensor.graph.op import Op
from pytensor.graph.traversal import graph_inputs
from pytensor.graph.type import Type

#: the environment variable that turns the cache off (``0``)
SWITCH = "DLT_GRAPH_CACHE"
#: the folder of the compile directory that holds the entries
FOLDER = "rewritten_graphs"
#: the most entries kept
LIMIT = 1000
#: the layout of an entry; another value makes every key another
FORMAT = 1

#: the PyTensor flags that the rewrites, or the copies added after them, read
FLAGS = (
    "floatX",
    "mode",
    "linker",
    "optimizer",
    "optimizer_including",
    "optimizer_excluding",
    "optimizer_requiring",
    "optdb__max_use_ratio",
    "optdb__position_cutoff",
    "cast_policy",
    "cxx",
    "blas__ldflags",
    "numba__fastmath",
    "cycle_detection",
    "on_shape_error",
    "scan__allow_output_prealloc",
    "tensor__insert_inplace_optimizer_validate_nb",
)

# how many graphs this process loaded, stored, and rewrote without a key
counts = {"loaded": 0, "stored": 0, "not_kept": 0}

_rewrite = None  # PyTensor's own FunctionMaker.prepare_fgraph, while active()
_source = None  # the fingerprint of this project's source, once computed
_rewrites = None  # the rewrites registered when the first key was made


@contextlib.contextmanager
def active():
    """Keep and reuse rewritten graphs within the ``with`` block (nothing
    changes where ``DLT_GRAPH_CACHE=0``)."""
    global _rewrite
    if os.environ.get(SWITCH) == "0" or _rewrite is not None:
        yield
        return
    _rewrite = FunctionMaker.prepare_fgraph
    FunctionMaker.prepare_fgraph = staticmethod(prepare_fgraph)
    try:
        yield
    finally:
        FunctionMaker.prepare_fgraph = staticmethod(_rewrite)
        _rewrite = None


def prepare_fgraph(inputs, outputs, additional_outputs, fgraph, mode, profile):
    """``FunctionMaker.prepare_fgraph`` (rewrite ``fgraph`` in place, then
    add the copies its outputs need), taking the result from the cache when
    it is there and putting it there when it was not.

    A graph just rewritten is written out and put back in place read from
    what was written, as a later run will read it: every run links the same
    graph, whose compiled code the first run leaves in the backends' caches.
    (Read back, a fused loop fresh from the rewrites that listed one of its
    nodes twice in its order lists it once, and its C code computes those
    values once: the same numbers, but another C module, which later runs
    would have compiled again.)"""
    key = graph_key(fgraph, mode, inputs, outputs + additional_outputs)
    if key is not None and load(key, fgraph):
        counts["loaded"] += 1
        return
    _rewrite(inputs, outputs, additional_outputs, fgraph, mode, profile)
    data = None if key is None else written(fgraph)
    if data is None or not put_in_place(fgraph, data):
        counts["not_kept"] += 1
        return
    counts["stored" if store(key, data) else "not_kept"] += 1


# --------------------------------------------------------------------------
# The key
# --------------------------------------------------------------------------


class _GraphPickler(pickle.Pickler):
    """Writes a rewritten graph with ``fgraph``'s inputs as references to
    their positions (a shared variable's value is not written)."""

    def __init__(self, file, fgraph):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.positions = {id(v): i for i, v in enumerate(fgraph.inputs)}
        self.inputs = fgraph.inputs

    def persistent_id(self, obj):
        if isinstance(obj, Variable):
            position = self.positions.get(id(obj))
            if position is not None and self.inputs[position] is obj:
                return position
        return None


class _GraphUnpickler(pickle.Unpickler):
    """Reads a graph written by :class:`_GraphPickler`, onto ``fgraph``'s inputs."""

    def __init__(self, file, fgraph):
        super().__init__(file)
        self.inputs = fgraph.inputs

    def persistent_load(self, position):
        return self.inputs[position]


def graph_key(fgraph, mode, input_specs, output_specs):
    """The hex key of rewriting ``fgraph`` under ``mode`` for these
    specifications, or None where something in the graph cannot be written
    out (:func:`_digest`)."""
    memo = {}
    try:
        parts = (
            _graph_digest(fgraph.inputs, fgraph.outputs, fgraph.toposort(), memo),
            _digest(sorted((fgraph.update_mapping or {}).items()), memo),
            _digest([(spec.mutable, spec.borrow) for spec in input_specs], memo),
            _digest([spec.borrow for spec in output_specs], memo),
            _digest(settings(mode), memo),
        )
    except Exception:  # noqa: BLE001 (an Op or a constant that pickle refuses)
        return None
    return _sha(b"key", *parts).hex()


def _sha(tag, *parts):
    sha = hashlib.sha256(tag)
    for part in parts:
        sha.update(len(part).to_bytes(8, "little"))
        sha.update(part)
    return sha.digest()


def _graph_digest(inputs, outputs, nodes, memo):
    """A graph's digest: its nodes in topological order (``nodes``), each an
    ``Op`` and the numbers of its inputs; an input by its position, other
    roots (constants) by their digest. No recursion along the graph, which
    may be longer than Python's stack is deep."""
    numbers = {
        v: _sha(b"input", str(i).encode(), _digest(v.type, memo)) for i, v in enumerate(inputs)
    }
    parts = []
    for node in nodes:
        refs = []
        for variable in node.inputs:
            if variable not in numbers:  # a root: a constant
                numbers[variable] = _digest(variable, memo)
            refs.append(numbers[variable])
        parts.append(_sha(b"node", _digest(node.op, memo), *refs))
        for index, variable in enumerate(node.outputs):
            numbers[variable] = _sha(
                b"out", str(len(parts)).encode(), str(index).encode(),
                _digest(variable.type, memo), _digest(variable.name, memo),
            )
    for variable in outputs:
        if variable not in numbers:
            numbers[variable] = _digest(variable, memo)
    return _sha(b"graph", *parts, b"outputs", *(numbers[v] for v in outputs))


def _digest(obj, memo):
    """The digest of what ``obj`` is, the same for equal objects in any
    process: a variable by its type, name and origin (not its ``auto_name``,
    numbered in the order variables are made, nor its ``tag``), a node by
    its ``Op`` and inputs, an ``Op`` by :func:`_op_state`, an inner
    ``FunctionGraph`` (a ``scan``'s, an ``OpFromGraph``'s) by its nodes (not
    its timings), an array by its bytes; anything else by its pickle, which
    raises for what cannot be written out (a lambda)."""
    found = memo.get(id(obj))
    if found is not None:
        return found[0]
    digest = _compute_digest(obj, memo)
    memo[id(obj)] = (digest, obj)  # obj kept: its id is not reused meanwhile
    return digest


def _compute_digest(obj, memo):
    if obj is None or isinstance(obj, bool | int | float | complex | str | bytes):
        return _sha(b"plain", repr((type(obj).__name__, obj)).encode())
    if isinstance(obj, numpy.ndarray | numpy.generic) and not numpy.asarray(obj).dtype.hasobject:
        data = numpy.ascontiguousarray(obj)
        return _sha(b"array", data.dtype.str.encode(), repr(data.shape).encode(), data.tobytes())
    if isinstance(obj, list | tuple):
        return _sha(type(obj).__name__.encode(), *(_digest(item, memo) for item in obj))
    if isinstance(obj, dict):
        items = sorted(_sha(b"item", _digest(k, memo), _digest(v, memo)) for k, v in obj.items())
        return _sha(b"dict", *items)
    if isinstance(obj, set | frozenset):
        return _sha(b"set", *sorted(_digest(item, memo) for item in obj))
    if isinstance(obj, FunctionGraph):
        return _graph_digest(obj.inputs, obj.outputs, obj.toposort(), memo)
    if isinstance(obj, Constant):
        return _sha(b"constant", _digest(obj.type, memo), _digest(obj.data, memo))
    if isinstance(obj, Variable):
        owner = b"root" if obj.owner is None else _digest(obj.owner, memo)
        return _sha(b"variable", _digest(obj.type, memo), _digest(obj.name, memo), owner,
                    str(obj.index).encode())
    if isinstance(obj, Apply):
        return _sha(b"apply", _digest(obj.op, memo), *(_digest(v, memo) for v in obj.inputs))
    if isinstance(obj, Op):
        kind = f"{type(obj).__module__}.{type(obj).__qualname__}".encode()
        return _sha(b"op", kind, _digest(_op_state(obj), memo))
    if isinstance(obj, Type) and getattr(type(obj), "__props__", None) is not None:
        kind = f"{type(obj).__module__}.{type(obj).__qualname__}".encode()
        return _sha(b"type", kind, _digest(obj._props(), memo))
    return _sha(b"pickle", pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _op_state(op):
    """What an ``Op`` is: its properties where it declares them (``__props__``),
    else its attributes but those it keeps for itself (``_name``: caches,
    such as the frozen copy of a ``scan``'s inner graph made when it is first
    compared)."""
    if getattr(type(op), "__props__", None) is not None:
        return op._props()
    state = op.__getstate__() if hasattr(op, "__getstate__") else op.__dict__
    if not isinstance(state, dict):
        return state
    return {k: v for k, v in state.items() if not k.startswith("_")}


def settings(mode):
    """What decides the rewrites besides the graph, as plain values."""
    mode = pytensor.compile.mode.get_mode(mode)
    return (
        FORMAT,
        pytensor.__version__,
        source_fingerprint(),
        type(mode).__name__,
        type(mode.linker).__name__,
        # the query as the mode runs it: with what its linker requires and
        # what it leaves out (cxx_only, where it runs no C)
        _describe(getattr(mode, "_optimizer", mode.provided_optimizer)),
        tuple(flag(name) for name in FLAGS),
        registered_rewrites(),
    )


def flag(name, read=False):
    """A PyTensor flag's value as text. Unless asked to ``read`` it, None
    where nothing has asked for it yet: some are worked out when first read
    (``blas__ldflags`` looks for a BLAS, 0.3 s), which a run on the Numba
    backend never did, and a run reads them in the same order every time."""
    param = pytensor.config._config_var_dict.get(name)
    if param is None:
        return None
    if read:
        return str(getattr(pytensor.config, name))
    return str(param.val) if hasattr(param, "val") else None


def registered_rewrites():
    """The names of the rewrites registered, as the process's first key
    found them.

    Taken once: PyTensor registers its sparse and typed-list rewrites when
    those modules are first imported, which happens while some function is
    compiled (the Numba backend imports them, and CVM may), so the moment
    moves as more of a run's graphs come from the cache and each run would
    find a different list. They rewrite only graphs of their own ``Op``
    types, whose modules a graph that holds them has imported. The project's
    rewrites are registered when its modules are imported, before a
    tutorial builds a graph."""
    global _rewrites
    if _rewrites is None:
        _rewrites = _registered(pytensor.compile.mode.optdb)
    return _rewrites


def _describe(optimizer):
    """A rewrite query (or a rewriter, or its name) as plain values."""
    if isinstance(optimizer, str) or optimizer is None:
        return optimizer
    query = getattr(optimizer, "include", None)
    if query is None:
        return type(optimizer).__qualname__, getattr(optimizer, "name", None)
    return (
        sorted(map(str, optimizer.include)),
        sorted(map(str, optimizer.require)),
        sorted(map(str, optimizer.exclude)),
        str(optimizer.position_cutoff),
        sorted((name, _describe(sub)) for name, sub in optimizer.subquery.items()),
        [(_describe(rewrite), str(position)) for rewrite, position in optimizer.extra_rewrites],
    )


def _registered(db, seen=None):
    """The names of the rewrites registered in ``db`` and the databases in it."""
    seen = set() if seen is None else seen
    if id(db) in seen:
        return ()
    seen.add(id(db))
    names = []
    for name in sorted(getattr(db, "_names", ())):
        names.append(name)
        inner = getattr(db, "__db__", {}).get(name)
        for item in inner or ():
            if hasattr(item, "_names"):
                names.append((name, _registered(item, seen)))
    return tuple(names)


def source_fingerprint():
    """Each of this project's source files by path, size and modification
    time: a change to a rewrite or an ``Op`` the project adds makes new keys."""
    global _source
    if _source is None:
        package = Path(sys.modules["deeplearning_tutorials"].__file__).parent
        sha = hashlib.sha256()
        for path in sorted(package.rglob("*.py")):
            stat = path.stat()
            sha.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
        _source = sha.hexdigest()
    return _source


# --------------------------------------------------------------------------
# The entries
# --------------------------------------------------------------------------


def folder():
    return Path(pytensor.config.compiledir) / FOLDER


def _entry(key):
    return folder() / key[:2] / f"{key}.pkl"


def load(key, fgraph):
    """Put the rewritten graph stored under ``key`` in place of ``fgraph``'s
    outputs; False (``fgraph`` untouched) where there is none to use."""
    path = _entry(key)
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if not put_in_place(fgraph, data):
        with contextlib.suppress(OSError):
            path.unlink()  # damaged or stale: rewritten and written again
        return False
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used
    return True


def written(fgraph):
    """``fgraph``'s outputs pickled onto its inputs, or None where something
    in them does not pickle (an ``Op`` holding a Python function)."""
    buffer = io.BytesIO()
    try:
        _GraphPickler(buffer, fgraph).dump(list(fgraph.outputs))
    except Exception:  # noqa: BLE001
        return None
    return buffer.getvalue()


def put_in_place(fgraph, data):
    """Read the outputs written by :func:`written` onto ``fgraph``'s inputs and
    put them in place of its outputs; False (``fgraph`` untouched) where
    they cannot be read or do not fit."""
    try:
        new_outputs = _GraphUnpickler(io.BytesIO(data), fgraph).load()
        usable = _fits(fgraph, new_outputs)
    except Exception:  # noqa: BLE001 (a damaged or stale entry)
        usable = False
    if not usable:
        return False
    for position, new in enumerate(new_outputs):
        client, _ = fgraph.get_output_client(position)
        fgraph.change_node_input(client, 0, new, reason="graph_cache")
    _fresh_destroy_handler(fgraph)
    fgraph.validate()
    return True


def _fresh_destroy_handler(fgraph):
    """Give ``fgraph`` a ``DestroyHandler`` that meets its nodes as they are
    now, in graph order, whether one was there or not. The handler's
    orderings break the ties of ``fgraph.toposort()``, which keys the Numba
    code of the whole graph (``numba_funcify_FunctionGraph``); one attached
    before the rewrites, as in the run that wrote the entry, met the nodes in
    the order they arrived, and the next run, which read the entry, got
    another order for the same graph and compiled it again (the rnnrbm's
    training function, 4 s)."""
    from pytensor.graph.destroyhandler import DestroyHandler

    if hasattr(fgraph, "destroy_handler"):
        fgraph.remove_feature(fgraph.destroy_handler)
    fgraph.attach_feature(DestroyHandler())


def _fits(fgraph, new_outputs):
    """Whether ``new_outputs`` can replace ``fgraph``'s: as many, of the same
    types, computed from its inputs and constants alone."""
    if not isinstance(new_outputs, list) or len(new_outputs) != len(fgraph.outputs):
        return False
    for old, new in zip(fgraph.outputs, new_outputs):
        if not isinstance(new, Variable) or not old.type.is_super(new.type):
            return False
    inputs = {id(v) for v in fgraph.inputs}
    return all(
        id(root) in inputs or isinstance(root, Constant) for root in graph_inputs(new_outputs)
    )


def store(key, data):
    """Write an entry (``data``, from :func:`written`) under ``key``; False
    where it cannot be written (the run goes on)."""
    path = _entry(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as out:
            out.write(data)
        os.replace(out.name, path)
    except OSError:
        with contextlib.suppress(OSError, NameError):
            os.unlink(out.name)
        return False
    _prune()
    return True


def _prune():
    """Remove the least recently used entries beyond :data:`LIMIT`."""
    try:
        entries = [(p.stat().st_mtime, p) for p in folder().glob("*/*.pkl")]
    except OSError:
        return
    if len(entries) <= LIMIT:
        return
    entries.sort()
    for _, path in entries[: len(entries) - LIMIT]:
        with contextlib.suppress(OSError):
            path.unlink()
