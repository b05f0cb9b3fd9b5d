"""The original's log lines: the fixture of formats against what the original
printed, against lines a port got wrong, and the data loading lines.

Every tutorial's own smoke test holds its run's stdout and stderr against the
same formats with :func:`original_logs.assert_prints_the_original_lines`.
"""

from pathlib import Path

import pytest
from original_logs import (
    DOWNLOADING,
    STDOUT,
    assert_prints_the_original_lines,
    matches,
)

from deeplearning_tutorials.machinery import data

# What the original printed under Theano 1.0.5 and NumPy 1.19.5 in float32,
# made by tests/fixtures/capture_original_logs.py
ORIGINAL_LOGS = Path(__file__).parent / "fixtures" / "original_logs"
CAPTURED = ["logistic_sgd", "mlp", "convolutional_mlp", "dA", "SdA", "rbm", "DBN"]


@pytest.mark.parametrize("tutorial", CAPTURED)
def test_the_formats_accept_what_the_original_printed(tutorial):
    stdout = (ORIGINAL_LOGS / f"{tutorial}.stdout").read_text()
    stderr = (ORIGINAL_LOGS / f"{tutorial}.stderr").read_text()
    assert_prints_the_original_lines(tutorial, stdout, stderr, floatX="float32")


@pytest.mark.parametrize(
    "tutorial, format, line",
    [
        # how this project printed them before issue 14
        (
            "logistic_sgd",
            -2,
            "Optimization complete with best validation score of 7.500000 %, "
            "with test performance 7.489583 %",
        ),
        ("rbm", 1, "Training epoch 3, cost is  -85.06647491455078"),
        ("SdA", 6, "... finetuning the model"),
        ("convolutional_mlp", -1, "Optimization complete. Best validation score of "
         "0.910000 % obtained at iteration 17800, with test performance 0.920000 %"),
        ("convolutional_mlp", 3, "training @ iter = 100"),
        ("dA", 1, "Training epoch 0, cost 63.2891694201"),
    ],
)
def test_the_formats_refuse_lines_a_port_got_wrong(tutorial, format, line):
    assert not matches(STDOUT[tutorial][format], line)


def test_a_float32_cost_is_written_as_numpy_writes_a_float32():
    assert matches("cost is  {floatX}", "cost is  -85.066475", floatX="float32")
    assert not matches("cost is  {floatX}", "cost is  -85.06647491455078")
    assert matches("cost is  {floatX}", "cost is  -85.06647491455078", floatX="float64")


def test_missing_lines_and_lines_out_of_order_are_caught():
    lenet = "\n".join(
        [
            "... loading data",
            "... building the model",
            "... training",
            "epoch 1, minibatch 100/100, validation error 13.300000 %",
            "     epoch 1, minibatch 100/100, test error of best model 13.690000 %",
            "Optimization complete.",
            "Best validation score of 13.300000 % obtained at iteration 100, "
            "with test performance 13.690000 %",
        ]
    )
    with pytest.raises(AssertionError, match="training @ iter =  %d.*never printed"):
        assert_prints_the_original_lines("convolutional_mlp", lenet)
    mlp = (ORIGINAL_LOGS / "mlp.stdout").read_text().splitlines()
    with pytest.raises(AssertionError, match="order"):
        assert_prints_the_original_lines("mlp", "\n".join([mlp[1], *mlp]))
    with pytest.raises(AssertionError, match="missing from stderr"):
        assert_prints_the_original_lines("mlp", "\n".join(mlp), "")


def test_a_download_is_announced_on_stdout_before_loading(
    tmp_path, monkeypatch, capsys
):
    """The original's load_data downloads, saying so, then prints
    ``... loading data``; both on stdout."""
    shipped = (Path(__file__).parent.parent / "data" / "mnist.pkl.gz").read_bytes()
    for name in ("_REPO_DATA_DIR", "_INSTALLED_DATA_DIR", "_CACHE_DIR"):
        monkeypatch.setattr(data, name, tmp_path / name)
    monkeypatch.delenv(data.ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setattr(
        "urllib.request.urlopen",
        lambda url, timeout: _Response(shipped),
    )
    monkeypatch.setattr(data, "shared_dataset", lambda split, borrow=True: split)
    data.load_data()
    printed = capsys.readouterr()
    assert printed.out.splitlines() == [
        DOWNLOADING % data.MNIST_URL,
        "... loading data",
    ]
    assert printed.err == ""


class _Response:
    def __init__(self, content):
        self.content = content

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self, size):
        block, self.content = self.content[:size], self.content[size:]
        return block
