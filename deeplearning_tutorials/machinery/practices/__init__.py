"""Training practices on top of the SGD tutorials, off by default.

The practice notes this project was made from describe what the tutorials'
users apply on top of the models; this package offers each to
:func:`~deeplearning_tutorials.logistic_sgd.sgd_optimization_mnist` and
:func:`~deeplearning_tutorials.mlp.test_mlp` as keyword arguments (and as
flags of their command lines), one small module per group:

- :mod:`.dropout`: dropout on the MLP's hidden units (``dropout``);
- :mod:`.schedules`: learning-rate schedules (``lr_schedule``, ``lr_decay``,
  ``lr_patience``);
- :mod:`.weights`: initialisation schemes and activations of the hidden layer
  (``init``, ``activation``);
- :mod:`.losses`: the loss minimised (``loss``);
- :mod:`.preprocessing`: centring, scaling, PCA and whitening of the
  input, fitted on the training split (``preprocess``, ``pca_components``,
  ``whiten_epsilon``).

Every default is the original tutorial's, and with the defaults nothing in
the compiled functions changes: a default run prints the original's lines.
:class:`Practices` checks a choice of options once, and hands each driver
the pieces it needs.
"""

import argparse
from dataclasses import asdict, dataclass, fields

from deeplearning_tutorials.machinery import cli
from deeplearning_tutorials.machinery.data import IMAGE_SIZE
from deeplearning_tutorials.machinery.errors import InputError
from deeplearning_tutorials.machinery.noise import make_random_streams
from deeplearning_tutorials.machinery.practices import (
    dropout as _dropout,
    losses,
    preprocessing,
    schedules,
    weights,
)


@dataclass
class Practices:
    """A checked choice of training practices (the defaults: none).

    :param dropout: probability of dropping each hidden unit in training
    :param lr_schedule: ``constant``, ``decay`` or ``plateau``
        (:mod:`.schedules`)
    :param lr_decay: the decrease constant ``d`` of ``decay``
    :param lr_patience: validations without a new best before ``plateau``
        halves the rate
    :param init: ``glorot``, ``small``, ``fan-in`` or ``he`` (:mod:`.weights`)
    :param activation: ``tanh``, ``sigmoid`` or ``relu``
    :param loss: ``nll``, ``squared-error``, ``hinge`` or ``squared-hinge``
        (:mod:`.losses`)
    :param preprocess: ``none``, ``center``, ``standardize``, ``pca``,
        ``pca-whiten`` or ``zca`` (:mod:`.preprocessing`)
    :param pca_components: principal components kept by ``pca`` and
        ``pca-whiten`` (``None``: all)
    :param whiten_epsilon: added to the variances before whitening
    :raises InputError: for a value out of range or an unknown name
    """

    dropout: float = 0.0
    lr_schedule: str = "constant"
    lr_decay: float = 0.001
    lr_patience: int = 10
    init: str = "glorot"
    activation: str = "tanh"
    loss: str = "nll"
    preprocess: str = "none"
    pca_components: int = None
    whiten_epsilon: float = 1e-5

    def __post_init__(self):
        _dropout.check_probability(self.dropout)
        for name, choices in [
            ("lr_schedule", schedules.SCHEDULES),
            ("init", weights.INITS),
            ("activation", tuple(weights.ACTIVATIONS)),
            ("loss", losses.LOSSES),
            ("preprocess", preprocessing.PREPROCESSINGS),
        ]:
            if getattr(self, name) not in choices:
                raise InputError(
                    f"{name} must be one of {', '.join(choices)}, "
                    f"not {getattr(self, name)!r}"
                )
        if not self.lr_decay >= 0:
            raise InputError(f"lr_decay must be a number >= 0, got {self.lr_decay}")
        if not self.whiten_epsilon > 0:
            raise InputError(
                f"whiten_epsilon must be a number > 0, got {self.whiten_epsilon}"
            )
        if not (isinstance(self.lr_patience, int) and self.lr_patience > 0):
            raise InputError(
                f"lr_patience must be a positive integer, got {self.lr_patience!r}"
            )
        if self.pca_components is not None:
            if self.preprocess not in preprocessing.REDUCING:
                raise InputError(
                    "pca_components is for preprocess pca or pca-whiten only, "
                    f"not {self.preprocess!r}"
                )
            preprocessing.check_components(self.pca_components, IMAGE_SIZE)

    @classmethod
    def from_arguments(cls, arguments):
        """The practices named in ``arguments``, a driver's ``locals()``: its
        keyword arguments, of which those of this class are taken."""
        chosen = {name: arguments[name] for name in OPTION_NAMES if name in arguments}
        return cls(**chosen)

    def settings(self):
        """The options that differ from the defaults, for the run's record
        and checkpoint (a default run records what it always recorded)."""
        defaults = Practices()
        return {
            name: value
            for name, value in asdict(self).items()
            if value != getattr(defaults, name)
        }

    def preprocessed(self, datasets):
        """The data sets with their images preprocessed (in place)."""
        return preprocessing.preprocess_datasets(
            datasets, self.preprocess, self.pca_components, self.whiten_epsilon
        )

    def model_name(self, name):
        """The name a saved model is stored under: ``name``, and the
        preprocessing its inputs need, if any (so that a model trained on
        preprocessed images is never fed raw ones)."""
        if self.preprocess == "none":
            return name
        flags = f"--preprocess {self.preprocess}"
        if self.pca_components is not None and self.preprocess in preprocessing.REDUCING:
            flags += f" --pca-components {self.pca_components}"
        return f"{name} ({flags})"

    def n_inputs(self, n_pixels):
        """The width of a preprocessed image of ``n_pixels`` pixels."""
        if self.preprocess in preprocessing.REDUCING and self.pca_components:
            return self.pca_components
        return n_pixels

    def hidden_layer(self, rng, n_in, n_out):
        """The ``activation`` and ``W_hidden`` keyword arguments of an
        :class:`~deeplearning_tutorials.mlp.MLP` (``W_hidden`` is ``None``
        for the original's draw)."""
        return dict(
            activation=weights.activation_function(self.activation),
            W_hidden=weights.hidden_weights(rng, self.init, n_in, n_out),
        )

    def loss_of(self, layer, y):
        """The loss minimised, for the output ``layer`` and labels ``y``."""
        return losses.loss(self.loss, layer, y)

    def schedule(self, eta0):
        """The learning-rate schedule starting at ``eta0``; its
        ``learning_rate`` goes into the update expressions."""
        return schedules.make_schedule(
            self.lr_schedule, eta0, self.lr_decay, self.lr_patience
        )

    def with_dropout(self, cost, units, rng):
        """``(cost, updates)``: the training cost with ``units`` dropped out
        and the noise stream's updates, or ``(cost, [])`` without dropout.
        The stream is seeded from ``rng`` only when dropout is on."""
        if not self.dropout:
            return cost, []
        random_streams = make_random_streams(rng.randint(2**30))
        return _dropout.with_dropout(cost, units, self.dropout, random_streams)


#: the keyword arguments of the drivers that :class:`Practices` takes
OPTION_NAMES = tuple(field.name for field in fields(Practices))


def dropout_probability(text):
    """The argparse type of ``--dropout``: a probability in [0, 1)."""
    try:
        return _dropout.check_probability(float(text))
    except (ValueError, InputError):
        raise argparse.ArgumentTypeError(
            f"expected a probability in [0, 1), got {text!r}"
        ) from None


def add_arguments(parser, hidden_layer=False):
    """The practice flags, each defaulting to the original's behaviour;
    ``hidden_layer`` adds those of a model with hidden units (the MLP)."""
    group = parser.add_argument_group(
        "training practices (off by default; see doc/practices.md)"
    )
    defaults = Practices()
    if hidden_layer:
        group.add_argument(
            "--dropout",
            metavar="P",
            type=dropout_probability,
            default=defaults.dropout,
            help="drop each hidden unit with probability P at each training step, "
            "scaling the kept ones by 1/(1-P) (inverted dropout); validation and "
            "test use every unit",
        )
        group.add_argument(
            "--init",
            choices=weights.INITS,
            default=defaults.init,
            help="initial hidden weights: glorot, uniform +-sqrt(6/(n_in+n_out)) "
            "(x4 for sigmoid), the original's; small, 0.01*randn; fan-in, "
            "randn/sqrt(n_in); he, randn*sqrt(2/n_in)",
        )
        group.add_argument(
            "--activation",
            choices=tuple(weights.ACTIVATIONS),
            default=defaults.activation,
            help="non-linearity of the hidden units",
        )
    group.add_argument(
        "--lr-schedule",
        choices=schedules.SCHEDULES,
        default=defaults.lr_schedule,
        help="constant: the learning rate throughout; decay: "
        "learning_rate/(1+d*t) after t epochs (d: --lr-decay); plateau: halve it "
        "after --lr-patience validations without a new best and stop when it "
        "would fall below learning_rate/1024 (instead of the patience rule)",
    )
    group.add_argument(
        "--lr-decay",
        metavar="D",
        type=cli.non_negative_float,
        default=defaults.lr_decay,
        help="the decrease constant d of --lr-schedule decay",
    )
    group.add_argument(
        "--lr-patience",
        metavar="N",
        type=cli.positive_int,
        default=defaults.lr_patience,
        help="validations without a new best before --lr-schedule plateau "
        "halves the learning rate",
    )
    group.add_argument(
        "--loss",
        choices=losses.LOSSES,
        default=defaults.loss,
        help="the loss minimised: nll, the negative log-likelihood (the "
        "original); squared-error, between the probabilities and one-hot "
        "labels; hinge and squared-hinge, the multiclass SVM losses on the "
        "class scores (margin 1)",
    )
    group.add_argument(
        "--preprocess",
        choices=preprocessing.PREPROCESSINGS,
        default=defaults.preprocess,
        help="transform the images, fitted on the training split: center "
        "(subtract the mean image), standardize (also divide each pixel by its "
        "deviation), pca (project on the principal axes), pca-whiten (also "
        "scale them to unit variance), zca (whiten, then rotate back)",
    )
    group.add_argument(
        "--pca-components",
        metavar="K",
        type=cli.positive_int,
        default=defaults.pca_components,
        help="principal components kept by --preprocess pca or pca-whiten "
        f"(at most {IMAGE_SIZE}; default: all)",
    )
    group.add_argument(
        "--whiten-epsilon",
        metavar="EPS",
        type=cli.positive_float,
        default=defaults.whiten_epsilon,
        help="added to each variance before whitening (pca-whiten, zca)",
    )
