"""A multilayer perceptron on MNIST, trained by minibatch SGD.

A multilayer perceptron is a logistic regression classifier whose input is
first transformed by a learnt non-linear map :math:`\\Phi`, which projects
the data into a space where it becomes (more) linearly separable. With one
hidden layer of ``tanh`` units:

.. math::

    f(x) = G\\big(b^{(2)} + W^{(2)} s(b^{(1)} + W^{(1)} x)\\big),

where :math:`s` is ``tanh`` and :math:`G` the softmax. The cost is the
negative log-likelihood of the labels plus L1 and L2 penalties on the
weights; everything else (minibatch SGD, early stopping) is as in
:mod:`deeplearning_tutorials.logistic_sgd`.

Run it with ``python -m deeplearning_tutorials.mlp``.

References: C. M. Bishop, *Pattern Recognition and Machine Learning*,
section 5; X. Glorot and Y. Bengio, *Understanding the difficulty of
training deep feedforward neural networks*, AISTATS 2010.
"""

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery import cli, practices, reuse, training
from deeplearning_tutorials.machinery.data import DEFAULT_DATASET, load_data, minibatch_givens
from deeplearning_tutorials.logistic_sgd import LogisticRegression


# start-snippet-1
class HiddenLayer:
    """A fully connected layer: ``output = activation(dot(input, W) + b)``."""

    def __init__(self, rng, input, n_in, n_out, W=None, b=None, activation=pt.tanh):
        """Build the layer; draw ``W`` from ``rng`` unless it is given.

        :type rng: numpy.random.RandomState
        :param rng: a random number generator used to initialise the weights
        :type input: pytensor.tensor.TensorVariable
        :param input: a symbolic tensor of shape ``(n_examples, n_in)``
        :type n_in: int
        :param n_in: dimensionality of the input
        :type n_out: int
        :param n_out: number of hidden units
        :param W, b: shared variables to use as parameters (for example
            shared with another model), or ``None`` to create them
        :param activation: the non-linearity of the hidden layer
            (``pytensor.tensor.tanh``, ``pytensor.tensor.sigmoid``, ...)
        """
        self.input = input
        # end-snippet-1
        floatX = pytensor.config.floatX

        # W is drawn uniformly from +-sqrt(6 / (fan_in + fan_out)) (Glorot and
        # Bengio, 2010), the interval that keeps the tanh units in their
        # linear regime at the start; for a sigmoid the interval is 4 times
        # wider. Converting to floatX makes it usable on a GPU.
        if W is None:
            W_values = numpy.asarray(
                rng.uniform(
                    low=-numpy.sqrt(6.0 / (n_in + n_out)),
                    high=numpy.sqrt(6.0 / (n_in + n_out)),
                    size=(n_in, n_out),
                ),
                dtype=floatX,
            )
            if activation is pt.sigmoid:
                W_values *= 4
            W = pytensor.shared(value=W_values, name="W", borrow=True)

        if b is None:
            b_values = numpy.zeros((n_out,), dtype=floatX)
            b = pytensor.shared(value=b_values, name="b", borrow=True)

        self.W = W
        self.b = b

        lin_output = pt.dot(input, self.W) + self.b
        self.output = lin_output if activation is None else activation(lin_output)
        self.params = [self.W, self.b]


# start-snippet-2
class MLP:
    """A multilayer perceptron with one hidden layer.

    The hidden layer (:class:`HiddenLayer`, ``tanh``) feeds a softmax output
    layer (:class:`~deeplearning_tutorials.logistic_sgd.LogisticRegression`).
    """

    def __init__(
        self, rng, input, n_in, n_hidden, n_out, activation=pt.tanh, W_hidden=None
    ):
        """Build the network.

        :type rng: numpy.random.RandomState
        :param rng: a random number generator used to initialise the weights
        :type input: pytensor.tensor.TensorVariable
        :param input: symbolic variable describing one minibatch of input
        :type n_in: int
        :param n_in: number of input units (the dimension of the data points)
        :type n_hidden: int
        :param n_hidden: number of hidden units
        :type n_out: int
        :param n_out: number of output units (the number of classes)
        :param activation: the non-linearity of the hidden layer
        :param W_hidden: the hidden layer's weights, or ``None`` to draw
            them as the original did (see :mod:`.practices.weights`)
        """
        self.hiddenLayer = HiddenLayer(
            rng=rng,
            input=input,
            n_in=n_in,
            n_out=n_hidden,
            W=W_hidden,
            activation=activation,
        )

        # the output layer takes the hidden units' activations as its input
        self.logRegressionLayer = LogisticRegression(
            input=self.hiddenLayer.output, n_in=n_hidden, n_out=n_out
        )
        # end-snippet-2 start-snippet-3

        # L1 norm regularisation: the weights should be sparse
        self.L1 = abs(self.hiddenLayer.W).sum() + abs(self.logRegressionLayer.W).sum()

        # squared L2 norm regularisation: the weights should be small
        self.L2_sqr = (self.hiddenLayer.W**2).sum() + (
            self.logRegressionLayer.W**2
        ).sum()

        # the likelihood and the errors are those of the output layer
        self.negative_log_likelihood = self.logRegressionLayer.negative_log_likelihood
        self.errors = self.logRegressionLayer.errors

        self.params = self.hiddenLayer.params + self.logRegressionLayer.params
        # end-snippet-3

        self.input = input


def test_mlp(
    learning_rate=0.01,
    L1_reg=0.00,
    L2_reg=0.0001,
    n_epochs=1000,
    dataset=DEFAULT_DATASET,
    batch_size=20,
    n_hidden=500,
    results_json=None,
    checkpoint_dir=None,
    resume=False,
    dropout=0.0,
    lr_schedule="constant",
    lr_decay=0.001,
    lr_patience=10,
    init="glorot",
    activation="tanh",
    loss="nll",
    preprocess="none",
    pca_components=None,
    whiten_epsilon=1e-5,
):
    """Minibatch SGD for a multilayer perceptron on MNIST.

    :type learning_rate: float
    :param learning_rate: learning rate used (factor for the stochastic gradient)
    :type L1_reg: float
    :param L1_reg: weight of the L1 norm in the cost
    :type L2_reg: float
    :param L2_reg: weight of the squared L2 norm in the cost
    :type n_epochs: int
    :param n_epochs: maximal number of epochs to run the optimizer
    :type dataset: str
    :param dataset: the path of the MNIST dataset file
    :type batch_size: int
    :param batch_size: number of examples per minibatch
    :type n_hidden: int
    :param n_hidden: number of hidden units
    :param results_json: if given, the result record is written there as JSON
    :param checkpoint_dir: if given, the run is saved there at every epoch end
    :param resume: continue the run saved in ``checkpoint_dir``
    :param dropout, lr_schedule, lr_decay, lr_patience, init, activation, loss,
        preprocess, pca_components, whiten_epsilon: training practices, off
        by default (see :class:`~deeplearning_tutorials.machinery.practices.Practices`)
    :returns: the :class:`~deeplearning_tutorials.machinery.training.TrainingResult`
    """
    # the training practices of the last keyword arguments (none by default)
    practice = practices.Practices.from_arguments(locals())
    datasets = practice.preprocessed(load_data(dataset))

    train_set_x, train_set_y = datasets[0]
    valid_set_x, valid_set_y = datasets[1]
    test_set_x, test_set_y = datasets[2]

    # number of minibatches for training, validation and testing
    n_batches = training.count_batches(datasets, batch_size)

    print("... building the model")
    index = pt.lscalar()  # index to a [mini]batch
    x = pt.matrix("x")  # the data, as rasterised images
    y = pt.ivector("y")  # the labels, as a vector of integers

    rng = numpy.random.RandomState(1234)

    n_in = practice.n_inputs(28 * 28)
    classifier = MLP(
        rng=rng,
        input=x,
        n_in=n_in,
        n_hidden=n_hidden,
        n_out=10,
        **practice.hidden_layer(rng, n_in, n_hidden),
    )

    # the penalties' weights as shared variables, so that the trials of a
    # sweep that differ only in them reuse one compiled function (a weight of
    # 0 stays the number 0: its term is dropped, as in the original)
    weights = dict(L1_reg=L1_reg, L2_reg=L2_reg)
    L1_reg, L2_reg = (reuse.hyperparameter(v, name) for name, v in weights.items())

    # start-snippet-4
    # the cost we minimise: negative log-likelihood (or the --loss chosen)
    # plus the regularisers
    cost = (
        practice.loss_of(classifier.logRegressionLayer, y)
        + L1_reg * classifier.L1
        + L2_reg * classifier.L2_sqr
    )
    # end-snippet-4
    # with --dropout, the training cost sees the hidden units masked
    cost, noise_updates = practice.with_dropout(
        cost, classifier.hiddenLayer.output, rng
    )
    # the step size: learning_rate, or a shared variable that the schedule
    # of --lr-schedule changes between epochs
    schedule = practice.schedule(learning_rate)

    # the mistakes the model makes on minibatch `index`, fed from the shared
    # data set by the givens (the original's slice; see logistic_sgd)
    test_model = pytensor.function(
        inputs=[index],
        outputs=classifier.errors(y),
        givens=minibatch_givens(x, y, test_set_x, test_set_y, index, batch_size),
    )

    validate_model = pytensor.function(
        inputs=[index],
        outputs=classifier.errors(y),
        givens=minibatch_givens(x, y, valid_set_x, valid_set_y, index, batch_size),
    )

    # start-snippet-5
    # the gradient of the cost with respect to each parameter, in params' order
    gparams = [pytensor.grad(cost, param) for param in classifier.params]

    # how to update the parameters, as a list of (variable, update
    # expression) pairs: one SGD step on each
    updates = [
        (param, param - schedule.learning_rate * gparam)
        for param, gparam in zip(classifier.params, gparams)
    ]

    # train_model returns the cost and, at the same time, updates the
    # parameters by the rules in `updates`
    train_model = pytensor.function(
        inputs=[index],
        outputs=cost,
        updates=updates + noise_updates,
        givens=minibatch_givens(x, y, train_set_x, train_set_y, index, batch_size),
    )
    # end-snippet-5
    models = (train_model, validate_model, test_model)
    # what training changes: the parameters, and the noise stream's state
    trained = classifier.params + [state for state, _ in noise_updates]
    # compile them now, not in the timed training (see training.warm_up)
    training.warm_up_models(models, trained)

    # the hyper-parameters, recorded in results and checkpoints
    settings = dict(
        learning_rate=learning_rate,
        **weights,
        batch_size=batch_size,
        n_hidden=n_hidden,
        dataset=str(dataset),
        **practice.settings(),
    )
    print("... training")
    result = training.train_with_early_stopping(
        models,
        n_batches,
        n_epochs=n_epochs,
        patience=10000,  # look at this many minibatches regardless
        patience_increase=2,  # wait this much longer when a new best is found
        improvement_threshold=0.995,  # a relative improvement this large counts
        params=classifier.params,
        checkpointer=training.checkpointer_for(
            checkpoint_dir, "MLP", trained, **settings
        ),
        resume=resume,
        schedule=schedule,
        batch_size=batch_size,  # for exact error means under JAX
    )
    training.report_with_iteration(result, __file__)
    training.write_record(results_json, result, model="mlp", **settings)
    return result


def main(argv=None):
    parser = cli.make_parser(
        "mlp",
        "Train a one-hidden-layer perceptron (tanh) on MNIST with minibatch "
        "SGD, L1/L2 penalties and early stopping.",
        # the fastest backend that prints the original's lines: CVM updates the
        # 784 x 500 weights in place with BLAS Gemm (doc/backends.md)
        default_mode="CVM",
    )
    cli.add_sgd_arguments(parser, learning_rate=0.01, n_epochs=1000, batch_size=20)
    parser.add_argument(
        "--l1-reg",
        dest="L1_reg",
        type=cli.non_negative_float,
        default=0.0,
        help="weight of the L1 penalty",
    )
    parser.add_argument(
        "--l2-reg",
        dest="L2_reg",
        type=cli.non_negative_float,
        default=0.0001,
        help="weight of the squared L2 penalty",
    )
    parser.add_argument(
        "--n-hidden", type=cli.positive_int, default=500, help="number of hidden units"
    )
    practices.add_arguments(parser, hidden_layer=True)
    return cli.run(test_mlp, parser.parse_args(argv))


if __name__ == "__main__":
    main()
