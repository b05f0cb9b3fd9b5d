"""How much does the SdA's fine-tuning result depend on rounding?

The SdA fine-tunes with learning rate 0.1 on one example at a time, and its
trajectory is chaotic: from the same pre-trained weights, one epoch ends at
3.82 % validation error in float32 and at 6.45 % in float64 (see
doc/results.md#sda). So the published 1.39 % / 1.3 % and this project's
1.81 % / 2.18 % are single draws, and the question is what the spread of
the draws is.

This script makes more draws. Run ``k`` fine-tunes, with the project's own
driver and its default settings, from the pre-trained weights of the
reproduction run (``results/checkpoints/SdA/pretraining.npz``), in which a
single weight of the first layer has been moved by one float32 ulp (the
weight is picked by ``RandomState(k)``): a change at the level of rounding,
a thousand times smaller than what separates float32 from float64.

    python experiments/sda_finetune_spread.py --runs 1 2 3     # one after the other
    python experiments/sda_finetune_spread.py --summary         # the table so far

Each run writes ``results/SdA_spread_<k>.{json,log}`` and keeps its
checkpoints in ``results/checkpoints/SdA_spread_<k>/``; running the same
``k`` again resumes it where it stopped (Ctrl-C saves it mid-epoch).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "results"
PRETRAINED = RESULTS / "checkpoints" / "SdA" / "pretraining.npz"


def nudged_copy(source, target, k):
    """Copy the pre-training checkpoint with one layer-0 weight moved by one ulp.

    Returns ``(index, before, after)`` of the weight that was moved.
    """
    with numpy.load(source, allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in stored.files}
    weights = arrays["param_0_W"].copy()
    index = numpy.random.RandomState(k).randint(weights.size)
    before = weights.flat[index]
    weights.flat[index] = numpy.nextafter(before, numpy.float32(numpy.inf))
    arrays["param_0_W"] = weights
    target.parent.mkdir(parents=True, exist_ok=True)
    numpy.savez(target, **arrays)
    return int(index), float(before), float(weights.flat[index])


def run(k):
    """Fine-tune draw ``k`` (or resume it); return the driver's exit status."""
    checkpoint_dir = RESULTS / "checkpoints" / f"SdA_spread_{k}"
    log_path = RESULTS / f"SdA_spread_{k}.log"
    pretraining = checkpoint_dir / "pretraining.npz"
    if not pretraining.exists():
        index, before, after = nudged_copy(PRETRAINED, pretraining, k)
        with open(log_path, "a") as log:
            print(
                f"[spread] draw {k}: layer-0 weight {index} moved from {before!r} "
                f"to {after!r} (one float32 ulp)",
                file=log,
            )
    command = [
        sys.executable, "-m", "deeplearning_tutorials.SdA",
        "--checkpoint-dir", str(checkpoint_dir), "--resume",
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
    """One line per finished or running draw, the reproduction run first."""
    rows = []
    paths = [RESULTS / "SdA.json"] + sorted(
        RESULTS.glob("SdA_spread_*.json"), key=lambda p: int(p.stem.split("_")[-1])
    )
    for path in paths:
        record = json.loads(path.read_text())
        rows.append(
            (
                path.stem,
                record["best_validation_error_percent"],
                record["test_error_percent"],
                record["best_iteration"] // 50000,
                record["epochs"],
            )
        )
    print("run              valid %  test %  best epoch  epochs")
    for name, valid, test, best_epoch, epochs in rows:
        print(f"{name:<16} {valid:7.2f} {test:7.2f} {best_epoch:11d} {epochs:7d}")
    return rows


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
