#!/bin/bash
# Run the original code/logistic_cg.py under Theano 1.0.5 for a short run and
# print what it prints: the reference of tests/test_logistic_cg.py
# (tests/oracle/logistic_cg_float64.stdout and .stderr: 10 iterations of
# fmin_cg, float64;
# the original cannot run in float32: SciPy hands its callbacks float64 vectors,
# which its theta.set_value refuses).
#
#   ORIGINAL_CODE=<the original's code/ folder> PYTHON=<Python 3.7 with Theano 1.0.5,
#   numpy 1.19.5, scipy 1.5.4> MNIST=<mnist.pkl.gz> \
#     bash tests/oracle/run_original_cg.sh 10 > tests/oracle/logistic_cg_float64.stdout \
#                                            2> tests/oracle/logistic_cg_float64.stderr
#
# and the default run, 50 iterations, the reference of the recorded run
# results/logistic_cg_float64.log:
#
#     bash tests/oracle/run_original_cg.sh 50 > tests/oracle/logistic_cg_float64_50.stdout \
#                                            2> tests/oracle/logistic_cg_float64_50.stderr
#
# (the environment of tests/fixtures/README.md: Python 3.7, Theano 1.0.5, the
# original code/ folder). One BLAS thread, a compile
# directory of its own (THEANO_COMPILEDIR, else a temporary one, removed at the end).
set -eu
N_EPOCHS=${1:-10}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
CD=${THEANO_COMPILEDIR:-}
if [ -z "$CD" ]; then CD=$(mktemp -d); trap 'rm -rf "$CD"' EXIT; fi
export THEANO_FLAGS=floatX=float64,device=cpu,base_compiledir=$CD
export PYTHONPATH=$ORIGINAL_CODE
MNIST=$(realpath "$MNIST")
cd "$ORIGINAL_CODE"
"$PYTHON" -u -c "import logistic_cg; logistic_cg.cg_optimization_mnist(n_epochs=$N_EPOCHS, mnist_pkl_gz='$MNIST')"
