"""Logistic regression by conjugate gradients: a short run against what the
original code/logistic_cg.py printed under Theano 1.0.5 (float64; the original
cannot run in float32), and the same run in float32, which the original could
not make.

The reference, tests/oracle/logistic_cg_float64.stdout and .stderr, is 10
iterations of fmin_cg on the full MNIST, made by tests/oracle/run_original_cg.sh;
tests/oracle/logistic_cg_float64_50.stdout is the original's default run (50
iterations), which the recorded float64 run under results/ must have printed.
"""

import json
from pathlib import Path

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from original_logs import assert_prints_the_original_lines

from deeplearning_tutorials import logistic_cg

REPO = Path(__file__).resolve().parent.parent
ORACLE = REPO / "tests" / "oracle"
ORIGINAL_STDOUT = (ORACLE / "logistic_cg_float64.stdout").read_text()
ORIGINAL_STDERR = (ORACLE / "logistic_cg_float64.stderr").read_text()
N_EPOCHS = 10  # the reference's iterations


@pytest.fixture
def floatX(request):
    saved = pytensor.config.floatX
    pytensor.config.floatX = request.param
    yield request.param
    pytensor.config.floatX = saved


def test_the_formats_accept_what_the_original_printed():
    assert_prints_the_original_lines(
        "logistic_cg", ORIGINAL_STDOUT, ORIGINAL_STDERR, floatX="float64"
    )


def without_timing(lines):
    return [line for line in lines if not line.startswith("The code for file ")]


def test_the_recorded_float64_run_printed_the_originals_default_run():
    """results/logistic_cg_float64.log (the default run, 50 iterations) is
    what the original printed on stdout, line for line; both records hold
    the figures their logs print."""
    original = (ORACLE / "logistic_cg_float64_50.stdout").read_text().splitlines()
    recorded = (REPO / "results" / "logistic_cg_float64.log").read_text().splitlines()
    assert without_timing(recorded) == original
    for name in ("logistic_cg", "logistic_cg_float64"):
        record = json.loads((REPO / "results" / f"{name}.json").read_text())
        log = (REPO / "results" / f"{name}.log").read_text().splitlines()
        assert record["model"] == "logistic_cg" and record["epochs"] == 50
        final = next(line for line in log if line.startswith("Optimization complete"))
        assert final == (
            "Optimization complete with best validation score of %f %%, with "
            "test performance %f %%"
            % (record["best_validation_error_percent"], record["test_error_percent"])
        )
        validation = [line for line in log if line.startswith("validation error ")]
        assert validation == [
            "validation error %f %%" % (100 * v) for v in record["validation_history"]
        ]
    assert json.loads((REPO / "results" / "logistic_cg.json").read_text())[
        "floatX"
    ] == "float32"


def test_theta_holds_W_and_b():
    """W is theta's first n_in * n_out numbers, row by row; b the last n_out;
    the probabilities and the cost as NumPy computes them from those views."""
    x, y = pt.matrix("x"), pt.ivector("y")
    model = logistic_cg.LogisticRegression(x, n_in=4, n_out=3)
    rng = numpy.random.RandomState(0)
    theta = rng.randn(15).astype(model.theta.dtype)
    model.theta.set_value(theta)
    xs = rng.randn(6, 4).astype(theta.dtype)
    ys = numpy.array([0, 1, 2, 0, 1, 2], dtype="int32")
    f = pytensor.function(
        [x, y], [model.W, model.b, model.p_y_given_x, model.negative_log_likelihood(y)]
    )
    W, b, p, nll = f(xs, ys)
    numpy.testing.assert_array_equal(W, theta[:12].reshape(4, 3))
    numpy.testing.assert_array_equal(b, theta[12:])
    logits = xs @ W + b
    expected = numpy.exp(logits) / numpy.exp(logits).sum(axis=1, keepdims=True)
    numpy.testing.assert_allclose(p, expected, rtol=1e-5)
    numpy.testing.assert_allclose(
        nll, -numpy.log(expected[numpy.arange(6), ys]).mean(), rtol=1e-5
    )


@pytest.mark.parametrize("floatX", ["float64"], indirect=True)
def test_float64_prints_the_originals_lines(floatX, capsys):
    result = logistic_cg.cg_optimization_mnist(n_epochs=N_EPOCHS)
    printed = capsys.readouterr()
    assert printed.out.splitlines() == ORIGINAL_STDOUT.splitlines()
    assert_prints_the_original_lines("logistic_cg", printed.out, printed.err, floatX)
    assert result.epochs == N_EPOCHS
    assert result.best_validation_loss == pytest.approx(0.1153125)
    assert result.test_score == pytest.approx(0.11635417, abs=1e-8)


@pytest.mark.parametrize("floatX", ["float32"], indirect=True)
def test_float32_runs_and_prints_the_same_lines(floatX, capsys, tmp_path):
    """The original fails here (theta.set_value refuses SciPy's float64
    vector); the port casts it, prints the original's line formats, and
    its best validation error is that of the parameters it kept."""
    record = tmp_path / "cg.json"
    result = logistic_cg.cg_optimization_mnist(n_epochs=3, results_json=str(record))
    printed = capsys.readouterr()
    assert_prints_the_original_lines("logistic_cg", printed.out, printed.err, floatX)
    lines = printed.out.splitlines()
    assert sum(line.startswith("validation error ") for line in lines) == 3
    assert result.epochs == 3
    assert len(result.validation_history) == 3
    assert result.best_validation_loss == min(result.validation_history)
    # a float32 run goes where the float64 one went, to within a few images
    # of the 9600 scored
    first_three = [
        float(line.split()[2]) / 100
        for line in ORIGINAL_STDOUT.splitlines()
        if line.startswith("validation error ")
    ][:3]
    numpy.testing.assert_allclose(result.validation_history, first_three, atol=5e-4)
    assert '"model": "logistic_cg"' in record.read_text()
    assert '"floatX": "float32"' in record.read_text()


def test_the_command_line_takes_the_common_flags_but_no_checkpoints(capsys):
    with pytest.raises(SystemExit) as exit:
        logistic_cg.main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    for flag in ["--dataset", "--floatX", "--mode", "--blas-threads",
                 "--results-json", "--n-epochs"]:
        assert flag in out
    # fmin_cg keeps its state to itself: a run cannot be resumed
    assert "--checkpoint-dir" not in out
    with pytest.raises(SystemExit) as exit:
        logistic_cg.main(["--checkpoint-dir", "x"])
    assert exit.value.code == 2
