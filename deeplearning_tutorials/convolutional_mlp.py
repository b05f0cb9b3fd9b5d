"""LeNet: a convolutional network on MNIST, trained by minibatch SGD.

This is a simplified LeNet-5 (LeCun et al., 1998): two *convolution + max
pooling* layers, then the multilayer perceptron of
:mod:`deeplearning_tutorials.mlp` (a ``tanh`` hidden layer and a softmax
output layer)::

    28x28 image --conv 5x5--> nkerns[0] x 24x24 --max-pool 2x2--> 12x12 --tanh
                --conv 5x5--> nkerns[1] x 8x8   --max-pool 2x2--> 4x4   --tanh
                --> 500 tanh units --> 10-way softmax

Each convolutional layer has sparse connectivity (a unit sees a 5x5 patch of
every input feature map) and shared weights (one filter per feature map,
applied at every position); max pooling keeps the strongest response in each
2x2 block, which makes the features a little invariant to translation and
shrinks the maps fourfold. The bias is added after pooling, as in the
original tutorial.

The convolution and the pooling are Theano's ``conv2d`` and ``pool_2d``,
which PyTensor no longer has; this project supplies them in
:mod:`deeplearning_tutorials.nnet`.

Run it with ``python -m deeplearning_tutorials.convolutional_mlp``.

References: Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, *Gradient-based
learning applied to document recognition*, Proc. IEEE 86(11), 1998.
"""

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery import cli, reuse, training
from deeplearning_tutorials.machinery.data import DEFAULT_DATASET, load_data, minibatch_givens
from deeplearning_tutorials.machinery.errors import InputError
from deeplearning_tutorials.logistic_sgd import LogisticRegression
from deeplearning_tutorials.mlp import HiddenLayer
from deeplearning_tutorials.nnet import conv2d, pool_2d, tanh


class LeNetConvPoolLayer:
    """A convolution layer followed by max pooling, a bias and ``tanh``."""

    def __init__(self, rng, input, filter_shape, image_shape, poolsize=(2, 2)):
        """Build the layer; draw its filters from ``rng``.

        :type rng: numpy.random.RandomState
        :param rng: a random number generator used to initialise the weights
        :type input: pytensor.tensor.TensorVariable
        :param input: symbolic image tensor of shape ``image_shape``
        :type filter_shape: tuple or list of length 4
        :param filter_shape: (number of filters, number of input feature maps,
            filter height, filter width)
        :type image_shape: tuple or list of length 4
        :param image_shape: (batch size, number of input feature maps,
            image height, image width)
        :type poolsize: tuple or list of length 2
        :param poolsize: the downsampling (pooling) factor (#rows, #cols)
        """
        if image_shape[1] != filter_shape[1]:
            raise ValueError(
                f"the images have {image_shape[1]} feature maps but the filters "
                f"expect {filter_shape[1]}"
            )
        self.input = input
        floatX = pytensor.config.floatX

        # there are "input feature maps * filter height * filter width"
        # inputs to each hidden unit
        fan_in = numpy.prod(filter_shape[1:])
        # each unit of the layer below receives a gradient from
        # "output feature maps * filter height * filter width" / pooling size.
        # The original ran on Python 2, where this division of integers was
        # a floor division (312, not 312.5, for 50 5x5 filters).
        fan_out = filter_shape[0] * numpy.prod(filter_shape[2:]) // numpy.prod(poolsize)
        # the filters are drawn uniformly from +-sqrt(6 / (fan_in + fan_out))
        W_bound = numpy.sqrt(6.0 / (fan_in + fan_out))
        self.W = pytensor.shared(
            numpy.asarray(
                rng.uniform(low=-W_bound, high=W_bound, size=filter_shape),
                dtype=floatX,
            ),
            name="W",
            borrow=True,
        )

        # the bias is a 1-D tensor: one bias per output feature map
        b_values = numpy.zeros((filter_shape[0],), dtype=floatX)
        self.b = pytensor.shared(value=b_values, name="b", borrow=True)

        # convolve the input feature maps with the filters
        conv_out = conv2d(
            input=input,
            filters=self.W,
            filter_shape=filter_shape,
            input_shape=image_shape,
        )

        # downsample each feature map individually, with max pooling
        pooled_out = pool_2d(input=conv_out, ws=poolsize, ignore_border=True)

        # add the bias. It is a vector, so it is first reshaped to a tensor
        # of shape (1, n_filters, 1, 1): each bias is then broadcast across
        # the minibatch and the feature map's height and width. (nnet's tanh
        # is pt.tanh computed by NumPy's vectorised code: PyTensor's Numba
        # backend computes pt.tanh one element at a time, 30 times slower.)
        self.output = tanh(pooled_out + self.b.dimshuffle("x", 0, "x", "x"))

        self.params = [self.W, self.b]


def _check_nkerns(nkerns):
    try:
        nkerns = [int(k) for k in nkerns]
    except (TypeError, ValueError):
        nkerns = None
    if nkerns is None or len(nkerns) != 2 or min(nkerns) < 1:
        raise InputError(
            "nkerns must be two positive numbers of filters, e.g. [20, 50]"
        )
    return nkerns


def build_lenet5(rng, x, nkerns, batch_size):
    """The network of :func:`evaluate_lenet5`, its weights drawn from ``rng``.

    :param rng: the ``numpy.random.RandomState`` that draws the filters and
        the hidden weights, in the original order (layer 0, 1, 2)
    :param x: symbolic matrix of ``batch_size`` rasterised 28x28 images
    :param nkerns: number of filters of the two convolutional layers
    :param batch_size: the (fixed) number of images per minibatch
    :returns: ``(layer0, layer1, layer2, layer3)``: the two
        :class:`LeNetConvPoolLayer`, the hidden layer and the logistic
        regression
    """
    # reshape the matrix of rasterised images of shape (batch_size, 28 * 28)
    # to a 4-D tensor, as LeNetConvPoolLayer expects
    layer0_input = x.reshape((batch_size, 1, 28, 28))

    # the first convolutional pooling layer: filtering reduces the image
    # size to (28 - 5 + 1, 28 - 5 + 1) = (24, 24), max pooling to
    # (24 / 2, 24 / 2) = (12, 12); the output is
    # (batch_size, nkerns[0], 12, 12)
    layer0 = LeNetConvPoolLayer(
        rng,
        input=layer0_input,
        image_shape=(batch_size, 1, 28, 28),
        filter_shape=(nkerns[0], 1, 5, 5),
        poolsize=(2, 2),
    )

    # the second convolutional pooling layer: filtering reduces the image
    # size to (12 - 5 + 1, 12 - 5 + 1) = (8, 8), max pooling to
    # (8 / 2, 8 / 2) = (4, 4); the output is (batch_size, nkerns[1], 4, 4)
    layer1 = LeNetConvPoolLayer(
        rng,
        input=layer0.output,
        image_shape=(batch_size, nkerns[0], 12, 12),
        filter_shape=(nkerns[1], nkerns[0], 5, 5),
        poolsize=(2, 2),
    )

    # the hidden layer is fully connected: it takes a matrix of shape
    # (batch_size, nkerns[1] * 4 * 4), (500, 800) with the default values
    layer2_input = layer1.output.flatten(2)

    # a fully connected tanh layer
    layer2 = HiddenLayer(
        rng,
        input=layer2_input,
        n_in=nkerns[1] * 4 * 4,
        n_out=500,
        activation=tanh,  # nnet's tanh, as in LeNetConvPoolLayer
    )

    # classify the values of the fully connected layer
    layer3 = LogisticRegression(input=layer2.output, n_in=500, n_out=10)
    return layer0, layer1, layer2, layer3


def evaluate_lenet5(
    learning_rate=0.1,
    n_epochs=200,
    dataset=DEFAULT_DATASET,
    nkerns=[20, 50],  # noqa: B006 - the original signature; never modified
    batch_size=500,
    results_json=None,
    checkpoint_dir=None,
    resume=False,
):
    """Train LeNet on MNIST with minibatch SGD and early stopping.

    :type learning_rate: float
    :param learning_rate: learning rate used (factor for the stochastic gradient)
    :type n_epochs: int
    :param n_epochs: maximal number of epochs to run the optimizer
    :type dataset: str
    :param dataset: the path of the MNIST dataset file
    :type nkerns: list of ints
    :param nkerns: number of filters of the two convolutional layers
    :type batch_size: int
    :param batch_size: number of examples per minibatch
    :param results_json: if given, the result record is written there as JSON
    :param checkpoint_dir: if given, the run is saved there at every epoch end
    :param resume: continue the run saved in ``checkpoint_dir``
    :returns: the :class:`~deeplearning_tutorials.machinery.training.TrainingResult`
    """
    nkerns = _check_nkerns(nkerns)
    rng = numpy.random.RandomState(23455)

    datasets = load_data(dataset)

    train_set_x, train_set_y = datasets[0]
    valid_set_x, valid_set_y = datasets[1]
    test_set_x, test_set_y = datasets[2]

    # number of minibatches for training, validation and testing
    n_batches = training.count_batches(datasets, batch_size)

    index = pt.lscalar()  # index to a [mini]batch

    # start-snippet-1
    x = pt.matrix("x")  # the data, as rasterised images
    y = pt.ivector("y")  # the labels, as a vector of integers

    print("... building the model")
    layer0, layer1, layer2, layer3 = build_lenet5(rng, x, nkerns, batch_size)

    # the cost we minimise during training is the NLL of the model
    cost = layer3.negative_log_likelihood(y)

    # the mistakes the model makes on minibatch `index`, fed from the shared
    # data set by the givens (the original's slice; see logistic_sgd)
    test_model = pytensor.function(
        [index],
        layer3.errors(y),
        givens=minibatch_givens(x, y, test_set_x, test_set_y, index, batch_size),
    )

    validate_model = pytensor.function(
        [index],
        layer3.errors(y),
        givens=minibatch_givens(x, y, valid_set_x, valid_set_y, index, batch_size),
    )

    # all the parameters to be fit by gradient descent, in the original's order
    params = layer3.params + layer2.params + layer1.params + layer0.params

    # the gradients of the cost with respect to all of them
    grads = pytensor.grad(cost, params)

    # the step size as a shared variable, so that the trials of a sweep that
    # differ only in it reuse one compiled function (its floatX value is the
    # constant the original compiled in, so the steps are the same)
    step_size = reuse.hyperparameter(learning_rate, "learning_rate")

    # with this many parameters, the updates list is built by looping over
    # the (params[i], grads[i]) pairs
    updates = [
        (param_i, param_i - step_size * grad_i)
        for param_i, grad_i in zip(params, grads)
    ]

    train_model = pytensor.function(
        [index],
        cost,
        updates=updates,
        givens=minibatch_givens(x, y, train_set_x, train_set_y, index, batch_size),
    )
    # end-snippet-1
    models = (train_model, validate_model, test_model)
    # compile them now, not in the timed training (see training.warm_up)
    training.warm_up_models(models, params)

    # the hyper-parameters, recorded in results and checkpoints
    settings = dict(
        learning_rate=learning_rate,
        nkerns=list(nkerns),
        batch_size=batch_size,
        dataset=str(dataset),
    )
    print("... training")
    result = training.train_with_early_stopping(
        models,
        n_batches,
        n_epochs=n_epochs,
        patience=10000,  # look at this many minibatches regardless
        patience_increase=2,  # wait this much longer when a new best is found
        improvement_threshold=0.995,  # a relative improvement this large counts
        params=params,
        checkpointer=training.checkpointer_for(
            checkpoint_dir, "LeNet", params, **settings
        ),
        resume=resume,
        log_every=100,  # "training @ iter =  N" every 100 minibatches
        batch_size=batch_size,  # for exact error means under JAX
    )
    # the original ends on two lines, where mlp prints one
    training.report_with_iteration(
        result,
        __file__,
        "Optimization complete.\nBest validation score of %f %% obtained at "
        "iteration %i, with test performance %f %%",
    )
    training.write_record(results_json, result, model="convolutional_mlp", **settings)
    return result


def main(argv=None):
    parser = cli.make_parser(
        "convolutional_mlp",
        "Train LeNet (two convolution + max-pooling layers, a tanh hidden "
        "layer and a softmax) on MNIST with minibatch SGD and early stopping.",
    )
    cli.add_sgd_arguments(parser, learning_rate=0.1, n_epochs=200, batch_size=500)
    parser.add_argument(
        "--nkerns",
        type=cli.positive_int,
        nargs=2,
        metavar=("N0", "N1"),
        default=[20, 50],
        help="number of filters of the first and the second convolutional layer",
    )
    return cli.run(evaluate_lenet5, parser.parse_args(argv))


if __name__ == "__main__":
    main()
