"""The IMDB loader of the LSTM tutorial: padding, the splits, safe reading.

References: the original ``code/imdb.py`` (its semantics, re-derived here
with independent NumPy code: a stable argsort for the sort by length, a
masked array for the padding), and the file format of the original's
``imdb_preprocess.py`` (two protocol-2 pickles, written by Python 2). The
data set is the generated stand-in of tests/generated_imdb.py; the real
``imdb.pkl`` is not available to the tests.
"""

import gzip
import io
import os
import pickle

import numpy
import pytensor
import pytest
from generated_imdb import generated_imdb, write_generated_imdb

from deeplearning_tutorials import imdb
from deeplearning_tutorials.machinery.data import DatasetError


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("imdb")
    write_generated_imdb(str(folder))
    return folder


def test_prepare_data_pads_time_major_with_a_mask():
    """Against a masked array: word t of review i at x[t, i], zeros after
    the review's end, the mask 1 exactly where a word is."""
    seqs = [[5, 6, 7], [8], [9, 10, 11, 12, 13], [2, 3]]
    labels = [1, 0, 1, 0]
    x, mask, y = imdb.prepare_data(seqs, labels)
    longest = max(map(len, seqs))
    reference = numpy.ma.masked_all((len(seqs), longest), dtype="int64")
    for i, s in enumerate(seqs):
        reference[i, : len(s)] = s
    assert x.dtype == numpy.int64 and mask.dtype == pytensor.config.floatX
    numpy.testing.assert_array_equal(x, reference.filled(0).T)
    numpy.testing.assert_array_equal(mask, (~numpy.ma.getmaskarray(reference)).T)
    assert y is labels


def test_prepare_data_drops_reviews_of_maxlen_words_or_more():
    """The original keeps a review only if ``len < maxlen`` (and its label
    with it); with none left, three Nones."""
    seqs = [[1] * 3, [2] * 5, [3] * 4, [4] * 7]
    x, mask, y = imdb.prepare_data(seqs, [0, 1, 0, 1], maxlen=5)
    assert y == [0, 0]
    assert x.shape == (4, 2) and (x[:3, 0] == 1).all() and (x[:, 1] == 3).all()
    assert mask.sum(axis=0).tolist() == [3, 4]
    assert imdb.prepare_data(seqs, [0, 1, 0, 1], maxlen=3) == (None, None, None)


def reference_split(train_set, test_set, n_words, valid_portion, maxlen, seed):
    """The original's load_data, written again: keep reviews shorter than
    maxlen, draw the permutation, split, map rare words to 1, sort each set
    stably by length."""
    keep = [i for i, s in enumerate(train_set[0]) if not maxlen or len(s) < maxlen]
    xs = [train_set[0][i] for i in keep]
    ys = [train_set[1][i] for i in keep]
    order = numpy.random.RandomState(seed).permutation(len(xs))
    n_train = int(numpy.round(len(xs) * (1.0 - valid_portion)))

    def finish(x, y):
        x = [numpy.where(numpy.array(s) >= n_words, 1, s).tolist() for s in x]
        by_length = numpy.argsort([len(s) for s in x], kind="stable")
        return [x[i] for i in by_length], [y[i] for i in by_length]

    return (
        finish([xs[i] for i in order[:n_train]], [ys[i] for i in order[:n_train]]),
        finish([xs[i] for i in order[n_train:]], [ys[i] for i in order[n_train:]]),
        finish(*test_set),
    )


@pytest.mark.parametrize(
    "n_words, valid_portion, maxlen", [(100, 0.05, 60), (100000, 0.1, None), (30, 0.5, 10)]
)
def test_load_data_splits_maps_and_sorts_as_the_original(
    data_dir, n_words, valid_portion, maxlen
):
    train_set, test_set = generated_imdb()
    expected = reference_split(train_set, test_set, n_words, valid_portion, maxlen, 7)
    numpy.random.seed(7)  # load_data draws from the global generator
    got = imdb.load_data(
        path=str(data_dir / "imdb.pkl"),
        n_words=n_words,
        valid_portion=valid_portion,
        maxlen=maxlen,
    )
    assert got == expected


def test_the_generated_file_has_the_original_format(data_dir):
    """Two protocol-2 pickles, (reviews, labels) each, of plain ints."""
    with open(data_dir / "imdb.pkl", "rb") as f:
        assert f.read(2) == b"\x80\x02"
        f.seek(0)
        train_set, test_set = pickle.load(f), pickle.load(f)
        assert f.read() == b""
    assert (len(train_set[0]), len(test_set[0])) == (300, 100)
    assert imdb.read_imdb(str(data_dir / "imdb.pkl")) == (train_set, test_set)


def test_a_python2_dictionary_is_read_as_text(tmp_path):
    """Python 2's cPickle wrote ``str`` keys as byte strings (opcode
    SHORT_BINSTRING); they are decoded as latin-1 text."""
    python2_pickle = (
        b"\x80\x02}q\x00(U\x03theq\x01K\x02U\x06movie!q\x02K\x03U\x04caf\xe9q\x03K\x04u."
    )
    path = tmp_path / "imdb.dict.pkl.gz"
    with gzip.open(path, "wb") as f:
        f.write(python2_pickle)
    assert imdb.load_dictionary(str(path)) == {"the": 2, "movie!": 3, "caf\xe9": 4}


def one_line_error(path, match):
    with pytest.raises(DatasetError, match=match) as error:
        imdb.load_data(path=str(path))
    assert "\n" not in str(error.value)


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def dumps(*objects):
    buffer = io.BytesIO()
    for obj in objects:
        pickle.dump(obj, buffer, 2)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "truncated"),
        (dumps(([[2, 3]], [1])), "truncated"),
        (b"this is not a pickle at all", "not an IMDB pickle"),
        (dumps(([[2, 3]], [1]), _Boom()), "refusing to load global 'posix.system'"),
        (dumps(([[2, 3]], [1, 0]), ([[4]], [0])), "1 reviews but 2 labels"),
        (dumps(([[2, 3], []], [1, 0]), ([[4]], [0])), "review 1 is not a non-empty"),
        (dumps(([[2, -3]], [1]), ([[4]], [0])), "word indices >= 0"),
        (dumps(([[2, 3]], [1.5]), ([[4]], [0])), "labels must be integers"),
        (dumps([1, 2, 3], ([[4]], [0])), "expected an .x, y. pair"),
    ],
)
def test_a_damaged_or_hostile_file_is_one_line(tmp_path, content, match):
    path = tmp_path / "imdb.pkl"
    path.write_bytes(content)
    one_line_error(path, match)


def test_no_review_shorter_than_maxlen_is_one_line(data_dir):
    with pytest.raises(DatasetError, match="no training review is shorter than maxlen=2"):
        imdb.load_data(path=str(data_dir / "imdb.pkl"), maxlen=2)


def test_a_missing_file_is_looked_for_then_downloaded(tmp_path, monkeypatch):
    """A bare default name: the current folder, the project's data folders,
    then a download from the original's address (here a failing one, and a
    file:// one), into the cache folder."""
    monkeypatch.chdir(tmp_path)
    offline = (tmp_path / "nowhere" / "imdb.pkl").as_uri()  # fails as offline does
    with pytest.raises(DatasetError, match="file not found"):
        imdb.get_dataset_file("other.pkl", "imdb.pkl", offline)
    target = tmp_path / "elsewhere" / "imdb.pkl"
    with pytest.raises(DatasetError, match=f"download from {offline} failed") as error:
        imdb.get_dataset_file(str(target), "imdb.pkl", offline)
    assert "--data-dir" in str(error.value) and "\n" not in str(error.value)
    assert not target.parent.exists() or not list(target.parent.iterdir())
    source = tmp_path / "served.pkl"
    source.write_bytes(dumps(([[2]], [1]), ([[3]], [0])))
    got = imdb.get_dataset_file(str(target), "imdb.pkl", source.as_uri())
    assert got == str(target) and target.read_bytes() == source.read_bytes()
    (tmp_path / "imdb.pkl").write_bytes(b"here")
    assert imdb.get_dataset_file("imdb.pkl", "imdb.pkl", offline) == "imdb.pkl"
