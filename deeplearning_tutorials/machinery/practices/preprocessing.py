"""Preprocessing of the input (``--preprocess``), fitted on the training split.

Each transform is learnt from the training images only, then applied to all
three splits, so that nothing of the validation or test images leaks into
training. With :math:`\\mu` the mean training image, :math:`\\sigma` the
standard deviation of each pixel, and :math:`C = U S U^\\top` the covariance
of the centred training images (eigenvalues :math:`S` in decreasing order):

``center``
    :math:`x - \\mu`: every pixel zero-mean.
``standardize``
    :math:`(x - \\mu) / \\sigma`: also unit variance per pixel (pixels that
    never vary in training, as MNIST's borders, are left at 0).
``pca``
    :math:`(x - \\mu)\\,U_k`: the coordinates along the :math:`k` directions
    of largest variance (``--pca-components``; all by default, a rotation).
``pca-whiten``
    :math:`(x - \\mu)\\,U_k / \\sqrt{S_k + \\epsilon}`: the same coordinates,
    each divided by its deviation, so that their covariance is the identity.
``zca``
    :math:`(x - \\mu)\\,U (S + \\epsilon)^{-1/2} U^\\top`: whitened, then
    rotated back to the pixel axes, so that the images still look like
    images (with the edges enhanced).

:math:`\\epsilon` (``--whiten-epsilon``, :math:`10^{-5}` as in the notes)
keeps the directions of almost no variance from being blown up without
bound. The transforms are computed in float64 and stored in ``floatX``.
"""

from dataclasses import dataclass

import numpy
import pytensor

from deeplearning_tutorials.machinery.errors import InputError

#: the names ``--preprocess`` accepts
PREPROCESSINGS = ("none", "center", "standardize", "pca", "pca-whiten", "zca")

#: the transforms that keep only ``n_components`` directions
REDUCING = ("pca", "pca-whiten")


@dataclass
class Preprocessor:
    """A fitted transform: ``((x - mean) / scale) @ projection``."""

    mean: numpy.ndarray
    scale: numpy.ndarray
    projection: numpy.ndarray = None

    def transform(self, x):
        """The images ``x`` (one per row) transformed, in float64."""
        z = (numpy.asarray(x, dtype="float64") - self.mean) / self.scale
        return z if self.projection is None else z @ self.projection


def principal_axes(centred):
    """``(S, U)``: the eigenvalues of the covariance of the ``centred`` rows,
    largest first, and the eigenvectors as the columns of ``U``."""
    covariance = centred.T @ centred / centred.shape[0]
    eigenvalues, eigenvectors = numpy.linalg.eigh(covariance)
    order = numpy.argsort(eigenvalues)[::-1]
    return numpy.clip(eigenvalues[order], 0.0, None), eigenvectors[:, order]


def fit(kind, train_x, n_components=None, epsilon=1e-5):
    """The :class:`Preprocessor` ``kind`` learnt from the training images."""
    if kind not in PREPROCESSINGS or kind == "none":
        raise InputError(
            f"unknown preprocessing {kind!r} (choose from {', '.join(PREPROCESSINGS)})"
        )
    x = numpy.asarray(train_x, dtype="float64")
    mean = x.mean(axis=0)
    if kind == "center":
        return Preprocessor(mean, numpy.ones_like(mean))
    if kind == "standardize":
        deviation = x.std(axis=0)
        return Preprocessor(mean, numpy.where(deviation > 0, deviation, 1.0))
    variances, axes = principal_axes(x - mean)
    k = x.shape[1]
    if n_components is not None:
        k = check_components(n_components, k)
    if kind == "pca":
        projection = axes[:, :k]
    elif kind == "pca-whiten":
        projection = axes[:, :k] / numpy.sqrt(variances[:k] + epsilon)
    else:  # zca
        projection = (axes / numpy.sqrt(variances + epsilon)) @ axes.T
    return Preprocessor(mean, numpy.ones_like(mean), projection)


def check_components(n_components, n_features):
    """Refuse to keep more principal components than there are features."""
    if not 0 < n_components <= n_features:
        raise InputError(
            f"pca_components must be between 1 and the {n_features} pixels of "
            f"an image, got {n_components}"
        )
    return n_components


def preprocess_datasets(datasets, kind, n_components=None, epsilon=1e-5):
    """Fit ``kind`` on the training images of ``datasets`` (as
    :func:`~deeplearning_tutorials.machinery.data.load_data` returns them) and replace
    the images of all three splits by their transforms, in place."""
    if kind == "none":
        return datasets
    train_x = datasets[0][0].get_value(borrow=True)
    preprocessor = fit(kind, train_x, n_components, epsilon)
    for set_x, _ in datasets:
        transformed = preprocessor.transform(set_x.get_value(borrow=True))
        set_x.set_value(
            numpy.asarray(transformed, dtype=pytensor.config.floatX), borrow=True
        )
    return datasets
