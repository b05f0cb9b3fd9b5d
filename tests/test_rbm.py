"""The RBM: energies and conditionals against NumPy, the CD/PCD updates with
a chain made deterministic, the pseudo-likelihood, the scan's noise, and the
original smoke run."""

import signal
import subprocess
import sys

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import REPO, make_splits, run_module, write_pickle_gz
from original_smoke import last_numbers, original_lines
from original_logs import assert_prints_the_original_lines
from PIL import Image

from deeplearning_tutorials.machinery.noise import RandomStreams
from deeplearning_tutorials.rbm import RBM


def sigmoid(a):
    return 1.0 / (1.0 + numpy.exp(-a))


def small_rbm(n_visible=6, n_hidden=4, seed=0, **kwargs):
    return RBM(
        input=pt.matrix("x"),
        n_visible=n_visible,
        n_hidden=n_hidden,
        numpy_rng=numpy.random.RandomState(seed),
        **kwargs,
    )


def test_weights_and_noise_seed_are_drawn_as_the_original_drew_them():
    rbm = RBM(n_visible=784, n_hidden=500, numpy_rng=numpy.random.RandomState(123))
    expected = numpy.random.RandomState(123)
    assert rbm.theano_rng.default_instance_seed == expected.randint(2**30)
    bound = 4 * numpy.sqrt(6.0 / (784 + 500))
    W = expected.uniform(-bound, bound, size=(784, 500))
    numpy.testing.assert_array_equal(rbm.W.get_value(), W.astype(rbm.W.dtype))
    assert rbm.hbias.get_value().shape == (500,) and not rbm.vbias.get_value().any()


def test_free_energy_and_conditionals_follow_their_formulas():
    rbm = small_rbm()
    rng = numpy.random.RandomState(1)
    W = rbm.W.get_value().astype("float64")
    hbias, vbias = rng.randn(4), rng.randn(6)
    rbm.hbias.set_value(hbias.astype(rbm.W.dtype))
    rbm.vbias.set_value(vbias.astype(rbm.W.dtype))
    v, h = rng.rand(3, 6), rng.rand(3, 4)
    hbias, vbias = rbm.hbias.get_value(), rbm.vbias.get_value()
    free_energy = -numpy.log1p(numpy.exp(v @ W + hbias)).sum(1) - v @ vbias
    vs, hs = pt.matrix(), pt.matrix()
    f = pytensor.function(
        [vs, hs], [rbm.free_energy(vs), rbm.propup(vs)[1], rbm.propdown(hs)[1]]
    )
    fe, p_h, p_v = f(v.astype(rbm.W.dtype), h.astype(rbm.W.dtype))
    numpy.testing.assert_allclose(fe, free_energy, rtol=1e-5)
    numpy.testing.assert_allclose(p_h, sigmoid(v @ W + hbias), rtol=1e-5)
    numpy.testing.assert_allclose(p_v, sigmoid(h @ W.T + vbias), rtol=1e-5)


def test_samples_are_bernoulli_with_the_conditional_mean():
    rbm = small_rbm(n_visible=3, n_hidden=2)
    v = pt.matrix()
    _, mean, sample = rbm.sample_h_given_v(v)
    draw = pytensor.function(
        [v], [mean, sample], updates=rbm.theano_rng.updates_for([sample])
    )
    data = numpy.random.RandomState(2).rand(20000, 3).astype(rbm.W.dtype)
    p, s = draw(data)
    assert set(numpy.unique(s)) == {0.0, 1.0}
    # the mean of (sample - p) over 40,000 draws has a deviation below 0.0025
    assert abs((s - p).mean()) < 0.01
    assert not numpy.array_equal(draw(data)[1], s)


def deterministic_rbm(persistent=None):
    """An RBM whose samples are certain: biases of +-30 swamp tiny weights."""
    rbm = small_rbm()
    rbm.W.set_value((rbm.W.get_value() * 1e-3).astype(rbm.W.dtype))
    rbm.vbias.set_value(numpy.array([30, -30, 30, 30, -30, -30], rbm.W.dtype))
    rbm.hbias.set_value(numpy.array([-30, 30, 30, -30], rbm.W.dtype))
    return rbm


def expected_update(rbm, x, v_end, lr):
    """One CD/PCD step from data ``x`` and chain end ``v_end``, in NumPy."""
    W, hb, vb = (p.get_value().astype("float64") for p in rbm.params)
    ph, nh = sigmoid(x @ W + hb), sigmoid(v_end @ W + hb)
    n = len(x)
    return [
        W - lr * (v_end.T @ nh - x.T @ ph) / n,
        hb - lr * (nh - ph).mean(0),
        vb - lr * (v_end - x).mean(0),
    ]


def domino_rbm():
    """An RBM whose Gibbs chain is certain and moves one unit per step.

    Hidden unit i is tied to visible units i and i+1 with weight 60 and all
    biases are -30: a unit turns on (with probability 1 - e^-30) when a
    neighbour is on. From visible unit 1 alone the chain's visible samples
    spread one unit to the right per Gibbs step, so the chain end tells k.
    """
    rbm = small_rbm()
    W = numpy.zeros((6, 4))
    for i in range(4):
        W[i, i] = W[i + 1, i] = 60.0
    rbm.W.set_value(W.astype(rbm.W.dtype))
    rbm.vbias.set_value(numpy.full(6, -30.0, rbm.W.dtype))
    rbm.hbias.set_value(numpy.full(4, -30.0, rbm.W.dtype))
    return rbm


def threshold_chain(rbm, x, k):
    """CD-k's chain when every sample is its unit's likelier value: the
    visible samples of the k steps, and the hidden ones before each."""
    W, hb, vb = (p.get_value().astype("float64") for p in rbm.params)
    hidden = [(x @ W + hb > 0).astype("float64")]
    visible = []
    for _ in range(k):
        visible.append((hidden[-1] @ W.T + vb > 0).astype("float64"))
        hidden.append((visible[-1] @ W + hb > 0).astype("float64"))
    return visible, hidden


def log_sigmoid(a):
    return -numpy.logaddexp(0.0, -a)


@pytest.mark.parametrize(
    "k, first_row_end", [(1, [1, 1, 0, 0, 0, 0]), (3, [1, 1, 1, 1, 0, 0])]
)
def test_cd_k_runs_k_gibbs_steps_and_updates_from_the_chain_end(k, first_row_end):
    rbm = domino_rbm()
    x = numpy.array(
        [[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0]], "float64"
    )
    visible, hidden = threshold_chain(rbm, x, k)
    v_end = visible[-1]
    assert v_end[0].tolist() == first_row_end  # the reference itself tells k
    W, _, vb = (p.get_value().astype("float64") for p in rbm.params)
    pre_end = hidden[-2] @ W.T + vb  # the last visible sample's pre-sigmoid
    expected = expected_update(rbm, x, v_end, 0.2)
    cost, updates = rbm.get_cost_updates(lr=0.2, k=k)
    step = pytensor.function([rbm.input], cost, updates=updates)
    reconstruction = step(x.astype(rbm.W.dtype))
    for param, value in zip(rbm.params, expected):
        numpy.testing.assert_allclose(param.get_value(), value, rtol=1e-4, atol=1e-5)
    # the monitoring cost of CD: the cross-entropy of the data against the
    # chain's last visible means, about -30 per mismatched pixel
    assert reconstruction == pytest.approx(
        numpy.mean(
            numpy.sum(x * log_sigmoid(pre_end) + (1 - x) * log_sigmoid(-pre_end), 1)
        ),
        rel=1e-4,
    )


def test_pcd_continues_the_persistent_chain_and_rotates_the_pseudo_likelihood_bit():
    chain = pytensor.shared(numpy.zeros((2, 4), dtype=pytensor.config.floatX))
    rbm = deterministic_rbm()
    cost, updates = rbm.get_cost_updates(lr=0.1, persistent=chain, k=2)
    step = pytensor.function([rbm.input], cost, updates=updates)
    x = numpy.array([[1, 0, 1, 0, 1, 0], [0, 1, 1, 0, 0, 1]], rbm.W.dtype)
    costs = []
    for bit in range(2):
        W, hb, vb = (p.get_value().astype("float64") for p in rbm.params)
        flipped = x.astype("float64").copy()
        flipped[:, bit] = 1 - flipped[:, bit]

        def free_energy(v):
            return -numpy.log1p(numpy.exp(v @ W + hb)).sum(1) - v @ vb

        costs.append(
            numpy.mean(6 * numpy.log(sigmoid(free_energy(flipped) - free_energy(x))))
        )
        assert step(x) == pytest.approx(costs[-1], rel=1e-4)
    assert rbm.bit_i_idx.get_value() == 2
    numpy.testing.assert_array_equal(chain.get_value(), [[0, 1, 1, 0]] * 2)


def test_the_gibbs_chain_draws_new_noise_at_every_step_and_call():
    """A scan whose generator is loop state: the steps of one chain differ,
    and the next call continues the generator instead of repeating it."""
    rbm = small_rbm(n_visible=50, n_hidden=40, theano_rng=RandomStreams(4))
    rbm.W.set_value(numpy.zeros((50, 40), rbm.W.dtype))  # every unit at p = 0.5
    start = pytensor.shared(numpy.zeros((3, 40), dtype=rbm.W.dtype))
    chain, updates = rbm.gibbs_chain(rbm.gibbs_hvh, start, 4, "chain")
    run = pytensor.function([], chain[2], updates=updates)  # visible samples
    first, second = run(), run()
    assert first.shape == (4, 3, 50)
    assert not numpy.array_equal(first[0], first[1])
    assert not numpy.array_equal(first, second)
    assert abs(numpy.concatenate([first, second]).mean() - 0.5) < 0.05


# the unrolled chain serves the benchmark only; 18 s of cold compilation
@pytest.mark.slow
def test_unrolled_and_scanned_chains_are_the_same_computation():
    def run(unroll):
        rbm = small_rbm(theano_rng=RandomStreams(8))
        start = pytensor.shared(numpy.ones((2, 4), dtype=rbm.W.dtype))
        chain, updates = rbm.gibbs_chain(rbm.gibbs_hvh, start, 3, "c", unroll=unroll)
        return pytensor.function([], chain, updates=updates)()

    for scanned, unrolled in zip(run(False), run(True)):
        numpy.testing.assert_allclose(scanned, unrolled, rtol=1e-5)


def test_rbm_smoke_run_with_the_original_settings(tmp_path):
    """The original's smoke settings, in float64, where the run follows the
    original's: the noise is the original's (Theano's MRG streams), and a
    binomial sample flips only if a uniform draw falls between the two runs'
    probabilities, which float64 keeps 5e8 times closer than float32
    (there the runs part after a few updates, see doc/rbm.md)."""
    folder = tmp_path / "plots"
    done = run_module(
        "rbm",
        "--floatX",
        "float64",
        "--training-epochs",
        "1",
        "--batch-size",
        "300",
        "--n-hidden",
        "20",
        "--n-chains",
        "1",
        "--n-samples",
        "1",
        "--output-folder",
        folder,
    )
    assert done.returncode == 0, done.stderr
    assert_prints_the_original_lines("rbm", done.stdout, done.stderr, "float64")
    lines = done.stdout.splitlines()
    cost_line = next(line for line in lines if line.startswith("Training epoch"))
    assert cost_line.startswith("Training epoch 0, cost is  ")
    # the original printed -88.72150178682296 (relative gap measured: 2e-10)
    (expected,) = last_numbers(original_lines("rbm", "float64"), "Training epoch")
    assert float(cost_line.split()[-1]) == pytest.approx(expected, rel=1e-8)
    assert any(line.startswith("Training took ") for line in lines)
    assert " ... plotting sample 0" in lines
    with Image.open(folder / "filters_at_epoch_0.png") as image:
        assert image.format == "PNG" and image.size == (289, 289)
    with Image.open(folder / "samples.png") as image:
        assert image.size == (28, 30)  # width 29 * 1 - 1, height 29 * 1 + 1


def test_legacy_code_uses_the_original_rbm_api():
    """Code written against the original rbm.py: the updates are a dict
    indexed by parameter, and the cost methods take it as the original's do."""
    x = pt.matrix("x")
    rbm = RBM(input=x, n_visible=6, n_hidden=4, numpy_rng=numpy.random.RandomState(1))
    chain = pytensor.shared(numpy.zeros((3, 4), dtype=pytensor.config.floatX))
    cost, updates = rbm.get_cost_updates(lr=0.1, persistent=chain, k=2)
    assert rbm.W in updates and chain in updates and rbm.bit_i_idx in updates
    # the original's signatures: the methods add to (or ignore) the updates
    legacy_updates = {}
    pl_cost = rbm.get_pseudo_likelihood_cost(legacy_updates)
    assert list(legacy_updates) and legacy_updates[rbm.bit_i_idx] is not None
    rc_cost = rbm.get_reconstruction_cost(legacy_updates, x)
    data = numpy.random.RandomState(2).rand(3, 6).astype(pytensor.config.floatX)
    W_before = rbm.W.get_value().copy()
    train = pytensor.function([x], [cost, pl_cost, rc_cost], updates=updates)
    values = train(data)
    assert all(numpy.isfinite(v) for v in values)
    # updates[rbm.W] is the new W, which the function stored
    assert updates[rbm.W].type == rbm.W.type or updates[rbm.W].type.ndim == 2
    assert not numpy.allclose(rbm.W.get_value(), W_before)


def test_a_run_stopped_by_ctrl_c_and_resumed_goes_on_as_one_run(tmp_path):
    """A run stopped by Ctrl-C after the first epoch's checkpoint and
    resumed, and one run of as many epochs in one go, print the same costs
    and draw the same samples: the checkpoint holds the weights, the
    persistent chain, the pseudo-likelihood's unit (``bit_i_idx``, an
    integer) and the noise streams' states. The stopped run is given 1000
    epochs, so that it cannot end before the signal reaches it; the resumed
    and the uninterrupted run go one epoch past the epochs it printed."""
    dataset = write_pickle_gz(tmp_path / "data.pkl.gz", make_splits(n_train=2000))
    args = ["--dataset", dataset, "--batch-size", "10", "--n-hidden", "8"]
    args += ["--n-chains", "2", "--n-samples", "1"]

    def costs(stdout):
        return [line for line in stdout.splitlines() if "cost is" in line]

    def samples(folder):
        return numpy.asarray(Image.open(tmp_path / folder / "samples.png"))

    split = args + ["--output-folder", tmp_path / "split"]
    split += ["--checkpoint-dir", tmp_path / "run"]
    command = [sys.executable, "-m", "deeplearning_tutorials.rbm", *map(str, split)]
    proc = subprocess.Popen(
        [*command, "--training-epochs", "1000"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    printed = []
    for line in proc.stdout:  # stop once the first epoch is done and saved
        printed.append(line)
        if line.startswith("Training epoch 0"):
            proc.send_signal(signal.SIGINT)
            break
    rest, stopped_err = proc.communicate(timeout=600)
    assert proc.returncode == 130, stopped_err
    stopped = costs("".join(printed) + rest)
    epochs = ["--training-epochs", len(stopped) + 1]
    resumed = run_module("rbm", *split, "--resume", *epochs)
    assert resumed.returncode == 0, resumed.stderr
    whole = run_module("rbm", *args, "--output-folder", tmp_path / "whole", *epochs)
    assert whole.returncode == 0, whole.stderr
    assert stopped + costs(resumed.stdout) == costs(whole.stdout)
    numpy.testing.assert_array_equal(samples("split"), samples("whole"))
