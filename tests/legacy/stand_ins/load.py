"""A stand-in for the ``load.py`` of Radford's Theano-Tutorials (this
project's code, written for the harness; none of his).

His scripts call ``load.mnist(ntrain, ntest, onehot)``, which read the raw
MNIST files from a folder of his machine; this one reads the slice of the
shipped MNIST that the corpus harness wrote (``LEGACY_MNIST_SLICE``, an
``.npz``) and returns what the scripts unpack: ``trX, teX, trY, teY``, pixels
in ``[0, 1]`` as float64, labels as float64 indicator rows (``onehot``) or
as ints.
"""

import os

import numpy as np


def mnist(ntrain=60000, ntest=10000, onehot=True):
    data = np.load(os.environ["LEGACY_MNIST_SLICE"])
    images = [data["train_x"][:ntrain], data["test_x"][:ntest]]
    labels = [np.asarray(data["train_y"][:ntrain]), np.asarray(data["test_y"][:ntest])]
    if onehot:
        labels = [np.eye(10)[y.ravel()] for y in labels]
    train_x, test_x = (x.astype(np.float64) for x in images)
    return train_x, test_x, labels[0], labels[1]
