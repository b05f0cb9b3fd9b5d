"""How much does the SdA's fine-tuning result depend on rounding?

The SdA fine-tunes with learning rate 0.1 on one example at a time, and its
trajectory is chaotic: from the same pre-trained weights, one epoch ends at
3.82 % validation error in float32 and at 6.45 % in float64 (see
doc/results.md#sda). So the published 1.39 % / 1.3 % and this project's
1.81 % / 2.18 % are single draws, and the question is what the spread of
the draws is.

This script makes more draws. Run ``k`` fine-tunes, with the project's own
driver and its default settings, from the pre-trained weights of the
reproduction run (``results/pytensor_rng/checkpoints/SdA/pretraining.npz``), in which
every weight of the first layer has been moved by one float32 ulp, up or
down as ``RandomState(k)`` decides: a change at the level of rounding, such
as another BLAS or another order of summation makes.

(A pilot moved a single weight instead. That is not always a perturbation:
a weight of 0.0009 moved by one ulp, 1e-10, changes no pre-activation's
rounding, and that run repeated the reproduction run digit for digit. The
pilot that did diverge is kept as ``results/SdA_pilot_nudge.log``; it is
resumed with ``python -m deeplearning_tutorials.SdA --checkpoint-dir
results/pytensor_rng/checkpoints/SdA_pilot_nudge --resume --results-json
results/SdA_pilot_nudge.json >> results/SdA_pilot_nudge.log``.)

    python experiments/sda_finetune_spread.py --runs 1 2 3     # one after the other
    python experiments/sda_finetune_spread.py --summary         # the table so far

Each run writes ``results/SdA_spread_<k>.{json,log}`` and keeps its
checkpoints in ``results/checkpoints/SdA_spread_<k>/``; running the same
``k`` again resumes it where it stopped (Ctrl-C saves it mid-epoch).
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "results" / "pytensor_rng"  # made with PyTensor's generator
PRETRAINED = RESULTS / "checkpoints" / "SdA" / "pretraining.npz"


def nudged_copy(source, target, k):
    """Copy the pre-training checkpoint with every layer-0 weight moved by one ulp.

    Each weight goes one float32 ulp up or down, as ``RandomState(k)`` draws.
    Returns the number of weights moved up.
    """
    with numpy.load(source, allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in stored.files}
    weights = arrays["param_0_W"]
    up = numpy.random.RandomState(k).randint(2, size=weights.shape).astype(bool)
    direction = numpy.where(up, numpy.float32(numpy.inf), numpy.float32(-numpy.inf))
    arrays["param_0_W"] = numpy.nextafter(weights, direction).astype(weights.dtype)
    target.parent.mkdir(parents=True, exist_ok=True)
    numpy.savez(target, **arrays)
    return int(up.sum())


def run(k):
    """Fine-tune draw ``k`` (or resume it); return the driver's exit status."""
    checkpoint_dir = RESULTS / "checkpoints" / f"SdA_spread_{k}"
    log_path = RESULTS / f"SdA_spread_{k}.log"
    pretraining = checkpoint_dir / "pretraining.npz"
    if not pretraining.exists():
        n_up = nudged_copy(PRETRAINED, pretraining, k)
        with open(log_path, "a") as log:
            print(
                f"[spread] draw {k}: every layer-0 weight moved by one float32 ulp, "
                f"{n_up} of them up, the others down",
                file=log,
            )
    command = [
        sys.executable, "-m", "deeplearning_tutorials.SdA",
        "--checkpoint-dir", str(checkpoint_dir), "--resume", "--rng", "pytensor",
        "--results-json", str(RESULTS / f"SdA_spread_{k}.json"),
    ]  # fmt: skip
    print(f"[spread] draw {k}: {' '.join(command[1:])} >> {log_path}", flush=True)
    with open(log_path, "a") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            return child.wait()
        except KeyboardInterrupt:  # the driver got the Ctrl-C too and saves its state
            child.wait()
            print(f"[spread] draw {k} interrupted; run it again to resume", flush=True)
            return 130


def summary():
    """One line per draw, the reproduction run and the pilot first.

    A finished draw is read from its record; one still running (or stopped
    to be resumed) from its checkpoint, and marked as such.
    """
    names = ["SdA", "SdA_pilot_nudge"] + sorted(
        {p.name for p in (RESULTS / "checkpoints").glob("SdA_spread_*")},
        key=lambda name: int(name.split("_")[-1]),
    )
    print("run                valid %  test %  best epoch  epochs")
    for name in names:
        record_path = RESULTS / f"{name}.json"
        checkpoint = RESULTS / "checkpoints" / name / "checkpoint.npz"
        if record_path.exists():
            record = json.loads(record_path.read_text())
            valid = record["best_validation_error_percent"]
            test = record["test_error_percent"]
            best_iteration, epochs, status = record["best_iteration"], record["epochs"], ""
        elif checkpoint.exists():
            with numpy.load(checkpoint, allow_pickle=False) as stored:
                state = json.loads(str(stored["state_json"]))["state"]
            valid = 100 * state["best_validation_loss"]
            test = 100 * state["test_score"]
            best_iteration = state["best_iter"] + 1
            epochs = len(state["validation_history"])
            status = "  (not finished)"
        else:
            continue
        best_epoch = best_iteration // 50000
        print(f"{name:<18} {valid:7.2f} {test:7.2f} {best_epoch:11d} {epochs:7d}{status}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, nargs="*", default=[], metavar="K",
                        help="the draws to run (or resume), one after the other")
    parser.add_argument("--summary", action="store_true",
                        help="print the finished draws beside the reproduction run")
    args = parser.parse_args(argv)
    if not PRETRAINED.exists():
        parser.error(f"{PRETRAINED} is missing: run `python -m deeplearning_tutorials.reproduce SdA` first")
    for k in args.runs:
        if k < 1:
            parser.error("draws are numbered from 1")
        status = run(k)
        if status != 0:
            return status
    if args.summary or not args.runs:
        summary()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
