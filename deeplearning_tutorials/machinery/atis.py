"""The ATIS folds of the rnnslu tutorial: finding, downloading and checking them.

Each fold ``atis.fold<N>.pkl.gz`` (N = 0 to 4) is a gzipped Python-2 pickle of
``(train_set, valid_set, test_set, dicts)``: each set is ``(lex, ne, y)``,
three lists with one integer array per sentence (its words, named-entity tags
and labels), and ``dicts`` maps ``'words2idx'``, ``'labels2idx'`` and
``'tables2idx'`` to dictionaries from names to indexes.

The folds are not part of the project (they carry no licence to
redistribute). :func:`read_fold` reads one from the folder it is given, else
from the folder the ``ATISDATA`` environment variable names (the original's
variable), else from ``~/.cache/deeplearning_tutorials/atis``, where it is
downloaded from the original tutorial's address the first time and kept only
if its SHA-256 is the original file's. The pickle is read with the unpickler
of :mod:`deeplearning_tutorials.machinery.data`, which runs no code from the
file, and checked, so that a damaged or wrong file is refused with one
sentence (:class:`~deeplearning_tutorials.machinery.data.DatasetError`).
"""

import os
from pathlib import Path

import numpy

from deeplearning_tutorials.machinery.data import DatasetError, _unpickle, sha256_of
from deeplearning_tutorials.machinery.errors import InputError

# The original's data/download.sh fetched the folds from here; the SHA-256 of
# each fold, so that a download (or the cached copy) is the original file.
ATIS_URL = "http://lisaweb.iro.umontreal.ca/transfert/lisa/users/mesnilgr/atis/atis.fold%d.pkl.gz"
ATIS_SHA256 = (
    "42f22ed2fedd8914ff6c48ad9758425ce4cd587218e8e85e600000c805115253",
    "086d548beb059913c6905e029ca19062b7c5e3be8ce937fdf3a3a0173e7b6ab6",
    "7a82afdca75d975753b04729dca0ece1a9ea67563c12db91848b83b23d9aaa07",
    "5964373e45d04c8ff7c72833e0e933e828128988796e96c6ac8f6876c38d78f7",
    "076ad51cda0d282a6e160afa32307f5b820d5d3aa42f0b5f9e08ebda294648ec",
)
ENVIRONMENT_VARIABLE = "ATISDATA"  # the original's: the folder of the folds
CACHE_DIR = Path.home() / ".cache" / "deeplearning_tutorials" / "atis"


def read_fold(fold, data_dir=None):
    """``(train_set, valid_set, test_set, dicts)`` of fold ``fold``, each
    sentence's arrays as int32 (see the module docstring)."""
    if fold not in range(len(ATIS_SHA256)):
        raise InputError(f"fold {fold}: ATIS has folds 0 to {len(ATIS_SHA256) - 1}")
    path = _fold_path(fold, data_dir)
    return _checked_fold(_unpickle(path), path)


def _fold_path(fold, data_dir):
    name = f"atis.fold{fold}.pkl.gz"
    folder = data_dir if data_dir is not None else os.environ.get(ENVIRONMENT_VARIABLE)
    if folder:
        path = Path(folder).expanduser() / name
        if not path.is_file():
            given = "--data-dir" if data_dir is not None else f"${ENVIRONMENT_VARIABLE}"
            raise DatasetError(f"{path}: file not found (the folder of {given})")
        return path
    path = CACHE_DIR / name
    if not path.is_file():
        _download(ATIS_URL % fold, path, ATIS_SHA256[fold])
    elif (actual := sha256_of(path)) != ATIS_SHA256[fold]:
        raise DatasetError(
            f"{path}: not the original file (sha256 {actual}, expected "
            f"{ATIS_SHA256[fold]}); delete it to download it again"
        )
    return path


def _download(url, target, sha256):
    """Download ``url`` to ``target`` if its SHA-256 is ``sha256``."""
    from deeplearning_tutorials.machinery import download  # only to download

    try:
        download.download(url, target, sha256)
    except download.ChecksumMismatch:
        raise DatasetError(
            f"{target.name}: the file downloaded from {url} does not have the "
            f"expected sha256 {sha256}; it was discarded"
        ) from None
    except download.DownloadFailed as exc:
        raise DatasetError(
            f"{target.name}: not found locally and the download from {url} failed "
            f"({exc}); offline? Pass --data-dir DIR (or set {ENVIRONMENT_VARIABLE}) "
            "with the folder holding the ATIS folds"
        ) from None


def _checked_fold(fold, path):
    """``fold`` as the tutorial uses it, or a :class:`DatasetError` naming
    the first thing that does not fit: the structure, an index without a
    name, a name that would break the prediction files."""

    def fail(problem):
        raise DatasetError(f"{path}: not an ATIS fold ({problem})")

    if not isinstance(fold, (tuple, list)) or len(fold) != 4:
        fail("expected (train_set, valid_set, test_set, dicts)")
    *sets, dicts = fold
    if not isinstance(dicts, dict) or not {"words2idx", "labels2idx"} <= set(dicts):
        fail("the dictionaries need words2idx and labels2idx")
    names = {}
    for key in ("words2idx", "labels2idx"):
        mapping = dicts[key]
        if not isinstance(mapping, dict) or not all(
            isinstance(name, str) and type(index) is int for name, index in mapping.items()
        ):
            fail(f"{key} must map names to integers")
        if set(mapping.values()) != set(range(len(mapping))):
            fail(f"the indexes of {key} are not 0 to {len(mapping) - 1}")
        for name in mapping:
            if not name or not name.isprintable() or " " in name:
                fail(f"{key} holds the name {name!r}; the prediction files need "
                     "names without spaces")
        names[key] = len(mapping)
    checked = []
    for set_name, data_set in zip(("train", "valid", "test"), sets):
        if not isinstance(data_set, (tuple, list)) or len(data_set) != 3:
            fail(f"{set_name} set: expected (lex, ne, y)")
        lex, ne, y = (list(part) for part in data_set)
        if not lex or not len(lex) == len(ne) == len(y):
            fail(f"{set_name} set: {len(lex)}, {len(ne)} and {len(y)} sentences")
        for words, entities, labels in zip(lex, ne, y):
            for array in (words, entities, labels):
                if not (isinstance(array, numpy.ndarray) and array.ndim == 1
                        and array.dtype.kind in "iu"):
                    fail(f"{set_name} set: a sentence is not a 1-D integer array")
            if not 0 < len(words) == len(entities) == len(labels):
                fail(f"{set_name} set: a sentence of {len(words)} words, "
                     f"{len(entities)} entities and {len(labels)} labels")
            for array, key in ((words, "words2idx"), (labels, "labels2idx")):
                if array.min() < 0 or array.max() >= names[key]:
                    fail(f"{set_name} set: an index outside {key}")
        as_int32 = [[numpy.asarray(a, dtype="int32") for a in part] for part in (lex, ne, y)]
        checked.append(tuple(as_int32))
    return checked[0], checked[1], checked[2], dicts
