"""Every driver's sweep values are values, not graph: two trials of a model
that differ only in them reuse one compiled function in a sweep's worker
(machinery/reuse.py), and the trial that reused prints and computes what
the same trial compiled afresh does.

For each model the trials run in-process as a sweep's worker runs them
(``pytensor.function`` remembering what it compiled, a new trial begun
before each), on a tiny MNIST-shaped file and in PyTensor's FAST_COMPILE
mode: these tests are about what is reused, not about speed. The second
trial changes only the values (the learning rates, the dA's corruption, the
cA's contraction level) and must compile nothing. The reference it is held
to is the same trial compiled afresh by the ordinary ``pytensor.function``:
its printed lines and its numbers, bit for bit; and its numbers must differ
from the first trial's, so that a trial that kept the first one's values
would fail. The float32 rounding of the dA's corruption is checked against
NumPy's rounding of what Python computes, the number the original compiled
in.
"""

import argparse
import collections
import functools
import re

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import make_splits, write_pickle_gz

from deeplearning_tutorials import DBN, SdA, cA, convolutional_mlp, dA, rbm
from deeplearning_tutorials.machinery import data, reuse

# what a run prints that changes from run to run: its times and speed
TIMES = re.compile(r"ran for|took|epochs/sec|seconds")


@pytest.fixture(scope="module")
def tiny_mnist(tmp_path_factory):
    """20 training, 10 validation and 10 test examples: two minibatches of
    10 to train on (the cA prints numbers of the first two)."""
    path = tmp_path_factory.mktemp("data") / "tiny.pkl.gz"
    return write_pickle_gz(path, make_splits(n_train=20, n_valid=10, n_test=10))


@pytest.fixture
def worker(monkeypatch, tmp_path):
    """This process as a sweep's worker: ``pytensor.function`` reuses what it
    compiled (from an empty memory), in FAST_COMPILE and float32 (the
    drivers' precision); ``worker.compile`` is the ordinary
    ``pytensor.function``, for the trials compiled afresh."""
    compile = pytensor.function
    monkeypatch.setattr(reuse, "_functions", {})
    monkeypatch.setattr(reuse, "_data", collections.OrderedDict())
    monkeypatch.setattr(reuse, "_trial", None)
    monkeypatch.setattr(reuse, "_compile", compile)
    monkeypatch.setattr(pytensor, "function", reuse.function)
    monkeypatch.setattr(pytensor.config, "mode", "FAST_COMPILE")
    monkeypatch.setattr(pytensor.config, "floatX", "float32")
    monkeypatch.chdir(tmp_path)  # the drivers' images and plots
    return argparse.Namespace(compile=compile, monkeypatch=monkeypatch)


def run_trial(worker, capsys, run, fresh=False):
    """One trial as the worker runs it (or, ``fresh``, compiled by the
    ordinary ``pytensor.function``): ``(lines, numbers, counts)``, what it
    printed but the times, what ``run()`` returned as numbers, and the
    functions it compiled and reused."""
    capsys.readouterr()
    reuse.begin_trial()
    with worker.monkeypatch.context() as patch:
        if fresh:
            patch.setattr(pytensor, "function", worker.compile)
        numbers = run()
    printed = capsys.readouterr()
    lines = [
        line
        for line in (printed.out + printed.err).splitlines()
        if not TIMES.search(line)
    ]
    return lines, numbers, reuse.trial_counts()


def assert_reuses_and_computes_as_compiled_afresh(worker, capsys, first, second):
    """``first`` then ``second`` in the worker: the second compiles nothing,
    prints and computes what it does compiled afresh, and not what the
    first did."""
    _, first_numbers, first_counts = run_trial(worker, capsys, first)
    lines, numbers, counts = run_trial(worker, capsys, second)
    assert first_counts["compiled"] > 0 and first_counts["reused"] == 0
    assert counts == {"compiled": 0, "reused": first_counts["compiled"]}
    fresh_lines, fresh_numbers, fresh_counts = run_trial(
        worker, capsys, second, fresh=True
    )
    assert fresh_counts == {"compiled": 0, "reused": 0}  # the ordinary compile
    assert lines == fresh_lines
    assert numbers.tobytes() == fresh_numbers.tobytes()
    assert not numpy.array_equal(numbers, first_numbers)


def costs(result):
    """A pre-training result's costs, every layer's, as one float64 array."""
    return numpy.concatenate([numpy.asarray(c, dtype="float64") for c in result.costs])


def errors_and_weights(result, checkpoint_dir):
    """A supervised run's validation errors and test error, and the weights
    its checkpoints hold at the end (the errors of a tiny run may not tell
    two learning rates apart), as one float64 array."""
    numbers = [numpy.asarray([*result.validation_history, result.test_score])]
    for path in sorted(checkpoint_dir.glob("*.npz")):
        with numpy.load(path) as saved:
            numbers += [
                saved[name].ravel().astype("float64")
                for name in sorted(saved.files)
                if name.startswith(("param_", "best_"))
            ]
    return numpy.concatenate(numbers)


def test_dA_learning_rate_and_corruption(worker, capsys, tiny_mnist):
    datasets = data.load_data(tiny_mnist)

    def trial(corruption_level, learning_rate):
        def run():
            da, result = dA.train_dA(datasets, corruption_level, learning_rate, 1, 10)
            weights = [p.get_value().ravel() for p in da.params]
            return numpy.concatenate([costs(result), *weights])

        return run

    assert_reuses_and_computes_as_compiled_afresh(
        worker, capsys, trial(0.3, 0.1), trial(0.058, 0.05)
    )


def test_cA_learning_rate_and_contraction_level(worker, capsys, tiny_mnist):
    # two minibatches of 2 (the Jacobians of 10 examples cost seconds)
    (train_x, train_y), *others = data.load_data(tiny_mnist)
    datasets = [(pytensor.shared(train_x.get_value()[:4]), train_y), *others]

    def trial(contraction_level, learning_rate):
        def run():
            ca, result = cA.train_cA(datasets, contraction_level, learning_rate, 1, 2)
            weights = [p.get_value().ravel() for p in ca.params]
            return numpy.concatenate([costs(result), *weights])

        return run

    assert_reuses_and_computes_as_compiled_afresh(
        worker, capsys, trial(0.1, 0.01), trial(0.5, 0.03)
    )


def test_rbm_learning_rate(worker, capsys, tiny_mnist):
    # the samples at the end: 3 Gibbs steps apart instead of 1000 (their
    # function does not depend on the learning rate; it is reused too)
    sample = functools.partial(rbm.sample_from, plot_every=3)
    worker.monkeypatch.setattr(rbm, "sample_from", sample)

    def trial(learning_rate):
        def run():
            result = rbm.test_rbm(learning_rate, 1, tiny_mnist, batch_size=10,
                                  n_chains=1, n_samples=1, n_hidden=8)  # fmt: skip
            return costs(result)

        return run

    assert_reuses_and_computes_as_compiled_afresh(
        worker, capsys, trial(0.1), trial(0.3)
    )


def test_convolutional_mlp_learning_rate(worker, capsys, tiny_mnist, tmp_path):
    def trial(learning_rate):
        def run():
            folder = tmp_path / f"checkpoints_{len(list(tmp_path.iterdir()))}"
            result = convolutional_mlp.evaluate_lenet5(
                learning_rate, 2, tiny_mnist, nkerns=[2, 2], batch_size=10,
                checkpoint_dir=folder,
            )  # fmt: skip
            return errors_and_weights(result, folder)

        return run

    assert_reuses_and_computes_as_compiled_afresh(
        worker, capsys, trial(0.1), trial(0.5)
    )


@pytest.mark.parametrize("module", [SdA, DBN], ids=["SdA", "DBN"])
def test_stacks_finetuning_and_pretraining_rates(
    worker, capsys, tiny_mnist, tmp_path, module
):
    """The stacks' fine-tuning rate is a shared variable, their pre-training
    rates inputs, as in the original. The drivers run with two layers of 8
    units in place of three of 1000 (the class is wrapped; the rest of the
    driver is as it is), to stay cheap."""
    name = module.__name__.rsplit(".", 1)[-1]
    stack = getattr(module, name)

    def small_stack(**kwargs):
        return stack(**{**kwargs, "hidden_layers_sizes": [8, 8]})

    worker.monkeypatch.setattr(module, name, small_stack)
    driver = getattr(module, f"test_{name}")

    def trial(finetune_lr, pretrain_lr):
        def run():
            folder = tmp_path / f"checkpoints_{len(list(tmp_path.iterdir()))}"
            result = driver(finetune_lr, 1, pretrain_lr, training_epochs=2,
                            dataset=tiny_mnist, batch_size=10,
                            checkpoint_dir=folder)  # fmt: skip
            return errors_and_weights(result, folder)

        return run

    assert_reuses_and_computes_as_compiled_afresh(
        worker, capsys, trial(0.1, 0.01), trial(0.3, 0.003)
    )


def test_the_dA_keeps_with_the_probability_the_original_compiled_in(worker):
    """The original compiled ``1 - corruption_level``, computed by Python,
    in as a ``floatX`` constant; the shared float64 level gives that number
    in float32 too. At 0.058 a float32 level would round twice and keep
    with a probability one unit in the last place lower."""
    level = 0.058
    original = numpy.float32(1 - level)  # NumPy's rounding of Python's number
    assert numpy.float32(1) - numpy.float32(level) != original  # the trap

    class Probability:  # a noise source whose "mask" is its probability
        def binomial(self, size, n, p, dtype):
            return pt.ones(size, dtype=dtype) * p

    da = dA.dA(numpy.random.RandomState(0), theano_rng=Probability(), n_visible=3)
    shared = reuse.hyperparameter(level, "corruption_level", dtype="float64")
    x = pt.matrix("x")
    keep = worker.compile([x], da.get_corrupted_input(x, shared))
    ones = numpy.ones((1, 3), dtype="float32")
    assert keep(ones).tolist() == [[original] * 3]
    shared.set_value(numpy.float64(0.3))
    assert keep(ones)[0, 0] == numpy.float32(1 - 0.3)
