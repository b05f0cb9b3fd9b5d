"""Every benchmark of the project, one command: the per-model epoch table by
default, and one mode for each other measurement the documentation cites.

Not a test: the tables it prints are the measurements.

    python benchmarks/bench_all.py --help                      # every mode and flag
    python benchmarks/bench_all.py --json results/bench_all.json
    python benchmarks/bench_all.py --quick --models logistic_sgd mlp
    python benchmarks/bench_all.py start --models logistic_sgd --no-original

The modes (``bench_harness/cli.py`` lists them; each module's docstring says how it
measures):

* ``table`` (the default, ``bench_harness/table.py``): every tutorial's epoch in this
  project under each backend, NumPy by hand, PyTorch and the original under
  Theano 1.0.5, in worker processes that take turns;
* ``start`` (``bench_harness/start.py``): seconds from the command to the first
  training step (and first epoch line), cold and warm cache, beside the
  original's;
* ``lenet`` (``bench_harness/lenet.py``): LeNet's convolution, pooling, epoch and
  compile time against PyTorch;
* ``sda-steps``, ``rbm-steps``, ``dbn-steps`` (``bench_harness/steps.py``): training
  steps call by call against NumPy by hand;
* ``threads`` and ``noise``: one BLAS thread against two; the original's MRG
  noise against PyTensor's generator;
* ``profile-compile``, ``profile-dA``, ``profile-rbm`` (``bench_harness/profiles.py``):
  where the compile time and a step's time go;
* ``rnnslu``: one rnnslu epoch per backend, beside the original's;
* ``test-run``: the default test run on a cold cache, as CI starts it.

The networks the harness compares with live beside it: ``numpy_sgd.py``,
``numpy_lenet.py`` and ``numpy_nets.py`` (NumPy by hand, also the tests'
references) and ``torch_models.py`` (PyTorch).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

from bench_harness.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
