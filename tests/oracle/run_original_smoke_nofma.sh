#!/bin/bash
# The original's rbm and DBN smoke runs (its code/test.py settings), float64,
# under Theano 1.0.5 with its C code compiled WITHOUT fused multiply-adds
# (gcc.cxxflags=-ffp-contract=off): Theano's default flags include
# -march=native, so on a CPU with FMA g++ contracts a * b + c into one
# rounding, which PyTensor's Numba code does not do (the same reason as
# run_original_lstm.sh's flag). tests/oracle/smoke_float64.json holds the same
# runs with Theano's default flags. These produced, in tests/oracle/:
#
#   smoke_nofma_rbm_float64.stdout   rbm.test_rbm(training_epochs=1, batch_size=300,
#       n_chains=1, n_samples=1, n_hidden=20, output_folder='tmp_rbm_plots')
#   smoke_nofma_DBN_float64.stdout   DBN.test_DBN(pretraining_epochs=1,
#       training_epochs=1, batch_size=300)
#
# (stdout only; stderr, with the run times, stays in OUTPUT_DIR), the
# references of tests/original_through_kit.py's rbm and DBN runs. The smoke
# runs of smoke_float64.json printed the same lines but for the last digits
# of the costs (rbm: -88.72150178682296 there, -88.72150178682259 here; DBN's
# second and third layers from the 14th significant digit on).
#
#   ORIGINAL_CODE=<the original's code/ folder> PYTHON=<Python 3.7 with Theano 1.0.5,
#   numpy 1.19.5> bash tests/oracle/run_original_smoke_nofma.sh OUTPUT_DIR [rbm DBN]
#
# The original finds MNIST at <code>/../data/mnist.pkl.gz. One BLAS thread, a
# compile directory of its own; run it from a folder without an `mkl` folder.
set -eu
OUT=$(realpath "${1:-.}")
shift || true
MODELS=${*:-rbm DBN}
mkdir -p "$OUT"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 PYTHONPATH=$ORIGINAL_CODE
export THEANO_FLAGS=floatX=float64,device=cpu,gcc.cxxflags=-ffp-contract=off,base_compiledir=$OUT/compiledir
for name in $MODELS; do
  case $name in
    rbm) call="import rbm; rbm.test_rbm(training_epochs=1, batch_size=300, n_chains=1, n_samples=1, n_hidden=20, output_folder='tmp_rbm_plots')" ;;
    DBN) call="import DBN; DBN.test_DBN(pretraining_epochs=1, training_epochs=1, batch_size=300)" ;;
  esac
  mkdir -p "$OUT/work_$name"
  (cd "$OUT/work_$name" && "$PYTHON" -u -c "$call") \
      > "$OUT/smoke_nofma_${name}_float64.stdout" 2> "$OUT/smoke_nofma_${name}_float64.stderr"
done
