"""``device='gpu'`` in the porting kit: mapped onto JAX where it can be.

This machine has no GPU, so the tests that follow the GPU route stand in a
device for :func:`device.jax_gpu`; JAX then compiles for its CPU, which is
the same code path up to the device. The references are NumPy slices and the
same legacy function compiled by the kit for the CPU (the NUMBA default).
"""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.graph.traversal import io_toposort

from deeplearning_tutorials.theano_compat import device, theano
from deeplearning_tutorials.theano_compat import tensor as T
from deeplearning_tutorials.theano_compat.sandbox.rng_mrg import MRG_RandomStreams
from deeplearning_tutorials.theano_compat.tensor.shared_randomstreams import RandomStreams

jax = pytest.importorskip("jax")


@pytest.fixture
def gpu(monkeypatch):
    """``theano.config.device = 'gpu'`` as on a machine where JAX sees a GPU."""
    monkeypatch.setattr(device, "jax_gpu", lambda: "a stand-in GPU")
    with pytest.warns(UserWarning, match="compiles theano.function for PyTensor's JAX"):
        theano.config.device = "gpu"
    yield
    device.reset()


def _linker(fn):
    return type(fn.fn.maker.linker).__name__


def _sgd_step(seed=0):
    """The tutorials' minibatch step: givens slice the data set by ``index``."""
    rng = np.random.RandomState(seed)
    data = theano.shared(rng.rand(60, 5).astype("float32"))
    labels = theano.shared(rng.randint(0, 3, 60).astype("int32"))
    W = theano.shared(np.zeros((5, 3), dtype="float32"))
    index, x, y = T.lscalar("index"), T.matrix("x"), T.ivector("y")
    p_y = T.nnet.softmax(T.dot(x, W))
    cost = -T.mean(T.log(p_y)[T.arange(y.shape[0]), y])
    batch = 20
    train = theano.function(
        [index], cost, updates=[(W, W - np.float32(0.1) * T.grad(cost, W))],
        givens={x: data[index * batch:(index + 1) * batch],
                y: labels[index * batch:(index + 1) * batch]},
    )
    return train, W


def test_the_tutorials_minibatch_step_compiles_for_jax_and_follows_the_cpu(gpu):
    on_jax, W_jax = _sgd_step()
    assert _linker(on_jax) == "JAXLinker"
    assert theano.config.device == "gpu"
    device.reset()
    on_cpu, W_cpu = _sgd_step()
    assert _linker(on_cpu) != "JAXLinker"
    for index in [0, 1, 2, 1, 0]:
        np.testing.assert_allclose(on_jax(index), on_cpu(index), rtol=2e-6)
    np.testing.assert_allclose(W_jax.get_value(), W_cpu.get_value(), rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize(
    "bounds",
    [
        lambda i: (i * 4, (i + 1) * 4),
        lambda i: (i * 4, i * 4 + 4),
        lambda i: (4 * i - 3, 4 * i + 2),
        lambda i: (2 * (i + 1) - 1, 2 * i + 4),
        lambda i: (i * i, i * i + 2),
    ],
    ids=["(i+1)*n", "i*n+n", "offsets", "nested", "non-linear start"],
)
def test_a_constant_length_slice_becomes_a_gather_of_the_same_rows(bounds):
    data = np.arange(40.0).reshape(20, 2)
    i = pt.lscalar("i")
    start, stop = bounds(i)
    (static,) = device.static_length_slices([pt.as_tensor(data)[start:stop]])
    assert "AdvancedSubtensor" in str(io_toposort([i], [static])[-1].op)
    take = pytensor.function([i], static, mode="JAX")
    for value in [1, 2, 3]:
        low, high = bounds(value)
        np.testing.assert_array_equal(take(value), data[low:high])


@pytest.mark.parametrize(
    "make", [lambda x, i: x[:i], lambda x, i: x[i:2 * i], lambda x, i: x[i * i:i + 2]],
    ids=["open start", "length i", "non-linear length"],
)
def test_a_slice_of_unknown_length_is_left_as_it_is(make):
    x, i = pt.matrix("x"), pt.lscalar("i")
    sliced = make(x, i)
    (kept,) = device.static_length_slices([sliced])
    assert kept is sliced


def test_what_jax_cannot_trace_runs_on_the_cpu_and_says_why(gpu):
    data = theano.shared(np.arange(12.0, dtype="float32"))
    n = T.lscalar("n")
    prefix_sum = theano.function([n], data[:n].sum())  # length n: not static
    assert _linker(prefix_sum) == "JAXLinker"
    with pytest.warns(UserWarning, match="JAX cannot compile this function .* runs on the CPU"):
        assert prefix_sum(4) == 0 + 1 + 2 + 3
    assert _linker(prefix_sum) != "JAXLinker"
    assert prefix_sum(5) == 10


def _dropout(srng, binomial):
    x = T.matrix("x")
    if binomial:
        mask = srng.binomial(size=x.shape, p=0.5, dtype="float32")
    else:
        mask = T.cast(srng.uniform(size=x.shape) < 0.5, "float32")
    return theano.function([x], x * mask)


def _two_masks(drop):
    ones = np.ones((4, 50), dtype="float32")
    first, second = drop(ones), drop(ones)
    assert set(np.unique(first)) == {0.0, 1.0}
    assert 0.3 < first.mean() < 0.7
    assert not np.array_equal(first, second)


@pytest.mark.parametrize(
    "streams, binomial",
    [(MRG_RandomStreams, True), (MRG_RandomStreams, False)],
    ids=["MRG binomial", "MRG uniform"],
)
def test_dropout_masks_still_change_between_calls_on_jax(gpu, streams, binomial):
    drop = _dropout(streams(seed=1234), binomial)
    _two_masks(drop)
    assert _linker(drop) == "JAXLinker"


@pytest.mark.parametrize("binomial", [True, False], ids=["binomial", "uniform"])
def test_shared_randomstreams_run_on_the_cpu_and_say_why(gpu, binomial):
    """Theano's draws are made by a NumPy RandomState, which JAX cannot run:
    the function runs on the CPU (NUMBA, the draw in object mode)."""
    kind = "binomial" if binomial else "uniform"
    with pytest.warns(UserWarning, match=f"JAX cannot compile .*{kind}.* runs on the CPU"):
        drop = _dropout(RandomStreams(seed=1234), binomial=binomial)
    _two_masks(drop)
    assert _linker(drop) != "JAXLinker"


def test_without_jax_the_gpu_setting_stays_on_the_cpu_and_says_to_install_it(monkeypatch):
    real = device.importlib.util.find_spec
    monkeypatch.setattr(
        device.importlib.util, "find_spec", lambda name: None if name == "jax" else real(name)
    )
    with pytest.warns(UserWarning, match="JAX is not installed"):
        theano.config.device = "cuda"
    assert theano.config.device == "cpu"
    step, _ = _sgd_step()
    assert _linker(step) != "JAXLinker"


def test_device_cpu_switches_back(gpu):
    theano.config.device = "cpu"
    assert theano.config.device == "cpu"
    step, _ = _sgd_step()
    assert _linker(step) != "JAXLinker"
