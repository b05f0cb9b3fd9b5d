"""The Chinese pages follow one glossary (doc/zh/glossary.md): for each
English term one Chinese term, and none of the renderings the glossary's third
column rules out appears on any Chinese page. The English twin
(doc/glossary.md) holds the same table."""

import re

import pytest
from conftest import REPO

ZH = REPO / "doc" / "zh"
ROW = re.compile(r"^\| ([^|]+?) \| ([^|]+?) \| ([^|]*?) ?\|$", re.M)


def glossary(path):
    """[(english, chinese, [avoided, ...])] of a glossary page's table."""
    rows = ROW.findall(path.read_text(encoding="utf-8"))
    return [
        (en, zh, [w.strip() for w in re.split(r"[、,]", avoid) if w.strip()])
        for en, zh, avoid in rows
        if en not in ("English", "---")
    ]


TERMS = glossary(ZH / "glossary.md")
PAGES = sorted(p for p in ZH.glob("*.md") if p.name != "glossary.md")


def test_the_glossary_fixes_the_terms_the_issue_names():
    english = {en for en, _, _ in TERMS}
    for term in ("early stopping", "minibatch", "free energy", "pseudo-likelihood"):
        assert term in english
    assert any(en.startswith("corruption") for en in english)
    assert any(en.startswith("denoising") for en in english)
    assert any(en.startswith("persistent chain") for en in english)


def test_the_english_twin_has_the_same_table():
    assert glossary(REPO / "doc" / "glossary.md") == TERMS


def test_no_chinese_term_is_also_ruled_out():
    chosen = {zh for _, zh, _ in TERMS}
    for en, zh, avoided in TERMS:
        assert not set(avoided) & chosen, en


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_the_chinese_page_uses_the_glossarys_terms(page):
    text = page.read_text(encoding="utf-8")
    # code is English and quoted as it is: only the prose is checked
    prose = re.sub(r"```.*?```|`[^`\n]*`", "", text, flags=re.S)
    found = [
        f"{word} (glossary: {zh} for {en})"
        for en, zh, avoided in TERMS
        for word in avoided
        if word in without(prose, zh)
    ]
    assert not found, found


def without(prose, chosen):
    """The prose without the chosen terms, so that a ruled-out word that is
    part of one (超参 in 超参数) is not found in it."""
    for term in sorted(re.split(r"、", chosen), key=len, reverse=True):
        prose = prose.replace(term, "")
    return prose


def test_a_ruled_out_term_is_caught():
    en, zh, avoided = next(t for t in TERMS if t[0] == "early stopping")
    prose = f"训练在验证误差不再下降时{avoided[0]}。"
    assert any(word in without(prose, zh) for word in avoided)
    hyper = next(t for t in TERMS if t[0] == "hyper-parameter")
    assert not any(word in without("调整超参数", hyper[1]) for word in hyper[2])
