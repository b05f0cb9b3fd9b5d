"""The figures of the Getting Started chapter (doc/gettingstarted.md).

* ``gettingstarted_mnist_digits``: the first image of each digit in the
  shipped MNIST training split;
* ``gettingstarted_flatten``: how a 28 x 28 image becomes a row of 784 pixels;
* ``gettingstarted_givens_minibatch``: the shared data set and the rows that
  ``givens`` hands to a compiled function for minibatch ``index``;
* ``gettingstarted_losses``: the zero-one loss and the negative log-likelihood
  as functions of the probability given to the right class;
* ``gettingstarted_sgd_paths``: gradient descent, SGD and minibatch SGD on the
  same least-squares problem;
* ``gettingstarted_regularizers``: the L1 and L2 penalties, and where each
  moves the minimum;
* ``gettingstarted_early_stopping``: the patience rule replayed on the
  recorded default run of logistic_sgd (``results/logistic_sgd.log``).
"""

import json
import re
import sys

import numpy
from common import DOC, GREY, HIDDEN, HIGHLIGHT, INK, INPUT, REPO, box, canvas, mnist, save

import matplotlib.pyplot as plt

sys.path.insert(0, str(DOC / "_ext"))
from dlt_generate import parse_log  # noqa: E402

SIDE = 28  # MNIST images are SIDE x SIDE pixels
# darker shades of the site's INPUT and OUTPUT, for thin lines and text
DARK_BLUE, DARK_ORANGE = "#3182bd", "#e6550d"


def _image_axes(ax):
    """An axis that shows an image and nothing else."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color(GREY)


# ---------------------------------------------------------------- the data


def draw_mnist_digits(path):
    """The first training image of each class 0..9, with its index and label."""
    x, y = mnist(0)
    fig, axes = plt.subplots(1, 10, figsize=(9, 1.45))
    for digit, ax in enumerate(axes):
        i = int(numpy.argmax(y == digit))
        ax.imshow(x[i].reshape(SIDE, SIDE), cmap="gray", vmin=0, vmax=1)
        _image_axes(ax)
        ax.set_title(f"i = {i}\ny = {digit}", fontsize=9)
    save(fig, path)


# rows of the image marked in both views of draw_flatten, and their colours
MARKED_ROWS = {7: DARK_BLUE, 14: HIGHLIGHT, 21: DARK_ORANGE}


def draw_flatten(path):
    """A 28 x 28 image and the row of 784 values the models read, with three
    image rows marked at the positions they take in the row."""
    x, y = mnist(0)
    pixels = x[0]
    fig = plt.figure(figsize=(9, 3.1))
    image_ax = fig.add_axes([0.0, 0.12, 0.26, 0.80])
    strip_ax = fig.add_axes([0.32, 0.50, 0.66, 0.14])
    image_ax.imshow(pixels.reshape(SIDE, SIDE), cmap="gray", vmin=0, vmax=1)
    _image_axes(image_ax)
    image_ax.set_title(f"x(0): 28 x 28 pixels, y(0) = {y[0]}", fontsize=9)
    strip_ax.imshow(pixels[None, :], cmap="gray", vmin=0, vmax=1, aspect="auto",
                    extent=(0, SIDE * SIDE, 0, 1), interpolation="nearest")
    strip_ax.set_yticks([])
    strip_ax.set_xticks([0, 196, 392, 588, 784])
    strip_ax.set_xlabel("position j in the vector x (784 floats in [0, 1])", fontsize=9)
    strip_ax.set_title("x(0) as the models read it: row r is x[28 r : 28 r + 28]", fontsize=9, pad=44)
    for r, colour in MARKED_ROWS.items():
        image_ax.add_patch(plt.Rectangle((-0.5, r - 0.5), SIDE, 1, fill=False, edgecolor=colour, lw=2))
        strip_ax.add_patch(plt.Rectangle((SIDE * r, 0), SIDE, 1, fill=False, edgecolor=colour, lw=2))
        strip_ax.annotate(f"row {r}", (SIDE * r + SIDE / 2, 1), xytext=(SIDE * r + SIDE / 2, 1.7),
                          ha="center", fontsize=8, color=colour,
                          arrowprops=dict(arrowstyle="-", color=colour, lw=1))
    save(fig, path)


# the default run of logistic_sgd: 50,000 training images, minibatches of 600
N_TRAIN, BATCH_SIZE = 50_000, 600


def _minibatch_bands(ax, x0, width, top, band, shown, index, label_left):
    """Draw the minibatches ``shown`` of a shared variable as stacked bands
    from ``top`` downwards, ``index`` highlighted; returns the y of the
    highlighted band's middle."""
    n_batches = N_TRAIN // BATCH_SIZE
    y_mid = None
    y = top
    for k in shown:
        y -= band
        if k is None:  # the minibatches left out of the drawing
            ax.text(x0 + width / 2, y + band / 2, "...", ha="center", va="center", fontsize=12)
            continue
        if k == n_batches:  # the remainder, never a whole minibatch
            rows = f"{k * BATCH_SIZE}:{N_TRAIN}"
            box(ax, (x0, y), width, band, color="white", edge=GREY, hatch="///")
            colour_text = GREY
        else:
            rows = f"{k * BATCH_SIZE}:{(k + 1) * BATCH_SIZE}"
            colour = HIGHLIGHT if k == index else INPUT
            box(ax, (x0, y), width, band, color=colour, lw=1.6 if k == index else 1)
            colour_text = HIGHLIGHT if k == index else INK
            if k == index:
                y_mid = y + band / 2
        if label_left:
            name = "unused" if k == n_batches else f"index {k}"
            ax.text(x0 - 0.12, y + band / 2, f"{name}  [{rows}]", ha="right", va="center",
                    fontsize=8.5, color=colour_text)
    return y_mid


def draw_givens_minibatch(path):
    """train_set_x and train_set_y as stacks of minibatches; the slice
    index * batch_size : (index + 1) * batch_size of both goes to x and y."""
    fig, ax = canvas(9.2, 5.2, xlim=(-2.6, 9.0), ylim=(-0.6, 6.2))
    index = 2
    shown = [0, 1, 2, 3, None, 81, 82, N_TRAIN // BATCH_SIZE]
    band, top = 0.62, 5.3
    ax.text(1.2, top + 0.15, "train_set_x\n50000 x 784", ha="center", fontsize=9, family="monospace")
    ax.text(3.35, top + 0.15, "train_set_y\n50000", ha="center", fontsize=9, family="monospace")
    ax.text(-0.12, top + 0.15, "index  [rows]\nbatch_size = 600", ha="right", fontsize=8.5, color=GREY)
    y_x = _minibatch_bands(ax, 0.0, 2.4, top, band, shown, index, label_left=True)
    _minibatch_bands(ax, 3.15, 0.4, top, band, shown, index, label_left=False)
    ax.text(1.55, top - len(shown) * band - 0.35, "shared variables: stored once, on the device",
            ha="center", fontsize=8.5, color=INK)
    # the compiled function and what givens substitutes
    fx, fy, fw, fh = 5.0, y_x - 1.25, 3.8, 2.5
    box(ax, (fx, fy), fw, fh, color=HIDDEN)
    ax.text(fx + fw / 2, fy + fh - 0.35, "train_model(index = 2)", ha="center", fontsize=9.5,
            family="monospace")
    ax.text(fx + fw / 2, fy + fh / 2 - 0.1,
            "givens:\nx <- train_set_x[1200:1800]\ny <- train_set_y[1200:1800]",
            ha="center", va="center", fontsize=8.5, family="monospace", linespacing=1.6)
    ax.text(fx + fw / 2, fy + 0.3, "one SGD step on 600 examples", ha="center", fontsize=8.5)
    ax.annotate("", (fx, y_x), (3.6, y_x),
                arrowprops=dict(arrowstyle="-|>", color=HIGHLIGHT, lw=1.6, mutation_scale=12))
    ax.text(4.3, y_x + 0.15, "a slice,\nno copy", ha="center", va="bottom", fontsize=8.5, color=HIGHLIGHT)
    save(fig, path)


# ----------------------------------------------------------- the losses


N_CLASSES = 10


def draw_losses(path):
    """Zero-one loss and NLL of one example against p = P(Y = y | x) for 10
    classes: below 1/10 the example is surely misclassified, above 1/2
    surely right, in between it depends on the other classes."""
    p = numpy.linspace(0.005, 1.0, 400)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    low, high = 1 / N_CLASSES, 0.5
    ax.axvspan(low, high, color=GREY, alpha=0.18, lw=0)
    ax.text((low + high) / 2, 2.35, "0 or 1:\ndepends on\nthe other\nclasses", ha="center",
            fontsize=8.5, color=INK)
    ax.plot([0, low], [1, 1], color=HIGHLIGHT, lw=2.5, label="zero-one loss")
    ax.plot([high, 1], [0, 0], color=HIGHLIGHT, lw=2.5)
    ax.plot(p, -numpy.log(p), color=INK, lw=2, label="NLL = -log p")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.15, 4.2)
    ax.set_xticks([0, low, 0.25, high, 0.75, 1])
    ax.set_xticklabels(["0", "1/10", "0.25", "1/2", "0.75", "1"])
    ax.set_xlabel("p = P(Y = y | x), the probability of the right class")
    ax.set_ylabel("loss of one example")
    ax.legend(frameon=False, loc="upper right")
    ax.spines[["top", "right"]].set_visible(False)
    save(fig, path)


# ------------------------------------------------------ gradient descent


def least_squares_problem(n=500, seed=1234):
    """``(X, t, w_star)``: ``n`` inputs with two correlated features and
    noisy targets, so that the loss has elongated elliptic contours."""
    rng = numpy.random.default_rng(seed)
    features = rng.normal(size=(n, 2)) @ numpy.array([[1.0, 0.0], [0.6, 0.6]])
    w_true = numpy.array([1.0, -1.0])
    targets = features @ w_true + rng.normal(scale=0.5, size=n)
    w_star = numpy.linalg.lstsq(features, targets, rcond=None)[0]
    return features, targets, w_star


def mean_squared_loss(w, features, targets):
    """(1/2n) sum_i (x_i . w - t_i)^2 for each row of ``w``, expanded as
    (w' A w - 2 c' w + t' t / n) / 2 with A = X'X / n and c = X't / n."""
    w, n = numpy.atleast_2d(w), len(targets)
    a, c = features.T @ features / n, features.T @ targets / n
    quadratic = numpy.einsum("ki,ij,kj->k", w, a, w)
    return 0.5 * (quadratic - 2 * w @ c + targets @ targets / n)


def descend(features, targets, batch_size, steps, learning_rate, start, seed=0):
    """The path of minibatch SGD: each step takes the gradient of the mean
    loss over ``batch_size`` examples drawn in a shuffled order (all of
    them: plain gradient descent)."""
    rng = numpy.random.default_rng(seed)
    order = rng.permutation(len(targets))
    w = numpy.array(start, float)
    path = [w.copy()]
    for step in range(steps):
        rows = numpy.take(order, range(step * batch_size, (step + 1) * batch_size), mode="wrap")
        x, t = features[rows], targets[rows]
        gradient = x.T @ (x @ w - t) / len(rows)
        w = w - learning_rate * gradient
        path.append(w.copy())
    return numpy.array(path)


def draw_sgd_paths(path):
    """The same 40 steps from the same start, with the gradient of all 500
    examples, of one, and of a minibatch of 20, over the contours of the
    full loss."""
    features, targets, w_star = least_squares_problem()
    start, steps, rate = (-1.5, 2.5), 40, 0.4
    a, b = numpy.meshgrid(numpy.linspace(-2.2, 3.2, 200), numpy.linspace(-3.2, 3.2, 200))
    grid_w = numpy.stack([a.ravel(), b.ravel()], axis=1)
    loss = mean_squared_loss(grid_w, features, targets).reshape(a.shape)
    levels = mean_squared_loss(w_star, features, targets) + numpy.geomspace(0.02, 6, 9)
    runs = [("gradient descent, B = 500", len(targets)), ("SGD, B = 1", 1), ("minibatch SGD, B = 20", 20)]
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6), sharey=True)
    for ax, (title, batch) in zip(axes, runs):
        ax.contour(a, b, loss, levels=levels, colors=GREY, linewidths=0.7)
        w = descend(features, targets, batch, steps, rate, start)
        ax.plot(w[:, 0], w[:, 1], "-o", color=HIGHLIGHT, ms=2.5, lw=1)
        ax.plot(*start, "s", color=INK, ms=5)
        ax.plot(*w_star, "*", color=INK, ms=11)
        ax.set_title(f"{title}\n{steps} steps, {steps * batch} examples", fontsize=9)
        ax.set_xlabel("w1")
        ax.set_xlim(a.min(), a.max())
        ax.set_ylim(b.min(), b.max())
        ax.set_aspect("equal")
    axes[0].set_ylabel("w2")
    save(fig, path)


# -------------------------------------------------------- regularisation


def constrained_minimum(centre, curvature, boundary):
    """The point of ``boundary`` (an array of points) where the quadratic
    (w - centre)' curvature (w - centre) is smallest, and its value."""
    d = boundary - centre
    values = numpy.einsum("ni,ij,nj->n", d, curvature, d)
    k = int(numpy.argmin(values))
    return boundary[k], values[k]


def _penalty_panel(ax):
    """|w| and w^2 for one weight w."""
    w = numpy.linspace(-2, 2, 201)
    ax.plot(w, numpy.abs(w), color=HIGHLIGHT, lw=2, label="L1: |w|")
    ax.plot(w, w**2, color=INK, lw=2, label="L2: w^2")
    ax.set_title("penalty of one weight", fontsize=9)
    ax.set_xlabel("one weight w")
    ax.set_ylabel("penalty")
    ax.set_ylim(0, 2.6)
    ax.legend(frameon=False, loc="upper center")
    ax.spines[["top", "right"]].set_visible(False)


# a quadratic stand-in for the NLL: its minimum, its curvature, and the
# window of the constraint panel
NLL_CENTRE = numpy.array([1.2, 1.9])
NLL_CURVATURE = numpy.array([[0.4, 0.0], [0.0, 1.0]])
WINDOW = ((-1.8, 3.8), (-1.4, 3.4))


def _unit_balls(n=4001):
    """Points on the boundaries of ||w||_2 <= 1 (a circle) and ||w||_1 <= 1
    (a diamond), the corners included."""
    angle = numpy.linspace(0, 2 * numpy.pi, n)
    circle = numpy.stack([numpy.cos(angle), numpy.sin(angle)], axis=1)
    return circle, circle / numpy.abs(circle).sum(axis=1, keepdims=True)


def _constraint_panel(ax):
    """The quadratic's contours, the L1 diamond and the L2 disc, and the
    minimum of the quadratic within each, with the contour through it."""
    (x0, x1), (y0, y1) = WINDOW
    a, b = numpy.meshgrid(numpy.linspace(x0, x1, 300), numpy.linspace(y0, y1, 300))
    d = numpy.stack([a - NLL_CENTRE[0], b - NLL_CENTRE[1]], axis=-1)
    quadratic = numpy.einsum("...i,ij,...j->...", d, NLL_CURVATURE, d)
    ax.contour(a, b, quadratic, levels=[0.1, 0.3, 0.6], colors=GREY, linewidths=0.7)
    ax.axhline(0, color=GREY, lw=0.6)
    ax.axvline(0, color=GREY, lw=0.6)
    circle, diamond = _unit_balls()
    for shape, colour, name, label_at in ((diamond, HIGHLIGHT, "L1", (-1.7, 2.5)), (circle, INK, "L2", (1.45, 0.15))):
        ax.fill(shape[:, 0], shape[:, 1], color=colour, alpha=0.12)
        ax.plot(shape[:, 0], shape[:, 1], color=colour, lw=1.5)
        best, level = constrained_minimum(NLL_CENTRE, NLL_CURVATURE, shape)
        ax.contour(a, b, quadratic, levels=[level], colors=colour, linewidths=1.2, linestyles="--")
        ax.plot(*best, "o", color=colour, ms=7, zorder=5)
        ax.annotate(f"{name} minimum\n({best[0]:.2f}, {best[1]:.2f})", best, xytext=label_at,
                    fontsize=8.5, color=colour, arrowprops=dict(arrowstyle="->", color=colour, lw=0.8))
    ax.plot(*NLL_CENTRE, "*", color=INK, ms=11)
    ax.annotate("NLL minimum", NLL_CENTRE, xytext=NLL_CENTRE + numpy.array([0.15, 0.12]), fontsize=8.5)
    ax.set_title("NLL minimised within ||w||_1 <= 1 or ||w||_2 <= 1", fontsize=9)
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    ax.set_aspect("equal")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def draw_regularizers(path):
    """Left: |w| and w^2 for one weight. Right: the NLL's contours around
    its minimum and the regions ||w||_1 <= 1 and ||w||_2 <= 1; the best
    point inside the diamond lies on an axis (w1 = 0), inside the disc not."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 4.0), gridspec_kw={"width_ratios": [1, 1.15]})
    _penalty_panel(left)
    _constraint_panel(right)
    save(fig, path)


# -------------------------------------------------------- early stopping

# the settings of logistic_sgd's default run (sgd_optimization_mnist):
# patience 5000 minibatches, doubled past the current iteration on every
# improvement by more than a relative 0.5 %
PATIENCE, PATIENCE_INCREASE, IMPROVEMENT_THRESHOLD = 5000, 2, 0.995
RUN = "results/logistic_sgd"
VALIDATION_LINE = re.compile(r"^epoch \d+, minibatch \d+/(\d+), validation error", re.M)


def replay_patience(validation, n_train_batches, patience=PATIENCE):
    """Replay the early-stopping rule on the validation errors of a run.

    Returns one dict per validation (``epoch``, ``iter``, ``error``,
    ``patience`` after it, ``kind``: ``"significant"``, ``"best"`` or
    ``"worse"``) and the final patience: the iteration at which the run
    stopped, if patience ran out."""
    best, rows = numpy.inf, []
    for epoch in sorted(validation):
        error, it = validation[epoch], epoch * n_train_batches - 1
        kind = "worse"
        if error < best:
            kind = "best"
            if error < best * IMPROVEMENT_THRESHOLD:
                patience = max(patience, it * PATIENCE_INCREASE)
                kind = "significant"
            best = error
        rows.append(dict(epoch=epoch, iter=it, error=error, patience=patience, kind=kind))
    return rows, patience


# the markers of the validation panel, by what a validation did
VALIDATION_STYLES = {
    "significant": dict(marker="o", color=HIGHLIGHT, label="new best, below 0.995 x best: patience grows"),
    "best": dict(marker="o", color="white", edgecolor=HIGHLIGHT, label="new best, smaller gain"),
    "worse": dict(marker=".", color=GREY, label="no new best"),
}


def _validation_panel(ax, rows, ceiling=9.0):
    """The validation error per epoch, each marked by what it did to the
    best score and the patience; errors above ``ceiling`` are cut off."""
    ax.plot([r["epoch"] for r in rows], [r["error"] for r in rows], color=GREY, lw=1, zorder=1)
    for kind, style in VALIDATION_STYLES.items():
        chosen = [r for r in rows if r["kind"] == kind]
        ax.scatter([r["epoch"] for r in chosen], [r["error"] for r in chosen], s=22, zorder=2, **style)
    hidden = [r for r in rows if r["error"] > ceiling]
    ax.set_ylabel("validation error (%)")
    ax.set_ylim(7.3, ceiling)
    ax.legend(frameon=False, fontsize=8.5, loc="upper right")
    ax.text(12, ceiling - 0.15, f"epochs 1-{len(hidden)} off the scale, from {hidden[0]['error']:.2f} %",
            fontsize=8, color=GREY, va="top")


def _patience_panel(ax, rows, stop, n_train_batches):
    """The minibatch counter rising to meet the patience, with each raise
    of the patience and the stop labelled."""
    stop_epoch = stop // n_train_batches + 1
    counter = numpy.arange(1, stop + 1)
    ax.plot(counter / n_train_batches, counter, color=INPUT, lw=2, label="iter (minibatches done)")
    steps_x = [0] + [r["epoch"] for r in rows] + [stop / n_train_batches]
    steps_y = [PATIENCE] + [r["patience"] for r in rows] + [stop]
    ax.step(steps_x, steps_y, where="post", color=DARK_ORANGE, lw=2, label="patience")
    raises = [r for r in rows if r["kind"] == "significant" and r["iter"] * PATIENCE_INCREASE == r["patience"]]
    for r in raises:  # the last label right of its step, the others left
        last = r is raises[-1]
        ax.text(r["epoch"] + (1 if last else -1), r["patience"] + 150,
                f"{PATIENCE_INCREASE} x {r['iter']} = {r['patience']}",
                ha="left" if last else "right", va="bottom", fontsize=8, color=DARK_ORANGE)
    ax.annotate(f"stop: iter = patience = {stop}\n(epoch {stop_epoch})", (stop / n_train_batches, stop),
                xytext=(44, 1500), fontsize=8.5, arrowprops=dict(arrowstyle="->", color=INK, lw=0.8))
    ax.set_ylabel("minibatches")
    ax.set_xlim(0, stop_epoch + 1)
    ax.set_ylim(0, stop * 1.25)
    ax.legend(frameon=False, fontsize=8.5, loc="center left", bbox_to_anchor=(0, 0.45))


def draw_early_stopping(path):
    """Validation error per epoch of the recorded run (top) and the
    minibatch counter against the patience (bottom): training stops where
    the counter reaches the patience."""
    log = (REPO / f"{RUN}.log").read_text()
    record = json.loads((REPO / f"{RUN}.json").read_text())
    n_train_batches = int(VALIDATION_LINE.search(log)[1])
    rows, stop = replay_patience(parse_log(log)["validation"], n_train_batches)
    assert stop // n_train_batches + 1 == record["epochs"], "the replayed rule ends where the run ended"
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8.4, 5.6), sharex=True,
                                      gridspec_kw={"height_ratios": [1.25, 1]})
    _validation_panel(top, rows)
    _patience_panel(bottom, rows, stop, n_train_batches)
    bottom.set_xlabel(f"epoch ({n_train_batches} minibatches of {record['batch_size']} images)")
    for ax in (top, bottom):
        ax.axvline(stop / n_train_batches, color=INK, lw=0.8, ls=":")
        ax.spines[["top", "right"]].set_visible(False)
    save(fig, path)


FIGURES = {
    "gettingstarted_mnist_digits": draw_mnist_digits,
    "gettingstarted_flatten": draw_flatten,
    "gettingstarted_givens_minibatch": draw_givens_minibatch,
    "gettingstarted_losses": draw_losses,
    "gettingstarted_sgd_paths": draw_sgd_paths,
    "gettingstarted_regularizers": draw_regularizers,
    "gettingstarted_early_stopping": draw_early_stopping,
}
