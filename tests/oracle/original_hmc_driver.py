"""Run the ORIGINAL code/hmc/test_hmc.py test under Theano 1.0.5, unchanged, and keep
full-precision values of its run.

    cd <original code/> && PYTHONPATH=. python original_hmc_driver.py VALUES.json

calls test_hmc.sampler_on_nd_gaussian(HMC_sampler.new_from_shared_positions,
burnin=1000, n_samples=1000, dim=5) exactly as the original test_hmc() does (its prints
go to stdout untouched), checks test_hmc()'s three asserts, and writes VALUES.json:
the final step size and average acceptance rate (as floats, and the repr of the scalar
in get_value()), the empirical mean and covariance computed the way
sampler_on_nd_gaussian computes them, the target mean/cov, and a few checkpoints of the
chain.  The only addition is a subclass whose
draw() records what the original draw() returns (and the shared step size / acceptance
rate after it); it draws no random numbers and changes no state.
"""
from __future__ import print_function

import hashlib
import json
import sys

import numpy
import theano

import hmc.test_hmc as test_hmc
from hmc.hmc import HMC_sampler

BURNIN, N_SAMPLES, DIM = 1000, 1000, 5   # test_hmc.test_hmc()'s arguments
CHECKPOINTS = (1, 2, 10, 100, 1000, 1500, 2000)


class RecordingSampler(HMC_sampler):
    def draw(self, **kwargs):
        pos = HMC_sampler.draw(self, **kwargs)
        trace = self.__dict__.setdefault('trace', [])
        trace.append((numpy.array(pos, copy=True),
                      self.stepsize.get_value().item(),
                      self.avg_acceptance_rate.get_value().item()))
        return pos


def floats(a):
    return numpy.asarray(a).astype(numpy.float64).tolist()


def main(out_json):
    sampler = test_hmc.sampler_on_nd_gaussian(
        RecordingSampler.new_from_shared_positions,
        burnin=BURNIN, n_samples=N_SAMPLES, dim=DIM)
    sys.stdout.flush()

    # test_hmc.test_hmc()'s asserts
    asserts = [
        bool(abs(sampler.avg_acceptance_rate.get_value() -
                 sampler.target_acceptance_rate) < .1),
        bool(sampler.stepsize.get_value() >= sampler.stepsize_min),
        bool(sampler.stepsize.get_value() <= sampler.stepsize_max),
    ]

    trace = sampler.trace
    assert len(trace) == BURNIN + N_SAMPLES
    # exactly as sampler_on_nd_gaussian: draws after burn-in, flattened
    _samples = numpy.asarray([t[0] for t in trace[BURNIN:]])
    samples = _samples.T.reshape(DIM, -1).T
    emp_mean = samples.mean(axis=0)
    emp_cov = numpy.cov(samples.T)

    # the target, recomputed as sampler_on_nd_gaussian does
    rng = numpy.random.RandomState(123)
    mu = numpy.array(rng.rand(DIM) * 10, dtype=theano.config.floatX)
    cov = numpy.array(rng.rand(DIM, DIM), dtype=theano.config.floatX)
    cov = (cov + cov.T) / 2.
    cov[numpy.arange(DIM), numpy.arange(DIM)] = 1.0
    position0 = rng.randn(3, DIM).astype(theano.config.floatX)

    stepsize = sampler.stepsize.get_value()
    acc = sampler.avg_acceptance_rate.get_value()
    values = {
        'floatX': theano.config.floatX,
        'theano': theano.__version__,
        'numpy': numpy.__version__,
        'blas.ldflags': theano.config.blas.ldflags,
        'burnin': BURNIN, 'n_samples': N_SAMPLES, 'dim': DIM, 'batchsize': 3,
        # repr of the 0-d array's scalar (shortest round-trip string in floatX)
        'final_stepsize_repr': repr(stepsize[()]),
        'final_stepsize_dtype': str(stepsize.dtype),
        'final_stepsize': float(stepsize),
        'final_avg_acceptance_rate_repr': repr(acc[()]),
        'final_avg_acceptance_rate_dtype': str(acc.dtype),
        'final_avg_acceptance_rate': float(acc),
        'test_hmc_asserts_pass': asserts,
        'samples_dtype': str(samples.dtype),
        'empirical_mean_dtype': str(emp_mean.dtype),
        'empirical_mean': floats(emp_mean),
        'empirical_cov_dtype': str(emp_cov.dtype),
        'empirical_cov': floats(emp_cov),
        'target_mean': floats(mu),
        'target_cov': floats(cov),
        'initial_position': floats(position0),
        'final_position': floats(trace[-1][0]),
        # sha256 of the (2000, 3, 5) array of all draws, in floatX, C order
        'all_draws_sha256': hashlib.sha256(numpy.ascontiguousarray(
            numpy.asarray([t[0] for t in trace])).tobytes()).hexdigest(),
        'checkpoints': [
            {'draw': k, 'position': floats(trace[k - 1][0]),
             'stepsize': trace[k - 1][1],
             'avg_acceptance_rate': trace[k - 1][2]}
            for k in CHECKPOINTS],
    }
    with open(out_json, 'w') as f:   # one key a line
        f.write('{\n' + ',\n'.join('%s: %s' % (json.dumps(k), json.dumps(v))
                                     for k, v in values.items()) + '\n}\n')
    if not all(asserts):
        sys.exit('test_hmc asserts failed: %r' % (asserts,))


if __name__ == '__main__':
    main(sys.argv[1])
