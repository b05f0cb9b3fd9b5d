"""The site's Sphinx extension: generates the figures and tables from
results/ before the pages are read (dlt_generate), and gives every page the
link to the same page in the other language."""

import sys

import dlt_generate

LANGUAGES = {
    # this build's language: (the other's code, its label, the way from this
    # build's root to the other's)
    "en": ("zh-CN", "中文", "zh/"),
    "zh_CN": ("en", "English", "../"),
}


def generate(app, config=None):
    sys.path.insert(0, str(dlt_generate.REPO))
    dlt_generate.generate()


def language_switch(app, pagename, templatename, context, doctree):
    other, label, way = LANGUAGES[app.config.language]
    depth = pagename.count("/")
    context["dlt_other_lang"] = other
    context["dlt_other_label"] = label
    context["dlt_other_url"] = "../" * depth + way + pagename + ".html"


def setup(app):
    # at config-inited, before Sphinx checks that html_favicon (drawn here)
    # exists
    app.connect("config-inited", generate)
    app.connect("html-page-context", language_switch)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
