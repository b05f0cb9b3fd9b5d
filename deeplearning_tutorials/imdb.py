"""The IMDB movie reviews of the LSTM tutorial: loading and minibatch padding.

The LSTM chapter (:mod:`deeplearning_tutorials.lstm`) classifies movie
reviews of the Large Movie Review Dataset (A. Maas et al., ACL 2011) as
positive or negative. The original tutorial ships them preprocessed, as
``imdb.pkl``: two pickles written one after the other by Python 2's
``cPickle`` (protocol 2), first ``(train_x, train_y)``, then ``(test_x,
test_y)``. Each ``x`` is a list of reviews, a review a list of word indices
(the most frequent word is 2, the next 3, ...; 1 stands for an unknown
word), each ``y`` a list of labels (1 positive, 0 negative). A second file,
``imdb.dict.pkl.gz``, maps each word to its index, for encoding reviews of
one's own (:func:`load_dictionary`; the original only offers it for
download).

This is a port of the original ``code/imdb.py``, which is the specification:

- :func:`prepare_data` pads a minibatch of reviews into a *time-major*
  ``(maxlen, n_samples)`` matrix and a mask of the same shape;
- :func:`get_dataset_file` finds the file, or downloads it from the
  original's address (no checksum of ``imdb.pkl`` was ever published, so
  none is checked);
- :func:`load_data` splits a validation set off the training set (with the
  global NumPy generator, as the original does), maps rare words to 1 and
  sorts each set by review length.

Unlike the original, the pickles are read by an unpickler that refuses
every global name (the files hold only lists, tuples, ints and strings, so
a file that names a function is not an IMDB file and cannot run code), and a
damaged or malformed file is one :class:`DatasetError` sentence, not a
traceback.
"""

import gzip
import os
import pickle
import zlib

import numpy
import pytensor

from deeplearning_tutorials.machinery.data import (
    DatasetError,
    _NumpyOnlyUnpickler,
    candidate_paths,
    decompressed_limit,
)

IMDB_URL = "http://www.iro.umontreal.ca/~lisa/deep/data/imdb.pkl"
DICTIONARY_URL = "http://www.iro.umontreal.ca/~lisa/deep/data/imdb.dict.pkl.gz"
DEFAULT_DATASET = "imdb.pkl"
DEFAULT_DICTIONARY = "imdb.dict.pkl.gz"


def prepare_data(seqs, labels, maxlen=None):
    """Create the matrices of a minibatch of reviews.

    Each review is padded with zeros to the length of the longest one, and
    the axes are swapped: ``x[t, i]`` is word ``t`` of review ``i``. The mask
    is 1 where ``x`` holds a word and 0 in the padding.

    If ``maxlen`` is set, reviews of ``maxlen`` words or more are *dropped*
    (with their labels), as in the original (its docstring says they are
    cut); if none is left, the result is ``(None, None, None)``.

    :returns: ``(x, x_mask, labels)``: an int64 matrix, a ``floatX`` matrix,
        both ``(maxlen, n_samples)``, and the labels kept (the list given
        when ``maxlen`` is None)
    """
    # x: a list of sentences
    lengths = [len(s) for s in seqs]

    if maxlen is not None:
        new_seqs = []
        new_labels = []
        new_lengths = []
        for l, s, y in zip(lengths, seqs, labels):
            if l < maxlen:
                new_seqs.append(s)
                new_labels.append(y)
                new_lengths.append(l)
        lengths = new_lengths
        labels = new_labels
        seqs = new_seqs

        if len(lengths) < 1:
            return None, None, None

    n_samples = len(seqs)
    maxlen = numpy.max(lengths)

    x = numpy.zeros((maxlen, n_samples)).astype("int64")
    x_mask = numpy.zeros((maxlen, n_samples)).astype(pytensor.config.floatX)
    for idx, s in enumerate(seqs):
        x[: lengths[idx], idx] = s
        x_mask[: lengths[idx], idx] = 1.0

    return x, x_mask, labels


def get_dataset_file(dataset, default_dataset, origin):
    """The path of ``dataset``; download it from ``origin`` if it is the
    default file and is missing.

    As the original: a path with a folder is used as it is (and the default
    file is downloaded there if missing). A bare name is looked for in the
    current folder and then in the project's places for data files (its
    ``data/`` folder, the installed ``share/`` folder, ``~/.cache``); the
    default file is downloaded to ``~/.cache/deeplearning_tutorials/`` (the
    original downloaded next to its code, in ``../data``).

    :raises DatasetError: the file is missing and is not the default one, or
        the download failed (offline)
    """
    dataset = os.fspath(dataset)
    data_dir, data_file = os.path.split(dataset)
    candidates = [dataset]
    if data_dir == "":
        candidates = [str(path) for path in candidate_paths(dataset)]
    for path in candidates:
        if os.path.isfile(path):
            return path
    if data_file != default_dataset:
        looked = ", ".join(candidates)
        raise DatasetError(f"{dataset}: file not found (looked in: {looked})")
    return _download(origin, candidates[-1])


def _download(origin, target):
    """Download ``origin`` to ``target`` (:func:`.download.download`: an
    interrupted download leaves nothing behind); one line if it fails."""
    from deeplearning_tutorials.machinery import download  # only to download

    try:
        download.download(origin, target)
    except download.DownloadFailed as exc:
        name = os.path.basename(target)
        raise DatasetError(
            f"{name}: not found locally and the download from {origin} failed "
            f"({exc}); offline? put {name} in a folder and pass --data-dir DIR"
        ) from None
    return target


class _NoGlobalsUnpickler(_NumpyOnlyUnpickler):
    """The project's safe unpickler (pure Python, memory bounded by the
    file's size), refusing every global: the IMDB files hold only lists,
    tuples, ints and strings, which need none."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(
            f"refusing to load global '{module}.{name}': an IMDB file holds "
            "only lists of integers (and a dictionary of words)"
        )


def _read_pickles(path, count):
    """The first ``count`` pickles of the file ``path`` (gzipped if its name
    ends in ``.gz``), read safely; anything wrong is one DatasetError."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            unpickler = _NoGlobalsUnpickler(
                f, decompressed_limit(), encoding="latin1"
            )
            return [unpickler.load() for _ in range(count)]
    except EOFError:
        raise DatasetError(
            f"{path}: truncated: expected {count} pickle(s) in the file"
        ) from None
    except pickle.UnpicklingError as exc:
        raise DatasetError(f"{path}: not an IMDB pickle ({exc})") from None
    except gzip.BadGzipFile as exc:
        raise DatasetError(f"{path}: not a valid gzip file ({exc})") from None
    except zlib.error:
        raise DatasetError(f"{path}: corrupted gzip data") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except Exception as exc:  # whatever else a damaged stream raises
        raise DatasetError(
            f"{path}: not an IMDB pickle ({type(exc).__name__}: {exc})"
        ) from None


def _checked_split(split, path, name):
    """``(x, y)`` of one split: reviews (lists of word indices >= 0, none
    empty) and as many integer labels >= 0."""

    def fail(problem):
        raise DatasetError(f"{path}: {name} set: {problem}")

    if not isinstance(split, (tuple, list)) or len(split) != 2:
        fail("expected an (x, y) pair of lists")
    x, y = split
    if not isinstance(x, list) or not isinstance(y, list):
        fail("x and y must be lists")
    if len(x) != len(y):
        fail(f"{len(x)} reviews but {len(y)} labels")
    if not x:
        fail("no reviews")
    for i, review in enumerate(x):
        if not isinstance(review, list) or not review:
            fail(f"review {i} is not a non-empty list of word indices")
        if not all(type(w) is int and w >= 0 for w in review):
            fail(f"review {i} holds something other than word indices >= 0")
    if not all(type(label) is int and label >= 0 for label in y):
        fail("the labels must be integers >= 0")
    return x, y


def read_imdb(path):
    """The ``(train_set, test_set)`` pickles of ``path``, checked."""
    train_set, test_set = _read_pickles(path, 2)
    return (
        _checked_split(train_set, path, "train"),
        _checked_split(test_set, path, "test"),
    )


def load_data(
    path=DEFAULT_DATASET, n_words=100000, valid_portion=0.1, maxlen=None, sort_by_len=True
):
    """Load the dataset.

    :type path: String
    :param path: The path to the dataset (here IMDB)
    :type n_words: int
    :param n_words: The number of word to keep in the vocabulary.
        All extra words are set to unknow (1).
    :type valid_portion: float
    :param valid_portion: The proportion of the full train set used for
        the validation set.
    :type maxlen: None or positive int
    :param maxlen: the max sequence length we use in the train/valid set.
    :type sort_by_len: bool
    :name sort_by_len: Sort by the sequence lenght for the train,
        valid and test set. This allow faster execution as it cause
        less padding per minibatch. Another mechanism must be used to
        shuffle the train set at each epoch.

    The validation set is drawn with ``numpy.random.permutation``, from the
    global generator, as in the original (the LSTM seeds it first).

    :returns: ``(train, valid, test)``, each a pair ``(reviews, labels)``
        of lists
    :raises DatasetError: the file is missing, damaged or not an IMDB file,
        or no training review is shorter than ``maxlen``
    """
    # Load the dataset
    path = get_dataset_file(path, DEFAULT_DATASET, IMDB_URL)
    train_set, test_set = read_imdb(path)
    if maxlen:
        new_train_set_x = []
        new_train_set_y = []
        for x, y in zip(train_set[0], train_set[1]):
            if len(x) < maxlen:
                new_train_set_x.append(x)
                new_train_set_y.append(y)
        train_set = (new_train_set_x, new_train_set_y)
        del new_train_set_x, new_train_set_y
        if not train_set[0]:
            raise DatasetError(
                f"{path}: no training review is shorter than maxlen={maxlen}"
            )

    # split training set into validation set
    train_set_x, train_set_y = train_set
    n_samples = len(train_set_x)
    sidx = numpy.random.permutation(n_samples)
    n_train = int(numpy.round(n_samples * (1.0 - valid_portion)))
    valid_set_x = [train_set_x[s] for s in sidx[n_train:]]
    valid_set_y = [train_set_y[s] for s in sidx[n_train:]]
    train_set_x = [train_set_x[s] for s in sidx[:n_train]]
    train_set_y = [train_set_y[s] for s in sidx[:n_train]]

    train_set = (train_set_x, train_set_y)
    valid_set = (valid_set_x, valid_set_y)

    def remove_unk(x):
        return [[1 if w >= n_words else w for w in sen] for sen in x]

    test_set_x, test_set_y = test_set
    valid_set_x, valid_set_y = valid_set
    train_set_x, train_set_y = train_set

    train_set_x = remove_unk(train_set_x)
    valid_set_x = remove_unk(valid_set_x)
    test_set_x = remove_unk(test_set_x)

    def len_argsort(seq):
        return sorted(range(len(seq)), key=lambda x: len(seq[x]))

    if sort_by_len:
        sorted_index = len_argsort(test_set_x)
        test_set_x = [test_set_x[i] for i in sorted_index]
        test_set_y = [test_set_y[i] for i in sorted_index]

        sorted_index = len_argsort(valid_set_x)
        valid_set_x = [valid_set_x[i] for i in sorted_index]
        valid_set_y = [valid_set_y[i] for i in sorted_index]

        sorted_index = len_argsort(train_set_x)
        train_set_x = [train_set_x[i] for i in sorted_index]
        train_set_y = [train_set_y[i] for i in sorted_index]

    train = (train_set_x, train_set_y)
    valid = (valid_set_x, valid_set_y)
    test = (test_set_x, test_set_y)

    return train, valid, test


def load_dictionary(path=DEFAULT_DICTIONARY):
    """The word -> index dictionary of ``imdb.dict.pkl.gz`` (downloaded from
    the original's address if it is the default file and missing).

    Python 2 wrote its words as byte strings; they are read as text
    (latin-1). With it a review of one's own is encoded as the training
    data were: ``[dictionary.get(w, 1) for w in review.lower().split()]``
    (after the Moses tokenizer, in the original's preprocessing).
    """
    path = get_dataset_file(path, DEFAULT_DICTIONARY, DICTIONARY_URL)
    (dictionary,) = _read_pickles(path, 1)
    if not isinstance(dictionary, dict) or not all(
        isinstance(word, str) and type(index) is int and index >= 0
        for word, index in dictionary.items()
    ):
        raise DatasetError(f"{path}: not a dictionary of words to indices")
    return dictionary
