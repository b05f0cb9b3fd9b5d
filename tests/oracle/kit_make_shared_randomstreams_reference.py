"""Draw the cases of ``kit_shared_randomstreams_cases.py`` with Theano 1.0.5.

Not part of the test run: this needs the original environment (Python 3.7,
Theano 1.0.5, numpy 1.19, as ``make_mrg_reference.py``). It wrote
``tests/oracle/kit_shared_randomstreams_theano.json``, from ``/``::

    THEANO_FLAGS=device=cpu,base_compiledir=/tmp/oracle/theano_compiledir_kit \\
        /tmp/oracle/venv37/bin/python <repo>/tests/oracle/kit_make_shared_randomstreams_reference.py \\
        > <repo>/tests/oracle/kit_shared_randomstreams_theano.json

Every case runs in float32 and float64 (``theano.config.floatX`` set in
turn) and with every seed of ``SEEDS``; never edit the JSON by hand.
"""

import json
import sys
import warnings

import numpy as np
import theano
import theano.tensor as T

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from kit_shared_randomstreams_cases import CASES, SEEDS, SETUP  # noqa: E402


def encode(value):
    """An array as JSON: dtype, shape and its values as float64 (exact for
    every dtype drawn here)."""
    value = np.asarray(value)
    return {"dtype": str(value.dtype), "shape": list(value.shape),
            "values": value.astype("float64").ravel().tolist()}


def run(code, seed):
    namespace = {"np": np, "theano": theano, "T": T, "SEED": seed}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(SETUP, namespace)
        exec(code, namespace)
    return [encode(item) for item in namespace["out"]]


def main():
    results = {"theano": theano.__version__, "numpy": np.__version__, "cases": {}}
    for floatx in ("float32", "float64"):
        theano.config.floatX = floatx
        for name, code in CASES:
            for seed in SEEDS:
                results["cases"]["%s|%s|%d" % (floatx, name, seed)] = run(code, seed)
    # one line per case: a diff shows which case changed
    cases = results.pop("cases")
    lines = ["%s: %s" % (json.dumps(name), json.dumps(cases[name])) for name in sorted(cases)]
    head = json.dumps(results, sort_keys=True)[:-1]
    print(head + ', "cases": {\n' + ",\n".join(lines) + "\n}}")


if __name__ == "__main__":
    main()
