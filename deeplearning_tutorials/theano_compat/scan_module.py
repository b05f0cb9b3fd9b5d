"""``theano.scan`` (Theano 0.6-1.0): ``pytensor.scan`` returning the
``(outputs, updates)`` pair, as Theano's did.

PyTensor 3 still returns the pair by default but warns that it will stop
(``DeprecationWarning``); the kit asks for the pair explicitly, so legacy
``outputs, updates = theano.scan(...)`` keeps working silently.
"""

import warnings

import pytensor


def scan(fn, sequences=None, outputs_info=None, non_sequences=None, n_steps=None,
         truncate_gradient=-1, go_backwards=False, mode=None, name=None, profile=False,
         allow_gc=None, strict=False, return_list=False):
    """Theano's ``scan``: ``(outputs, updates)``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pytensor.scan(
            fn, sequences=sequences, outputs_info=outputs_info,
            non_sequences=non_sequences, n_steps=n_steps,
            truncate_gradient=truncate_gradient, go_backwards=go_backwards, mode=mode,
            name=name, profile=profile, allow_gc=allow_gc, strict=strict,
            return_list=return_list, return_updates=True,
        )
