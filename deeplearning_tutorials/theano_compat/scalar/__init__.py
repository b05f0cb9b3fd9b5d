"""``theano.scalar``: PyTensor's scalar module under Theano 1.0's names.

Everything in ``pytensor.scalar`` is here under its name: the scalar types
(``float32``, ``int64`` ...), ``as_scalar``, ``constant``, the scalar Ops
(``add``, ``exp`` ...) and the dtype rules. Theano 1.0's ``upcast(dtype,
*dtypes)``, which the original tutorials' HMC sampler calls
(``theano.scalar.upcast(accept.dtype, avg_acceptance_rate.dtype)``), is
PyTensor's, the same function: the dtype of the sum of zero-dimensional NumPy
arrays of the given dtypes, kept in ``floatX`` under ``cast_policy =
'numpy+floatX'`` (checked against Theano 1.0.5 in
``tests/test_theano_compat_original.py``).

Theano 1.0 names that PyTensor renamed, with the same behaviour:

==================  ==========================================
Theano 1.0          PyTensor
==================  ==========================================
``Scalar``          ``ScalarType`` (the type of a scalar)
``abs_``            ``abs``
``inv``, ``Inv``    ``reciprocal``, ``Reciprocal`` (``1 / x``)
``sgn``, ``Sgn``    ``sign``, ``Sign``
==================  ==========================================

``theano.scalar.basic`` is this module too. A Theano name that is neither
raises :class:`~deeplearning_tutorials.theano_compat.errors.TheanoNameError`
saying what to do instead.
"""

from pytensor.scalar import *  # noqa: F403 - the module's whole API, as Theano's
from pytensor.scalar import ScalarType, upcast  # noqa: F401 - named in the docstring
from pytensor.scalar.basic import Abs, Reciprocal, Sign, abs, reciprocal, sign

from deeplearning_tutorials.theano_compat.errors import missing_names

Scalar = ScalarType
abs_ = abs
inv, Inv = reciprocal, Reciprocal
sgn, Sgn = sign, Sign

from deeplearning_tutorials.theano_compat.scalar import basic  # noqa: E402, F401

__getattr__ = missing_names(
    __name__,
    {
        "basic_scipy": "the special functions are in pytensor.scalar.math",
        "transfer_type": "write the output types of a ScalarOp as a method "
        "(output_types) in PyTensor",
        "int_or_true_div": "Python 3's / is true division; use // for the integer one",
        "div_proxy": "Python 3's / is true division; use // for the integer one",
    },
)
