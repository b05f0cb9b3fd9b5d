# Run under Python 2.7 with the original `midi` package (midi.zip of the
# tutorial: Max M.'s midi 0.1.4 plus N. Boulanger-Lewandowski's utils.py) and
# NumPy on PYTHONPATH (see run_original_rnnrbm.sh). For every MIDI file named
# on the command line it prints one JSON line: the file's name, the shape of
# the original midiread's piano roll and the sha256 of its bytes as uint8
# (row-major), and the number of notes; with --notes, the notes too
# ([number, start, end] in seconds, floats as repr() writes them). With
# --npz OUT the rolls are also saved in OUT, each under its file's base name,
# with r and dt (the input of rnnrbm_midi_shim, for the original rnnrbm.py).
# Usage: python2 rnnrbm_original_rolls_py2.py R0 R1 DT [--notes] [--npz OUT] FILES...
import hashlib
import json
import sys

import numpy
from midi.utils import midiread

args = sys.argv[1:]
r = (int(args[0]), int(args[1]))
dt = float(args[2])
files = args[3:]
with_notes = bool(files) and files[0] == '--notes'
if with_notes:
    files = files[1:]
npz = None
if files and files[0] == '--npz':
    npz, files = files[1], files[2:]
rolls = {'__r__': numpy.array(r), '__dt__': numpy.array(dt)}
for name in files:
    read = midiread(name, r, dt)
    roll = read.piano_roll
    rolls[name.split('/')[-1]] = roll
    line = {
        'file': name,
        'shape': list(roll.shape),
        'sha256': hashlib.sha256(numpy.ascontiguousarray(roll.astype(numpy.uint8)).tobytes()).hexdigest(),
        'notes': len(read.notes),
    }
    if with_notes:
        line['note_list'] = read.notes
    print(json.dumps(line, sort_keys=True))
if npz is not None:
    numpy.savez(npz, **rolls)
