"""MNIST: finding the file, reading it safely, and handing it to PyTensor.

The tutorials read ``mnist.pkl.gz``, a gzipped Python-2 pickle of
``(train_set, valid_set, test_set)``, each an ``(x, y)`` pair of NumPy arrays
(``x``: float32 images of shape ``(n, 784)``; ``y``: integer labels).

A pickle can name any Python callable, so unpickling a file from elsewhere can
run arbitrary code. :func:`read_dataset` uses an unpickler that only knows the
three NumPy constructors an array tuple needs; anything else is refused before
it is called. The structure is then validated, so that a broken file fails
here with one sentence instead of deep inside a training step.

Where the file is looked for (``dataset`` is the ``--dataset`` flag):

1. ``dataset`` itself, when it names an existing file;
2. the file named by the environment variable ``DEEPLEARNING_TUTORIALS_DATA``
   (only when ``dataset`` is the default name ``mnist.pkl.gz``);
3. ``data/<name>`` of the source checkout (the project ships MNIST there);
4. ``<sys.prefix>/share/deeplearning_tutorials/machinery/data/<name>`` (non-editable
   installs copy the shipped file there);
5. ``~/.cache/deeplearning_tutorials/<name>``, where a download is stored.

If the default file is found nowhere it is downloaded from the original URL
and checked against its SHA-256 before it is used.
"""

import contextlib
import gzip
import hashlib
import os
import pickle
import stat
import struct
import sys
import zlib
from pathlib import Path

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery import config, data_cache, reuse
from deeplearning_tutorials.machinery.errors import InputError

DEFAULT_DATASET = "mnist.pkl.gz"
MNIST_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
MNIST_URL = "http://www.iro.umontreal.ca/~lisa/deep/data/mnist/mnist.pkl.gz"
N_CLASSES = 10
ENVIRONMENT_VARIABLE = "DEEPLEARNING_TUTORIALS_DATA"
SPLIT_NAMES = ("train", "valid", "test")

_REPO_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
_INSTALLED_DATA_DIR = Path(sys.prefix) / "share" / "deeplearning_tutorials" / "data"
_CACHE_DIR = Path.home() / ".cache" / "deeplearning_tutorials"


class DatasetError(InputError):
    """The data set file is missing, unreadable, unsafe or malformed."""


# --------------------------------------------------------------------------
# Finding the file
# --------------------------------------------------------------------------


def candidate_paths(dataset=DEFAULT_DATASET):
    """The places, in order, where :func:`resolve_dataset` looks for ``dataset``."""
    dataset = os.fspath(dataset)
    candidates = [Path(dataset).expanduser()]
    name = Path(dataset).name
    if os.path.basename(dataset) == dataset:  # a bare file name
        if dataset == DEFAULT_DATASET and os.environ.get(ENVIRONMENT_VARIABLE):
            candidates.append(Path(os.environ[ENVIRONMENT_VARIABLE]).expanduser())
        candidates += [
            _REPO_DATA_DIR / name,
            _INSTALLED_DATA_DIR / name,
            _CACHE_DIR / name,
        ]
    return candidates


def resolve_dataset(dataset=DEFAULT_DATASET, download=True):
    """Return the path of ``dataset``, downloading the default file if needed."""
    candidates = candidate_paths(dataset)
    for path in candidates:
        if path.is_file():
            return path
    if os.fspath(dataset) == DEFAULT_DATASET and download:
        return download_mnist(_CACHE_DIR / DEFAULT_DATASET)
    looked = ", ".join(str(p) for p in candidates)
    raise DatasetError(f"{dataset}: file not found (looked in: {looked})")


def is_default_dataset(path):
    """True for the shipped or downloaded MNIST file, whose checksum we know."""
    path = Path(path).resolve()
    return path.name == DEFAULT_DATASET and path.parent in {
        _REPO_DATA_DIR,
        _INSTALLED_DATA_DIR.resolve(),
        _CACHE_DIR.resolve(),
    }


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_checksum(path, expected=MNIST_SHA256, actual=None):
    """Refuse the file at ``path`` unless its SHA-256 (``actual``, if already
    computed) is ``expected``."""
    actual = sha256_of(path) if actual is None else actual
    if actual != expected:
        raise DatasetError(
            f"{path}: checksum mismatch (sha256 {actual}, expected {expected}); "
            "the file is corrupted or not the MNIST file of the tutorials"
        )


def download_mnist(target, url=MNIST_URL, timeout=60):
    """Download the original ``mnist.pkl.gz`` to ``target``, verified by
    SHA-256 (:func:`.download.download`: an interrupted or damaged download
    never leaves a file)."""
    from deeplearning_tutorials.machinery import download  # only to download

    try:
        return download.download(url, target, MNIST_SHA256, timeout)
    except download.ChecksumMismatch:
        raise DatasetError(
            f"{DEFAULT_DATASET}: the file downloaded from {url} does not have "
            f"the expected sha256 {MNIST_SHA256}; it was discarded"
        ) from None
    except download.DownloadFailed as exc:
        raise DatasetError(
            f"{DEFAULT_DATASET}: not found locally and the download from {url} "
            f"failed ({exc}). Offline? Copy mnist.pkl.gz (sha256 {MNIST_SHA256}) "
            f"from the project's data/ folder and pass --dataset PATH or set "
            f"{ENVIRONMENT_VARIABLE}=PATH"
        ) from None


# --------------------------------------------------------------------------
# Reading it safely
# --------------------------------------------------------------------------


# The dtypes a data set may hold, by the codes NumPy pickles them with.
_ALLOWED_DTYPES = {"f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"}
_ORDERS = ("<", ">", "|", "=")


class _DtypeSpec:
    """Stands in for ``numpy.dtype`` while unpickling: records the type code
    and the byte order, and builds the dtype only from those two values."""

    def __init__(self, code, align=False, copy=True):
        if code not in _ALLOWED_DTYPES:
            raise pickle.UnpicklingError(f"unsupported array type {code!r}")
        self.code, self.byteorder = code, "="

    def __setstate__(self, state):
        if not isinstance(state, tuple) or len(state) < 2 or state[1] not in _ORDERS:
            raise pickle.UnpicklingError("malformed array type")
        self.byteorder = state[1]

    def dtype(self):
        order = self.byteorder if self.byteorder in "<>" else "="
        return numpy.dtype(self.code).newbyteorder(order)


class _ArraySpec:
    """Stands in for a pickled ``numpy.ndarray``: takes the pickled shape,
    type and raw bytes, checks them, and builds the array with
    ``numpy.frombuffer``; NumPy's own ``__setstate__`` never sees the file."""

    def __init__(self, *args):
        self.array = None

    def __setstate__(self, state):
        try:
            _, shape, dtype_spec, fortran_order, data = state
            if not isinstance(dtype_spec, _DtypeSpec):
                raise TypeError
            if not all(isinstance(n, int) and n >= 0 for n in shape):
                raise TypeError
            if isinstance(data, str):  # bytes of a Python 2 pickle
                data = data.encode("latin1")
            array = numpy.frombuffer(data, dtype=dtype_spec.dtype())
            order = "F" if fortran_order else "C"
            self.array = array.reshape(tuple(shape), order=order).copy(order="C")
        except (TypeError, ValueError):
            raise pickle.UnpicklingError("malformed array") from None


def _frombuffer(buffer, dtype_spec, shape, order, axis_order=None):
    """Stands in for ``numpy._core.numeric._frombuffer``, which pickle
    protocol 5 uses for arrays: checks the buffer, type, shape and order, and
    builds the array as :class:`_ArraySpec` does."""
    spec = _ArraySpec()
    try:
        if not isinstance(buffer, (bytes, bytearray)):
            raise TypeError
        if not isinstance(dtype_spec, _DtypeSpec) or order not in ("C", "F", "K"):
            raise TypeError
        if not isinstance(shape, tuple) or not all(
            type(n) is int and n >= 0 for n in shape
        ):
            raise TypeError
        array = numpy.frombuffer(buffer, dtype=dtype_spec.dtype())
        if order == "K" and axis_order is not None:
            if sorted(axis_order) != list(range(len(shape))):
                raise TypeError
            array = array.reshape(shape, order="C").transpose(axis_order)
        else:
            array = array.reshape(shape, order="F" if order == "F" else "C")
        spec.array = array.copy(order="C")
    except (TypeError, ValueError):
        raise pickle.UnpicklingError("malformed array") from None
    return spec


class _NumpyOnlyUnpickler(pickle._Unpickler):
    """An unpickler that can rebuild NumPy arrays and nothing else.

    ``find_class`` is the only way a pickle can reach a Python callable, so
    refusing every global outside this list means a hostile file cannot call
    anything (``os.system``, ``eval``, ...) while it is read. Even the NumPy
    names are replaced by stand-ins (:class:`_ArraySpec`, :class:`_DtypeSpec`)
    that validate what the file says before an array is made from it.

    It is Python's pure-Python unpickler, reading through a
    :class:`_ChunkedReader`: no length or index in the file makes it
    allocate more memory than the file holds (the C unpickler sizes its memo
    table by the largest index a file names, and a protocol-5 byte array by
    the length the file claims, before reading a byte of either).
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, limit, **kwargs):
        super().__init__(_ChunkedReader(file, limit), **kwargs)

    def _load_bytearray8(self):
        (size,) = struct.unpack("<Q", self.read(8))
        data = self.read(size)
        if len(data) != size:
            raise pickle.UnpicklingError("pickle data was truncated")
        self.append(bytearray(data))

    dispatch[pickle.BYTEARRAY8[0]] = _load_bytearray8

    STAND_INS = {
        ("numpy.core.multiarray", "_reconstruct"): _ArraySpec,
        ("numpy._core.multiarray", "_reconstruct"): _ArraySpec,
        ("numpy.core.numeric", "_frombuffer"): _frombuffer,  # protocol 5
        ("numpy._core.numeric", "_frombuffer"): _frombuffer,
        ("numpy", "ndarray"): None,  # only ever the first argument of _reconstruct
        ("numpy", "dtype"): _DtypeSpec,
    }

    def find_class(self, module, name):
        if (module, name) in self.STAND_INS:
            return self.STAND_INS[(module, name)]
        # bytes pickled by Python 3 at protocol 2 are rebuilt with this
        if (module, name) == ("_codecs", "encode"):
            return _latin1_encode
        # ... and empty bytes (an empty array's data) as a call of bytes()
        if (module, name) in (("__builtin__", "bytes"), ("builtins", "bytes")):
            return _empty_bytes
        raise pickle.UnpicklingError(
            f"refusing to load global '{module}.{name}': only NumPy arrays are "
            "allowed in a data set file"
        )


class _ChunkedReader:
    """A file whose ``read(n)`` reads at most 16 MiB at a time, so that a
    length claimed by a hostile file costs only the bytes really there, and
    that refuses to give more than ``limit`` bytes in all, so that a small
    gzip file that decompresses to more than the memory (a "gzip bomb")
    fails before it fills it."""

    CHUNK = 1 << 24

    def __init__(self, file, limit):
        self._file = file
        self._left = limit
        self._limit = limit

    def _counted(self, data):
        self._left -= len(data)
        if self._left < 0:
            raise DecompressedTooLarge(self._limit)
        return data

    def read(self, size=-1):
        if size is None or size < 0:
            size = self._left + 1
        parts = []
        while size > 0:
            part = self._counted(self._file.read(min(size, self.CHUNK)))
            if not part:
                break
            parts.append(part)
            size -= len(part)
        return b"".join(parts)

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size=-1):
        if size is None or size < 0 or size > self._left + 1:
            size = self._left + 1
        return self._counted(self._file.readline(size))


class DecompressedTooLarge(Exception):
    """A data set file decompresses to more than :func:`decompressed_limit`."""


def _size(n_bytes):
    """``n_bytes`` in MiB or GiB, for a message."""
    if n_bytes < 1 << 30:
        return f"{n_bytes / 2**20:.0f} MiB"
    return f"{n_bytes / 2**30:.1f} GiB"


def decompressed_limit():
    """The most bytes a data set file may decompress to: half of this
    machine's memory (MNIST takes 220 MB). Loading a larger one would
    leave no room for training it."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = 16 << 30
    return memory // 2


def _latin1_encode(text, encoding="latin1"):
    if not isinstance(text, str) or encoding != "latin1":
        raise pickle.UnpicklingError("unexpected text encoding in the pickle")
    return text.encode("latin1")


def _empty_bytes(*args):
    """``bytes()`` with no argument, as protocols 0-2 pickle ``b""``; any
    argument (``bytes(10**12)`` would allocate a terabyte) is refused."""
    if args:
        raise pickle.UnpicklingError("unexpected call of bytes() in the pickle")
    return b""


def _arrays_of(obj):
    """Replace the :class:`_ArraySpec` stand-ins in nested tuples by arrays."""
    if isinstance(obj, _ArraySpec):
        if obj.array is None:
            raise pickle.UnpicklingError("an array without data")
        return obj.array
    if isinstance(obj, (tuple, list)):
        return type(obj)(_arrays_of(item) for item in obj)
    if isinstance(obj, _DtypeSpec):
        raise pickle.UnpicklingError("a bare dtype where an array was expected")
    return obj


def _unpickle(path, digest=None):
    """The arrays of a gzipped pickle. The whole stream is read, so that
    gzip checks its CRC and length: a damaged file is refused, not used.
    Given ``digest`` (a ``hashlib`` object), the bytes read are hashed into
    it, the file's whole content: the digest of what was decoded."""
    try:
        with _open_regular(path) as raw:
            source = raw if digest is None else _HashingReader(raw, digest)
            with gzip.GzipFile(fileobj=source, mode="rb") as f:
                unpickler = _NumpyOnlyUnpickler(
                    f, decompressed_limit(), encoding="latin1"
                )
                splits = _arrays_of(unpickler.load())
                if f.read(1):
                    raise DatasetError(f"{path}: data after the end of the pickle")
            while digest is not None and source.read(1 << 20):
                pass  # what gzip left unread, for the digest
            return splits
    except DatasetError:
        raise
    except DecompressedTooLarge as exc:
        raise DatasetError(
            f"{path}: decompresses to more than {_size(exc.args[0])} "
            "(half this machine's memory); a damaged or hostile file, or a data "
            "set too large to train here"
        ) from None
    except pickle.UnpicklingError as exc:
        raise DatasetError(f"{path}: not a valid data set pickle ({exc})") from None
    except gzip.BadGzipFile as exc:
        if "CRC" in str(exc) or "length" in str(exc):
            raise DatasetError(
                f"{path}: corrupted gzip data ({exc}); the file is damaged"
            ) from None
        raise DatasetError(f"{path}: not a gzip file") from None
    except (EOFError, zlib.error):
        raise DatasetError(f"{path}: truncated or corrupted gzip data") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except Exception as exc:  # anything else a hostile or damaged stream raises
        raise DatasetError(
            f"{path}: not a valid data set pickle ({type(exc).__name__}: {exc})"
        ) from None


class _HashingReader:
    """A file whose bytes, as they are read, are fed to ``digest``."""

    def __init__(self, file, digest):
        self._file, self._digest = file, digest

    def read(self, size=-1):
        data = self._file.read(size)
        self._digest.update(data)
        return data


def _open_regular(path):
    """``path`` opened for reading if it is a regular file (a FIFO or a
    device would block or never end)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise DatasetError(f"{path}: not a regular file")
    return os.fdopen(fd, "rb")


def validate_splits(splits, n_classes=N_CLASSES, source="data set", finite=False):
    """Check the ``((x, y), (x, y), (x, y))`` structure; return it as arrays.

    Raises :class:`DatasetError` with a sentence naming ``source`` and the
    first problem found. ``finite=True`` says that the pixels are known to
    be finite (they come from the decoded cache, which keeps only splits
    that passed this check), and skips looking at each of them again.
    """

    def fail(problem):
        raise DatasetError(f"{source}: {problem}")

    if not isinstance(splits, (tuple, list)) or len(splits) != 3:
        fail("expected a tuple of 3 splits (train, valid, test)")
    width = None
    checked = []
    for name, split in zip(SPLIT_NAMES, splits):
        if not isinstance(split, (tuple, list)) or len(split) != 2:
            fail(f"{name} set: expected an (x, y) pair")
        x, y = split
        if not isinstance(x, numpy.ndarray) or not isinstance(y, numpy.ndarray):
            fail(f"{name} set: x and y must be NumPy arrays")
        if x.ndim != 2 or x.dtype.kind != "f":
            fail(f"{name} set: x must be a 2-D float array, got {x.ndim}-D {x.dtype}")
        if y.ndim != 1 or y.dtype.kind not in "iu":
            fail(f"{name} set: y must be a 1-D integer array, got {y.ndim}-D {y.dtype}")
        if len(x) != len(y):
            fail(f"{name} set: {len(x)} images but {len(y)} labels")
        if len(x) == 0:
            fail(f"{name} set: no examples")
        if width is not None and x.shape[1] != width:
            fail(f"{name} set: {x.shape[1]} features per image, train set has {width}")
        width = x.shape[1]
        if not finite and not numpy.isfinite(x).all():
            fail(f"{name} set: x contains NaN or infinite values")
        if y.min() < 0 or y.max() >= n_classes:
            fail(
                f"{name} set: labels must lie in 0..{n_classes - 1}, "
                f"found {y.min()}..{y.max()}"
            )
        checked.append((x, y))
    return tuple(checked)


def read_dataset(dataset=DEFAULT_DATASET, n_classes=N_CLASSES):
    """Find, checksum (default file), unpickle safely and validate ``dataset``.

    Returns ``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))`` as
    NumPy arrays, exactly as stored in the file. A large file's arrays are
    kept, once decoded, in the decoded cache, from which the next run maps
    them in milliseconds
    (:mod:`~deeplearning_tutorials.machinery.data_cache`: by the SHA-256 of
    the file's bytes, checked, never stale).
    """
    path = resolve_dataset(dataset)
    cached = data_cache.worth_caching(path)
    digest = _digest_of(path) if cached or is_default_dataset(path) else None
    if is_default_dataset(path):
        verify_checksum(path, actual=digest)
    if cached:
        splits = data_cache.load(digest)
        if splits is not None:
            return validate_splits(splits, n_classes, source=str(path), finite=True)
    decoded = hashlib.sha256() if cached else None
    splits = validate_splits(
        _unpickle(path, decoded), n_classes=n_classes, source=str(path)
    )
    if cached and decoded.hexdigest() == digest:  # the file did not change meanwhile
        data_cache.store(digest, splits)
    return splits


def _digest_of(path):
    """:func:`sha256_of` ``path``, or :class:`DatasetError` if it cannot be read."""
    try:
        return sha256_of(path)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror or exc})") from None


# --------------------------------------------------------------------------
# Handing it to PyTensor
# --------------------------------------------------------------------------


def shared_dataset(data_xy, borrow=True):
    """Store one ``(x, y)`` split in shared variables, as the tutorials do.

    Keeping the whole data set in shared variables lets a compiled function
    pick its minibatch by index (see :func:`minibatch_givens`) instead of
    receiving the data on every call; on a GPU this keeps it on the device.

    ``x`` and ``y`` are copied once into ``floatX`` (GPUs store floats only)
    and shared without a further copy; ``y`` is then cast back to ``int32``
    symbolically, because labels are used as indices.
    """
    data_x, data_y = data_xy
    floatX = pytensor.config.floatX
    shared_x = pytensor.shared(numpy.asarray(data_x, dtype=floatX), borrow=borrow)
    shared_y = pytensor.shared(numpy.asarray(data_y, dtype=floatX), borrow=borrow)
    if config.uses_jax():
        place_on_device(shared_x)
        place_on_device(shared_y)
    return shared_x, pt.cast(shared_y, "int32")


def place_on_device(shared_variable):
    """Hold a shared variable's value as a JAX array, on JAX's default device.

    PyTensor's JAX linker passes shared values to the compiled function as
    they are stored. A parameter becomes a device array after its first
    update (the function's outputs are JAX arrays), but a data set is never
    updated: stored as a NumPy array it would be copied to the device on
    every call (157 MB for the training images, at every minibatch). Storing
    the device array in the variable's container, as PyTensor itself does
    with updated values, copies it once. ``get_value()`` then returns a JAX
    array; ``numpy.asarray`` of it gives the data back on the host.
    """
    import jax

    value = shared_variable.get_value(borrow=True)
    if value.dtype == numpy.float64 and not jax.config.jax_enable_x64:
        # without it a float64 array would arrive truncated to float32
        # (PyTensor's JAX backend sets the flag from floatX when first imported)
        jax.config.update("jax_enable_x64", True)
    shared_variable.container.storage[0] = jax.device_put(value)


IMAGE_SIZE = 28 * 28


def load_data(dataset=DEFAULT_DATASET, n_features=IMAGE_SIZE):
    """Load MNIST into shared variables.

    Returns ``[(train_set_x, train_set_y), (valid_set_x, valid_set_y),
    (test_set_x, test_set_y)]``: ``x`` shared variables of ``floatX``, ``y``
    ``int32`` views of shared ``floatX`` label vectors.

    Every model reads ``n_features`` pixels per image (28 x 28); a file of
    other images is refused here, with one sentence, and so is one whose
    pixels do not fit in ``floatX`` (1e300 is finite in float64, not in
    float32).
    """
    # as the original, find (or download) the file before saying so
    path = resolve_dataset(dataset)
    print("... loading data")
    # a sweep's worker keeps the splits for its next trial (machinery/reuse.py)
    status = os.stat(path)
    key = (os.path.realpath(path), status.st_size, status.st_mtime_ns,
           pytensor.config.floatX, n_features)  # fmt: skip
    splits = reuse.remembered(key, lambda: _checked_splits(path, dataset, n_features))
    if _active_fold is not None:
        whole, fold = splits, _active_fold
        splits = reuse.remembered(
            (key, fold), lambda: cross_validation_splits(whole, *fold)
        )
        print(_fold_line(splits, *_active_fold))
    return [shared_dataset(split) for split in splits]


def _checked_splits(path, dataset, n_features):
    """The splits of the file at ``path``, checked and in ``floatX``, or
    :class:`DatasetError`."""
    splits = read_dataset(path)
    width = splits[0][0].shape[1]
    if width != n_features:
        raise DatasetError(
            f"{dataset}: images of {width} pixels; the models read {n_features} "
            "(28 x 28, as MNIST)"
        )
    floatX = pytensor.config.floatX
    largest = numpy.finfo(floatX).max
    for name, (x, _) in zip(SPLIT_NAMES, splits):
        if x.dtype.itemsize > largest.itemsize and max(-x.min(), x.max()) > largest:
            raise DatasetError(
                f"{dataset}: {name} set: pixel values too large for {floatX}"
            )
    return tuple((numpy.asarray(x, dtype=floatX), y) for x, y in splits)


# --------------------------------------------------------------------------
# Cross-validation: training on fold i of K
# --------------------------------------------------------------------------


def cross_validation_splits(splits, folds, fold):
    """The splits of fold ``fold`` (0 .. ``folds`` - 1) of K-fold cross-validation.

    The training and validation examples are pooled, in the file's order
    (50,000 + 10,000 for MNIST), and cut into ``folds`` consecutive blocks
    whose sizes differ by at most one (``numpy.array_split``). Block
    ``fold`` is the validation set; the other blocks, in order, are the
    training set. The test set is returned untouched: it is never used to
    choose anything. With 6 folds of MNIST, fold 5 is the file's own split.
    """
    (train_x, train_y), (valid_x, valid_y), test = splits
    pool_x = numpy.concatenate([train_x, valid_x])
    pool_y = numpy.concatenate([train_y, valid_y])
    _check_fold(folds, fold, n_examples=len(pool_x))
    blocks = numpy.array_split(numpy.arange(len(pool_x)), folds)
    held_out = blocks[fold]
    kept = numpy.concatenate(blocks[:fold] + blocks[fold + 1 :])
    return (pool_x[kept], pool_y[kept]), (pool_x[held_out], pool_y[held_out]), test


# The fold load_data hands out, (folds, fold), or None: the file's own split.
_active_fold = None


@contextlib.contextmanager
def cross_validation(folds, fold):
    """Within this block :func:`load_data` returns fold ``fold`` of
    ``folds`` (see :func:`cross_validation_splits`) instead of the file's
    split; how ``--cv-folds K --cv-fold i`` reach every driver."""
    global _active_fold
    _check_fold(folds, fold)
    previous, _active_fold = _active_fold, (folds, fold)
    try:
        yield
    finally:
        _active_fold = previous


def _check_fold(folds, fold, n_examples=None):
    """Refuse fewer than 2 folds, more folds than ``n_examples``, or a
    ``fold`` outside 0 .. ``folds`` - 1."""
    if folds < 2 or (n_examples is not None and folds > n_examples):
        most = f" (the data set pools {n_examples} examples)" if n_examples else ""
        raise InputError(f"--cv-folds {folds}: expected at least 2 folds{most}")
    if not 0 <= fold < folds:
        raise InputError(f"--cv-fold {fold}: expected 0 to {folds - 1}")


def active_fold():
    """``{"folds": K, "fold": i}`` inside :func:`cross_validation`, else None."""
    if _active_fold is None:
        return None
    folds, fold = _active_fold
    return {"folds": folds, "fold": fold}


def _fold_line(splits, folds, fold):
    (train_x, _), (valid_x, _), _ = splits
    return (
        f"... cross-validation fold {fold} (of 0 to {folds - 1}): {len(train_x)} "
        f"training, {len(valid_x)} validation examples"
    )


def n_batches(shared_x, batch_size, name="data set"):
    """Number of whole minibatches in a data set (the remainder is skipped)."""
    n_rows = shared_x.get_value(borrow=True).shape[0]
    if batch_size > n_rows:
        raise InputError(
            f"batch size {batch_size} is larger than the {name} ({n_rows} examples)"
        )
    return n_rows // batch_size


def minibatch(data, index, batch_size, data_shape=None):
    """Symbolic rows ``index * batch_size`` to ``(index + 1) * batch_size``.

    ``data_shape`` is the shape of ``data``'s value; it may be left out when
    ``data`` is a shared variable.

    This is the tutorials' slice. Under JAX a slice must have static bounds,
    so there the data set is viewed as ``(n_batches, batch_size, ...)`` and
    the minibatch is picked by indexing the first axis; both give the same
    rows. A minibatch of one row is taken as ``data[index]`` with a new first
    axis: PyTensor 3.0.7's Numba backend fails to compile the scalar
    ``index + 1`` that the slice becomes when ``batch_size`` is 1.
    """
    if batch_size == 1:
        return pt.shape_padleft(data[index])
    if data_shape is None:
        data_shape = data.get_value(borrow=True).shape
    if not config.uses_jax():
        return data[index * batch_size : (index + 1) * batch_size]
    count = data_shape[0] // batch_size
    whole = data[: count * batch_size]
    return whole.reshape((count, batch_size, *data_shape[1:]))[index]


def minibatch_givens(x, y, set_x, set_y, index, batch_size):
    """The ``givens`` that feed minibatch ``index`` of a data set to ``x, y``.

    Equivalent to the original tutorials'::

        givens={x: set_x[index * batch_size: (index + 1) * batch_size],
                y: set_y[index * batch_size: (index + 1) * batch_size]}
    """
    x_shape = set_x.get_value(borrow=True).shape
    return {
        x: minibatch(set_x, index, batch_size, x_shape),
        y: minibatch(set_y, index, batch_size, x_shape[:1]),
    }
