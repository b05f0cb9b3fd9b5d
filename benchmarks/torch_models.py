"""The tutorials' networks in PyTorch (CPU), the baseline of the harness
(``python benchmarks/bench_all.py``: the epoch table and the ``lenet`` mode).

The same layer sizes, batch sizes, nonlinearities, costs and plain SGD
updates as the tutorials, written the way a PyTorch user would: autograd for
the supervised nets (LeNet among them) and the denoising autoencoder, the
RBM's CD-k/PCD-k update by hand (its gradient holds the chain's end
constant). Weights start
as the tutorials draw them (uniform in the Glorot bounds, the output layer
zero); the noise comes from PyTorch's generator. PyTorch is no dependency of
the project (``pip install -e .[bench]``).
"""

import numpy
import torch
import torch.nn.functional as F


def glorot(rng, n_in, n_out, sigmoid=False):
    """A weight matrix drawn as the tutorials' ``HiddenLayer`` draws it."""
    bound = numpy.sqrt(6.0 / (n_in + n_out)) * (4 if sigmoid else 1)
    return rng.uniform(-bound, bound, (n_in, n_out)).astype("float32")


def parameter(value):
    return torch.from_numpy(numpy.ascontiguousarray(value)).requires_grad_(True)


def sgd(params, learning_rate):
    """``p -= learning_rate * p.grad`` for every parameter, grads cleared."""
    with torch.no_grad():
        for p in params:
            p -= learning_rate * p.grad
            p.grad = None


class TorchMLP:
    """``sizes[0] -> ... -> sizes[-1]``: hidden layers with ``activation``,
    a softmax output layer (zero weights), cross-entropy cost plus
    ``l2 * sum(W ** 2)`` over the weight matrices. ``sizes = [784, 10]`` is
    logistic regression."""

    def __init__(self, sizes, activation=torch.tanh, l2=0.0, seed=1234):
        rng = numpy.random.RandomState(seed)
        sigmoid = activation is torch.sigmoid
        self.weights, self.params = [], []
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
            W = parameter(glorot(rng, n_in, n_out, sigmoid))
            self.weights.append(W)
            self.params += [W, parameter(numpy.zeros(n_out, "float32"))]
        W = parameter(numpy.zeros(sizes[-2:], "float32"))
        self.weights.append(W)
        self.params += [W, parameter(numpy.zeros(sizes[-1], "float32"))]
        self.activation, self.l2 = activation, l2

    def logits(self, x):
        hidden, (W, b) = self.params[:-2], self.params[-2:]
        for i in range(0, len(hidden), 2):
            x = self.activation(x @ hidden[i] + hidden[i + 1])
        return x @ W + b

    def train_step(self, x, y, learning_rate):
        cost = F.cross_entropy(self.logits(x), y)
        if self.l2:
            cost = cost + self.l2 * sum((W**2).sum() for W in self.weights)
        cost.backward()
        sgd(self.params, learning_rate)
        return cost.item()

    def errors(self, x, y):
        with torch.no_grad():
            return (self.logits(x).argmax(1) != y).float().mean().item()


class TorchDA:
    """The denoising autoencoder: tied weights, binomial corruption,
    cross-entropy reconstruction cost."""

    def __init__(self, n_visible=784, n_hidden=500, seed=123):
        rng = numpy.random.RandomState(seed)
        self.params = [
            parameter(glorot(rng, n_visible, n_hidden, sigmoid=True)),
            parameter(numpy.zeros(n_hidden, "float32")),
            parameter(numpy.zeros(n_visible, "float32")),
        ]

    def train_step(self, x, corruption, learning_rate):
        W, b, b_prime = self.params
        keep = (torch.rand_like(x) >= corruption).to(x.dtype)
        z = torch.sigmoid(torch.sigmoid((x * keep) @ W + b) @ W.T + b_prime)
        cost = -(x * torch.log(z) + (1 - x) * torch.log(1 - z)).sum(1).mean()
        cost.backward()
        sgd(self.params, learning_rate)
        return cost.item()


class TorchRBM:
    """A binary RBM trained by CD-k, or PCD-k with ``persistent`` chains.

    A step answers the tutorial's monitoring cost, as ``numpy_rbm_step``
    does: the pseudo-likelihood (one bit flipped, the free energy of both
    images: two more products) with a persistent chain, the reconstruction
    cross-entropy without."""

    def __init__(self, n_visible, n_hidden, batch_size, persistent, seed=123):
        rng = numpy.random.RandomState(seed)
        self.W = torch.from_numpy(glorot(rng, n_visible, n_hidden, sigmoid=True))
        self.hbias = torch.zeros(n_hidden)
        self.vbias = torch.zeros(n_visible)
        self.chain = torch.zeros(batch_size, n_hidden) if persistent else None
        self.bit = 0

    def free_energy(self, v):
        return -F.softplus(v @ self.W + self.hbias).sum(1) - v @ self.vbias

    def pseudo_likelihood(self, x):
        xi = torch.round(x)
        flipped = xi.clone()
        flipped[:, self.bit] = 1 - flipped[:, self.bit]
        self.bit = (self.bit + 1) % xi.shape[1]
        cost = torch.log(torch.sigmoid(self.free_energy(flipped) - self.free_energy(xi)))
        return (xi.shape[1] * cost).mean().item()

    def train_step(self, x, k, learning_rate):
        ph0 = torch.sigmoid(x @ self.W + self.hbias)
        h = self.chain if self.chain is not None else torch.bernoulli(ph0)
        for _ in range(k):
            pv = torch.sigmoid(h @ self.W.T + self.vbias)
            v = torch.bernoulli(pv)
            ph = torch.sigmoid(v @ self.W + self.hbias)
            h = torch.bernoulli(ph)
        step = learning_rate / len(x)
        self.W += step * (x.T @ ph0 - v.T @ ph)
        self.hbias += step * (ph0.sum(0) - ph.sum(0))
        self.vbias += step * (x.sum(0) - v.sum(0))
        if self.chain is not None:
            self.chain = h
            return self.pseudo_likelihood(x)
        return (x * torch.log(pv) + (1 - x) * torch.log(1 - pv)).sum(1).mean().item()


class TorchLeNet:
    """LeNet (conv 5x5, max-pool 2x2, tanh, twice; 500 tanh units; softmax)
    and its SGD, from the same initial weights as the tutorial's
    (``numpy_lenet.draw_lenet_weights``)."""

    def __init__(self, nkerns=(20, 50), learning_rate=0.1):
        from numpy_lenet import draw_lenet_weights

        W0, W1, W2 = draw_lenet_weights(numpy.random.RandomState(23455), nkerns)
        # torch's conv2d is a cross-correlation: keep the filters flipped
        self.params = [
            parameter(W0[:, :, ::-1, ::-1]),
            parameter(numpy.zeros(nkerns[0], "float32")),
            parameter(W1[:, :, ::-1, ::-1]),
            parameter(numpy.zeros(nkerns[1], "float32")),
            parameter(W2),
            parameter(numpy.zeros(500, "float32")),
            parameter(numpy.zeros((500, 10), "float32")),
            parameter(numpy.zeros(10, "float32")),
        ]
        self.learning_rate = learning_rate

    def logits(self, x):
        W0, b0, W1, b1, W2, b2, W3, b3 = self.params
        h = x.reshape(-1, 1, 28, 28)
        h = torch.tanh(F.max_pool2d(F.conv2d(h, W0), 2) + b0[None, :, None, None])
        h = torch.tanh(F.max_pool2d(F.conv2d(h, W1), 2) + b1[None, :, None, None])
        h = torch.tanh(h.flatten(1) @ W2 + b2)
        return h @ W3 + b3

    def train_step(self, x, y):
        loss = F.cross_entropy(self.logits(x), y)
        loss.backward()
        sgd(self.params, self.learning_rate)
        return loss.item()

    def errors(self, x, y):
        with torch.no_grad():
            return (self.logits(x).argmax(1) != y).float().mean().item()
