"""Run the porting kit's cases under Theano 1.0.5 and store what it computes.

Not part of the test run: this needs the original environment (Python 3.7,
Theano 1.0.5, numpy 1.19, as ``make_mrg_reference.py``). It wrote
``tests/oracle/theano_compat_float32.json``::

    THEANO_FLAGS=floatX=float32,device=cpu \\
        python tests/oracle/make_theano_compat_reference.py > tests/oracle/theano_compat_float32.json

The cases are in ``theano_compat_cases.py``; never edit the JSON by hand.
"""

import contextlib
import json
import sys
import warnings

import numpy as np
import theano
import theano.tensor as T

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from theano_compat_cases import CASES, SETUP  # noqa: E402


def encode(value):
    """An output as JSON: arrays with dtype and shape, other things as they are."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        value = np.asarray(value)
        return {"dtype": str(value.dtype), "shape": list(value.shape),
                "values": value.astype("float64").ravel().tolist()}
    if isinstance(value, tuple):
        return {"tuple": list(value)}
    return value


def run(code):
    namespace = {"np": np, "theano": theano, "T": T}
    exec(SETUP, namespace)
    # what the cases print (theano.printing.Print) goes to stderr, not into the JSON
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")
        exec(code, namespace)
    return [encode(item) for item in namespace["out"]]


def main():
    results = {"theano": theano.__version__, "numpy": np.__version__,
               "floatX": theano.config.floatX, "cases": {}}
    for case in CASES:
        results["cases"][case[0]] = run(case[1])
    json.dump(results, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
