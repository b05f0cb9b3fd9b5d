"""A stand-in for scikit-learn, for Graham Taylor's ``rnn.py`` in the legacy
corpus (this project's code, written for the harness; none of scikit-learn's
and none of Taylor's). His ``MetaRNN`` subclasses
``sklearn.base.BaseEstimator`` only for its parameter bookkeeping; this
package offers that one class (``base.py``), so his
``from sklearn.base import BaseEstimator`` line stays as it is on a machine
without scikit-learn.
"""
