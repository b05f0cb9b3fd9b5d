"""The sweep's folder: what is done, and writing what comes back.

``--out`` holds ``sweep.json`` (the plan), and in ``trials/`` each trial's
log and record. A trial's log ends with the sweep's own line (exit status,
wall time, host); its record is the driver's ``--results-json`` with the
sweep's timings added (:func:`with_timings`). Both are written atomically,
the log first, so a record on disk is whole and has its log beside it: a
sweep run again runs only the trials without one.
"""

import json
import re
import shlex
from pathlib import Path

from deeplearning_tutorials.machinery import cli
from deeplearning_tutorials.machinery.checkpoint import atomic_write

EXIT_DIVERGED = cli.EXIT_DIVERGED
# The line the sweep appends to a trial's log.
LOG_END = re.compile(r"^\[sweep\] exit status (-?\d+) after ([\d.]+) s", re.M)
# A trial's exit statuses that mean it was stopped, not that it failed:
# Ctrl-C, SIGTERM, SIGHUP (128 + the signal's number), or killed outright (a
# negative status: the signal that killed it).
INTERRUPTED = {130, 143, 129}


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
    """The trial's wall time (its start-up and compilation included), from
    its record, else from its log's last line; None if it has neither."""
    record = read_record(out, trial)
    if record is not None and record.get("wall_seconds") is not None:
        return record["wall_seconds"]
    end = log_end(out, trial)
    return None if end is None else end[1]


def train_seconds(record):
    """The time the driver spent training: its record's ``seconds``, and its
    pre-training's (SdA, DBN); None without them."""
    if record is None or not isinstance(record.get("seconds"), int | float):
        return None
    pretraining = record.get("pretraining_seconds")
    extra = pretraining if isinstance(pretraining, int | float) else 0.0
    return record["seconds"] + extra


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


def with_timings(outcome):
    """The trial's record, as text, with what the sweep measured added:
    ``wall_seconds`` (the trial from start to end in its worker: loading,
    compiling, training, writing), ``train_seconds`` (:func:`train_seconds`)
    and ``sweep``: the functions it compiled and reused, the worker that ran
    it and that worker's start-up time (on the worker's first trial)."""
    try:
        record = json.loads(outcome["record"])
    except ValueError:
        return outcome["record"]
    if not isinstance(record, dict):
        return outcome["record"]
    record["wall_seconds"] = outcome["seconds"]
    record["train_seconds"] = train_seconds(record)
    sweep = {
        key: outcome[key]
        for key in ("compiled", "reused", "worker", "worker_trial", "worker_startup_seconds")
        if outcome.get(key) is not None
    }
    if sweep:  # it ran in a worker
        record["sweep"] = sweep
    return json.dumps(record, indent=2, sort_keys=True) + "\n"


def save_outcome(out, outcome):
    """Write a finished trial's log (with the sweep's last line), then its
    record: a record on disk always has its log beside it."""
    trials = Path(out) / "trials"
    end = (
        f"[sweep] exit status {outcome['status']} after {outcome['seconds']:.3f} s "
        f"on {outcome['host']}{_worker_words(outcome)}\n"
    )
    write_text(trials / f"{outcome['id']}.log", outcome["log"] + end)
    if outcome["record"] is not None and outcome["status"] == 0:
        write_text(trials / f"{outcome['id']}.json", with_timings(outcome))


def _worker_words(outcome):
    """`` (worker 1234, its trial 3: 0 functions compiled, 3 reused)``, or ''
    for a trial that ran in a process of its own."""
    if outcome.get("worker") is None:
        return ""
    words = f" (worker {outcome['worker']}, its trial {outcome['worker_trial']}"
    if outcome.get("compiled") is not None:
        words += f": {outcome['compiled']} functions compiled, {outcome['reused']} reused"
    return words + ")"


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
