"""Reproduce the published results: run each tutorial with its original
defaults, record what happened, and compare it with the published figures.

    python -m deeplearning_tutorials.reproduce                 # every model
    python -m deeplearning_tutorials.reproduce mlp             # one model
    python -m deeplearning_tutorials.reproduce --check         # compare records only
    python -m deeplearning_tutorials.reproduce convolutional_mlp_gpu   # LeNet on a GPU

Each run writes ``results/<model>.log`` (the full printed log) and
``results/<model>.json`` (the result record, the command, wall time, machine,
library versions and BLAS threads, and the verdict against the published
figures). The driver runs in the folder that holds the results folder (the
repository root by default) with paths relative to it, so that neither the
record nor the log holds a path of the machine.
A model whose record already exists is not run again unless ``--force`` is
given, and each run keeps a checkpoint in ``results/checkpoints/<model>/``,
so an interrupted reproduction, run again, continues where it stopped: with
the models still missing, and within a model from its last finished epoch.

``convolutional_mlp_gpu`` is LeNet's default run under ``--mode JAX``, which
needs a machine where JAX sees a GPU; without one it is left out of "every
model", and asked for by name it is refused with the reason.
"""

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS_DIR = REPO / "results"


@dataclass(frozen=True)
class Published:
    """A published result and how close a reproduction must come to it."""

    model: str
    validation_percent: float
    test_percent: float
    tolerance_points: float  # allowed |reproduced - published|, in % points
    source: str
    epochs: int = None  # published number of epochs, where it is known
    saves_model: bool = False  # the driver takes --model-path
    plots: bool = False  # the driver takes --output-folder for its images
    # a model without errors (rbm) is compared by its cost of every epoch
    costs_per_epoch: tuple = None
    cost_tolerance: float = None  # allowed |reproduced - published| per epoch
    driver: str = None  # the tutorial module, where it is not named ``model``
    driver_args: tuple = ()  # flags after the driver's defaults (--mode JAX)
    needs_gpu: bool = False  # runs only where JAX sees a GPU
    # (flag, name under the results folder) of the driver's other outputs
    outputs: tuple = ()
    # a model scored by F1 (rnnslu: CoNLL chunks, in %), higher is better:
    # the published test F1 and how far under it a reproduction may fall
    f1_test: float = None
    f1_tolerance: float = None
    # a cost curve published at a few epochs only (rnnrbm): ((epoch, cost), ...),
    # epochs counted from 1; compared within cost_tolerance
    costs_at_epochs: tuple = None

    def command(self, results_dir):
        """The driver's command line, with ``results_dir`` as given."""
        driver = self.driver or self.model
        command = [sys.executable, "-m", f"deeplearning_tutorials.{driver}"]
        command += list(self.driver_args)
        command += ["--results-json", str(results_dir / f"{self.model}.json")]
        command += ["--checkpoint-dir", str(checkpoint_dir(results_dir, self.model))]
        command += ["--resume"]
        if self.plots:
            command += ["--output-folder", str(results_dir / f"{self.model}_plots")]
        if self.saves_model:
            command += [
                "--model-path",
                str(results_dir / f"{self.model}_best_model.npz"),
            ]
        for flag, name in self.outputs:
            command += [flag, str(results_dir / name)]
        return command


def checkpoint_dir(results_dir, model):
    """Where the reproduction of ``model`` keeps its checkpoint."""
    return results_dir / "checkpoints" / model


PUBLISHED = {
    "logistic_sgd": Published(
        "logistic_sgd",
        7.5,
        7.489583,
        0.0,
        "tutorial log: 74 epochs, 1.936 epochs/s on a Core2 Duo E8400",
        epochs=74,
        saves_model=True,
    ),
    "mlp": Published(
        "mlp",
        1.69,
        1.65,
        0.10,
        "tutorial text: iteration 2,070,000, 97.34 min on a Core i7-2600K",
    ),
    "convolutional_mlp": Published(
        "convolutional_mlp",
        0.91,
        0.92,
        0.10,
        "tutorial text: CPU (Core i7-2600K, float32) iteration 17800, 380.28 min; "
        "GTX 480: 0.91 % / 0.93 %, 32.52 min",
    ),
    "SdA": Published(
        "SdA",
        1.39,
        1.3,
        0.20,
        "tutorial text: pre-training 585.01 min, fine-tuning 36 epochs in "
        "444.2 min (Xeon E5430, single-threaded GotoBLAS)",
    ),
    "rbm": Published(
        "rbm",
        None,
        None,
        None,
        "tutorial text: PCD-15, 122.466 min (Xeon E5430, single-threaded GotoBLAS)",
        costs_per_epoch=(
            -90.65,
            -81.24,
            -74.91,
            -73.02,
            -68.41,
            -63.27,
            -66.00,
            -68.12,
            -68.32,
            -64.29,
            -61.52,
            -61.65,
            -63.55,
            -63.38,
            -62.76,
        ),
        cost_tolerance=8.0,
        plots=True,
    ),
    "DBN": Published(
        "DBN",
        1.27,
        1.34,
        0.20,
        "tutorial text: 46 fine-tuning epochs; pre-training 615 min, fine-tuning "
        "101 min (Xeon X5560, 4 cores, MKL)",
    ),
    # ATIS fold 3 (the driver reads $ATISDATA, else downloads the folds and
    # checks their sums); the chapter says a difference under 0.6 F1 is not
    # significant on ATIS: the tolerance
    "rnnslu": Published(
        "rnnslu",
        None,
        None,
        None,
        "tutorial text: best test F1 94.2 at epoch 57 of 60 (valid 97.23) on fold "
        "3; an epoch under 40 s on an i7 950",
        epochs=60,
        outputs=(("--folder", "rnnslu_predictions"),),
        f1_test=94.2,
        f1_tolerance=0.6,
    ),
    # the Nottingham tunes (the driver downloads them and checks their sum);
    # the text prints the cost of epochs 1-5, 10 and 190 of 200; the band,
    # 0.5 per epoch, was set after the first ten epochs had run (they came
    # within 0.05): sampling makes the cost chaotic, as the rbm's
    "rnnrbm": Published(
        "rnnrbm",
        None,
        None,
        None,
        "tutorial text: costs printed at epochs 1-5, 10 and 190; 200 epochs took "
        "about 24 hours",
        epochs=200,
        # Theano's default precision, which the original did not change
        driver_args=("--floatX", "float64"),
        outputs=(("--output-folder", "rnnrbm_samples"),),
        costs_at_epochs=(
            (1, -15.0308940028),
            (2, -10.4892606673),
            (3, -10.2394696138),
            (4, -10.1431669994),
            (5, -9.7005382843),
            (10, -8.16847274143),
            (190, -4.74799179994),
        ),
        cost_tolerance=0.5,
    ),
    # LeNet on a GPU, through JAX (which the project makes deterministic, so
    # that a repeat prints the same lines: config.make_jax_faithful)
    "convolutional_mlp_gpu": Published(
        "convolutional_mlp_gpu",
        0.91,
        0.93,
        0.10,
        "tutorial text: GTX 480 (float32), 0.91 % / 0.93 % at iteration 16400, "
        "32.52 min",
        driver="convolutional_mlp",
        driver_args=("--mode", "JAX"),
        needs_gpu=True,
    ),
}


@functools.cache
def gpu_missing():
    """Why a GPU run cannot start here (None when JAX sees a GPU); asked once."""
    try:
        import jax
    except ImportError:
        return "jax is not installed (pip install -e .[gpu])"
    try:
        if jax.devices("gpu"):
            return None
    except RuntimeError:
        pass
    return "JAX sees no GPU on this machine"


def verdict(published, record):
    """Compare a result record with the published figures; return a dict."""
    if published.costs_per_epoch is not None:
        return cost_verdict(published, record)
    if published.costs_at_epochs is not None:
        return sparse_cost_verdict(published, record)
    if published.f1_test is not None:
        return f1_verdict(published, record)
    # compare what the log prints: percentages with 6 decimals
    valid = round(record["best_validation_error_percent"], 6)
    test = round(record["test_error_percent"], 6)
    deviation = max(
        abs(valid - published.validation_percent), abs(test - published.test_percent)
    )
    same_epochs = published.epochs is None or record["epochs"] == published.epochs
    return {
        "published_validation_percent": published.validation_percent,
        "published_test_percent": published.test_percent,
        "published_epochs": published.epochs,
        "tolerance_points": published.tolerance_points,
        "deviation_points": round(deviation, 6),
        "reproduced": same_epochs and deviation <= published.tolerance_points + 1e-9,
    }


def cost_verdict(published, record):
    """Compare a cost curve, epoch by epoch, with the published one.

    The pseudo-likelihood cost of PCD is a noisy estimate (one pixel per
    minibatch), and the published curve itself moves by up to 5 nats between
    neighbouring epochs, hence a band around every published value.
    """
    (costs,) = record["costs_per_epoch"]
    deviations = [abs(c - p) for c, p in zip(costs, published.costs_per_epoch)]
    deviation = max(deviations) if deviations else float("inf")
    return {
        "published_costs_per_epoch": list(published.costs_per_epoch),
        "cost_tolerance": published.cost_tolerance,
        "deviation": round(deviation, 4),
        "reproduced": len(costs) == len(published.costs_per_epoch)
        and deviation <= published.cost_tolerance,
    }


def f1_verdict(published, record):
    """Compare the test F1 of the best validation epoch (``tf1``, as the
    original's ``rnnslu.py`` names it) with the published one: reproduced
    when it falls at most ``f1_tolerance`` under it, over the full run."""
    shortfall = published.f1_test - record["tf1"]
    return {
        "published_test_f1": published.f1_test,
        "f1_tolerance": published.f1_tolerance,
        "shortfall_points": round(shortfall, 4),
        "reproduced": record["epochs"] == published.epochs
        and shortfall <= published.f1_tolerance + 1e-9,
    }


def sparse_cost_verdict(published, record):
    """Compare a cost curve with the costs published at a few epochs.

    Each published epoch the record reaches is compared; the run is
    reproduced when it reached them all, each within ``cost_tolerance``.
    ``compared_epochs`` says which were, so that a record of the first
    epochs can be judged on those."""
    costs = record["costs_per_epoch"]
    reached = [(e, c) for e, c in published.costs_at_epochs if e <= len(costs)]
    deviations = [abs(costs[e - 1] - c) for e, c in reached]
    deviation = max(deviations) if deviations else float("inf")
    return {
        "published_costs_at_epochs": [list(p) for p in published.costs_at_epochs],
        "cost_tolerance": published.cost_tolerance,
        "compared_epochs": [e for e, _ in reached],
        "deviation": round(deviation, 4),
        "reproduced": len(reached) == len(published.costs_at_epochs)
        and deviation <= published.cost_tolerance,
    }


# The line closing each stretch of a run in its log: the stretches' wall
# times add up to the record's wall_seconds.
STRETCH = "[reproduce] stretch of"
# The first line every driver prints, once per process: where a stretch starts.
STRETCH_START = "... loading data"


def run(published, results_dir, fresh=False):
    """Run one published configuration; write its log and record.

    Unless ``fresh``, a checkpoint left by an earlier, interrupted run is
    continued and its log appended to. The driver runs in the folder above
    ``results_dir``, with paths relative to it.
    """
    results_dir.mkdir(parents=True, exist_ok=True)
    results_dir = results_dir.resolve()
    record_path = results_dir / f"{published.model}.json"
    log_path = results_dir / f"{published.model}.log"
    checkpoints = checkpoint_dir(results_dir, published.model)
    if fresh:
        shutil.rmtree(checkpoints, ignore_errors=True)
        log_path.unlink(missing_ok=True)
    command = published.command(Path(results_dir.name))
    print(
        f"[reproduce] {published.model}: {' '.join(command[1:])} >> {log_path}",
        flush=True,
    )
    status = run_stretch(command, log_path, cwd=results_dir.parent)
    if status != 0:
        raise SystemExit(
            f"[reproduce] {published.model} failed (status {status}); see {log_path}"
        )
    finish_record(published, record_path, log_path)


def run_stretch(command, log_path, cwd):
    """Run ``command`` with its output appended to ``log_path``; its status.

    The wall time and status are appended too, even when Ctrl-C stops the
    run: the driver receives it as well, saves its state and exits, and is
    waited for (``subprocess.call`` would kill it).
    """
    # this package, wherever the driver runs
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    start = time.time()
    status = None
    try:
        with open(log_path, "a") as log:
            child = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=dict(os.environ, PYTHONPATH=path),
            )
            try:
                status = child.wait()
            except KeyboardInterrupt:
                status = child.wait()
                raise
    finally:
        with open(log_path, "a") as log:
            log.write(f"{STRETCH} {time.time() - start:.1f} s, exit status {status}\n")
    return status


def stretch_seconds(log_path):
    """The wall times of every stretch of the run that ``log_path`` records."""
    lines = Path(log_path).read_text().splitlines()
    return [
        float(line.removeprefix(STRETCH).split()[0])
        for line in lines
        if line.startswith(STRETCH)
    ]


def unclosed_stretches(log_path):
    """How many stretches in ``log_path`` have no closing line, and so no
    wall time: those whose process, and ``reproduce`` with it, was killed
    outright (``SIGKILL``, the machine going away) instead of stopped."""
    lines = Path(log_path).read_text().splitlines()
    starts = sum(line == STRETCH_START for line in lines)
    closed = sum(line.startswith(STRETCH) for line in lines)
    return max(0, starts - closed)


def finish_record(published, record_path, log_path):
    """Add the wall time of all stretches and the verdict to a driver's record.

    ``wall_seconds`` adds up the stretches that closed; a stretch killed
    outright left no wall time, and the record then counts it in
    ``unclosed_stretches`` (its training time is still in the driver's own
    clocks, ``seconds`` and ``pretraining_seconds``, which a checkpoint
    carries over).
    """
    record = json.loads(Path(record_path).read_text())
    stretches = stretch_seconds(log_path)
    record["wall_seconds"] = round(sum(stretches), 1)
    record["stretches"] = len(stretches)
    record.pop("unclosed_stretches", None)
    if unclosed := unclosed_stretches(log_path):
        record["unclosed_stretches"] = unclosed
    record["published_source"] = published.source
    record.update(verdict(published, record))
    Path(record_path).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def wall_time(record):
    """The record's wall time in minutes, saying what it leaves out."""
    text = f"{record['wall_seconds'] / 60:.1f} min"
    if unclosed := record.get("unclosed_stretches"):
        text += f" (+ {unclosed} stretch{'es' if unclosed > 1 else ''} without wall time)"
    return text


def summary_line(published, record):
    mark = "reproduced" if record["reproduced"] else "NOT reproduced"
    if published.f1_test is not None:
        return (
            f"{published.model:14s} valid F1 {record['vf1']} test F1 {record['tf1']} "
            f"(published test F1 {published.f1_test}), {record['epochs']} epochs, "
            f"{wall_time(record)}: {mark} (tolerance -{published.f1_tolerance} points)"
        )
    if published.costs_at_epochs is not None:
        compared = ", ".join(
            f"epoch {e} {record['costs_per_epoch'][e - 1]:.2f} (published {c})"
            for e, c in published.costs_at_epochs
            if e <= len(record["costs_per_epoch"])
        )
        return (
            f"{published.model:14s} cost after {compared}, largest deviation "
            f"{record['deviation']:.2f}, {wall_time(record)}: {mark} "
            f"(tolerance ±{published.cost_tolerance}"
            + ("" if record["reproduced"] else "; not every published epoch reached")
            + ")"
        )
    if published.costs_per_epoch is not None:
        (costs,) = record["costs_per_epoch"]
        return (
            f"{published.model:14s} cost after epoch 0 {costs[0]:.2f} (published "
            f"{published.costs_per_epoch[0]}), after the last {costs[-1]:.2f} "
            f"(published {published.costs_per_epoch[-1]}), largest deviation "
            f"{record['deviation']:.2f}, {wall_time(record)}: {mark} "
            f"(tolerance ±{published.cost_tolerance} per epoch)"
        )
    return (
        f"{published.model:14s} valid {record['best_validation_error_percent']:.6f} % "
        f"(published {published.validation_percent} %), "
        f"test {record['test_error_percent']:.6f} % (published {published.test_percent} %), "
        f"{record['epochs']} epochs, {wall_time(record)}: {mark} "
        f"(tolerance ±{published.tolerance_points} points)"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m deeplearning_tutorials.reproduce",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument(
        "models",
        nargs="*",
        metavar="MODEL",
        help=f"which models: {', '.join(PUBLISHED)} (default: all)",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=RESULTS_DIR,
        help="where logs and records are written",
    )
    parser.add_argument(
        "--force", action="store_true", help="run again even if a record exists"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only compare the existing records with the published figures",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.models) - set(PUBLISHED))
    if unknown:
        parser.error(
            f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(PUBLISHED)}"
        )
    # without a GPU, "every model" means every CPU model
    models = args.models or [
        name for name, p in PUBLISHED.items() if not p.needs_gpu or not gpu_missing()
    ]
    failures = 0
    for name in models:
        published = PUBLISHED[name]
        record_path = args.results_dir / f"{name}.json"
        runs = not args.check and (args.force or not record_path.exists())
        if runs and published.needs_gpu and gpu_missing():
            print(f"{name:14s} not run: {gpu_missing()}; it needs a GPU")
            failures += 1
            continue
        if runs:
            try:
                run(published, args.results_dir, fresh=args.force)
            except KeyboardInterrupt:
                print(
                    f"[reproduce] {name} interrupted; its state is saved: the same "
                    "command without --force resumes it",
                    file=sys.stderr,
                )
                return 130
        if not record_path.exists():
            print(f"{name:14s} no record at {record_path}")
            failures += 1
            continue
        record = json.loads(record_path.read_text())
        print(summary_line(published, record))
        failures += not record["reproduced"]
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
