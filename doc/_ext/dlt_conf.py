"""Sphinx settings shared by the English site (doc/conf.py) and the Chinese
one (doc/zh/conf.py).

The two languages are parallel pages: doc/<chapter>.md in English and
doc/zh/<chapter>.md in Chinese, with the same names, built by two Sphinx
runs into doc/_build/html and doc/_build/html/zh (see doc/build.py). The
code (included from the modules between the snippet markers), the figures
and the tables (generated from results/ by dlt_site) are shared.
"""

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent

project = "Deep Learning Tutorials on PyTensor"
author = "the deeplearning-tutorials contributors"
copyright = "2008–2026, LISA lab (the original tutorials) and this project's contributors"

extensions = [
    "myst_parser",
    "sphinx.ext.mathjax",
    # MathJax 3 served from the site's own _static/mathjax: no CDN
    "sphinx-mathjax-offline",
    "dlt_site",
]
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
pygments_style = "sphinx"
