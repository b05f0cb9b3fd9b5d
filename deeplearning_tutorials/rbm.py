"""Restricted Boltzmann machines (RBM) on MNIST, trained by contrastive divergence.

An RBM is an energy-based model of binary visible units :math:`v` and binary
hidden units :math:`h`, with no connection inside a layer:

.. math::

    E(v, h) = -b'v - c'h - h'Wv, \\qquad
    P(v) = \\frac{1}{Z} \\sum_h e^{-E(v, h)} = \\frac{e^{-F(v)}}{Z},

where :math:`F(v) = -b'v - \\sum_i \\log(1 + e^{c_i + W_i v})` is the free
energy. Because the units of a layer are independent given the other layer,

.. math::

    P(h_i = 1 | v) = \\mathrm{sigm}(c_i + W_i v), \\qquad
    P(v_j = 1 | h) = \\mathrm{sigm}(b_j + W'_j h),

and block Gibbs sampling alternates between the two layers. The gradient of
the log-likelihood is the difference of the free energy's gradient at the
data (positive phase) and at samples of the model (negative phase). The
negative phase is estimated from a short Gibbs chain of ``k`` steps started
at the data (CD-k) or continuing the chain of the previous update
(persistent CD, PCD-k). The chain is a ``scan``.

Run it with ``python -m deeplearning_tutorials.rbm``: it trains with PCD-15,
saves the filters after every epoch and, at the end, samples from the model.

References: G. E. Hinton, *Training products of experts by minimizing
contrastive divergence*, 2002; T. Tieleman, *Training restricted Boltzmann
machines using approximations to the likelihood gradient*, ICML 2008.
"""

import os
import timeit
import warnings

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery import cli, pretraining, reuse, training
from deeplearning_tutorials.machinery.data import DEFAULT_DATASET, load_data, minibatch
from deeplearning_tutorials.machinery.noise import (
    GeneratorChain,
    RandomStreams,
    make_random_streams,
)
from deeplearning_tutorials.machinery.params import sigmoid_weights, zero_bias
from tile_utils import save_png, tile_raster_images


# start-snippet-1
class RBM:
    """A restricted Boltzmann machine with binary units."""

    def __init__(
        self,
        input=None,
        n_visible=784,
        n_hidden=500,
        W=None,
        hbias=None,
        vbias=None,
        numpy_rng=None,
        theano_rng=None,
    ):
        """Build the RBM; create ``W``, ``hbias`` and ``vbias`` unless given.

        :param input: a symbolic matrix of examples, or ``None`` for a
            standalone RBM
        :param n_visible: number of visible units
        :param n_hidden: number of hidden units
        :param W, hbias, vbias: shared variables to use as parameters, e.g.
            shared with a sigmoid layer of a DBN; ``None`` creates them
        :type numpy_rng: numpy.random.RandomState
        :param numpy_rng: draws the initial weights (``RandomState(1234)``
            if ``None``)
        :param theano_rng: the symbolic noise source (see
            :mod:`deeplearning_tutorials.machinery.noise`); if ``None``, Theano's MRG
            streams seeded with ``numpy_rng.randint(2 ** 30)``
        """
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        if numpy_rng is None:
            numpy_rng = numpy.random.RandomState(1234)
        if theano_rng is None:
            theano_rng = make_random_streams(numpy_rng.randint(2**30))

        if W is None:
            W = sigmoid_weights(numpy_rng, n_visible, n_hidden)
        if hbias is None:
            hbias = zero_bias(n_hidden, "hbias")
        if vbias is None:
            vbias = zero_bias(n_visible, "vbias")

        self.input = pt.matrix("input") if input is None else input
        self.W = W
        self.hbias = hbias
        self.vbias = vbias
        self.theano_rng = theano_rng
        self.params = [self.W, self.hbias, self.vbias]
        # end-snippet-1

    def free_energy(self, v_sample):
        """The free energy :math:`F(v)` of each row of ``v_sample``."""
        wx_b = pt.dot(v_sample, self.W) + self.hbias
        vbias_term = pt.dot(v_sample, self.vbias)
        hidden_term = pt.sum(pt.softplus(wx_b), axis=1)  # log(1 + exp(wx_b))
        return -hidden_term - vbias_term

    def propup(self, vis):
        """``[pre_sigmoid, P(h = 1 | vis)]``: the hidden units' activation.

        The pre-sigmoid activation is returned too, so that expressions
        built on it (the reconstruction cross-entropy) can be written in a
        numerically stable form.
        """
        pre_sigmoid_activation = pt.dot(vis, self.W) + self.hbias
        return [pre_sigmoid_activation, pt.sigmoid(pre_sigmoid_activation)]

    def sample_h_given_v(self, v0_sample, noise=None):
        """``[pre_sigmoid, mean, sample]`` of the hidden units given ``v0_sample``.

        The sample is a binomial draw of one trial per unit, as ``floatX``
        (``binomial`` returns int64 by default).

        :param noise: where the draws come from: the RBM's ``theano_rng`` by
            default, or a :class:`~deeplearning_tutorials.machinery.noise.GeneratorChain`
            inside a ``scan`` step of PyTensor's native generator
        """
        pre_sigmoid_h1, h1_mean = self.propup(v0_sample)
        h1_sample = (noise or self.theano_rng).binomial(
            size=h1_mean.shape, n=1, p=h1_mean, dtype=pytensor.config.floatX
        )
        return [pre_sigmoid_h1, h1_mean, h1_sample]

    def propdown(self, hid):
        """``[pre_sigmoid, P(v = 1 | hid)]``: the visible units' activation."""
        pre_sigmoid_activation = pt.dot(hid, self.W.T) + self.vbias
        return [pre_sigmoid_activation, pt.sigmoid(pre_sigmoid_activation)]

    def sample_v_given_h(self, h0_sample, noise=None):
        """``[pre_sigmoid, mean, sample]`` of the visible units given ``h0_sample``."""
        pre_sigmoid_v1, v1_mean = self.propdown(h0_sample)
        v1_sample = (noise or self.theano_rng).binomial(
            size=v1_mean.shape, n=1, p=v1_mean, dtype=pytensor.config.floatX
        )
        return [pre_sigmoid_v1, v1_mean, v1_sample]

    def gibbs_hvh(self, h0_sample, noise=None):
        """One Gibbs step from the hidden state: sample v, then h."""
        pre_sigmoid_v1, v1_mean, v1_sample = self.sample_v_given_h(h0_sample, noise)
        pre_sigmoid_h1, h1_mean, h1_sample = self.sample_h_given_v(v1_sample, noise)
        return [pre_sigmoid_v1, v1_mean, v1_sample, pre_sigmoid_h1, h1_mean, h1_sample]

    def gibbs_vhv(self, v0_sample, noise=None):
        """One Gibbs step from the visible state: sample h, then v."""
        pre_sigmoid_h1, h1_mean, h1_sample = self.sample_h_given_v(v0_sample, noise)
        pre_sigmoid_v1, v1_mean, v1_sample = self.sample_v_given_h(h1_sample, noise)
        return [pre_sigmoid_h1, h1_mean, h1_sample, pre_sigmoid_v1, v1_mean, v1_sample]

    def gibbs_chain(self, step, start, n_steps, name, unroll=False):
        """Run ``n_steps`` of ``step`` (``gibbs_hvh`` or ``gibbs_vhv``) from ``start``.

        The chain is a ``scan``. Returns the six sequences of ``step`` (one
        entry per Gibbs step) and the updates of the noise generators that
        the chain advances, as a dict.

        With Theano's MRG streams (the default) the step draws from
        ``theano_rng`` as in the original: each ``binomial`` made while
        ``scan`` builds the step gets its own streams, which ``scan`` carries
        from step to step and whose final state it returns as an update.
        With PyTensor's native generator the step draws from one generator
        threaded through the loop state instead (see
        :meth:`_native_gibbs_chain`), which also allows ``unroll=True``: the
        same steps written out one after the other, for the benchmark.
        """
        if isinstance(self.theano_rng, RandomStreams):
            return self._native_gibbs_chain(step, start, n_steps, name, unroll)
        if unroll:
            raise ValueError("unroll=True needs PyTensor's native generator (rng='pytensor')")
        with warnings.catch_warnings():
            # scan's updates of shared variables are what Theano's streams
            # rely on; PyTensor keeps them but warns that they are deprecated
            warnings.simplefilter("ignore", DeprecationWarning)
            chain, updates = pytensor.scan(
                step,
                outputs_info=[None, None, None, None, None, start],
                n_steps=n_steps,
                name=name,
            )
        return chain, dict(updates)

    def _native_gibbs_chain(self, step, start, n_steps, name, unroll):
        """The chain with one native generator in the loop state: each step
        receives it, draws from it, and hands its new state to the next step
        (scan keeps only the last state of a generator, not the sequence)."""
        rng = self.theano_rng.generator()

        def one_step(state, rng):
            noise = GeneratorChain(rng)
            return [*step(state, noise), noise.rng]

        if unroll:
            steps, state, last_rng = [], start, rng
            for _ in range(n_steps):
                *outputs, last_rng = one_step(state, last_rng)
                steps.append(outputs)
                state = outputs[-1]
            chain = [pt.stack(sequence) for sequence in zip(*steps)]
        else:
            *chain, last_rng = pytensor.scan(
                one_step,
                outputs_info=[None] * 5 + [start, rng],
                n_steps=n_steps,
                name=name,
                return_updates=False,
            )
        self.theano_rng.advance(rng, last_rng)
        return chain, {rng: last_rng}

    # start-snippet-2
    def get_cost_updates(self, lr=0.1, persistent=None, k=1, unroll=False):
        """One step of CD-k (``persistent=None``) or PCD-k.

        :param lr: learning rate
        :param persistent: ``None`` for CD-k; for PCD-k a shared variable of
            shape ``(batch size, n_hidden)`` holding the hidden state of the
            persistent chain, which the updates advance
        :param k: number of Gibbs steps of the negative phase
        :param unroll: write the chain's steps out instead of a ``scan``
            (the same computation; see :meth:`gibbs_chain`)
        :returns: ``(monitoring_cost, updates)``: a proxy of the
            log-likelihood (pseudo-likelihood for PCD, reconstruction
            cross-entropy for CD) and a dict of updates, as the original's:
            ``updates[param]`` is the new value of each parameter, and the
            noise generators, the persistent chain and the pseudo-likelihood's
            bit index have theirs
        """
        # compute positive phase
        pre_sigmoid_ph, ph_mean, ph_sample = self.sample_h_given_v(self.input)

        # decide how to initialize persistent chain:
        # for CD, we use the newly generated hidden sample
        # for PCD, we initialize from the old state of the chain
        if persistent is None:
            chain_start = ph_sample
        else:
            chain_start = persistent
        # end-snippet-2
        # the negative phase: k Gibbs steps, a scan that returns the whole chain
        (
            [
                pre_sigmoid_nvs,
                nv_means,
                nv_samples,
                pre_sigmoid_nhs,
                nh_means,
                nh_samples,
            ],
            updates,
        ) = self.gibbs_chain(self.gibbs_hvh, chain_start, k, "gibbs_hvh", unroll)
        # the positive-phase sample is drawn (and its generator advanced) only
        # where CD starts its chain there
        updates.update(self.theano_rng.updates_for([chain_start]))

        # the gradient uses only the end of the chain, and must not flow
        # through the Gibbs sampling
        # start-snippet-3
        chain_end = nv_samples[-1]
        cost = pt.mean(self.free_energy(self.input)) - pt.mean(
            self.free_energy(chain_end)
        )
        gparams = pytensor.grad(cost, self.params, consider_constant=[chain_end])
        # end-snippet-3 start-snippet-4
        # constructs the update dictionary
        for gparam, param in zip(gparams, self.params):
            # make sure that the learning rate is of the right dtype
            updates[param] = param - gparam * pt.cast(lr, dtype=pytensor.config.floatX)
        if persistent is not None:
            # Note that this works only if persistent is a shared variable
            updates[persistent] = nh_samples[-1]
            # pseudo-likelihood is a better proxy for PCD
            monitoring_cost = self.get_pseudo_likelihood_cost(updates)
        else:
            # reconstruction cross-entropy is a better proxy for CD
            monitoring_cost = self.get_reconstruction_cost(updates, pre_sigmoid_nvs[-1])
        return monitoring_cost, updates
        # end-snippet-4

    def get_pseudo_likelihood_cost(self, updates):
        """A stochastic approximation of the pseudo-likelihood.

        The pseudo-log-likelihood sums :math:`\\log P(x_i | x_{-i})` over the
        visible units; it is estimated from one unit per call, ``bit_i_idx``,
        scaled by ``n_visible``, and the unit moves on by one at each call:
        the update of ``bit_i_idx`` is added to ``updates`` (a dict).
        """
        # index of bit i in expression p(x_i | x_{\i})
        bit_i_idx = pytensor.shared(value=0, name="bit_i_idx")
        self.bit_i_idx = bit_i_idx  # part of the training state
        xi = pt.round(self.input)  # binarise the input image
        fe_xi = self.free_energy(xi)
        # flip bit i of every example, and compute the free energy again
        xi_flip = pt.set_subtensor(xi[:, bit_i_idx], 1 - xi[:, bit_i_idx])
        fe_xi_flip = self.free_energy(xi_flip)
        # log P(x_i | x_{-i}) = log sigm(F(flipped) - F(x))
        cost = pt.mean(self.n_visible * pt.log(pt.sigmoid(fe_xi_flip - fe_xi)))
        # increment bit_i_idx % number as part of updates
        updates[bit_i_idx] = (bit_i_idx + 1) % self.n_visible
        return cost

    def get_reconstruction_cost(self, updates, pre_sigmoid_nv):
        """The mean cross-entropy between the input and its reconstruction.

        Written on the pre-sigmoid activation ``pre_sigmoid_nv``, so that
        the log of the sigmoid becomes a stable ``-softplus``. (``updates``
        is unused, as in the original, whose signature this keeps.)
        """
        return pt.mean(
            pt.sum(
                self.input * pt.log(pt.sigmoid(pre_sigmoid_nv))
                + (1 - self.input) * pt.log(1 - pt.sigmoid(pre_sigmoid_nv)),
                axis=1,
            )
        )


def save_filters(rbm, path):
    """Tile the first 100 filters (rows of :math:`W^T`) as a 10x10 PNG."""
    image = tile_raster_images(
        X=rbm.W.get_value(borrow=True).T,
        img_shape=(28, 28),
        tile_shape=(10, 10),
        tile_spacing=(1, 1),
    )
    save_png(image, path)


def test_rbm(
    learning_rate=0.1,
    training_epochs=15,
    dataset=DEFAULT_DATASET,
    batch_size=20,
    n_chains=20,
    n_samples=10,
    output_folder="rbm_plots",
    n_hidden=500,
    results_json=None,
    checkpoint_dir=None,
    resume=False,
    rng="mrg",
):
    """Train an RBM with PCD-15 on MNIST, then sample from it.

    Saves ``filters_at_epoch_N.png`` after every epoch and ``samples.png``
    at the end, in ``output_folder``.

    :param learning_rate: learning rate of the PCD updates
    :param training_epochs: passes over the training set
    :param dataset: the path of the MNIST dataset file
    :param batch_size: examples per minibatch (and persistent chains)
    :param n_chains: chains run in parallel for the samples
    :param n_samples: samples plotted per chain (1000 Gibbs steps apart)
    :param output_folder: where the images are written (created if needed)
    :param n_hidden: number of hidden units
    :param results_json: if given, the costs and times are written there
    :param checkpoint_dir: if given, the run is saved there at every epoch end
    :param resume: continue the run saved in ``checkpoint_dir``
    :param rng: the noise: ``"mrg"``, the original's draws, or
        ``"pytensor"`` (see :mod:`deeplearning_tutorials.machinery.noise`)
    :returns: the
        :class:`~deeplearning_tutorials.machinery.pretraining.PretrainingResult`
    """
    datasets = load_data(dataset)
    train_set_x = datasets[0][0]
    test_set_x = datasets[2][0]
    n_train_batches = training.count_batches(datasets, batch_size)[0]
    os.makedirs(output_folder, exist_ok=True)
    index = pt.lscalar()  # index to a minibatch
    x = pt.matrix("x")  # the data, as rasterised images

    numpy_rng = numpy.random.RandomState(123)
    theano_rng = make_random_streams(numpy_rng.randint(2**30), rng)
    # the hidden state of the persistent chains, one per example of a batch
    persistent_chain = pytensor.shared(
        numpy.zeros((batch_size, n_hidden), dtype=pytensor.config.floatX),
        name="persistent_chain",
        borrow=True,
    )
    rbm = RBM(
        input=x,
        n_visible=28 * 28,
        n_hidden=n_hidden,
        numpy_rng=numpy_rng,
        theano_rng=theano_rng,
    )
    # the learning rate as a shared variable, so that the trials of a sweep
    # that differ only in it reuse one compiled function
    cost, updates = rbm.get_cost_updates(
        lr=reuse.hyperparameter(learning_rate, "learning_rate"),
        persistent=persistent_chain,
        k=15,
    )
    # start-snippet-5
    train_rbm = pytensor.function(
        [index],
        cost,
        updates=updates,
        givens={x: minibatch(train_set_x, index, batch_size)},
        name="train_rbm",
    )
    state = rbm.params + [persistent_chain, rbm.bit_i_idx]
    pretraining.warm_up_steps([train_rbm], state, theano_rng)
    result = pretraining.pretrain_layers(
        [train_rbm],
        n_train_batches,
        training_epochs,
        # the original's print('Training epoch %d, cost is ' % epoch,
        # numpy.mean(mean_cost)): a floatX mean, written as str() writes it
        log_line=lambda layer, epoch, cost: "Training epoch %d, cost is  %s"
        % (epoch, cost),
        cost_dtype=None,
        params=rbm.params,
        random_streams=theano_rng,
        checkpointer=training.checkpointer_for(
            checkpoint_dir,
            "RBM",
            state,
            learning_rate=learning_rate,
            batch_size=batch_size,
            n_hidden=n_hidden,
            rng=rng,
            dataset=str(dataset),
        ),
        resume=resume,
        on_epoch_end=lambda layer, epoch: save_filters(
            rbm, os.path.join(output_folder, "filters_at_epoch_%i.png" % epoch)
        ),
    )
    print("Training took %f minutes" % (result.seconds / 60.0))
    # end-snippet-5

    start = timeit.default_timer()
    image = sample_from(rbm, test_set_x, numpy_rng, n_chains, n_samples)
    save_png(image, os.path.join(output_folder, "samples.png"))
    sampling_seconds = timeit.default_timer() - start
    training.write_record(
        results_json,
        result,
        model="rbm",
        sampling_seconds=sampling_seconds,
        learning_rate=learning_rate,
        training_epochs=training_epochs,
        batch_size=batch_size,
        n_hidden=n_hidden,
        n_chains=n_chains,
        n_samples=n_samples,
        rng=rng,
        dataset=str(dataset),
    )
    return result


def sample_from(rbm, test_set_x, rng, n_chains, n_samples, plot_every=1000):
    """Run ``n_chains`` persistent Gibbs chains started at test images.

    The chains start at ``n_chains`` consecutive test images at a random
    offset drawn from ``rng``; after every ``plot_every`` Gibbs steps (one
    ``scan``) the visible means of all chains form one row of the returned
    ``uint8`` image, ``n_samples`` rows in all.
    """
    # start-snippet-6
    number_of_test_samples = test_set_x.get_value(borrow=True).shape[0]
    test_idx = rng.randint(number_of_test_samples - n_chains)
    persistent_vis_chain = pytensor.shared(
        numpy.asarray(
            test_set_x.get_value(borrow=True)[test_idx : test_idx + n_chains],
            dtype=pytensor.config.floatX,
        )
    )
    # end-snippet-6 start-snippet-7
    (_, _, _, _, vis_mfs, vis_samples), updates = rbm.gibbs_chain(
        rbm.gibbs_vhv, persistent_vis_chain, plot_every, "gibbs_vhv"
    )
    # the chain continues from its last visible sample at the next call
    updates[persistent_vis_chain] = vis_samples[-1]
    sample_fn = pytensor.function(
        [], [vis_mfs[-1], vis_samples[-1]], updates=updates, name="sample_fn"
    )
    image_data = numpy.zeros((29 * n_samples + 1, 29 * n_chains - 1), dtype="uint8")
    for idx in range(n_samples):
        vis_mf, _ = sample_fn()
        print(" ... plotting sample %d" % idx)
        image_data[29 * idx : 29 * idx + 28, :] = tile_raster_images(
            X=vis_mf,
            img_shape=(28, 28),
            tile_shape=(1, n_chains),
            tile_spacing=(1, 1),
        )
    # end-snippet-7
    return image_data


def main(argv=None):
    parser = cli.make_parser(
        "rbm",
        "Train a restricted Boltzmann machine (784-500) on MNIST with PCD-15, "
        "save its filters after every epoch, then sample from it.",
        default_mode="CVM",
    )
    cli.add_pretraining_arguments(
        parser, learning_rate=0.1, training_epochs=15, batch_size=20
    )
    parser.add_argument(
        "--n-chains",
        type=cli.positive_int,
        default=20,
        help="Gibbs chains sampled in parallel at the end",
    )
    parser.add_argument(
        "--n-samples",
        type=cli.positive_int,
        default=10,
        help="samples plotted per chain, 1000 Gibbs steps apart",
    )
    parser.add_argument(
        "--n-hidden", type=cli.positive_int, default=500, help="number of hidden units"
    )
    cli.add_output_folder_argument(parser, "rbm_plots")
    cli.add_rng_argument(parser)
    return cli.run(test_rbm, parser.parse_args(argv))


if __name__ == "__main__":
    main()
