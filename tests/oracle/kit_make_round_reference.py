"""Theano 1.0.5's ``T.round`` on the values that decide a rounding rule.

``VALUES`` holds, for float32 and float64, the ties (``0.5``, ``2.5`` ...),
the largest number below one half (where ``floor(x + 0.5)`` rounds up by the
rounding of its own sum), integers too large to have a fraction (where
``x + 0.5`` rounds to the next even number), and zeros, infinities, NaN.
Under Theano 1.0.5 (C code, ``FAST_RUN``) this script rounds them with
``mode='half_away_from_zero'`` (Theano's C code calls the C library's
``round``) and with the default, ``half_to_even``, and writes what came out
(``float.hex``, exact) to ``tests/oracle/kit_round_theano.json``:

    cd / && THEANO_FLAGS=device=cpu,base_compiledir=/tmp/oracle/theano_compiledir_h2 \\
      /tmp/oracle/venv37/bin/python /work/main/tests/oracle/kit_make_round_reference.py \\
      /work/main/tests/oracle/kit_round_theano.json

``tests/test_theano_compat_rounding.py`` rounds the same values through the
kit. Written for Python 3.7+.
"""

import json
import sys

import numpy as np

#: the values, as ``float.hex`` strings (exact in the dtype)
VALUES = {
    "float64": [
        0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.3, -0.3, 0.7, -0.7, 2.675, 1234567.5,
        -1234567.5, float(np.nextafter(0.5, 0.0)), -float(np.nextafter(0.5, 0.0)),
        2.0 ** 52 - 0.5, 2.0 ** 52 + 1, -(2.0 ** 52 + 1), 2.0 ** 53 - 1, 1e300, -1e300,
        0.0, -0.0, float("inf"), float("-inf"), float("nan"),
    ],
    "float32": [
        0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.3, -0.3, 0.7, -0.7, 1234567.5, -1234567.5,
        float(np.nextafter(np.float32(0.5), np.float32(0))),
        -float(np.nextafter(np.float32(0.5), np.float32(0))),
        2.0 ** 23 - 0.5, 2.0 ** 23 + 1, -(2.0 ** 23 + 1), 2.0 ** 24 - 1, 3e38, -3e38,
        0.0, -0.0, float("inf"), float("-inf"), float("nan"),
    ],
}
VALUES = {dtype: [float(np.array(v, dtype=dtype)).hex() for v in values]
          for dtype, values in VALUES.items()}


def values(dtype):
    """The values of ``dtype`` as an array."""
    return np.array([float.fromhex(v) for v in VALUES[dtype]], dtype=dtype)


def main(path):
    import theano
    import theano.tensor as T

    record = {"theano": theano.__version__, "numpy": np.__version__, "rounded": {}}
    for dtype in VALUES:
        x = T.vector("x", dtype=dtype)
        for mode in ("half_away_from_zero", "half_to_even"):
            f = theano.function([x], T.round(x, mode=mode))
            out = f(values(dtype))
            assert out.dtype == dtype
            record["rounded"][f"{dtype} {mode}"] = [float(v).hex() for v in out]
    record["linker"] = type(f.maker.linker).__name__
    with open(path, "w") as out:
        json.dump(record, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
