"""LeNet (``deeplearning_tutorials.convolutional_mlp``) written in plain NumPy.

An independent reference for the tests and a baseline of the harness
(``python benchmarks/bench_all.py``: the epoch table, and ``lenet
--numpy``): the same initial weights (the same ``RandomState`` draws in the
same order), the same minibatches and the same SGD updates as
``evaluate_lenet5``, with the forward pass built from NumPy's
``sliding_window_view`` and ``tensordot`` (not from
``deeplearning_tutorials.nnet``) and the gradients derived by hand.
"""

import numpy
from numpy.lib.stride_tricks import sliding_window_view
from numpy_sgd import _output_delta, _softmax, mean_error, train_one_epoch  # noqa: F401


def draw_lenet_weights(rng, nkerns=(20, 50), dtype="float32"):
    """The filters and hidden weights, drawn as the original drew them."""

    def conv_filters(shape, poolsize=(2, 2)):
        fan_in = numpy.prod(shape[1:])
        fan_out = shape[0] * numpy.prod(shape[2:]) // numpy.prod(poolsize)
        bound = numpy.sqrt(6.0 / (fan_in + fan_out))
        return numpy.asarray(rng.uniform(-bound, bound, size=shape), dtype=dtype)

    W0 = conv_filters((nkerns[0], 1, 5, 5))
    W1 = conv_filters((nkerns[1], nkerns[0], 5, 5))
    n_in = nkerns[1] * 4 * 4
    bound = numpy.sqrt(6.0 / (n_in + 500))
    W2 = numpy.asarray(rng.uniform(-bound, bound, size=(n_in, 500)), dtype=dtype)
    return W0, W1, W2


def convolve(x, w):
    """'valid' true convolution (flipped filters) of ``(b, c, h, w)`` images."""
    k = w.shape[2]
    windows = sliding_window_view(x, (k, k), axis=(2, 3))  # b, c, i, j, u, v
    out = numpy.tensordot(windows, w[:, :, ::-1, ::-1], axes=([1, 4, 5], [1, 2, 3]))
    return out.transpose(0, 3, 1, 2)


def max_pool(x):
    b, c, h, w = x.shape
    return x.reshape(b, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def unpool(grad, x, pooled):
    """Route each 2x2 block's gradient to every element equal to its max."""
    up = lambda a: a.repeat(2, axis=2).repeat(2, axis=3)  # noqa: E731
    return numpy.where(x == up(pooled), up(grad), 0).astype(x.dtype)


class NumpyLeNet:
    """conv 5x5 -> max-pool 2x2 -> tanh, twice; 500 tanh units; softmax."""

    def __init__(self, rng, nkerns=(20, 50), dtype="float32"):
        self.W0, self.W1, self.W2 = draw_lenet_weights(rng, nkerns, dtype)
        self.b0 = numpy.zeros(nkerns[0], dtype=dtype)
        self.b1 = numpy.zeros(nkerns[1], dtype=dtype)
        self.b2 = numpy.zeros(500, dtype=dtype)
        self.W3 = numpy.zeros((500, 10), dtype=dtype)
        self.b3 = numpy.zeros(10, dtype=dtype)

    def _forward(self, x):
        x0 = x.reshape(len(x), 1, 28, 28)
        c0 = convolve(x0, self.W0)
        p0 = max_pool(c0)
        h0 = numpy.tanh(p0 + self.b0[:, None, None])
        c1 = convolve(h0, self.W1)
        p1 = max_pool(c1)
        h1 = numpy.tanh(p1 + self.b1[:, None, None])
        flat = h1.reshape(len(x), -1)
        h2 = numpy.tanh(flat @ self.W2 + self.b2)
        return (x0, c0, p0, h0, c1, p1, h1, flat, h2), h2 @ self.W3 + self.b3

    def predict(self, x):
        return numpy.argmax(self._forward(x)[1], axis=1)

    def gradients(self, x, y):
        (x0, c0, p0, h0, c1, p1, h1, flat, h2), logits = self._forward(x)
        d3 = _output_delta(_softmax(logits), y)
        g = {"W3": h2.T @ d3, "b3": d3.sum(axis=0)}
        d2 = (d3 @ self.W3.T) * (1.0 - h2 * h2)
        g["W2"], g["b2"] = flat.T @ d2, d2.sum(axis=0)
        d_h1 = (d2 @ self.W2.T).reshape(h1.shape) * (1.0 - h1 * h1)
        g["b1"] = d_h1.sum(axis=(0, 2, 3))
        d_c1 = unpool(d_h1, c1, p1)
        g["W1"] = self._filter_grad(h0, d_c1)
        d_h0 = self._input_grad(d_c1, self.W1) * (1.0 - h0 * h0)
        g["b0"] = d_h0.sum(axis=(0, 2, 3))
        d_c0 = unpool(d_h0, c0, p0)
        g["W0"] = self._filter_grad(x0, d_c0)
        return g

    @staticmethod
    def _filter_grad(inputs, d_out):
        k = inputs.shape[2] - d_out.shape[2] + 1
        windows = sliding_window_view(inputs, (k, k), axis=(2, 3))
        corr = numpy.tensordot(d_out, windows, axes=([0, 2, 3], [0, 2, 3]))
        return corr[:, :, ::-1, ::-1]  # the filters are applied flipped

    @staticmethod
    def _input_grad(d_out, w):
        k = w.shape[2]
        flipped = w[:, :, ::-1, ::-1]
        b, _, oh, ow = d_out.shape
        grad = numpy.zeros((b, w.shape[1], oh + k - 1, ow + k - 1), d_out.dtype)
        for u in range(k):
            for v in range(k):
                grad[:, :, u : u + oh, v : v + ow] += numpy.tensordot(
                    d_out, flipped[:, :, u, v], axes=([1], [0])
                ).transpose(0, 3, 1, 2)
        return grad

    def sgd_step(self, x, y, learning_rate):
        for name, grad in self.gradients(x, y).items():
            param = getattr(self, name)
            param -= (learning_rate * grad).astype(param.dtype)
