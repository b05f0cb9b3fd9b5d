"""Figures of the RBM and DBN chapters (doc/rbm.md, doc/DBN.md).

Diagrams of the models (a Boltzmann machine, an RBM, the Gibbs chain, a deep
belief network as a generative model, its greedy pre-training and the
perceptron it becomes), and the filters and samples of the recorded RBM runs,
read from their PNGs under results/ and shown with the record's path as title.
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
    connect,
    row,
    save,
    unit,
)
from PIL import Image

RADIUS = 0.18


# --- shared pieces ---------------------------------------------------------


def layer(ax, y, n, color, spacing=0.6, center=0.0, labels=None):
    """A horizontal layer of ``n`` units at height ``y``; returns their centres."""
    centres = row(y, n, spacing=spacing, center=center)
    for k, xy in enumerate(centres):
        unit(ax, xy, radius=RADIUS, color=color, label=None if labels is None else labels[k])
    return centres


def link_all(ax, lower, upper, direction=None, color=GREY, lw=0.7):
    """Connect every unit of ``lower`` to every unit of ``upper``: undirected
    (``None``), with arrow heads pointing ``"up"`` or ``"down"``."""
    for a in lower:
        for b in upper:
            if direction == "down":
                connect(ax, b, a, arrow=True, color=color, lw=lw, radius=RADIUS)
            else:
                connect(ax, a, b, arrow=direction == "up", color=color, lw=lw, radius=RADIUS)


def link_within(ax, units, color=GREY, bend=0.45, lw=0.7):
    """Arcs between every pair of units of one layer (a Boltzmann machine's
    lateral connections), bending away from the layer's line."""
    for i, a in enumerate(units):
        for b in units[i + 1 :]:
            connect(ax, a, b, color=color, lw=lw, radius=RADIUS, connectionstyle=f"arc3,rad={bend}")


def label(ax, xy, text, ha="left", fontsize=10, color=INK):
    """A short label (mathtext allowed) at ``xy``."""
    ax.text(*xy, text, ha=ha, va="center", fontsize=fontsize, color=color)


def two_layers(ax, n_visible=6, n_hidden=4, y_visible=0.0, y_hidden=1.6):
    """The visible row (below) and hidden row (above) of a Boltzmann machine,
    labelled on the right; returns (visible, hidden) centres."""
    visible = layer(ax, y_visible, n_visible, INPUT, labels=[f"$v_{j + 1}$" for j in range(n_visible)])
    hidden = layer(ax, y_hidden, n_hidden, HIDDEN, labels=[f"$h_{i + 1}$" for i in range(n_hidden)])
    right = visible[-1][0] + 0.5
    label(ax, (right, y_visible), "visible $v$, bias $b$")
    label(ax, (right, y_hidden), "hidden $h$, bias $c$")
    return visible, hidden


# --- the RBM chapter's diagrams --------------------------------------------


def draw_boltzmann_machine(path):
    """A general Boltzmann machine: every pair of units may be connected."""
    fig, ax = canvas(6.0, 3.4, xlim=(-1.8, 4.3), ylim=(-1.0, 2.6))
    visible, hidden = two_layers(ax)
    link_all(ax, visible, hidden)
    link_within(ax, visible, bend=0.5)
    link_within(ax, hidden, bend=-0.5)
    save(fig, path)


def draw_bipartite(path):
    """An RBM: connections only between the visible and the hidden layer."""
    fig, ax = canvas(6.4, 2.8, xlim=(-2.0, 4.4), ylim=(-0.5, 2.1))
    visible, hidden = two_layers(ax)
    link_all(ax, visible, hidden)
    label(ax, (-1.95, 0.8), "weights $W$", color=HIGHLIGHT)
    save(fig, path)


def state_box(ax, x, y, text, color):
    """A layer's state in the Gibbs chain, as a labelled box centred at (x, y)."""
    box(ax, (x - 0.42, y - 0.25), 0.84, 0.5, text=text, color=color, fontsize=11)


def chain_arrow(ax, a, b, text=None, offset=(0.0, 0.0)):
    """An arrow between two states of the chain, with an optional label."""
    ax.annotate(
        "", xy=b, xytext=a,
        arrowprops=dict(arrowstyle="-|>", color=INK, lw=1.0, shrinkA=0, shrinkB=0),
    )
    if text is not None:
        mid = (numpy.asarray(a) + numpy.asarray(b)) / 2 + numpy.asarray(offset)
        label(ax, mid, text, ha="center", fontsize=9)


def draw_gibbs_chain(path):
    """Block Gibbs sampling: v(0) -> h(0) -> v(1) -> h(1) -> ... -> v(k), h(k)."""
    fig, ax = canvas(8.0, 3.0, xlim=(-0.8, 8.6), ylim=(-1.3, 2.1))
    steps = ["0", "1", "2", "k"]
    xs = [0.0, 2.0, 4.0, 7.2]
    y_v, y_h = 0.0, 1.5
    for x, t in zip(xs, steps):
        state_box(ax, x, y_v, f"$v^{{({t})}}$", INPUT)
        state_box(ax, x, y_h, f"$h^{{({t})}}$", HIDDEN)
        chain_arrow(ax, (x, y_v + 0.25), (x, y_h - 0.25))
    for k in range(2):
        chain_arrow(ax, (xs[k] + 0.42, y_h - 0.25), (xs[k + 1] - 0.42, y_v + 0.25))
    # the chain goes on: from h(2) towards the last steps
    chain_arrow(ax, (xs[2] + 0.42, y_h - 0.25), (xs[2] + 1.2, y_h - 0.9))
    label(ax, (5.65, 0.75), "…", ha="center", fontsize=16)
    chain_arrow(ax, (xs[3] - 1.3, y_h - 0.6), (xs[3] - 0.42, y_v + 0.25))
    label(ax, (xs[0] - 0.12, 0.75), "$P(h|v)$", ha="right", fontsize=9)
    label(ax, (1.0, 1.0), "$P(v|h)$", ha="left", fontsize=9)
    label(ax, (xs[0], -0.55), "start: data", ha="center", fontsize=9)
    label(ax, (xs[3], -0.55), "negative sample", ha="center", fontsize=9)
    ax.annotate(
        "", xy=(xs[3], -0.95), xytext=(xs[0], -0.95),
        arrowprops=dict(arrowstyle="|-|", color=GREY, lw=0.8, mutation_scale=4),
    )
    label(ax, ((xs[0] + xs[3]) / 2, -1.15), "k Gibbs steps", ha="center", fontsize=9, color=GREY)
    save(fig, path)


# --- records under results/ -------------------------------------------------


def show_record(ax, relative_path):
    """Show a grey-scale PNG of a recorded run, titled with its path."""
    image = numpy.asarray(Image.open(REPO / relative_path).convert("L"))
    ax.imshow(image, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_title(relative_path, fontsize=8, family="monospace")
    ax.set_axis_off()


def draw_records(path, relative_paths, width, height, ratios=None):
    """One panel per recorded PNG, side by side."""
    fig, axes = plt.subplots(
        1, len(relative_paths), figsize=(width, height),
        gridspec_kw={"width_ratios": ratios or [1] * len(relative_paths)},
    )
    for ax, relative_path in zip(numpy.atleast_1d(axes), relative_paths):
        show_record(ax, relative_path)
    fig.subplots_adjust(wspace=0.15)
    save(fig, path, dpi=130)


def draw_filters(path):
    """The recorded MRG run's first 100 filters after the last epoch."""
    draw_records(path, ["results/rbm_plots/filters_at_epoch_14.png"], 4.2, 4.4)


def draw_samples(path):
    """The recorded MRG run's samples: 20 chains, rows 1000 Gibbs steps apart."""
    draw_records(path, ["results/rbm_plots/samples.png"], 7.2, 3.9)


def draw_pytensor_rng_records(path):
    """Filters and samples of the first run, drawn with PyTensor's generator."""
    folder = "results/pytensor_rng/rbm_plots/"
    draw_records(path, [folder + "filters_at_epoch_14.png", folder + "samples.png"], 10.0, 3.4, ratios=[1, 2])


# --- the DBN chapter's diagrams ---------------------------------------------

DBN_SIZES = [6, 5, 5, 4]  # units drawn for x = h0, h1, h2, h3
DBN_GAP = 1.3  # vertical distance of two layers


def dbn_layers(ax, center=0.0, colors=None, sizes=DBN_SIZES):
    """The layers x = h0 ... h3 of a DBN, bottom up, named on the left;
    returns a list of each layer's centres."""
    colors = colors or [INPUT] + [HIDDEN] * (len(sizes) - 1)
    layers = []
    for k, (n, color) in enumerate(zip(sizes, colors)):
        layers.append(layer(ax, k * DBN_GAP, n, color, spacing=0.55, center=center))
        name = "$x = h^0$" if k == 0 else f"$h^{k}$"
        label(ax, (center - 1.85, k * DBN_GAP), name, ha="right")
    return layers


def draw_dbn_generative(path):
    """A DBN as a generative model: the top two layers form an undirected
    RBM, every other layer is generated from the one above it."""
    fig, ax = canvas(6.0, 5.0, xlim=(-3.0, 4.4), ylim=(-0.5, 4.4))
    layers = dbn_layers(ax)
    link_all(ax, layers[2], layers[3], color=HIGHLIGHT)
    link_all(ax, layers[1], layers[2], direction="down")
    link_all(ax, layers[0], layers[1], direction="down")
    right = 1.8
    label(ax, (right, 2.5 * DBN_GAP), "$P(h^2, h^3)$: RBM", color=HIGHLIGHT)
    label(ax, (right, 1.5 * DBN_GAP), "$P(h^1 | h^2)$")
    label(ax, (right, 0.5 * DBN_GAP), "$P(x | h^1)$")
    save(fig, path)


def greedy_step(ax, step, center):
    """Panel ``step`` (1 to 3) of greedy pre-training: the layers below feed
    their mean-field output up (grey arrows, frozen); RBM ``step`` trains."""
    sizes = DBN_SIZES[: step + 1]
    colors = [INPUT] + [HIDDEN] * step
    layers = []
    for k, (n, color) in enumerate(zip(sizes, colors)):
        layers.append(layer(ax, k * DBN_GAP, n, color, spacing=0.55, center=center))
    for k in range(step - 1):
        link_all(ax, layers[k], layers[k + 1], direction="up", color="#cccccc", lw=0.5)
    link_all(ax, layers[step - 1], layers[step], color=HIGHLIGHT, lw=0.8)
    label(ax, (center, -0.7), f"train RBM {step}", ha="center")
    label(ax, (center + 1.55, (step - 0.5) * DBN_GAP), f"$W^{step}$", color=HIGHLIGHT)


def draw_dbn_greedy(path):
    """Greedy layer-wise pre-training, one RBM after the other."""
    fig, ax = canvas(9.6, 4.4, xlim=(-1.8, 10.2), ylim=(-1.0, 4.2))
    for step, center in zip((1, 2, 3), (0.0, 4.0, 8.0)):
        greedy_step(ax, step, center)
    save(fig, path)


def draw_dbn_mlp(path):
    """The DBN as a perceptron for fine-tuning: the RBMs' weights and hidden
    biases in sigmoid layers, a logistic regression on top."""
    sizes = DBN_SIZES + [3]
    fig, ax = canvas(6.0, 6.2, xlim=(-3.0, 4.4), ylim=(-0.5, 5.7))
    layers = dbn_layers(ax, sizes=sizes[:-1])
    top = layer(ax, 4 * DBN_GAP, sizes[-1], OUTPUT, spacing=0.55)
    label(ax, (-1.85, 4 * DBN_GAP), "$y$", ha="right")
    for k in range(3):
        link_all(ax, layers[k], layers[k + 1], direction="up")
        label(ax, (1.8, (k + 0.5) * DBN_GAP), f"sigmoid, $W^{k + 1}, c^{k + 1}$")
    link_all(ax, layers[3], top, direction="up", color=OUTPUT)
    label(ax, (1.8, 3.5 * DBN_GAP), "softmax")
    save(fig, path)


FIGURES = {
    "rbm_boltzmann_machine": draw_boltzmann_machine,
    "rbm_bipartite": draw_bipartite,
    "rbm_gibbs_chain": draw_gibbs_chain,
    "rbm_filters": draw_filters,
    "rbm_samples": draw_samples,
    "rbm_pytensor_rng_records": draw_pytensor_rng_records,
    "dbn_generative": draw_dbn_generative,
    "dbn_greedy": draw_dbn_greedy,
    "dbn_mlp": draw_dbn_mlp,
}
