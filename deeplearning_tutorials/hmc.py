"""Hybrid Monte Carlo (HMC) sampling, tested on a multivariate Gaussian.

HMC samples from a distribution :math:`p(s) \\propto e^{-E(s)}` over
continuous states :math:`s \\in \\mathbb{R}^D` given only its energy
:math:`E`. It pairs each *position* :math:`s` with a *velocity*
:math:`\\phi \\in \\mathbb{R}^D` and samples from the joint distribution

.. math::

    p(s, \\phi) = \\frac{1}{Z} e^{-\\mathcal{H}(s, \\phi)}, \\qquad
    \\mathcal{H}(s, \\phi) = E(s) + K(\\phi) = E(s) + \\frac{1}{2} \\sum_i \\phi_i^2,

whose marginal over :math:`s` is :math:`p(s)`: the Hamiltonian
:math:`\\mathcal{H}` is the potential energy plus the kinetic energy of unit
mass. One HMC move

1. draws a fresh velocity :math:`\\phi \\sim \\mathcal{N}(0, I)` (Gibbs
   sampling of :math:`\\phi`, independent of :math:`s`);
2. follows Hamiltonian dynamics, :math:`ds/dt = \\phi`,
   :math:`d\\phi/dt = -\\partial E / \\partial s`, for ``n_steps`` steps of
   size :math:`\\epsilon` with the *leapfrog* integrator (a half step of
   :math:`\\phi`, full steps of :math:`s` and :math:`\\phi` in turn, a last
   half step of :math:`\\phi`), which preserves volume and is reversible;
3. accepts the end point :math:`(s', \\phi')` with the Metropolis
   probability :math:`\\min(1, e^{\\mathcal{H}(s, \\phi) - \\mathcal{H}(s', \\phi')})`,
   which cancels the integrator's error exactly; otherwise the chain stays
   at :math:`s`.

The dynamics move far through the space in one proposal yet keep
:math:`\\mathcal{H}` nearly constant, so that most proposals are accepted:
no random walk, as Gibbs or Metropolis sampling would do. The sampler here is
*adaptive*, as in Marc'Aurelio Ranzato's mcRBM code: it keeps a moving
average of the acceptance rate and grows the step size when the average is
above a target (0.9), shrinks it when below.

In PyTensor, the state of the sampler (positions, step size, average
acceptance rate, and the random streams) lives in shared variables, and one
HMC move is one compiled function whose ``updates`` advance them all; the
leapfrog loop is a ``scan``. The random numbers come from Theano's MRG
streams (:mod:`deeplearning_tutorials.rng_mrg`), so that the same seed draws
the original's numbers in the original's order: first the normal velocities,
then the uniforms of the accept test.

Run it with ``python -m deeplearning_tutorials.hmc``: it samples a 5-D
Gaussian with 3 chains, 1000 burn-in and 1000 kept draws, and prints the
target and the empirical mean and covariance, and the sampler's final step
size and acceptance rate. In float64 it prints the original's lines (Theano
1.0.5) to the last digit. In float32 every accept decision is the original's,
so the final step size and acceptance rate are too, bit for bit, but the
empirical moments differ in their last digits: Theano computed the velocity
update with two BLAS ``gemm`` calls and C code compiled with fused
multiply-adds, which round differently from the separate products and sums
of PyTensor's Numba backend (fast-math off). (``--mode CVM`` in float32 also
rounds the moving average of the acceptance rate differently from draw 1 on:
PyTensor's C code writes the float32 constants 0.9 and 0.1 as double
literals, so that ``0.9 * avg`` is rounded from a double product.)

References: S. Duane, A. D. Kennedy, B. J. Pendleton and D. Roweth, *Hybrid
Monte Carlo*, Physics Letters B 195, 1987; R. M. Neal, *Probabilistic
inference using Markov chain Monte Carlo methods*, Technical Report
CRG-TR-93-1, University of Toronto, 1993; M. Ranzato and G. E. Hinton,
*Modeling pixel means and covariances using factorized third-order Boltzmann
machines*, CVPR 2010.
"""

import dataclasses
import timeit

import numpy
import pytensor
import pytensor.tensor as pt
from pytensor import function, shared

from deeplearning_tutorials.machinery import cli, pretraining, startup, training
from deeplearning_tutorials.rng_mrg import MRG_RandomStreams


def sharedX(X, name):
    """A shared variable holding ``X`` as a ``floatX`` array."""
    return shared(numpy.asarray(X, dtype=pytensor.config.floatX), name=name)


def kinetic_energy(vel):
    """The kinetic energy :math:`K(\\phi) = \\frac{1}{2} \\sum_i \\phi_i^2` of
    each row of ``vel`` (a mass of 1).

    :param vel: a symbolic matrix whose rows are velocity vectors
    :returns: a symbolic vector: entry ``i`` is the kinetic energy of ``vel[i]``
    """
    return 0.5 * (vel**2).sum(axis=1)


def hamiltonian(pos, vel, energy_fn):
    """The Hamiltonian :math:`\\mathcal{H}(s, \\phi) = E(s) + K(\\phi)` of
    each particle: potential plus kinetic energy.

    :param pos: a symbolic matrix whose rows are position vectors
    :param vel: a symbolic matrix whose rows are velocity vectors
    :param energy_fn: a Python function, on symbolic variables, that
        returns the potential energy of each row of a position matrix
    :returns: a symbolic vector: entry ``i`` is the Hamiltonian at
        position ``pos[i]`` and velocity ``vel[i]``
    """
    # assuming mass is 1
    return energy_fn(pos) + kinetic_energy(vel)


def metropolis_hastings_accept(energy_prev, energy_next, s_rng):
    """The Metropolis-Hastings accept/reject test of each particle.

    A move is accepted with probability :math:`\\min(1, e^{E_{prev} -
    E_{next}})`: when :math:`e^{E_{prev} - E_{next}} - u \\ge 0` for a
    uniform draw :math:`u`, one per particle.

    :param energy_prev: a symbolic vector, the energy (Hamiltonian) of each
        particle before the move
    :param energy_next: a symbolic vector, the energy of each proposed state
    :param s_rng: the random streams that draw :math:`u`
        (:class:`~deeplearning_tutorials.rng_mrg.MRG_RandomStreams`)
    :returns: a symbolic boolean vector: True where the move is accepted
    """
    ediff = energy_prev - energy_next
    return (pt.exp(ediff) - s_rng.uniform(size=energy_prev.shape)) >= 0


def simulate_dynamics(initial_pos, initial_vel, stepsize, n_steps, energy_fn):
    """The (position, velocity) reached after ``n_steps`` leapfrog steps of
    Hamiltonian dynamics.

    Rather than the three updates of one leapfrog step repeated
    ``n_steps`` times, a first half step of the velocity, then
    ``n_steps - 1`` full steps of the position and velocity in turn (the
    ``scan``), a full step of the position and a last half step of the
    velocity: the same sequence of positions, with one gradient a step.

    :param initial_pos: a symbolic matrix, the position to start from
    :param initial_vel: a symbolic matrix, the initial velocity of the
        particles
    :param stepsize: a (shared) symbolic scalar, the leapfrog step
        :math:`\\epsilon`
    :param n_steps: the number of leapfrog steps, at least 2 (a Python int)
    :param energy_fn: a Python function, on symbolic variables, that
        returns the potential energy of each row of a position matrix
    :returns: ``(final_pos, final_vel)``, symbolic matrices
    """

    def leapfrog(pos, vel, step):
        """One step of ``scan``: from ``pos`` :math:`= s(t)` and ``vel``
        :math:`= \\phi(t - \\epsilon/2)`, the new position
        :math:`s(t + \\epsilon)` and velocity :math:`\\phi(t + \\epsilon/2)`.

        :param pos: a symbolic matrix, the position at time t
        :param vel: a symbolic matrix, the velocity at time t - stepsize/2
        :param step: a symbolic scalar, the step size
        :returns: ``[new_pos, new_vel]``
        """
        # from pos(t) and vel(t-stepsize//2), compute vel(t+stepsize//2)
        dE_dpos = pytensor.grad(energy_fn(pos).sum(), pos)
        new_vel = vel - step * dE_dpos
        # from vel(t+stepsize//2) compute pos(t+stepsize)
        new_pos = pos + step * new_vel
        return [new_pos, new_vel]

    # compute velocity at time-step: t + stepsize//2
    initial_energy = energy_fn(initial_pos)
    dE_dpos = pytensor.grad(initial_energy.sum(), initial_pos)
    vel_half_step = initial_vel - 0.5 * stepsize * dE_dpos

    # compute position at time-step: t + stepsize
    pos_full_step = initial_pos + stepsize * vel_half_step

    # perform leapfrog updates: the scan op is used to repeatedly compute
    # vel(t + (m-1/2)*stepsize) and pos(t + m*stepsize) for m in [2,n_steps].
    # (Theano's scan also returned an updates dictionary, for a step that
    # draws random numbers, and the original asserted it empty: `leapfrog`
    # draws none. return_updates=False is PyTensor's way to say so.)
    all_pos, all_vel = pytensor.scan(
        leapfrog,
        outputs_info=[
            dict(initial=pos_full_step),
            dict(initial=vel_half_step),
        ],
        non_sequences=[stepsize],
        n_steps=n_steps - 1,
        return_updates=False,
    )
    final_pos = all_pos[-1]
    final_vel = all_vel[-1]

    # The last velocity returned by scan is vel(t +
    # (n_steps - 1 / 2) * stepsize) We therefore perform one more half-step
    # to return vel(t + n_steps * stepsize)
    energy = energy_fn(final_pos)
    final_vel = final_vel - 0.5 * stepsize * pytensor.grad(energy.sum(), final_pos)

    # return new proposal state
    return final_pos, final_vel


# start-snippet-1
def hmc_move(s_rng, positions, energy_fn, stepsize, n_steps):
    """One move of Hybrid Monte Carlo: draw a velocity from a standard
    normal, follow ``n_steps`` leapfrog steps of Hamiltonian dynamics, and
    accept or reject the end point by Metropolis-Hastings.

    :param s_rng: the random streams that draw the velocity and the
        uniforms of the accept test
    :param positions: a shared matrix whose rows are the particles' positions
    :param energy_fn: a Python function, on symbolic variables, that
        returns the potential energy of each row of a position matrix
    :param stepsize: a shared scalar, the leapfrog step size
    :param n_steps: the number of leapfrog steps of a proposal
    :returns: ``(accept, final_pos)``: a symbolic boolean vector, True for
        the particles whose move is accepted, and the symbolic matrix of the
        proposed positions
    """
    # end-snippet-1 start-snippet-2
    # sample random velocity
    initial_vel = s_rng.normal(size=positions.shape)
    # end-snippet-2 start-snippet-3
    # perform simulation of particles subject to Hamiltonian dynamics
    final_pos, final_vel = simulate_dynamics(
        initial_pos=positions,
        initial_vel=initial_vel,
        stepsize=stepsize,
        n_steps=n_steps,
        energy_fn=energy_fn,
    )
    # end-snippet-3 start-snippet-4
    # accept/reject the proposed move based on the joint distribution
    accept = metropolis_hastings_accept(
        energy_prev=hamiltonian(positions, initial_vel, energy_fn),
        energy_next=hamiltonian(final_pos, final_vel, energy_fn),
        s_rng=s_rng,
    )
    # end-snippet-4
    return accept, final_pos


# start-snippet-5
def hmc_updates(
    positions,
    stepsize,
    avg_acceptance_rate,
    final_pos,
    accept,
    target_acceptance_rate,
    stepsize_inc,
    stepsize_dec,
    stepsize_min,
    stepsize_max,
    avg_acceptance_slowness,
):
    """The updates of one HMC move (after :func:`hmc_move`): the positions
    (to the proposal where it is accepted), the step size (to track the
    target acceptance rate) and the average acceptance rate (a moving
    average).

    :param positions: the shared matrix of the current positions
    :param stepsize: the shared scalar of the current step size
    :param avg_acceptance_rate: the shared scalar of the current average
        acceptance rate
    :param final_pos: the symbolic matrix of the proposed positions
    :param accept: the symbolic boolean vector, True for each particle whose
        proposal is accepted
    :param target_acceptance_rate: the acceptance rate the step size is
        adapted to
    :param stepsize_inc: the factor that grows the step size when the
        average acceptance rate is above the target
    :param stepsize_dec: the factor that shrinks it when the rate is below
    :param stepsize_min: the lower bound of the step size
    :param stepsize_max: the upper bound of the step size
    :param avg_acceptance_slowness: the average acceptance rate is an
        exponential moving average; ``1 - avg_acceptance_slowness`` is the
        weight of the newest move
    :returns: the list of ``(shared variable, new value)`` updates of the
        positions, step size and average acceptance rate
    """

    # POSITION UPDATES #
    # broadcast `accept` scalar to tensor with the same dimensions as
    # final_pos.
    accept_matrix = accept.dimshuffle(0, *(("x",) * (final_pos.ndim - 1)))
    # if accept is True, update to `final_pos` else stay put
    new_positions = pt.switch(accept_matrix, final_pos, positions)
    # end-snippet-5 start-snippet-7
    # STEPSIZE UPDATES #
    # if acceptance rate is too low, our sampler is too "noisy" and we reduce
    # the stepsize. If it is too high, our sampler is too conservative, we can
    # get away with a larger stepsize (resulting in better mixing).
    _new_stepsize = pt.switch(
        avg_acceptance_rate > target_acceptance_rate,
        stepsize * stepsize_inc,
        stepsize * stepsize_dec,
    )
    # maintain stepsize in [stepsize_min, stepsize_max]
    new_stepsize = pt.clip(_new_stepsize, stepsize_min, stepsize_max)

    # end-snippet-7 start-snippet-6
    # ACCEPT RATE UPDATES #
    # perform exponential moving average
    mean_dtype = pytensor.scalar.upcast(accept.dtype, avg_acceptance_rate.dtype)
    new_acceptance_rate = pt.add(
        avg_acceptance_slowness * avg_acceptance_rate,
        (1.0 - avg_acceptance_slowness) * accept.mean(dtype=mean_dtype),
    )
    # end-snippet-6 start-snippet-8
    return [
        (positions, new_positions),
        (stepsize, new_stepsize),
        (avg_acceptance_rate, new_acceptance_rate),
    ]
    # end-snippet-8


class HMC_sampler:
    """Hybrid Monte Carlo on a shared matrix of positions, one chain per row.

    :meth:`new_from_shared_positions` builds the graph of one HMC move
    (:func:`hmc_move` and :func:`hmc_updates`) and compiles it into
    ``simulate``, a function of no arguments that advances the chains and
    adapts the step size through its updates. Users call :meth:`draw`,
    which runs ``simulate`` and returns the new positions.

    The hyper-parameters are those of Marc'Aurelio Ranzato's
    ``train_mcRBM.py``.
    """

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    @classmethod
    def new_from_shared_positions(
        cls,
        shared_positions,
        energy_fn,
        initial_stepsize=0.01,
        target_acceptance_rate=0.9,
        n_steps=20,
        stepsize_dec=0.98,
        stepsize_min=0.001,
        stepsize_max=0.25,
        stepsize_inc=1.02,
        # used in geometric avg. 1.0 would be not moving at all
        avg_acceptance_slowness=0.9,
        seed=12345,
    ):
        """A sampler of the chains whose positions ``shared_positions`` holds.

        :param shared_positions: a shared matrix of the particles' [initial]
            positions, one chain per row (its first dimension is the batch)
        :param energy_fn: a callable such that ``energy_fn(positions)``
            returns the symbolic vector of the energies of the rows of
            ``positions``; the sum of this vector must be differentiable
            (with ``pytensor.grad``) with respect to the positions
        :param initial_stepsize: the leapfrog step size to start with
        :param target_acceptance_rate: the acceptance rate the step size
            is adapted to (and the start of the moving average)
        :param n_steps: leapfrog steps of one proposal
        :param stepsize_dec: the factor that shrinks the step size
        :param stepsize_min: the lower bound of the step size
        :param stepsize_max: the upper bound of the step size
        :param stepsize_inc: the factor that grows the step size
        :param avg_acceptance_slowness: the weight of the past in the
            moving average of the acceptance rate
        :param seed: the seed of the MRG random streams
        """
        # allocate shared variables
        stepsize = sharedX(initial_stepsize, "hmc_stepsize")
        avg_acceptance_rate = sharedX(target_acceptance_rate, "avg_acceptance_rate")
        s_rng = MRG_RandomStreams(seed)

        # define graph for an `n_steps` HMC simulation
        accept, final_pos = hmc_move(
            s_rng, shared_positions, energy_fn, stepsize, n_steps
        )

        # define the dictionary of updates, to apply on every `simulate` call
        simulate_updates = hmc_updates(
            shared_positions,
            stepsize,
            avg_acceptance_rate,
            final_pos=final_pos,
            accept=accept,
            stepsize_min=stepsize_min,
            stepsize_max=stepsize_max,
            stepsize_inc=stepsize_inc,
            stepsize_dec=stepsize_dec,
            target_acceptance_rate=target_acceptance_rate,
            avg_acceptance_slowness=avg_acceptance_slowness,
        )

        # compile the function; the updates of the random streams (Theano
        # applied them without being told) are given explicitly
        simulate = function(
            [],
            [],
            updates=simulate_updates
            + s_rng.updates_for([accept, final_pos]),
            name="simulate",
        )

        # create HMC_sampler object with the following attributes ...
        return cls(
            positions=shared_positions,
            stepsize=stepsize,
            stepsize_min=stepsize_min,
            stepsize_max=stepsize_max,
            avg_acceptance_rate=avg_acceptance_rate,
            target_acceptance_rate=target_acceptance_rate,
            s_rng=s_rng,
            _updates=simulate_updates,
            simulate=simulate,
        )

    def draw(self, **kwargs):
        """Run one HMC move (``n_steps`` leapfrog steps, accept/reject) and
        return the new positions, a copy.

        (``kwargs`` is accepted for the original's signature, whose
        docstring meant it for ``get_value``; it is unused there too.)
        """
        self.simulate()
        return self.positions.get_value(borrow=False)


def sampler_on_nd_gaussian(sampler_cls, burnin, n_samples, dim=10):
    """Sample a ``dim``-dimensional Gaussian with 3 chains; print the target
    and the empirical mean and covariance, and the sampler's final state.

    The Gaussian's mean is uniform in :math:`[0, 10)^{dim}`, its covariance
    a symmetrised uniform matrix with a unit diagonal, drawn from
    ``numpy.random.RandomState(123)``, which also draws the chains' start.

    :param sampler_cls: makes the sampler, as
        :meth:`HMC_sampler.new_from_shared_positions`
    :param burnin: draws thrown away first
    :param n_samples: draws kept, for each chain
    :param dim: the dimension of the Gaussian
    :returns: the sampler, and its ``samples`` attribute the kept draws as
        a ``(n_samples * 3, dim)`` array
    """
    batchsize = 3

    rng = numpy.random.RandomState(123)

    # Define a covariance and mu for a gaussian
    mu = numpy.array(rng.rand(dim) * 10, dtype=pytensor.config.floatX)
    cov = numpy.array(rng.rand(dim, dim), dtype=pytensor.config.floatX)
    cov = (cov + cov.T) / 2.0
    cov[numpy.arange(dim), numpy.arange(dim)] = 1.0
    cov_inv = numpy.linalg.inv(cov)

    # Define energy function for a multi-variate Gaussian
    def gaussian_energy(x):
        return 0.5 * (pt.dot((x - mu), cov_inv) * (x - mu)).sum(axis=1)

    # Declared shared random variable for positions
    position = rng.randn(batchsize, dim).astype(pytensor.config.floatX)
    position = pytensor.shared(position)

    # Create HMC sampler
    sampler = sampler_cls(
        position, gaussian_energy, initial_stepsize=1e-3, stepsize_max=0.5
    )

    # Start with a burn-in process
    startup.first_step()
    garbage = [sampler.draw() for r in range(burnin)]  # noqa: F841 burn-in Draw
    # `n_samples`: result is a 3D tensor of dim [n_samples, batchsize,
    # dim]
    _samples = numpy.asarray([sampler.draw() for r in range(n_samples)])
    # Flatten to [n_samples * batchsize, dim]
    samples = _samples.T.reshape(dim, -1).T

    print("****** TARGET VALUES ******")
    print("target mean:", mu)
    print("target cov:\n", cov)

    print("****** EMPIRICAL MEAN/COV USING HMC ******")
    print("empirical mean: ", samples.mean(axis=0))
    print("empirical_cov:\n", numpy.cov(samples.T))

    print("****** HMC INTERNALS ******")
    print("final stepsize", sampler.stepsize.get_value())
    print("final acceptance_rate", sampler.avg_acceptance_rate.get_value())

    sampler.samples, sampler.target_mean, sampler.target_cov = samples, mu, cov
    return sampler


@dataclasses.dataclass
class SamplingResult:
    """What a run of :func:`test_hmc` ended with, for the record."""

    final_stepsize: float
    final_acceptance_rate: float
    empirical_mean: list
    empirical_cov: list
    target_mean: list
    target_cov: list
    #: the original test's three checks: acceptance rate within 0.1 of the
    #: target, step size >= its minimum, step size <= its maximum
    checks_pass: list
    #: time of the draws (burn-in and kept), compilation excluded
    seconds: float
    #: time of building the graph and compiling (and JIT-compiling) it
    compile_seconds: float

    def as_record(self, **extra):
        """A JSON-ready dict, for
        :func:`~deeplearning_tutorials.machinery.training.write_record`."""
        return {**dataclasses.asdict(self), **extra}


def test_hmc(burnin=1000, n_samples=1000, dim=5, results_json=None):
    """The original's ``test_hmc``: HMC on a ``dim``-D Gaussian with 3 chains.

    Prints what :func:`sampler_on_nd_gaussian` prints. The original test
    asserted that the final acceptance rate is within 0.1 of the target
    (0.9) and the step size within its bounds; here the three checks are
    returned (``checks_pass``), and written in the record.

    :param burnin: draws thrown away first
    :param n_samples: draws kept, for each of the 3 chains
    :param dim: the dimension of the Gaussian
    :param results_json: if given, the final step size and acceptance rate,
        the target's and the empirical mean and covariance and the times are
        written there
    :returns: a :class:`SamplingResult`
    """
    timings = {}

    def timed_sampler(*args, **kwargs):
        # HMC_sampler.new_from_shared_positions, timed: building the graph
        # and compiling `simulate`, and one call of it that JIT-compiles it
        # (Numba compiles on the first call) and whose changes are undone,
        # so that the draws that follow are the original's
        start = timeit.default_timer()
        sampler = HMC_sampler.new_from_shared_positions(*args, **kwargs)
        pretraining.warm_up_steps(
            [lambda _: sampler.simulate()],
            [sampler.positions, sampler.stepsize, sampler.avg_acceptance_rate],
            sampler.s_rng,
        )
        timings["compile"] = timeit.default_timer() - start
        sampler.draw = _timed_draw(sampler.draw, timings)
        return sampler

    sampler = sampler_on_nd_gaussian(
        timed_sampler, burnin=burnin, n_samples=n_samples, dim=dim
    )
    stepsize = sampler.stepsize.get_value()
    acceptance = sampler.avg_acceptance_rate.get_value()
    result = SamplingResult(
        final_stepsize=float(stepsize),
        final_acceptance_rate=float(acceptance),
        empirical_mean=sampler.samples.mean(axis=0).astype(float).tolist(),
        empirical_cov=numpy.cov(sampler.samples.T).astype(float).tolist(),
        target_mean=sampler.target_mean.astype(float).tolist(),
        target_cov=sampler.target_cov.astype(float).tolist(),
        checks_pass=[
            bool(abs(acceptance - sampler.target_acceptance_rate) < 0.1),
            bool(stepsize >= sampler.stepsize_min),
            bool(stepsize <= sampler.stepsize_max),
        ],
        seconds=timings.get("draws", 0.0),
        compile_seconds=timings["compile"],
    )
    training.write_record(
        results_json,
        result,
        model="hmc",
        burnin=burnin,
        n_samples=n_samples,
        dim=dim,
        batchsize=3,
        seed=12345,
    )
    return result


def _timed_draw(draw, timings):
    """``draw``, adding the time of each call to ``timings["draws"]``."""

    def timed(**kwargs):
        start = timeit.default_timer()
        try:
            return draw(**kwargs)
        finally:
            elapsed = timeit.default_timer() - start
            timings["draws"] = timings.get("draws", 0.0) + elapsed

    return timed


#: the common flags that do not apply to this driver, and why
NOT_APPLICABLE = {
    "--dataset": "hmc reads no data file: it samples a Gaussian it draws itself",
    "--cv-folds": "hmc reads no data file, so there is nothing to cross-validate",
    "--cv-fold": "hmc reads no data file, so there is nothing to cross-validate",
    "--checkpoint-dir": "a run takes seconds and is not resumable",
    "--resume": "a run takes seconds and is not resumable",
    "--start-over": "a run takes seconds and is not resumable",
}


def main(argv=None):
    parser = cli.make_parser(
        "hmc",
        "Sample a Gaussian (5-D by default; random mean and covariance from "
        "RandomState(123)) with adaptive Hybrid Monte Carlo, 3 chains of 20 "
        "leapfrog steps a move, and compare the empirical mean and covariance "
        "with the target's.",
        data=False,
        checkpoints=False,
    )
    parser.epilog = (
        "Of the flags common to the tutorials, hmc has no --dataset, --cv-folds "
        "or --cv-fold (it reads no data: it samples a distribution it draws "
        "itself) and no --checkpoint-dir, --resume or --start-over (a run takes "
        "seconds)."
    )
    cli.refuse_arguments(parser, NOT_APPLICABLE)
    parser.add_argument(
        "--burnin",
        type=cli.non_negative_int,
        default=1000,
        help="draws thrown away before the kept ones",
    )
    parser.add_argument(
        "--n-samples",
        type=cli.positive_int,
        default=1000,
        help="draws kept, for each of the 3 chains",
    )
    parser.add_argument(
        "--dim",
        type=cli.positive_int,
        default=5,
        help="dimension of the Gaussian",
    )
    return cli.run(test_hmc, parser.parse_args(argv))


if __name__ == "__main__":
    main()
