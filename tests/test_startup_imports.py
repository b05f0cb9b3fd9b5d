"""What a warm start no longer does: import Numba for a tutorial on the C
backend (``machinery/when_imported.py``), search for the C compiler's CPU
flags at every run (``machinery/march_flags.py``), compile the cA's training
function again (``machinery/rewrites.py``), and step one Python loop per
MRG stream (``rng_mrg/generator.py``).

References from outside the code under test: ``sys.modules`` of a fresh
interpreter; PyTensor's own dispatch table and its own search for the
``-march`` flags; the graph PyTensor makes without the project's rewrite, and
NumPy's zeros; and the MRG streams jumped one at a time with Python's exact
integers by the published matrices (``generator.jump``, which Theano 1.0.5's
vectors in test_rng_mrg.py hold).
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.compile.mode import get_default_mode
from pytensor.graph.basic import Constant

from deeplearning_tutorials.machinery import march_flags, when_imported
from deeplearning_tutorials.rng_mrg import generator


def run_python(code, compiledir=None):
    """Run ``code`` in a fresh interpreter (with a compile directory of its
    own, given one); its stdout's last line, read as JSON."""
    full_env = dict(os.environ)
    if compiledir is not None:
        full_env["PYTENSOR_FLAGS"] = f"base_compiledir={compiledir}"
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, env=full_env, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------- Numba, only when used


def test_a_c_backend_tutorial_compiles_and_runs_without_importing_numba(tmp_path):
    """The mlp prefers CVM: its module, the configuration and a compiled and
    called CVM function (with an MRG draw, whose Op's kernel is Numba's)
    leave Numba and PyTensor's Numba dispatch unimported. (A compile
    directory of its own: PyTensor unpickles the keys of every C module in
    its cache when it first links one, and a key can name an Op of a module
    that imports Numba.)"""
    found = run_python(
        """
        import json, sys
        import numpy, pytensor, pytensor.tensor as pt
        import deeplearning_tutorials.mlp
        from deeplearning_tutorials.machinery import config
        from deeplearning_tutorials.rng_mrg import MRG_RandomStreams
        config.configure(default_mode="CVM")
        x = pt.vector("x")
        noise = MRG_RandomStreams(1).uniform(size=(2,), dtype="float32")
        f = pytensor.function([x], x * 2 + noise)
        f(numpy.ones(2, dtype="float32"))
        print(json.dumps([str(pytensor.config.mode),
                          [m for m in ("numba", "pytensor.link.numba.dispatch") if m in sys.modules]]))
        """,
        tmp_path / "compiledir",
    )
    assert found == ["CVM", []]


def test_the_numba_backend_gets_the_projects_dot_when_it_is_loaded():
    """Under NUMBA, PyTensor's dispatch table holds the project's ``Dot``
    once a function is compiled, and not before: importing the package
    leaves the backend unimported."""
    found = run_python(
        """
        import json, sys
        import pytensor, pytensor.tensor as pt
        import deeplearning_tutorials
        before = "pytensor.link.numba.dispatch" in sys.modules
        a, b = pt.matrix("a"), pt.matrix("b")
        pytensor.function([a, b], pt.dot(a, b), mode="NUMBA")
        from pytensor.link.numba.dispatch.basic import numba_funcify_default_op_cache_key
        from pytensor.tensor.math import Dot
        from deeplearning_tutorials.machinery import numba_dot
        ours = numba_funcify_default_op_cache_key.dispatch(Dot) is numba_dot.numba_funcify_Dot
        print(json.dumps([before, ours,
                          "deeplearning_tutorials.numba_dot" in sys.modules]))
        """
    )
    assert found == [False, True, True]


def test_when_imported_calls_back_after_the_module_has_run(tmp_path, monkeypatch):
    (tmp_path / "dlt_waited_for.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen = []
    when_imported.when_imported("dlt_waited_for", lambda: seen.append(sys.modules["dlt_waited_for"].VALUE))
    assert seen == []
    import dlt_waited_for  # noqa: F401

    assert seen == [42]
    when_imported.when_imported("dlt_waited_for", lambda: seen.append("at once"))
    assert seen == [42, "at once"]
    del sys.modules["dlt_waited_for"]


# -------------------------------------------------------- the -march flags


@pytest.mark.skipif(not pytensor.config.cxx, reason="no C compiler")
def test_march_flags_are_pytensors_own_found_once_per_machine(tmp_path):
    """The flags recorded are those PyTensor's own search finds in a process
    of its own; a second run takes them from the record without searching;
    a record for another machine is replaced."""
    search = """
        import json
        from pytensor.link.c.cmodule import GCC_compiler
        GCC_compiler.compile_args()
        print(json.dumps(GCC_compiler.march_flags))
    """
    compiledir = tmp_path / "compiledir"
    pytensors = run_python(search, compiledir)
    remember = """
        import json
        from pytensor.link.c import cmodule
        import deeplearning_tutorials
        from deeplearning_tutorials.machinery import march_flags
        searched = []
        search = cmodule.try_march_flag
        cmodule.try_march_flag = lambda flags: searched.append(1) or search(flags)
        march_flags.use_remembered()
        print(json.dumps([cmodule.GCC_compiler.march_flags, bool(searched)]))
    """
    assert run_python(remember, compiledir) == [pytensors, True]
    assert run_python(remember, compiledir) == [pytensors, False]
    [record] = compiledir.glob(f"*/{march_flags.RECORD}")
    record.write_text(json.dumps({"machine": "another", "flags": ["-march=i386"]}))
    assert run_python(remember, compiledir) == [pytensors, True]
    assert json.loads(record.read_text())["flags"] == pytensors


# ------------------------------------------------- the cA's cacheable update


def test_the_cas_update_holds_no_constant_array():
    """The cA's zero penalty gradient (floor division) was folded into a
    784 x 500 constant array, which Numba cannot cache; rewritten, the
    update holds no array constant and computes the same weights."""
    from deeplearning_tutorials.cA import cA

    data = pytensor.shared(numpy.random.RandomState(0).rand(20, 784).astype("float32"))

    def update(mode):
        x = pt.matrix("x")
        ca = cA(numpy.random.RandomState(123), input=x, n_visible=784, n_hidden=500, n_batchsize=10)
        _, updates = ca.get_cost_updates(contraction_level=0.1, learning_rate=0.01)
        f = pytensor.function([], [], updates=updates, givens={x: data[:10]}, mode=mode)
        arrays = [v for v in f.maker.fgraph.variables
                  if isinstance(v, Constant) and getattr(v.data, "size", 0) > 1000]
        f()
        return arrays, ca.W.get_value()

    py = get_default_mode().clone(linker="py")
    arrays, W = update(py)
    without_arrays, without_W = update(py.excluding("local_reshape_of_one_value"))
    assert arrays == []
    # without the rewrite: the zeros, one of them 784 x 500 (1.5 MB)
    assert all((a.data == 0).all() for a in without_arrays)
    assert max(a.data.size for a in without_arrays) == 784 * 500
    numpy.testing.assert_array_equal(W, without_W)


def test_a_reshape_of_one_value_becomes_an_alloc():
    x = pt.matrix("x")
    value = numpy.asarray(2.5, dtype=x.dtype)
    f = pytensor.function([x], pt.reshape(pt.alloc(value, 3, 4), x.shape) + x, mode="FAST_RUN")
    assert not any(type(n.op).__name__ == "Reshape" for n in f.maker.fgraph.apply_nodes)
    numpy.testing.assert_array_equal(f(numpy.ones((6, 2), dtype=x.dtype)), numpy.full((6, 2), 3.5))


# ------------------------------------------------------------ MRG streams


@pytest.mark.parametrize("n_streams", [1, 2, 3, 5, 8, 1000])
def test_substream_states_are_the_streams_jumped_one_at_a_time(n_streams):
    start = numpy.array([12345, 67890, 13579, 24680, 11111, 22222], dtype="int32")
    expected = [start]
    for _ in range(n_streams - 1):
        expected.append(generator.jump(expected[-1], generator.A1P72, generator.A2P72))
    got = generator.substream_states(start, n_streams)
    assert got.dtype == numpy.int32
    numpy.testing.assert_array_equal(got, numpy.array(expected))
