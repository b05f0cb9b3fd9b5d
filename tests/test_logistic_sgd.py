"""Logistic regression: the model's checks and the published run, digit for digit."""

import numpy
import pytensor
import pytensor.tensor as pt
import pytest

from original_logs import assert_prints_the_original_lines

from deeplearning_tutorials import checkpoint, logistic_sgd
from deeplearning_tutorials.logistic_sgd import LogisticRegression

# The published run: best validation 7.500000 %, test 7.489583 %, 74 epochs
# (the tutorial's text), in the format of the original logistic_sgd.py, whose
# two string literals are joined without a space ("%,with").
PUBLISHED_FINAL_LINE = (
    "Optimization complete with best validation score of 7.500000 %,"
    "with test performance 7.489583 %"
)


@pytest.fixture(params=["float32", "float64"])
def floatX(request):
    saved = pytensor.config.floatX
    pytensor.config.floatX = request.param
    yield request.param
    pytensor.config.floatX = saved


def test_errors_rejects_labels_of_the_wrong_rank():
    model = LogisticRegression(pt.matrix("x"), n_in=4, n_out=3)
    with pytest.raises(TypeError, match="same shape as self.y_pred"):
        model.errors(pt.imatrix("y"))


def test_errors_rejects_float_labels():
    model = LogisticRegression(pt.matrix("x"), n_in=4, n_out=3)
    with pytest.raises(NotImplementedError):
        model.errors(pt.vector("y"))


def test_probabilities_and_errors_against_numpy():
    x, y = pt.matrix("x"), pt.ivector("y")
    model = LogisticRegression(x, n_in=4, n_out=3)
    rng = numpy.random.RandomState(0)
    W = rng.randn(4, 3).astype(model.W.dtype)
    b = rng.randn(3).astype(model.b.dtype)
    model.W.set_value(W)
    model.b.set_value(b)
    xs = rng.randn(6, 4).astype(model.W.dtype)
    ys = numpy.array([0, 1, 2, 0, 1, 2], dtype="int32")
    f = pytensor.function(
        [x, y], [model.p_y_given_x, model.negative_log_likelihood(y), model.errors(y)]
    )
    p, nll, err = f(xs, ys)
    logits = xs @ W + b
    expected_p = numpy.exp(logits) / numpy.exp(logits).sum(axis=1, keepdims=True)
    numpy.testing.assert_allclose(p, expected_p, rtol=1e-5)
    numpy.testing.assert_allclose(
        nll, -numpy.log(expected_p[numpy.arange(6), ys]).mean(), rtol=1e-5
    )
    assert err == pytest.approx(numpy.mean(expected_p.argmax(axis=1) != ys))


def test_default_run_reproduces_the_published_log(floatX, tmp_path, capsys):
    """The full default run (74 epochs) in float32 and in float64."""
    model_path = tmp_path / "best_model.npz"
    result = logistic_sgd.sgd_optimization_mnist(model_path=str(model_path))
    printed = capsys.readouterr()
    assert_prints_the_original_lines("logistic_sgd", printed.out, printed.err, floatX)
    out = printed.out.splitlines()
    assert "epoch 72, minibatch 83/83, validation error 7.510417 %" in out
    assert out[-4:-1] == [
        "epoch 73, minibatch 83/83, validation error 7.500000 %",
        "     epoch 73, minibatch 83/83, test error of best model 7.489583 %",
        PUBLISHED_FINAL_LINE,
    ]
    assert out[-1].startswith("The code run for 74 epochs, with ")
    assert result.epochs == 74
    # the saved model is the best one: it reproduces the best validation score
    assert model_path.exists()


def test_predict_uses_the_saved_model(tmp_path, capsys, small_dataset):
    model_path = tmp_path / "m.npz"
    logistic_sgd.sgd_optimization_mnist(
        n_epochs=1, batch_size=10, dataset=small_dataset, model_path=str(model_path)
    )
    capsys.readouterr()
    predicted = logistic_sgd.predict(str(model_path), dataset=small_dataset)
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "Predicted values for the first 10 examples in test set:"
    # an independent NumPy prediction from the saved arrays
    with numpy.load(model_path) as saved:
        W, b = saved["param_0_W"], saved["param_1_b"]
    from deeplearning_tutorials.data import read_dataset

    test_x = read_dataset(small_dataset)[2][0][:10]
    numpy.testing.assert_array_equal(predicted, numpy.argmax(test_x @ W + b, axis=1))


def test_model_files_from_elsewhere_are_refused(tmp_path):
    x = pt.matrix("x")
    model = LogisticRegression(x, n_in=784, n_out=10)
    other = tmp_path / "other.npz"
    checkpoint.save_params(other, "MLP", model.params)
    with pytest.raises(checkpoint.ModelFileError, match="holds a MLP model"):
        logistic_sgd.predict(str(other))
    wrong_shape = tmp_path / "shape.npz"
    checkpoint.save_params(
        wrong_shape, "LogisticRegression", LogisticRegression(x, 5, 10).params
    )
    with pytest.raises(checkpoint.ModelFileError, match="shape"):
        logistic_sgd.predict(str(wrong_shape))
    truncated = tmp_path / "truncated.npz"
    checkpoint.save_params(truncated, "LogisticRegression", model.params)
    truncated.write_bytes(truncated.read_bytes()[:500])
    with pytest.raises(
        checkpoint.ModelFileError, match="not a readable saved model file"
    ):
        logistic_sgd.predict(str(truncated))
    with pytest.raises(checkpoint.ModelFileError, match="no saved model"):
        logistic_sgd.predict(str(tmp_path / "absent.npz"))
