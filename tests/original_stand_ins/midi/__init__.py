"""A stand-in for the ``midi`` package the original rnnrbm.py imports.

The original reads and writes MIDI files with ``from midi.utils import
midiread, midiwrite``: Max M.'s ``midi`` 0.1.4 with N. Boulanger-Lewandowski's
``utils.py``, shipped as ``midi.zip`` beside the tutorial's data. That package
is Python 2 only, GPL, and on no package index, so a Python 3 run of the
original has nothing to import. Its ``utils`` here is the project's reader and
writer, which make the original's piano rolls and files
(deeplearning_tutorials/machinery/midi.py; tests/test_rnnrbm.py holds them
against the original reader's output on every Nottingham tune).

It lives in the tests, not in the kit: ``midi`` is no Theano module, and a
top-level ``midi`` installed by the project would shadow the ``midi``
package (python-midi) of anyone who has it. Put this folder on ``sys.path``
(or copy ``utils.py`` into a ``midi/`` folder beside the script).
"""
