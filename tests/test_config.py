"""floatX, mode and fast-math: defaults and PYTENSOR_FLAGS precedence."""

import os
import subprocess
import sys

import pytest

SHOW = (
    "import deeplearning_tutorials, pytensor; from deeplearning_tutorials import config; "
    "print(pytensor.config.floatX, pytensor.config.mode, pytensor.config.numba__fastmath)"
)


def show(flags=None, code=SHOW):
    env = dict(os.environ)
    env.pop("PYTENSOR_FLAGS", None)
    if flags is not None:
        env["PYTENSOR_FLAGS"] = flags
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()


def test_project_defaults():
    assert show() == ["float32", "NUMBA", "False"]


def test_pytensor_flags_take_precedence_over_the_defaults():
    assert show("floatX=float64,mode=CVM,numba__fastmath=True") == [
        "float64",
        "CVM",
        "True",
    ]


def test_explicit_arguments_take_precedence_over_pytensor_flags():
    code = SHOW.replace("print(", "config.configure('float32', 'NUMBA'); print(")
    assert show("floatX=float64", code) == ["float32", "NUMBA", "False"]


@pytest.mark.parametrize("bad", [{"floatX": "float16"}, {"mode": "GPU"}])
def test_configure_rejects_unknown_values(bad):
    from deeplearning_tutorials import config

    with pytest.raises(config.ConfigurationError):
        config.configure(**bad)
