"""The logistic regression and MLP of the tutorials, written in plain NumPy.

An independent reference: the same initial weights (same ``RandomState``
draws), the same minibatches and the same SGD updates as
``deeplearning_tutorials.logistic_sgd`` and ``deeplearning_tutorials.mlp``,
with the gradients derived by hand instead of by PyTensor. The tests use it
to check the PyTensor models, and the harness's epoch table
(``python benchmarks/bench_all.py``) uses it as the speed baseline.
"""

import numpy


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = numpy.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _output_delta(p, y):
    """d(mean NLL)/d(logits) for softmax probabilities ``p`` and labels ``y``."""
    delta = p.copy()
    delta[numpy.arange(len(y)), y] -= 1.0
    return delta / len(y)


class NumpyLogisticRegression:
    def __init__(self, n_in=784, n_out=10, dtype="float32"):
        self.W = numpy.zeros((n_in, n_out), dtype=dtype)
        self.b = numpy.zeros(n_out, dtype=dtype)

    def predict(self, x):
        return numpy.argmax(x @ self.W + self.b, axis=1)

    def sgd_step(self, x, y, learning_rate):
        delta = _output_delta(_softmax(x @ self.W + self.b), y)
        self.W -= learning_rate * (x.T @ delta)
        self.b -= learning_rate * delta.sum(axis=0)


class NumpyMLP:
    """784 -> n_hidden tanh -> 10 softmax, initialised as ``mlp.HiddenLayer``."""

    def __init__(
        self,
        rng,
        n_in=784,
        n_hidden=500,
        n_out=10,
        dtype="float32",
        L1_reg=0.0,
        L2_reg=0.0001,
    ):
        bound = numpy.sqrt(6.0 / (n_in + n_hidden))
        self.W1 = numpy.asarray(
            rng.uniform(low=-bound, high=bound, size=(n_in, n_hidden)), dtype=dtype
        )
        self.b1 = numpy.zeros(n_hidden, dtype=dtype)
        self.W2 = numpy.zeros((n_hidden, n_out), dtype=dtype)
        self.b2 = numpy.zeros(n_out, dtype=dtype)
        self.L1_reg, self.L2_reg = L1_reg, L2_reg

    def predict(self, x):
        return numpy.argmax(
            numpy.tanh(x @ self.W1 + self.b1) @ self.W2 + self.b2, axis=1
        )

    def sgd_step(self, x, y, learning_rate):
        h = numpy.tanh(x @ self.W1 + self.b1)
        delta2 = _output_delta(_softmax(h @ self.W2 + self.b2), y)
        delta1 = (delta2 @ self.W2.T) * (1.0 - h * h)
        gW2 = h.T @ delta2 + self._penalty_grad(self.W2)
        gW1 = x.T @ delta1 + self._penalty_grad(self.W1)
        self.W2 -= learning_rate * gW2
        self.b2 -= learning_rate * delta2.sum(axis=0)
        self.W1 -= learning_rate * gW1
        self.b1 -= learning_rate * delta1.sum(axis=0)

    def _penalty_grad(self, W):
        return self.L1_reg * numpy.sign(W) + 2.0 * self.L2_reg * W


def train_one_epoch(model, x, y, batch_size, learning_rate):
    for i in range(len(x) // batch_size):
        rows = slice(i * batch_size, (i + 1) * batch_size)
        model.sgd_step(x[rows], y[rows], learning_rate)


def mean_error(model, x, y, batch_size):
    """Zero-one loss averaged over whole minibatches, as the tutorials print it."""
    errors = [
        numpy.mean(
            model.predict(x[i * batch_size : (i + 1) * batch_size])
            != y[i * batch_size : (i + 1) * batch_size]
        )
        for i in range(len(x) // batch_size)
    ]
    return numpy.mean(errors)
