"""floatX, mode and fast-math: defaults and PYTENSOR_FLAGS precedence."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

SHOW = (
    "import deeplearning_tutorials, pytensor; from deeplearning_tutorials.machinery import config; "
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
    from deeplearning_tutorials.machinery import config

    with pytest.raises(config.ConfigurationError):
        config.configure(**bad)


def test_a_preferred_backend_fills_in_only_what_the_user_left_unset():
    code = SHOW.replace("print(", "config.configure(default_mode='CVM'); print(")
    assert show(None, code)[1] == "CVM"
    assert show("mode=NUMBA", code)[1] == "NUMBA"
    explicit = SHOW.replace(
        "print(", "config.configure(mode='NUMBA', default_mode='CVM'); print("
    )
    assert show(None, explicit)[1] == "NUMBA"


def no_blas(monkeypatch):
    """Make this process find no BLAS: neither the wheel nor the system's."""
    from deeplearning_tutorials.machinery import blas, config

    def missing():
        raise blas.NoBlas("the cmeel-openblas package is not installed")

    monkeypatch.setattr(blas, "ldflags", missing)
    monkeypatch.delenv("PYTENSOR_FLAGS", raising=False)
    monkeypatch.setattr(config, "_said", set())
    return config


def test_a_preferred_cvm_falls_back_to_numba_without_a_blas(monkeypatch, capsys):
    config = no_blas(monkeypatch)  # the settings are restored by conftest
    assert config.configure(default_mode="CVM")[1] == "NUMBA"
    assert config.configure(default_mode="CVM")[1] == "NUMBA"
    err = capsys.readouterr().err
    assert err.count("note: ran on NUMBA instead of the faster CVM") == 1
    assert "cmeel-openblas package is not installed" in err


def test_cvm_asked_for_without_a_blas_is_an_error(monkeypatch):
    config = no_blas(monkeypatch)
    with pytest.raises(config.ConfigurationError, match="needs a BLAS library"):
        config.configure(mode="CVM")


def test_a_fallback_note_waits_for_the_end_of_a_run_and_never_precedes_an_error(
    monkeypatch, capsys
):
    config = no_blas(monkeypatch)  # the settings are restored by conftest
    with pytest.raises(ValueError):
        with config.notes_after_run():
            config.configure(default_mode="CVM")
            raise ValueError("a bad flag")
    assert capsys.readouterr().err == ""
    with config.notes_after_run():
        config.configure(default_mode="CVM")
        assert capsys.readouterr().err == ""  # not while the run goes on
    assert capsys.readouterr().err.count("note: ran on NUMBA") == 1


def test_the_help_of_a_cvm_tutorial_names_its_default_backend():
    help_text = subprocess.run(
        [sys.executable, "-m", "deeplearning_tutorials.rbm", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "else CVM, or NUMBA where no BLAS is found" in " ".join(help_text.split())


requires_jax = pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="jax (the gpu extra) is not installed"
)

JAX_PRECISION = (
    "import deeplearning_tutorials, jax; from deeplearning_tutorials.machinery import config; "
    "{setup}; print(jax.config.jax_default_matmul_precision)"
)


@requires_jax
@pytest.mark.parametrize(
    "flags, setup",
    [(None, "config.configure(mode='JAX')"), ("mode=JAX", "pass")],
)
def test_jax_keeps_float32_products_in_float32(flags, setup):
    # GPUs would otherwise be free to compute float32 products in TF32
    assert show(flags, JAX_PRECISION.format(setup=setup)) == ["highest"]


@requires_jax
def test_an_explicit_jax_precision_is_left_alone(monkeypatch):
    monkeypatch.setenv("JAX_DEFAULT_MATMUL_PRECISION", "tensorfloat32")
    code = JAX_PRECISION.format(setup="config.configure(mode='JAX')")
    assert show(None, code) == ["tensorfloat32"]


@requires_jax
@pytest.mark.parametrize(
    "user_flags, expected",
    [
        (None, "--xla_gpu_deterministic_ops=true"),
        ("--xla_dump_to=/tmp/x", "--xla_dump_to=/tmp/x --xla_gpu_deterministic_ops=true"),
        ("--xla_gpu_deterministic_ops=false", "--xla_gpu_deterministic_ops=false"),
    ],
)
def test_jax_gpu_runs_are_made_repeatable(user_flags, expected, monkeypatch):
    # without it, two LeNet runs on the same GPU ended at different iterations
    if user_flags is None:
        monkeypatch.delenv("XLA_FLAGS", raising=False)
    else:
        monkeypatch.setenv("XLA_FLAGS", user_flags)
    code = (
        "import os; from deeplearning_tutorials.machinery import config; "
        "config.configure(mode='JAX'); print(os.environ['XLA_FLAGS'])"
    )
    assert " ".join(show(None, code)) == expected


BLAS_THREADS = """
import numpy, pytensor, pytensor.tensor as pt, threadpoolctl
from deeplearning_tutorials.machinery import config
config.configure(mode="CVM")
config.limit_blas_threads({n})
x = pt.matrix("x")
f = pytensor.function([x], pt.dot(x, x))  # C code that links the BLAS
f(numpy.ones((3, 3), "float32"))
threads = {{lib["filepath"]: lib["num_threads"] for lib in threadpoolctl.threadpool_info()}}
paths = {{line.split()[-1] for line in open("/proc/self/maps")}}
# every BLAS library in memory, the C module's included (not scipy's wrappers)
loaded = {{p for p in paths if p.rsplit("/", 1)[-1].startswith("lib") and "blas" in p}}
for path in sorted(loaded):
    print(threads.get(path, "missing"))
"""


# each limit differs from what the libraries start with: one thread per core
# (OpenBLAS's default), or one thread (OPENBLAS_NUM_THREADS=1) for a limit of 2
@pytest.mark.parametrize("n, start", [(1, None), (2, "1")])
def test_blas_threads_are_limited_in_every_blas_cvm_code_uses(n, start, monkeypatch):
    if n == 2 and (os.cpu_count() or 1) < 2:
        pytest.skip("OpenBLAS caps its threads at the number of cores")
    if start is None:
        monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", start)
    counts = show(None, BLAS_THREADS.format(n=n))
    assert counts and counts == [str(n)] * len(counts)


def test_the_blas_thread_limit_follows_flag_then_environment_then_default(
    monkeypatch,
):
    from argparse import Namespace

    from deeplearning_tutorials.machinery import cli

    def threads(flag, default):
        return cli._blas_threads(
            Namespace(blas_threads=flag, default_blas_threads=default)
        )

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert threads(None, 1) == 1 and threads(None, None) is None
    assert threads(2, 1) == 2
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    assert threads(None, 1) is None  # the environment decides
    assert threads(3, 1) == 3


def test_the_c_compiler_gets_no_debug_information_unless_the_user_says(tmp_path):
    code = "import deeplearning_tutorials, pytensor; print(repr(pytensor.config.gcc__cxxflags))"
    assert show(code=code) == ["'-g0'"]
    # the user's flags, from PYTENSOR_FLAGS or a .pytensorrc, are left alone
    assert show("gcc__cxxflags=-O2", code=code) == ["'-O2'"]
    rc = tmp_path / "pytensorrc"
    rc.write_text("[gcc]\ncxxflags = -O1\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTENSOR_FLAGS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**env, "PYTENSORRC": str(rc)}).stdout.split()
    assert out == ["'-O1'"]


# A training step of a one-hidden-layer net under the C backend, compiled on an
# empty compile directory; prints the cost and the weights after three steps,
# and for each compiled C module whether it carries debug information (an ELF
# ".debug_info" section, named in the file's section-name table) and its
# machine code (the .text section's bytes, hashed). Every g++ command that
# compiles a module gets -H, which lists the headers it reads, a precompiled
# one marked "!": the step records, per module, whether g++ read a
# precompiled header and how many of Python's and NumPy's headers it read as
# text, beyond the ones the module names (their include guards stop a second
# reading at once; Python.h alone includes dozens of others).
C_STEP = """
import hashlib, json, pathlib, subprocess, sys, sysconfig
import numpy, deeplearning_tutorials, pytensor, pytensor.tensor as pt
from pytensor.link.c import cmodule
from deeplearning_tutorials.machinery import config
read = {}
api = (sysconfig.get_paths()["include"], numpy.get_include())
popen = cmodule.output_subprocess_Popen
def listing(command):
    if "-o" not in command:
        return popen(command)
    out = popen([*command, "-H"])
    lines = out[1].decode().splitlines()
    read[pathlib.Path(command[command.index("-o") + 1]).name] = {
        "precompiled": any(l.startswith("! ") and l.endswith(".gch") for l in lines),
        "Python's and NumPy's headers read": sum(l.startswith("..") and l.split()[1].startswith(api)
                                                  for l in lines)}
    return (out[0], b"", out[2])
cmodule.output_subprocess_Popen = listing
config.configure(floatX="float64", mode="CVM")
rng = numpy.random.RandomState(1234)
x = pytensor.shared(rng.uniform(-1, 1, (20, 30)))
y = pytensor.shared(rng.randint(0, 4, 20).astype("int32"))
W1 = pytensor.shared(rng.uniform(-0.3, 0.3, (30, 16)))
W2 = pytensor.shared(numpy.zeros((16, 4)))
p = pt.special.softmax(pt.dot(pt.tanh(pt.dot(x, W1)), W2), axis=-1)
cost = -pt.mean(pt.log(p)[pt.arange(20), y])
step = pytensor.function([], cost, updates=[(w, w - 0.1 * pytensor.grad(cost, w)) for w in (W1, W2)])
costs = [float(step()) for _ in range(3)]
modules = sorted(pathlib.Path(sys.argv[1]).rglob("m*.so"), key=lambda m: m.name)
def text(module):
    dump = subprocess.run(["objdump", "-s", "-j", ".text", str(module)], capture_output=True, text=True)
    return hashlib.sha256(dump.stdout.split(":", 1)[-1].encode()).hexdigest()
print(json.dumps({"costs": costs, "W1": W1.get_value().tolist(), "read": read,
                  "modules": {m.name: {"debug": b".debug_info" in m.read_bytes(), "text": text(m)}
                              for m in modules}}))
"""


def _c_step(compiledir, cxxflags=None, env=()):
    flags = f"base_compiledir={compiledir}" + (f",gcc__cxxflags={cxxflags}" if cxxflags else "")
    env = {**os.environ, "PYTENSOR_FLAGS": flags, **dict(env)}
    proc = subprocess.run([sys.executable, "-c", C_STEP, str(compiledir)], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_c_modules_without_debug_information_from_the_precompiled_header_are_the_same_code(tmp_path):
    """The project's C compile (no debug information, PyTensor's first six
    headers precompiled: machinery/precompiled_headers.py) against PyTensor's
    own: ``-g`` and every header read as text (the flags given explicitly,
    ``DLT_C_PCH=0``). Reference: the ELF files GCC wrote, the headers GCC
    says it read (``-H``), and the step's numbers."""
    # folders whose names are as long: a module's strings hold its source's
    # path (__FILE__), and a longer path moves the constants its code points at
    ours = _c_step(tmp_path / "ours")
    plain = _c_step(tmp_path / "bare", cxxflags="-g", env={"DLT_C_PCH": "0"})
    assert len(ours["modules"]) > 5 and ours["modules"].keys() == plain["modules"].keys()
    assert not any(m["debug"] for m in ours["modules"].values())
    assert all(m["debug"] for m in plain["modules"].values())
    # the same machine code, module by module, and the same numbers
    assert {n: m["text"] for n, m in ours["modules"].items()} == {n: m["text"] for n, m in plain["modules"].items()}
    assert ours["costs"] == plain["costs"]
    assert ours["W1"] == plain["W1"]  # floats printed to the last bit (repr)
    assert ours["costs"][-1] < ours["costs"][0]
    # g++ read the precompiled header for every module, and none of the
    # headers that Python's and NumPy's include as text
    for name in ours["modules"]:
        assert ours["read"][name] == {"precompiled": True, "Python's and NumPy's headers read": 0}, name
        assert not plain["read"][name]["precompiled"], name
        assert plain["read"][name]["Python's and NumPy's headers read"] > 50, name
