"""``theano.sandbox``: only ``rng_mrg`` (the tutorials' random streams)."""

from deeplearning_tutorials.theano_compat.errors import missing_names
from deeplearning_tutorials.theano_compat.sandbox import rng_mrg

__getattr__ = missing_names(
    __name__,
    {
        "cuda": "Theano's CUDA back end has no PyTensor counterpart; the kit runs on "
        "the CPU (PyTensor's GPU route is mode='JAX')",
        "gpuarray": "Theano's gpuarray back end has no PyTensor counterpart; "
        "PyTensor's GPU route is mode='JAX'",
        "linalg": "use pytensor.tensor.linalg",
    },
)
