"""The exception families for problems the user can fix, and how they are told.

Command-line entry points turn an :class:`InputError` into a single line on
stderr and exit status 2, an :class:`OutputError` (a file that could not be
written: a full disk, a file-size limit, an I/O error) into one line and exit
status 4; anything else is a bug and keeps its traceback.
"""

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
    """Ctrl-C, SIGTERM or SIGHUP outside the training loop (while loading or
    compiling), raised as Ctrl-C raises :class:`KeyboardInterrupt`.

    Ctrl-C too raises this subclass, not :class:`KeyboardInterrupt` itself:
    Python marks a plain ``KeyboardInterrupt`` raised in some places (inside
    code that compiled extensions evaluate) as unhandled even when the
    program handles it, and then ends the process by SIGINT at exit instead
    of with the program's exit status (seen in one start-up in three)."""

    def __init__(self, signum):
        super().__init__(signal_name(signum))
        self.signum = signum


def signal_name(signum):
    return "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name


def raise_stop_signal(signum, frame):
    raise StopSignal(signum)


def stop_signals_from_the_start(prog="deeplearning_tutorials"):
    """For a tutorial started as a program, from its first import on: Ctrl-C,
    SIGTERM and SIGHUP raise :class:`StopSignal` (unless ignored, as under
    ``nohup``), and a stop that no run handles (while Python imports
    PyTensor, before the command line is read) ends the program with one
    line and exit status 128 + the signal's number instead of a traceback."""
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, raise_stop_signal)
    previous = sys.excepthook

    def hook(kind, value, traceback):
        if not issubclass(kind, KeyboardInterrupt):
            return previous(kind, value, traceback)
        exit_interrupted(value, prog)

    sys.excepthook = hook


def exit_interrupted(exc, prog="deeplearning_tutorials"):
    """End the program after the interrupt ``exc``: one line, exit status
    128 + the signal's number."""
    signum = getattr(exc, "signum", signal.SIGINT)
    try:
        sys.stdout.flush()
        print(f"{prog}: interrupted by {signal_name(signum)}", file=sys.stderr)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(128 + signum)
