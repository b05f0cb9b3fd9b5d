"""``theano.tensor.signal``: pooling, in Theano 1.0's ``pool`` and the older
``downsample`` module (Theano 0.6-0.8)."""

from deeplearning_tutorials.theano_compat.errors import missing_names
from deeplearning_tutorials.theano_compat.tensor.signal import downsample, pool

__getattr__ = missing_names(
    __name__, {"conv": "theano.tensor.signal.conv is not ported; use theano.tensor.nnet.conv2d"}
)
