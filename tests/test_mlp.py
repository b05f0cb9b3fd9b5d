"""The multilayer perceptron: initialisation, gradients, and its first epoch."""

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from numpy_sgd import NumpyMLP, mean_error, train_one_epoch
from original_logs import assert_prints_the_original_lines
from pytensor.graph.replace import clone_replace

from deeplearning_tutorials import mlp
from deeplearning_tutorials.machinery.data import read_dataset
from deeplearning_tutorials.mlp import MLP, HiddenLayer


def test_hidden_weights_are_drawn_as_the_original_drew_them():
    layer = HiddenLayer(numpy.random.RandomState(1234), pt.matrix(), 784, 500)
    bound = numpy.sqrt(6.0 / (784 + 500))
    expected = numpy.random.RandomState(1234).uniform(-bound, bound, size=(784, 500))
    numpy.testing.assert_array_equal(
        layer.W.get_value(), expected.astype(layer.W.dtype)
    )
    assert not layer.b.get_value().any()


def test_sigmoid_layers_use_a_four_times_wider_interval():
    tanh = HiddenLayer(numpy.random.RandomState(5), pt.matrix(), 30, 20)
    sigmoid = HiddenLayer(
        numpy.random.RandomState(5), pt.matrix(), 30, 20, activation=pt.sigmoid
    )
    numpy.testing.assert_allclose(
        sigmoid.W.get_value(), 4 * tanh.W.get_value(), rtol=1e-6
    )


def test_gradient_of_the_regularised_cost_is_correct():
    """Symbolic gradients of NLL + L1 + L2 against finite differences."""
    saved = pytensor.config.floatX
    pytensor.config.floatX = "float64"
    try:
        rng = numpy.random.RandomState(0)
        xs = rng.rand(7, 6)
        ys = numpy.array([0, 1, 2, 3, 1, 2, 0], dtype="int32")
        x = pt.matrix("x")
        net = MLP(numpy.random.RandomState(1), x, n_in=6, n_hidden=5, n_out=4)
        cost = net.negative_log_likelihood(ys) + 0.01 * net.L1 + 0.001 * net.L2_sqr

        def cost_of(W1, b1, W2, b2):
            return clone_replace(
                cost, dict(zip(net.params, [W1, b1, W2, b2])) | {x: xs}
            )

        point = [
            net.hiddenLayer.W.get_value(),
            rng.randn(5),
            rng.randn(5, 4),  # away from 0, where |W| is not differentiable
            rng.randn(4),
        ]
        pytensor.gradient.verify_grad(
            cost_of, point, rng=rng, abs_tol=1e-6, rel_tol=1e-6
        )
    finally:
        pytensor.config.floatX = saved


def test_first_epoch_matches_an_independent_numpy_implementation(capsys):
    """Train one epoch with PyTensor and with hand-derived NumPy gradients."""
    result = mlp.test_mlp(n_epochs=1)
    printed = capsys.readouterr()
    assert_prints_the_original_lines("mlp", printed.out, printed.err)
    out = printed.out.splitlines()

    floatX = pytensor.config.floatX
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = read_dataset()
    reference = NumpyMLP(numpy.random.RandomState(1234), dtype=floatX)
    train_one_epoch(reference, train_x.astype(floatX), train_y, 20, 0.01)
    expected_valid = mean_error(reference, valid_x.astype(floatX), valid_y, 20)
    expected_test = mean_error(reference, test_x.astype(floatX), test_y, 20)

    assert (
        f"epoch 1, minibatch 2500/2500, validation error {expected_valid * 100:f} %"
        in out
    )
    assert (
        f"     epoch 1, minibatch 2500/2500, test error of best model {expected_test * 100:f} %"
        in out
    )
    assert result.best_validation_loss == pytest.approx(expected_valid, abs=1e-9)
    assert result.test_score == pytest.approx(expected_test, abs=1e-9)
    # pinned: the first epoch of the original defaults in float32 (what both
    # implementations above print on this data)
    assert "epoch 1, minibatch 2500/2500, validation error 9.620000 %" in out
    assert out[-1] == (
        "Optimization complete. Best validation score of 9.620000 % obtained "
        "at iteration 2500, with test performance 10.090000 %"
    )
