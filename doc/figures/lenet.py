"""The figures of the LeNet chapter (doc/convolutional_mlp.md).

Diagrams of sparse connectivity, shared weights, a convolutional layer, a
'valid' convolution, max pooling and the whole network, and a demo: a photo
convolved with two random 9x9x3 filters by this project's ``conv2d`` (the
original tutorial's demo, on the portrait of Grace Hopper that matplotlib
ships as sample data). The pooling figure's numbers come from this project's
``pool_2d``. Both run a small PyTensor function compiled in FAST_COMPILE
mode (NumPy's implementation of the Ops: nothing to compile, well under a
second).
"""

import sys

import numpy
from common import (
    GREY,
    HIDDEN,
    HIGHLIGHT,
    INK,
    INPUT,
    OUTPUT,
    REPO,
    canvas,
    column,
    connect,
    grid,
    plt,
    row,
    save,
    unit,
)
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

# the colours of the three shared weights (left, middle, right of a field)
WEIGHT_COLOURS = ["#3182bd", "#31a354", "#e6550d"]
# the colours of the two output feature maps h0 and h1
MAP_COLOURS = ["#3182bd", HIGHLIGHT]
SEED = 23455  # the original's seed, for the demo's filters


# --- small helpers ---------------------------------------------------------


def _project():
    """Import this project's PyTensor and nnet Ops (the repository on the path)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import pytensor
    import pytensor.tensor as pt

    from deeplearning_tutorials import nnet

    return pytensor, pt, nnet


def _arrow(ax, a, b, text=None, offset=0.25, fontsize=9):
    """A plain arrow from ``a`` to ``b`` with ``text`` above its middle."""
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=12, color=INK, lw=1.2))
    if text:
        ax.text((a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + offset, text, ha="center", va="bottom", fontsize=fontsize)


def _span(ax, x0, x1, y, color, height=0.56):
    """A rounded band behind the units from ``x0`` to ``x1`` at height ``y``."""
    pad = 0.28
    ax.add_patch(
        FancyBboxPatch(
            (x0 - pad, y - height / 2), x1 - x0 + 2 * pad, height,
            boxstyle="round,pad=0.02,rounding_size=0.25", facecolor=color, edgecolor="none", alpha=0.35, zorder=0,
        )
    )


def _layer_labels(ax, x, ys, names):
    """Layer names, right-aligned at ``x``, one per height in ``ys``."""
    for y, name in zip(ys, names):
        ax.text(x, y, name, ha="right", va="center", fontsize=10)


def _outline(ax, xy, rows, cols, cell, color, lw=2.2):
    """A coloured frame around ``rows`` × ``cols`` cells from ``xy`` (lower left)."""
    ax.add_patch(Rectangle(xy, cols * cell, rows * cell, fill=False, edgecolor=color, lw=lw, zorder=5))


def _line_into(ax, start, end, x_enter, colour):
    """A line from ``start`` to ``end``, under every grid except from
    ``x_enter`` on (where it runs over the target grid to its unit)."""
    t = (x_enter - start[0]) / (end[0] - start[0])
    enter = (x_enter, start[1] + t * (end[1] - start[1]))
    ax.plot([start[0], enter[0]], [start[1], enter[1]], color=colour, lw=0.9, alpha=0.8, zorder=0.5)
    ax.plot([enter[0], end[0]], [enter[1], end[1]], color=colour, lw=0.9, zorder=4)


def _cell_corner(origin, rows, r, c, cell):
    """Lower-left corner of cell (``r``, ``c``) of a grid with ``rows`` rows
    drawn by common.grid at ``origin`` (row 0 on top)."""
    return (origin[0] + c * cell, origin[1] + (rows - 1 - r) * cell)


def _stack(ax, xy, side, depth, step, color, edge=INK):
    """``depth`` squares of ``side``, each shifted by ``step`` up and right
    from the one in front: a stack of feature maps; returns the front
    square's lower-left corner (the last one drawn)."""
    x, y = xy
    for i in reversed(range(depth)):
        ax.add_patch(
            Rectangle((x + i * step, y + i * step), side, side, facecolor=color, edgecolor=edge, lw=0.8, zorder=2)
        )
    return x, y


# --- sparse connectivity and shared weights --------------------------------


def draw_sparse_connectivity(path):
    """Layers m-1, m and m+1, each unit seeing 3 neighbours of the layer
    below: the top unit's field is 3 units of layer m and 5 of layer m-1."""
    fig, ax = canvas(6.4, 3.4, xlim=(-2.6, 6.9), ylim=(-0.6, 4.4))
    heights = [0.0, 1.8, 3.6]
    layers = [row(heights[0], 7, 1.0, 3.0), row(heights[1], 5, 1.0, 3.0), row(heights[2], 3, 1.0, 3.0)]
    top = layers[2][1]
    # the top unit and the units of its field in layer m: their connections
    # are the paths from the top unit down to its field in layer m-1
    highlighted = [top, *layers[1][1:4]]
    _span(ax, 2, 4, heights[1], HIGHLIGHT)
    _span(ax, 1, 5, heights[0], HIGHLIGHT)
    for below, above in zip(layers, layers[1:]):
        for j, a in enumerate(above):
            on_path = a in highlighted
            for b in below[j : j + 3]:
                connect(ax, b, a, color=HIGHLIGHT if on_path else GREY, lw=1.6 if on_path else 0.8, radius=0.22)
    for units, colour in zip(layers, [INPUT, HIDDEN, OUTPUT]):
        for xy in units:
            unit(ax, xy, radius=0.22, color=colour)
    unit(ax, top, radius=0.22, color=OUTPUT, edge=HIGHLIGHT)
    _layer_labels(ax, -0.6, heights, ["layer m-1", "layer m", "layer m+1"])
    ax.text(6.55, heights[1], "field: 3", ha="left", va="center", fontsize=9, color=HIGHLIGHT)
    ax.text(6.55, heights[0], "field: 5", ha="left", va="center", fontsize=9, color=HIGHLIGHT)
    save(fig, path)


def draw_shared_weights(path):
    """Three units of one feature map over five inputs: the connections at
    the same place of each unit's field have the same colour, one weight."""
    fig, ax = canvas(6.0, 3.0, xlim=(-2.6, 6.6), ylim=(-0.9, 2.6))
    inputs = row(0.0, 5, 1.0, 2.0)
    hidden = row(1.9, 3, 1.0, 2.0)
    for j, h in enumerate(hidden):
        for position, x in enumerate(inputs[j : j + 3]):
            connect(ax, x, h, color=WEIGHT_COLOURS[position], lw=2.2, radius=0.22)
    for xy in inputs:
        unit(ax, xy, radius=0.22, color=INPUT)
    for j, xy in enumerate(hidden):
        unit(ax, xy, radius=0.22, color=HIDDEN, label=f"$h_{j + 1}$", fontsize=8)
    _layer_labels(ax, -0.6, [0.0, 1.9], ["layer m-1", "feature map"])
    for position, (name, colour) in enumerate(zip(["$w_1$", "$w_2$", "$w_3$"], WEIGHT_COLOURS)):
        y = 1.9 - 0.55 * position
        ax.plot([5.0, 5.45], [y, y], color=colour, lw=2.2)
        ax.text(5.6, y, name, va="center", fontsize=10)
    save(fig, path)


# --- a convolutional layer and a 'valid' convolution -----------------------


def _filter_matrix(ax, origin, n_out, n_in, cell):
    """The 4-D weight tensor as a matrix of 2x2 filters: row k (output map)
    column l (input map), each row in its output map's colour."""
    x0, y0 = origin
    gap = 2 * cell + 0.18
    for k in range(n_out):
        for l in range(n_in):
            xy = (x0 + l * gap, y0 - k * gap)
            grid(ax, xy, 2, 2, cell=cell, color="white", edge=MAP_COLOURS[k], lw=1.2)
        ax.text(x0 - 0.15, y0 - k * gap + cell, f"$W^{k}$", ha="right", va="center", fontsize=10, color=MAP_COLOURS[k])
    for l in range(n_in):
        ax.text(x0 + l * gap + cell, y0 + 2 * cell + 0.12, f"l={l}", ha="center", va="bottom", fontsize=8)


def draw_conv_layer(path):
    """Layer m-1 with four 5x5 feature maps, layer m with two 4x4 maps, each
    of whose units sees the same 2x2 patch of all four input maps."""
    cell = 0.3
    fig, ax = canvas(6.6, 6.4, xlim=(-1.2, 9.0), ylim=(-1.6, 9.2))
    # input maps: a column of four 5x5 grids
    inputs = [(0.0, 7.0 - 2.0 * i) for i in range(4)]
    for l, xy in enumerate(inputs):
        grid(ax, xy, 5, 5, cell=cell, color=INPUT)
        ax.text(xy[0] - 0.15, xy[1] + 2.5 * cell, f"$x^{l}$", ha="right", va="center", fontsize=10)
    # output maps: two 4x4 grids
    outputs = [(6.6, 5.8), (6.6, 2.0)]
    for k, xy in enumerate(outputs):
        grid(ax, xy, 4, 4, cell=cell, color=HIDDEN)
        ax.text(xy[0] + 4 * cell + 0.15, xy[1] + 2 * cell, f"$h^{k}$", ha="left", va="center", fontsize=11)
    # unit (0, 0) of h0 and unit (2, 2) of h1, and the patches they see
    targets = [(0, 0), (2, 2)]
    for k, (r, c) in enumerate(targets):
        colour = MAP_COLOURS[k]
        pixel = _cell_corner(outputs[k], 4, r, c, cell)
        ax.add_patch(Rectangle(pixel, cell, cell, facecolor=colour, edgecolor=INK, lw=0.8, zorder=5))
        end = (pixel[0], pixel[1] + cell / 2)
        for xy in inputs:
            corner = _cell_corner(xy, 5, r + 1, c, cell)
            _outline(ax, corner, 2, 2, cell, colour)
            start = (corner[0] + 2 * cell, corner[1] + cell)
            _line_into(ax, start, end, outputs[k][0], colour)
    ax.text(0.75, 8.85, "layer m-1: 4 maps", ha="center", fontsize=10)
    ax.text(7.2, 8.85, "layer m: 2 maps", ha="center", fontsize=10)
    # the weight tensor below the connections
    _filter_matrix(ax, (2.4, -0.25), 2, 4, 0.25)
    ax.text(4.1, -1.45, "W: 2 x 4 x 2 x 2", ha="center", fontsize=10)
    save(fig, path)


def draw_valid_convolution(path):
    """A 3x3 filter at one position of a 6x6 input and the output unit it
    gives: 'valid' positions only, so the output is (6-3+1) x (6-3+1)."""
    cell = 0.4
    fig, ax = canvas(7.0, 3.0, xlim=(-0.3, 8.2), ylim=(-0.8, 2.6))
    image = (0.0, 0.0)
    filt = (3.5, 0.6)
    output = (6.2, 0.4)
    grid(ax, image, 6, 6, cell=cell, color=INPUT)
    grid(ax, filt, 3, 3, cell=cell, color="white", edge=HIGHLIGHT, lw=1.2)
    grid(ax, output, 4, 4, cell=cell, color=HIDDEN)
    r, c = 1, 2  # the window's top-left cell, and the output unit it makes
    _outline(ax, _cell_corner(image, 6, r + 2, c, cell), 3, 3, cell, HIGHLIGHT)
    made = _cell_corner(output, 4, r, c, cell)
    ax.add_patch(Rectangle(made, cell, cell, facecolor=HIGHLIGHT, edgecolor=INK, zorder=5))
    ax.text(3 * cell, -0.45, "input 6 x 6", ha="center", fontsize=10)
    ax.text(filt[0] + 1.5 * cell, -0.45, "filter 3 x 3", ha="center", fontsize=10)
    ax.text(output[0] + 2 * cell, -0.45, "output 4 x 4", ha="center", fontsize=10)
    ax.text((image[0] + 6 * cell + filt[0]) / 2, 1.2, "*", ha="center", va="center", fontsize=18)
    _arrow(ax, (filt[0] + 3 * cell + 0.15, 1.2), (output[0] - 0.15, 1.2))
    save(fig, path)


# --- max pooling ------------------------------------------------------------


def max_pool(values, ws=(2, 2)):
    """``values`` (a 2-D array) max-pooled over ``ws`` windows by this
    project's ``pool_2d``, through a small FAST_COMPILE function."""
    pytensor, pt, nnet = _project()
    x = pt.dtensor4("x")
    pool = pytensor.function([x], nnet.pool_2d(x, ws, ignore_border=True), mode="FAST_COMPILE")
    return pool(numpy.asarray(values, dtype="float64")[None, None])[0, 0]


def draw_maxpool(path):
    """A 4x4 map, its four 2x2 windows shaded, the maximum of each framed,
    and the 2x2 map of maxima that pool_2d returns."""
    values = numpy.random.RandomState(1).randint(0, 10, size=(4, 4))
    pooled = max_pool(values)
    shades = ["#c6dbef", "#c7e9c0", "#fdd0a2", "#dadaeb"]
    cell = 0.6
    fig, ax = canvas(5.6, 2.9, xlim=(-0.2, 5.6), ylim=(-0.6, 2.55))
    left, right = (0.0, 0.0), (3.9, 0.6)
    for i in range(2):
        for j in range(2):
            shade = shades[2 * i + j]
            block = values[2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
            for r in range(2):
                for c in range(2):
                    grid(ax, _cell_corner(left, 4, 2 * i + r, 2 * j + c, cell), 1, 1, cell=cell, color=shade)
            r, c = numpy.unravel_index(numpy.argmax(block), block.shape)
            _outline(ax, _cell_corner(left, 4, 2 * i + r, 2 * j + c, cell), 1, 1, cell, HIGHLIGHT, lw=2)
            grid(ax, _cell_corner(right, 2, i, j, cell), 1, 1, cell=cell, color=shade)
            ax.text(right[0] + (j + 0.5) * cell, right[1] + (1.5 - i) * cell, f"{pooled[i, j]:.0f}",
                    ha="center", va="center", fontsize=11, weight="bold")
    for r in range(4):
        for c in range(4):
            ax.text((c + 0.5) * cell, (3.5 - r) * cell, f"{values[r, c]}", ha="center", va="center", fontsize=11)
    _arrow(ax, (2.65, 1.2), (3.7, 1.2), "max 2 x 2", offset=0.12)
    ax.text(1.2, -0.4, "4 x 4 map", ha="center", fontsize=10)
    ax.text(4.5, 0.2, "2 x 2 map", ha="center", fontsize=10)
    save(fig, path)


# --- the whole network --------------------------------------------------------


def draw_architecture(path):
    """LeNet as stacks of squares: 28x28 input, 20 maps 24x24, pooled to
    12x12, 50 maps 8x8, pooled to 4x4, 500 hidden units, 10 outputs."""
    scale, step, gap = 0.085, 0.13, 1.25  # inches per pixel, stack offset, space between stages
    fig, ax = canvas(11.5, 3.8, ylim=(-1.6, 3.9))
    stages = [  # (side in pixels, maps drawn, colour, label, operation that follows)
        (28, 1, INPUT, "input\n1 @ 28 x 28", "conv 5x5"),
        (24, 6, HIDDEN, "conv\n20 @ 24 x 24", "max 2x2"),
        (12, 6, HIDDEN, "pool\n20 @ 12 x 12", "conv 5x5"),
        (8, 8, HIDDEN, "conv\n50 @ 8 x 8", "max 2x2"),
        (4, 8, HIDDEN, "pool\n50 @ 4 x 4", "flatten"),
    ]
    x, fronts = 0.0, []
    for side, depth, colour, label, operation in stages:
        size = side * scale
        fronts.append(_stack(ax, (x, 1.2 - size / 2), size, depth, step, colour))
        width = size + (depth - 1) * step
        ax.text(x + width / 2, -1.0, label, ha="center", va="center", fontsize=9)
        _arrow(ax, (x + width + 0.2, 3.1), (x + width + gap - 0.2, 3.1), operation, offset=0.1, fontsize=8)
        x += width + gap
    # one 5x5 window of the input and the unit of the first map it makes
    (ix, iy), (cx, cy) = fronts[0], fronts[1]
    _outline(ax, (ix + 4 * scale, iy + 17 * scale), 5, 5, scale, HIGHLIGHT, lw=1.5)
    ax.add_patch(Rectangle((cx + 4 * scale, cy + 17 * scale), scale, scale, color=HIGHLIGHT, zorder=6))
    for dy in (0, 5 * scale):
        ax.plot([ix + 9 * scale, cx + 4 * scale], [iy + 17 * scale + dy, cy + 17 * scale + (dy > 0) * scale],
                color=HIGHLIGHT, lw=0.8, zorder=6)
    # the MLP on top: 500 tanh units and 10 softmax outputs
    hidden_x, output_x = x + 0.1, x + 2.3
    hidden, outputs = column(hidden_x, 7, 0.38, 1.2), column(output_x, 5, 0.38, 1.2)
    for h in hidden:
        for o in outputs:
            connect(ax, h, o, lw=0.4, radius=0.13)
    for units, colour in [(hidden, HIDDEN), (outputs, OUTPUT)]:
        for xy in units:
            unit(ax, xy, radius=0.13, color=colour)
    _arrow(ax, (hidden_x + 0.25, 3.1), (output_x - 0.25, 3.1), "softmax", offset=0.1, fontsize=8)
    ax.text(hidden_x, -1.0, "hidden\n500 tanh", ha="center", va="center", fontsize=9)
    ax.text(output_x, -1.0, "output\n10 classes", ha="center", va="center", fontsize=9)
    ax.set_xlim(-0.3, output_x + 0.9)
    save(fig, path)


# --- the convolution demo -------------------------------------------------------


def demo_image(height=256):
    """Matplotlib's sample portrait (grace_hopper.jpg), resized to ``height``
    rows, as float32 RGB in [0, 1)."""
    import matplotlib.cbook as cbook
    from PIL import Image

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as image:
        image = image.convert("RGB")
        width = round(image.width * height / image.height)
        image = image.resize((width, height), Image.LANCZOS)
        return numpy.asarray(image, dtype="float32") / 256.0


def random_filter_layer(rng, n_filters=2, channels=3, size=9):
    """The demo's layer: ``sigmoid(conv2d(input, W) + b)`` with ``W`` uniform
    in ±1/sqrt(channels · size · size) and ``b`` uniform in ±0.5, drawn from
    ``rng`` as the original does; returns the compiled function."""
    pytensor, pt, nnet = _project()
    x = pt.tensor4("input", dtype="float32")
    bound = numpy.sqrt(channels * size * size)
    W = pytensor.shared(
        rng.uniform(low=-1.0 / bound, high=1.0 / bound, size=(n_filters, channels, size, size)).astype("float32"),
        name="W",
    )
    b = pytensor.shared(rng.uniform(low=-0.5, high=0.5, size=(n_filters,)).astype("float32"), name="b")
    output = pt.sigmoid(nnet.conv2d(x, W) + b.dimshuffle("x", 0, "x", "x"))
    return pytensor.function([x], output, mode="FAST_COMPILE")


def draw_convolution_demo(path):
    """The photo and the two feature maps of two random 9x9x3 filters."""
    image = demo_image()
    layer = random_filter_layer(numpy.random.RandomState(SEED))
    maps = layer(image.transpose(2, 0, 1)[None])[0]
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.9))
    panels = [(image, None, "input (3 channels)"), (maps[0], "gray", "map 0"), (maps[1], "gray", "map 1")]
    for ax, (picture, cmap, title) in zip(axes, panels):
        ax.imshow(picture, cmap=cmap)
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
    fig.tight_layout()
    save(fig, path)


FIGURES = {
    "lenet_sparse_connectivity": draw_sparse_connectivity,
    "lenet_shared_weights": draw_shared_weights,
    "lenet_conv_layer": draw_conv_layer,
    "lenet_valid_convolution": draw_valid_convolution,
    "lenet_convolution_demo": draw_convolution_demo,
    "lenet_maxpool": draw_maxpool,
    "lenet_architecture": draw_architecture,
}
