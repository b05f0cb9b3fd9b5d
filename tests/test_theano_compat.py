"""The porting kit's own behaviour: what Theano did silently or not at all.

Values, shapes and defaults of every legacy name are held against Theano
1.0.5 in ``test_theano_compat_reference.py``; here are the traps the kit
closes: unsupported names that say what to do, the import hook, the GPU
switch, random streams that must advance (a dropout net's masks change
between calls; a function that would freeze them is refused), inputs with
defaults, and shape errors that name both shapes under the default backend.
"""

import importlib
import inspect
import sys

import numpy as np
import pytensor
import pytest

from deeplearning_tutorials import theano_compat
from deeplearning_tutorials.theano_compat import (
    FrozenNoiseError,
    ShapeMismatchError,
    TheanoNameError,
    theano,
)
from deeplearning_tutorials.theano_compat import tensor as T
from deeplearning_tutorials.theano_compat import device
from deeplearning_tutorials.theano_compat.compile import THEANO_C_LINKERS
from deeplearning_tutorials.theano_compat.config import apply_theano_flags
from deeplearning_tutorials.theano_compat.sandbox.rng_mrg import MRG_RandomStreams
from deeplearning_tutorials.theano_compat.tensor.shared_randomstreams import RandomStreams


@pytest.fixture
def python_linker():
    """Compile on PyTensor's Python linker: these graphs are tiny, and it
    compiles them at once."""
    saved = pytensor.config.mode
    pytensor.config.mode = "FAST_COMPILE"
    yield
    pytensor.config.mode = saved


# -- names the kit does not offer ---------------------------------------------


@pytest.mark.parametrize(
    "owner, name, advice",
    [
        (T.nnet, "neighbours", "images2neibs"),
        (T.nnet, "crossentropy_softmax_1hot", "categorical_crossentropy"),
        (T.signal.pool, "pool_3d", "pool_2d"),
        (theano.sandbox, "cuda", "mode='JAX'"),
        (theano, "sparse", "pytensor.sparse"),
        (T, "no_such_name", "write native PyTensor"),
    ],
)
def test_an_unsupported_name_says_what_to_do_instead(owner, name, advice):
    with pytest.raises(TheanoNameError, match="not supported by the porting kit") as error:
        getattr(owner, name)
    assert advice in str(error.value)
    assert isinstance(error.value, AttributeError)  # hasattr() stays usable
    assert not hasattr(owner, name)


def test_conv2d_refuses_what_it_cannot_compute():
    x = T.tensor4()
    with pytest.raises(NotImplementedError, match="filter_dilation"):
        T.nnet.conv2d(x, T.tensor4(), filter_dilation=(2, 2))
    with pytest.raises(ValueError, match="'valid' or 'full'"):
        T.nnet.conv.conv2d(x, T.tensor4(), border_mode="half")
    # the old ConvOp's shape arguments become the shapes
    y = T.nnet.conv.conv2d(x, T.tensor4(), imshp=(1, 28, 28), kshp=(5, 5), nkern=20, bsize=10)
    assert y.type.shape == (10, 20, 24, 24)


# -- the import hook -----------------------------------------------------------


def test_the_import_hook_answers_import_theano_with_the_kit():
    assert "theano" not in sys.modules or sys.modules["theano"] is theano
    theano_compat.install()
    try:
        import theano as imported
        import theano.tensor.signal.downsample as downsample
        from theano.sandbox.rng_mrg import MRG_RandomStreams as Imported

        assert imported is theano
        assert downsample is T.signal.downsample
        assert Imported is MRG_RandomStreams
        with pytest.raises(ModuleNotFoundError, match="not supported by the porting kit"):
            importlib.import_module("theano.sandbox.cuda")
    finally:
        theano_compat.uninstall()
    assert not theano_compat.installed()
    assert "theano" not in sys.modules


# -- configuration -------------------------------------------------------------


def test_device_gpu_without_a_jax_gpu_is_accepted_and_said_to_stay_on_the_cpu(monkeypatch):
    monkeypatch.setattr(device, "jax_gpu", lambda: None)
    with pytest.warns(UserWarning, match="accepted, but .*computes on the CPU"):
        theano.config.device = "gpu"
    assert theano.config.device == "cpu"
    with pytest.raises(ValueError, match="unknown Theano device"):
        theano.config.device = "tpu"


def test_config_reads_and_sets_pytensor_config():
    saved = pytensor.config.floatX
    try:
        theano.config.floatX = "float64"
        assert pytensor.config.floatX == "float64" == theano.config.floatX
    finally:
        pytensor.config.floatX = saved


def test_theano_flags_set_floatx_and_accept_the_gpu(monkeypatch):
    monkeypatch.setattr(device, "jax_gpu", lambda: None)
    saved = pytensor.config.floatX
    try:
        with pytest.warns(UserWarning, match="accepted, but"):
            apply_theano_flags({"THEANO_FLAGS": "floatX=float64,device=cuda0"})
        assert pytensor.config.floatX == "float64"
        apply_theano_flags({"THEANO_FLAGS": "floatX=float32", "PYTENSOR_FLAGS": "floatX=float64"})
        assert pytensor.config.floatX == "float64"  # PYTENSOR_FLAGS wins
    finally:
        pytensor.config.floatX = saved


def test_pool_2d_default_ignore_border_warns_as_theano_1_0():
    with pytest.warns(UserWarning, match="ignore_border"):
        y = T.signal.pool.pool_2d(T.tensor4(), (2, 2))
    assert y.owner.op.ignore_border is False


def test_mode_has_theanos_signature_and_compiles_theanos_c_linkers_in_the_default_mode(
        python_linker):
    """``theano.Mode(linker=None, optimizer='default')`` (0.6-1.0): what
    Theano compiled to C (``'cvm'``, its default, and the others) compiles in
    the current default mode; ``'py'`` is the Python linker."""
    defaults = {name: p.default for name, p in inspect.signature(theano.Mode).parameters.items()}
    assert list(defaults)[:2] == ["linker", "optimizer"]
    assert defaults["linker"] is None and defaults["optimizer"] == "default"
    x = T.dvector("x")
    for linker in (None, *THEANO_C_LINKERS):
        for optimizer in ("default", "fast_run"):
            mode = theano.Mode(linker=linker, optimizer=optimizer)
            assert isinstance(mode, pytensor.compile.mode.Mode) and mode.is_theano_default
            assert (mode.theano_linker, mode.theano_optimizer) == (linker, optimizer)
    # the default mode is the Python linker here (FAST_COMPILE): 'cvm' follows it
    f = theano.function([x], 2 * x, mode=theano.Mode(linker="cvm"))
    assert type(f.maker.linker) is type(theano.function([x], 2 * x).maker.linker)
    assert f(np.arange(3.0)).tolist() == [0.0, 2.0, 4.0]
    # another optimizer keeps the default mode's linker, with that optimizer
    mode = theano.Mode(linker="cvm", optimizer="fast_compile")
    assert not mode.is_theano_default and "fast_compile" in mode.provided_optimizer.include
    assert type(mode.linker) is type(pytensor.compile.mode.get_default_mode().linker)
    assert theano.function([x], 2 * x, mode=mode)(np.ones(2)).tolist() == [2.0, 2.0]


def test_mode_with_theanos_c_linker_is_the_numba_default_and_py_is_python():
    # the project's default mode, whatever PYTENSOR_FLAGS says (an earlier
    # test's settings are undone by conftest's fixture)
    with pytensor.config.change_flags(mode="NUMBA"):
        assert "numba" in type(theano.Mode(linker="cvm").linker).__name__.lower()
    py = theano.Mode(linker="py")
    assert not py.is_theano_default
    assert type(py.linker) is pytensor.link.basic.PerformLinker


# -- random streams ------------------------------------------------------------


def dropout_net(noise):
    """Dropout as legacy scripts wrote it: a binomial mask of the units' shape
    drawn from the stream in the graph, the kept units scaled by 1 / keep."""

    def drop(units, rate):
        keep = 1.0 - rate
        mask = noise.binomial(units.shape, p=keep, dtype=theano.config.floatX)
        return units * mask / keep

    x = T.fmatrix()
    return theano.function([x], drop(x, 0.5), allow_input_downcast=True)


@pytest.mark.parametrize("streams", [MRG_RandomStreams, lambda: RandomStreams(5)])
def test_a_dropout_nets_masks_change_between_calls(python_linker, streams):
    f = dropout_net(streams())
    data = np.ones((4, 50), dtype="float32")
    masks = [f(data) for _ in range(3)]
    for mask in masks:
        assert set(np.unique(mask)) == {0.0, 2.0}  # kept units scaled by 1 / 0.5
    assert not np.array_equal(masks[0], masks[1])
    assert not np.array_equal(masks[1], masks[2])


def test_mrg_random_streams_without_a_seed_use_theanos_12345():
    assert MRG_RandomStreams().default_instance_seed == 12345


def test_shared_randomstreams_without_a_seed_are_seeded_at_random(python_linker):
    draws = [theano.function([], RandomStreams().uniform((8,)))() for _ in range(2)]
    assert not np.array_equal(*draws)


def test_a_function_that_would_freeze_the_noise_is_refused(python_linker):
    srng = MRG_RandomStreams(3)
    v = T.fvector()

    def step(xi):
        return xi * srng.uniform((1,), dtype="float32")[0]

    noisy, updates = theano.scan(step, sequences=v)
    with pytest.raises(FrozenNoiseError, match="pass them"):
        theano.function([v], noisy)
    f = theano.function([v], noisy, updates=updates)
    data = np.ones(4, dtype="float32")
    assert not np.array_equal(f(data), f(data))


def test_no_default_updates_says_the_noise_is_frozen(python_linker):
    srng = MRG_RandomStreams(3)
    with pytest.warns(UserWarning, match="same random numbers"):
        f = theano.function([], srng.uniform((3,)), no_default_updates=True)
    np.testing.assert_array_equal(f(), f())


# -- inputs with defaults -------------------------------------------------------


def test_inputs_with_defaults_are_filled_in_and_checked(python_linker):
    x, lr = T.fscalar("x"), T.fscalar("lr")
    f = theano.function([x, theano.In(lr, value=0.5)], x * lr)
    assert f(2.0) == 1.0 and f(2.0, 3.0) == 6.0 and f(x=2.0, lr=2.0) == 4.0
    with pytest.raises(TypeError, match="missing input x"):
        f()
    with pytest.raises(TypeError, match="unknown input name"):
        f(2.0, rate=1.0)
    with pytest.raises(TypeError, match="given twice"):
        f(2.0, x=1.0)


# -- shape errors ----------------------------------------------------------------


def test_a_shape_mismatch_under_numba_names_both_shapes():
    x, w = T.fmatrix("x"), T.fmatrix("W")
    f = theano.function([x, w], T.dot(x, w), mode="NUMBA")
    with pytest.raises(ShapeMismatchError) as error:
        f(np.ones((2, 3), "float32"), np.ones((4, 5), "float32"))
    message = str(error.value)
    assert "(2,3)" in message and "(4,5)" in message
    assert "x: (2, 3), W: (4, 5)" in message
    assert isinstance(error.value, ValueError)
    # the function still works with matching shapes
    assert f(np.ones((2, 4), "float32"), np.ones((4, 5), "float32")).shape == (2, 5)
