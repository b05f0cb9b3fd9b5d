"""The deep belief network: shared parameters, draw order, pre-training
functions, fine-tuning against NumPy, and the original smoke run."""

import numpy
import pytensor
import pytest
from conftest import error_lines, run_module
from original_smoke import last_numbers, original_lines
from original_logs import assert_prints_the_original_lines
from stack_reference import check_finetune_step
from test_rbm import sigmoid

from deeplearning_tutorials.machinery.data import shared_dataset
from deeplearning_tutorials.DBN import DBN


def small_dbn(seed=5):
    return DBN(
        numpy.random.RandomState(seed), n_ins=6, hidden_layers_sizes=[5, 4], n_outs=3
    )


def test_rbms_share_weights_and_hidden_biases_with_the_sigmoid_layers():
    dbn = small_dbn()
    for layer, rbm in zip(dbn.sigmoid_layers, dbn.rbm_layers):
        assert rbm.W is layer.W and rbm.hbias is layer.b
        assert rbm.vbias not in dbn.params
    assert dbn.rbm_layers[1].input is dbn.sigmoid_layers[0].output
    assert len(dbn.params) == 2 * 2 + 2


def test_weights_are_drawn_as_the_original_drew_them():
    dbn = DBN(numpy.random.RandomState(123), hidden_layers_sizes=[1000, 1000, 1000])
    expected = numpy.random.RandomState(123)
    assert dbn.theano_rng.default_instance_seed == expected.randint(2**30)
    for layer, n_in in zip(dbn.sigmoid_layers, (784, 1000, 1000)):
        bound = numpy.sqrt(6.0 / (n_in + 1000))
        W = 4 * expected.uniform(-bound, bound, size=(n_in, 1000))
        numpy.testing.assert_allclose(layer.W.get_value(), W, rtol=1e-6)


def test_a_dbn_needs_a_layer():
    with pytest.raises(ValueError, match="at least one hidden layer"):
        DBN(numpy.random.RandomState(0), hidden_layers_sizes=[])


def test_pretraining_the_second_rbm_sees_the_first_layers_mean_field_output():
    """With the second RBM's samples made certain (biases of +-30), its CD-1
    update is known in NumPy; the first layer must not move."""
    dbn = small_dbn()
    rbm = dbn.rbm_layers[1]
    rbm.W.set_value((rbm.W.get_value() * 1e-3).astype(rbm.W.dtype))
    rbm.vbias.set_value(numpy.array([30, -30, 30, -30, 30], rbm.W.dtype))
    rbm.hbias.set_value(numpy.array([30, -30, -30, 30], rbm.W.dtype))
    rng = numpy.random.RandomState(0)
    x = rng.rand(4, 6).astype(pytensor.config.floatX)
    W0, b0 = (p.get_value().astype("float64") for p in dbn.sigmoid_layers[0].params)
    W1, hb, vb = (p.get_value().astype("float64") for p in rbm.params)

    fns = dbn.pretraining_functions(shared_dataset((x, numpy.zeros(4)))[0], 4, k=1)
    assert fns[1].defaults == {"lr": 0.1}
    fns[1](0, lr=0.5)

    v0 = sigmoid(x.astype("float64") @ W0 + b0)  # the first layer's output
    v_end = numpy.array([[1, 0, 1, 0, 1]] * 4, dtype="float64")
    ph, nh = sigmoid(v0 @ W1 + hb), sigmoid(v_end @ W1 + hb)
    numpy.testing.assert_allclose(
        rbm.W.get_value(),
        W1 - 0.5 * (v_end.T @ nh - v0.T @ ph) / 4,
        rtol=1e-4,
        atol=1e-6,
    )
    numpy.testing.assert_allclose(
        rbm.hbias.get_value(), hb - 0.5 * (nh - ph).mean(0), rtol=1e-5, atol=1e-6
    )
    numpy.testing.assert_allclose(
        rbm.vbias.get_value(), vb - 0.5 * (v_end - v0).mean(0), rtol=1e-5
    )
    numpy.testing.assert_allclose(dbn.sigmoid_layers[0].W.get_value(), W0, rtol=1e-6)


# the fine-tuning code is shared with the SdA (training.build_finetune_functions),
# whose test runs by default; this one costs 20 s of cold compilation
@pytest.mark.slow
def test_a_finetuning_step_follows_numpy_backpropagation():
    rng = numpy.random.RandomState(1)
    x = rng.rand(8, 6).astype(pytensor.config.floatX)
    y = rng.randint(0, 3, size=8)
    check_finetune_step(small_dbn(), x, y, batch_size=4, learning_rate=0.5)


def test_dbn_smoke_run_with_the_original_settings():
    """One pre-training epoch per layer and one fine-tuning epoch, batch 300,
    in float64, where the run follows the original's: the Gibbs sampling
    draws the original's numbers (Theano's MRG streams) and float64 keeps
    the two programs' probabilities too close for a sample to flip (in
    float32 the runs part within the first epoch, see doc/rbm.md)."""
    done = run_module(
        "DBN",
        "--floatX",
        "float64",
        "--pretraining-epochs",
        "1",
        "--training-epochs",
        "1",
        "--batch-size",
        "300",
    )
    assert done.returncode == 0, done.stderr
    assert_prints_the_original_lines("DBN", done.stdout, done.stderr, "float64")
    original = original_lines("DBN", "float64")
    costs = last_numbers(done.stdout.splitlines(), "Pre-training layer")
    expected = last_numbers(original, "Pre-training layer")
    assert len(costs) == len(expected) == 3
    assert costs == pytest.approx(expected, rel=1e-9)  # 8.5e-11 measured
    assert error_lines(done.stdout) == error_lines("\n".join(original))
    assert "The fine tuning code for file DBN.py ran for" in done.stderr


def test_dbn_help_lists_every_flag():
    done = run_module("DBN", "--help")
    for flag in (
        "--finetune-lr",
        "--pretraining-epochs",
        "--pretrain-lr",
        "-k",
        "--training-epochs",
        "--batch-size",
        "--checkpoint-dir",
    ):
        assert flag in done.stdout


def test_the_benchmarks_numpy_finetuning_step_is_the_same_step():
    """The benchmark harness's dbn-steps mode times the project against a
    hand-written step with in-place BLAS updates (benchmarks/numpy_nets.py);
    that step must compute what the project does."""
    from numpy_nets import NumpyDBN
    from stack_reference import finetune_step

    model = NumpyDBN(seed=3, sizes=[6, 5, 4], n_out=3)
    rng = numpy.random.RandomState(2)
    model.W_out[...] = rng.uniform(-1, 1, model.W_out.shape)
    x = rng.rand(4, 6).astype("float32")
    y = rng.randint(0, 3, size=4)
    params = [model.W[0], model.hbias[0], model.W[1], model.hbias[1]]
    params += [model.W_out, model.b_out]
    values = [p.astype("float64") for p in params]
    expected_cost, expected = finetune_step(values, x.astype("float64"), y, 0.5)
    assert model.finetune_step(x, y, 0.5) == pytest.approx(expected_cost, rel=1e-5)
    for param, value in zip(params, expected):  # updated in place
        numpy.testing.assert_allclose(param, value, rtol=1e-4, atol=1e-6)
