"""Saving models and training runs without pickle.

Two kinds of file, both NumPy ``.npz`` archives of plain arrays read back with
``allow_pickle=False`` (loading one can never run code), each with a ``model``
entry naming the class that wrote it:

* a **saved model** (:func:`save_params`, :func:`load_params`): the
  parameters, e.g. ``best_model.npz`` of logistic_sgd;
* a **checkpoint** (:class:`Checkpointer`): everything needed to continue a
  training run exactly where it stopped: the current parameters, the best
  parameters so far, the early-stopping state (position, patience, best
  scores) and the run's settings, the scalars as a JSON string inside the
  archive, so that one file holds one consistent state.

Writes are atomic: the archive goes to a temporary file in the same folder,
is flushed to disk, and is renamed over the target (then the folder entry is
flushed too), so a run killed at any moment leaves either the previous file
or the new one, never a partial one.
"""

import collections
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import re
import socket
import stat
import tempfile
import time
import zipfile
from pathlib import Path

import numpy

from deeplearning_tutorials.machinery.errors import InputError, OutputError, signals_deferred


class ModelFileError(InputError):
    """A saved model that is missing, damaged, or does not fit the model."""


def check_output_path(path, flag=None):
    """Refuse an output ``path`` that a write could not, or must not, replace.

    ``path`` must be a non-empty name in an existing, writable folder, and
    be either absent or a regular file: a directory, a device (``/dev/null``),
    a FIFO or a symbolic link is never replaced. ``flag`` (``--model-path``)
    starts the message. Raises :class:`OutputPathError`.
    """
    where = f"{flag}: " if flag else ""
    if path is None or os.fspath(path) == "":
        raise OutputPathError(f"{where}an empty path is not a file name")
    path = os.fspath(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputPathError(f"{where}cannot use {path} ({exc.strerror})") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputPathError(
            f"{where}{path} is {_kind_of(mode)}, not a regular file; "
            "refusing to replace it"
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(
            f"{where}cannot write {path} (folder missing or read-only)"
        )
    # the permission bits do not tell all (a root user in /proc, a file
    # system that refuses new files): try what the write will do, a
    # temporary file beside the target
    try:
        fd, probe = tempfile.mkstemp(
            prefix=_temporary_prefix(os.path.basename(path)), dir=folder
        )
    except OSError as exc:
        raise OutputPathError(
            f"{where}cannot write {path}: its folder takes no new file "
            f"({exc.strerror})"
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


class OutputPathError(InputError):
    """An output path that cannot or must not be written."""


def _kind_of(mode):
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


# A temporary file is named ``.<target>.tmp-<host>-<pid>-<random>``: created
# exclusively (O_EXCL) under a random name, and recognisable afterwards as
# ours, so that one left by a killed process can be removed.
_HOST = re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname()) or "host"
STALE_AFTER_SECONDS = 60


def _temporary_prefix(name):
    return f".{name}.tmp-{_HOST}-{os.getpid()}-"


def remove_stale_temporaries(folder, name):
    """Remove the temporary files of writes to ``folder/name`` that a killed
    process left: ours by their name and owner, of this host, of a process
    that no longer runs, untouched for a minute. Returns the names removed."""
    pattern = re.compile(
        rf"\.{re.escape(name)}\.tmp-{_HOST}-(?P<pid>[0-9]+)-[A-Za-z0-9_]+"
    )
    removed = []
    try:
        entries = os.listdir(folder)
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry)
        if match is None or _process_runs(int(match["pid"])):
            continue
        full = os.path.join(folder, entry)
        try:
            info = os.lstat(full)
            if (
                stat.S_ISREG(info.st_mode)
                and info.st_uid == os.getuid()
                and time.time() - info.st_mtime > STALE_AFTER_SECONDS
            ):
                os.unlink(full)
                removed.append(entry)
        except OSError:
            continue
    return removed


def _process_runs(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def atomic_write(path, write, mode="wb"):
    """Call ``write(file_object)`` on a temporary file, then rename it to ``path``.

    The temporary file is created exclusively, with a random name, in the
    folder of ``path``; it is flushed to disk before the rename, and removed
    if anything fails, so ``path`` holds the old content or the new one. A
    ``path`` that exists but is not a regular file is never replaced
    (:class:`OutputPathError`); a failed write (a full disk, a file-size
    limit, an I/O error) raises :class:`~deeplearning_tutorials.machinery.errors.OutputError`.
    """
    path = os.fspath(path)
    check_output_path(path)
    folder, name = os.path.split(os.path.abspath(path))
    remove_stale_temporaries(folder, name)
    with signals_deferred():  # a stop signal waits until the file is whole
        _write_then_rename(path, folder, name, write, mode)


def _write_then_rename(path, folder, name, write, mode):
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=_temporary_prefix(name))
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        check_output_path(path)  # once more, just before the rename
        os.replace(tmp, path)
        tmp = None
        _fsync_directory(folder)
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        detail = exc.strerror or str(exc)
        raise OutputError(
            f"{path}: cannot write ({detail}); the file is as it was"
        ) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _umask():
    current = os.umask(0o022)
    os.umask(current)
    return current


def _fsync_directory(folder):
    """Make a rename in ``folder`` durable (where the platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_params(path, model_name, params):
    """Save shared variables ``params`` (a list, each with a ``name``) to ``path``."""
    arrays = {f"param_{i}_{p.name}": p.get_value() for i, p in enumerate(params)}
    atomic_write(
        path, lambda f: numpy.savez(f, model=numpy.array(model_name), **arrays)
    )


# What an archive may hold besides float arrays: text (the model's name, the
# JSON state), each at most this many characters. The largest state is the
# DBN's with the MRG streams, about 4.4 million characters (the states of its
# noise streams, in base64); 32 million leave room and bound the memory a
# forged header can ask for to 128 MB.
TEXT = "text"
MAX_TEXT_CHARS = 1 << 25


def _open_regular(path, what):
    """``path`` opened for reading, if it is a regular file (a FIFO would
    block forever, a device never end)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no {what} (train one first)") from None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read ({exc.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ModelFileError(f"{path}: is {_kind_of(mode)}, not a {what} file")
    return os.fdopen(fd, "rb")


def _read_archive(path, what, model_name, expected):
    """The entries of an ``.npz`` file, each checked before its data is read.

    The ``model`` entry must name ``model_name``. ``expected`` maps every
    other entry the file may hold to an array of the shape and kind (float
    or integer) it must have, or to :data:`TEXT`; an entry's header is checked against it before
    any memory is allocated for its data, so a header that claims a huge
    array is refused, and the data must then be exactly what the header
    says. Anything else is one clear :class:`ModelFileError`.
    """
    with _open_regular(path, what) as f:
        try:
            with zipfile.ZipFile(f) as archive:
                infos = {}
                for info in archive.infolist():
                    if info.filename in infos:
                        raise ModelFileError(f"{path}: entry {info.filename} twice")
                    infos[info.filename] = info
                found = "unknown"
                if "model.npy" in infos:
                    found = _read_entry(path, archive, infos.pop("model.npy"), TEXT)
                if found != model_name:
                    raise ModelFileError(
                        f"{path}: holds a {found} model, not a {model_name}"
                    )
                stored = {}
                for name, info in infos.items():
                    key = name[: -len(".npy")]
                    if not name.endswith(".npy") or key not in expected:
                        raise ModelFileError(f"{path}: unexpected entry {name!r}")
                    stored[key] = _read_entry(path, archive, info, expected[key])
                return stored
        except ModelFileError:
            raise
        except Exception as exc:  # whatever a damaged or hostile archive raises
            raise ModelFileError(
                f"{path}: not a readable {what} file ({type(exc).__name__}: {exc})"
            ) from None


def _read_entry(path, archive, info, expected):
    """One ``.npy`` entry: its header checked against ``expected``, then its data."""
    key = info.filename[: -len(".npy")]
    with archive.open(info) as member:
        version = numpy.lib.format.read_magic(member)
        if version == (1, 0):
            header = numpy.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            header = numpy.lib.format.read_array_header_2_0(member)
        else:
            raise ModelFileError(f"{path}: entry {key} has .npy version {version}")
        shape, fortran_order, dtype = header
        if expected is TEXT:
            if dtype.kind != "U" or shape != () or dtype.itemsize > 4 * MAX_TEXT_CHARS:
                raise ModelFileError(f"{path}: entry {key} is not a text of the format")
        elif _KINDS[dtype.kind] != _KINDS[expected.dtype.kind]:
            raise ModelFileError(
                f"{path}: parameter {_param_name(key)} is not "
                f"{_KINDS[expected.dtype.kind]} array ({dtype})"
            )
        elif shape != expected.shape:
            raise ModelFileError(
                f"{path}: parameter {_param_name(key)} has shape {shape}, "
                f"expected {expected.shape}"
            )
        size = math.prod(shape) * dtype.itemsize
        data = member.read(size + 1)
    if len(data) != size:
        raise ModelFileError(
            f"{path}: entry {key} holds {'more' if len(data) > size else 'fewer'} "
            f"bytes than its header says ({size})"
        )
    order = "F" if fortran_order else "C"
    array = numpy.frombuffer(data, dtype=dtype).reshape(shape, order=order)
    return str(array[()]) if expected is TEXT else array


def _short(value, limit=80):
    """``repr(value)``, cut to ``limit`` characters for a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _param_name(key):
    """``W`` of the entry ``param_0_W``."""
    return key.split("_", 2)[-1]


# What a stored array may be, by NumPy's dtype kind: a float parameter must be
# stored as floats, an integer one (the rbm's ``bit_i_idx``) as integers.
_KINDS = collections.defaultdict(
    lambda: "an unusable", f="a float", i="an integer", u="an integer"
)


def _expected_params(params, prefix):
    """Every entry's name mapped to the value it must look like."""
    return {
        f"{prefix}_{i}_{p.name}": p.get_value(borrow=True)
        for i, p in enumerate(params)
    }


def _matching_values(path, stored, params, prefix):
    """The stored ``prefix`` arrays, finite, in the dtype of ``params``."""
    values = []
    for key, param in zip(_expected_params(params, prefix), params):
        if key not in stored:
            raise ModelFileError(f"{path}: parameter {param.name} is missing")
        if not numpy.isfinite(stored[key]).all():
            raise ModelFileError(
                f"{path}: parameter {param.name} holds NaN or infinite values"
            )
        values.append(stored[key].astype(param.dtype))
    return values


def load_params(path, model_name, params):
    """Load values saved by :func:`save_params` into the shared variables ``params``.

    Raises :class:`ModelFileError` (one sentence) if the file is missing,
    not a regular file, damaged, written by another model, or holds arrays
    of other shapes or non-finite values.
    """
    expected = _expected_params(params, "param")
    stored = _read_archive(path, "saved model", model_name, expected)
    for param, value in zip(params, _matching_values(path, stored, params, "param")):
        param.set_value(value)


# ------------------------------------------------------------ a saved state

MAX_COUNT = 2**62  # far beyond any run, far below what JSON could claim


def is_count(value):
    """A non-negative integer (not a bool)."""
    return type(value) is int and 0 <= value <= MAX_COUNT


def is_number(value, low, high):
    """An int or float (not a bool, not NaN) in ``[low, high]``."""
    return type(value) in (int, float) and low <= value <= high


def is_fraction(value):
    """An error rate: a number in ``[0, 1]``."""
    return is_number(value, 0, 1)


def is_seconds(value):
    return is_number(value, 0, 1e12)


def is_list_of(check, value):
    return isinstance(value, list) and all(check(item) for item in value)


def restored_state(path, saved, cls, rules, what="this loop"):
    """The dataclass ``cls`` built from a checkpoint's ``saved`` state dict.

    Every field present must pass its check in ``rules``; fields with a
    default may be missing (files of an earlier version), unknown ones may
    not. Raises :class:`ModelFileError` naming the first bad field (or,
    for an unknown one, that the file is not a checkpoint of ``what``).
    """
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(saved) - names)
    if unknown:
        raise ModelFileError(
            f"{path}: not a checkpoint of {what} (unknown state {_short(unknown[0])})"
        )
    for f in dataclasses.fields(cls):
        required = (
            f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        )
        if f.name not in saved and required:
            raise ModelFileError(f"{path}: damaged checkpoint ({f.name} is missing)")
        if f.name in saved and not rules[f.name](saved[f.name]):
            raise ModelFileError(
                f"{path}: damaged checkpoint ({f.name} = {_short(saved[f.name])})"
            )
    return cls(**saved)


def existing_checkpoint_error(path):
    """The refusal to overwrite ``path``: the checkpoint of an earlier run,
    or a file that is not one of ours."""
    if is_checkpoint_file(path):
        return ModelFileError(
            f"{path}: a checkpoint of an earlier run is there; continue it with "
            "--resume, or discard it with --start-over"
        )
    return ModelFileError(
        f"{path}: exists and is not a checkpoint of this program; "
        "move it away or use another --checkpoint-dir"
    )


def is_checkpoint_file(path):
    """True for a regular file that reads as a zip archive holding a
    ``state_json`` entry, as every :class:`Checkpointer` file does."""
    try:
        with _open_regular(path, "checkpoint") as f, zipfile.ZipFile(f) as archive:
            return "state_json.npy" in archive.namelist()
    except Exception:  # not ours: not a regular file, not a zip, unreadable
        return False


def checkpoint_files(directory):
    """The checkpoint files directly in ``directory``, sorted."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    paths = [os.path.join(directory, name) for name in names]
    return [
        path for path in paths if path.endswith(".npz") and is_checkpoint_file(path)
    ]


# data_fingerprint's digests, by (resolved path, size, modification time)
_DIGESTS = {}


def _files_of(path):
    """The regular files that make up the data at ``path``: itself, or those
    under a folder (by name, in order)."""
    if not os.path.isdir(path):
        return [path]
    return sorted(
        os.path.join(folder, name)
        for folder, _, names in os.walk(path)
        for name in names
    )


def _digest(path, size, mtime_ns):
    key = (path, size, mtime_ns)
    if key not in _DIGESTS:
        from deeplearning_tutorials.machinery.data import sha256_of

        _DIGESTS[key] = sha256_of(path)
    return _DIGESTS[key]


def data_fingerprint(path):
    """What a checkpoint remembers of the data a run trains on: its resolved
    path, its size in bytes and the SHA-256 of its content (of a folder: of
    its files' names and digests). Each file is read once per process for a
    given path, size and modification time."""
    resolved = os.path.realpath(path)
    if not os.path.isdir(resolved):
        info = os.stat(resolved)
        digest = _digest(resolved, info.st_size, info.st_mtime_ns)
        return {"path": resolved, "size": info.st_size, "sha256": digest}
    digest, size = hashlib.sha256(), 0
    for name in _files_of(resolved):
        info = os.stat(name)
        size += info.st_size
        digest.update(os.fsencode(os.path.relpath(name, resolved)) + b"\0")
        digest.update(_digest(name, info.st_size, info.st_mtime_ns).encode())
    return {"path": resolved, "size": size, "sha256": digest.hexdigest()}


def _is_fingerprint(value):
    return (
        isinstance(value, dict)
        and isinstance(value.get("path"), str)
        and is_count(value.get("size"))
        and isinstance(value.get("sha256"), str)
    )


class Checkpointer:
    """Save and restore the complete state of one training run.

    :param directory: where ``checkpoint.npz`` lives (created if needed)
    :param model_name: the class being trained, checked on restore
    :param params: the shared variables training updates
    :param settings: the hyper-parameters of the run (JSON-able); a restore
        under different settings is refused, since it would not continue the
        same run
    :param file_name: the file in ``directory``; a run with two phases
        (unsupervised pre-training, then fine-tuning) keeps one file each
    :param data: the :func:`data_fingerprint` of the data the run trains
        on; a restore on data whose content differs is refused, and one on
        the same content under another path is accepted
    """

    FILE_NAME = "checkpoint.npz"

    def __init__(
        self, directory, model_name, params, settings, file_name=FILE_NAME, data=None
    ):
        self.directory = Path(directory)
        self.path = self.directory / file_name
        self.model_name = model_name
        self.params = list(params)
        self.settings = json.loads(json.dumps(settings))  # as it reads back
        self.data = data

    def exists(self):
        return self.path.exists()

    def save(self, state, best_values=None):
        """Write ``state`` (a JSON-able dict) with the current and best parameters."""
        self.directory.mkdir(parents=True, exist_ok=True)
        arrays = {
            f"param_{i}_{p.name}": p.get_value() for i, p in enumerate(self.params)
        }
        for i, (param, value) in enumerate(zip(self.params, best_values or [])):
            arrays[f"best_{i}_{param.name}"] = value
        # the header names the arrays: a damaged zip directory that drops one
        # (the best values, say) reads as a valid archive without it
        header = json.dumps(
            {
                "state": state,
                "settings": self.settings,
                "data": self.data,
                "arrays": sorted(arrays),
            }
        )
        atomic_write(
            self.path,
            lambda f: numpy.savez(
                f,
                model=numpy.array(self.model_name),
                state_json=numpy.array(header),
                **arrays,
            ),
        )

    def restore(self):
        """Load the parameters; return ``(state, best_values)`` as saved.

        Raises :class:`ModelFileError` if the checkpoint is damaged, of
        another model or other shapes, or was made with other settings.
        """
        expected = {
            "state_json": TEXT,
            **_expected_params(self.params, "param"),
            **_expected_params(self.params, "best"),
        }
        stored = _read_archive(self.path, "checkpoint", self.model_name, expected)
        try:
            header = json.loads(stored.pop("state_json"))
            state, settings = header["state"], header["settings"]
            if not isinstance(state, dict) or not isinstance(settings, dict):
                raise TypeError
        except (KeyError, ValueError, TypeError, RecursionError):
            raise ModelFileError(f"{self.path}: not a training checkpoint") from None
        listed = header.get("arrays")  # absent in checkpoints of older versions
        if listed is not None and (not isinstance(listed, list) or sorted(map(str, listed)) != sorted(stored)):
            raise ModelFileError(f"{self.path}: damaged: its arrays are not those it names")
        self._check_data(header.get("data"), settings)
        changed = sorted(
            key
            for key in set(settings) | set(self.settings)
            if settings.get(key) != self.settings.get(key)
        )
        if changed:
            was = ", ".join(f"{k}={_short(settings.get(k))}" for k in changed[:5])
            now = ", ".join(f"{k}={_short(self.settings.get(k))}" for k in changed[:5])
            raise ModelFileError(
                f"{self.path}: made by a run with {was}, this run has {now}; "
                "use the same settings, another --checkpoint-dir, or --start-over "
                "to discard it"
            )
        values = _matching_values(self.path, stored, self.params, "param")
        best = None
        if any(key.startswith("best_") for key in stored):
            best = _matching_values(self.path, stored, self.params, "best")
        for param, value in zip(self.params, values):
            param.set_value(value)
        return state, best

    def check(self):
        """Refuse, before any work, a checkpoint in the way that this run
        could not continue (another model's, other shapes, settings or
        data): restore it and put the parameters back as they were."""
        if self.exists():
            values = [p.get_value() for p in self.params]
            try:
                self.restore()
            finally:
                for param, value in zip(self.params, values):
                    param.set_value(value)

    def _check_data(self, saved, settings):
        """Refuse data whose content differs from the checkpoint's (``saved``,
        its fingerprint). Checkpoints of older versions remember only the
        ``dataset`` path among their settings: the same file is accepted."""
        if self.data is None:
            return
        old_path = settings.pop("dataset", None)
        if saved is None:
            if old_path is None or os.path.realpath(old_path) == self.data["path"]:
                return
            saved = {"path": old_path, "size": "?", "sha256": "?"}
        elif not _is_fingerprint(saved):
            raise ModelFileError(f"{self.path}: damaged: its data fingerprint is not one")
        elif (saved["size"], saved["sha256"]) == (self.data["size"], self.data["sha256"]):
            return
        raise ModelFileError(
            f"{self.path}: made on other data: {_short(saved['path'])} held "
            f"{saved['size']} bytes, SHA-256 {saved['sha256'][:16]}..., and "
            f"{_short(self.data['path'])} holds {self.data['size']} bytes, SHA-256 "
            f"{self.data['sha256'][:16]}...; resume on the data the run started "
            "with, or pass --start-over to discard the checkpoint"
        )
