"""What each chapter holds: its sections, its math and its figures, counted.

The committed inventory, one file per chapter (doc/inventory/<chapter>.json),
is the floor the pages may not fall under (tests/test_doc_inventory.py): a
chapter that loses a heading, an equation or a figure fails the tests. Each
file also records what the original chapter of the LISA lab's tutorial has
(its ``doc/<name>.txt``, counted by ``count_rst`` at the commit named in
``ORIGINAL``) and which of this page's headings teaches each of its sections.

    python doc/_ext/dlt_inventory.py                   # the counts, every chapter
    python doc/_ext/dlt_inventory.py --write mlp       # record mlp's counts as its floor
    python doc/_ext/dlt_inventory.py --original DIR    # count the original's doc/*.txt

``--write`` keeps what the file says of the original and of the sections;
it only raises the floor to what the page has now.
"""

import json
import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent
INVENTORY = DOC / "inventory"
ORIGINAL = {
    "repository": "lisa-lab/DeepLearningTutorials",
    "commit": "11c465105026cf87573937fc2d35ab7543678698",
}

FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
DISPLAY = re.compile(r"\$\$.+?\$\$", re.S)
INLINE = re.compile(r"(?<![\\$])\$(?=\S)[^$\n]+?(?<=\S)\$(?!\$)")
MATH_ROLE = re.compile(r"\{math\}`[^`]+`")
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]+\)")


def count_markdown(text):
    """{"headings": [...], "math": n, "figures": n} of a MyST page: math is
    one per display block (``$$ … $$`` or a ``{math}`` fence) and one per
    inline ``$ … $``; figures are ``{figure}``/``{image}`` fences and
    Markdown images. Code blocks count for nothing."""
    headings, math, figures = [], 0, 0
    prose, fence = [], None
    for line in text.splitlines():
        m = FENCE.match(line.strip())
        if fence is None and m:
            fence = m[1][0] * len(m[1])
            info = m[2].strip()
            if info.startswith("{math}"):
                math += 1
            elif info.startswith(("{figure}", "{image}")):
                figures += 1
            continue
        if fence is not None:
            if line.strip().startswith(fence) and set(line.strip()) <= {fence[0]}:
                fence = None
            continue
        if h := HEADING.match(line):
            headings.append(h[2])
            continue
        math += len(MATH_ROLE.findall(line))
        prose.append(re.sub(r"``.*?``|`[^`\n]*`", "", MATH_ROLE.sub("", line)))
    body = "\n".join(prose)
    math += len(DISPLAY.findall(body))
    body = DISPLAY.sub("", body)
    math += len(INLINE.findall(body))
    figures += len(IMAGE.findall(body))
    return {"headings": headings, "math": math, "figures": figures}


RST_UNDERLINE = re.compile(r"^([=\-+~*#^])\1{2,}\s*$")


def count_rst(text):
    """{"headings": [...], "math": n, "figures": n} of an original chapter
    (reStructuredText): ``.. math::`` blocks and ``:math:`` roles; figures
    and images, substitution images (``.. |0| image::``) included."""
    lines = text.splitlines()
    headings = [
        lines[i - 1].strip()
        for i in range(1, len(lines))
        if RST_UNDERLINE.match(lines[i]) and lines[i - 1].strip() and not RST_UNDERLINE.match(lines[i - 1])
    ]
    math = len(re.findall(r"^\s*\.\. math::", text, re.M)) + text.count(":math:`")
    figures = len(re.findall(r"^\s*\.\. (?:\|[^|]+\|\s+)?(?:figure|image)::", text, re.M))
    return {"headings": headings, "math": math, "figures": figures}


def page(chapter, lang="en"):
    return DOC / ("zh" if lang == "zh" else "") / f"{chapter}.md"


def load(chapter):
    return json.loads((INVENTORY / f"{chapter}.json").read_text(encoding="utf-8"))


def chapters():
    return sorted(p.stem for p in INVENTORY.glob("*.json"))


def write(chapter):
    """Record the page's counts as the chapter's floor (never lower it)."""
    path = INVENTORY / f"{chapter}.json"
    entry = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    now = count_markdown(page(chapter).read_text(encoding="utf-8"))
    for key in ("math", "figures"):
        if now[key] < entry.get(key, 0):
            raise SystemExit(f"{chapter}: {key} {now[key]} is under the recorded {entry[key]}; restore the page")
    lost = set(entry.get("headings", [])) - set(now["headings"])
    if lost:
        raise SystemExit(f"{chapter}: headings gone from the page: {sorted(lost)}")
    entry.update(now)
    path.write_text(json.dumps(entry, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return entry


def main(argv):
    if argv[:1] == ["--original"]:
        for txt in sorted(Path(argv[1]).glob("*.txt")):
            c = count_rst(txt.read_text(encoding="utf-8"))
            print(f"{txt.name}: math {c['math']}, figures {c['figures']}, sections {c['headings']}")
        return 0
    if argv[:1] == ["--write"]:
        for chapter in argv[1:]:
            e = write(chapter)
            print(f"{chapter}: math {e['math']}, figures {e['figures']}, {len(e['headings'])} headings")
        return 0
    for md in sorted(DOC.glob("*.md")):
        c = count_markdown(md.read_text(encoding="utf-8"))
        print(f"{md.stem}: math {c['math']}, figures {c['figures']}, {len(c['headings'])} headings")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
