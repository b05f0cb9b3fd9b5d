"""``theano.function``, ``In`` and ``Param``, on ``pytensor.function``.

What the kit's :func:`function` adds to PyTensor's (each a Theano behaviour
or a trap that PyTensor left silent):

Inputs with defaults (Theano 0.6-1.0)
    ``theano.function([index, In(lr, value=0.1)], ...)`` and Theano 0.7's
    ``Param(lr, default=0.1)`` give ``lr`` a default. PyTensor refuses
    inputs with defaults, so the kit compiles without them and fills them
    in when the function is called (positionally or by the input's name).

Random streams that advance
    Theano's streams advanced by themselves (each state carries a
    ``default_update``, as the kit's streams do). A function whose graph
    draws from a stream that it does not update would repeat the same
    numbers at every call; the kit refuses to build it
    (:class:`FrozenNoiseError`), or warns when ``no_default_updates=True``
    asked for it.

Shape errors that name the shapes
    Under PyTensor's default backend (Numba) a shape mismatch reads, e.g.,
    ``incompatible array sizes for np.dot(a, b) (matrix * matrix)``. When a
    call fails, the kit runs the same graph once more on PyTensor's Python
    linker, without updates, and raises :class:`ShapeMismatchError` with the
    message that the failing operation gives there (NumPy's, which names
    both shapes) and the shapes of the call's inputs.

Theano's mode names and ``Mode``
    ``mode='FAST_RUN'`` (Theano's default) means the current default mode;
    ``'FAST_COMPILE'`` and ``'DebugMode'`` are PyTensor's own.
    ``theano.Mode(linker='cvm')`` (:class:`Mode`, Theano 0.6-1.0's
    signature) compiles in the current default mode too.

Theano's ``shared_randomstreams`` draws
    A draw of the kit's ``shared_randomstreams.RandomStreams`` is made by a
    NumPy ``RandomState``, as Theano's was, so that it gives Theano's
    numbers; under Numba it runs in object mode. JAX has none: under
    ``device='gpu'`` a function that draws runs on the CPU, with a warning.

Theano's sigmoid and softplus
    Compiled as Theano 1.0's C code computed them, clipped (:mod:`.numerics`).

``device='gpu'``
    Once ``theano.config.device`` is mapped onto JAX (:mod:`.device`), a
    function in Theano's default mode is compiled for JAX, its
    constant-length minibatch slices made static; one that JAX cannot
    compile or trace runs on the CPU instead, with a warning saying why.
"""

import warnings

import pytensor
from pytensor.compile.mode import Mode as PyTensorMode
from pytensor.compile.mode import get_default_mode, get_mode
from pytensor.graph.replace import clone_replace
from pytensor.tensor.random.type import RandomType

from deeplearning_tutorials.theano_compat import device, test_values
from deeplearning_tutorials.theano_compat.numerics import theano_mode
from deeplearning_tutorials.theano_compat.tensor.raw_random import contains_random_function


class FrozenNoiseError(RuntimeError):
    """A compiled function would draw the same random numbers at every call."""


class ShapeMismatchError(ValueError):
    """A call failed on mismatched shapes; the message names them."""


class In:
    """Theano's ``In`` (1.0): an input with an optional default ``value``.

    Only ``variable``, ``name`` and ``value`` have an effect; the other
    arguments of Theano's signature are accepted (``mutable``, ``borrow``
    ... are optimisation hints) except ``update``, which is refused.
    """

    def __init__(self, variable, name=None, value=None, update=None, mutable=None,
                 strict=False, allow_downcast=None, autoname=True, implicit=None,
                 borrow=None, shared=False):
        if update is not None:
            raise NotImplementedError(
                "In(update=...) is not supported: give the update in function(updates=...)"
            )
        self.variable = variable
        self.name = name or variable.name
        self.value = value


#: Theano's linkers (0.6-1.0) that ran compiled C code: ``'cvm'`` (its default),
#: the others and their ``_nogc`` variants; only ``'py'`` ran pure Python
THEANO_C_LINKERS = ("cvm", "vm", "c", "c|py", "cvm_nogc", "vm_nogc", "c|py_nogc")


class Mode(PyTensorMode):
    """Theano's ``theano.Mode(linker=None, optimizer='default')`` (0.6-1.0).

    In Theano, ``linker=None`` meant ``config.linker`` (``'cvm'``, compiled
    C) and ``optimizer='default'`` meant ``config.optimizer``
    (``'fast_run'``). The kit compiles what Theano compiled to C in this
    project's default backend instead (Numba, or JAX once ``device='gpu'``
    is mapped): a ``Mode`` with one of :data:`THEANO_C_LINKERS` (or None) and
    the ``'default'`` or ``'fast_run'`` optimizer is the current default mode
    (``theano.function`` treats it as ``mode=None``), and any other
    optimizer (``'fast_compile'``, ``'merge'``, ``None``) runs on the default
    mode's linker. ``linker='py'`` is PyTensor's Python linker, as in Theano.
    A PyTensor linker name (``'numba'``, ``'jax'``) or object passes through.
    ``theano_linker`` and ``theano_optimizer`` keep what the script asked for.
    """

    def __init__(self, linker=None, optimizer="default", db=None):
        self.theano_linker, self.theano_optimizer = linker, optimizer
        self.is_theano_default = (
            linker is None or linker in THEANO_C_LINKERS
        ) and optimizer in ("default", "fast_run")
        default = get_default_mode()
        if linker is None or linker in THEANO_C_LINKERS:
            linker = default.provided_linker
        if optimizer == "default":
            optimizer = default.provided_optimizer
        super().__init__(linker=linker, optimizer=optimizer, db=db)


def Param(variable, default=None, name=None, mutable=False, strict=False,
          allow_downcast=None, implicit=None, borrow=None):
    """Theano 0.7's ``Param(variable, default)``: an :class:`In` with a default."""
    return In(variable, name=name, value=default)


class LegacyFunction:
    """A compiled function that fills in defaults and explains shape errors.

    Everything else (``maker``, ``copy``, ...) is the PyTensor function's.
    """

    def __init__(self, fn, names, defaults, rebuild, on_cpu=None):
        self.fn = fn
        self.names = names  # the name of every input, in order (None if unnamed)
        self.defaults = defaults  # position -> default value
        self._rebuild = rebuild  # (inputs, outputs, givens, updates, kwargs)
        self._diagnostic = None
        self._on_cpu = on_cpu  # for a JAX function: builds the CPU one

    def __getattr__(self, name):
        # only for what the instance lacks; before __init__ (copy and pickle
        # make an empty instance, then fill its __dict__) it lacks ``fn`` too
        if name == "fn" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.fn, name)

    def __getstate__(self):
        # the diagnostic function is compiled again when needed
        return dict(self.__dict__, _diagnostic=None)

    def __call__(self, *args, **kwargs):
        values = self._arguments(args, kwargs)
        try:
            return self.fn(*values)
        except Exception as error:
            if self._on_cpu is not None and _is_tracing_error(error):
                # a failed trace (JAX traces at a call with new shapes)
                # computed and updated nothing
                self.fn, self._on_cpu = self._on_cpu(error), None
                return self(*args, **kwargs)
            if not _is_shape_error(error) or not _uses_numba(self.fn):
                raise
            message = self._diagnose(values)
            if message is None:
                raise
            raise ShapeMismatchError(f"{error}\n{message}") from error

    def _arguments(self, args, kwargs):
        if len(args) > len(self.names):
            raise TypeError(f"{len(args)} arguments for a function of {len(self.names)} inputs")
        values = list(args) + [_MISSING] * (len(self.names) - len(args))
        for key, value in kwargs.items():
            if key not in self.names:
                raise TypeError(f"unknown input name {key!r}; inputs: {self.names}")
            position = self.names.index(key)
            if values[position] is not _MISSING:
                raise TypeError(f"input {key!r} given twice")
            values[position] = value
        for position, value in enumerate(values):
            if value is _MISSING:
                if position not in self.defaults:
                    name = self.names[position] or f"#{position}"
                    raise TypeError(f"missing input {name} (it has no default)")
                values[position] = self.defaults[position]
        return values

    def _diagnose(self, values):
        """The Python linker's message for this call, or None if it succeeds."""
        if self._diagnostic is None:
            inputs, outputs, givens, updates, kwargs = self._rebuild
            probe = _as_list(outputs) + [new for _, new in _pairs(updates)]
            with warnings.catch_warnings(), test_values.suspended():
                warnings.simplefilter("ignore", DeprecationWarning)
                self._diagnostic = pytensor.function(
                    inputs, probe, givens=givens, no_default_updates=True,
                    mode=PyTensorMode(linker="py", optimizer="fast_compile"),
                    on_unused_input="ignore",
                    allow_input_downcast=kwargs.get("allow_input_downcast"),
                )
        try:
            self._diagnostic(*values)
        except Exception as error:  # noqa: BLE001 - reported, with the original
            shapes = ", ".join(
                f"{name or '#%d' % i}: {getattr(value, 'shape', ())}"
                for i, (name, value) in enumerate(zip(self.names, values))
            )
            return (
                f"The same call on PyTensor's Python linker: {type(error).__name__}: "
                f"{str(error).splitlines()[0]}\nShapes of the inputs: {shapes}"
            )
        return None


_MISSING = object()


def function(inputs, outputs=None, mode=None, updates=None, givens=None,
             no_default_updates=False, accept_inplace=False, name=None,
             rebuild_strict=True, allow_input_downcast=None, profile=None,
             on_unused_input=None):
    """Theano 1.0's ``theano.function`` (the signature of 0.6-1.0) on PyTensor.

    ``updates`` and ``givens`` may be any iterable of pairs (Python 2's
    ``zip(params, new)`` was a list; Python 3's is an iterator, read once here).
    """
    updates, givens = _listed(updates), _listed(givens)
    variables, names, defaults = [], [], {}
    for position, item in enumerate(inputs):
        if isinstance(item, In):
            if item.value is not None:
                defaults[position] = item.value
            variables.append(item.variable)
            names.append(item.name)
        else:
            variables.append(item)
            names.append(getattr(item, "name", None))
    kwargs = dict(
        mode=_mode(mode), updates=updates, givens=givens,
        # PyTensor deprecates the argument: passed only when it asks for something
        no_default_updates=no_default_updates or None, accept_inplace=accept_inplace,
        name=name, rebuild_strict=rebuild_strict,
        allow_input_downcast=allow_input_downcast, profile=profile,
        on_unused_input=on_unused_input,
    )
    rebuild = (variables, outputs, givens, updates, kwargs)
    if device.mapped_device() and kwargs["mode"] is None:
        with test_values.suspended():  # what the kit builds here is its own
            return _function_for_jax(rebuild, names, defaults, no_default_updates)
    fn = _compile(variables, outputs, kwargs)
    check_streams_advance(fn, no_default_updates)
    return LegacyFunction(fn, names, defaults, rebuild)


#: the linkers without an object mode, which cannot run a NumPy RandomState's draw
_LINKERS_WITHOUT_PYTHON = ("JAXLinker", "PytorchLinker", "MLXLinker")


def _refuse_draws_where_python_cannot_run(outputs, kwargs):
    """A ``NotImplementedError`` (which sends a JAX function to the CPU) for
    a function that draws from ``shared_randomstreams`` under a backend
    without an object mode. Numba runs the draw in its object mode."""
    linker = type(get_mode(kwargs["mode"]).linker).__name__
    if linker not in _LINKERS_WITHOUT_PYTHON:
        return
    roots = [getattr(o, "variable", o) for o in _as_list(outputs)]
    roots += [new for _, new in _pairs(kwargs["updates"])]
    roots += [new for _, new in _pairs(kwargs["givens"])]
    op = contains_random_function(roots)
    if op is not None:
        raise NotImplementedError(
            f"{op} draws from a NumPy RandomState (theano.tensor.shared_randomstreams, "
            f"replayed as Theano drew), which {linker} cannot run"
        )


def _compile(variables, outputs, kwargs):
    _refuse_draws_where_python_cannot_run(outputs, kwargs)
    # Theano's C formulas for sigmoid and softplus (:mod:`.numerics`)
    kwargs = dict(kwargs, mode=theano_mode(kwargs["mode"]))
    with warnings.catch_warnings(), test_values.suspended():
        # PyTensor deprecates no_default_updates; the kit's own warning follows
        warnings.filterwarnings("ignore", "The no_default_updates", DeprecationWarning)
        return pytensor.function(variables, outputs, **kwargs)


def _function_for_jax(rebuild, names, defaults, no_default_updates):
    """Compile for JAX with static minibatch slices; on the CPU where JAX cannot."""
    variables, outputs, givens, updates, kwargs = rebuild

    def on_cpu(reason):
        warnings.warn(
            f"device={device.mapped_device()!r}: JAX cannot compile this function "
            f"({type(reason).__name__}: {str(reason).splitlines()[0]}); it runs on the "
            f"CPU with mode {pytensor.config.mode} (doc/porting.md).",
            UserWarning,
            stacklevel=4,
        )
        fn = _compile(variables, outputs, kwargs)
        check_streams_advance(fn, no_default_updates)
        return fn

    # givens applied here, so that the slices they bring can be made static
    pairs = _pairs(updates)
    expressions = _as_list(outputs) + [new for _, new in pairs]
    if givens:
        expressions = clone_replace(expressions, replace=dict(_pairs(givens)))
    expressions = device.static_length_slices(expressions)
    n_outputs = len(_as_list(outputs))
    jax_outputs = expressions[:n_outputs]
    if outputs is not None and not isinstance(outputs, (list, tuple)):
        jax_outputs = jax_outputs[0]
    jax_kwargs = dict(
        kwargs, mode="JAX", givens=None,
        updates=[(old, new) for (old, _), new in zip(pairs, expressions[n_outputs:])],
    )
    try:
        fn = _compile(variables, jax_outputs, jax_kwargs)
    except NotImplementedError as error:  # an Op without a JAX implementation
        return LegacyFunction(on_cpu(error), names, defaults, rebuild)
    check_streams_advance(fn, no_default_updates)
    return LegacyFunction(fn, names, defaults, rebuild, on_cpu=on_cpu)


def check_streams_advance(fn, no_default_updates=False):
    """Refuse (or, if asked for, warn about) a function that reads a random
    stream's state without updating it."""
    frozen = [
        item.variable for item in fn.maker.inputs
        if _is_random_state(item.variable) and getattr(item, "update", None) is None
    ]
    if not frozen:
        return
    what = ", ".join(str(v) for v in frozen)
    if no_default_updates:
        warnings.warn(
            f"no_default_updates=True: this function draws the same random numbers "
            f"at every call (streams {what} do not advance)", UserWarning, stacklevel=3,
        )
        return
    raise FrozenNoiseError(
        f"this function draws from random streams ({what}) without advancing them, "
        "so it would repeat the same numbers at every call. Draws made inside "
        "theano.scan advance only with the updates scan returned: pass them, "
        "function(..., updates=updates)."
    )


def _is_random_state(variable):
    return getattr(variable.tag, "is_rng", False) or isinstance(variable.type, RandomType)


def _is_tracing_error(error):
    """An error raised while JAX traces a graph: a shape that is not static,
    or an Op (a random distribution) with no JAX implementation."""
    import jax

    return isinstance(
        error, (jax.errors.JAXTypeError, jax.errors.JAXIndexError, NotImplementedError)
    ) or (isinstance(error, IndexError) and "static" in str(error))


def _is_shape_error(error):
    return isinstance(error, (ValueError, IndexError, AssertionError)) and not isinstance(
        error, ShapeMismatchError
    )


def _mode(mode):
    if isinstance(mode, Mode) and mode.is_theano_default:
        return None
    return None if mode in (None, "FAST_RUN") else mode


def _uses_numba(fn):
    return "numba" in type(fn.maker.linker).__name__.lower()


def _as_list(outputs):
    if outputs is None:
        return []
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _listed(pairs):
    """A dict, list or tuple of pairs as it is; another iterable (a ``zip``,
    a dict view, a generator) as a list."""
    if pairs is None or isinstance(pairs, (dict, list, tuple)):
        return pairs
    return list(pairs)


def _pairs(updates):
    if updates is None:
        return []
    return list(updates.items()) if hasattr(updates, "items") else list(updates)


from deeplearning_tutorials.theano_compat.errors import missing_names  # noqa: E402

__getattr__ = missing_names(
    __name__,
    {
        "sharedvalue": "use theano.shared",
        "function_module": "use theano.function",
        "SharedVariable": "PyTensor's is pytensor.compile.sharedvalue.SharedVariable",
    },
)
