"""Figures of the LSTM sentiment-analysis chapter (doc/lstm.md).

* ``sentiment_memory_cell``: one layer of LSTM memory cells at step t: the
  candidate, the input, forget and output gates, the memory cell with its
  self-recurrent path through the forget gate, and the output ``h_t``;
* ``sentiment_model``: the chapter's model over time: embedded words into a
  chain of LSTM steps, mean pooling of the outputs, logistic regression;
* ``sentiment_padding``: ``prepare_data`` on a minibatch of three reviews:
  the padded, time-major word matrix ``x`` and its mask;
* ``sentiment_training_curve``: the training, validation and test errors at
  every validation of the recorded run, results/lstm.json (in ``FIGURES``
  only when the record exists; called without it, the function says so).
"""

import json

import matplotlib.pyplot as plt
import numpy
from common import GREY, HIDDEN, HIGHLIGHT, INK, INPUT, OUTPUT, REPO, box, canvas, grid, save, unit

RECORD = "results/lstm.json"
GATE = "#fdd0a2"  # the gates' boxes: lighter than the outputs' orange
CELL = "#fcbba1"  # the memory cell


# --- shared pieces -------------------------------------------------------------


def arrow(ax, a, b, color=INK, lw=1.1, shrink=0, style="-|>", **kw):
    """An arrow from point ``a`` to point ``b`` (no rims: the caller picks
    the points on the shapes' edges)."""
    ax.annotate(
        "", xy=b, xytext=a,
        arrowprops=dict(arrowstyle=style, color=color, lw=lw, shrinkA=shrink, shrinkB=shrink, **kw),
    )


def polyline(ax, points, color=INK, lw=1.1):
    """Straight segments through ``points``, an arrow head on the last one."""
    for a, b in zip(points[:-2], points[1:-1]):
        ax.plot([a[0], b[0]], [a[1], b[1]], color=color, lw=lw, solid_capstyle="butt")
    arrow(ax, points[-2], points[-1], color=color, lw=lw)


def operator(ax, xy, symbol, radius=0.24):
    """A small round node that multiplies (×) or adds (+) its inputs."""
    unit(ax, xy, radius=radius, color="white", label=symbol, fontsize=12)


def centred_box(ax, xy, width, height, text, color, fontsize=10):
    """A box centred at ``xy``; returns its (left, right, bottom, top)."""
    x, y = xy
    box(ax, (x - width / 2, y - height / 2), width, height, text=text, color=color, fontsize=fontsize)
    return x - width / 2, x + width / 2, y - height / 2, y + height / 2


# --- the memory cell ---------------------------------------------------------------

GATE_X, GATE_W, GATE_H = 3.05, 2.15, 0.62
GATES = {  # name: (y, label, colour)
    "candidate": (4.3, "tanh: $\\widetilde{C}_t$", HIDDEN),
    "input": (3.2, "$\\sigma$: input gate $i_t$", GATE),
    "forget": (1.6, "$\\sigma$: forget gate $f_t$", GATE),
    "output": (0.3, "$\\sigma$: output gate $o_t$", GATE),
}
R = 0.24  # the radius of the operators


def cell_inputs(ax):
    """The input box (``x_t`` and ``h_{t-1}``) and an arrow into each of
    the four boxes that read it."""
    left, right, _, _ = centred_box(ax, (0.4, 2.3), 1.0, 4.6, "$x_t$\n\n$h_{t-1}$", INPUT, fontsize=12)
    for y, text, color in GATES.values():
        centred_box(ax, (GATE_X, y), GATE_W, GATE_H, text, color, fontsize=9)
        arrow(ax, (right, y), (GATE_X - GATE_W / 2, y))


def cell_state(ax):
    """The cell's update: i_t × C~_t, f_t × C_{t-1}, their sum C_t, and the
    path that brings C_t back, one step later, as C_{t-1}."""
    gate_right = GATE_X + GATE_W / 2
    m_in, m_forget, plus = (5.0, 4.3), (5.0, 1.6), (6.3, 2.95)
    cell = (7.7, 2.95)
    operator(ax, m_in, "×")
    operator(ax, m_forget, "×")
    operator(ax, plus, "+")
    arrow(ax, (gate_right, 4.3), (m_in[0] - R, 4.3))
    polyline(ax, [(gate_right, 3.2), (4.3, 3.2), (4.3, 3.95), (m_in[0] - R * 0.7, m_in[1] - R * 0.7)])
    arrow(ax, (gate_right, 1.6), (m_forget[0] - R, 1.6))
    arrow(ax, (m_in[0] + R * 0.7, m_in[1] - R * 0.7), (plus[0] - R * 0.7, plus[1] + R * 0.7))
    arrow(ax, (m_forget[0] + R * 0.7, m_forget[1] + R * 0.7), (plus[0] - R * 0.7, plus[1] - R * 0.7))
    unit(ax, cell, radius=0.5, color=CELL, label="$C_t$", fontsize=13)
    arrow(ax, (plus[0] + R, plus[1]), (cell[0] - 0.5, cell[1]))
    # the self-recurrent connection: C_t, a step later, times f_{t+1}
    polyline(ax, [(cell[0], cell[1] - 0.5), (cell[0], 1.0), (m_forget[0], 1.0), (m_forget[0], m_forget[1] - R)],
             color=HIGHLIGHT, lw=1.6)
    ax.text(cell[0] + 0.15, 1.5, "at the next step, $C_t$\nis read as $C_{t-1}$\n(weight 1)", ha="left",
            va="center", fontsize=8.5, color=HIGHLIGHT)
    return cell


def cell_output(ax, cell):
    """tanh(C_t), times the output gate, is h_t."""
    squash, m_out, out = (9.15, 2.95), (10.4, 2.95), (11.6, 2.95)
    left, right, _, _ = centred_box(ax, squash, 0.8, 0.5, "tanh", "white")
    arrow(ax, (cell[0] + 0.5, cell[1]), (left, cell[1]))
    operator(ax, m_out, "×")
    arrow(ax, (right, squash[1]), (m_out[0] - R, m_out[1]))
    gate_right = GATE_X + GATE_W / 2
    polyline(ax, [(gate_right, 0.3), (m_out[0], 0.3), (m_out[0], m_out[1] - R)])
    unit(ax, out, radius=0.34, color=OUTPUT, label="$h_t$", fontsize=11)
    arrow(ax, (m_out[0] + R, m_out[1]), (out[0] - 0.34, out[1]))


def draw_memory_cell(path):
    """The LSTM memory cell of the chapter's variant (no peephole): four
    boxes read x_t and h_{t-1}; the gates multiply the candidate, the old
    cell and the squashed new cell."""
    fig, ax = canvas(9.6, 4.3, xlim=(-0.3, 12.2), ylim=(-0.2, 4.9))
    cell_inputs(ax)
    cell_output(ax, cell_state(ax))
    save(fig, path)


# --- the model over time -------------------------------------------------------------

STEP_XS = [0.0, 1.9, 3.8, 6.6]  # the steps shown: 0, 1, 2 and n
STEP_NAMES = ["0", "1", "2", "n"]
Y_WORD, Y_EMB, Y_LSTM, Y_H, Y_POOL, Y_LR, Y_OUT = 0.0, 1.15, 2.35, 3.55, 4.75, 5.85, 6.95


def time_column(ax, x, t):
    """Word, embedding, LSTM step and output of one time step."""
    centred_box(ax, (x, Y_WORD), 0.9, 0.5, f"$w_{t}$", "white")
    unit(ax, (x, Y_EMB), radius=0.3, color=INPUT, label=f"$x_{t}$", fontsize=10)
    centred_box(ax, (x, Y_LSTM), 1.0, 0.65, "LSTM", CELL)
    unit(ax, (x, Y_H), radius=0.3, color=HIDDEN, label=f"$h_{t}$", fontsize=10)
    arrow(ax, (x, Y_WORD + 0.25), (x, Y_EMB - 0.3))
    arrow(ax, (x, Y_EMB + 0.3), (x, Y_LSTM - 0.325))
    arrow(ax, (x, Y_LSTM + 0.325), (x, Y_H - 0.3))
    arrow(ax, (x, Y_H + 0.3), (x, Y_POOL - 0.3), color=GREY)


def draw_model(path):
    """Words -> embeddings -> LSTM chain -> h_t -> mean pooling -> logistic
    regression -> P(positive)."""
    fig, ax = canvas(7.6, 6.3, xlim=(-0.9, 9.6), ylim=(-0.5, 7.4))
    for x, t in zip(STEP_XS, STEP_NAMES):
        time_column(ax, x, t)
    for a, b in zip(STEP_XS[:2], STEP_XS[1:3]):
        arrow(ax, (a + 0.5, Y_LSTM), (b - 0.5, Y_LSTM), color=HIGHLIGHT, lw=1.5)
    gap = (STEP_XS[2] + STEP_XS[3]) / 2
    arrow(ax, (STEP_XS[2] + 0.5, Y_LSTM), (gap - 0.3, Y_LSTM), color=HIGHLIGHT, lw=1.5)
    arrow(ax, (gap + 0.3, Y_LSTM), (STEP_XS[3] - 0.5, Y_LSTM), color=HIGHLIGHT, lw=1.5)
    for y in (Y_WORD, Y_EMB, Y_LSTM, Y_H):
        ax.text(gap, y, "…", ha="center", va="center", fontsize=16)
    ax.text((STEP_XS[0] + STEP_XS[1]) / 2, Y_LSTM + 0.22, "$h, C$", ha="center", fontsize=9, color=HIGHLIGHT)
    span = (STEP_XS[0] - 0.6, STEP_XS[-1] + 0.6)
    centred_box(ax, ((span[0] + span[1]) / 2, Y_POOL), span[1] - span[0], 0.6,
                "mean pooling over time: $h = \\frac{1}{n+1}\\sum_t h_t$", HIDDEN)
    mid = (span[0] + span[1]) / 2
    arrow(ax, (mid, Y_POOL + 0.3), (mid, Y_LR - 0.3))
    centred_box(ax, (mid, Y_LR), 3.6, 0.6, "logistic regression (softmax)", OUTPUT)
    arrow(ax, (mid, Y_LR + 0.3), (mid, Y_OUT - 0.25))
    ax.text(mid, Y_OUT, "$P(y \\mid w_0, \\ldots, w_n)$", ha="center", va="center", fontsize=11)
    for y, text in [(Y_WORD, "words"), (Y_EMB, "embedding\n$W_{emb}$"), (Y_LSTM, "LSTM layer"),
                    (Y_H, "outputs")]:
        ax.text(span[1] + 0.35, y, text, ha="left", va="center", fontsize=9, color=INK)
    save(fig, path)


# --- padding and mask -------------------------------------------------------------

REVIEWS = [[17, 25, 10, 406], [26, 3], [5, 9, 41, 2, 32, 7]]  # the chapter's example
CELL_SIZE = 0.5


def padded(reviews):
    """The ``x`` and ``x_mask`` of prepare_data for ``reviews``, computed
    the same way: zeros, then each review down its own column."""
    longest = max(len(r) for r in reviews)
    x = numpy.zeros((longest, len(reviews)), dtype=int)
    mask = numpy.zeros((longest, len(reviews)))
    for i, review in enumerate(reviews):
        x[: len(review), i] = review
        mask[: len(review), i] = 1
    return x, mask


def matrix(ax, origin, values, shade):
    """A matrix drawn cell by cell, each value written in its cell, the
    cells where ``shade`` is 0 in grey."""
    rows, cols = values.shape
    x0, y0 = origin
    for r in range(rows):
        for c in range(cols):
            xy = (x0 + c * CELL_SIZE, y0 + (rows - 1 - r) * CELL_SIZE)
            color = "white" if shade[r, c] else "#d9d9d9"
            box(ax, xy, CELL_SIZE, CELL_SIZE, text=f"{values[r, c]:g}", color=color, fontsize=9)


def draw_padding(path):
    """Three reviews of 4, 2 and 6 words; their 6 × 3 matrix x, one review
    per column with zeros below, and the mask, 1 on words and 0 on padding."""
    x, mask = padded(REVIEWS)
    rows, cols = x.shape
    fig, ax = canvas(9.4, 3.9, xlim=(-0.3, 11.8), ylim=(-1.0, 3.9))
    ax.text(0.0, 3.45, "minibatch (lists of word indices)", fontsize=9.5, ha="left")
    for i, review in enumerate(REVIEWS):
        y = 2.6 - i * 0.9
        ax.text(0.0, y + CELL_SIZE / 2, f"review {i}", fontsize=9, va="center")
        for k, word in enumerate(review):
            box(ax, (1.15 + k * CELL_SIZE, y), CELL_SIZE, CELL_SIZE, text=str(word), color=INPUT, fontsize=8.5)
    arrow(ax, (4.4, 1.5), (5.5, 1.5), lw=1.5)
    ax.text(4.95, 1.7, "prepare_data", fontsize=8.5, ha="center", family="monospace")
    for origin, values, title in [((6.5, 0.0), x, "x  (int64)"), ((9.2, 0.0), mask, "x_mask  (floatX)")]:
        matrix(ax, origin, values, mask)
        left = origin[0] + cols * CELL_SIZE / 2
        ax.text(left, rows * CELL_SIZE + 0.18, title, ha="center", fontsize=9.5, family="monospace")
        for c in range(cols):
            ax.text(origin[0] + (c + 0.5) * CELL_SIZE, -0.22, str(c), ha="center", va="top", fontsize=8, color=GREY)
        ax.text(left, -0.6, "review i", ha="center", va="top", fontsize=8, color=GREY)
    for r in range(rows):
        ax.text(6.35, (rows - 1 - r + 0.5) * CELL_SIZE, f"t={r}", ha="right", va="center", fontsize=8, color=GREY)
    save(fig, path)


# --- the recorded run ---------------------------------------------------------------


def record():
    """The recorded run, results/lstm.json; a clear error if it is not there."""
    path = REPO / RECORD
    if not path.is_file():
        raise FileNotFoundError(
            f"{RECORD} does not exist yet: record a run of deeplearning_tutorials.lstm "
            "with --results-json before drawing sentiment_training_curve"
        )
    return json.loads(path.read_text())


def draw_training_curve(path):
    """The errors on the three sets at every validation of the recorded run,
    against the number of updates, the best validation marked."""
    settings = record()
    validations = settings["validations"]
    if not validations:
        raise ValueError(f"{RECORD} holds no validation to plot")
    updates = [v["update"] for v in validations]
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    styles = {"train_err": ("training", "#3182bd", "-"), "valid_err": ("validation", HIGHLIGHT, "-"),
              "test_err": ("test", INK, "--")}
    for key, (name, color, line) in styles.items():
        ax.plot(updates, [100 * v[key] for v in validations], line, marker="o", ms=3.5, lw=1.2,
                color=color, label=name)
    valid = [v["valid_err"] for v in validations]
    # the best parameters are those of the last validation at the lowest
    # error: the training loop keeps a tie (valid_err <= every earlier one)
    best = max(k for k, v in enumerate(valid) if v == min(valid))
    ax.plot(updates[best], 100 * valid[best], "o", ms=11, mfc="none", mec=HIGHLIGHT, mew=1.5)
    ax.set_xlabel("update (minibatches seen)")
    ax.set_ylabel("error (%)")
    highest = max(100 * v[key] for v in validations for key in styles)
    ax.set_ylim(0, 1.15 * highest + 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    ax.set_title(f"{RECORD}: errors at each validation ({settings.get('floatX', '')})", fontsize=10)
    fig.tight_layout()
    save(fig, path)


FIGURES = {
    "sentiment_memory_cell": draw_memory_cell,
    "sentiment_model": draw_model,
    "sentiment_padding": draw_padding,
}
# the site draws every figure of FIGURES at each build: the curve joins them
# once the record it plots exists
if (REPO / RECORD).is_file():
    FIGURES["sentiment_training_curve"] = draw_training_curve
