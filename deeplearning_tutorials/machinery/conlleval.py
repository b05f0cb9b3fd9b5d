"""Chunk precision, recall and F1, as the CoNLL-2000 ``conlleval`` script scores them.

A slot-filling or chunking system tags each word with ``B-type`` (the first
word of a chunk), ``I-type`` (a word inside it) or ``O`` (outside every
chunk). A *chunk* (a phrase) is found correctly only when its first word, its
last word and its type are all right, so a tag accuracy of 95 % can still be a
chunk F1 of 70 %. The score over a data set is

* precision = 100 x correct chunks / chunks in the guess,
* recall = 100 x correct chunks / chunks in the corpus,
* FB1 = 2 x precision x recall / (precision + recall).

The original rnnslu tutorial wrote its predictions to a file and piped it
through ``conlleval.pl`` (Erik Tjong Kim Sang's script, version 2018-03-09 as
shipped with the tutorial). This module is a Python re-implementation of that
script's default mode (no ``-l``, ``-r``, ``-d`` or ``-o``), kept rule for rule so
that it gives the same counts and prints the same report, quirks included:

* a line's fields are split at every single space, and empty fields at the
  end are dropped (Perl's ``split(/ /, ...)``); an empty line, or one whose
  first field is ``-X-``, ends a sentence and counts as ``-X- O O``;
* a tag is cut at its first hyphen: ``B-fromloc.city_name`` is the tag ``B``
  of the type ``fromloc.city_name``, ``B-a-b`` of ``a-b``; a type that reads
  as false in Perl (``""`` or ``"0"``) is the empty type;
* the chunk boundaries follow the script's ``startOfChunk``/``endOfChunk``,
  which also know the ``E``, ``[``, ``]`` and ``.`` tags;
* in the per-type lines, the empty type is listed once more for each time it
  appears among the types (the script's de-duplication tests the previous
  type for truth, and ``""`` is false).

Lines are text decoded as Latin-1, so that one character is one byte as for
Perl (the widths of the report count bytes).
"""

from dataclasses import dataclass, field

BOUNDARY = "-X-"  # the sentence boundary's first field


class ConllevalError(ValueError):
    """The input is not what the script accepts: the script stops with this
    message on stderr and prints no scores."""


@dataclass
class ChunkCounts:
    """What the script counts over its input."""

    tokens: int = 0  # words, sentence boundaries excluded
    correct_tags: int = 0  # words whose tag and type are right
    found_correct: int = 0  # chunks in the corpus (the gold tags)
    found_guessed: int = 0  # chunks in the guess
    correct_chunks: int = 0
    # per type: chunks in the corpus, in the guess, found correctly
    found_correct_by_type: dict = field(default_factory=dict)
    found_guessed_by_type: dict = field(default_factory=dict)
    correct_chunks_by_type: dict = field(default_factory=dict)

    def scores(self):
        """``(precision, recall, FB1)`` in percent, unrounded (0.0 where
        undefined, as in the script)."""
        return _scores(self.correct_chunks, self.found_correct, self.found_guessed)


def _scores(correct, found_correct, found_guessed):
    precision = 100 * correct / found_guessed if found_guessed > 0 else 0.0
    recall = 100 * correct / found_correct if found_correct > 0 else 0.0
    fb1 = 0.0
    if precision + recall > 0:
        fb1 = 2 * precision * recall / (precision + recall)
    return precision, recall, fb1


def _split_tag(tag):
    """``("B", "type")`` of ``B-type``; ``(tag, "")`` without a hyphen."""
    prefix, hyphen, chunk_type = tag.partition("-")
    if not hyphen:
        return tag, ""
    return prefix, ("" if chunk_type == "0" else chunk_type)


def end_of_chunk(prev_tag, tag, prev_type, chunk_type):
    """Did a chunk end between the previous word and this one?"""
    if (prev_tag, tag) in {
        ("B", "B"), ("B", "O"), ("I", "B"), ("I", "O"),
        ("E", "E"), ("E", "I"), ("E", "O"),
    }:
        return True
    if prev_tag not in ("O", ".") and prev_type != chunk_type:
        return True
    return prev_tag in ("]", "[")  # these chunks are one word long


def start_of_chunk(prev_tag, tag, prev_type, chunk_type):
    """Did a chunk start between the previous word and this one?"""
    if (prev_tag, tag) in {
        ("B", "B"), ("I", "B"), ("O", "B"), ("O", "I"),
        ("E", "E"), ("E", "I"), ("O", "E"),
    }:
        return True
    if tag not in ("O", ".") and prev_type != chunk_type:
        return True
    return tag in ("[", "]")


def _fields(line):
    """Perl's ``split(/ /, $line)``: every single space separates two fields,
    and the empty fields at the end are dropped."""
    fields = line.split(" ")
    while fields and fields[-1] == "":
        fields.pop()
    return fields


def _bump(counts, key):
    counts[key] = counts.get(key, 0) + 1


def count_chunks(lines):
    """Count the chunks of ``lines``, each ``word ... gold-tag guessed-tag``
    (without its line break), as ``conlleval.pl`` does; a
    :class:`ChunkCounts`.

    Raises :class:`ConllevalError` where the script stops: a line with
    another number of fields than the first non-empty line, or with fewer
    than two.
    """
    counts = ChunkCounts()
    n_features = -1  # the fields of the first line, less one, as in the script
    in_correct = False  # the chunk being read is right so far
    last_correct, last_correct_type = "O", ""
    last_guessed, last_guessed_type = "O", ""
    for line in lines:
        features = _fields(line)
        if n_features < 0:
            n_features = len(features) - 1
        elif n_features != len(features) - 1 and features:
            raise ConllevalError(
                "unexpected number of features: %d (%d)"
                % (len(features), n_features + 1)
            )
        if not features or features[0] == BOUNDARY:
            features = [BOUNDARY, "O", "O"]
        if len(features) < 2:
            raise ConllevalError(f"conlleval: unexpected number of features in line {line}")
        guessed, guessed_type = _split_tag(features[-1])
        correct, correct_type = _split_tag(features[-2])
        first_item = features[0]
        if first_item == BOUNDARY:  # a sentence break is outside every chunk
            guessed = "O"

        correct_ended = end_of_chunk(last_correct, correct, last_correct_type, correct_type)
        guessed_ended = end_of_chunk(last_guessed, guessed, last_guessed_type, guessed_type)
        if in_correct:
            if correct_ended and guessed_ended and last_guessed_type == last_correct_type:
                in_correct = False
                counts.correct_chunks += 1
                _bump(counts.correct_chunks_by_type, last_correct_type)
            elif correct_ended != guessed_ended or guessed_type != correct_type:
                in_correct = False

        correct_started = start_of_chunk(
            last_correct, correct, last_correct_type, correct_type
        )
        guessed_started = start_of_chunk(
            last_guessed, guessed, last_guessed_type, guessed_type
        )
        if correct_started and guessed_started and guessed_type == correct_type:
            in_correct = True
        if correct_started:
            counts.found_correct += 1
            _bump(counts.found_correct_by_type, correct_type)
        if guessed_started:
            counts.found_guessed += 1
            _bump(counts.found_guessed_by_type, guessed_type)
        if first_item != BOUNDARY:
            if correct == guessed and guessed_type == correct_type:
                counts.correct_tags += 1
            counts.tokens += 1

        last_guessed, last_correct = guessed, correct
        last_guessed_type, last_correct_type = guessed_type, correct_type
    if in_correct:
        counts.correct_chunks += 1
        _bump(counts.correct_chunks_by_type, last_correct_type)
    return counts


def _listed_types(counts):
    """The types of the per-type lines, in the script's order (see the module
    docstring for the empty type)."""
    listed, last = [], None
    for chunk_type in sorted([*counts.found_correct_by_type, *counts.found_guessed_by_type]):
        if not last or last != chunk_type:
            listed.append(chunk_type)
        last = chunk_type
    return listed


def report(counts):
    """The text ``conlleval.pl`` prints for ``counts`` (a :class:`ChunkCounts`)."""
    precision, recall, fb1 = counts.scores()
    out = [
        f"processed {counts.tokens} tokens with {counts.found_correct} phrases; "
        f"found: {counts.found_guessed} phrases; correct: {counts.correct_chunks}.\n"
    ]
    if counts.tokens > 0:
        out.append(
            "accuracy: %6.2f%%; %d %d %d precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f\n"
            % (
                100 * counts.correct_tags / counts.tokens,
                counts.correct_chunks,
                counts.found_correct,
                counts.found_guessed,
                precision,
                recall,
                fb1,
            )
        )
    for chunk_type in _listed_types(counts):
        correct = counts.correct_chunks_by_type.get(chunk_type, 0)
        found_correct = counts.found_correct_by_type.get(chunk_type, 0)
        found_guessed = counts.found_guessed_by_type.get(chunk_type, 0)
        precision, recall, fb1 = _scores(correct, found_correct, found_guessed)
        out.append(
            "%17s: % 4d % 4d % 4d precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  %d\n"
            % (chunk_type, correct, found_correct, found_guessed, precision, recall,
               fb1, found_guessed)
        )
    return "".join(out)


def text_lines(text):
    """The lines Perl's ``while (<STDIN>)`` reads from ``text``, each without
    its ``\\n`` (``chomp``); a last line without one is a line too."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def evaluate_text(text):
    """The :class:`ChunkCounts` of a whole input, given as text."""
    return count_chunks(text_lines(text))


def evaluate_file(path):
    """The :class:`ChunkCounts` of a file (read as Latin-1: one byte, one character)."""
    with open(path, encoding="latin-1", newline="") as f:
        return evaluate_text(f.read())


def overall(counts):
    """``{'p': precision, 'r': recall, 'f1': FB1}`` as the original rnnslu read
    them from the script's output: the numbers printed with two decimals,
    read back as floats (``float(" 67.77")``)."""
    if counts.tokens == 0:
        raise ConllevalError("no tokens to score: the script prints no accuracy line")
    precision, recall, fb1 = counts.scores()
    return {
        "p": float("%.2f" % precision),
        "r": float("%.2f" % recall),
        "f1": float("%.2f" % fb1),
    }
