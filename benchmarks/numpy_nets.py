"""The autoencoders and RBMs of the tutorials, written by hand in NumPy.

The speed baselines of the harness (``python benchmarks/bench_all.py``) for
the dA, the SdA (batch size 1), the rbm and the DBN: the same layer sizes,
the same initial weight draws and the same updates as the tutorials, with the
gradients derived by hand and the weights updated in place, the least work a
step can do with these matrix products:

* :class:`NumpyDA`: the dA's step on a minibatch;
* :class:`NumpySdA`: the SdA's two steps on one example, the rank-1 weight
  updates done in place by BLAS ``sger`` (what Theano's in-place ``Ger`` did);
* :func:`numpy_rbm_step`: the RBM's CD-k or PCD-k step (uniform draws
  compared with the probabilities);
* :class:`NumpyDBN`: the DBN's CD-1 and fine-tuning steps, every weight
  update done in place by one BLAS ``sgemm``.

The noise comes from NumPy's generator, not the original's MRG streams: these
are timed, not compared digit for digit (``tests/test_DBN.py`` holds
:meth:`NumpyDBN.finetune_step` to an independent float64 computation).
"""

import numpy
from scipy.linalg import blas

#: the SdA's and the DBN's layers: 784-1000-1000-1000, then 10 classes
DBN_SIZES = SDA_SIZES = [784, 1000, 1000, 1000]
N_OUT = 10


def sigmoid(a):
    return 1.0 / (1.0 + numpy.exp(-a))


class NumpyDA:
    """The dA's step on a minibatch, NumPy, float32, weights updated in place."""

    def __init__(self, n_visible=784, n_hidden=500):
        rng = numpy.random.RandomState(123)
        bound = 4 * numpy.sqrt(6.0 / (n_visible + n_hidden))
        self.W = rng.uniform(-bound, bound, (n_visible, n_hidden)).astype("f")
        self.b, self.b_prime = numpy.zeros(n_hidden, "f"), numpy.zeros(n_visible, "f")
        self.noise = numpy.random.default_rng(1)

    def train_step(self, x, corruption, lr):
        tilde_x = x * (self.noise.random(x.shape, dtype="f") >= corruption)
        h = sigmoid(tilde_x @ self.W + self.b)
        z = sigmoid(h @ self.W.T + self.b_prime)
        dz = (z - x) / len(x)
        dh = (dz @ self.W) * h * (1 - h)
        self.W -= lr * (tilde_x.T @ dh + dz.T @ h)
        self.b -= lr * dh.sum(0)
        self.b_prime -= lr * dz.sum(0)
        return -numpy.mean(numpy.sum(x * numpy.log(z) + (1 - x) * numpy.log(1 - z), 1))


class NumpySdA:
    """The SdA's two training steps in NumPy, float32, weights updated in place."""

    def __init__(self, seed=89677, sizes=SDA_SIZES, n_out=N_OUT):
        rng = numpy.random.RandomState(seed)
        self.W, self.b, self.b_vis = [], [], []
        for n_in, n_hidden in zip(sizes[:-1], sizes[1:]):
            bound = 4 * numpy.sqrt(6.0 / (n_in + n_hidden))
            # Fortran order: sger updates a column-major matrix in place
            self.W.append(numpy.asfortranarray(rng.uniform(-bound, bound, (n_in, n_hidden)), "f"))
            self.b.append(numpy.zeros(n_hidden, "f"))
            self.b_vis.append(numpy.zeros(n_in, "f"))
        self.W_out = numpy.zeros((sizes[-1], n_out), "f", order="F")
        self.b_out = numpy.zeros(n_out, "f")
        self.rng = numpy.random.default_rng(1)

    def encode(self, x, layers):
        for W, b in zip(self.W[:layers], self.b[:layers]):
            x = sigmoid(x @ W + b)
        return x

    def pretrain_step(self, layer, x, corruption, lr):
        """One dA step on a single example ``x`` (a vector); returns the cost."""
        x = self.encode(x, layer)
        W, b, c = self.W[layer], self.b[layer], self.b_vis[layer]
        tilde_x = x * (self.rng.random(x.shape, dtype="f") < 1 - corruption)
        h = sigmoid(tilde_x @ W + b)
        z = sigmoid(W @ h + c)
        cost = -numpy.sum(x * numpy.log(z) + (1 - x) * numpy.log(1 - z))
        dz = z - x
        dh = (dz @ W) * h * (1 - h)
        blas.sger(-lr, tilde_x, dh, a=W, overwrite_a=True)
        blas.sger(-lr, dz, h, a=W, overwrite_a=True)
        b -= lr * dh
        c -= lr * dz
        return cost

    def finetune_step(self, x, y, lr):
        """One SGD step of the whole perceptron on one example; returns the cost."""
        activations = [x]
        for W, b in zip(self.W, self.b):
            activations.append(sigmoid(activations[-1] @ W + b))
        a = activations[-1] @ self.W_out + self.b_out
        p = numpy.exp(a - a.max())
        p /= p.sum()
        cost = -numpy.log(p[y])
        delta = p
        delta[y] -= 1
        back = self.W_out @ delta
        blas.sger(-lr, activations[-1], delta, a=self.W_out, overwrite_a=True)
        self.b_out -= lr * delta
        for i in reversed(range(len(self.W))):
            h = activations[i + 1]
            delta = back * h * (1 - h)
            if i > 0:
                back = self.W[i] @ delta
            blas.sger(-lr, activations[i], delta, a=self.W[i], overwrite_a=True)
            self.b[i] -= lr * delta
        return cost


def numpy_rbm_step(images, n_visible, n_hidden, batch_size, k, persistent):
    """The RBM's training step on minibatches of ``images``, NumPy, float32:
    CD-k, or PCD-k with a persistent chain; returns ``step(index)``, which
    answers the tutorial's monitoring cost (the pseudo-likelihood with a
    persistent chain, the reconstruction cross-entropy without)."""
    rng = numpy.random.RandomState(123)
    bound = 4 * numpy.sqrt(6.0 / (n_hidden + n_visible))
    W = rng.uniform(-bound, bound, (n_visible, n_hidden)).astype("f")
    hbias, vbias = numpy.zeros(n_hidden, "f"), numpy.zeros(n_visible, "f")
    chain = numpy.zeros((batch_size, n_hidden), "f")
    noise = numpy.random.default_rng(1)
    lr = numpy.float32(0.1)
    bit = [0]

    def free_energy(v):
        return -numpy.logaddexp(0, v @ W + hbias).sum(1) - v @ vbias

    def step(index):
        nonlocal W, hbias, vbias  # updated in place
        x = images[index * batch_size : (index + 1) * batch_size]
        ph = sigmoid(x @ W + hbias)
        h = chain if persistent else (noise.random(ph.shape, "f") < ph).astype("f")
        for _ in range(k):
            pv = sigmoid(h @ W.T + vbias)
            v = (noise.random(pv.shape, "f") < pv).astype("f")
            nh = sigmoid(v @ W + hbias)
            h = (noise.random(nh.shape, "f") < nh).astype("f")
        # gradient of mean F(x) - mean F(v), the chain end held constant
        W -= lr * ((v.T @ nh) - (x.T @ ph)) / batch_size
        hbias -= lr * (nh.mean(0) - ph.mean(0))
        vbias -= lr * (v.mean(0) - x.mean(0))
        if persistent:
            chain[...] = h
            xi = numpy.round(x)
            flipped = xi.copy()
            flipped[:, bit[0]] = 1 - flipped[:, bit[0]]
            bit[0] = (bit[0] + 1) % n_visible
            return numpy.mean(n_visible * numpy.log(sigmoid(free_energy(flipped) - free_energy(xi))))
        return numpy.mean(numpy.sum(x * numpy.log(pv) + (1 - x) * numpy.log(1 - pv), 1))

    return step


def _update(W, alpha, a, b):
    """``W += alpha * a.T @ b`` in place, for a C-ordered ``W``.

    ``W.T`` is Fortran-ordered, which is what BLAS overwrites in place, so
    the product is computed transposed: ``W.T += alpha * b.T @ a``.
    """
    blas.sgemm(alpha, b, a, beta=1.0, c=W.T, trans_a=True, overwrite_c=True)


class NumpyDBN:
    """The DBN's steps in NumPy, float32, weights updated in place."""

    def __init__(self, seed=123, sizes=DBN_SIZES, n_out=N_OUT):
        rng = numpy.random.RandomState(seed)
        self.W, self.hbias, self.vbias = [], [], []
        for n_in, n_hidden in zip(sizes[:-1], sizes[1:]):
            bound = 4 * numpy.sqrt(6.0 / (n_in + n_hidden))
            self.W.append(rng.uniform(-bound, bound, (n_in, n_hidden)).astype("f"))
            self.hbias.append(numpy.zeros(n_hidden, "f"))
            self.vbias.append(numpy.zeros(n_in, "f"))
        self.W_out = numpy.zeros((sizes[-1], n_out), "f")
        self.b_out = numpy.zeros(n_out, "f")
        self.rng = numpy.random.default_rng(1)

    def encode(self, x, layers):
        for W, b in zip(self.W[:layers], self.hbias[:layers]):
            x = sigmoid(x @ W + b)
        return x

    def cd1_step(self, layer, x, lr):
        """One CD-1 update of RBM ``layer`` on the minibatch ``x``; returns the cost."""
        v0 = self.encode(x, layer)
        W, hbias, vbias = self.W[layer], self.hbias[layer], self.vbias[layer]
        ph0 = sigmoid(v0 @ W + hbias)
        h0 = (self.rng.random(ph0.shape, dtype="f") < ph0).astype("f")
        pv1 = sigmoid(h0 @ W.T + vbias)
        v1 = (self.rng.random(pv1.shape, dtype="f") < pv1).astype("f")
        ph1 = sigmoid(v1 @ W + hbias)
        cost = numpy.mean(numpy.sum(v0 * numpy.log(pv1) + (1 - v0) * numpy.log(1 - pv1), axis=1))
        step = lr / len(x)
        _update(W, step, v0, ph0)
        _update(W, -step, v1, ph1)
        hbias += step * (ph0.sum(axis=0) - ph1.sum(axis=0))
        vbias += step * (v0.sum(axis=0) - v1.sum(axis=0))
        return cost

    def forward(self, x):
        activations = [x]
        for W, b in zip(self.W, self.hbias):
            activations.append(sigmoid(activations[-1] @ W + b))
        a = activations[-1] @ self.W_out + self.b_out
        p = numpy.exp(a - a.max(axis=1, keepdims=True))
        return activations, p / p.sum(axis=1, keepdims=True)

    def errors(self, x, y):
        return numpy.mean(numpy.argmax(self.forward(x)[1], axis=1) != y)

    def finetune_step(self, x, y, lr):
        """One SGD step of the perceptron on the minibatch; returns the cost."""
        activations, p = self.forward(x)
        rows = numpy.arange(len(y))
        cost = -numpy.mean(numpy.log(p[rows, y]))
        delta = p
        delta[rows, y] -= 1
        delta /= len(y)
        back = delta @ self.W_out.T
        _update(self.W_out, -lr, activations[-1], delta)
        self.b_out -= lr * delta.sum(axis=0)
        for i in reversed(range(len(self.W))):
            h = activations[i + 1]
            delta = back * h * (1 - h)
            if i > 0:
                back = delta @ self.W[i].T
            _update(self.W[i], -lr, activations[i], delta)
            self.hbias[i] -= lr * delta.sum(axis=0)
        return cost
