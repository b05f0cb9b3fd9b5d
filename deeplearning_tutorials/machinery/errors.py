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
    traceback, until the command line takes over."""
    handler = ExitAtOnce(lambda signum: f"{prog}: interrupted by {signal_name(signum)}")
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, handler)


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
