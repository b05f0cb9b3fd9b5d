"""The plan of a sweep: its flags, its settings, and the trials that run them.

Nothing runs here: :func:`make_plan` turns the command line into a
:class:`Plan`, and :func:`check_trials` has the driver's own parser read
every trial's flags, so that a bad one stops the sweep before any trial
starts.
"""

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
from dataclasses import dataclass, field

import numpy

from deeplearning_tutorials.machinery import cli
from deeplearning_tutorials.machinery.errors import InputError

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
# The flags whose values a driver keeps in shared variables (or inputs)
# rather than in its compiled graph: trials that differ only in these (and
# in the fold) reuse a worker's compiled functions (machinery/reuse.py), so
# the sweep gives them to the same worker where it can. Any other flag may change the
# graph (a minibatch size, a number of units): such trials compile.
REUSING_FLAGS = {
    "logistic_sgd": ("learning-rate",),
    "mlp": ("learning-rate", "l1-reg", "l2-reg"),
    "convolutional_mlp": ("learning-rate",),
    "dA": ("learning-rate",),
    "rbm": ("learning-rate",),
    # the pre-training functions take their learning rate as an input
    "SdA": ("finetune-lr", "pretrain-lr"),
    "DBN": ("finetune-lr", "pretrain-lr"),
}
# The flags that set something once per process (the precision, the
# backend, the BLAS threads): trials that differ in them never share a
# worker.
PROCESS_FLAGS = ("floatX", "mode", "blas_threads")


class SweepError(InputError):
    """A sweep that cannot start: bad flags, a missing extra, no scheduler."""


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
    """One run of the driver: a setting, a fold, a repeat, its command line.

    ``process`` holds the trial's once-per-process settings (floatX, mode,
    BLAS threads, as its flags give them), ``group`` what its compiled graph
    depends on: its flags but those of :data:`REUSING_FLAGS`; both are
    known once :func:`check_trials` has parsed the flags.
    """

    setting_index: int
    fold: int  # None without cross-validation
    repeat: int
    argv: list  # the driver's flags, without --results-json
    id: str = ""
    process: tuple = ()
    group: tuple = ()
    data: tuple = ()  # what it loads: the data file, the folds, the fold


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


def check_trials(plan):
    """Parse each trial's command line with the driver's parser (nothing
    runs, see :func:`cli.parsing_only`); a flag it refuses stops the sweep
    before any trial starts, with the driver's own one-line message. Each
    trial learns its ``process`` settings and its ``group`` here."""
    main = importlib.import_module(f"deeplearning_tutorials.{plan.driver}").main
    parsed = {}
    for argv in {tuple(trial.argv) for trial in plan.trials}:
        stderr = io.StringIO()
        try:
            with cli.parsing_only(), contextlib.redirect_stderr(stderr):
                parsed[argv] = main(list(argv))
        except SystemExit:
            message = stderr.getvalue().strip().split(": error: ")[-1]
            raise SweepError(
                f"{plan.driver} refuses the flags {shlex.join(argv)}: {message}"
            ) from None
    reusing = {f"--{flag}" for flag in (*REUSING_FLAGS.get(plan.driver, ()), "cv-fold")}
    for trial in plan.trials:
        args = parsed[tuple(trial.argv)]
        trial.process = tuple(getattr(args, name, None) for name in PROCESS_FLAGS)
        kept = [w for w in trial.argv if w.partition("=")[0] not in reusing]
        trial.group = (trial.process, tuple(kept))
        trial.data = tuple(getattr(args, n, None) for n in ("dataset", "cv_folds", "cv_fold"))


def describe(plan, trial):
    """The trial in words: its swept values, fold and repeat."""
    words = [f"{k}={v}" for k, v in plan.settings[trial.setting_index].items()]
    if trial.fold is not None:
        words.append(f"fold {trial.fold}")
    if trial.repeat is not None:
        words.append(f"repeat {trial.repeat}")
    return " ".join(words) or "default flags"
