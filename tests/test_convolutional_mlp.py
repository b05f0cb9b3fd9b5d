"""LeNet: initial weights, gradients, the original smoke run, command line."""

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import run_module
from numpy_lenet import NumpyLeNet, draw_lenet_weights, mean_error, train_one_epoch
from original_logs import assert_prints_the_original_lines

from deeplearning_tutorials import convolutional_mlp
from deeplearning_tutorials.convolutional_mlp import LeNetConvPoolLayer, build_lenet5
from deeplearning_tutorials.machinery.data import read_dataset


def test_filters_are_drawn_as_the_original_drew_them():
    layer = LeNetConvPoolLayer(
        numpy.random.RandomState(23455),
        pt.tensor4(),
        filter_shape=(50, 20, 5, 5),
        image_shape=(500, 20, 12, 12),
    )
    # fan_in = 20 * 5 * 5; fan_out = 50 * 5 * 5 // (2 * 2) = 312, the
    # original's Python-2 integer division
    bound = numpy.sqrt(6.0 / (500 + 312))
    expected = numpy.random.RandomState(23455).uniform(-bound, bound, (50, 20, 5, 5))
    numpy.testing.assert_array_equal(layer.W.get_value(), expected.astype(layer.W.dtype))
    assert layer.b.get_value().shape == (50,) and not layer.b.get_value().any()


def test_the_network_draws_its_weights_in_the_original_order():
    layers = build_lenet5(numpy.random.RandomState(23455), pt.matrix(), [20, 50], 500)
    expected = draw_lenet_weights(numpy.random.RandomState(23455), (20, 50))
    got = [layers[0].W, layers[1].W, layers[2].W]
    for shared, value in zip(got, expected):
        numpy.testing.assert_array_equal(shared.get_value(), value.astype(shared.dtype))
    assert layers[2].W.get_value().shape == (800, 500)
    assert not layers[3].W.get_value().any()  # the logistic layer starts at 0


def test_layer_output_matches_numpy():
    rng = numpy.random.RandomState(1)
    images = rng.rand(3, 2, 10, 10).astype(pytensor.config.floatX)
    x = pt.tensor4("x")
    layer = LeNetConvPoolLayer(
        numpy.random.RandomState(2), x, filter_shape=(4, 2, 3, 3), image_shape=images.shape
    )
    layer.b.set_value(rng.randn(4).astype(layer.b.dtype))
    got = pytensor.function([x], layer.output)(images)
    from numpy_lenet import convolve, max_pool

    expected = numpy.tanh(
        max_pool(convolve(images, layer.W.get_value())) + layer.b.get_value()[:, None, None]
    )
    numpy.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_mismatched_feature_maps_are_refused():
    with pytest.raises(ValueError, match="feature maps"):
        LeNetConvPoolLayer(
            numpy.random.RandomState(0),
            pt.tensor4(),
            filter_shape=(5, 3, 5, 5),
            image_shape=(10, 1, 28, 28),
        )


# the smoke run already follows NumPy for a whole epoch; this per-parameter
# check costs about 25 s of cold compilation, outside the default run
@pytest.mark.slow
def test_gradients_of_the_first_minibatch_match_numpy():
    """All eight parameter gradients of the cost, against hand-derived NumPy."""
    floatX = pytensor.config.floatX
    (train_x, train_y), _, _ = read_dataset()
    xs, ys = train_x[:50].astype(floatX), train_y[:50].astype("int32")
    reference = NumpyLeNet(numpy.random.RandomState(23455), (5, 6), dtype=floatX)
    # a trained-looking logistic layer, so that every gradient is non-zero
    reference.W3[...] = numpy.random.RandomState(3).uniform(-0.1, 0.1, (500, 10))

    x, y = pt.matrix("x"), pt.ivector("y")
    layers = build_lenet5(numpy.random.RandomState(23455), x, [5, 6], 50)
    layers[3].W.set_value(reference.W3.copy())
    cost = layers[3].negative_log_likelihood(y)
    params = {
        "W0": layers[0].W, "b0": layers[0].b, "W1": layers[1].W, "b1": layers[1].b,
        "W2": layers[2].W, "b2": layers[2].b, "W3": layers[3].W, "b3": layers[3].b,
    }  # fmt: skip
    grads = pytensor.function([x, y], pytensor.grad(cost, list(params.values())))(xs, ys)
    expected = reference.gradients(xs, ys)
    for name, got in zip(params, grads):
        scale = numpy.abs(expected[name]).max()
        assert scale > 0, name
        numpy.testing.assert_allclose(got, expected[name], atol=1e-4 * scale, err_msg=name)


def test_the_original_smoke_run_matches_numpy(capsys):
    """The original test suite's run, ``evaluate_lenet5(n_epochs=1, nkerns=[5, 5])``:
    one epoch of 100 minibatches of 500, against the NumPy LeNet trained on
    the same minibatches from the same initial weights."""
    result = convolutional_mlp.evaluate_lenet5(n_epochs=1, nkerns=[5, 5])
    printed = capsys.readouterr()
    assert_prints_the_original_lines("convolutional_mlp", printed.out, printed.err)
    out = printed.out.splitlines()

    floatX = pytensor.config.floatX
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = read_dataset()
    reference = NumpyLeNet(numpy.random.RandomState(23455), (5, 5), dtype=floatX)
    train_one_epoch(reference, train_x.astype(floatX), train_y, 500, 0.1)
    expected_valid = mean_error(reference, valid_x.astype(floatX), valid_y, 500)
    expected_test = mean_error(reference, test_x.astype(floatX), test_y, 500)
    # float32 sums in another order (NumPy's BLAS, its thread count) may
    # flip an example or two of 10,000 after 100 SGD steps
    assert result.best_validation_loss == pytest.approx(expected_valid, abs=2.5e-4)
    assert result.test_score == pytest.approx(expected_test, abs=2.5e-4)

    # pinned: what PyTensor prints in float32. One borderline test image of
    # 10,000 depends on how OpenBLAS shares the convolutions' products among
    # its threads (the order of a float32 sum): measured 13.680000 % with two
    # BLAS threads, 13.690000 % with one; nothing else may differ.
    test_error = out[-3].rsplit(" ", 2)[-2]
    assert test_error in {"13.680000", "13.690000"}, out[-3]
    assert out[-5:] == [
        "training @ iter =  0",
        "epoch 1, minibatch 100/100, validation error 13.300000 %",
        f"     epoch 1, minibatch 100/100, test error of best model {test_error} %",
        "Optimization complete.",
        "Best validation score of 13.300000 % obtained at iteration 100, "
        f"with test performance {test_error} %",
    ]


def test_help_lists_the_flags_and_their_defaults():
    proc = run_module("convolutional_mlp", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    for flag in ("--nkerns N0 N1", "--learning-rate", "--n-epochs", "--batch-size"):
        assert flag in text
    assert "(default: [20, 50])" in text
    assert "(default: 500)" in text and "(default: 200)" in text and "(default: 0.1)" in text


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--nkerns", "20", "0"], "positive integer"),
        (["--nkerns", "20", "x"], "positive integer"),
        (["--nkerns", "20"], "expected 2 arguments"),
        (["--batch-size", "0"], "positive integer"),
        (["--learning-rate", "-1"], "positive finite number"),
    ],
)
def test_bad_flags_end_with_one_line_and_status_2(flags, message):
    proc = run_module("convolutional_mlp", *flags)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


def test_bad_nkerns_from_python_is_a_clear_error():
    with pytest.raises(ValueError, match="nkerns"):
        convolutional_mlp.evaluate_lenet5(nkerns=[20])


def test_a_batch_larger_than_the_data_is_refused(small_dataset):
    proc = run_module("convolutional_mlp", "--dataset", small_dataset, "--batch-size", "500")
    assert proc.returncode == 2
    assert "batch size 500 is larger than the training set" in proc.stderr
