"""The recorded full runs print what the original code printed, as far as both went.

``results/original_theano/<model>.log`` is the original code's own run under
Theano 1.0.5 (see the README there); ``results/<model>.log`` is this project's
reproduction, which draws the original's noise (Theano's MRG streams). Where the
docs say that a run follows the original's line by line, this holds it.
"""

from pathlib import Path

import pytest

RESULTS = Path(__file__).resolve().parent.parent / "results"


def printed(path, prefix):
    return [line for line in path.read_text().splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize("model, prefix", [("SdA", "Pre-training layer")])
def test_the_reproduction_prints_the_original_lines(model, prefix):
    original_log = RESULTS / "original_theano" / f"{model}.log"
    ours_log = RESULTS / f"{model}.log"
    original, ours = printed(original_log, prefix), printed(ours_log, prefix)
    both = min(len(original), len(ours))
    assert both > 0

    def split(lines):  # ("Pre-training layer 1, epoch 0, cost", 482.729958)
        return [line.rsplit(" ", 1) for line in lines[:both]]

    labels, costs = zip(*split(ours))
    original_labels, original_costs = zip(*split(original))
    assert labels == original_labels
    # the same to float32 rounding in another order (at most 9e-9 measured)
    assert [float(c) for c in costs] == pytest.approx(
        [float(c) for c in original_costs], rel=1e-7
    )
