"""Every timing in README.md and doc/ is held by the record it cites.

The convention: a measured figure (a time in ms, s or min) sits in a
paragraph, list item or table row that names the record holding it, as a
path under results/ (a table may name it in the paragraph that introduces
it). Published figures need no record: they are the tutorial's, quoted in
``reproduce.PUBLISHED``; nor does a figure computed from held ones, written
after "≈" (50,000 × 0.655 ms ≈ 33 s). A figure counts as held when the record
has a number that rounds to it as written, or converted from seconds (to ms or
min) or from minutes (to s).

Checked, in the README and every page of doc/ (English and Chinese): every
cited record exists, every figure in a block that cites records is held by
one of them, and no figure stands in a block that cites none.
"""

import re
from functools import cache

import pytest
from conftest import REPO

from deeplearning_tutorials.machinery import reproduce

DOCS = [
    REPO / "README.md",
    *sorted((REPO / "doc").glob("*.md")),
    *sorted((REPO / "doc" / "zh").glob("*.md")),
]
# a time in a Latin unit, or in a Chinese one (毫秒, 秒, 分钟: no word
# boundary follows those, a Han character may come right after)
FIGURE = re.compile(
    r"(?<![\w.−≈-])(?<!≈ )(\d+(?:\.\d+)?) ?(ms|s|seconds?|min|minutes?\b|毫秒|秒|分钟)(?![A-Za-z])"
)
# a path under results/, or several: results/x.{json,log}; a pattern
# (results/SdA_spread_<n>.log) names no one file and is left out
RECORD = re.compile(r"results/[\w./{},<>*-]*[\w}>*]")
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE]-?\d+)?")
# a figure of the record in ms, s or min: the factors that may turn it into
# the figure's unit
SCALES = {"ms": (1, 1000), "s": (1, 60), "min": (1, 1 / 60)}
SCALES.update(second=SCALES["s"], seconds=SCALES["s"])
SCALES.update(minute=SCALES["min"], minutes=SCALES["min"])
SCALES.update({"毫秒": SCALES["ms"], "秒": SCALES["s"], "分钟": SCALES["min"]})

def blocks(text):
    """(text, records cited) of each paragraph, list item and table row;
    table rows also get the records of the paragraph before the table."""
    found, lines = [], []
    caption = []  # the records of the last paragraph

    def close():
        nonlocal caption
        if lines:
            block = " ".join(lines)
            caption = record_paths(block)
            found.append((block, caption))
            lines.clear()

    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            close()
            continue
        if in_code:
            continue
        if line.startswith("|"):
            close()
            found.append((line, record_paths(line) + caption))
            continue
        if not line.strip() or re.match(r"\s*(?:[-*]|\d+\.) ", line):
            close()
        if line.strip():
            lines.append(line)
    close()
    return found


def record_paths(text):
    """The records a text names, ``{json,log}`` expanded."""
    paths = []
    for match in RECORD.findall(text):
        if "<" in match or "*" in match:
            continue
        head, brace, rest = match.partition("{")
        choices, _, tail = rest.partition("}")
        paths += [head + c + tail for c in choices.split(",")] if brace else [match]
    return paths


@cache
def numbers(path):
    # a cited image (results/rbm_plots/*.png) holds no numbers
    return tuple(float(n) for n in NUMBER.findall((REPO / path).read_text(errors="ignore")))


@cache
def published():
    text = " ".join(p.source for p in reproduce.PUBLISHED.values())
    return tuple(float(n) for n in NUMBER.findall(text))


def held(figure, unit, values):
    decimals = len(figure.partition(".")[2])
    tolerance = 0.5 * 10**-decimals + 1e-9
    return any(
        abs(value * scale - float(figure)) <= tolerance
        for value in values
        for scale in SCALES[unit]
    )


def audit(doc):
    """The figures a block's records do not hold, and the uncited ones."""
    missing, uncited = [], []
    for block, records in blocks(doc.read_text()):
        for figure, unit in FIGURE.findall(block):
            if held(figure, unit, published()):
                continue
            if not records:
                uncited.append(f"{figure} {unit}: {block[:100]}")
            elif not any(
                (REPO / r).is_file() and held(figure, unit, numbers(r)) for r in records
            ):
                missing.append(f"{figure} {unit} not in {records}: {block[:100]}")
    return missing, uncited


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(REPO)) for d in DOCS])
def test_every_cited_record_exists(doc):
    cited = {r for _, records in blocks(doc.read_text()) for r in records}
    assert sorted(r for r in cited if not (REPO / r).exists()) == []


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(REPO)) for d in DOCS])
def test_figures_are_held_by_the_records_they_cite(doc):
    missing, uncited = audit(doc)
    assert missing == []
    assert uncited == []


def test_the_audit_finds_a_figure_its_record_does_not_hold(tmp_path, monkeypatch):
    record = REPO / "results" / "bench_threads.json"
    doc = tmp_path / "doc.md"
    doc.write_text(
        "Two threads: 5.922 ms (`results/bench_threads.json`), 5.93 ms too.\n\n"
        "| step | time |\n|---|---|\n| a | 2.428 ms |\n\n"
        "Uncited: 3.25 min. Published: 97.34 min.\n"
    )
    assert record.exists()
    missing, uncited = audit(doc)
    assert [m.split(" not in")[0] for m in missing] == ["5.93 ms"]
    assert [u.split(":")[0] for u in uncited] == ["3.25 min"]
