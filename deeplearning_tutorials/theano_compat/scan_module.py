"""``theano.scan`` (Theano 0.6-1.0): ``pytensor.scan`` returning the
``(outputs, updates)`` pair, as Theano's did.

PyTensor 3 still returns the pair by default but warns that it will stop
(``DeprecationWarning``); the kit asks for the pair explicitly, so legacy
``outputs, updates = theano.scan(...)`` keeps working silently.

The step is compiled with the kit's rewrites (Theano's sigmoid and
softplus, :mod:`.numerics`), as the kit's functions are.

With ``theano.config.compute_test_value`` on, the step function's arguments
get test values, as in Theano (:mod:`.test_values`).
"""

import warnings

import pytensor

from deeplearning_tutorials.theano_compat import test_values
from deeplearning_tutorials.theano_compat.numerics import theano_mode


def scan(fn, sequences=None, outputs_info=None, non_sequences=None, n_steps=None,
         truncate_gradient=-1, go_backwards=False, mode=None, name=None, profile=False,
         allow_gc=None, strict=False, return_list=False):
    """Theano's ``scan``: ``(outputs, updates)``."""
    checking = test_values.mode() != "off"
    if checking:
        fn = test_values.with_step_test_values(fn, sequences, outputs_info, non_sequences)
    with warnings.catch_warnings(), test_values.suspended():
        warnings.simplefilter("ignore", DeprecationWarning)
        outputs, updates = pytensor.scan(
            fn, sequences=sequences, outputs_info=outputs_info,
            non_sequences=non_sequences, n_steps=n_steps,
            truncate_gradient=truncate_gradient, go_backwards=go_backwards,
            # the step compiled as the kit's functions are (:mod:`.numerics`)
            mode=theano_mode(mode),
            name=name, profile=profile, allow_gc=allow_gc, strict=strict,
            return_list=return_list, return_updates=True,
        )
    if checking:  # the step was checked; now the loop's outputs get their values
        for output in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
            test_values.get_test_value(output)
    return outputs, updates

from deeplearning_tutorials.theano_compat.errors import missing_names  # noqa: E402

__getattr__ = missing_names(__name__, {"scan_utils": "Theano's scan internals are pytensor.scan.utils", "scan_op": "Theano's scan Op is pytensor.scan.op.Scan", "scan_opt": "scan's rewrites are pytensor.scan.rewriting"})
