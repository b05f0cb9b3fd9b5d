"""Denoising autoencoders (dA) on MNIST.

An autoencoder maps an input :math:`x \\in [0, 1]^d` to a hidden
representation :math:`y = s(Wx + b)` and maps it back to a reconstruction
:math:`z = s(W'y + b')` of the same shape, with tied weights
:math:`W' = W^T`. Training minimises the cross-entropy of the reconstruction,

.. math::

    L(x, z) = -\\sum_{k=1}^d \\left[x_k \\log z_k + (1 - x_k) \\log(1 - z_k)\\right].

A *denoising* autoencoder is trained to reconstruct the clean input from a
corrupted copy :math:`\\tilde{x}`: a random fraction (the corruption level) of
the inputs is set to zero, and the network must guess them from the others,
which forces it to learn the dependencies between pixels rather than the
identity.

Run it with ``python -m deeplearning_tutorials.dA``; the learnt filters (the
rows of :math:`W^T`) are saved as images in ``dA_plots/``.

References: P. Vincent, H. Larochelle, Y. Bengio and P.-A. Manzagol,
*Extracting and Composing Robust Features with Denoising Autoencoders*,
ICML 2008; Y. Bengio, *Learning deep architectures for AI*, 2009.
"""

import os
import sys

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery import cli, pretraining, reuse, training
from deeplearning_tutorials.machinery.data import DEFAULT_DATASET, load_data, minibatch
from deeplearning_tutorials.machinery.noise import make_random_streams
from deeplearning_tutorials.machinery.params import sigmoid_weights, zero_bias
from tile_utils import save_png, tile_raster_images


class dA:
    """Denoising auto-encoder with tied weights and sigmoid units.

    The three steps of one training example are

    1. :math:`\\tilde{x} \\sim q_D(\\tilde{x} | x)`, the corrupted input
       (:meth:`get_corrupted_input`),
    2. :math:`y = s(W \\tilde{x} + b)`, the code (:meth:`get_hidden_values`),
    3. :math:`z = s(W^T y + b')`, the reconstruction
       (:meth:`get_reconstructed_input`),

    and the cost is the cross-entropy :math:`L(x, z)` of the clean input.
    """

    def __init__(
        self,
        numpy_rng,
        theano_rng=None,
        input=None,
        n_visible=784,
        n_hidden=500,
        W=None,
        bhid=None,
        bvis=None,
    ):
        """Build the autoencoder; create ``W``, ``bhid``, ``bvis`` unless given.

        :type numpy_rng: numpy.random.RandomState
        :param numpy_rng: draws the initial weights (and the noise seed when
            ``theano_rng`` is not given)
        :param theano_rng: the symbolic random generator of the corruption
            noise (see :mod:`deeplearning_tutorials.machinery.noise`); if ``None``,
            Theano's MRG streams seeded with ``numpy_rng.randint(2 ** 30)``
        :param input: a symbolic matrix of examples (one per row), or
            ``None`` for a standalone dA
        :param n_visible: number of visible units (the input dimension)
        :param n_hidden: number of hidden units
        :param W, bhid, bvis: shared variables to use as the weights and the
            hidden and visible biases, e.g. shared with a
            :class:`~deeplearning_tutorials.mlp.HiddenLayer` in a stacked
            autoencoder; ``None`` creates them
        """
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        if theano_rng is None:
            theano_rng = make_random_streams(numpy_rng.randint(2**30))

        if W is None:
            W = sigmoid_weights(numpy_rng, n_visible, n_hidden)
        if bvis is None:
            bvis = zero_bias(n_visible, "bvis")
        if bhid is None:
            bhid = zero_bias(n_hidden, "bhid")

        self.W = W
        self.b = bhid  # the bias of the hidden units
        self.b_prime = bvis  # the bias of the visible units
        self.W_prime = self.W.T  # tied weights
        self.theano_rng = theano_rng
        self.x = pt.matrix(name="input") if input is None else input
        self.params = [self.W, self.b, self.b_prime]

    def get_corrupted_input(self, input, corruption_level):
        """Zero each input with probability ``corruption_level``.

        Every entry is kept with probability ``1 - corruption_level``, by a
        binomial mask of one trial drawn anew at every call. ``binomial``
        returns int64 by default; asking for ``floatX`` keeps the product
        with the input in ``floatX``.

        ``corruption_level`` is a number, a ``floatX`` scalar (the SdA's
        input), or a ``float64`` shared variable (:func:`train_dA`'s, for a
        sweep): the probability is then ``1 - corruption_level`` in float64
        rounded once to ``floatX``, the number the original compiled in
        when Python computed ``1 - 0.3`` (a ``floatX`` level would round
        twice, one unit in the last place off for many levels in float32).
        """
        keep = pt.cast(1 - corruption_level, pytensor.config.floatX)
        return (
            self.theano_rng.binomial(
                size=input.shape,
                n=1,
                p=keep,
                dtype=pytensor.config.floatX,
            )
            * input
        )

    def get_hidden_values(self, input):
        """The code :math:`s(W x + b)` of ``input``."""
        return pt.sigmoid(pt.dot(input, self.W) + self.b)

    def get_reconstructed_input(self, hidden):
        """The reconstruction :math:`s(W^T y + b')` of a code ``hidden``."""
        return pt.sigmoid(pt.dot(hidden, self.W_prime) + self.b_prime)

    def get_cost_updates(self, corruption_level, learning_rate):
        """The mean cross-entropy cost of one minibatch and its SGD updates.

        :returns: ``(cost, updates)``: the SGD step of every parameter, and
            the noise generator's step to its next state
        """
        tilde_x = self.get_corrupted_input(self.x, corruption_level)
        y = self.get_hidden_values(tilde_x)
        z = self.get_reconstructed_input(y)
        # one cross-entropy per example (summed over the pixels), then the
        # mean over the minibatch
        L = -pt.sum(self.x * pt.log(z) + (1 - self.x) * pt.log(1 - z), axis=1)
        cost = pt.mean(L)
        updates = training.sgd_updates(cost, self.params, learning_rate)
        return cost, updates + self.theano_rng.updates_for([cost])


def train_dA(
    datasets,
    corruption_level,
    learning_rate,
    training_epochs,
    batch_size,
    checkpoint_dir=None,
    resume=False,
    rng="mrg",
    dataset=None,
):
    """Train a fresh 784-500 dA on the training set; return it and its costs.

    The noise seed and the weights are drawn from ``RandomState(123)`` in
    the original order, so both corruption levels start from the same
    weights; ``rng`` chooses the noise source
    (:func:`~deeplearning_tutorials.machinery.noise.make_random_streams`). With
    ``checkpoint_dir`` the run is saved there at every epoch end (one file
    per corruption level) and ``resume`` continues it.
    """
    train_set_x = datasets[0][0]
    n_train_batches = training.count_batches(datasets, batch_size)[0]
    # start-snippet-2
    index = pt.lscalar()  # index to a minibatch
    x = pt.matrix("x")  # the data, as rasterised images
    # end-snippet-2

    # start-snippet-3

    numpy_rng = numpy.random.RandomState(123)
    theano_rng = make_random_streams(numpy_rng.randint(2**30), rng)
    da = dA(
        numpy_rng=numpy_rng,
        theano_rng=theano_rng,
        input=x,
        n_visible=28 * 28,
        n_hidden=500,
    )
    # the values as shared variables, so that the trials of a sweep that
    # differ only in them reuse one compiled function (the corruption level
    # in float64: see dA.get_corrupted_input)
    cost, updates = da.get_cost_updates(
        corruption_level=reuse.hyperparameter(
            corruption_level, "corruption_level", dtype="float64"
        ),
        learning_rate=reuse.hyperparameter(learning_rate, "learning_rate"),
    )
    train_da = pytensor.function(
        [index],
        cost,
        updates=updates,
        givens={x: minibatch(train_set_x, index, batch_size)},
    )
    pretraining.warm_up_steps([train_da], da.params, theano_rng)
    checkpointer = training.checkpointer_for(
        checkpoint_dir,
        "dA",
        da.params,
        file_name=f"corruption_{round(corruption_level * 100)}.npz",
        corruption_level=corruption_level,
        learning_rate=learning_rate,
        batch_size=batch_size,
        rng=rng,
        dataset=dataset,  # a resume checks the data's content
    )
    result = pretraining.pretrain_layers(
        [train_da],
        n_train_batches,
        training_epochs,
        log_line=lambda layer, epoch, cost: f"Training epoch {epoch}, cost  {cost}",
        params=da.params,
        random_streams=theano_rng,
        checkpointer=checkpointer,
        resume=resume,
    )
    # end-snippet-3
    return da, result


def save_filter_image(da, path):
    """Tile the first 100 filters (rows of :math:`W^T`) as a 10x10 PNG."""
    image = tile_raster_images(
        X=da.W.get_value(borrow=True).T,
        img_shape=(28, 28),
        tile_shape=(10, 10),
        tile_spacing=(1, 1),
    )
    save_png(image, path)


def test_dA(
    learning_rate=0.1,
    training_epochs=15,
    dataset=DEFAULT_DATASET,
    batch_size=20,
    output_folder="dA_plots",
    results_json=None,
    checkpoint_dir=None,
    resume=False,
    rng="mrg",
):
    """Train a dA without corruption, then one with 30 % corruption.

    Prints the mean cost of every epoch and the training time of each, and
    saves the filters as ``filters_corruption_0.png`` and
    ``filters_corruption_30.png`` in ``output_folder``.

    :param learning_rate: SGD step size
    :param training_epochs: passes over the training set, for each dA
    :param dataset: the path of the MNIST dataset file
    :param batch_size: examples per minibatch
    :param output_folder: where the filter images are written (created if
        needed)
    :param results_json: if given, the costs and times are written there
    :param checkpoint_dir: if given, each training is saved there at every
        epoch end
    :param resume: continue the runs saved in ``checkpoint_dir``
    :param rng: the corruption noise: ``"mrg"``, the original's draws, or
        ``"pytensor"`` (see :mod:`deeplearning_tutorials.machinery.noise`)
    :returns: ``(result_0, result_30)``, the
        :class:`~deeplearning_tutorials.machinery.pretraining.PretrainingResult` of
        each dA
    """
    datasets = load_data(dataset)
    os.makedirs(output_folder, exist_ok=True)
    results = []
    for corruption_level, label in ((0.0, "no corruption"), (0.3, "30% corruption")):
        da, result = train_dA(
            datasets,
            corruption_level,
            learning_rate,
            training_epochs,
            batch_size,
            checkpoint_dir,
            resume,
            rng,
            dataset,
        )
        print(
            "The %s code for file %s ran for %.2fm"
            % (label, os.path.basename(__file__), result.seconds / 60.0),
            file=sys.stderr,
        )
        # start-snippet-4
        image_name = f"filters_corruption_{round(corruption_level * 100)}.png"
        save_filter_image(da, os.path.join(output_folder, image_name))
        # end-snippet-4
        results.append(result)
    training.write_record(
        results_json,
        pretraining.PretrainingResult(
            costs=[r.costs[0] for r in results],
            seconds=sum(r.seconds for r in results),
        ),
        model="dA",
        stages=["corruption 0.0", "corruption 0.3"],
        learning_rate=learning_rate,
        training_epochs=training_epochs,
        batch_size=batch_size,
        rng=rng,
        dataset=str(dataset),
    )
    return tuple(results)


def main(argv=None):
    parser = cli.make_parser(
        "dA",
        "Train a denoising autoencoder (784-500, tied weights) on MNIST, "
        "without and with 30 % corruption, and save its filters as images.",
    )
    cli.add_pretraining_arguments(
        parser, learning_rate=0.1, training_epochs=15, batch_size=20
    )
    cli.add_output_folder_argument(parser, "dA_plots")
    cli.add_rng_argument(parser)
    return cli.run(test_dA, parser.parse_args(argv))


if __name__ == "__main__":
    main()
