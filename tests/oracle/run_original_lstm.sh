#!/bin/bash
# Run the ORIGINAL code/lstm.py (lisa-lab/DeepLearningTutorials, commit 11c4651)
# under Theano 1.0.5, numpy 1.19.5, Python 3.7.16 (the oracle environment,
# blas.ldflags empty: Theano's NumPy C-API BLAS over numpy's bundled
# OpenBLAS 0.3.13), CPU, one BLAS thread, on the generated IMDB stand-in of
# tests/generated_imdb.py (300 training and 100 test reviews), and keep what
# it prints.  These produced, in tests/oracle/:
#
#   lstm_<tag>_<floatX>.stdout / .stderr     for floatX in float32, float64:
#     tiny       train_lstm(dim_proj=8, n_words=100, maxlen=60, batch_size=16,
#                valid_batch_size=32, dispFreq=5, max_epochs=1, validFreq=7,
#                saveFreq=15, saveto='') (the default test run's)
#     smoke      dim_proj=16, max_epochs=2, validFreq=10, saveFreq=15, the
#                rest as tiny, saving to lstm_model.npz; adadelta
#     rmsprop    as smoke with optimizer=rmsprop, decay_c=0.01, test_size=50
#     sgd        as smoke with optimizer=sgd, lrate=0.5, use_dropout=False
#     earlystop  as smoke with max_epochs=40, validFreq=5, saveFreq=7,
#                patience=1: stops early ("Early Stop!")
#   lstm_<tag>_<floatX>_init.npz             the run's initial lstm_W and lstm_U
#                (LAPACK's singular vectors: see original_lstm_driver.py);
#                kept for tiny, smoke and rmsprop only: the other runs draw
#                what smoke draws (the same files, byte for byte)
#   lstm_smoke_py3zip_float64.stdout        the smoke run of the original as it
#                is under Python 3 (see original_lstm_driver.py: its zip()
#                iterators cut every epoch after its first validation)
#   lstm_smoke_fma_<floatX>.stdout          the smoke run compiled with Theano's
#                default g++ flags (see below)
#   lstm_times.txt                          the seconds of each run
#
# Every other run wraps the original's get_minibatches_idx to return a list,
# as zip() did under Python 2 (original_lstm_driver.py).  The line "model
# options {...}" holds the address of the optimizer function, which differs
# from run to run.
#
# The arithmetic: Theano compiles its C code with g++ -O3 -march=native,
# which on this machine (FMA) contracts a * b + c into one fused
# multiply-add, rounded once; PyTensor's Numba backend (fast-math off) rounds
# the product and the sum each.  All runs but smoke_fma are compiled with
# gcc.cxxflags=-ffp-contract=off, i.e. as the original computes on a machine
# without FMA, and the products are those of OpenBLAS 0.3.13's kernels for
# this CPU, which it does not know: its "Prescott" (SSE3) kernels.  The port
# run with OPENBLAS_CORETYPE=Prescott multiplies as they do.
#
#   ORIGINAL_CODE=/tmp/oracle/src/code PYTHON=/tmp/oracle/venv37/bin/python \
#     bash tests/oracle/run_original_lstm.sh OUTPUT_DIR [TAG ...]
#
# The data set is written by the project's Python (DLT_PYTHON, default
# python3) into OUTPUT_DIR/data.  A compile directory of its own under
# OUTPUT_DIR.  Each run starts in a scratch folder holding imdb.pkl, where
# the original also writes lstm_model.npz and lstm_model.npz.pkl.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(realpath "${1:-.}")
shift || true
TAGS=${*:-"tiny smoke rmsprop sgd earlystop py3zip smoke_fma"}
mkdir -p "$OUT/data"
"${DLT_PYTHON:-python3}" "$HERE/../generated_imdb.py" "$OUT/data" > /dev/null
export PYTHONPATH=$ORIGINAL_CODE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

COMMON='"n_words": 100, "maxlen": 60, "batch_size": 16, "valid_batch_size": 32, "dispFreq": 5'
SMOKE="$COMMON, \"dim_proj\": 16, \"max_epochs\": 2"
settings() {
  case $1 in
    tiny)      echo "{$COMMON, \"dim_proj\": 8, \"max_epochs\": 1, \"validFreq\": 7, \"saveFreq\": 15, \"saveto\": \"\"}" ;;
    smoke)     echo "{$SMOKE, \"validFreq\": 10, \"saveFreq\": 15}" ;;
    rmsprop)   echo "{$SMOKE, \"validFreq\": 10, \"saveFreq\": 15, \"optimizer\": \"rmsprop\", \"decay_c\": 0.01, \"test_size\": 50}" ;;
    sgd)       echo "{$SMOKE, \"validFreq\": 10, \"saveFreq\": 15, \"optimizer\": \"sgd\", \"lrate\": 0.5, \"use_dropout\": false}" ;;
    earlystop) echo "{$COMMON, \"dim_proj\": 16, \"max_epochs\": 40, \"validFreq\": 5, \"saveFreq\": 7, \"patience\": 1}" ;;
  esac
}

run() {  # tag floatX settings [py3zip]
  local tag=$1 fx=$2 t0 work flags=",gcc.cxxflags=-ffp-contract=off"
  [ "${tag%_fma}" != "$tag" ] && flags=""
  work="$OUT/work_${tag}_$fx"
  rm -rf "$work" && mkdir -p "$work" && cp "$OUT/data/imdb.pkl" "$work/"
  t0=$(date +%s.%N)
  (cd "$work" && THEANO_FLAGS=floatX=$fx,device=cpu,base_compiledir=$OUT/compiledir$flags \
     "$PYTHON" -u "$HERE/original_lstm_driver.py" "$3" "$OUT/lstm_${tag}_${fx}_init.npz" ${4:-}) \
     > "$OUT/lstm_${tag}_$fx.stdout" 2> "$OUT/lstm_${tag}_$fx.stderr"
  echo "lstm_${tag}_$fx: $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t0}") s" >> "$OUT/lstm_times.txt"
}

for tag in $TAGS; do
  if [ "$tag" = py3zip ]; then
    run smoke_py3zip float64 "$(settings smoke)" py3zip
  elif [ "$tag" = smoke_fma ]; then
    for fx in float64 float32; do
      run smoke_fma "$fx" "$(settings smoke)"
    done
  else
    for fx in float64 float32; do
      run "$tag" "$fx" "$(settings "$tag")"
    done
  fi
done
