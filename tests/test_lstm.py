"""The LSTM sentiment classifier: its parts against NumPy, its runs against
the original's.

References, each from outside the code under test:

- the original ``code/lstm.py`` run under Theano 1.0.5 on the generated
  IMDB stand-in (tests/generated_imdb.py): its printed lines, in
  tests/oracle/lstm_*.stdout, made by tests/oracle/run_original_lstm.sh;
- NumPy: the LSTM recurrence written as a loop, the optimizers' update
  formulas, the draws of NumPy's generator in the original's order;
- ``pytensor.gradient.verify_grad`` (finite differences) for the gradient of
  the cost through the ``scan``.

The original's initial ``lstm_W``/``lstm_U`` are singular vectors whose signs
are LAPACK's choice (NumPy 1.19's and NumPy 2's differ); the runs compared
with the original start from the original's (tests/lstm_with_initial_weights.py)
and multiply with the original's BLAS kernels (``OPENBLAS_CORETYPE=Prescott``:
see tests/oracle/run_original_lstm.sh).
"""

import functools
import inspect
import json
import os
import pickle
import re
import signal
import subprocess
import sys
from collections import OrderedDict

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import REPO
from generated_imdb import generated_imdb, write_generated_imdb
from pytensor.graph.replace import clone_replace

from deeplearning_tutorials import lstm
from deeplearning_tutorials.machinery import cli
from deeplearning_tutorials.machinery.checkpoint import ModelFileError
from deeplearning_tutorials.machinery.training import TrainingInterrupted
from deeplearning_tutorials.rng_mrg import MRG_RandomStreams

ORACLE = REPO / "tests" / "oracle"
# The small graphs and runs in this process check mathematics and the
# training loop, not a backend: FAST_COMPILE has little to compile.
MODE = "FAST_COMPILE"

# The settings of the original's runs (tests/oracle/run_original_lstm.sh)
COMMON = dict(n_words=100, maxlen=60, batch_size=16, valid_batch_size=32, dispFreq=5)
SMOKE = dict(COMMON, dim_proj=16, max_epochs=2, validFreq=10, saveFreq=15)
SETTINGS = {
    "tiny": dict(COMMON, dim_proj=8, max_epochs=1, validFreq=7, saveFreq=15, saveto=""),
    "smoke": SMOKE,
    "rmsprop": dict(SMOKE, optimizer="rmsprop", decay_c=0.01, test_size=50),
    "sgd": dict(SMOKE, optimizer="sgd", lrate=0.5, use_dropout=False),
    "earlystop": dict(SMOKE, max_epochs=40, validFreq=5, saveFreq=7, patience=1),
}
# the runs that draw what smoke draws: same initial weights
INIT_OF = {"sgd": "smoke", "earlystop": "smoke", "smoke_fma": "smoke", "smoke_py3zip": "smoke"}


@pytest.fixture
def float64(monkeypatch):
    """float64, and FAST_COMPILE for every function (conftest.py restores
    both), the loops' bodies too: ``scan`` compiles them with the C backend
    unless told otherwise, which is slow to compile."""
    pytensor.config.floatX = "float64"
    pytensor.config.mode = MODE
    monkeypatch.setattr(pytensor, "scan", functools.partial(pytensor.scan, mode=MODE))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("imdb")
    write_generated_imdb(str(folder))
    return folder


def comparable(text):
    """The lines of a run without what differs from run to run: the
    address of the optimizer function and the seconds per epoch."""
    text = re.sub(r"<function (\w+) at 0x[0-9a-f]+>", r"<function \1>", text)
    return re.sub(r"epochs, with [0-9.]+ sec/epochs", "epochs, with T sec/epochs", text)


def original(tag, floatX):
    return comparable((ORACLE / f"lstm_{tag}_{floatX}.stdout").read_text())


# -- the parts ---------------------------------------------------------------


def test_get_minibatches_idx_shuffles_with_the_global_generator():
    """A list of (number, indices) pairs (Python 2's zip), the last one
    shorter; with shuffle, numpy.random.shuffle of arange(n, int32)."""
    numpy.random.seed(3)
    batches = lstm.get_minibatches_idx(10, 4, shuffle=True)
    order = numpy.arange(10, dtype="int32")
    numpy.random.RandomState(3).shuffle(order)
    assert isinstance(batches, list) and [i for i, _ in batches] == [0, 1, 2]
    assert [b.tolist() for _, b in batches] == [
        order[:4].tolist(), order[4:8].tolist(), order[8:].tolist()
    ]
    assert batches[0][1].dtype == numpy.int32
    assert [b.tolist() for _, b in lstm.get_minibatches_idx(6, 3)] == [[0, 1, 2], [3, 4, 5]]


def test_init_params_draws_as_the_original(float64):
    """The global generator's draws in the original's order: ``rand`` for
    the embedding, eight ``randn`` square matrices whose left singular
    vectors make lstm_W then lstm_U, ``randn`` for the classifier; and the
    original's own initial lstm_W/lstm_U of its smoke run
    (tests/oracle/lstm_smoke_float64_init.npz) are the same up to the sign of
    each column (LAPACK's choice) and rounding (1e-12)."""
    options = dict(n_words=100, dim_proj=16, encoder="lstm", ydim=2)
    numpy.random.seed(11)
    params = lstm.init_params(options)
    rng = numpy.random.RandomState(11)
    assert list(params) == ["Wemb", "lstm_W", "lstm_U", "lstm_b", "U", "b"]
    numpy.testing.assert_array_equal(params["Wemb"], 0.01 * rng.rand(100, 16))
    for name in ("lstm_W", "lstm_U"):
        blocks = [numpy.linalg.svd(rng.randn(16, 16))[0] for _ in range(4)]
        numpy.testing.assert_allclose(params[name], numpy.hstack(blocks), atol=1e-14)
    numpy.testing.assert_array_equal(params["U"], 0.01 * rng.randn(16, 2))
    assert not params["lstm_b"].any() and params["lstm_b"].shape == (64,)
    assert not params["b"].any() and params["b"].shape == (2,)
    for block in numpy.hsplit(params["lstm_U"], 4):
        numpy.testing.assert_allclose(block.T @ block, numpy.eye(16), atol=1e-13)

    # the original's smoke run: seed 123, the validation split of the
    # reviews shorter than maxlen=60 (load_data), then these draws
    theirs = numpy.load(ORACLE / "lstm_smoke_float64_init.npz")
    numpy.random.seed(123)
    numpy.random.permutation(sum(len(s) < 60 for s in generated_imdb()[0][0]))
    ours = lstm.init_params(options)
    for name in ("lstm_W", "lstm_U"):
        signs = numpy.sign((ours[name] * theirs[name]).sum(axis=0))
        assert (signs != 0).all()
        numpy.testing.assert_allclose(ours[name] * signs, theirs[name], rtol=0, atol=1e-12)


def numpy_lstm(W, U, b, x, mask):
    """The LSTM recurrence, step by step: gates i, f, o and candidate c
    from W x_t + U h_{t-1} + b; where the mask is 0, h and c stay."""
    sigmoid = lambda a: 1 / (1 + numpy.exp(-a))  # noqa: E731
    steps, n, dim = x.shape
    h, c, hs = numpy.zeros((n, dim)), numpy.zeros((n, dim)), []
    for t in range(steps):
        z = x[t] @ W + h @ U + b
        i, f, o, c_hat = (z[:, k * dim : (k + 1) * dim] for k in range(4))
        i, f, o = sigmoid(i), sigmoid(f), sigmoid(o)
        c_new = f * c + i * numpy.tanh(c_hat)
        h_new = o * numpy.tanh(c_new)
        m = mask[t][:, None]
        c, h = m * c_new + (1 - m) * c, m * h_new + (1 - m) * h
        hs.append(h)
    return numpy.array(hs)


def test_lstm_layer_follows_the_recurrence_and_the_mask(float64):
    rng = numpy.random.RandomState(0)
    dim, steps, n = 3, 5, 4
    params = OrderedDict(
        lstm_W=rng.randn(dim, 4 * dim), lstm_U=rng.randn(dim, 4 * dim), lstm_b=rng.randn(4 * dim)
    )
    tparams = lstm.init_tparams(params)
    x, mask = pt.tensor3("x"), pt.matrix("mask")
    h = lstm.lstm_layer(tparams, x, {"dim_proj": dim}, mask=mask)
    xs = rng.randn(steps, n, dim)
    masks = (numpy.arange(steps)[:, None] < numpy.array([5, 2, 3, 1])).astype("float64")
    got = pytensor.function([x, mask], h, mode=MODE)(xs, masks)
    expected = numpy_lstm(params["lstm_W"], params["lstm_U"], params["lstm_b"], xs, masks)
    numpy.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    # past a review's end h is its last value
    numpy.testing.assert_array_equal(got[2:, 1], numpy.broadcast_to(got[1, 1], (3, dim)))


def small_model(rng, use_dropout):
    options = dict(n_words=5, dim_proj=2, encoder="lstm", ydim=2, use_dropout=use_dropout)
    numpy.random.seed(int(rng.randint(1000)))
    params = lstm.init_params(options)
    for name in params:  # away from zero, so that every path matters
        params[name] = params[name] + 0.3 * rng.randn(*params[name].shape)
    tparams = lstm.init_tparams(params)
    return tparams, lstm.build_model(tparams, options)


def test_the_gradient_of_the_cost_through_the_scan(float64):
    """verify_grad (central differences) of the mean negative
    log-likelihood with respect to every parameter, on reviews of unequal
    lengths (the mask), through the port's softmax and its gradient.
    (Without dropout: the graph is cloned, and the noise stream's update
    belongs to the graph it was drawn in.)"""
    rng = numpy.random.RandomState(1)
    tparams, (use_noise, x, mask, y, _, _, cost) = small_model(rng, use_dropout=False)
    xs = numpy.array([[1, 2, 3], [4, 1, 0], [3, 0, 0]], dtype="int64")
    masks = (xs > 0).astype("float64")
    masks[0] = 1
    ys = numpy.array([0, 1, 1], dtype="int64")
    shared = list(tparams.values())

    def cost_of(*values):
        inputs = {x: pt.constant(xs), mask: pt.constant(masks), y: pt.constant(ys)}
        return clone_replace(cost, {**dict(zip(shared, values)), **inputs})

    pytensor.gradient.verify_grad(
        cost_of,
        [p.get_value() for p in shared],
        n_tests=1,
        rng=rng,
        abs_tol=1e-7,
        rel_tol=1e-6,
        # the Mode itself: given the name, verify_grad compiles the cost in
        # FAST_RUN (Numba here, slow to compile)
        mode=pytensor.compile.mode.get_mode(MODE),
    )


def test_softmax_is_theanos_and_its_gradient_softmaxgrad(float64):
    """Rows of exp(x - max) times the reciprocal of their sum (Theano's
    SoftmaxWithBias), and the gradient g*s - s * sum(g*s) (Theano's
    SoftmaxGrad), against NumPy."""
    rng = numpy.random.RandomState(2)
    x, g = pt.matrix("x"), pt.matrix("g")
    s = lstm.softmax(x)
    grad = pytensor.grad((s * g).sum(), x)
    f = pytensor.function([x, g], [s, grad], mode=MODE)
    xs, gs = rng.randn(50, 3), rng.randn(50, 3)
    got_s, got_grad = f(xs, gs)
    e = numpy.exp(xs - xs.max(axis=1, keepdims=True))
    expected_s = e * (1.0 / e.sum(axis=1, keepdims=True))
    numpy.testing.assert_allclose(got_s, expected_s, rtol=1e-15, atol=0)
    d = gs * expected_s
    expected_grad = d - expected_s * d.sum(axis=1, keepdims=True)
    numpy.testing.assert_allclose(got_grad, expected_grad, rtol=1e-12, atol=1e-15)


def test_dropout_draws_the_original_masks_and_every_call_advances_them(float64):
    """With use_noise 1: x times (u < 0.5), u from MRG streams seeded 123
    (the original's RandomStreams(SEED)); with 0: x / 2. The stream advances
    at every call, with or without noise, as Theano's default updates did:
    the third call's mask is the third draw."""
    trng = lstm.RandomStreams(lstm.SEED)
    use_noise = pytensor.shared(numpy.float64(0.0))
    x = pt.matrix("x")
    f = pytensor.function([x], lstm.dropout_layer(x, use_noise, trng), mode=MODE)
    xs = numpy.random.RandomState(3).rand(4, 5) + 1
    numpy.testing.assert_array_equal(f(xs), xs * 0.5)
    f(xs)
    use_noise.set_value(1.0)
    got = f(xs)
    reference = MRG_RandomStreams(123)
    u = reference.uniform((4, 5), nstreams=15360)
    draw = pytensor.function([], u, mode=MODE)
    third = [draw() for _ in range(3)][-1]
    numpy.testing.assert_array_equal(got, xs * (third < 0.5))


def step_functions(optimizer):
    """A two-parameter toy cost of the model's inputs, its optimizer
    functions, and the gradient in NumPy."""
    a = pytensor.shared(numpy.array([0.5, -1.0, 2.0]), name="a")
    B = pytensor.shared(numpy.array([[1.0, -2.0], [0.25, 3.0]]), name="B")
    tparams = OrderedDict(a=a, B=B)
    x, mask, y = pt.matrix("x", dtype="int64"), pt.matrix("mask"), pt.vector("y", dtype="int64")
    scale = mask.sum() + x.sum() + y.sum()
    cost = (a**2).sum() * scale + (B**3).sum()
    grads = pytensor.grad(cost, list(tparams.values()))
    lr = pt.scalar("lr")
    with pytensor.config.change_flags(mode=MODE):
        f_grad_shared, f_update = optimizer(lr, tparams, grads, x, mask, y, cost)

    def numpy_grads(k):
        return [2 * a.get_value() * k, 3 * B.get_value() ** 2]

    return tparams, f_grad_shared, f_update, numpy_grads


@pytest.mark.parametrize("name", ["sgd", "adadelta", "rmsprop"])
def test_each_optimizer_updates_as_its_formula(float64, name):
    """Three steps against the original's formulas in NumPy (running
    averages with decay 0.95; adadelta's epsilon 1e-6; rmsprop's momentum
    0.9, step 1e-4, epsilon 1e-4; sgd's learning rate)."""
    tparams, f_grad_shared, f_update, numpy_grads = step_functions(getattr(lstm, name))
    params = [p.get_value() for p in tparams.values()]
    state = {k: [numpy.zeros_like(p) for p in params] for k in ("rg", "rg2", "ru2", "ud")}
    xs, ms, ys = numpy.array([[1, 2]]), numpy.array([[1.0, 0.0]]), numpy.array([1])
    k = 1 + 1 + 3  # mask.sum() + x.sum() + y.sum()
    lr = 0.01
    for _ in range(3):
        grads = numpy_grads(k)
        f_grad_shared(xs, ms, ys)
        f_update(lr)
        for i, (p, g) in enumerate(zip(params, grads)):
            if name == "sgd":
                params[i] = p - lr * g
            elif name == "adadelta":
                state["rg2"][i] = 0.95 * state["rg2"][i] + 0.05 * g**2
                step = -numpy.sqrt(state["ru2"][i] + 1e-6) / numpy.sqrt(state["rg2"][i] + 1e-6) * g
                state["ru2"][i] = 0.95 * state["ru2"][i] + 0.05 * step**2
                params[i] = p + step
            else:
                state["rg"][i] = 0.95 * state["rg"][i] + 0.05 * g
                state["rg2"][i] = 0.95 * state["rg2"][i] + 0.05 * g**2
                state["ud"][i] = 0.9 * state["ud"][i] - 1e-4 * g / numpy.sqrt(
                    state["rg2"][i] - state["rg"][i] ** 2 + 1e-4
                )
                params[i] = p + state["ud"][i]
        for p, expected in zip(tparams.values(), params):
            numpy.testing.assert_allclose(p.get_value(), expected, rtol=1e-13)


def test_pred_error_is_a_float64_as_under_numpy_1():
    """The original's ``1. - numpy_floatX(n_correct) / len(data[0])``: under
    the NumPy 1 it ran on, a float64 in both precisions."""

    def f_pred(x, mask):
        return numpy.zeros(x.shape[1], dtype="int64")

    data = ([[2, 3], [4], [5, 6, 7]], [0, 1, 0])
    with pytensor.config.change_flags(floatX="float32"):
        err = lstm.pred_error(f_pred, lstm.imdb.prepare_data, data, lstm.get_minibatches_idx(3, 2))
    assert type(err) is numpy.float64 and err == 1.0 - 2.0 / 3.0


def test_load_params_refuses_what_does_not_fit(tmp_path, float64):
    params = OrderedDict(U=numpy.zeros((3, 2)), b=numpy.zeros(2))
    numpy.savez(tmp_path / "ok.npz", U=numpy.ones((3, 2)), b=numpy.ones(2), history_errs=[])
    assert lstm.load_params(str(tmp_path / "ok.npz"), params)["U"].sum() == 6
    numpy.savez(tmp_path / "shape.npz", U=numpy.ones((2, 2)), b=numpy.ones(2))
    numpy.savez(tmp_path / "missing.npz", U=numpy.ones((3, 2)))
    (tmp_path / "junk.npz").write_bytes(b"junk")
    for name, match in [
        ("shape.npz", r"U is float64 \(2, 2\)"),
        ("missing.npz", "b is not in the archive"),
        ("junk.npz", "not a readable saved model"),
        ("absent.npz", "not a readable saved model"),
    ]:
        with pytest.raises(ModelFileError, match=match):
            lstm.load_params(str(tmp_path / name), OrderedDict(params))


# -- runs ----------------------------------------------------------------------


def run_port(tag, floatX, mode, data_dir, cwd, extra=()):
    """The port, as the original's run ``tag`` ran (see the module docstring)."""
    settings = dict(SETTINGS[tag.split("_")[0]], data_dir=str(data_dir))
    init = ORACLE / f"lstm_{INIT_OF.get(tag, tag)}_{floatX}_init.npz"
    env = dict(os.environ, OPENBLAS_CORETYPE="Prescott")
    return subprocess.run(
        [sys.executable, str(REPO / "tests" / "lstm_with_initial_weights.py"), str(init),
         floatX, mode, json.dumps(settings), *extra],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=1800,
    )  # fmt: skip


def costs_and_rest(text):
    """The printed costs (as numbers), and every other line."""
    costs, rest = [], []
    for line in text.splitlines():
        match = re.fullmatch(r"(Epoch  \d+ Update  \d+ Cost  )(\S+)", line)
        if match:
            rest.append(match[1])
            costs.append(float(match[2]))
        else:
            rest.append(line)
    return costs, rest


def test_a_tiny_run_prints_the_original_lines(data_dir, tmp_path):
    """The default test run's: one epoch of the tiny setting, float64,
    against tests/oracle/lstm_tiny_float64.stdout. FAST_COMPILE's graphs
    are not NUMBA's (the backend the slow tests compare digit for digit):
    every line is the original's, the costs to 1e-12."""
    done = run_port("tiny", "float64", "FAST_COMPILE", data_dir, tmp_path)
    assert done.returncode == 0, done.stderr
    costs, rest = costs_and_rest(comparable(done.stdout))
    their_costs, their_rest = costs_and_rest(original("tiny", "float64"))
    assert rest == their_rest
    numpy.testing.assert_allclose(costs, their_costs, rtol=1e-12)
    assert re.search(r"^Training took \d+\.\ds$", done.stderr, re.M)


@pytest.fixture(scope="module")
def small_data_dir(tmp_path_factory):
    """A smaller generated set, for the runs in this process (Python loops)."""
    folder = tmp_path_factory.mktemp("small_imdb")
    write_generated_imdb(str(folder), n_train=150, n_test=20)
    return folder


def run_in_process(data_dir, **settings):
    options = dict(
        n_words=100, maxlen=30, batch_size=10, valid_batch_size=10, dim_proj=4,
        max_epochs=2, dispFreq=2, validFreq=3, saveFreq=4, saveto="", data_dir=str(data_dir),
    )  # fmt: skip
    options.update(settings)
    return lstm.train_lstm(**options)


def test_a_resumed_run_prints_what_an_uninterrupted_one_prints(
    small_data_dir, tmp_path, capsys, monkeypatch, float64
):
    """Two epochs in one go; the same stopped by Ctrl-C in epoch 1 (the
    original's "Training interupted", then its ending), resumed from the
    checkpoint of epoch 0's end: the resumed run prints what the whole one
    printed from there on, and returns the same errors. The saveto files
    and the record hold what the original writes and what was printed."""
    data_dir = small_data_dir
    saveto = str(tmp_path / "model.npz")
    whole = run_in_process(data_dir, saveto=saveto, results_json=str(tmp_path / "whole.json"))
    whole_lines = comparable(capsys.readouterr().out).splitlines()

    saved = numpy.load(saveto)
    params = ["Wemb", "lstm_W", "lstm_U", "lstm_b", "U", "b"]
    errors = ["history_errs", "train_err", "valid_err", "test_err"]
    assert sorted(saved) == sorted(params + errors)
    assert (float(saved["train_err"]), float(saved["valid_err"]), float(saved["test_err"])) == whole
    validations = [line.split() for line in whole_lines if line.startswith("Train ")][:-1]
    assert saved["history_errs"].tolist() == [[float(v[3]), float(v[5])] for v in validations]
    with open(saveto + ".pkl", "rb") as f:
        options = pickle.load(f)
    assert options["optimizer"] is lstm.adadelta and options["ydim"] == 2
    assert options["dim_proj"] == 4 and options["saveto"] == saveto

    real_print = lstm._print

    def print_then_stop(bar, *values):
        real_print(bar, *values)
        if values[:2] == ("Epoch ", 1):
            os.kill(os.getpid(), signal.SIGINT)

    seen = [line for line in whole_lines if line.startswith("Seen ")]
    n_updates = -(-int(seen[0].split()[1]) // 10)  # per epoch
    first_of_epoch_1 = 2 * (n_updates // 2 + 1)  # its first printed update
    checkpoints = str(tmp_path / "checkpoints")
    with monkeypatch.context() as patch:
        patch.setattr(lstm, "_print", print_then_stop)
        with pytest.raises(TrainingInterrupted, match=f"epoch 1, update {first_of_epoch_1}"):
            run_in_process(data_dir, saveto=saveto, checkpoint_dir=checkpoints)
    stopped_lines = comparable(capsys.readouterr().out).splitlines()
    resumed = run_in_process(
        data_dir,
        saveto=saveto,
        checkpoint_dir=checkpoints,
        resume=True,
        results_json=str(tmp_path / "resumed.json"),
    )
    resumed_lines = comparable(capsys.readouterr().out).splitlines()

    end_of_epoch_0 = whole_lines.index(seen[0]) + 1
    stop = stopped_lines.index("Training interupted")
    assert stopped_lines[:stop] == whole_lines[:stop]  # to that update's lines
    assert [line for line in stopped_lines[:stop] if line.startswith("Epoch  1 ")] == [
        line for line in whole_lines if line.startswith(f"Epoch  1 Update  {first_of_epoch_1} ")
    ]
    resuming = [i for i, line in enumerate(resumed_lines) if line.startswith("... resuming")]
    assert resuming and resumed_lines[resuming[0]].startswith(
        f"... resuming after epoch 0 (update {n_updates})"
    )
    assert resumed_lines[resuming[0] + 1 :] == whole_lines[end_of_epoch_0:]
    assert resumed == whole

    record, resumed_record = (
        json.loads((tmp_path / f"{name}.json").read_text()) for name in ("whole", "resumed")
    )
    assert record["validations"] == resumed_record["validations"]
    history = [[v["valid_err"], v["test_err"]] for v in record["validations"]]
    assert history == saved["history_errs"].tolist()
    assert [c["cost"] for c in record["costs_printed"]] == [
        float(line.split()[-1]) for line in whole_lines if line.startswith("Epoch ")
    ]
    assert (record["train_err"], record["valid_err"], record["test_err"]) == whole
    assert record["epochs"] == 2 and record["updates"] == 2 * n_updates
    assert record["floatX"] == "float64" and record["optimizer"] == "adadelta"


# -- the command line ----------------------------------------------------------


def test_every_keyword_is_a_flag_and_the_help_explains_them(capsys):
    with pytest.raises(SystemExit) as done:
        lstm.main(["--help"])
    usage = capsys.readouterr().out
    assert done.value.code == 0
    for flag in (
        "--dim-proj", "--patience", "--max-epochs", "--disp-freq", "--decay-c", "--lrate",
        "--n-words", "--optimizer", "--encoder", "--saveto", "--valid-freq", "--save-freq",
        "--maxlen", "--batch-size", "--valid-batch-size", "--dataset", "--noise-std",
        "--use-dropout", "--reload-model", "--test-size", "--data-dir", "--floatX", "--mode",
        "--checkpoint-dir", "--resume", "--results-json",
    ):  # fmt: skip
        assert flag in usage
    # a stopped run leaves the last epoch end's checkpoint (the resume test
    # above): the help says so, not the other drivers' "and on Ctrl-C"
    help_text = " ".join(usage.split())
    assert "checkpoint.npz at every epoch end (a run stopped by Ctrl-C" in help_text
    assert "epoch end and on Ctrl-C" not in help_text
    with cli.parsing_only():
        args = lstm.main(["--disp-freq", "3", "--valid-freq", "-1", "--optimizer", "rmsprop"])
    keywords = cli.driver_arguments(lstm._train_from_command_line, args)
    assert set(keywords) == set(inspect.signature(lstm.train_lstm).parameters)
    assert keywords["dispFreq"] == 3 and keywords["validFreq"] == -1
    assert keywords["optimizer"] == "rmsprop" and keywords["max_epochs"] == 100
    assert keywords["test_size"] == 500  # the original's command line


def test_reload_model_reads_the_path_given(small_data_dir, tmp_path, monkeypatch, capsys):
    """``reload_model`` replaces the drawn parameters by a saved file's: the
    path given, or, with True, ``lstm_model.npz`` as the original always did."""
    calls = []

    def record(path, params):
        calls.append((path, sorted(params)))
        raise KeyboardInterrupt  # enough: stop before compiling

    monkeypatch.setattr(lstm, "load_params", record)
    monkeypatch.chdir(tmp_path)
    for value in (str(tmp_path / "mine.npz"), True):
        with pytest.raises(KeyboardInterrupt):
            run_in_process(small_data_dir, reload_model=value)
    names = ["U", "Wemb", "b", "lstm_U", "lstm_W", "lstm_b"]
    assert calls == [(str(tmp_path / "mine.npz"), names), ("lstm_model.npz", names)]


def test_bad_flags_and_bad_data_are_one_line(tmp_path, capsys, monkeypatch):
    for bad in (["--valid-freq", "0"], ["--optimizer", "newton"], ["--dim-proj", "-3"]):
        with pytest.raises(SystemExit) as done:
            lstm.main(bad)
        error = capsys.readouterr().err
        assert done.value.code == 2 and error.count("\n") == 1, (bad, error)
    (tmp_path / "imdb.pkl").write_bytes(b"\x80\x02junk")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        lstm.main(["--data-dir", str(tmp_path), "--saveto", ""])
    error = capsys.readouterr().err
    assert done.value.code == 2, error
    assert error.count("\n") == 1 and "not an IMDB pickle" in error


# -- the original's runs, digit for digit (minutes) -----------------------------


@pytest.mark.slow
@pytest.mark.parametrize("floatX", ["float64", "float32"])
@pytest.mark.parametrize("tag", ["tiny", "smoke", "rmsprop", "sgd", "earlystop", "smoke_fma"])
def test_the_original_runs_print_the_same_lines(data_dir, tmp_path, tag, floatX):
    """Under NUMBA (the default backend) every line of every recorded run of
    the original, in both precisions: adadelta, rmsprop with weight decay
    and a random test subset, sgd without dropout, an early stop, and the
    original compiled with Theano's default flags (smoke_fma)."""
    done = run_port(tag, floatX, "NUMBA", data_dir, tmp_path)
    assert done.returncode == 0, done.stderr
    assert comparable(done.stdout) == original(tag, floatX)


@pytest.mark.slow
def test_under_python_3_zip_the_original_lines_too(data_dir, tmp_path):
    """With get_minibatches_idx a one-shot iterator, as the original's zip is
    under Python 3, the port prints what the original printed there
    (tests/oracle/lstm_smoke_py3zip_float64.stdout: epochs cut short at
    their first validation, validation and test errors of 1.0 after it)."""
    done = run_port("smoke_py3zip", "float64", "NUMBA", data_dir, tmp_path, ["py3zip"])
    assert done.returncode == 0, done.stderr
    assert comparable(done.stdout) == original("smoke_py3zip", "float64")


@pytest.mark.slow
def test_the_command_line_prints_the_original_lines(data_dir, tmp_path):
    """``python -m deeplearning_tutorials.lstm`` with the smoke run's flags,
    against the original's smoke run, and its record. (NUMBA: the default
    backend, CVM, multiplies with another OpenBLAS, which follows
    OPENBLAS_CORETYPE only in part: its float64 costs may differ from the
    original's in the last digit.)"""
    env = dict(os.environ, OPENBLAS_CORETYPE="Prescott")
    flags = [
        "--data-dir", data_dir, "--dim-proj", "16", "--n-words", "100", "--maxlen", "60",
        "--batch-size", "16", "--valid-batch-size", "32", "--disp-freq", "5",
        "--max-epochs", "2", "--valid-freq", "10", "--save-freq", "15", "--test-size", "-1",
        "--floatX", "float64", "--mode", "NUMBA", "--results-json", tmp_path / "lstm.json",
    ]  # fmt: skip
    done = subprocess.run(
        [sys.executable, str(REPO / "tests" / "lstm_with_initial_weights.py"),
         str(ORACLE / "lstm_smoke_float64_init.npz"), "--cli", *map(str, flags)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert comparable(done.stdout) == original("smoke", "float64")
    assert (tmp_path / "lstm_model.npz").is_file() and (tmp_path / "lstm_model.npz.pkl").is_file()
    record = json.loads((tmp_path / "lstm.json").read_text())
    assert record["optimizer"] == "adadelta" and record["mode"] == "NUMBA"
    assert len(record["validations"]) == 2 and record["epochs"] == 2
