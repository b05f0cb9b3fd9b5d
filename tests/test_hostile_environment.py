"""Hostile environments: each ends in one line on stderr and exit status 2
within seconds, never in a traceback or a hang; SIGTERM always ends a run.

Part of the adversarial battery (doc/usage.md, "Reliability"). Each case was
seen to end in a traceback from inside Numba or PyTensor, or to hang, before
deeplearning_tutorials/machinery/environment.py checked for it.
"""

import os
import resource
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import REPO, make_splits, write_pickle_gz

PROG = "deeplearning_tutorials.logistic_sgd"
# a hang is a failure: no case may take this long (they take seconds)
HANG = 120


def start(tmp_path, env=None, shell_suffix="", limit=None):
    """Run logistic_sgd for one epoch on a small file; (status, stderr)."""
    data = write_pickle_gz(tmp_path / "d.pkl.gz", make_splits())
    full_env = {k: v for k, v in os.environ.items() if k != "PYTENSOR_FLAGS"}
    full_env.update(env or {})
    command = (
        f"'{sys.executable}' -m {PROG} --dataset '{data}' --n-epochs 1 "
        f"--batch-size 10 --model-path '{tmp_path / 'm.npz'}' {shell_suffix}"
    )

    def set_limit():
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    proc = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=REPO,
        timeout=HANG,
        preexec_fn=set_limit,
    )
    return proc.returncode, proc.stderr


@pytest.mark.parametrize(
    "env, words",
    [
        ({"PYTENSOR_FLAGS": "base_compiledir=/proc/dlt"}, "compile cache folder /proc/dlt"),
        ({"HOME": "/proc"}, "compile cache folder /proc/.pytensor"),
        ({"NUMBA_NUM_THREADS": "0"}, "NUMBA_NUM_THREADS='0'"),
        ({"NUMBA_NUM_THREADS": "two"}, "NUMBA_NUM_THREADS='two'"),
    ],
)
def test_a_hostile_environment_is_one_line_and_status_2(tmp_path, env, words):
    status, err = start(tmp_path, env)
    assert status == 2, err
    [line] = err.strip().splitlines()
    assert line.startswith(f"{PROG}: error: ") and words in line


def test_a_closed_standard_output_is_refused_before_any_work(tmp_path):
    status, err = start(tmp_path, shell_suffix=">&-")
    assert status == 2, err
    [line] = err.strip().splitlines()
    assert "standard output is closed" in line
    assert not (tmp_path / "m.npz").exists()


def test_a_memory_limit_too_low_for_the_backend_is_said_not_hung(tmp_path):
    """Under ``ulimit -v`` of 400 MB, SciPy's OpenBLAS spun for ever in its
    import and ignored SIGTERM."""
    status, err = start(tmp_path, limit=400 * 2**20)
    assert status == 2, err
    [line] = err.strip().splitlines()
    assert "memory limit (ulimit -v) of 400 MiB is too low" in line


# A main thread held in C code that never returns to the interpreter (as
# OpenBLAS spinning on a failed allocation was): a C function that loops for
# ever, compiled here and called through ctypes.
SPIN_C = "void spin(void) { for (;;) { __asm__ volatile(\"\"); } }\n"
STUCK = """
import ctypes, sys
from deeplearning_tutorials.machinery import errors
errors.stop_signals_from_the_start("stuck")
spin = ctypes.CDLL(sys.argv[1]).spin
print("stuck", flush=True)
spin()
"""


def test_sigterm_ends_a_program_held_in_c_code(tmp_path):
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build the spinning function")
    (tmp_path / "spin.c").write_text(SPIN_C)
    library = tmp_path / "libspin.so"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O0", "-o", library, tmp_path / "spin.c"],
        check=True,
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", STUCK, library],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout.readline() == "stuck\n"
    time.sleep(0.5)  # inside spin() by now
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=HANG)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert err.strip().splitlines() == ["stuck: interrupted by SIGTERM"]
