"""Collect the original's smoke-run logs into ``tests/oracle/smoke_<floatX>.json``.

    python tests/oracle/collect_smoke.py LOG_DIR float32 [MODEL ...]

reads ``LOG_DIR/smoke_<tutorial>_<floatX>.log`` as written by
``tests/oracle/run_original_smoke.sh`` (stdout and stderr of the original code
under Theano 1.0.5) and keeps every printed line but Theano's own warnings.
"""

import json
import sys
from pathlib import Path

SETTINGS = {  # the original's code/test.py
    "dA": "dA.test_dA(training_epochs=1, output_folder='tmp_dA_plots')",
    "rbm": "rbm.test_rbm(training_epochs=1, batch_size=300, n_chains=1, "
    "n_samples=1, n_hidden=20, output_folder='tmp_rbm_plots')",
    "SdA": "SdA.test_SdA(pretraining_epochs=1, training_epochs=1, batch_size=300)",
    "DBN": "DBN.test_DBN(pretraining_epochs=1, training_epochs=1, batch_size=300)",
}


def main(log_dir, floatX, *models):
    runs = {}
    for name, call in SETTINGS.items():
        if models and name not in models:
            continue
        path = Path(log_dir) / f"smoke_{name}_{floatX}.log"
        if not path.exists():
            continue
        lines = [
            line
            for line in path.read_text().splitlines()
            if line.strip()
            and not line.startswith("WARNING (theano")
            and not line.startswith("exit ")  # the status my shell loop appended
        ]
        runs[name] = {"call": call, "printed": lines}
    record = {
        "made_by": "tests/oracle/run_original_smoke.sh, tests/oracle/collect_smoke.py",
        "original": "lisa-lab/DeepLearningTutorials code/ at 11c4651",
        "theano": "1.0.5",
        "numpy": "1.19.5",
        "floatX": floatX,
        "blas": "OpenBLAS, one thread",
        "runs": runs,
    }
    out = Path(__file__).parent / f"smoke_{floatX}.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    print("wrote", out, "with", ", ".join(runs))


if __name__ == "__main__":
    main(*sys.argv[1:])
