#!/bin/bash
# Run the original tutorials' own smoke settings (their code/test.py) under
# Theano 1.0.5, and keep what they print: the references of the smoke tests of
# dA, rbm, SdA and DBN (tests/oracle/smoke_<floatX>.json, written from these
# logs by tests/oracle/collect_smoke.py).
#
#   ORIGINAL_CODE=<the original's code/ folder> PYTHON=<Python 3.7 with Theano 1.0.5,
#   numpy 1.19.5> bash tests/oracle/run_original_smoke.sh float32 OUTPUT_DIR
#
# The original finds MNIST at <code>/../data/mnist.pkl.gz. One BLAS thread,
# OpenBLAS linked as blas.ldflags, a compile directory of its own.
set -eu
FX=${1:-float32}
OUT=$(realpath "${2:-.}")
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export THEANO_FLAGS=floatX=$FX,device=cpu,blas.ldflags=-lopenblas,base_compiledir=$OUT/compiledir_$FX
export PYTHONPATH=$ORIGINAL_CODE
for t in "dA:dA.test_dA(training_epochs=1, output_folder='tmp_dA_plots')" \
         "rbm:rbm.test_rbm(training_epochs=1, batch_size=300, n_chains=1, n_samples=1, n_hidden=20, output_folder='tmp_rbm_plots')" \
         "SdA:SdA.test_SdA(pretraining_epochs=1, training_epochs=1, batch_size=300)" \
         "DBN:DBN.test_DBN(pretraining_epochs=1, training_epochs=1, batch_size=300)"; do
  name=${t%%:*}; call=${t#*:}; module=${call%%.*}
  mkdir -p "$OUT/work_${name}_$FX"
  (cd "$OUT/work_${name}_$FX" && "$PYTHON" -u -c "import $module; $call") \
      > "$OUT/smoke_${name}_$FX.log" 2>&1
done
