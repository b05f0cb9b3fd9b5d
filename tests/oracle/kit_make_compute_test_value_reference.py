"""Run the cases of ``kit_compute_test_value_cases.py`` with Theano 1.0.5.

Not part of the test run: this needs the original environment (Python 3.7,
Theano 1.0.5, numpy 1.19, as ``make_mrg_reference.py``). It wrote
``tests/oracle/kit_compute_test_value_theano.json``, from ``/``::

    THEANO_FLAGS=device=cpu,floatX=float64,base_compiledir=/tmp/oracle/theano_compiledir_kit \\
        /tmp/oracle/venv37/bin/python <repo>/tests/oracle/kit_make_compute_test_value_reference.py \\
        > <repo>/tests/oracle/kit_compute_test_value_theano.json

Never edit the JSON by hand.
"""

import json
import sys

import numpy as np
import theano
import theano.tensor as T

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from kit_compute_test_value_cases import CASES, SETUP  # noqa: E402


def encode(value):
    """An array as dtype, shape and float64 values; a string as it is."""
    if isinstance(value, str):
        return value
    value = np.asarray(value)
    return {"dtype": str(value.dtype), "shape": list(value.shape),
            "values": value.astype("float64").ravel().tolist()}


def run(code):
    theano.config.floatX = "float64"
    theano.config.compute_test_value = "off"
    namespace = {"np": np, "theano": theano, "T": T}
    try:
        exec(SETUP, namespace)
        exec(code, namespace)
    finally:
        theano.config.compute_test_value = "off"
    return [encode(item) for item in namespace["out"]]


def main():
    results = {"theano": theano.__version__, "numpy": np.__version__,
               "cases": {name: run(code) for name, code in CASES}}
    json.dump(results, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
