"""A run owns its checkpoint: one run per folder, a resume that knows its
data, a foreign checkpoint refused before any training, and a resume command
that a shell runs as printed.

Part of the adversarial battery (README "Reliability", doc/usage.md); each
test tries one way a user, careless or hostile, lost work before.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy
import pytest
from conftest import REPO, make_splits, run_module, write_pickle_gz

from deeplearning_tutorials.machinery import checkpoint, cli, runlock
from deeplearning_tutorials.machinery.checkpoint import Checkpointer, ModelFileError


def toy_params():
    import pytensor

    return [pytensor.shared(numpy.zeros((3, 2)), name="W")]


# --- one run per checkpoint folder ---------------------------------------

HOLD = """
import sys, time
from deeplearning_tutorials.machinery import runlock
with runlock.holding(sys.argv[1]):
    print("held", flush=True)
    time.sleep(600)
"""


def start_holder(directory):
    """A process that holds ``directory``'s lock until it is killed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(directory)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout.readline() == "held\n"
    return proc


def test_a_held_folder_is_refused_naming_the_holder_and_freed_by_its_death(tmp_path):
    holder = start_holder(tmp_path)
    try:
        with pytest.raises(runlock.FolderInUse) as refused:
            with runlock.holding(tmp_path):
                pass
        assert f"process {holder.pid}" in str(refused.value)
        assert str(tmp_path) in str(refused.value)
    finally:
        holder.kill()  # SIGKILL: no chance to clean up
        holder.wait()
    with runlock.holding(tmp_path):  # the kernel released the dead process's lock
        pass
    with runlock.holding(tmp_path):  # and a finished run's .lock file blocks nothing
        pass


def test_a_second_run_on_a_held_folder_is_one_line_before_it_compiles(tmp_path):
    data = write_pickle_gz(tmp_path / "d.pkl.gz", make_splits())
    directory = tmp_path / "ck"
    directory.mkdir()
    holder = start_holder(directory)
    try:
        started = time.monotonic()
        proc = run_module("logistic_sgd", "--dataset", data, "--checkpoint-dir", directory)
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"deeplearning_tutorials.logistic_sgd: error: --checkpoint-dir: {directory} "
        f"is in use by another run (process {holder.pid}); wait for it to end, "
        "or give this run another folder"
    ]
    assert proc.stdout == ""  # not even "... loading data"
    assert not list(directory.glob("*.npz"))
    print(f"refused after {took:.1f} s")  # information, not an assertion


def test_two_runs_started_together_one_finishes_the_other_is_refused(tmp_path):
    """The race of the issue: both start on an empty folder. The refused run
    leaves nothing; the checkpoint is the finisher's, which a resume
    continues (it reports the finished run, not a fresh one)."""
    data = write_pickle_gz(tmp_path / "d.pkl.gz", make_splits())
    directory = tmp_path / "ck"
    argv = [
        sys.executable, "-m", "deeplearning_tutorials.logistic_sgd",
        "--dataset", str(data), "--batch-size", "10", "--n-epochs", "3",
        "--checkpoint-dir", str(directory),
    ]
    runs = [
        subprocess.Popen(
            [*argv, "--model-path", str(tmp_path / f"best_{i}.npz")],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in range(2)
    ]
    outcomes = [(run.wait(timeout=600), *run.communicate()) for run in runs]
    statuses = sorted(status for status, _, _ in outcomes)
    assert statuses == [0, 2], outcomes
    finisher = next(i for i, (status, _, _) in enumerate(outcomes) if status == 0)
    refused = outcomes[1 - finisher]
    assert "is in use by another run" in refused[2]
    assert refused[1] == ""
    assert (tmp_path / f"best_{finisher}.npz").exists()
    assert not (tmp_path / f"best_{1 - finisher}.npz").exists()
    resumed = run_module(
        "logistic_sgd", "--dataset", data, "--batch-size", "10", "--n-epochs", "3",
        "--checkpoint-dir", directory, "--resume",
        "--model-path", tmp_path / f"best_{finisher}.npz",
    )
    assert resumed.returncode == 0, resumed.stderr
    # the finisher's last lines, and no epoch trained again
    finished = [l for l in outcomes[finisher][1].splitlines() if "Optimization" in l]
    assert [l for l in resumed.stdout.splitlines() if "Optimization" in l] == finished
    assert "epoch 1," not in resumed.stdout


# --- a resume knows its data ----------------------------------------------


def test_the_fingerprint_is_of_the_content_not_the_spelling(tmp_path):
    data = tmp_path / "x.bin"
    data.write_bytes(b"some data")
    import hashlib

    expected = hashlib.sha256(b"some data").hexdigest()  # an independent digest
    with contextlib.chdir(tmp_path):
        spelled = [
            checkpoint.data_fingerprint(p) for p in ("x.bin", "./x.bin", str(data))
        ]
    assert all(f == spelled[0] for f in spelled)
    assert spelled[0] == {"path": str(data.resolve()), "size": 9, "sha256": expected}


def save_toy(directory, data_path):
    saver = Checkpointer(
        directory, "Toy", toy_params(), {"lr": 0.1},
        data=checkpoint.data_fingerprint(data_path),
    )
    saver.save({"epoch": 1})
    return saver


def restore_toy(directory, data_path):
    return Checkpointer(
        directory, "Toy", toy_params(), {"lr": 0.1},
        data=checkpoint.data_fingerprint(data_path),
    ).restore()


def test_data_replaced_under_a_checkpoint_is_refused(tmp_path):
    data = tmp_path / "d.pkl.gz"
    data.write_bytes(b"the first data set")
    save_toy(tmp_path / "ck", data)
    time.sleep(0.01)
    data.write_bytes(b"a re-shuffled data set")
    with pytest.raises(ModelFileError) as refused:
        restore_toy(tmp_path / "ck", data)
    message = str(refused.value)
    assert "made on other data" in message and "--start-over" in message
    assert "18 bytes" in message and "22 bytes" in message


def test_the_same_data_elsewhere_or_spelled_otherwise_is_accepted(tmp_path):
    data = tmp_path / "d.pkl.gz"
    data.write_bytes(b"the data set")
    save_toy(tmp_path / "ck", data)
    copy = tmp_path / "elsewhere" / "copy.pkl.gz"
    copy.parent.mkdir()
    shutil.copy(data, copy)
    assert restore_toy(tmp_path / "ck", copy)[0] == {"epoch": 1}
    with contextlib.chdir(tmp_path):
        assert restore_toy("ck", "./d.pkl.gz")[0] == {"epoch": 1}


def test_a_checkpoint_of_an_older_version_is_checked_by_its_path(tmp_path):
    """Before fingerprints, the path was one of the settings: the same file
    resumes, another is refused."""
    data, other = tmp_path / "d.pkl.gz", tmp_path / "e.pkl.gz"
    data.write_bytes(b"a")
    other.write_bytes(b"a")
    Checkpointer(tmp_path / "ck", "Toy", toy_params(), {"lr": 0.1, "dataset": str(data)}).save({})
    assert restore_toy(tmp_path / "ck", data)[0] == {}
    with pytest.raises(ModelFileError, match="made on other data"):
        restore_toy(tmp_path / "ck", other)


def test_a_resume_on_replaced_data_is_one_line_and_on_a_respelled_path_resumes(tmp_path):
    data = write_pickle_gz(tmp_path / "d.pkl.gz", make_splits())
    common = ["--batch-size", "10", "--n-epochs", "1", "--checkpoint-dir", "ck",
              "--model-path", "best.npz"]
    first = run_module("logistic_sgd", "--dataset", "d.pkl.gz", *common, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = run_module(
        "logistic_sgd", "--dataset", "./d.pkl.gz", *common, "--resume", cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    write_pickle_gz(data, make_splits(seed=1))  # another data set, same name
    refused = run_module(
        "logistic_sgd", "--dataset", "d.pkl.gz", *common, "--resume", cwd=tmp_path
    )
    assert refused.returncode == 2
    [line] = refused.stderr.strip().splitlines()
    assert "made on other data" in line and "--start-over" in line


# --- a foreign checkpoint is refused before any training -------------------


def test_the_sda_refuses_a_foreign_checkpoint_before_pretraining(tmp_path):
    data = write_pickle_gz(tmp_path / "d.pkl.gz", make_splits())
    directory = tmp_path / "ck"
    Checkpointer(directory, "Toy", toy_params(), {}).save({"epoch": 0})
    proc = run_module(
        "SdA", "--dataset", data, "--batch-size", "10", "--pretraining-epochs", "1",
        "--training-epochs", "1", "--checkpoint-dir", directory, "--resume",
    )
    assert proc.returncode == 2, proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert "checkpoint.npz" in line and "Toy" in line
    assert "Pre-training layer" not in proc.stdout
    assert sorted(p.name for p in directory.iterdir()) == [".lock", "checkpoint.npz"]


# --- the printed resume command, as printed --------------------------------


def test_a_folder_whose_name_is_not_utf8_resumes_from_the_printed_command(tmp_path):
    """Stop a run with SIGTERM, then run the command it printed, in bash:
    it must continue the run in the same folder (b'run\\xff'), not start
    afresh in another."""
    data = write_pickle_gz(tmp_path / "d.pkl.gz", make_splits())
    folder = os.fsdecode(b"run\xff")
    argv = ["--dataset", "d.pkl.gz", "--batch-size", "10", "--n-epochs", "200",
            "--checkpoint-dir", folder, "--model-path", "best.npz"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "deeplearning_tutorials.logistic_sgd", *argv],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        errors="surrogateescape",
    )
    saved = tmp_path / folder / "checkpoint.npz"
    while not saved.exists() and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 143, err
    command = err.strip().splitlines()[-1].split("resume with: ", 1)[1]
    assert command.isascii()
    command = command.replace("python", f"'{sys.executable}'", 1)
    resumed = subprocess.run(
        ["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True,
        errors="surrogateescape", timeout=600, env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "... resuming" in resumed.stdout
    assert sorted(os.listdir(tmp_path)) == sorted(["best.npz", "d.pkl.gz", folder])
