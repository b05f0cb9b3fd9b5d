"""Hybrid Monte Carlo: the Hamiltonian's gradient, the leapfrog integrator,
the accept test and the adaptive updates, the original's test on a Gaussian,
the replay of the original run in both precisions, and the command line.

The references, test by test: finite differences (``verify_grad``) for the
gradient of the Hamiltonian; an independent NumPy leapfrog integrator (the
three updates of Neal 1993, eq. 5.18-5.20, repeated) on a quadratic energy;
the formulas of the original ``code/hmc/hmc.py`` for the accept test and the
updates; the assertions of the original ``code/hmc/test_hmc.py``; and what
the original printed and ended with under Theano 1.0.5
(tests/oracle/hmc_float64.stdout, hmc_float32.stdout and the full-precision
hmc_*_values.json, made by tests/oracle/run_original_hmc_cA.sh through
original_hmc_driver.py).
"""

import contextlib
import inspect
import io
import json
import re

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import REPO, run_module

from deeplearning_tutorials import hmc
from deeplearning_tutorials.rng_mrg import MRG_RandomStreams

ORACLE = REPO / "tests" / "oracle"


def oracle_values(floatX):
    return json.loads((ORACLE / f"hmc_{floatX}_values.json").read_text())


@pytest.fixture
def float64():
    """Compile in float64 (the autouse fixture of conftest.py restores floatX)."""
    pytensor.config.floatX = "float64"


def quadratic(rng, dim):
    """A Gaussian's energy ``0.5 (x - mu)' A (x - mu)``, A symmetric positive
    definite, as a symbolic function and its NumPy gradient."""
    mu = rng.randn(dim)
    B = rng.randn(dim, dim)
    A = B @ B.T + dim * numpy.eye(dim)

    def energy(x):
        return 0.5 * (pt.dot(x - mu, A) * (x - mu)).sum(axis=1)

    def gradient(x):
        return (x - mu) @ A

    return energy, gradient


# -- the model ---------------------------------------------------------------


def test_kinetic_energy_and_hamiltonian_follow_their_formulas(float64):
    """``K(v) = 0.5 sum_i v_i ** 2`` and ``H(s, v) = E(s) + K(v)``, row by row
    (the chapter's definition, with a mass of 1)."""
    rng = numpy.random.RandomState(0)
    energy, _ = quadratic(rng, 4)
    s, v = pt.matrix("s"), pt.matrix("v")
    outputs = [hmc.kinetic_energy(v), hmc.hamiltonian(s, v, energy)]
    f = pytensor.function([s, v], outputs)
    xs, vs = rng.randn(3, 4), rng.randn(3, 4)
    K, H = f(xs, vs)
    E = pytensor.function([s], energy(s))(xs)
    numpy.testing.assert_allclose(K, 0.5 * (vs**2).sum(axis=1), rtol=1e-14)
    numpy.testing.assert_allclose(H, E + K, rtol=1e-14)


@pytest.mark.parametrize("energy_kind", ["gaussian", "quartic"])
def test_gradient_of_the_hamiltonian_with_respect_to_the_position(float64, energy_kind):
    """``verify_grad`` (finite differences) of the summed Hamiltonian as a
    function of the positions: what the leapfrog steps follow. A Gaussian
    energy and a non-quadratic one (a quartic well with a coupling term)."""
    rng = numpy.random.RandomState(3)
    vel = rng.randn(3, 4)
    if energy_kind == "gaussian":
        energy, _ = quadratic(rng, 4)
    else:
        W = rng.randn(4, 4)

        def energy(x):
            return (x**4).sum(axis=1) + (pt.tanh(pt.dot(x, W)) * x).sum(axis=1)

    def summed_hamiltonian(pos):
        return hmc.hamiltonian(pos, pt.constant(vel), energy).sum()

    pytensor.gradient.verify_grad(
        summed_hamiltonian, [rng.randn(3, 4)], rng=rng, abs_tol=1e-6, rel_tol=1e-6
    )


def numpy_leapfrog(pos, vel, stepsize, n_steps, gradient):
    """Neal's leapfrog, written independently of the module: ``n_steps``
    times a half step of the velocity, a full step of the position and a
    half step of the velocity."""
    for _ in range(n_steps):
        vel = vel - 0.5 * stepsize * gradient(pos)
        pos = pos + stepsize * vel
        vel = vel - 0.5 * stepsize * gradient(pos)
    return pos, vel


@pytest.mark.parametrize("n_steps", [2, 7, 20])
def test_simulate_dynamics_is_the_leapfrog_integrator(float64, n_steps):
    """``simulate_dynamics`` (the fused form: one half step, ``n_steps - 1``
    full steps in a ``scan``, a last half step) against the NumPy leapfrog
    on a quadratic energy; and what a leapfrog integrator must do: nearly
    keep the Hamiltonian, and come back to the start when run again from the
    end with the velocity reversed. (``n_steps`` >= 2: the fused form takes
    the last output of a ``scan`` of ``n_steps - 1`` steps, in the original
    as here.)"""
    rng = numpy.random.RandomState(7)
    energy, gradient = quadratic(rng, 5)
    stepsize = pytensor.shared(0.05, name="stepsize")
    s, v = pt.matrix("s"), pt.matrix("v")
    final_pos, final_vel = hmc.simulate_dynamics(s, v, stepsize, n_steps, energy)
    simulate = pytensor.function([s, v], [final_pos, final_vel])
    H = pytensor.function([s, v], hmc.hamiltonian(s, v, energy))
    pos0, vel0 = rng.randn(3, 5), rng.randn(3, 5)

    pos, vel = simulate(pos0, vel0)
    expected_pos, expected_vel = numpy_leapfrog(pos0, vel0, 0.05, n_steps, gradient)
    numpy.testing.assert_allclose(pos, expected_pos, rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(vel, expected_vel, rtol=1e-12, atol=1e-12)
    back_pos, back_vel = simulate(pos, -vel)
    numpy.testing.assert_allclose(back_pos, pos0, atol=1e-11)
    numpy.testing.assert_allclose(-back_vel, vel0, atol=1e-11)
    stepsize.set_value(0.01)
    assert numpy.abs(H(*simulate(pos0, vel0)) - H(pos0, vel0)).max() < 0.05


class FixedUniforms:
    """Stands for the random streams of ``metropolis_hastings_accept``: its
    ``uniform`` returns given numbers."""

    def __init__(self, values):
        self.values = values

    def uniform(self, size):
        return pt.constant(self.values)


def test_metropolis_hastings_accepts_with_probability_min_1_exp_minus_delta_h(float64):
    """The original's rule: accept where ``exp(E_prev - E_next) - u >= 0``:
    always when the energy goes down, with probability ``exp(-dH)`` when it
    goes up."""
    prev = numpy.array([1.0, 1.0, 1.0, 1.0, 5.0, 5.0])
    nxt = numpy.array([0.5, 2.0, 2.0, 1.0, 5.0 + numpy.log(2.0), 5.0 + numpy.log(2.0)])
    u = numpy.array([0.999, 0.3, 0.4, 0.999999, 0.49, 0.51])
    accept = hmc.metropolis_hastings_accept(
        pt.constant(prev), pt.constant(nxt), FixedUniforms(u)
    ).eval()
    # exp(-1) = 0.368: accepted with u = 0.3, not with 0.4; exp(-log 2) = 0.5
    assert accept.tolist() == [True, True, False, True, True, False]
    assert accept.tolist() == (numpy.exp(prev - nxt) - u >= 0).tolist()


def test_hmc_updates_follow_the_original_formulas():
    """Positions move where the proposal is accepted; the step size grows by
    ``stepsize_inc`` when the average acceptance rate is above the target,
    shrinks by ``stepsize_dec`` otherwise, within its bounds; the average is
    ``slowness * avg + (1 - slowness) * mean(accept)``."""
    fx = pytensor.config.floatX
    positions = pytensor.shared(numpy.zeros((3, 2), dtype=fx))
    stepsize = hmc.sharedX(0.1, "stepsize")
    avg = hmc.sharedX(0.95, "avg")
    final_pos, accept = pt.matrix("final_pos"), pt.vector("accept", dtype="bool")
    updates = hmc.hmc_updates(
        positions,
        stepsize,
        avg,
        final_pos=final_pos,
        accept=accept,
        target_acceptance_rate=0.9,
        stepsize_inc=1.02,
        stepsize_dec=0.98,
        stepsize_min=0.001,
        stepsize_max=0.103,
        avg_acceptance_slowness=0.9,
    )
    assert [shared for shared, _ in updates] == [positions, stepsize, avg]
    step = pytensor.function([final_pos, accept], [], updates=updates)
    proposal = numpy.arange(6, dtype=fx).reshape(3, 2) + 1
    step(proposal, numpy.array([True, False, True]))
    numpy.testing.assert_array_equal(positions.get_value(), [[1, 2], [0, 0], [5, 6]])
    # the average was 0.95 > 0.9: the step size grows
    assert stepsize.get_value() == pytest.approx(0.102, rel=1e-6)
    assert avg.get_value() == pytest.approx(0.9 * 0.95 + 0.1 * 2 / 3, rel=1e-6)
    step(proposal, numpy.array([False, False, False]))  # 0.922 > 0.9: grows, clipped
    assert stepsize.get_value() == pytest.approx(0.103, rel=1e-6)
    assert avg.get_value() == pytest.approx(0.9 * (0.855 + 0.2 / 3), rel=1e-6)
    step(proposal, numpy.array([False, False, False]))  # 0.83 < 0.9: shrinks
    assert stepsize.get_value() == pytest.approx(0.103 * 0.98, rel=1e-6)


def test_the_sampler_has_the_original_defaults():
    """code/hmc/hmc.py's ``new_from_shared_positions`` keyword arguments,
    the hyper-parameters of Ranzato's train_mcRBM.py."""
    signature = inspect.signature(hmc.HMC_sampler.new_from_shared_positions)
    parameters = signature.parameters
    defaults = {
        name: p.default for name, p in parameters.items() if p.default is not p.empty
    }
    assert defaults == {
        "initial_stepsize": 0.01,
        "target_acceptance_rate": 0.9,
        "n_steps": 20,
        "stepsize_dec": 0.98,
        "stepsize_min": 0.001,
        "stepsize_max": 0.25,
        "stepsize_inc": 1.02,
        "avg_acceptance_slowness": 0.9,
        "seed": 12345,
    }


def test_a_move_draws_the_velocity_then_the_accept_uniforms(float64):
    """The order of the draws makes the original's numbers: the normal
    velocities take the first streams of ``MRG_RandomStreams(seed)``, the
    accept test's uniforms the next (both of symbolic size, 15,360 streams
    each, as in Theano); and a ``draw`` advances both."""
    positions = pytensor.shared(numpy.zeros((3, 5)))
    sampler = hmc.HMC_sampler.new_from_shared_positions(
        positions, lambda x: 0.5 * (x**2).sum(axis=1), seed=4321
    )
    reference = MRG_RandomStreams(4321)
    reference.normal(size=pt.matrix().shape)
    reference.uniform(size=pt.vector().shape)
    ours = [state.get_value() for state, *_ in sampler.s_rng.state_updates]
    theirs = [state.get_value() for state, *_ in reference.state_updates]
    assert len(ours) == len(theirs) == 2
    for mine, expected in zip(ours, theirs):
        numpy.testing.assert_array_equal(mine, expected)
    sampler.draw()
    for state, before in zip(sampler.s_rng.state_updates, ours):
        assert not numpy.array_equal(state[0].get_value(), before)


# -- the original's test, and the replay of its run --------------------------


class RecordingSampler(hmc.HMC_sampler):
    """As tests/oracle/original_hmc_driver.py: records what each ``draw``
    returns, and the step size and acceptance rate after it."""

    def draw(self, **kwargs):
        position = hmc.HMC_sampler.draw(self, **kwargs)
        self.__dict__.setdefault("trace", []).append(
            (
                position.copy(),
                self.stepsize.get_value().item(),
                self.avg_acceptance_rate.get_value().item(),
            )
        )
        return position


def original_run(floatX):
    """The original's ``test_hmc()`` (5-D Gaussian, 1000 + 1000 draws), in
    this process, with NUMBA (fast-math off, as the package sets it)."""
    flags = dict(floatX=floatX, mode="NUMBA", numba__fastmath=False)
    out = io.StringIO()
    with pytensor.config.change_flags(**flags), contextlib.redirect_stdout(out):
        sampler = hmc.sampler_on_nd_gaussian(
            RecordingSampler.new_from_shared_positions,
            burnin=1000,
            n_samples=1000,
            dim=5,
        )
    return sampler, out.getvalue()


@pytest.fixture(scope="module")
def run64():
    return original_run("float64")


@pytest.fixture(scope="module")
def run32():
    return original_run("float32")


@pytest.mark.parametrize("run", ["run64", "run32"])
def test_the_original_assertions_on_the_gaussian(run, request):
    """code/hmc/test_hmc.py's ``test_hmc``: the average acceptance rate
    within 0.1 of the target, the step size within its bounds; and (this
    project's addition) the empirical moments of the 3000 kept, correlated
    draws within 0.15 of the target's."""
    sampler, _ = request.getfixturevalue(run)
    acceptance = sampler.avg_acceptance_rate.get_value()
    assert abs(acceptance - sampler.target_acceptance_rate) < 0.1
    assert sampler.stepsize.get_value() >= sampler.stepsize_min
    assert sampler.stepsize.get_value() <= sampler.stepsize_max
    mean, cov = sampler.samples.mean(axis=0), numpy.cov(sampler.samples.T)
    numpy.testing.assert_allclose(mean, sampler.target_mean, atol=0.15)
    numpy.testing.assert_allclose(cov, sampler.target_cov, atol=0.15)


@pytest.mark.parametrize("floatX", ["float64", "float32"])
def test_the_run_replays_the_originals_step_sizes_and_acceptance_rates(floatX, request):
    """hmc_<floatX>_values.json: after draws 1, 2, 10, 100, 1000, 1500 and
    2000, the step size and the average acceptance rate are the original's,
    bit for bit: every accept decision of the 2000 moves is the original's
    (the step size's path depends on each). The positions agree to rounding:
    float64 to 1e-13; float32 to 1e-5, where Theano fused the velocity
    update into BLAS gemm calls and g++ contracted its products and sums
    into fused multiply-adds, which Numba (fast-math off) does not."""
    sampler, _ = request.getfixturevalue("run64" if floatX == "float64" else "run32")
    oracle = oracle_values(floatX)
    trace = sampler.trace
    assert len(trace) == 2000
    atol = 1e-13 if floatX == "float64" else 1e-5
    for checkpoint in oracle["checkpoints"]:
        position, stepsize, acceptance = trace[checkpoint["draw"] - 1]
        assert stepsize == checkpoint["stepsize"], checkpoint["draw"]
        assert acceptance == checkpoint["avg_acceptance_rate"], checkpoint["draw"]
        numpy.testing.assert_allclose(
            position, checkpoint["position"], atol=atol
        )
    stepsize = sampler.stepsize.get_value()
    acceptance = sampler.avg_acceptance_rate.get_value()
    assert stepsize.item() == oracle["final_stepsize"]
    assert acceptance.item() == oracle["final_avg_acceptance_rate"]
    # as print() writes them (0-d arrays of floatX)
    assert str(stepsize) == oracle["final_stepsize_repr"]
    assert str(acceptance) == oracle["final_avg_acceptance_rate_repr"]
    assert stepsize.dtype == oracle["final_stepsize_dtype"]


def test_the_float64_run_prints_the_originals_lines(run64):
    """hmc_float64.stdout: every line, every digit."""
    _, printed = run64
    assert printed == (ORACLE / "hmc_float64.stdout").read_text()


def test_the_float32_run_prints_the_originals_lines_but_the_moments_last_digits(run32):
    """hmc_float32.stdout: the target, the final step size and acceptance
    rate to every digit; the empirical mean and covariance to 1e-6 relative
    (their last float32 digits differ: see the replay test above)."""
    _, printed = run32
    original = (ORACLE / "hmc_float32.stdout").read_text()
    ours, theirs = printed.splitlines(), original.splitlines()
    assert len(ours) == len(theirs) == 19
    moments = range(9, 16)  # "empirical mean:" to the last row of empirical_cov
    assert [line for i, line in enumerate(ours) if i not in moments] == [
        line for i, line in enumerate(theirs) if i not in moments
    ]
    numpy.testing.assert_allclose(
        _numbers(ours, moments), _numbers(theirs, moments), rtol=1e-6
    )


def _numbers(lines, indices):
    number = re.compile(r"-?\d+\.\d*(?:e-?\d+)?")
    return [float(x) for i in indices for x in number.findall(lines[i])]


# -- the command line ----------------------------------------------------------


def test_the_command_prints_the_originals_lines_and_writes_its_record(tmp_path):
    """``python -m deeplearning_tutorials.hmc --floatX float64`` prints
    hmc_float64.stdout; its record holds the final state at full precision."""
    record = tmp_path / "hmc.json"
    proc = run_module("hmc", "--floatX", "float64", "--results-json", record)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (ORACLE / "hmc_float64.stdout").read_text()
    values = json.loads(record.read_text())
    oracle = oracle_values("float64")
    assert values["model"] == "hmc" and values["floatX"] == "float64"
    assert values["final_stepsize"] == oracle["final_stepsize"]
    assert values["final_acceptance_rate"] == oracle["final_avg_acceptance_rate"]
    for moment in ("empirical_mean", "empirical_cov"):
        numpy.testing.assert_allclose(values[moment], oracle[moment], rtol=1e-12)
    numpy.testing.assert_array_equal(values["target_cov"], oracle["target_cov"])
    assert values["checks_pass"] == [True, True, True]
    assert (values["burnin"], values["n_samples"], values["dim"]) == (1000, 1000, 5)
    assert values["seconds"] > 0 and values["compile_seconds"] > 0


def test_help_explains_every_flag():
    proc = run_module("hmc", "--help")
    assert proc.returncode == 0
    flags = ["--burnin", "--n-samples", "--dim"]
    common = ["--floatX", "--mode", "--blas-threads", "--results-json"]
    for flag in flags + common:
        assert flag in proc.stdout
    assert "default: 1000" in proc.stdout
    assert "--dataset" in proc.stdout and "reads no data" in proc.stdout


@pytest.mark.parametrize(
    "args, words",
    [
        (["--dim", "0"], ["--dim", "positive integer"]),
        (["--burnin", "-1"], ["--burnin"]),
        (["--n-samples", "many"], ["--n-samples", "'many'"]),
        (["--floatX", "float16"], ["--floatX"]),
        (["--dataset", "mnist.pkl.gz"], ["--dataset", "does not apply", "no data"]),
        (["--cv-folds", "3"], ["--cv-folds", "does not apply"]),
        (["--checkpoint-dir", "x"], ["--checkpoint-dir", "does not apply"]),
        (["--resume"], ["--resume", "does not apply"]),
    ],
)
def test_bad_input_gives_one_line_and_status_2(args, words):
    proc = run_module("hmc", *args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0]


def test_a_short_run_with_other_sizes(tmp_path):
    """The flags reach the driver: 10 + 5 draws of a 2-D Gaussian."""
    record = tmp_path / "r.json"
    sizes = ["--burnin", "10", "--n-samples", "5", "--dim", "2"]
    proc = run_module("hmc", *sizes, "--results-json", record)
    assert proc.returncode == 0, proc.stderr
    assert "target mean:" in proc.stdout and "final acceptance_rate" in proc.stdout
    values = json.loads(record.read_text())
    assert (values["burnin"], values["n_samples"], values["dim"]) == (10, 5, 2)
    assert len(values["empirical_mean"]) == 2


# -- the chapter's snippets ----------------------------------------------------

# the original code/hmc/hmc.py's markers, in its order (7 comes before 6), and a
# statement each snippet holds
SNIPPETS = {
    1: "def hmc_move(s_rng, positions, energy_fn, stepsize, n_steps):",
    2: "initial_vel = s_rng.normal(size=positions.shape)",
    3: "final_pos, final_vel = simulate_dynamics(",
    4: "accept = metropolis_hastings_accept(",
    5: "new_positions = pt.switch(accept_matrix, final_pos, positions)",
    7: "new_stepsize = pt.clip(_new_stepsize, stepsize_min, stepsize_max)",
    6: "new_acceptance_rate = pt.add(",
    8: "return [",
}


def test_the_original_snippet_markers_around_the_same_code():
    source = (REPO / "deeplearning_tutorials" / "hmc.py").read_text()
    markers = re.findall(r"(start|end)-snippet-(\d+)", source)
    assert markers == [(side, str(n)) for n in SNIPPETS for side in ("start", "end")]
    for n, statement in SNIPPETS.items():
        code = source.split(f"start-snippet-{n}\n", 1)[1].split(f"# end-snippet-{n}")[0]
        assert statement in code, n
