"""Running the trials: in long-lived workers here, or on a Dask cluster.

On this machine the trials run in ``--jobs`` worker processes
(:mod:`~deeplearning_tutorials.machinery.sweep.worker`), each of which runs
one trial after another in-process: it imports the driver and loads the
data once, and a trial whose graph it has compiled before reuses the
compiled functions (:mod:`deeplearning_tutorials.machinery.reuse`). The
sweep hands a worker the trials whose graphs it has compiled where it can
(:class:`TrialQueue`), and never one whose once-per-process settings
(floatX, mode, BLAS threads) differ from its own: for that trial a new
worker starts.

On a Dask cluster (``--dask-scheduler``) each trial is a process of its
own, as ``python -m deeplearning_tutorials.<driver>`` (:func:`run_trial`).
"""

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from deeplearning_tutorials.machinery.errors import STOP_SIGNALS, StopSignal, one_line
from deeplearning_tutorials.machinery.sweep.plan import SweepError, describe
from deeplearning_tutorials.machinery.sweep.record import (
    EXIT_DIVERGED,
    is_done,
    read_record,
    save_outcome,
)
from deeplearning_tutorials.machinery.reuse import DATA_ENTRIES

PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])


def _environment():
    """The trials' environment: this one, with this package importable.
    A worker's trials use its cores already: no compiling ahead in a forked
    child (``DLT_COMPILE_AHEAD``) unless asked for."""
    path = os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    env.setdefault("DLT_COMPILE_AHEAD", "0")
    return env


# --------------------------------------------------------------------------
# Workers on this machine
# --------------------------------------------------------------------------


class Worker:
    """One worker process (see :mod:`..worker`) and the trials it ran."""

    def __init__(self, driver, process):
        self.process_settings = process
        self.groups = set()  # the groups of the trials it ran
        self.last_group = None
        self.trials_run = 0
        self.startup_seconds = None
        self.busy = False
        self.folder = tempfile.mkdtemp(prefix="dlt-sweep-worker-")
        self.startup_log = Path(self.folder, "startup.log")
        start = time.perf_counter()
        with open(self.startup_log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "deeplearning_tutorials.machinery.sweep.worker", driver],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=_environment(),
                text=True,
            )
        self.ready = self._receive() is not None
        self.started = start

    def prepare(self, argvs):
        """Have it load the data of these trials' flags before any trial;
        then its start-up time is known."""
        for argv in argvs:
            if self.ready and self._send({"prepare": argv}):
                self.ready = self._receive() is not None
        self.startup_seconds = time.perf_counter() - self.started

    def _send(self, message):
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (OSError, ValueError):
            return False
        return True

    def _receive(self):
        try:
            line = self.process.stdout.readline()
        except (OSError, ValueError):
            return None
        return json.loads(line) if line else None

    def run(self, driver, trial, trials=None):
        """Run ``trial`` here; its outcome (see :func:`run_trial`), or None
        when the :class:`TrialQueue` ``trials`` was stopped before it began."""
        if trials is not None:
            with trials.lock:  # a stop now either sees it busy or stops it
                if trials.stopped:
                    return None
                self.busy = True
        folder = tempfile.mkdtemp(prefix="dlt-sweep-", dir=self.folder)
        try:
            os.mkdir(os.path.join(folder, "trials"))
            log_path = os.path.join(folder, "trial.log")
            record_name = f"trials/{trial.id}.json"
            request = {
                "folder": folder,
                "argv": [*trial.argv, "--results-json", record_name],
                "log": log_path,
            }
            start = time.perf_counter()
            self.busy = True
            try:
                reply = self._receive() if self.ready and self._send(request) else None
            finally:
                self.busy = False
            if reply is None:  # it died: its exit status is the trial's
                self.ready = False
                reply = {"status": self.process.wait(), "seconds": time.perf_counter() - start}
            self.trials_run += 1
            log = _read(log_path)
            if self.trials_run == 1:  # what it printed starting belongs to a trial
                log = _read(self.startup_log) + log
            record = Path(folder, record_name)
            return {
                "id": trial.id,
                "status": reply["status"],
                "record": record.read_text() if record.exists() else None,
                "log": log,
                "seconds": reply["seconds"],
                "host": socket.gethostname(),
                "compiled": reply.get("compiled"),
                "reused": reply.get("reused"),
                "worker": self.process.pid,
                "worker_trial": self.trials_run,
                "worker_startup_seconds": (
                    self.startup_seconds if self.trials_run == 1 else None
                ),
            }
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def interrupt(self, signum=signal.SIGINT):
        """Pass the stop signal ``signum`` on to the trial it runs; if the
        sweep was started with it ignored (as the worker then is: ``nohup``,
        ``&``), another stop signal that is not."""
        ignored = {s for s in STOP_SIGNALS if signal.getsignal(s) == signal.SIG_IGN}
        usable = [s for s in (signum, *STOP_SIGNALS) if s not in ignored]
        if self.busy and usable:
            with contextlib.suppress(OSError):
                self.process.send_signal(usable[0])

    def close(self, wait=10.0):
        """End it: its input closed, it leaves after its trial; killed if it
        has not after ``wait`` seconds."""
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _read(path):
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


class TrialQueue:
    """The trials still to run, handed to workers so that each compiles as
    few graphs as it can: a worker gets a trial of the group it ran last,
    else of a group it ran before, else of a group no other worker has
    taken, else any of its process settings, else any (for which it is
    replaced by a worker of the trial's settings)."""

    def __init__(self, trials):
        self.pending = list(trials)
        self.taken = {}  # group -> the worker that took it first
        self.lock = threading.Lock()
        self.stopped = False

    def take(self, worker_id, worker):
        with self.lock:
            if self.stopped or not self.pending:
                return None
            trial = min(self.pending, key=lambda t: self._rank(t, worker_id, worker))
            self.pending.remove(trial)
            self.taken.setdefault(trial.group, worker_id)
            return trial

    def _rank(self, trial, worker_id, worker):
        if worker is None:
            return 2 if self.taken.get(trial.group, worker_id) == worker_id else 4
        if trial.process != worker.process_settings:
            return 5
        if trial.group == worker.last_group:
            return 0
        if trial.group in worker.groups:
            return 1
        if self.taken.get(trial.group, worker_id) == worker_id:
            return 2
        return 3

    def stop(self):
        with self.lock:
            self.stopped = True


class LocalWorkers:
    """``jobs`` threads, each driving one worker through the trials of a
    :class:`TrialQueue`; :meth:`outcomes` yields the trials' outcomes as they
    come back."""

    def __init__(self, plan, trials, jobs):
        self.plan = plan
        self.queue = TrialQueue(trials)
        self.results = queue.Queue()
        self.workers = {}
        self.remaining = len(trials)
        n = min(jobs or os.cpu_count() or 1, len(trials))
        self.threads = [
            threading.Thread(target=self._drive, args=(i,), daemon=True) for i in range(n)
        ]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.queue.stop()
        for worker in list(self.workers.values()):
            worker.close(wait=0.5)
        for thread in self.threads:
            thread.join(timeout=10)

    def _drive(self, worker_id):
        worker = None
        try:
            while (trial := self.queue.take(worker_id, worker)) is not None:
                if worker is None or not worker.ready or (
                    trial.process != worker.process_settings
                ):
                    if worker is not None:
                        worker.close()
                    worker = self._start_worker(worker_id, trial)
                outcome = worker.run(self.plan.driver, trial, self.queue)
                if outcome is None:
                    break
                worker.groups.add(trial.group)
                worker.last_group = trial.group
                self.results.put(outcome)
                if outcome["status"] not in (0, 2, EXIT_DIVERGED):
                    worker.close()  # a trial that failed may have left it unsound
                    worker = None
        except BaseException as exc:  # noqa: BLE001 (reported by outcomes())
            self.results.put(exc)
        finally:
            if worker is not None:
                worker.close()

    def _start_worker(self, worker_id, trial):
        worker = Worker(self.plan.driver, trial.process)
        self.workers[worker_id] = worker
        loads = {}
        for other in self.plan.trials:  # the data its trials will load
            if other.process == trial.process and other.data not in loads:
                loads[other.data] = other.argv
        # (the file's splits take one of the entries, each fold another)
        worker.prepare(list(loads.values())[: DATA_ENTRIES - 1])
        return worker

    def outcomes(self):
        while self.remaining:
            try:
                outcome = self.results.get(timeout=0.2)
            except queue.Empty:
                if not any(thread.is_alive() for thread in self.threads):
                    return
                continue
            if isinstance(outcome, BaseException):
                raise outcome
            self.remaining -= 1
            yield outcome

    def stop(self, signum, grace=10.0):
        """Stop: no new trial starts; the running ones are sent ``signum``
        (see :meth:`Worker.interrupt`). Yields their outcomes as they end;
        a trial still running after ``grace`` seconds is killed on leaving
        the ``with`` block."""
        with self.queue.lock:
            self.queue.stopped = True
            for worker in list(self.workers.values()):
                worker.interrupt(signum)
        deadline = time.monotonic() + grace
        while any(t.is_alive() for t in self.threads) and time.monotonic() < deadline:
            try:
                outcome = self.results.get(timeout=0.2)
            except queue.Empty:
                continue
            if not isinstance(outcome, BaseException):
                yield outcome
        while not self.results.empty():
            outcome = self.results.get()
            if not isinstance(outcome, BaseException):
                yield outcome


# --------------------------------------------------------------------------
# One process per trial (on a Dask worker)
# --------------------------------------------------------------------------


def run_trial(driver, argv, trial_id):
    """Run one trial as a program of its own, in a fresh temporary folder;
    return what it left.

    The driver runs as ``python -m deeplearning_tutorials.<driver> argv
    --results-json trials/<id>.json``, its output into a log. Returns a dict
    (it travels back from a Dask worker): ``id``, ``status`` (the exit
    status), ``record`` (the record's text, None if none was written),
    ``log`` (what it printed), ``seconds`` (wall time), ``host``.
    """
    record_name = f"trials/{trial_id}.json"
    with tempfile.TemporaryDirectory(prefix="dlt-sweep-") as folder:
        os.mkdir(os.path.join(folder, "trials"))
        log_path = os.path.join(folder, "trial.log")
        command = [sys.executable, "-m", f"deeplearning_tutorials.{driver}", *argv]
        start = time.perf_counter()
        with open(log_path, "w") as log:
            child = subprocess.Popen(
                command + ["--results-json", record_name],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=folder,
                env=_environment(),
            )
            status = child.wait()
        seconds = time.perf_counter() - start
        record = Path(folder, record_name)
        return {
            "id": trial_id,
            "status": status,
            "record": record.read_text() if record.exists() else None,
            "log": Path(log_path).read_text(errors="replace"),
            "seconds": seconds,
            "host": socket.gethostname(),
        }


@contextlib.contextmanager
def dask_trials(plan, trials, address, jobs):
    """The outcomes of ``trials`` run on the Dask cluster at ``address``
    (through joblib's Dask backend), as they finish. On a stop the running
    trials finish there and their results are dropped."""
    import joblib

    client = dask_client(address)
    with client, joblib.parallel_config(backend="dask"):
        parallel = joblib.Parallel(
            n_jobs=-1 if jobs is None else jobs,
            return_as="generator_unordered",
            batch_size=1,
        )
        yield parallel(
            joblib.delayed(run_trial)(plan.driver, t.argv, t.id) for t in trials
        )


def dask_client(address):
    """A ``dask.distributed.Client`` of the scheduler at ``address``."""
    from dask.distributed import Client

    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise SweepError(
            f"--dask-scheduler: cannot reach a Dask scheduler at {address} ({exc})"
        ) from None


# --------------------------------------------------------------------------
# The sweep: every trial not done yet
# --------------------------------------------------------------------------


def _raise_stop(signum, frame):
    raise StopSignal(signum)


@contextlib.contextmanager
def stop_signals_interrupt():
    """Within this block Ctrl-C, SIGTERM and SIGHUP raise
    :class:`~deeplearning_tutorials.machinery.errors.StopSignal` in the sweep (instead
    of ending it at once, as the package does for a tutorial), so that it
    can stop its trials and say how to resume."""
    stops = [s for s in STOP_SIGNALS if signal.getsignal(s) != signal.SIG_IGN]
    previous = {s: signal.signal(s, _raise_stop) for s in stops}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


class Progress:
    """Says, as each trial ends, how many are done and when all should be."""

    def __init__(self, plan, todo):
        self.plan, self.total, self.done = plan, len(plan.trials), 0
        self.earlier = self.total - len(todo)
        self.start = time.time()

    def trial_ended(self, trial, outcome, record):
        self.done += 1
        elapsed = time.time() - self.start
        left = self.total - self.earlier - self.done
        eta = f", about {_duration(elapsed / self.done * left)} left" if left else ""
        say(
            f"[sweep] {self.earlier + self.done}/{self.total} trials done{eta}: "
            f"{describe(self.plan, trial)}: {result_words(outcome, record)}"
        )


def say(line):
    """Print a progress line; a closed stdout (``| head``) stops the
    lines, not the sweep: the results are in its folder."""
    try:
        print(line, flush=True)
    except OSError:
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _duration(seconds):
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def result_words(outcome, record):
    if record is not None and "best_validation_error_percent" in record:
        return (
            f"validation {record['best_validation_error_percent']:.4f} %, test "
            f"{record['test_error_percent']:.4f} %, {outcome['seconds']:.1f} s"
        )
    if outcome["status"] == 0:
        return f"finished in {outcome['seconds']:.1f} s"
    last = outcome["log"].strip().splitlines()[-1:] or [""]
    what = "diverged" if outcome["status"] == EXIT_DIVERGED else "failed"
    return f"{what} (exit status {outcome['status']}): {one_line(last[0])}"


def run_sweep(plan, out, jobs=None, dask_scheduler=None):
    """Run the trials of ``plan`` that are not done yet; the number failed.

    Each result is written into ``out`` as soon as it comes back. A stop
    signal (:func:`stop_signals_interrupt`) stops the running trials, writes
    what they left, and is raised again.
    """
    todo = [trial for trial in plan.trials if not is_done(out, trial)]
    where = "this machine"
    if dask_scheduler:
        where = f"the Dask cluster at {dask_scheduler}"
    say(
        f"[sweep] {plan.driver}: {len(plan.settings)} settings, "
        f"{len(plan.trials)} trials, {len(plan.trials) - len(todo)} done earlier, "
        f"{len(todo)} to run on {where}"
    )
    if not todo:
        return 0
    by_id = {trial.id: trial for trial in todo}
    progress, failed = Progress(plan, todo), 0

    def finished(outcome):
        save_outcome(out, outcome)
        trial = by_id[outcome["id"]]
        progress.trial_ended(trial, outcome, read_record(out, trial))
        return not is_done(out, trial)

    if dask_scheduler:
        with dask_trials(plan, todo, dask_scheduler, jobs) as outcomes:
            for outcome in outcomes:
                failed += finished(outcome)
        return failed
    with LocalWorkers(plan, todo, jobs) as workers:
        try:
            for outcome in workers.outcomes():
                failed += finished(outcome)
        except KeyboardInterrupt as stop:
            for outcome in workers.stop(getattr(stop, "signum", signal.SIGINT)):
                save_outcome(out, outcome)
            raise
    return failed
