#!/bin/bash
# The references of tests/test_rnnrbm.py, made by the original code:
#
# * the original MIDI reader and writer (midi.utils of the tutorial's midi.zip:
#   Max M.'s midi 0.1.4, Python 2, with N. Boulanger-Lewandowski's utils.py) on
#   every Nottingham file and on the small files tests/fixtures/rnnrbm/make_midi_files.py writes:
#     rnnrbm_midiread_nottingham.json  (shape and sha256 of each roll) [N]
#     rnnrbm_midiread_synthetic.json   (rolls and notes, three settings)
#     rnnrbm_midiwrite.json            (the file midiwrite writes, read back)
# * the original code/rnnrbm.py under Theano 1.0.5, fed those rolls through
#   tests/oracle/rnnrbm_midi_shim (see original_rnnrbm_driver.py):
#     rnnrbm_tiny_<floatX>.stdout/.json           (a tiny model, 2 epochs)
#     rnnrbm_nottingham_<N>epochs_float64.stdout/.json  (the defaults, N epochs) [N]
#
#   [N]: made from the Nottingham files, which the project may not redistribute:
#   written to NOTTINGHAM_REFERENCES (a folder outside the repository), never
#   committed; the tests read them from $DLT_NOTTINGHAM_REFERENCES
#   (tests/shared_data.py) and skip where it is not set.
#
#   PYTHON2=<Python 2.7>  PY2PATH=<a folder with numpy for it, e.g. made by
#   "python2 -m pip install --target DIR numpy==1.16.6">
#   MIDI_PACKAGE=<the folder holding the original midi/ package: the content of
#   http://www.iro.umontreal.ca/~lisa/deep/midi.zip (the original data/download.sh
#   unzipped it into code/); where that address no longer answers, public copies
#   of the package exist (the references here were made with the Python 2 files
#   of github.com/fephsun/neuralnetmusic, folder midi/, whose utils.py has an
#   altered midiwrite and was replaced by the tutorial's, as in
#   github.com/ChaseCarthen/Music-Neural-Nets, midi/utils.py)>
#   PYTHON=<Python 3.7 with Theano 1.0.5, numpy 1.19.5>  ORIGINAL_CODE=<its code/>
#   NOTTINGHAM_ZIP=<Nottingham.zip>  NOTTINGHAM_REFERENCES=<a folder outside the repository>
#   [EPOCHS=2]  [PARTS="midi theano"]
#   bash tests/oracle/run_original_rnnrbm.sh [OUTPUT_DIR]
#
# (PARTS=midi makes the MIDI references only; PARTS=theano the runs only.)
#
# One BLAS thread; Theano's NumPy C-API BLAS (blas.ldflags empty: the oracle
# machine has no system BLAS); a compile directory of its own. The training
# files are given to the original in sorted order (it globbed them in the
# file system's order).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=$(realpath "${1:-$HERE}")
NOTTINGHAM_OUT=$(realpath "${NOTTINGHAM_REFERENCES:?a folder outside the repository for the references made from Nottingham}")
EPOCHS=${EPOCHS:-2}
PARTS=${PARTS:-midi theano}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# -- the original reader and writer, under Python 2.7 ----------------------------
py2() { PYTHONPATH="$PY2PATH:$MIDI_PACKAGE" "$PYTHON2" "$@"; }
(cd "$WORK" && unzip -q "$NOTTINGHAM_ZIP")
(cd "$WORK" && py2 "$HERE/rnnrbm_original_rolls_py2.py" 21 109 0.3 \
    --npz "$WORK/train_rolls.npz" $(ls Nottingham/train/*.mid | sort)) > /dev/null
if [[ " $PARTS " == *" midi "* ]]; then
(cd "$WORK" && py2 "$HERE/rnnrbm_original_rolls_py2.py" 21 109 0.3 \
    $(ls Nottingham/*/*.mid | sort)) > "$WORK/nottingham.jsonl"
# the small files are written afresh by the project's Python (with mido;
# PROJECT_PYTHON, default python3): no MIDI file is committed
"${PROJECT_PYTHON:-python3}" "$REPO/tests/fixtures/rnnrbm/make_midi_files.py" "$WORK/synthetic_midi"
(cd "$WORK/synthetic_midi" && for setting in "21 109 0.3" "40 100 0.2" "21 109 0.05"; do
    py2 "$HERE/rnnrbm_original_rolls_py2.py" $setting --notes *.mid | sed "s/^/$setting|/"
done) > "$WORK/synthetic.jsonl"
for dt in 0.3 0.2; do
    py2 "$HERE/rnnrbm_original_midiwrite_py2.py" "$REPO/tests/fixtures/rnnrbm/roll40.json" \
        "$WORK/written_$dt.mid" 21 109 $dt
done > "$WORK/midiwrite.jsonl"
"$PYTHON" - "$WORK" "$OUT" "$NOTTINGHAM_OUT" <<'EOF'
import json, sys
work, out, nottingham_out = sys.argv[1:]
rolls = {}
for line in open(work + '/nottingham.jsonl'):
    e = json.loads(line)
    rolls[e['file'].split('/', 1)[1]] = [e['shape'][0], e['sha256'][:16]]
header = {'made_by': 'midi.utils.midiread of the tutorial (Python 2.7), run_original_rnnrbm.sh',
          'r': [21, 109], 'dt': 0.3,
          'format': 'file: [steps, first 16 hex digits of the sha256 of the roll as uint8]'}
with open(nottingham_out + '/rnnrbm_midiread_nottingham.json', 'w') as f:
    f.write(json.dumps(header, sort_keys=True)[:-1] + ', "files": {\n')
    f.write(',\n'.join('%s: %s' % (json.dumps(k), json.dumps(v)) for k, v in sorted(rolls.items())))
    f.write('\n}}\n')
synthetic = []
for line in open(work + '/synthetic.jsonl'):
    setting, e = line.split('|', 1)
    r0, r1, dt = setting.split()
    e = json.loads(e)
    e.update(r=[int(r0), int(r1)], dt=float(dt))
    synthetic.append(e)
json.dump({'made_by': 'midi.utils.midiread of the tutorial (Python 2.7), run_original_rnnrbm.sh',
           'reads': synthetic}, open(out + '/rnnrbm_midiread_synthetic.json', 'w'), sort_keys=True)
written = {}
for line in open(work + '/midiwrite.jsonl'):
    e = json.loads(line)
    written[str(e.pop('dt'))] = e
json.dump({'made_by': 'midi.utils.midiwrite, then midiread, of the tutorial (Python 2.7), '
                      'on tests/fixtures/rnnrbm/roll40.json, r = (21, 109); run_original_rnnrbm.sh',
           'dt': written}, open(out + '/rnnrbm_midiwrite.json', 'w'), sort_keys=True)
EOF
fi

# -- the original rnnrbm.py under Theano 1.0.5 -----------------------------------
[[ " $PARTS " == *" theano "* ]] || exit 0
export PYTHONPATH="$ORIGINAL_CODE:$HERE/rnnrbm_midi_shim"
for fx in float64 float32; do
    (cd / && THEANO_FLAGS=floatX=$fx,device=cpu,base_compiledir=$WORK/compiledir \
        "$PYTHON" -u "$HERE/original_rnnrbm_driver.py" tiny 2 "$OUT/rnnrbm_tiny_$fx.json") \
        > "$OUT/rnnrbm_tiny_$fx.stdout" 2> "$WORK/tiny_$fx.stderr"
done
(cd / && RNNRBM_ROLLS=$WORK/train_rolls.npz \
    THEANO_FLAGS=floatX=float64,device=cpu,base_compiledir=$WORK/compiledir \
    "$PYTHON" -u "$HERE/original_rnnrbm_driver.py" nottingham "$WORK/Nottingham/train" "$EPOCHS" \
        "$NOTTINGHAM_OUT/rnnrbm_nottingham_${EPOCHS}epochs_float64.json") \
    > "$NOTTINGHAM_OUT/rnnrbm_nottingham_${EPOCHS}epochs_float64.stdout" 2> "$WORK/nottingham.stderr"
