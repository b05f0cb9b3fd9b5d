"""``theano.tensor.signal.downsample.max_pool_2d`` (Theano 0.6-0.8).

Theano 0.6 and 0.7 defined ``max_pool_2d(input, ds, ignore_border=False,
st=None, padding=(0, 0), mode='max')``; 0.8 made the default ``None``, which
meant ``False`` with a warning; 0.9 removed the module. The kit keeps 0.7's
default, ``False``: the partial windows at the edges are pooled too, so a
13x13 map pooled 2x2 is 7x7 (``True`` would give 6x6). A script written for
``ignore_border=False`` that is ported with a ``True`` default fails later,
in a shape error of the next layer -- the trap this module avoids.
"""

from deeplearning_tutorials import nnet as _project_nnet
from deeplearning_tutorials.theano_compat.errors import missing_names


def max_pool_2d(input, ds, ignore_border=None, st=None, padding=(0, 0), mode="max"):
    """Theano 0.7's ``max_pool_2d``: ``ignore_border`` None or False keeps the
    partial windows."""
    return _project_nnet.pool_2d(
        input, ws=ds, ignore_border=bool(ignore_border), stride=st, pad=padding, mode=mode
    )


__getattr__ = missing_names(
    __name__,
    {
        "DownsampleFactorMax": "use max_pool_2d (the Op itself is "
        "deeplearning_tutorials.nnet.Pool)",
        "max_pool_2d_same_size": "not ported; compare the input with the upsampled pool",
    },
)
