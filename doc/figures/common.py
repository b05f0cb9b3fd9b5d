"""Drawing primitives shared by the chapters' figure modules (doc/figures/).

Every figure of the site is drawn by code: a chapter's module (``lenet.py``,
``rbm.py``, ...) builds its diagrams from these few pieces: a unit (a circle),
a connection (a line or an arrow), a column of units, a box with a label, a
grid of squares (a feature map, an image patch). Labels are English and short:
the figures are shared by the English and the Chinese pages, so whatever needs
words goes in the caption, which each page writes in its own language.
"""

import functools
import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, Rectangle  # noqa: E402

FIGURES = Path(__file__).resolve().parent
DOC = FIGURES.parent
REPO = DOC.parent

# one palette for the whole site: inputs, hidden units, outputs, highlights
INPUT = "#9ecae1"
HIDDEN = "#a1d99b"
OUTPUT = "#fdae6b"
HIGHLIGHT = "#de2d26"
GREY = "#969696"
INK = "#252525"

plt.rcParams.update({"font.family": ["DejaVu Sans"], "font.size": 10})


def canvas(width, height, xlim=None, ylim=None):
    """A figure of ``width`` × ``height`` inches with one axis, no ticks, and
    equal units on both axes (a circle stays round); returns (fig, ax)."""
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_axis_off()
    ax.set_aspect("equal")
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    return fig, ax


def save(fig, path, dpi=110):
    """Write ``fig`` to ``path`` as PNG through a temporary file (two builds
    drawing at once never see half a file), and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.png")
    fig.savefig(tmp, dpi=dpi, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    os.replace(tmp, path)


def unit(ax, xy, radius=0.18, color=HIDDEN, label=None, fontsize=9, edge=INK):
    """A unit (a neuron) at ``xy``, optionally labelled inside."""
    ax.add_patch(Circle(xy, radius, facecolor=color, edgecolor=edge, lw=1, zorder=3))
    if label is not None:
        ax.text(*xy, label, ha="center", va="center", fontsize=fontsize, zorder=4)


def connect(ax, a, b, arrow=False, color=GREY, lw=0.8, radius=0.18, **kw):
    """A connection from the unit at ``a`` to the one at ``b``, starting and
    ending at the circles' rims; an arrow head at ``b`` if ``arrow``."""
    a, b = numpy.asarray(a, float), numpy.asarray(b, float)
    d = b - a
    n = numpy.hypot(*d)
    if n == 0:
        return
    a2, b2 = a + d / n * radius, b - d / n * radius
    style = "-|>" if arrow else "-"
    ax.add_patch(
        FancyArrowPatch(a2, b2, arrowstyle=style, mutation_scale=9, color=color, lw=lw, zorder=2, **kw)
    )


def column(x, n, spacing=0.5, center=0.0):
    """The centres of ``n`` units in a vertical column at ``x``."""
    ys = center + (numpy.arange(n) - (n - 1) / 2) * spacing
    return [(x, y) for y in ys[::-1]]


def row(y, n, spacing=0.5, center=0.0):
    """The centres of ``n`` units in a horizontal row at ``y``."""
    xs = center + (numpy.arange(n) - (n - 1) / 2) * spacing
    return [(x, y) for x in xs]


def box(ax, xy, width, height, text=None, color="white", fontsize=9, edge=INK, lw=1, **kw):
    """A rectangle with its lower left corner at ``xy``, text in its middle."""
    ax.add_patch(Rectangle(xy, width, height, facecolor=color, edgecolor=edge, lw=lw, zorder=1, **kw))
    if text is not None:
        ax.text(xy[0] + width / 2, xy[1] + height / 2, text, ha="center", va="center", fontsize=fontsize, zorder=4)


def grid(ax, xy, rows, cols, cell=0.3, values=None, cmap="Greys", color="white", edge=INK, lw=0.6, fmt=None):
    """A ``rows`` × ``cols`` grid of squares with its lower left corner at
    ``xy``: a feature map or an image patch. ``values`` (rows × cols) shade
    the cells through ``cmap``; ``fmt`` writes each value in its cell."""
    x0, y0 = xy
    if values is not None:
        values = numpy.asarray(values, float)
        lo, hi = values.min(), values.max()
        shade = plt.get_cmap(cmap)
    for r in range(rows):
        for c in range(cols):
            face = color
            if values is not None:
                face = shade(0.15 + 0.7 * (values[r, c] - lo) / ((hi - lo) or 1))
            ax.add_patch(
                Rectangle((x0 + c * cell, y0 + (rows - 1 - r) * cell), cell, cell, facecolor=face, edgecolor=edge, lw=lw)
            )
            if fmt is not None and values is not None:
                ax.text(
                    x0 + (c + 0.5) * cell, y0 + (rows - 1 - r + 0.5) * cell, fmt.format(values[r, c]),
                    ha="center", va="center", fontsize=7,
                )


@functools.cache
def _shipped_mnist():
    """The three splits of the shipped MNIST, read once per process (reading
    the file is the slow part of drawing the figures that show digits)."""
    sys.path.insert(0, str(REPO))
    from deeplearning_tutorials.machinery.data import read_dataset

    return read_dataset()


def mnist(split=0, n=None):
    """The shipped MNIST's ``split`` (0 train, 1 valid, 2 test) as NumPy
    arrays (images n × 784 in [0, 1], labels), the first ``n`` examples."""
    x, y = _shipped_mnist()[split]
    return (x, y) if n is None else (x[:n], y[:n])
