"""The harness behind ``python benchmarks/bench_all.py``: one module per
measurement, and what they share.

* ``cli``: the command line, the list of modes, the record's common fields;
* ``common``: paths, the original's environment, timing variants in turns,
  synthetic MNIST-shaped data, writing records;
* ``table`` with ``protocol`` and ``original_epoch``: the per-model epoch
  table, its worker protocol, and the original's worker under Theano;
* ``start``: cold and warm start to the first training step;
* ``lenet``, ``steps``, ``threads``, ``noise``, ``profiles``, ``rnnslu``,
  ``suite``: the other modes.

Named ``bench_harness``, not ``harness``: ``tests/legacy/harness.py`` is
imported as ``harness`` by the tests, which put this folder's parent on the
path too.
"""
