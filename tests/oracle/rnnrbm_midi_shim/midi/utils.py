# midi.utils for running the original rnnrbm.py under Theano 1.0.5 (Python 3.7).
#
# The original package (Max M.'s midi 0.1.4 with N. Boulanger-Lewandowski's
# utils.py, the tutorial's midi.zip) is Python 2 only. Its midiread runs
# beforehand under Python 2.7 (rnnrbm_original_rolls_py2.py --npz), and this
# shim hands the original code the rolls it made: midiread(filename, r, dt)
# looks up the file's base name in the .npz named by $RNNRBM_ROLLS, which also
# records the r and dt the rolls were made with. midiwrite saves the generated
# roll as <filename>.npy instead of writing MIDI.
import os

import numpy


class midiread(object):
    def __init__(self, filename, r=(21, 109), dt=0.2):
        rolls = numpy.load(os.environ["RNNRBM_ROLLS"])
        made_with = (tuple(int(v) for v in rolls["__r__"]), float(rolls["__dt__"]))
        if made_with != (tuple(r), float(dt)):
            raise ValueError(
                "%s: rolls made with r, dt = %s, asked for %s"
                % (os.environ["RNNRBM_ROLLS"], made_with, (r, dt))
            )
        self.piano_roll = rolls[os.path.basename(filename)]


def midiwrite(filename, piano_roll, r=(21, 109), dt=0.2, patch=0):
    numpy.save(filename + ".npy", piano_roll)
