"""The reproduction records: verdicts, the committed results, and (slow) the
full runs themselves."""

import json

import pytest
from conftest import REPO

from deeplearning_tutorials.machinery import reproduce

RECORDS = sorted(
    path
    for path in (REPO / "results").glob("*.json")
    if path.stem in reproduce.PUBLISHED
)


def record(valid, test, epochs=74):
    return {
        "best_validation_error_percent": valid,
        "test_error_percent": test,
        "epochs": epochs,
    }


def test_verdict_compares_printed_precision_and_epochs():
    published = reproduce.PUBLISHED["logistic_sgd"]
    assert reproduce.verdict(published, record(7.500000000001, 7.4895833333))[
        "reproduced"
    ]
    assert not reproduce.verdict(published, record(7.510417, 7.489583))["reproduced"]
    assert not reproduce.verdict(published, record(7.5, 7.489583, epochs=75))[
        "reproduced"
    ]


def test_verdict_tolerance_in_points():
    published = reproduce.PUBLISHED["mlp"]
    assert reproduce.verdict(published, record(1.78, 1.60, epochs=1000))["reproduced"]
    assert not reproduce.verdict(published, record(1.69, 1.80, epochs=1000))[
        "reproduced"
    ]


def test_a_cost_curve_is_compared_epoch_by_epoch():
    published = reproduce.PUBLISHED["rbm"]
    curve = list(published.costs_per_epoch)
    assert reproduce.verdict(published, {"costs_per_epoch": [curve]})["reproduced"]
    shifted = curve[:5] + [curve[5] + 8.5] + curve[6:]
    assert not reproduce.verdict(published, {"costs_per_epoch": [shifted]})[
        "reproduced"
    ]
    assert not reproduce.verdict(published, {"costs_per_epoch": [curve[:-1]]})[
        "reproduced"
    ]


def test_an_f1_score_may_fall_short_by_the_tolerance_over_the_full_run():
    published = reproduce.PUBLISHED["rnnslu"]  # 94.2, -0.6, 60 epochs

    def run(tf1, epochs=60):
        return reproduce.verdict(published, {"tf1": tf1, "epochs": epochs})

    assert run(93.6)["reproduced"] and run(95.5)["reproduced"]
    assert not run(93.59)["reproduced"]
    assert not run(94.3, epochs=1)["reproduced"]


def test_a_sparse_cost_curve_is_compared_at_its_published_epochs():
    published = reproduce.PUBLISHED["rnnrbm"]
    points = dict(published.costs_at_epochs)
    curve = [points.get(epoch, -7.0) for epoch in range(1, 201)]
    assert reproduce.verdict(published, {"costs_per_epoch": curve})["reproduced"]
    first_ten = reproduce.verdict(published, {"costs_per_epoch": curve[:10]})
    assert first_ten["compared_epochs"] == [1, 2, 3, 4, 5, 10]
    assert first_ten["deviation"] == 0 and not first_ten["reproduced"]
    off = curve[:]
    off[9] += 0.51  # epoch 10
    assert not reproduce.verdict(published, {"costs_per_epoch": off})["reproduced"]


@pytest.mark.parametrize("path", RECORDS, ids=[p.stem for p in RECORDS])
def test_committed_records_are_consistent_and_in_the_readme(path):
    saved = json.loads(path.read_text())
    published = reproduce.PUBLISHED[path.stem]
    assert reproduce.verdict(published, saved) == {
        key: saved[key] for key in reproduce.verdict(published, saved)
    }
    log = (REPO / "results" / f"{path.stem}.log").read_text().splitlines()
    readme = (REPO / "README.md").read_text()
    if published.f1_test is not None:
        best = [line for line in log if line.startswith("BEST RESULT:")][-1]
        assert f"valid F1 {saved['vf1']} best test F1 {saved['tf1']}" in best
        assert f"{saved['vf1']} / {saved['tf1']}" in readme
        return
    if published.costs_at_epochs is not None:
        costs = saved["costs_per_epoch"]
        # the original prints each epoch's mean cost on the line after "Epoch
        # i/N"; a longer run resumed from the record's may follow in the log
        printed = [float(l) for l in log if l.strip().lstrip("-").replace(".", "", 1).isdigit()]
        assert printed[: len(costs)] == pytest.approx(costs, rel=1e-9)
        assert f"{costs[0]:.2f} … {costs[-1]:.2f}" in readme
        return
    if published.costs_per_epoch is not None:
        (costs,) = saved["costs_per_epoch"]
        # the log prints the mean as the original did, the record holds it as
        # a float (records before issue 14 printed it in float64)
        last = [line for line in log if line.startswith("Training epoch ")][-1]
        epoch, cost = last.removeprefix("Training epoch ").split(", cost is  ")
        assert int(epoch) == len(costs) - 1
        assert float(cost) == pytest.approx(costs[-1], rel=1e-6)
        assert f"{costs[0]:.2f} … {costs[-1]:.2f}" in readme
        return
    final = next(line for line in log if line.startswith("Optimization complete"))
    assert f"{saved['best_validation_error_percent']:f} %" in final
    assert f"{saved['test_error_percent']:f} %" in final
    assert (
        f"{saved['best_validation_error_percent']:f} % / {saved['test_error_percent']:f} %"
        in readme
    )


def test_the_gpu_run_is_lenets_driver_under_jax_and_needs_a_gpu(tmp_path, capsys):
    published = reproduce.PUBLISHED["convolutional_mlp_gpu"]
    command = published.command(tmp_path)
    assert command[1:5] == ["-m", "deeplearning_tutorials.convolutional_mlp", "--mode", "JAX"]
    assert str(tmp_path / "convolutional_mlp_gpu.json") in command
    if reproduce.gpu_missing() is None:
        pytest.skip("JAX sees a GPU here")
    # without a GPU: left out of every model, refused by name, nothing written
    assert reproduce.main(["convolutional_mlp_gpu", "--results-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"not run: {reproduce.gpu_missing()}; it needs a GPU" in out
    assert not list(tmp_path.iterdir())
    every_model = reproduce.main(["--check", "--results-dir", str(tmp_path)])
    assert every_model == 1 and "convolutional_mlp_gpu" not in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("model", sorted(reproduce.PUBLISHED))
def test_full_reproduction(model, tmp_path):
    """The published run, from scratch (minutes for logistic_sgd, about an hour for mlp)."""
    if reproduce.PUBLISHED[model].needs_gpu and reproduce.gpu_missing():
        pytest.skip(f"{model}: {reproduce.gpu_missing()}")
    assert reproduce.main([model, "--results-dir", str(tmp_path)]) == 0
