"""Figures of the slot-filling chapter (doc/rnnslu.md).

* ``slot_filling_iob_sentence``: a made-up ATIS-style request, each word
  with its IOB tag and each chunk bracketed with its slot type;
* ``slot_filling_chunk_scoring``: the same request with a guess under it,
  each chunk of the truth and of the guess marked right or wrong, as
  ``conlleval`` counts them;
* ``slot_filling_context_window``: a sentence padded at both ends and the
  window of five words around each word (``contextwin``);
* ``slot_filling_embedding_lookup``: a window of indexes picking rows of the
  embedding matrix, concatenated into the network's input;
* ``slot_filling_elman_unrolled``: the Elman network unrolled over four
  words, fed by their context windows;
* ``slot_filling_f1_curves``: the validation and test F1 after each epoch of
  the recorded run, ``results/rnnslu.json``; listed only when that record
  exists (drawing it without the record raises an error that says so).

The sentences and their indexes are invented for the figures (the ATIS data
is not shipped); the tags use the label names of the ATIS folds.
"""

import json

import matplotlib.pyplot as plt
import numpy
from common import GREY, HIDDEN, HIGHLIGHT, INK, INPUT, OUTPUT, REPO, box, canvas, save
from matplotlib.patches import FancyArrowPatch

RECORD = "results/rnnslu.json"

# the made-up request of the IOB figures, with its true tags and a guess
# that makes the three usual mistakes: a chunk cut short, a spurious chunk
# and a wrong type
WORDS = "cheapest fare from san jose to dallas next tuesday morning".split()
TRUTH = [
    "B-cost_relative", "O", "O", "B-fromloc.city_name", "I-fromloc.city_name", "O",
    "B-toloc.city_name", "B-depart_date.date_relative", "B-depart_date.day_name",
    "B-depart_time.period_of_day",
]
GUESS = [
    "B-cost_relative", "O", "O", "B-fromloc.city_name", "B-toloc.city_name", "O",
    "B-toloc.city_name", "B-depart_date.date_relative", "B-arrive_date.day_name",
    "B-depart_time.period_of_day",
]

# the sentence of the window and network figures, with the toy dictionary
# of the chapter's worked example (alphabetical, as the folds' dictionaries)
TOY_SENTENCE = "show morning flights to denver".split()
TOY_INDEX = {w: i for i, w in enumerate(sorted(TOY_SENTENCE))}
TOY_LABELS = ["O", "B-depart_time.period_of_day", "O", "O", "B-toloc.city_name"]
PAD = -1

GOOD = "#31a354"  # a chunk found correctly
TAG_COLOURS = {"B": "#fdd0a2", "I": "#fee6ce", "O": "#f0f0f0"}
WINDOW_COLOURS = ["#6baed6", "#74c476", "#fd8d3c", "#9e9ac8", "#fdae6b"]
SLOT = 1.25  # horizontal room of one word in the IOB figures


# --- small helpers -------------------------------------------------------------


def arrow(ax, a, b, color=INK, lw=1.0, text=None, offset=(0.0, 0.0), fontsize=9, **kw):
    """An arrow from ``a`` to ``b``, optionally labelled beside its middle."""
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=10, color=color, lw=lw, zorder=2, **kw))
    if text is not None:
        mid = (numpy.asarray(a) + numpy.asarray(b)) / 2 + numpy.asarray(offset)
        ax.text(*mid, text, ha="center", va="center", fontsize=fontsize, color=color)


def chunks(tags):
    """The chunks of an IOB sequence as (first word, last word, type), by the
    rule ``conlleval`` applies to these tags: a chunk starts at a B, or at an
    I whose type differs from the word before's, and runs over the I's of
    its type that follow."""
    found, start, kind = [], None, None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, this = tag.partition("-")
        continues = prefix == "I" and this == kind
        if start is not None and not continues:
            found.append((start, i - 1, kind))
            start, kind = None, None
        if prefix in "BI" and prefix and not continues:
            start, kind = i, this
    return found


def type_label(kind):
    """A slot type on two lines, cut after its dot (``toloc.`` / ``city_name``)."""
    head, dot, tail = kind.partition(".")
    return f"{head}.\n{tail}" if dot else kind


def word_row(ax, y, words, fontsize=10):
    """The words of a sentence, one per slot, at height ``y``."""
    for i, word in enumerate(words):
        ax.text(i * SLOT, y, word, ha="center", va="center", fontsize=fontsize, weight="bold")


def tag_row(ax, y, tags):
    """Each word's tag prefix (B, I or O) in a small coloured box."""
    for i, tag in enumerate(tags):
        prefix = tag.partition("-")[0]
        box(ax, (i * SLOT - 0.22, y - 0.2), 0.44, 0.4, text=prefix, color=TAG_COLOURS[prefix], fontsize=10)


def bracket(ax, first, last, y, depth, color, lw=1.6):
    """A square bracket under (``depth`` < 0) or over (> 0) the slots
    ``first`` to ``last``, its arms pointing at the words."""
    x0, x1 = first * SLOT - 0.42, last * SLOT + 0.42
    ax.plot([x0, x0, x1, x1], [y - depth, y, y, y - depth], color=color, lw=lw, solid_capstyle="butt")


def chunk_row(ax, y, tags, side, verdicts=None, fontsize=7.5):
    """The chunks of ``tags`` as brackets at height ``y`` (``side`` -1: the
    brackets open upwards and the types sit below; +1: the other way), in
    green or red when ``verdicts`` says whether each chunk is right."""
    for k, (first, last, kind) in enumerate(chunks(tags)):
        color = INK if verdicts is None else (GOOD if verdicts[k] else HIGHLIGHT)
        bracket(ax, first, last, y, -0.12 * side, color)
        centre = (first + last) * SLOT / 2
        va = "top" if side < 0 else "bottom"
        ax.text(centre, y + 0.1 * side, type_label(kind), ha="center", va=va, fontsize=fontsize, color=color,
                linespacing=1.0)


# --- the IOB figures ---------------------------------------------------------------


def draw_iob_sentence(path):
    """A request with its IOB tags and its chunks' slot types."""
    n = len(WORDS)
    fig, ax = canvas(12.0, 2.2, xlim=(-1.6, (n - 1) * SLOT + 0.6), ylim=(-1.25, 0.75))
    word_row(ax, 0.45, WORDS)
    tag_row(ax, -0.05, TRUTH)
    chunk_row(ax, -0.45, TRUTH, side=-1)
    ax.text(-0.75, 0.45, "words", ha="right", va="center", fontsize=9, color=GREY)
    ax.text(-0.75, -0.05, "tags", ha="right", va="center", fontsize=9, color=GREY)
    ax.text(-0.75, -0.75, "slots", ha="right", va="center", fontsize=9, color=GREY)
    save(fig, path)


def verdicts(ours, theirs):
    """For each chunk of ``ours``: is it a chunk of ``theirs`` too (same
    first word, last word and type)?"""
    other = set(chunks(theirs))
    return [c in other for c in chunks(ours)]


def draw_chunk_scoring(path):
    """Truth above the words, guess below; each chunk right (green) or not."""
    n = len(WORDS)
    fig, ax = canvas(12.0, 3.8, xlim=(-1.7, (n - 1) * SLOT + 0.6), ylim=(-2.0, 1.75))
    chunk_row(ax, 1.0, TRUTH, side=+1, verdicts=verdicts(TRUTH, GUESS))
    tag_row(ax, 0.6, TRUTH)
    word_row(ax, 0.0, WORDS)
    tag_row(ax, -0.6, GUESS)
    chunk_row(ax, -1.0, GUESS, side=-1, verdicts=verdicts(GUESS, TRUTH))
    for y, name in [(1.3, "true\nchunks"), (0.6, "truth"), (-0.6, "guess"), (-1.3, "guessed\nchunks")]:
        ax.text(-0.75, y, name, ha="right", va="center", fontsize=9, color=GREY)
    right, found = sum(verdicts(GUESS, TRUTH)), len(chunks(GUESS))
    total = len(chunks(TRUTH))
    ax.text(
        (n - 1) * SLOT / 2, -1.9,
        f"correct {right}   guessed {found}   true {total}:   "
        f"precision {right}/{found}, recall {right}/{total}",
        ha="center", va="center", fontsize=9,
    )
    save(fig, path)


# --- the input: context windows and embeddings -----------------------------------


def contextwin(indexes, win):
    """The windows of ``win`` indexes around each word, -1 beyond the ends
    (the module's ``contextwin``, written again so that the figures need
    no PyTensor)."""
    half = win // 2
    padded = [PAD] * half + list(indexes) + [PAD] * half
    return [padded[i : i + win] for i in range(len(indexes))]


def cell(ax, x, y, text, color="white", width=0.9, height=0.42, fontsize=8, edge=INK, lw=0.8):
    """A cell centred at (x, y) holding ``text``."""
    box(ax, (x - width / 2, y - height / 2), width, height, text=text, color=color, fontsize=fontsize, edge=edge,
        lw=lw)


def word_of(index):
    return "PAD" if index == PAD else TOY_SENTENCE[[TOY_INDEX[w] for w in TOY_SENTENCE].index(index)]


def draw_context_window(path):
    """The padded sentence, and the window of 5 around each of its words."""
    win, step = 5, 1.0
    indexes = [TOY_INDEX[w] for w in TOY_SENTENCE]
    half, n = win // 2, len(indexes)
    padded = [PAD] * half + indexes + [PAD] * half
    chosen = 2  # the window highlighted: the third word's
    fig, ax = canvas(9.0, 5.4, xlim=(-2.3, (len(padded) - 1) * step + 0.7), ylim=(-4.6, 1.3))
    ax.text(-0.75, 0.25, "padded\nsentence", ha="right", va="center", fontsize=9, color=GREY)
    for j, index in enumerate(padded):
        colour = "#f0f0f0" if index == PAD else INPUT
        cell(ax, j * step, 0.45, word_of(index), color=colour)
        ax.text(j * step, 0.03, str(index), ha="center", va="center", fontsize=8, color=GREY)
    # the sliding window of the chosen word, over the padded sentence
    box(ax, (chosen * step - 0.5, -0.2), win * step, 0.95, color="none", edge=HIGHLIGHT, lw=2.0)
    top = -1.0
    for t, window in enumerate(contextwin(indexes, win)):
        y = top - t * 0.65
        highlight = t == chosen
        ax.text(-0.75, y, f"t = {t + 1}", ha="right", va="center", fontsize=9, color=HIGHLIGHT if highlight else INK)
        for j, index in enumerate(window):
            x = (t + j) * step  # each window sits under the words it covers
            colour = "#f0f0f0" if index == PAD else (OUTPUT if j == half else INPUT)
            cell(ax, x, y, word_of(index), color=colour, edge=HIGHLIGHT if highlight else INK,
                 lw=1.6 if highlight else 0.8)
    ax.text((len(padded) - 1) * step + 0.6, top - 2 * 0.65, "one window\nper word\n(its centre\nin orange)",
            ha="right", va="center", fontsize=8, color=GREY)
    save(fig, path)


def draw_embedding_lookup(path):
    """A window of three indexes picks three rows of the embedding matrix,
    which are laid end to end into the input vector x_t."""
    rng = numpy.random.RandomState(7)
    vocabulary = sorted(TOY_SENTENCE)
    de, cs = 4, 3
    window = [TOY_INDEX["morning"], TOY_INDEX["flights"], TOY_INDEX["to"]]
    rows = len(vocabulary) + 1  # the padding's row comes last
    size = 0.42  # of a cell
    top = 3.0
    fig, ax = canvas(9.6, 4.2, xlim=(-4.4, 8.3), ylim=(-0.9, 3.6))
    row_y = [top - (r + 0.5) * size for r in range(rows)]
    values = rng.uniform(-1, 1, (rows, de))
    for r in range(rows):
        name = vocabulary[r] if r < len(vocabulary) else "PAD"
        index = str(r) if r < len(vocabulary) else f"{r} (= -1)"
        ax.text(-0.15, row_y[r], f"{index}  {name}", ha="right", va="center", fontsize=8)
        for c in range(de):
            colour = plt.get_cmap("Greys")(0.15 + 0.35 * (values[r, c] + 1))
            if r in window:
                colour = WINDOW_COLOURS[window.index(r)]
            box(ax, (c * size, row_y[r] - size / 2), size, size, color=colour, lw=0.6)
    ax.text(de * size / 2, top + 0.15, "embeddings $E$", ha="center", va="bottom", fontsize=10)
    ax.text(de * size / 2, top - rows * size - 0.12, f"{rows} rows, de = {de}", ha="center", va="top",
            fontsize=8, color=GREY)
    # the window's indexes point at their rows ...
    ax.text(-3.7, top + 0.15, "window $c_t$", ha="center", va="bottom", fontsize=10)
    x_bar, y_bar = 2.9, -0.45
    for j, index in enumerate(window):
        y = top - 0.35 - j * 0.75
        cell(ax, -3.7, y, str(index), color=WINDOW_COLOURS[j], width=0.6)
        arrow(ax, (-3.38, y), (-1.55, row_y[index]), color=WINDOW_COLOURS[j])
        # ... and the rows are laid end to end into x_t
        first = x_bar + j * de * size
        for c in range(de):
            box(ax, (first + c * size, y_bar), size, size, color=WINDOW_COLOURS[j], lw=0.6)
        arrow(ax, (de * size + 0.08, row_y[index]), (first + de * size / 2, y_bar + size + 0.06),
              color=WINDOW_COLOURS[j], connectionstyle="arc3,rad=-0.12")
    ax.text(x_bar - 0.15, y_bar + size / 2, "$x_t$", ha="right", va="center", fontsize=11)
    ax.text(x_bar + cs * de * size / 2, y_bar - 0.12, f"de x cs = {de * cs} numbers", ha="center", va="top",
            fontsize=8, color=GREY)
    save(fig, path)


# --- the network -------------------------------------------------------------------


def wrapped_label(label):
    """A tag on two lines when it is long (``B-toloc.`` / ``city_name``)."""
    return label if len(label) < 10 else type_label(label)


def draw_elman_unrolled(path):
    """Four steps of the Elman network over the toy sentence (window 3)."""
    steps, gap = 4, 2.5
    indexes = [TOY_INDEX[w] for w in TOY_SENTENCE]
    windows = contextwin(indexes, 3)
    fig, ax = canvas(10.0, 6.3, xlim=(-2.2, (steps - 1) * gap + 1.6), ylim=(-0.55, 6.1))
    y_word, y_window, y_x, y_h, y_s, y_label = 0.0, 0.75, 1.9, 3.2, 4.5, 5.45
    h0 = (-1.5, y_h)
    box(ax, (h0[0] - 0.35, y_h - 0.3), 0.7, 0.6, text="$h_0$", color=HIDDEN, fontsize=11)
    previous = (h0[0] + 0.35, y_h)
    for t in range(steps):
        x = t * gap
        ax.text(x, y_word, TOY_SENTENCE[t], ha="center", va="center", fontsize=10, weight="bold")
        for j, index in enumerate(windows[t]):
            cell(ax, x + (j - 1) * 0.5, y_window, str(index), color=OUTPUT if j == 1 else INPUT, width=0.46,
                 height=0.38)
        arrow(ax, (x, y_word + 0.18), (x, y_window - 0.2), color=GREY, lw=0.8)
        for j in range(3):
            box(ax, (x - 0.75 + j * 0.5, y_x - 0.17), 0.5, 0.34, color=WINDOW_COLOURS[j], lw=0.6)
        ax.text(x + 0.9, y_x, f"$x_{t + 1}$", ha="left", va="center", fontsize=11)
        arrow(ax, (x, y_window + 0.2), (x, y_x - 0.19), text="$E$", offset=(0.22, 0.0))
        box(ax, (x - 0.45, y_h - 0.3), 0.9, 0.6, text=f"$h_{t + 1}$", color=HIDDEN, fontsize=11)
        arrow(ax, (x, y_x + 0.19), (x, y_h - 0.31), text="$W_x$", offset=(0.3, 0.0))
        arrow(ax, previous, (x - 0.46, y_h), text="$W_h$", offset=(0.0, 0.2))
        box(ax, (x - 0.45, y_s - 0.3), 0.9, 0.6, text=f"$s_{t + 1}$", color=OUTPUT, fontsize=11)
        arrow(ax, (x, y_h + 0.31), (x, y_s - 0.31), text="$W$", offset=(0.27, 0.0))
        ax.text(x, y_label, wrapped_label(TOY_LABELS[t]), ha="center", va="center", fontsize=8,
                linespacing=1.0, color=HIGHLIGHT)
        arrow(ax, (x, y_s + 0.31), (x, y_label - 0.3), color=GREY, lw=0.8)
        previous = (x + 0.45, y_h)
    ax.text((steps - 1) * gap + 0.95, y_h, "...", ha="left", va="center", fontsize=14)
    right = -1.5
    for y, name in [(y_window, "window"), (y_x, "embeddings"), (y_s, "softmax"), (y_label, "argmax")]:
        ax.text(right, y, name, ha="center", va="center", fontsize=9, color=GREY)
    save(fig, path)


# --- the recorded run ----------------------------------------------------------------


def record():
    """The recorded default run, or an error saying it is not there yet."""
    path = REPO / RECORD
    if not path.is_file():
        raise FileNotFoundError(f"{RECORD} does not exist yet: run the tutorial with --results-json {RECORD}")
    return json.loads(path.read_text())


def draw_f1_curves(path):
    """Validation and test F1 after each epoch, the best epoch marked, and
    below, the learning rate each epoch trained with."""
    run = record()
    history = run["history"]
    epochs = [e["epoch"] for e in history]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8.0, 5.0), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot(epochs, [e["valid"]["f1"] for e in history], color="#3182bd", lw=1.4, label="validation F1")
    top.plot(epochs, [e["test"]["f1"] for e in history], color=HIGHLIGHT, lw=1.4, label="test F1")
    best = run["be"]
    top.axvline(best, color=GREY, ls="--", lw=0.8)
    top.plot([best], [run["vf1"]], "o", color="#3182bd")
    top.plot([best], [run["tf1"]], "o", color=HIGHLIGHT)
    top.text(0.5, 0.06, f"best epoch {best}: valid F1 {run['vf1']:.2f}, test F1 {run['tf1']:.2f}",
             transform=top.transAxes, ha="center", fontsize=9)
    low = min(min(e["valid"]["f1"], e["test"]["f1"]) for e in history)
    top.set_ylim(max(0.0, low - 2.0), 100.0)
    top.set_ylabel("chunk F1 (%)")
    top.legend(loc="lower right", fontsize=8)
    rates = [e["lr"] for e in history]
    # each epoch's rate drawn over the whole epoch, the last one's too
    bottom.step(epochs + [epochs[-1] + 1], rates + rates[-1:], where="post", color=INK, lw=1.2)
    levels = sorted(set(rates))
    bottom.set_yticks(levels, [f"{rate:.3g}" for rate in levels])
    bottom.set_ylim(0.0, max(levels) * 1.25)
    bottom.set_ylabel("learning rate")
    bottom.set_xlabel("epoch")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    top.set_title(f"{RECORD}", fontsize=9, family="monospace")
    fig.tight_layout()
    save(fig, path)


FIGURES = {
    "slot_filling_iob_sentence": draw_iob_sentence,
    "slot_filling_chunk_scoring": draw_chunk_scoring,
    "slot_filling_context_window": draw_context_window,
    "slot_filling_embedding_lookup": draw_embedding_lookup,
    "slot_filling_elman_unrolled": draw_elman_unrolled,
}
# the data figure is listed only when its record exists: the site's build
# draws every listed figure
if (REPO / RECORD).is_file():
    FIGURES["slot_filling_f1_curves"] = draw_f1_curves
