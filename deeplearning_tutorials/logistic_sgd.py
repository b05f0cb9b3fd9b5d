"""Classifying MNIST digits with logistic regression, trained by minibatch SGD.

Logistic regression is a probabilistic, linear classifier, parametrised by a
weight matrix :math:`W` and a bias vector :math:`b`. Classification projects
a data point onto a set of hyperplanes, whose distances give the
class-membership probabilities:

.. math::

    P(Y=i \\mid x, W, b) = \\mathrm{softmax}_i(W x + b)
                        = \\frac{e^{W_i x + b_i}}{\\sum_j e^{W_j x + b_j}}

and the prediction is the most probable class,
:math:`y_{pred} = \\mathrm{argmax}_i P(Y=i \\mid x, W, b)`.

The model is trained by minimising the mean negative log-likelihood of the
training labels with minibatch stochastic gradient descent, with early
stopping on a validation set (see :mod:`deeplearning_tutorials.machinery.training`).

Run it with ``python -m deeplearning_tutorials.logistic_sgd``; after training,
``python -m deeplearning_tutorials.logistic_sgd predict`` classifies the first
ten test images with the saved model.

References: C. M. Bishop, *Pattern Recognition and Machine Learning*,
section 4.3.2.
"""

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery import checkpoint, cli, practices, training
from deeplearning_tutorials.machinery.data import DEFAULT_DATASET, load_data, minibatch_givens


class LogisticRegression:
    """Multi-class logistic regression.

    Fully described by a weight matrix ``W`` and a bias vector ``b``.
    Classification projects data points onto a set of hyperplanes, the
    distance to which gives the class-membership probability.
    """

    def __init__(self, input, n_in, n_out):
        """Initialise the parameters of the logistic regression.

        :type input: pytensor.tensor.TensorVariable
        :param input: symbolic variable describing the input of the
            architecture (one minibatch, one example per row)
        :type n_in: int
        :param n_in: number of input units, the dimension of the data points
        :type n_out: int
        :param n_out: number of output units, the number of classes
        """
        floatX = pytensor.config.floatX
        # start-snippet-1
        # W starts at zero: column k is the separating hyperplane of class k
        self.W = pytensor.shared(
            value=numpy.zeros((n_in, n_out), dtype=floatX), name="W", borrow=True
        )
        # b starts at zero: b[k] is the offset of hyperplane k
        self.b = pytensor.shared(
            value=numpy.zeros((n_out,), dtype=floatX), name="b", borrow=True
        )

        # the matrix of class-membership probabilities, one row per example
        self.p_y_given_x = pt.special.softmax(pt.dot(input, self.W) + self.b, axis=1)

        # the prediction: the class whose probability is maximal
        self.y_pred = pt.argmax(self.p_y_given_x, axis=1)
        # end-snippet-1

        self.params = [self.W, self.b]
        self.input = input

    def negative_log_likelihood(self, y):
        """Mean negative log-likelihood of the labels ``y`` under the model.

        .. math::

            \\ell(\\theta = \\{W, b\\}, \\mathcal{D}) = -\\frac{1}{|\\mathcal{D}|}
            \\sum_{i=0}^{|\\mathcal{D}|} \\log P(Y = y^{(i)} \\mid x^{(i)}, W, b)

        We use the mean rather than the sum so that the learning rate depends
        less on the minibatch size.

        :type y: pytensor.tensor.TensorVariable
        :param y: the correct label of each example
        """
        # start-snippet-2
        # log(p_y_given_x)[arange(n), y] picks, for each example i, the
        # log-probability of its correct label y[i]
        return -pt.mean(pt.log(self.p_y_given_x)[pt.arange(y.shape[0]), y])
        # end-snippet-2

    def errors(self, y):
        """The fraction of examples in the minibatch that are misclassified.

        :type y: pytensor.tensor.TensorVariable
        :param y: the correct label of each example (an integer vector)
        """
        # check that y has the same dimension as y_pred
        if y.ndim != self.y_pred.ndim:
            raise TypeError(
                "y should have the same shape as self.y_pred",
                ("y", y.type, "y_pred", self.y_pred.type),
            )
        # check that y holds integer labels
        if y.dtype.startswith("int"):
            # neq gives 1 for each mistake, 0 for each correct prediction
            return pt.mean(pt.neq(self.y_pred, y))
        raise NotImplementedError()


def sgd_optimization_mnist(
    learning_rate=0.13,
    n_epochs=1000,
    dataset=DEFAULT_DATASET,
    batch_size=600,
    model_path="best_model.npz",
    results_json=None,
    checkpoint_dir=None,
    resume=False,
    lr_schedule="constant",
    lr_decay=0.001,
    lr_patience=10,
    loss="nll",
    preprocess="none",
    pca_components=None,
    whiten_epsilon=1e-5,
):
    """Stochastic gradient descent optimisation of a log-linear model on MNIST.

    :type learning_rate: float
    :param learning_rate: learning rate used (factor for the stochastic gradient)
    :type n_epochs: int
    :param n_epochs: maximal number of epochs to run the optimizer
    :type dataset: str
    :param dataset: the path of the MNIST dataset file (see
        :mod:`deeplearning_tutorials.machinery.data` for where it is looked for)
    :type batch_size: int
    :param batch_size: number of examples per minibatch
    :param model_path: where the best model's parameters are saved (``.npz``),
        or ``None`` not to save it
    :param results_json: if given, the result record is written there as JSON
    :param checkpoint_dir: if given, the run is saved there at every epoch end
    :param resume: continue the run saved in ``checkpoint_dir``
    :param lr_schedule, lr_decay, lr_patience, loss, preprocess, pca_components,
        whiten_epsilon: training practices, off by default (see
        :class:`~deeplearning_tutorials.machinery.practices.Practices`)
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
    # symbolic variables for a minibatch: rasterised images and their labels
    x = pt.matrix("x")
    y = pt.ivector("y")

    # each MNIST image has size 28*28 (fewer numbers after --preprocess pca)
    classifier = LogisticRegression(
        input=x, n_in=practice.n_inputs(28 * 28), n_out=10
    )

    # the cost we minimise during training: the negative log-likelihood
    # (or the --loss chosen)
    cost = practice.loss_of(classifier, y)

    # the mistakes the model makes on minibatch `index` of the test set; the
    # givens feed it from the shared data set, as the original's
    # {x: test_set_x[index * batch_size: (index + 1) * batch_size], y: ...}
    # (minibatch_givens writes the slice so that JAX can compile it too)
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

    # the gradient of the cost with respect to theta = (W, b)
    g_W = pytensor.grad(cost=cost, wrt=classifier.W)
    g_b = pytensor.grad(cost=cost, wrt=classifier.b)

    # the step size: learning_rate, or a shared variable that the schedule
    # of --lr-schedule changes between epochs
    schedule = practice.schedule(learning_rate)

    # start-snippet-3
    # how to update the parameters of the model, as a list of
    # (variable, update expression) pairs
    updates = [
        (classifier.W, classifier.W - schedule.learning_rate * g_W),
        (classifier.b, classifier.b - schedule.learning_rate * g_b),
    ]

    # train_model returns the cost and, at the same time, updates the
    # parameters by the rules in `updates`
    train_model = pytensor.function(
        inputs=[index],
        outputs=cost,
        updates=updates,
        givens=minibatch_givens(x, y, train_set_x, train_set_y, index, batch_size),
    )
    # end-snippet-3
    models = (train_model, validate_model, test_model)
    # compile them now, not in the timed training (see training.warm_up)
    training.warm_up_models(models, classifier.params)

    def save_best_model(epoch, iter):
        if model_path is not None:
            checkpoint.save_params(
                model_path, practice.model_name("LogisticRegression"), classifier.params
            )

    # the hyper-parameters, recorded in results and checkpoints
    settings = dict(
        learning_rate=learning_rate,
        batch_size=batch_size,
        dataset=str(dataset),
        **practice.settings(),
    )
    print("... training the model")
    result = training.train_with_early_stopping(
        models,
        n_batches,
        n_epochs=n_epochs,
        patience=5000,  # look at this many minibatches regardless
        patience_increase=2,  # wait this much longer when a new best is found
        improvement_threshold=0.995,  # a relative improvement this large counts
        params=classifier.params,
        checkpointer=training.checkpointer_for(
            checkpoint_dir, "LogisticRegression", classifier.params, **settings
        ),
        resume=resume,
        on_new_best=save_best_model,
        schedule=schedule,
        batch_size=batch_size,  # for exact error means under JAX
    )
    training.report_with_epochs_per_second(result, __file__)
    training.write_record(results_json, result, model="logistic_sgd", **settings)
    return result


def predict(
    model_path="best_model.npz",
    dataset=DEFAULT_DATASET,
    n_examples=10,
    preprocess="none",
    pca_components=None,
    whiten_epsilon=1e-5,
):
    """Load a trained model and print its predictions for the first test images.

    A model trained on preprocessed images (``--preprocess``) needs the same
    options here: the preprocessing is fitted again on the training set, as
    in training. A saved model names the preprocessing it was trained with,
    and one used with other options is refused.
    """
    practice = practices.Practices.from_arguments(locals())
    x = pt.matrix("x")
    classifier = LogisticRegression(input=x, n_in=practice.n_inputs(28 * 28), n_out=10)
    checkpoint.load_params(
        model_path, practice.model_name("LogisticRegression"), classifier.params
    )

    # compile a predictor function
    predict_model = pytensor.function(
        inputs=[classifier.input], outputs=classifier.y_pred
    )

    test_set_x, test_set_y = practice.preprocessed(load_data(dataset))[2]
    predicted_values = predict_model(test_set_x.get_value()[:n_examples])
    print(f"Predicted values for the first {n_examples} examples in test set:")
    print(predicted_values)
    return predicted_values


def main(argv=None):
    parser = cli.make_parser(
        "logistic_sgd",
        "Train logistic regression on MNIST with minibatch SGD and early "
        "stopping (command 'train', the default), or print the saved model's "
        "predictions for the first test images (command 'predict').",
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=("train", "predict"),
        default="train",
        help="what to do",
    )
    cli.add_sgd_arguments(parser, learning_rate=0.13, n_epochs=1000, batch_size=600)
    parser.add_argument(
        "--model-path",
        default="best_model.npz",
        help="where training saves the best model (.npz) and predict reads it",
    )
    parser.add_argument(
        "--n-examples",
        type=cli.positive_int,
        default=10,
        help="predict: how many test images to classify",
    )
    practices.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.command == "predict":
        return cli.run(predict, args)
    return cli.run(
        sgd_optimization_mnist, args, writable={"--model-path": args.model_path}
    )


if __name__ == "__main__":
    main()
