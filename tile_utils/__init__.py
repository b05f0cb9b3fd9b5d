"""Tiling images: filters and samples laid out side by side, for looking at.

The tutorials visualise what a layer learnt by drawing each hidden unit's
weight vector as a small image and tiling them into one picture (and the same
for samples drawn from an RBM). This package keeps the original helpers,
``scale_to_unit_interval`` and ``tile_raster_images``, with their original
semantics, and adds :func:`save_png`.

>>> import numpy
>>> tiles = tile_raster_images(numpy.eye(4), img_shape=(2, 2), tile_shape=(1, 4),
...                            tile_spacing=(0, 1))
>>> tiles.shape, tiles.dtype
((2, 11), dtype('uint8'))
"""

from pathlib import Path

import numpy

__all__ = ["scale_to_unit_interval", "tile_raster_images", "save_png"]


def scale_to_unit_interval(ndar, eps=1e-8):
    """Return a copy of ``ndar`` shifted and scaled into ``[0, 1]``.

    The minimum maps to 0 and the maximum to just under 1 (``eps`` keeps a
    constant array from dividing by zero).
    """
    ndar = numpy.array(ndar, dtype=float if ndar.dtype.kind in "iub" else ndar.dtype)
    ndar -= ndar.min()
    # The factor is computed in double precision, as the original's
    # ``1.0 / (ndar.max() + eps)`` was under the NumPy of its time: there a
    # float32 scalar plus a Python float gave a float64. Since NumPy 2
    # (NEP 50) it stays float32, and some pixels come out one grey level
    # apart (see doc/porting.md).
    ndar *= 1.0 / (float(ndar.max()) + eps)
    return ndar


def _tile_one_channel(
    X, img_shape, tile_shape, tile_spacing, scale_rows, pixel_vals, out_shape
):
    """Tile the rows of the 2-D array ``X`` into one 2-D image."""
    height, width = img_shape
    row_gap, col_gap = tile_spacing
    out = numpy.zeros(out_shape, dtype="uint8" if pixel_vals else X.dtype)
    n_tiles = min(len(X), tile_shape[0] * tile_shape[1])
    for k in range(n_tiles):
        tile_row, tile_col = divmod(k, tile_shape[1])
        image = X[k].reshape(img_shape)
        if scale_rows:
            image = scale_to_unit_interval(image)
        top = tile_row * (height + row_gap)
        left = tile_col * (width + col_gap)
        # as in the original, pixel values are image * 255 truncated to uint8
        out[top : top + height, left : left + width] = image * (
            255 if pixel_vals else 1
        )
    return out


def tile_raster_images(
    X,
    img_shape,
    tile_shape,
    tile_spacing=(0, 0),
    scale_rows_to_unit_interval=True,
    output_pixel_vals=True,
):
    """Lay the rows of ``X`` out as images tiled on a floor.

    Useful for data sets whose rows are images, and for the columns of a
    weight matrix (pass ``W.T``), such as a network's first layer.

    :param X: a 2-D array with one flattened image per row, or a tuple of 4
        such arrays (red, green, blue, alpha), any of which may be ``None``
        (colours then default to 0, alpha to opaque)
    :param img_shape: ``(height, width)`` of each image
    :param tile_shape: ``(rows, cols)`` of tiles; extra rows of ``X`` are
        ignored, missing ones leave their tiles empty
    :param tile_spacing: ``(rows, cols)`` of empty pixels between tiles
    :param scale_rows_to_unit_interval: scale each image to ``[0, 1]`` first
    :param output_pixel_vals: return ``uint8`` pixel values (0..255) instead
        of values of ``X``'s dtype
    :returns: a 2-D array (or ``(H, W, 4)`` for the tuple form), ready for
        ``PIL.Image.fromarray`` or :func:`save_png`
    """
    if len(img_shape) != 2 or len(tile_shape) != 2 or len(tile_spacing) != 2:
        raise ValueError("img_shape, tile_shape and tile_spacing must be pairs")
    out_shape = tuple(
        (size + gap) * count - gap
        for size, count, gap in zip(img_shape, tile_shape, tile_spacing)
    )
    if not isinstance(X, tuple):
        return _tile_one_channel(
            numpy.asarray(X),
            img_shape,
            tile_shape,
            tile_spacing,
            scale_rows_to_unit_interval,
            output_pixel_vals,
            out_shape,
        )

    if len(X) != 4:
        raise ValueError("the tuple form of X needs 4 channels (R, G, B, alpha)")
    if output_pixel_vals:
        dtype, defaults = numpy.dtype("uint8"), (0, 0, 0, 255)
    else:
        # the original took X.dtype here, which a tuple does not have
        given = [numpy.asarray(c).dtype for c in X if c is not None]
        dtype, defaults = (given[0] if given else numpy.dtype(float)), (
            0.0,
            0.0,
            0.0,
            1.0,
        )
    out = numpy.zeros(out_shape + (4,), dtype=dtype)
    for i, channel in enumerate(X):
        if channel is None:
            out[:, :, i] = defaults[i]
        else:
            out[:, :, i] = tile_raster_images(
                channel,
                img_shape,
                tile_shape,
                tile_spacing,
                scale_rows_to_unit_interval,
                output_pixel_vals,
            )
    return out


def save_png(array, path):
    """Save a tiled ``uint8`` array (2-D grey or ``(H, W, 4)`` RGBA) as a PNG.

    The file is written atomically (a temporary file renamed over ``path``),
    so a run killed while saving leaves the previous image or the new one.
    """
    from PIL import Image

    from deeplearning_tutorials.machinery.checkpoint import atomic_write

    array = numpy.asarray(array)
    if array.dtype != numpy.uint8:
        raise ValueError(f"save_png needs uint8 pixel values, got {array.dtype}")
    image = Image.fromarray(array)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda f: image.save(f, format="PNG"))
    return path
