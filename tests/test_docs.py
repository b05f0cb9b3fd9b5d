"""The tutorial's website (doc/, ``python doc/build.py``): it builds in both
languages with warnings as errors, quotes its code from the modules between
the snippet markers, draws its figures and tables from results/, and renders
in a real browser (headless Chromium, Debian's ``chromium`` and
``chromium-driver``): MathJax typeset the math, the code is there, the
images load, every page links to the same page in the other language.

The site is built once per test session (one Sphinx run per language) and
served to the browser over HTTP from a local server.
"""

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import REPO
from test_doc_figures import audit

DOC = REPO / "doc"
sys.path.insert(0, str(DOC / "_ext"))

import dlt_generate  # noqa: E402

# The chapters, in the order of the index; each is doc/<name>.md in English
# and doc/zh/<name>.md in Chinese.
# the tutorials that train on MNIST and have a learning curve, and all of
# them: those, the contractive autoencoder, the HMC sampler and the three
# sequence chapters
TRAINED = ["logistic_sgd", "logistic_cg", "mlp", "convolutional_mlp", "dA", "SdA", "rbm", "DBN"]
TUTORIALS = [*TRAINED[:6], "cA", "rbm", "DBN", "hmc", "rnnslu", "lstm", "rnnrbm"]
CHAPTERS = [
    "gettingstarted",
    *TUTORIALS,
    "utilities",
    "references",
    "glossary",
    *["usage", "practices", "sweep", "porting", "backends", "performance", "results"],
]
LANGUAGES = {"en": "", "zh": "zh/"}

INCLUDE = re.compile(r"```\{literalinclude\}[^\n]*\n(.*?)```", re.S)
# on CI (CI=true) a test that needs the browser fails instead of skipping
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def chapter_sources(lang):
    folder = DOC / LANGUAGES[lang]
    return {p.stem for p in folder.glob("*.md")} - {"index"}


# --- what can be checked without building --------------------------------


def test_every_chapter_exists_in_both_languages():
    assert chapter_sources("en") == set(CHAPTERS)
    assert chapter_sources("zh") == set(CHAPTERS)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_chapter_is_in_the_index(lang):
    index = (DOC / LANGUAGES[lang] / "index.md").read_text()
    listed = re.findall(r"^(\w+)$", index, re.M)
    assert listed == CHAPTERS


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_tutorial_quotes_its_module_between_snippet_markers(lang):
    """Code is included, never pasted: every literalinclude takes the lines
    between a start and an end marker of the same number, and every tutorial
    chapter includes each snippet of its module."""
    for name in TUTORIALS:
        text = (DOC / LANGUAGES[lang] / f"{name}.md").read_text()
        options = INCLUDE.findall(text)
        snippets = []
        for block in options:
            start = re.search(r":start-after: start-snippet-(\d+)\n", block)
            end = re.search(r":end-before: end-snippet-(\d+)\n", block)
            assert start and end and start[1] == end[1], f"{lang}/{name}: {block}"
            snippets.append(int(start[1]))
        module = (REPO / "deeplearning_tutorials" / f"{name}.py").read_text()
        markers = sorted({int(n) for n in re.findall(r"start-snippet-(\d+)", module)})
        assert sorted(snippets) == markers, f"{lang}/{name}"


# Han characters per chapter of the Chinese translation of the original's
# chapters 1-7 that this project's Chinese pages were planned from (counted
# in issue 29): each Chinese chapter here has at least 80 % of them
SEED_HAN = {
    "gettingstarted": 2128,
    "logistic_sgd": 1124,
    "mlp": 1700,
    "convolutional_mlp": 3075,
    "dA": 2256,
    "SdA": 1546,
    "rbm": 2906,
}
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("name", SEED_HAN)
def test_the_chinese_chapter_is_at_least_as_complete_as_the_seed(name):
    han = len(HAN.findall((DOC / "zh" / f"{name}.md").read_text(encoding="utf-8")))
    assert han >= 0.8 * SEED_HAN[name], han


@pytest.mark.parametrize("name", CHAPTERS)
def test_the_chinese_page_has_the_english_pages_sections_and_figures(name):
    """A twin, not a summary: as many headings and figures as the English
    page, and its equations (sys.path has doc/_ext: dlt_inventory counts)."""
    import dlt_inventory

    en, zh = (dlt_inventory.count_markdown(dlt_inventory.page(name, lang).read_text(encoding="utf-8")) for lang in ("en", "zh"))
    assert len(zh["headings"]) == len(en["headings"])
    assert zh["figures"] == en["figures"]
    assert zh["math"] >= 0.95 * en["math"]


def test_the_chinese_pages_follow_the_timing_convention():
    """As in README.md and doc/ (tests/test_doc_figures.py): a timing names
    the record under results/ that holds it."""
    for page in sorted((DOC / "zh").glob("*.md")):
        assert audit(page) == ([], []), page.name


def test_the_log_parser_reads_epochs_runs_and_resumed_lines():
    log = "\n".join(
        [
            "Pre-training layer 0, epoch 0, cost 71.672719",
            "Pre-training layer 1, epoch 0, cost  -98.57",
            "epoch 1, minibatch 83/83, validation error 12.000000 %",
            "     epoch 1, minibatch 83/83, test error of best model 11.500000 %",
            "epoch 2, minibatch 83/83, validation error 10.000000 %",
            "epoch 2, minibatch 83/83, validation error 9.000000 %",  # resumed
            "Training epoch 0, cost  63.2",
            "Training epoch 1, cost  55.7",
            "Training epoch 0, cost is  -89.8",
            "Training epoch 1, cost is  -",  # a line still being written
        ]
    )
    parsed = dlt_generate.parse_log(log)
    assert parsed["validation"] == {1: 12.0, 2: 9.0}
    assert parsed["test"] == {1: 11.5}
    assert parsed["pretraining"] == {0: {0: 71.672719}, 1: {0: -98.57}}
    assert parsed["training"] == [{0: 63.2, 1: 55.7}, {0: -89.8}]


def test_the_log_parser_numbers_logistic_cgs_iterations():
    """logistic_cg prints one validation error per iteration of fmin_cg,
    without its number: they are numbered from 1."""
    log = "\n".join(
        [
            "Optimizing using scipy.optimize.fmin_cg...",
            "validation error 29.989583 %",
            "validation error 24.656250 %",
            "Optimization complete with best validation score of 24.656250 %, "
            "with test performance 25.000000 %",
        ]
    )
    assert dlt_generate.parse_log(log)["validation"] == {1: 29.989583, 2: 24.65625}


def test_a_log_without_epochs_yet_is_passed_over(tmp_path, monkeypatch):
    """A run that has just started (its log holds no epoch yet) does not
    replace the earlier run's curve."""
    (tmp_path / "pytensor_rng").mkdir()
    (tmp_path / "DBN.log").write_text("... loading data\n... building the model\n")
    (tmp_path / "pytensor_rng" / "DBN.log").write_text("Training epoch 0, cost  1.5\n")
    monkeypatch.setattr(dlt_generate, "RESULTS", tmp_path)
    monkeypatch.setattr(dlt_generate, "REPO", tmp_path.parent)
    assert dlt_generate.record("DBN", ".log") == f"{tmp_path.name}/pytensor_rng/DBN.log"
    (tmp_path / "DBN.log").write_text("Pre-training layer 0, epoch 0, cost  -98.5\n")
    assert dlt_generate.record("DBN", ".log") == f"{tmp_path.name}/DBN.log"


def test_a_literalinclude_without_its_marker_fails_the_build(tmp_path):
    """The site's includes name the markers with start-after/end-before:
    Sphinx warns when a marker is missing, and -W (doc/build.py) makes the
    warning fail the build; the same include with a marker that exists
    builds."""
    module = REPO / "deeplearning_tutorials" / "logistic_sgd.py"

    def build(n):
        src = tmp_path / f"src{n}"
        src.mkdir()
        (src / "conf.py").write_text('extensions = ["myst_parser"]\n')
        shutil.copy(module, src / module.name)
        (src / "index.md").write_text(
            f"# Title\n\n```{{literalinclude}} {module.name}\n:language: python\n"
            f":start-after: start-snippet-{n}\n:end-before: end-snippet-{n}\n```\n"
        )
        return subprocess.run(
            [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(src), str(tmp_path / f"out{n}")],
            capture_output=True,
            text=True,
        )

    missing = build(99)
    assert missing.returncode != 0
    assert "start-after pattern not found: start-snippet-99" in missing.stderr
    assert build(1).returncode == 0


# --- the references page ---------------------------------------------------
# doc/references.md (and doc/zh/references.md) has one entry per work, a
# `### Label` heading (MyST's anchor: the label in lower case), and a table
# of all of them at the top. The chapters cite a work by its label in
# brackets, [Label], as the original's pages do, or by its authors, and
# link the entry: [Label](references.md#label).

# a label: the authors' names run together and the year's last two digits
# (Vincent08, LeCun98b, IFT6266); Fukushima, of the original's list, has none
LABEL = re.compile(r"\[([A-Z][A-Za-z]+\d{2,4}[a-z]?|Fukushima)\]")
ENTRY_LINK = re.compile(r"\]\(references\.md#([\w-]+)\)")
CHAPTER_LINK = re.compile(r"\]\((\w+)\.md\)")
CITED_IN = {"en": "**Cited in:**", "zh": "**引用章节：**"}


def references_page(lang):
    """The entries ({anchor: text}) and the table's rows ({anchor: (label,
    text)}) of the references page in `lang`."""
    text = (DOC / LANGUAGES[lang] / "references.md").read_text(encoding="utf-8")
    parts = re.split(r"^### (\S+)\n", text, flags=re.M)
    entries = {label.lower(): body.split("\n## ")[0] for label, body in zip(parts[1::2], parts[2::2])}
    rows = {
        anchor: (label, row)
        for label, anchor, row in re.findall(r"^\| \[(\w+)\]\(#([\w-]+)\) \|(.*)$", parts[0], re.M)
    }
    return entries, rows


def citations(lang):
    """{anchor: chapters that cite it}, from every page but the references
    page: its links to an entry, and its labels in brackets."""
    cited = {}
    for name in set(CHAPTERS) - {"references"}:
        text = (DOC / LANGUAGES[lang] / f"{name}.md").read_text(encoding="utf-8")
        anchors = set(ENTRY_LINK.findall(text)) | {label.lower() for label in LABEL.findall(text)}
        for anchor in anchors:
            cited.setdefault(anchor, set()).add(name)
    return cited


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_work_a_chapter_cites_has_an_entry_in_the_table_and_its_chapters(lang):
    """Each label a page writes in brackets, and each link it makes to the
    references page, has an entry there; the table at the top lists every
    entry once, in the order of the labels, and its 'cited in' column, like
    the entry's own line, names exactly the chapters that cite the work."""
    entries, rows = references_page(lang)
    cited = citations(lang)
    assert sorted(set(cited) - set(entries)) == []
    assert list(rows) == sorted(entries, key=lambda anchor: rows.get(anchor, (anchor,))[0])
    for anchor, (label, row) in rows.items():
        assert label.lower() == anchor
        chapters = set(CHAPTER_LINK.findall(row.rsplit("|", 2)[-2]))
        assert chapters == cited.get(anchor, set()), (anchor, "table")
        cited_in = entries[anchor].split(CITED_IN[lang], 1)[1]
        assert set(CHAPTER_LINK.findall(cited_in)) == chapters, (anchor, "entry")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_chapters_lists_of_references_link_the_entries(lang):
    """As the older chapters do: each item of a chapter's list of references
    starts with its label linked to the entry, and a citation in the text
    links the entry, not the chapter's own list."""
    heading = {"en": "## References", "zh": "## 参考文献"}[lang]
    for name in TUTORIALS + ["gettingstarted"]:
        text = (DOC / LANGUAGES[lang] / f"{name}.md").read_text(encoding="utf-8")
        own_list = text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
        for item in re.findall(r"^[*-] (.*)", own_list, re.M):
            label = re.match(r"\[(\w+)\]\(references\.md#([\w-]+)\)[:：]", item)
            assert label and label[1].lower() == label[2], (name, item[:40])
        assert not re.search(r"\]\(#(references|参考文献)\)", text), name


# --- the built site --------------------------------------------------------


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """Both languages built once, with warnings as errors, as `python
    doc/build.py` builds them."""
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, str(DOC / "build.py"), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return out / "html"


def test_the_site_has_every_chapter_in_both_languages(site):
    for lang, prefix in LANGUAGES.items():
        for name in ["index", *CHAPTERS]:
            assert (site / f"{prefix}{name}.html").is_file(), f"{lang}/{name}"


def test_the_mathjax_is_served_by_the_site(site):
    """No CDN: each page loads MathJax from the site's own _static."""
    for prefix in LANGUAGES.values():
        html = (site / f"{prefix}rbm.html").read_text()
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
        mathjax = [s for s in scripts if "mathjax" in s.lower()]
        assert mathjax, "no MathJax script"
        assert all("://" not in s and not s.startswith("//") for s in scripts), scripts
        target = (site / prefix / mathjax[0].split("?")[0]).resolve()
        assert target.is_file() and target.stat().st_size > 100_000, target


def test_the_results_table_agrees_with_the_records(site):
    """Each row of the results page: the record's errors and epochs, as the
    record under results/ has them."""
    rows = dlt_generate.results_rows("en")
    assert len(rows) >= 5
    for lang, prefix in LANGUAGES.items():
        html = (site / f"{prefix}results.html").read_text()
        for row in rows:
            path = re.search(r"`(results/[^`]+)`", row)[1]
            record = json.loads((REPO / path).read_text())
            cells = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
            (cell,) = [c for c in cells if path in c]
            expected = (
                f"{record['best_validation_error_percent']:.2f} / "
                f"{record['test_error_percent']:.2f}"
            )
            assert expected in cell, (lang, path)
            assert f">{record['epochs']}<" in cell, (lang, path)


def test_a_learning_curve_per_tutorial(site):
    images = {p.name for p in (site / "_images").iterdir()}
    zh_images = {p.name for p in (site / "zh" / "_images").iterdir()}
    for name in TRAINED:
        assert f"{name}.png" in images and f"{name}.png" in zh_images, name


# --- in the browser --------------------------------------------------------


def chromium_missing():
    missing = [b for b in ("chromium", "chromedriver") if shutil.which(b) is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    return missing


@pytest.fixture(scope="session")
def browser():
    missing = chromium_missing()
    if missing:
        message = (
            f"needs headless Chromium: {', '.join(missing)} not found "
            "(apt-get install chromium chromium-driver; .ci/run installs them)"
        )
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument("--window-size=1200,1600")
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 128  # the browser opens many connections at once

    httpd = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def open_page(browser, url):
    """Load a page and wait until MathJax has typeset it."""
    browser.get(url)
    browser.set_script_timeout(60)
    return browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const started = Date.now();
        (function wait() {
            if (Date.now() - started > 45000) { done("MathJax did not start"); return; }
            if (document.readyState !== "complete") { setTimeout(wait, 100); return; }
            const scripts = Array.from(document.scripts).filter(s => /mathjax/i.test(s.src));
            if (!scripts.length) { done("no MathJax"); return; }
            if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
                MathJax.startup.promise.then(() => done("typeset"), e => done("failed: " + e));
            } else {
                setTimeout(wait, 100);
            }
        })();
        """
    )


RENDERED = """
const math = document.querySelectorAll("div.math, span.math");
return {
  lang: document.documentElement.lang,
  mathjax: document.querySelectorAll("mjx-container").length,
  math: math.length,
  untypeset: Array.from(math).filter(m => !m.querySelector("mjx-container")).length,
  text: document.body.innerText,
  code: Array.from(document.querySelectorAll("div.highlight pre")).map(p => p.textContent),
  images: Array.from(document.images).map(i => [i.getAttribute("src"), i.complete && i.naturalWidth > 0]),
  other: (document.querySelector("a.dlt-lang-link") || {}).href,
};
"""

# a page of each kind, in both languages: a tutorial with math, code and
# the filter images; the results page with its generated table
PAGES = [
    (lang, name)
    for lang in LANGUAGES
    for name in ("logistic_sgd", "dA", "rbm", "results")
]


def snippet_line(name):
    """The first statement of the module's first snippet."""
    module = (REPO / "deeplearning_tutorials" / f"{name}.py").read_text()
    n = re.search(r"start-snippet-(\d+)", module)[1]
    code = module.split(f"start-snippet-{n}\n", 1)[1].split(f"end-snippet-{n}")[0]
    return next(
        line.strip() for line in code.splitlines() if line.strip() and not line.strip().startswith("#")
    )


@pytest.mark.parametrize("lang,name", PAGES)
def test_the_browser_renders_math_code_and_images(browser, server, lang, name):
    url = server + LANGUAGES[lang] + f"{name}.html"
    # Sphinx loads MathJax only on pages with math
    expected = "no MathJax" if name == "results" else "typeset"
    assert open_page(browser, url) == expected
    page = browser.execute_script(RENDERED)
    assert page["lang"] == {"en": "en", "zh": "zh-CN"}[lang]
    if name != "results":
        assert page["math"] > 0
        assert page["mathjax"] >= page["math"]
        assert page["untypeset"] == 0
        assert "$$" not in page["text"] and "\\[" not in page["text"]
        assert any(snippet_line(name) in code for code in page["code"]), "included code"
        assert page["images"], "no image on the page"
    else:
        for row in dlt_generate.results_rows(lang):
            assert re.search(r"`(results/[^`]+)`", row)[1] in page["text"]
    broken = [src for src, loaded in page["images"] if not loaded]
    assert broken == []
    other = {"en": "zh/", "zh": ""}[lang] + f"{name}.html"
    assert page["other"] == server + other


def test_the_language_switch_leads_to_the_same_chapter(browser, server):
    from selenium.webdriver.support.ui import WebDriverWait

    def arrived(url):
        return lambda d: d.current_url == url and d.execute_script(
            "return document.readyState"
        ) == "complete"

    browser.get(server + "mlp.html")
    WebDriverWait(browser, 30).until(arrived(server + "mlp.html"))
    browser.find_element("css selector", "a.dlt-lang-link").click()
    WebDriverWait(browser, 30).until(arrived(server + "zh/mlp.html"))
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    assert "多层感知机" in browser.title
    browser.find_element("css selector", "a.dlt-lang-link").click()
    WebDriverWait(browser, 30).until(arrived(server + "mlp.html"))
    assert "Multilayer perceptron" in browser.title


# every page of the site, in both languages
ALL_PAGES = [(lang, name) for lang in LANGUAGES for name in ["index", *CHAPTERS]]

# what sticks out of a 390-pixel viewport: the elements whose right edge is
# past it and that are not inside a box that scrolls on its own
STICKING_OUT = """
const width = document.documentElement.clientWidth;
const scrolls = e => {
  for (let p = e.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if ((o === "auto" || o === "scroll" || o === "hidden") && p.clientWidth <= width) return true;
  }
  return false;
};
const out = Array.from(document.body.querySelectorAll("*")).filter(e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.right > width + 1 && !scrolls(e);
});
return {
  scrollWidth: document.documentElement.scrollWidth,
  width: width,
  out: out.slice(0, 5).map(e => e.tagName.toLowerCase() + "." + e.className),
};
"""


def test_no_page_scrolls_sideways_on_a_phone(browser, server):
    """At a phone's 390 pixels no page, in either language, is wider than
    the screen: wide tables, equations and code scroll in their own box."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        wide = {}
        for lang, name in ALL_PAGES:
            open_page(browser, server + LANGUAGES[lang] + f"{name}.html")
            page = browser.execute_script(STICKING_OUT)
            assert page["width"] <= 400, page  # the emulated phone, at its scale
            if page["scrollWidth"] > page["width"] or page["out"]:
                wide[f"{lang}/{name}"] = page
        assert wide == {}
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.parametrize(
    "lang, query, chapter",
    [
        ("zh", "卷积", "convolutional_mlp"),
        ("zh", "提前停止", "gettingstarted"),
        ("zh", "受限玻尔兹曼机", "rbm"),
        ("en", "convolution", "convolutional_mlp"),
        ("en", "early stopping", "gettingstarted"),
    ],
)
def test_the_search_finds_the_chapter(browser, server, lang, query, chapter):
    """A query typed into the search box of a page, in each language, lists
    the chapter that teaches it (Chinese is segmented by jieba)."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + LANGUAGES[lang] + "index.html")
    box = browser.find_element("css selector", "div.sphinxsidebar input[name=q]")
    box.send_keys(query + Keys.ENTER)
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script(
            "const s = document.querySelector('#search-results p.search-summary');"
            "return s && s.textContent.trim().length > 0;"
        )
    )
    found = browser.execute_script(
        "return Array.from(document.querySelectorAll('#search-results ul.search li a'))"
        ".map(a => a.href.split('#')[0].split('?')[0]);"
    )
    assert server + LANGUAGES[lang] + f"{chapter}.html" in found, found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_code_block_has_a_copy_button(browser, server, lang):
    open_page(browser, server + LANGUAGES[lang] + "logistic_sgd.html")
    blocks, buttons = browser.execute_script(
        "return [document.querySelectorAll('div.highlight pre').length,"
        " document.querySelectorAll('div.highlight button.copybtn').length];"
    )
    assert blocks > 0 and buttons == blocks


def test_every_page_links_the_previous_and_the_next_in_the_reading_order(site):
    """Below every chapter, in both languages: the chapter before it and
    the one after it, in the order of the index."""
    order = ["index", *CHAPTERS]
    for prefix in LANGUAGES.values():
        for i, name in enumerate(order[1:], start=1):
            page = (site / f"{prefix}{name}.html").read_text(encoding="utf-8")
            bottom = page[page.index('class="related bottom"') :]
            links = dict(re.findall(r'<a href="([^"#]+)\.html" title="(Previous|Next) document"', bottom))
            found = {kind: target for target, kind in links.items()}
            assert found.get("Previous") == order[i - 1], (prefix, name, found)
            assert found.get("Next") == (order[i + 1] if i + 1 < len(order) else None), (prefix, name, found)


def test_the_footer_names_the_version_and_the_commit_and_the_favicon_is_served(site):
    import subprocess as sp

    commit = sp.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    for prefix in LANGUAGES.values():
        page = (site / f"{prefix}mlp.html").read_text(encoding="utf-8")
        build = re.search(r'class="footer dlt-build">(.*?)</div>', page, re.S)[1]
        assert re.search(r'version="([^"]+)"', (REPO / "setup.py").read_text())[1] in build
        if commit:
            assert commit in build
        icon = re.search(r'rel="icon" href="([^"]+)"', page)[1]
        assert (site / prefix / icon).is_file()


# --- how the site is built and where --------------------------------------


def test_the_readme_gives_the_build_command_after_its_two_commands():
    blocks = re.findall(r"```bash\n(.*?)\n```", (REPO / "README.md").read_text(), re.S)
    assert 'pip install -e ".[docs]" && python doc/build.py' in blocks[2:]


def test_ci_installs_the_browser_before_the_tests():
    ci = (REPO / ".ci" / "run").read_text()
    test_command = ci.index('pip install -e ".[test]" && python -m pytest')
    for package in ("chromium", "chromium-driver"):
        assert re.search(rf"need\+=\({re.escape(package)}\)", ci[:test_command]), package
    assert re.search(r'apt-get install -y -qq "\$\{need\[@\]\}"', ci[:test_command])
