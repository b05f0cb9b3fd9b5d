"""benchmarks/bench_all.py: a baseline that cannot run is skipped with a note,
never replaced by a figure, and the table is computed from the rounds
measured. (Nothing is timed here: the benchmark is run by hand.)"""

import bench_all
import pytest


def test_the_original_is_skipped_with_a_note_without_its_environment(tmp_path):
    assert bench_all.find_original(str(tmp_path / "python"), str(tmp_path)) is None
    spec, note = bench_all.worker_command("mlp", "original", 0.1, None)
    assert spec is None and "Theano 1.0.5" in note


def test_pytorch_is_skipped_with_a_note_when_not_installed(monkeypatch):
    monkeypatch.setattr(bench_all, "module_available", lambda name: name != "torch")
    spec, note = bench_all.worker_command("mlp", "torch", 0.1, None)
    assert spec is None and "pip install -e .[bench]" in note


def test_an_epoch_is_projected_from_the_calls_timed():
    # mlp: 2500 training, 500 validation, 500 test minibatches; a fifth timed
    timings = {"train": 1.0, "validate": 0.2, "test": 0.3}
    assert bench_all.projected_epoch("mlp", timings, 0.2) == pytest.approx(5 * 1.5)


def test_the_report_notes_what_was_skipped(capsys):
    results = {
        "mlp": {
            "NUMBA": {"epoch_seconds": 2.0},
            "torch": {"skipped": "torch is not installed"},
            "original": {"epoch_seconds": 4.0},
        }
    }
    bench_all.report(results, ["NUMBA", "torch", "original"])
    out = capsys.readouterr().out
    assert "note: torch: torch is not installed" in out
    assert "0.50" in out  # the default backend's time over the original's
