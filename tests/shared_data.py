"""Where the tests find data the project may not redistribute.

The ATIS folds (rnnslu) and the Nottingham MIDI files (rnnrbm) are never
committed. The tests read them from ``$DLT_SHARED_DATA``, else from the
``shared/data`` folder beside the repository's checkout (the layout of the
project's development machines), and skip with a reason where neither has
them.

The references the original made from the Nottingham files (its MIDI
reader's rolls, its first two epochs) are derived from them and not
committed either: ``tests/oracle/run_original_rnnrbm.sh`` writes them to a
folder of their own, which ``$DLT_NOTTINGHAM_REFERENCES`` names.
"""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_data_dir():
    """The folder of non-redistributable test data, or None."""
    given = os.environ.get("DLT_SHARED_DATA")
    folder = Path(given) if given else REPO.parent / "shared" / "data"
    return folder if folder.is_dir() else None


def shared_data(*parts):
    """The path of ``parts`` under the shared data folder; skips the test,
    saying what is missing and how to provide it, where it is absent."""
    folder = shared_data_dir()
    path = folder.joinpath(*parts) if folder else None
    if path is None or not path.exists():
        pytest.skip(
            "%s is not here: set DLT_SHARED_DATA to a folder holding it "
            "(the project may not redistribute it)" % "/".join(parts)
        )
    return path


NOTTINGHAM_REFERENCES = "DLT_NOTTINGHAM_REFERENCES"


def nottingham_reference(name):
    """The path of the original's reference ``name`` made from the Nottingham
    files; skips the test, saying how to make it, where it is absent."""
    given = os.environ.get(NOTTINGHAM_REFERENCES)
    path = Path(given) / name if given else None
    if path is None or not path.is_file():
        pytest.skip(
            f"{name} is not here: it is made from the Nottingham files, which the "
            "project may not redistribute, by tests/oracle/run_original_rnnrbm.sh "
            f"(NOTTINGHAM_REFERENCES=DIR); set {NOTTINGHAM_REFERENCES}=DIR"
        )
    return path
