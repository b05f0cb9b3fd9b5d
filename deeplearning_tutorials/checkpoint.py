"""Saving and loading model parameters without pickle.

Parameters are written as a NumPy ``.npz`` archive (plain arrays, read back
with ``allow_pickle=False``, so loading a file can never run code) together
with a ``model`` entry naming the class that wrote it. Writes are atomic: the
archive goes to a temporary file in the same folder, is flushed to disk, and
is renamed over the target, so an interrupted save leaves the previous file
intact.
"""

import os
import tempfile
import zipfile

import numpy

from deeplearning_tutorials.errors import InputError


class ModelFileError(InputError):
    """A saved model that is missing, damaged, or does not fit the model."""


def atomic_write(path, write):
    """Call ``write(file_object)`` on a temporary file, then rename it to ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_params(path, model_name, params):
    """Save shared variables ``params`` (a list, each with a ``name``) to ``path``."""
    arrays = {f"param_{i}_{p.name}": p.get_value() for i, p in enumerate(params)}
    atomic_write(
        path, lambda f: numpy.savez(f, model=numpy.array(model_name), **arrays)
    )


def load_params(path, model_name, params):
    """Load values saved by :func:`save_params` into the shared variables ``params``.

    Raises :class:`ModelFileError` (one sentence) if the file is missing,
    damaged, written by another model, or holds arrays of other shapes.
    """
    try:
        with numpy.load(path, allow_pickle=False) as archive:
            stored = {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no saved model (train one first)") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFileError(f"{path}: not a readable model file ({exc})") from None
    found = str(stored.pop("model", "unknown"))
    if found != model_name:
        raise ModelFileError(f"{path}: holds a {found} model, not a {model_name}")
    if len(stored) != len(params):
        raise ModelFileError(
            f"{path}: holds {len(stored)} arrays, {model_name} has {len(params)}"
        )
    values = []
    for i, param in enumerate(params):
        key = f"param_{i}_{param.name}"
        if key not in stored:
            raise ModelFileError(f"{path}: parameter {param.name} is missing")
        expected = param.get_value(borrow=True).shape
        if stored[key].shape != expected:
            raise ModelFileError(
                f"{path}: parameter {param.name} has shape {stored[key].shape}, "
                f"expected {expected}"
            )
        values.append(stored[key])
    for param, value in zip(params, values):
        param.set_value(value.astype(param.dtype))
