"""Hyper-parameter sweeps: many runs of one tutorial, in parallel, in one table.

    python -m deeplearning_tutorials.sweep logistic_sgd \\
        --grid learning-rate=0.05,0.13,0.5 --grid batch-size=300,600 \\
        --set n-epochs=5 --cv-folds 3 --out results/sweeps/logistic_lr_batch

A *setting* gives a value to every swept flag (``--grid``, ``--sample``); a
*trial* is one run of the driver with one setting, on one cross-validation
fold (``--cv-folds``), one repeat (``--repeats``). Each trial is an ordinary
run of ``python -m deeplearning_tutorials.<driver>`` with its flags and
``--results-json``: the sweep only chooses the flags, runs the trials, and
reads their records.

The trials run in parallel: on this machine's cores through joblib
(``--jobs``), or, given ``--dask-scheduler tcp://host:port``, on the workers
of a Dask cluster (``pip install 'deeplearning-tutorials[sweep]'``). Each
trial runs in a temporary folder of its own (whatever the driver writes
beside its record, a saved model or images, is left there and removed) and
hands back its record and log, which the sweep writes into ``--out``:

``sweep.json``
    the driver, the flags, and every trial's id and command line
``trials/<id>.json``, ``trials/<id>.log``
    each trial's result record and what it printed; the log's last line is
    the sweep's: exit status, wall time, host
``summary.md``, ``summary.json``
    per setting, the mean ± standard deviation over folds and repeats of the
    validation and test errors and the training time
``summary.png``
    the validation and test errors against each swept flag

A record is written atomically, so it exists whole or not at all: run the
same command again after an interruption and only the trials without a
record run. A trial that diverged (exit status 3) is a result too and is not
run again; any other failure is retried.
"""

import collections
import contextlib
import hashlib
import importlib
import io
import itertools
import json
import math
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy

from deeplearning_tutorials.machinery import cli, provenance
from deeplearning_tutorials.machinery.checkpoint import atomic_write
from deeplearning_tutorials.machinery.errors import one_line
from deeplearning_tutorials.machinery.errors import (
    STOP_SIGNALS,
    InputError,
    StopSignal,
    one_line,
    signal_name,
)

PROG = "python -m deeplearning_tutorials.sweep"
DRIVERS = (
    "logistic_sgd",
    "logistic_cg",
    "mlp",
    "convolutional_mlp",
    "dA",
    "SdA",
    "rbm",
    "DBN",
)
# Flags a trial may not be given, and why: the sweep gives every trial its
# own, or the trial would write a file the sweep does not keep (a trial runs
# in a temporary folder; only its record and its log come back).
SETS_ITSELF = "the sweep sets --{flag} of every trial itself"
NOT_KEPT = (
    "each trial runs in a temporary folder that the sweep removes, keeping "
    "only its record and log: a --{flag} would be lost"
)
RESERVED = {
    "results-json": SETS_ITSELF,
    "checkpoint-dir": SETS_ITSELF,
    "resume": SETS_ITSELF,
    "start-over": SETS_ITSELF,
    "cv-folds": SETS_ITSELF,
    "cv-fold": SETS_ITSELF,
    "model-path": NOT_KEPT,
    "output-folder": NOT_KEPT,
}
EXIT_DIVERGED = cli.EXIT_DIVERGED
EXTRA = "pip install 'deeplearning-tutorials[sweep]'"
# The line the sweep appends to a trial's log.
LOG_END = re.compile(r"^\[sweep\] exit status (-?\d+) after ([\d.]+) s", re.M)


class SweepError(InputError):
    """A sweep that cannot start: bad flags, a missing extra, no scheduler."""


# --------------------------------------------------------------------------
# The plan: flags, settings, trials
# --------------------------------------------------------------------------


def split_assignment(text, option, need_value=True):
    """``"learning-rate=0.05,0.13"`` as ``("learning-rate", "0.05,0.13")``.

    Leading dashes of the flag are dropped; ``need_value=False`` lets a bare
    ``FLAG`` through (a switch), as ``(FLAG, None)``.
    """
    name, equals, value = text.partition("=")
    name = name.strip().lstrip("-")
    if not re.fullmatch(r"[A-Za-z][\w-]*", name) or (need_value and not equals):
        form = "FLAG=VALUES" if need_value else "FLAG=VALUE or FLAG"
        raise SweepError(f"{option} {text!r}: expected {form}")
    if equals and value.strip() == "":
        raise SweepError(f"{option} {text!r}: no value after '='")
    return name, (value if equals else None)


def parse_grid(text):
    """``--grid FLAG=V1,V2,...``: the flag and its list of values."""
    name, values = split_assignment(text, "--grid")
    choices = [v.strip() for v in values.split(",")]
    if "" in choices:
        raise SweepError(f"--grid {text!r}: an empty value in the list")
    if len(set(choices)) != len(choices):
        raise SweepError(f"--grid {text!r}: a value is listed twice")
    return name, choices


@dataclass(frozen=True)
class Distribution:
    """What ``--sample FLAG=KIND:LOW:HIGH`` draws a flag's values from:
    ``uniform``, ``log-uniform`` (uniform in log(value)), ``int`` (whole
    numbers from LOW to HIGH, both included)."""

    kind: str
    low: float
    high: float

    KINDS = ("uniform", "log-uniform", "int")

    def draw(self, rng):
        """One value, as the text a flag is given."""
        if self.kind == "int":
            return str(int(rng.integers(int(self.low), int(self.high) + 1)))
        if self.kind == "log-uniform":
            value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        else:
            value = rng.uniform(self.low, self.high)
        return f"{value:.4g}"


def parse_sample(text):
    """``--sample FLAG=KIND:LOW:HIGH``: the flag and its :class:`Distribution`."""
    name, spec = split_assignment(text, "--sample")
    kind, *bounds = spec.split(":")
    try:
        low, high = (float(b) for b in bounds)
    except ValueError:
        low = high = None
    ok = (
        kind in Distribution.KINDS
        and low is not None
        and math.isfinite(low)
        and math.isfinite(high)
        and low < high
        and (kind != "log-uniform" or low > 0)
        and (kind != "int" or (low.is_integer() and high.is_integer()))
    )
    if not ok:
        raise SweepError(
            f"--sample {text!r}: expected FLAG=KIND:LOW:HIGH with KIND one of "
            f"{', '.join(Distribution.KINDS)} and LOW < HIGH (LOW > 0 for "
            "log-uniform, whole numbers for int)"
        )
    return name, Distribution(kind, low, high)


def grid_settings(grid):
    """Every combination of the ``grid``'s values, the first flag slowest."""
    names = list(grid)
    return [dict(zip(names, values)) for values in itertools.product(*grid.values())]


def random_settings(grid, samples, n_trials, seed):
    """``n_trials`` settings drawn at random (NumPy generator seeded with
    ``seed``): each ``grid`` flag picks one of its values, each ``samples``
    flag draws from its distribution. A draw that repeats an earlier setting
    is dropped, so there may be fewer."""
    rng = numpy.random.default_rng(seed)
    settings = []
    for _ in range(n_trials):
        setting = {name: str(rng.choice(values)) for name, values in grid.items()}
        setting.update({name: dist.draw(rng) for name, dist in samples.items()})
        if setting not in settings:
            settings.append(setting)
    return settings


def flag_words(name, value):
    """The command-line words of one flag: ``--name=value`` (so that a value
    is never taken for a flag, nor an unknown flag's value for a positional
    argument), ``--name`` and the value's words for a flag of several
    (``nkerns="20 50"`` gives ``--nkerns 20 50``), ``--name`` for a switch."""
    words = [] if value is None else shlex.split(value)
    if len(words) == 1:
        return [f"--{name}={words[0]}"]
    return [f"--{name}", *words]


@dataclass
class Trial:
    """One run of the driver: a setting, a fold, a repeat, its command line."""

    setting_index: int
    fold: int  # None without cross-validation
    repeat: int
    argv: list  # the driver's flags, without --results-json
    id: str = ""


def trial_id(setting, fold, repeat, argv):
    """A readable, stable name: the swept values, the fold and repeat, and a
    hash of the whole command line (so that a changed ``--set`` makes new
    trials instead of reusing records made with other flags)."""
    slug = "_".join(f"{k}={v}" for k, v in setting.items()) or "default"
    slug = re.sub(r"[^\w.=+-]+", "-", slug)[:80]
    digest = hashlib.sha1(json.dumps(argv).encode()).hexdigest()[:8]
    fold = "" if fold is None else f"_fold{fold}"
    repeat = "" if repeat is None else f"_repeat{repeat}"
    return f"{slug}{fold}{repeat}_{digest}"


@dataclass
class Plan:
    """A sweep: the driver, the settings, and the trials that run them."""

    driver: str
    swept: list  # the flags that vary, in order
    fixed: dict  # --set flags, name: value (None for a switch)
    settings: list
    cv_folds: int = None
    repeats: int = 1
    trials: list = field(default_factory=list)

    def build_trials(self):
        folds = range(self.cv_folds) if self.cv_folds else [None]
        repeats = range(self.repeats) if self.repeats > 1 else [None]
        self.trials = []
        for index, setting in enumerate(self.settings):
            for fold, repeat in itertools.product(folds, repeats):
                argv = self.argv(setting, fold)
                trial = Trial(index, fold, repeat, argv)
                trial.id = trial_id(setting, fold, repeat, argv)
                self.trials.append(trial)
        return self

    def argv(self, setting, fold):
        """The driver's flags for ``setting`` on ``fold``: ``--set``, the
        setting, the fold, and one BLAS thread unless ``--set`` gives some."""
        words = []
        for name, value in {**self.fixed, **setting}.items():
            words += flag_words(name, value)
        if fold is not None:
            words += flag_words("cv-folds", str(self.cv_folds))
            words += flag_words("cv-fold", str(fold))
        if "blas-threads" not in self.fixed and "blas-threads" not in self.swept:
            words += flag_words("blas-threads", "1")
        return words


def make_plan(args):
    """The :class:`Plan` of the parsed command line, every flag checked."""
    grid = dict(_unique("--grid", [parse_grid(g) for g in args.grid or []]))
    samples = dict(_unique("--sample", [parse_sample(s) for s in args.sample or []]))
    fixed = dict(
        _unique("--set", [split_assignment(s, "--set", False) for s in args.set or []])
    )
    names = [*grid, *samples, *fixed]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SweepError(f"flag {twice[0]} is given twice (--grid, --sample, --set)")
    for name in names:
        reserved = [r for r in RESERVED if r == name]
        reserved += [r for r in RESERVED if r.startswith(name)]
        if reserved:
            why = RESERVED[reserved[0]].format(flag=reserved[0])
            raise SweepError(f"--{name}: {why}")
    if samples and args.trials is None:
        raise SweepError("--sample needs --trials N (random search)")
    if args.trials is not None and not (grid or samples):
        raise SweepError("--trials N draws from --grid and --sample flags; none given")
    _absolute_dataset(grid, fixed)
    if args.trials is None:
        settings = grid_settings(grid)
    else:
        settings = random_settings(grid, samples, args.trials, args.seed)
    plan = Plan(args.driver, [*grid, *samples], fixed, settings, args.cv_folds)
    plan.repeats = args.repeats
    return plan.build_trials()


def _unique(option, pairs):
    names = [name for name, _ in pairs]
    for name in names:
        if names.count(name) > 1:
            raise SweepError(f"{option} {name} is given twice")
    return pairs


def _absolute_dataset(grid, fixed):
    """A ``--dataset`` file named relative to this folder, made absolute:
    each trial runs in a folder of its own. (The default MNIST is found by
    its bare name anywhere, so its records hold no path of this machine.)"""

    def absolute(value):
        is_file = value is not None and os.path.isfile(value)
        return os.path.abspath(value) if is_file else value

    if "dataset" in fixed:
        fixed["dataset"] = absolute(fixed["dataset"])
    if "dataset" in grid:
        grid["dataset"] = [absolute(v) for v in grid["dataset"]]


# --------------------------------------------------------------------------
# Checking every trial's flags with the driver's own parser
# --------------------------------------------------------------------------


def check_trials(plan):
    """Parse each trial's command line with the driver's parser (nothing
    runs, see :func:`cli.parsing_only`); a flag it refuses stops the sweep
    before any trial starts, with the driver's own one-line message."""
    main = importlib.import_module(f"deeplearning_tutorials.{plan.driver}").main
    for argv in {tuple(trial.argv) for trial in plan.trials}:
        stderr = io.StringIO()
        try:
            with cli.parsing_only(), contextlib.redirect_stderr(stderr):
                main(list(argv))
        except SystemExit:
            message = stderr.getvalue().strip().split(": error: ")[-1]
            raise SweepError(
                f"{plan.driver} refuses the flags {shlex.join(argv)}: {message}"
            ) from None


# --------------------------------------------------------------------------
# Running one trial (on this machine or on a Dask worker)
# --------------------------------------------------------------------------


def run_trial(driver, argv, trial_id):
    """Run one trial in a fresh temporary folder; return what it left.

    The driver runs as ``python -m deeplearning_tutorials.<driver> argv
    --results-json trials/<id>.json``, its output into a log. Returns a dict
    (it travels back from a Dask worker): ``id``, ``status`` (the exit
    status), ``record`` (the record's text, None if none was written),
    ``log`` (what it printed), ``seconds`` (wall time), ``host``.
    """
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    record_name = f"trials/{trial_id}.json"
    with tempfile.TemporaryDirectory(prefix="dlt-sweep-") as folder:
        os.mkdir(os.path.join(folder, "trials"))
        log_path = os.path.join(folder, "trial.log")
        command = [sys.executable, "-m", f"deeplearning_tutorials.{driver}", *argv]
        start = time.time()
        with open(log_path, "w") as log:
            child = subprocess.Popen(
                command + ["--results-json", record_name],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=folder,
                env=dict(os.environ, PYTHONPATH=path),
            )
            _running.add(child)
            try:
                status = child.wait()
            finally:
                _running.discard(child)
        seconds = time.time() - start
        record = Path(folder, record_name)
        return {
            "id": trial_id,
            "status": status,
            "record": record.read_text() if record.exists() else None,
            "log": Path(log_path).read_text(errors="replace"),
            "seconds": seconds,
            "host": socket.gethostname(),
        }


# The trials running in this process's threads (the local runs).
_running = set()


def stop_running_trials():
    """Pass a Ctrl-C on to the trials running here, so that they end now
    (a trial on a Dask worker runs to its end; its result is not kept)."""
    for child in list(_running):
        with contextlib.suppress(OSError):
            child.send_signal(signal.SIGINT)


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


# --------------------------------------------------------------------------
# The output folder: what is done, writing what comes back
# --------------------------------------------------------------------------


def record_path(out, trial):
    return Path(out) / "trials" / f"{trial.id}.json"


def log_path(out, trial):
    return Path(out) / "trials" / f"{trial.id}.log"


def read_record(out, trial):
    """The trial's record as a dict, or None: none yet, or not a record."""
    try:
        record = json.loads(record_path(out, trial).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def log_end(out, trial):
    """``(exit status, wall seconds)`` from the line the sweep wrote at the
    end of the trial's log, or None."""
    try:
        found = LOG_END.findall(log_path(out, trial).read_text(errors="replace"))
    except OSError:
        return None
    return (int(found[-1][0]), float(found[-1][1])) if found else None


def log_status(out, trial):
    """The trial's exit status, as its log's last line says, or None."""
    end = log_end(out, trial)
    return None if end is None else end[0]


def wall_seconds(out, trial):
    """The trial's wall time (start-up and compilation included), or None."""
    end = log_end(out, trial)
    return None if end is None else end[1]


# A trial's exit statuses that mean it was stopped, not that it failed:
# Ctrl-C, SIGTERM, SIGHUP (128 + the signal's number), or killed outright (a
# negative status: the signal that killed it).
INTERRUPTED = {130, 143, 129}


def last_line(out, trial):
    """The last line the trial printed (before the sweep's own), or ''."""
    try:
        text = log_path(out, trial).read_text(errors="replace")
    except OSError:
        return ""
    lines = [l for l in text.splitlines() if l.strip() and not LOG_END.match(l)]
    return lines[-1].strip() if lines else ""


def trial_status(out, trial):
    """``{"trial", "status", "exit_status", "last_line"}`` of one trial:
    ``done`` (its record is there), ``diverged``, ``failed`` (another exit
    status), ``interrupted`` (stopped by a signal) or ``not run``."""
    end = log_end(out, trial)
    code = None if end is None else end[0]
    if read_record(out, trial) is not None:
        status = "done"
    elif code is None:
        status = "not run"
    elif code == EXIT_DIVERGED:
        status = "diverged"
    elif code < 0 or code in INTERRUPTED:
        status = "interrupted"
    else:
        status = "failed"
    line = "" if status in ("done", "not run") else last_line(out, trial)
    return {"trial": trial.id, "status": status, "exit_status": code, "last_line": line}


def is_done(out, trial):
    """A trial is done when its record is there, or when it diverged."""
    if read_record(out, trial) is not None:
        return True
    return log_status(out, trial) == EXIT_DIVERGED


def write_text(path, text):
    atomic_write(path, lambda f: f.write(text.encode()))


def save_outcome(out, outcome):
    """Write a finished trial's log (with the sweep's last line), then its
    record: a record on disk always has its log beside it."""
    trials = Path(out) / "trials"
    end = (
        f"[sweep] exit status {outcome['status']} after {outcome['seconds']:.1f} s "
        f"on {outcome['host']}\n"
    )
    write_text(trials / f"{outcome['id']}.log", outcome["log"] + end)
    if outcome["record"] is not None and outcome["status"] == 0:
        write_text(trials / f"{outcome['id']}.json", outcome["record"])


# --------------------------------------------------------------------------
# Running them all: joblib on this machine, or a Dask cluster
# --------------------------------------------------------------------------


def executor(jobs, dask_scheduler):
    """A context giving a ``joblib.Parallel`` that yields trials' results as
    they finish: threads on this machine (each trial is a process of its
    own), or the workers of the Dask cluster at ``dask_scheduler``."""
    import joblib

    n_jobs = -1 if jobs is None else jobs
    if dask_scheduler is None:
        return contextlib.nullcontext(
            joblib.Parallel(
                n_jobs=n_jobs,
                backend="threading",
                return_as="generator_unordered",
                batch_size=1,
            )
        )
    return _dask_executor(dask_scheduler, n_jobs)


@contextlib.contextmanager
def _dask_executor(address, n_jobs):
    import joblib

    client = dask_client(address)
    with client, joblib.parallel_config(backend="dask"):
        yield joblib.Parallel(
            n_jobs=n_jobs, return_as="generator_unordered", batch_size=1
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


def describe(plan, trial):
    """The trial in words: its swept values, fold and repeat."""
    words = [f"{k}={v}" for k, v in plan.settings[trial.setting_index].items()]
    if trial.fold is not None:
        words.append(f"fold {trial.fold}")
    if trial.repeat is not None:
        words.append(f"repeat {trial.repeat}")
    return " ".join(words) or "default flags"


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

    Each result is written into ``out`` as soon as it comes back.
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
    from joblib import delayed

    by_id = {trial.id: trial for trial in todo}
    progress, failed = Progress(plan, todo), 0
    with executor(jobs, dask_scheduler) as parallel:
        tasks = (delayed(run_trial)(plan.driver, t.argv, t.id) for t in todo)
        try:
            for outcome in parallel(tasks):
                save_outcome(out, outcome)
                trial = by_id[outcome["id"]]
                record = read_record(out, trial)
                progress.trial_ended(trial, outcome, record)
                failed += not is_done(out, trial)
        except KeyboardInterrupt:
            stop_running_trials()
            raise
    return failed


# --------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------


def final_cost(record):
    """The last cost of an unsupervised run (dA, rbm), or None."""
    costs = record.get("costs_per_epoch")
    while isinstance(costs, list) and costs and isinstance(costs[-1], list):
        costs = costs[-1]
    return costs[-1] if isinstance(costs, list) and costs else None


# The columns of the table: key in summary.json, heading, how to read a
# record, decimals shown.
METRICS = (
    ("validation_error_percent", "validation error (%)",
     lambda r: r.get("best_validation_error_percent"), 4),
    ("test_error_percent", "test error (%)", lambda r: r.get("test_error_percent"), 4),
    ("final_cost", "final cost", final_cost, 3),
    ("epochs", "epochs", lambda r: r.get("epochs"), 1),
    ("training_seconds", "training time (s)", lambda r: r.get("seconds"), 2),
)  # fmt: skip


def statistics(values):
    """Mean, sample standard deviation (None for one value) and the values."""
    values = [float(v) for v in values]
    std = float(numpy.std(values, ddof=1)) if len(values) > 1 else None
    return {"mean": float(numpy.mean(values)), "std": std, "values": values}


def summarize(plan, out):
    """Per setting, the statistics of each metric over its trials' records."""
    rows = []
    for index, setting in enumerate(plan.settings):
        trials = [t for t in plan.trials if t.setting_index == index]
        records = [read_record(out, t) for t in trials]
        found = [r for r in records if r is not None]
        statuses = [trial_status(out, t) for t in trials]
        row = {
            "setting": setting,
            "trials": len(trials),
            "finished": len(found),
            "diverged": sum(s["status"] == "diverged" for s in statuses),
            "unfinished": [s for s in statuses if s["status"] != "done"],
            "records": [
                f"trials/{t.id}.json" for t, r in zip(trials, records) if r is not None
            ],
        }
        for key, _, read, _ in METRICS:
            values = [read(r) for r in found if read(r) is not None]
            row[key] = statistics(values) if values else None
        walls = [wall_seconds(out, t) for t in trials if wall_seconds(out, t)]
        row["wall_seconds"] = statistics(walls) if walls else None
        rows.append(row)
    return rows


def best_row(rows):
    """The index of the lowest mean validation error (else final cost), or None."""
    for key in ("validation_error_percent", "final_cost"):
        scored = [(row[key]["mean"], i) for i, row in enumerate(rows) if row[key]]
        if scored:
            return min(scored)[1]
    return None


def format_cell(stats, decimals):
    if stats is None:
        return "—"
    mean = f"{stats['mean']:.{decimals}f}"
    return mean if stats["std"] is None else f"{mean} ± {stats['std']:.{decimals}f}"


def markdown_table(plan, rows, command):
    """The table as Markdown: one row per setting, the best in bold."""
    metrics = [m for m in METRICS if any(row[m[0]] for row in rows)]
    metrics.append(("wall_seconds", "wall time (s)", None, 1))
    swept = plan.swept or ["setting"]
    head = [*swept, "trials", *(heading for _, heading, _, _ in metrics)]
    lines = [
        f"# Sweep of {plan.driver}",
        "",
        f"`{command}`",
        "",
        describe_sweep(plan),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    best = best_row(rows)
    for i, row in enumerate(rows):
        values = [row["setting"].get(name, "defaults") for name in swept]
        count = f"{row['finished']}/{row['trials']}" + _unfinished_words(row)
        cells = [*values, count]
        cells += [format_cell(row[key], digits) for key, _, _, digits in metrics]
        if i == best:
            cells = [f"**{cell}**" for cell in cells]
        lines.append("| " + " | ".join(cells) + " |")
    unfinished = [s for row in rows for s in row.get("unfinished", ())]
    if unfinished:
        lines += ["", "Trials without a result:", ""]
        lines += [
            f"- `{s['trial']}`: {_status_words(s)}"
            + (f": `{_cell_text(s['last_line'])}`" if s["last_line"] else "")
            for s in unfinished
        ]
    return "\n".join(lines) + "\n"


def _status_words(status):
    """``failed (exit status 2)``, ``interrupted (exit status 143)``, ..."""
    if status["exit_status"] is None:
        return status["status"]
    return f"{status['status']} (exit status {status['exit_status']})"


def _unfinished_words(row):
    """`` (1 diverged, 1 failed)``: how many trials of a row did not finish,
    by status; '' when all did."""
    counts = collections.Counter(s["status"] for s in row.get("unfinished", ()))
    if not counts:
        return ""
    return " (" + ", ".join(f"{n} {status}" for status, n in counts.items()) + ")"


def _cell_text(line, limit=200):
    """A log line as Markdown code text: one line, no backtick, not too long."""
    line = one_line(line).replace("`", "'")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def describe_sweep(plan):
    """One sentence on what each row averages over."""
    fixed = ", ".join(
        f"`--{k}`" if v is None else f"`--{k} {v}`" for k, v in plan.fixed.items()
    )
    over = []
    if plan.cv_folds:
        over.append(
            f"{plan.cv_folds}-fold cross-validation on the pooled training and "
            "validation sets (the test set untouched)"
        )
    if plan.repeats > 1:
        over.append(f"{plan.repeats} repeats")
    averaged = (
        "Each cell: mean ± sample standard deviation over "
        + " and ".join(over)
        + "."
        if over
        else "One trial per setting."
    )
    return (f"Flags of every trial: {fixed}. " if fixed else "") + averaged + (
        " Bold: the lowest mean validation error."
    )


def write_summary(plan, out, command, plot=True):
    """``summary.md``, ``summary.json`` and (``plot``) ``summary.png``."""
    rows = summarize(plan, out)
    summary = {
        "driver": plan.driver,
        "command": command,
        "swept": plan.swept,
        "fixed": plan.fixed,
        "cv_folds": plan.cv_folds,
        "repeats": plan.repeats,
        "best": best_row(rows),
        "rows": rows,
    }
    write_text(Path(out) / "summary.json", json.dumps(summary, indent=2) + "\n")
    write_text(Path(out) / "summary.md", markdown_table(plan, rows, command))
    if plot:
        save_plot(plan, rows, Path(out) / "summary.png")
    return summary


# --------------------------------------------------------------------------
# The plot
# --------------------------------------------------------------------------


def as_numbers(values):
    """``values`` as floats if every one is a number, else None."""
    try:
        return [float(v) for v in values]
    except ValueError:
        return None


def save_plot(plan, rows, path):
    """``summary.png``: for each swept flag, the mean validation (and test)
    error of every setting against the flag's value, with the standard
    deviation as error bar; settings that share all other flags' values are
    joined by a line."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    key = "validation_error_percent"
    if not any(row[key] for row in rows):
        key = "final_cost"
    swept = plan.swept or ["setting"]
    figure, axes = pyplot.subplots(
        1, len(swept), figsize=(4.5 * len(swept), 3.6), squeeze=False
    )
    for axis, name in zip(axes[0], swept):
        _plot_flag(axis, rows, name, swept, key)
    figure.tight_layout()
    image = io.BytesIO()
    figure.savefig(image, format="png", dpi=100)
    pyplot.close(figure)
    atomic_write(path, lambda f: f.write(image.getvalue()))


def _plot_flag(axis, rows, name, swept, key):
    """One panel: ``key`` (and the test error) against flag ``name``."""
    others = [n for n in swept if n != name]
    groups = {}
    for row in rows:
        if row[key] is not None:
            label = " ".join(f"{n}={row['setting'][n]}" for n in others)
            groups.setdefault(label, []).append(row)
    labels = sorted({str(r["setting"].get(name, "defaults")) for r in rows})
    numbers = as_numbers(labels)
    if numbers is not None:
        labels = [labels[i] for i in numpy.argsort(numbers)]
        numbers = sorted(numbers)
    for colour, (label, members) in enumerate(groups.items()):
        values = [str(r["setting"].get(name, "defaults")) for r in members]
        x = as_numbers(values) if numbers else [labels.index(v) for v in values]
        order = numpy.argsort(x)
        for metric, style in ((key, "o-"), ("test_error_percent", "x:")):
            stats = [members[i][metric] for i in order]
            if None in stats:
                continue
            which = "test" if metric.startswith("test") else "validation"
            axis.errorbar(
                [x[i] for i in order],
                [s["mean"] for s in stats],
                yerr=[s["std"] or 0.0 for s in stats],
                fmt=style,
                color=f"C{colour % 10}",
                capsize=3,
                label=f"{which} {label}".strip(),
            )
    if numbers is not None and min(numbers) > 0 and max(numbers) >= 10 * min(numbers):
        axis.set_xscale("log")
        axis.minorticks_off()
    axis.set_xticks(numbers or range(len(labels)), labels)
    axis.set_xlabel(f"--{name}")
    axis.set_ylabel("error (%)" if key.endswith("_percent") else "final cost")
    if len(groups) <= 6:
        axis.legend(fontsize="small")


def write_plan(plan, out, command):
    """``sweep.json``: the sweep and every trial's command line."""
    spec = {
        "driver": plan.driver,
        "command": command,
        "swept": plan.swept,
        "fixed": plan.fixed,
        "settings": plan.settings,
        "cv_folds": plan.cv_folds,
        "repeats": plan.repeats,
        "trials": [
            {
                "id": t.id,
                "setting": t.setting_index,
                "fold": t.fold,
                "repeat": t.repeat,
                "command": shlex.join(
                    ["python", "-m", f"deeplearning_tutorials.{plan.driver}", *t.argv]
                ),
            }
            for t in plan.trials
        ],
    }
    write_text(Path(out) / "sweep.json", json.dumps(spec, indent=2) + "\n")


# --------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------


def make_parser():
    parser = cli.OneLineParser(
        prog=PROG,
        description=__doc__.split("\n\n")[0],
        epilog="Example: %(prog)s logistic_sgd --grid learning-rate=0.05,0.13,0.5 "
        "--grid batch-size=300,600 --set n-epochs=5 --cv-folds 3 "
        "--out results/sweeps/logistic_lr_batch. See doc/sweep.md.",
        formatter_class=cli._HelpFormatter,
    )
    parser.add_argument("driver", choices=DRIVERS, help="the tutorial to run")
    parser.add_argument(
        "--out",
        metavar="DIR",
        required=True,
        help="the sweep's folder: sweep.json, trials/, summary.{md,json,png}; "
        "run the same command again to resume",
    )
    parser.add_argument(
        "--grid",
        metavar="FLAG=V1,V2,...",
        action="append",
        help="sweep a driver flag over these values (repeatable; every "
        "combination is a setting); 'nkerns=20 50,10 20' gives --nkerns 20 50 "
        "and --nkerns 10 20",
    )
    parser.add_argument(
        "--set",
        metavar="FLAG=VALUE",
        action="append",
        help="give every trial this driver flag (repeatable); a bare FLAG is "
        "a switch",
    )
    parser.add_argument(
        "--sample",
        metavar="FLAG=KIND:LOW:HIGH",
        action="append",
        help="random search: draw the flag from KIND uniform, log-uniform or "
        "int between LOW and HIGH (repeatable; needs --trials)",
    )
    parser.add_argument(
        "--trials",
        metavar="N",
        type=cli.positive_int,
        default=None,
        help="random search: N settings, each --sample flag drawn and each "
        "--grid flag picked at random (default: the whole grid)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the random search's draws",
    )
    parser.add_argument(
        "--cv-folds",
        metavar="K",
        type=_fold_count,
        default=None,
        help="K-fold cross-validation: run each setting on folds 0 to K-1 of "
        "the pooled training and validation sets (the drivers' --cv-folds, "
        "--cv-fold) and average; the test set is untouched (default: the "
        "data file's split, one trial per setting)",
    )
    parser.add_argument(
        "--repeats",
        metavar="R",
        type=cli.positive_int,
        default=1,
        help="run each setting (and fold) R times",
    )
    parser.add_argument(
        "--jobs",
        metavar="N",
        type=cli.positive_int,
        default=None,
        help="trials at a time (default: one per core, or per Dask worker "
        "thread); each trial uses one BLAS thread unless --set blas-threads=N",
    )
    parser.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        default=None,
        help="run the trials on the Dask cluster of this scheduler "
        f"(tcp://host:8786) instead of this machine; needs {EXTRA}",
    )
    parser.add_argument(
        "--no-plot",
        action="store_true",
        help="do not draw summary.png (which needs matplotlib)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check the flags and list the trials; run nothing",
    )
    return parser


def _fold_count(text):
    folds = cli.positive_int(text)
    if folds < 2:
        raise cli.argparse.ArgumentTypeError(f"expected at least 2 folds, got {text!r}")
    return folds


def sweep_command(argv):
    """This sweep's command line, its paths relative to the current folder."""
    words = [provenance.relative(word) for word in argv]
    return shlex.join(["python", "-m", "deeplearning_tutorials.sweep", *words])


def require(module, what, alternative=""):
    """Refuse to start, in one line, when ``module`` (an optional extra)
    is not installed."""
    try:
        importlib.import_module(module)
    except ImportError:
        raise SweepError(
            f"{what} needs {module}, which is not installed: {EXTRA}{alternative}"
        ) from None


def prepare(args):
    """Plan and check the sweep; create its folder. No trial runs yet."""
    if not (args.no_plot or args.dry_run):
        require("matplotlib", "summary.png", ", or pass --no-plot")
    if args.dask_scheduler is not None:
        require("dask.distributed", "--dask-scheduler")
    plan = make_plan(args)
    check_trials(plan)
    if not args.dry_run:
        try:
            os.makedirs(Path(args.out) / "trials", exist_ok=True)
        except OSError as exc:
            raise SweepError(f"--out: cannot create {args.out} ({exc.strerror})")
    return plan


def main(argv=None):
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        plan = prepare(args)
    except InputError as exc:
        parser.exit(cli.EXIT_BAD_INPUT, f"{PROG}: error: {one_line(exc)}\n")
    command = sweep_command(argv)
    if args.dry_run:
        for trial in plan.trials:
            print(trial.id, shlex.join(trial.argv))
        return 0
    write_plan(plan, args.out, command)
    try:
        with stop_signals_interrupt():
            failed = run_sweep(plan, args.out, args.jobs, args.dask_scheduler)
    except InputError as exc:
        parser.exit(cli.EXIT_BAD_INPUT, f"{PROG}: error: {one_line(exc)}\n")
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        print(
            f"{PROG}: interrupted by {signal_name(signum)}; the finished trials "
            f"are saved in {args.out}: the same command runs the others",
            file=sys.stderr,
        )
        return 128 + signum
    write_summary(plan, args.out, command, plot=not args.no_plot)
    say(f"[sweep] table: {Path(args.out) / 'summary.md'}")
    if failed:
        print(
            f"{PROG}: {failed} trials failed (see their logs in "
            f"{Path(args.out) / 'trials'}); the same command runs them again",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
