"""The original code's training steps under Theano: a worker of the epoch table.

Runs in the original's environment (Theano 1.0.5, Python 3.7; see
tests/fixtures/README.md), not in this project's, and imports nothing from
the project but ``protocol`` (standard library only); the epoch table
(``python benchmarks/bench_all.py``) starts it as

    THEANO_FLAGS=floatX=float32,device=cpu PY37 original_epoch.py CODE_DIR MODEL FRACTION DATASET

It builds the model with the original's own classes and the original
drivers' expressions (``sgd_optimization_mnist``, ``test_mlp``,
``evaluate_lenet5``, ``test_dA``, ``test_SdA``, ``test_rbm``, ``test_DBN``,
default arguments), then serves the table's ``run`` requests (see
``protocol.serve``): each times ``FRACTION`` of an epoch's calls of every
part (training steps, validation and test minibatches).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from protocol import serve

CODE_DIR, MODEL, FRACTION, DATASET = sys.argv[1:5]
sys.path.insert(0, CODE_DIR)

import numpy
import theano
import theano.tensor as T
from logistic_sgd import LogisticRegression, load_data

index = T.lscalar()
x = T.matrix("x")
y = T.ivector("y")


def rows(data, batch_size):
    return data[index * batch_size: (index + 1) * batch_size]


def error_functions(datasets, errors, batch_size):
    """``validate_model`` and ``test_model`` as the original drivers write them."""
    return [
        theano.function(
            [index], errors, givens={x: rows(set_x, batch_size), y: rows(set_y, batch_size)}
        )
        for set_x, set_y in datasets[1:]
    ]


def supervised(datasets, classifier, cost, errors, batch_size, learning_rate):
    train_x, train_y = datasets[0]
    updates = [
        (param, param - learning_rate * T.grad(cost, param)) for param in classifier.params
    ]
    train_model = theano.function(
        [index],
        cost,
        updates=updates,
        givens={x: rows(train_x, batch_size), y: rows(train_y, batch_size)},
    )
    return [train_model] + error_functions(datasets, errors, batch_size)


def logistic_sgd(datasets):
    classifier = LogisticRegression(input=x, n_in=28 * 28, n_out=10)
    cost = classifier.negative_log_likelihood(y)
    return supervised(datasets, classifier, cost, classifier.errors(y), 600, 0.13)


def mlp(datasets):
    from mlp import MLP

    classifier = MLP(
        rng=numpy.random.RandomState(1234), input=x, n_in=28 * 28, n_hidden=500, n_out=10
    )
    cost = (
        classifier.negative_log_likelihood(y)
        + 0.00 * classifier.L1
        + 0.0001 * classifier.L2_sqr
    )
    return supervised(datasets, classifier, cost, classifier.errors(y), 20, 0.01)


def lenet(datasets):
    from convolutional_mlp import LeNetConvPoolLayer
    from mlp import HiddenLayer

    rng, batch_size, nkerns = numpy.random.RandomState(23455), 500, [20, 50]
    layer0 = LeNetConvPoolLayer(
        rng,
        input=x.reshape((batch_size, 1, 28, 28)),
        image_shape=(batch_size, 1, 28, 28),
        filter_shape=(nkerns[0], 1, 5, 5),
        poolsize=(2, 2),
    )
    layer1 = LeNetConvPoolLayer(
        rng,
        input=layer0.output,
        image_shape=(batch_size, nkerns[0], 12, 12),
        filter_shape=(nkerns[1], nkerns[0], 5, 5),
        poolsize=(2, 2),
    )
    layer2 = HiddenLayer(
        rng, input=layer1.output.flatten(2), n_in=nkerns[1] * 4 * 4, n_out=500,
        activation=T.tanh,
    )
    layer3 = LogisticRegression(input=layer2.output, n_in=500, n_out=10)

    class Net:
        params = layer3.params + layer2.params + layer1.params + layer0.params

    cost = layer3.negative_log_likelihood(y)
    return supervised(datasets, Net, cost, layer3.errors(y), batch_size, 0.1)


def random_streams(numpy_rng):
    """The original's noise: Theano's MRG streams."""
    from theano.sandbox.rng_mrg import MRG_RandomStreams

    return MRG_RandomStreams(numpy_rng.randint(2 ** 30))


def dA(datasets):
    from dA import dA as DenoisingAutoencoder

    numpy_rng = numpy.random.RandomState(123)
    da = DenoisingAutoencoder(
        numpy_rng=numpy_rng, theano_rng=random_streams(numpy_rng), input=x,
        n_visible=28 * 28, n_hidden=500,
    )
    cost, updates = da.get_cost_updates(corruption_level=0.3, learning_rate=0.1)
    train_da = theano.function(
        [index], cost, updates=updates, givens={x: rows(datasets[0][0], 20)}
    )
    return [train_da]


def sda(datasets):
    from SdA import SdA

    return SdA(
        numpy_rng=numpy.random.RandomState(89677), n_ins=28 * 28,
        hidden_layers_sizes=[1000, 1000, 1000], n_outs=10,
    )


def SdA_pretrain(datasets):
    fn = sda(datasets).pretraining_functions(train_set_x=datasets[0][0], batch_size=1)[0]
    return [lambda i: fn(index=i, corruption=0.1, lr=0.001)]


def SdA_finetune(datasets):
    model = sda(datasets)
    train_fn = model.build_finetune_functions(datasets, 1, 0.1)[0]
    return [train_fn] + stack_errors(model, datasets, 1)


def stack_errors(model, datasets, batch_size):
    """The per-minibatch error functions inside the original's
    ``build_finetune_functions`` (its ``valid_score_i``, ``test_score_i``)."""
    return [
        theano.function(
            [index],
            model.errors,
            givens={
                model.x: rows(set_x, batch_size), model.y: rows(set_y, batch_size)
            },
        )
        for set_x, set_y in datasets[1:]
    ]


def rbm(datasets):
    from rbm import RBM

    numpy_rng = numpy.random.RandomState(123)
    theano_rng = random_streams(numpy_rng)
    chain = theano.shared(
        numpy.zeros((20, 500), dtype=theano.config.floatX), borrow=True
    )
    model = RBM(
        input=x, n_visible=28 * 28, n_hidden=500, numpy_rng=numpy_rng,
        theano_rng=theano_rng,
    )
    cost, updates = model.get_cost_updates(lr=0.1, persistent=chain, k=15)
    train_rbm = theano.function(
        [index], cost, updates=updates, givens={x: rows(datasets[0][0], 20)}
    )
    return [train_rbm]


def dbn(datasets):
    from DBN import DBN

    return DBN(
        numpy_rng=numpy.random.RandomState(123), n_ins=28 * 28,
        hidden_layers_sizes=[1000, 1000, 1000], n_outs=10,
    )


def DBN_pretrain(datasets):
    fn = dbn(datasets).pretraining_functions(
        train_set_x=datasets[0][0], batch_size=10, k=1
    )[0]
    return [lambda i: fn(index=i, lr=0.01)]


def DBN_finetune(datasets):
    model = dbn(datasets)
    train_fn = model.build_finetune_functions(datasets, 10, 0.1)[0]
    return [train_fn] + stack_errors(model, datasets, 10)


def main():
    import json

    epoch = json.loads(os.environ["BENCH_EPOCH_PARTS"])  # [[part, calls], ...]

    def build():
        datasets = load_data(DATASET)
        steps = globals()[MODEL](datasets)
        return [
            (name, step, max(1, int(round(calls * float(FRACTION)))), calls)
            for (name, calls), step in zip(epoch, steps)
        ]

    serve(build, theano=theano.__version__, numpy=numpy.__version__)


if __name__ == "__main__":
    main()
