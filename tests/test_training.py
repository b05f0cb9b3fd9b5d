"""The early-stopping loop, driven by scripted validation scores.

The expected stopping points are worked out by hand from the protocol of
the original code (logistic_sgd.py's and mlp.py's training loop: validation
every min(n_train_batches, patience // 2) minibatches; patience =
max(patience, iter * patience_increase) on an improvement by more than the
improvement threshold; stop when patience <= iter)."""

import json

import numpy
import pytensor
import pytest

from deeplearning_tutorials.machinery import training


class Scripted:
    """A fake validate/test model returning the next scripted error per pass."""

    def __init__(self, scores, n_batches):
        self.scores = list(scores)
        self.n_batches = n_batches
        self.calls = 0

    def __call__(self, index):
        score = self.scores[self.calls // self.n_batches]
        self.calls += 1
        return score


def run(valid_scores, n_train_batches=5, patience=10, n_epochs=100, **kw):
    steps = []

    def train(index):
        steps.append(index)
        return 0.5  # the cost

    validate = Scripted(valid_scores, n_batches=2)
    test = Scripted([0.25, 0.20, 0.15, 0.10, 0.05], n_batches=3)
    result = training.train_with_early_stopping(
        (train, validate, test),
        (n_train_batches, 2, 3),
        n_epochs=n_epochs,
        patience=patience,
        **kw,
    )
    return result, steps


def test_patience_runs_out_after_a_significant_improvement(capsys):
    result, steps = run([0.5, 0.4, 0.45, 0.45, 0.45])
    # epoch 1 (iter 4): best 0.5, patience max(10, 8) = 10
    # epoch 2 (iter 9): 0.4 < 0.5 * 0.995, patience max(10, 18) = 18
    # epoch 3 (iter 14): no improvement; stop at iter 18, inside epoch 4
    assert len(steps) == 19
    assert steps[-1] == 3  # minibatch index of iter 18
    assert result.epochs == 4
    assert result.best_iter == 9
    assert result.best_validation_loss == 0.4
    assert result.test_score == pytest.approx(0.20)
    assert result.validation_history == [0.5, 0.4, 0.45]
    assert capsys.readouterr().out.splitlines() == [
        "epoch 1, minibatch 5/5, validation error 50.000000 %",
        "     epoch 1, minibatch 5/5, test error of best model 25.000000 %",
        "epoch 2, minibatch 5/5, validation error 40.000000 %",
        "     epoch 2, minibatch 5/5, test error of best model 20.000000 %",
        "epoch 3, minibatch 5/5, validation error 45.000000 %",
    ]


def test_a_tiny_improvement_is_recorded_but_does_not_extend_patience():
    # 0.399 beats 0.4 but not by 0.5 %: new best, patience stays 18
    result, steps = run([0.5, 0.4, 0.399, 0.45, 0.45])
    assert result.best_validation_loss == 0.399
    assert result.best_iter == 14
    assert len(steps) == 19


def test_a_significant_improvement_extends_patience():
    # 0.3 at iter 14: patience max(18, 28) = 28, so training stops at iter 28
    result, steps = run([0.5, 0.4, 0.3, 0.35, 0.35, 0.35])
    assert len(steps) == 29
    assert result.epochs == 6


def test_n_epochs_bounds_the_run():
    result, steps = run([0.5, 0.4, 0.3, 0.2], n_epochs=2)
    assert result.epochs == 2 and len(steps) == 10


def test_validation_frequency_is_half_the_patience_when_epochs_are_long(capsys):
    # n_train_batches 8, patience 6: validate every 3 minibatches
    run([0.5, 0.5, 0.5], n_train_batches=8, patience=6, n_epochs=1)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "epoch 1, minibatch 3/8, validation error 50.000000 %"
    assert lines[2] == "epoch 1, minibatch 6/8, validation error 50.000000 %"


def test_on_new_best_is_called_with_epoch_and_iteration():
    seen = []
    run([0.5, 0.4, 0.45, 0.45], on_new_best=lambda e, i: seen.append((e, i)))
    assert seen == [(1, 4), (2, 9)]


def test_closing_lines_and_record(capsys, tmp_path):
    result = training.TrainingResult(0.075, 6058, 0.07489583, 74, 37.0)
    training.report_with_epochs_per_second(result, "/x/logistic_sgd.py")
    training.report_with_iteration(result, "/x/mlp.py")
    captured = capsys.readouterr()
    # the original's formats: logistic_sgd.py joins its two literals without
    # a space ("%,with"), mlp.py prints one line
    assert captured.out.splitlines() == [
        "Optimization complete with best validation score of 7.500000 %,"
        "with test performance 7.489583 %",
        "The code run for 74 epochs, with 2.000000 epochs/sec",
        "Optimization complete. Best validation score of 7.500000 % obtained "
        "at iteration 6059, with test performance 7.489583 %",
    ]
    assert captured.err.splitlines() == [
        "The code for file logistic_sgd.py ran for 37.0s",
        "The code for file mlp.py ran for 0.62m",
    ]
    path = tmp_path / "r.json"
    training.write_record(path, result, model="m")
    record = json.loads(path.read_text())
    assert record["floatX"] == pytensor.config.floatX
    assert record["best_validation_error_percent"] == pytest.approx(7.5)
    assert record["best_iteration"] == 6059 and record["model"] == "m"


def test_progress_bar_only_on_a_terminal(capsys, monkeypatch):
    run([0.5], n_epochs=1)
    assert "batch" not in capsys.readouterr().err
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    run([0.5], n_epochs=1)
    captured = capsys.readouterr()
    assert "epoch 1" in captured.err and "batch" in captured.err
    assert "epoch 1, minibatch 5/5, validation error 50.000000 %" in captured.out


@pytest.mark.parametrize("batch_size", [20, 500, 600])
def test_under_jax_the_float32_minibatch_errors_average_as_the_exact_fractions(
    monkeypatch, batch_size
):
    """JAX returns k / batch_size as the nearest float32; the mean must be
    the one of the exact fractions, which float64 gives on the other
    backends (the reference: Python's Fraction, rounded once)."""
    from fractions import Fraction

    counts = numpy.random.RandomState(0).randint(0, batch_size // 4, size=20)
    as_jax = [numpy.float32(k / batch_size) for k in counts]
    exact = float(sum(Fraction(int(k), batch_size) for k in counts) / len(counts))

    monkeypatch.setattr(training.config, "uses_jax", lambda: True)
    got = training.mean_error(lambda i: as_jax[i], len(counts), batch_size)
    assert abs(got - exact) <= 2 * numpy.finfo(float).eps * exact
    # (the case is not trivial: some float32 values are not the fractions)
    assert any(float(v) != k / batch_size for v, k in zip(as_jax, counts))
    monkeypatch.setattr(training.config, "uses_jax", lambda: False)
    assert training.mean_error(lambda i: as_jax[i], len(counts), batch_size) == numpy.mean(
        as_jax
    )
