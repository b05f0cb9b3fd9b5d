"""The project's promises about itself: CI runs the README's test command."""

import re

from conftest import REPO


def readme_commands():
    return re.findall(r"```bash\n(.*?)\n```", (REPO / "README.md").read_text(), re.S)[
        :2
    ]


def test_readme_opens_with_the_two_commands():
    run, test = readme_commands()
    assert run == "pip install -e . && python -m deeplearning_tutorials.mlp"
    assert "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim():
    _, test = readme_commands()
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert test in ci_lines
