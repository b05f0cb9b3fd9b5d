"""The tutorial's text keeps what it has (doc/inventory/<chapter>.json) and
covers the original chapter it retells.

References from outside the pages: the original tutorial's chapters
(lisa-lab/DeepLearningTutorials, ``doc/*.txt`` at the commit each inventory
names), whose counts of math, figures and sections each inventory records;
the issue's rule that a chapter carries at least 70 % of its original's math
and at least its number of figures; and hand-counted samples for the counter.
"""

import math
import sys

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "doc" / "_ext"))

import dlt_inventory  # noqa: E402

CHAPTERS = dlt_inventory.chapters()
ORIGINAL_CHAPTERS = [c for c in CHAPTERS if dlt_inventory.load(c)["original"]]


def test_every_chapter_of_the_tutorial_has_an_inventory():
    tutorials = {"logistic_sgd", "logistic_cg", "mlp", "convolutional_mlp", "dA", "SdA", "rbm", "DBN"}
    assert tutorials | {"gettingstarted", "utilities", "references"} <= set(CHAPTERS)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_page_keeps_its_sections_equations_and_figures(chapter):
    floor = dlt_inventory.load(chapter)
    now = dlt_inventory.count_markdown(dlt_inventory.page(chapter).read_text(encoding="utf-8"))
    assert set(floor["headings"]) <= set(now["headings"]), "headings lost"
    assert now["math"] >= floor["math"], f"{floor['math'] - now['math']} equations lost"
    assert now["figures"] >= floor["figures"], f"{floor['figures'] - now['figures']} figures lost"


@pytest.mark.parametrize("chapter", ORIGINAL_CHAPTERS)
def test_the_chapter_covers_the_original(chapter):
    entry = dlt_inventory.load(chapter)
    original = entry["original"]
    assert entry["math"] >= math.ceil(0.7 * original["math"])
    assert entry["figures"] >= original["figures"]
    untaught = [s for s, heading in entry["sections"].items() if heading not in entry["headings"]]
    assert not untaught, f"sections of {original['file']} no heading teaches: {untaught}"


SAMPLE_MD = """# Title

Inline $a$ and $b_i$, a price of 5 $ is no math, `$x$` in code is none.

$$
y = softmax(xW + b)
$$

```python
z = "$$ not math $$"
```

```{math}
E(v, h) = -b'v
```

```{figure} _generated/figures/x.png
caption with $c$
```

![alt](images/y.png) and {math}`\\theta`

## Section two
"""

SAMPLE_RST = """Title
=====

Text with :math:`a` and :math:`b`.

.. math::

    y = x

.. figure:: images/a.png

.. |0| image:: images/b.png

Sub
+++
"""


def test_the_counter_counts_markdown_as_counted_by_hand():
    # by hand: math $a$, $b_i$, the $$ block, the {math} fence, $c$ in the
    # caption (a fence's body is not prose: not counted), {math}`\theta` = 5;
    # figures: the {figure} fence and the image = 2
    assert dlt_inventory.count_markdown(SAMPLE_MD) == {
        "headings": ["Title", "Section two"],
        "math": 5,
        "figures": 2,
    }


def test_the_counter_counts_the_originals_rst_as_counted_by_hand():
    assert dlt_inventory.count_rst(SAMPLE_RST) == {"headings": ["Title", "Sub"], "math": 3, "figures": 2}


def test_a_page_that_loses_an_equation_or_a_heading_is_caught(tmp_path):
    text = dlt_inventory.page("logistic_sgd").read_text(encoding="utf-8")
    full = dlt_inventory.count_markdown(text)
    block = text.index("$$")
    cut = text[:block] + text[text.index("$$", block + 2) + 2 :]
    assert dlt_inventory.count_markdown(cut)["math"] == full["math"] - 1
    heading = full["headings"][1]
    lines = [line for line in text.splitlines() if not (line.startswith("#") and line.endswith(" " + heading))]
    assert heading not in dlt_inventory.count_markdown("\n".join(lines))["headings"]
