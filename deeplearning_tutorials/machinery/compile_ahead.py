"""Compile a run's other functions on a second core while this one compiles
the first.

The Numba backend compiles a function on its first call and keeps the
machine code in PyTensor's compile directory, where any later process finds
it. A tutorial compiles its functions one after the other before it trains
(``training.warm_up``): on an empty cache, logistic regression spends about
20 s on ``train_model`` and 4 s more on ``validate_model`` and
``test_model``, on one core, while the machine's other cores wait.

:func:`in_background` forks a child process that makes the first call of
the *other* functions, so that Numba compiles them there and writes them to
the cache, while this process compiles the first one. When this process
then calls them, Numba loads them from the cache in a fraction of a second.
The child's calls change nothing here: it has its own copy of every shared
variable, and it leaves by ``os._exit`` without running anything else.

It forks only where that can help and is safe: the Numba backend with its
cache on, a POSIX system, a core this process may use that is idle now (at
least two cores, and no more tasks running besides this one than leave a core
free, :func:`others_running`: on a machine whose cores are all busy, a child
only competes with the others, and where it compiles an operation that the
first function also needs, that work is done twice), and not turned off with
``DLT_COMPILE_AHEAD=0``. Anywhere else
the calls are simply made later, in this process, as before.

Before those calls, the child takes on part of the first function itself
(:func:`compile_tail`). Numba compiles a graph by typing its function one
statement at a time, and each operation's own function is compiled, and
cached, when its call is typed: one after another, on one core. The child
compiles the functions of the later operations (all but the first
:data:`HEAD_SHARE` of them, in the graph's order) while this process works
through the earlier ones; when it gets to the later ones, it finds most of
them in the cache. On the 2-core machine that cut logistic regression's
cold compile of ``train_model`` from about 22 s to 16 s, and the cost and
gradient of logistic_cg from 28 s to 18 s (``doc/performance.md``).
"""

import contextlib
import functools
import mmap
import os
import signal
import time

import numpy as np
import pytensor

from deeplearning_tutorials.machinery import compile_later

#: set to 0 to compile everything in this process, one function after another
SWITCH = "DLT_COMPILE_AHEAD"
#: set to 1 to fork whatever the load average (for tests and measurements)
ANY_LOAD = "DLT_COMPILE_AHEAD_ANY_LOAD"
#: the share of a first function's operations (from the start of its graph's
#: order) that this process compiles itself; the child compiles the rest
HEAD_SHARE = 0.4


def can_fork():
    """True where compiling in a forked child can save time (see above)."""
    if os.environ.get(SWITCH, "1") == "0" or not hasattr(os, "fork"):
        return False
    if str(pytensor.config.mode).upper() != "NUMBA" or not pytensor.config.numba__cache:
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    busy = others_running() > cores - 2 and os.environ.get(ANY_LOAD) != "1"
    return cores >= 2 and not busy


def others_running(read=None, looks=3):
    """How many cores other work keeps busy *now*: the tasks Linux counts as
    running at this moment (the fourth field of ``/proc/loadavg``,
    ``running/total``), less this process, the fewest of ``looks`` looks 5 ms
    apart (a command that only passes does not count). Where that cannot be
    read, the one-minute load average, less this process.

    Not the load average itself: it lags by a minute, so a run started right
    after another (the user's previous run, a benchmark's) would find "one
    core busy" on an idle machine and compile everything on one core.
    ``read`` returns the text of ``/proc/loadavg`` (for tests)."""
    read = read or _read_loadavg
    counts = []
    for look in range(looks):
        if look:
            time.sleep(0.005)
        try:
            counts.append(int(read().split()[3].split("/")[0]) - 1)
        except (OSError, IndexError, ValueError):
            try:
                return max(os.getloadavg()[0] - 1, 0.0)
            except OSError:  # pragma: no cover - no load average to read
                return 0
    return max(min(counts), 0)


def _read_loadavg():
    with open("/proc/loadavg") as f:
        return f.read()


@contextlib.contextmanager
def in_background(calls, later=None, first=(), here=None):
    """Make ``calls`` (functions of no argument) in a forked child while the
    ``with`` block runs, after compiling the tails (:func:`compile_tail`) of
    ``first``, the functions the block compiles (the last one's first, as
    the block reaches it last); on leaving the block, wait for the child, or,
    given ``later``, hand the waiting on: ``later(wait, stop)`` is told how
    to wait for the child and how to stop it (as
    :func:`~deeplearning_tutorials.machinery.compile_later.schedule` is, so
    that the child's end is waited for after the first training step).

    ``here``, if given, is what this process does for each of ``calls``
    after the block (a warm-up), made on leaving it or handed to ``later``
    before the waiting, forked or not. The two processes share that work:
    each call goes to whichever takes it first (:class:`_Shares`), and this
    process waits only for a call the child has begun. So where the child
    is still busy with a tail when the first step is done, this process
    compiles the validation function while the child goes on to the test
    function, rather than waiting for both.

    If the block raises (Ctrl-C, an error), the child is stopped at once.
    A child that fails only costs its time: the calls it did not finish are
    compiled later, in this process, by their first call.
    """
    calls, first = list(calls), list(first)
    here = list(here) if here is not None else []
    later = later or (lambda call, abandon: call())
    if not (calls or first) or not can_fork():
        yield
        for call in here:
            later(call, None)
        return
    # the first functions are made here, before the fork, so that the child
    # compiles the very graphs this process then compiles
    tails = [functools.partial(compile_tail, _made(f)) for f in reversed(first)]
    if os.environ.get("DLT_TAILS") == "alone" and calls:
        tails = []
    # PyTensor's Numba backend is imported when a function is first compiled
    # for it (machinery/when_imported.py): import it once, before the fork,
    # rather than in both processes at once
    import pytensor.link.numba.dispatch  # noqa: F401

    shares = _Shares(len(calls))
    pid = os.fork()
    if pid == 0:  # the child: compile, then leave without a trace
        _compile_and_exit(tails, calls, shares)
    try:
        yield
    except BaseException:
        _stop(pid)
        raise
    for number, call in enumerate(here):
        later(functools.partial(shares.make_here, number, call, pid), None)
    later(functools.partial(_wait, pid), functools.partial(_stop, pid))


class _Shares:
    """Which process makes each call: one byte per call, in memory that the
    forked child shares with this process (an anonymous ``mmap`` made before
    the fork). A call is taken by writing the byte while it is free; the two
    processes can both take one in the same instant, and then both compile
    it into the same cache, which only costs time."""

    FREE, CHILD, HERE, DONE = range(4)

    def __init__(self, count):
        self._state = mmap.mmap(-1, max(count, 1))

    def take(self, number, who):
        if self._state[number] != self.FREE:
            return False
        self._state[number] = who
        return True

    def make_in_child(self, number, call):
        if self.take(number, self.CHILD):
            call()
            self._state[number] = self.DONE

    def make_here(self, number, call, child):
        """``call()`` here; where the child has begun it, once it is done
        (or the child has ended), so that it is loaded from the cache."""
        if not self.take(number, self.HERE):
            while self._state[number] == self.CHILD and _running(child):
                time.sleep(0.01)
        call()


def _running(pid):
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:  # ended, and waited for
        return False


def _made(function):
    """``function``, made now if it was deferred (:mod:`compile_later`)."""
    if isinstance(function, compile_later.DeferredFunction):
        return function.compiled()
    return function


def _compile_and_exit(tails, calls, shares):
    status = 1
    try:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        for tail in tails:
            # a tail that cannot be compiled here is compiled by the first call
            with contextlib.suppress(Exception):
                tail()
        for number, call in enumerate(calls):
            shares.make_in_child(number, call)
        status = 0
    finally:
        os._exit(status)


def _wait(pid):
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # already waited for (_running)
        pass
    except BaseException:
        _stop(pid)
        raise


def _stop(pid):
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def compile_tail(function, head_share=HEAD_SHARE):
    """Compile into Numba's cache the functions of the operations of
    ``function`` (a PyTensor function, not yet called) after the first
    ``head_share`` of its graph's order; nothing for another backend.

    Those operations become a graph of their own, whose inputs (what the
    earlier operations hand on, and the function's own inputs) are typed as
    the first call will type them (:func:`_numba_type`). Numba compiles that
    graph's function as it does any, each operation's function on its own and
    into the cache, under the key PyTensor gives it (the operation and its
    input types), where the first call's compile then finds it. The tail's
    own function is cached as well, so that on a filled cache all this only
    loads. A graph PyTensor cannot cache is left alone. Where a guess
    differs from the first call's types (a view is typed ``'A'``, not
    ``'C'``), the operations that read it are compiled there again: a wrong
    guess costs time, never a result.
    """
    from pytensor.graph.basic import Constant
    from pytensor.graph.fg import FunctionGraph
    from pytensor.link.numba.dispatch.basic import numba_funcify_ensure_cache
    from pytensor.link.numba.linker import NumbaLinker

    if not isinstance(function.maker.linker, NumbaLinker):
        return
    graph = function.maker.fgraph
    order = graph.toposort()
    tail = order[int(len(order) * head_share):]
    made_here = {out for node in tail for out in node.outputs}
    inputs = []
    for node in tail:
        for var in node.inputs:
            if var not in made_here and not isinstance(var, Constant) and var not in inputs:
                inputs.append(var)
    values = dict(zip(graph.inputs, (box.storage[0] for box in function.input_storage)))
    signature = tuple(_numba_type(var, values.get(var)) for var in inputs)
    outputs = [out for node in tail for out in node.outputs]
    # cached too, under its own key: on a filled cache this only loads
    jitted, key = numba_funcify_ensure_cache(FunctionGraph(inputs, outputs, clone=True))
    if key is not None:
        import numba

        jitted.compile((numba.types.Tuple(signature),))  # its arguments are ``*args``


def _numba_type(variable, value=None):
    """The Numba type a graph's function is given for ``variable``: that of
    ``value`` where it is known (a shared variable's), else a fresh,
    C-ordered array of its dtype and rank (what elementwise operations,
    products and reductions return) or a scalar."""
    import numba
    from pytensor.scalar import ScalarType
    from pytensor.tensor.type import TensorType

    if value is not None:
        return numba.typeof(value)
    if isinstance(variable.type, ScalarType | TensorType):
        dtype = numba.from_dtype(np.dtype(variable.type.dtype))
        if isinstance(variable.type, ScalarType):
            return dtype
        return numba.types.Array(dtype, variable.type.ndim, "C")
    raise TypeError(f"no Numba type to give {variable.type}")
