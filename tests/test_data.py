"""Loading MNIST: the shipped file, and every way a file can be wrong."""

import gzip
import io
import os
import pickle

import numpy
import pytest
from conftest import make_splits, write_pickle_gz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytensor
from deeplearning_tutorials.machinery import data
from deeplearning_tutorials.machinery.data import DatasetError

# ---------------------------------------------------------------- the real file


@pytest.fixture(scope="module")
def mnist():
    return data.read_dataset(data.DEFAULT_DATASET)


def test_shipped_file_is_found_and_verified():
    path = data.resolve_dataset(data.DEFAULT_DATASET, download=False)
    assert path.name == "mnist.pkl.gz"
    assert data.is_default_dataset(path)
    assert data.sha256_of(path) == data.MNIST_SHA256


def test_shipped_file_has_the_documented_structure(mnist):
    sizes = [len(x) for x, _ in mnist]
    assert sizes == [50000, 10000, 10000]
    for x, y in mnist:
        assert x.dtype == numpy.float32 and x.shape[1] == 784
        assert y.dtype.kind == "i" and len(y) == len(x)
        assert set(numpy.unique(y)) == set(range(10))
        # intensities are k/256 for k in 0..255
        assert x.min() == 0.0 and x.max() == 255 / 256
        assert numpy.array_equal(x * 256, numpy.round(x * 256))


def test_load_data_gives_floatX_shared_x_and_int32_labels(small_dataset):
    datasets = data.load_data(small_dataset)
    assert len(datasets) == 3
    (train_x, train_y), _, (test_x, test_y) = datasets
    assert train_x.get_value(borrow=True).dtype == pytensor.config.floatX
    assert train_y.dtype == "int32"
    expected = make_splits()
    numpy.testing.assert_array_equal(test_y.eval(), expected[2][1])
    numpy.testing.assert_allclose(test_x.get_value(), expected[2][0])


@pytest.mark.parametrize("floatX", ["float32", "float64"])
def test_under_jax_the_data_sets_live_on_the_device(small_dataset, floatX, monkeypatch):
    # stored as NumPy arrays they would be copied to the device at every call
    jax = pytest.importorskip("jax")
    monkeypatch.setattr(pytensor.config, "mode", "JAX")
    monkeypatch.setattr(pytensor.config, "floatX", floatX)
    saved_x64 = jax.config.jax_enable_x64
    try:
        (train_x, _), _, (_, test_y) = data.load_data(small_dataset)
        stored = train_x.get_value(borrow=True)
        assert isinstance(stored, jax.Array)
        assert stored.dtype == floatX  # float64 is not truncated on the way
        expected = make_splits()
        numpy.testing.assert_array_equal(numpy.asarray(stored), expected[0][0])
        numpy.testing.assert_array_equal(test_y.eval(), expected[2][1])
    finally:
        jax.config.update("jax_enable_x64", saved_x64)


def test_environment_variable_points_to_the_file(small_dataset, monkeypatch):
    monkeypatch.setenv(data.ENVIRONMENT_VARIABLE, str(small_dataset))
    monkeypatch.setattr(data, "_REPO_DATA_DIR", small_dataset.parent / "nowhere")
    assert data.resolve_dataset(data.DEFAULT_DATASET) == small_dataset


# ---------------------------------------------------------------- bad files


def assert_one_clear_error(path, *words):
    with pytest.raises(DatasetError) as info:
        data.read_dataset(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    for word in words:
        assert word in message
    return message


def test_missing_file(tmp_path):
    assert_one_clear_error(tmp_path / "absent.pkl.gz", "not found")


def test_truncated_file(tmp_path, small_dataset):
    truncated = tmp_path / "truncated.pkl.gz"
    truncated.write_bytes(small_dataset.read_bytes()[:2000])
    assert_one_clear_error(truncated, "truncated")


def test_file_that_is_not_gzip(tmp_path):
    path = tmp_path / "plain.pkl.gz"
    path.write_bytes(pickle.dumps(make_splits()))
    assert_one_clear_error(path, "not a gzip file")


def test_gzip_that_is_not_a_pickle(tmp_path):
    path = tmp_path / "text.pkl.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"hello, this is not a pickle")
    assert_one_clear_error(path, "not a valid data set pickle")


class _RunsACommand:
    """Unpickling this calls os.system, the classic pickle attack."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = write_pickle_gz(tmp_path / "evil.pkl.gz", (_RunsACommand(marker), 1, 2))
    message = assert_one_clear_error(path, "refusing to load global")
    assert "system" in message
    assert not marker.exists()


@pytest.mark.parametrize(
    "splits, words",
    [
        (make_splits()[:2], ["3 splits"]),
        ((make_splits()[0], make_splits()[1], (1, 2, 3)), ["test set", "(x, y)"]),
        (
            tuple(
                (x[:, :700] if i == 1 else x, y)
                for i, (x, y) in enumerate(make_splits())
            ),
            ["valid set", "700 features"],
        ),
        (
            tuple((x.reshape(len(x), 28, 28), y) for x, y in make_splits()),
            ["train set", "2-D float"],
        ),
        (
            tuple((x, y.astype("float32")) for x, y in make_splits()),
            ["train set", "1-D integer"],
        ),
        (
            tuple((x, y[:-1]) for x, y in make_splits()),
            ["train set", "labels"],
        ),
    ],
    ids=[
        "two-splits",
        "bad-pair",
        "unequal-width",
        "3-d-images",
        "float-labels",
        "length",
    ],
)
def test_malformed_structure(tmp_path, splits, words):
    path = write_pickle_gz(tmp_path / "bad.pkl.gz", splits)
    assert_one_clear_error(path, *words)


@pytest.mark.parametrize("bad_label", [-1, 10, 255])
def test_labels_out_of_range(tmp_path, bad_label):
    splits = make_splits()
    splits[2][1][5] = bad_label
    path = write_pickle_gz(tmp_path / "labels.pkl.gz", splits)
    assert_one_clear_error(path, "test set", "0..9")


def test_nan_pixels(tmp_path):
    splits = make_splits()
    splits[0][0][3, 100] = numpy.nan
    path = write_pickle_gz(tmp_path / "nan.pkl.gz", splits)
    assert_one_clear_error(path, "train set", "NaN")


def test_corrupted_default_file_fails_its_checksum(tmp_path, monkeypatch):
    fake = tmp_path / data.DEFAULT_DATASET
    write_pickle_gz(fake, make_splits())
    monkeypatch.setattr(data, "_REPO_DATA_DIR", tmp_path)
    monkeypatch.delenv(data.ENVIRONMENT_VARIABLE, raising=False)
    with pytest.raises(DatasetError, match="checksum mismatch"):
        data.read_dataset(data.DEFAULT_DATASET)


# ---------------------------------------------------------------- download


class _FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def nothing_local(tmp_path, monkeypatch):
    """Pretend the default file is nowhere on this machine."""
    for name in ("_REPO_DATA_DIR", "_INSTALLED_DATA_DIR", "_CACHE_DIR"):
        monkeypatch.setattr(data, name, tmp_path / name)
    monkeypatch.delenv(data.ENVIRONMENT_VARIABLE, raising=False)
    return tmp_path / "_CACHE_DIR"


def test_download_is_verified_then_kept(nothing_local, monkeypatch):
    shipped = (data.Path(__file__).parent.parent / "data" / "mnist.pkl.gz").read_bytes()
    requested = []

    def fake_urlopen(url, timeout):
        requested.append(url)
        return _FakeResponse(shipped)

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    path = data.resolve_dataset(data.DEFAULT_DATASET)
    assert requested == [data.MNIST_URL]
    assert path == nothing_local / data.DEFAULT_DATASET
    assert data.sha256_of(path) == data.MNIST_SHA256


def test_download_with_wrong_checksum_is_discarded(nothing_local, monkeypatch):
    monkeypatch.setattr(
        "urllib.request.urlopen", lambda url, timeout: _FakeResponse(b"junk")
    )
    with pytest.raises(DatasetError, match="discarded"):
        data.resolve_dataset(data.DEFAULT_DATASET)
    assert list(nothing_local.iterdir()) == []


def test_offline_download_explains_what_to_do(nothing_local, monkeypatch):
    def offline(url, timeout):
        raise OSError("Network is unreachable")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(DatasetError) as info:
        data.resolve_dataset(data.DEFAULT_DATASET)
    message = str(info.value)
    assert "Network is unreachable" in message
    assert "--dataset" in message and data.ENVIRONMENT_VARIABLE in message
    assert list(nothing_local.iterdir()) == []


# ---------------------------------------------------------------- fuzzing


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(payload=st.binary(max_size=400), compress=st.booleans())
def test_fuzzed_files_only_ever_raise_dataset_error(tmp_path, payload, compress):
    path = tmp_path / "fuzz.pkl.gz"
    path.write_bytes(gzip.compress(payload) if compress else payload)
    with pytest.raises(DatasetError):
        data.read_dataset(path)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(flip=st.integers(min_value=0, max_value=10**6), value=st.integers(0, 255))
def test_corrupted_bytes_of_a_valid_file_never_escape(tmp_path, flip, value):
    good = gzip.decompress(
        write_pickle_gz(
            tmp_path / "g.pkl.gz", make_splits(6, 3, 3, width=4)
        ).read_bytes()
    )
    position = flip % len(good)
    mutated = good[:position] + bytes([value]) + good[position + 1 :]
    path = tmp_path / "mutated.pkl.gz"
    path.write_bytes(gzip.compress(mutated))
    try:
        splits = data.read_dataset(path)
    except DatasetError:
        return
    # a mutation that still parses must still satisfy every documented rule
    assert len(splits) == 3
    for x, y in splits:
        assert x.ndim == 2 and y.ndim == 1 and len(x) == len(y)
        assert numpy.isfinite(x).all() and y.min() >= 0 and y.max() <= 9


def test_object_arrays_are_refused(tmp_path):
    splits = list(make_splits())
    splits[1] = (splits[1][0], numpy.array([{"label": 1}] * 30, dtype=object))
    path = write_pickle_gz(tmp_path / "objects.pkl.gz", tuple(splits))
    assert_one_clear_error(path, "unsupported array type")


class _TamperedArray:
    """Pickles like an ndarray whose declared shape needs more bytes than it has."""

    def __reduce__(self):
        state = (1, (5, 3), numpy.dtype("float32"), False, bytes(4 * 3 * 4))
        return (numpy._core.multiarray._reconstruct, (numpy.ndarray, (0,), b"b"), state)


def test_array_data_must_match_its_declared_shape(tmp_path):
    splits = make_splits(4, 2, 2, width=3)
    tampered = ((_TamperedArray(), splits[0][1]), splits[1], splits[2])
    path = write_pickle_gz(tmp_path / "shape.pkl.gz", tampered)
    assert_one_clear_error(path, "malformed array")
