"""Figures of the RNN-RBM chapter (doc/rnnrbm.md).

* ``music_piano_roll``: a short synthetic tune (a melody over three chords)
  as notes in time, and the piano roll the project's reader makes of it
  (``machinery.midi.piano_roll_of``, the arithmetic of the original's
  ``midiread``): one column per time step of ``dt`` = 0.3 s, a note sounds in
  a step if it sounds at the step's instant;
* ``music_rnnrbm``: the RNN-RBM unrolled in time: one RBM per time step,
  the RNN's chain below, and the conditioning arrows from ``u(t-1)`` to the
  biases of the RBM at ``t``;
* ``music_generation``: one step of the generation ``scan``: the biases
  from the RNN's state, a 25-step Gibbs chain from silence, the sample fed
  back into the RNN;
* ``music_costs`` (only once results/rnnrbm.json exists): the printed cost
  per epoch of the recorded run, with the original's published points;
* ``music_sample`` (only once the record lists a generated MIDI file): the
  piano roll of the first generated piece (from the PNG saved beside it,
  else read back from the MIDI file with ``midiread``).
"""

import json
import math
import sys

import matplotlib.pyplot as plt
import numpy
from common import GREY, HIDDEN, HIGHLIGHT, INK, INPUT, OUTPUT, REPO, box, canvas, save
from matplotlib.patches import Rectangle

RECORD = "results/rnnrbm.json"
DT = 0.3  # the tutorial's time step, in seconds
FULL_RANGE = (21, 109)  # the tutorial's notes: a piano's 88 keys

# The original chapter's printed costs (doc/rnnrbm.txt, "Results": 200
# epochs on Nottingham); epoch 198 printed -inf.
PUBLISHED_COSTS = {
    1: -15.0308940028, 2: -10.4892606673, 3: -10.2394696138, 4: -10.1431669994,
    5: -9.7005382843, 6: -8.5985647524, 7: -8.35115428534, 8: -8.26453580552,
    9: -8.21208991542, 10: -8.16847274143, 190: -4.74799179994, 191: -4.73488515216,
    192: -4.7326138489, 193: -4.73841636884, 194: -4.70255511452, 195: -4.71872634914,
    196: -4.7276415885, 197: -4.73497644728, 198: -math.inf, 199: -4.75554987143,
    200: -4.72591935412,
}

# The synthetic tune of ``music_piano_roll``: [MIDI note, start, end] in
# seconds. Chords C, G, C below a melody; the notes end a little before the
# next step, as played notes do; one melody note starts between two steps
# (1.95 s) and one (2.45 s to 2.6 s) is too short to reach any step.
TUNE_RANGE = (59, 80)
TUNE_CHORDS = [
    ([60, 64, 67], 0.0, 1.15),
    ([62, 67, 71], 1.2, 2.35),
    ([60, 64, 67], 2.4, 3.55),
]
TUNE_MELODY = [
    (76, 0.0, 0.55), (74, 0.6, 0.85), (72, 0.9, 1.45), (74, 1.5, 1.75),
    (76, 1.95, 2.35), (77, 2.45, 2.6), (76, 2.65, 2.95), (72, 3.0, 3.55),
]
TUNE_STEPS = 12
HIGHLIGHTED_STEP = 4  # the column drawn as v(t) (0-based, as in the code)
NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


# --- helpers -----------------------------------------------------------------


def _project():
    """Make the project's package importable (the figures run from doc/figures/)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


def note_name(number):
    """'C4' for MIDI note 60, as MIDI numbers notes (A0 = 21, C8 = 108)."""
    return f"{NOTE_NAMES[number % 12]}{number // 12 - 1}"


def tune_notes():
    """The synthetic tune as ``[number, start, end]`` notes."""
    notes = [[n, start, end] for chord, start, end in TUNE_CHORDS for n in chord]
    return notes + [list(note) for note in TUNE_MELODY]


def label(ax, xy, text, ha="center", fontsize=10, color=INK, **kw):
    """A short label (mathtext allowed) at ``xy``."""
    ax.text(*xy, text, ha=ha, va="center", fontsize=fontsize, color=color, **kw)


def arrow(ax, a, b, color=INK, lw=1.1, rad=0.0, style="-|>", **kw):
    """An arrow from ``a`` to ``b`` (points, not units: the caller trims)."""
    ax.annotate(
        "", xy=b, xytext=a,
        arrowprops=dict(
            arrowstyle=style, color=color, lw=lw, shrinkA=0, shrinkB=0,
            connectionstyle=f"arc3,rad={rad}", **kw,
        ),
    )


def state(ax, centre, text, color, width=0.9, height=0.5, fontsize=11, **kw):
    """A layer's state as a labelled box centred at ``centre``."""
    x, y = centre
    box(ax, (x - width / 2, y - height / 2), width, height, text=text, color=color, fontsize=fontsize, **kw)


def note_axis(ax, r, every=1):
    """Label the y axis of a roll with MIDI numbers and note names."""
    ticks = [n for n in range(r[0], r[1]) if n % 12 in (0, 4, 7) or n == r[1] - 1][::every]
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{n} {note_name(n)}" for n in ticks], fontsize=8)


# --- a piano roll explained --------------------------------------------------


def draw_piano_roll(path):
    """The notes of a short tune in time, and the piano roll made of them."""
    _project()
    from deeplearning_tutorials.machinery.midi import piano_roll_of

    notes = tune_notes()
    roll = piano_roll_of(notes, TUNE_RANGE, DT)
    assert roll.shape == (TUNE_STEPS, TUNE_RANGE[1] - TUNE_RANGE[0])
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(10.5, 4.2), sharey=True, gridspec_kw={"wspace": 0.08}
    )
    instants = numpy.arange(TUNE_STEPS) * DT
    short = TUNE_MELODY[5]
    for number, start, end in notes:
        dropped = [number, start, end] == list(short)
        left.add_patch(Rectangle(
            (start, number - 0.4), end - start, 0.8,
            facecolor=HIGHLIGHT if dropped else INPUT, edgecolor=INK, lw=0.6,
        ))
    for t in instants:
        left.axvline(t, color=GREY, lw=0.6, ls=":", zorder=0)
    left.annotate(
        "never sounds at\na step: lost", xy=(sum(short[1:]) / 2, short[0] + 0.5),
        xytext=(2.55, 78.6), fontsize=8, color=HIGHLIGHT, ha="center",
        arrowprops=dict(arrowstyle="-|>", color=HIGHLIGHT, lw=0.8),
    )
    left.set_xlim(-0.1, TUNE_STEPS * DT)
    left.set_ylim(TUNE_RANGE[0] - 0.6, TUNE_RANGE[1] - 0.4 + 0.8)
    left.set_xticks(instants[::2])
    left.set_xlabel("time (s); dotted: the instants $t \\cdot dt$")
    left.set_title("notes (MIDI note number, start, end)", fontsize=10)
    note_axis(left, TUNE_RANGE)

    # the roll: one column per step, drawn at the step's instant
    on = numpy.argwhere(roll > 0)
    for step, column in on:
        right.add_patch(Rectangle(
            (step - 0.45, TUNE_RANGE[0] + column - 0.4), 0.9, 0.8,
            facecolor=INK, edgecolor=INK, lw=0.4,
        ))
    right.add_patch(Rectangle(
        (HIGHLIGHTED_STEP - 0.5, TUNE_RANGE[0] - 0.55), 1.0, TUNE_RANGE[1] - TUNE_RANGE[0] + 0.1,
        facecolor="none", edgecolor=HIGHLIGHT, lw=1.8,
    ))
    right.text(
        HIGHLIGHTED_STEP, TUNE_RANGE[1] - 1.3, "$v^{(t)}$", color=HIGHLIGHT,
        ha="center", va="center", fontsize=11,
    )
    for step in range(TUNE_STEPS + 1):
        right.axvline(step - 0.5, color="#dddddd", lw=0.5, zorder=0)
    right.set_xlim(-0.6, TUNE_STEPS - 0.4)
    right.set_xticks(range(TUNE_STEPS))
    right.set_xlabel("time step (row of the piano roll)")
    right.set_title(f"piano roll, dt = {DT} s: {roll.shape[0]} steps × {roll.shape[1]} notes", fontsize=10)
    right.tick_params(axis="y", labelleft=False)
    save(fig, path)


# --- the model ---------------------------------------------------------------

# positions of the unrolled model: x of u(0) and of each time step, y of
# the RNN, the visible and the hidden layer
STEP_X = [0.0, 2.6, 5.2, 7.8]
Y_U, Y_V, Y_H = 0.0, 1.7, 3.3


def draw_rnnrbm(path):
    """The RNN-RBM unrolled: RBMs (v, h) on top of an RNN chain u, each
    RBM's biases set by the RNN's previous state."""
    fig, ax = canvas(9.0, 4.8, xlim=(-0.9, 9.6), ylim=(-0.75, 4.05))
    half_w, half_h = 0.45, 0.25
    state(ax, (STEP_X[0], Y_U), "$u^{(0)}$", OUTPUT)
    for t, x in enumerate(STEP_X[1:], start=1):
        name = str(t)
        state(ax, (x, Y_U), f"$u^{{({name})}}$", OUTPUT)
        state(ax, (x, Y_V), f"$v^{{({name})}}$", INPUT)
        state(ax, (x, Y_H), f"$h^{{({name})}}$", HIDDEN)
        # the RBM: an undirected connection between v and h
        ax.plot([x, x], [Y_V + half_h, Y_H - half_h], color=INK, lw=1.6)
        ax.add_patch(Rectangle(
            (x - 0.7, Y_V - 0.45), 1.4, Y_H - Y_V + 0.9, facecolor="none",
            edgecolor=GREY, lw=0.8, ls="--",
        ))
        # the RNN: v(t) and u(t-1) make u(t)
        arrow(ax, (x, Y_V - half_h), (x, Y_U + half_h))
        prev = STEP_X[t - 1]
        arrow(ax, (prev + half_w, Y_U), (x - half_w, Y_U))
        # the conditioning: u(t-1) sets the biases of the RBM at t
        source = (prev + half_w, Y_U + half_h)
        arrow(ax, source, (x - half_w, Y_V - 0.1), color=HIGHLIGHT, lw=1.0)
        arrow(ax, source, (x - half_w - 0.05, Y_H - 0.05), color=HIGHLIGHT, lw=1.0, rad=0.25)
    last = STEP_X[-1]
    arrow(ax, (last + half_w, Y_U), (last + 1.05, Y_U))
    label(ax, (last + 1.3, Y_U), "…", fontsize=14)
    x1 = STEP_X[1]
    label(ax, (x1 + 0.18, (Y_V + Y_H) / 2), "$W$", ha="left")
    label(ax, (x1 + 0.1, (Y_U + Y_V) / 2), "$W_{vu}$", ha="left", fontsize=9)
    label(ax, ((STEP_X[0] + x1) / 2, Y_U - 0.22), "$W_{uu}$", fontsize=9)
    label(ax, (0.95, 0.95), "$W_{uv}$", fontsize=9, color=HIGHLIGHT)
    label(ax, (1.15, 2.45), "$W_{uh}$", fontsize=9, color=HIGHLIGHT)
    label(ax, (x1, Y_H + 0.62), "RBM at $t = 1$", fontsize=9, color=GREY)
    label(ax, (STEP_X[0], Y_U - 0.55), "RNN", fontsize=9, color=GREY)
    save(fig, path)


def draw_generation(path):
    """One step of generation: u(t-1) -> biases -> Gibbs chain from 0 ->
    v(t) -> u(t), which the next step starts from."""
    fig, ax = canvas(10.0, 3.0, xlim=(-0.8, 11.0), ylim=(-1.3, 1.55))
    y = 0.0
    state(ax, (0.0, y), "$u^{(t-1)}$", OUTPUT)
    box(ax, (1.05, y - 0.45), 1.9, 0.9, color="white")
    label(ax, (2.0, y + 0.17), "$b_v^{(t)} = b_v + W_{uv} u^{(t-1)}$", fontsize=8)
    label(ax, (2.0, y - 0.17), "$b_h^{(t)} = b_h + W_{uh} u^{(t-1)}$", fontsize=8)
    arrow(ax, (0.45, y), (1.05, y), color=HIGHLIGHT)
    # the Gibbs chain of the RBM at t, drawn as v -> h -> v ... from zeros
    chain_x = [3.7, 4.6, 5.5, 6.9]
    names = ["$0$", "$h$", "$v$", "$v^{(t)}$"]
    colors = ["white", HIDDEN, INPUT, INPUT]
    for x, name, color in zip(chain_x, names, colors):
        state(ax, (x, y), name, color, width=0.6 if x < 6 else 0.8, height=0.46, fontsize=10)
    arrow(ax, (2.95, y), (3.4, y), color=HIGHLIGHT)
    arrow(ax, (4.0, y), (4.3, y))
    arrow(ax, (4.9, y), (5.2, y))
    arrow(ax, (5.8, y), (6.05, y))
    label(ax, (6.25, y), "…", fontsize=12)
    ax.add_patch(Rectangle((3.25, y - 0.5), 4.15, 1.0, facecolor="none", edgecolor=GREY, lw=0.8, ls="--"))
    label(ax, (5.3, y + 0.75), "Gibbs chain of the RBM at $t$: $k = 25$ steps from silence", fontsize=8, color=GREY)
    # the sample goes out (the piece) and into the RNN
    state(ax, (8.7, y), "$u^{(t)}$", OUTPUT)
    arrow(ax, (7.3, y), (8.25, y))
    label(ax, (7.78, y + 0.22), "$W_{vu}$", fontsize=8)
    arrow(ax, (0.2, y - 0.25), (8.5, y - 0.25), color=GREY, lw=0.8, rad=0.18)
    label(ax, (4.4, y - 1.12), "$W_{uu}$", fontsize=8, color=GREY)
    arrow(ax, (6.9, y + 0.23), (6.9, y + 1.2), color=INK)
    label(ax, (7.05, y + 1.25), "row $t$ of the generated piano roll", ha="left", fontsize=8)
    arrow(ax, (9.15, y), (10.3, y), color=INK, ls="--")
    label(ax, (10.35, y), "step $t+1$", ha="left", fontsize=8)
    save(fig, path)


# --- the records (drawn only once they exist) ---------------------------------


def _record():
    """The recorded run, results/rnnrbm.json; a clear error if absent."""
    path = REPO / RECORD
    if not path.is_file():
        raise FileNotFoundError(f"{RECORD} does not exist yet: run the RNN-RBM with --results-json {RECORD}")
    return json.loads(path.read_text())


def draw_costs(path):
    """The printed cost per epoch of the recorded run, with the original's
    published points."""
    record = _record()
    costs = numpy.array(record["costs_per_epoch"], dtype=float)
    epochs = numpy.arange(1, len(costs) + 1)
    fig, ax = plt.subplots(figsize=(7.2, 3.8))
    finite = numpy.isfinite(costs)
    ax.plot(epochs[finite], costs[finite], "-o", ms=3, color=INK, lw=1.2, label=f"this port ({RECORD})")
    short = epochs[-1] < 20  # a short run: show the published curve's start only
    last = max(10, epochs[-1]) if short else max(PUBLISHED_COSTS)
    published = [(e, c) for e, c in PUBLISHED_COSTS.items() if numpy.isfinite(c) and e <= last]
    pe, pc = numpy.array(published).T
    ax.plot(
        pe, pc, "s", ms=6, markerfacecolor="none", markeredgecolor=HIGHLIGHT, mew=1.2,
        label="published (doc/rnnrbm.txt)",
    )
    # an epoch that printed -inf: a dotted line (grey: this port, red: published)
    infinite = [(e, GREY) for e in epochs[~finite]]
    infinite += [(e, HIGHLIGHT) for e, c in PUBLISHED_COSTS.items() if c == -math.inf and not short]
    for epoch, color in infinite:
        ax.axvline(epoch, color=color, lw=0.8, ls=":")
        ax.text(epoch, 0.97, " -inf", color=color, fontsize=8, va="top", transform=ax.get_xaxis_transform())
    ax.set_xlabel("epoch")
    ax.set_ylabel("printed cost (mean monitor)")
    if short:
        ax.set_xlim(0.5, max(10.5, epochs[-1] + 0.5))
    ax.grid(True, color="#eeeeee")
    ax.legend(fontsize=8, loc="lower right")
    save(fig, path)


def sample_file(record):
    """The first generated piece the record lists (a path in the repository)."""
    samples = record.get("samples") or []
    if not samples:
        raise FileNotFoundError(f"{RECORD} lists no generated piece")
    relative = samples[0]
    # the repository keeps the PNG that generate saved beside the MIDI file,
    # not the MIDI file (not ours to redistribute): either one is enough
    if not any((REPO / relative).with_suffix(s).is_file() for s in (".mid", ".png")):
        raise FileNotFoundError(f"{relative} (listed by {RECORD}) does not exist")
    return relative


def generated_roll(relative, r, dt):
    """The generated piano roll of the MIDI file ``relative``: decoded from the
    PNG that ``RnnRbm.generate`` saved beside it (``piano_roll_image``: 3
    pixels a cell, pitch upwards, notes black), which is the roll itself;
    without the PNG, read back from the MIDI file with ``midiread`` (which
    may lengthen some notes by a step, see machinery/midi.py)."""
    png = (REPO / relative).with_suffix(".png")
    if png.is_file():
        from PIL import Image

        image = numpy.asarray(Image.open(png).convert("L"))
        return (image[::3, ::3] == 0)[::-1].T.astype(float), png.relative_to(REPO)
    _project()
    from deeplearning_tutorials.machinery.midi import midiread

    return midiread(REPO / relative, r, dt).piano_roll, relative


def draw_sample(path):
    """The piano roll of the first generated piece of the recorded run."""
    record = _record()
    r = tuple(record.get("r", FULL_RANGE))
    dt = record.get("dt", DT)
    roll, source = generated_roll(sample_file(record), r, dt)
    assert roll.shape[1] == r[1] - r[0], f"{source}: not a roll of {r[1] - r[0]} notes"
    fig, ax = plt.subplots(figsize=(9.0, 3.6))
    ax.imshow(
        roll.T, origin="lower", aspect="auto", interpolation="nearest", cmap="gray_r",
        extent=(0, dt * len(roll), r[0] - 0.5, r[1] - 0.5),
    )
    ax.set_xlabel("time (s)")
    ax.set_ylabel("MIDI note number")
    used = numpy.flatnonzero(roll.any(axis=0))
    if used.size:
        ax.set_ylim(r[0] + used[0] - 3.5, r[0] + used[-1] + 3.5)
    ax.set_title(f"{source}, after {record['epochs']} epochs", fontsize=8, family="monospace")
    save(fig, path)


def _has_record():
    return (REPO / RECORD).is_file()


def _has_sample():
    if not _has_record():
        return False
    try:
        sample_file(_record())
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return False
    return True


FIGURES = {
    "music_piano_roll": draw_piano_roll,
    "music_rnnrbm": draw_rnnrbm,
    "music_generation": draw_generation,
}
# the data figures join once their records exist, so that a build before
# the run (draw.py draws every figure) does not fail on them
if _has_record():
    FIGURES["music_costs"] = draw_costs
if _has_sample():
    FIGURES["music_sample"] = draw_sample
