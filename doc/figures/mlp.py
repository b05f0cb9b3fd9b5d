"""Figures of the logistic regression, conjugate gradient and MLP chapters.

``logreg_*`` figures belong to doc/logistic_sgd.md and doc/logistic_cg.md,
``mlp_*`` figures to doc/mlp.md. All are drawn from code: diagrams from the
primitives of ``common.py``, plots from closed-form functions, and the
initialisation histograms from the shipped MNIST (``common.mnist()``) with
the weights drawn as ``deeplearning_tutorials.mlp.HiddenLayer`` draws them.
Nothing is trained here.
"""

import matplotlib.pyplot as plt
import numpy
from common import GREY, HIDDEN, HIGHLIGHT, INK, INPUT, OUTPUT, canvas, column, connect, mnist, save, unit

# three class colours for the two-dimensional illustrations
CLASS_COLOURS = ["#3182bd", "#31a354", "#e6550d"]


# ----------------------------------------------------------------- helpers


def plot_axes(n_panels, width=4.2, height=3.2):
    """A row of ``n_panels`` ordinary plotting axes (ticks, grid); returns
    (fig, [ax, ...])."""
    fig, axes = plt.subplots(1, n_panels, figsize=(width * n_panels, height))
    axes = numpy.atleast_1d(axes)
    for ax in axes:
        ax.grid(True, color="#e0e0e0", lw=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return fig, list(axes)


def softmax(scores):
    """Row-wise softmax of ``scores`` (the last axis), computed stably."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    e = numpy.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def vertical_dots(ax, x, y_top, y_bottom, n=3):
    """An ellipsis: ``n`` small dots spaced evenly between two heights."""
    for y in numpy.linspace(y_top, y_bottom, n + 2)[1:-1]:
        ax.plot([x], [y], "o", color=INK, ms=2.5, zorder=4)


def layer_column(x, n_shown, spacing):
    """Centres of a layer drawn with ``n_shown`` units: the first units, a
    gap for an ellipsis, and the last unit; returns (centres, gap's ends)."""
    slots = column(x, n_shown + 1, spacing=spacing)
    centres = slots[: n_shown - 1] + slots[n_shown:]
    gap = (slots[n_shown - 2][1], slots[n_shown][1])
    return centres, gap


def all_to_all(ax, left, right, color=GREY, lw=0.5):
    """A connection from every unit of ``left`` to every unit of ``right``."""
    for a in left:
        for b in right:
            connect(ax, a, b, color=color, lw=lw)


# ------------------------------------------------------ logistic regression

# a hand-made three-class model on the plane: one column of W per class
TOY_W = numpy.array([[2.0, -1.2, -0.6], [0.4, 1.6, -1.8]])
TOY_B = numpy.array([0.0, 0.3, 0.1])
TOY_POINT = numpy.array([0.35, 0.25])


def draw_logreg_softmax(path):
    """Left: a three-class logistic regression on the plane, each point
    coloured by its predicted class, paler where the model is less sure, the
    boundaries where two scores tie. Right: one input's scores and the
    probabilities the softmax makes of them."""
    fig, (regions, bars) = plot_axes(2, width=4.3, height=3.6)
    draw_class_regions(regions)
    draw_scores_and_probabilities(bars, TOY_POINT @ TOY_W + TOY_B)
    fig.tight_layout()
    save(fig, path)


def draw_class_regions(ax, size=301):
    """The toy model's predicted class over the square [-2, 2]², shaded by
    its confidence, with the tie lines and the point ``TOY_POINT``."""
    grid = numpy.linspace(-2, 2, size)
    gx, gy = numpy.meshgrid(grid, grid)
    p = softmax(numpy.stack([gx.ravel(), gy.ravel()], axis=1) @ TOY_W + TOY_B)
    winner, confidence = p.argmax(axis=1), p.max(axis=1)
    rgb = numpy.array([plt.matplotlib.colors.to_rgb(c) for c in CLASS_COLOURS])[winner]
    sure = (confidence[:, None] - 1 / 3) / (2 / 3)  # 0 at a three-way tie, 1 when certain
    ax.imshow((1 - 0.65 * sure * (1 - rgb)).reshape(size, size, 3), origin="lower", extent=(-2, 2, -2, 2))
    ax.contour(gx, gy, winner.reshape(size, size), levels=[0.5, 1.5], colors=INK, linewidths=1)
    ax.plot(*TOY_POINT, "o", color="white", mec=INK, ms=7, zorder=5)
    ax.annotate("x", TOY_POINT, xytext=(6, 6), textcoords="offset points", fontsize=11)
    for k, colour in enumerate(CLASS_COLOURS):
        ax.plot([], [], "s", color=colour, label=f"class {k}")
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title("predicted class", fontsize=10)
    ax.grid(False)


def draw_scores_and_probabilities(ax, scores):
    """Bars of three class scores beside the softmax probabilities."""
    probabilities = softmax(scores)
    where = numpy.arange(len(scores))
    ax.bar(where - 0.2, scores, 0.38, color=GREY, label="score $z_i$")
    ax.bar(where + 0.2, probabilities, 0.38, color=CLASS_COLOURS, edgecolor=INK, hatch="//", label="probability")
    for k, value in enumerate(probabilities):
        ax.text(k + 0.2, value + 0.03, f"{value:.2f}", ha="center", fontsize=8)
    ax.axhline(0, color=INK, lw=0.8)
    ax.set_xticks(where, [f"class {k}" for k in where])
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("at the point x", fontsize=10)


# an elongated quadratic bowl q(t) = t'At/2 (curvatures 4 and 0.4, its long
# axis turned), minimum at the origin, for the conjugate gradient figure
_TURN = numpy.radians(-35)
_ROTATION = numpy.array([[numpy.cos(_TURN), -numpy.sin(_TURN)], [numpy.sin(_TURN), numpy.cos(_TURN)]])
BOWL_A = _ROTATION @ numpy.diag([4.0, 0.4]) @ _ROTATION.T
BOWL_C = numpy.zeros(2)
BOWL_START = numpy.array([2.0, 1.5])


def descent_path(conjugate, steps):
    """The iterates of exact-line-search descent on the quadratic bowl:
    steepest descent, or (``conjugate``) Fletcher-Reeves conjugate gradients."""
    theta = BOWL_START.copy()
    gradient = BOWL_A @ theta - BOWL_C
    direction = -gradient
    path = [theta.copy()]
    for _ in range(steps):
        if gradient @ gradient < 1e-14:
            break
        alpha = -(gradient @ direction) / (direction @ BOWL_A @ direction)
        theta = theta + alpha * direction
        new_gradient = BOWL_A @ theta - BOWL_C
        beta = (new_gradient @ new_gradient) / (gradient @ gradient) if conjugate else 0.0
        direction = -new_gradient + beta * direction
        gradient = new_gradient
        path.append(theta.copy())
    return numpy.array(path)


def draw_logreg_cg_paths(path):
    """Steepest descent and conjugate gradients, both with exact line
    searches, from the same start on the same elongated quadratic bowl."""
    xlim, ylim = (-0.9, 2.6), (-0.7, 2.3)
    fig, ax = canvas(5.0, 4.3, xlim=xlim, ylim=ylim)
    grid_x, grid_y = numpy.meshgrid(numpy.linspace(*xlim, 200), numpy.linspace(*ylim, 200))
    stacked = numpy.stack([grid_x, grid_y], axis=-1)
    q = 0.5 * numpy.einsum("...i,ij,...j->...", stacked, BOWL_A, stacked)
    ax.contour(grid_x, grid_y, q, levels=numpy.geomspace(0.01, 4, 9), colors="#bdbdbd", linewidths=0.8)
    steepest = descent_path(conjugate=False, steps=12)
    cg = descent_path(conjugate=True, steps=12)
    ax.plot(*cg.T, "-o", color=HIGHLIGHT, ms=6, lw=3, alpha=0.85, label=f"conjugate gradients ({len(cg) - 1} steps)")
    ax.plot(*steepest.T, "-o", color=INK, ms=3, lw=1, label=f"steepest descent (first {len(steepest) - 1} steps)")
    ax.plot(0, 0, "*", color=INK, ms=12, zorder=5)
    ax.annotate("minimum", (0, 0), xytext=(-20, -16), textcoords="offset points", fontsize=9)
    ax.annotate("start", BOWL_START, xytext=(6, 6), textcoords="offset points", fontsize=9)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.95)
    save(fig, path)


# --------------------------------------------------------------------- MLP


def draw_mlp_architecture(path):
    """The tutorial's MLP: 784 inputs, 500 tanh hidden units, 10 softmax
    outputs, a few units of each layer drawn and the rest elided."""
    fig, ax = canvas(7.2, 4.6, xlim=(-0.9, 6.9), ylim=(-2.25, 2.75))
    spacing = 0.62
    layers = [
        (0.0, 5, INPUT, "x", "784", "input"),
        (3.0, 5, HIDDEN, "h", "500", "hidden"),
        (6.0, 4, OUTPUT, "o", "10", "output"),
    ]
    drawn = []
    for x, n_shown, colour, symbol, last, title in layers:
        centres, (top, bottom) = layer_column(x, n_shown, spacing)
        names = [f"${symbol}_{{{i + 1}}}$" for i in range(n_shown - 1)] + [f"${symbol}_{{{last}}}$"]
        drawn.append((centres, colour, names))
        vertical_dots(ax, x, top - 0.12, bottom + 0.12)
        ax.text(x, 2.1, title, ha="center", fontsize=10, weight="bold")
        ax.text(x, 1.82, f"{last} units", ha="center", fontsize=8.5, color="#555555")
    for (left, _, _), (right, _, _) in zip(drawn, drawn[1:]):
        all_to_all(ax, left, right)
    for centres, colour, names in drawn:
        for centre, name in zip(centres, names):
            unit(ax, centre, radius=0.24, color=colour, label=name, fontsize=8.5)
    label_parameters_and_activations(ax)
    save(fig, path)


def label_parameters_and_activations(ax):
    """The architecture's labels: each weight matrix with its shape between
    the layers, each activation under its layer."""
    for x, layer, shape in ((1.5, 1, "784 × 500"), (4.5, 2, "500 × 10")):
        ax.text(x, 2.45, f"$W^{{({layer})}}, b^{{({layer})}}$", ha="center", fontsize=11)
        ax.text(x, 2.12, shape, ha="center", fontsize=8.5, color="#555555")
    for x, activation in ((3.0, "tanh"), (6.0, "softmax")):
        ax.text(x, -2.0, activation, ha="center", fontsize=9, style="italic")


def draw_mlp_activations(path):
    """tanh and the logistic sigmoid (left) and their derivatives (right)."""
    a = numpy.linspace(-5, 5, 401)
    sigmoid = 1 / (1 + numpy.exp(-a))
    tanh = numpy.tanh(a)
    fig, (values, slopes) = plot_axes(2, width=4.0, height=3.0)
    values.plot(a, tanh, color=HIGHLIGHT, lw=2, label="tanh(a)")
    values.plot(a, sigmoid, color="#3182bd", lw=2, label="sigmoid(a)")
    values.set_title("activation", fontsize=10)
    slopes.plot(a, 1 - tanh**2, color=HIGHLIGHT, lw=2, label="1 − tanh²(a)")
    slopes.plot(a, sigmoid * (1 - sigmoid), color="#3182bd", lw=2, label="σ(a)(1 − σ(a))")
    slopes.set_title("derivative", fontsize=10)
    for ax in (values, slopes):
        ax.axhline(0, color=INK, lw=0.6)
        ax.axvline(0, color=INK, lw=0.6)
        ax.set_xlabel("a")
        ax.legend(fontsize=8, loc="upper left")
    slopes.set_ylim(-0.05, 1.25)
    values.set_ylim(-1.15, 1.4)
    fig.tight_layout()
    save(fig, path)


def glorot_bound(fan_in, fan_out):
    """Half-width of the tutorial's uniform initialisation interval."""
    return numpy.sqrt(6.0 / (fan_in + fan_out))


def draw_mlp_init_scales(path):
    """Histograms of the 500 tanh units' outputs on 1000 MNIST training
    images at initialisation, for a tenth of the tutorial's interval, the
    interval itself (the tutorial's first draw, RandomState(1234)), and ten
    times it."""
    images, _ = mnist(0, 1000)
    bound = glorot_bound(784, 500)
    weights = numpy.random.RandomState(1234).uniform(-bound, bound, size=(784, 500))
    cases = [(0.1, "0.1 × interval"), (1.0, "Glorot interval"), (10.0, "10 × interval")]
    fig, axes = plot_axes(3, width=3.2, height=2.7)
    for ax, (scale, title) in zip(axes, cases):
        hidden = numpy.tanh(images @ (scale * weights)).ravel()
        slope = numpy.mean(1 - hidden**2)
        ax.hist(hidden, bins=numpy.linspace(-1, 1, 61), color=HIDDEN, edgecolor="#31a354", lw=0.3)
        ax.set_title(f"{title}\nmean s'(a) = {slope:.2f}", fontsize=10)
        ax.set_xlabel("tanh output h")
        ax.set_yticks([])
    axes[0].set_ylabel("count")
    fig.tight_layout()
    save(fig, path)


FIGURES = {
    "logreg_softmax": draw_logreg_softmax,
    "logreg_cg_paths": draw_logreg_cg_paths,
    "mlp_architecture": draw_mlp_architecture,
    "mlp_activations": draw_mlp_activations,
    "mlp_init_scales": draw_mlp_init_scales,
}
