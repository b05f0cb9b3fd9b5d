"""The command line of ``python benchmarks/bench_all.py``: one mode per
measurement, the epoch table by default.

Every mode is a ``Mode``: its name, a one-line summary, a longer help, the
function that adds its own flags and the function that runs it. ``run(args)``
prints what it measured and returns the record's own fields (or None;
``args.argv`` is the command's arguments); the command line adds what every record says (the command, the machine, the load
average before and after) and writes it where ``--json`` says.
"""

import argparse
import os
import sys
import textwrap
from dataclasses import dataclass
from typing import Callable

from bench_harness import common, lenet, noise, profiles, rnnslu, start, steps, suite, table, threads


@dataclass
class Mode:
    name: str
    summary: str
    help: str
    add_arguments: Callable
    run: Callable
    #: whether the mode's record goes to --json (profile-rbm writes text)
    record: bool = True


def summary_of(paragraph):
    """A help text's first paragraph as one line, without the mode's name
    (``The ``start`` mode: how long ...``) and the closing full stop."""
    line = " ".join(paragraph.split()).split(" mode: ", 1)[-1].rstrip(".")
    return line[0].upper() + line[1:]


def module_mode(name, module, **kwargs):
    """A mode whose module's docstring is its help."""
    first, _, body = module.__doc__.strip().partition("\n\n")
    return Mode(name, summary_of(first), body, module.add_arguments, module.run, **kwargs)


def help_mode(name, text, add_arguments, run, **kwargs):
    """A mode whose help text is given (several modes share a module)."""
    first, _, body = text.partition("\n\n")
    return Mode(name, summary_of(first), body, add_arguments, run, **kwargs)


MODES = [
    module_mode("table", table),
    module_mode("start", start),
    module_mode("lenet", lenet),
    help_mode("sda-steps", steps.SDA_HELP, lambda p: steps.add_timing_arguments(p, calls=1000, rounds=3), steps.run_sda),
    help_mode("rbm-steps", steps.RBM_HELP, lambda p: steps.add_timing_arguments(p, calls=50, rounds=5), steps.run_rbm),
    help_mode("dbn-steps", steps.DBN_HELP, steps.add_dbn_arguments, steps.run_dbn),
    module_mode("threads", threads),
    module_mode("noise", noise),
    help_mode("profile-compile", profiles.COMPILE_HELP, profiles.add_compile_arguments, profiles.run_compile),
    help_mode("profile-dA", profiles.DA_HELP, profiles.add_dA_arguments, profiles.run_dA),
    help_mode("profile-rbm", profiles.RBM_HELP, profiles.add_rbm_arguments, profiles.run_rbm, record=False),
    module_mode("rnnslu", rnnslu),
    module_mode("test-run", suite),
]
BY_NAME = {mode.name: mode for mode in MODES}
DEFAULT = "table"

DESCRIPTION = """\
Every benchmark of the project, one command. Each mode compares variants side
by side in one run: they take turns, a little each, for several rounds, and
each keeps its best round, so that all of them meet the same changes of the
machine's load; a figure is never compared with another run's, and a baseline
that cannot run (PyTorch not installed, no environment of the original under
Theano 1.0.5) is left out with a note, never replaced by a stored figure.
Without a mode, the epoch table runs (its flags can follow directly:
'bench_all.py --quick --models logistic_sgd mlp'). --json PATH writes the
mode's record: what it measured, the command, the machine (CPU, versions,
BLAS threads) and the load average before and after. BLAS threads are the
environment's (OPENBLAS_NUM_THREADS=1 for the recorded runs); the record's
command names them."""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python benchmarks/bench_all.py",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="store_true", help="this help, and every mode's")
    modes = parser.add_subparsers(dest="mode", metavar="MODE", title="modes")
    for mode in MODES:
        sub = modes.add_parser(
            mode.name, help=mode.summary, description=f"{textwrap.fill(mode.summary + '.', 78)}\n\n{mode.help}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        mode.add_arguments(sub)
        if mode.record:
            sub.add_argument("--json", metavar="PATH", help="write the record here (e.g. results/<name>.json)")
    return parser


def full_help(parser):
    """The overview, then every mode's own help: every mode and every flag."""
    parts = [parser.format_help()]
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for mode in MODES:
        rule = f"--- {mode.name} " + "-" * max(0, 70 - len(mode.name))
        parts.append(f"{rule}\n{subparsers.choices[mode.name].format_help()}")
    return "\n".join(parts)


def with_default_mode(argv):
    """``argv`` with the epoch table named where no mode is: no arguments, or
    flags first (``--quick --models mlp``), except a plain ``--help``."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        return [DEFAULT, *argv]
    return argv


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(with_default_mode(argv))
    if args.help or args.mode is None:
        print(full_help(parser))
        return 0
    mode = BY_NAME[args.mode]
    load_before = os.getloadavg()
    args.argv = argv  # for a record's command
    record = mode.run(args)
    if record is not None and getattr(args, "json", None):
        common.write_json(args.json, {**common.provenance_fields(argv, load_before), **record})
    return (record or {}).get("exit_status", 0)
