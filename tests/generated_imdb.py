"""A small stand-in for the LSTM tutorial's ``imdb.pkl``, in the original's format.

The preprocessed IMDB file (``imdb.pkl``, downloaded by the original from
the LISA lab) is not available to the tests, so they, and the runs of the
original code in ``tests/oracle/run_original_lstm.sh``, read this one: the
same format (two protocol-2 pickles one after the other, ``(train_x,
train_y)`` then ``(test_x, test_y)``, each ``x`` a list of reviews, a review
a list of int word indices, each ``y`` a list of int labels 0/1), made by a
fixed ``RandomState`` so that every run reads the same bytes.

The reviews carry a learnable signal: a word is one of ten "positive" words
(indices 2-11) or ten "negative" ones (12-21) with probability 0.15, drawn
from its review's class; otherwise it is a neutral word (22 and up, up to
``vocabulary - 1``, so that ``n_words`` below that maps some to 1, the
unknown word). Lengths are uniform in 5..79, so that ``maxlen`` drops some.

Run as a script, it writes ``imdb.pkl`` and ``imdb.dict.pkl.gz`` into the
folder given::

    python tests/generated_imdb.py FOLDER
"""

import gzip
import os
import pickle
import sys

import numpy

N_TRAIN, N_TEST, VOCABULARY, SEED = 300, 100, 300, 1234
SENTIMENT_WORDS = {1: range(2, 12), 0: range(12, 22)}


def reviews(rng, n):
    """``n`` reviews and their labels."""
    x, y = [], []
    for _ in range(n):
        label = int(rng.randint(0, 2))
        length = int(rng.randint(5, 80))
        words = []
        for _ in range(length):
            if rng.rand() < 0.15:
                words.append(int(rng.choice(SENTIMENT_WORDS[label])))
            else:
                words.append(int(rng.randint(22, VOCABULARY)))
        x.append(words)
        y.append(label)
    return x, y


def generated_imdb(n_train=N_TRAIN, n_test=N_TEST, seed=SEED):
    """``(train_set, test_set)``, each ``(reviews, labels)``."""
    rng = numpy.random.RandomState(seed)
    return reviews(rng, n_train), reviews(rng, n_test)


def write_generated_imdb(folder, n_train=N_TRAIN, n_test=N_TEST, seed=SEED):
    """Write ``imdb.pkl`` and ``imdb.dict.pkl.gz`` into ``folder``; return
    the path of ``imdb.pkl``."""
    train_set, test_set = generated_imdb(n_train, n_test, seed)
    path = os.path.join(folder, "imdb.pkl")
    with open(path, "wb") as f:  # as imdb_preprocess.py: two dumps, protocol 2
        pickle.dump(train_set, f, 2)
        pickle.dump(test_set, f, 2)
    dictionary = {"w%d" % i: i for i in range(2, VOCABULARY)}
    with gzip.open(os.path.join(folder, "imdb.dict.pkl.gz"), "wb") as f:
        pickle.dump(dictionary, f, 2)
    return path


if __name__ == "__main__":
    print(write_generated_imdb(sys.argv[1]))
