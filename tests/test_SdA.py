"""The stacked denoising autoencoder: shared parameters, draw order, both
training phases against NumPy, and the original smoke run."""

import numpy
import pytensor
import pytest
from conftest import error_lines, run_module
from original_smoke import last_numbers, original_lines
from original_logs import assert_prints_the_original_lines
from stack_reference import check_finetune_step
from test_dA import numpy_dA_epoch, sigmoid

from deeplearning_tutorials.machinery.data import shared_dataset
from deeplearning_tutorials.SdA import SdA


def small_sda(seed=5):
    return SdA(
        numpy.random.RandomState(seed),
        n_ins=12,
        hidden_layers_sizes=[8, 6],
        n_outs=3,
    )


def test_autoencoders_share_weights_and_hidden_biases_with_the_sigmoid_layers():
    sda = small_sda()
    for layer, autoencoder in zip(sda.sigmoid_layers, sda.dA_layers):
        assert autoencoder.W is layer.W and autoencoder.b is layer.b
        assert autoencoder.b_prime not in sda.params
    assert sda.dA_layers[1].x is sda.sigmoid_layers[0].output
    assert len(sda.params) == 2 * 2 + 2


def test_weights_are_drawn_as_the_original_drew_them():
    """The noise seed first, then one sigmoid layer's weights per layer (the
    autoencoders, given those weights, draw nothing)."""
    sda = SdA(numpy.random.RandomState(89677), hidden_layers_sizes=[1000, 1000, 1000])
    expected = numpy.random.RandomState(89677)
    assert sda.theano_rng.default_instance_seed == expected.randint(2**30)
    for layer, n_in in zip(sda.sigmoid_layers, (784, 1000, 1000)):
        bound = numpy.sqrt(6.0 / (n_in + 1000))
        W = 4 * expected.uniform(-bound, bound, size=(n_in, 1000))
        numpy.testing.assert_allclose(layer.W.get_value(), W, rtol=1e-6)
    assert not sda.logLayer.W.get_value().any()


def test_an_sda_needs_a_layer():
    with pytest.raises(ValueError, match="at least one hidden layer"):
        SdA(numpy.random.RandomState(0), hidden_layers_sizes=[])


def splits(seed=0, n=8):
    rng = numpy.random.RandomState(seed)
    x = rng.rand(n, 12).astype(pytensor.config.floatX)
    y = rng.randint(0, 3, size=n).astype("int64")
    return x, y


def test_pretraining_the_second_layer_follows_numpy():
    """Layer 1's autoencoder sees layer 0's code; without corruption one
    epoch must match NumPy, and layer 0 must not move."""
    sda = small_sda()
    x, y = splits()
    W0, b0 = (p.get_value().astype("float64") for p in sda.sigmoid_layers[0].params)
    W1, b1, c1 = (p.get_value().astype("float64") for p in sda.dA_layers[1].params)
    fns = sda.pretraining_functions(shared_dataset((x, y))[0], batch_size=2)
    costs = [fns[1](index=i, corruption=0.0, lr=0.3) for i in range(4)]
    code = sigmoid(x.astype("float64") @ W0 + b0)
    expected = numpy_dA_epoch(code, W1, b1, c1, 0.3, 2)
    assert numpy.mean(costs) == pytest.approx(expected, rel=1e-5)
    numpy.testing.assert_allclose(
        sda.dA_layers[1].W.get_value(), W1, rtol=1e-4, atol=1e-6
    )
    numpy.testing.assert_allclose(sda.sigmoid_layers[0].W.get_value(), W0, rtol=1e-6)


def test_the_default_corruption_and_learning_rate_are_the_originals():
    sda = small_sda()
    x, y = splits()
    fn = sda.pretraining_functions(shared_dataset((x, y))[0], batch_size=2)[0]
    assert fn.defaults == {"corruption": 0.2, "lr": 0.1}


def test_a_finetuning_step_follows_numpy_backpropagation():
    rng = numpy.random.RandomState(1)
    x = rng.rand(8, 12).astype(pytensor.config.floatX)
    y = rng.randint(0, 3, size=8)
    check_finetune_step(small_sda(), x, y, batch_size=4, learning_rate=0.5)


def test_sda_smoke_run_with_the_original_settings():
    """One pre-training epoch per layer and one fine-tuning epoch, batch 300.

    The noise is the original's (Theano's MRG streams), so the run follows
    the original's: the errors print the same digits, the costs the same up
    to float32 rounding in another order (a relative 1e-8 measured).
    """
    done = run_module(
        "SdA",
        "--pretraining-epochs",
        "1",
        "--training-epochs",
        "1",
        "--batch-size",
        "300",
    )
    assert done.returncode == 0, done.stderr
    assert_prints_the_original_lines("SdA", done.stdout, done.stderr)
    original = original_lines("SdA")
    costs = last_numbers(done.stdout.splitlines(), "Pre-training layer")
    expected = last_numbers(original, "Pre-training layer")
    assert len(costs) == len(expected) == 3
    assert costs == pytest.approx(expected, rel=1e-7)
    # 14.848485 % / 15.727273 %, as the original prints
    assert error_lines(done.stdout) == error_lines("\n".join(original))
    assert "The pretraining code for file SdA.py ran for" in done.stderr
    assert "The training code for file SdA.py ran for" in done.stderr


def test_sda_help_lists_every_flag():
    done = run_module("SdA", "--help")
    for flag in (
        "--finetune-lr",
        "--pretraining-epochs",
        "--pretrain-lr",
        "--training-epochs",
        "--batch-size",
        "--checkpoint-dir",
    ):
        assert flag in done.stdout
    assert "else CVM" in done.stdout


def test_a_resumed_finished_run_ends_the_same_without_training_again(
    small_dataset, tmp_path
):
    args = [
        "--dataset",
        small_dataset,
        "--batch-size",
        "10",
        "--pretraining-epochs",
        "2",
    ]
    args += ["--training-epochs", "2", "--checkpoint-dir", tmp_path / "run"]
    first = run_module("SdA", *args)
    assert first.returncode == 0, first.stderr
    again = run_module("SdA", *args, "--resume")
    assert again.returncode == 0, again.stderr
    assert "pre-training finished earlier" in again.stdout
    assert "Pre-training layer" not in again.stdout
    assert error_lines(again.stdout)[-1] == error_lines(first.stdout)[-1]
    other = run_module(
        "SdA", *args[:-2], "--pretrain-lr", "0.5", *args[-2:], "--resume"
    )
    assert other.returncode == 2 and "pretrain_lr" in other.stderr
