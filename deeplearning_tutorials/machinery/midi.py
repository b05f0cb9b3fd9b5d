"""MIDI files as piano rolls, read and written as the RNN-RBM tutorial did.

A *piano roll* is a binary matrix, one row per time step of ``dt`` seconds
and one column per MIDI note number in the range ``r = (lowest, highest + 1)``:
entry ``[t, n - r[0]]`` is 1 while note ``n`` sounds during step ``t``.

The original tutorial imported :func:`midiread` and :func:`midiwrite` from
``midi.utils``, N. Boulanger-Lewandowski's addition (2013) to Max M.'s
``midi`` package 0.1.4 (GPL, shipped as ``midi.zip`` beside the tutorial's
data). This module reads and writes the files with ``mido`` and keeps the
original's arithmetic, so that the rolls are the same arrays, quirks
included:

* a note starts at a ``note_on`` of non-zero velocity; a ``note_off``, or a
  ``note_on`` of velocity 0, ends the most recent note of that number if it
  is still sounding (whatever its channel or track), and does nothing
  otherwise; notes never ended are dropped;
* times are seconds, ``time + tempo * (tick - beat) * 1e-6 / division``,
  where ``tempo`` (microseconds per quarter note, 500,000 until a tempo
  event) and the ``(time, beat)`` of the last tempo change carry over from
  one track to the next while the tick count restarts at 0 in each track: in
  a multi-track file the later tracks are timed with the tempo the earlier
  ones ended with;
* a note from ``start`` to ``end`` seconds fills the steps
  ``ceil(start / dt)`` to ``ceil(end / dt) - 1``, and the roll has
  ``ceil(max(end) / dt)`` steps, as floats of ``numpy.zeros`` (float64);
* a note below ``r[0]`` lands in a column counted from the right (a
  negative NumPy index), as in the original; one above the range is an
  error.

:func:`midiwrite` writes the original's file byte for byte: one track
(format 0) of 100 ticks per quarter note at the default tempo (0.005 s per
tick), ``int(dt * 200)`` ticks per step, with a program change, then for
each step the notes that start (velocity 90) and, after the step, those that
end (``note_off``, velocity 0), every event with its status byte (no running
status). Read back, a roll need not come out as it went in: at ``dt = 0.3``
a step of 60 ticks is ``500000 * 60 * 1e-6 / 100`` seconds, a float a hair
above 0.3, and ``ceil`` moves some note ends one step later, in the original
as here.
"""

import hashlib
import io
import json
import os
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy

from deeplearning_tutorials.machinery.data import sha256_of
from deeplearning_tutorials.machinery.errors import InputError, OutputError

#: microseconds per quarter note before any tempo event (120 beats per minute)
DEFAULT_TEMPO = 500000
#: the ticks per quarter note of the files :func:`midiwrite` writes
WRITE_DIVISION = 100


class MidiFileError(InputError):
    """A MIDI file that cannot be read, or a roll that cannot be written."""


@dataclass
class PianoRoll:
    """What :func:`midiread` read: the notes and the piano roll made of them.

    ``notes`` are ``[note number, start, end]`` in seconds, in the order the
    notes started (a note never ended is left out); ``piano_roll`` is the
    ``(steps, r[1] - r[0])`` float64 matrix.
    """

    notes: list
    piano_roll: numpy.ndarray


class _Clock:
    """The original reader's time keeping (see the module's docstring)."""

    def __init__(self, division):
        self.division = division
        self.tempo = DEFAULT_TEMPO
        self.beat = 0  # the tick of the last tempo change
        self.time = 0.0  # its time in seconds
        self.tick = 0  # ticks since the start of the current track

    def seconds(self):
        return self.time + self.tempo * (self.tick - self.beat) * 1e-6 / self.division

    def set_tempo(self, tempo):
        self.time = self.seconds()
        self.beat = self.tick
        self.tempo = tempo


def _end_note(notes, number, seconds):
    """End the most recent note ``number`` if it is still sounding."""
    for note in reversed(notes):
        if note[0] == number:
            if note[2] is None:
                note[2] = seconds
            return


def read_notes(midi_file):
    """The ``[number, start, end]`` notes of a ``mido.MidiFile`` (``end`` is
    ``None`` for a note never ended), timed as the original reader timed them."""
    clock = _Clock(midi_file.ticks_per_beat)
    notes = []
    for track in midi_file.tracks:
        clock.tick = 0
        for message in track:
            clock.tick += message.time
            if message.type == "set_tempo":
                clock.set_tempo(message.tempo)
            elif message.type == "note_on" and message.velocity > 0:
                notes.append([message.note, clock.seconds(), None])
            elif message.type in ("note_on", "note_off"):
                _end_note(notes, message.note, clock.seconds())
    return notes


def piano_roll_of(notes, r, dt):
    """The piano roll of ``[number, start, end]`` notes (see the module's docstring)."""
    notes = [note for note in notes if note[2] is not None]
    if not notes:
        raise MidiFileError("no complete note to make a piano roll of")
    length = int(numpy.ceil(max(note[2] for note in notes) / dt))
    piano_roll = numpy.zeros((length, r[1] - r[0]))
    for number, start, end in notes:
        try:
            piano_roll[
                int(numpy.ceil(start / dt)) : int(numpy.ceil(end / dt)), number - r[0]
            ] = 1
        except IndexError:
            raise MidiFileError(
                f"note {number} lies outside the range r = {tuple(r)}"
            ) from None
    return piano_roll


def _name_of(filename):
    return getattr(filename, "name", None) or os.fspath(filename)


def open_midi(filename):
    """A ``mido.MidiFile`` from a path or a binary file object (read from
    its start); a damaged file is a :class:`MidiFileError` naming it."""
    try:
        if hasattr(filename, "read"):
            filename.seek(0)
            return mido.MidiFile(file=filename)
        return mido.MidiFile(os.fspath(filename))
    except FileNotFoundError:
        raise MidiFileError(f"{_name_of(filename)}: file not found") from None
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise MidiFileError(
            f"{_name_of(filename)}: not a readable MIDI file ({type(exc).__name__}: {exc})"
        ) from None


def midiread(filename, r=(21, 109), dt=0.2):
    """Read a MIDI file as a piano roll, as the original ``midi.utils.midiread``.

    :param filename: a path, or a binary file object (e.g. a member of a zip)
    :param r: the note range ``(lowest, highest + 1)``: the roll's columns
    :param dt: the duration of a time step in seconds
    :returns: a :class:`PianoRoll`; its ``piano_roll`` is what the
        tutorial trains on
    """
    notes = read_notes(open_midi(filename))
    try:
        piano_roll = piano_roll_of(notes, r, dt)
    except MidiFileError as exc:
        raise MidiFileError(f"{_name_of(filename)}: {exc}") from None
    return PianoRoll([note for note in notes if note[2] is not None], piano_roll)


#: the layout of a cached set of rolls; another layout is another entry
ROLLS_VERSION = 1


def piano_rolls(files, r=(21, 109), dt=0.2):
    """The piano rolls of ``files`` (paths or binary file objects), each as
    :func:`midiread` reads it, kept in the decoded-data cache
    (:mod:`~deeplearning_tutorials.machinery.data_cache`): parsing
    Nottingham's 694 training tunes takes seconds, mapping their rolls back
    milliseconds. The entry is named by the SHA-256 of every file's bytes, in
    order, and of ``r``, ``dt`` and the layout, so a changed file or setting
    is another entry. The rolls are kept as bytes (they hold 0 and 1 only)
    and returned as float64, as :func:`midiread` returns them."""
    from deeplearning_tutorials.machinery import data_cache

    if not files or data_cache.folder() is None:
        return [midiread(f, r, dt).piano_roll for f in files]
    digest = hashlib.sha256(json.dumps(["piano rolls", ROLLS_VERSION, list(r), dt]).encode())
    for f in files:
        digest.update(hashlib.sha256(_bytes_of(f)).digest())
    digest = digest.hexdigest()
    cached = data_cache.load_arrays(digest, ("rolls", "lengths"))
    if cached is not None:
        rolls, lengths = cached
        return [roll.astype("float64") for roll in numpy.split(rolls, numpy.cumsum(lengths)[:-1])]
    found = [midiread(f, r, dt).piano_roll for f in files]
    rolls = numpy.concatenate(found)
    kept = rolls.astype("uint8")
    if numpy.array_equal(kept, rolls):
        data_cache.store_arrays(digest, ("rolls", "lengths"), [kept, numpy.array([len(roll) for roll in found])])
    return found


def _bytes_of(filename):
    if hasattr(filename, "read"):
        filename.seek(0)
        return filename.read()
    try:
        return Path(filename).read_bytes()
    except OSError:
        return b""  # midiread names the file and what is wrong with it


def midi_messages(piano_roll, r=(21, 109), dt=0.2, patch=0):
    """The messages :func:`midiwrite` writes for ``piano_roll``, in order,
    each with its delta time in ticks."""
    samples = [[int(n) + r[0] for n in numpy.flatnonzero(step)] for step in piano_roll]
    messages = [mido.Message("program_change", channel=0, program=patch, time=0)]
    ticks = 0
    for i, notes in enumerate(samples):
        for note in notes:
            if i == 0 or note not in samples[i - 1]:
                messages.append(
                    mido.Message(
                        "note_on", channel=0, note=note, velocity=90, time=ticks
                    )
                )
                ticks = 0
        ticks += int(dt * 200)
        for note in notes:
            if i == len(samples) - 1 or note not in samples[i + 1]:
                messages.append(
                    mido.Message(
                        "note_off", channel=0, note=note, velocity=0, time=ticks
                    )
                )
                ticks = 0
    messages.append(mido.MetaMessage("end_of_track", time=0))
    return messages


def midiwrite(filename, piano_roll, r=(21, 109), dt=0.2, patch=0):
    """Write ``piano_roll`` as a MIDI file, as the original ``midi.utils.midiwrite``.

    Every non-zero entry is a sounding note; ``r`` and ``dt`` are those the
    roll was made with (see :func:`midiread`), ``patch`` the General MIDI
    program (0: acoustic grand piano).
    """
    piano_roll = numpy.asarray(piano_roll)
    if piano_roll.ndim != 2 or piano_roll.shape[1] != r[1] - r[0]:
        raise MidiFileError(
            f"a piano roll of shape {piano_roll.shape} does not fit the range "
            f"r = {tuple(r)} ({r[1] - r[0]} columns)"
        )
    if r[0] < 0 or r[1] > 128:
        raise MidiFileError(
            f"the range r = {tuple(r)} is not within MIDI's notes 0 to 127"
        )
    track = b"".join(
        _variable_length(message.time) + bytes(message.bin())
        for message in midi_messages(piano_roll, r, dt, patch)
    )
    header = struct.pack(">4sLhhh", b"MThd", 6, 0, 1, WRITE_DIVISION)
    content = header + struct.pack(">4sL", b"MTrk", len(track)) + track
    try:
        with open(filename, "wb") as f:
            f.write(content)
    except OSError as exc:
        raise OutputError(
            f"{_name_of(filename)}: cannot write ({exc.strerror or exc})"
        ) from None


def _variable_length(value):
    """MIDI's variable-length quantity: 7 bits a byte, the high bit set on
    all bytes but the last."""
    groups = [value & 0x7F]
    value >>= 7
    while value:
        groups.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(groups))


# -- the Nottingham data set ----------------------------------------------------

#: where the original tutorial's ``data/download.sh`` fetched the data set
NOTTINGHAM_URL = "http://www.iro.umontreal.ca/~lisa/deep/data/Nottingham.zip"
NOTTINGHAM_SHA256 = "b72240309833de4ac5a7fade3c7f018fb598b3f54c1076cd86e4a4c6af71d773"
NOTTINGHAM_SPLITS = ("train", "valid", "test")
_CACHE_DIR = Path.home() / ".cache" / "deeplearning_tutorials"


def nottingham_source(data_dir=None):
    """Where the Nottingham files are: a folder holding ``train/``,
    ``valid/`` and ``test/``, or the zip archive of the original tutorial.

    ``data_dir`` may hold those folders, a ``Nottingham/`` folder with them
    (the zip extracted there), or ``Nottingham.zip``; it may also name the
    zip itself. Without it the archive is taken from
    ``~/.cache/deeplearning_tutorials``, downloaded there first if needed,
    and checked against its SHA-256.
    """
    if data_dir is None:
        return _cached_nottingham()
    data_dir = Path(data_dir).expanduser()
    if data_dir.is_file():
        return data_dir
    for folder in (data_dir, data_dir / "Nottingham"):
        if all((folder / split).is_dir() for split in NOTTINGHAM_SPLITS):
            return folder
    if (data_dir / "Nottingham.zip").is_file():
        return data_dir / "Nottingham.zip"
    what = "folder" if data_dir.is_dir() else "path (it does not exist)"
    raise MidiFileError(
        f"--data-dir {data_dir}: this {what} holds neither the train/, valid/ "
        "and test/ folders of the Nottingham MIDI files nor Nottingham.zip"
    )


def nottingham_files(data_dir=None, split="train"):
    """The MIDI files of one split of Nottingham, sorted by name: paths, or
    named binary file objects read from the zip archive.

    (The original globbed ``data/Nottingham/train/*.mid``, in whatever
    order the file system listed them; sorting makes the run repeatable.)
    """
    if split not in NOTTINGHAM_SPLITS:
        raise ValueError(f"split must be one of {NOTTINGHAM_SPLITS}, not {split!r}")
    source = nottingham_source(data_dir)
    if source.is_dir():
        return sorted(str(path) for path in (source / split).glob("*.mid"))
    return _zip_members(source, split)


def _zip_members(path, split):
    files = []
    try:
        with zipfile.ZipFile(path) as archive:
            for name in sorted(archive.namelist()):
                parts = name.split("/")
                if (
                    len(parts) >= 2
                    and parts[-2] == split
                    and parts[-1].lower().endswith(".mid")
                ):
                    buffer = io.BytesIO(archive.read(name))
                    buffer.name = f"{path}:{name}"
                    files.append(buffer)
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
    ) as exc:
        raise MidiFileError(f"{path}: not a readable zip archive ({exc})") from None
    return files


def _cached_nottingham(url=NOTTINGHAM_URL, sha256=NOTTINGHAM_SHA256):
    target = _CACHE_DIR / "Nottingham.zip"
    if not target.is_file():
        _download(url, target, sha256)
    actual = sha256_of(target)
    if actual != sha256:
        raise MidiFileError(
            f"{target}: checksum mismatch (sha256 {actual}, expected {sha256}); "
            "the file is damaged or not the tutorial's Nottingham.zip: delete it "
            "to download it again, or pass --data-dir DIR"
        )
    return target


def _download(url, target, sha256, timeout=60):
    """Download ``url`` to ``target`` (:func:`.download.download`: renamed
    only once its SHA-256 is ``sha256``; an interrupted or damaged download
    leaves nothing behind)."""
    from deeplearning_tutorials.machinery import download  # only to download

    try:
        download.download(url, target, sha256, timeout)
    except download.ChecksumMismatch as exc:
        raise MidiFileError(
            f"Nottingham.zip: the file downloaded from {url} does not have the "
            f"expected sha256 {sha256} (checksum mismatch: {exc.actual}); it was discarded"
        ) from None
    except download.DownloadFailed as exc:
        raise MidiFileError(
            f"Nottingham.zip: not found locally and the download from {url} failed "
            f"({exc}). Offline? Pass --data-dir DIR, a folder holding Nottingham.zip "
            f"(sha256 {sha256}) or its train/, valid/ and test/ folders"
        ) from None
