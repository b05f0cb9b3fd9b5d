"""Contractive auto-encoders (cA) on MNIST.

Like the autoencoder of :mod:`deeplearning_tutorials.dA`, a contractive
auto-encoder maps an input :math:`x \\in [0, 1]^d` to a hidden representation
:math:`h = s(Wx + b)` and back to a reconstruction :math:`z = s(W^T h + b')`,
with tied weights. Instead of corrupting the input, it adds to the
reconstruction's cross-entropy the squared Frobenius norm of the Jacobian of
the hidden mapping with respect to the input,

.. math::

    -\\sum_{k=1}^d \\left[x_k \\log z_k + (1 - x_k) \\log(1 - z_k)\\right]
    + \\lambda \\left\\| \\frac{\\partial h(x)}{\\partial x} \\right\\|_F^2,

which rewards a code that changes little when the input moves: the mapping
is made *contractive* around the training examples, and only the directions
the data vary along survive the penalty.

Run it with ``python -m deeplearning_tutorials.cA``; the learnt filters (the
rows of :math:`W^T`) are saved as ``cae_filters.png`` in ``cA_plots/``.

This is a faithful port of the original ``code/cA.py``, which is the
specification, with two behaviours of the original kept on purpose (each is
explained where it happens):

- the penalty is written ``T.sum(J ** 2) // n_batchsize``: a *floor*
  division, whose gradient Theano (and PyTensor) defines as zero, so the
  penalty is part of the cost's value but not of its gradient, and training
  is that of a plain autoencoder whatever the contraction level
  (:meth:`cA.get_cost_updates`);
- the line printed after each epoch shows two numbers of the epoch's first
  two minibatches, not means over the epoch (:func:`epoch_line`).

References: S. Rifai, P. Vincent, X. Muller, X. Glorot and Y. Bengio,
*Contractive Auto-Encoders: Explicit Invariance During Feature Extraction*,
ICML 2011; S. Rifai, X. Muller, X. Glorot, G. Mesnil, Y. Bengio and
P. Vincent, *Learning invariant features through local space contraction*,
Technical Report 1360, Université de Montréal; Y. Bengio, P. Lamblin,
D. Popovici and H. Larochelle, *Greedy Layer-Wise Training of Deep
Networks*, NIPS 2006.
"""

import os
import sys

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery import cli, pretraining, reuse, training
from deeplearning_tutorials.machinery.data import DEFAULT_DATASET, load_data, minibatch
from deeplearning_tutorials.machinery.errors import InputError
from deeplearning_tutorials.machinery.params import sigmoid_weights, zero_bias
# the filters are drawn as the denoising autoencoder's are: the first 100
# rows of W^T, tiled 10 x 10
from deeplearning_tutorials.dA import save_filter_image


class cA:
    """Contractive auto-encoder with tied weights and sigmoid units.

    For a minibatch of examples :math:`x` (one per row),

    1. :math:`h_i = s(W_i x + b_i)`, the code (:meth:`get_hidden_values`),
    2. :math:`J_i = h_i (1 - h_i) W_i`, the Jacobian :math:`\\partial h /
       \\partial x` of each example (:meth:`get_jacobian`),
    3. :math:`x' = s(W^T h + b')`, the reconstruction
       (:meth:`get_reconstructed_input`),
    4. :math:`L = -\\sum_k [x_k \\log x'_k + (1 - x_k) \\log(1 - x'_k)] +
       \\lambda \\sum_{ij} J_{ij}^2`, the cost (:meth:`get_cost_updates`).
    """

    def __init__(
        self,
        numpy_rng,
        input=None,
        n_visible=784,
        n_hidden=100,
        n_batchsize=1,
        W=None,
        bhid=None,
        bvis=None,
    ):
        """Build the autoencoder; create ``W``, ``bhid``, ``bvis`` unless given.

        :type numpy_rng: numpy.random.RandomState
        :param numpy_rng: draws the initial weights
        :param input: a symbolic matrix of examples (one per row), or
            ``None`` for a standalone cA
        :param n_visible: number of visible units (the input dimension)
        :param n_hidden: number of hidden units
        :param n_batchsize: examples per minibatch; the Jacobian is computed
            for minibatches of exactly this size (:meth:`get_jacobian`)
        :param W, bhid, bvis: shared variables to use as the weights and the
            hidden and visible biases, e.g. shared with another model;
            ``None`` creates them
        """
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        self.n_batchsize = n_batchsize
        if W is None:
            # uniform in +-4 sqrt(6 / (n_visible + n_hidden)), in floatX
            W = sigmoid_weights(numpy_rng, n_visible, n_hidden)
        if bvis is None:
            bvis = zero_bias(n_visible, "bvis")
        if bhid is None:
            bhid = zero_bias(n_hidden, "bhid")

        self.W = W
        self.b = bhid  # the bias of the hidden units
        self.b_prime = bvis  # the bias of the visible units
        self.W_prime = self.W.T  # tied weights
        # the original's standalone input is a float64 matrix (T.dmatrix); as
        # in dA, this port's is a matrix of floatX
        self.x = pt.matrix(name="input") if input is None else input
        self.params = [self.W, self.b, self.b_prime]

    def get_hidden_values(self, input):
        """The code :math:`s(W x + b)` of ``input``."""
        return pt.sigmoid(pt.dot(input, self.W) + self.b)

    def get_jacobian(self, hidden, W):
        """The Jacobian of the code with respect to the input, per example.

        Since :math:`h_i = s(\\sum_j W_{ji} x_j + b_i)`, the derivative
        :math:`\\partial h_i / \\partial x_j` is :math:`h_i (1 - h_i)
        W_{ji}`. For a minibatch of ``n_batchsize`` codes the result has
        shape ``(n_batchsize, n_visible, n_hidden)``: the two reshapes line
        up :math:`h (1 - h)` (one row per example) with the rows of
        :math:`W` so that the element-wise product broadcasts over the
        right axes.
        """
        return pt.reshape(
            hidden * (1 - hidden), (self.n_batchsize, 1, self.n_hidden)
        ) * pt.reshape(W, (1, self.n_visible, self.n_hidden))

    def get_reconstructed_input(self, hidden):
        """The reconstruction :math:`s(W^T h + b')` of a code ``hidden``."""
        return pt.sigmoid(pt.dot(hidden, self.W_prime) + self.b_prime)

    def get_cost_updates(self, contraction_level, learning_rate):
        """The cost of one minibatch and its SGD updates.

        Sets ``self.L_rec``, the cross-entropy of each example's
        reconstruction (a vector), and ``self.L_jacob``, the Jacobian
        penalty of the minibatch, which the training function returns.

        :returns: ``(cost, updates)``, with ``cost`` = mean(``L_rec``) +
            ``contraction_level`` * ``L_jacob``
        """
        y = self.get_hidden_values(self.x)
        z = self.get_reconstructed_input(y)
        J = self.get_jacobian(y, self.W)
        # one cross-entropy per example (summed over the pixels)
        self.L_rec = -pt.sum(self.x * pt.log(z) + (1 - self.x) * pt.log(1 - z), axis=1)

        # The squared Frobenius norm of the Jacobians, averaged over the
        # minibatch. As in the original, with a floor division (//): its value
        # is rounded down to a whole number, and its gradient is zero (Theano
        # 1.0.5 and PyTensor both define the gradient of // so), so the
        # penalty adds to the cost but not to the updates, and the training
        # is that of a plain autoencoder whatever contraction_level is.
        self.L_jacob = pt.sum(J**2) // self.n_batchsize

        cost = pt.mean(self.L_rec) + contraction_level * pt.mean(self.L_jacob)
        updates = training.sgd_updates(cost, self.params, learning_rate)
        return cost, updates


def epoch_line(epoch, c):
    """The line the original prints after an epoch whose minibatches returned
    ``c``, a list of ``[mean reconstruction cost, L_jacob]`` pairs.

    The original stacks the pairs into an array of one row per minibatch,
    ``c_array``, and prints ``numpy.mean(c_array[0])`` as the
    "reconstruction cost" and ``numpy.mean(numpy.sqrt(c_array[1]))`` as the
    "jacobian norm". ``c_array[0]`` and ``c_array[1]`` are *rows*, the
    first two minibatches, not the two columns: the first number is the
    mean of minibatch 0's reconstruction cost and penalty, the second the
    mean of the square roots of minibatch 1's. The original is the
    specification, so this port prints the same two numbers, in floatX
    (``str`` of a NumPy scalar, as ``print`` writes it).
    """
    c_array = numpy.vstack(c)
    return "Training epoch %d, reconstruction cost  %s  jacobian norm  %s" % (
        epoch,
        numpy.mean(c_array[0]),
        numpy.mean(numpy.sqrt(c_array[1])),
    )


def train_cA(
    datasets,
    contraction_level,
    learning_rate,
    training_epochs,
    batch_size,
    checkpoint_dir=None,
    resume=False,
    dataset=None,
):
    """Train a fresh 784-500 cA on the training set; return it and its costs.

    The weights are drawn from ``RandomState(123)``. With ``checkpoint_dir``
    the run is saved there at every epoch end and ``resume`` continues it.
    Each epoch's line is the original's (:func:`epoch_line`); the costs of the
    returned
    :class:`~deeplearning_tutorials.machinery.pretraining.PretrainingResult`
    are each epoch's mean cost, mean(``L_rec``) + ``contraction_level`` *
    ``L_jacob`` over all its minibatches, and its ``printed`` attribute
    holds the numbers of the lines printed by this call.
    """
    train_set_x = datasets[0][0]
    n_train_batches = training.count_batches(datasets, batch_size)[0]
    if n_train_batches < 2:
        raise InputError(
            f"batch size {batch_size} leaves {n_train_batches} minibatch of the "
            "training set; the cA prints numbers of the first two minibatches "
            "of each epoch, so it needs at least two"
        )
    index = pt.lscalar()  # index to a minibatch
    x = pt.matrix("x")  # the data, as rasterised images

    rng = numpy.random.RandomState(123)
    ca = cA(
        numpy_rng=rng,
        input=x,
        n_visible=28 * 28,
        n_hidden=500,
        n_batchsize=batch_size,
    )
    # the values as shared variables, so that the trials of a sweep that
    # differ only in them reuse one compiled function (the epoch's cost
    # below is computed in Python, with the number)
    cost, updates = ca.get_cost_updates(
        contraction_level=reuse.hyperparameter(contraction_level, "contraction_level"),
        learning_rate=reuse.hyperparameter(learning_rate, "learning_rate"),
    )
    train_ca = pytensor.function(
        [index],
        [pt.mean(ca.L_rec), ca.L_jacob],
        updates=updates,
        givens={x: minibatch(train_set_x, index, batch_size)},
    )
    pretraining.warm_up_steps([train_ca], ca.params)

    c = []  # the epoch's [mean reconstruction cost, L_jacob] pairs
    printed = []

    def step(index):
        """One training step; keeps the pair for the epoch's line and returns
        the minibatch's cost, for the epoch's mean (and the NaN check)."""
        if index == 0:
            c.clear()
        pair = train_ca(index)
        c.append(pair)
        return float(pair[0]) + contraction_level * float(pair[1])

    def log_line(layer, epoch, mean_cost):
        c_array = numpy.vstack(c)
        printed.append(
            {
                "epoch": epoch,
                "reconstruction_cost": float(numpy.mean(c_array[0])),
                "jacobian_norm": float(numpy.mean(numpy.sqrt(c_array[1]))),
            }
        )
        return epoch_line(epoch, c)

    checkpointer = training.checkpointer_for(
        checkpoint_dir,
        "cA",
        ca.params,
        contraction_level=contraction_level,
        learning_rate=learning_rate,
        batch_size=batch_size,
        dataset=dataset,  # a resume checks the data's content
    )
    result = pretraining.pretrain_layers(
        [step],
        n_train_batches,
        training_epochs,
        log_line=log_line,
        params=ca.params,
        checkpointer=checkpointer,
        resume=resume,
    )
    result.printed = printed
    return ca, result


def test_cA(
    learning_rate=0.01,
    training_epochs=20,
    dataset=DEFAULT_DATASET,
    batch_size=10,
    output_folder="cA_plots",
    contraction_level=0.1,
    results_json=None,
    checkpoint_dir=None,
    resume=False,
):
    """Train a contractive autoencoder on MNIST and save its filters.

    Prints one line per epoch (see :func:`epoch_line`) and the training time,
    and saves the filters as ``cae_filters.png`` in ``output_folder``.

    :param learning_rate: SGD step size
    :param training_epochs: passes over the training set
    :param dataset: the path of the MNIST dataset file
    :param batch_size: examples per minibatch
    :param output_folder: where the filter image is written (created if
        needed)
    :param contraction_level: the weight :math:`\\lambda` of the Jacobian
        penalty in the cost (which, as in the original, does not reach the
        gradient: see :meth:`cA.get_cost_updates`)
    :param results_json: if given, the costs, the time and the numbers
        printed (for the epochs this process ran) are written there
    :param checkpoint_dir: if given, the training is saved there at every
        epoch end
    :param resume: continue the run saved in ``checkpoint_dir``
    :returns: the
        :class:`~deeplearning_tutorials.machinery.pretraining.PretrainingResult`
    """
    datasets = load_data(dataset)
    os.makedirs(output_folder, exist_ok=True)
    ca, result = train_cA(
        datasets,
        contraction_level,
        learning_rate,
        training_epochs,
        batch_size,
        checkpoint_dir,
        resume,
        dataset,
    )
    print(
        "The code for file %s ran for %.2fm"
        % (os.path.basename(__file__), result.seconds / 60.0),
        file=sys.stderr,
    )
    save_filter_image(ca, os.path.join(output_folder, "cae_filters.png"))
    training.write_record(
        results_json,
        result,
        model="cA",
        costs_are="mean over each epoch of mean(L_rec) + contraction_level * L_jacob",
        printed=result.printed,
        learning_rate=learning_rate,
        training_epochs=training_epochs,
        batch_size=batch_size,
        contraction_level=contraction_level,
        dataset=str(dataset),
    )
    return result


def main(argv=None):
    parser = cli.make_parser(
        "cA",
        "Train a contractive autoencoder (784-500, tied weights) on MNIST and "
        "save its filters as an image.",
    )
    cli.add_pretraining_arguments(
        parser, learning_rate=0.01, training_epochs=20, batch_size=10
    )
    cli.add_output_folder_argument(parser, "cA_plots")
    parser.add_argument(
        "--contraction-level",
        type=cli.non_negative_float,
        default=0.1,
        help="weight of the Jacobian penalty in the cost; as in the original, "
        "the penalty is floor-divided (//), whose gradient is zero, so it "
        "changes the cost's value but not the training",
    )
    return cli.run(test_cA, parser.parse_args(argv))


if __name__ == "__main__":
    main()
