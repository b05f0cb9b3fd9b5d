"""The Chinese site (中文版): built by ``python doc/build.py`` into doc/_build/html/zh."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_ext"))

from dlt_conf import *  # noqa: E402,F403

project = "深度学习教程（PyTensor 版）"
html_theme_options = {**html_theme_options, "description": "LISA 实验室的教程，忠实移植到 PyTensor"}  # noqa: F405
language = "zh_CN"
root_doc = "index"
exclude_patterns = ["_build"]
