# Run under Python 2.7 with the original `midi` package and NumPy on
# PYTHONPATH (see run_original_rnnrbm.sh): makes the piano roll described in
# ROLL.json ({"shape": [steps, notes], "nonzero": [[step, note], ...]}), writes
# it with the original midiwrite(OUT.mid, roll, r, dt), reads it back with the
# original midiread, and prints one JSON line: the sha256 of the file written,
# the shape and sha256 (as uint8, row-major) of the roll read back, whether it
# equals the roll written, and the notes read.
# Usage: python2 rnnrbm_original_midiwrite_py2.py ROLL.json OUT.mid R0 R1 DT
import hashlib
import json
import sys

import numpy
from midi.utils import midiread, midiwrite

roll_file, out, r0, r1, dt = sys.argv[1:]
r = (int(r0), int(r1))
dt = float(dt)
described = json.load(open(roll_file))
roll = numpy.zeros(described['shape'])
for step, note in described['nonzero']:
    roll[step, note] = 1
midiwrite(out, roll, r, dt)
read = midiread(out, r, dt)
back = read.piano_roll
print(json.dumps({
    'dt': dt,
    'file_sha256': hashlib.sha256(open(out, 'rb').read()).hexdigest(),
    'shape': list(back.shape),
    'sha256': hashlib.sha256(numpy.ascontiguousarray(back.astype(numpy.uint8)).tobytes()).hexdigest(),
    'equal_to_written': bool(back.shape == roll.shape and (back == roll).all()),
    'note_list': read.notes,
}, sort_keys=True))
