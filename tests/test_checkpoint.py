"""Saving and resuming runs: the file format, and runs killed for real."""

import json
import signal
import subprocess
import sys
import time

import numpy
import pytensor
import pytest
from conftest import REPO, error_lines, run_module

from deeplearning_tutorials.machinery import training
from deeplearning_tutorials.machinery.checkpoint import Checkpointer, ModelFileError

# the last lines of the run the tutorial's text shows, as it prints them and as
# the original logistic_sgd.py prints them ("%,with": its two string literals
# are joined without a space)
PUBLISHED_LAST_LINES = [
    "epoch 73, minibatch 83/83, validation error 7.500000 %",
    "     epoch 73, minibatch 83/83, test error of best model 7.489583 %",
    "Optimization complete with best validation score of 7.500000 %,"
    "with test performance 7.489583 %",
]


# ------------------------------------------------------------ the file itself


def make_checkpointer(directory, shape=(3, 2), name="W", **settings):
    param = pytensor.shared(
        numpy.arange(numpy.prod(shape), dtype="float64").reshape(shape), name=name
    )
    return (
        Checkpointer(directory, "Toy", [param], settings or {"learning_rate": 0.1}),
        param,
    )


def test_round_trip(tmp_path):
    saver, param = make_checkpointer(tmp_path)
    saver.save({"iteration": 7}, best_values=[param.get_value() * 2])
    param.set_value(numpy.zeros((3, 2)))
    state, best = saver.restore()
    assert state == {"iteration": 7}
    numpy.testing.assert_array_equal(param.get_value(), numpy.arange(6.0).reshape(3, 2))
    numpy.testing.assert_array_equal(best[0], numpy.arange(6.0).reshape(3, 2) * 2)
    # plain arrays and JSON: readable without pickle
    with numpy.load(saver.path, allow_pickle=False) as archive:
        assert json.loads(str(archive["state_json"]))["settings"] == {
            "learning_rate": 0.1
        }


def test_integer_state_round_trips_and_must_stay_integer(tmp_path):
    """The rbm keeps an integer shared variable (``bit_i_idx``, the unit its
    pseudo-likelihood flips next) in its training state; a checkpoint keeps
    it as an integer and refuses floats in its place."""
    weights = pytensor.shared(numpy.ones((2, 2)), name="W")
    index = pytensor.shared(numpy.int64(5), name="bit_i_idx")
    saver = Checkpointer(tmp_path, "Toy", [weights, index], {"lr": 0.1})
    saver.save({"iteration": 3})
    index.set_value(0)
    assert saver.restore()[0] == {"iteration": 3}
    assert index.get_value() == 5 and index.get_value().dtype == numpy.int64

    floats = pytensor.shared(numpy.float64(5), name="bit_i_idx")
    Checkpointer(tmp_path, "Toy", [weights, floats], {"lr": 0.1}).save({})
    with pytest.raises(ModelFileError, match="bit_i_idx is not an integer array"):
        saver.restore()


def test_a_state_as_large_as_the_dbns_round_trips(tmp_path):
    """The DBN's pre-training state holds the states of its MRG noise
    streams in base64: 4,424,316 characters of JSON at the default sizes
    (measured on its first checkpoint). One of 6 million comes back whole;
    one beyond the limit is refused before its memory is allocated."""
    from deeplearning_tutorials.machinery import checkpoint

    saver, _ = make_checkpointer(tmp_path)
    streams = "A" * 6_000_000
    saver.save({"rng_states": [streams]})
    assert saver.restore()[0] == {"rng_states": [streams]}
    saver.save({"rng_states": ["A" * checkpoint.MAX_TEXT_CHARS]})
    with pytest.raises(ModelFileError, match="state_json is not a text"):
        saver.restore()


def test_other_settings_are_refused(tmp_path):
    saver, _ = make_checkpointer(tmp_path)
    saver.save({"iteration": 1})
    other, _ = make_checkpointer(tmp_path, learning_rate=0.5)
    with pytest.raises(ModelFileError, match="learning_rate=0.1.*learning_rate=0.5"):
        other.restore()


def test_other_models_and_shapes_are_refused(tmp_path):
    saver, _ = make_checkpointer(tmp_path)
    saver.save({"iteration": 1})
    wrong_shape, _ = make_checkpointer(tmp_path, shape=(2, 2))
    with pytest.raises(ModelFileError, match=r"shape \(3, 2\), expected \(2, 2\)"):
        wrong_shape.restore()
    other_model = Checkpointer(
        tmp_path, "MLP", wrong_shape.params, wrong_shape.settings
    )
    with pytest.raises(ModelFileError, match="holds a Toy model, not a MLP"):
        other_model.restore()


def test_truncated_checkpoint_is_one_clear_error(tmp_path):
    saver, _ = make_checkpointer(tmp_path)
    saver.save({"iteration": 1})
    saver.path.write_bytes(saver.path.read_bytes()[:300])
    with pytest.raises(ModelFileError, match="not a readable checkpoint"):
        saver.restore()


def test_a_failed_write_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    saver, param = make_checkpointer(tmp_path)
    saver.save({"iteration": 1})

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(numpy, "savez", crash)
    with pytest.raises(OSError):
        saver.save({"iteration": 2})
    monkeypatch.undo()
    assert saver.restore()[0] == {"iteration": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.npz"]


# ------------------------------------------------------------ divergence


def run_loop(train, n_train_batches, n_epochs, **kwargs):
    """The early-stopping loop with ``train`` and constant validation/test errors."""
    return training.train_with_early_stopping(
        (train, lambda i: 0.5, lambda i: 0.5),
        (n_train_batches, 1, 1),
        n_epochs=n_epochs,
        patience=1000,
        **kwargs,
    )


def test_divergence_stops_at_once_and_keeps_the_last_good_checkpoint(tmp_path):
    saver, param = make_checkpointer(tmp_path)
    costs = iter([1.0] * 12 + [numpy.nan])

    def train(index):
        param.set_value(param.get_value() + 1)
        return next(costs)

    with pytest.raises(
        training.TrainingDiverged, match="epoch 3, minibatch 3/5: the cost is nan"
    ):
        run_loop(train, 5, n_epochs=10, params=[param], checkpointer=saver)
    state, _ = saver.restore()
    assert state["iteration"] == 10  # the end of epoch 2, the last good state


def test_non_finite_parameters_are_caught_at_validation():
    param = pytensor.shared(numpy.zeros(3), name="b")

    def train(index):
        param.set_value(numpy.array([0.0, numpy.inf, 0.0]))
        return 1.0

    with pytest.raises(
        training.TrainingDiverged, match="epoch 1, minibatch 4.*parameter b"
    ):
        run_loop(train, 4, n_epochs=2, params=[param])


def test_cli_divergence_is_one_line_and_status_3(tmp_path):
    proc = run_module(
        "logistic_sgd",
        "--learning-rate",
        "1e37",
        "--n-epochs",
        "2",
        "--model-path",
        tmp_path / "m.npz",
    )
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "epoch 1, minibatch 2/83" in lines[0] and "learning rate" in lines[0]


# ------------------------------------------------------------ real interruptions


def saved_iteration(directory):
    try:
        with numpy.load(directory / "checkpoint.npz", allow_pickle=False) as archive:
            return json.loads(str(archive["state_json"]))["state"]["iteration"]
    except FileNotFoundError:
        return None


def start(directory, model_path):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deeplearning_tutorials.logistic_sgd",
            "--checkpoint-dir",
            str(directory),
            "--resume",
            "--model-path",
            str(model_path),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_iteration(proc, directory, at_least, timeout=1200):
    deadline = time.time() + timeout
    while time.time() < deadline:
        iteration = saved_iteration(directory)
        if iteration is not None and iteration >= at_least:
            return iteration
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    raise AssertionError("the run did not reach the iteration in time")


def test_runs_killed_at_several_points_resume_to_the_published_result(tmp_path):
    """SIGKILL during start-up, right after a checkpoint, and mid-epoch at
    seeded random moments; each time the checkpoint must be readable, and the
    last resumed run must end exactly as the published uninterrupted run."""
    directory, model_path = tmp_path / "ck", tmp_path / "best.npz"
    rng = numpy.random.RandomState(0)
    # the run stops itself after 74 epochs (a few seconds when the compile
    # cache is warm): the last kill leaves it 39 epochs, so that a test slowed
    # by a loaded machine still finds it running
    kill_after = [None, 5 * 83, 15 * 83, 25 * 83, 35 * 83]
    for target in kill_after:
        proc = start(directory, model_path)
        if target is None:
            time.sleep(rng.uniform(0.5, 2.0))  # while loading or compiling
        else:
            wait_for_iteration(proc, directory, target)
            time.sleep(rng.uniform(0.0, 0.1))  # somewhere in the next epoch
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        iteration = saved_iteration(directory)  # never unreadable
        assert target is None or iteration >= target
    proc = start(directory, model_path)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert lines[-4:-1] == PUBLISHED_LAST_LINES
    assert lines[-1].startswith("The code run for 74 epochs")
    # the resumed run printed exactly the epochs after its checkpoint
    resumed_from = int(
        next(l for l in lines if l.startswith("... resuming")).split()[4]
    )
    first_epoch = int(error_lines(out)[0].split()[1].rstrip(","))
    assert first_epoch == resumed_from // 83 + 1


def test_ctrl_c_saves_mid_epoch_and_says_how_to_resume(tmp_path):
    directory, model_path = tmp_path / "ck", tmp_path / "best.npz"
    proc = start(directory, model_path)
    wait_for_iteration(proc, directory, 3 * 83)  # 71 of its 74 epochs left
    time.sleep(0.03)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert (
        "state saved, resume with: python -m deeplearning_tutorials.logistic_sgd" in err
    )
    assert "--resume" in err and len(err.strip().splitlines()) == 1
    interrupted_at = saved_iteration(directory)
    proc = start(directory, model_path)
    out2, err2 = proc.communicate(timeout=600)
    assert proc.returncode == 0, err2
    assert out2.splitlines()[-4:-1] == PUBLISHED_LAST_LINES
    assert f"... resuming after minibatch {interrupted_at} " in out2


def test_resuming_a_finished_run_reports_it_again(tmp_path, small_dataset):
    args = [
        "--dataset",
        small_dataset,
        "--batch-size",
        "10",
        "--n-epochs",
        "3",
        "--checkpoint-dir",
        tmp_path / "ck",
        "--resume",
        "--model-path",
        tmp_path / "m.npz",
    ]
    first = run_module("logistic_sgd", *args)
    again = run_module("logistic_sgd", *args)
    assert first.returncode == again.returncode == 0
    final = [l for l in first.stdout.splitlines() if l.startswith("Optimization")]
    assert final and final == [
        l for l in again.stdout.splitlines() if l.startswith("Optimization")
    ]
    assert "validation error" not in again.stdout


def test_mlp_stopped_by_ctrl_c_and_resumed_prints_what_an_uninterrupted_run_prints(
    tmp_path,
):
    """An MLP run stopped by Ctrl-C after its first checkpoint and resumed
    with the same command prints what one uninterrupted run of as many epochs
    prints. The stopped run is given 1000 epochs, so that it cannot end before
    the signal reaches it however slow the machine; the resumed run and the
    uninterrupted one go one epoch past the epoch it was stopped in."""
    args = ["--n-hidden", "50", "--checkpoint-dir"]
    split = tmp_path / "split"
    command = [sys.executable, "-m", "deeplearning_tutorials.mlp", *args, str(split)]
    proc = subprocess.Popen(
        [*command, "--n-epochs", "1000"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_iteration(proc, split, 2500)  # the first epoch is saved
    proc.send_signal(signal.SIGINT)
    stopped_out, stopped_err = proc.communicate(timeout=600)
    assert proc.returncode == 130, stopped_err
    stopped_at = saved_iteration(split)
    assert stopped_at >= 2500
    n_epochs = stopped_at // 2500 + 1  # the epoch it was in, and one more if whole
    rest = run_module("mlp", *args, split, "--resume", "--n-epochs", n_epochs)
    assert rest.returncode == 0, rest.stderr
    assert f"... resuming after minibatch {stopped_at} " in rest.stdout
    whole = run_module("mlp", *args, tmp_path / "whole", "--n-epochs", n_epochs)
    assert whole.returncode == 0, whole.stderr
    assert error_lines(stopped_out) + error_lines(rest.stdout) == error_lines(
        whole.stdout
    )


def test_a_checkpoint_with_an_unknown_state_is_refused(tmp_path):
    saver, param = make_checkpointer(tmp_path)
    saver.save({"iteration": 3, "from_the_future": True})
    with pytest.raises(ModelFileError, match="unknown state"):
        run_loop(lambda i: 1.0, 2, n_epochs=1, checkpointer=saver, resume=True)
