"""One epoch of the original code under Theano: the baseline of bench_epoch.py.

Runs in the original's environment (Theano 1.0.5, Python 3.7; see
tests/fixtures/README.md), not in this project's, and imports nothing from
the project:

    THEANO_FLAGS=floatX=float32,device=cpu PYTHON37 original_epoch.py CODE_DIR MODEL REPEATS

It builds ``train_model`` and ``validate_model`` with the original's own
classes and exactly the original driver's expressions (logistic_sgd.py's
``sgd_optimization_mnist``, mlp.py's ``test_mlp``, default arguments), runs
one epoch of training and one validation pass ``REPEATS`` times, and prints
the best times as one JSON line, in the form of bench_epoch.py's workers.
"""

import json
import sys
import timeit

CODE_DIR, MODEL, REPEATS = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, CODE_DIR)

import numpy  # noqa: E402
import theano  # noqa: E402
import theano.tensor as T  # noqa: E402
from logistic_sgd import LogisticRegression, load_data  # noqa: E402
from mlp import MLP  # noqa: E402


def build(model):
    datasets = load_data("mnist.pkl.gz")
    (train_set_x, train_set_y), (valid_set_x, valid_set_y) = datasets[:2]
    batch_size = {"logistic_sgd": 600, "mlp": 20}[model]
    learning_rate = {"logistic_sgd": 0.13, "mlp": 0.01}[model]
    index = T.lscalar()
    x = T.matrix("x")
    y = T.ivector("y")
    if model == "logistic_sgd":
        classifier = LogisticRegression(input=x, n_in=28 * 28, n_out=10)
        cost = classifier.negative_log_likelihood(y)
    else:
        classifier = MLP(
            rng=numpy.random.RandomState(1234), input=x, n_in=28 * 28, n_hidden=500, n_out=10
        )
        cost = (
            classifier.negative_log_likelihood(y)
            + 0.00 * classifier.L1
            + 0.0001 * classifier.L2_sqr
        )
    start = timeit.default_timer()
    validate_model = theano.function(
        inputs=[index],
        outputs=classifier.errors(y),
        givens={
            x: valid_set_x[index * batch_size: (index + 1) * batch_size],
            y: valid_set_y[index * batch_size: (index + 1) * batch_size],
        },
    )
    gparams = [T.grad(cost, param) for param in classifier.params]
    updates = [
        (param, param - learning_rate * gparam)
        for param, gparam in zip(classifier.params, gparams)
    ]
    train_model = theano.function(
        inputs=[index],
        outputs=cost,
        updates=updates,
        givens={
            x: train_set_x[index * batch_size: (index + 1) * batch_size],
            y: train_set_y[index * batch_size: (index + 1) * batch_size],
        },
    )
    compile_seconds = timeit.default_timer() - start
    n_train = train_set_x.get_value(borrow=True).shape[0] // batch_size
    n_valid = valid_set_x.get_value(borrow=True).shape[0] // batch_size
    return train_model, validate_model, n_train, n_valid, compile_seconds


def main():
    train_model, validate_model, n_train, n_valid, compile_seconds = build(MODEL)
    train, validate = [], []
    for _ in range(REPEATS):
        start = timeit.default_timer()
        for i in range(n_train):
            train_model(i)
        middle = timeit.default_timer()
        for i in range(n_valid):
            validate_model(i)
        train.append(middle - start)
        validate.append(timeit.default_timer() - middle)
    print(
        json.dumps(
            {
                "train": min(train),
                "validate": min(validate),
                "compile": compile_seconds,
                "theano": theano.__version__,
                "numpy": numpy.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
