"""Start-up time: the ``startup`` entry of a run's record, and compiling a
run's other functions ahead, in a forked child (``machinery.compile_ahead``).

References from outside the code under test: the wall time the test itself
measures around the whole command, the compile directory the test empties,
and Numba's own compile events (``numba.core.event``), which say whether a
function was compiled or loaded from the cache.
"""

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import REPO


TINY_RUN = textwrap.dedent(
    """
    import json, time
    import numpy, pytensor, pytensor.tensor as pt
    import deeplearning_tutorials  # starts the clock and the compile timers
    from deeplearning_tutorials.machinery import startup

    x = pt.vector("x")
    step = pytensor.function([x], pt.tanh(x).sum())
    step(numpy.ones(3, dtype=pytensor.config.floatX))  # Numba compiles here
    before = time.time()
    startup.first_step()
    print(json.dumps({"record": startup.record(), "started": startup.process_start(),
                      "first_step": before}))
    """
)


def _tiny_run(cache):
    started = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", TINY_RUN], capture_output=True, text=True, cwd=REPO,
        timeout=300, env={**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={cache}"},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1]), started


def test_the_startup_record_times_the_command_and_its_compiling(tmp_path):
    out, started = _tiny_run(tmp_path)
    record = out["record"]
    # the process started after this test started it, and the first step came
    # after both; /proc's clock ticks are 10 ms: allow that much
    assert started - 0.05 <= out["started"] <= out["first_step"]
    assert record["startup_seconds"] == pytest.approx(out["first_step"] - out["started"], abs=0.05)
    # a compile directory made empty for this run; compiling the function
    # took some of the time to the first step
    assert record["compile_cache"] == "empty"
    assert 0 < record["compile_seconds"] < record["startup_seconds"]
    # the same run again loads what the first compiled
    again, _ = _tiny_run(tmp_path)
    assert again["record"]["compile_cache"] == "filled"
    assert again["record"]["compile_seconds"] < record["compile_seconds"]


CHILD_COMPILES = textwrap.dedent(
    """
    import json, sys
    import numpy, pytensor, pytensor.tensor as pt
    from numba.core import event
    from deeplearning_tutorials.machinery import compile_ahead
    x = pt.vector("x")
    w = pytensor.shared(numpy.arange(3.0), name="w")
    first = pytensor.function([x], (x * w).sum(), updates=[(w, w + x)])
    other = pytensor.function([x], pt.exp(x) - w)

    compiled = []
    class Count(event.Listener):
        def on_start(self, ev):
            compiled.append(ev.data["dispatcher"].py_func.__name__)
        def on_end(self, ev):
            pass
    event.register("numba:compile", Count())

    ones = numpy.ones(3)
    with compile_ahead.in_background([lambda: other(ones)]):
        first(ones)
    before = len(compiled)
    result = other(ones)
    print(json.dumps({
        "can_fork": compile_ahead.can_fork(),
        "compiled_for_other": compiled[before:],
        "w": w.get_value().tolist(),
        "other": result.tolist(),
    }))
    """
)


def _run_child_compiles(tmp_path, **env):
    proc = subprocess.run(
        [sys.executable, "-c", CHILD_COMPILES], capture_output=True, text=True,
        cwd=REPO, timeout=300,
        env={**os.environ,
             "PYTENSOR_FLAGS": f"base_compiledir={tmp_path},floatX=float64", **env},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_a_function_compiled_ahead_is_loaded_not_compiled_again(tmp_path):
    if not hasattr(os, "fork") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("compiling ahead needs fork and two cores")
    # the load-average guard would decline on a busy test machine; this test
    # is about what happens when it does fork
    out = _run_child_compiles(tmp_path, DLT_COMPILE_AHEAD="1", DLT_COMPILE_AHEAD_ANY_LOAD="1")
    assert out["can_fork"]
    # the child compiled ``other`` into the cache: here it is only loaded
    assert out["compiled_for_other"] == []
    # and the child's calls changed nothing in this process: w was updated
    # once, by ``first``, and ``other`` saw that value (NumPy's arithmetic)
    import numpy

    w = numpy.arange(3.0) + 1
    assert out["w"] == w.tolist()
    assert out["other"] == (numpy.exp(numpy.ones(3)) - w).tolist()


def test_without_compiling_ahead_the_function_compiles_here(tmp_path):
    out = _run_child_compiles(tmp_path, DLT_COMPILE_AHEAD="0")
    assert not out["can_fork"]
    assert "numba_funcified_fgraph" in out["compiled_for_other"]


def test_a_core_counts_as_busy_by_the_tasks_running_now_not_the_load_average():
    """``/proc/loadavg``'s fourth field is ``running/total`` at this moment
    (proc(5)); the count includes the reading process itself, and a task that
    only passes between looks does not count."""
    from deeplearning_tutorials.machinery import compile_ahead

    looks = iter(["1.90 1.50 1.20 1/180 4242", "0.10 0.1 0.1 3/181 4243", "1.9 1.5 1.2 2/180 4244"])
    assert compile_ahead.others_running(read=lambda: next(looks)) == 0
    assert compile_ahead.others_running(read=lambda: "0.00 0.00 0.00 3/200 1", looks=2) == 2
    # unreadable: the one-minute load average stands in, never below zero
    assert compile_ahead.others_running(read=lambda: "") >= 0
