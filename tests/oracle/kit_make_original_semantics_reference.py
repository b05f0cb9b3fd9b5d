"""Run the cases of ``kit_original_semantics_cases.py`` under Theano 1.0.5.

Not part of the test run: this needs the original environment (Python 3.7,
Theano 1.0.5, numpy 1.19, as tests/oracle/run_original_smoke.sh uses). It wrote
``tests/oracle/kit_original_semantics_theano.json``, from ``/``::

    THEANO_FLAGS=floatX=float64,device=cpu,gcc.cxxflags=-ffp-contract=off,base_compiledir=/tmp/oracle/theano_compiledir_h1 \\
        /tmp/oracle/venv37/bin/python <repo>/tests/oracle/kit_make_original_semantics_reference.py \\
        > <repo>/tests/oracle/kit_original_semantics_theano.json

``gcc.cxxflags=-ffp-contract=off``: Theano's C code compiled without fused
multiply-adds (g++ -march=native contracts ``a * b + c`` on a CPU that has
them; PyTensor's Numba code does not), as tests/oracle/run_original_lstm.sh
did. Never edit the JSON by hand.
"""

import json
import sys

import numpy
import theano
import theano.scalar  # noqa: F401 - theano.scalar.float64, .upcast
import theano.tensor as T

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from kit_original_semantics_cases import (  # noqa: E402
    copy_cases,
    numerics_cases,
    truth_cases,
    upcast_cases,
)

record = {
    "made_by": "tests/oracle/kit_make_original_semantics_reference.py",
    "theano": theano.__version__,
    "numpy": numpy.__version__,
    "python": sys.version.split()[0],
    "floatX": theano.config.floatX,
    "cast_policy": theano.config.cast_policy,
    "gcc.cxxflags": theano.config.gcc.cxxflags,
    "truth": truth_cases(theano, T),
    "upcast": upcast_cases(theano),
    "copies": copy_cases(theano, T),
    "numerics": numerics_cases(theano, T),
}
print(json.dumps(record, indent=1, sort_keys=True))
