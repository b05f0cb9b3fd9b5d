"""Rewritten graphs kept between runs (``machinery.graph_cache``).

References from outside the code under test: the same graphs compiled by
PyTensor's own ``pytensor.function`` with the cache off, whose outputs and
updated shared variables a function made from a loaded graph must repeat
bit for bit, and PyTensor's rewriter itself, counted to show that a loaded
graph was not rewritten again. The end-to-end test runs a tutorial twice
from its command line on one compile directory: the second run loads every
graph it needs, rewrites none, and prints the first run's lines.
"""

import contextlib
import json

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import error_lines, run_module
from pytensor.compile.maker import FunctionMaker
from pytensor.compile.sharedvalue import SharedVariable

from deeplearning_tutorials.machinery import graph_cache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The cache on, in a folder of this test's own, its counts from zero;
    ``cache.rewrites`` counts the calls of PyTensor's rewriting."""
    monkeypatch.delenv(graph_cache.SWITCH, raising=False)
    monkeypatch.setattr(graph_cache, "folder", lambda: tmp_path / "graphs")
    monkeypatch.setattr(graph_cache, "counts", dict.fromkeys(graph_cache.counts, 0))
    calls = []
    rewrite = FunctionMaker.prepare_fgraph

    def counted(*args):
        calls.append(args[3])
        return rewrite(*args)

    monkeypatch.setattr(FunctionMaker, "prepare_fgraph", staticmethod(counted))
    with graph_cache.active():
        yield type("Cache", (), {"rewrites": calls, "root": tmp_path / "graphs"})


@contextlib.contextmanager
def cache_off():
    """PyTensor's own ``prepare_fgraph`` within the block."""
    FunctionMaker.prepare_fgraph = staticmethod(graph_cache._rewrite)
    try:
        yield
    finally:
        FunctionMaker.prepare_fgraph = staticmethod(graph_cache.prepare_fgraph)


def entries(root):
    return sorted(root.glob("*/*.pkl"))


# ------------------------------------------------------ a perceptron's step


def perceptron(learning_rate=0.1, seed=0):
    """One SGD step of a 784-50-10 perceptron (tanh, softmax, L2), its
    parameters shared: the kind of graph the tutorials compile (gemm,
    in-place updates, fused loops, softmax)."""
    rng = numpy.random.default_rng(seed)
    floatX = pytensor.config.floatX
    x, y = pt.matrix("x"), pt.ivector("y")
    W = pytensor.shared(rng.normal(0, 0.05, (784, 50)).astype(floatX), name="W")
    b = pytensor.shared(numpy.zeros(50, floatX), name="b")
    V = pytensor.shared(rng.normal(0, 0.05, (50, 10)).astype(floatX), name="V")
    p = pt.special.softmax(pt.tanh(x @ W + b) @ V, axis=-1)
    cost = -pt.mean(pt.log(p)[pt.arange(y.shape[0]), y]) + 1e-4 * (W**2).sum()
    params = [W, b, V]
    updates = [(v, v - learning_rate * g) for v, g in zip(params, pytensor.grad(cost, params))]
    return [x, y], cost, updates, params


def minibatches(n=3, seed=1):
    rng = numpy.random.default_rng(seed)
    floatX = pytensor.config.floatX
    return [
        (rng.random((20, 784)).astype(floatX), rng.integers(0, 10, 20).astype("int32"))
        for _ in range(n)
    ]


def trained(function, params, batches):
    costs = [function(x, y) for x, y in batches]
    return costs, [p.get_value() for p in params]


def assert_bitwise(found, expected):
    for a, b in zip(found, expected, strict=True):
        a, b = numpy.asarray(a), numpy.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()


def test_a_loaded_graph_is_not_rewritten_and_computes_the_same_bits(cache):
    # Numba: under CVM the softmax's OpFromGraph keeps its inner graph
    # rewritten once compiled, and the same graph built again in the same
    # process differs by it (a miss, not a wrong hit); the command-line
    # test below shows CVM's graphs loaded by a new process
    batches = minibatches()
    # PyTensor's own function, the cache off
    with pytensor.config.change_flags(mode="NUMBA"):
        inputs, cost, updates, params = perceptron()
        with cache_off():
            reference = trained(pytensor.function(inputs, cost, updates=updates), params, batches)
        assert entries(cache.root) == []

        # the first build rewrites and stores; the same graph built again
        # (new variables, new shared values) is loaded, not rewritten
        inputs, cost, updates, params = perceptron()
        first = pytensor.function(inputs, cost, updates=updates)
        stored = graph_cache.counts["stored"]
        assert graph_cache.counts["loaded"] == 0 and stored == len(entries(cache.root)) >= 1
        assert_bitwise(trained(first, params, batches)[0], reference[0])

        inputs, cost, updates, params = perceptron()
        cache.rewrites.clear()
        function = pytensor.function(inputs, cost, updates=updates)
        costs, values = trained(function, params, batches)
        assert cache.rewrites == []
        assert graph_cache.counts == {"loaded": stored, "stored": stored, "not_kept": 0}
        assert_bitwise(costs, reference[0])
        assert_bitwise(values, reference[1])


def test_the_loaded_graph_uses_the_runs_own_shared_variables(cache):
    inputs, cost, updates, params = perceptron()
    pytensor.function(inputs, cost, updates=updates)
    inputs, cost, updates, params = perceptron(seed=5)  # other values
    function = pytensor.function(inputs, cost, updates=updates)
    assert graph_cache.counts["loaded"] == 1
    shared = [v for v in function.maker.fgraph.inputs if isinstance(v, SharedVariable)]
    used = {id(c.storage) for c in function.input_storage if c.storage is not None}
    for p in params:
        assert id(p.container.storage) in used
    assert len(shared) == len(params)
    before = [p.get_value() for p in params]
    function(*minibatches(1)[0])
    assert all((p.get_value() != b).any() for p, b in zip(params, before))


@pytest.mark.parametrize(
    "change",
    ["learning rate", "borrowed output", "floatX", "mode", "rewrite excluded"],
)
def test_what_changes_the_rewrites_changes_the_key(cache, change):
    inputs, cost, updates, _ = perceptron()
    pytensor.function(inputs, cost, updates=updates)
    settings, kwargs, rate = {}, {}, 0.1
    if change == "learning rate":
        rate = 0.2  # a constant of the graph
    elif change == "borrowed output":
        kwargs["outputs"] = pytensor.Out(None, borrow=True)
    elif change == "floatX":
        settings["floatX"] = "float32" if pytensor.config.floatX == "float64" else "float64"
    elif change == "mode":
        settings["mode"] = "CVM" if pytensor.config.mode != "CVM" else "NUMBA"
    else:
        kwargs["mode"] = pytensor.compile.mode.get_mode(None).excluding("fusion")
    with pytensor.config.change_flags(**settings):
        inputs, cost, updates, _ = perceptron(learning_rate=rate)
        out = kwargs.pop("outputs", None)
        if out is not None:
            out.variable = cost
        pytensor.function(inputs, out or cost, updates=updates, **kwargs)
    assert graph_cache.counts == {"loaded": 0, "stored": 2, "not_kept": 0}
    assert len(entries(cache.root)) == 2


# ------------------------------------------- a scan with MRG draws (an RBM)


def pcd_step(mode):
    """PCD-3 of the tutorial's own RBM (``rbm.RBM``, 20 visible and 8 hidden
    units, 4 examples): a ``scan`` with the MRG streams' draws, a persistent
    chain, and the project's rewrites of both (the sigmoid-threshold
    comparison, the transposed weights in C order under CVM)."""
    from deeplearning_tutorials.rbm import RBM

    floatX = pytensor.config.floatX
    x = pt.matrix("x")
    rbm = RBM(x, n_visible=20, n_hidden=8, numpy_rng=numpy.random.RandomState(7))
    chain = pytensor.shared(numpy.zeros((4, 8), floatX), name="chain")
    cost, updates = rbm.get_cost_updates(lr=0.1, persistent=chain, k=3)
    function = pytensor.function([x], cost, updates=updates, mode=mode)
    return function, [rbm.W, rbm.hbias, rbm.vbias, chain]


@pytest.mark.parametrize("mode", ["NUMBA", "CVM"])
def test_a_scan_with_mrg_draws_is_loaded_and_draws_the_same(cache, mode):
    examples = (numpy.random.default_rng(3).random((4, 20)) > 0.5).astype(pytensor.config.floatX)
    with cache_off():
        function, params = pcd_step(mode)
        reference = [function(examples) for _ in range(4)], [p.get_value() for p in params]
    assert numpy.asarray(reference[0]).std() > 0  # the chain moves
    for expect_loaded in (False, True):
        function, params = pcd_step(mode)
        assert (graph_cache.counts["loaded"] > 0) == expect_loaded
        assert_bitwise([function(examples) for _ in range(4)], reference[0])
        assert_bitwise([p.get_value() for p in params], reference[1])


# ------------------------------------------------------ entries that fail


def test_a_damaged_entry_is_rewritten_and_written_again(cache):
    inputs, cost, updates, params = perceptron()
    batches = minibatches()
    reference = trained(pytensor.function(inputs, cost, updates=updates), params, batches)
    (entry,) = entries(cache.root)
    entry.write_bytes(entry.read_bytes()[:100])  # cut short
    inputs, cost, updates, params = perceptron()
    found = trained(pytensor.function(inputs, cost, updates=updates), params, batches)
    assert graph_cache.counts == {"loaded": 0, "stored": 2, "not_kept": 0}
    assert_bitwise(found[0], reference[0])
    assert_bitwise(found[1], reference[1])
    # the entry is whole again: a third build loads it
    inputs, cost, updates, params = perceptron()
    pytensor.function(inputs, cost, updates=updates)
    assert graph_cache.counts["loaded"] == 1


class _HoldsAFunction(pytensor.graph.op.Op):
    """An Op whose property is a lambda: its graph cannot be pickled."""

    __props__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def make_node(self, x):
        x = pt.as_tensor_variable(x)
        return pytensor.graph.basic.Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = numpy.asarray(self.fn(inputs[0]))


def test_a_graph_that_cannot_be_written_out_is_rewritten_every_time(cache):
    x = pt.vector("x")
    for _ in range(2):
        doubled = _HoldsAFunction(lambda v: v * 2)(x)
        function = pytensor.function([x], doubled + 1, mode="FAST_COMPILE")
        numpy.testing.assert_array_equal(function(numpy.arange(3, dtype=x.dtype)), [1, 3, 5])
    assert graph_cache.counts == {"loaded": 0, "stored": 0, "not_kept": 2}
    assert entries(cache.root) == []


def test_the_switch_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv(graph_cache.SWITCH, "0")
    monkeypatch.setattr(graph_cache, "folder", lambda: tmp_path)
    rewrite = FunctionMaker.prepare_fgraph
    with graph_cache.active():
        assert FunctionMaker.prepare_fgraph is rewrite
        inputs, cost, updates, _ = perceptron()
        pytensor.function(inputs, cost, updates=updates)
    assert entries(tmp_path) == []


def test_the_oldest_entries_go_beyond_the_limit(cache, monkeypatch):
    monkeypatch.setattr(graph_cache, "LIMIT", 2)
    for rate in (0.1, 0.2, 0.3):
        inputs, cost, updates, _ = perceptron(learning_rate=rate)
        pytensor.function(inputs, cost, updates=updates)
    assert len(entries(cache.root)) == 2
    # the first (oldest) is gone: building it again rewrites it
    inputs, cost, updates, _ = perceptron(learning_rate=0.3)
    pytensor.function(inputs, cost, updates=updates)
    assert graph_cache.counts["loaded"] == 1


# ------------------------------------------------------ from the command line


@pytest.mark.parametrize("tutorial", ["logistic_sgd", "mlp"])
def test_a_second_run_loads_every_graph_and_prints_the_same(tmp_path, small_dataset, tutorial):
    compiledir = tmp_path / "compiledir"
    runs = []
    for name in ("first", "second"):
        record = tmp_path / f"{name}.json"
        proc = run_module(
            tutorial, "--dataset", small_dataset, "--n-epochs", 2, "--batch-size", 20,
            "--results-json", record,
            env={"PYTENSOR_FLAGS": f"base_compiledir={compiledir}",
                 "DLT_COMPILE_AHEAD": "0", "DLT_GRAPH_CACHE": "1"},
        )
        assert proc.returncode == 0, proc.stderr
        runs.append((error_lines(proc.stdout), json.loads(record.read_text())["startup"]))
    (first_lines, first), (second_lines, second) = runs
    # the first run rewrote its graphs and kept them; the second loaded every
    # one (as many as the first made) and rewrote none
    if tutorial == "logistic_sgd":
        # Numba: the training and the validation function are rewritten; the
        # test function is the validation function's graph on the test
        # set's shared variables, and is loaded from its entry
        assert (first["graphs_rewritten"], first["graphs_loaded"]) == (2, 1)
    else:
        # CVM: the three functions and the inner functions of the softmax's
        # OpFromGraph nodes, which CVM compiles apart
        assert first["graphs_rewritten"] > 3
    assert second["graphs_rewritten"] == 0
    assert second["graphs_loaded"] == first["graphs_rewritten"] + first["graphs_loaded"]
    assert second_lines == first_lines
    assert any("validation error" in line for line in first_lines)
