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
"""

import contextlib
import functools
import os
import signal
import time

import pytensor

#: set to 0 to compile everything in this process, one function after another
SWITCH = "DLT_COMPILE_AHEAD"
#: set to 1 to fork whatever the load average (for tests and measurements)
ANY_LOAD = "DLT_COMPILE_AHEAD_ANY_LOAD"


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
def in_background(calls, later=None):
    """Make ``calls`` (functions of no argument) in a forked child while the
    ``with`` block runs; on leaving the block, wait for the child, or, given
    ``later``, hand the waiting on: ``later(wait, stop)`` is told how to
    wait for the child and how to stop it (as
    :func:`~deeplearning_tutorials.machinery.compile_later.schedule` is, so
    that the child's end is waited for after the first training step).

    If the block raises (Ctrl-C, an error), the child is stopped at once.
    A child that fails only costs its time: the calls it did not finish are
    compiled later, in this process, by their first call.
    """
    calls = list(calls)
    if not calls or not can_fork():
        yield
        return
    # PyTensor's Numba backend is imported when a function is first compiled
    # for it (machinery/when_imported.py): import it once, before the fork,
    # rather than in both processes at once
    import pytensor.link.numba.dispatch  # noqa: F401

    pid = os.fork()
    if pid == 0:  # the child: compile, then leave without a trace
        _compile_and_exit(calls)
    try:
        yield
    except BaseException:
        _stop(pid)
        raise
    if later is None:
        _wait(pid)
    else:
        later(functools.partial(_wait, pid), functools.partial(_stop, pid))


def _compile_and_exit(calls):
    status = 1
    try:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        for call in calls:
            call()
        status = 0
    finally:
        os._exit(status)


def _wait(pid):
    try:
        os.waitpid(pid, 0)
    except BaseException:
        _stop(pid)
        raise


def _stop(pid):
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
