"""``theano.tensor.nnet.conv``: Theano 0.6-0.7's ``conv.conv2d``.

The old interface (``image_shape`` third, only ``'valid'`` and ``'full'``
borders, and the ``ConvOp`` tuning arguments), on this project's ``Conv2d``
Op. The shape arguments of the old ``ConvOp`` -- ``imshp`` (one image:
``(channels, rows, cols)``), ``kshp`` (``(rows, cols)``), ``nkern``,
``bsize`` -- are turned into ``image_shape`` and ``filter_shape``; its
tuning arguments (``unroll_batch``, ``unroll_kern``, ``openmp`` ...) are
accepted and have no effect.
"""

from deeplearning_tutorials import nnet as _project_nnet
from deeplearning_tutorials.theano_compat.errors import missing_names

#: the ``ConvOp`` arguments that only tuned Theano's generated C code
TUNING = ("unroll_batch", "unroll_kern", "unroll_patch", "verbose", "version",
          "direction_hint", "openmp", "dx", "dy")


def conv2d(input, filters, image_shape=None, filter_shape=None, border_mode="valid",
           subsample=(1, 1), **kargs):
    """Theano 0.6's ``conv.conv2d``: a batch of images convolved with filters."""
    if border_mode not in ("valid", "full"):
        raise ValueError(f"conv.conv2d: border_mode must be 'valid' or 'full', not {border_mode!r}")
    image_shape, filter_shape = _shapes_from_convop(image_shape, filter_shape, kargs)
    unknown = set(kargs) - set(TUNING)
    if unknown:
        raise TypeError(f"conv.conv2d got unexpected arguments {sorted(unknown)}")
    return _project_nnet.conv2d(
        input, filters, input_shape=image_shape, filter_shape=filter_shape,
        border_mode=border_mode, subsample=subsample,
    )


def _shapes_from_convop(image_shape, filter_shape, kargs):
    imshp, kshp = kargs.pop("imshp", None), kargs.pop("kshp", None)
    nkern, bsize = kargs.pop("nkern", None), kargs.pop("bsize", None)
    if image_shape is None and imshp is not None:
        image_shape = (bsize, *imshp) if len(imshp) == 3 else (bsize, 1, *imshp)
    if filter_shape is None and kshp is not None:
        channels = image_shape[1] if image_shape is not None else None
        filter_shape = (nkern, channels, *kshp)
    return image_shape, filter_shape


__getattr__ = missing_names(
    __name__, {"ConvOp": "use conv2d (the Op itself is deeplearning_tutorials.nnet.Conv2d)"}
)
