"""The shared machinery of the tutorials: what every chapter uses and none
teaches.

* ``data``: finding, safely reading and validating MNIST; shared variables
  and the ``givens`` minibatch slices; ``data_cache``: the decoded arrays
  kept for the next run;
* ``training``: the patience-based early-stopping loop and its log lines;
  ``pretraining``: the layer-wise unsupervised loop (dA, SdA, rbm, DBN);
  ``stacking``: what SdA and DBN share, a stack pre-trained then fine-tuned;
* ``checkpoint``: saved models and run checkpoints as ``.npz``, atomic writes;
* ``cli``: the command lines (flags are the drivers' keyword arguments) and
  one-line errors; ``errors``: the errors they report;
* ``startup``: the time to the first training step; ``compile_ahead`` and
  ``compile_later``: the functions compiled in a forked child, and those
  compiled after the first step; ``graph_cache``: the rewritten graphs kept
  for the next run;
* ``config``: floatX and the backend; ``blas``: the BLAS the C backend links;
  ``march_flags``: the C compiler's flags for this CPU, found once per machine;
  ``numba_dot``: the Numba ``Dot`` that reads minibatch slices in place;
  ``numba_graph_opt``: LLVM's optimisation of a graph's operations, not again
  of the functions that call or wrap them;
  ``when_imported``: registrations that wait until Numba's backend is loaded;
  ``rewrites``: the graph rewrite that lets Numba cache the cA's function;
  ``scan_transpose``: a ``scan``'s transposed weights in C order, once per call
  (the C backend);
* ``params``: the initial weights; ``noise``: the noise sources (Theano's MRG
  streams or PyTensor's generator); ``practices``: the optional training
  practices (dropout, schedules, losses, preprocessing);
* ``provenance``: what a result record says of its run; ``reproduce``: the
  published figures and the reproduction command; ``sweep``: many runs of a
  tutorial, in parallel or on a Dask cluster.

The commands keep their short names: ``python -m deeplearning_tutorials.sweep``
and ``python -m deeplearning_tutorials.reproduce``.
"""
