"""The losses a classifier can be trained with (``--loss``).

Every classifier of the tutorials ends in a
:class:`~deeplearning_tutorials.logistic_sgd.LogisticRegression` layer: the
class scores :math:`s = x W + b` of its input :math:`x`, and their softmax
:math:`p`. The tutorials minimise the negative log-likelihood; the practice
notes compare it with two other families:

``nll`` (the default)
    :math:`-\\frac{1}{N}\\sum_i \\log p_{i, y_i}`, the layer's own
    ``negative_log_likelihood``: the original graph.

``squared-error``
    the squared distance between the probabilities and the one-hot
    targets :math:`t_i` (1 for the label, 0 elsewhere),
    :math:`\\frac{1}{N}\\sum_i \\sum_k (p_{ik} - t_{ik})^2`. The notes prefer
    the cross-entropy: two models can make the same mistakes and have the
    same squared error while their likelihoods differ.

``hinge``
    the multiclass support-vector loss (Weston and Watkins): each wrong
    class whose score comes closer than a margin :math:`\\Delta = 1` to the
    correct one costs the shortfall,
    :math:`\\frac{1}{N}\\sum_i \\sum_{k \\ne y_i}
    \\max(0, s_{ik} - s_{i y_i} + \\Delta)`.

``squared-hinge``
    the same shortfalls squared (the "L2-SVM"), which punishes large
    violations more.

The hinge losses read the scores, not the probabilities; the prediction,
the most probable class, is also the highest score, so ``errors`` is the
same for every loss.
"""

import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery.errors import InputError

#: the names ``--loss`` accepts
LOSSES = ("nll", "squared-error", "hinge", "squared-hinge")


def one_hot(y, n_classes):
    """Rows of ``n_classes`` zeros with a one at each label of ``y``."""
    is_label = pt.eq(y[:, None], pt.arange(n_classes)[None, :])
    return pt.cast(is_label, pytensor.config.floatX)


def squared_error(p_y_given_x, y):
    """Mean over examples of the squared distance from ``p`` to the one-hot ``y``."""
    targets = one_hot(y, p_y_given_x.shape[1])
    return pt.mean(pt.sum((p_y_given_x - targets) ** 2, axis=1))


def margin_violations(scores, y, margin=1.0):
    """``max(0, s_k - s_y + margin)`` for every wrong class ``k``; 0 for ``y``."""
    correct = scores[pt.arange(y.shape[0]), y]
    shortfalls = pt.maximum(0.0, scores - correct[:, None] + margin)
    return shortfalls * (1.0 - one_hot(y, scores.shape[1]))


def multiclass_hinge(scores, y, margin=1.0):
    """The multiclass SVM loss, averaged over examples."""
    return pt.mean(pt.sum(margin_violations(scores, y, margin), axis=1))


def squared_hinge(scores, y, margin=1.0):
    """The squared multiclass SVM loss, averaged over examples."""
    return pt.mean(pt.sum(margin_violations(scores, y, margin) ** 2, axis=1))


def class_scores(layer):
    """The scores ``x W + b`` of a ``LogisticRegression`` layer, before the
    softmax (the same expression as inside its ``p_y_given_x``)."""
    return pt.dot(layer.input, layer.W) + layer.b


def loss(name, layer, y):
    """The loss ``name`` of the output ``layer`` for the labels ``y``."""
    if name == "nll":
        return layer.negative_log_likelihood(y)
    if name == "squared-error":
        return squared_error(layer.p_y_given_x, y)
    if name == "hinge":
        return multiclass_hinge(class_scores(layer), y)
    if name == "squared-hinge":
        return squared_hinge(class_scores(layer), y)
    raise InputError(f"unknown loss {name!r} (choose from {', '.join(LOSSES)})")
