"""Command-line plumbing shared by every tutorial.

Each tutorial's ``main()`` builds a parser with :func:`make_parser`, adds the
flags that mirror its driver's keyword arguments (``learning_rate`` becomes
``--learning-rate``), and hands the parsed values to :func:`run`, which
applies ``--floatX``/``--mode`` before any PyTensor variable is created and
turns the errors a user can cause (bad flag values, a bad data file) into one
line on stderr and exit status 2. A diverging run ends with status 3, an
interrupted one (Ctrl-C) with 130 and the command that resumes it.
"""

import argparse
import inspect
import math
import os
import sys

from deeplearning_tutorials import config
from deeplearning_tutorials.data import DEFAULT_DATASET
from deeplearning_tutorials.errors import InputError
from deeplearning_tutorials.training import TrainingDiverged, TrainingInterrupted

EXIT_BAD_INPUT = 2
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130  # the shell's code for a run ended by Ctrl-C


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show each flag's default, except where there is none to show."""

    def _get_help_string(self, action):
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are a single line, exit status 2."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _number_type(convert, accept, expected):
    """An argparse ``type`` that converts with ``convert`` and checks ``accept``."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


positive_int = _number_type(int, lambda v: v > 0, "a positive integer")
positive_float = _number_type(
    float, lambda v: math.isfinite(v) and v > 0, "a positive finite number"
)
non_negative_float = _number_type(
    float, lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0"
)


def make_parser(
    prog, description, default_mode=config.DEFAULT_MODE, default_blas_threads=None
):
    """A parser with the flags every tutorial has: data, precision, backend.

    ``default_mode`` is the backend used when neither ``--mode`` nor
    ``PYTENSOR_FLAGS`` names one (see :func:`config.configure`);
    ``default_blas_threads`` the threads BLAS may use when ``--blas-threads``
    is not given (``None``: as many as the BLAS library chooses).
    """
    parser = OneLineParser(
        prog=f"python -m deeplearning_tutorials.{prog}",
        description=description,
        formatter_class=_HelpFormatter,
    )
    parser.set_defaults(
        prog=f"deeplearning_tutorials.{prog}",
        default_mode=default_mode,
        default_blas_threads=default_blas_threads,
    )
    parser.add_argument(
        "--dataset",
        default=DEFAULT_DATASET,
        help="path of the pickled MNIST file; the bare default name is looked "
        "up in $DEEPLEARNING_TUTORIALS_DATA, the project's data/ folder, the "
        "installed share/ folder and ~/.cache (downloaded if missing)",
    )
    parser.add_argument(
        "--floatX",
        choices=config.FLOATX_CHOICES,
        default=None,
        help="float precision of data and parameters (default: floatX of "
        f"PYTENSOR_FLAGS, else {config.DEFAULT_FLOATX})",
    )
    fallback = ", or NUMBA where no BLAS is found" if default_mode == "CVM" else ""
    parser.add_argument(
        "--mode",
        type=str.upper,
        choices=config.MODE_CHOICES,
        default=None,
        help="PyTensor backend: NUMBA (Numba JIT), CVM (C code, needs a BLAS), "
        "JAX (needs the gpu extra) (default: mode of PYTENSOR_FLAGS, else "
        f"{default_mode}{fallback})",
    )
    parser.add_argument(
        "--blas-threads",
        metavar="N",
        type=positive_int,
        default=None,
        help="threads for the BLAS matrix products (default: "
        "OPENBLAS_NUM_THREADS, else "
        + (
            f"{default_blas_threads}: at this model's minibatch size more "
            "threads only wait for each other"
            if default_blas_threads
            else "one per core"
        )
        + ")",
    )
    parser.add_argument(
        "--checkpoint-dir",
        metavar="DIR",
        default=None,
        help="save the complete training state to DIR/checkpoint.npz at every "
        "epoch end and on Ctrl-C",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the run saved in --checkpoint-dir (starts afresh if "
        "there is no checkpoint yet)",
    )
    parser.add_argument(
        "--results-json",
        metavar="PATH",
        default=None,
        help="also write the result record (errors, iterations, timing) as JSON",
    )
    return parser


def add_sgd_arguments(parser, learning_rate, n_epochs, batch_size):
    """The flags of every SGD driver, with that driver's original defaults."""
    parser.add_argument(
        "--learning-rate",
        type=positive_float,
        default=learning_rate,
        help="SGD step size",
    )
    parser.add_argument(
        "--n-epochs",
        type=positive_int,
        default=n_epochs,
        help="maximal number of passes over the training set",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=batch_size,
        help="examples per minibatch",
    )


def add_pretraining_arguments(parser, learning_rate, training_epochs, batch_size):
    """The flags of an unsupervised driver (dA, rbm), with its original defaults."""
    parser.add_argument(
        "--learning-rate",
        type=positive_float,
        default=learning_rate,
        help="SGD step size",
    )
    parser.add_argument(
        "--training-epochs",
        type=positive_int,
        default=training_epochs,
        help="passes over the training set",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=batch_size,
        help="examples per minibatch",
    )


def add_finetuning_arguments(
    parser, finetune_lr, pretraining_epochs, pretrain_lr, training_epochs, batch_size
):
    """The flags of a pre-trained stack (SdA, DBN), with its original defaults."""
    parser.add_argument(
        "--finetune-lr",
        type=positive_float,
        default=finetune_lr,
        help="SGD step size of the fine-tuning phase",
    )
    parser.add_argument(
        "--pretraining-epochs",
        type=positive_int,
        default=pretraining_epochs,
        help="epochs of pre-training, for each layer",
    )
    parser.add_argument(
        "--pretrain-lr",
        type=positive_float,
        default=pretrain_lr,
        help="step size of the pre-training phase",
    )
    parser.add_argument(
        "--training-epochs",
        type=positive_int,
        default=training_epochs,
        help="maximal number of fine-tuning epochs",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=batch_size,
        help="examples per minibatch, in both phases",
    )


def add_output_folder_argument(parser, default):
    """``--output-folder``: where a driver writes its images."""
    parser.add_argument(
        "--output-folder",
        metavar="DIR",
        default=default,
        help="where the images are written (created if needed)",
    )


def check_writable(path, flag):
    """Fail early, with the flag's name, if ``path`` cannot be written."""
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise InputError(f"{flag}: cannot write {path} (folder missing or read-only)")


def driver_arguments(driver, args):
    """The parsed flags that are keyword arguments of ``driver``, by name."""
    names = inspect.signature(driver).parameters
    return {name: value for name, value in vars(args).items() if name in names}


def _prepare_folders(args):
    """Create ``--checkpoint-dir`` and ``--output-folder``; check them writable."""
    if getattr(args, "resume", False) and args.checkpoint_dir is None:
        raise InputError("--resume needs --checkpoint-dir DIR")
    for flag in ("--checkpoint-dir", "--output-folder"):
        directory = getattr(args, flag[2:].replace("-", "_"), None)
        if directory is None:
            continue
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"{flag}: cannot create {directory} ({exc.strerror})"
            ) from None
        check_writable(os.path.join(directory, "any-file"), flag)


def _resume_command(prog):
    argv = sys.argv[1:]
    return " ".join(
        ["python -m", prog, *argv, *([] if "--resume" in argv else ["--resume"])]
    )


def _blas_threads(args):
    """``--blas-threads``, else none where ``OPENBLAS_NUM_THREADS`` decides, else
    the tutorial's default (``None``: leave BLAS alone)."""
    if args.blas_threads is not None:
        return args.blas_threads
    if "OPENBLAS_NUM_THREADS" in os.environ:
        return None
    return args.default_blas_threads


def run(driver, args, writable=None):
    """Configure the backend from ``args`` and call ``driver`` with the flags.

    Each flag whose ``dest`` is the name of one of ``driver``'s keyword
    arguments is passed to it (``--l2-reg`` has ``dest="L2_reg"``).

    Problems a user can fix (a bad data file, a backend that is not
    installed, an unwritable output path) end the program with one line on
    stderr and exit status 2 instead of a traceback. ``writable`` maps flag
    names to output paths that are checked before any work starts.
    """
    prog = args.prog
    try:
        outputs = {"--results-json": getattr(args, "results_json", None)}
        outputs.update(writable or {})
        for flag, path in outputs.items():
            check_writable(path, flag)
        _prepare_folders(args)
        config.configure(
            floatX=args.floatX, mode=args.mode, default_mode=args.default_mode
        )
        config.limit_blas_threads(_blas_threads(args))
        return driver(**driver_arguments(driver, args))
    except InputError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except TrainingDiverged as exc:
        kept = ""
        directory = getattr(args, "checkpoint_dir", None)
        if directory and os.path.exists(os.path.join(directory, "checkpoint.npz")):
            kept = f"; the last good checkpoint is kept in {directory}"
        print(f"{prog}: error: {exc}{kept}", file=sys.stderr)
        sys.exit(EXIT_DIVERGED)
    except (TrainingInterrupted, KeyboardInterrupt) as exc:
        if getattr(args, "checkpoint_dir", None) and isinstance(
            exc, TrainingInterrupted
        ):
            how = f"; state saved, resume with: {_resume_command(prog)}"
        else:
            how = "; nothing saved (use --checkpoint-dir DIR to make runs resumable)"
        print(f"{prog}: {exc or 'interrupted'}{how}", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
