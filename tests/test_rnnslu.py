"""rnnslu: the conlleval scores, the context windows and shuffles, the Elman
network's forward pass and gradient, whole runs against the original, the
checkpoints, the data checks and the command line.

The references:

* ``tests/fixtures/conlleval/``: inputs and what the original's Perl
  ``conlleval.pl`` printed for them (made by
  tests/fixtures/make_conlleval_fixtures.py);
* the chapter's own examples of ``contextwin`` (doc/rnnslu.txt), a NumPy
  sliding window, and Python's ``random`` for the shuffles;
* a NumPy implementation of the network, and finite differences
  (``verify_grad``);
* what the original ``code/rnnslu.py`` printed and computed under Theano
  1.0.5 (tests/oracle/rnnslu_*.stdout and .json, made by
  tests/oracle/run_original_rnnslu.sh): a small setting (the first 100 / 30 /
  30 sentences of fold 3, 10 hidden units, lr 0.5, 2 epochs), a setting in which the
  learning rate decays (the first 20 / 10 / 10 sentences, 10 hidden units,
  14 epochs), both in float64 here, and, behind the ``slow`` marker, from
  the command line in the default backend: the same two settings in float32,
  one epoch of the original's defaults on fold 3 in float32 and float64,
  and the published 60-epoch run (best test F1 94.2).

The ATIS folds are not part of the project: the tests that need them find
them through tests/shared_data.py and are skipped where they are absent.
"""

import gzip
import json
import os
import pickle
import random
import re
import signal

import numpy
import pytensor
import pytest
from conftest import REPO, run_module
from pytensor.graph.replace import clone_replace
from shared_data import shared_data

from deeplearning_tutorials import rnnslu
from deeplearning_tutorials.machinery import atis, conlleval
from deeplearning_tutorials.machinery.data import DatasetError
from deeplearning_tutorials.machinery.training import TrainingInterrupted

ORACLE = REPO / "tests" / "oracle"
FIXTURES = REPO / "tests" / "fixtures" / "conlleval"
CASES = json.loads((FIXTURES / "cases.json").read_text())
# Python's implementations: no compilation, so a model is ready in seconds
# (the slow tests run the command line, in its default backend)
MODE = "FAST_COMPILE"
NCLASSES, VOCSIZE = 127, 572  # ATIS fold 3's labels2idx and words2idx


# ------------------------------------------------------------------ conlleval


@pytest.mark.parametrize("case", sorted(CASES))
def test_conlleval_prints_what_the_perl_script_printed(case):
    """The whole report, byte for byte (read as Latin-1), or the error the
    script stopped with."""
    expected = CASES[case]
    if expected["status"] != 0:
        with pytest.raises(conlleval.ConllevalError) as error:
            conlleval.evaluate_file(FIXTURES / f"{case}.txt")
        assert str(error.value) == expected["stderr"]
        assert (FIXTURES / f"{case}.out").read_bytes() == b""
        return
    counts = conlleval.evaluate_file(FIXTURES / f"{case}.txt")
    printed = (FIXTURES / f"{case}.out").read_bytes().decode("latin-1")
    assert conlleval.report(counts) == printed


def original_get_perf(stdout):
    """The original rnnslu's ``get_perf``: the numbers of the script's
    accuracy line."""
    out = next(line.split() for line in stdout.split("\n") if "accuracy" in line)
    return {"p": float(out[6][:-2]), "r": float(out[8][:-2]), "f1": float(out[10])}


@pytest.mark.parametrize(
    "case", sorted(c for c in CASES if CASES[c]["status"] == 0 and c not in ("empty", "only_boundaries"))
)
def test_overall_gives_the_numbers_the_original_read(case):
    printed = (FIXTURES / f"{case}.out").read_bytes().decode("latin-1")
    counts = conlleval.evaluate_file(FIXTURES / f"{case}.txt")
    assert conlleval.overall(counts) == original_get_perf(printed)


def test_overall_refuses_an_input_without_tokens():
    """The script prints no accuracy line then (the original's get_perf
    failed on it)."""
    counts = conlleval.evaluate_file(FIXTURES / "only_boundaries.txt")
    assert "accuracy" not in (FIXTURES / "only_boundaries.out").read_text()
    with pytest.raises(conlleval.ConllevalError, match="no tokens"):
        conlleval.overall(counts)


def test_conlleval_writes_the_file_the_original_wrote(tmp_path):
    """``BOS O O`` and ``EOS O O`` around each sentence, a blank line after,
    ``word truth prediction`` lines; the scores those of the Perl script on
    the same text (the fixture atis_like.txt is such a file)."""
    words = [["show", "flights", "from", "boston"], ["cheap", "fares"]]
    truth = [["O", "O", "O", "B-fromloc.city_name"], ["B-cost_relative", "O"]]
    guess = [["O", "O", "O", "B-fromloc.city_name"], ["O", "O"]]
    path = tmp_path / "current.test.txt"
    res = rnnslu.conlleval(guess, truth, words, str(path))
    assert path.read_text() == (
        "BOS O O\nshow O O\nflights O O\nfrom O O\n"
        "boston B-fromloc.city_name B-fromloc.city_name\nEOS O O\n\n"
        "BOS O O\ncheap B-cost_relative O\nfares O O\nEOS O O\n\n"
    )
    assert res == {"p": 100.0, "r": 50.0, "f1": 66.67}
    atis_like = (FIXTURES / "atis_like.out").read_text()
    assert conlleval.overall(conlleval.evaluate_file(FIXTURES / "atis_like.txt")) == (
        original_get_perf(atis_like)
    )


# ------------------------------------------------------ contextwin, shuffle


def test_contextwin_gives_the_chapters_examples():
    """doc/rnnslu.txt of the original: ``contextwin(x, 3)`` and
    ``contextwin(x, 7)`` of ``x = [0, 1, 2, 3, 4]``."""
    x = numpy.array([0, 1, 2, 3, 4], dtype="int32")
    assert rnnslu.contextwin(x, 3) == [
        [-1, 0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, -1]
    ]
    assert rnnslu.contextwin(x, 7) == [
        [-1, -1, -1, 0, 1, 2, 3],
        [-1, -1, 0, 1, 2, 3, 4],
        [-1, 0, 1, 2, 3, 4, -1],
        [0, 1, 2, 3, 4, -1, -1],
        [1, 2, 3, 4, -1, -1, -1],
    ]


@pytest.mark.parametrize("win", [1, 3, 5, 7, 9, 19])
def test_contextwin_is_a_padded_sliding_window(win):
    """Against NumPy: pad with win // 2 entries of -1 on each side, then
    take every window of ``win`` consecutive entries."""
    rng = numpy.random.RandomState(win)
    for n in (1, 2, 6, 15):
        x = rng.randint(0, 572, size=n)
        padded = numpy.concatenate([[-1] * (win // 2), x, [-1] * (win // 2)])
        windows = numpy.lib.stride_tricks.sliding_window_view(padded, win)
        assert rnnslu.contextwin(x, win) == windows.tolist()


def test_contextwin_refuses_an_even_window():
    with pytest.raises(AssertionError):
        rnnslu.contextwin([1, 2, 3], 4)


def test_shuffle_applies_the_permutation_of_the_seeded_global_generator():
    """The original: ``random.seed(seed); random.shuffle(l)`` for each list,
    so every list gets the same permutation, and shuffling again applies it
    again. The reference is Python's global generator, seeded as the original
    seeded it."""
    lists = [list(range(40)), [f"s{i}" for i in range(40)], list(range(100, 140))]
    for _ in range(3):  # three epochs
        expected = []
        for l in lists:
            copy = list(l)
            random.seed(345)
            random.shuffle(copy)
            expected.append(copy)
        rnnslu.shuffle(lists, 345)
        assert lists == expected
    assert [int(s[1:]) for s in lists[1]] == lists[0]
    assert [v - 100 for v in lists[2]] == lists[0]


def test_the_progress_line_is_the_originals(monkeypatch, capsys):
    """The original printed ``'[learning] epoch %i >> %2.2f%%' % (e, (i + 1) *
    100. / nsentences)``, a space, then ``'completed in %.2f (sec) <<\\r'``
    after every sentence. On a terminal the same text is rewritten at most ten
    times a second; elsewhere only its last state is written."""
    clock = iter([0.0, 0.05, 0.12, 0.15, 0.3])  # the times of sentences 1 to 5
    monkeypatch.setattr(rnnslu.timeit, "default_timer", lambda: next(clock))
    monkeypatch.setattr(rnnslu.sys.stdout, "isatty", lambda: True)
    line = rnnslu._ProgressLine(4, 3983, 0.0)
    for i in range(5):
        line.update(i, last=i == 4)
    assert capsys.readouterr().out == (
        "[learning] epoch 4 >> 0.08% completed in 0.12 (sec) <<\r"
        "[learning] epoch 4 >> 0.13% completed in 0.30 (sec) <<\r"  # the last
    )
    monkeypatch.setattr(rnnslu.sys.stdout, "isatty", lambda: False)
    clock = iter([1.0, 2.0, 3.5])
    line = rnnslu._ProgressLine(0, 3, 0.0)
    for i in range(3):
        line.update(i, last=i == 2)
    assert capsys.readouterr().out == "[learning] epoch 0 >> 100.00% completed in 3.50 (sec) <<\r"


# ------------------------------------------------------------------- model


def sigmoid(a):
    return 1.0 / (1.0 + numpy.exp(-a))


def numpy_forward(values, windows):
    """The Elman network in NumPy: ``(h, s)`` of a sentence of context
    windows (a matrix of word indexes, -1 the padding: the last row)."""
    emb, wx, wh, w, bh, b, h0 = values
    x = emb[windows].reshape(len(windows), -1)
    h, s, h_t = [], [], h0
    for x_t in x:
        h_t = sigmoid(x_t @ wx + h_t @ wh + bh)
        a = h_t @ w + b
        e = numpy.exp(a - a.max())
        h.append(h_t)
        s.append(e / e.sum())
    return numpy.array(h), numpy.array(s)


@pytest.fixture(scope="module")
def model64():
    """One RNNSLU of the small setting (10 hidden units, the fold's 572 words
    and 127 classes, embeddings of 50, windows of 7), float64, compiled once
    for the module, with its initial values."""
    saved = pytensor.config.floatX, pytensor.config.mode
    pytensor.config.floatX, pytensor.config.mode = "float64", MODE
    try:
        rnn = rnnslu.RNNSLU(nh=10, nc=NCLASSES, ne=VOCSIZE, de=50, cs=7,
                            numpy_rng=numpy.random.RandomState(345))
    finally:
        pytensor.config.floatX, pytensor.config.mode = saved
    return rnn, rnn.get_values()


@pytest.fixture
def float64():
    """Run in float64 (the autouse fixture of conftest.py restores floatX)."""
    pytensor.config.floatX = "float64"


def test_parameters_are_drawn_as_the_original_drew_them(model64):
    """code/rnnslu.py: ``numpy.random.seed(345)``, then emb (ne + 1 rows: the
    padding), wx, wh and w, each ``0.2 * uniform(-1, 1, shape)`` in that
    order; zero biases and h0."""
    _, initial = model64
    rng = numpy.random.RandomState(345)
    expected = [0.2 * rng.uniform(-1.0, 1.0, shape)
                for shape in [(VOCSIZE + 1, 50), (50 * 7, 10), (10, 10), (10, NCLASSES)]]
    for value, reference in zip(initial[:4], expected):
        numpy.testing.assert_array_equal(value, reference)
    for value, n in zip(initial[4:], (10, NCLASSES, 10)):
        numpy.testing.assert_array_equal(value, numpy.zeros(n))


def test_float32_parameters_are_rounded_before_the_product():
    """The original writes ``0.2 * numpy.random.uniform(...).astype(floatX)``:
    the draws are rounded to float32 first, then multiplied in float32."""
    rng = numpy.random.RandomState(345)
    model = rnnslu.RNNSLU.__new__(rnnslu.RNNSLU)
    model.emb, model.wx, model.wh, model.w, model.bh, model.b, model.h0 = (
        pytensor.shared(numpy.zeros(shape, dtype="float32"))
        for shape in [(4, 2), (6, 3), (3, 3), (3, 5), (3,), (5,), (3,)]
    )
    pytensor.config.floatX = "float32"
    model.reinitialize(numpy.random.RandomState(345))
    u = rng.uniform(-1.0, 1.0, (4, 2)).astype("float32")
    expected = numpy.float32(0.2) * u
    assert model.emb.get_value().dtype == numpy.float32
    numpy.testing.assert_array_equal(model.emb.get_value(), expected)


def test_the_forward_pass_is_the_elman_network(model64, float64):
    """The predictions and the sentence's cost (the mean negative
    log-probability of the true labels) against :func:`numpy_forward`, on
    random parameters (biases and h0 included)."""
    rnn, initial = model64
    rng = numpy.random.RandomState(7)
    values = [rng.uniform(-1, 1, v.shape) for v in initial]
    rnn.set_values(values)
    try:
        sentence = rng.randint(0, VOCSIZE, size=9)
        labels = rng.randint(0, NCLASSES, size=9).astype("int32")
        windows = numpy.asarray(rnnslu.contextwin(sentence, 7), dtype="int32")
        _, s = numpy_forward(values, windows)
        numpy.testing.assert_array_equal(rnn.classify(windows), s.argmax(axis=1))
        cost = rnn.sentence_train(windows, labels, 0.0)  # lr 0: nothing moves
        expected = -numpy.mean(numpy.log(s[numpy.arange(9), labels]))
        assert cost == pytest.approx(expected, rel=1e-12)
        for value, param in zip(values, rnn.params):
            numpy.testing.assert_array_equal(param.get_value(), value)
    finally:
        rnn.set_values(initial)


def test_the_gradient_of_the_sentence_cost(model64, float64):
    """``verify_grad`` (finite differences) of the module's sentence cost with
    respect to every parameter at once, through the recurrence (scan). The
    graph takes parameters of any number of hidden units and classes: 2 and
    3 here, so that the differences are few (the embeddings: only the rows a
    sentence of two words reads, the others have no gradient)."""
    rnn, initial = model64
    rng = numpy.random.RandomState(11)
    windows = numpy.asarray(rnnslu.contextwin([5, 9], 7), dtype="int32")
    labels = numpy.array([2, 0], dtype="int32")
    rows = numpy.unique(windows)  # 5, 9 and the padding (-1: the last row)
    nh, nc = 2, 3
    shapes = [(len(rows), 50), (350, nh), (nh, nh), (nh, nc), (nh,), (nc,), (nh,)]
    values = [rng.uniform(-0.5, 0.5, shape) for shape in shapes]

    def cost(emb_rows, wx, wh, w, bh, b, h0):
        emb = pytensor.tensor.set_subtensor(
            pytensor.tensor.zeros((VOCSIZE + 1, 50))[rows], emb_rows
        )
        replace = dict(zip(rnn.params, [emb, wx, wh, w, bh, b, h0]))
        replace[rnn.idxs] = pytensor.tensor.constant(windows)
        replace[rnn.y_sentence] = pytensor.tensor.constant(labels)
        return clone_replace(rnn.sentence_nll, replace)

    # no_debug_ref=False: the finite differences too in MODE (verify_grad
    # would compile them in the default backend)
    pytensor.gradient.verify_grad(
        cost, values, rng=rng, abs_tol=1e-7, rel_tol=1e-6, mode=MODE, no_debug_ref=False
    )


def test_a_training_step_normalises_the_embeddings(model64, float64):
    """After each update every embedding (the padding's too) is scaled back
    to unit length, as the original's ``normalize``."""
    rnn, initial = model64
    try:
        rnn.train(numpy.array([3, 4, 5], dtype="int32"),
                  numpy.array([1, 2, 3], dtype="int32"), 7, 0.1)
        norms = numpy.sqrt((rnn.emb.get_value() ** 2).sum(axis=1))
        numpy.testing.assert_allclose(norms, 1.0, rtol=1e-14)
    finally:
        rnn.set_values(initial)


# --------------------------------------------------------- runs vs original


def write_subset(folder, n_train, n_valid, n_test):
    """The first sentences of ATIS fold 3, as the oracle driver cuts them,
    written as a fold file in ``folder``."""
    with gzip.open(shared_data("atis", "atis.fold3.pkl.gz"), "rb") as f:
        train, valid, test, dicts = pickle.load(f, encoding="latin1")
    cut = [tuple(list(part)[:n] for part in data_set)
           for data_set, n in zip((train, valid, test), (n_train, n_valid, n_test))]
    folder.mkdir(exist_ok=True)
    with gzip.open(folder / "atis.fold3.pkl.gz", "wb") as f:
        pickle.dump((*cut, dicts), f, protocol=2)
    return folder


def oracle(name):
    stdout = (ORACLE / f"{name}.stdout").read_bytes().decode()
    return stdout, json.loads((ORACLE / f"{name}.json").read_text())


def without_times(text):
    return re.sub(r"completed in [0-9.]+ \(sec\)", "completed in T (sec)", text)


def universal_newlines(text):
    """``text`` as a pipe read in text mode gives it (run_module): \\r\\n
    and \\r become \\n."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def assert_like_the_original(result, rnn, printed, name, rtol):
    """The lines printed (times aside), every epoch's scores and learning
    rate, the results in ``param`` and the final parameters, against the
    original's run ``name``."""
    stdout, values = oracle(name)
    assert without_times(printed) == without_times(stdout)
    scores = values["scores"]  # test, then valid, each epoch
    assert len(scores) == 2 * len(result.history)
    for epoch, (test, valid) in zip(result.history, zip(scores[::2], scores[1::2])):
        assert (epoch["epoch"], epoch["lr"]) == (test["ce"], test["clr"])
        assert (epoch["test"], epoch["valid"]) == (test["res"], valid["res"])
    for key in ("be", "vf1", "tf1", "vp", "tp", "vr", "tr", "clr"):
        assert result.param[key] == values["param"][key], key
    for param in rnn.params:
        reference = values["params_rnn"][param.name]
        value = param.get_value().astype("float64").ravel()
        assert list(value.shape) == [int(numpy.prod(reference["shape"]))]
        numpy.testing.assert_allclose(value[:5], reference["first"], rtol=rtol, atol=rtol)
        numpy.testing.assert_allclose(value[-5:], reference["last"], rtol=rtol, atol=rtol)
        assert value.sum() == pytest.approx(reference["sum"], rel=rtol, abs=rtol)
        assert (value**2).sum() == pytest.approx(reference["sum_of_squares"], rel=rtol)


def run_small(model64, tmp_path, monkeypatch, capsys, sizes, nepochs,
              lr=rnnslu.DEFAULT_PARAM["lr"], **kwargs):
    rnn, _ = model64
    monkeypatch.chdir(tmp_path)
    data_dir = write_subset(tmp_path / "data", *sizes)
    param = dict(rnnslu.DEFAULT_PARAM, nhidden=10, nepochs=nepochs, lr=lr)
    capsys.readouterr()
    result = rnnslu.train_rnnslu(param, data_dir=data_dir, model=rnn, **kwargs)
    return result, capsys.readouterr().out


def test_two_small_epochs_follow_the_original(model64, float64, tmp_path, monkeypatch, capsys):
    """The first 100 / 30 / 30 sentences of fold 3, 10 hidden units, a
    learning rate of 0.5, 2 epochs in float64: the original's lines, scores
    and final parameters (tests/oracle/rnnslu_small_2epochs_float64.*)."""
    result, printed = run_small(model64, tmp_path, monkeypatch, capsys, (100, 30, 30), 2,
                                lr=0.5)
    assert_like_the_original(result, model64[0], printed, "rnnslu_small_2epochs_float64",
                             rtol=1e-12)
    # the last epoch was a new best: its files were renamed best.*
    assert sorted(p.name for p in (tmp_path / "rnnslu").iterdir()) == [
        "best.test.txt", "best.valid.txt"
    ]


def test_the_learning_rate_decays_as_in_the_original(
    model64, float64, tmp_path, monkeypatch, capsys
):
    """The first 20 / 10 / 10 sentences, 14 epochs: no better validation F1
    after epoch 0, so the learning rate halves at the ends of epochs 10 to
    13. The first time the original goes back to its copy of the best model
    (``rnn = best_rnn``); afterwards ``rnn`` *is* ``best_rnn`` and goes on
    training: the final parameters tell the two apart
    (tests/oracle/rnnslu_decay_14epochs_float64.*)."""
    result, printed = run_small(model64, tmp_path, monkeypatch, capsys, (20, 10, 10), 14)
    assert_like_the_original(result, model64[0], printed, "rnnslu_decay_14epochs_float64",
                             rtol=1e-12)
    assert [e["lr"] for e in result.history][9:] == [0.0970806646812754 / 2**k
                                                     for k in (0, 0, 1, 2, 3)]
    _, values = oracle("rnnslu_decay_14epochs_float64")
    assert values["rnn_is_best_rnn"]
    for value, param in zip(result.best_values, model64[0].params):
        numpy.testing.assert_array_equal(value, param.get_value())


def test_resumed_runs_continue_as_the_uninterrupted_one(
    model64, float64, tmp_path, monkeypatch, capsys
):
    """2 epochs at once; 1 epoch, then 1 more from the checkpoint; and 2
    epochs stopped by Ctrl-C in the middle of the second (the run stops after
    the sentence, the checkpoint holds the end of epoch 0), then resumed: the
    same parameters, scores and lines (a resumed run says where it resumes
    after its first line, the param dictionary)."""
    rnn, sizes = model64[0], (10, 5, 5)
    for name in "abc":
        (tmp_path / name).mkdir()
    straight, printed = run_small(model64, tmp_path / "a", monkeypatch, capsys, sizes, 2)
    straight_values = rnn.get_values()

    run_small(model64, tmp_path / "b", monkeypatch, capsys, sizes, 1, checkpoint_dir="ck")
    resumed, resumed_printed = run_small(
        model64, tmp_path / "b", monkeypatch, capsys, sizes, 2, checkpoint_dir="ck", resume=True
    )
    for value, reference in zip(rnn.get_values(), straight_values):
        numpy.testing.assert_array_equal(value, reference)
    assert resumed.history[1]["valid"] == straight.history[1]["valid"]
    assert resumed.history[1]["test"] == straight.history[1]["test"]
    assert [e["lr"] for e in resumed.history] == [e["lr"] for e in straight.history]
    assert resumed.param["be"] == straight.param["be"]
    lines = without_times(resumed_printed).split("\n")
    assert lines[1].startswith("... resuming after epoch 0 from ck")
    assert without_times(printed).split("\n")[2:] == lines[2:]

    calls, train = [], rnn.train

    def train_then_interrupt(*args):
        calls.append(1)
        if len(calls) == 1 + 10 + 5:  # the warm-up, epoch 0, 5 sentences of epoch 1
            os.kill(os.getpid(), signal.SIGINT)
        return train(*args)

    monkeypatch.setattr(rnn, "train", train_then_interrupt)
    with pytest.raises(TrainingInterrupted, match="epoch 1, sentence 5/10"):
        run_small(model64, tmp_path / "c", monkeypatch, capsys, sizes, 2, checkpoint_dir="ck")
    monkeypatch.setattr(rnn, "train", train)
    _, printed = run_small(
        model64, tmp_path / "c", monkeypatch, capsys, sizes, 2, checkpoint_dir="ck", resume=True
    )
    assert "... resuming after epoch 0 from ck" in printed
    for value, reference in zip(rnn.get_values(), straight_values):
        numpy.testing.assert_array_equal(value, reference)


def test_the_results_record(model64, float64, tmp_path, monkeypatch):
    """``--results-json``: the settings, the best epoch's scores, and every
    epoch's F1, learning rate and seconds; paths relative."""
    monkeypatch.chdir(tmp_path)
    write_subset(tmp_path / "data", 10, 5, 5)
    result = rnnslu.rnnslu(nhidden=10, nepochs=2, data_dir="data", folder="out",
                           results_json="r.json", model=model64[0])
    record = json.loads((tmp_path / "r.json").read_text())
    assert record["param"] == dict(rnnslu.DEFAULT_PARAM, nhidden=10, nepochs=2)
    assert record["floatX"] == "float64" and record["data_dir"] == "data"
    assert [e["epoch"] for e in record["history"]] == [0, 1]
    for epoch, kept in zip(record["history"], result.history):
        assert epoch["valid"] == kept["valid"] and epoch["test"] == kept["test"]
        assert epoch["lr"] == 0.0970806646812754 and epoch["train_seconds"] > 0
    assert record["be"] == result.param["be"] and record["tf1"] == result.param["tf1"]
    assert record["train_seconds_per_epoch"] == [e["train_seconds"] for e in result.history]


def test_savemodel_writes_the_best_models_parameters(model64, float64, tmp_path, monkeypatch, capsys):
    """``savemodel``: the original's ``rnn.save(folder)``, one ``.npy`` per
    parameter, at each new best; :meth:`RNNSLU.load` reads them back."""
    rnn = model64[0]
    monkeypatch.chdir(tmp_path)
    data_dir = write_subset(tmp_path / "data", 10, 5, 5)
    param = dict(rnnslu.DEFAULT_PARAM, nhidden=10, nepochs=1, savemodel=True)
    result = rnnslu.train_rnnslu(param, data_dir=data_dir, model=rnn)
    names = ["embeddings", "wx", "wh", "w", "bh", "b", "h0"]
    assert sorted(p.name for p in (tmp_path / "rnnslu").glob("*.npy")) == sorted(
        f"{n}.npy" for n in names)
    for name, value in zip(names, result.best_values):
        numpy.testing.assert_array_equal(numpy.load(tmp_path / "rnnslu" / f"{name}.npy"), value)
    trained = rnn.get_values()
    rnn.reinitialize(numpy.random.RandomState(0))
    rnn.load("rnnslu")
    for value, reference in zip(rnn.get_values(), trained):
        numpy.testing.assert_array_equal(value, reference)


# -------------------------------------------------------------------- data


def test_fold_3_is_the_tutorials_data():
    """Fold 3: 3,983 / 995 / 893 sentences, 572 words, 127 labels; the first
    training sentence as the original's pickle holds it."""
    data_dir = shared_data("atis", "atis.fold3.pkl.gz").parent
    train, valid, test, dicts = rnnslu.atisfold(3, data_dir)
    assert [len(s[0]) for s in (train, valid, test)] == [3983, 995, 893]
    assert (len(dicts["words2idx"]), len(dicts["labels2idx"])) == (VOCSIZE, NCLASSES)
    with gzip.open(data_dir / "atis.fold3.pkl.gz", "rb") as f:
        reference = pickle.load(f, encoding="latin1")
    for ours, theirs in zip(train, reference[0]):
        numpy.testing.assert_array_equal(ours[0], theirs[0])
        assert ours[0].dtype == numpy.int32


def write_fold(folder, obj):
    folder.mkdir(exist_ok=True)
    with gzip.open(folder / "atis.fold3.pkl.gz", "wb") as f:
        # protocol 2, as the ATIS folds are (an empty array's data is then a
        # call of bytes(), which the loader allows with no argument only)
        pickle.dump(obj, f, protocol=2)
    return folder


def tiny_fold(**change):
    """A well-formed fold of two words and two labels, with ``change``s."""
    sentence = numpy.array([0, 1], dtype="int32")
    data_set = ([sentence], [sentence], [sentence])
    dicts = {"words2idx": {"a": 0, "b": 1}, "labels2idx": {"O": 0, "B-x": 1},
             "tables2idx": {}}
    dicts.update(change.pop("dicts", {}))
    fold = [change.get(name, data_set) for name in ("train", "valid", "test")]
    return (*fold, dicts)


@pytest.mark.parametrize("obj, message", [
    ((1, 2, 3), "expected \\(train_set, valid_set, test_set, dicts\\)"),
    (tiny_fold(dicts={"words2idx": {"a": 0, "b": 3}}), "indexes of words2idx"),
    (tiny_fold(dicts={"labels2idx": {"O": 0, "B x": 1}}), "names without spaces"),
    (tiny_fold(train=([numpy.array([0, 2], dtype="int32")],) * 3), "index outside words2idx"),
    (tiny_fold(valid=([numpy.array([], dtype="int32")],) * 3), "a sentence of 0 words"),
    (tiny_fold(test=([numpy.zeros((1, 2), dtype="int32")],) * 3), "not a 1-D integer"),
    (tiny_fold(train=([], [], [])), "train set: 0, 0 and 0 sentences"),
])
def test_a_wrong_fold_is_refused_in_one_sentence(tmp_path, obj, message):
    folder = write_fold(tmp_path / "data", obj)
    with pytest.raises(DatasetError, match=message) as error:
        rnnslu.atisfold(3, folder)
    assert "\n" not in str(error.value)


def test_a_well_formed_fold_is_read(tmp_path):
    train, valid, test, dicts = rnnslu.atisfold(3, write_fold(tmp_path / "d", tiny_fold()))
    assert train[0][0].tolist() == [0, 1] and dicts["labels2idx"] == {"O": 0, "B-x": 1}


def test_damaged_and_hostile_files_are_refused(tmp_path):
    good = write_fold(tmp_path / "good", tiny_fold()) / "atis.fold3.pkl.gz"
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "atis.fold3.pkl.gz").write_bytes(good.read_bytes()[:-20])
    with pytest.raises(DatasetError, match="truncated|corrupted"):
        rnnslu.atisfold(3, damaged)
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    with gzip.open(hostile / "atis.fold3.pkl.gz", "wb") as f:
        f.write(b"cos\nsystem\n(S'echo owned'\ntR.")
    with pytest.raises(DatasetError, match="refusing to load global 'os.system'"):
        rnnslu.atisfold(3, hostile)
    with pytest.raises(DatasetError, match="file not found"):
        rnnslu.atisfold(3, tmp_path / "nowhere")


def test_atisdata_names_the_folder_as_for_the_original(tmp_path, monkeypatch):
    monkeypatch.setenv("ATISDATA", str(write_fold(tmp_path / "env", tiny_fold())))
    assert rnnslu.atisfold(3)[0][0][0].tolist() == [0, 1]


def test_the_download_is_checked_and_cached(tmp_path, monkeypatch, capsys):
    """Without --data-dir or ATISDATA the fold is downloaded (here from a
    file: URL), kept only if its SHA-256 is the original's, and read from the
    cache afterwards; a cached file that changed is refused."""
    source = shared_data("atis", "atis.fold3.pkl.gz")
    monkeypatch.delenv("ATISDATA", raising=False)
    monkeypatch.setattr(atis, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(atis, "ATIS_URL", source.parent.as_uri() + "/atis.fold%d.pkl.gz")
    assert len(rnnslu.atisfold(3)[0][0]) == 3983
    assert "Downloading data from file:" in capsys.readouterr().out
    assert (tmp_path / "cache" / "atis.fold3.pkl.gz").read_bytes() == source.read_bytes()
    (tmp_path / "wrong").mkdir()
    (tmp_path / "wrong" / "atis.fold2.pkl.gz").write_bytes(source.read_bytes())
    monkeypatch.setattr(atis, "ATIS_URL", (tmp_path / "wrong").as_uri() + "/atis.fold%d.pkl.gz")
    with pytest.raises(DatasetError, match="does not have the expected sha256"):
        rnnslu.atisfold(2)  # fold 3's file where fold 2 should be
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["atis.fold3.pkl.gz"]
    (tmp_path / "cache" / "atis.fold3.pkl.gz").write_bytes(b"changed")
    with pytest.raises(DatasetError, match="not the original file"):
        rnnslu.atisfold(3)


def test_without_network_the_error_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("ATISDATA", raising=False)
    monkeypatch.setattr(atis, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(atis, "ATIS_URL", "http://127.0.0.1:9/atis.fold%d.pkl.gz")
    with pytest.raises(DatasetError, match="download from .* failed .*--data-dir") as error:
        rnnslu.atisfold(3)
    assert "\n" not in str(error.value)
    assert list((tmp_path / "cache").iterdir()) == []


# ------------------------------------------------------------ command line


def test_help_names_every_original_setting(capsys):
    with pytest.raises(SystemExit) as done:
        rnnslu.main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--fold", "--lr", "--verbose", "--decay", "--no-decay", "--win",
                 "--nhidden", "--seed", "--emb-dimension", "--nepochs", "--savemodel",
                 "--data-dir", "--folder", "--checkpoint-dir", "--resume", "--results-json"):
        assert flag in text
    assert "0.0970806646812754" in text and "(default: 345)" in text


@pytest.mark.parametrize("argv, message", [
    (["--win", "4"], "expected an odd window size"),
    (["--fold", "5"], "invalid choice"),
    (["--lr", "0"], "expected a positive finite number"),
])
def test_bad_values_are_one_line_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as done:
        rnnslu.main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_folder_without_the_fold_is_one_line_and_status_2(tmp_path):
    done = run_module("rnnslu", "--data-dir", tmp_path, "--nepochs", "1",
                      "--folder", tmp_path / "out")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "atis.fold3.pkl.gz: file not found (the folder of --data-dir)" in done.stderr


def test_a_model_of_other_sizes_is_refused(model64, float64, tmp_path):
    with pytest.raises(rnnslu.InputError, match="sizes"):
        rnnslu.train_rnnslu(
            dict(rnnslu.DEFAULT_PARAM, nhidden=11, nepochs=1),
            data_dir=write_subset(tmp_path / "data", 10, 5, 5),
            folder=str(tmp_path / "out"),
            model=model64[0],
        )


# ------------------------------------------------ the original's defaults


def saved_model_summaries(folder):
    """The parameters ``--savemodel`` wrote, as the oracle driver summarised
    the original's (float64 sums, first and last values)."""
    summaries = {}
    for name in ("embeddings", "wx", "wh", "w", "bh", "b", "h0"):
        value = numpy.load(folder / f"{name}.npy").astype("float64").ravel()
        summaries[name] = (value.sum(), (value**2).sum(), value[:5], value[-5:])
    return summaries


@pytest.mark.slow
@pytest.mark.parametrize("floatX, rtol", [("float64", 1e-12), ("float32", 1e-5)])
def test_one_epoch_of_the_defaults_follows_the_original(tmp_path, floatX, rtol):
    """``python -m deeplearning_tutorials.rnnslu --nepochs 1`` on fold 3, in
    the default backend: the original's lines (times aside) and scores, and
    its parameters after the epoch (tests/oracle/rnnslu_fold3_1epoch_*)."""
    data_dir = shared_data("atis", "atis.fold3.pkl.gz").parent
    done = run_module("rnnslu", "--data-dir", data_dir, "--nepochs", "1", "--floatX", floatX,
                      "--savemodel", "--blas-threads", "1", cwd=tmp_path, timeout=3000)
    assert done.returncode == 0, done.stderr
    stdout, values = oracle(f"rnnslu_fold3_1epoch_{floatX}")
    # the original ran with savemodel False; --savemodel writes the model here
    stdout = stdout.replace("'savemodel': False", "'savemodel': True")
    assert without_times(done.stdout) == universal_newlines(without_times(stdout))
    for name, (total, squares, first, last) in saved_model_summaries(tmp_path / "rnnslu").items():
        reference = values["params_rnn"][name]
        assert total == pytest.approx(reference["sum"], rel=rtol, abs=rtol)
        assert squares == pytest.approx(reference["sum_of_squares"], rel=rtol)
        numpy.testing.assert_allclose(first, reference["first"], rtol=rtol, atol=rtol)
        numpy.testing.assert_allclose(last, reference["last"], rtol=rtol, atol=rtol)


@pytest.mark.slow
@pytest.mark.parametrize("name, sizes, flags", [
    ("rnnslu_small_2epochs_float32", (100, 30, 30), ["--nepochs", "2", "--lr", "0.5"]),
    ("rnnslu_decay_14epochs_float32", (20, 10, 10), ["--nepochs", "14"]),
])
def test_the_small_settings_in_float32_follow_the_original(tmp_path, name, sizes, flags):
    """The two small settings of the default tests, in float32 and the
    default backend, from the command line: the original's lines and
    scores; after the small setting's last epoch (a new best, saved by
    --savemodel), its parameters within 1e-5."""
    data_dir = write_subset(tmp_path / "data", *sizes)
    done = run_module("rnnslu", "--data-dir", data_dir, "--nhidden", "10", *flags,
                      "--savemodel", "--blas-threads", "1", cwd=tmp_path, timeout=3000)
    assert done.returncode == 0, done.stderr
    stdout, values = oracle(name)
    stdout = stdout.replace("'savemodel': False", "'savemodel': True")
    assert without_times(done.stdout) == universal_newlines(without_times(stdout))
    if values["param"]["be"] != len(values["scores"]) // 2 - 1:
        return  # the model saved is not the final one
    for param, (total, squares, first, last) in saved_model_summaries(tmp_path / "rnnslu").items():
        reference = values["params_rnn"][param]
        assert total == pytest.approx(reference["sum"], rel=1e-5, abs=1e-5)
        assert squares == pytest.approx(reference["sum_of_squares"], rel=1e-5)
        numpy.testing.assert_allclose(first, reference["first"], rtol=1e-5, atol=1e-5)
        numpy.testing.assert_allclose(last, reference["last"], rtol=1e-5, atol=1e-5)


@pytest.mark.slow
def test_the_published_run(tmp_path):
    """The chapter's run: 60 epochs of the defaults on fold 3, float32, in
    the default backend. The chapter reports a best test F1 of 94.2 (valid
    97.23, epoch 57) and says that differences under 0.6 F1 are not
    significant on ATIS; the original itself, run under Theano 1.0.5 with
    Python 2's lists for its ``map``s, printed every line of this run
    (tests/oracle/rnnslu_fold3_60epochs_float32.*: best epoch 48, valid F1
    97.01, test F1 94.25). About 15 minutes here, 40 for the original."""
    data_dir = shared_data("atis", "atis.fold3.pkl.gz").parent
    done = run_module("rnnslu", "--data-dir", data_dir, "--results-json", "r.json",
                      "--blas-threads", "1", cwd=tmp_path, timeout=6 * 3600)
    assert done.returncode == 0, done.stderr
    stdout, values = oracle("rnnslu_fold3_60epochs_float32")
    assert without_times(done.stdout) == universal_newlines(without_times(stdout))
    record = json.loads((tmp_path / "r.json").read_text())
    scores = values["scores"]
    for epoch, (test, valid) in zip(record["history"], zip(scores[::2], scores[1::2])):
        assert (epoch["test"], epoch["valid"], epoch["lr"]) == (test["res"], valid["res"], test["clr"])
    assert record["tf1"] >= 94.2 - 0.6
