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

import json
import os
import tempfile
import zipfile
from pathlib import Path

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
        _fsync_directory(folder)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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


def _read_archive(path, what):
    """All arrays of an ``.npz`` file, or one clear :class:`ModelFileError`."""
    try:
        with numpy.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no {what} (train one first)") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFileError(f"{path}: not a readable {what} file ({exc})") from None


def _check_model_name(path, stored, model_name):
    found = str(stored.pop("model", "unknown"))
    if found != model_name:
        raise ModelFileError(f"{path}: holds a {found} model, not a {model_name}")


def _matching_values(path, stored, params, prefix):
    """The stored ``prefix`` arrays, checked against the shapes of ``params``."""
    keys = [f"{prefix}_{i}_{param.name}" for i, param in enumerate(params)]
    values = []
    for key, param in zip(keys, params):
        if key not in stored:
            raise ModelFileError(f"{path}: parameter {param.name} is missing")
        expected = param.get_value(borrow=True).shape
        if stored[key].shape != expected:
            raise ModelFileError(
                f"{path}: parameter {param.name} has shape {stored[key].shape}, "
                f"expected {expected}"
            )
        values.append(stored[key].astype(param.dtype))
    return values


def load_params(path, model_name, params):
    """Load values saved by :func:`save_params` into the shared variables ``params``.

    Raises :class:`ModelFileError` (one sentence) if the file is missing,
    damaged, written by another model, or holds arrays of other shapes.
    """
    stored = _read_archive(path, "saved model")
    _check_model_name(path, stored, model_name)
    if len(stored) != len(params):
        raise ModelFileError(
            f"{path}: holds {len(stored)} arrays, {model_name} has {len(params)}"
        )
    for param, value in zip(params, _matching_values(path, stored, params, "param")):
        param.set_value(value)


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
    """

    FILE_NAME = "checkpoint.npz"

    def __init__(self, directory, model_name, params, settings, file_name=FILE_NAME):
        self.directory = Path(directory)
        self.path = self.directory / file_name
        self.model_name = model_name
        self.params = list(params)
        self.settings = json.loads(json.dumps(settings))  # as it reads back

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
        header = json.dumps({"state": state, "settings": self.settings})
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
        stored = _read_archive(self.path, "checkpoint")
        _check_model_name(self.path, stored, self.model_name)
        try:
            header = json.loads(str(stored.pop("state_json")))
            state, settings = header["state"], header["settings"]
        except (KeyError, ValueError, TypeError):
            raise ModelFileError(f"{self.path}: not a training checkpoint") from None
        changed = sorted(
            key
            for key in set(settings) | set(self.settings)
            if settings.get(key) != self.settings.get(key)
        )
        if changed:
            was = ", ".join(f"{k}={settings.get(k)!r}" for k in changed)
            now = ", ".join(f"{k}={self.settings.get(k)!r}" for k in changed)
            raise ModelFileError(
                f"{self.path}: made by a run with {was}, this run has {now}; "
                "use another --checkpoint-dir or the same settings"
            )
        values = _matching_values(self.path, stored, self.params, "param")
        best = None
        if any(key.startswith("best_") for key in stored):
            best = _matching_values(self.path, stored, self.params, "best")
        for param, value in zip(self.params, values):
            param.set_value(value)
        return state, best
