"""LSTM networks for sentiment analysis: positive or negative movie reviews.

A review is a sequence of word indices :math:`w_1, \\ldots, w_n`. Each word
is looked up in an embedding matrix (``Wemb``), giving :math:`x_t`, and a
layer of LSTM memory cells reads the sequence. At every step :math:`t` the
cells compute, from :math:`x_t` and their previous output :math:`h_{t-1}`,

.. math::

    i_t &= \\sigma(W_i x_t + U_i h_{t-1} + b_i)
        && \\text{input gate} \\\\
    f_t &= \\sigma(W_f x_t + U_f h_{t-1} + b_f)
        && \\text{forget gate} \\\\
    o_t &= \\sigma(W_o x_t + U_o h_{t-1} + b_o)
        && \\text{output gate} \\\\
    \\widetilde{C}_t &= \\tanh(W_c x_t + U_c h_{t-1} + b_c)
        && \\text{candidate state} \\\\
    C_t &= i_t \\, \\widetilde{C}_t + f_t \\, C_{t-1}
        && \\text{memory cell} \\\\
    h_t &= o_t \\tanh(C_t)
        && \\text{output}

The cell :math:`C` keeps its value from step to step unless the gates let
the input change it or the forget gate clears it: gradients flow through
it without being multiplied by a weight matrix at every step, the cure for
the vanishing (and exploding) gradients of a plain recurrent network. (In
this variant the output gate does not look at :math:`C_t`, so the four
pre-activations can be computed at once: the four :math:`W_*` are one
matrix ``lstm_W``, the :math:`U_*` one ``lstm_U``, the :math:`b_*` one
``lstm_b``, and :math:`z = W x_t + U h_{t-1} + b` is sliced in four.)

The outputs :math:`h_1, \\ldots, h_n` are averaged over time, dropout is
applied to the average, and a logistic regression (softmax) on it gives
the probability of each class. Reviews of a minibatch have different
lengths: they are padded to the longest and a *mask* (1 on words, 0 on
padding) keeps the padding from changing :math:`h`, :math:`C` and the mean.
The parameters are trained by AdaDelta (the default), RMSProp or plain SGD
on the mean negative log-likelihood.

Run it with ``python -m deeplearning_tutorials.lstm --data-dir DIR``, DIR
holding the preprocessed IMDB ``imdb.pkl`` (see
:mod:`deeplearning_tutorials.imdb`; without it the file is downloaded from
the original's address).

This is a faithful port of the original ``code/lstm.py``, which is the
specification: the same parameters drawn in the same order from NumPy's
global generator seeded with 123, the same dropout noise (Theano's MRG
streams, seed 123), the same minibatch shuffles and the same printed lines.
Where Python 3 and Python 2 differ the port follows Python 2, the language
the tutorial was written for: the original's ``get_minibatches_idx``
returns ``zip(...)``, a list in Python 2 but a one-shot iterator in Python
3, under which the original's first validation used up the rest of the
epoch's minibatches and every later validation saw no example
(:func:`get_minibatches_idx`).

References: S. Hochreiter and J. Schmidhuber, *Long short-term memory*,
Neural Computation 9(8), 1997; F. A. Gers, J. Schmidhuber and F. Cummins,
*Learning to forget: continual prediction with LSTM*, Neural Computation
12(10), 2000; A. Graves, *Supervised sequence labelling with recurrent
neural networks*, Springer, 2012; M. D. Zeiler, *ADADELTA: an adaptive
learning rate method*, arXiv:1212.5701; A. L. Maas et al., *Learning word
vectors for sentiment analysis*, ACL 2011.
"""

import argparse
import inspect
import os
import pickle
import sys
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field

import numpy
import pytensor
import pytensor.tensor as pt
from pytensor import config
from pytensor.compile.builders import OpFromGraph

from deeplearning_tutorials import imdb
from deeplearning_tutorials.machinery import checkpoint, cli, startup, training
from deeplearning_tutorials.machinery.checkpoint import ModelFileError
from deeplearning_tutorials.machinery.errors import InputError
from deeplearning_tutorials.machinery.training import (
    TrainingDiverged,
    _interrupted,
    _progress,
    _say,
    _stop_flag,
)
from deeplearning_tutorials.rng_mrg import MRG_RandomStreams as RandomStreams

datasets = {"imdb": (imdb.load_data, imdb.prepare_data)}

# Set the random number generators' seeds for consistency
SEED = 123


def numpy_floatX(data):
    return numpy.asarray(data, dtype=config.floatX)


def get_minibatches_idx(n, minibatch_size, shuffle=False):
    """Used to shuffle the dataset at each iteration.

    Returns a list of ``(minibatch number, example indices)`` pairs; with
    ``shuffle`` the indices are permuted first by ``numpy.random.shuffle``
    (the global generator). The original returns ``zip(...)``: a list in
    Python 2, for which it was written, and a list here, so that a training
    epoch can be iterated while its validation goes through the same
    minibatches again, and the validation and test minibatches be reused.
    """

    idx_list = numpy.arange(n, dtype="int32")

    if shuffle:
        numpy.random.shuffle(idx_list)

    minibatches = []
    minibatch_start = 0
    for i in range(n // minibatch_size):
        minibatches.append(idx_list[minibatch_start : minibatch_start + minibatch_size])
        minibatch_start += minibatch_size

    if minibatch_start != n:
        # Make a minibatch out of what is left
        minibatches.append(idx_list[minibatch_start:])

    return list(zip(range(len(minibatches)), minibatches))


def get_dataset(name):
    return datasets[name][0], datasets[name][1]


def zipp(params, tparams):
    """When we reload the model. Needed for the GPU stuff."""
    for kk, vv in params.items():
        tparams[kk].set_value(vv)


def unzip(zipped):
    """When we pickle the model. Needed for the GPU stuff."""
    new_params = OrderedDict()
    for kk, vv in zipped.items():
        new_params[kk] = vv.get_value()
    return new_params


def dropout_layer(state_before, use_noise, trng):
    """Dropout with probability 0.5 while training (``use_noise`` 1), and
    the expected value, half the input, otherwise.

    ``switch`` computes both branches, so the mask is drawn, and the noise
    stream advanced, at every call of a function that holds this layer, with
    or without ``use_noise``: as in Theano, every function advances the
    stream it draws from (the state's ``default_update``).
    """
    # start-snippet-1
    proj = pt.switch(
        use_noise,
        (
            state_before
            * trng.binomial(state_before.shape, p=0.5, n=1, dtype=state_before.dtype)
        ),
        state_before * 0.5,
    )
    return proj
    # end-snippet-1


def _p(pp, name):
    return "%s_%s" % (pp, name)


def init_params(options):
    """Global (not LSTM) parameter. For the embeding and the classifier."""
    # start-snippet-2
    params = OrderedDict()
    # embedding
    randn = numpy.random.rand(options["n_words"], options["dim_proj"])
    params["Wemb"] = (0.01 * randn).astype(config.floatX)
    params = get_layer(options["encoder"])[0](options, params, prefix=options["encoder"])
    # classifier
    params["U"] = 0.01 * numpy.random.randn(options["dim_proj"], options["ydim"]).astype(
        config.floatX
    )
    params["b"] = numpy.zeros((options["ydim"],)).astype(config.floatX)

    return params
    # end-snippet-2


def load_params(path, params):
    """Replace the values of ``params`` by those saved in the ``.npz`` file
    ``path`` (as :func:`train_lstm` writes it).

    Read with ``allow_pickle=False``; a missing, damaged or mismatched file
    (a parameter absent, of another shape or dtype) is one
    :class:`~deeplearning_tutorials.machinery.checkpoint.ModelFileError`.
    """
    try:
        with numpy.load(path, allow_pickle=False) as pp:
            for kk, vv in params.items():
                if kk not in pp:
                    raise ModelFileError("%s: %s is not in the archive" % (path, kk))
                value = pp[kk]
                if value.shape != vv.shape or value.dtype != vv.dtype:
                    raise ModelFileError(
                        f"{path}: {kk} is {value.dtype} {value.shape}, this model's "
                        f"is {vv.dtype} {vv.shape}"
                    )
                params[kk] = value
    except ModelFileError:
        raise
    except Exception as exc:  # missing, not a zip, damaged
        raise ModelFileError(
            f"{path}: not a readable saved model ({type(exc).__name__}: {exc})"
        ) from None

    return params


def init_tparams(params):
    tparams = OrderedDict()
    for kk, pp in params.items():
        tparams[kk] = pytensor.shared(params[kk], name=kk)
    return tparams


def get_layer(name):
    fns = layers[name]
    return fns


# start-snippet-3
def ortho_weight(ndim):
    """A random orthogonal ``ndim x ndim`` matrix: the left singular vectors
    of a Gaussian matrix."""
    W = numpy.random.randn(ndim, ndim)
    u, s, v = numpy.linalg.svd(W)
    return u.astype(config.floatX)


def param_init_lstm(options, params, prefix="lstm"):
    """Init the LSTM parameter: the four gates' ``W`` and ``U``, each four
    orthogonal blocks side by side, and a zero ``b``.

    :see: init_params
    """
    W = numpy.concatenate(
        [
            ortho_weight(options["dim_proj"]),
            ortho_weight(options["dim_proj"]),
            ortho_weight(options["dim_proj"]),
            ortho_weight(options["dim_proj"]),
        ],
        axis=1,
    )
    params[_p(prefix, "W")] = W
    U = numpy.concatenate(
        [
            ortho_weight(options["dim_proj"]),
            ortho_weight(options["dim_proj"]),
            ortho_weight(options["dim_proj"]),
            ortho_weight(options["dim_proj"]),
        ],
        axis=1,
    )
    params[_p(prefix, "U")] = U
    b = numpy.zeros((4 * options["dim_proj"],))
    params[_p(prefix, "b")] = b.astype(config.floatX)

    return params
# end-snippet-3


def lstm_layer(tparams, state_below, options, prefix="lstm", mask=None):
    """The outputs :math:`h_t` of the LSTM over a minibatch, a ``scan``.

    :param state_below: the embedded words, ``(n_timesteps, n_samples,
        dim_proj)``
    :param mask: ``(n_timesteps, n_samples)``, 1 on words, 0 on padding;
        where it is 0 a step keeps the previous ``h`` and ``c``
    :returns: ``h`` at every step, ``(n_timesteps, n_samples, dim_proj)``
    """
    nsteps = state_below.shape[0]
    if state_below.ndim == 3:
        n_samples = state_below.shape[1]
    else:
        n_samples = 1

    assert mask is not None

    # start-snippet-4
    def _slice(_x, n, dim):
        if _x.ndim == 3:
            return _x[:, :, n * dim : (n + 1) * dim]
        return _x[:, n * dim : (n + 1) * dim]

    def _step(m_, x_, h_, c_):
        preact = pt.dot(h_, tparams[_p(prefix, "U")])
        preact += x_

        i = pt.sigmoid(_slice(preact, 0, options["dim_proj"]))
        f = pt.sigmoid(_slice(preact, 1, options["dim_proj"]))
        o = pt.sigmoid(_slice(preact, 2, options["dim_proj"]))
        c = pt.tanh(_slice(preact, 3, options["dim_proj"]))

        c = f * c_ + i * c
        c = m_[:, None] * c + (1.0 - m_)[:, None] * c_

        h = o * pt.tanh(c)
        h = m_[:, None] * h + (1.0 - m_)[:, None] * h_

        return h, c

    # W x_t + b for every step at once, outside the loop
    state_below = pt.dot(state_below, tparams[_p(prefix, "W")]) + tparams[_p(prefix, "b")]

    dim_proj = options["dim_proj"]
    rval = pytensor.scan(
        _step,
        sequences=[mask, state_below],
        outputs_info=[
            pt.alloc(numpy_floatX(0.0), n_samples, dim_proj),
            pt.alloc(numpy_floatX(0.0), n_samples, dim_proj),
        ],
        name=_p(prefix, "_layers"),
        n_steps=nsteps,
        return_updates=False,
    )
    return rval[0]
    # end-snippet-4


# ff: Feed Forward (normal neural net), only useful to put after lstm
#     before the classifier.
layers = {"lstm": (param_init_lstm, lstm_layer)}


def sgd(lr, tparams, grads, x, mask, y, cost):
    """Stochastic Gradient Descent

    :note: A more complicated version of sgd then needed.  This is
        done like that for adadelta and rmsprop.

    Returns ``f_grad_shared(x, mask, y)``, which computes the cost and keeps
    the gradients in shared variables, and ``f_update(lr)``, which applies
    :math:`p \\leftarrow p - lr \\, g`.
    """
    # start-snippet-5
    # New set of shared variable that will contain the gradient
    # for a mini-batch.
    gshared = [pytensor.shared(p.get_value() * 0.0, name="%s_grad" % k) for k, p in tparams.items()]
    gsup = [(gs, g) for gs, g in zip(gshared, grads)]

    # Function that computes gradients for a mini-batch, but do not
    # updates the weights.
    f_grad_shared = pytensor.function([x, mask, y], cost, updates=gsup, name="sgd_f_grad_shared")

    pup = [(p, p - lr * g) for p, g in zip(tparams.values(), gshared)]

    # Function that updates the weights from the previously computed
    # gradient.
    f_update = pytensor.function([lr], [], updates=pup, name="sgd_f_update")

    return f_grad_shared, f_update
    # end-snippet-5


def adadelta(lr, tparams, grads, x, mask, y, cost):
    """An adaptive learning rate optimizer (Zeiler, 2012).

    With running averages (decay 0.95) of the squared gradients,
    :math:`E[g^2]`, and of the squared updates, :math:`E[\\Delta^2]`, each
    parameter moves by

    .. math::

        \\Delta = -\\frac{\\sqrt{E[\\Delta^2] + 10^{-6}}}{\\sqrt{E[g^2] + 10^{-6}}} \\, g,

    a step whose units are those of the parameter; ``lr`` is not used.

    :param lr: the symbolic learning rate (unused)
    :param tparams: the model's shared parameters, by name
    :param grads: the gradients of ``cost`` with respect to them
    :param x, mask, y: the model's inputs and targets
    :param cost: the objective to minimise
    :returns: ``f_grad_shared(x, mask, y)`` (the cost; keeps the gradients
        and updates E[g^2]) and ``f_update(lr)`` (moves the parameters and
        updates E[Delta^2])
    """

    # start-snippet-6
    zipped_grads = [
        pytensor.shared(p.get_value() * numpy_floatX(0.0), name="%s_grad" % k)
        for k, p in tparams.items()
    ]
    running_up2 = [
        pytensor.shared(p.get_value() * numpy_floatX(0.0), name="%s_rup2" % k)
        for k, p in tparams.items()
    ]
    running_grads2 = [
        pytensor.shared(p.get_value() * numpy_floatX(0.0), name="%s_rgrad2" % k)
        for k, p in tparams.items()
    ]

    zgup = [(zg, g) for zg, g in zip(zipped_grads, grads)]
    rg2up = [(rg2, 0.95 * rg2 + 0.05 * (g**2)) for rg2, g in zip(running_grads2, grads)]

    f_grad_shared = pytensor.function(
        [x, mask, y], cost, updates=zgup + rg2up, name="adadelta_f_grad_shared"
    )

    updir = [
        -pt.sqrt(ru2 + 1e-6) / pt.sqrt(rg2 + 1e-6) * zg
        for zg, ru2, rg2 in zip(zipped_grads, running_up2, running_grads2)
    ]
    ru2up = [(ru2, 0.95 * ru2 + 0.05 * (ud**2)) for ru2, ud in zip(running_up2, updir)]
    param_up = [(p, p + ud) for p, ud in zip(tparams.values(), updir)]

    f_update = pytensor.function(
        [lr], [], updates=ru2up + param_up, on_unused_input="ignore", name="adadelta_f_update"
    )

    return f_grad_shared, f_update
    # end-snippet-6


def rmsprop(lr, tparams, grads, x, mask, y, cost):
    """A variant of SGD that scales the step size by running average of the
    recent step norms (Hinton's lecture 6a, with momentum).

    With running averages (decay 0.95) of the gradients, :math:`E[g]`, and
    of their squares, :math:`E[g^2]`, the step is

    .. math::

        \\Delta \\leftarrow 0.9 \\, \\Delta - 10^{-4} \\,
            \\frac{g}{\\sqrt{E[g^2] - E[g]^2 + 10^{-4}}}, \\qquad
        p \\leftarrow p + \\Delta;

    ``lr`` is not used (the step size is the constant 1e-4). Arguments and
    results as :func:`adadelta`.
    """

    # start-snippet-7
    zipped_grads = [
        pytensor.shared(p.get_value() * numpy_floatX(0.0), name="%s_grad" % k)
        for k, p in tparams.items()
    ]
    running_grads = [
        pytensor.shared(p.get_value() * numpy_floatX(0.0), name="%s_rgrad" % k)
        for k, p in tparams.items()
    ]
    running_grads2 = [
        pytensor.shared(p.get_value() * numpy_floatX(0.0), name="%s_rgrad2" % k)
        for k, p in tparams.items()
    ]

    zgup = [(zg, g) for zg, g in zip(zipped_grads, grads)]
    rgup = [(rg, 0.95 * rg + 0.05 * g) for rg, g in zip(running_grads, grads)]
    rg2up = [(rg2, 0.95 * rg2 + 0.05 * (g**2)) for rg2, g in zip(running_grads2, grads)]

    f_grad_shared = pytensor.function(
        [x, mask, y], cost, updates=zgup + rgup + rg2up, name="rmsprop_f_grad_shared"
    )

    updir = [
        pytensor.shared(p.get_value() * numpy_floatX(0.0), name="%s_updir" % k)
        for k, p in tparams.items()
    ]
    updir_new = [
        (ud, 0.9 * ud - 1e-4 * zg / pt.sqrt(rg2 - rg**2 + 1e-4))
        for ud, zg, rg, rg2 in zip(updir, zipped_grads, running_grads, running_grads2)
    ]
    param_up = [(p, p + udn[1]) for p, udn in zip(tparams.values(), updir_new)]
    f_update = pytensor.function(
        [lr], [], updates=updir_new + param_up, on_unused_input="ignore", name="rmsprop_f_update"
    )

    return f_grad_shared, f_update
    # end-snippet-7


OPTIMIZERS = {"adadelta": adadelta, "rmsprop": rmsprop, "sgd": sgd}


def softmax(x):
    """The softmax of each row of ``x``, rounded as Theano's compiled code did.

    Theano replaced ``softmax(dot(proj, U) + b)`` by its ``SoftmaxWithBias``
    Op, which computes :math:`e_j = \\exp(x_j - \\max_k x_k)`, sums the
    :math:`e_j` in float64 and multiplies each by the *reciprocal* of the
    sum (PyTensor's ``softmax`` divides by the sum: the last bit differs in
    about one case in four); its gradient, ``SoftmaxGrad``, is
    :math:`d - s \\sum_j d_j` with :math:`d = g \\odot s`, the sum in
    float64. Both are ``OpFromGraph``: the rewrites cannot reorder their
    products (PyTensor would otherwise multiply ``g * e * (1 / sum)`` in
    another order, another rounding). In float64 the casts do nothing.
    """
    x_ = x.type()
    e_x = pt.exp(x_ - x_.max(axis=1, keepdims=True))
    sum_e_x = pt.cast(e_x, "float64").sum(axis=1, keepdims=True)
    sm_ = pt.cast(pt.cast(e_x, "float64") * pt.reciprocal(sum_e_x), x.dtype)

    g_, s_ = x.type(), x.type()
    d = g_ * s_
    sum_d = pt.cast(d, "float64").sum(axis=1, keepdims=True)
    dx = pt.cast(pt.cast(d, "float64") - sum_d * s_, x.dtype)
    softmax_grad = OpFromGraph([g_, s_], [dx], name="softmax_grad")

    def pullback(inputs, outputs, output_grads):
        return [softmax_grad(output_grads[0], outputs[0])]

    return OpFromGraph([x_], [sm_], pullback=pullback, name="softmax")(x)


def build_model(tparams, options):
    """The symbolic model: inputs, prediction functions and cost.

    ``x`` is an int64 ``(n_timesteps, n_samples)`` matrix of word indices,
    ``mask`` its mask, ``y`` the labels. The embedded words go through the
    LSTM, the outputs are averaged over each review's own steps, dropped out
    (``use_dropout``) and classified by a softmax.

    :returns: ``(use_noise, x, mask, y, f_pred_prob, f_pred, cost)``;
        ``use_noise`` is the shared switch of the dropout (1 while
        training), ``f_pred_prob(x, mask)`` the class probabilities,
        ``f_pred(x, mask)`` the most probable class, ``cost`` the mean
        negative log-likelihood
    """
    # start-snippet-8
    trng = RandomStreams(SEED)

    # Used for dropout.
    use_noise = pytensor.shared(numpy_floatX(0.0))

    x = pt.matrix("x", dtype="int64")
    mask = pt.matrix("mask", dtype=config.floatX)
    y = pt.vector("y", dtype="int64")

    n_timesteps = x.shape[0]
    n_samples = x.shape[1]

    emb = tparams["Wemb"][x.flatten()].reshape([n_timesteps, n_samples, options["dim_proj"]])
    proj = get_layer(options["encoder"])[1](
        tparams, emb, options, prefix=options["encoder"], mask=mask
    )
    if options["encoder"] == "lstm":
        # mean over each review's own steps
        proj = (proj * mask[:, :, None]).sum(axis=0)
        proj = proj / mask.sum(axis=0)[:, None]
    if options["use_dropout"]:
        proj = dropout_layer(proj, use_noise, trng)

    pred = softmax(pt.dot(proj, tparams["U"]) + tparams["b"])

    f_pred_prob = pytensor.function([x, mask], pred, name="f_pred_prob")
    f_pred = pytensor.function([x, mask], pred.argmax(axis=1), name="f_pred")

    off = 1e-8
    if pred.dtype == "float16":
        off = 1e-6

    cost = -pt.log(pred[pt.arange(n_samples), y] + off).mean()

    return use_noise, x, mask, y, f_pred_prob, f_pred, cost
    # end-snippet-8


def pred_probs(f_pred_prob, prepare_data, data, iterator, verbose=False):
    """If you want to use a trained model, this is useful to compute
    the probabilities of new examples.
    """
    n_samples = len(data[0])
    probs = numpy.zeros((n_samples, 2)).astype(config.floatX)

    n_done = 0

    for _, valid_index in iterator:
        x, mask, y = prepare_data(
            [data[0][t] for t in valid_index], numpy.array(data[1])[valid_index], maxlen=None
        )
        pred_probs = f_pred_prob(x, mask)
        probs[valid_index, :] = pred_probs

        n_done += len(valid_index)
        if verbose:
            print("%d/%d samples classified" % (n_done, n_samples))

    return probs


def pred_error(f_pred, prepare_data, data, iterator, verbose=False):
    """Just compute the error
    f_pred: Theano fct computing the prediction
    prepare_data: usual prepare_data for that dataset.

    The fraction misclassified, a float64 NumPy scalar; the minibatches are
    those of ``iterator`` (``(number, indices)`` pairs).
    """
    # start-snippet-9
    valid_err = 0
    for _, valid_index in iterator:
        x, mask, y = prepare_data(
            [data[0][t] for t in valid_index], numpy.array(data[1])[valid_index], maxlen=None
        )
        preds = f_pred(x, mask)
        targets = numpy.array(data[1])[valid_index]
        valid_err += (preds == targets).sum()
    # A float64 in both precisions, as the original computed it under NumPy
    # 1: there a 0-d floatX array divided by a Python int was promoted as
    # two scalars, float32 / int64 -> float64. NumPy 2 takes the int as
    # "weak" and stays in float32; an int64 divisor keeps the original's
    # float64 (the same value: float32(k) is exact, and so is the quotient's
    # rounding to float64).
    valid_err = 1.0 - numpy_floatX(valid_err) / numpy.int64(len(data[0]))

    return valid_err
    # end-snippet-9


# -- training ----------------------------------------------------------------


class BadCostDetected(TrainingDiverged):
    """The cost of a minibatch was NaN or infinite (the original then
    returns ``(1., 1., 1.)``)."""


@dataclass
class LSTMState:
    """Where a run of :func:`train_lstm` stands at an epoch end: all that a
    checkpoint holds besides the arrays (parameters, the optimizer's running
    averages, the best parameters)."""

    eidx: int = 0  # the epoch to run next
    last_eidx: int = 0  # the last epoch entered (the original's eidx)
    uidx: int = 0  # the number of update done
    history_errs: list = field(default_factory=list)  # [valid_err, test_err]
    train_errs: list = field(default_factory=list)  # for the record
    validated_at: list = field(default_factory=list)  # [eidx, uidx] of each
    costs: list = field(default_factory=list)  # [eidx, uidx, cost] printed
    has_best: bool = False  # the original's best_p is not None
    bad_counter: int = 0
    estop: bool = False  # early stop
    numpy_rng: list = field(default_factory=list)  # numpy.random.get_state()
    seconds: float = 0.0  # training time of earlier processes


@dataclass
class LSTMResult:
    """What a run printed and found, for the ``--results-json`` record."""

    train_err: float
    valid_err: float
    test_err: float
    state: LSTMState
    epochs: int
    seconds: float
    interrupted: bool = False
    diverged: bool = False

    def as_record(self, **extra):
        state = self.state
        history = [
            {"epoch": e, "update": u, "train_err": t, "valid_err": v, "test_err": s}
            for (e, u), t, (v, s) in zip(
                state.validated_at, state.train_errs, state.history_errs
            )
        ]
        return {
            "train_err": self.train_err,
            "valid_err": self.valid_err,
            "test_err": self.test_err,
            "epochs": self.epochs,
            "updates": state.uidx,
            "early_stopped": state.estop,
            "interrupted": self.interrupted,
            "diverged": self.diverged,
            "seconds": self.seconds,
            "seconds_per_epoch": self.seconds / self.epochs if self.epochs else None,
            **extra,
            "validations": history,
            "costs_printed": [
                {"epoch": e, "update": u, "cost": c} for e, u, c in state.costs
            ],
        }


def train_lstm(
    dim_proj=128,  # word embeding dimension and LSTM number of hidden units.
    patience=10,  # Number of epoch to wait before early stop if no progress
    max_epochs=5000,  # The maximum number of epoch to run
    dispFreq=10,  # Display to stdout the training progress every N updates
    decay_c=0.0,  # Weight decay for the classifier applied to the U weights.
    lrate=0.0001,  # Learning rate for sgd (not used for adadelta and rmsprop)
    n_words=10000,  # Vocabulary size
    # sgd, adadelta and rmsprop available, sgd very hard to use, not
    # recommanded (probably need momentum and decaying learning rate).
    optimizer=adadelta,
    encoder="lstm",  # TODO: can be removed must be lstm.
    saveto="lstm_model.npz",  # The best model will be saved there
    validFreq=370,  # Compute the validation error after this number of update.
    saveFreq=1110,  # Save the parameters after every saveFreq updates
    maxlen=100,  # Sequence longer then this get ignored
    batch_size=16,  # The batch size during training.
    valid_batch_size=64,  # The batch size used for validation/test set.
    dataset="imdb",
    # Parameter for extra option
    noise_std=0.0,
    use_dropout=True,  # if False slightly faster, but worst test error
    # This frequently need a bigger model.
    reload_model=None,  # Path to a saved model we want to start from.
    test_size=-1,  # If >0, we keep only this number of test example.
    *,
    data_dir=None,
    checkpoint_dir=None,
    resume=False,
    results_json=None,
):
    """Train the LSTM sentiment classifier; print the original's lines.

    The keyword arguments before ``*`` are the original's, with its
    defaults (see the comment beside each). As in the original:

    - every ``dispFreq`` updates the line ``Epoch  E Update  U Cost  C``;
    - every ``saveFreq`` updates the best parameters so far (the current
      ones before the first validation) and ``history_errs`` are saved to
      ``saveto`` (``.npz``), the options to ``saveto + '.pkl'``; at the end
      the best parameters and the final errors (``saveto=''``: nothing is
      saved);
    - every ``validFreq`` updates (``-1``: once per epoch) the errors on the
      training, validation and test sets, ``Train  ... Valid  ... Test  ...``;
      a validation error no better than the best of all but the last
      ``patience`` validations counts as bad, and after more than
      ``patience`` bad ones since the last best the run stops
      (``Early Stop!``);
    - at the end the best parameters are restored and their errors printed;
    - ``reload_model``: start from parameters saved earlier (a path; the
      original read ``lstm_model.npz`` whatever the value, which ``True``
      does here);
    - ``test_size`` > 0: a random subset of that many test reviews;
    - ``noise_std`` is not used (nor was it in the original).

    The random draws are the original's: ``numpy.random.seed(123)`` (the
    original seeded at import; here at every call, so that each call is a
    fresh run), then the validation split, the parameters and every epoch's
    shuffle from NumPy's global generator, and the dropout masks from MRG
    streams seeded with 123.

    The keyword-only arguments are this port's:

    :param data_dir: the folder of ``imdb.pkl`` (default: ``imdb.pkl`` in
        the current folder, the project's data folders, else a download)
    :param checkpoint_dir: save the complete state of the run there at
        every epoch end (parameters, the optimizer's running averages, the
        best parameters, the errors so far, NumPy's and the noise's
        generator states); a resumed run prints what the uninterrupted one
        would have printed
    :param resume: continue the run saved in ``checkpoint_dir``
    :param results_json: write the errors of every validation, the printed
        costs, the final errors and the time there
    :returns: ``(train_err, valid_err, test_err)`` of the best parameters,
        or ``(1., 1., 1.)`` if a cost was NaN or infinite (after printing
        ``bad cost detected:``)
    :raises TrainingInterrupted: Ctrl-C, SIGTERM or SIGHUP: as in the
        original, training stops, the best parameters are evaluated and
        saved; then the run ends with this exception (a checkpoint holds the
        state of the last epoch end)
    """
    # Model options
    model_options = {k: v for k, v in locals().items() if k not in _RUN_OPTIONS}
    try:
        return _train(
            model_options,
            data_dir=data_dir,
            checkpoint_dir=checkpoint_dir,
            resume=resume,
            results_json=results_json,
        )
    except BadCostDetected:
        return 1.0, 1.0, 1.0


_RUN_OPTIONS = ("data_dir", "checkpoint_dir", "resume", "results_json")


def _train(model_options, data_dir, checkpoint_dir, resume, results_json):
    """:func:`train_lstm`'s body; ``model_options`` its original keywords."""
    numpy.random.seed(SEED)
    print("model options", model_options)
    o = dict(model_options)
    if o["encoder"] not in layers:
        raise InputError(f"encoder must be one of {sorted(layers)}, not {o['encoder']!r}")
    if o["dataset"] not in datasets:
        raise InputError(f"dataset must be one of {sorted(datasets)}, not {o['dataset']!r}")
    if o["n_words"] < 2 or o["patience"] < 1:
        # rare words become word 1, a row of the embedding; the early stop
        # compares with the best of all but the last `patience` validations
        raise InputError("n_words must be at least 2 and patience at least 1")

    load_data, prepare_data = get_dataset(o["dataset"])

    print("Loading data")
    path = imdb.DEFAULT_DATASET
    if data_dir is not None:
        path = os.path.join(data_dir, imdb.DEFAULT_DATASET)
    path = imdb.get_dataset_file(path, imdb.DEFAULT_DATASET, imdb.IMDB_URL)
    train, valid, test = load_data(
        path=path, n_words=o["n_words"], valid_portion=0.05, maxlen=o["maxlen"]
    )
    if o["test_size"] > 0:
        # The test set is sorted by size, but we want to keep random
        # size example.  So we must select a random selection of the
        # examples.
        idx = numpy.arange(len(test[0]))
        numpy.random.shuffle(idx)
        idx = idx[: o["test_size"]]
        test = ([test[0][n] for n in idx], [test[1][n] for n in idx])
    if not valid[0]:
        raise InputError(
            f"{len(train[0])} training reviews leave none for the validation set "
            "(5 percent of them)"
        )

    ydim = numpy.max(train[1]) + 1

    model_options["ydim"] = ydim

    print("Building model")
    # This create the initial parameters as numpy ndarrays.
    # Dict name (string) -> numpy ndarray
    params = init_params(model_options)

    if o["reload_model"]:
        reload_path = o["reload_model"]
        load_params("lstm_model.npz" if reload_path is True else reload_path, params)

    # This create Theano Shared Variable from the parameters.
    # Dict name (string) -> Theano Tensor Shared Variable
    # params and tparams have different copy of the weights.
    tparams = init_tparams(params)

    # use_noise is for dropout
    (use_noise, x, mask, y, f_pred_prob, f_pred, cost) = build_model(tparams, model_options)

    # start-snippet-10
    if o["decay_c"] > 0.0:
        decay_c = pytensor.shared(numpy_floatX(o["decay_c"]), name="decay_c")
        weight_decay = 0.0
        weight_decay += (tparams["U"] ** 2).sum()
        weight_decay *= decay_c
        cost += weight_decay

    # (the original also compiles f_cost and f_grad here, which it never calls)
    grads = pytensor.grad(cost, wrt=list(tparams.values()))

    lr = pt.scalar(name="lr")
    f_grad_shared, f_update = o["optimizer"](lr, tparams, grads, x, mask, y, cost)
    # end-snippet-10

    print("Optimization")

    kf_valid = get_minibatches_idx(len(valid[0]), o["valid_batch_size"])
    kf_test = get_minibatches_idx(len(test[0]), o["valid_batch_size"])

    print("%d train examples" % len(train[0]))
    print("%d valid examples" % len(valid[0]))
    print("%d test examples" % len(test[0]))

    data = (train, valid, test, prepare_data)
    functions = (f_grad_shared, f_update, f_pred)
    loop = _TrainingLoop(model_options, tparams, use_noise, functions, data, (kf_valid, kf_test))
    loop.warm_up()
    checkpointer = _checkpointer(checkpoint_dir, model_options, loop, path)
    loop.restore(checkpointer, resume)
    interruption = loop.run(checkpointer)
    if loop.diverged:
        result = loop.result(1.0, 1.0, 1.0, diverged=True)
        _write_record(results_json, result, model_options, data_dir)
        raise BadCostDetected(
            f"bad cost detected at update {loop.state.uidx}: the cost is not finite"
        )
    train_err, valid_err, test_err = loop.finish()
    result = loop.result(train_err, valid_err, test_err, interrupted=interruption is not None)
    _write_record(results_json, result, model_options, data_dir)
    if interruption is not None:
        raise interruption
    return train_err, valid_err, test_err


class _TrainingLoop:
    """The original's training loop, from the first update to the final
    errors, with the state a checkpoint needs kept in :class:`LSTMState`."""

    def __init__(self, model_options, tparams, use_noise, functions, data, kf_eval):
        self.o = model_options
        self.tparams = tparams
        self.use_noise = use_noise
        self.f_grad_shared, self.f_update, self.f_pred = functions
        self.train, self.valid, self.test, self.prepare_data = data
        self.kf_valid, self.kf_test = kf_eval
        # what the training functions update besides the parameters: the
        # noise streams' states and the optimizer's shared variables (its
        # gradients and running averages)
        updated = {
            put.variable: None
            for f in functions[:2]
            for put in f.maker.inputs
            if put.update is not None
        }
        self.noise_states = [v for v in updated if getattr(v.tag, "is_rng", False)]
        for i, variable in enumerate(self.noise_states):
            variable.name = f"dropout_noise_state_{i}"  # a name in the checkpoint
        self.optimizer_state = [
            v
            for v in updated
            if v not in self.noise_states and all(v is not p for p in tparams.values())
        ]
        # the original's best_p, kept in shared variables for the checkpoint
        self.best = OrderedDict(
            (k, pytensor.shared(p.get_value(), name=k + "_best")) for k, p in tparams.items()
        )
        self.state = LSTMState()
        self.validFreq = self._per_epoch(self.o["validFreq"], "validFreq")
        self.saveFreq = self._per_epoch(self.o["saveFreq"], "saveFreq")
        self.diverged = False
        self.seconds = 0.0

    def _per_epoch(self, frequency, name):
        """``-1`` means once per epoch: ``len(train[0]) // batch_size``."""
        if frequency == -1:
            frequency = len(self.train[0]) // self.o["batch_size"]
            if frequency < 1:
                raise InputError(
                    f"{name}=-1 (once per epoch) needs at least batch_size training "
                    "reviews"
                )
        return frequency

    def all_shared(self):
        """Every shared variable a checkpoint saves, in a fixed order."""
        return [
            *self.tparams.values(),
            *self.optimizer_state,
            *self.noise_states,
            *self.best.values(),
        ]

    @property
    def best_p(self):
        """The original's ``best_p``: ``None`` before the first validation."""
        return unzip(self.best) if self.state.has_best else None

    def warm_up(self):
        """Call every function once (Numba compiles a function at its first
        call), then put back everything the calls changed, so that the
        compile time is not counted as training time, as in Theano, which
        compiled in ``theano.function``, and the run is the one it would
        have been."""
        variables = [*self.tparams.values(), *self.optimizer_state, *self.noise_states]
        saved = [v.get_value(borrow=False) for v in variables]
        index = list(range(min(len(self.train[0]), self.o["batch_size"])))
        x, mask, y = self.prepare_data(
            [self.train[0][t] for t in index], [self.train[1][t] for t in index]
        )
        self.f_grad_shared(x, mask, y)
        self.f_update(self.o["lrate"])
        self.f_pred(x, mask)
        for variable, value in zip(variables, saved):
            variable.set_value(value, borrow=True)

    def restore(self, checkpointer, resume):
        """Continue from the checkpoint, if there is one (and ``resume``)."""
        if checkpointer is None or not checkpointer.exists():
            return
        if not resume:
            raise checkpoint.existing_checkpoint_error(checkpointer.path)
        saved, _ = checkpointer.restore()
        self.state = state = _restored_state(checkpointer.path, saved)
        # the errors as the original keeps them, float64 NumPy scalars
        state.history_errs = [[numpy.float64(v), numpy.float64(t)] for v, t in state.history_errs]
        name, key, pos, has_gauss, cached_gaussian = state.numpy_rng
        key = numpy.array(key, dtype="uint32")
        numpy.random.set_state((name, key, pos, has_gauss, cached_gaussian))
        print(
            f"... resuming after epoch {state.eidx - 1} (update {state.uidx}) "
            f"from {checkpointer.path}"
        )

    def save(self, checkpointer):
        if checkpointer is None:
            return
        state = self.state
        now = time.time()
        state.seconds += now - self.start_time
        self.start_time = now
        rng = numpy.random.get_state()
        state.numpy_rng = [rng[0], rng[1].tolist(), int(rng[2]), int(rng[3]), float(rng[4])]
        saved = asdict(state)
        saved["history_errs"] = [[float(v), float(t)] for v, t in state.history_errs]
        checkpointer.save(saved)

    def run(self, checkpointer):
        """The epochs; returns the TrainingInterrupted of a stop signal, if
        one came (after the original's ``Training interupted``)."""
        state, o = self.state, self.o
        self.start_time = time.time()
        with _stop_flag() as stop:
            while state.eidx < o["max_epochs"] and not state.estop:
                state.last_eidx = eidx = state.eidx
                n_samples = 0

                # Get new shuffled index for the training set.
                kf = get_minibatches_idx(len(self.train[0]), o["batch_size"], shuffle=True)
                bar = _progress(-(-len(self.train[0]) // o["batch_size"]), eidx, 0)
                for _, train_index in kf:
                    n_samples += self.update(train_index, kf, bar)
                    if self.diverged or state.estop:
                        break
                    if stop:
                        if bar is not None:
                            bar.close()
                        _say("Training interupted", None)
                        return _interrupted(
                            stop,
                            f"epoch {eidx}, update {state.uidx} (training stopped there, "
                            "as in the original; a checkpoint holds the state of the last "
                            "epoch end)",
                        )
                if bar is not None:
                    bar.close()
                if self.diverged:
                    return None

                _say("Seen %d samples" % n_samples, None)
                state.eidx = eidx + 1
                self.save(checkpointer)
        return None

    def update(self, train_index, kf, bar):
        """One update on the examples ``train_index``, and what the original
        does after it (print, save, validate); returns the examples seen."""
        state, o = self.state, self.o
        eidx = state.eidx
        # start-snippet-11
        state.uidx += 1
        uidx = state.uidx
        self.use_noise.set_value(1.0)

        # Select the random examples for this minibatch
        y = [self.train[1][t] for t in train_index]
        x = [self.train[0][t] for t in train_index]

        # Get the data in numpy.ndarray format
        # This swap the axis!
        # Return something of shape (minibatch maxlen, n samples)
        x, mask, y = self.prepare_data(x, y)

        startup.first_step()
        cost = self.f_grad_shared(x, mask, y)
        self.f_update(o["lrate"])
        if bar is not None:
            bar.update()

        if numpy.isnan(cost) or numpy.isinf(cost):
            _print(bar, "bad cost detected: ", cost)
            self.diverged = True
            return x.shape[1]

        if numpy.mod(uidx, o["dispFreq"]) == 0:
            _print(bar, "Epoch ", eidx, "Update ", uidx, "Cost ", cost)
            state.costs.append([eidx, uidx, float(cost)])

        if o["saveto"] and numpy.mod(uidx, self.saveFreq) == 0:
            _print(bar, "Saving...")
            params = self.best_p if state.has_best else unzip(self.tparams)
            _save_model(o["saveto"], model_options=o, history_errs=state.history_errs, **params)
            _print(bar, "Done")

        if numpy.mod(uidx, self.validFreq) == 0:
            self.validate(kf, bar)
        # end-snippet-11
        return x.shape[1]

    def errors(self, kf_train):
        """The errors on the three sets, without dropout."""
        self.use_noise.set_value(0.0)
        f, prepare = self.f_pred, self.prepare_data
        train_err = pred_error(f, prepare, self.train, kf_train)
        valid_err = pred_error(f, prepare, self.valid, self.kf_valid)
        test_err = pred_error(f, prepare, self.test, self.kf_test)
        return train_err, valid_err, test_err

    def validate(self, kf, bar):
        state, o = self.state, self.o
        train_err, valid_err, test_err = self.errors(kf)

        # start-snippet-12
        state.history_errs.append([valid_err, test_err])
        state.train_errs.append(float(train_err))
        state.validated_at.append([state.eidx, state.uidx])

        if not state.has_best or valid_err <= numpy.array(state.history_errs)[:, 0].min():
            zipp(unzip(self.tparams), self.best)  # best_p = unzip(tparams)
            state.has_best = True
            state.bad_counter = 0

        _print(bar, "Train ", train_err, "Valid ", valid_err, "Test ", test_err)

        patience = o["patience"]
        if (
            len(state.history_errs) > patience
            and valid_err >= numpy.array(state.history_errs)[:-patience, 0].min()
        ):
            state.bad_counter += 1
            if state.bad_counter > patience:
                _print(bar, "Early Stop!")
                state.estop = True
        # end-snippet-12

    def finish(self):
        """The original's ending: the best parameters back in the model,
        their errors printed and saved."""
        state, o = self.state, self.o
        self.seconds = state.seconds + time.time() - self.start_time
        if state.has_best:
            zipp(self.best_p, self.tparams)
        best_p = unzip(self.tparams)

        kf_train_sorted = get_minibatches_idx(len(self.train[0]), o["batch_size"])
        train_err, valid_err, test_err = self.errors(kf_train_sorted)

        print("Train ", train_err, "Valid ", valid_err, "Test ", test_err)
        if o["saveto"]:
            _save_model(
                o["saveto"],
                train_err=train_err,
                valid_err=valid_err,
                test_err=test_err,
                history_errs=state.history_errs,
                **best_p,
            )
        epochs = state.last_eidx + 1
        print(
            "The code run for %d epochs, with %f sec/epochs"
            % (epochs, self.seconds / (1.0 * epochs))
        )
        print(("Training took %.1fs" % self.seconds), file=sys.stderr)
        return train_err, valid_err, test_err

    def result(self, train_err, valid_err, test_err, **outcome):
        if not self.seconds:
            self.seconds = self.state.seconds + time.time() - self.start_time
        return LSTMResult(
            train_err=float(train_err),
            valid_err=float(valid_err),
            test_err=float(test_err),
            state=self.state,
            epochs=self.state.last_eidx + 1,
            seconds=self.seconds,
            **outcome,
        )


def _print(bar, *values):
    """``print(*values)``, above the progress bar if there is one."""
    _say(" ".join(str(value) for value in values), bar)


def _save_model(saveto, model_options=None, **arrays):
    """``numpy.savez(saveto, **arrays)`` (which adds ``.npz`` to a name
    without it), and with ``model_options`` also the pickle of the options
    to ``saveto + '.pkl'``, as the original; each file written atomically."""
    path = saveto if saveto.endswith(".npz") else saveto + ".npz"
    checkpoint.atomic_write(path, lambda f: numpy.savez(f, **arrays))
    if model_options is not None:
        checkpoint.atomic_write(
            "%s.pkl" % saveto, lambda f: pickle.dump(model_options, f, -1)
        )


# What a saved LSTMState may hold, field by field.
_STATE_RULES = {
    "eidx": checkpoint.is_count,
    "last_eidx": checkpoint.is_count,
    "uidx": checkpoint.is_count,
    "history_errs": lambda v: checkpoint.is_list_of(
        lambda pair: checkpoint.is_list_of(checkpoint.is_fraction, pair) and len(pair) == 2,
        v,
    ),
    "train_errs": lambda v: checkpoint.is_list_of(checkpoint.is_fraction, v),
    "validated_at": lambda v: checkpoint.is_list_of(
        lambda pair: checkpoint.is_list_of(checkpoint.is_count, pair) and len(pair) == 2,
        v,
    ),
    "costs": lambda v: checkpoint.is_list_of(
        lambda c: isinstance(c, list)
        and len(c) == 3
        and all(isinstance(n, (int, float)) for n in c),
        v,
    ),
    "has_best": lambda v: type(v) is bool,
    "bad_counter": checkpoint.is_count,
    "estop": lambda v: type(v) is bool,
    "numpy_rng": lambda v: (
        isinstance(v, list)
        and len(v) == 5
        and v[0] == "MT19937"
        and checkpoint.is_list_of(lambda n: type(n) is int and 0 <= n < 2**32, v[1])
        and len(v[1]) == 624
    ),
    "seconds": checkpoint.is_seconds,
}


def _restored_state(path, saved):
    """The :class:`LSTMState` of a checkpoint, its fields and their
    agreement checked."""
    state = checkpoint.restored_state(path, saved, LSTMState, _STATE_RULES, what="this LSTM run")
    consistent = (
        len(state.history_errs) == len(state.train_errs) == len(state.validated_at)
        and state.has_best == bool(state.history_errs)
        and state.eidx >= state.last_eidx
        and all(e < state.eidx and 0 < u <= state.uidx for e, u in state.validated_at)
    )
    if not consistent:
        raise ModelFileError(
            f"{path}: damaged checkpoint (its errors, epochs and updates do not agree)"
        )
    return state


def _checkpointer(checkpoint_dir, model_options, loop, data_path):
    """The run's Checkpointer, or None; a resumed run must share the
    settings that shape its updates, and its data file (by content)."""
    o = model_options
    settings = {
        name: o[name]
        for name in (
            "dim_proj", "patience", "decay_c", "lrate", "n_words", "encoder",
            "validFreq", "maxlen", "batch_size", "valid_batch_size",
            "use_dropout", "test_size",
        )
    }  # fmt: skip
    settings["optimizer"] = o["optimizer"].__name__
    return training.checkpointer_for(
        checkpoint_dir, "lstm", loop.all_shared(), dataset=data_path, **settings
    )


def _write_record(path, result, model_options, data_dir):
    options = {
        k: (v.__name__ if callable(v) else v)
        for k, v in model_options.items()
        if k != "ydim"
    }
    training.write_record(
        path,
        result,
        model="lstm",
        data_dir=data_dir,
        errors_are="fractions misclassified, as printed (1 - correct / n)",
        **options,
    )


# -- command line --------------------------------------------------------------


def _train_from_command_line(**arguments):
    """:func:`train_lstm` for ``main``: the same keywords (the optimizer by
    name), but a NaN cost ends the program (exit status 3)."""
    arguments["optimizer"] = OPTIMIZERS[arguments["optimizer"]]
    run = {name: arguments.pop(name) for name in _RUN_OPTIONS}
    names = list(inspect.signature(train_lstm).parameters)
    options = {name: arguments[name] for name in names if name in arguments}
    return _train(options, **run)


_train_from_command_line.__signature__ = inspect.signature(train_lstm)


def _frequency(text):
    """A positive number of updates, or -1 (once per epoch)."""
    return -1 if text.strip() == "-1" else cli.positive_int(text)


def _vocabulary_size(text):
    """At least 2 words: 0 (padding) and 1 (every rarer word)."""
    value = cli.positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"expected at least 2 words, got {text!r}")
    return value


def main(argv=None):
    parser = cli.make_parser(
        "lstm",
        "Train an LSTM to tell positive from negative IMDB movie reviews, as the "
        "original lstm.py does, and print its lines.",
        data=False,
        # Measured on the generated reviews with the default sizes (dim_proj
        # 128, minibatches of 16, one validation per epoch;
        # results/lstm_speed.json): CVM 0.94 s per epoch (median), NUMBA
        # 1.25 s (the original: 1.82 s), and CVM compiles in half NUMBA's
        # time on a cold cache. A step's matrices are small (16 x 128 by
        # 128 x 512): a second BLAS thread made an epoch 7 to 15 times
        # slower, its threads waiting for each other.
        default_mode="CVM",
        default_blas_threads=1,
        saves_on_stop=False,
    )
    add = parser.add_argument
    add("--data-dir", metavar="DIR", default=None,
        help="folder holding imdb.pkl (and imdb.dict.pkl.gz) (default: imdb.pkl in the "
        "current folder or the project's data folders, else downloaded from the "
        "original's address)")
    add("--dataset", choices=sorted(datasets), default="imdb", help="the data set")
    add("--dim-proj", type=cli.positive_int, default=128,
        help="word embedding dimension and number of LSTM units")
    add("--patience", type=cli.positive_int, default=10,
        help="stop after more than this many bad validations since the best")
    add("--max-epochs", type=cli.positive_int, default=100,
        help="the maximum number of epochs (the original's command line; "
        "train_lstm's own default is 5000)")
    add("--disp-freq", dest="dispFreq", metavar="N", type=cli.positive_int, default=10,
        help="print the cost every N updates")
    add("--decay-c", type=cli.non_negative_float, default=0.0,
        help="weight decay of the classifier's U weights")
    add("--lrate", type=cli.positive_float, default=0.0001,
        help="learning rate of sgd (adadelta and rmsprop do not use it)")
    add("--n-words", type=_vocabulary_size, default=10000,
        help="vocabulary size: rarer words become the unknown word (1)")
    add("--optimizer", choices=sorted(OPTIMIZERS), default="adadelta",
        help="adadelta, rmsprop or sgd (sgd is hard to use here, the original says)")
    add("--encoder", choices=sorted(layers), default="lstm", help="the recurrent layer")
    add("--saveto", metavar="PATH", default="lstm_model.npz",
        help="where the best parameters are saved (.npz) and the options "
        "(PATH.pkl); an empty string saves nothing")
    add("--valid-freq", dest="validFreq", metavar="N", type=_frequency, default=370,
        help="compute the errors every N updates (-1: once per epoch)")
    add("--save-freq", dest="saveFreq", metavar="N", type=_frequency, default=1110,
        help="save the parameters every N updates (-1: once per epoch)")
    add("--maxlen", type=cli.non_negative_int, default=100,
        help="training reviews of this many words or more are left out (0: none)")
    add("--batch-size", type=cli.positive_int, default=16, help="training minibatch size")
    add("--valid-batch-size", type=cli.positive_int, default=64,
        help="minibatch size of the validation and test sets")
    add("--noise-std", type=cli.non_negative_float, default=0.0,
        help="unused, as in the original")
    add("--use-dropout", action=argparse.BooleanOptionalAction, default=True,
        help="dropout on the mean LSTM output")
    add("--reload-model", metavar="PATH", default=None,
        help="start from the parameters saved in PATH (a --saveto file)")
    add("--test-size", type=int, default=500,
        help="keep a random subset of this many test reviews; -1 or 0: all (the "
        "original's command line used 500; train_lstm's own default is -1)")
    args = parser.parse_args(argv)
    saveto = args.saveto
    writable = {}
    if saveto:
        writable["--saveto"] = saveto if saveto.endswith(".npz") else saveto + ".npz"
    return cli.run(_train_from_command_line, args, writable=writable)


if __name__ == "__main__":
    main()
