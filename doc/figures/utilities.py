"""Figures of the Miscellaneous chapter (doc/utilities.md): tiling images.

Every picture here is made by the project's own ``tile_utils.tile_raster_images``
from the shipped MNIST (``common.mnist``); the layout diagram is drawn pixel by
pixel at the size the function would produce.
"""

import sys

import matplotlib.pyplot as plt
import numpy
from common import GREY, HIDDEN, INK, INPUT, OUTPUT, REPO, canvas, mnist, save
from matplotlib.patches import Rectangle

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from tile_utils import tile_raster_images  # noqa: E402

MNIST_SHAPE = (28, 28)
DPI = 100


def pixel_canvas(shape, scale):
    """A figure whose one axis fills it, sized so that an image of ``shape``
    is drawn at exactly ``scale`` × ``scale`` screen pixels per pixel."""
    height, width = shape[:2]
    fig = plt.figure(figsize=(width * scale / DPI, height * scale / DPI))
    ax = fig.add_axes([0, 0, 1, 1])
    return fig, ax


def show(ax, image, cmap="gray"):
    """Show a tiled array pixel for pixel (no smoothing), without axes."""
    ax.imshow(image, cmap=cmap, interpolation="nearest", vmin=0, vmax=255)
    ax.set_axis_off()


def draw_tiled_mnist(path):
    """The first 100 training images, tiled 10 x 10 with one pixel between."""
    images = mnist(split=0, n=100)[0]
    tiles = tile_raster_images(images, img_shape=MNIST_SHAPE, tile_shape=(10, 10), tile_spacing=(1, 1))
    fig, ax = pixel_canvas(tiles.shape, scale=2)
    show(ax, tiles)
    save(fig, path, dpi=DPI)


def draw_row_scaling(path):
    """Six copies of one digit at six brightnesses, tiled with and without
    scaling each row to the unit interval."""
    images = mnist(split=0, n=100)[0]
    factors = numpy.array([0.1, 0.25, 0.4, 0.55, 0.75, 1.0], dtype="float32")
    faded = images[0][None, :] * factors[:, None]
    layout = dict(img_shape=MNIST_SHAPE, tile_shape=(1, 6), tile_spacing=(1, 1))
    fig, axes = _stacked_axes(2, width=6.0, height=2.4)
    for ax, scale, label in zip(axes, (False, True), ("unscaled", "scaled")):
        show(ax, tile_raster_images(faded, scale_rows_to_unit_interval=scale, **layout))
        ax.text(-4, 14, label, ha="right", va="center", fontsize=10, color=INK)
    for k, factor in enumerate(factors):
        axes[0].text(k * 29 + 14, -3, f"×{factor:g}", ha="center", va="bottom", fontsize=9)
    save(fig, path)


def draw_rgba_tiles(path):
    """The tuple form: training images 0-24 in the red channel, 25-49 in the
    green one, blue and alpha left to their defaults."""
    images = mnist(split=0, n=100)[0]
    layout = dict(img_shape=MNIST_SHAPE, tile_shape=(5, 5), tile_spacing=(1, 1))
    rgba = tile_raster_images((images[:25], images[25:50], None, None), **layout)
    fig, ax = pixel_canvas(rgba.shape, scale=3)
    ax.imshow(rgba, interpolation="nearest")
    ax.set_axis_off()
    save(fig, path, dpi=DPI)


def _stacked_axes(n, width, height):
    """A figure of ``n`` image axes one above the other."""
    fig, axes = plt.subplots(n, 1, figsize=(width, height))
    return fig, list(axes)


# the layout diagram: a 2 x 3 tiling of 4 x 5 images, 1 row and 2 columns apart
H, W, GAP_H, GAP_W, ROWS, COLS = 4, 5, 1, 2, 2, 3
TILE_COLOURS = [INPUT, HIDDEN, OUTPUT]


def draw_tile_geometry(path):
    """The tiled array pixel by pixel: which cells hold image ``k`` and which
    are spacing, with the sizes that ``tile_raster_images`` computes."""
    out_h = (H + GAP_H) * ROWS - GAP_H
    out_w = (W + GAP_W) * COLS - GAP_W
    fig, ax = canvas(7.6, 4.6, xlim=(-3.2, out_w + 0.6), ylim=(-3.4, out_h + 2.9))
    _pixels(ax, out_h, out_w)
    _tile_names(ax, out_h)
    _dimension(ax, (0, out_h + 0.5), (W, out_h + 0.5), "$W$")
    _dimension(ax, (W, out_h + 0.5), (W + GAP_W, out_h + 0.5), "$s_w$")
    _dimension(ax, (-0.5, out_h), (-0.5, out_h - H), "$H$", vertical=True)
    _dimension(ax, (-0.5, out_h - H), (-0.5, out_h - H - GAP_H), "$s_h$", vertical=True)
    _dimension(ax, (0, out_h + 1.9), (out_w, out_h + 1.9), rf"$(W + s_w)\cdot {COLS} - s_w = {out_w}$")
    _dimension(ax, (-2.3, out_h), (-2.3, 0), rf"$(H + s_h)\cdot {ROWS} - s_h = {out_h}$", vertical=True, turn=True)
    ax.text(
        out_w / 2, -1.6,
        f"img_shape = (H, W) = ({H}, {W})    tile_shape = ({ROWS}, {COLS})"
        f"    tile_spacing = (s_h, s_w) = ({GAP_H}, {GAP_W})",
        ha="center", va="center", fontsize=9,
    )
    ax.text(out_w / 2, -2.7, "grey: spacing, left at 0", ha="center", va="center", fontsize=9, color=INK)
    save(fig, path)


def _pixels(ax, out_h, out_w):
    """One square per pixel of the tiled array: a tile's colour, or grey."""
    for i in range(out_h):
        for j in range(out_w):
            k = _tile_of(i, j)
            face = GREY if k is None else TILE_COLOURS[k % len(TILE_COLOURS)]
            ax.add_patch(Rectangle((j, out_h - 1 - i), 1, 1, facecolor=face, edgecolor="white", lw=0.8))


def _tile_of(i, j):
    """The index of the image that covers pixel (i, j), or None for spacing."""
    r, di = divmod(i, H + GAP_H)
    c, dj = divmod(j, W + GAP_W)
    if di >= H or dj >= W:
        return None
    return r * COLS + c


def _tile_names(ax, out_h):
    """``X[k]`` in the middle of each tile (row-major order)."""
    for r in range(ROWS):
        for c in range(COLS):
            x = c * (W + GAP_W) + W / 2
            y = out_h - r * (H + GAP_H) - H / 2
            ax.text(x, y, f"X[{r * COLS + c}]", ha="center", va="center", fontsize=10, color=INK)


def _dimension(ax, a, b, label, vertical=False, turn=False):
    """A double-headed arrow from ``a`` to ``b`` with its label beside it
    (to its left if ``vertical``, written upwards if ``turn``)."""
    ax.annotate("", xy=b, xytext=a, arrowprops=dict(arrowstyle="<->", color=INK, lw=0.9, shrinkA=0, shrinkB=0))
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    if vertical:
        ax.text(mid[0] - 0.25, mid[1], label, ha="right", va="center", fontsize=9, rotation=90 if turn else 0)
    else:
        ax.text(mid[0], mid[1] + 0.2, label, ha="center", va="bottom", fontsize=9)


FIGURES = {
    "utilities_tiled_mnist": draw_tiled_mnist,
    "utilities_tile_geometry": draw_tile_geometry,
    "utilities_row_scaling": draw_row_scaling,
    "utilities_rgba_tiles": draw_rgba_tiles,
}
