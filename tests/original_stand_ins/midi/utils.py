"""``midi.utils`` of the original tutorial: ``midiread`` and ``midiwrite``,
the project's (the same rolls and files; see the package's docstring)."""

from deeplearning_tutorials.machinery.midi import midiread, midiwrite  # noqa: F401
