"""The contractive autoencoder: initialisation, the Jacobian and its penalty,
the original's per-epoch line in both precisions, and the command line.

The references: the Jacobian against NumPy (the closed form and central
differences of the hidden mapping), the penalty's gradient against finite
differences (``verify_grad``), and the printed lines against what the
original ``code/cA.py`` printed under Theano 1.0.5 (tests/oracle/cA_*.stdout,
made by tests/oracle/run_original_hmc_cA.sh).
"""

import json

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import REPO, run_module, write_pickle_gz
from PIL import Image
from pytensor.graph.replace import clone_replace

from deeplearning_tutorials.cA import cA, epoch_line, main
from deeplearning_tutorials.machinery.data import read_dataset

ORACLE = REPO / "tests" / "oracle"
# The small graphs below check mathematics, not a backend: PyTensor's Python
# implementations compile them at once (the command-line tests use Numba).
MODE = "FAST_COMPILE"


def sigmoid(a):
    return 1.0 / (1.0 + numpy.exp(-a))


@pytest.fixture
def float64():
    """Compile in float64 (the autouse fixture of conftest.py restores floatX)."""
    pytensor.config.floatX = "float64"


def small_cA(rng, n_visible=7, n_hidden=4, n_batchsize=3):
    x = pt.matrix("x")
    ca = cA(
        rng, input=x, n_visible=n_visible, n_hidden=n_hidden, n_batchsize=n_batchsize
    )
    return ca, x


def test_weights_are_drawn_as_the_original_drew_them():
    """code/cA.py: ``initial_W`` uniform in +-4 sqrt(6 / (n_hidden + n_visible)),
    the first draw of ``RandomState(123)`` (no noise seed before it, unlike
    dA); zero biases."""
    ca = cA(numpy.random.RandomState(123), n_visible=784, n_hidden=500, n_batchsize=10)
    bound = 4 * numpy.sqrt(6.0 / (784 + 500))
    W = numpy.random.RandomState(123).uniform(-bound, bound, size=(784, 500))
    numpy.testing.assert_array_equal(ca.W.get_value(), W.astype(ca.W.dtype))
    assert ca.b.get_value().shape == (500,) and ca.b_prime.get_value().shape == (784,)
    assert not ca.b.get_value().any() and not ca.b_prime.get_value().any()
    assert ca.params == [ca.W, ca.b, ca.b_prime]


def test_get_jacobian_is_the_jacobian_of_the_hidden_mapping(float64):
    """Against NumPy, on random inputs and weights: the closed form
    ``h (1 - h) W`` of each example, and central differences of
    ``x -> sigmoid(x W + b)``, which assume nothing about the form."""
    rng = numpy.random.RandomState(42)
    ca, x = small_cA(rng)
    ca.b.set_value(rng.randn(4))
    xs = rng.rand(3, 7)
    jacobian = pytensor.function(
        [x], ca.get_jacobian(ca.get_hidden_values(x), ca.W), mode=MODE
    )
    J = jacobian(xs)
    W, b = ca.W.get_value(), ca.b.get_value()
    h = sigmoid(xs @ W + b)
    assert J.shape == (3, 7, 4)  # (example, visible j, hidden i): dh_i / dx_j
    numpy.testing.assert_allclose(J, (h * (1 - h))[:, None, :] * W[None], rtol=1e-12)
    eps = 1e-6
    for j in range(7):
        step = numpy.zeros(7)
        step[j] = eps
        above, below = sigmoid((xs + step) @ W + b), sigmoid((xs - step) @ W + b)
        slope = (above - below) / (2 * eps)
        numpy.testing.assert_allclose(J[:, j, :], slope, rtol=1e-7, atol=1e-10)


def test_gradient_of_the_contraction_term_with_respect_to_W(float64):
    """``verify_grad`` (finite differences) of the penalty the paper defines,
    the mean over the minibatch of the squared Frobenius norm
    ``sum(J ** 2) / n_batchsize``, as a function of W (which it reaches both
    directly and through h)."""
    rng = numpy.random.RandomState(0)
    ca, x = small_cA(rng)
    xs = rng.rand(3, 7)
    J = ca.get_jacobian(ca.get_hidden_values(x), ca.W)
    penalty = pt.sum(J**2) / ca.n_batchsize

    def penalty_of(W):
        return clone_replace(penalty, {ca.W: W, x: pt.constant(xs)})

    pytensor.gradient.verify_grad(
        penalty_of, [ca.W.get_value()], rng=rng, abs_tol=1e-6, rel_tol=1e-6, mode=MODE
    )


def test_the_penalty_is_floor_divided_and_does_not_reach_the_gradient(float64):
    """As in the original: ``L_jacob = T.sum(J ** 2) // n_batchsize`` is
    rounded down, and the gradient of ``//`` is zero (Theano 1.0.5's
    ``IntDiv.grad`` in theano/scalar/basic.py returns zeros, as PyTensor's
    does), so the cost's gradient is that of the reconstruction alone, the
    same for every contraction level."""
    rng = numpy.random.RandomState(1)
    ca, x = small_cA(rng)
    xs = rng.rand(3, 7)
    cost, updates = ca.get_cost_updates(contraction_level=0.1, learning_rate=0.5)
    J = ca.get_jacobian(ca.get_hidden_values(x), ca.W)
    values = pytensor.function(
        [x], [cost, pt.mean(ca.L_rec), ca.L_jacob, pt.sum(J**2)], mode=MODE
    )(xs)
    cost_value, rec, jacob, frobenius = values
    assert jacob == numpy.floor(frobenius / 3) and jacob != frobenius / 3
    assert cost_value == pytest.approx(rec + 0.1 * jacob, rel=1e-12)
    gradients = pytensor.function([x], pytensor.grad(cost, ca.params), mode=MODE)(xs)
    plain = pytensor.function(
        [x], pytensor.grad(pt.mean(ca.L_rec), ca.params), mode=MODE
    )(xs)
    for with_penalty, without in zip(gradients, plain):
        numpy.testing.assert_allclose(with_penalty, without, rtol=1e-12, atol=1e-15)
    assert [param for param, _ in updates] == ca.params


def test_the_epoch_line_shows_the_first_two_minibatches():
    """The original's ``numpy.mean(c_array[0])`` and
    ``numpy.mean(numpy.sqrt(c_array[1]))`` take rows, the first two
    minibatches, and print them as ``print`` writes NumPy scalars."""
    f = numpy.float32
    c = [
        [numpy.array(f(800.0)), numpy.array(f(370.0))],
        [numpy.array(f(400.0)), numpy.array(f(100.0))],
        [numpy.array(f(1.0)), numpy.array(f(1.0))],
    ]
    assert epoch_line(3, c) == (
        "Training epoch 3, reconstruction cost  585.0  jacobian norm  15.0"
    )


@pytest.fixture(scope="module")
def first_minibatches(tmp_path_factory):
    """MNIST cut to its first 20 examples of each set: in the training set,
    the two minibatches of 10 the original's epoch-0 line is made of (every
    later step of epoch 0 comes after them, and the line is printed from them
    alone)."""
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = read_dataset(
        "mnist.pkl.gz"
    )
    splits = (
        (train_x[:20], train_y[:20]),
        (valid_x[:20], valid_y[:20]),
        (test_x[:20], test_y[:20]),
    )
    return write_pickle_gz(tmp_path_factory.mktemp("data") / "first20.pkl.gz", splits)


@pytest.mark.parametrize("floatX", ["float32", "float64"])
def test_prints_the_original_epoch_line(first_minibatches, tmp_path, floatX):
    """``python -m deeplearning_tutorials.cA --training-epochs 1`` prints, in
    both precisions, exactly the lines the original printed for its first
    epoch (tests/oracle/cA_1epoch_<floatX>.stdout: Theano 1.0.5): on the
    first two minibatches of MNIST, which are all that line depends on."""
    folder = tmp_path / "plots"
    results = tmp_path / "cA.json"
    done = run_module(
        "cA",
        "--training-epochs", "1",
        "--floatX", floatX,
        "--dataset", first_minibatches,
        "--output-folder", folder,
        "--results-json", results,
        # the float64 line is compared to its last digit, which depends on
        # how BLAS splits its sums: two threads, as on the 2-core machines
        # where the reference was matched (one thread prints ...92 for ...93),
        # whatever the core count or an inherited OPENBLAS_NUM_THREADS
        "--blas-threads", "2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    original = (ORACLE / f"cA_1epoch_{floatX}.stdout").read_text()
    assert done.stdout == original
    assert "The code for file cA.py ran for " in done.stderr
    with Image.open(folder / "cae_filters.png") as image:
        assert image.format == "PNG" and image.mode == "L"
        assert image.size == (10 * 28 + 9, 10 * 28 + 9)
    record = json.loads(results.read_text())
    assert record["model"] == "cA" and record["floatX"] == floatX
    assert record["contraction_level"] == 0.1 and record["learning_rate"] == 0.01
    (printed,) = record["printed"]
    words = original.splitlines()[1].split()
    # the printed numbers, as the floatX values the line writes
    as_printed = [float(numpy.dtype(floatX).type(words[i])) for i in (5, 8)]
    assert [printed["reconstruction_cost"], printed["jacobian_norm"]] == as_printed
    (costs,) = record["costs_per_epoch"]
    assert len(costs) == 1 and numpy.isfinite(costs[0])


def test_a_resumed_run_prints_what_an_uninterrupted_one_prints(
    first_minibatches, tmp_path, capsys, monkeypatch
):
    """Two epochs in one go, and two epochs stopped (Ctrl-C) just before
    epoch 1's line, then resumed from the checkpoint of epoch 0 (in this
    process, through ``main``): the same lines, the same costs."""
    common = ["--training-epochs", "2", "--dataset", first_minibatches]
    common += ["--floatX", "float64", "--output-folder", tmp_path / "plots"]
    checkpoints = ["--checkpoint-dir", tmp_path / "checkpoints"]
    whole = main(common)
    whole_lines = capsys.readouterr().out.splitlines()

    def stop_at_epoch_1(epoch, c):
        if epoch == 1:
            raise KeyboardInterrupt
        return epoch_line(epoch, c)

    with monkeypatch.context() as patch:
        patch.setattr("deeplearning_tutorials.cA.epoch_line", stop_at_epoch_1)
        with pytest.raises(SystemExit) as stopped:
            main([*common, *checkpoints])
    assert stopped.value.code == 130
    first_lines = capsys.readouterr().out.splitlines()
    resumed = main([*common, *checkpoints, "--resume"])
    resumed_lines = capsys.readouterr().out.splitlines()
    assert whole_lines[1].startswith("Training epoch 0, reconstruction cost  ")
    assert whole_lines[2].startswith("Training epoch 1, reconstruction cost  ")
    assert first_lines[1:] == whole_lines[1:2]
    assert resumed_lines[1].startswith("... resuming at layer 0, epoch 1 from ")
    assert resumed_lines[2:] == whole_lines[2:]
    assert resumed.costs == whole.costs


def test_flags_are_validated_and_explained(first_minibatches, tmp_path):
    usage = run_module("cA", "--help")
    assert usage.returncode == 0
    for flag in (
        "--learning-rate", "--training-epochs", "--dataset", "--batch-size",
        "--output-folder", "--contraction-level", "--floatX", "--mode",
        "--results-json", "--checkpoint-dir", "--resume", "--start-over",
        "--blas-threads",
    ):  # fmt: skip
        assert flag in usage.stdout
    for bad in (
        ["--contraction-level", "-1"],
        ["--training-epochs", "0"],
        ["--learning-rate", "nan"],
        # 20 examples in one minibatch: no second minibatch to print
        ["--batch-size", "20", "--dataset", first_minibatches],
    ):
        bad += ["--output-folder", tmp_path / "plots"]  # not cA_plots/ here
        done = run_module("cA", *bad)
        assert done.returncode == 2, (bad, done.stderr)
        assert done.stderr.count("\n") == 1, (bad, done.stderr)
    assert "two minibatches" in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("floatX", ["float32", "float64"])
def test_two_full_epochs_print_the_original_lines(tmp_path, floatX):
    """Two whole epochs on MNIST (10,000 steps, minutes): epoch 1's line
    depends on all of epoch 0's training, against
    tests/oracle/cA_2epochs_<floatX>.stdout (Theano 1.0.5)."""
    done = run_module(
        "cA",
        "--training-epochs", "2",
        "--floatX", floatX,
        "--output-folder", tmp_path,
        timeout=3600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == (ORACLE / f"cA_2epochs_{floatX}.stdout").read_text()
