"""Initial parameters of the autoencoder and the RBM, as the originals drew them."""

import numpy
import pytensor


def sigmoid_weights(numpy_rng, n_visible, n_hidden, name="W"):
    """A shared ``(n_visible, n_hidden)`` matrix, uniform in
    +-4 sqrt(6 / (n_hidden + n_visible)): the interval suited to sigmoid
    units (X. Glorot and Y. Bengio, 2010). Converted to ``floatX``, so that
    it can live on a GPU."""
    bound = 4 * numpy.sqrt(6.0 / (n_hidden + n_visible))
    values = numpy.asarray(
        numpy_rng.uniform(low=-bound, high=bound, size=(n_visible, n_hidden)),
        dtype=pytensor.config.floatX,
    )
    return pytensor.shared(value=values, name=name, borrow=True)


def zero_bias(n, name):
    """A shared vector of ``n`` zeros of ``floatX``."""
    return pytensor.shared(
        value=numpy.zeros(n, dtype=pytensor.config.floatX), name=name, borrow=True
    )
