#!/bin/bash
# Run the ORIGINAL code/hmc/test_hmc.py and code/cA.py (lisa-lab/DeepLearningTutorials,
# commit 11c4651) under Theano 1.0.5, numpy 1.19.5, Python 3.7.16 (the oracle
# environment of shared/oracle/README.md, blas.ldflags empty: Theano's NumPy C-API
# BLAS over numpy's bundled OpenBLAS 0.3.13), CPU, and keep what they print.  These
# produced, in tests/oracle/:
#
#   hmc_float64.stdout/.stderr, hmc_float64_values.json   test_hmc (5-D Gaussian from
#   hmc_float32.stdout/.stderr, hmc_float32_values.json   RandomState(123), 3 chains,
#       1000 burn-in + 1000 draws), through original_hmc_driver.py, which calls the
#       original sampler_on_nd_gaussian as test_hmc() does and writes the final step
#       size / acceptance rate, the empirical mean/cov etc. at full precision (json);
#       one BLAS/OpenMP thread.  The script also reruns float32 twice with one thread
#       and twice with two, float64 once with two, and the plain test_hmc.test_hmc(),
#       and says whether any of them differs (hmc_threads_check.txt).
#   cA_1epoch_float32.stdout, cA_1epoch_float64.stdout     cA.test_cA(training_epochs=1
#   cA_2epochs_float32.stdout, cA_2epochs_float64.stdout   or 2, output_folder='cA_plots')
#       (+ .stderr: Theano's BLAS warning and the run time), other arguments the
#       defaults (learning_rate=0.01, batch_size=10, contraction_level=.1); one thread;
#       run in a scratch folder (it saves cae_filters.png there, not kept).  Note the
#       original prints numpy.mean(c_array[0]) and numpy.mean(numpy.sqrt(c_array[1])),
#       c_array being the (n_batches, 2) stack of [mean L_rec, L_jacob]: rows 0 and 1,
#       i.e. the epoch's first two minibatches, not epoch means.
#
#   ORIGINAL_CODE=/tmp/oracle/src/code PYTHON=/tmp/oracle/venv37/bin/python \
#     bash tests/oracle/run_original_hmc_cA.sh OUTPUT_DIR [hmc|cA|all]
#
# The original cA finds MNIST at <code>/../data/mnist.pkl.gz (the setup links it).
# A compile directory of its own under OUTPUT_DIR.  Run it from a folder without an
# `mkl` directory in it (Theano imports `mkl` when it is importable).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(realpath "${1:-.}")
WHAT=${2:-all}
mkdir -p "$OUT"
export PYTHONPATH=$ORIGINAL_CODE
CD=$OUT/compiledir

run_hmc() {  # floatX threads tag
  local fx=$1 th=$2 tag=$3 t0
  t0=$(date +%s.%N)
  (cd "$ORIGINAL_CODE" && OPENBLAS_NUM_THREADS=$th OMP_NUM_THREADS=$th \
     THEANO_FLAGS=floatX=$fx,device=cpu,base_compiledir=$CD \
     "$PYTHON" -u "$HERE/original_hmc_driver.py" "$OUT/$tag"_values.json) \
     > "$OUT/$tag.stdout" 2> "$OUT/$tag.stderr"
  echo "$tag: $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t0}") s" >> "$OUT/times.txt"
}

same() {  # a b: compare stdout and values of two runs
  if cmp -s "$OUT/$1.stdout" "$OUT/$2.stdout" && \
     cmp -s "$OUT/$1_values.json" "$OUT/$2_values.json"; then
    echo "$1 == $2: identical stdout and values"
  else
    echo "$1 != $2: DIFFER"
  fi
}

if [ "$WHAT" = hmc ] || [ "$WHAT" = all ]; then
  run_hmc float64 1 hmc_float64
  run_hmc float64 2 hmc_float64_2threads
  run_hmc float32 1 hmc_float32
  run_hmc float32 1 hmc_float32_1thread_b
  run_hmc float32 2 hmc_float32_2threads_a
  run_hmc float32 2 hmc_float32_2threads_b
  # the original test itself, as nose would call it
  for fx in float64 float32; do
    (cd "$ORIGINAL_CODE" && OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
       THEANO_FLAGS=floatX=$fx,device=cpu,base_compiledir=$CD \
       "$PYTHON" -u -c "import hmc.test_hmc as t; t.test_hmc()") \
       > "$OUT/test_hmc_plain_$fx.stdout" 2> "$OUT/test_hmc_plain_$fx.stderr"
  done
  {
    same hmc_float64 hmc_float64_2threads
    same hmc_float32 hmc_float32_1thread_b
    same hmc_float32 hmc_float32_2threads_a
    same hmc_float32 hmc_float32_2threads_b
    for fx in float64 float32; do
      if cmp -s "$OUT/hmc_$fx.stdout" "$OUT/test_hmc_plain_$fx.stdout"; then
        echo "driver == plain test_hmc.test_hmc() ($fx): identical stdout"
      else
        echo "driver != plain test_hmc.test_hmc() ($fx): DIFFER"
      fi
    done
  } | tee "$OUT/hmc_threads_check.txt"
fi

if [ "$WHAT" = cA ] || [ "$WHAT" = all ]; then
  for fx in float32 float64; do
    for n in 1 2; do
      if [ $n = 1 ]; then tag=cA_1epoch_$fx; else tag=cA_${n}epochs_$fx; fi
      mkdir -p "$OUT/work_$tag"
      t0=$(date +%s.%N)
      (cd "$OUT/work_$tag" && OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
         THEANO_FLAGS=floatX=$fx,device=cpu,base_compiledir=$CD \
         "$PYTHON" -u -c "import cA; cA.test_cA(training_epochs=$n, output_folder='cA_plots')") \
         > "$OUT/$tag.stdout" 2> "$OUT/$tag.stderr"
      echo "$tag: $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t0}") s" >> "$OUT/times.txt"
    done
  done
fi
