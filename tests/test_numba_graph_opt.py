"""LLVM's optimisation of a graph's function (``machinery.numba_graph_opt``).

References from outside the code under test: the names PyTensor's Numba
backend gives the functions it compiles (a compiled function's graph, an
``OpFromGraph``'s inner graph, a ``scan``'s step and loop, and the one-line
wrappers it compiles for Numba's cache, which the project names
``cache_wrapper_*``), which Numba's ``CPUCodeLibrary`` carries, and
Numba's own, unchanged optimisation
(``DLT_NUMBA_GRAPH_OPT=full``), whose results the cheap pass must give to
the bit.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy
import pytest
from conftest import REPO

# Compiles, on an empty compile directory, a graph with PyTensor's Softmax
# (an OpFromGraph), a scan and a matrix product: ten SGD steps of softmax
# regression on one minibatch of seeded data, then a tanh recurrence over the weights' rows.
# It records which of Numba's libraries reached Numba's own
# _optimize_final_module (the one in place before the package is imported)
# and which were finalized at all.
GRAPH_RUN = textwrap.dedent(
    """
    import json
    from numba.core import codegen

    finalized, full = [], []
    numbas_own = codegen.CPUCodeLibrary._optimize_final_module
    numbas_finalize = codegen.CPUCodeLibrary.finalize

    def recorded_optimize(self):
        full.append(self.name)
        return numbas_own(self)

    def recorded_finalize(self):
        finalized.append(self.name)
        return numbas_finalize(self)

    codegen.CPUCodeLibrary._optimize_final_module = recorded_optimize
    codegen.CPUCodeLibrary.finalize = recorded_finalize

    import numpy, pytensor, pytensor.tensor as pt
    import deeplearning_tutorials  # noqa: F401  (installs numba_graph_opt)

    rng = numpy.random.RandomState(1234)
    data_x = rng.uniform(-1, 1, (60, 20)).astype("float32")
    data_y = rng.randint(0, 5, 60).astype("int32")
    x, y, i = pt.matrix("x"), pt.ivector("y"), pt.lscalar("i")
    W = pytensor.shared(numpy.zeros((20, 5), dtype="float32"), name="W")
    p_y = pt.special.softmax(pt.dot(x, W), axis=-1)
    cost = -pt.mean(pt.log(p_y)[pt.arange(y.shape[0]), y])
    step = pytensor.function(
        [i], cost, updates=[(W, W - 0.5 * pytensor.grad(cost, W))],
        givens={x: pytensor.shared(data_x)[i * 6:(i + 1) * 6],
                y: pytensor.shared(data_y)[i * 6:(i + 1) * 6]},
    )
    costs = [float(step(0)) for _ in range(10)]
    rows = pytensor.scan(lambda row, h: pt.tanh(row + 0.9 * h), sequences=[W.T],
                         outputs_info=[pt.zeros((20,), dtype="float32")],
                         return_updates=False)
    recurrence = pytensor.function([], rows)()
    print(json.dumps({"finalized": finalized, "full": full, "costs": costs,
                      "W": W.get_value().tolist(), "recurrence": recurrence.tolist()}))
    """
)


def _graph_run(compiledir, **env):
    # the default, as a user has it, unless the test sets the switch
    inherited = {k: v for k, v in os.environ.items() if k != "DLT_NUMBA_GRAPH_OPT"}
    env = {**inherited, "PYTENSOR_FLAGS": f"base_compiledir={compiledir}", **env}
    proc = subprocess.run([sys.executable, "-c", GRAPH_RUN], capture_output=True, text=True,
                          cwd=REPO, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    cheap = _graph_run(tmp_path_factory.mktemp("cheap"))
    full = _graph_run(tmp_path_factory.mktemp("full"), DLT_NUMBA_GRAPH_OPT="full")
    return cheap, full


GRAPH_FUNCTIONS = {"numba_funcified_fgraph", "numba_ofg", "numba_scan"}


def _wrappers(names):
    return {name for name in names if name.startswith("cache_wrapper_")}


def test_graph_functions_and_wrappers_skip_the_full_pass_and_operations_keep_it(runs):
    cheap, _ = runs
    finalized, full = set(cheap["finalized"]), set(cheap["full"])
    # PyTensor compiled every kind of graph function here, and wrapped the
    # graph's and the OpFromGraph's (and each operation) for its cache, in a
    # wrapper named as such (a scan's step is part of the scan's operation)
    assert GRAPH_FUNCTIONS <= finalized
    assert {"cache_wrapper_numba_funcified_fgraph", "cache_wrapper_numba_ofg"} <= finalized
    assert len(_wrappers(finalized)) > len(GRAPH_FUNCTIONS)
    # ... and none of them got Numba's full pass
    assert not (GRAPH_FUNCTIONS | _wrappers(finalized)) & full
    # the scan's loop, the elementwise loops and everything else did
    assert "scan" in full
    assert finalized - GRAPH_FUNCTIONS - _wrappers(finalized) == full
    assert any("elemwise" in name for name in full)


def test_the_switch_keeps_numbas_full_optimisation_everywhere(runs):
    _, full = runs
    assert set(full["finalized"]) == set(full["full"])
    assert GRAPH_FUNCTIONS <= set(full["full"])
    assert len(_wrappers(full["full"])) > len(GRAPH_FUNCTIONS)


def test_results_are_numbas_full_optimisations_to_the_bit(runs):
    cheap, full = runs
    for key in ("costs", "W", "recurrence"):
        a = numpy.array(cheap[key], dtype="float32")
        b = numpy.array(full[key], dtype="float32")
        assert a.tobytes() == b.tobytes(), key
    # and the run trained: the cost on its minibatch fell (softmax regression
    # on 5 classes starts at log(5))
    assert cheap["costs"][0] == pytest.approx(numpy.log(5), rel=1e-6)
    assert cheap["costs"][-1] < cheap["costs"][0]
