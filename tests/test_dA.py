"""The denoising autoencoder: initialisation, gradients, a step and an epoch
against NumPy, the corruption, and the driver's output files."""

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import run_module
from original_smoke import last_numbers, original_lines
from original_logs import assert_prints_the_original_lines
from PIL import Image
from pytensor.graph.replace import clone_replace

from deeplearning_tutorials.dA import dA
from deeplearning_tutorials.machinery.data import read_dataset
from deeplearning_tutorials.machinery.noise import RandomStreams


def sigmoid(a):
    return 1.0 / (1.0 + numpy.exp(-a))


def numpy_dA_epoch(x, W, b, b_prime, learning_rate, batch_size):
    """One epoch of the uncorrupted dA in NumPy, gradients derived by hand.

    Updates ``W``, ``b``, ``b_prime`` in place; returns the mean cost.
    """
    costs = []
    for i in range(len(x) // batch_size):
        xb = x[i * batch_size : (i + 1) * batch_size]
        h = sigmoid(xb @ W + b)
        z = sigmoid(h @ W.T + b_prime)
        costs.append(
            numpy.mean(-numpy.sum(xb * numpy.log(z) + (1 - xb) * numpy.log(1 - z), 1))
        )
        dz = (z - xb) / batch_size  # d cost / d (pre-sigmoid of z)
        dh = (dz @ W) * h * (1 - h)  # d cost / d (pre-sigmoid of h)
        W -= learning_rate * (xb.T @ dh + dz.T @ h)
        b -= learning_rate * dh.sum(0)
        b_prime -= learning_rate * dz.sum(0)
    return numpy.mean(costs)


def test_weights_and_noise_seed_are_drawn_as_the_original_drew_them():
    da = dA(numpy.random.RandomState(123), n_visible=784, n_hidden=500)
    expected = numpy.random.RandomState(123)
    seed = expected.randint(2**30)  # the noise seed comes first
    bound = 4 * numpy.sqrt(6.0 / (784 + 500))
    W = expected.uniform(-bound, bound, size=(784, 500))
    assert da.theano_rng.default_instance_seed == seed
    numpy.testing.assert_array_equal(da.W.get_value(), W.astype(da.W.dtype))
    assert not da.b.get_value().any() and not da.b_prime.get_value().any()
    assert da.b_prime.get_value().shape == (784,)


def test_shared_weights_are_used_not_copied():
    W = pytensor.shared(numpy.zeros((6, 4), dtype=pytensor.config.floatX))
    da = dA(numpy.random.RandomState(0), n_visible=6, n_hidden=4, W=W)
    assert da.W is W and da.params[0] is W


def test_gradient_of_the_reconstruction_cost_is_correct():
    """Symbolic gradients against finite differences (float64, no noise)."""
    saved = pytensor.config.floatX
    pytensor.config.floatX = "float64"
    try:
        rng = numpy.random.RandomState(0)
        xs = rng.rand(5, 7)
        x = pt.matrix("x")
        # PyTensor's generator: the MRG streams' default update (Theano's
        # behaviour) would ask for the original x, which the clone replaces
        da = dA(rng, RandomStreams(1), input=x, n_visible=7, n_hidden=3)
        cost, _ = da.get_cost_updates(corruption_level=0.0, learning_rate=0.1)

        def cost_of(W, b, b_prime):
            return clone_replace(cost, dict(zip(da.params, [W, b, b_prime])) | {x: xs})

        point = [da.W.get_value(), rng.randn(3), rng.randn(7)]
        pytensor.gradient.verify_grad(
            cost_of, point, rng=rng, abs_tol=1e-6, rel_tol=1e-6
        )
    finally:
        pytensor.config.floatX = saved


def test_corruption_zeroes_the_given_fraction_of_the_inputs():
    x = pt.matrix("x")
    da = dA(numpy.random.RandomState(1), input=x, n_visible=400, n_hidden=5)
    corrupted = da.get_corrupted_input(x, 0.3)
    corrupt = pytensor.function(
        [x], corrupted, updates=da.theano_rng.updates_for([corrupted])
    )
    ones = numpy.ones((250, 400), dtype=pytensor.config.floatX)
    first, second = corrupt(ones), corrupt(ones)
    assert abs((first == 0).mean() - 0.3) < 0.006  # 100,000 draws
    assert (first != second).any()  # a new mask at every call
    data = numpy.random.RandomState(2).rand(3, 400).astype(ones.dtype)
    kept = corrupt(data)
    assert numpy.all((kept == 0) | (kept == data))


def test_training_steps_follow_a_numpy_implementation():
    """Three SGD steps without corruption, against hand-derived gradients."""
    rng = numpy.random.RandomState(3)
    xs = rng.rand(12, 10).astype(pytensor.config.floatX)
    x = pt.matrix("x")
    da = dA(numpy.random.RandomState(4), input=x, n_visible=10, n_hidden=6)
    W, b, b_prime = (p.get_value().astype("float64") for p in da.params)
    cost, updates = da.get_cost_updates(corruption_level=0.0, learning_rate=0.5)
    index = pt.lscalar()
    step = pytensor.function(
        [index],
        cost,
        updates=updates,
        givens={x: pytensor.shared(xs)[index * 4 : index * 4 + 4]},
    )
    costs = [step(i) for i in range(3)]
    expected = numpy_dA_epoch(xs.astype("float64"), W, b, b_prime, 0.5, 4)
    assert numpy.mean(costs) == pytest.approx(expected, rel=1e-5)
    for param, value in zip(da.params, (W, b, b_prime)):
        numpy.testing.assert_allclose(param.get_value(), value, rtol=1e-4, atol=1e-6)


def test_dA_smoke_run_follows_numpy_and_writes_the_filter_images(tmp_path):
    """The original smoke test (one epoch of each dA) through the command line.

    Without corruption the run is deterministic, so its cost must be what an
    independent NumPy implementation computes from the same initial weights
    (the original Theano code printed 63.2891694201 for this epoch; the NumPy
    float64 value agrees with it to all ten printed digits).
    """
    folder = tmp_path / "plots"
    done = run_module("dA", "--training-epochs", "1", "--output-folder", folder)
    assert done.returncode == 0, done.stderr
    assert_prints_the_original_lines("dA", done.stdout, done.stderr)
    lines = [line for line in done.stdout.splitlines() if line.startswith("Training")]
    assert len(lines) == 2 and lines[0].startswith("Training epoch 0, cost  ")
    clean, corrupted = (float(line.split()[-1]) for line in lines)

    (train_x, _), _, _ = read_dataset("mnist.pkl.gz")
    rng = numpy.random.RandomState(123)
    rng.randint(2**30)
    bound = 4 * numpy.sqrt(6.0 / (784 + 500))
    W = rng.uniform(-bound, bound, size=(784, 500)).astype("float32").astype("float64")
    expected = numpy_dA_epoch(
        train_x.astype("float64"), W, numpy.zeros(500), numpy.zeros(784), 0.1, 20
    )
    assert expected == pytest.approx(63.2891694201, abs=1e-9)
    assert clean == pytest.approx(expected, rel=1e-6)  # float32 against float64
    # With 30 % corruption the run draws the original's noise (Theano's MRG
    # streams), so it follows the original too: the original dA.py printed
    # 63.28916908111572 and 81.76498562164306 under Theano 1.0.5, float32.
    # Both round in float32 in their own order (a relative 3.5e-9 measured).
    original = last_numbers(original_lines("dA"), "Training epoch")
    assert [clean, corrupted] == pytest.approx(original, rel=5e-8)
    assert "The no corruption code for file dA.py ran for" in done.stderr
    assert "The 30% corruption code for file dA.py ran for" in done.stderr
    for name in ("filters_corruption_0.png", "filters_corruption_30.png"):
        with Image.open(folder / name) as image:
            assert image.format == "PNG" and image.mode == "L"
            assert image.size == (10 * 28 + 9, 10 * 28 + 9)


def test_dA_flags_are_validated(tmp_path):
    bad = run_module("dA", "--training-epochs", "0")
    assert bad.returncode == 2 and "positive integer" in bad.stderr
    blocker = tmp_path / "file"
    blocker.write_text("")
    bad = run_module("dA", "--output-folder", blocker / "sub")
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "--output-folder" in bad.stderr
