"""The Theano 1.0 behaviours the original tutorials lean on, as cases run
under Theano 1.0.5 (tests/oracle/kit_make_original_semantics_reference.py)
and under the porting kit (tests/test_theano_compat_original.py), the same
code for both.

``theano`` and ``T`` are the module each side hands in: Theano 1.0.5's, or the
kit's through its import hook. Python 3.7 and 3.11 both run this file.

* :data:`TRUTH_CASES`: the truth value of a variable (``if not W:`` in dA,
  cA and rbm; ``if persistent:`` in rbm): ``true``, ``false`` or the
  exception's type;
* :data:`UPCAST_DTYPES`: ``theano.scalar.upcast`` of each pair and of a few
  triples (hmc's ``mean_dtype``);
* :func:`copy_cases`: what ``copy.deepcopy``, ``copy.copy`` and ``pickle``
  make of a compiled function and of a model holding one (rnnslu keeps its
  best model with ``copy.deepcopy(rnn)`` and trains it on later);
* :func:`numerics_cases`: the sigmoid and softplus of Theano's C code
  (clipped), what its rewrites made of ``log(sigmoid(x))`` and
  ``log(1 + exp(x))`` (the RBM's free energy and costs, dA's cross-entropy),
  and its softmax and the softmax's gradient, in float64 and float32.
"""

import copy
import pickle

import numpy

#: name -> code building the variable from ``x`` (a matrix), ``s`` (a shared
#: vector), ``c`` (a scalar of theano.scalar) and ``theano``, ``T``
TRUTH_CASES = {
    "matrix": "x",
    "shared": "s",
    "constant": "T.constant(1.5)",
    "sum": "x + 1",
    "dot": "T.dot(x, x)",
    "lt operator": "x < 1",
    "le operator": "x <= 1",
    "gt operator": "x > 1",
    "ge operator": "x >= 1",
    "shared gt operator": "s > 0",
    "lt function": "T.lt(x, 1)",
    "eq function": "T.eq(x, 1)",
    "product of a comparison": "(x < 1) * 2",
    "comparison cast": "T.cast(x < 1, 'float64')",
    "scalar": "c",
    "scalar lt operator": "c < 1",
    "scalar sum": "c + 1",
}

UPCAST_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                 "uint64", "float16", "float32", "float64", "complex64", "complex128")
UPCAST_TRIPLES = [("int8", "uint8", "float16"), ("int32", "float32", "bool"),
                  ("float32", "float32", "float32"), ("int64", "float16", "uint8")]


def truth(theano, T, code):
    """``'true'``, ``'false'``, or the exception's type name."""
    x = T.matrix("x")
    s = theano.shared(numpy.zeros(3), name="s")
    c = theano.scalar.float64("c")
    variable = eval(code, {"theano": theano, "T": T, "x": x, "s": s, "c": c})
    try:
        return "true" if variable else "false"
    except Exception as error:  # noqa: BLE001 - recorded
        return type(error).__name__


def chained_comparison(theano, T):
    """``0 < x < 1``, which Python evaluates as ``(0 < x) and (x < 1)``."""
    x = T.matrix("x")
    try:
        0 < x < 1
        return "built"
    except Exception as error:  # noqa: BLE001 - recorded
        return type(error).__name__


def truth_cases(theano, T):
    cases = {name: truth(theano, T, code) for name, code in TRUTH_CASES.items()}
    cases["chained comparison"] = chained_comparison(theano, T)
    return cases


def upcast_cases(theano):
    pairs = {f"{a} {b}": theano.scalar.upcast(a, b)
             for a in UPCAST_DTYPES for b in UPCAST_DTYPES}
    triples = {" ".join(t): theano.scalar.upcast(*t) for t in UPCAST_TRIPLES}
    return dict(pairs, **triples)


class Model(object):
    """A model as the tutorials write one: parameters and the compiled
    functions that train them (rnnslu's RNNSLU holds ``sentence_train``)."""

    def __init__(self, theano, T):
        self.w = theano.shared(numpy.array([1.0, 2.0, 3.0]), name="w")
        x = T.vector("x")
        self.step = theano.function([x], (self.w * x).sum(), updates=[(self.w, self.w * 2 + x)])
        self.read = theano.function([], self.w.sum())


def _state(model):
    return [float(v) for v in model.w.get_value()]


def copy_cases(theano, T):
    """Each copy of a trained model, trained on, and its original read back."""
    one = numpy.ones(3)
    cases = {}
    for how, make in [("deepcopy", copy.deepcopy), ("copy", copy.copy),
                      ("pickle", lambda m: pickle.loads(pickle.dumps(m, protocol=2)))]:
        model = Model(theano, T)
        model.step(one)
        duplicate = make(model)
        out = float(duplicate.step(one))
        cases[how] = {
            "copy step returned": out,
            "copy w after its step": _state(duplicate),
            "copy read": float(duplicate.read()),
            "original w after the copy's step": _state(model),
            "original step returned": float(model.step(one)),
            "original w after its step": _state(model),
            "copy w after the original's step": _state(duplicate),
            "copy w is original w": duplicate.w is model.w,
        }
    # a function alone, deep-copied: its copy updates a copy of w
    model = Model(theano, T)
    step = copy.deepcopy(model.step)
    cases["deepcopy of a function"] = {
        "copy step returned": float(step(one)),
        "original w after the copy's step": _state(model),
    }
    return cases


#: points around the thresholds of Theano's C code (sigmoid: -709/19 in
#: float64, -88/15 in float32; softplus: -745/16, -103/14)
NUMERICS_POINTS = [-800.0, -745.5, -709.5, -103.5, -88.5, -30.0, -1.0, 0.0, 0.3, 13.9, 14.5,
                   15.5, 16.5, 17.0, 18.9, 19.5, 30.0, 40.0]
SOFTMAX_ROWS = [[1.0, 2.0, 3.0, -4.5], [0.5, -1.0, 30.0, 29.5], [1e-3, 2e-3, -1e-3, 0.0]]
SOFTMAX_WEIGHTS = [[0.5, -1.0, 2.0, 0.25], [1.0, 1.0, -3.0, 0.5], [2.0, 0.0, 1.0, -1.0]]


def numerics_cases(theano, T, mode=None):
    """Elementwise sigmoid, softplus and what Theano's rewrites made of
    their logarithms, and a softmax with its gradient, in both precisions,
    compiled in ``mode`` (Theano's default: FAST_RUN, C code)."""
    cases = {}
    for dtype in ("float64", "float32"):
        x = T.vector("x", dtype=dtype)
        outputs = {
            "sigmoid": T.nnet.sigmoid(x),
            "softplus": T.nnet.softplus(x),
            "log sigmoid": T.log(T.nnet.sigmoid(x)),
            "log 1 - sigmoid": T.log(1 - T.nnet.sigmoid(x)),
            "log 1 + exp": T.log(1 + T.exp(x)),
        }
        m = T.matrix("m", dtype=dtype)
        weights = numpy.asarray(SOFTMAX_WEIGHTS, dtype=dtype)
        sm = T.nnet.softmax(m)
        names = sorted(outputs)
        f = theano.function([x], [outputs[n] for n in names], mode=mode)
        g = theano.function([m], [sm, T.grad((sm * weights).sum(), m)], mode=mode)
        values = f(numpy.asarray(NUMERICS_POINTS, dtype=dtype))
        for name, value in zip(names, values):
            cases[f"{name} {dtype}"] = [float(v) for v in value]
        forward, gradient = g(numpy.asarray(SOFTMAX_ROWS, dtype=dtype))
        cases[f"softmax {dtype}"] = [[float(v) for v in row] for row in forward]
        cases[f"softmax gradient {dtype}"] = [[float(v) for v in row] for row in gradient]
    return cases
