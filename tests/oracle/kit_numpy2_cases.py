"""What legacy NumPy code meant under NumPy 1.x, for the rewriter's NumPy 2 rules.

Three kinds of cases, each a line of legacy-style NumPy code (``SETUP`` runs
first):

* ``PROMOTION``: arithmetic whose result NumPy 2's promotion rules (NEP 50)
  may change; recorded: the result's type, dtype and value (``float.hex`` for
  floats, exact) or the exception raised;
* ``NAMES``: the names NumPy 2 removed (or gave another meaning), each with
  an expression that shows what it was;
* ``CASTS``: ``numpy.cast[dtype](x)`` (removed in NumPy 2), the result and
  whether it is a new array.

``python kit_numpy2_cases.py OUT.json`` records them all. Run under the
oracle's NumPy 1.19.5: ``/tmp/oracle/venv37/bin/python
tests/oracle/kit_numpy2_cases.py tests/oracle/kit_numpy119.json`` (from the
repository's root) wrote ``tests/oracle/kit_numpy119.json``.
``tests/test_theano_compat_port.py`` runs the ported lines under this
project's NumPy 2 and holds them, the porting guide's table and the
rewriter's flags to that record. Written for Python 3.7+.
"""

import json
import sys
import warnings

SETUP = """
import numpy as np
a32 = np.ones(3, dtype=np.float32) / 3
u8 = np.array([200], dtype=np.uint8)
eps = 1e-8
"""

#: expression -> does the rewriter flag it? (a NumPy scalar it can see, whose
#: result NumPy 2 changes without an error)
PROMOTION = {
    "np.float32(3.3) + 1e-8": True,
    "np.float32(1) / 3": True,
    "np.float32(0.1) == 0.1": True,
    "np.uint8(200) + 100": True,
    "np.int32(7) * 1103515245": True,
    "a32.max() + eps": True,
    "np.mean(a32) * 100": True,
    "a32.sum() * 2": True,
    "a32 * np.float64(0.5)": True,
    "a32 * 0.5": False,
    "u8 + 100": False,
    "u8 + 300": False,
    "np.float64(2.0) * 3": False,
}


#: removed name -> an expression that shows what it was (``np.X`` in it)
NAMES = {
    "float": "np.float", "int": "np.int", "bool": "np.bool", "object": "np.object",
    "str": "np.str", "complex": "np.complex", "long": "np.long", "unicode": "np.unicode",
    "float_": "np.float_", "complex_": "np.complex_", "unicode_": "np.unicode_",
    "string_": "np.string_", "int0": "np.int0", "uint0": "np.uint0",
    "Inf": "np.Inf", "Infinity": "np.Infinity", "infty": "np.infty", "PINF": "np.PINF",
    "NINF": "np.NINF", "NaN": "np.NaN", "NAN": "np.NAN",
    "alltrue": "np.alltrue([[1, 0], [1, 1]], axis=0)",
    "sometrue": "np.sometrue([[1, 0], [0, 0]], axis=1)",
    "product": "np.product([[2, 3], [4, 5]], axis=1)",
    "cumproduct": "np.cumproduct([2, 3, 4])",
    "round_": "np.round_([0.5, 1.5, 2.675], 2)",
}

#: ``numpy.cast[dtype](x)`` calls
CASTS = [
    "np.cast['float32'](0.1)",
    "np.cast['float32']([0.1, 2.5])",
    "np.cast['int32'](np.array([1.7, -1.7]))",
    "np.cast[np.int](np.array([1.0, 2.0]) > 1.5)",
    "np.cast['float64'](a32)",
    "np.cast['float32'](a32)",
]


def describe(value):
    import numpy as np

    if isinstance(value, np.ndarray):
        return {"type": "ndarray", "dtype": str(value.dtype),
                "value": [describe(v)["value"] for v in value.ravel().tolist()]}
    if isinstance(value, (bool, np.bool_)):
        return {"type": "scalar", "dtype": "bool", "value": bool(value)}
    if isinstance(value, type):
        return {"type": "type", "value": value.__module__ + "." + value.__name__}
    if isinstance(value, (int, np.integer)):
        return {"type": "scalar", "dtype": str(np.asarray(value).dtype), "value": int(value)}
    return {"type": "scalar", "dtype": str(np.asarray(value).dtype),
            "value": float(value).hex()}


def evaluate(expression):
    """``describe`` of the expression's value, or the exception it raised."""
    namespace = {}
    exec(SETUP, namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy 2 warns of the overflow it wraps
        try:
            return describe(eval(expression, namespace))
        except Exception as error:  # NumPy 2 refuses some
            return {"error": type(error).__name__}


def fresh_cast(expression):
    """Is the cast's result a new array (not its argument)?"""
    namespace = {}
    exec(SETUP, namespace)
    return eval(expression, namespace) is not namespace["a32"]


def run():
    import numpy as np

    return {
        "numpy": np.__version__,
        "promotion": {e: evaluate(e) for e in PROMOTION},
        "names": {name: evaluate(e) for name, e in NAMES.items()},
        "casts": {e: dict(evaluate(e), new_array=fresh_cast(e)) for e in CASTS},
    }


if __name__ == "__main__":
    with open(sys.argv[1], "w") as out:
        json.dump(run(), out, indent=1, sort_keys=True)
        out.write("\n")
