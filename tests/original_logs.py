"""The lines the original tutorials print, and a check that a log has only those.

``STDOUT[tutorial]`` and ``STDERR[tutorial]`` list, in the order they first
appear, the lines each original tutorial (lisa-lab/DeepLearningTutorials,
``code/<tutorial>.py``) prints, taken from its ``print`` statements; the
comment above each names the statement's line in that file. A line is
written as the original's ``%`` format, with two additions for what
``print`` writes after the format:

- ``{float64}``, ``{floatX}``: a NumPy scalar of that dtype written by
  ``print(..., value)``, that is ``str(value)`` (the shortest repr of *that*
  dtype: ``-85.066475`` for a float32, not ``-85.06647491455078``);
- the space that ``print`` puts between its arguments is written out, so
  ``print('training @ iter = ', iter)`` is ``"training @ iter =  %d"``.

Lines the original writes by concatenation (``'The code for file ' +
os.path.split(__file__)[1] + ...``) are spelt out with the file name, and a
literal ``%`` of such a line is written ``%%``.

tests/fixtures/original_logs/ holds what the original printed under Theano
1.0.5 (made by tests/fixtures/capture_original_logs.py); tests/test_original_logs.py
checks that these formats accept it.
"""

import re

import numpy

_LOADING = [
    # logistic_sgd.py:207, load_data, shared by every tutorial
    "... loading data",
]
_VALIDATION = [
    # logistic_sgd.py:389, mlp.py:364, convolutional_mlp.py:304, SdA.py:446, DBN.py:395
    "epoch %i, minibatch %i/%i, validation error %f %%",
    # logistic_sgd.py:413, mlp.py:391, convolutional_mlp.py:326, SdA.py:467, DBN.py:418
    "     epoch %i, minibatch %i/%i, test error of best model %f %%",
]

#: printed only when the data set is not found: logistic_sgd.py:204, in
#: load_data, before "... loading data"
DOWNLOADING = "Downloading data from %s"

STDOUT = {
    "logistic_sgd": [
        *_LOADING,
        "... building the model",  # logistic_sgd.py:291
        "... training the model",  # logistic_sgd.py:356
        *_VALIDATION,
        # logistic_sgd.py:435; two string literals joined without a space
        "Optimization complete with best validation score of %f %%,"
        "with test performance %f %%",
        "The code run for %d epochs, with %f epochs/sec",  # logistic_sgd.py:442
    ],
    "logistic_sgd predict": [
        *_LOADING,
        "Predicted values for the first 10 examples in test set:",  # logistic_sgd.py:470
        "[%s]",  # logistic_sgd.py:471, print(predicted_values): a vector of labels
    ],
    "logistic_cg": [
        *_LOADING,
        "... building the model",  # logistic_cg.py:179
        "Optimizing using scipy.optimize.fmin_cg...",  # logistic_cg.py:281
        "validation error %f %%",  # logistic_cg.py:264, in fmin_cg's callback
        # logistic_cg.py:292
        "Optimization complete with best validation score of %f %%, with "
        "test performance %f %%",
    ],
    "mlp": [
        *_LOADING,
        "... building the model",  # mlp.py:244
        "... training",  # mlp.py:328
        *_VALIDATION,
        # mlp.py:401
        "Optimization complete. Best validation score of %f %% "
        "obtained at iteration %i, with test performance %f %%",
    ],
    "convolutional_mlp": [
        *_LOADING,
        "... building the model",  # convolutional_mlp.py:166
        "... training",  # convolutional_mlp.py:267
        "training @ iter =  %d",  # convolutional_mlp.py:295, every 100 minibatches
        *_VALIDATION,
        "Optimization complete.",  # convolutional_mlp.py:336
        # convolutional_mlp.py:337
        "Best validation score of %f %% obtained at iteration %i, "
        "with test performance %f %%",
    ],
    "dA": [
        *_LOADING,
        # dA.py:339 and 397: print('Training epoch %d, cost ' % epoch,
        #                          numpy.mean(c, dtype='float64'))
        "Training epoch %d, cost  {float64}",
    ],
    "SdA": [
        *_LOADING,
        "... building the model",  # SdA.py:368
        "... getting the pretraining functions",  # SdA.py:380
        "... pre-training the model",  # SdA.py:384
        "Pre-training layer %i, epoch %d, cost %f",  # SdA.py:397
        "... getting the finetuning functions",  # SdA.py:410
        "... finetunning the model",  # SdA.py:417, the original's spelling
        *_VALIDATION,
        # SdA.py:477
        "Optimization complete with best validation score of %f %%, "
        "on iteration %i, with test performance %f %%",
    ],
    "rbm": [
        *_LOADING,
        # rbm.py:445: print('Training epoch %d, cost is ' % epoch,
        #                   numpy.mean(mean_cost)), the mean of floatX costs
        "Training epoch %d, cost is  {floatX}",
        "Training took %f minutes",  # rbm.py:466
        " ... plotting sample %d",  # rbm.py:530
    ],
    "DBN": [
        *_LOADING,
        "... building the model",  # DBN.py:316
        "... getting the pretraining functions",  # DBN.py:326
        "... pre-training the model",  # DBN.py:331
        # DBN.py:342-343: print('Pre-training layer %i, epoch %d, cost ' % (i, epoch),
        #                       end=' '); print(numpy.mean(c, dtype='float64'))
        "Pre-training layer %i, epoch %d, cost  {float64}",
        "... getting the finetuning functions",  # DBN.py:354
        "... finetuning the model",  # DBN.py:361
        *_VALIDATION,
        # DBN.py:428
        "Optimization complete with best validation score of %f %%, "
        "obtained at iteration %i, with test performance %f %%",
    ],
}

STDERR = {
    "logistic_sgd": ["The code for file logistic_sgd.py ran for %.1fs"],  # :444
    "logistic_sgd predict": [],
    "logistic_cg": ["The code for file logistic_cg.py ran for %.1fs"],  # :297
    "mlp": ["The code for file mlp.py ran for %.2fm"],  # mlp.py:404
    # convolutional_mlp.py:340
    "convolutional_mlp": ["The code for file convolutional_mlp.py ran for %.2fm"],
    "dA": [
        "The no corruption code for file dA.py ran for %.2fm",  # dA.py:345
        "The 30%% corruption code for file dA.py ran for %.2fm",  # dA.py:403
    ],
    "SdA": [
        "The pretraining code for file SdA.py ran for %.2fm",  # SdA.py:401
        "The training code for file SdA.py ran for %.2fm",  # SdA.py:485
    ],
    "rbm": [],
    "DBN": [
        "The pretraining code for file DBN.py ran for %.2fm",  # DBN.py:347
        "The fine tuning code for file DBN.py ran for %.2fm",  # DBN.py:432
    ],
}

_NUMBER = r"-?(?:\d+\.\d{%d}|inf|nan)"
_CONVERSIONS = {
    "%%": "%",
    "%i": r"-?\d+",
    "%d": r"-?\d+",
    "%f": _NUMBER % 6,
    "%.1f": _NUMBER % 1,
    "%.2f": _NUMBER % 2,
    "%s": r".+",
    "{float64}": r"(?P<float64>\S+)",
    "{floatX}": r"(?P<floatX>\S+)",
}
_TOKEN = re.compile("|".join(re.escape(token) for token in _CONVERSIONS))


def line_pattern(format):
    """The regular expression of the lines a format prints."""
    parts, end = [], 0
    for token in _TOKEN.finditer(format):
        parts += [re.escape(format[end : token.start()]), _CONVERSIONS[token[0]]]
        end = token.end()
    return re.compile("".join(parts) + re.escape(format[end:]))


def matches(format, line, floatX="float32"):
    """Whether ``format`` prints ``line``; a NumPy scalar must be written as
    ``str`` writes one of its dtype."""
    found = line_pattern(format).fullmatch(line)
    if found is None:
        return False
    for dtype, text in found.groupdict().items():
        dtype = floatX if dtype == "floatX" else dtype
        if text is not None and str(numpy.dtype(dtype).type(text)) != text:
            return False
    return True


def which_format(formats, line, floatX="float32"):
    """The index in ``formats`` of the format that prints ``line``, or None."""
    for i, format in enumerate(formats):
        if matches(format, line, floatX):
            return i
    return None


def assert_prints_the_original_lines(
    tutorial, stdout, stderr="", floatX="float32", downloaded=False
):
    """Every line of ``stdout`` is one the original ``tutorial`` prints there,
    every format is used and they first appear in the original's order; the
    original's ``stderr`` lines are in ``stderr`` (where libraries may write
    warnings too), in order."""
    formats = list(STDOUT[tutorial])
    if downloaded:
        formats.insert(0, DOWNLOADING)
    found = []
    for line in stdout.splitlines():
        index = which_format(formats, line, floatX)
        assert index is not None, f"{tutorial}: the original never prints {line!r}"
        found.append(index)
    missing = [format for i, format in enumerate(formats) if i not in found]
    assert not missing, f"{tutorial}: the original's {missing} never printed"
    first_seen = list(dict.fromkeys(found))
    assert first_seen == sorted(first_seen), (
        f"{tutorial}: lines first appear in the order {first_seen} of {formats}"
    )
    stderr_lines = stderr.splitlines()
    position = 0
    for format in STDERR[tutorial]:
        following = [
            i
            for i, line in enumerate(stderr_lines[position:], position)
            if matches(format, line, floatX)
        ]
        assert following, f"{tutorial}: {format!r} is missing from stderr"
        position = following[0] + 1
