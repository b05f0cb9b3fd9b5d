"""The command line of the sweep: ``python -m deeplearning_tutorials.sweep``."""

import importlib
import os
import shlex
import signal
import sys
from pathlib import Path

from deeplearning_tutorials.machinery import cli, provenance
from deeplearning_tutorials.machinery.errors import InputError, one_line, signal_name
from deeplearning_tutorials.machinery.sweep.plan import (
    DRIVERS,
    SweepError,
    check_trials,
    make_plan,
)
from deeplearning_tutorials.machinery.sweep.record import write_plan
from deeplearning_tutorials.machinery.sweep.run import run_sweep, say, stop_signals_interrupt
from deeplearning_tutorials.machinery.sweep.summary import write_summary

PROG = "python -m deeplearning_tutorials.sweep"
EXTRA = "pip install 'deeplearning-tutorials[sweep]'"
DESCRIPTION = "Hyper-parameter sweeps: many runs of one tutorial, in parallel, in one table."


def make_parser():
    parser = cli.OneLineParser(
        prog=PROG,
        description=DESCRIPTION,
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
        help="trials at a time: worker processes here, each running its trials "
        "one after another and reusing what it compiled (default: one per core, "
        "or per Dask worker thread); each trial uses one BLAS thread unless "
        "--set blas-threads=N",
    )
    parser.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        default=None,
        help="run the trials on the Dask cluster of this scheduler "
        f"(tcp://host:8786) instead of this machine, each as a process of its "
        f"own; needs {EXTRA}",
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
