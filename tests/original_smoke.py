"""What the original tutorials print in their own smoke runs.

The settings of the original's ``code/test.py`` (one epoch of each dA; one
epoch of the rbm at batch 300 with 20 hidden units; one pre-training and one
fine-tuning epoch of SdA and DBN at batch 300), run under Theano 1.0.5 by
``tests/oracle/run_original_smoke.sh``; the printed lines are in
``tests/oracle/smoke_<floatX>.json``.
"""

import json
from pathlib import Path

ORACLE = Path(__file__).parent / "oracle"


def original_lines(model, floatX="float32"):
    """The lines the original ``model`` printed in its smoke run."""
    record = json.loads((ORACLE / f"smoke_{floatX}.json").read_text())
    assert record["theano"] == "1.0.5" and record["floatX"] == floatX
    return record["runs"][model]["printed"]


def last_numbers(lines, prefix):
    """The last number of every line that starts with ``prefix``."""
    return [
        float(line.replace("%", "").split()[-1])
        for line in lines
        if line.startswith(prefix)
    ]
