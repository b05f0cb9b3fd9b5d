"""Run the LSTM port as a run of the original recorded in tests/oracle/ ran.

    python tests/lstm_with_initial_weights.py INIT.npz FLOATX MODE 'SETTINGS' [py3zip]
    python tests/lstm_with_initial_weights.py INIT.npz --cli [FLAG ...]

``train_lstm(**SETTINGS)`` (JSON; ``optimizer`` by name, ``data_dir`` the
folder of the generated imdb.pkl) in precision FLOATX and PyTensor mode MODE
(NUMBA, CVM or FAST_COMPILE), with one substitution: the initial ``lstm_W``
and ``lstm_U`` are those of the original's run, from INIT.npz
(tests/oracle/lstm_<tag>_<floatX>_init.npz). They are the left singular
vectors of Gaussian matrices, and the signs of singular vectors are
LAPACK's choice: NumPy 1.19's LAPACK (the original's) and NumPy 2's choose
differently. Everything else is drawn by the port, from the same generator
states (the draws themselves are checked in tests/test_lstm.py). With
``py3zip`` the port's get_minibatches_idx returns a one-shot iterator, as
the original's ``zip`` does under Python 3. With ``--cli`` the flags go to
``python -m deeplearning_tutorials.lstm``'s ``main``, with the same
substitution.

For the products to round as the original's did, run it with
``OPENBLAS_CORETYPE=Prescott`` (see tests/oracle/run_original_lstm.sh).
"""

import functools
import json
import sys

import numpy
import pytensor

from deeplearning_tutorials import lstm
from deeplearning_tutorials.machinery import config


def main(argv):
    initial = numpy.load(argv[0])
    draw_params = lstm.init_params

    def init_params(options):
        params = draw_params(options)  # every draw as the original's
        for name in ("lstm_W", "lstm_U"):
            assert initial[name].shape == params[name].shape, name
            params[name] = initial[name].astype(params[name].dtype)
        return params

    lstm.init_params = init_params
    if argv[1] == "--cli":
        return lstm.main(argv[2:])
    floatX, mode, settings = argv[1:4]
    if mode == "FAST_COMPILE":  # not a choice of the command line
        config.configure(floatX=floatX)
        pytensor.config.mode = mode
        # and for the loops' bodies, which scan compiles with the C backend
        pytensor.scan = functools.partial(pytensor.scan, mode=mode)
    else:
        config.configure(floatX=floatX, mode=mode)
    if argv[4:] == ["py3zip"]:
        minibatches = lstm.get_minibatches_idx
        lstm.get_minibatches_idx = lambda *args, **kw: iter(minibatches(*args, **kw))
    settings = json.loads(settings)
    settings["optimizer"] = lstm.OPTIMIZERS[settings.get("optimizer", "adadelta")]
    lstm.train_lstm(**settings)


if __name__ == "__main__":
    main(sys.argv[1:])
