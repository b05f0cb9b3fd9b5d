"""The training practices (deeplearning_tutorials.practices): each against an
independent NumPy reference, their wiring into the SGD drivers, and the
default runs, which must stay the original's to the printed digit."""

import json
from pathlib import Path

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import run_module, write_pickle_gz
from numpy_sgd import NumpyLogisticRegression, mean_error, train_one_epoch

from deeplearning_tutorials import logistic_sgd, mlp, training
from deeplearning_tutorials.data import read_dataset
from deeplearning_tutorials.errors import InputError
from deeplearning_tutorials.logistic_sgd import LogisticRegression
from deeplearning_tutorials.mlp import MLP
from deeplearning_tutorials.noise import make_random_streams
from deeplearning_tutorials.practices import Practices, dropout, losses, weights
from deeplearning_tutorials.practices import preprocessing, schedules

ORIGINAL_LOGS = Path(__file__).parent / "fixtures" / "original_logs"

# Every new keyword argument at the value the issue names as the default:
# the original's behaviour.
DEFAULTS = dict(
    lr_schedule="constant",
    lr_decay=0.001,
    lr_patience=10,
    loss="nll",
    preprocess="none",
    pca_components=None,
    whiten_epsilon=1e-5,
)
MLP_DEFAULTS = dict(DEFAULTS, dropout=0.0, init="glorot", activation="tanh")


@pytest.fixture(scope="module")
def mnist_slice(tmp_path_factory):
    """The first 1000/200/200 images of MNIST, the slice on which
    tests/fixtures/capture_original_logs.py ran the original."""
    splits = read_dataset()
    small = [(x[:n], y[:n]) for (x, y), n in zip(splits, (1000, 200, 200))]
    path = tmp_path_factory.mktemp("slice") / "mnist_slice.pkl.gz"
    return write_pickle_gz(path, small)


@pytest.fixture
def float64():
    saved = pytensor.config.floatX
    pytensor.config.floatX = "float64"
    yield
    pytensor.config.floatX = saved


def original_lines(tutorial):
    """What the original printed on stdout on the slice, without the speed."""
    lines = (ORIGINAL_LOGS / f"{tutorial}.stdout").read_text().splitlines()
    return [line for line in lines if not line.startswith("The code run for ")]


# --- the default runs are the original's ------------------------------------


@pytest.mark.parametrize(
    "driver, tutorial, arguments",
    [
        (
            logistic_sgd.sgd_optimization_mnist,
            "logistic_sgd",
            dict(n_epochs=2, batch_size=100, model_path=None, **DEFAULTS),
        ),
        (mlp.test_mlp, "mlp", dict(n_epochs=2, batch_size=20, n_hidden=20, **MLP_DEFAULTS)),
    ],
    ids=["logistic_sgd", "mlp"],
)
def test_every_option_at_its_default_prints_the_originals_lines(
    driver, tutorial, arguments, mnist_slice, tmp_path, capsys
):
    """The original's settings of capture_original_logs.py on its slice, with
    every practice passed at its default: the original's lines, digit for
    digit, and a record without any practice in it."""
    if pytensor.config.floatX != "float32":
        pytest.skip("the original's lines were printed in float32")
    record = tmp_path / "record.json"
    driver(dataset=mnist_slice, results_json=str(record), **arguments)
    printed = capsys.readouterr().out.splitlines()
    assert [line for line in printed if not line.startswith("The code run for ")] == (
        original_lines(tutorial)
    )
    assert not set(json.loads(record.read_text())) & set(MLP_DEFAULTS)
