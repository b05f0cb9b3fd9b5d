"""Figures of the Hybrid Monte-Carlo chapter (doc/hmc.md).

* ``hmc_leapfrog_schedule``: the leapfrog integrator's staggered times, the
  positions at whole steps and the velocities at half steps, and which part
  of ``simulate_dynamics`` computes each update;
* ``hmc_trajectory``: two proposals of 20 leapfrog steps on a correlated
  2-D Gaussian, a small step and a step near the integrator's stability
  limit, with the Hamiltonian along each and the accept test's outcome
  (a NumPy leapfrog, the one tests/test_hmc.py checks the module against);
* ``hmc_adaptation``: the step size and the average acceptance rate after
  each of the 2000 moves of the recorded run (results/hmc.json), replayed
  by the project's own sampler with the record's settings;
* ``hmc_samples``: the 3000 kept draws of that run, two coordinates at a
  time, inside the target Gaussian's contours.

The replay (``FAST_COMPILE``, some seconds) is checked against the
record's final step size and acceptance rate before anything is drawn.
"""

import contextlib
import functools
import io
import json
import sys
import warnings

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy
from common import GREY, HIDDEN, HIGHLIGHT, INK, INPUT, OUTPUT, REPO, canvas, save

RECORD = "results/hmc.json"
# the replay's backend: FAST_COMPILE compiles little and replays the 2000
# draws in some 5 to 9 s on a 2-core machine, where NUMBA with a cold cache
# takes some 20 s; both make the record's 2000 accept decisions (replay()
# checks the final state)
REPLAY_MODE = "FAST_COMPILE"

# the 2-D Gaussian of the trajectory figure: unit variances, correlation 0.9
CORRELATION = 0.9
START = numpy.array([-1.4, -0.9])  # the position the proposals start from
VELOCITY = numpy.array([0.9, -0.6])  # the velocity drawn for them
N_STEPS = 20
STEPSIZES = {"small": 0.15, "large": 0.6}
UNIFORM_SEED = 3  # of the accept test's uniform draw in that figure


# --- helpers -----------------------------------------------------------------


def gaussian_2d():
    """(energy, gradient, covariance) of the trajectory figure's Gaussian,
    ``E(s) = 0.5 s' C^-1 s``."""
    cov = numpy.array([[1.0, CORRELATION], [CORRELATION, 1.0]])
    precision = numpy.linalg.inv(cov)

    def energy(s):
        return 0.5 * numpy.einsum("...i,ij,...j->...", s, precision, s)

    def gradient(s):
        return precision @ s

    return energy, gradient, cov


def leapfrog_path(pos, vel, stepsize, n_steps, gradient):
    """Every (position, velocity) of ``n_steps`` leapfrog steps from
    (``pos``, ``vel``): Neal's three updates per step, as the NumPy
    reference of tests/test_hmc.py; arrays of ``n_steps + 1`` rows."""
    positions, velocities = [pos], [vel]
    for _ in range(n_steps):
        vel = vel - 0.5 * stepsize * gradient(pos)
        pos = pos + stepsize * vel
        vel = vel - 0.5 * stepsize * gradient(pos)
        positions.append(pos)
        velocities.append(vel)
    return numpy.array(positions), numpy.array(velocities)


def contours(ax, mean, cov, levels=(1, 2, 3), **style):
    """The ellipses of ``levels`` standard deviations of a 2-D Gaussian."""
    values, vectors = numpy.linalg.eigh(cov)
    angle = numpy.linspace(0, 2 * numpy.pi, 200)
    circle = numpy.stack([numpy.cos(angle), numpy.sin(angle)])
    for k in levels:
        ellipse = vectors @ (k * numpy.sqrt(values)[:, None] * circle) + numpy.asarray(mean)[:, None]
        ax.plot(*ellipse, **{"color": GREY, "lw": 0.8, **style})


def project():
    """Import this project's PyTensor and hmc module (the repository on the
    path, as the build has it)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import pytensor

    from deeplearning_tutorials import hmc

    return pytensor, hmc


def record():
    """The recorded default run, results/hmc.json."""
    return json.loads((REPO / RECORD).read_text())


@functools.cache
def replay():
    """The recorded run again, by the project's sampler with the record's
    settings: (step sizes, average acceptance rates) after each draw, and
    the sampler (its ``samples`` the kept draws). Raises if its final state
    is not the record's."""
    pytensor, hmc = project()
    settings = record()
    trace = []

    class TracingSampler(hmc.HMC_sampler):
        """Notes the step size and the average acceptance after each draw."""

        def draw(self, **kwargs):
            position = hmc.HMC_sampler.draw(self, **kwargs)
            trace.append((self.stepsize.get_value().item(), self.avg_acceptance_rate.get_value().item()))
            return position

    flags = dict(floatX=settings["floatX"], mode=REPLAY_MODE)
    with (
        pytensor.config.change_flags(**flags),
        contextlib.redirect_stdout(io.StringIO()),
        warnings.catch_warnings(),
    ):
        # the C thunks' note that no BLAS was linked: no BLAS call is timed here
        warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
        sampler = hmc.sampler_on_nd_gaussian(
            TracingSampler.new_from_shared_positions,
            burnin=settings["burnin"],
            n_samples=settings["n_samples"],
            dim=settings["dim"],
        )
    final = trace[-1]
    if final != (settings["final_stepsize"], settings["final_acceptance_rate"]):
        raise RuntimeError(f"the replay ended at {final}, not at the state {RECORD} holds")
    stepsizes, acceptance = numpy.array(trace).T
    return stepsizes, acceptance, sampler


# --- the leapfrog schedule ----------------------------------------------------


Y_POS, Y_VEL = 1.3, 0.0  # the rows of the positions and the velocities
# x of each time the schedule shows, and its label
WHOLE_STEPS = {"$t$": 0.0, "$t+\\epsilon$": 2.0, "$t+2\\epsilon$": 4.0, "$t+(n-1)\\epsilon$": 6.4, "$t+n\\epsilon$": 8.4}
HALF_STEPS = {"$t+\\epsilon/2$": 1.0, "$t+3\\epsilon/2$": 3.0, "$t+(n-\\frac{1}{2})\\epsilon$": 7.4}
GAP = 5.2  # x of the steps left out ("...")


def time_arrow(ax, a, b, color):
    """An update from the value at ``a`` to the one at ``b`` (points)."""
    ax.annotate(
        "", xy=b, xytext=a,
        arrowprops=dict(arrowstyle="-|>", color=color, lw=1.4, shrinkA=7, shrinkB=7),
    )


def bracket(ax, x0, x1, y, text, color, text_color=None):
    """A span from ``x0`` to ``x1`` at height ``y``, ``text`` below it."""
    ax.annotate("", xy=(x0, y), xytext=(x1, y), arrowprops=dict(arrowstyle="|-|", color=color, lw=0.9, mutation_scale=3))
    ax.text((x0 + x1) / 2, y - 0.3, text, ha="center", fontsize=8.5, color=text_color or color)


def schedule_times(ax):
    """The two rows of times: positions (circles) at whole steps,
    velocities (squares) at half steps and at both ends."""
    ax.text(-1.2, Y_POS, "position $s$", va="center", fontsize=10)
    ax.text(-1.2, Y_VEL, "velocity $\\phi$", va="center", fontsize=10)
    for text, x in WHOLE_STEPS.items():
        ax.plot(x, Y_POS, "o", ms=9, color=INPUT, mec=INK, zorder=3)
        ax.text(x, Y_POS + 0.42, text, ha="center", fontsize=8)
    ends = {"$t$": 0.0, "$t+n\\epsilon$": 8.4}
    for text, x in {**HALF_STEPS, **ends}.items():
        ax.plot(x, Y_VEL, "s", ms=8, color=HIDDEN, mec=INK, zorder=3)
        ax.text(x, Y_VEL - 0.42, text, ha="center", fontsize=8)
    for y in (Y_POS, Y_VEL):
        ax.text(GAP, y, "…", ha="center", va="center", fontsize=14)


def schedule_updates(ax):
    """The arrows of the updates: red before and after the loop, orange in
    it, and dotted lines to the position whose gradient each velocity
    update reads."""
    outside = [((0.0, Y_VEL), (1.0, Y_VEL)), ((1.0, Y_VEL), (2.0, Y_POS)), ((0.0, Y_POS), (2.0, Y_POS)),
               ((7.4, Y_VEL), (8.4, Y_VEL))]
    inside = [((1.0, Y_VEL), (3.0, Y_VEL)), ((3.0, Y_VEL), (4.0, Y_POS)), ((2.0, Y_POS), (4.0, Y_POS)),
              ((GAP + 0.4, Y_VEL), (7.4, Y_VEL)), ((7.4, Y_VEL), (8.4, Y_POS)), ((6.4, Y_POS), (8.4, Y_POS))]
    for color, arrows in [(HIGHLIGHT, outside), (OUTPUT, inside)]:
        for a, b in arrows:
            time_arrow(ax, a, b, color)
    for x in (0.0, 2.0, 6.4, 8.4):
        ax.plot([x, x], [Y_POS - 0.15, Y_VEL + 0.32], ls=":", color=GREY, lw=1.0)
    ax.text(2.08, 0.62, "$\\nabla E(s)$", fontsize=8, color=GREY)


def draw_leapfrog_schedule(path):
    """Positions at t, t+e, ..., velocities at t, t+e/2, t+3e/2, ...: the
    first half step, the scan's full steps, the last half step."""
    fig, ax = canvas(9.0, 3.3, xlim=(-1.3, 9.6), ylim=(-1.55, 2.3))
    schedule_times(ax)
    schedule_updates(ax)
    bracket(ax, 0.0, 2.0, -1.05, "before scan", HIGHLIGHT)
    bracket(ax, 2.0, 8.4, -1.05, "scan: n-1 leapfrog steps", OUTPUT, text_color="#d94801")
    ax.text(8.8, Y_VEL, "last\nhalf step", ha="left", va="center", fontsize=8.5, color=HIGHLIGHT)
    save(fig, path)


# --- a trajectory on a 2-D Gaussian ------------------------------------------


def proposals():
    """{name: (step size, positions, Hamiltonians, p_acc, accepted)} of
    the two step sizes, from the same start and velocity, and one uniform
    draw for the accept test."""
    energy, gradient, _ = gaussian_2d()
    uniform = numpy.random.RandomState(UNIFORM_SEED).uniform()
    found = {}
    for name, stepsize in STEPSIZES.items():
        pos, vel = leapfrog_path(START, VELOCITY, stepsize, N_STEPS, gradient)
        hamiltonian = energy(pos) + 0.5 * (vel**2).sum(axis=1)
        p_acc = min(1.0, float(numpy.exp(hamiltonian[0] - hamiltonian[-1])))
        found[name] = (stepsize, pos, hamiltonian, p_acc, uniform <= p_acc)
    return found


PATH_COLORS = {"small": "#3182bd", "large": HIGHLIGHT}


def paths_panel(ax, found):
    """The leapfrog paths on the energy's contours, the start and its
    velocity, each end marked accepted (star) or rejected (cross)."""
    contours(ax, (0, 0), gaussian_2d()[2], levels=(0.5, 1, 1.5, 2, 2.5))
    for name, (stepsize, pos, _, p_acc, accepted) in found.items():
        verdict = "accepted" if accepted else "rejected"
        text = f"$\\epsilon$ = {stepsize}: $p_{{acc}}$ = {p_acc:.2f}, {verdict}"
        ax.plot(*pos.T, "-o", ms=3.2, lw=1.0, color=PATH_COLORS[name], label=text)
        ax.plot(*pos[-1], "*" if accepted else "X", ms=13, color=PATH_COLORS[name], mec=INK, zorder=5)
    ax.plot(*START, "o", ms=9, color="white", mec=INK, zorder=6)
    ax.annotate(
        "", xy=START + VELOCITY, xytext=START, zorder=7,
        arrowprops=dict(arrowstyle="-|>", color=INK, lw=1.8, shrinkA=4, shrinkB=0),
    )
    ax.text(*(START + [-0.2, 0.0]), "start", ha="right", va="center", fontsize=9)
    ax.text(*(START + VELOCITY + [0.1, -0.15]), "$\\phi$", ha="left", va="center", fontsize=10)
    ax.set_aspect("equal")
    ax.set_xlim(-3.3, 3.3)
    ax.set_ylim(-3.3, 3.3)
    ax.set_xlabel("$s_1$")
    ax.set_ylabel("$s_2$")
    ax.set_title(f"{N_STEPS} leapfrog steps on $E(s)$", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)


def hamiltonian_panel(ax, found):
    """The Hamiltonian after each leapfrog step of each path, and its
    starting value (dashed)."""
    for name, (stepsize, _, hamiltonian, _, _) in found.items():
        ax.plot(hamiltonian, "-o", ms=3, lw=1.0, color=PATH_COLORS[name], label=f"$\\epsilon$ = {stepsize}")
    ax.axhline(found["small"][2][0], color=GREY, lw=0.8, ls="--")
    ax.set_xlabel("leapfrog step")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("$\\mathcal{H}(s, \\phi)$")
    ax.set_title("the Hamiltonian along each path", fontsize=10)
    ax.legend(fontsize=8)


def draw_trajectory(path):
    """Left: the two leapfrog paths on the energy's contours; right: the
    Hamiltonian along each, and the acceptance probability of its end."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.0, 4.4), gridspec_kw={"width_ratios": [1.05, 1]})
    found = proposals()
    paths_panel(left, found)
    hamiltonian_panel(right, found)
    fig.tight_layout()
    save(fig, path)


# --- the recorded run ----------------------------------------------------------


def draw_adaptation(path):
    """Step size and average acceptance rate after each of the 2000 draws."""
    stepsizes, acceptance, sampler = replay()
    settings = record()
    low, high, target = sampler.stepsize_min, sampler.stepsize_max, sampler.target_acceptance_rate
    draws = numpy.arange(1, len(stepsizes) + 1)
    burnin = settings["burnin"]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8.0, 5.0), sharex=True)
    top.semilogy(draws, stepsizes, color="#3182bd", lw=1.2)
    for bound, name in [(high, "stepsize_max"), (low, "stepsize_min")]:
        top.axhline(bound, color=GREY, ls="--", lw=0.8)
        top.text(len(draws), bound * 1.12, name, ha="right", va="bottom", fontsize=8, color=GREY)
    top.set_ylabel("step size $\\epsilon$")
    top.set_ylim(5e-4, 1.5)
    bottom.plot(draws, acceptance, color=HIGHLIGHT, lw=1.0)
    bottom.axhline(target, color=INK, ls="--", lw=0.8)
    bottom.text(20, target - 0.005, f"target {target}", ha="left", va="top", fontsize=8)
    bottom.set_ylabel("average acceptance")
    bottom.set_xlabel("draw")
    for ax in (top, bottom):
        ax.axvline(burnin, color=GREY, lw=0.8)
        ax.grid(alpha=0.3)
    top.text(burnin / 2, 1.0, "burn-in", ha="center", fontsize=9)
    top.text(burnin * 1.5, 1.0, "kept draws", ha="center", fontsize=9)
    top.set_title(f"{RECORD}: the run replayed ({settings['floatX']})", fontsize=10)
    fig.tight_layout()
    save(fig, path)


def draw_samples(path):
    """The kept draws in two planes of coordinates, with the target's and
    the draws' own 1-, 2- and 3-sigma ellipses."""
    samples = replay()[2].samples
    settings = record()
    mean, cov = numpy.array(settings["target_mean"]), numpy.array(settings["target_cov"])
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 4.3))
    for ax, (i, j) in zip(axes, [(0, 2), (1, 2)]):
        pair = [i, j]
        ax.plot(samples[:, i], samples[:, j], ".", ms=2.0, color="#3182bd", alpha=0.35)
        contours(ax, mean[pair], cov[numpy.ix_(pair, pair)], color=INK, lw=1.1)
        empirical = numpy.cov(samples[:, pair].T)
        contours(ax, samples[:, pair].mean(axis=0), empirical, color=HIGHLIGHT, lw=1.0, ls="--")
        ax.set_xlabel(f"$x_{i + 1}$")
        ax.set_ylabel(f"$x_{j + 1}$")
        ax.set_aspect("equal")
        ax.set_title(f"correlation {cov[i, j]:.2f}", fontsize=10)
    axes[0].plot([], [], color=INK, label="target")
    axes[0].plot([], [], color=HIGHLIGHT, ls="--", label="draws")
    axes[0].legend(loc="lower right", fontsize=8)
    fig.suptitle(f"3 chains x {settings['n_samples']} kept draws ({RECORD})", fontsize=10)
    fig.tight_layout()
    save(fig, path)


FIGURES = {
    "hmc_leapfrog_schedule": draw_leapfrog_schedule,
    "hmc_trajectory": draw_trajectory,
    "hmc_adaptation": draw_adaptation,
    "hmc_samples": draw_samples,
}
