"""The exception families for problems the user can fix, and how they are told.

Command-line entry points turn an :class:`InputError` into a single line on
stderr and exit status 2, an :class:`OutputError` (a file that could not be
written: a full disk, a file-size limit, an I/O error) into one line and exit
status 4; anything else is a bug and keeps its traceback.
"""

import contextlib
import os
import signal
import sys
import threading
import time
import unicodedata


class InputError(ValueError):
    """Bad input: a flag value, a data file, a backend that is not installed."""


class OutputError(OSError):
    """A file could not be written (disk full, file-size limit, I/O error);
    whatever was there before is left as it was."""


def one_line(message):
    """``message`` with every line break and control character escaped
    (``\\n``, ``\\x1b``), so that it prints as exactly one line."""
    return "".join(
        repr(char)[1:-1]
        if unicodedata.category(char) in ("Cc", "Zl", "Zp") and char != "\t"
        else char
        for char in str(message)
    )


# The signals that stop a run as Ctrl-C does: a scheduler's SIGTERM, a closed
# terminal's SIGHUP. The exit status is 128 + the signal's number.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StopSignal(KeyboardInterrupt):
    """Ctrl-C, SIGTERM or SIGHUP, as an exception that carries the signal's
    number: what the training loop's flag is turned into where a run stops
    between minibatches, and what a message about a stop is built from."""

    def __init__(self, signum):
        super().__init__(signal_name(signum))
        self.signum = signum


def signal_name(signum):
    return "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name


class ExitAtOnce:
    """A handler for the stop signals outside the training loop (while
    Python imports, the data loads, the model compiles, the images are
    drawn): it ends the program at once, with the one line
    ``message(signum)`` and exit status 128 + the signal's number.

    Before training there is nothing to save, and an exception raised from
    the handler would land wherever the program happens to be: inside a
    finalizer, where Python prints "Exception ignored" with a traceback and
    drops it, or inside Numba's compiler, which was seen to die of SIGSEGV.
    A file being written (:func:`~deeplearning_tutorials.machinery.checkpoint.atomic_write`)
    is finished first: within :func:`signals_deferred` the exit waits for
    the block's end."""

    def __init__(self, message):
        self.message = message

    def __call__(self, signum, frame):
        if _deferred["depth"]:
            _deferred["pending"].append((self, signum))
            return
        exit_interrupted(signum, self.message(signum))


_deferred = {"depth": 0, "pending": []}


@contextlib.contextmanager
def signals_deferred():
    """Within the block an :class:`ExitAtOnce` stop waits for its end."""
    _deferred["depth"] += 1
    try:
        yield
    finally:
        _deferred["depth"] -= 1
        if not _deferred["depth"] and _deferred["pending"]:
            handler, signum = _deferred["pending"][0]
            exit_interrupted(signum, handler.message(signum))


def stop_signals_from_the_start(prog="deeplearning_tutorials"):
    """For a tutorial started as a program, from its first import on: Ctrl-C,
    SIGTERM and SIGHUP end it at once (unless ignored, as under ``nohup``)
    with one line and exit status 128 + the signal's number instead of a
    traceback, until the command line takes over; and they do so even while
    Python is held inside a library's C code (:func:`_watch_stops`)."""
    handler = ExitAtOnce(lambda signum: f"{prog}: interrupted by {signal_name(signum)}")
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, handler)
    _watch_stops()


# How long a stop signal may wait for Python's own handler before the
# watcher ends the program itself.
STUCK_SECONDS = 3.0


def _watch_stops():
    """A Python signal handler runs only between two bytecodes of the main
    thread: while that thread is inside C code that does not return (a BLAS
    library that spins on a failed allocation under a memory limit was seen
    to), SIGTERM would be held back for ever. The C-level handler also
    writes the signal's number to a "wakeup" pipe; a daemon thread reads it
    and, if the program is still there :data:`STUCK_SECONDS` later and the
    stop is still one that ends the program at once (:class:`ExitAtOnce`,
    outside a file being written), ends it as the handler would have."""
    try:
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    except (OSError, ValueError):  # not the main thread, or no pipe left
        return
    threading.Thread(target=_watcher, args=(read_end,), daemon=True).start()


def _watcher(read_end):
    while True:
        try:
            received = os.read(read_end, 64)
        except OSError:
            return
        for signum in received:
            handler = signal.getsignal(signum) if signum in STOP_SIGNALS else None
            if not isinstance(handler, ExitAtOnce):
                continue  # the training loop's stop, or another signal
            time.sleep(STUCK_SECONDS)
            while _deferred["depth"]:
                time.sleep(0.05)
            if signal.getsignal(signum) is handler:
                exit_interrupted(signum, handler.message(signum))


def exit_interrupted(signum, message):
    """End the program after the stop signal ``signum``: what was printed
    is flushed, then ``message`` is written as one line to stderr, and the
    exit status is 128 + the signal's number. Nothing raised while flushing
    (the handler may run while the stream it flushes is being written)
    stops the exit."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 (a reentrant or closed stream)
            pass
    try:
        os.write(2, (one_line(message) + "\n").encode("utf-8", "replace"))
    except OSError:
        pass
    os._exit(128 + signum)
