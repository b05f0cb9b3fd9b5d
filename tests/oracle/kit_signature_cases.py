"""Legacy calls whose PyTensor twins changed: Theano 1.0.5's answers and names.

Each case is Theano 1.0 code that sets ``out`` (a list of arrays, numbers or
strings). Under Theano 1.0.5 (C code, float32) this script runs them and
writes what they gave to ``tests/oracle/kit_signature_theano.json``, with
the public names of the Theano modules the kit stands in for (``MODULES``)::

    cd / && THEANO_FLAGS=floatX=float32,device=cpu,base_compiledir=/tmp/oracle/theano_compiledir_h2 \\
      /tmp/oracle/venv37/bin/python /work/main/tests/oracle/kit_signature_cases.py \\
      /work/main/tests/oracle/kit_signature_theano.json

``tests/test_theano_compat_names.py`` runs the same code with ``theano``
bound to the porting kit. Written for Python 3.7+.
"""

import json
import sys
import warnings

SETUP = """
rng = np.random.RandomState(42)
def floats(*shape):
    return np.asarray(rng.uniform(-4, 4, size=shape), dtype=theano.config.floatX)
x = T.matrix('x')
v = T.vector('v')
"""

CASES = {
    "T.stack(a, b, c): Theano 0.7's form": """
f = theano.function([v], T.stack(v[0], v[1], v[2]))
out = [f(floats(4))]
""",
    "T.stack(list, axis) and stack(tensors=, axis=)": """
f = theano.function([v], [T.stack([v, 2 * v], 1), T.stack(tensors=[v, v], axis=0)])
out = f(floats(3))
""",
    "T.split(x, sizes, n_splits, axis) by position": """
f = theano.function([x], T.split(x, [1, 3], 2, 1))
out = f(floats(2, 4))
""",
    "T.tile(x, reps, ndim)": """
f = theano.function([x, v], [T.tile(x, (2, 1)), T.tile(x, (2, 1), ndim=3), T.tile(x, 2),
                             T.tile(v, (2, 3))])
out = f(floats(2, 3), floats(2))
""",
    "T.tile with a symbolic vector of reps and ndim": """
reps = T.ivector('reps')
f = theano.function([x, reps], T.tile(x, reps, ndim=2))
out = [f(floats(2, 3), np.array([2, 2], dtype='int32'))]
""",
    "T.tensor(dtype, broadcastable)": """
t = T.tensor('float32', (False, True, False))
named = T.tensor(dtype='int32', broadcastable=(True,), name='n')
f = theano.function([t], t * 2)
out = [str(t.dtype), list(t.broadcastable), str(named.dtype), list(named.broadcastable),
       named.name, f(floats(2, 1, 3))]
""",
    "T.dot(a=, b=)": """
f = theano.function([x, v], [T.dot(a=x, b=x.T), T.dot(x, v)])
out = f(floats(2, 3), floats(3))
""",
    "T.mean(x, axis, dtype, op=False, keepdims)": """
f = theano.function([x], [T.mean(x, 0, None, False), T.mean(x, axis=1, op=False, keepdims=True)])
out = f(floats(3, 4))
""",
    "T.inv: 1/x elementwise": """
f = theano.function([v], T.inv(v))
out = [f(floats(5))]
""",
}


#: the Theano modules whose names the kit answers (it has them, or says what to do)
MODULES = [
    "theano", "theano.tensor", "theano.tensor.nnet", "theano.tensor.nnet.conv",
    "theano.tensor.signal.pool", "theano.tensor.shared_randomstreams",
    "theano.tensor.raw_random", "theano.sandbox.rng_mrg", "theano.gradient", "theano.ifelse",
    "theano.printing", "theano.compat", "theano.scan_module",
]


def public_names(module_name):
    import importlib

    module = importlib.import_module(module_name)
    return sorted(name for name in dir(module) if not name.startswith("_"))


def encode(value):
    import numpy as np

    if isinstance(value, (np.ndarray, np.generic)):
        value = np.asarray(value)
        return {"dtype": str(value.dtype), "shape": list(value.shape),
                "values": value.astype("float64").ravel().tolist()}
    return value


def run(theano, code):
    import numpy as np

    namespace = {"np": np, "theano": theano, "T": theano.tensor}
    exec(SETUP, namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code, namespace)
    return [encode(item) for item in namespace["out"]]


if __name__ == "__main__":
    import numpy
    import theano

    record = {"theano": theano.__version__, "numpy": numpy.__version__,
              "floatX": theano.config.floatX,
              "cases": {name: run(theano, code) for name, code in CASES.items()},
              "names": {module: public_names(module) for module in MODULES}}
    with open(sys.argv[1], "w") as out:
        json.dump(record, out, indent=1, sort_keys=True)
        out.write("\n")
