"""Recurrent neural networks with word embeddings for slot filling (ATIS).

*Slot filling* (spoken language understanding) tags every word of a request
with the slot it fills, in the Inside-Outside-Beginning notation::

    show flights from Boston to New   York  today
    O    O       O    B-dept O  B-arr I-arr B-date

The model reads a sentence as a sequence of word indexes and classifies each
word, in four steps:

1. **Context windows.** Each word is replaced by the indexes of the ``cs``
   words around it (:func:`contextwin`); ``-1`` pads the ends of the sentence.
2. **Word embeddings.** Each index selects a learnt row of ``emb`` (``de``
   numbers per word); a window becomes the concatenation of its rows,
   :math:`x_t \\in \\mathbb{R}^{de \\cdot cs}`.
3. **An Elman recurrent network** runs over the sentence (a ``scan``):

   .. math::

       h_t = \\mathrm{sigm}(x_t W_x + h_{t-1} W_h + b_h), \\qquad
       s_t = \\mathrm{softmax}(h_t W + b),

   starting from a learnt :math:`h_0`; :math:`s_t` is the distribution of the
   label of word :math:`t`.
4. **Training** is SGD, one update per sentence, on the sentence's mean
   negative log-likelihood; after each update every embedding is scaled back
   to unit length (``RNNSLU.normalize``). Early stopping keeps the model
   of the best validation F1, and the learning rate is halved once that has
   not improved for 10 epochs.

The score is the chunk F1 of the CoNLL ``conlleval`` script, which counts a
slot as found only when all its words and its type are right
(:mod:`deeplearning_tutorials.machinery.conlleval` computes it in Python; the
original piped its prediction files through the Perl script).

Run it with ``python -m deeplearning_tutorials.rnnslu --data-dir DIR``, DIR
holding ``atis.fold3.pkl.gz`` (or set ``ATISDATA``, as for the original;
without either the fold is downloaded from the original tutorial's address
and checked against its SHA-256). On fold 3 the original reports a test F1 of
94.2 after 60 epochs (best validation F1 97.23 at epoch 57); this port's run
of the same settings kept the model of epoch 48, validation F1 97.01 and
test F1 94.25 (results/rnnslu.json), and the original, run again under
Theano 1.0.5 on the same machine (its ``map`` results made lists, see below),
printed the same lines, epoch for epoch (in float32; this port's float64 run
keeps the same best model). An epoch's training took about
4 s in the default backend (Numba) where the original took 23 to 30 s under
Theano 1.0.5, one after the other on the same loaded 2-core machine
(results/rnnslu_epoch_times.json).

This is a faithful port of the original ``code/rnnslu.py``, which is the
specification, quirks included:

- the training sentences are shuffled with :func:`shuffle`, which seeds
  Python's ``random`` with the same seed before every shuffle: every epoch
  applies the same permutation again to the order the last epoch left;
- when the learning rate decays, the original sets ``rnn = best_rnn`` (the
  deep copy kept at the last new best) and goes on training *that object*:
  the first decay after a new best returns to the best model, the later ones
  keep the current model (it is the best model object, trained further),
  until a new best is copied again (:func:`train_rnnslu`);
- the embedding of the padding index (the last row) is trained and
  normalised like the others.

The lines printed are the original's; its progress line (``[learning] epoch
0 >> 12.34% completed in 5.67 (sec) <<``), which it rewrote in place after
every sentence, is rewritten at most ten times a second on a terminal and
written once per epoch, in its last state, to a file.

One behaviour is not kept: under Python 3 the original's ground truth and
words of the validation and test sets are one-shot ``map`` iterators, so
every evaluation after the first one scores empty sentences (F1 0.0). The
original was written for Python 2, whose ``map`` returned lists, as here; one
epoch is the same either way.

References: G. Mesnil, X. He, L. Deng and Y. Bengio, *Investigation of
Recurrent-Neural-Network Architectures and Learning Methods for Spoken
Language Understanding*, Interspeech 2013; C. Raymond and G. Riccardi,
*Generative and discriminative algorithms for spoken language
understanding*, Interspeech 2007.
"""

import argparse
import os
import random
import sys
import time
import timeit
from collections import OrderedDict
from dataclasses import asdict, dataclass, field

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery import atis, checkpoint, cli, startup, training
from deeplearning_tutorials.machinery import conlleval as chunk_scores
from deeplearning_tutorials.machinery.checkpoint import ModelFileError
from deeplearning_tutorials.machinery.errors import InputError

# the original main()'s param, in its order (print(param) shows it so)
DEFAULT_PARAM = {
    "fold": 3,
    # 5 folds 0,1,2,3,4
    "data": "atis",
    "lr": 0.0970806646812754,
    "verbose": 1,
    "decay": True,
    # decay on the learning rate if improvement stops
    "win": 7,
    # number of words in the context window
    "nhidden": 200,
    # number of hidden units
    "seed": 345,
    "emb_dimension": 50,
    # dimension of word embedding
    "nepochs": 60,
    # 60 is recommended
    "savemodel": False,
}
DECAY_PATIENCE = 10  # epochs without a better validation F1 before lr halves
MIN_LEARNING_RATE = 1e-5  # training stops below it


# utils functions
def shuffle(lol, seed):
    """Shuffle in place each list of ``lol`` (a list of lists) in the same order.

    As the original, which calls ``random.seed(seed)`` before
    ``random.shuffle`` of each list, every list gets the permutation that
    Python's Mersenne Twister seeded with ``seed`` draws; a generator of its
    own (``random.Random(seed)``) draws the same one without reseeding the
    global generator.
    """
    for l in lol:
        random.Random(seed).shuffle(l)


# start-snippet-1
def contextwin(l, win):
    """The context windows of a sentence.

    :param l: the word indexes of a sentence (a list or an array)
    :param win: the size of the window, odd
    :returns: a list of ``len(l)`` lists of ``win`` indexes, the window
        centred on each word; ``-1`` (the padding) beyond the sentence's ends
    """
    assert (win % 2) == 1
    assert win >= 1
    l = list(l)

    lpadded = win // 2 * [-1] + l + win // 2 * [-1]
    out = [lpadded[i : (i + win)] for i in range(len(l))]

    assert len(out) == len(l)
    return out
# end-snippet-1


# data loading functions
def atisfold(fold, data_dir=None):
    """Load fold ``fold`` (0 to 4) of ATIS: ``(train_set, valid_set,
    test_set, dicts)``.

    Each set is ``(lex, ne, y)``: three lists with one int32 array per
    sentence, its words, named-entity tags and labels; ``dicts`` maps
    ``'words2idx'``, ``'labels2idx'`` and ``'tables2idx'`` to dictionaries
    from names to indexes. The file ``atis.fold<fold>.pkl.gz`` is read from
    ``data_dir``, else from the folder ``$ATISDATA`` names (as the
    original), else from a cache where it is downloaded the first time; a
    damaged or wrong file is refused with one sentence (see
    :mod:`deeplearning_tutorials.machinery.atis`).
    """
    return atis.read_fold(fold, data_dir)


# metrics function: the original's, scored by machinery.conlleval
def conlleval(p, g, w, filename):
    """Write predictions as ``conlleval``'s input and score them.

    :param p: the predicted labels of each sentence (lists of names)
    :param g: the true labels of each sentence
    :param w: the words of each sentence
    :param filename: the file written, one ``word truth prediction`` line
        per word, each sentence between ``BOS O O`` and ``EOS O O``
    :returns: ``{'p': precision, 'r': recall, 'f1': F1}``, in percent with
        two decimals, as the original read them from ``conlleval.pl``
    """
    out = ""
    for sl, sp, sw in zip(g, p, w):
        out += "BOS O O\n"
        for wl, wp, word in zip(sl, sp, sw):
            out += word + " " + wl + " " + wp + "\n"
        out += "EOS O O\n\n"

    with open(filename, "w", encoding="utf-8") as f:
        f.write(out)

    return chunk_scores.overall(chunk_scores.evaluate_text(out))


# start-snippet-2
class RNNSLU:
    """An Elman network over context windows of word embeddings.

    :param nh: dimension of the hidden layer
    :param nc: number of classes
    :param ne: number of word embeddings in the vocabulary
    :param de: dimension of the word embeddings
    :param cs: word window context size
    :param numpy_rng: draws the initial weights (``numpy.random``'s global
        generator, as in the original, when ``None``)
    """

    def __init__(self, nh, nc, ne, de, cs, numpy_rng=None):
        rng = numpy.random if numpy_rng is None else numpy_rng
        floatX = pytensor.config.floatX
        # parameters of the model, drawn in this order: emb, wx, wh, w
        self.emb = pytensor.shared(
            name="embeddings",
            # add one for padding at the end
            value=0.2 * rng.uniform(-1.0, 1.0, (ne + 1, de)).astype(floatX),
        )
        self.wx = pytensor.shared(
            name="wx", value=0.2 * rng.uniform(-1.0, 1.0, (de * cs, nh)).astype(floatX)
        )
        self.wh = pytensor.shared(
            name="wh", value=0.2 * rng.uniform(-1.0, 1.0, (nh, nh)).astype(floatX)
        )
        self.w = pytensor.shared(
            name="w", value=0.2 * rng.uniform(-1.0, 1.0, (nh, nc)).astype(floatX)
        )
        self.bh = pytensor.shared(name="bh", value=numpy.zeros(nh, dtype=floatX))
        self.b = pytensor.shared(name="b", value=numpy.zeros(nc, dtype=floatX))
        self.h0 = pytensor.shared(name="h0", value=numpy.zeros(nh, dtype=floatX))

        # bundle
        self.params = [self.emb, self.wx, self.wh, self.w, self.bh, self.b, self.h0]
        # end-snippet-2
        # as many columns as context window size
        # as many lines as words in the sentence
        # start-snippet-3
        idxs = pt.imatrix()
        x = self.emb[idxs].reshape((idxs.shape[0], de * cs))
        y_sentence = pt.ivector("y_sentence")  # labels
        # end-snippet-3 start-snippet-4

        def recurrence(x_t, h_tm1):
            h_t = pt.sigmoid(pt.dot(x_t, self.wx) + pt.dot(h_tm1, self.wh) + self.bh)
            s_t = pt.special.softmax(pt.dot(h_t, self.w) + self.b, axis=-1)
            return [h_t, s_t]

        h, s = pytensor.scan(
            fn=recurrence,
            sequences=x,
            outputs_info=[self.h0, None],
            n_steps=x.shape[0],
            return_updates=False,  # no random numbers inside: no updates
        )

        # Theano's softmax of a vector was a one-row matrix, and the original
        # took s[:, 0, :]; PyTensor's is the vector itself
        p_y_given_x_sentence = s
        y_pred = pt.argmax(p_y_given_x_sentence, axis=1)
        # end-snippet-4

        # cost and gradients and learning rate
        # start-snippet-5
        lr = pt.scalar("lr")

        sentence_nll = -pt.mean(
            pt.log(p_y_given_x_sentence)[pt.arange(x.shape[0]), y_sentence]
        )
        sentence_gradients = pytensor.grad(sentence_nll, self.params)
        sentence_updates = OrderedDict(
            (p, p - lr * g) for p, g in zip(self.params, sentence_gradients)
        )
        # end-snippet-5

        # pytensor functions to compile
        # start-snippet-6
        self.classify = pytensor.function(inputs=[idxs], outputs=y_pred)
        self.sentence_train = pytensor.function(
            inputs=[idxs, y_sentence, lr], outputs=sentence_nll, updates=sentence_updates
        )
        # end-snippet-6 start-snippet-7
        self.normalize = pytensor.function(
            inputs=[],
            updates={
                self.emb: self.emb
                / pt.sqrt((self.emb**2).sum(axis=1)).dimshuffle(0, "x")
            },
        )
        # end-snippet-7
        # the symbolic sentence and its cost, for inspection (and the tests)
        self.idxs, self.y_sentence, self.sentence_nll = idxs, y_sentence, sentence_nll
        self.p_y_given_x_sentence = p_y_given_x_sentence

    def reinitialize(self, numpy_rng):
        """Draw the parameters afresh from ``numpy_rng``, as :meth:`__init__`
        draws them (same order, shapes and arithmetic), keeping the compiled
        functions: a model of the same sizes, reused, runs as a new one would."""
        floatX = pytensor.config.floatX
        for param in (self.emb, self.wx, self.wh, self.w):
            shape = param.get_value(borrow=True).shape
            param.set_value(0.2 * numpy_rng.uniform(-1.0, 1.0, shape).astype(floatX))
        for param in (self.bh, self.b, self.h0):
            param.set_value(numpy.zeros_like(param.get_value(borrow=True)))

    def shapes(self):
        """``(nh, nc, ne, de, cs)`` of this model."""
        ne_plus_1, de = self.emb.get_value(borrow=True).shape
        nh, nc = self.w.get_value(borrow=True).shape
        return nh, nc, ne_plus_1 - 1, de, self.wx.get_value(borrow=True).shape[0] // de

    def train(self, x, y, window_size, learning_rate):
        """One SGD step on a sentence (word indexes ``x``, labels ``y``), then
        the embeddings back to unit length; returns the sentence's cost."""
        cwords = contextwin(x, window_size)
        words = numpy.asarray(cwords, dtype="int32")
        labels = y

        cost = self.sentence_train(words, labels, learning_rate)
        self.normalize()
        return cost

    def predict(self, x, window_size):
        """The label indexes of a sentence (word indexes ``x``)."""
        return self.classify(numpy.asarray(contextwin(x, window_size), dtype="int32"))

    def save(self, folder):
        """Save each parameter as ``<folder>/<name>.npy``, as the original."""
        for param in self.params:
            numpy.save(os.path.join(folder, param.name + ".npy"), param.get_value())

    def load(self, folder):
        """Load the parameters :meth:`save` wrote (no pickle: plain arrays)."""
        for param in self.params:
            path = os.path.join(folder, param.name + ".npy")
            try:
                value = numpy.load(path, allow_pickle=False)
            except (OSError, ValueError, EOFError) as exc:
                raise ModelFileError(f"{path}: cannot load ({exc})") from None
            current = param.get_value(borrow=True)
            if value.shape != current.shape or value.dtype.kind != "f":
                raise ModelFileError(
                    f"{path}: a {value.dtype} array of shape {value.shape}, expected "
                    f"floats of shape {current.shape}"
                )
            param.set_value(value.astype(current.dtype))

    def get_values(self):
        return [param.get_value() for param in self.params]

    def set_values(self, values):
        for param, value in zip(self.params, values):
            param.set_value(numpy.array(value, dtype=param.dtype))


# ------------------------------------------------------------------ training


@dataclass
class RunState:
    """Where a run stands at an epoch end: all a checkpoint holds besides the
    current and the best parameters.

    ``order`` is the training set's order after the last shuffle (the
    original's ``shuffle`` reseeds Python's generator every time, so the
    order is all the randomness carries from one epoch to the next; numpy's
    generator only draws the initial weights). ``best_is_current``: the
    original's ``rnn`` is its ``best_rnn`` object (after a decay), so the
    best model is the one being trained.
    """

    epoch: int = 0  # epochs done
    clr: float = 0.0  # the current learning rate
    best_f1: float = -numpy.inf
    best: dict = field(default_factory=dict)  # vf1, tf1, vp, tp, vr, tr, be
    best_is_current: bool = False
    finished: bool = False  # the learning rate fell below MIN_LEARNING_RATE
    order: list = field(default_factory=list)
    history: list = field(default_factory=list)  # one record per epoch
    seconds: float = 0.0  # the run's time so far, over all its processes


@dataclass
class RNNSLUResult:
    """A finished run: the original's ``param`` after it, and every epoch."""

    param: dict
    history: list
    seconds: float
    best_values: list = None  # the best model's parameters (best_rnn's)

    def as_record(self, **extra):
        keys = ("be", "vf1", "tf1", "vp", "tp", "vr", "tr", "clr")
        return {
            **{key: self.param.get(key) for key in keys},
            "epochs": len(self.history),
            "seconds": self.seconds,
            "train_seconds_per_epoch": [e["train_seconds"] for e in self.history],
            "train_cpu_seconds_per_epoch": [e["train_cpu_seconds"] for e in self.history],
            **extra,
            "history": self.history,
        }


def _state_rules(n_train):
    def is_order(v):
        return isinstance(v, list) and sorted(v) == list(range(n_train))

    def is_best(v):
        keys = {"vf1", "tf1", "vp", "tp", "vr", "tr", "be"}
        return isinstance(v, dict) and (not v or (
            set(v) == keys and all(checkpoint.is_number(v[k], 0, 100) for k in keys - {"be"})
            and checkpoint.is_count(v["be"])))

    return {
        "epoch": checkpoint.is_count,
        "clr": lambda v: checkpoint.is_number(v, 0, 1e12),
        "best_f1": lambda v: checkpoint.is_number(v, 0, 100) or v == -numpy.inf,
        "best": is_best,
        "best_is_current": lambda v: type(v) is bool,
        "finished": lambda v: type(v) is bool,
        "order": is_order,
        "history": lambda v: checkpoint.is_list_of(lambda e: isinstance(e, dict), v),
        "seconds": checkpoint.is_seconds,
    }


def _restore(checkpointer, resume, n_train):
    """The saved :class:`RunState` and best values, or ``(None, None)``."""
    if checkpointer is None or not checkpointer.exists():
        return None, None
    if not resume:
        raise checkpoint.existing_checkpoint_error(checkpointer.path)
    saved, best_values = checkpointer.restore()
    state = checkpoint.restored_state(
        checkpointer.path, saved, RunState, _state_rules(n_train), what="this rnnslu run"
    )
    consistent = (
        len(state.history) == state.epoch
        and (state.best == {}) == (best_values is None) == (state.epoch == 0)
        and (not state.best or state.best["be"] < state.epoch)
    )
    if not consistent:
        raise ModelFileError(
            f"{checkpointer.path}: damaged checkpoint ({state.epoch} epochs, "
            f"{len(state.history)} epoch records and the best model do not fit)"
        )
    print(f"... resuming after epoch {state.epoch - 1} from {checkpointer.path}")
    return state, best_values


class _ProgressLine:
    """The original's ``[learning] epoch 0 >> 12.34% completed in 5.67 (sec)
    <<`` line, rewritten in place (``\\r``). The original wrote it after every
    sentence; on a terminal it is rewritten at most ten times a second, and in
    a file only its last state is written, once per epoch."""

    def __init__(self, epoch, nsentences, tic):
        self.epoch, self.nsentences, self.tic = epoch, nsentences, tic
        self.live = sys.stdout.isatty()
        self.shown = tic

    def update(self, i, last=False):
        now = timeit.default_timer()
        if not (last or (self.live and now - self.shown >= 0.1)):
            return
        self.shown = now
        print(
            "[learning] epoch %i >> %2.2f%%" % (self.epoch, (i + 1) * 100.0 / self.nsentences),
            end=" ",
        )
        print("completed in %.2f (sec) <<\r" % (now - self.tic), end="")
        sys.stdout.flush()


def train_rnnslu(
    param=None,
    data_dir=None,
    folder="rnnslu",
    checkpoint_dir=None,
    resume=False,
    model=None,
):
    """The original ``main(param)``: train on an ATIS fold with early stopping.

    :param param: the original's dictionary of settings (its keys and
        defaults are :data:`DEFAULT_PARAM`'s); printed first, and, as in the
        original, completed with the results: ``be`` (the best epoch),
        ``vf1``/``tf1``, ``vp``/``tp``, ``vr``/``tr`` (validation and test F1,
        precision and recall of the best model) and ``clr`` (the last
        learning rate)
    :param data_dir: the folder of ``atis.fold<N>.pkl.gz`` (see :func:`atisfold`)
    :param folder: where the prediction files (``current.test.txt``,
        ``best.valid.txt``, ...) and, with ``savemodel``, the best model's
        parameters are written; the original's was ``rnnslu`` beside its
        code
    :param checkpoint_dir: if given, the run is saved there at every epoch end
    :param resume: continue the run saved in ``checkpoint_dir``
    :param model: an :class:`RNNSLU` of the sizes this run needs, to reuse
        instead of compiling a new one; its parameters are drawn afresh from
        the seed (:meth:`RNNSLU.reinitialize`), so the run is the same
    :returns: an :class:`RNNSLUResult`
    """
    if not param:
        param = dict(DEFAULT_PARAM)
    print(param)
    if param["win"] < 1 or param["win"] % 2 != 1:
        raise InputError(f"win {param['win']}: the context window must be an odd size")

    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{folder}: cannot create the folder ({exc.strerror})") from None

    # load the dataset
    train_set, valid_set, test_set, dic = atisfold(param["fold"], data_dir)

    idx2label = dict((k, v) for v, k in dic["labels2idx"].items())
    idx2word = dict((k, v) for v, k in dic["words2idx"].items())

    train_lex, train_ne, train_y = train_set
    valid_lex, valid_ne, valid_y = valid_set
    test_lex, test_ne, test_y = test_set

    vocsize = len(dic["words2idx"])
    nclasses = len(dic["labels2idx"])
    nsentences = len(train_lex)

    groundtruth_valid = [[idx2label[x] for x in y] for y in valid_y]
    words_valid = [[idx2word[x] for x in w] for w in valid_lex]
    groundtruth_test = [[idx2label[x] for x in y] for y in test_y]
    words_test = [[idx2word[x] for x in w] for w in test_lex]

    # instanciate the model
    numpy_rng = numpy.random.RandomState(param["seed"])
    sizes = dict(nh=param["nhidden"], nc=nclasses, ne=vocsize, de=param["emb_dimension"],
                 cs=param["win"])
    if model is None:
        rnn = RNNSLU(**sizes, numpy_rng=numpy_rng)
    elif model.shapes() != tuple(sizes.values()):
        raise InputError(f"the model given has the sizes {model.shapes()}, this run "
                         f"needs {tuple(sizes.values())} (nh, nc, ne, de, cs)")
    else:
        rnn = model
        rnn.reinitialize(numpy_rng)
    _warm_up(rnn, train_lex[0], train_y[0], param["win"])

    checkpointer = training.checkpointer_for(
        checkpoint_dir,
        "RNNSLU",
        rnn.params,
        **{k: param[k] for k in ("fold", "lr", "decay", "win", "nhidden", "seed", "emb_dimension")},
        sentences=[len(train_lex), len(valid_lex), len(test_lex)],
    )
    state, best_values = _restore(checkpointer, resume, nsentences)
    if state is None:
        state = RunState(clr=param["lr"], order=list(range(nsentences)))
    # the training set in the order the last epoch left it
    train_lex = [train_lex[i] for i in state.order]
    train_ne = [train_ne[i] for i in state.order]
    train_y = [train_y[i] for i in state.order]
    if state.best:
        param.update(state.best)
    param["clr"] = state.clr

    start = timeit.default_timer()
    with training._stop_flag() as stop:
        # train with early stopping on validation set
        while state.epoch < param["nepochs"] and not state.finished:
            e = state.epoch
            # shuffle
            shuffle([train_lex, train_ne, train_y, state.order], param["seed"])

            param["ce"] = e
            tic = timeit.default_timer()
            train_cpu_seconds = _train_one_epoch(rnn, train_lex, train_y, e, param, tic, stop)
            train_seconds = timeit.default_timer() - tic

            # evaluation // back into the real world : idx -> words, then
            # compute the accuracy as conlleval.pl
            res_test = _evaluate(rnn, test_lex, groundtruth_test, words_test, idx2label,
                                 param["win"], folder + "/current.test.txt")
            res_valid = _evaluate(rnn, valid_lex, groundtruth_valid, words_valid, idx2label,
                                  param["win"], folder + "/current.valid.txt")

            new_best = res_valid["f1"] > state.best_f1
            if new_best:
                if param["savemodel"]:
                    rnn.save(folder)

                # the original's best_rnn = copy.deepcopy(rnn)
                best_values = rnn.get_values()
                state.best_is_current = False
                state.best_f1 = res_valid["f1"]

                if param["verbose"]:
                    print(
                        "NEW BEST: epoch", e,
                        "valid F1", res_valid["f1"],
                        "best test F1", res_test["f1"],
                    )

                param["vf1"], param["tf1"] = res_valid["f1"], res_test["f1"]
                param["vp"], param["tp"] = res_valid["p"], res_test["p"]
                param["vr"], param["tr"] = res_valid["r"], res_test["r"]
                param["be"] = e
                state.best = {k: param[k] for k in ("vf1", "tf1", "vp", "tp", "vr", "tr", "be")}

                os.replace(folder + "/current.test.txt", folder + "/best.test.txt")
                os.replace(folder + "/current.valid.txt", folder + "/best.valid.txt")
            else:
                if param["verbose"]:
                    print("")

            state.history.append({
                "epoch": e,
                "lr": param["clr"],
                "valid": res_valid,
                "test": res_test,
                "new_best": new_best,
                "train_seconds": train_seconds,  # the time printed
                "train_cpu_seconds": train_cpu_seconds,  # less sensitive to other jobs
                "epoch_seconds": timeit.default_timer() - tic,
            })

            # learning rate decay if no improvement in 10 epochs
            if param["decay"] and abs(param["be"] - param["ce"]) >= DECAY_PATIENCE:
                param["clr"] *= 0.5
                # the original's rnn = best_rnn: back to the best model the
                # first time; from then on rnn *is* best_rnn, trained further
                if not state.best_is_current:
                    rnn.set_values(best_values)
                    state.best_is_current = True

            if param["clr"] < MIN_LEARNING_RATE:
                state.finished = True

            state.epoch, state.clr = e + 1, param["clr"]
            if state.best_is_current:
                best_values = rnn.get_values()
            start = _save(checkpointer, state, best_values, start)
            if stop:  # a stop signal during the evaluation: the epoch is saved
                raise training._interrupted(stop, f"the end of epoch {e}")

    print(
        "BEST RESULT: epoch", param["be"],
        "valid F1", param["vf1"],
        "best test F1", param["tf1"],
        "with the model", folder,
    )
    return RNNSLUResult(
        param=param, history=state.history, seconds=state.seconds, best_values=best_values
    )


def _train_one_epoch(rnn, train_lex, train_y, e, param, tic, stop):
    """One SGD step per sentence, with the original's progress line; returns
    the CPU seconds it took. Stops after the sentence when a stop signal came
    (``stop``)."""
    cpu_tic = time.process_time()
    nsentences = len(train_lex)
    progress = _ProgressLine(e, nsentences, tic)
    for i, (x, y) in enumerate(zip(train_lex, train_y)):
        startup.first_step()
        cost = rnn.train(x, y, param["win"], param["clr"])
        if not numpy.isfinite(cost):
            raise training.TrainingDiverged(
                f"training diverged at epoch {e}, sentence {i + 1}/{nsentences}: the "
                f"cost is {cost}; the learning rate is most likely too large"
            )
        progress.update(i, last=i + 1 == nsentences)
        if stop:
            raise training._interrupted(
                stop,
                f"epoch {e}, sentence {i + 1}/{nsentences} (a checkpoint holds the "
                "state at the last epoch end)",
            )
    return time.process_time() - cpu_tic


def _evaluate(rnn, lex, groundtruth, words, idx2label, win, filename):
    """Label every sentence of ``lex``, write them to ``filename`` and score
    them (:func:`conlleval`)."""
    predictions = [[idx2label[k] for k in rnn.predict(x, win)] for x in lex]
    return conlleval(predictions, groundtruth, words, filename)


def _warm_up(rnn, x, y, win):
    """Call each compiled function once and undo what the calls changed.

    Theano compiled everything in ``theano.function``; PyTensor's Numba
    backend compiles a function at its first call. Calling them before the
    first epoch keeps that out of the epoch's time, as in the original.
    """
    saved = rnn.get_values()
    rnn.train(x, y, win, 0.0)
    rnn.predict(x, win)
    rnn.set_values(saved)


def _save(checkpointer, state, best_values, start):
    """Save the run if kept; return the new clock start."""
    now = timeit.default_timer()
    state.seconds += now - start
    if checkpointer is not None:
        checkpointer.save(asdict(state), best_values)
    return now


def rnnslu(
    fold=3,
    lr=0.0970806646812754,
    verbose=1,
    decay=True,
    win=7,
    nhidden=200,
    seed=345,
    emb_dimension=50,
    nepochs=60,
    savemodel=False,
    data_dir=None,
    folder="rnnslu",
    checkpoint_dir=None,
    resume=False,
    results_json=None,
    model=None,
):
    """The command line's driver: :func:`train_rnnslu` with the original's
    ``param`` built from the keyword arguments (in the original's order), and
    the result record written to ``results_json``; ``model`` as for
    :func:`train_rnnslu`."""
    param = dict(DEFAULT_PARAM)
    param.update(
        fold=fold, lr=lr, verbose=verbose, decay=decay, win=win, nhidden=nhidden,
        seed=seed, emb_dimension=emb_dimension, nepochs=nepochs, savemodel=savemodel,
    )
    settings = dict(param)
    result = train_rnnslu(param, data_dir, folder, checkpoint_dir, resume, model)
    training.write_record(
        results_json,
        result,
        model="RNNSLU",
        param=settings,
        data_dir=str(data_dir) if data_dir is not None else None,
        folder=folder,
    )
    return result


def _odd_window(text):
    value = cli.positive_int(text)
    if value % 2 != 1:
        raise argparse.ArgumentTypeError(f"expected an odd window size, got {text!r}")
    return value


def main(argv=None):
    # NUMBA, the project's default: one sentence per update, and Numba's scan
    # and in-place updates took about 30 % less time per epoch than CVM's
    # (results/rnnslu.json: bench)
    parser = cli.make_parser(
        "rnnslu",
        "Train an Elman recurrent network with word embeddings and context "
        "windows to fill the slots of ATIS sentences (the original's rnnslu), "
        "scored by chunk F1 as conlleval.pl scores it.",
        data=False,
    )
    add = parser.add_argument
    add("--fold", type=int, choices=range(5), default=3, help="the ATIS fold, 0 to 4")
    add("--lr", type=cli.positive_float, default=0.0970806646812754, help="SGD step size")
    add("--verbose", type=cli.non_negative_int, default=1,
        help="print a line after every epoch (NEW BEST or an empty line); 0: no")
    add("--decay", action=argparse.BooleanOptionalAction, default=True,
        help="halve the learning rate (and go back to the best model) when the "
        "validation F1 has not improved for 10 epochs")
    add("--win", type=_odd_window, default=7, help="words in the context window (odd)")
    add("--nhidden", type=cli.positive_int, default=200, help="number of hidden units")
    add("--seed", type=cli.non_negative_int, default=345,
        help="seed of the initial weights and of the shuffles")
    add("--emb-dimension", type=cli.positive_int, default=50,
        help="dimension of the word embeddings")
    add("--nepochs", type=cli.positive_int, default=60,
        help="maximal number of passes over the training set")
    add("--savemodel", action=argparse.BooleanOptionalAction, default=False,
        help="save the best model's parameters as .npy files in --folder")
    add("--data-dir", metavar="DIR", default=None,
        help="folder holding atis.fold<N>.pkl.gz (default: $ATISDATA, else a copy "
        "downloaded once to ~/.cache/deeplearning_tutorials/atis and checked)")
    add("--folder", metavar="DIR", default="rnnslu",
        help="where the prediction files (current.test.txt, best.valid.txt, ...) "
        "and the saved model are written")
    return cli.run(rnnslu, parser.parse_args(argv))


if __name__ == "__main__":
    main()
