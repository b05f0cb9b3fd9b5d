"""A sweep's worker: a long-lived process that runs trials of one driver.

Started by the sweep (:mod:`~deeplearning_tutorials.machinery.sweep.run`) as
``python -m deeplearning_tutorials.machinery.sweep.worker DRIVER``, it
imports the driver once, turns on the reuse of compiled functions and data
(:mod:`deeplearning_tutorials.machinery.reuse`), and then runs the trials it
is sent, one at a time, each as the command line would:

* the driver's ``main(argv)`` runs in this process, in the trial's own
  folder, with ``sys.argv`` and ``__main__`` as ``python -m
  deeplearning_tutorials.<driver> argv`` gives them (its record names that
  command);
* what it prints, on file descriptors 1 and 2 (so Numba's and C code's
  output too), goes into the trial's log;
* its exit status is what the program's would be: 0 when ``main`` returns,
  the code of a ``SystemExit`` (2 for bad input, 3 for a diverged run, 130
  for Ctrl-C, ...), 1 after an uncaught exception, whose traceback is in
  the log. A stop signal before training ends the program at once
  (:class:`~deeplearning_tutorials.machinery.errors.ExitAtOnce`): then this
  process ends with that status, and the sweep takes it as the trial's. A
  stop signal that arrives between two trials stops the next one as it
  begins, with the line a program that had just started would print.

The protocol is one JSON object per line: on standard input a request
``{"folder", "argv", "log"}`` or ``{"prepare": argv}`` (load the data as a
trial with ``argv`` would, before any trial, into the reused data), on the
original standard output ``{"ready": seconds}`` once, then one reply per
request: ``{"status", "seconds", "compiled", "reused"}``. It ends when its
standard input does.
"""

import contextlib
import importlib
import io
import json
import os
import signal
import sys
import time
import traceback

from deeplearning_tutorials.machinery import config, reuse, startup
from deeplearning_tutorials.machinery.errors import STOP_SIGNALS, signal_name


# the stop signals this process was started with ignored (nohup, &)
_IGNORED = {s for s in STOP_SIGNALS if signal.getsignal(s) == signal.SIG_IGN}


def main():
    started = time.perf_counter()
    driver = importlib.import_module(f"deeplearning_tutorials.{sys.argv[1]}")
    replies = os.fdopen(os.dup(1), "w")
    # between trials, stray output goes where this process's stderr goes
    os.dup2(2, 1)
    reuse.install()
    _idle_signals()
    _reply(replies, {"ready": time.perf_counter() - started})
    for line in sys.stdin:
        request = json.loads(line)
        if "prepare" in request:
            _reply(replies, prepare(driver, request["prepare"]))
        else:
            _reply(replies, run_trial(driver, request))
            _idle_signals()


def _reply(replies, message):
    replies.write(json.dumps(message) + "\n")
    replies.flush()


# the stop signals received between two trials
_stops = []


def _remember(signum, frame):
    _stops.append(signum)


def _idle_signals():
    """Between trials a stop signal does not end the worker (the terminal
    sends Ctrl-C to the whole process group; the sweep decides, and ends a
    worker by closing its input): it stops the next trial as it begins, as
    it would stop a program that had just started. A signal the sweep was
    started with ignored (``nohup``, ``&``) stays ignored, as it would for
    a program."""
    for signum in set(STOP_SIGNALS) - _IGNORED:
        signal.signal(signum, _remember)


def run_trial(driver, request):
    """Run one trial (see the module's docstring); its reply."""
    start = time.perf_counter()
    reuse.begin_trial()
    startup.begin_trial()
    argv = request["argv"]
    with (
        _in_folder(request["folder"]),
        _output_to(request["log"]),
        _as_program(driver, argv),
    ):
        if _stops:  # sent as this trial was handed over: it stops as it begins
            status = 128 + _stops[0]
            print(f"{driver.__name__}: interrupted by {signal_name(_stops[0])}", file=sys.stderr)
        else:
            status = exit_status(driver.main, argv)
        _stops.clear()
    reply = {"status": status, "seconds": time.perf_counter() - start}
    return {**reply, **reuse.trial_counts()}


def prepare(driver, argv):
    """Load the data as a trial with ``argv`` will (its precision, backend
    and fold), so that the trials find it loaded; what it prints is dropped.
    A failure is left for the trials to report."""
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            _load_data_as(driver, argv)
        except Exception:  # noqa: BLE001 (the trial will say it, in its log)
            pass
    return {"seconds": time.perf_counter() - start}


def _load_data_as(driver, argv):
    from deeplearning_tutorials.machinery import cli, data

    with cli.parsing_only():
        args = driver.main(list(argv))
    config.configure(floatX=args.floatX, mode=args.mode, default_mode=args.default_mode)
    with cli._cross_validation(args):
        data.load_data(args.dataset)


def exit_status(main, argv):
    """What ``python -m`` of the driver would exit with after ``main(argv)``."""
    try:
        main(argv)
    except SystemExit as exc:
        return _code(exc.code)
    except BaseException:  # noqa: BLE001 (as Python reports it, then exits 1)
        traceback.print_exc()
        return 1
    return 0


def _code(code):
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


@contextlib.contextmanager
def _in_folder(folder):
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


@contextlib.contextmanager
def _output_to(path):
    """File descriptors 1 and 2, and ``sys.stdout``/``sys.stderr`` on
    them, write into ``path`` within the block."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = [os.dup(1), os.dup(2)]
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(log, 1)
        os.dup2(log, 2)
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, log):
            os.close(fd)


@contextlib.contextmanager
def _as_program(driver, argv):
    """``sys.argv`` and ``__main__`` as ``python -m`` of the driver has
    them: its record's command names the driver, and a finished run
    behaves as a program's (``cli._finished``). Notes said once per process
    (:func:`config.note`) are said again, once per trial."""
    saved_argv, saved_main = sys.argv, sys.modules["__main__"]
    sys.argv = [driver.__file__, *argv]
    sys.modules["__main__"] = driver
    config._said.clear()
    try:
        yield
    finally:
        sys.argv, sys.modules["__main__"] = saved_argv, saved_main


if __name__ == "__main__":
    main()
