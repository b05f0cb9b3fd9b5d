"""``theano.scalar.basic``: the same names as ``theano.scalar`` (:mod:`.`)."""

import sys

sys.modules[__name__] = sys.modules[__name__.rpartition(".")[0]]
