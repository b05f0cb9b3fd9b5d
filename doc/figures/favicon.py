"""The site's own picture: its favicon, a tiny three-layer network (the
tutorials' subject in 64 × 64 pixels), drawn here like every other figure."""

from common import HIDDEN, INK, INPUT, OUTPUT, canvas, column, connect, save, unit


def draw_favicon(path):
    """Three columns of units, fully connected: input, hidden, output."""
    fig, ax = canvas(0.64, 0.64, xlim=(-1.3, 1.3), ylim=(-1.3, 1.3))
    layers = [column(-1.0, 3, 0.85), column(0.0, 2, 0.85), column(1.0, 1)]
    for lower, upper in zip(layers, layers[1:]):
        for a in lower:
            for b in upper:
                connect(ax, a, b, color=INK, lw=0.9, radius=0.3)
    for layer, color in zip(layers, (INPUT, HIDDEN, OUTPUT)):
        for xy in layer:
            unit(ax, xy, radius=0.3, color=color, edge=INK)
    save(fig, path, dpi=100)


FIGURES = {"site_favicon": draw_favicon}
