"""Run the ORIGINAL code/lstm.py's train_lstm (Theano 1.0.5) with given settings.

    python original_lstm_driver.py '{"dim_proj": 16, "optimizer": "adadelta", ...}' INIT.npz [py3zip]

Run from a folder holding ``imdb.pkl`` (the original looks for it in the
current folder first) with the original's code/ folder on PYTHONPATH. The
settings are train_lstm's keyword arguments; ``optimizer`` names one of the
original's functions. The original's own code is not changed; by default its
``get_minibatches_idx`` is wrapped so that it returns a list, as ``zip`` did in
Python 2, the language the tutorial was written for (under Python 3 its
``zip`` is a one-shot iterator: the validation of the training set then
consumes the rest of the epoch's minibatches, and the validation and test
minibatches are used up by the first validation). With ``py3zip`` the
original runs as it is, iterators and all.

The initial ``lstm_W`` and ``lstm_U`` are also written to INIT.npz: they are
the left singular vectors of random matrices (``ortho_weight``), whose signs
(and last bits) are LAPACK's choice, another one in another LAPACK; a port
given these (and drawing everything else itself) can follow this run
exactly. Saving them draws nothing.
"""

import json
import sys

import numpy

import lstm

settings = json.loads(sys.argv[1])
settings["optimizer"] = getattr(lstm, settings.get("optimizer", "adadelta"))
init_params = lstm.init_params


def init_params_saved(options):
    params = init_params(options)
    numpy.savez(sys.argv[2], lstm_W=params["lstm_W"], lstm_U=params["lstm_U"])
    return params


lstm.init_params = init_params_saved
if sys.argv[3:] != ["py3zip"]:
    get_minibatches_idx = lstm.get_minibatches_idx

    def python2_get_minibatches_idx(n, minibatch_size, shuffle=False):
        return list(get_minibatches_idx(n, minibatch_size, shuffle))

    lstm.get_minibatches_idx = python2_get_minibatches_idx
lstm.train_lstm(**settings)
