"""benchmarks/bench_all.py, the benchmark harness: every mode is reachable
and explained, a baseline that cannot run is skipped with a note (never
replaced by a figure), and each table is computed from the timings measured.

Nothing timed is asserted: the timings here are made up (the expected
figures are the arithmetic written out in each test), or, where a mode runs
at all (the epoch table's NumPy column, one round of a quarter epoch of
logistic_sgd), only the shape of what it reports is checked. The benchmarks
themselves are run by hand (doc/performance.md).
"""

import json
import os
import subprocess
import sys
import types
from pathlib import Path
from unittest import mock

import pytest

import bench_all  # noqa: F401  (puts the harness on the path as the command does)
from bench_harness import cli, common, lenet, noise, profiles, rnnslu, start, steps, suite, table, threads

REPO = Path(__file__).resolve().parent.parent
BENCH_ALL = REPO / "benchmarks" / "bench_all.py"


# --------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------


def test_the_help_explains_every_mode_and_every_flag():
    parser = cli.build_parser()
    text = cli.full_help(parser)
    subparsers = next(a for a in parser._actions if a.dest == "mode")
    assert set(subparsers.choices) == set(cli.BY_NAME)
    for name, sub in subparsers.choices.items():
        assert f"--- {name} " in text
        for action in sub._actions:
            if action.help != "==SUPPRESS==":
                for flag in action.option_strings:
                    assert flag in text, (name, flag)
        assert cli.BY_NAME[name].summary in " ".join(text.split())  # wrapped


def test_without_a_mode_the_epoch_table_runs_with_the_flags_given():
    parser = cli.build_parser()
    args = parser.parse_args(cli.with_default_mode(["--quick", "--models", "logistic_sgd", "mlp"]))
    assert (args.mode, args.quick, args.models) == ("table", True, ["logistic_sgd", "mlp"])
    assert parser.parse_args(cli.with_default_mode([])).mode == "table"
    assert cli.with_default_mode(["--help"]) == ["--help"]
    args = parser.parse_args(cli.with_default_mode(["start", "--models", "logistic_sgd", "--no-original"]))
    assert (args.mode, args.models, args.no_original) == ("start", ["logistic_sgd"], True)


def test_an_unknown_mode_or_model_is_one_line_of_error(capsys):
    parser = cli.build_parser()
    for argv in (["tabel"], ["--models", "lenet5"], ["noise", "--models", "cA"]):
        with pytest.raises(SystemExit) as stop:
            parser.parse_args(cli.with_default_mode(argv))
        assert stop.value.code == 2
        errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
        assert len(errors) == 1 and "invalid choice" in errors[0]


def test_every_mode_has_its_defaults():
    parser = cli.build_parser()

    def defaults(*argv):
        return vars(parser.parse_args(list(argv)))

    assert defaults("table")["rounds"] == 3 and defaults("table")["implementations"] == table.IMPLEMENTATIONS
    assert defaults("start")["models"] == list(start.MODELS)
    assert defaults("lenet")["modes"] == ["NUMBA"]
    assert (defaults("sda-steps")["calls"], defaults("sda-steps")["rounds"]) == (1000, 3)
    assert (defaults("rbm-steps")["calls"], defaults("rbm-steps")["rounds"]) == (50, 5)
    assert (defaults("dbn-steps")["calls"], defaults("dbn-steps")["no_baseline"]) == (500, False)
    assert defaults("threads")["rounds"] == 5
    assert defaults("noise")["models"] == ["dA", "rbm", "DBN"]
    assert defaults("profile-compile")["models"] == ["logistic_sgd", "mlp", "lenet"]
    assert (defaults("profile-dA")["calls"], defaults("profile-dA")["rounds"]) == (100, 5)
    assert (defaults("profile-rbm")["calls"], defaults("profile-rbm")["out"]) == (200, None)
    assert defaults("rnnslu", "--data-dir", "d")["modes"] == ["NUMBA", "CVM"]
    assert defaults("test-run")["beside"] == 0
    assert "json" not in defaults("profile-rbm")  # it writes its profile as text (--out)


# --------------------------------------------------------------------------
# What the modes share
# --------------------------------------------------------------------------


def test_the_original_is_found_only_where_its_environment_is(tmp_path):
    assert common.find_original(str(tmp_path / "python"), str(tmp_path)) is None
    python = tmp_path / "python"
    python.write_text("")
    assert common.find_original(str(python), str(tmp_path)) == (str(python), str(tmp_path))


def test_steps_take_turns_and_each_cycles_over_its_minibatches():
    calls = []
    fake = {name: (lambda i, name=name: calls.append((name, i))) for name in ("a", "b")}
    ms = common.interleaved_timings(fake, n_calls=3, rounds=2, n_indices=2)
    assert set(ms) == {"a", "b"} and all(t >= 0 for t in ms.values())
    one_round = [("a", 0), ("a", 1), ("a", 0), ("b", 0), ("b", 1), ("b", 0)]
    assert calls == one_round * 2


def test_the_record_names_the_command_as_typed_again(tmp_path):
    argv = ["noise", "--json", str(REPO / "results" / "x.json"), "--calls", "30"]
    environ = {"OPENBLAS_NUM_THREADS": "1", "HOME": "/root"}
    assert common.command_line(argv, environ) == (
        "OPENBLAS_NUM_THREADS=1 python benchmarks/bench_all.py noise --json results/x.json --calls 30"
    )


# --------------------------------------------------------------------------
# table: the epoch table
# --------------------------------------------------------------------------


def test_the_original_is_skipped_with_a_note_without_its_environment():
    spec, note = table.worker_command("mlp", "original", 0.1, None)
    assert spec is None and "Theano 1.0.5" in note


def test_pytorch_is_skipped_with_a_note_when_not_installed(monkeypatch):
    monkeypatch.setattr(table, "module_available", lambda name: name != "torch")
    spec, note = table.worker_command("mlp", "torch", 0.1, None)
    assert spec is None and "pip install -e .[bench]" in note


def test_the_workers_are_started_through_the_harness(tmp_path):
    (command, env), _ = table.worker_command("mlp", "NUMBA", 0.2, None)
    assert command[1:] == [str(BENCH_ALL), "table", "--worker", "mlp", "NUMBA", "0.2"]
    assert json.loads(env["BENCH_EPOCH_PARTS"]) == [["train", 2500], ["validate", 500], ["test", 500]]
    (command, env), _ = table.worker_command("lenet", "original", 0.1, ("py37", "code"))
    assert command[:2] == ["py37", os.path.join(common.HERE, "original_epoch.py")]
    assert command[2:] == ["code", "lenet", "0.1", common.MNIST]
    assert env["THEANO_FLAGS"].startswith("floatX=float32,device=cpu")


def test_an_epoch_is_projected_from_the_calls_timed():
    # mlp: 2500 training, 500 validation, 500 test minibatches; a fifth timed
    timings = {"train": 1.0, "validate": 0.2, "test": 0.3}
    assert table.projected_epoch("mlp", timings, 0.2) == pytest.approx(5 * 1.5)


def test_the_report_notes_what_was_skipped(capsys):
    results = {
        "mlp": {
            "CVM": {"epoch_seconds": 2.0},
            "torch": {"skipped": "torch is not installed"},
            "original": {"epoch_seconds": 4.0},
        }
    }
    table.report(results, ["CVM", "torch", "original"])
    out = capsys.readouterr().out
    assert "note: torch: torch is not installed" in out
    assert "0.50" in out  # the default backend's (CVM) time over the original's


def test_the_table_runs_end_to_end_in_its_quickest_form(tmp_path):
    """One round of a quarter of logistic_sgd's epoch, NumPy by hand only:
    a worker started through the harness answers the coordinator, and the
    record says what was run and how the epoch was projected."""
    record = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(BENCH_ALL), "--quick", "--rounds", "1", "--models", "logistic_sgd",
         "--implementations", "numpy", "--json", str(record)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1"),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "logistic_sgd, batch 600" in done.stdout
    saved = json.loads(record.read_text())
    assert saved["command"].startswith("OPENBLAS_NUM_THREADS=1 python benchmarks/bench_all.py --quick")
    assert {"machine", "load_average_before_after", "rounds"} <= set(saved)
    numpy_column = saved["models"]["logistic_sgd"]["numpy"]
    assert len(numpy_column["rounds"]) == 1 and set(numpy_column["rounds"][0]) == {"train", "validate", "test"}
    assert numpy_column["epoch_seconds"] == pytest.approx(
        table.projected_epoch("logistic_sgd", numpy_column["rounds"][0], saved["fraction_of_epoch_timed"]["logistic_sgd"])
    )


# --------------------------------------------------------------------------
# start: cold and warm start
# --------------------------------------------------------------------------


def test_start_reads_the_seconds_a_run_reports_and_stops_it(tmp_path):
    reports = [sys.executable, "-c", "print('... loading'); print('START 1.5'); import time; time.sleep(60)"]
    assert start.run_until(reports, dict(os.environ), tmp_path, None, timeout=30) == 1.5
    prints = [sys.executable, "-c", "print('epoch 1, minibatch 83/83, validation error 9 %')"]
    seconds = start.run_until(prints, dict(os.environ), tmp_path, start.EPOCH_LINE, timeout=30)
    assert seconds is not None and seconds >= 0
    ends = [sys.executable, "-c", "print('no training today')"]
    assert start.run_until(ends, dict(os.environ), tmp_path, start.EPOCH_LINE, timeout=30) is None


def test_start_table_from_made_up_times():
    results = {
        "logistic_sgd": {
            "this project": {"first_step_cold": 12.34, "first_step_warm": 0.9,
                             "first_epoch_cold": 15.0, "first_epoch_warm": None},
            "Theano 1.0.5": {"first_step_cold": 30.0, "first_step_warm": 2.0},
        }
    }
    lines = start.table(results).splitlines()
    assert lines[2] == "| logistic_sgd (this project) | 12.3 s | 0.9 s | 15.0 s | — |"
    assert lines[3] == "| logistic_sgd (Theano 1.0.5) | 30.0 s | 2.0 s |  |  |"


# --------------------------------------------------------------------------
# lenet, sda-steps, rbm-steps, dbn-steps, threads, noise
# --------------------------------------------------------------------------


def test_lenet_report_from_made_up_timings():
    results = {
        "cpu": "x86_64, 2 cores", "repeats": 3,
        "versions": {"pytensor": "3", "numpy": "2", "torch": "2.13"},
        "pytensor": {"NUMBA": {"conv layer 0 forward": 0.5, "epoch (train + valid + test)": 8.0,
                               "cold compile": 25.0, "warm compile": 2.0}},
        "torch": {"conv layer 0 forward": 1.0, "epoch (train + valid + test)": 10.0},
    }
    text = lenet.report(results)
    assert "2.00x" in text and "1.25x" in text  # PyTorch's time over PyTensor's
    assert "goal: an epoch under 9.76 s (200 epochs < the published GTX 480 run): 8.00 s, met" in text
    assert "goal: cold compile under 20 s: 25.0 s, not met" in text


def test_step_tables_from_made_up_timings():
    ms = {"NumPy": {"finetune": 0.5, "pretrain layer 0": 0.25}, "PyTensor CVM": {"finetune": 0.6, "pretrain layer 0": 1.0}}
    lines = steps.variant_table(ms, "step", 18)
    assert lines[1] == f"{'finetune':18s}      0.500 ms (1.00x)      0.600 ms (1.20x)"
    assert lines[2].endswith("1.000 ms (4.00x)")


def test_each_variant_step_is_timed_in_turns():
    calls = []
    variants = {v: {s: (lambda i, v=v, s=s: calls.append((v, s))) for s in ("x", "y")} for v in ("A", "B")}
    ms = steps.timings_of_variants(variants, n_calls=2, rounds=1, n_indices=10)
    assert {v: set(t) for v, t in ms.items()} == {"A": {"x", "y"}, "B": {"x", "y"}}
    assert calls == [("A", "x")] * 2 + [("A", "y")] * 2 + [("B", "x")] * 2 + [("B", "y")] * 2


def test_a_whole_dbn_run_is_projected_from_the_steps():
    ms = {"CD-1 layer 0": 1.0, "CD-1 layer 1": 2.0, "CD-1 layer 2": 3.0,
          "fine-tuning step": 4.0, "error of a minibatch": 0.5}
    # pre-training: (1 + 2 + 3) ms x 100 epochs x 5,000 calls = 3,000 s;
    # an epoch of fine-tuning: 4 ms x 5,000 + a validation pass 0.5 ms x 1,000 = 20.5 s;
    # each new best scores the test set too: 0.5 s
    minutes = steps.projected_minutes(ms)
    assert minutes["published schedule"] == pytest.approx((3000 + 46 * 20.5 + 46 * 0.5) / 60)
    assert minutes["recorded run (results/pytensor_rng/DBN.log)"] == pytest.approx((3000 + 432 * 20.5 + 36 * 0.5) / 60)


def test_threads_switches_the_limit_between_rounds():
    limits, calls = [], []
    built = {name: (lambda i, name=name: calls.append((limits[-1], name))) for name in threads.CALLS}
    best = threads.timings(built, rounds=2, limit_blas_threads=limits.append)
    assert limits == [1, 2, 1, 2]
    assert set(best) == {(name, n) for name in threads.CALLS for n in threads.THREADS}
    assert len(calls) == 2 * 2 * sum(threads.CALLS.values())
    lines = threads.table({key: 1.0 if key[1] == 1 else 2.5 for key in best}, rounds=2)
    assert lines[2].endswith("   2.50x")


def test_noise_summary_from_made_up_timings():
    summary = noise.summary("DBN", {"mrg": 2.0, "pytensor": 1.6})
    # the DBN's epoch: 5,000 minibatches of 10 images
    assert summary["epoch_seconds"] == {"mrg": pytest.approx(10.0), "pytensor": pytest.approx(8.0)}
    assert summary["mrg_over_native"] == pytest.approx(1.25)
    assert noise.row("DBN", summary) == "DBN    CVM        2.00       1.60         10.0             8.0       1.250"


# --------------------------------------------------------------------------
# profile-compile, profile-dA, profile-rbm
# --------------------------------------------------------------------------


def test_the_stopwatch_counts_the_outermost_call_once():
    watch = profiles.Stopwatch()
    depth = []

    @watch.wrap
    def nested(n):
        depth.append(watch.depth)
        return nested(n - 1) if n else "done"

    assert nested(3) == "done" and depth == [1, 2, 3, 4] and watch.depth == 0
    assert 0 <= watch.seconds


def test_profile_tables_from_made_up_timings():
    cold = dict.fromkeys(profiles.COMPILE_PARTS, 1.0)
    lines = profiles.compile_table({"mlp": {"cold": cold}})
    assert lines[1].startswith("mlp, cold") and lines[1].count("1.00") == len(profiles.COMPILE_PARTS)
    assert len(lines) == 2  # a record made before the split by function has none

    # the split: each function's seconds beyond its callees' (Numba compiles a
    # callee while typing its caller), in the group its module names
    def compile_event(module, qualname):
        def py_func():
            pass

        py_func.__module__, py_func.__qualname__ = module, qualname
        return types.SimpleNamespace(data={"dispatcher": types.SimpleNamespace(py_func=py_func)})

    split = profiles.FunctionCompileTimes()
    caller = compile_event("pytensor.link.utils", "numba_funcified_fgraph")
    callee = compile_event("numba.np.arrayobj", "ol_np_empty.<locals>.impl")
    clock = iter([0.0, 1.0, 4.0, 10.0])  # caller starts, callee 1-4 s, caller ends at 10 s
    with mock.patch.object(profiles.timeit, "default_timer", lambda: next(clock)):
        split.on_start(caller)
        split.on_start(callee)
        split.on_end(callee)
        split.on_end(caller)
    summary = split.summary()
    assert summary["functions compiled"] == 2
    assert summary["groups"]["the graphs' own functions"] == 7.0
    assert summary["groups"]["NumPy's functions in Numba"] == 3.0
    assert sum(summary["groups"].values()) == 10.0  # the whole, counted once
    assert profiles.function_group("pytensor.link.numba.dispatch.basic", "alloc") == "other PyTensor Ops"
    # a cache wrapper, as machinery/numba_graph_opt.py names it, counts with what it wraps
    assert (profiles.function_group("pytensor.link.numba.dispatch.basic", "cache_wrapper_elemwise")
            == "elementwise loops and reductions")
    assert (profiles.function_group("pytensor.link.numba.dispatch.basic", "cache_wrapper_numba_funcified_fgraph")
            == "the graphs' own functions")
    assert profiles.function_group("deeplearning_tutorials.nnet.numba_backend", "pool_forward") == "the project's kernels"
    lines = profiles.compile_table({"mlp": {"cold": dict(cold, **{"by function": summary})}})
    assert lines[4].startswith("mlp: the graphs' own functions 7.00") and lines[4].endswith("; 2 functions")
    assert lines[5].split() == ["7.00", "s", "pytensor.link.utils:numba_funcified_fgraph", "(x1)"]

    class Args:
        rounds, calls = 5, 100

    ms = {(m, p): 1.0 + i for i, p in enumerate(profiles.DA_PARTS) for m in profiles.DA_MODES}
    lines = profiles.prefix_table(ms, Args)
    assert [line.split()[0] for line in lines[2:]] == profiles.DA_PARTS
    assert lines[-1] == f"{'step':12s}{6.0:10.3f}{6.0:10.3f}"


# --------------------------------------------------------------------------
# rnnslu, test-run
# --------------------------------------------------------------------------


def test_rnnslu_needs_the_fold_it_times(tmp_path):
    args = cli.build_parser().parse_args(["rnnslu", "--data-dir", str(tmp_path), "--no-original"])
    with pytest.raises(SystemExit, match="no atis.fold3.pkl.gz there"):
        rnnslu.run(args)
    line = "[learning] epoch 0 >> 100.00% completed in 4.17 (sec) <<"
    assert rnnslu.LAST_EPOCH_TIME.findall(line) == ["4.17"]


def test_the_test_run_summary_is_read_from_pytest_output():
    output = "\n".join([
        "........F",
        "=== slowest 15 durations ===",
        "52.31s call     tests/test_mlp.py::test_first_epoch",
        "1.02s setup    tests/test_dA.py::test_x",
        "FAILED tests/test_x.py::test_y - AssertionError",
        "==== 1 failed, 889 passed, 12 deselected in 801.23s (0:13:21) ====",
    ])
    last, slowest, failed = suite.summary(output)
    assert last == "1 failed, 889 passed, 12 deselected in 801.23s (0:13:21)"
    assert slowest == ["52.31s call     tests/test_mlp.py::test_first_epoch", "1.02s setup    tests/test_dA.py::test_x"]
    assert failed == ["FAILED tests/test_x.py::test_y - AssertionError"]
