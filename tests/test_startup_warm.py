"""A warm start within a second: the decoded data cache
(``machinery.data_cache``) and the functions compiled after the first
training step (``machinery.compile_later``).

References from outside the code under test: the data file read directly
with ``gzip`` and ``pickle`` (the standard library, not the project's safe
unpickler), and, for the deferred functions, the same graphs compiled at
once by ``pytensor.function`` and trained by the same loop without
deferring, whose lines, scores and parameters the deferred run must repeat
exactly.
"""

import gzip
import os
import pickle

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import make_splits, write_pickle_gz

from deeplearning_tutorials.machinery import (
    compile_later,
    data,
    data_cache,
    pretraining,
    startup,
    training,
)
from deeplearning_tutorials.machinery.noise import RandomStreams

# ---------------------------------------------------------------- the data cache


def pickled(path):
    """The file's splits as gzip and pickle read them, without the project."""
    with gzip.open(path, "rb") as f:
        return pickle.load(f, encoding="latin1")


def assert_same_splits(found, expected):
    assert len(found) == len(expected) == 3
    for (x, y), (ex, ey) in zip(found, expected):
        for array, reference in ((x, ex), (y, ey)):
            assert array.dtype == reference.dtype and array.shape == reference.shape
            numpy.testing.assert_array_equal(array, reference)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder of this test's own, which caches files of any size."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(data_cache.VARIABLE, str(folder))
    monkeypatch.setattr(data_cache, "MIN_BYTES", 0)
    return folder


def entry_of(folder):
    (entry,) = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return entry


def test_the_cache_gives_the_arrays_of_the_pickle(tmp_path, cache):
    path = write_pickle_gz(tmp_path / "small.pkl.gz", make_splits(seed=3))
    first = data.read_dataset(path)  # decodes, and keeps an entry
    entry = entry_of(cache)
    assert entry.name == f"{data.sha256_of(path)}-v{data_cache.VERSION}"
    again = data.read_dataset(path)  # from the entry
    assert isinstance(again[0][0], numpy.ndarray)
    assert not again[0][0].flags.owndata  # mapped from the entry, not decoded
    assert_same_splits(first, pickled(path))
    assert_same_splits(again, pickled(path))


@pytest.mark.slow
def test_mnist_from_the_cache_is_the_pickle(tmp_path, monkeypatch):
    # the real file, at the real size threshold (10 s on a busy 2-core machine)
    monkeypatch.setenv(data_cache.VARIABLE, str(tmp_path))
    path = data.resolve_dataset(data.DEFAULT_DATASET, download=False)
    assert data_cache.worth_caching(path)
    data.read_dataset(path)
    cached = data.read_dataset(path)
    assert not cached[0][0].flags.owndata
    assert_same_splits(cached, pickled(path))


def corrupt(file, offset=-1):
    """Change one byte of ``file`` in place."""
    with open(file, "r+b") as f:
        f.seek(offset, os.SEEK_END)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))


@pytest.mark.parametrize("name", ["train_x.npy", "test_y.npy"])
def test_a_changed_byte_in_an_entry_is_caught_and_the_entry_rebuilt(tmp_path, cache, name):
    path = write_pickle_gz(tmp_path / "small.pkl.gz", make_splits(seed=4))
    data.read_dataset(path)
    target = entry_of(cache) / name
    stamp = os.stat(target)
    corrupt(target)
    # even with its modification time put back (the status-change time
    # cannot be put back)
    os.utime(target, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert_same_splits(data.read_dataset(path), pickled(path))
    # the damaged entry was removed, and the next run built it again
    data.read_dataset(path)
    assert_same_splits(data_cache.load(data.sha256_of(path)), pickled(path))


def test_a_truncated_file_or_a_broken_manifest_is_rebuilt(tmp_path, cache):
    path = write_pickle_gz(tmp_path / "small.pkl.gz", make_splits(seed=5))
    digest = data.sha256_of(path)
    data.read_dataset(path)
    with open(entry_of(cache) / "valid_x.npy", "r+b") as f:
        f.truncate(200)
    assert data_cache.load(digest) is None  # refused, and removed
    assert not any(cache.iterdir())
    assert_same_splits(data.read_dataset(path), pickled(path))
    (entry_of(cache) / "manifest.json").write_text("{not json")
    assert data_cache.load(digest) is None
    assert_same_splits(data.read_dataset(path), pickled(path))
    assert data_cache.load(digest) is not None


def test_an_intact_entry_touched_is_used_after_hashing_it_again(tmp_path, cache):
    path = write_pickle_gz(tmp_path / "small.pkl.gz", make_splits(seed=6))
    data.read_dataset(path)
    entry = entry_of(cache)
    os.utime(entry / "train_x.npy", ns=(1, 1))  # as a copy without times would
    inode = os.stat(entry / "train_x.npy").st_ino
    assert_same_splits(data_cache.load(data.sha256_of(path)), pickled(path))
    assert os.stat(entry / "train_x.npy").st_ino == inode  # used, not rebuilt


def test_a_changed_data_file_is_never_served_from_the_old_entry(tmp_path, cache):
    path = tmp_path / "data.pkl.gz"

    def write(splits):  # stored, not compressed: the size is the arrays'
        with gzip.open(path, "wb", compresslevel=0) as f:
            pickle.dump(splits, f, protocol=4)  # bytes as they are

    write(make_splits(seed=7))
    data.read_dataset(path)
    stamp = os.stat(path)
    write(make_splits(seed=8))  # same name and size
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # and time
    assert os.path.getsize(path) == stamp.st_size
    assert_same_splits(data.read_dataset(path), pickled(path))


def test_turned_off_the_cache_reads_and_writes_nothing(tmp_path, cache, monkeypatch):
    path = write_pickle_gz(tmp_path / "small.pkl.gz", make_splits(seed=9))
    monkeypatch.setenv(data_cache.VARIABLE, "0")
    assert data_cache.folder() is None
    found = data.read_dataset(path)
    assert found[0][0].flags.owndata
    assert_same_splits(found, pickled(path))
    assert not cache.exists()


def test_the_folder_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv(data_cache.VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data_cache.folder() == tmp_path / "deeplearning_tutorials" / "decoded"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as XDG says
    assert data_cache.folder() == data_cache.Path.home() / ".cache" / (
        "deeplearning_tutorials/decoded"
    )


def test_only_the_most_recently_used_entries_are_kept(tmp_path, cache, monkeypatch):
    monkeypatch.setattr(data_cache, "ENTRIES", 2)
    paths = [
        write_pickle_gz(tmp_path / f"d{seed}.pkl.gz", make_splits(6, 3, 3, seed=seed))
        for seed in range(3)
    ]
    for age, path in enumerate(paths):
        data.read_dataset(path)
        manifest = data_cache._entry(data.sha256_of(path)) / "manifest.json"
        os.utime(manifest, ns=(age * 10**9, age * 10**9))  # d0 the oldest
    data.read_dataset(paths[2])  # uses d2 and evicts nothing
    data.read_dataset(write_pickle_gz(tmp_path / "d3.pkl.gz", make_splits(6, 3, 3, seed=3)))
    kept = {p.name.split("-")[0] for p in cache.iterdir()}
    assert data.sha256_of(paths[0]) not in kept and len(kept) == 2


# ---------------------------------------------------------------- compiled later


@pytest.fixture
def fresh_start(monkeypatch):
    """No first step taken yet; the Python linker (compiling is not what
    these tests are about)."""
    monkeypatch.setattr(startup, "_first_step", None)
    pytensor.config.mode = "FAST_COMPILE"  # put back by conftest


def logistic_run(deferred, capsys):
    """Logistic regression on a tiny data set, trained by the shared loop;
    its functions made inside :func:`compile_later.deferring` or not."""
    # labels a linear model can learn: the largest of ten linear scores
    rng = numpy.random.RandomState(1)
    scores = rng.randn(5, 10)
    splits = []
    for n in (60, 30, 30):
        x_value = rng.randn(n, 5).astype("float32")
        splits.append((x_value, numpy.argmax(x_value @ scores, axis=1)))
    datasets = [data.shared_dataset(split) for split in splits]
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = datasets
    index, x, y = pt.lscalar(), pt.matrix("x"), pt.ivector("y")
    W = pytensor.shared(numpy.zeros((5, 10), dtype=pytensor.config.floatX), name="W")
    b = pytensor.shared(numpy.zeros(10, dtype=pytensor.config.floatX), name="b")
    p_y = pt.special.softmax(x @ W + b, axis=1)
    cost = -pt.mean(pt.log(p_y)[pt.arange(y.shape[0]), y])
    errors = pt.mean(pt.neq(pt.argmax(p_y, axis=1), y))
    updates = [(p, p - 0.5 * pytensor.grad(cost, p)) for p in (W, b)]
    with compile_later.deferring() if deferred else _nothing():
        test_model = pytensor.function(
            [index], errors, givens=data.minibatch_givens(x, y, test_x, test_y, index, 10)
        )
        validate_model = pytensor.function(
            [index], errors, givens=data.minibatch_givens(x, y, valid_x, valid_y, index, 10)
        )
        train_model = pytensor.function(
            [index], cost, updates=updates,
            givens=data.minibatch_givens(x, y, train_x, train_y, index, 10),
        )  # fmt: skip
        models = (train_model, validate_model, test_model)
        training.warm_up_models(models, [W, b])
        waiting = [m._function is None for m in models if deferred]
        capsys.readouterr()
        result = training.train_with_early_stopping(
            models, (6, 3, 3), n_epochs=4, patience=100, params=[W, b]
        )
        compiled = [m._function is not None for m in models if deferred]
    lines = capsys.readouterr().out.splitlines()
    return result, lines, (W.get_value(), b.get_value()), waiting, compiled


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_deferred_functions_train_as_the_functions_made_at_once(fresh_start, capsys, monkeypatch):
    at_once, lines, params, _, _ = logistic_run(False, capsys)
    monkeypatch.setattr(startup, "_first_step", None)
    later, later_lines, later_params, waiting, compiled = logistic_run(True, capsys)
    # before the first step only train_model was compiled; after the run all
    assert waiting == [False, True, True] and compiled == [True, True, True]
    assert later_lines == lines and len(lines) >= 4
    assert later.validation_history == at_once.validation_history
    assert (later.best_iter, later.test_score) == (at_once.best_iter, at_once.test_score)
    for value, reference in zip(later_params, params):
        numpy.testing.assert_array_equal(value, reference)
    # after the run, pytensor.function compiles at once again
    assert pytensor.function is not compile_later._function


class NoisyStack:
    """Two 'layers' whose steps add seeded noise to their parameters."""

    def __init__(self):
        self.streams = RandomStreams(5)
        self.params, self.steps = [], []
        for layer in range(2):
            param = pytensor.shared(numpy.zeros(3), name=f"W{layer}")
            noise = self.streams.uniform(size=(3,), dtype="float64")
            self.params.append(param)
            self.steps.append(
                pytensor.function(
                    [pt.lscalar()],
                    (param + noise).sum(),
                    updates=[(param, param + noise)] + self.streams.updates_for([noise]),
                    on_unused_input="ignore",
                )
            )

    def run(self):
        pretraining.warm_up_steps(self.steps, self.params, self.streams)
        result = pretraining.pretrain_layers(
            self.steps, 3, 2, lambda *a: "", params=self.params, random_streams=self.streams
        )
        return result.costs, [p.get_value() for p in self.params]


def test_a_layer_warmed_up_after_the_first_step_leaves_no_trace(fresh_start, monkeypatch, capsys):
    costs, params = NoisyStack().run()
    monkeypatch.setattr(startup, "_first_step", None)
    with compile_later.deferring():
        stack = NoisyStack()
        assert all(isinstance(s, compile_later.DeferredFunction) for s in stack.steps)
        later_costs, later_params = stack.run()
    assert later_costs == costs
    for value, reference in zip(later_params, params):
        numpy.testing.assert_array_equal(value, reference)


def test_a_function_the_first_step_waits_for_counts_in_its_start(fresh_start, monkeypatch):
    with compile_later.deferring():
        x = pt.vector("x")
        late = pytensor.function([x], x * 2)
        startup.first_step()
        marked = startup._first_step
        compile_seconds = []
        real = compile_later._compile

        def slow(*args, **kwargs):
            import time

            time.sleep(0.2)
            compile_seconds.append(0.2)
            return real(*args, **kwargs)

        late._call = (slow, *late._call[1:])
        late(numpy.ones(2, dtype=pytensor.config.floatX))  # the first step needs it
        assert startup._first_step >= marked + 0.2
        compile_later.first_step_done()
