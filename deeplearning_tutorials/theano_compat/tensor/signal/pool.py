"""``theano.tensor.signal.pool.pool_2d`` with Theano 1.0's signature and default.

Theano 1.0's ``ignore_border`` defaulted to ``None``, which it warned about
and treated as ``False`` (partial windows at the edges kept: a 5x5 image
pooled 2x2 is 3x3). The kit does the same; this project's own
``deeplearning_tutorials.nnet.pool_2d`` defaults to ``True``, the tutorials'
setting. ``ds``, ``st`` and ``padding`` are the old names of ``ws``,
``stride`` and ``pad``.
"""

import warnings

from deeplearning_tutorials import nnet as _project_nnet
from deeplearning_tutorials.theano_compat.errors import missing_names


def pool_2d(input, ws=None, ignore_border=None, stride=None, pad=(0, 0), mode="max",
            ds=None, st=None, padding=None):
    """Theano 1.0's ``pool_2d``: pool the last two axes; ``ignore_border=None``
    warns and means ``False``."""
    if ignore_border is None:
        warnings.warn(
            "pool_2d() will have the parameter ignore_border default value changed "
            "to True (currently False). To have consistent behavior with all Theano "
            "version, explicitly add the parameter ignore_border=True.",
            UserWarning,
            stacklevel=2,
        )
        ignore_border = False
    return _project_nnet.pool_2d(
        input, ws=ws, ignore_border=ignore_border, stride=stride, pad=pad, mode=mode,
        ds=ds, st=st, padding=padding,
    )


__getattr__ = missing_names(
    __name__,
    {
        "max_pool_2d_same_size": "not ported; compare the input with the upsampled pool_2d",
        "pool_3d": "3-D pooling is not ported; pool_2d the last two axes per slice",
        "Pool": "use pool_2d (the Op itself is deeplearning_tutorials.nnet.Pool)",
    },
)
