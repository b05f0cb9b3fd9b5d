"""Figures of the autoencoder chapters: dA.md and SdA.md.

* ``autoencoders_architecture``: an autoencoder, x -> y -> z, tied weights;
* ``autoencoders_denoising``: the denoising autoencoder's pipeline, the
  corruption q_D, and the cost that compares z with the clean x;
* ``autoencoders_corruption``: masking noise on real MNIST digits (the
  shipped data set, a fixed NumPy seed);
* ``autoencoders_sda_pretraining``: greedy layer-wise pre-training of a stack
  of three dAs, one per step;
* ``autoencoders_sda_finetuning``: the same stack read as a perceptron with a
  logistic regression on top, trained with the labels.
"""

import numpy
from matplotlib.patches import FancyArrowPatch
from common import (
    GREY,
    HIDDEN,
    HIGHLIGHT,
    INK,
    INPUT,
    OUTPUT,
    box,
    canvas,
    column,
    connect,
    mnist,
    save,
    unit,
)

RADIUS = 0.16  # of a unit in the diagrams of one autoencoder
DROPPED = "#f0f0f0"  # a unit the corruption has set to zero
CORRUPTION = 0.3  # the masking probability of the digits figure
SEED = 1234  # of the digits figure's masks


# ---------------------------------------------------------------- helpers


def dense(ax, left, right, color=GREY, lw=0.5, radius=RADIUS):
    """Connect every unit of ``left`` to every unit of ``right``."""
    for a in left:
        for b in right:
            connect(ax, a, b, color=color, lw=lw, radius=radius)


def units(ax, centres, color, dropped=()):
    """Draw the units at ``centres``; those whose index is in ``dropped``
    are drawn pale and crossed out (set to zero by the corruption)."""
    for i, xy in enumerate(centres):
        if i in dropped:
            unit(ax, xy, RADIUS, DROPPED, edge=GREY)
            ax.plot(*_cross(xy), color=HIGHLIGHT, lw=1.2, zorder=5)
        else:
            unit(ax, xy, RADIUS, color)


def _cross(xy, half=0.09):
    """The two strokes of an x centred on ``xy``, as plot() arguments."""
    x, y = xy
    return [x - half, x + half, None, x - half, x + half], [y - half, y + half, None, y + half, y - half]


def label(ax, xy, text, fontsize=11, color=INK, **kw):
    """A centred label (mathtext allowed)."""
    ax.text(*xy, text, ha="center", va="center", fontsize=fontsize, color=color, **kw)


def arrow(ax, a, b, color=INK, lw=1.2, **kw):
    """An arrow from point ``a`` to point ``b`` (no unit at either end)."""
    connect(ax, a, b, arrow=True, color=color, lw=lw, radius=0, **kw)


def compare(ax, a, b, color=HIGHLIGHT):
    """A dashed two-headed arrow between points ``a`` and ``b``: a cost
    that compares what the two ends hold."""
    ax.add_patch(
        FancyArrowPatch(
            a, b, arrowstyle="<|-|>", mutation_scale=8, color=color, lw=1.2, linestyle="--", zorder=2
        )
    )


def layer_box(ax, centre, width, text, color, height=0.55, lw=1, edge=INK):
    """A layer drawn as a box centred on ``centre``; returns its
    (bottom, top) midpoints, where arrows attach."""
    x, y = centre
    corner = (x - width / 2, y - height / 2)
    box(ax, corner, width, height, text, color=color, fontsize=10, lw=lw, edge=edge)
    return (x, y - height / 2), (x, y + height / 2)


# ------------------------------------------------- the dA chapter's figures


def draw_architecture(path):
    """x (6 units) -> y (3 units) -> z (6 units), with W and W^T."""
    fig, ax = canvas(6.4, 3.3, xlim=(-0.9, 5.9), ylim=(-1.95, 1.75))
    x, y, z = column(0, 6, 0.5), column(2.5, 3, 0.5), column(5, 6, 0.5)
    dense(ax, x, y)
    dense(ax, y, z)
    units(ax, x, INPUT)
    units(ax, y, HIDDEN)
    units(ax, z, OUTPUT)
    label(ax, (0, 1.6), "input $\\mathbf{x}$")
    label(ax, (2.5, 1.6), "code $\\mathbf{y}$")
    label(ax, (5, 1.6), "reconstruction $\\mathbf{z}$")
    encoder = "encoder\n$\\mathbf{y} = s(\\mathbf{W}\\mathbf{x} + \\mathbf{b})$"
    decoder = "decoder\n$\\mathbf{z} = s(\\mathbf{W}^T\\mathbf{y} + \\mathbf{b}')$"
    label(ax, (1.25, -1.55), encoder, fontsize=10)
    label(ax, (3.75, -1.55), decoder, fontsize=10)
    label(ax, (1.25, 1.05), "$\\mathbf{W}$", fontsize=12)
    label(ax, (3.75, 1.05), "$\\mathbf{W}^T$", fontsize=12)
    save(fig, path)


def draw_denoising(path):
    """x -> corruption -> x~ -> y -> z, and the cost L_H(x, z)."""
    fig, ax = canvas(8.2, 3.7, xlim=(-0.8, 8.3), ylim=(-2.2, 1.85))
    x, x_tilde = column(0, 6, 0.5), column(2.2, 6, 0.5)
    y, z = column(4.4, 3, 0.5), column(6.6, 6, 0.5)
    dropped = (1, 4)
    for i, (a, b) in enumerate(zip(x, x_tilde)):
        connect(ax, a, b, arrow=True, color=GREY if i in dropped else INK, lw=0.9, radius=RADIUS)
    kept = [xy for i, xy in enumerate(x_tilde) if i not in dropped]
    dense(ax, kept, y)
    dense(ax, y, z)
    units(ax, x, INPUT)
    units(ax, x_tilde, INPUT, dropped)
    units(ax, y, HIDDEN)
    units(ax, z, OUTPUT)
    label(ax, (0, 1.7), "clean $\\mathbf{x}$")
    label(ax, (2.2, 1.7), "corrupted $\\tilde{\\mathbf{x}}$")
    label(ax, (4.4, 1.7), "code $\\mathbf{y}$")
    label(ax, (6.6, 1.7), "reconstruction $\\mathbf{z}$")
    label(ax, (1.1, 1.0), "$q_D(\\tilde{\\mathbf{x}}|\\mathbf{x})$", fontsize=10)
    label(ax, (3.3, 1.22), "$\\mathbf{W}$", fontsize=11)
    label(ax, (5.5, 1.22), "$\\mathbf{W}^T$", fontsize=11)
    # the cost compares the reconstruction with the clean input
    cost = "$L_H(\\mathbf{x}, \\mathbf{z})$"
    box(ax, (6.95, -2.1), 1.3, 0.55, cost, color="white", fontsize=10, edge=HIGHLIGHT)
    arrow(ax, (6.6, -1.45), (7.2, -1.55), color=HIGHLIGHT, lw=1)
    arrow(ax, (0, -1.45), (6.95, -1.9), color=HIGHLIGHT, lw=1, linestyle="--",
          connectionstyle="arc3,rad=0.12")
    save(fig, path)


def _masked_digits(n, level, seed):
    """The first ``n`` training digits, their masks (each pixel kept with
    probability 1 - level) and the masked digits, as 28 x 28 images."""
    images, _ = mnist(0, n)
    mask = numpy.random.RandomState(seed).binomial(1, 1 - level, size=images.shape)
    shape = (n, 28, 28)
    return images.reshape(shape), mask.reshape(shape), (mask * images).reshape(shape)


def draw_corruption(path):
    """Rows of digits: clean x, the mask, x~ = mask * x, and the target x."""
    import matplotlib.pyplot as plt

    n = 4
    clean, mask, corrupted = _masked_digits(n, CORRUPTION, SEED)
    titles = [
        "clean $\\mathbf{x}$",
        "mask (30 % zeros)",
        "corrupted $\\tilde{\\mathbf{x}}$",
        "target $\\mathbf{x}$",
    ]
    fig, axes = plt.subplots(n, 4, figsize=(6.0, 1.55 * n))
    for r in range(n):
        for c, image in enumerate((clean[r], mask[r], corrupted[r], clean[r])):
            ax = axes[r, c]
            ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            edge = HIGHLIGHT if c == 2 else INK
            for spine in ax.spines.values():
                spine.set_edgecolor(edge)
            if r == 0:
                ax.set_title(titles[c], fontsize=10)
    fig.tight_layout(h_pad=0.4, w_pad=0.6)
    save(fig, path)


# ------------------------------------------------ the SdA chapter's figures

# the stack of the SdA chapter: (name, size) from the input up
LAYERS = [
    ("$\\mathbf{x}$", 784),
    ("$\\mathbf{h}^{(1)}$", 1000),
    ("$\\mathbf{h}^{(2)}$", 1000),
    ("$\\mathbf{h}^{(3)}$", 1000),
]
CORRUPTIONS = [0.1, 0.2, 0.3]
STEP = 1.25  # vertical distance between two layers
WIDTH = 1.65  # of a layer's box


def _stack(ax, x0, top, trained_upto, current=None):
    """The layers ``0 .. top`` of the stack at ``x0``, bottom up; returns
    the (bottom, top) attachment points of each box. Layers above
    ``trained_upto`` are pale; the layer ``current`` and the weights below
    it, the ones being trained, are red."""
    ends = []
    for k in range(top + 1):
        name, size = LAYERS[k]
        color = INPUT if k == 0 else (HIDDEN if k <= trained_upto else DROPPED)
        edge, lw = (HIGHLIGHT, 2) if k == current else (INK, 1)
        ends.append(layer_box(ax, (x0, k * STEP), WIDTH, f"{name}  ({size})", color, lw=lw, edge=edge))
    for k in range(top):
        trained_now = k + 1 == current
        color, lw = (HIGHLIGHT, 1.8) if trained_now else (INK, 1.2)
        arrow(ax, ends[k][1], ends[k + 1][0], color=color, lw=lw)
    return ends


def _pretraining_step(ax, x0, k):
    """Step ``k`` (1-based) of pre-training: the frozen layers below, the
    dA of layer k on top of them, its reconstruction z of h^(k-1) beside
    them, and the cost between the two."""
    ends = _stack(ax, x0, k, trained_upto=k, current=k)
    lower_y = (k - 1) * STEP
    _, size = LAYERS[k - 1]
    # the dA's decoder: from h^(k) back to a reconstruction of its input
    rec = (x0 + 2.3, lower_y)
    bottom, top = layer_box(ax, rec, 1.3, "$\\mathbf{z}$  (%d)" % size, OUTPUT)
    arrow(ax, (x0 + WIDTH / 2, k * STEP), top, color=HIGHLIGHT, lw=1.2, connectionstyle="arc3,rad=-0.35")
    label(ax, (rec[0] + 0.3, k * STEP - 0.2), "$\\mathbf{W}^{(%d)T}$" % k, fontsize=9)
    # the cost compares z with the clean input of this dA
    compare(ax, (x0 + WIDTH / 2, lower_y), (rec[0] - 0.65, lower_y))
    label(ax, (x0 + 1.15, lower_y - 0.45), "$L_H$", fontsize=10, color=HIGHLIGHT)
    encoder = "$\\mathbf{W}^{(%d)}$\n$\\nu = %.1f$" % (k, CORRUPTIONS[k - 1])
    label(ax, (x0 - 1.2, lower_y + 0.5 * STEP), encoder, fontsize=9)
    label(ax, (x0 + 0.6, -0.95), "step %d: dA %d" % (k, k), fontsize=10, fontweight="bold")


def draw_sda_pretraining(path):
    """Three panels: the dA of layer 1, then 2, then 3, each trained on the
    code of the layers below."""
    fig, ax = canvas(10.5, 5.0, xlim=(-2.0, 14.6), ylim=(-1.25, 3 * STEP + 0.5))
    for k in (1, 2, 3):
        _pretraining_step(ax, (k - 1) * 5.3, k)
    save(fig, path)


def draw_sda_finetuning(path):
    """The stack as an MLP: x -> h1 -> h2 -> h3 -> logistic regression,
    and the gradient of the NLL flowing down through every layer."""
    fig, ax = canvas(4.8, 5.8, xlim=(-2.6, 2.9), ylim=(-0.5, 4 * STEP + 1.0))
    ends = _stack(ax, 0, 3, trained_upto=3)
    for k in range(3):
        label(ax, (-0.95, (k + 0.5) * STEP), "$\\mathbf{W}^{(%d)}$" % (k + 1), fontsize=9)
    bottom, top = layer_box(ax, (0, 4 * STEP), WIDTH, "logistic  (10)", OUTPUT)
    arrow(ax, ends[3][1], bottom)
    label(ax, (-0.95, 3.5 * STEP), "$\\mathbf{W}^{(4)}$", fontsize=9)
    label(ax, (0, 4 * STEP + 0.7), "$P(Y = i \\mid \\mathbf{x})$", fontsize=10)
    # the supervised gradient reaches every layer
    arrow(ax, (1.4, 4 * STEP + 0.1), (1.4, -0.1), color=HIGHLIGHT, lw=2.2)
    label(ax, (2.2, 2 * STEP), "gradient\nof the NLL", fontsize=9, color=HIGHLIGHT)
    save(fig, path)


FIGURES = {
    "autoencoders_architecture": draw_architecture,
    "autoencoders_denoising": draw_denoising,
    "autoencoders_corruption": draw_corruption,
    "autoencoders_sda_pretraining": draw_sda_pretraining,
    "autoencoders_sda_finetuning": draw_sda_finetuning,
}
