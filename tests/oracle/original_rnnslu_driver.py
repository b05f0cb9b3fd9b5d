"""Run the ORIGINAL code/rnnslu.py under Theano 1.0.5, unchanged, and keep what it
prints and full-precision values of its run.

    cd <original code/> && ATISDATA=<folder of atis.fold3.pkl.gz> PYTHONPATH=. \\
        python original_rnnslu_driver.py WORKDIR VALUES.json [--nepochs N]
        [--subset NTRAIN,NVALID,NTEST] [--nhidden H] [--lr LR] [--lists] [--capture-models]

calls the original ``rnnslu.main(param)`` with the original's default ``param`` (fold
3, lr 0.0970806646812754, decay, win 7, nhidden 200, seed 345, emb_dimension 50,
savemodel False) and ``nepochs`` N (1 by default, as the original's code/test.py).
Its prints go to stdout untouched. What the driver changes, none of which draws a
random number or changes the arithmetic:

* it runs in WORKDIR with ``rnnslu.__file__`` set to ``rnnslu.py``, as when the
  original is started as ``python rnnslu.py``: the original writes its folder
  (``rnnslu/current.test.txt`` ...) in WORKDIR, not in its code folder, prints ``with
  the model rnnslu``, and finds ``conlleval.pl`` in WORKDIR (the shell script links
  the original's copy there);
* ``--subset 200,50,50`` keeps the first 200 training, 50 validation and 50 test
  sentences of the fold (``atisfold`` is wrapped; the dictionaries, hence the
  vocabulary and the classes, are the whole fold's): the small setting of the tests;
* ``--nhidden`` replaces the 200 hidden units, ``--lr`` the learning rate;
* ``--lists`` makes the ``map`` of the module return lists, as Python 2's did: under
  Python 3 the original's ``groundtruth_valid``, ``words_valid`` (and the test ones)
  are lists of one-shot ``map`` iterators, so every evaluation after the first sees
  empty sentences (F1 0.00). One epoch is the same either way.

VALUES.json receives the ``param`` dict after the run (the best epoch's F1, precision
and recall of valid and test, ``be``, ``clr``), the seconds of the run, the CPU seconds
of each epoch's training (``shuffle`` and ``contextwin`` are wrapped to see where an
epoch's training starts and ends; they compute what they computed), every score the
original computed (each ``conlleval`` call: file, p/r/f1, and the epoch ``ce`` and
learning rate ``clr`` in force), and, with ``--capture-models``, for each parameter of
the models ``main`` holds when it returns (``rnn`` and ``best_rnn``, read from its frame
by a trace function) its sum, its sum of squares and its first and last five values
(float64 repr), from which a port's parameters can be compared, and whether ``rnn`` is
``best_rnn`` (after a learning-rate decay it is).
"""
from __future__ import print_function

import argparse
import json
import os
import sys
import time
import timeit

import numpy

import rnnslu

ORIGINAL_PARAM = {
    'fold': 3,
    'data': 'atis',
    'lr': 0.0970806646812754,
    'verbose': 1,
    'decay': True,
    'win': 7,
    'nhidden': 200,
    'seed': 345,
    'emb_dimension': 50,
    'nepochs': 60,
    'savemodel': False}


def summary(value):
    flat = numpy.asarray(value, dtype=numpy.float64).ravel()
    return {'shape': list(numpy.shape(value)),
            'dtype': str(numpy.asarray(value).dtype),
            'sum': float(flat.sum()),
            'sum_of_squares': float((flat ** 2).sum()),
            'first': [float(v) for v in flat[:5]],
            'last': [float(v) for v in flat[-5:]]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('workdir')
    parser.add_argument('values_json')
    parser.add_argument('--nepochs', type=int, default=1)
    parser.add_argument('--subset', default=None)
    parser.add_argument('--nhidden', type=int, default=None)
    parser.add_argument('--lr', type=float, default=None)
    parser.add_argument('--lists', action='store_true')
    parser.add_argument('--capture-models', action='store_true')
    args = parser.parse_args()

    values_json = os.path.abspath(args.values_json)
    os.chdir(args.workdir)
    rnnslu.__file__ = 'rnnslu.py'

    if args.subset:
        sizes = [int(n) for n in args.subset.split(',')]
        original_atisfold = rnnslu.atisfold

        def atisfold(fold):
            train_set, valid_set, test_set, dicts = original_atisfold(fold)
            cut = [tuple(list(part)[:n] for part in split)
                   for split, n in zip((train_set, valid_set, test_set), sizes)]
            return cut[0], cut[1], cut[2], dicts
        rnnslu.atisfold = atisfold

    if args.lists:
        rnnslu.map = lambda f, *xs: list(map(f, *xs))

    # the CPU seconds of each epoch's training (as the printed wall time, from the
    # end of the shuffle to the first context window of the evaluation: the
    # training calls contextwin once per sentence), robust to other jobs' load
    cpu = []
    counted = {}
    original_atisfold_sizes = rnnslu.atisfold
    original_shuffle = rnnslu.shuffle
    original_contextwin = rnnslu.contextwin

    def atisfold_sizes(fold):
        sets = original_atisfold_sizes(fold)
        counted['n_train'] = len(sets[0][0])
        return sets

    def shuffle(lol, seed):
        original_shuffle(lol, seed)
        counted['calls'] = 0
        cpu.append({'start': time.process_time()})

    def contextwin(l, win):
        counted['calls'] = counted.get('calls', 0) + 1
        if cpu and counted['calls'] == counted['n_train'] + 1:
            cpu[-1]['train_cpu_seconds'] = time.process_time() - cpu[-1].pop('start')
        return original_contextwin(l, win)
    rnnslu.atisfold = atisfold_sizes
    rnnslu.shuffle = shuffle
    rnnslu.contextwin = contextwin

    # every score the original computes, in order (test, then valid, each epoch),
    # with the learning rate it trained that epoch with
    scores = []
    original_conlleval = rnnslu.conlleval

    def conlleval(p, g, w, filename, script_path):
        res = original_conlleval(p, g, w, filename, script_path)
        scores.append({'file': os.path.basename(filename), 'res': res,
                       'clr': param['clr'], 'ce': param['ce']})
        return res
    rnnslu.conlleval = conlleval

    # the models main() holds when it returns: rnn and best_rnn, read from its frame
    # by a trace function that follows main's frame only (set only on request)
    final = {}
    if args.capture_models:
        def trace_main(frame, event, arg):
            if event == 'return':
                final.update(rnn=frame.f_locals['rnn'],
                             best_rnn=frame.f_locals.get('best_rnn'))
            return trace_main

        def trace(frame, event, arg):
            if event == 'call' and frame.f_code is rnnslu.main.__code__:
                return trace_main
            return None
        sys.settrace(trace)

    param = dict(ORIGINAL_PARAM)
    param['nepochs'] = args.nepochs
    if args.nhidden is not None:
        param['nhidden'] = args.nhidden
    if args.lr is not None:
        param['lr'] = args.lr

    tic = timeit.default_timer()
    rnnslu.main(param)
    sys.settrace(None)
    seconds = timeit.default_timer() - tic
    sys.stdout.flush()

    values = {
        'param': param,
        'seconds_main': seconds,
        'theano_floatX': rnnslu.theano.config.floatX,
        'blas_ldflags': rnnslu.theano.config.blas.ldflags,
        'numpy': numpy.__version__,
        'theano': rnnslu.theano.__version__,
        'python': sys.version.split()[0],
        'lists': args.lists,
        'subset': args.subset,
        'scores': scores,
        'train_cpu_seconds': [c.get('train_cpu_seconds') for c in cpu],
    }
    for name, model in sorted(final.items()):
        values['params_' + name] = {p.name: summary(p.get_value()) for p in model.params}
    if final:
        values['rnn_is_best_rnn'] = final['rnn'] is final['best_rnn']
    with open(values_json, 'w') as f:
        json.dump(values, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
