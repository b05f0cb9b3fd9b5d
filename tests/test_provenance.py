"""Result records say where and how they were made, with no absolute paths;
a reproduction's wall time covers every stretch of a resumed run."""

import json
import os
import sys

import numpy
import pytensor
from conftest import REPO, run_module

from deeplearning_tutorials.machinery import provenance, reproduce


def test_a_record_holds_the_command_machine_and_blas_threads(tmp_path, small_dataset):
    (tmp_path / "out").mkdir()
    proc = run_module(
        "mlp",
        "--dataset",
        small_dataset,  # absolute, inside the folder the command runs in
        "--batch-size",
        "10",
        "--n-epochs",
        "1",
        "--n-hidden",
        "7",
        f"--results-json={tmp_path / 'out' / 'r.json'}",
        "--blas-threads",
        "1",
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "out" / "r.json").read_text()
    assert str(tmp_path) not in text
    record = json.loads(text)
    assert record["command"] == (
        "python -m deeplearning_tutorials.mlp --dataset small.pkl.gz --batch-size 10 "
        "--n-epochs 1 --n-hidden 7 --results-json=out/r.json --blas-threads 1"
    )
    assert record["dataset"] == "small.pkl.gz"
    machine = record["machine"]
    assert machine["cores"] == os.cpu_count()
    assert machine["python"] == ".".join(map(str, sys.version_info[:3]))
    assert machine["pytensor"] == pytensor.__version__
    assert machine["numpy"] == numpy.__version__
    # NumPy's OpenBLAS at least, each held to the one thread asked for
    assert machine["blas"] and {lib["threads"] for lib in machine["blas"]} == {1}


def test_paths_outside_the_current_folder_stay_as_given(tmp_path):
    inside = tmp_path / "a" / "b.json"
    assert provenance.relative(inside, start=tmp_path) == os.path.join("a", "b.json")
    assert provenance.relative("rel/x", start=tmp_path) == "rel/x"
    outside = tmp_path.parent / "elsewhere"
    assert provenance.relative(outside, start=tmp_path) == str(outside)


def test_a_record_from_python_has_no_command(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["pytest", str(tmp_path)])
    assert provenance.command_line() is None


def logistic_sgd_record(folder):
    """A driver's record of logistic_sgd's published run, before ``reproduce``
    finishes it."""
    path = folder / "logistic_sgd.json"
    errors = {"best_validation_error_percent": 7.5, "test_error_percent": 7.489583}
    path.write_text(json.dumps({**errors, "epochs": 74}))
    return path


def test_wall_time_adds_up_every_stretch_of_a_resumed_run(tmp_path):
    """Two stretches (the first interrupted, exit 130) and the record's sum."""
    log = tmp_path / "m.log"
    stop = [sys.executable, "-c", "import time, sys; time.sleep(0.3); sys.exit(130)"]
    finish = [sys.executable, "-c", "import time; time.sleep(0.2); print('done')"]
    assert reproduce.run_stretch(stop, log, cwd=tmp_path) == 130
    assert reproduce.run_stretch(finish, log, cwd=tmp_path) == 0
    first, second = reproduce.stretch_seconds(log)
    assert 0.3 <= first < 30 and 0.2 <= second < 30
    assert "done" in log.read_text()
    record_path = logistic_sgd_record(tmp_path)
    published = reproduce.PUBLISHED["logistic_sgd"]
    record = reproduce.finish_record(published, record_path, log)
    assert record["stretches"] == 2
    assert record["wall_seconds"] == round(first + second, 1)
    assert record["reproduced"]
    assert json.loads(record_path.read_text()) == record


def test_a_stretch_killed_outright_is_counted_as_without_wall_time(tmp_path):
    """A stretch whose process and ``reproduce`` were killed (SIGKILL, the
    machine going away) left its driver's lines but no closing line: the
    record's wall time cannot hold it, and says so."""
    log = tmp_path / "m.log"
    driver = [sys.executable, "-c", "print('... loading data'); print('epoch 1')"]
    assert reproduce.run_stretch(driver, log, cwd=tmp_path) == 0
    with open(log, "a") as killed:  # what a killed stretch leaves behind
        killed.write("... loading data\nepoch 2\n")
    assert reproduce.unclosed_stretches(log) == 1
    assert reproduce.run_stretch(driver, log, cwd=tmp_path) == 0
    record_path = logistic_sgd_record(tmp_path)
    published = reproduce.PUBLISHED["logistic_sgd"]
    record = reproduce.finish_record(published, record_path, log)
    assert record["stretches"] == 2 and record["unclosed_stretches"] == 1
    assert record["wall_seconds"] == round(sum(reproduce.stretch_seconds(log)), 1)
    assert "(+ 1 stretch without wall time): reproduced" in reproduce.summary_line(
        published, record
    )
    # a record finished again from a log with none unclosed drops the count
    log.write_text(log.read_text().replace("... loading data\nepoch 2\n", ""))
    assert "unclosed_stretches" not in reproduce.finish_record(published, record_path, log)
