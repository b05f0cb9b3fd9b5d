"""Compile what the first training step does not need after it.

A tutorial makes all its functions before it trains: logistic regression
its ``test_model``, ``validate_model`` and ``train_model``, a stack one
pre-training step per layer. Each ``pytensor.function`` rewrites its graph
and links it (0.1 to 1 s on a filled compile cache), and the Numba backend
loads it from its cache at the first call (0.05 to 0.2 s). The first
training step needs only one of them; the validation and test functions
wait for the end of the first epoch, the other layers' steps for the end
of the first layer.

While a tutorial runs from its command line (``cli.run``) and has not
trained yet, ``pytensor.function`` therefore returns a
:class:`DeferredFunction`: the call's arguments, kept. It is compiled by
its first call, by the first attribute asked of it (``f.maker``), or, at the
latest, right after the first training step, when the training loop calls
:func:`first_step_done`. The shared warm-ups
(``training.warm_up_models``, ``pretraining.warm_up_steps``) compile and
call the function the first step needs at once, and :func:`schedule` the
others' warm-ups for after it. Nothing else changes: a deferred function
computes what the function made at once computes (it *is* that function,
made later), the warm-ups leave no trace, the training loops leave the time
:func:`first_step_done` takes out of their clocks, as they leave the
warm-ups out, and after the first step ``pytensor.function`` compiles at
once again (the fine-tuning functions of a stack, a sampler).

On an empty cache the other functions are still compiled ahead, in a
forked child (:mod:`~deeplearning_tutorials.machinery.compile_ahead`): the
child's end is waited for after the first step too.
"""

import contextlib
import time

import pytensor

from deeplearning_tutorials.machinery import startup

#: the tutorials that defer (``cli.run``): those whose training loops are the
#: machinery's (``training.train_with_early_stopping``, ``pretraining``),
#: which call :func:`first_step_done`, and logistic_cg, whose SciPy callback
#: calls it after the first iteration
TUTORIALS = (
    "logistic_sgd", "logistic_cg", "mlp", "convolutional_mlp", "dA", "SdA", "cA", "rbm", "DBN",
)

# the pytensor.function that compiles, while deferring() has replaced it
_compile = None
# the work to do after the first step: [(call, abandon)], in order
_scheduled = []
# the DeferredFunction objects not compiled yet, in the order made
_pending = []
# True while first_step_done() runs
_finishing = False
# [True] once first_step_done() has been called after the first step
_done = [False]


class DeferredFunction:
    """A ``pytensor.function`` call, compiled when it is first needed.

    Calling it, or asking it for any attribute, compiles it (once) and
    hands on to the compiled function.
    """

    def __init__(self, compile, args, kwargs):
        self._call = (compile, args, kwargs)
        self._function = None
        _pending.append(self)

    def compiled(self):
        """The compiled function (compiled now if it is not yet)."""
        if self._function is None:
            compile, args, kwargs = self._call
            started = time.perf_counter()
            self._function = compile(*args, **kwargs)
            self._call = None
            with contextlib.suppress(ValueError):
                _pending.remove(self)
            if startup.first_step_taken() and not (_finishing or _done[0]):
                # compiled when the first step called it: the step waited
                startup.first_step_waited(time.perf_counter() - started)
        return self._function

    def __call__(self, *args, **kwargs):
        return self.compiled()(*args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __repr__(self):
        state = "compiled" if self._function is not None else "not compiled yet"
        return f"<DeferredFunction, {state}>"


def _function(*args, **kwargs):
    """``pytensor.function`` while deferring: deferred until the first
    training step, at once after it."""
    if startup.first_step_taken():
        return _compile(*args, **kwargs)
    return DeferredFunction(_compile, args, kwargs)


def active():
    """True while functions are deferred (see :func:`deferring`)."""
    return _compile is not None and not startup.first_step_taken()


@contextlib.contextmanager
def deferring():
    """Within this block, until the first training step,
    ``pytensor.function`` returns :class:`DeferredFunction` objects. On
    leaving it, work still scheduled is abandoned (a compile-ahead child is
    stopped) and ``pytensor.function`` is the one found on entering."""
    global _compile
    if _compile is not None:  # already deferring: one scope is enough
        yield
        return
    _compile = pytensor.function
    pytensor.function = _function
    _done[0] = False
    try:
        yield
    finally:
        pytensor.function = _compile
        _compile = None
        _abandon()


def schedule(call, abandon=None):
    """Run ``call()`` after the first training step (see
    :func:`first_step_done`), or now when not deferring; ``abandon()``
    instead, if the run ends before. Returns True if it was scheduled."""
    if not active():
        call()
        return False
    _scheduled.append((call, abandon))
    return True


def first_step_done():
    """Do the scheduled work, then compile the deferred functions still
    pending; the training loops call it after each step (it does something
    once). Returns the seconds it took, for the loop to leave out of its
    training time."""
    global _finishing
    _done[0] = startup.first_step_taken()
    if not (_scheduled or _pending):
        return 0.0
    started = time.perf_counter()
    _finishing = True
    try:
        while _scheduled:
            call, _ = _scheduled.pop(0)
            call()
        while _pending:
            _pending[0].compiled()
    finally:
        _finishing = False
    return time.perf_counter() - started


def _abandon():
    """Give up the scheduled work (the run ended before its first step or
    failed): stop what must be stopped, forget the rest."""
    while _scheduled:
        _, abandon = _scheduled.pop(0)
        if abandon is not None:
            abandon()
    _pending.clear()
