"""tile_raster_images and friends, against arrays worked out by hand and
against the original function's output."""

import json
from pathlib import Path

import numpy
import pytest
from PIL import Image

from tile_utils import save_png, scale_to_unit_interval, tile_raster_images

# What the original utils.tile_raster_images returned under NumPy 1.19.5,
# made by tests/fixtures/make_tile_raster_fixtures.py (see its docstring).
ORIGINAL_OUTPUTS = Path(__file__).parent / "fixtures" / "tile_raster_images.npz"


def original_cases():
    with numpy.load(ORIGINAL_OUTPUTS, allow_pickle=False) as arrays:
        arrays = dict(arrays)
    names = sorted({key.rsplit(".", 1)[0] for key in arrays})
    for name in names:
        if f"{name}.X" in arrays:
            X = arrays[f"{name}.X"]
        else:  # the 4-channel tuple form; a missing channel is None
            X = tuple(arrays.get(f"{name}.X{i}") for i in range(4))
        kwargs = json.loads(str(arrays[f"{name}.kwargs"]))
        yield pytest.param(X, kwargs, arrays[f"{name}.out"], id=name)


@pytest.mark.parametrize("X, kwargs, expected", original_cases())
def test_the_original_functions_output_under_numpy_1_19(X, kwargs, expected):
    """Pixel for pixel, float32 and float64, scaled or not, with spacing,
    float output and the 4-channel form. Under NumPy 2 rules a float32
    factor would move a few pixels by one grey level (see
    ``scale_to_unit_interval``)."""
    out = tile_raster_images(X, **kwargs)
    assert out.dtype == expected.dtype
    numpy.testing.assert_array_equal(out, expected)


def test_scale_to_unit_interval():
    scaled = scale_to_unit_interval(numpy.array([[2.0, 4.0], [6.0, 10.0]]))
    numpy.testing.assert_allclose(scaled, [[0.0, 0.25], [0.5, 1.0]], atol=1e-7)
    assert scaled.max() < 1.0  # eps keeps it just below one
    constant = scale_to_unit_interval(numpy.full(3, 7.0))
    numpy.testing.assert_array_equal(constant, numpy.zeros(3))


def test_layout_spacing_and_pixel_values():
    # three 2x2 images on a 2x2 floor, one empty pixel between tiles
    X = numpy.array(
        [
            [0.0, 1.0, 2.0, 3.0],
            [3.0, 2.0, 1.0, 0.0],
            [5.0, 5.0, 5.0, 9.0],
        ]
    )
    out = tile_raster_images(
        X, img_shape=(2, 2), tile_shape=(2, 2), tile_spacing=(1, 1)
    )
    # each image scaled to [0, 1) then * 255 and truncated: 0, 85, 169, 254
    expected = numpy.array(
        [
            [0, 84, 0, 254, 169],
            [169, 254, 0, 84, 0],
            [0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0],
            [0, 254, 0, 0, 0],
        ],
        dtype="uint8",
    )
    # hand computation: 1/3 * (1 - 1e-8/3) * 255 = 84.99... -> 84
    numpy.testing.assert_array_equal(out, expected)
    assert out.dtype == numpy.uint8


def test_without_scaling_or_pixel_values_keeps_the_data():
    X = numpy.arange(8, dtype="float32").reshape(2, 4) / 10
    out = tile_raster_images(
        X, (2, 2), (1, 2), scale_rows_to_unit_interval=False, output_pixel_vals=False
    )
    assert out.dtype == numpy.float32
    expected = numpy.array(
        [[0.0, 0.1, 0.4, 0.5], [0.2, 0.3, 0.6, 0.7]], dtype="float32"
    )
    numpy.testing.assert_array_equal(out, expected)


def test_extra_rows_are_ignored_and_missing_tiles_stay_empty():
    X = numpy.ones((5, 1))
    out = tile_raster_images(X, (1, 1), (1, 3), scale_rows_to_unit_interval=False)
    numpy.testing.assert_array_equal(out, [[255, 255, 255]])
    out = tile_raster_images(
        numpy.ones((1, 1)), (1, 1), (2, 2), scale_rows_to_unit_interval=False
    )
    numpy.testing.assert_array_equal(out, [[255, 0], [0, 0]])


def test_rectangular_images_and_unequal_spacing():
    X = numpy.arange(12, dtype=float).reshape(2, 6)  # two 2x3 images
    out = tile_raster_images(
        X,
        (2, 3),
        (2, 1),
        tile_spacing=(2, 0),
        scale_rows_to_unit_interval=False,
        output_pixel_vals=False,
    )
    assert out.shape == (2 * 2 + 2, 3)
    numpy.testing.assert_array_equal(out[:2], X[0].reshape(2, 3))
    numpy.testing.assert_array_equal(out[2:4], numpy.zeros((2, 3)))
    numpy.testing.assert_array_equal(out[4:], X[1].reshape(2, 3))


def test_the_four_channel_tuple_form():
    X = numpy.array([[0.0, 1.0], [1.0, 0.0]])
    out = tile_raster_images(
        (X, None, X[::-1], None), (1, 2), (2, 1), scale_rows_to_unit_interval=False
    )
    assert out.shape == (2, 2, 4) and out.dtype == numpy.uint8
    numpy.testing.assert_array_equal(out[:, :, 0], [[0, 255], [255, 0]])
    numpy.testing.assert_array_equal(out[:, :, 1], 0)  # missing colour: 0
    numpy.testing.assert_array_equal(out[:, :, 2], [[255, 0], [0, 255]])
    numpy.testing.assert_array_equal(out[:, :, 3], 255)  # missing alpha: opaque
    floats = tile_raster_images(
        (X, None, None, None),
        (1, 2),
        (2, 1),
        scale_rows_to_unit_interval=False,
        output_pixel_vals=False,
    )
    assert floats.dtype == X.dtype
    numpy.testing.assert_array_equal(floats[:, :, 3], 1.0)


def test_bad_arguments():
    with pytest.raises(ValueError):
        tile_raster_images(numpy.ones((1, 4)), (2, 2, 1), (1, 1))
    with pytest.raises(ValueError):
        tile_raster_images((numpy.ones((1, 4)),), (2, 2), (1, 1))


def test_save_png_round_trip(tmp_path):
    tiles = tile_raster_images(
        numpy.random.RandomState(0).rand(100, 784),
        (28, 28),
        (10, 10),
        tile_spacing=(1, 1),
    )
    path = save_png(tiles, tmp_path / "sub" / "filters.png")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (289, 289)
        numpy.testing.assert_array_equal(numpy.asarray(image), tiles)
    with pytest.raises(ValueError, match="uint8"):
        save_png(tiles.astype(float), tmp_path / "x.png")


def test_docstring_example():
    import doctest

    import tile_utils

    assert doctest.testmod(tile_utils).failed == 0


def test_save_png_is_atomic(tmp_path, monkeypatch):
    """A save that fails midway (here: the encoder raises after writing part
    of the image) leaves the previous image whole and no temporary file."""
    from PIL import PngImagePlugin

    path = save_png(numpy.zeros((4, 4), dtype=numpy.uint8), tmp_path / "f.png")
    before = path.read_bytes()

    def fail_midway(image, fp, filename, *args, **kwargs):
        fp.write(b"\x89PNG partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PngImagePlugin, "_save", fail_midway)
    monkeypatch.setitem(Image.SAVE, "PNG", fail_midway)
    with pytest.raises(OSError, match="No space left"):
        save_png(numpy.full((4, 4), 255, dtype=numpy.uint8), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["f.png"]
