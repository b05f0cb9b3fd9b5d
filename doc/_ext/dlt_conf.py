"""Sphinx settings shared by the English site (doc/conf.py) and the Chinese
one (doc/zh/conf.py).

The two languages are parallel pages: doc/<chapter>.md in English and
doc/zh/<chapter>.md in Chinese, with the same names, built by two Sphinx
runs into doc/_build/html and doc/_build/html/zh (see doc/build.py). The
code (included from the modules between the snippet markers), the figures
and the tables (generated from results/ by dlt_site) are shared.
"""

import subprocess
from importlib import metadata
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent


def _version():
    """The package's version, installed or as setup.py says."""
    try:
        return metadata.version("deeplearning-tutorials")
    except metadata.PackageNotFoundError:
        import re

        return re.search(r'version="([^"]+)"', (DOC.parent / "setup.py").read_text())[1]


def _commit():
    """The commit the site is built from (with "+" if the tree has changes),
    or "unknown" outside a git checkout."""

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=DOC, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()

    try:
        return git("rev-parse", "--short=10", "HEAD") + ("+" if git("status", "--porcelain") else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


project = "Deep Learning Tutorials on PyTensor"
author = "the deeplearning-tutorials contributors"
copyright = "2008–2026, LISA lab (the original tutorials) and this project's contributors"

extensions = [
    "myst_parser",
    "sphinx.ext.mathjax",
    # MathJax 3 served from the site's own _static/mathjax: no CDN
    "sphinx-mathjax-offline",
    # a copy button on every code block; the prompts and outputs are left out
    "sphinx_copybutton",
    "dlt_site",
]
copybutton_exclude = ".linenos, .gp, .go"
source_suffix = {".md": "markdown"}
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
# Markdown links to files outside the site (the modules, results/) stay
# plain links
myst_url_schemes = ["http", "https", "mailto"]

templates_path = [str(DOC / "_templates")]
html_static_path = [str(DOC / "_static")]
html_css_files = ["dlt.css"]
html_theme = "alabaster"
html_theme_options = {
    "description": "LISA lab's tutorials, ported faithfully",
    "page_width": "1180px",
    # previous / next links above and below every page: the reading order
    # of the index's toctrees
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
html_last_updated_fmt = None
# the favicon is drawn by doc/figures/favicon.py, like every figure
html_favicon = str(DOC / "_generated" / "figures" / "site_favicon.png")
# the footer names the version and the commit the site was built from
version = release = _version()
html_context = {"dlt_version": release, "dlt_commit": _commit()}
pygments_style = "sphinx"
