"""Run the original code/rnnrbm.py under Theano 1.0.5 and record what it does.

Usage (Python 3.7 with Theano 1.0.5; the original code/ folder and
rnnrbm_midi_shim/ on PYTHONPATH; see run_original_rnnrbm.sh):

    python original_rnnrbm_driver.py tiny EPOCHS OUT.json
    python original_rnnrbm_driver.py nottingham TRAIN_DIR EPOCHS OUT.json

``tiny``: RnnRbm(n_hidden=5, n_hidden_recurrent=4, lr=0.1, r=(60, 72),
dt=0.3) trained with batch_size=4 on three synthetic piano rolls of 7, 12
and 5 steps (numpy.random.RandomState(7).rand(T, 12) < 0.3, in this order),
handed to the original through the shim as tiny0.mid, tiny1.mid, tiny2.mid.
``nottingham``: RnnRbm() at its defaults, trained with the defaults of
test_rnnrbm (batch_size=100) on the .mid files of TRAIN_DIR in sorted order
(the original globbed them in the file system's order), the rolls made by the
original reader ($RNNRBM_ROLLS).

The original prints its lines ('Epoch i/N' and the mean cost) itself; this
driver then writes OUT.json: the seconds model.train took, the parameters
(tiny: their values; nottingham: sums and the sha256 of their bytes), and
one sequence from generate_function() after training.
"""

import glob
import hashlib
import json
import os
import sys
import tempfile
import time

import numpy

kind = sys.argv[1]
if kind == "tiny":
    epochs, out = int(sys.argv[2]), sys.argv[3]
    rolls_file = os.path.join(tempfile.mkdtemp(), "tiny_rolls.npz")
    rs = numpy.random.RandomState(7)
    rolls = {
        "tiny%d.mid" % i: (rs.rand(T, 12) < 0.3).astype("float64")
        for i, T in enumerate((7, 12, 5))
    }
    numpy.savez(
        rolls_file, __r__=numpy.array((60, 72)), __dt__=numpy.array(0.3), **rolls
    )
    os.environ["RNNRBM_ROLLS"] = rolls_file
else:
    train_dir, epochs, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]

import theano  # noqa: E402
import rnnrbm  # noqa: E402  (the original: seeds NumPy at import)

captured = {}
_build_rnnrbm = rnnrbm.build_rnnrbm


def build_rnnrbm(*args):
    result = _build_rnnrbm(*args)
    captured["params"] = result[4]
    return result


rnnrbm.build_rnnrbm = build_rnnrbm
NAMES = ("W", "bv", "bh", "Wuh", "Wuv", "Wvu", "Wuu", "bu")

if kind == "tiny":
    model = rnnrbm.RnnRbm(n_hidden=5, n_hidden_recurrent=4, lr=0.1, r=(60, 72), dt=0.3)
    files, batch_size = ["tiny0.mid", "tiny1.mid", "tiny2.mid"], 4
else:
    model = rnnrbm.RnnRbm()
    files, batch_size = sorted(glob.glob(os.path.join(train_dir, "*.mid"))), 100


def describe(values, full):
    record = {
        "sum": float(values.sum()),
        "abs_sum": float(abs(values).sum()),
        "sha256": hashlib.sha256(numpy.ascontiguousarray(values).tobytes()).hexdigest(),
    }
    if full:
        record["values"] = values.tolist()
    return record


initial = {
    n: describe(p.get_value(), kind == "tiny")
    for n, p in zip(NAMES, captured["params"])
}
start = time.time()
model.train(files, batch_size=batch_size, num_epochs=epochs)
seconds = time.time() - start
params = {
    n: describe(p.get_value(), kind == "tiny")
    for n, p in zip(NAMES, captured["params"])
}
generated = model.generate_function()
record = {
    "kind": kind,
    "epochs": epochs,
    "batch_size": batch_size,
    "files": len(files),
    "floatX": theano.config.floatX,
    "train_seconds": seconds,
    "initial_params": initial,
    "params": params,
    "generated": {
        "shape": list(generated.shape),
        "sum": float(generated.sum()),
        "sha256": hashlib.sha256(
            numpy.ascontiguousarray(generated.astype(numpy.uint8)).tobytes()
        ).hexdigest(),
        "nonzero": (
            [list(map(int, ix)) for ix in zip(*generated.nonzero())]
            if kind == "tiny"
            else None
        ),
    },
}
with open(out, "w") as f:
    json.dump(record, f, indent=1, sort_keys=True)
