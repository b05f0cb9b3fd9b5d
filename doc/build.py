"""Build the tutorial's website, English and Chinese, warnings as errors:

    python doc/build.py

writes doc/_build/html (English, index.html) and doc/_build/html/zh (Chinese).
Both are Sphinx runs with MyST markdown; the Chinese pages are parallel pages
in doc/zh/ with the same names as the English ones in doc/. ``--out DIR``
builds into DIR instead of doc/_build (the tests do); other arguments go to
both sphinx-build runs (e.g. ``-q``).
"""

import sys
from pathlib import Path

from sphinx.cmd.build import build_main

DOC = Path(__file__).resolve().parent
OUT = DOC / "_build"


def build(out=OUT, argv=()):
    """Build both languages into ``out``/html; the first failing build's
    status, or 0."""
    out = Path(out)
    for source, html in [(DOC, out / "html"), (DOC / "zh", out / "html" / "zh")]:
        doctrees = out / "doctrees" / ("zh" if source.name == "zh" else "en")
        # -W: a warning fails the build; -E: read every page again, so that
        # a changed module or record is never served from a stale cache
        status = build_main(
            ["-W", "--keep-going", "-E", "-b", "html", "-d", str(doctrees), *argv, str(source), str(html)]
        )
        if status:
            return status
    return 0


def main(argv):
    argv = list(argv)
    out = OUT
    if "--out" in argv:
        i = argv.index("--out")
        out = Path(argv[i + 1])
        del argv[i : i + 2]
    return build(out, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
