"""Hyper-parameter sweeps: many runs of one tutorial, in parallel, in one table.

    python -m deeplearning_tutorials.sweep logistic_sgd \\
        --grid learning-rate=0.05,0.13,0.5 --grid batch-size=300,600 \\
        --set n-epochs=5 --cv-folds 3 --out results/sweeps/logistic_lr_batch

A *setting* gives a value to every swept flag (``--grid``, ``--sample``); a
*trial* is one run of the driver with one setting, on one cross-validation
fold (``--cv-folds``), one repeat (``--repeats``). Each trial is a run of
the driver's command line, ``python -m deeplearning_tutorials.<driver>``
with its flags and ``--results-json``: the sweep only chooses the flags,
runs the trials, and reads their records.

The package follows a sweep's steps:

:mod:`.plan`
    the flags, the settings and the trials; every trial's flags checked by
    the driver's own parser before any runs;
:mod:`.run`
    the trials in parallel: on this machine in ``--jobs`` long-lived worker
    processes (:mod:`.worker`) that run one trial after another in-process,
    each reusing the functions its worker compiled for an earlier trial of
    the same graph and the data it loaded
    (:mod:`deeplearning_tutorials.machinery.reuse`); given
    ``--dask-scheduler tcp://host:port``, on the workers of a Dask cluster,
    one process per trial (``pip install 'deeplearning-tutorials[sweep]'``);
:mod:`.record`
    ``--out``: ``sweep.json`` (the driver, the flags, every trial's id and
    command line), ``trials/<id>.json`` and ``trials/<id>.log`` (each trial's
    result record, with the sweep's ``wall_seconds`` and ``train_seconds``,
    and what it printed, ending with the sweep's line: exit status, wall
    time, host, worker); written atomically, so that the same command run
    again after an interruption runs only the trials without a record. A
    trial that diverged (exit status 3) is a result too and is not run
    again; any other failure is retried;
:mod:`.summary`
    ``summary.md``, ``summary.json``: per setting, the mean ± standard
    deviation over folds and repeats of the validation and test errors and
    the training time, and the trials' overhead over their training;
    ``summary.png``: the errors against each swept flag;
:mod:`.command`
    the command line.
"""

from deeplearning_tutorials.machinery.sweep.command import main, make_parser, prepare
from deeplearning_tutorials.machinery.sweep.plan import (
    DRIVERS,
    SweepError,
    check_trials,
    make_plan,
)
from deeplearning_tutorials.machinery.sweep.record import (
    is_done,
    read_record,
    save_outcome,
    trial_status,
)
from deeplearning_tutorials.machinery.sweep.run import run_sweep, run_trial
from deeplearning_tutorials.machinery.sweep.summary import (
    final_cost,
    markdown_table,
    overhead,
    summarize,
    write_summary,
)

__all__ = [
    "DRIVERS",
    "SweepError",
    "check_trials",
    "final_cost",
    "is_done",
    "main",
    "make_parser",
    "make_plan",
    "markdown_table",
    "overhead",
    "prepare",
    "read_record",
    "run_sweep",
    "run_trial",
    "save_outcome",
    "summarize",
    "trial_status",
    "write_summary",
]
