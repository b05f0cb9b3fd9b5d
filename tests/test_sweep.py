"""The sweep (python -m deeplearning_tutorials.sweep) and the drivers'
cross-validation flags (--cv-folds K --cv-fold I).

The sweeps here run logistic_sgd for one epoch on a tiny MNIST-shaped file:
once through joblib on this machine, two trials at a time (so two trials
load and compile at once, sharing PyTensor's compile cache), once on a Dask
cluster the test starts itself, and again after an interruption.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys

import numpy
import pytest
from conftest import REPO, make_splits, write_pickle_gz

from deeplearning_tutorials.machinery import cli, data, sweep

GRID = ["--grid", "learning-rate=0.05,0.5", "--cv-folds", "2"]


def tiny_sweep_args(dataset, out, *extra):
    return [
        "logistic_sgd",
        *GRID,
        "--set",
        "n-epochs=1",
        "--set",
        "batch-size=20",
        "--set",
        f"dataset={dataset}",
        "--out",
        str(out),
        *extra,
    ]


@pytest.fixture(scope="module")
def tiny_mnist(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "tiny.pkl.gz"
    return write_pickle_gz(path, make_splits(n_train=80, n_valid=40, n_test=40))


@pytest.fixture(scope="module")
def joblib_sweep(tiny_mnist, tmp_path_factory):
    """The tiny sweep run through joblib, two trials at a time."""
    out = tmp_path_factory.mktemp("sweep") / "joblib"
    assert sweep.main(tiny_sweep_args(tiny_mnist, out, "--jobs", "2")) == 0
    return out


def table_without_times(out):
    """summary.json's rows without the times, and summary.md's table rows
    without the time columns (the last two)."""
    summary = json.loads((out / "summary.json").read_text())
    rows = [
        {k: v for k, v in row.items() if "seconds" not in k} for row in summary["rows"]
    ]
    lines = (out / "summary.md").read_text().splitlines()
    table = [line.split(" | ")[:-2] for line in lines if line.startswith("| ")]
    return rows, table


# --------------------------------------------------------------------------
# Cross-validation folds
# --------------------------------------------------------------------------


def numbered_splits(n_train, n_valid, n_test):
    """Splits whose first pixel numbers each example: 0, 1, ... across the
    training and validation sets, 1000 + i in the test set."""
    (tx, ty), (vx, vy), (sx, sy) = make_splits(n_train, n_valid, n_test, width=4)
    tx[:, 0] = numpy.arange(n_train)
    vx[:, 0] = n_train + numpy.arange(n_valid)
    sx[:, 0] = 1000 + numpy.arange(n_test)
    return (tx, ty), (vx, vy), (sx, sy)


def expected_blocks(n, k):
    """The K consecutive blocks, computed without NumPy: the first n % k
    blocks hold one example more."""
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    starts = [sum(sizes[:i]) for i in range(k)]
    return [list(range(start, start + size)) for start, size in zip(starts, sizes)]


@pytest.mark.parametrize("k", [2, 3, 4, 7])
def test_folds_are_disjoint_cover_training_and_validation_and_spare_the_test_set(k):
    splits = numbered_splits(50, 25, 20)
    (_, ty), (_, vy), test = splits
    labels = numpy.concatenate([ty, vy])
    held_out = []
    for fold, block in enumerate(expected_blocks(75, k)):
        (train_x, train_y), (valid_x, valid_y), fold_test = (
            data.cross_validation_splits(splits, k, fold)
        )
        assert valid_x[:, 0].tolist() == block
        assert train_x[:, 0].tolist() == [i for i in range(75) if i not in block]
        assert valid_y.tolist() == [labels[i] for i in block]
        assert train_y.tolist() == [labels[i] for i in range(75) if i not in block]
        assert fold_test is test
        held_out += valid_x[:, 0].tolist()
    assert sorted(held_out) == list(range(75))  # disjoint, covering the pool


def test_fold_5_of_6_of_mnist_is_the_files_own_split():
    """MNIST pools 50,000 + 10,000 examples: 6 folds of 10,000, the last the
    validation set."""
    splits = numbered_splits(500, 100, 10)
    folded = data.cross_validation_splits(splits, 6, 5)
    for (x, y), (fx, fy) in zip(splits, folded):
        assert numpy.array_equal(x, fx) and numpy.array_equal(y, fy)


@pytest.mark.parametrize(
    "folds, fold, words",
    [(1, 0, "at least 2"), (3, 3, "0 to 2"), (200, 0, "pools 75")],
)
def test_impossible_folds_are_refused(folds, fold, words):
    with pytest.raises(data.InputError, match=words):
        data.cross_validation_splits(numbered_splits(50, 25, 20), folds, fold)


def test_load_data_hands_out_the_fold_only_inside_cross_validation(small_dataset):
    """60 + 30 examples in 4 folds: 23, 23, 22, 22; the test set as stored."""
    (train_x, _), (valid_x, _), (test_x, _) = data.read_dataset(small_dataset)
    with data.cross_validation(4, 2):
        assert data.active_fold() == {"folds": 4, "fold": 2}
        (fold_train, _), (fold_valid, _), (fold_test, _) = data.load_data(
            small_dataset
        )
    pool = numpy.concatenate([train_x, valid_x])
    assert numpy.array_equal(fold_valid.get_value(), pool[46:68])
    assert numpy.array_equal(
        fold_train.get_value(), numpy.concatenate([pool[:46], pool[68:]])
    )
    assert numpy.array_equal(fold_test.get_value(), test_x)
    assert data.active_fold() is None
    (plain_train, _), (plain_valid, _), _ = data.load_data(small_dataset)
    assert numpy.array_equal(plain_train.get_value(), train_x)
    assert numpy.array_equal(plain_valid.get_value(), valid_x)


@pytest.mark.parametrize(
    "folds, fold, words",
    [(3, None, "go together"), (None, 1, "go together"), (3, 3, "0 to 2")],
)
def test_the_driver_flags_need_each_other_and_a_fold_in_range(folds, fold, words):
    args = argparse.Namespace(cv_folds=folds, cv_fold=fold)
    with pytest.raises(data.InputError, match=words):
        with cli._cross_validation(args):
            pass


def test_each_trial_trained_on_its_fold(joblib_sweep):
    """120 examples in 2 folds: 60 training, 60 validation, in the log and
    the record of every trial."""
    for record_path in sorted((joblib_sweep / "trials").glob("*.json")):
        record = json.loads(record_path.read_text())
        fold = record["cross_validation"]["fold"]
        assert record["cross_validation"] == {"folds": 2, "fold": fold}
        log = record_path.with_suffix(".log").read_text()
        assert f"... cross-validation fold {fold} (of 0 to 1): 60 training, 60 " in log


# --------------------------------------------------------------------------
# Sweeps: the table, Dask, resuming
# --------------------------------------------------------------------------


def test_the_joblib_sweep_writes_records_logs_table_and_plot(joblib_sweep):
    names = sorted(p.name for p in (joblib_sweep / "trials").iterdir())
    assert len(names) == 8  # 2 settings x 2 folds, a record and a log each
    summary = json.loads((joblib_sweep / "summary.json").read_text())
    assert [row["setting"] for row in summary["rows"]] == [
        {"learning-rate": "0.05"},
        {"learning-rate": "0.5"},
    ]
    for row in summary["rows"]:
        records = [
            json.loads((joblib_sweep / path).read_text()) for path in row["records"]
        ]
        errors = [r["best_validation_error_percent"] for r in records]
        stats = row["validation_error_percent"]
        assert row["finished"] == 2 and stats["values"] == errors
        assert stats["mean"] == pytest.approx(numpy.mean(errors))
        assert stats["std"] == pytest.approx(numpy.std(errors, ddof=1))
        assert {r["learning_rate"] for r in records} == {
            float(row["setting"]["learning-rate"])
        }
        assert all(
            r["machine"]["blas"][0]["threads"] == 1 for r in records
        )  # one BLAS thread per trial
    table = (joblib_sweep / "summary.md").read_text()
    assert "| learning-rate | trials | validation error (%) | test error (%)" in table
    assert (joblib_sweep / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_local_dask_cluster_gives_the_same_table(tiny_mnist, joblib_sweep, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        args = [*tiny_sweep_args(tiny_mnist, tmp_path / "dask", "--no-plot")]
        args += ["--dask-scheduler", cluster.scheduler_address]
        assert sweep.main(args) == 0
        ran_there = [p for p in cluster.scheduler.task_prefixes if "run_trial" in p]
    assert ran_there  # the trials were tasks of the cluster
    assert table_without_times(tmp_path / "dask") == table_without_times(joblib_sweep)


def test_an_interrupted_sweep_runs_only_the_missing_trials(
    joblib_sweep, tmp_path, capsys
):
    """Two of four records removed, one of them left half-written: the sweep
    runs again and is stopped by Ctrl-C as soon as it says what it will run
    (two trials of work left, so that the signal reaches it however slow
    the machine), and a third run does only the trials still missing. The
    records kept are never touched."""
    out = tmp_path / "resumed"
    shutil.copytree(joblib_sweep, out)
    records = sorted((out / "trials").glob("*.json"))
    kept = {p: p.stat().st_mtime_ns for p in records[:2]}
    records[2].unlink()
    records[2].with_suffix(".log").unlink()
    records[3].write_text(records[3].read_text()[:50])  # not a whole record
    args = tiny_sweep_args(dataset_of(out), out, "--jobs", "1", "--no-plot")
    child = subprocess.Popen(
        [sys.executable, "-m", "deeplearning_tutorials.sweep", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        start_new_session=True,  # its own process group, as in a terminal
    )
    first = child.stdout.readline()
    assert "4 trials, 2 done earlier, 2 to run" in first
    os.killpg(child.pid, signal.SIGINT)  # Ctrl-C
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 130, stdout + stderr
    assert stderr.strip().splitlines()[-1].endswith("the same command runs the others")
    done = len([p for p in (out / "trials").glob("*.json") if sweep_record(p)])
    assert 2 <= done < 4
    for path, mtime in kept.items():
        assert path.stat().st_mtime_ns == mtime
    assert sweep.main(args) == 0
    assert f"4 trials, {done} done earlier, {4 - done} to run" in capsys.readouterr().out
    for path, mtime in kept.items():
        assert path.stat().st_mtime_ns == mtime
    assert table_without_times(out) == table_without_times(joblib_sweep)


def dataset_of(out):
    """The --dataset every trial of a sweep was given."""
    return json.loads((out / "sweep.json").read_text())["fixed"]["dataset"]


def sweep_record(path):
    try:
        return isinstance(json.loads(path.read_text()), dict)
    except ValueError:
        return False


def test_a_finished_sweep_run_again_runs_nothing(joblib_sweep, tmp_path, capsys):
    out = tmp_path / "again"
    shutil.copytree(joblib_sweep, out)
    assert sweep.main(tiny_sweep_args(dataset_of(out), out, "--no-plot")) == 0
    assert "4 trials, 4 done earlier, 0 to run" in capsys.readouterr().out


# --------------------------------------------------------------------------
# The plan and the command line
# --------------------------------------------------------------------------


def plan_of(*argv):
    return sweep.make_plan(sweep.make_parser().parse_args([*argv, "--out", "x"]))


def test_the_grid_is_every_combination_and_each_trial_gets_its_flags():
    plan = plan_of(
        "mlp",
        "--grid",
        "learning-rate=0.01,0.1",
        "--grid",
        "n-hidden=10,20,30",
        "--set",
        "n-epochs=1",
        "--repeats",
        "2",
    )
    assert len(plan.settings) == 6 and len(plan.trials) == 12
    assert plan.settings[1] == {"learning-rate": "0.01", "n-hidden": "20"}
    assert plan.trials[2].argv == [
        "--n-epochs=1",
        "--learning-rate=0.01",
        "--n-hidden=20",
        "--blas-threads=1",
    ]
    assert len({t.id for t in plan.trials}) == 12


def test_random_search_draws_from_its_seed():
    args = [
        "logistic_sgd",
        "--sample",
        "learning-rate=log-uniform:0.001:1",
        "--sample",
        "n-epochs=int:1:3",
        "--grid",
        "batch-size=20,40",
        "--trials",
        "20",
    ]
    plan = plan_of(*args, "--seed", "7")
    assert [s for s in plan.settings] == plan_of(*args, "--seed", "7").settings
    assert plan.settings != plan_of(*args, "--seed", "8").settings
    rates = [float(s["learning-rate"]) for s in plan.settings]
    assert all(0.001 <= r <= 1 for r in rates) and min(rates) < 0.01 < max(rates)
    assert {s["n-epochs"] for s in plan.settings} <= {"1", "2", "3"}
    assert {s["batch-size"] for s in plan.settings} == {"20", "40"}


def test_help_explains_every_flag(capsys):
    with pytest.raises(SystemExit) as exit:
        sweep.main(["--help"])
    assert exit.value.code == 0
    text = capsys.readouterr().out
    for action in sweep.make_parser()._actions:
        for option in action.option_strings:
            assert option in text


@pytest.mark.parametrize(
    "args, words",
    [
        (["perceptron"], "invalid choice: 'perceptron'"),
        (["logistic_sgd", "--grid", "learning-rate"], "expected FLAG=VALUES"),
        (["logistic_sgd", "--grid", "learning-rate=0.1,,2"], "an empty value"),
        (["logistic_sgd", "--grid", "no-such-flag=1,2"], "unrecognized arguments"),
        (["logistic_sgd", "--grid", "learning-rate=0.1,-1"], "--learning-rate"),
        (["logistic_sgd", "--set", "results-json=a.json"], "sets --results-json"),
        (["logistic_sgd", "--set", "cv-fold=1"], "sets --cv-fold"),
        # a file written in the trial's temporary folder would be lost
        (["logistic_sgd", "--set", "model-path=m.npz"], "--model-path would be lost"),
        (["dA", "--set", "output-folder=plots"], "--output-folder would be lost"),
        (["mlp", "--set", "checkpoint-dir=ck"], "sets --checkpoint-dir"),
        (["logistic_sgd", "--sample", "learning-rate=normal:0:1"], "KIND:LOW:HIGH"),
        (["logistic_sgd", "--sample", "learning-rate=uniform:0:1"], "needs --trials"),
        (["logistic_sgd", "--cv-folds", "1"], "at least 2 folds"),
        (["logistic_sgd", "--grid", "n-epochs=1", "--set", "n-epochs=2"], "twice"),
    ],
)
def test_bad_input_gives_one_line_and_status_2(args, words, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        sweep.main([*args, "--out", str(tmp_path / "out")])
    assert exit.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]
    assert not (tmp_path / "out").exists()  # refused before anything is written


@pytest.mark.parametrize(
    "module, flags, words",
    [
        ("dask.distributed", ["--dask-scheduler", "tcp://127.0.0.1:8786"], "[sweep]"),
        ("matplotlib", [], "--no-plot"),
    ],
)
def test_a_missing_extra_gives_one_line(
    module, flags, words, monkeypatch, tmp_path, capsys
):
    monkeypatch.setitem(sys.modules, module, None)  # import fails
    with pytest.raises(SystemExit) as exit:
        sweep.main(["logistic_sgd", *flags, "--out", str(tmp_path / "out")])
    assert exit.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "not installed" in lines[0]


def test_a_diverged_trial_is_a_result_and_a_failed_one_is_retried(tmp_path):
    plan = plan_of("logistic_sgd", "--grid", "learning-rate=0.1,100,1000")
    (tmp_path / "trials").mkdir()
    good, diverged, failed = plan.trials
    outcome = {"log": "epoch 1 ...\n", "seconds": 1.5, "host": "h", "record": None}
    record = {"best_validation_error_percent": 7.5, "test_error_percent": 7.4}
    sweep.save_outcome(
        tmp_path, dict(outcome, id=good.id, status=0, record=json.dumps(record))
    )
    sweep.save_outcome(tmp_path, dict(outcome, id=diverged.id, status=3))
    sweep.save_outcome(tmp_path, dict(outcome, id=failed.id, status=137))
    assert [sweep.is_done(tmp_path, t) for t in plan.trials] == [True, True, False]
    rows = sweep.summarize(plan, tmp_path)
    assert [(r["finished"], r["diverged"]) for r in rows] == [(1, 0), (0, 1), (0, 0)]
    assert rows[0]["validation_error_percent"] == {
        "mean": 7.5,
        "std": None,
        "values": [7.5],
    }
    assert rows[1]["wall_seconds"]["mean"] == 1.5
    table = sweep.markdown_table(plan, rows, "python -m ...")
    assert "| 100 | 0/1 (1 diverged) | — | — | 1.5 |" in table
    # every trial without a result is in the table, with its status, exit
    # status and the last line it printed (its log's, read back)
    assert "| 1000 | 0/1 (1 failed) | — | — | 1.5 |" in table
    assert f"- `{failed.id}`: failed (exit status 137): `epoch 1 ...`" in table
    assert f"- `{diverged.id}`: diverged (exit status 3): `epoch 1 ...`" in table


def test_interrupted_and_unrun_trials_are_listed_as_such(tmp_path):
    plan = plan_of("logistic_sgd", "--grid", "learning-rate=0.1,0.2,0.3")
    (tmp_path / "trials").mkdir()
    stopped, killed, _ = plan.trials
    log = "... training\ndeeplearning_tutorials.logistic_sgd: interrupted by SIGTERM\n"
    outcome = {"log": log, "seconds": 2.0, "host": "h", "record": None}
    sweep.save_outcome(tmp_path, dict(outcome, id=stopped.id, status=143))
    sweep.save_outcome(tmp_path, dict(outcome, id=killed.id, status=-9))
    rows = sweep.summarize(plan, tmp_path)
    assert [[s["status"] for s in r["unfinished"]] for r in rows] == [
        ["interrupted"], ["interrupted"], ["not run"]
    ]
    table = sweep.markdown_table(plan, rows, "python -m ...")
    assert "interrupted (exit status 143): `deeplearning_tutorials.logistic_sgd: interrupted by SIGTERM`" in table
    assert "| 0.3 | 0/1 (1 not run) |" in table


def test_the_final_cost_of_an_unsupervised_run():
    assert sweep.final_cost({"costs_per_epoch": [[-90.6, -81.2, -74.9]]}) == -74.9
    assert sweep.final_cost({"costs_per_epoch": [[1.0, 2.0], [3.0, 0.5]]}) == 0.5
    assert sweep.final_cost({"best_validation_error_percent": 7.5}) is None
