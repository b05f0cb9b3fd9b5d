"""Learning-rate schedules: how the SGD step size changes during training.

The tutorials train with a constant rate :math:`\\eta_0` (``learning_rate``).
The MLP tutorial's *Tips and Tricks for training MLPs* adds that "decreasing
the learning rate over time is sometimes a good idea", and the practice
notes give two ways:

``decay``
    :math:`\\eta_t = \\eta_0 / (1 + d\\,t)`, with :math:`t` the number of
    epochs completed (the first epoch trains with :math:`\\eta_0`) and
    :math:`d` the *decrease constant* (the tutorial suggests
    :math:`10^{-3}` or smaller).

``plateau``
    early stopping turned into annealing: instead of stopping when the
    validation error has not reached a new best for :math:`n` validations
    (the *no-improvement-in-n* rule), halve the rate and go on; stop when
    the rate would fall below :math:`\\eta_0 / 1024`. This schedule takes
    over from the patience rule of the training loop.

A schedule's rate is a function of two things only, the epochs completed
and the validation errors so far, both kept in a checkpoint: a resumed run
computes the rate it stopped with.

The rate is a shared variable: a schedule's is set by the training loop
between minibatches (:func:`deeplearning_tutorials.machinery.training.train_with_early_stopping`),
a constant one never changes. Multiplying by a shared ``floatX`` 0.13 gives
the bits the original's constant 0.13 gave (the default runs print the
original's lines), and the trials of a sweep that differ only in the rate
reuse one compiled function (:mod:`deeplearning_tutorials.machinery.reuse`).
"""

import numpy
import pytensor

from deeplearning_tutorials.machinery.errors import InputError

#: the names ``--lr-schedule`` accepts
SCHEDULES = ("constant", "decay", "plateau")

#: the plateau schedule stops when the rate would fall below this fraction of
#: the initial rate
SMALLEST_FRACTION = 1.0 / 1024


class ConstantRate:
    """The original: the step size is ``eta0`` throughout.

    ``learning_rate`` is a shared variable holding ``eta0``, which the update
    expressions read; nothing changes it.
    """

    replaces_early_stopping = False

    def __init__(self, eta0):
        self.eta0 = eta0
        self.learning_rate = pytensor.shared(
            numpy.asarray(eta0, dtype=pytensor.config.floatX), name="learning_rate"
        )

    def rate(self, epochs_done, validation_history):
        return self.eta0

    def apply(self, epochs_done, validation_history):
        """Nothing to change; training goes on."""
        return True


class LearningRateSchedule(ConstantRate):
    """A rate that changes: :meth:`apply` stores the :meth:`rate`, which
    subclasses define, in the shared ``learning_rate``."""

    def rate(self, epochs_done, validation_history):
        """The rate after ``epochs_done`` epochs and the validation errors
        ``validation_history``, or ``None`` when training should stop."""
        raise NotImplementedError

    def apply(self, epochs_done, validation_history):
        """Set the shared rate; ``False`` when the schedule ends training."""
        rate = self.rate(epochs_done, validation_history)
        if rate is None:
            return False
        self.learning_rate.set_value(
            numpy.asarray(rate, dtype=self.learning_rate.dtype)
        )
        return True


class InverseDecay(LearningRateSchedule):
    """:math:`\\eta_t = \\eta_0 / (1 + d\\,t)`, ``t`` the epochs completed."""

    def __init__(self, eta0, decay):
        super().__init__(eta0)
        self.decay = decay

    def rate(self, epochs_done, validation_history):
        return self.eta0 / (1.0 + self.decay * epochs_done)


class HalveOnPlateau(LearningRateSchedule):
    """Halve the rate after ``patience`` validations without a new best
    error; stop when it would fall below ``eta0 * smallest_fraction``.

    The count of validations without a new best starts again at each new
    best and at each halving.
    """

    replaces_early_stopping = True

    def __init__(self, eta0, patience, smallest_fraction=SMALLEST_FRACTION):
        super().__init__(eta0)
        self.patience = patience
        self.smallest_fraction = smallest_fraction

    def rate(self, epochs_done, validation_history):
        rate, best, waited = self.eta0, numpy.inf, 0
        for error in validation_history:
            if error < best:
                best, waited = error, 0
                continue
            waited += 1
            if waited == self.patience:
                rate, waited = rate / 2.0, 0
        if rate < self.eta0 * self.smallest_fraction:
            return None
        return rate


def make_schedule(name, eta0, decay=0.001, patience=10):
    """The schedule ``name`` (one of :data:`SCHEDULES`) starting at ``eta0``."""
    if name == "constant":
        return ConstantRate(eta0)
    if name == "decay":
        return InverseDecay(eta0, decay)
    if name == "plateau":
        return HalveOnPlateau(eta0, patience)
    raise InputError(
        f"unknown learning-rate schedule {name!r} (choose from {', '.join(SCHEDULES)})"
    )
