"""The RNN-RBM and its MIDI machinery.

The references:

* MIDI: the original reader and writer (``midi.utils`` of the tutorial's
  ``midi.zip``, Python 2) run by tests/oracle/run_original_rnnrbm.sh: the
  rolls of every Nottingham file (rnnrbm_midiread_nottingham.json), of the
  small files tests/fixtures/rnnrbm/make_midi_files.py writes
  (rnnrbm_midiread_synthetic.json),
  and the file its ``midiwrite`` wrote (rnnrbm_midiwrite.json);
* the model: the original ``code/rnnrbm.py`` under Theano 1.0.5
  (original_rnnrbm_driver.py): a tiny model trained two epochs on three
  synthetic rolls, its printed lines, parameters and one generated sequence
  (rnnrbm_tiny_<floatX>.*), and the defaults on Nottingham
  (rnnrbm_nottingham_2epochs_float64.*); the Gibbs chain, its cost and its
  monitor against a NumPy computation that draws the MRG streams with
  :mod:`deeplearning_tutorials.rng_mrg.generator` (itself tested against
  Theano's draws).

The Nottingham files are not the project's to ship, nor the references the
original made from them (rnnrbm_midiread_nottingham.json,
rnnrbm_nottingham_2epochs_float64.*): the tests that read them find them
through tests/shared_data.py ($DLT_SHARED_DATA, $DLT_NOTTINGHAM_REFERENCES)
and skip where they are absent.
"""

import contextlib
import hashlib
import importlib.util
import io
import json
import shutil
import signal
import zipfile
from types import SimpleNamespace

import mido
import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import REPO, run_module
from PIL import Image
from shared_data import nottingham_reference, shared_data

from deeplearning_tutorials import rnnrbm
from deeplearning_tutorials.machinery import midi, training
from deeplearning_tutorials.machinery.checkpoint import Checkpointer, ModelFileError
from deeplearning_tutorials.rng_mrg import MRG_RandomStreams, generator

ORACLE = REPO / "tests" / "oracle"
FIXTURES = REPO / "tests" / "fixtures" / "rnnrbm"
# Python's implementations: the tiny graphs compile in seconds; the command
# line (slow tests) runs in its default backend
MODE = "FAST_COMPILE"
NAMES = ("W", "bv", "bh", "Wuh", "Wuv", "Wvu", "Wuu", "bu")


def roll_digest(roll):
    """The sha256 the oracle scripts give a roll: its bytes as uint8, row-major."""
    return hashlib.sha256(
        numpy.ascontiguousarray(roll.astype(numpy.uint8)).tobytes()
    ).hexdigest()


def nottingham_zip():
    return shared_data("Nottingham.zip")


# ------------------------------------------------------------------ midiread


def _original_nottingham_rolls():
    return json.loads(nottingham_reference("rnnrbm_midiread_nottingham.json").read_text())


def _check_nottingham(every):
    reference = _original_nottingham_rolls()
    r, dt = tuple(reference["r"]), reference["dt"]
    checked = 0
    for split in midi.NOTTINGHAM_SPLITS:
        for i, member in enumerate(midi.nottingham_files(nottingham_zip(), split)):
            name = member.name.split(":", 1)[1].split("/", 1)[1]  # "train/x.mid"
            if i % every:
                continue
            roll = midi.midiread(member, r, dt).piano_roll
            assert [len(roll), roll_digest(roll)[:16]] == reference["files"][name], name
            assert roll.dtype == numpy.float64 and roll.shape[1] == 88
            checked += 1
    return checked


def test_midiread_makes_the_original_readers_rolls_of_nottingham():
    """Every 60th file of each split (18 of 1,037), read out of Nottingham.zip:
    the roll the original reader made, to the bit."""
    assert _check_nottingham(every=60) == 18


@pytest.mark.slow
def test_midiread_makes_the_original_readers_rolls_of_all_of_nottingham():
    assert _check_nottingham(every=1) == 1037


SYNTHETIC = json.loads((ORACLE / "rnnrbm_midiread_synthetic.json").read_text())["reads"]


@pytest.fixture(scope="module")
def midi_files(tmp_path_factory):
    """The three small MIDI files of tests/fixtures/rnnrbm/make_midi_files.py,
    written afresh (the same bytes the original reader was run on)."""
    spec = importlib.util.spec_from_file_location(
        "make_midi_files", FIXTURES / "make_midi_files.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write(tmp_path_factory.mktemp("midi"))


@pytest.mark.parametrize(
    "read", SYNTHETIC, ids=[f"{e['file']}-{e['r']}-{e['dt']}" for e in SYNTHETIC]
)
def test_midiread_follows_the_original_reader_in_its_corners(read, midi_files):
    """Tempo changes carried from track to track, notes started twice,
    note-offs with nothing sounding, velocity-0 note-ons, unended notes,
    notes below the range (a negative column): the same notes, to the float,
    and the same roll."""
    got = midi.midiread(midi_files / read["file"], tuple(read["r"]), read["dt"])
    assert got.notes == read["note_list"]
    assert list(got.piano_roll.shape) == read["shape"]
    assert roll_digest(got.piano_roll) == read["sha256"]


@pytest.mark.parametrize("r, dt", [((21, 109), 0.3), ((40, 100), 0.2)])
def test_rolls_parsed_once_come_back_from_the_cache_as_the_original_read_them(
    r, dt, midi_files, tmp_path, monkeypatch
):
    """midi.piano_rolls keeps the rolls in the decoded-data cache: the
    second read parses nothing and gives the original reader's rolls
    (rnnrbm_midiread_synthetic.json); a file whose bytes change is parsed
    again."""
    monkeypatch.setenv("DLT_DATA_CACHE", str(tmp_path / "cache"))
    names = ["below_range.mid", "overlaps.mid", "tempo_tracks.mid"]
    files = []
    for name in names:
        files.append(tmp_path / name)
        files[-1].write_bytes((midi_files / name).read_bytes())
    parsed = []
    reader = midi.midiread
    monkeypatch.setattr(midi, "midiread", lambda *args: parsed.append(args[0]) or reader(*args))
    expected = {e["file"]: e for e in SYNTHETIC if tuple(e["r"]) == r and e["dt"] == dt}
    first = midi.piano_rolls(files, r, dt)
    assert len(parsed) == 3
    again = midi.piano_rolls(files, r, dt)
    assert len(parsed) == 3  # nothing parsed
    for name, roll, kept in zip(names, first, again):
        assert kept.dtype == numpy.float64 and numpy.array_equal(kept, roll)
        assert list(kept.shape) == expected[name]["shape"]
        assert roll_digest(kept) == expected[name]["sha256"]
    files[1].write_bytes((midi_files / "tempo_tracks.mid").read_bytes())
    changed = midi.piano_rolls(files, r, dt)
    assert len(parsed) == 6
    assert roll_digest(changed[1]) == expected["tempo_tracks.mid"]["sha256"]


def test_midiread_refuses_damaged_files_in_one_sentence(tmp_path, midi_files):
    damaged = tmp_path / "damaged.mid"
    damaged.write_bytes((midi_files / "overlaps.mid").read_bytes()[:30])
    with pytest.raises(
        midi.MidiFileError, match="damaged.mid: not a readable MIDI file"
    ):
        midi.midiread(damaged)
    silent = tmp_path / "silent.mid"
    mido.MidiFile(tracks=[mido.MidiTrack()]).save(silent)
    with pytest.raises(midi.MidiFileError, match="no complete note"):
        midi.midiread(silent)
    with pytest.raises(midi.MidiFileError, match="note 99 lies outside the range"):
        midi.midiread(midi_files / "below_range.mid", (21, 99))


# ------------------------------------------------------------------ midiwrite


def roll40():
    described = json.loads((FIXTURES / "roll40.json").read_text())
    roll = numpy.zeros(described["shape"])
    for step, note in described["nonzero"]:
        roll[step, note] = 1
    return roll


@pytest.mark.parametrize("dt", ["0.3", "0.2"])
def test_midiwrite_writes_the_original_file_and_reads_back_as_the_original(
    tmp_path, dt
):
    """The original midiwrite's file, byte for byte, and what the original
    midiread made of it: at dt = 0.2 the roll written; at dt = 0.3 another
    one (60 ticks are 0.30000000000000004 s, and ceil moves some note ends a
    step later), in the original as here."""
    reference = json.loads((ORACLE / "rnnrbm_midiwrite.json").read_text())["dt"][dt]
    path = tmp_path / "roll40.mid"
    midi.midiwrite(path, roll40(), (21, 109), float(dt))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == reference["file_sha256"]
    back = midi.midiread(path, (21, 109), float(dt))
    assert back.notes == reference["note_list"]
    assert roll_digest(back.piano_roll) == reference["sha256"]
    equal = (
        back.piano_roll.shape == roll40().shape and (back.piano_roll == roll40()).all()
    )
    assert equal == reference["equal_to_written"] == (dt == "0.2")


def test_midiwrite_refuses_a_roll_that_does_not_fit_the_range(tmp_path):
    with pytest.raises(midi.MidiFileError, match="does not fit the range"):
        midi.midiwrite(tmp_path / "x.mid", numpy.ones((3, 10)), (21, 109))


# ------------------------------------------------------------------ Nottingham


def test_nottingham_is_read_alike_from_the_zip_and_from_folders(tmp_path):
    """--data-dir may hold the zip, or the train/ valid/ test/ folders (or a
    Nottingham/ folder with them): the same files, sorted, the same rolls."""
    from_zip = midi.nottingham_files(nottingham_zip(), "valid")
    assert len(from_zip) == 173
    with zipfile.ZipFile(nottingham_zip()) as archive:
        archive.extractall(tmp_path)
    for data_dir in (tmp_path, tmp_path / "Nottingham"):
        from_folder = midi.nottingham_files(data_dir, "valid")
        assert [p.rsplit("/", 1)[1] for p in from_folder] == [
            f.name.rsplit("/", 1)[1] for f in from_zip
        ]
    shutil.copy(nottingham_zip(), tmp_path / "zipped")
    assert len(midi.nottingham_files(tmp_path / "zipped", "test")) == 170
    (tmp_path / "holds_zip").mkdir()
    shutil.copy(nottingham_zip(), tmp_path / "holds_zip" / "Nottingham.zip")
    first = midi.nottingham_files(tmp_path / "holds_zip", "train")[0]
    numpy.testing.assert_array_equal(
        midi.midiread(first, dt=0.3).piano_roll,
        midi.midiread(midi.nottingham_files(tmp_path, "train")[0], dt=0.3).piano_roll,
    )


# ------------------------------------------------------------------ the model


def sigmoid(x):
    return 1.0 / (1.0 + numpy.exp(-x))


def test_theano_sigmoid_is_clipped_where_theanos_was():
    """Theano 1.0.5's C code (tensor/nnet/sigm.py): exactly 1 above 19 and 0
    below -709 in float64, 1 above 15 and 0 below -88 in float32."""
    for dtype, high, low in (("float64", 19.0, -709.0), ("float32", 15.0, -88.0)):
        x = pt.vector(dtype=dtype)
        f = pytensor.function([x], rnnrbm.theano_sigmoid(x), mode=MODE)
        points = numpy.array(
            [high + 0.5, high - 0.5, 0.3, low + 1, low - 1], dtype=dtype
        )
        got = f(points)
        assert got.dtype == dtype
        assert got[0] == 1 and got[4] == 0
        numpy.testing.assert_allclose(
            got[1:4], sigmoid(points[1:4].astype("float64")), rtol=1e-6
        )
        assert got[1] < 1


def numpy_build_rbm(v, W, bv, bh, k, seed):
    """build_rbm in NumPy: the same Gibbs chain, drawn from the same MRG
    streams (15,360 each, the number Theano gave a draw of symbolic size), in
    the order the original creates them: the chain's h and v, then those of
    the extra step."""
    streams = MRG_RandomStreams(seed)
    states = [streams.get_substream_rstates(15360) for _ in range(4)]

    def draw(which, p):
        states[which], u = generator.uniform_draws(states[which], p.size, "float64")
        return (u.reshape(p.shape) < p).astype("float64")

    def clipped(x):
        return numpy.where(x > 19, 1.0, numpy.where(x < -709, 0.0, sigmoid(x)))

    def free_energy(v):
        return -(v * bv).sum() - numpy.log(1 + numpy.exp(v @ W + bh)).sum()

    sample = v
    for _ in range(k):
        h = draw(0, clipped(sample @ W + bh))
        sample = draw(1, clipped(h @ W.T + bv))
    h = draw(2, clipped(sample @ W + bh))
    mean_v = clipped(h @ W.T + bv)
    with numpy.errstate(divide="ignore", invalid="ignore"):
        monitor = numpy.where(v == 0, 0, v * numpy.log(mean_v)) + numpy.where(
            v == 1, 0, (1 - v) * numpy.log(1 - mean_v)
        )
    cost = (free_energy(v) - free_energy(sample)) / len(v)
    return sample, cost, monitor.sum() / len(v)


@pytest.fixture
def float64():
    """Compile in float64 (the autouse fixture of conftest.py restores floatX)."""
    pytensor.config.floatX = "float64"


def test_build_rbm_is_the_gibbs_chain_its_cost_and_monitor(float64):
    """A 3-step chain of an RBM of 9 visible and 4 hidden units, 5 chains
    with a bias row each (as the RNN-RBM's conditional RBMs): the sample
    equals NumPy's, the CD cost and the pseudo-likelihood monitor agree to
    rounding; large weights make some probabilities exactly 0 or 1."""
    rs = numpy.random.RandomState(3)
    v0 = (rs.rand(5, 9) < 0.4).astype("float64")
    W0, bv0, bh0 = rs.randn(9, 4) * 3, rs.randn(5, 9), rs.randn(5, 4)
    # visible unit 0, on in the data, drives every hidden unit far beyond
    # Theano's clipping point (probability exactly 1), and is driven there
    W0[0, :], v0[:, 0] = 30.0, 1.0
    v, W, bv, bh = pt.matrix("v"), pt.matrix("W"), pt.matrix("bv"), pt.matrix("bh")
    rng = MRG_RandomStreams(1234)
    v_sample, cost, monitor, updates = rnnrbm.build_rbm(v, W, bv, bh, k=3, rng=rng)
    f = pytensor.function(
        [v, W, bv, bh],
        [v_sample, cost, monitor],
        updates={**updates, **dict(rng.updates_for([monitor]))},
        mode=MODE,
    )
    got_sample, got_cost, got_monitor = f(v0, W0, bv0, bh0)
    sample, expected_cost, expected_monitor = numpy_build_rbm(v0, W0, bv0, bh0, 3, 1234)
    numpy.testing.assert_array_equal(got_sample, sample)
    numpy.testing.assert_allclose(got_cost, expected_cost, rtol=1e-12)
    numpy.testing.assert_allclose(got_monitor, expected_monitor, rtol=1e-12)


TINY_ROLLS = (
    (7, 12, 5),
    12,
    0.3,
)  # lengths, notes, density: as original_rnnrbm_driver.py


def tiny_rolls(dtype):
    rs = numpy.random.RandomState(7)
    lengths, notes, density = TINY_ROLLS
    return [(rs.rand(T, notes) < density).astype(dtype) for T in lengths]


def tiny_rnnrbm():
    """The tiny model of original_rnnrbm_driver.py."""
    return rnnrbm.RnnRbm(n_hidden=5, n_hidden_recurrent=4, lr=0.1, r=(60, 72), dt=0.3)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny model in float64, trained two epochs, then one piece
    generated (as the oracle's driver did), with what it printed; and its
    state before training, for the resume test."""
    saved = pytensor.config.floatX, pytensor.config.mode
    pytensor.config.floatX, pytensor.config.mode = "float64", MODE
    try:
        model = tiny_rnnrbm()
    finally:
        pytensor.config.floatX, pytensor.config.mode = saved
    initial = SimpleNamespace(
        params=[p.get_value() for p in model.params],
        numpy_rng=model.numpy_rng.get_state(),
        streams=model.rng.get_state(),
    )
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        state = model.train_on_rolls(tiny_rolls("float64"), batch_size=4, num_epochs=2)
    piece = tmp_path_factory.mktemp("tiny") / "sample1.mid"
    generated = model.generate(str(piece))
    return SimpleNamespace(
        model=model,
        initial=initial,
        printed=printed.getvalue(),
        state=state,
        trained=[p.get_value() for p in model.params],
        generated=generated,
        piece=piece,
    )


def oracle_tiny(floatX):
    return (
        json.loads((ORACLE / f"rnnrbm_tiny_{floatX}.json").read_text()),
        (ORACLE / f"rnnrbm_tiny_{floatX}.stdout").read_text(),
    )


def assert_printed_as_the_original(printed, original, rtol):
    """The original's 'Epoch i/N' lines exactly, its costs (the mean of
    float64 monitors) to ``rtol``: the gradients are summed in another order
    than Theano's, so the last digit may differ."""
    expected = [line for line in original.splitlines() if "pylab" not in line]
    expected = [line for line in expected if "Pillow" not in line]
    got = printed.splitlines()
    assert len(got) == len(expected)
    for line, reference in zip(got, expected):
        if reference.startswith("Epoch"):
            assert line == reference
        else:
            assert float(line) == pytest.approx(float(reference), rel=rtol)


def test_initial_weights_are_the_originals(tiny):
    """NumPy seeded with 0xbeef, one randint for the MRG seed, then the
    normal draws of W, Wuh, Wuv, Wvu, Wuu in this order: bit for bit."""
    reference, _ = oracle_tiny("float64")
    for name, value in zip(NAMES, tiny.initial.params):
        numpy.testing.assert_array_equal(
            value, reference["initial_params"][name]["values"]
        )


def test_tiny_training_prints_and_learns_what_the_original_did(tiny):
    reference, printed = oracle_tiny("float64")
    assert_printed_as_the_original(tiny.printed, printed, rtol=1e-13)
    for name, value in zip(NAMES, tiny.trained):
        numpy.testing.assert_allclose(
            value,
            reference["params"][name]["values"],
            rtol=1e-12,
            atol=1e-15,
            err_msg=name,
        )
    assert tiny.state.epoch == 2 and len(tiny.state.costs) == 2


def test_tiny_generation_is_the_originals_and_opens_in_mido(tiny):
    """The piece generated after training: the original's 200 steps to the
    note; its MIDI file (read by mido, independently of our reader) starts
    a note where the roll does, and its PNG is the roll, pitch upwards."""
    reference, _ = oracle_tiny("float64")
    roll = tiny.generated
    assert list(roll.shape) == reference["generated"]["shape"] == [200, 12]
    assert [list(ix) for ix in zip(*roll.nonzero())] == reference["generated"][
        "nonzero"
    ]
    onsets = numpy.logical_and(
        roll > 0, numpy.vstack([numpy.zeros((1, 12)), roll[:-1]]) == 0
    )
    messages = mido.MidiFile(tiny.piece).tracks[0]
    starts = [m.note for m in messages if m.type == "note_on" and m.velocity > 0]
    assert sorted(starts) == sorted(60 + n for _, n in zip(*onsets.nonzero()))
    image = numpy.asarray(Image.open(tiny.piece.with_suffix(".png")))
    assert image.shape == (12 * 3, 200 * 3)
    numpy.testing.assert_array_equal(image[::3, ::3] == 0, roll.T[::-1] > 0)


def test_a_resumed_run_continues_as_an_uninterrupted_one(tiny, tmp_path):
    """One epoch, saved; the model's generators and parameters scrambled (as
    in a new process); resumed for the second epoch: the parameters, the
    costs and the next generated piece of the two-epoch run."""
    model = tiny.model
    checkpointer = Checkpointer(tmp_path, "RnnRbm", model.params, {"test": 1})

    def reset():
        for param, value in zip(model.params, tiny.initial.params):
            param.set_value(value)
        model.numpy_rng.set_state(tiny.initial.numpy_rng)
        model.rng.set_state(tiny.initial.streams)

    reset()
    with contextlib.redirect_stdout(io.StringIO()):
        model.train_on_rolls(tiny_rolls("float64"), 4, 1, checkpointer)
    model.numpy_rng.seed(99)
    model.generate_function()  # moves the generation streams on
    for param in model.params:
        param.set_value(numpy.zeros_like(param.get_value()))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        state = model.train_on_rolls(
            tiny_rolls("float64"), 4, 2, checkpointer, resume=True
        )
    assert printed.getvalue().splitlines()[1:] == tiny.printed.splitlines()[2:]
    assert state.costs == tiny.state.costs and state.epoch == 2
    for value, expected in zip((p.get_value() for p in model.params), tiny.trained):
        numpy.testing.assert_array_equal(value, expected)
    # the generation streams are part of the state: the same piece follows
    numpy.testing.assert_array_equal(model.generate_function(), tiny.generated)
    with pytest.raises(ModelFileError, match="--resume"):
        model.train_on_rolls(tiny_rolls("float64"), 4, 3, checkpointer)


def test_ctrl_c_stops_training_between_updates_as_the_original(tiny):
    """The original caught KeyboardInterrupt and printed 'Interrupted by
    user.'; here the signal is a flag checked between two updates: the
    update in flight finishes, the line is printed, and the run knows it was
    stopped (the program then generates its pieces and exits 130)."""
    model = tiny.model
    calls = []
    train_function = model.train_function

    def interrupted_after_two_updates(sequence):
        calls.append(len(sequence))
        if len(calls) == 2:
            training._received_signals.append(signal.SIGINT)
        return train_function(sequence)

    model.train_function = interrupted_after_two_updates
    try:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            state = model.train_on_rolls(tiny_rolls("float64"), 4, 2)
    finally:
        model.train_function = train_function
    assert printed.getvalue() == "Interrupted by user.\n"
    assert len(calls) == 2 and state.interrupted == "Ctrl-C" and state.epoch == 0


# ------------------------------------------------------------------ the command line


def test_help_explains_every_flag(capsys):
    with pytest.raises(SystemExit) as exit:
        rnnrbm.main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    for flag in (
        "--num-epochs",
        "--batch-size",
        "--lr",
        "--n-hidden ",
        "--n-hidden-recurrent",
        "--r LOW HIGH",
        "--dt",
        "--data-dir",
        "--output-folder",
        "--checkpoint-dir",
        "--results-json",
    ):
        assert flag in out
    assert "(default: 200)" in out and "(default: 0.001)" in out


def one_line_error(capsys, argv):
    with pytest.raises(SystemExit) as exit:
        rnnrbm.main(argv)
    err = capsys.readouterr().err.strip()
    assert exit.value.code == 2
    assert len(err.splitlines()) == 1
    return err


def test_a_bad_data_dir_is_one_line(tmp_path, capsys):
    err = one_line_error(capsys, ["--data-dir", str(tmp_path / "none")])
    assert "--data-dir" in err and "Nottingham.zip" in err
    (tmp_path / "Nottingham.zip").write_bytes(b"PK not a zip")
    err = one_line_error(capsys, ["--data-dir", str(tmp_path)])
    assert "Nottingham.zip: not a readable zip archive" in err


def test_without_network_or_with_a_damaged_download_it_is_one_line(
    tmp_path, capsys, monkeypatch
):
    """Without --data-dir the zip is downloaded into the cache: a failed
    download, or a file whose SHA-256 is not the tutorial's, ends the run
    with one line, and no damaged file is used."""
    monkeypatch.setattr(midi, "_CACHE_DIR", tmp_path)

    def offline(url, timeout):
        raise OSError("Network is unreachable")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    err = one_line_error(capsys, [])
    assert (
        "download from http://www.iro.umontreal.ca/~lisa/deep/data/Nottingham.zip"
        in err
    )
    assert "--data-dir" in err and not list(tmp_path.iterdir())

    monkeypatch.setattr(
        "urllib.request.urlopen", lambda url, timeout: io.BytesIO(b"x")
    )
    err = one_line_error(capsys, [])
    assert "checksum mismatch" in err and midi.NOTTINGHAM_SHA256 in err


# ------------------------------------------------------------------ slow: the real thing


@pytest.mark.slow
def test_tiny_training_in_float32_prints_what_the_original_did():
    """float32 (the project's default): the original's lines (float64 means
    of float32 monitors) and weights to float32 rounding."""
    reference, printed = oracle_tiny("float32")
    pytensor.config.floatX, pytensor.config.mode = "float32", MODE
    model = tiny_rnnrbm()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        model.train_on_rolls(tiny_rolls("float32"), batch_size=4, num_epochs=2)
    assert_printed_as_the_original(out.getvalue(), printed, rtol=1e-6)
    for name, param in zip(NAMES, model.params):
        numpy.testing.assert_allclose(
            param.get_value(), reference["params"][name]["values"], rtol=1e-5, atol=1e-6
        )


@pytest.mark.slow
def test_two_epochs_at_the_defaults_are_the_originals(float64):
    """The tutorial's defaults in float64 (Theano's default floatX; the
    chapter does not say which its run used: the printed mean is a float64
    either way, since the monitor is divided by an int64 length),
    two epochs on Nottingham's training set in the default backend: the
    costs the original printed (rnnrbm_nottingham_2epochs_float64.stdout:
    -15.03576657174194 and -10.485618490985505; the chapter's run, whose
    files came in another order, printed -15.0308940028 and -10.4892606673),
    its parameters to rounding, and the piece generated after training."""
    reference = json.loads(
        nottingham_reference("rnnrbm_nottingham_2epochs_float64.json").read_text()
    )
    original = nottingham_reference("rnnrbm_nottingham_2epochs_float64.stdout").read_text()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        model = rnnrbm.test_rnnrbm(num_epochs=2, data_dir=nottingham_zip().parent)
    assert_printed_as_the_original(printed.getvalue(), original, rtol=1e-13)
    for name, param in zip(NAMES, model.params):
        assert param.get_value().sum() == pytest.approx(
            reference["params"][name]["sum"], rel=1e-10
        )
    generated = model.generate_function()
    assert roll_digest(generated) == reference["generated"]["sha256"]
