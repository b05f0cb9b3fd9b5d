"""Draw reference vectors from Theano's own MRG_RandomStreams (Theano 1.0.5).

Not part of the test run: this script needs the original environment
(Python 3.7, Theano 1.0.5, numpy 1.19; see doc/porting.md, "Running the
original"). It wrote ``tests/oracle/mrg_theano_<floatX>.json``::

    THEANO_FLAGS=floatX=float32,device=cpu python tests/oracle/make_mrg_reference.py
    THEANO_FLAGS=floatX=float64,device=cpu python tests/oracle/make_mrg_reference.py

Every case names the calls it makes in ``code``, which
``tests/test_rng_mrg.py`` runs against this project's ``MRG_RandomStreams``
(with ``T`` bound to ``pytensor.tensor``). Small draws are stored whole;
large ones as the sha256 of their bytes, their sum and their first values.
"""

import hashlib
import json
import sys

import numpy
import theano
import theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams

# (description, seed, code building a list of outputs from `srng`, calls,
#  inputs given at each call)
CASES = [
    ("uniform((4, 5))", 1234, "[srng.uniform(size=(4, 5))]", 3),
    ("uniform((3,))", 1073741823, "[srng.uniform(size=(3,))]", 3),
    ("uniform((2, 3), low=-2, high=3)", 5, "[srng.uniform(size=(2, 3), low=-2.0, high=3.0)]", 2),
    ("uniform((7,), nstreams=2)", 77, "[srng.uniform(size=(7,), nstreams=2)]", 3),
    ("binomial((4, 6), p=0.3)", 42, "[srng.binomial(size=(4, 6), n=1, p=0.3)]", 3),
    ("binomial floatX, p=1-0.3 (the dA's mask)", 843828734,
     "[srng.binomial(size=(2, 8), n=1, p=1 - 0.3, dtype=theano.config.floatX)]", 3),
    ("normal((2, 3))", 7, "[srng.normal(size=(2, 3))]", 3),
    ("normal((5,), avg=1, std=2): odd count", 8, "[srng.normal(size=(5,), avg=1.0, std=2.0)]", 2),
    ("two draws created in order", 99, "[srng.uniform((2, 2)), srng.uniform((3,))]", 2),
    ("symbolic size x.shape (15360 streams)", 123,
     "[srng.uniform(size=x.shape)]", 2, "x", (20, 784)),
    ("binomial with a matrix p, symbolic size", 31,
     "[srng.binomial(size=x.shape, n=1, p=x, dtype=theano.config.floatX)]", 2, "x", (30, 500)),
    ("large uniform (1000, 1000)", 2024, "[srng.uniform(size=(1000, 1000))]", 2),
    ("large normal (1000, 1001)", 2025, "[srng.normal(size=(1000, 1001))]", 2),
    ("multinomial n=1", 11, "[srng.multinomial(pvals=P, n=1)]", 3, "P", (6, 4)),
    ("multinomial n=5", 12, "[srng.multinomial(pvals=P, n=5)]", 2, "P", (6, 4)),
    ("a Gibbs-like scan drawing twice per step", 555, "SCAN", 2, "x", (4, 6)),
    ("reseeded with seed(77)", 3, "RESEED", 2),
]


def scan_case(srng, x):
    def step(h):
        v = srng.binomial(size=h.shape, n=1, p=T.nnet.sigmoid(h - 0.5),
                          dtype=theano.config.floatX)
        return srng.binomial(size=v.shape, n=1, p=T.nnet.sigmoid(v),
                             dtype=theano.config.floatX)
    chain, updates = theano.scan(step, outputs_info=[x], n_steps=3)
    return [chain], updates


def summary(array):
    array = numpy.asarray(array)
    if array.size <= 200:
        return {"values": array.tolist(), "dtype": str(array.dtype)}
    return {
        "shape": list(array.shape),
        "dtype": str(array.dtype),
        "sha256": hashlib.sha256(numpy.ascontiguousarray(array).tobytes()).hexdigest(),
        "sum": float(array.astype("float64").sum()),
        "first": array.ravel()[:8].tolist(),
    }


def run(case):
    desc, seed, code, n_calls = case[:4]
    srng = MRG_RandomStreams(seed)
    inputs, values, updates = [], [], []
    rng = numpy.random.RandomState(seed)
    if len(case) > 4:
        name, shape = case[4], case[5]
        if name == "P":
            value = rng.dirichlet(numpy.ones(shape[1]), size=shape[0])
        else:
            value = rng.uniform(size=shape)
        value = value.astype(theano.config.floatX)
        var = T.matrix(name)
        inputs, values = [var], [value]
    env = {"srng": srng, "theano": theano, "T": T}
    if code == "SCAN":
        outputs, updates = scan_case(srng, inputs[0])
    elif code == "RESEED":
        outputs = [srng.uniform(size=(3, 3)), srng.normal(size=(4,))]
        srng.seed(77)
    else:
        env.update({var.name: var for var in inputs})
        outputs = eval(code, env)
    f = theano.function(inputs, outputs, updates=updates)
    calls = [[summary(o) for o in f(*values)] for _ in range(n_calls)]
    return {"desc": desc, "seed": seed, "code": code, "calls": calls,
            "inputs": [dict(summary(v), name=var.name) for var, v in zip(inputs, values)]}


if __name__ == "__main__":
    floatX = theano.config.floatX
    record = {
        "made_by": "tests/oracle/make_mrg_reference.py",
        "theano": theano.__version__,
        "numpy": numpy.__version__,
        "floatX": floatX,
        "cases": [run(case) for case in CASES],
    }
    path = "tests/oracle/mrg_theano_%s.json" % floatX
    with open(path, "w") as f:
        json.dump(record, f, indent=1)
    print("wrote", path, file=sys.stderr)
