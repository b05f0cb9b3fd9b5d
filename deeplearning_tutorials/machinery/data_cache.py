"""A cache of decoded data sets: MNIST in 20 ms instead of 0.8 s.

Reading ``mnist.pkl.gz`` means decompressing 17 MB and unpickling 220 MB of
arrays through the safe unpickler (:mod:`~deeplearning_tutorials.machinery.data`):
about 0.8 s, at every start of every tutorial. The arrays it gives are
always the same for the same file, so the first run keeps them, one ``.npy``
file per array, and later runs map those files into memory
(``numpy.load(..., mmap_mode="c")``): no byte is read before a minibatch
needs it, and the page cache serves them from memory.

Where: ``$XDG_CACHE_HOME/deeplearning_tutorials/decoded`` (by default
``~/.cache/deeplearning_tutorials/decoded``), or the folder named by the
environment variable ``DLT_DATA_CACHE``; ``DLT_DATA_CACHE=0`` turns the
cache off (nothing read, nothing written).

Why it cannot be stale or wrong:

* an **entry is named by the SHA-256 of the data file's bytes** (computed at
  every run, 12 ms for MNIST; the shipped file's checksum was already
  checked so), and is only written from arrays decoded from those very bytes
  and accepted by :func:`~deeplearning_tutorials.machinery.data.validate_splits`:
  a data file that changes, even keeping its name, size and time, is another
  entry;
* an entry is **written whole or not at all**: its files go to a temporary
  folder, flushed to disk, which is then renamed into place;
* its ``manifest.json`` holds each array's shape, type and SHA-256, and
  each file's *seal* (device, inode, size, modification and status-change
  times, as the kernel sets them). A file whose seal still matches has not
  been written to since; one whose seal differs (copied, touched, edited,
  truncated) is hashed again, and **an entry that fails any check is
  removed and built again** from the data file. The status-change time
  cannot be set back by a program, so a file changed in place is always
  hashed again.

The same cache keeps the piano rolls of the RNN-RBM's MIDI files
(:func:`~deeplearning_tutorials.machinery.midi.piano_rolls`), which take
seconds to parse: their entry is named by the SHA-256 of every file's bytes
and of the reader's settings, and checked as above.

Data files smaller than :data:`MIN_BYTES` are not cached (they decode in
milliseconds), and at most :data:`ENTRIES` entries are kept, the least
recently used removed first. Failing to write an entry (a full disk, a
folder that cannot be written) only means the next run decodes again: the
run itself goes on, printing nothing more.
"""

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy

#: a folder for the cache, or 0 (off, no, false) to turn it off
VARIABLE = "DLT_DATA_CACHE"
#: the layout of an entry; another layout is another entry
VERSION = 1
#: data files smaller than this (bytes, as stored) are not cached
MIN_BYTES = 1 << 20
#: the most entries kept
ENTRIES = 4
#: the arrays of an entry, in the order of the splits
NAMES = ("train_x", "train_y", "valid_x", "valid_y", "test_x", "test_y")
_OFF = {"0", "off", "no", "false"}
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}-v[0-9]+")


def folder():
    """The cache's folder, or None when ``DLT_DATA_CACHE`` turns it off."""
    chosen = os.environ.get(VARIABLE, "").strip()
    if chosen.lower() in _OFF:
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative path is ignored
        base = Path.home() / ".cache"
    return Path(base) / "deeplearning_tutorials" / "decoded"


def worth_caching(path):
    """True where the cache is on and the file at ``path`` is large enough."""
    return folder() is not None and os.path.getsize(path) >= MIN_BYTES


def _entry(digest):
    return folder() / f"{digest}-v{VERSION}"


def _seal(path):
    status = os.stat(path)
    return [status.st_dev, status.st_ino, status.st_size,
            status.st_mtime_ns, status.st_ctime_ns]  # fmt: skip


def _sha256(array):
    return hashlib.sha256(memoryview(numpy.ascontiguousarray(array)).cast("B")).hexdigest()


class _Damaged(Exception):
    """An entry that fails a check: removed, and built again."""


def load(digest):
    """The splits kept for the data file whose bytes hash to ``digest``:
    ``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))``, arrays
    mapped from the cache (copy-on-write: writing to one changes nothing on
    disk); None when there is no such entry, or it was damaged (it is then
    removed, for :func:`store` to write again)."""
    arrays = load_arrays(digest, NAMES)
    return None if arrays is None else tuple(zip(arrays[::2], arrays[1::2]))


def load_arrays(digest, names):
    """The arrays ``names`` of the entry ``digest``, as :func:`load` gives
    them, in that order; None where there is none or it was damaged."""
    if folder() is None:
        return None
    entry = _entry(digest)
    try:
        manifest = json.loads((entry / "manifest.json").read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        _remove(entry)
        return None
    try:
        arrays = _checked_arrays(entry, manifest, digest, names)
    except (_Damaged, OSError, ValueError, KeyError, TypeError):
        _remove(entry)
        return None
    with contextlib.suppress(OSError):
        os.utime(entry / "manifest.json")  # recently used
    return arrays


def _checked_arrays(entry, manifest, digest, names):
    """The arrays ``names`` of ``entry``, each checked against ``manifest``."""
    if (manifest.get("version") != VERSION or manifest.get("source_sha256") != digest
            or list(manifest["arrays"]) != list(names)):
        raise _Damaged
    arrays, resealed = [], False
    for name in names:
        expected = manifest["arrays"][name]
        path = entry / f"{name}.npy"
        array = numpy.load(path, mmap_mode="c", allow_pickle=False)
        if list(array.shape) != expected["shape"] or array.dtype.str != expected["dtype"]:
            raise _Damaged
        if _seal(path) != expected["seal"]:
            # written to, copied or touched since: its bytes must prove it
            if _sha256(array) != expected["sha256"]:
                raise _Damaged
            expected["seal"], resealed = _seal(path), True
        arrays.append(numpy.asarray(array))
    if resealed:
        with contextlib.suppress(OSError):
            _write_manifest(entry, manifest)
    return arrays


def store(digest, splits):
    """Keep ``splits`` as the entry of ``digest``, unless there is one or
    the cache is off; any failure to write is only a missed chance."""
    store_arrays(digest, NAMES, [array for split in splits for array in split])


def store_arrays(digest, names, arrays):
    """Keep ``arrays``, named ``names``, as the entry of ``digest``, as
    :func:`store` keeps a data set's splits."""
    if folder() is None or _entry(digest).exists():
        return
    root = folder()
    temporary = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(dir=root, prefix=".building-"))
        manifest = {"version": VERSION, "source_sha256": digest, "arrays": {}}
        for name, array in zip(names, arrays, strict=True):
            manifest["arrays"][name] = _write_array(temporary / f"{name}.npy", array)
        _write_manifest(temporary, manifest)
        os.rename(temporary, _entry(digest))  # fails if another run was first
        temporary = None
        _fsync(root)
        _evict(root)
    except OSError:
        pass
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


def _write_array(path, array):
    array = numpy.ascontiguousarray(array)
    with open(path, "wb") as f:
        numpy.save(f, array, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())
    return {"shape": list(array.shape), "dtype": array.dtype.str,
            "sha256": _sha256(array), "seal": _seal(path)}  # fmt: skip


def _write_manifest(entry, manifest):
    """Write ``manifest.json`` in ``entry`` by a rename (never half written)."""
    fd, name = tempfile.mkstemp(dir=entry, prefix=".manifest-")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(manifest, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(name, entry / "manifest.json")
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def _fsync(path):
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _evict(root):
    """Remove all but the :data:`ENTRIES` most recently used entries, and
    what a run stopped while writing one left behind an hour ago or more."""
    entries = []
    for entry in root.iterdir():
        with contextlib.suppress(OSError):
            if _ENTRY_NAME.fullmatch(entry.name):
                entries.append(((entry / "manifest.json").stat().st_mtime_ns, entry))
            elif entry.name.startswith(".building-"):
                if time.time() - entry.stat().st_mtime > 3600:
                    _remove(entry)
    for _, entry in sorted(entries, reverse=True)[ENTRIES:]:
        _remove(entry)


def _remove(entry):
    """Remove ``entry`` (a run that has it mapped keeps reading its pages)."""
    shutil.rmtree(entry, ignore_errors=True)
