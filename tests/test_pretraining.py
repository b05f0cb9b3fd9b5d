"""The layer-wise pre-training loop: costs, log lines, divergence, Ctrl-C,
and checkpoints that resume to the same run, noise included."""

import numpy
import pytensor
import pytest

from deeplearning_tutorials.machinery.checkpoint import Checkpointer, ModelFileError
from deeplearning_tutorials.machinery.noise import RandomStreams
from deeplearning_tutorials.machinery.pretraining import pretrain_layers
from deeplearning_tutorials.machinery.training import TrainingDiverged, TrainingInterrupted


def log_line(layer, epoch, cost):
    return f"layer {layer} epoch {epoch} cost {cost:.3f}"


def test_each_layer_trains_for_n_epochs_and_the_mean_cost_is_printed(capsys):
    calls = []

    def step_for(layer):
        def step(index):
            calls.append((layer, index))
            return float(10 * layer + index)

        return step

    result = pretrain_layers([step_for(0), step_for(1)], 4, 2, log_line)
    assert calls == [(layer, i) for layer in (0, 1) for _ in range(2) for i in range(4)]
    assert result.costs == [[1.5, 1.5], [11.5, 11.5]]
    assert capsys.readouterr().out.splitlines() == [
        "layer 0 epoch 0 cost 1.500",
        "layer 0 epoch 1 cost 1.500",
        "layer 1 epoch 0 cost 11.500",
        "layer 1 epoch 1 cost 11.500",
    ]


def test_the_mean_is_taken_in_float64():
    costs = numpy.full(4, 1e8 + 1, dtype="float32")  # float32 cannot hold 1e8 + 1
    result = pretrain_layers([lambda i: costs[i]], 4, 1, log_line)
    assert result.costs == [[float(numpy.float32(1e8 + 1))]]


def test_a_nan_cost_stops_the_run_and_names_the_place():
    def step(index):
        return numpy.nan if index == 2 else 1.0

    with pytest.raises(TrainingDiverged, match="layer 0, epoch 0, minibatch 3/5"):
        pretrain_layers([step], 5, 3, log_line)


def test_a_nan_parameter_is_caught_at_the_epoch_end():
    param = pytensor.shared(numpy.array([1.0, numpy.inf]), name="W")
    with pytest.raises(TrainingDiverged, match="parameter W"):
        pretrain_layers([lambda i: 1.0], 2, 1, log_line, params=[param])


class NoisyLayer:
    """A 'layer' whose step adds seeded noise to a parameter and returns it."""

    def __init__(self, seed=9):
        self.streams = RandomStreams(seed)
        self.param = pytensor.shared(numpy.zeros(3), name="W")
        noise = self.streams.uniform(size=(3,), dtype="float64")
        new_value = self.param + noise
        self.step = pytensor.function(
            [pytensor.tensor.lscalar()],
            new_value.sum(),
            updates=[(self.param, new_value)] + self.streams.updates_for([noise]),
            on_unused_input="ignore",
        )

    def run(self, directory, resume=False, stop_after=None, n_epochs=3):
        calls = []

        def step(index):
            calls.append(index)
            if stop_after is not None and len(calls) > stop_after:
                raise KeyboardInterrupt  # the process dies mid-epoch
            return self.step(index)

        return pretrain_layers(
            [step, step],
            4,
            n_epochs,
            log_line,
            params=[self.param],
            random_streams=self.streams,
            checkpointer=Checkpointer(directory, "Noisy", [self.param], {"lr": 1}),
            resume=resume,
        )


def test_a_resumed_run_continues_with_the_same_parameters_and_noise(tmp_path):
    straight = NoisyLayer()
    expected = straight.run(tmp_path / "a")

    killed = NoisyLayer()
    with pytest.raises(KeyboardInterrupt):
        killed.run(tmp_path / "b", stop_after=4 * 4 + 2)  # in layer 1, epoch 1
    resumed = NoisyLayer()  # a new process: fresh generator and parameter
    result = resumed.run(tmp_path / "b", resume=True)
    assert result.costs == expected.costs
    numpy.testing.assert_array_equal(
        resumed.param.get_value(), straight.param.get_value()
    )


def test_a_finished_run_is_restored_without_training(tmp_path, capsys):
    first = NoisyLayer()
    first.run(tmp_path)
    again = NoisyLayer()
    result = again.run(tmp_path, resume=True, stop_after=0)  # any step would fail
    assert len(result.costs[1]) == 3
    numpy.testing.assert_array_equal(again.param.get_value(), first.param.get_value())
    assert "finished" in capsys.readouterr().out


def test_ctrl_c_stops_after_the_current_minibatch(monkeypatch):
    import deeplearning_tutorials.machinery.pretraining as pretraining

    pressed = []
    monkeypatch.setattr(pretraining, "_stop_flag", lambda: _Flag(pressed))

    def step(index):
        if index == 1:
            pressed.append(2)  # SIGINT arrives during minibatch 2
        return 1.0

    with pytest.raises(TrainingInterrupted, match="minibatch 2/4"):
        pretrain_layers([step], 4, 1, log_line)


class _Flag:
    def __init__(self, pressed):
        self.pressed = pressed

    def __enter__(self):
        return self.pressed

    def __exit__(self, *exc):
        return False


def test_a_checkpoint_of_another_loop_is_refused(tmp_path):
    param = pytensor.shared(numpy.zeros(2), name="W")
    saver = Checkpointer(tmp_path, "M", [param], {})
    saver.save({"iteration": 3, "patience": 10})  # an early-stopping state
    with pytest.raises(ModelFileError, match="not a checkpoint of this pre-training"):
        pretrain_layers(
            [lambda i: 1.0], 2, 1, log_line, checkpointer=saver, resume=True
        )
