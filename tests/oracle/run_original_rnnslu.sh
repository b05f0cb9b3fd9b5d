#!/bin/bash
# Run the ORIGINAL code/rnnslu.py (lisa-lab/DeepLearningTutorials, commit 11c4651)
# under Theano 1.0.5, numpy 1.19.5, Python 3.7.16 (the oracle environment; blas.ldflags
# empty: Theano's NumPy C-API BLAS over numpy's bundled OpenBLAS), CPU, one BLAS
# thread, through original_rnnslu_driver.py, and keep what it prints.  These produced,
# in tests/oracle/:
#
#   rnnslu_fold3_1epoch_<floatX>.stdout/.json     the original's defaults (fold 3,
#       nhidden 200, ...), nepochs 1 (as the original's code/test.py), the model's
#       parameters summarised
#   rnnslu_small_2epochs_<floatX>.stdout/.json    the tests' small setting: the first
#       100 training, 30 validation and 30 test sentences of fold 3, nhidden 10, lr 0.5,
#       2 epochs, with --lists (Python 2's lists for the original's map(...): see the
#       driver) and the final models' parameters summarised
#   rnnslu_decay_14epochs_<floatX>.stdout/.json   the first 20 / 10 / 10 sentences,
#       nhidden 10, 14 epochs: no better validation F1 after epoch 0, so the learning
#       rate halves at the ends of epochs 10 to 13 (back to the best model at the first
#       decay only)
#   rnnslu_fold3_60epochs_<floatX>.stdout/.json   (WHAT=60 only) the original's whole
#       run, 60 epochs, with --lists
#
# .stdout is what the original printed, with its per-sentence progress updates
# ("[learning] epoch 0 >> 0.03% completed in 0.01 (sec) <<\r", one per training
# sentence) cut to the last of each epoch: everything else is byte for byte.  The
# full stdout and stderr stay in OUTPUT_DIR; times.txt has the wall time of each run.
#
#   ORIGINAL_CODE=<the original's code/ folder> PYTHON=<Python 3.7 with Theano 1.0.5>
#   ATISDATA=<folder holding atis.fold3.pkl.gz> \
#     bash tests/oracle/run_original_rnnslu.sh OUTPUT_DIR [float32|float64|both] [full|small|all|60]
#
# Run it from a folder without an `mkl` directory in it (Theano imports `mkl` when it is
# importable).  A compile directory of its own under OUTPUT_DIR.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(realpath "${1:-.}")
PRECISIONS=${2:-both}
WHAT=${3:-all}
[ "$PRECISIONS" = both ] && PRECISIONS="float32 float64"
mkdir -p "$OUT"
export PYTHONPATH=$ORIGINAL_CODE ATISDATA OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

run() {  # floatX tag driver-arguments...
  local fx=$1 tag=$2 t0 work
  shift 2
  work=$OUT/work_$tag
  mkdir -p "$work"
  ln -sf "$ORIGINAL_CODE/conlleval.pl" "$work/conlleval.pl"
  t0=$(date +%s.%N)
  (cd "$ORIGINAL_CODE" && \
     THEANO_FLAGS=floatX=$fx,device=cpu,base_compiledir=$OUT/compiledir_$fx \
     "$PYTHON" -u "$HERE/original_rnnslu_driver.py" "$work" "$OUT/$tag.json" "$@") \
     > "$OUT/$tag.stdout.full" 2> "$OUT/$tag.stderr"
  echo "$tag: $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t0}") s," \
       "load average $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/times.txt"
  # keep the last progress update of each epoch: drop every "[learning] ...<<\r"
  # that another "[learning]" update follows
  "$PYTHON" - "$OUT/$tag.stdout.full" "$OUT/$tag.stdout" <<'EOF'
import re, sys
text = open(sys.argv[1], newline='').read()
update = r'\[learning\] epoch \d+ >> [ 0-9.]+% completed in [0-9.]+ \(sec\) <<\r'
text = re.sub('(?:%s)+(?=%s)' % (update, update), '', text)
open(sys.argv[2], 'w', newline='').write(text)
EOF
}

for fx in $PRECISIONS; do
  if [ "$WHAT" = full ] || [ "$WHAT" = all ]; then
    run "$fx" "rnnslu_fold3_1epoch_$fx" --nepochs 1 --capture-models
  fi
  if [ "$WHAT" = small ] || [ "$WHAT" = all ]; then
    run "$fx" "rnnslu_small_2epochs_$fx" --nepochs 2 --subset 100,30,30 --nhidden 10 \
        --lr 0.5 --lists --capture-models
    run "$fx" "rnnslu_decay_14epochs_$fx" --nepochs 14 --subset 20,10,10 --nhidden 10 \
        --lists --capture-models
  fi
  if [ "$WHAT" = 60 ]; then
    run "$fx" "rnnslu_fold3_60epochs_$fx" --nepochs 60 --lists
  fi
done
