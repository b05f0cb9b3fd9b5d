"""The sweep (python -m deeplearning_tutorials.sweep), the reuse of compiled
functions and data in its workers (machinery/reuse.py), and the drivers'
cross-validation flags (--cv-folds K --cv-fold I).

The sweeps here run logistic_sgd for one epoch on a tiny MNIST-shaped file:
once on this machine in two workers (so two workers load and compile at
once, sharing PyTensor's compile cache, and each then reuses what it
compiled), once on a Dask cluster the test starts itself, one ordinary
process per trial (the reference the workers' trials are held to), and
again after an interruption. The reuse itself is tested on small graphs
compiled in FAST_COMPILE mode, against NumPy and against the ordinary
``pytensor.function``.
"""

import argparse
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import REPO, make_splits, write_pickle_gz

from deeplearning_tutorials.machinery import cli, data, reuse, sweep
from deeplearning_tutorials.machinery.sweep import plan as sweep_plan
from deeplearning_tutorials.machinery.sweep import run as sweep_run
from deeplearning_tutorials.machinery.sweep import worker as sweep_worker

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


def test_each_worker_compiles_once_and_its_later_trials_reuse(joblib_sweep):
    """Two workers, four trials of one graph (the learning rate and the fold
    are values): each worker compiles train, validate and test for its first
    trial, and its later trials compile nothing and reuse the three. The
    log's last line says so."""
    by_worker = collections.defaultdict(list)
    for path in sorted((joblib_sweep / "trials").glob("*.json")):
        record = json.loads(path.read_text())
        by_worker[record["sweep"]["worker"]].append(record["sweep"])
        end = path.with_suffix(".log").read_text().splitlines()[-1]
        assert re.search(r"\(worker \d+, its trial \d: [03] functions compiled", end)
        assert record["wall_seconds"] >= record["train_seconds"] == record["seconds"]
    assert len(by_worker) == 2
    for trials in by_worker.values():
        trials.sort(key=lambda t: t["worker_trial"])
        assert [(t["compiled"], t["reused"]) for t in trials] == [(3, 0)] + [
            (0, 3)
        ] * (len(trials) - 1)
        assert trials[0]["worker_startup_seconds"] > 0
        assert all("worker_startup_seconds" not in t for t in trials[1:])
    summary = json.loads((joblib_sweep / "summary.json").read_text())
    assert summary["overhead"]["reused"]["trials"] == 2
    assert summary["overhead"]["all"]["trials"] == 4


@pytest.fixture(scope="module")
def dask_sweep(tiny_mnist, tmp_path_factory):
    """The tiny sweep on a Dask cluster: each trial an ordinary process."""
    distributed = pytest.importorskip("dask.distributed")
    out = tmp_path_factory.mktemp("sweep") / "dask"
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        args = [*tiny_sweep_args(tiny_mnist, out, "--no-plot")]
        args += ["--dask-scheduler", cluster.scheduler_address]
        assert sweep.main(args) == 0
        ran_there = [p for p in cluster.scheduler.task_prefixes if "run_trial" in p]
    assert ran_there  # the trials were tasks of the cluster
    return out


def test_a_local_dask_cluster_gives_the_same_table(dask_sweep, joblib_sweep):
    assert table_without_times(dask_sweep) == table_without_times(joblib_sweep)


# what a run prints that changes from run to run: its speed and times
TIMES = re.compile(r"epochs/sec|ran for|^\[sweep\]")


def test_trials_that_reused_compiled_functions_print_what_a_process_of_their_own_does(
    dask_sweep, joblib_sweep
):
    """The reference: each trial run as an ordinary program, a process of its
    own that compiles everything (the Dask sweep's trials). A worker's trial
    that reused the functions its first trial compiled, with another
    learning rate and fold, prints the same lines and records the same
    errors, digit for digit."""
    reused = 0
    for path in sorted((joblib_sweep / "trials").glob("*.json")):
        ours, theirs = json.loads(path.read_text()), json.loads(
            (dask_sweep / "trials" / path.name).read_text()
        )
        reused += ours["sweep"]["reused"] == 3
        assert "sweep" not in theirs  # a process of its own
        for key in ("best_validation_error_percent", "test_error_percent",
                    "best_iteration", "validation_history", "command"):  # fmt: skip
            assert ours[key] == theirs[key], key
        lines = [
            [line for line in folder.joinpath("trials", path.stem + ".log")
             .read_text().splitlines() if not TIMES.search(line)]
            for folder in (joblib_sweep, dask_sweep)
        ]  # fmt: skip
        assert lines[0] == lines[1]
    assert reused == 2


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


# --------------------------------------------------------------------------
# Reusing compiled functions (machinery/reuse.py), on small graphs
# --------------------------------------------------------------------------


@pytest.fixture
def memo(monkeypatch):
    """``pytensor.function`` reusing what it compiles, as in a sweep's worker,
    for one test (FAST_COMPILE: these tests are about what is reused, not
    about speed); ``memo.compiles`` counts the real compilations."""
    compiles = []
    original = pytensor.function

    def counted(*args, **kwargs):
        compiles.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(reuse, "_functions", {})
    monkeypatch.setattr(reuse, "_data", collections.OrderedDict())
    monkeypatch.setattr(reuse, "_trial", None)
    monkeypatch.setattr(reuse, "_compile", counted)
    monkeypatch.setattr(pytensor, "function", reuse.function)
    monkeypatch.setattr(pytensor.config, "mode", "FAST_COMPILE")
    monkeypatch.setattr(pytensor.config, "floatX", "float64")
    return argparse.Namespace(compiles=compiles, original=original)


def sgd_trial(data, learning_rate, batch_size, compile=None):
    """What a driver does, in small: shared data and weights, the learning
    rate as a hyper-parameter, a minibatch of the data through ``givens``,
    a training function with ``updates`` (compiled by ``compile``, by
    default ``pytensor.function``)."""
    reuse.begin_trial()
    data_x = pytensor.shared(data, borrow=True)
    W = pytensor.shared(numpy.zeros(data.shape[1]), name="W")
    rate = reuse.hyperparameter(learning_rate, "learning_rate")
    index, x = pt.lscalar(), pt.matrix("x")
    cost = ((x @ W - 1.0) ** 2).mean()
    compile = compile or pytensor.function
    train = compile(
        [index],
        cost,
        updates=[(W, W - rate * pytensor.grad(cost, W))],
        givens={x: data_x[index * batch_size : (index + 1) * batch_size]},
    )
    return train, W


def numpy_sgd(data, learning_rate, batch_size, steps):
    """The same steps in NumPy: the gradient of mean((x W - 1)^2) is
    2/n x^T (x W - 1)."""
    W = numpy.zeros(data.shape[1])
    for i in range(steps):
        x = data[i * batch_size : (i + 1) * batch_size]
        W = W - learning_rate * 2.0 / len(x) * x.T @ (x @ W - 1.0)
    return W


def test_a_second_trial_reuses_the_function_and_trains_its_own_values(memo):
    rng = numpy.random.RandomState(0)
    first, second = rng.rand(6, 3), rng.rand(6, 3)
    train, _ = sgd_trial(first, 0.1, batch_size=2)
    for i in range(3):
        train(i)
    assert reuse.trial_counts() == {"compiled": 1, "reused": 0}
    train, W = sgd_trial(second, 0.7, batch_size=2)
    assert reuse.trial_counts() == {"compiled": 0, "reused": 1}
    assert len(memo.compiles) == 1
    for i in range(3):
        train(i)
    # the new rate and data, against NumPy and against a function compiled
    # afresh by the ordinary pytensor.function, bit for bit
    numpy.testing.assert_allclose(W.get_value(), numpy_sgd(second, 0.7, 2, 3), rtol=1e-12)
    fresh, fresh_W = sgd_trial(second, 0.7, batch_size=2, compile=memo.original)
    for i in range(3):
        fresh(i)
    assert W.get_value().tobytes() == fresh_W.get_value().tobytes()
    W.set_value(numpy.ones(3))  # the trial's variable and the function agree
    assert train(0) == pytest.approx(((second[:2] @ numpy.ones(3) - 1) ** 2).mean())


def test_another_minibatch_size_is_another_graph(memo):
    data = numpy.random.RandomState(1).rand(6, 3)
    sgd_trial(data, 0.1, batch_size=2)
    train, W = sgd_trial(data, 0.1, batch_size=3)
    assert reuse.trial_counts() == {"compiled": 1, "reused": 0}
    train(1)
    numpy.testing.assert_allclose(W.get_value(), numpy_sgd(data[3:], 0.1, 3, 1))


def error_functions(valid, test):
    """A trial's validation and test functions: one graph, two data sets."""
    reuse.begin_trial()
    W = pytensor.shared(numpy.ones(3))
    x = pt.matrix("x")
    functions = [
        pytensor.function([], (x @ W).sum(), givens={x: pytensor.shared(d)})
        for d in (valid, test)
    ]
    return functions, W


def test_functions_of_one_graph_in_one_trial_keep_their_own_data(memo):
    rng = numpy.random.RandomState(2)
    error_functions(rng.rand(4, 3), rng.rand(5, 3))
    assert reuse.trial_counts() == {"compiled": 2, "reused": 0}
    valid, test = rng.rand(4, 3), rng.rand(5, 3)
    (f_valid, f_test), W = error_functions(valid, test)
    assert reuse.trial_counts() == {"compiled": 0, "reused": 2}
    W.set_value(numpy.full(3, 2.0))
    assert f_valid() == pytest.approx(2 * valid.sum())
    assert f_test() == pytest.approx(2 * test.sum())


def test_a_variable_bound_by_an_earlier_compile_makes_a_later_call_compile(memo):
    """The cached function reads its own storage for W; a trial whose W
    already feeds a function compiled in this trial cannot give W that
    storage too: the call compiles, and both functions read one W."""
    reuse.begin_trial()
    W = pytensor.shared(numpy.ones(2))
    pytensor.function([], W * 2.0)
    reuse.begin_trial()
    W = pytensor.shared(numpy.ones(2))
    triple = pytensor.function([], W * 3.0)  # a new graph: compiled
    double = pytensor.function([], W * 2.0)  # cached, but W is bound
    assert reuse.trial_counts() == {"compiled": 2, "reused": 0}
    W.set_value(numpy.array([1.0, 5.0]))
    assert double().tolist() == [2.0, 10.0] and triple().tolist() == [3.0, 15.0]


def test_a_zero_weight_stays_a_number_and_others_are_shared():
    assert reuse.hyperparameter(0.0, "L1_reg") == 0.0
    weight = reuse.hyperparameter(0.0001, "L2_reg")
    assert isinstance(weight, pytensor.compile.SharedVariable)
    assert weight.get_value() == numpy.asarray(0.0001, dtype=pytensor.config.floatX)


def test_load_data_reads_a_file_once_per_worker(memo, small_dataset, monkeypatch, capsys):
    reads = []
    read = data.read_dataset
    monkeypatch.setattr(data, "read_dataset", lambda path: reads.append(1) or read(path))
    with data.cross_validation(3, 1):
        first = data.load_data(small_dataset)
        second = data.load_data(small_dataset)
    plain = data.load_data(small_dataset)
    assert len(reads) == 1  # the fold and the file's split from one read
    assert capsys.readouterr().out.count("cross-validation fold 1 (of 0 to 2)") == 2
    for a, b in zip(first, second):
        x = a[0].get_value(borrow=True)
        assert x is b[0].get_value(borrow=True) and not x.flags.writeable
    (expected, _), _, _ = data.read_dataset(small_dataset)
    assert numpy.array_equal(plain[0][0].get_value(), expected)


# --------------------------------------------------------------------------
# The worker: output, exit statuses, scheduling
# --------------------------------------------------------------------------


def test_a_trials_log_holds_what_it_wrote_to_file_descriptors_1_and_2(
    tmp_path, monkeypatch, capfd
):
    # in a worker sys.stdout writes to file descriptor 1, as in any program
    stdout = open(1, "w", closefd=False)
    monkeypatch.setattr(sys, "stdout", stdout)
    log = tmp_path / "trial.log"
    with sweep_worker._output_to(str(log)):
        print("from Python")
        os.write(1, b"from C code\n")
        os.write(2, b"to stderr\n")
    print("after the trial", flush=True)  # back where it was
    # (Python's buffered lines reach the file when flushed, as in a program
    # whose output is a file)
    assert sorted(log.read_text().splitlines()) == ["from C code", "from Python", "to stderr"]
    assert capfd.readouterr().out == "after the trial\n"


def failing(exc):
    def main(argv):
        raise exc

    return main


@pytest.mark.parametrize(
    "main, status",
    [
        (lambda argv: None, 0),
        (failing(SystemExit(None)), 0),
        (failing(SystemExit(3)), 3),
        (failing(SystemExit(130)), 130),
        (failing(SystemExit("a message")), 1),
        (failing(ValueError("a bug")), 1),
    ],
    ids=["returns", "exit-None", "exit-3", "exit-130", "exit-text", "exception"],
)
def test_a_trials_exit_status_is_the_programs(main, status, capsys):
    """What Python gives ``python -m`` of a program whose main does this."""
    assert sweep_worker.exit_status(main, []) == status


def test_a_worker_reports_bad_input_and_its_own_death_as_the_trials_status(tmp_path):
    worker = sweep_run.Worker("logistic_sgd", (None, None, 1))
    try:
        assert worker.ready
        bad = sweep_plan.Trial(0, None, None, ["--dataset=/no/such/file.pkl.gz"], id="bad")
        outcome = worker.run("logistic_sgd", bad)
        assert outcome["status"] == 2 and outcome["record"] is None
        assert outcome["log"].strip().splitlines()[-1].startswith(
            "deeplearning_tutorials.logistic_sgd: error: "
        )
        assert worker.ready  # a refused input leaves the worker sound
        worker.process.kill()
        worker.process.wait()
        outcome = worker.run("logistic_sgd", bad)
        assert outcome["status"] == -signal.SIGKILL  # as a killed process's
    finally:
        worker.close()


@pytest.mark.parametrize(
    "received, ignored, sent",
    [
        (signal.SIGTERM, set(), signal.SIGTERM),
        (signal.SIGINT, set(), signal.SIGINT),
        # started in the background (&): Ctrl-C ignored there, and so in the
        # worker; the trial gets SIGTERM instead
        (signal.SIGTERM, {signal.SIGINT}, signal.SIGTERM),
        (signal.SIGINT, {signal.SIGINT}, signal.SIGTERM),
    ],
)
def test_a_stop_is_passed_on_as_a_signal_the_trial_heeds(received, ignored, sent, monkeypatch):
    handlers = {s: signal.SIG_IGN if s in ignored else signal.SIG_DFL for s in
                (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}  # fmt: skip
    monkeypatch.setattr(signal, "getsignal", handlers.get)
    signals = []
    worker = argparse.Namespace(
        busy=True, process=argparse.Namespace(send_signal=signals.append)
    )
    sweep_run.Worker.interrupt(worker, received)
    worker.busy = False
    sweep_run.Worker.interrupt(worker, received)  # an idle worker is left alone
    assert signals == [sent]


def test_workers_get_the_trials_of_the_graphs_they_compiled():
    def trial(group, process=("float32",)):
        return sweep_plan.Trial(0, None, None, [], id=f"{group}", process=process,
                                group=(process, group))  # fmt: skip

    trials = [trial(g) for g in "ababab"] + [trial("c", ("float64",))]
    queue = sweep_run.TrialQueue(trials)
    first, second = queue.take(0, None), queue.take(1, None)
    assert (first.id, second.id) == ("a", "b")  # one group each
    workers = {}
    for worker_id, taken in ((0, first), (1, second)):
        workers[worker_id] = argparse.Namespace(
            process_settings=taken.process, groups={taken.group}, last_group=taken.group
        )
    assert [queue.take(0, workers[0]).id for _ in range(2)] == ["a", "a"]
    assert [queue.take(1, workers[1]).id for _ in range(2)] == ["b", "b"]
    # the float64 trial goes last, to a worker that must be replaced for it
    assert queue.take(0, workers[0]).id == "c" and queue.take(1, workers[1]) is None
