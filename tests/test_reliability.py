"""The adversarial battery: damaged input, hostile checkpoints, output paths
that must not be replaced, failed writes, signals, a bad environment.

Each test states a promise of README.md ("Reliability") and tries to break
it. The fast cases run by default; the long ones (signals at random moments
across models, deeper fuzzing) are marked ``adversarial``:
``python -m pytest -m adversarial``.
"""

import contextlib
import gzip
import io
import json
import os
import pickle
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy
import pytensor
import pytest
from conftest import REPO, make_splits, run_module, write_pickle_gz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deeplearning_tutorials.machinery import checkpoint, cli, data, errors, training
from deeplearning_tutorials.machinery.checkpoint import Checkpointer, ModelFileError
from deeplearning_tutorials.machinery.data import DatasetError
from deeplearning_tutorials.machinery.errors import OutputError, one_line
from deeplearning_tutorials.machinery.pretraining import PretrainingState, pretrain_layers


def fuzz(max_examples):
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


@contextlib.contextmanager
def time_limit(seconds):
    """Fail instead of hanging (a FIFO opened for reading blocks forever)."""

    def expire(signum, frame):
        raise AssertionError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def one_line_exit(proc, status, *words):
    """``proc`` ended with ``status`` and exactly one line on stderr, no traceback."""
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == status, proc.stderr
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# ====================================================================== data


def small_file(tmp_path, name="d.pkl.gz", protocol=2, splits=None, width=4):
    splits = splits or make_splits(6, 3, 3, width=width)
    return write_pickle_gz(tmp_path / name, splits, protocol=protocol)


def assert_same_splits(found, expected):
    for (x, y), (ex, ey) in zip(found, expected, strict=True):
        numpy.testing.assert_array_equal(x, ex)
        numpy.testing.assert_array_equal(y, ey)


@fuzz(150)
@given(position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_a_flipped_bit_anywhere_in_the_gzip_file_is_refused_or_harmless(
    tmp_path, position, bit
):
    """gzip's CRC is checked: a damaged file never trains. A flip that
    passes (the header's timestamp, a padding bit of the compressed stream)
    must have left the arrays intact."""
    good = small_file(tmp_path)
    raw = bytearray(good.read_bytes())
    raw[position % len(raw)] ^= 1 << bit
    bad = tmp_path / "flipped.pkl.gz"
    bad.write_bytes(bytes(raw))
    try:
        found = data.read_dataset(bad)
    except DatasetError:
        return
    assert_same_splits(found, make_splits(6, 3, 3, width=4))


def test_a_damaged_copy_of_mnist_says_so(tmp_path):
    raw = bytearray(small_file(tmp_path, width=784).read_bytes())
    raw[-5] ^= 0x10  # the stored CRC-32 of the data
    bad = tmp_path / "crc.pkl.gz"
    bad.write_bytes(bytes(raw))
    with pytest.raises(DatasetError, match="corrupted gzip data.*CRC"):
        data.read_dataset(bad)


def test_data_after_the_pickle_is_refused(tmp_path):
    payload = pickle.dumps(make_splits(6, 3, 3, width=4), protocol=2) + b"junk"
    path = tmp_path / "trailing.pkl.gz"
    path.write_bytes(gzip.compress(payload))
    with pytest.raises(DatasetError, match="after the end of the pickle"):
        data.read_dataset(path)


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_a_gzip_bomb_fails_before_it_fills_the_memory(tmp_path, monkeypatch, protocol):
    """A small file that decompresses to more than the limit (half the
    machine's memory; 4 MiB here) is refused once the limit is read, not
    after the whole stream is in memory; a file under the limit is read."""
    monkeypatch.setattr(data, "decompressed_limit", lambda: 4 << 20)
    zeros = numpy.zeros((1500, 784), dtype="float32")  # 4.7 MB, ~5 kB compressed
    labels = numpy.zeros(1500, dtype="int64")
    bomb = write_pickle_gz(
        tmp_path / "bomb.pkl.gz", [(zeros, labels)] * 3, protocol=protocol
    )
    assert bomb.stat().st_size < 200_000
    with pytest.raises(DatasetError, match="decompresses to more than 4 MiB"):
        data.read_dataset(bomb)
    splits = make_splits(60, 30, 30, width=784)
    found = data.read_dataset(small_file(tmp_path, protocol=protocol, splits=splits))
    assert_same_splits(found, splits)


def test_the_decompressed_limit_is_half_the_memory():
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert data.decompressed_limit() == memory // 2 > 220e6  # MNIST: 220 MB


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_pickle_protocol_of_plain_arrays_is_read(tmp_path, protocol):
    splits = make_splits(6, 3, 3, width=4)
    found = data.read_dataset(small_file(tmp_path, protocol=protocol, splits=splits))
    assert_same_splits(found, splits)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_empty_arrays_are_read_at_every_protocol(tmp_path, protocol):
    """Protocols 0-2 pickle an empty array's data as a call of ``bytes()``
    (pickletools shows ``GLOBAL '__builtin__ bytes'``, ``EMPTY_TUPLE``,
    ``REDUCE``): read as NumPy's own pickle.load reads it."""
    empty = (numpy.zeros((0, 4), "float32"), numpy.zeros(0, "int64"))
    path = write_pickle_gz(tmp_path / "empty.pkl.gz", (empty, [empty[1]]), protocol=protocol)
    with gzip.open(path, "rb") as f:
        reference = pickle.load(f)
    found = data._unpickle(path)
    assert [(a.shape, a.dtype) for a in (*found[0], *found[1])] == [
        (a.shape, a.dtype) for a in (*reference[0], *reference[1])
    ]
    # a data set with an empty split is read, then refused for what it is
    with pytest.raises(DatasetError, match="train set: no examples"):
        data.read_dataset(small_file(tmp_path, protocol=protocol, splits=(empty,) * 3))


def test_bytes_with_an_argument_is_refused(tmp_path):
    class Big:
        def __reduce__(self):
            return (bytes, (10**12,))

    splits = make_splits(4, 2, 2, width=3)
    path = write_pickle_gz(tmp_path / "big.pkl.gz", ((Big(), splits[0][1]), *splits[1:]))
    with pytest.raises(DatasetError):
        data.read_dataset(path)


def test_protocol_5_keeps_fortran_and_strided_arrays(tmp_path):
    (x, y), valid, test = make_splits(6, 3, 3, width=4)
    odd = numpy.asfortranarray(x)
    strided = numpy.ascontiguousarray(numpy.repeat(x, 2, axis=1))[:, ::2]
    for array in (odd, strided):
        path = small_file(tmp_path, protocol=5, splits=((array, y), valid, test))
        numpy.testing.assert_array_equal(data.read_dataset(path)[0][0], x)


class _Forged:
    """Pickles as protocol 5's ``_frombuffer(buffer, dtype, shape, order)``
    with arguments chosen by the test."""

    def __init__(self, *args):
        self.args = args

    def __reduce__(self):
        return (numpy._core.numeric._frombuffer, self.args)


@pytest.mark.parametrize(
    "args",
    [
        (bytes(12), numpy.dtype("f4"), (5, 3), "C"),  # fewer bytes than the shape
        (bytes(12), numpy.dtype("f4"), (-1, 3), "C"),  # a negative dimension
        (bytes(12), numpy.dtype("f4"), (1, 3), "Z"),  # an unknown order
        (bytes(12), numpy.dtype("f4"), [1, 3], "C"),  # a shape that is no tuple
        (bytes(12), numpy.dtype("f4"), (1, 3), "K", (0, 0)),  # no permutation
        ("text", numpy.dtype("f4"), (1,), "C"),  # a buffer that is no bytes
        (bytes(12), "f4", (1, 3), "C"),  # a dtype that is no dtype
        (bytes(8), numpy.dtype("O"), (1,), "C"),  # Python objects
    ],
)
def test_forged_protocol_5_arrays_are_refused(tmp_path, args):
    splits = make_splits(4, 2, 2, width=3)
    forged = ((_Forged(*args), splits[0][1]), splits[1], splits[2])
    path = write_pickle_gz(tmp_path / "forged.pkl.gz", forged, protocol=5)
    with pytest.raises(DatasetError):
        data.read_dataset(path)


def test_out_of_band_buffers_are_refused(tmp_path):
    splits = make_splits(4, 2, 2, width=3)
    payload = pickle.dumps(splits, protocol=5, buffer_callback=lambda b: False)
    path = tmp_path / "oob.pkl.gz"
    path.write_bytes(gzip.compress(payload))
    with pytest.raises(DatasetError, match="not a valid data set pickle"):
        data.read_dataset(path)


def test_images_the_models_cannot_read_are_refused_before_training(tmp_path):
    narrow = write_pickle_gz(tmp_path / "w100.pkl.gz", make_splits(width=100))
    with pytest.raises(DatasetError, match="100 pixels; the models read 784"):
        data.load_data(narrow)


def test_pixels_too_large_for_float32_are_refused(tmp_path, monkeypatch):
    (x, y), valid, test = make_splits()
    x = x.astype("float64")
    x[3, 5] = 1e300
    path = write_pickle_gz(tmp_path / "huge.pkl.gz", ((x, y), valid, test))
    monkeypatch.setattr(pytensor.config, "floatX", "float32")
    with pytest.raises(DatasetError, match="too large for float32"):
        data.load_data(path)


def test_a_fifo_as_the_data_file_does_not_hang(tmp_path):
    fifo = tmp_path / "mnist.pkl.gz"
    os.mkfifo(fifo)
    with time_limit(10), pytest.raises(DatasetError):
        data.read_dataset(fifo)
    with time_limit(10), pytest.raises(DatasetError, match="not a regular file"):
        data._unpickle(fifo)  # even when a race swaps it in after the lookup


# =============================================================== checkpoints


def toy(directory, shape=(3, 2), **settings):
    param = pytensor.shared(
        numpy.arange(numpy.prod(shape), dtype="float64").reshape(shape), name="W"
    )
    return Checkpointer(directory, "Toy", [param], settings or {"lr": 0.1}), param


def valid_loop_state(iteration=6, validation_frequency=3):
    history = [0.5, 0.25][: iteration // validation_frequency]
    return {
        "patience": 100,
        "iteration": iteration,
        "best_validation_loss": min(history, default=float("inf")),
        "best_iter": 5 if history[1:] else (2 if history else 0),
        "test_score": 0.3,
        "validation_history": history,
        "done_looping": False,
        "seconds": 1.5,
    }


def restore_loop_state(saver, state, validation_frequency=3):
    """Save ``state`` as a checkpoint and restore it as the loop would."""
    saver.save(state)
    saved, _ = saver.restore()
    return training._restored_loop_state(saver.path, saved, validation_frequency)


def test_a_valid_loop_state_comes_back(tmp_path):
    saver, _ = toy(tmp_path)
    state = restore_loop_state(saver, valid_loop_state())
    assert state.iteration == 6 and state.validation_history == [0.5, 0.25]


@pytest.mark.parametrize(
    "field, value",
    [
        ("iteration", "6"),  # a string
        ("iteration", -6),  # negative: would resume to another result
        ("iteration", 6.0),  # a float
        ("iteration", True),  # a bool is no count
        ("iteration", 10**30),  # beyond any run
        ("best_validation_loss", None),
        ("best_validation_loss", float("nan")),
        ("best_validation_loss", 1.5),  # an error rate above 100 %
        ("best_iter", -1),
        ("test_score", "0.3"),
        ("test_score", -0.1),
        ("validation_history", "0.5"),
        ("validation_history", [0.5, None]),
        ("validation_history", [0.5, float("inf")]),
        ("validation_history", {"0": 0.5}),
        ("done_looping", 0),
        ("done_looping", "no"),
        ("patience", -1),
        ("patience", float("inf")),
        ("patience", [100]),
        ("seconds", -1.0),
        ("seconds", float("nan")),
        ("from_the_future", 1),
    ],
)
def test_bad_fields_of_a_loop_state_are_refused(tmp_path, field, value):
    saver, _ = toy(tmp_path)
    state = dict(valid_loop_state(), **{field: value})
    with pytest.raises(ModelFileError, match=f"{field}|unknown state"):
        restore_loop_state(saver, state)


@pytest.mark.parametrize(
    "change",
    [
        {"iteration": 12},  # four validations due, two recorded
        {"iteration": 3},  # one due, two recorded
        {"best_validation_loss": 0.125},  # not among the scores
        {"best_iter": 60},  # after the last minibatch
        {"validation_history": [], "iteration": 0, "best_iter": 3},
    ],
)
def test_a_loop_state_that_does_not_add_up_is_refused(tmp_path, change):
    saver, _ = toy(tmp_path)
    with pytest.raises(ModelFileError, match="damaged checkpoint"):
        restore_loop_state(saver, dict(valid_loop_state(), **change))


def test_a_checkpoint_missing_a_required_field_is_refused(tmp_path):
    saver, _ = toy(tmp_path)
    state = valid_loop_state()
    del state["patience"]
    with pytest.raises(ModelFileError, match="patience is missing"):
        restore_loop_state(saver, state)


def write_header(path, header, model="Toy", params=None):
    """A checkpoint whose JSON header is ``header`` (anything JSON can hold)."""
    params = {"param_0_W": numpy.zeros((3, 2))} if params is None else params
    numpy.savez(
        path,
        model=numpy.array(model),
        state_json=numpy.array(json.dumps(header)),
        **params,
    )


@pytest.mark.parametrize(
    "header",
    [
        [],
        "state",
        {"state": [], "settings": {"lr": 0.1}},
        {"state": {}, "settings": "lr=0.1"},  # settings of the wrong type
        {"state": {}, "settings": [["lr", 0.1]]},
        {"state": {}, "settings": None},
        {"state": {}},
        {"settings": {"lr": 0.1}},
    ],
)
def test_headers_of_the_wrong_shape_are_refused(tmp_path, header):
    saver, _ = toy(tmp_path)
    write_header(saver.path, header)
    with pytest.raises(ModelFileError, match="not a training checkpoint"):
        saver.restore()


def test_settings_of_another_type_are_other_settings(tmp_path):
    saver, _ = toy(tmp_path, lr=0.1)
    write_header(saver.path, {"state": {}, "settings": {"lr": "0.1"}})
    with pytest.raises(ModelFileError, match="lr='0.1'.*lr=0.1"):
        saver.restore()


def test_a_deeply_nested_header_is_refused(tmp_path):
    saver, _ = toy(tmp_path)
    write_header(saver.path, {})
    nested = "[" * 100_000 + "]" * 100_000
    write_raw_npz(
        saver.path,
        {
            "model": npy_of(numpy.array("Toy")),
            "state_json": npy_of(numpy.array(nested)),
        },
    )
    with pytest.raises(ModelFileError, match="not a training checkpoint"):
        saver.restore()


def npy_of(array):
    buffer = io.BytesIO()
    numpy.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def npy_header(shape, descr="<f8", version=1):
    """The bytes of a ``.npy`` header claiming ``shape``, with no data."""
    text = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    text += b" " * (63 - len(text) % 64) + b"\n"
    size = len(text).to_bytes(2 if version == 1 else 4, "little")
    return b"\x93NUMPY" + bytes([version, 0]) + size + text


def write_raw_npz(path, entries, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(f"{name}.npy", content)


def hostile_entries(param):
    return {
        "model": npy_of(numpy.array("Toy")),
        "state_json": npy_of(
            numpy.array(json.dumps({"state": {}, "settings": {"lr": 0.1}}))
        ),
        "param_0_W": param,
    }


@pytest.mark.parametrize(
    "param, words",
    [
        (npy_header((800_000, 125_000)), "shape (800000, 125000), expected (3, 2)"),
        (npy_header((3, 2)), "fewer bytes than its header says"),
        (npy_header((3, 2)) + bytes(48) + b"extra", "more bytes"),
        (npy_header((3, 2), descr="|O"), "not a float array"),
        (npy_header((3, 2), descr="<i8") + bytes(48), "not a float array"),
        (npy_header((3, 2), descr="<c16") + bytes(96), "not a float array"),
        (npy_header((3, 2), version=3) + bytes(48), "version"),
        (npy_of(numpy.full((3, 2), numpy.nan)), "NaN or infinite"),
        (npy_of(numpy.full((3, 2), -numpy.inf)), "NaN or infinite"),
        (b"\x93NUMPY\x01\x00\xff\xff{", "not a readable checkpoint"),
        (b"not an array", "not a readable checkpoint"),
    ],
)
def test_hostile_array_entries_are_refused_before_allocating(tmp_path, param, words):
    saver, _ = toy(tmp_path)
    write_raw_npz(saver.path, hostile_entries(param))
    with pytest.raises(ModelFileError, match=re.escape(words)):
        saver.restore()


def test_a_compressed_bomb_is_read_no_further_than_the_expected_size(tmp_path):
    saver, _ = toy(tmp_path)
    bomb = npy_of(numpy.zeros((3, 2))) + bytes(200 << 20)  # 200 MiB of zeros
    write_raw_npz(saver.path, hostile_entries(bomb), zipfile.ZIP_DEFLATED)
    assert saver.path.stat().st_size < 1 << 20
    with pytest.raises(ModelFileError, match="more bytes"):
        saver.restore()


@pytest.mark.parametrize(
    "entries, words",
    [
        ({"extra": npy_of(numpy.zeros(2))}, "unexpected entry 'extra.npy'"),
        ({"model": npy_of(numpy.array(["Toy", "Toy"]))}, "entry model is not a text"),
        ({"model": npy_of(numpy.array("MLP"))}, "holds a MLP model, not a Toy"),
        ({"state_json": npy_of(numpy.zeros(3))}, "entry state_json is not a text"),
    ],
)
def test_unexpected_or_mistyped_entries_are_refused(tmp_path, entries, words):
    saver, _ = toy(tmp_path)
    base = hostile_entries(npy_of(numpy.zeros((3, 2))))
    write_raw_npz(saver.path, {**base, **entries})
    with pytest.raises(ModelFileError, match=re.escape(words)):
        saver.restore()


def test_duplicate_entries_are_refused(tmp_path):
    saver, _ = toy(tmp_path)
    with zipfile.ZipFile(saver.path, "w") as archive:
        for name, content in hostile_entries(npy_of(numpy.zeros((3, 2)))).items():
            archive.writestr(f"{name}.npy", content)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("param_0_W.npy", npy_of(numpy.ones((3, 2))))
    with pytest.raises(ModelFileError, match="twice"):
        saver.restore()


@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink to fifo"])
def test_a_checkpoint_that_is_not_a_regular_file_is_refused_without_hanging(
    tmp_path, kind
):
    saver, _ = toy(tmp_path)
    if kind == "fifo":
        os.mkfifo(saver.path)
    elif kind == "directory":
        saver.path.mkdir()
    else:
        os.mkfifo(tmp_path / "fifo")
        saver.path.symlink_to(tmp_path / "fifo")
    with time_limit(10), pytest.raises(ModelFileError, match="not a checkpoint file"):
        saver.restore()
    with time_limit(10), pytest.raises(ModelFileError, match="not a saved model"):
        checkpoint.load_params(saver.path, "Toy", saver.params)


@fuzz(120)
@given(
    position=st.integers(min_value=0),
    value=st.integers(0, 255),
    cut=st.booleans(),
)
def test_fuzzed_checkpoint_bytes_restore_exactly_or_are_refused(
    tmp_path, position, value, cut
):
    saver, param = toy(tmp_path)
    state = valid_loop_state()
    saver.save(state, best_values=[param.get_value() * 2])
    raw = bytearray(saver.path.read_bytes())
    position %= len(raw)
    raw = (
        raw[:position] if cut else raw[:position] + bytes([value]) + raw[position + 1 :]
    )
    saver.path.write_bytes(bytes(raw))
    param.set_value(numpy.zeros((3, 2)))
    try:
        saved, best = saver.restore()
    except ModelFileError:
        return
    # whatever was accepted is exactly what was saved (zip CRCs cover the data)
    assert saved == state
    numpy.testing.assert_array_equal(param.get_value(), numpy.arange(6.0).reshape(3, 2))
    numpy.testing.assert_array_equal(best[0], numpy.arange(6.0).reshape(3, 2) * 2)


def test_a_checkpoint_missing_an_array_it_names_is_refused(tmp_path):
    """Found by the fuzzing above: a flipped byte in the zip's directory made
    it list one entry fewer, and the checkpoint restored without its best
    values, as if none had been saved. The header names its arrays now."""
    import zipfile

    saver, param = toy(tmp_path)
    saver.save(valid_loop_state(), best_values=[param.get_value() * 2])
    whole = tmp_path / "whole.npz"
    saver.path.rename(whole)
    with zipfile.ZipFile(whole) as old, zipfile.ZipFile(saver.path, "w") as new:
        for info in old.infolist():
            if not info.filename.startswith("best_"):
                new.writestr(info, old.read(info))
    with pytest.raises(ModelFileError, match="not those it names"):
        saver.restore()


def _json_containers(inner):
    return st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=5), inner, max_size=4
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=5),
    _json_containers,
    max_leaves=8,
)


@fuzz(100)
@given(changes=st.dictionaries(st.sampled_from(list(valid_loop_state())), json_values))
def test_fuzzed_loop_states_are_refused_or_hold_every_rule(tmp_path, changes):
    saver, _ = toy(tmp_path)
    try:
        state = restore_loop_state(saver, dict(valid_loop_state(), **changes))
    except ModelFileError:
        return
    assert type(state.iteration) is int and state.iteration >= 0
    assert type(state.best_iter) is int and 0 <= state.best_iter
    assert 0 <= state.test_score <= 1 and type(state.done_looping) is bool
    assert len(state.validation_history) == state.iteration // 3
    assert all(0 <= v <= 1 for v in state.validation_history)


# ------------------------------------------------------- pre-training state


def pretraining_checkpoint(tmp_path, **state):
    param = pytensor.shared(numpy.zeros(2), name="W")
    saver = Checkpointer(tmp_path, "M", [param], {})
    saver.save(dict(vars(PretrainingState(costs=[[1.0], []], epoch=1)), **state))
    return saver


@pytest.mark.parametrize(
    "state, words",
    [
        ({"layer": -1}, "layer = -1"),
        ({"layer": "0"}, "layer = '0'"),
        ({"epoch": 2}, "do not fit"),  # one cost for two epochs
        ({"layer": 5}, "do not fit"),
        ({"costs": [[1.0]]}, "do not fit"),  # two layers, one list of costs
        ({"costs": [[1.0], [2.0]]}, "do not fit"),  # costs of a layer not begun
        ({"costs": [[float("nan")], []]}, "costs"),
        ({"costs": [["1.0"], []]}, "costs"),
        ({"rng_states": ["PCG64"]}, "rng_states"),
        ({"seconds": None}, "seconds"),
    ],
)
def test_bad_pretraining_states_are_refused(tmp_path, state, words):
    saver = pretraining_checkpoint(tmp_path, **state)
    with pytest.raises(ModelFileError, match=re.escape(words)):
        pretrain_layers([lambda i: 1.0] * 2, 2, 3, str, checkpointer=saver, resume=True)


def test_a_garbled_generator_state_is_refused(tmp_path):
    from deeplearning_tutorials.machinery.noise import RandomStreams

    streams = RandomStreams(1)
    streams.uniform(size=(2,))
    state = {"bit_generator": "PCG64", "state": {"state": "x", "inc": 1}}
    saver = pretraining_checkpoint(tmp_path, rng_states=[state])
    with pytest.raises(ModelFileError, match="noise generators"):
        pretrain_layers(
            [lambda i: 1.0] * 2,
            2,
            3,
            str,
            random_streams=streams,
            checkpointer=saver,
            resume=True,
        )


# ==================================================== never destroy anything


def test_a_fresh_run_refuses_to_replace_a_checkpoint(tmp_path):
    saver, param = toy(tmp_path)
    saver.save(valid_loop_state())
    before = saver.path.read_bytes()
    with pytest.raises(ModelFileError, match="--resume.*--start-over"):
        training.train_with_early_stopping(
            (lambda i: 1.0, lambda i: 0.5, lambda i: 0.5),
            (3, 1, 1),
            2,
            6,
            checkpointer=saver,
        )
    with pytest.raises(ModelFileError, match="--resume.*--start-over"):
        pretrain_layers([lambda i: 1.0], 2, 1, str, checkpointer=saver)
    assert saver.path.read_bytes() == before


def test_a_file_that_is_not_a_checkpoint_is_not_called_one(tmp_path):
    saver, _ = toy(tmp_path)
    saver.path.write_bytes(b"my own notes")
    with pytest.raises(ModelFileError, match="not a checkpoint of this program"):
        pretrain_layers([lambda i: 1.0], 2, 1, str, checkpointer=saver)
    assert saver.path.read_bytes() == b"my own notes"


@pytest.mark.parametrize("kind", ["directory", "fifo", "symlink", "dangling symlink"])
def test_atomic_writes_never_replace_what_is_not_a_regular_file(tmp_path, kind):
    target = tmp_path / "model.npz"
    if kind == "directory":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        pointed = tmp_path / "elsewhere.npz"
        if kind == "symlink":
            pointed.write_bytes(b"theirs")
        target.symlink_to(pointed)
    with pytest.raises(checkpoint.OutputPathError, match="refusing to replace"):
        checkpoint.atomic_write(target, lambda f: f.write(b"ours"))
    assert os.path.lexists(target) and not target.is_file() or target.is_symlink()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_device_is_never_an_output():
    with pytest.raises(checkpoint.OutputPathError, match="character device"):
        checkpoint.check_output_path("/dev/null", "--model-path")


@pytest.mark.parametrize("path", ["", "missing-folder/x.npz"])
def test_empty_or_unreachable_output_paths(tmp_path, path):
    with pytest.raises(checkpoint.OutputPathError, match="empty path|folder missing"):
        checkpoint.check_output_path(path and tmp_path / path, "--results-json")


def test_temporary_files_are_exclusive_random_and_cleaned_up(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(os.path.basename(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    target = tmp_path / "r.json"
    for _ in range(3):
        checkpoint.atomic_write(target, lambda f: f.write(b"{}"))
    assert len(set(seen)) == 3  # a new random name each time
    assert all(re.fullmatch(r"\.r\.json\.tmp-\w+-\d+-\w+", name) for name in seen)
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~checkpoint._umask())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_a_killed_writers_stale_temporary_file_is_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    prefix = f".m.npz.tmp-{checkpoint._HOST}"
    old = time.time() - 3600
    stale = tmp_path / f"{prefix}-{dead.pid}-abc12345"
    running = tmp_path / f"{prefix}-{os.getppid()}-abc12345"  # a live process
    recent = tmp_path / f"{prefix}-{dead.pid}-recent99"
    other_host = tmp_path / f".m.npz.tmp-elsewhere-{dead.pid}-abc12345"
    other_name = tmp_path / f".r.json.tmp-{checkpoint._HOST}-{dead.pid}-abc12345"
    for path in (stale, running, recent, other_host, other_name):
        path.write_bytes(b"partial")
    for path in (stale, running, other_host, other_name):
        os.utime(path, (old, old))
    checkpoint.atomic_write(tmp_path / "m.npz", lambda f: f.write(b"new"))
    assert not stale.exists()
    assert running.exists() and recent.exists()
    assert other_host.exists() and other_name.exists()


@pytest.mark.parametrize("errno_name", ["ENOSPC", "EFBIG", "EIO"])
def test_a_failed_write_keeps_the_previous_file_and_says_why(
    tmp_path, monkeypatch, errno_name
):
    import errno

    saver, param = toy(tmp_path)
    saver.save(valid_loop_state())
    before = saver.path.read_bytes()
    code = getattr(errno, errno_name)

    def fail(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OutputError, match=re.escape(os.strerror(code))):
        saver.save(valid_loop_state(iteration=3))
    assert saver.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.npz"]


# ======================================================== the command line


def small_run(dataset, n_epochs, *more):
    """The flags of a short run on a small data set, minibatches of 10."""
    return ["--dataset", dataset, "--batch-size", "10", "--n-epochs", n_epochs, *more]


def in_process(module, *argv):
    """Run ``module.main(argv)`` in this process; return (status, stderr)
    (only for runs that fail before training)."""
    import importlib

    main = importlib.import_module(f"deeplearning_tutorials.{module}").main
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), pytest.raises(SystemExit) as info:
        main([str(arg) for arg in argv])
    return info.value.code, stderr.getvalue()


@pytest.mark.parametrize(
    "module, argv, words",
    [
        ("logistic_sgd", ["--model-path", "/dev/null"], "character device"),
        ("logistic_sgd", ["--model-path", ""], "--model-path: an empty path"),
        ("logistic_sgd", ["--model-path", "{tmp}"], "is a directory"),
        ("mlp", ["--results-json", "{tmp}"], "is a directory"),
        ("mlp", ["--results-json", ""], "--results-json: an empty path"),
        ("dA", ["--results-json", "{tmp}/link"], "symbolic link"),
        ("rbm", ["--output-folder", ""], "--output-folder: an empty path"),
        ("SdA", ["--checkpoint-dir", ""], "--checkpoint-dir: an empty path"),
        ("DBN", ["--checkpoint-dir", "{tmp}/file"], "--checkpoint-dir: cannot create"),
        ("convolutional_mlp", ["--start-over"], "--start-over needs --checkpoint-dir"),
        ("mlp", ["--checkpoint-dir", "{tmp}", "--resume", "--start-over"], "exclude"),
        (
            "mlp",
            ["--checkpoint-dir", "{tmp}/ck"],
            "--resume, or discard it with --start-over",
        ),
        (
            "mlp",
            ["--checkpoint-dir", "{tmp}/bad"],
            "is a directory, not a regular file",
        ),
        ("mlp", ["--blas-threads", str(10**20)], "up to 1024"),
        ("mlp", ["--n-hidden", str(10**20)], "up to 2147483647"),
        ("rbm", ["--n-chains", str(2**31)], "up to 2147483647"),
        ("mlp", ["--dataset", "{tmp}/new\nline.pkl.gz"], "new\\nline.pkl.gz"),
    ],
)
def test_bad_paths_and_flags_are_one_line_before_any_work(
    tmp_path, module, argv, words
):
    (tmp_path / "file").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "file")
    (tmp_path / "bad" / "checkpoint.npz").mkdir(parents=True)
    toy(tmp_path / "ck")[0].save(valid_loop_state())
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    status, err = in_process(module, *argv)
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and words in err, err


def test_a_model_too_large_for_the_memory_is_one_line(small_dataset):
    proc = run_module("mlp", "--dataset", small_dataset, "--n-hidden", 2 * 10**9)
    one_line_exit(proc, 2, "not enough memory", "--n-hidden")


def test_messages_are_one_line_whatever_they_quote():
    assert one_line("a\nb\r\x1b[2J\u2028c\td é") == "a\\nb\\r\\x1b[2J\\u2028c\td é"


@pytest.mark.parametrize(
    "argv",
    [
        ["--checkpoint-dir", "my runs/it's here"],
        ["--checkpoint-dir", "new\nline", "--start-over"],
        ["--dataset", "$(touch pwned)", "--checkpoint-dir", "`x`;y"],
        ["--checkpoint-dir", "d", "--start"],  # argparse's abbreviation
    ],
)
def test_the_resume_command_survives_a_shell(tmp_path, argv):
    command = cli._resume_command("deeplearning_tutorials.mlp", argv)
    assert "\n" not in command
    words = (
        subprocess.run(
            ["bash", "-c", 'printf "%s\\0" ' + command.split(" ", 3)[3]],
            capture_output=True,
            cwd=tmp_path,
            check=True,
        )
        .stdout.decode()
        .split("\0")[:-1]
    )
    assert words == [a for a in argv if not a.startswith("--start")] + ["--resume"]
    assert not (tmp_path / "pwned").exists()


def test_start_over_deletes_only_checkpoints(tmp_path, small_dataset):
    directory = tmp_path / "ck"
    saver, _ = toy(directory)
    saver.save(valid_loop_state())
    (directory / "notes.npz").write_bytes(b"not a checkpoint")
    keep = directory / "best_model.npz"
    checkpoint.save_params(keep, "Toy", saver.params)
    args = cli.make_parser("x", "x").parse_args(
        ["--checkpoint-dir", str(directory), "--start-over"]
    )
    with contextlib.ExitStack() as held:
        cli._prepare_folders(args, held)
        cli._start_over(args)
    assert sorted(p.name for p in directory.iterdir()) == [
        ".lock",  # the run's lock file (runlock), which outlives no run
        "best_model.npz",
        "notes.npz",
    ]


@pytest.mark.parametrize(
    "flags, words",
    [
        ("mode=NOPE", "Instead got: NOPE"),
        ("linker=zzz", "'zzz'"),
        ("mode=FAST_COMPILE", "unknown mode 'FAST_COMPILE'"),
    ],
)
def test_a_bad_pytensor_flags_value_is_one_line(flags, words):
    proc = run_module("mlp", "--n-epochs", "1", env={"PYTENSOR_FLAGS": flags})
    one_line_exit(
        proc, 2, "PYTENSOR_FLAGS" if "=N" in flags or "zzz" in flags else "mode", words
    )


def test_an_error_of_numbas_cache_code_is_named_as_the_compile_cache(tmp_path):
    """Numba reading a garbage index file of its cache: the message names
    the compile cache and how to get around it (the whole run below is
    behind the ``adversarial`` marker: it compiles into an empty cache)."""
    from numba.core.caching import IndexDataCacheFile

    cache = IndexDataCacheFile(str(tmp_path), "f", source_stamp=None)
    Path(cache._index_path).write_bytes(b"\x80\x04garbage")
    with pytest.raises(Exception) as info:
        cache._load_index()
    args = cli.make_parser("mlp", "x").parse_args([])
    status, message = cli._outcome(info.value, args)
    assert status == 2 and "compile cache" in message
    assert "base_compiledir" in message and "\n" not in one_line(message)


@pytest.mark.adversarial
@pytest.mark.parametrize("mode, damaged", [("NUMBA", "*.nbi"), ("CVM", "m*.so")])
def test_a_damaged_compile_cache_is_named(tmp_path, mode, damaged):
    """A Numba cache whose index files are garbage, a C cache whose modules
    are: the run fails in PyTensor's compile step, and the message names the
    cache and how to get around it."""
    cache = tmp_path / "cache"
    flags = {"PYTENSOR_FLAGS": f"base_compiledir={cache}"}
    args = small_run(
        write_pickle_gz(tmp_path / "d.pkl.gz", make_splits()),
        1,
        "--model-path",
        tmp_path / "m.npz",
        "--mode",
        mode,
    )
    first = run_module("logistic_sgd", *args, env=flags)
    assert first.returncode == 0, first.stderr
    for path in cache.rglob(damaged):
        path.write_bytes(b"\x80\x04garbage")
    proc = run_module("logistic_sgd", *args, env=flags)
    one_line_exit(proc, 2, "compile cache", str(cache), "base_compiledir")


def test_a_file_size_limit_is_one_line_and_keeps_the_model(tmp_path, small_dataset):
    """With ``ulimit -f`` too small for the saved model, the write fails with
    EFBIG: exit status 4, one line, the earlier model file untouched."""
    model_path = tmp_path / "m.npz"
    model_path.write_bytes(b"the earlier model")
    args = small_run(small_dataset, 1, "--model-path", model_path)
    limit = 20_000  # the model is 32 kB
    # the same run once without the limit, so that the compile cache holds its
    # functions (larger than the limit) whichever test compiled them first
    warm = small_run(small_dataset, 1, "--model-path", tmp_path / "warm.npz")
    assert run_module("logistic_sgd", *warm).returncode == 0

    # the limit is set in a small launcher that then becomes the program
    # (a preexec_fn would fork this process, which may run JAX's threads)
    launcher = (
        "import os, resource, sys; "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
        "os.execv(sys.executable, [sys.executable, '-m', "
        "'deeplearning_tutorials.logistic_sgd', *sys.argv[1:]])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", launcher, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    one_line_exit(proc, 4, str(model_path), "File too large")
    assert model_path.read_bytes() == b"the earlier model"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# =================================================================== signals


def start_run(module, *args):
    return subprocess.Popen(
        [sys.executable, "-m", f"deeplearning_tutorials.{module}", *map(str, args)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_file(proc, path, timeout=600):
    deadline = time.time() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline, "no checkpoint in time"
        time.sleep(0.02)


def saved_iteration(path):
    with numpy.load(path, allow_pickle=False) as archive:
        return json.loads(str(archive["state_json"]))["state"]["iteration"]


class _GoneTerminal(io.StringIO):
    def write(self, text):
        raise OSError(5, "Input/output error")


def test_after_sighup_a_vanished_terminal_does_not_stop_the_save(tmp_path, monkeypatch):
    """SIGHUP means the terminal is gone: printing the validation line fails
    with EIO, and the run must still be saved and stop as interrupted."""
    saver, param = toy(tmp_path)

    def train(index):
        if index == 2:
            os.kill(os.getpid(), signal.SIGHUP)
            monkeypatch.setattr(sys, "stdout", _GoneTerminal())
        return 1.0

    with pytest.raises(training.TrainingInterrupted, match="SIGHUP at epoch 1") as info:
        training.train_with_early_stopping(
            (train, lambda i: 0.5, lambda i: 0.5), (3, 1, 1), 5, 6, checkpointer=saver
        )
    assert info.value.signum == signal.SIGHUP
    assert saved_iteration(saver.path) == 3


def test_without_a_signal_a_failing_stdout_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdout", _GoneTerminal())
    with pytest.raises(OSError):
        training.train_with_early_stopping(
            (lambda i: 1.0, lambda i: 0.5, lambda i: 0.5), (3, 1, 1), 5, 6
        )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_save_and_print_a_command_that_resumes(
    tmp_path, small_dataset, signum
):
    directory = tmp_path / "it's a run"  # a quote and a space to survive
    args = small_run(
        small_dataset,
        100000,
        "--model-path",
        tmp_path / "m.npz",
        "--checkpoint-dir",
        directory,
    )
    proc = start_run("logistic_sgd", *args)
    wait_for_file(proc, directory / "checkpoint.npz")
    time.sleep(0.2)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    name = signal.Signals(signum).name
    assert proc.returncode == 128 + signum, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert f"interrupted by {name} at epoch" in lines[0]
    command = lines[0].split("state saved, resume with: ")[1]
    iteration = saved_iteration(directory / "checkpoint.npz")
    # the printed command, run by a shell, continues from the saved minibatch
    resumed = subprocess.run(
        ["bash", "-c", f"{command} --n-epochs 1"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
        env=dict(
            os.environ, PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"
        ),
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"... resuming after minibatch {iteration} from" in resumed.stdout


@pytest.mark.parametrize(
    "signum, delay",
    [(signal.SIGTERM, 1.0), (signal.SIGINT, 0.5), (signal.SIGHUP, 0.5)],
)
def test_a_stop_while_starting_or_loading_is_one_line(small_dataset, signum, delay):
    """While Python imports PyTensor, while the data loads or the model
    compiles: one line, 128 + the signal's number, no traceback."""
    proc = start_run("mlp", "--dataset", small_dataset, "--n-epochs", "1")
    time.sleep(delay)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0 or "deeplearning_tutorials" not in err:
        pytest.skip(
            "the signal came before Python loaded the program, or after it ended"
        )
    assert proc.returncode == 128 + signum, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"interrupted by {errors.signal_name(signum)}" in err


@pytest.mark.adversarial
@pytest.mark.parametrize("seed", range(5))
def test_signals_at_random_moments_never_lose_the_run(tmp_path, seed):
    """The default logistic_sgd run, stopped again and again by SIGINT,
    SIGTERM, SIGHUP or SIGKILL at random moments (while loading, compiling,
    training, saving), and resumed each time, ends as the published run;
    every stop but SIGKILL is one line with its exit status."""
    from test_checkpoint import PUBLISHED_LAST_LINES

    rng = numpy.random.RandomState(seed)
    directory = tmp_path / "ck"
    args = [
        "--checkpoint-dir",
        directory,
        "--resume",
        "--model-path",
        tmp_path / "m.npz",
    ]
    killed = set()  # the pids of runs stopped by SIGKILL
    for _ in range(4):
        signum = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL][
            rng.randint(4)
        ]
        proc = start_run("logistic_sgd", *args)
        if signum == signal.SIGKILL:
            killed.add(proc.pid)
        time.sleep(rng.uniform(0.5, 14.0))
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=300)
        if proc.returncode == 0:
            break
        if signum == signal.SIGKILL or "deeplearning_tutorials" not in err:
            # SIGKILL, or a signal before Python loaded the program
            assert proc.returncode in (-signum, 1), err
        else:
            assert proc.returncode == 128 + signum, err
            assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        if (directory / "checkpoint.npz").exists():
            saved_iteration(directory / "checkpoint.npz")  # always readable
        # only a run killed while writing leaves its temporary file (removed
        # by a later write once a minute old): never one that was stopped
        for left in directory.glob(".*"):
            pid = int(left.name.split("-")[-2])
            assert pid in killed, f"{left.name} left by a run that was not killed"
    proc = start_run("logistic_sgd", *args)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert out.splitlines()[-4:-1] == PUBLISHED_LAST_LINES


def checkpoints_of(directory):
    """The checkpoint files of ``directory`` with their modification times."""
    return {(p.name, p.stat().st_mtime_ns) for p in Path(directory).glob("*.npz")}


@pytest.mark.adversarial
@pytest.mark.parametrize("module", ["dA", "SdA"])
def test_pretraining_runs_stopped_by_sigterm_resume_to_the_same_costs(
    tmp_path, small_dataset, module
):
    common = ["--dataset", small_dataset, "--batch-size", "10"]
    if module == "dA":
        common += ["--training-epochs", "4", "--output-folder", tmp_path / "plots"]
    else:
        common += ["--pretraining-epochs", "4", "--training-epochs", "30"]
    whole = run_module(module, *common, "--checkpoint-dir", tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr
    directory, printed, resumed = tmp_path / "split", [], 0
    rng = numpy.random.RandomState(1)
    for attempt in range(8):
        before = checkpoints_of(directory)
        proc = start_run(module, *common, "--checkpoint-dir", directory, "--resume")
        while checkpoints_of(directory) == before and proc.poll() is None:
            time.sleep(0.01)  # until the run has saved once more
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=600)
        printed += out.splitlines()
        resumed += "... resuming" in out
        if proc.returncode == 0:
            break
        assert proc.returncode == 143, err
        # the original's timing lines go to stderr too; the message is the last
        assert "Traceback" not in err and "interrupted by SIGTERM" in err
        assert (
            err.strip()
            .splitlines()[-1]
            .startswith(f"deeplearning_tutorials.{module}: ")
        )
    else:
        printed += run_module(
            module, *common, "--checkpoint-dir", directory, "--resume"
        ).stdout.splitlines()

    # every epoch's line printed once, in order, with the uninterrupted run's numbers
    def results(lines):
        return [l for l in lines if "cost" in l or "error" in l or "Optimization" in l]

    assert results(printed) == results(whole.stdout.splitlines())
    assert resumed >= 2  # stopped in the middle more than once
