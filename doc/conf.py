"""The English site: ``python doc/build.py`` (see README.md, Documentation)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

from dlt_conf import *  # noqa: E402,F403

language = "en"
root_doc = "index"
exclude_patterns = ["_build", "_generated", "_templates", "_static", "_ext", "zh"]
