"""The command-line entry points: --help, bad input, records, backends."""

import importlib.util
import json
import time

import pytest
from conftest import REPO, error_lines, run_module

FLAGS = {
    "logistic_cg": ["--n-epochs"],
    "logistic_sgd": [
        "--learning-rate",
        "--n-epochs",
        "--batch-size",
        "--model-path",
        "--n-examples",
    ],
    "mlp": [
        "--learning-rate",
        "--l1-reg",
        "--l2-reg",
        "--n-epochs",
        "--batch-size",
        "--n-hidden",
    ],
}
COMMON_FLAGS = ["--dataset", "--floatX", "--mode", "--blas-threads", "--results-json"]


@pytest.mark.parametrize("module", sorted(FLAGS))
def test_help_explains_every_flag(module):
    proc = run_module(module, "--help")
    assert proc.returncode == 0
    for flag in FLAGS[module] + COMMON_FLAGS:
        assert flag in proc.stdout
    assert "default" in proc.stdout


TUTORIALS = ["logistic_sgd", "mlp", "convolutional_mlp", "dA", "SdA", "cA", "rbm", "DBN"]
# the flags every tutorial takes (README: "all")
EVERY_TUTORIAL = COMMON_FLAGS + ["--checkpoint-dir", "--resume", "--start-over"]


@pytest.mark.parametrize("module", TUTORIALS)
def test_every_tutorial_takes_the_common_flags(module, capsys):
    main = importlib.import_module(f"deeplearning_tutorials.{module}").main
    with pytest.raises(SystemExit) as exit:
        main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert [flag for flag in EVERY_TUTORIAL if flag not in out] == []
    # argparse does not %-format a description: a "%%" there is printed as is
    assert "%%" not in out


@pytest.mark.parametrize(
    "module, args, words",
    [
        ("logistic_sgd", ["--batch-size", "0"], ["--batch-size", "positive integer"]),
        ("logistic_sgd", ["--n-epochs", "-3"], ["--n-epochs"]),
        ("logistic_sgd", ["--n-epochs", "two"], ["--n-epochs", "'two'"]),
        ("logistic_sgd", ["--learning-rate", "-0.1"], ["--learning-rate"]),
        ("logistic_sgd", ["--learning-rate", "nan"], ["--learning-rate", "finite"]),
        ("logistic_sgd", ["--learning-rate", "inf"], ["--learning-rate", "finite"]),
        ("logistic_sgd", ["--floatX", "float16"], ["--floatX"]),
        ("logistic_sgd", ["--mode", "cuda"], ["--mode"]),
        ("logistic_sgd", ["evaluate"], ["command"]),
        ("mlp", ["--l2-reg", "-1"], ["--l2-reg"]),
        ("mlp", ["--n-hidden", "0"], ["--n-hidden"]),
        ("mlp", ["--unknown-flag"], ["unrecognized"]),
        ("SdA", ["--blas-threads", "0"], ["--blas-threads", "positive integer"]),
    ],
)
def test_bad_flag_values_give_one_line_and_status_2(module, args, words):
    proc = run_module(module, *args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0]


def _one_line_failure(proc, *words):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0]


def test_batch_larger_than_the_data_set(small_dataset):
    proc = run_module("mlp", "--dataset", small_dataset, "--batch-size", "1000")
    _one_line_failure(proc, "batch size 1000", "60 examples")


def test_unwritable_output_paths(small_dataset, tmp_path):
    proc = run_module(
        "logistic_sgd",
        "--dataset",
        small_dataset,
        "--results-json",
        tmp_path / "missing" / "r.json",
    )
    _one_line_failure(proc, "--results-json")
    proc = run_module(
        "logistic_sgd",
        "--dataset",
        small_dataset,
        "--model-path",
        tmp_path / "missing" / "m.npz",
    )
    _one_line_failure(proc, "--model-path")


def test_bad_data_file(tmp_path):
    bad = tmp_path / "bad.pkl.gz"
    bad.write_bytes(b"not gzip at all")
    proc = run_module("logistic_sgd", "--dataset", bad)
    _one_line_failure(proc, str(bad), "not a gzip file")


def test_predict_without_a_model(tmp_path, small_dataset):
    proc = run_module(
        "logistic_sgd",
        "predict",
        "--dataset",
        small_dataset,
        "--model-path",
        tmp_path / "none.npz",
    )
    _one_line_failure(proc, "no saved model")


def test_results_json_record(tmp_path, small_dataset):
    record_path = tmp_path / "r.json"
    started = time.time()
    proc = run_module(
        "mlp",
        "--dataset",
        small_dataset,
        "--batch-size",
        "10",
        "--n-epochs",
        "2",
        "--n-hidden",
        "7",
        "--results-json",
        record_path,
        "--floatX",
        "float64",
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(record_path.read_text())
    assert record["model"] == "mlp" and record["floatX"] == "float64"
    assert record["n_hidden"] == 7 and record["epochs"] == 2
    last = proc.stdout.strip().splitlines()[-1]
    assert f"{record['best_validation_error_percent']:f} %" in last
    assert f"{record['test_error_percent']:f} %" in last
    assert len(record["validation_history"]) == 2
    # the command to the first training step, within the wall time this test
    # measured around the whole command (machinery/startup.py)
    startup = record["startup"]
    assert 0 < startup["startup_seconds"] < time.time() - started
    assert 0 <= startup["compile_seconds"] < startup["startup_seconds"]
    assert startup["compile_cache"] in ("empty", "filled")


def _short_logistic_run(floatX, mode, tmp_path, n_epochs=3):
    proc = run_module(
        "logistic_sgd",
        "--n-epochs",
        n_epochs,
        "--floatX",
        floatX,
        "--mode",
        mode,
        "--model-path",
        tmp_path / f"{floatX}-{mode}.npz",
    )
    assert proc.returncode == 0, proc.stderr
    return error_lines(proc.stdout)


def test_float32_float64_numba_and_cvm_print_the_same_errors(tmp_path):
    runs = {
        (floatX, mode): _short_logistic_run(floatX, mode, tmp_path)
        for floatX in ("float32", "float64")
        for mode in ("NUMBA", "CVM")
    }
    reference = runs[("float32", "NUMBA")]
    assert reference[0] == "epoch 1, minibatch 83/83, validation error 12.458333 %"
    assert len(reference) == 7
    for key, lines in runs.items():
        assert lines == reference, key


def test_mlp_first_epochs_agree_in_float32_and_float64_cvm_and_numba():
    """The MLP's default backend (CVM) prints what NUMBA prints, in both
    precisions; the first epoch's validation error is the recorded run's
    (results/mlp.log, made under NUMBA)."""
    lines = {}
    for floatX, mode in [("float32", None), ("float64", None), ("float32", "NUMBA")]:
        flags = ["--mode", mode] if mode else []
        proc = run_module("mlp", "--n-epochs", "1", "--floatX", floatX, *flags)
        assert proc.returncode == 0, proc.stderr
        lines[floatX, mode] = error_lines(proc.stdout)
    recorded = (REPO / "results" / "mlp.log").read_text().splitlines()
    assert lines["float32", None][0] in recorded
    assert lines["float32", None] == lines["float64", None] == lines["float32", "NUMBA"]


@pytest.mark.skipif(
    importlib.util.find_spec("jax") is not None, reason="jax is installed"
)
def test_jax_mode_without_jax_says_how_to_install_it():
    proc = run_module("logistic_sgd", "--mode", "JAX", "--n-epochs", "1")
    _one_line_failure(proc, "pip install")


@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None,
    reason="jax (the gpu extra) is not installed",
)
@pytest.mark.parametrize("floatX", ["float32", "float64"])
def test_jax_mode_prints_the_same_errors(tmp_path, floatX):
    # one epoch of the full data: in float32 JAX returns each minibatch's
    # error in float32, which training.mean_error turns back into the exact
    # fraction (without it the lines end in ...0001 %)
    assert _short_logistic_run(floatX, "JAX", tmp_path, 1) == _short_logistic_run(
        floatX, "NUMBA", tmp_path, 1
    )


@pytest.mark.parametrize("content", [b"not gzip", b"\x1f\x8b\x08\x00broken"])
def test_a_bad_data_file_overwrites_nothing(tmp_path, content, small_dataset):
    model_path, record_path = tmp_path / "m.npz", tmp_path / "r.json"
    checkpoint_dir = tmp_path / "ck"
    outputs = ["--model-path", model_path, "--results-json", record_path,
               "--checkpoint-dir", checkpoint_dir]
    trained = run_module("logistic_sgd", "--dataset", small_dataset,
                         "--batch-size", "10", "--n-epochs", "1", *outputs)
    assert trained.returncode == 0, trained.stderr
    written = (model_path, record_path, checkpoint_dir / "checkpoint.npz")
    before = {path: path.read_bytes() for path in written}
    bad = tmp_path / "bad.pkl.gz"
    bad.write_bytes(content)
    proc = run_module("logistic_sgd", "--dataset", bad, *outputs, "--resume")
    _one_line_failure(proc, str(bad))
    assert {path: path.read_bytes() for path in written} == before


def test_resume_needs_a_checkpoint_dir():
    proc = run_module("mlp", "--resume")
    _one_line_failure(proc, "--resume needs --checkpoint-dir")


def test_unwritable_checkpoint_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = run_module("mlp", "--checkpoint-dir", blocker / "ck")
    _one_line_failure(proc, "--checkpoint-dir")
