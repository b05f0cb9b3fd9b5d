"""Draw the site's figures: every diagram, demo and plot that a chapter shows.

    python doc/figures/draw.py            # all, into doc/_generated/figures/
    python doc/figures/draw.py lenet_maxpool mlp_architecture

Each chapter has a module here (``gettingstarted.py``, ``mlp.py``,
``lenet.py``, ...) whose ``FIGURES`` maps a figure's name to the function that
draws it: ``draw(path)`` writes ``path`` (a PNG). The site's build runs this
before Sphinx reads a page (doc/_ext/dlt_site.py), and draws a figure again
only when it is missing or older than its module or ``common.py``: a rebuild
costs nothing unless a drawing changed. The pages refer to the figures as
``_generated/figures/<name>.png`` (``../_generated/...`` from doc/zh/), one
file for both languages. No figure is copied from anywhere: each is drawn
here, from code, from the shipped MNIST, or from a record under results/.
"""

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "_generated" / "figures"

# the chapters' figure modules, in the order of the site
MODULES = [
    "gettingstarted", "mlp", "lenet", "autoencoders", "rbm", "hamiltonian", "contractive",
    "slot_filling", "music", "sentiment", "utilities", "favicon",
]


def figures():
    """{name: (module's file, draw function)} of every figure."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    found = {}
    for name in MODULES:
        if not (HERE / f"{name}.py").is_file():  # a chapter still to come
            continue
        module = importlib.import_module(name)
        for figure, draw in module.FIGURES.items():
            if figure in found:
                raise ValueError(f"figure {figure!r} is drawn by two modules")
            found[figure] = (Path(module.__file__), draw)
    return found


def draw_all(out=OUT, names=None, force=False, log=print):
    """Draw the figures (``names``, or all) that are missing or stale into
    ``out``; returns the paths of all of them."""
    paths = []
    common = (HERE / "common.py").stat().st_mtime
    for name, (source, draw) in figures().items():
        if names and name not in names:
            continue
        path = Path(out) / f"{name}.png"
        paths.append(path)
        newest_source = max(common, source.stat().st_mtime)
        if force or not path.is_file() or path.stat().st_mtime < newest_source:
            start = time.perf_counter()
            draw(path)
            log(f"drew {path.name} ({time.perf_counter() - start:.1f} s)")
    return paths


def main(argv):
    force = "--force" in argv
    names = [a for a in argv if not a.startswith("--")]
    unknown = set(names) - set(figures())
    if unknown:
        print(f"draw.py: no figure named {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    draw_all(names=names or None, force=force)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
