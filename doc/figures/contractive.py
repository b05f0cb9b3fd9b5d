"""Figures of the contractive autoencoder chapter (doc/cA.md).

* ``ca_architecture``: the cA, input -> code -> reconstruction with tied
  weights, one input-to-code sensitivity dh_j/dx_i highlighted, and the two
  terms of the cost (the reconstruction's and the Jacobian penalty);
* ``ca_filters``: the first 100 filters of the recorded 20-epoch run, read
  from its PNG under results/ and titled with the record's path;
* ``ca_contraction``: why saturated units contract: the slope h(1 - h) of a
  sigmoid unit and its square against the pre-activation, and a 2-D toy
  encoder mapping equal small discs of the input plane to the code square.
"""

import matplotlib.pyplot as plt
import numpy
from common import (
    GREY,
    HIDDEN,
    HIGHLIGHT,
    INK,
    INPUT,
    OUTPUT,
    REPO,
    box,
    canvas,
    column,
    connect,
    save,
    unit,
)
from PIL import Image

RADIUS = 0.16  # of a unit in the architecture diagram
FILTERS_RECORD = "results/cA_plots/cae_filters.png"

# the 2-D toy of ca_contraction: a two-unit encoder h = s(W x + b), and the
# centres of equal circles placed along a line through the origin
TOY_W = numpy.array([[1.2, 0.4], [0.3, 1.0]])
TOY_B = numpy.zeros(2)
TOY_DIRECTION = numpy.array([1.0, 0.6])
TOY_STEPS = numpy.linspace(-3.6, 3.6, 7)
TOY_RADIUS = 0.45
# a unit counts as saturated where its squared slope is under 1 % of its peak
SATURATION = 0.01


# ---------------------------------------------------------------- helpers


def sigmoid(a):
    """The logistic sigmoid, element-wise."""
    return 1.0 / (1.0 + numpy.exp(-a))


def label(ax, xy, text, fontsize=11, color=INK, **kw):
    """A centred label (mathtext allowed)."""
    ax.text(*xy, text, ha="center", va="center", fontsize=fontsize, color=color, **kw)


def layer(ax, centres, color):
    """Draw one unit at each of ``centres``."""
    for xy in centres:
        unit(ax, xy, RADIUS, color)


def dense(ax, left, right, skip=None):
    """Connect every unit of ``left`` to every unit of ``right``, except
    the pair ``skip`` (drawn apart, highlighted)."""
    for a in left:
        for b in right:
            if (a, b) != skip:
                connect(ax, a, b, color=GREY, lw=0.5, radius=RADIUS)


def cost_box(ax, centre, text, edge):
    """A term of the cost, as a box centred on ``centre``; returns the
    midpoint of its top edge."""
    width, height = 1.9, 0.55
    x, y = centre
    box(ax, (x - width / 2, y - height / 2), width, height, text, color="white", fontsize=10, edge=edge)
    return x, y + height / 2


def dashed(ax, a, b, color):
    """A dashed arrow from point ``a`` to point ``b``."""
    connect(ax, a, b, arrow=True, color=color, lw=1.0, radius=0, linestyle="--")


# ------------------------------------------------------------- the diagram


def draw_architecture(path):
    """x -> h -> z with W and W^T; the sensitivity of h_j to x_i in red,
    and the cost's two terms: L_rec(x, z) and lambda ||J||_F^2."""
    fig, ax = canvas(7.4, 4.3, xlim=(-1.0, 6.6), ylim=(-2.75, 1.8))
    x, h, z = column(0, 6, 0.5), column(2.8, 4, 0.5), column(5.6, 6, 0.5)
    sensitive = (x[1], h[1])
    dense(ax, x, h, skip=sensitive)
    dense(ax, h, z)
    connect(ax, *sensitive, arrow=True, color=HIGHLIGHT, lw=1.8, radius=RADIUS)
    layer(ax, x, INPUT)
    layer(ax, h, HIDDEN)
    layer(ax, z, OUTPUT)
    for xy, name in zip((x[1], h[1]), ("$x_i$", "$h_j$")):
        label(ax, (xy[0], xy[1]), name, fontsize=8)
    label(ax, (0, 1.62), "input $\\mathbf{x}$")
    label(ax, (2.8, 1.62), "code $\\mathbf{h}$")
    label(ax, (5.6, 1.62), "reconstruction $\\mathbf{z}$")
    label(ax, (1.4, 1.22), "$\\mathbf{W}$", fontsize=12)
    label(
        ax, (1.25, 0.98), "$\\partial h_j / \\partial x_i$", fontsize=11, color=HIGHLIGHT,
        bbox=dict(facecolor="white", edgecolor="none", pad=1.0), zorder=5,
    )
    label(ax, (4.2, 1.22), "$\\mathbf{W}^T$", fontsize=12)
    label(ax, (1.4, -1.62), "$\\mathbf{h} = s(\\mathbf{W}\\mathbf{x} + \\mathbf{b})$", fontsize=10)
    label(ax, (4.2, -1.62), "$\\mathbf{z} = s(\\mathbf{W}^T\\mathbf{h} + \\mathbf{b}')$", fontsize=10)
    # the two terms of the cost: one compares z with x, one measures how
    # much the code moves when the input moves
    penalty_top = cost_box(ax, (1.4, -2.4), "$\\lambda\\,\\|J_f(\\mathbf{x})\\|_F^2$", HIGHLIGHT)
    rec_top = cost_box(ax, (4.2, -2.4), "$L_{rec}(\\mathbf{x}, \\mathbf{z})$", INK)
    dashed(ax, (1.4, -1.9), penalty_top, HIGHLIGHT)
    dashed(ax, (5.6, -1.5), (rec_top[0] + 0.7, rec_top[1]), INK)
    label(ax, (2.8, -2.4), "+", fontsize=14)
    save(fig, path)


# ----------------------------------------------------------- the record


def draw_filters(path):
    """The recorded run's first 100 filters, titled with the record's path."""
    image = numpy.asarray(Image.open(REPO / FILTERS_RECORD).convert("L"))
    fig, ax = plt.subplots(figsize=(4.2, 4.4))
    ax.imshow(image, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_title(FILTERS_RECORD, fontsize=8, family="monospace")
    ax.set_axis_off()
    save(fig, path, dpi=130)


# ---------------------------------------------------------- contraction


def saturation_edge():
    """The pre-activation beyond which (h(1 - h))^2 is under SATURATION of
    its peak 1/16: 4 h (1 - h) = sqrt(SATURATION), solved for h < 1/2."""
    slope = numpy.sqrt(SATURATION) / 4  # h (1 - h) at the edge
    h = (1 - numpy.sqrt(1 - 4 * slope)) / 2
    return numpy.log(1 / h - 1)


def plot_slopes(ax):
    """The sigmoid and its slope, plain and squared, each scaled to a peak of
    one, against the pre-activation; the saturated zones shaded."""
    a = numpy.linspace(-8, 8, 400)
    h = sigmoid(a)
    edge = saturation_edge()
    for lo, hi in ((-8, -edge), (edge, 8)):
        ax.axvspan(lo, hi, color="#eeeeee", zorder=0)
    ax.plot(a, h, color=GREY, lw=1.2, ls=":", label="$h = s(a)$")
    ax.plot(a, 4 * h * (1 - h), color=INPUT, lw=2.0, label="$h(1-h)$, scaled")
    ax.plot(a, (4 * h * (1 - h)) ** 2, color=HIGHLIGHT, lw=2.0, label="$(h(1-h))^2$, scaled")
    ax.text(-edge - 0.25, 0.55, "saturated", ha="right", fontsize=9, color=GREY)
    ax.text(edge + 0.25, 0.55, "saturated", ha="left", fontsize=9, color=GREY)
    ax.set_xlim(-8, 8)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("pre-activation $a_j$")
    ax.set_title("(a) slope of one unit", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", frameon=False)


def toy_circles():
    """The toy's circles: a list of (centre, points on the circle)."""
    angles = numpy.linspace(0, 2 * numpy.pi, 120)
    ring = TOY_RADIUS * numpy.stack([numpy.cos(angles), numpy.sin(angles)], axis=1)
    return [(t * TOY_DIRECTION, t * TOY_DIRECTION + ring) for t in TOY_STEPS]


def encode(points):
    """The toy encoder h = s(W x + b), one point per row."""
    return sigmoid(points @ TOY_W.T + TOY_B)


def plot_toy(ax_input, ax_code):
    """Equal discs in the input plane and their images in the code square,
    in matching colours."""
    colours = plt.get_cmap("viridis")(numpy.linspace(0.05, 0.9, len(TOY_STEPS)))
    for (centre, points), colour in zip(toy_circles(), colours):
        ax_input.fill(*points.T, color=colour, alpha=0.8, lw=0)
        ax_code.fill(*encode(points).T, color=colour, alpha=0.8, lw=0.6, edgecolor=colour)
        ax_code.plot(*encode(centre[None]).T, "o", color=INK, ms=1.5)
    line = numpy.outer(numpy.linspace(-5.2, 5.2, 200), TOY_DIRECTION)
    ax_input.plot(*line.T, color=GREY, lw=0.7, zorder=0)
    ax_code.plot(*encode(line).T, color=GREY, lw=0.7, zorder=0)
    ax_input.set(xlim=(-5.5, 5.5), ylim=(-4.5, 4.5), xlabel="$x_1$", ylabel="$x_2$")
    ax_code.set(xlim=(0, 1), ylim=(0, 1), xlabel="$h_1$", ylabel="$h_2$")
    ax_input.set_title("(b) equal discs, input", fontsize=10)
    ax_code.set_title("(c) their images, code", fontsize=10)
    for ax in (ax_input, ax_code):
        ax.set_aspect("equal")


def draw_contraction(path):
    """(a) the slope curves; (b), (c) the 2-D toy."""
    fig, axes = plt.subplots(1, 3, figsize=(11.0, 3.5), gridspec_kw={"width_ratios": [1.25, 1.15, 0.9]})
    plot_slopes(axes[0])
    plot_toy(axes[1], axes[2])
    fig.tight_layout(w_pad=2.0)
    save(fig, path)


FIGURES = {
    "ca_architecture": draw_architecture,
    "ca_filters": draw_filters,
    "ca_contraction": draw_contraction,
}
