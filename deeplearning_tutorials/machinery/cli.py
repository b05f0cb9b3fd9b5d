"""Command-line plumbing shared by every tutorial.

Each tutorial's ``main()`` builds a parser with :func:`make_parser`, adds the
flags that mirror its driver's keyword arguments (``learning_rate`` becomes
``--learning-rate``), and hands the parsed values to :func:`run`, which
applies ``--floatX``/``--mode`` before any PyTensor variable is created and
turns the errors a user can cause (bad flag values, a bad data file) into one
line on stderr and exit status 2. A diverging run ends with status 3, a
failed write (a full disk, a file-size limit) with 4, an interrupted one
(Ctrl-C, SIGTERM, SIGHUP) with 128 + the signal's number (130, 143, 129) and
the command that resumes it.
"""

import argparse
import contextlib
import inspect
import math
import os
import shlex
import signal
import sys
import traceback

from deeplearning_tutorials.machinery import (
    checkpoint,
    compile_later,
    config,
    data,
    graph_cache,
    noise,
    runlock,
    training,
)
from deeplearning_tutorials.machinery.data import DEFAULT_DATASET
from deeplearning_tutorials.machinery.errors import (
    InputError,
    OutputError,
    StopSignal,
    one_line,
    signal_name,
)
from deeplearning_tutorials.machinery.training import TrainingDiverged, TrainingInterrupted

EXIT_BAD_INPUT = 2
EXIT_DIVERGED = 3
EXIT_WRITE_FAILED = 4  # a full disk, a file-size limit, an I/O error
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130, the shell's code for Ctrl-C
MAX_BLAS_THREADS = 1024


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show each flag's default, except where there is none to show."""

    def _get_help_string(self, action):
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are a single line, exit status 2.

    The parsed namespace keeps the arguments as given, in ``command_line``,
    for the command that resumes an interrupted run.
    """

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {one_line(message)}\n")

    def parse_args(self, args=None, namespace=None):
        args = sys.argv[1:] if args is None else [str(arg) for arg in args]
        parsed = super().parse_args(args, namespace)
        parsed.command_line = args
        return parsed


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


MAX_INT = 2**31 - 1  # beyond any size or count a run can use; NumPy's limit
positive_int = _number_type(
    int, lambda v: 0 < v <= MAX_INT, f"a positive integer up to {MAX_INT}"
)
thread_count = _number_type(
    int,
    lambda v: 0 < v <= MAX_BLAS_THREADS,
    f"a positive integer up to {MAX_BLAS_THREADS}",
)
positive_float = _number_type(
    float, lambda v: math.isfinite(v) and v > 0, "a positive finite number"
)
non_negative_float = _number_type(
    float, lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0"
)
non_negative_int = _number_type(
    int, lambda v: 0 <= v <= MAX_INT, f"an integer from 0 to {MAX_INT}"
)


def make_parser(
    prog,
    description,
    default_mode=config.DEFAULT_MODE,
    default_blas_threads=None,
    checkpoints=True,
    data=True,
    saves_on_stop=True,
):
    """A parser with the flags every tutorial has: data, precision, backend.

    ``checkpoints=False`` leaves out ``--checkpoint-dir``, ``--resume`` and
    ``--start-over``, for a driver whose run cannot be resumed (logistic_cg:
    SciPy's ``fmin_cg`` keeps its state to itself). ``data=False`` leaves out
    ``--dataset``, ``--cv-folds`` and ``--cv-fold``, for a driver that reads
    no data file (hmc samples a distribution it draws itself).
    ``saves_on_stop=False`` says in ``--checkpoint-dir``'s help that the
    driver saves at epoch ends only (lstm, whose stop evaluates the best
    parameters as the original does and leaves the last epoch end's
    checkpoint).

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
    if data:
        parser.add_argument(
            "--dataset",
            default=DEFAULT_DATASET,
            help="path of the pickled MNIST file; the bare default name is looked "
            "up in $DEEPLEARNING_TUTORIALS_DATA, the project's data/ folder, the "
            "installed share/ folder and ~/.cache (downloaded if missing)",
        )
        _add_cross_validation_arguments(parser)
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
        type=thread_count,
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
    if checkpoints:
        _add_checkpoint_arguments(parser, saves_on_stop)
    else:
        parser.set_defaults(checkpoint_dir=None)
    parser.add_argument(
        "--results-json",
        metavar="PATH",
        default=None,
        help="also write the result record (errors, iterations, timing) as JSON",
    )
    return parser


def _add_cross_validation_arguments(parser):
    parser.add_argument(
        "--cv-folds",
        metavar="K",
        type=positive_int,
        default=None,
        help="K-fold cross-validation: pool the training and validation sets, "
        "cut them into K consecutive folds, and train on all but fold "
        "--cv-fold, which validates; the test set is untouched (default: the "
        "data file's own split)",
    )
    parser.add_argument(
        "--cv-fold",
        metavar="I",
        type=non_negative_int,
        default=None,
        help="which fold validates, 0 to K-1 (with --cv-folds)",
    )


def _cross_validation(args):
    """The :func:`data.cross_validation` block of ``--cv-folds``/``--cv-fold``,
    or a block that changes nothing."""
    folds, fold = getattr(args, "cv_folds", None), getattr(args, "cv_fold", None)
    if folds is None and fold is None:
        return contextlib.nullcontext()
    if folds is None or fold is None:
        raise InputError("--cv-folds K and --cv-fold I go together")
    return data.cross_validation(folds, fold)


def _add_checkpoint_arguments(parser, saves_on_stop=True):
    when = (
        "epoch end and on Ctrl-C, SIGTERM or SIGHUP"
        if saves_on_stop
        else "epoch end (a run stopped by Ctrl-C, SIGTERM or SIGHUP keeps the "
        "checkpoint of the last epoch end)"
    )
    parser.add_argument(
        "--checkpoint-dir",
        metavar="DIR",
        default=None,
        help=f"save the complete training state to DIR/checkpoint.npz at every {when}",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the run saved in --checkpoint-dir (starts afresh if "
        "there is no checkpoint yet)",
    )
    parser.add_argument(
        "--start-over",
        action="store_true",
        help="delete the checkpoints in --checkpoint-dir and start afresh "
        "(without it or --resume, a run refuses to replace them)",
    )


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


def add_rng_argument(parser):
    """``--rng``: the noise source of dA, SdA, rbm and DBN."""
    parser.add_argument(
        "--rng",
        choices=noise.RNG_KINDS,
        default="mrg",
        help="where the noise is drawn from: mrg, Theano's MRG_RandomStreams "
        "as in the original (the same seed draws the original's numbers, so a "
        "run follows the original run); pytensor, PyTensor's native generator "
        "(other draws of the same distribution)",
    )


class _NotApplicable(argparse.Action):
    """A common flag a driver refuses: using it is one line with the reason."""

    def __init__(self, option_strings, dest, reason, **kwargs):
        super().__init__(option_strings, dest, nargs="*", help=argparse.SUPPRESS, **kwargs)
        self.reason = reason

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(f"{self.option_strings[0]} does not apply: {self.reason}")


def refuse_arguments(parser, reasons):
    """Take each flag of ``reasons`` (``{flag: why}``) only to refuse it.

    For a driver built with :func:`make_parser`'s ``data=False`` or
    ``checkpoints=False``: a user who passes one of the flags it left out
    reads why it does not apply, not argparse's "unrecognized arguments".
    The flags stay out of ``--help``.
    """
    for flag, reason in reasons.items():
        parser.add_argument(flag, action=_NotApplicable, reason=reason)


def add_output_folder_argument(parser, default):
    """``--output-folder``: where a driver writes its images."""
    parser.add_argument(
        "--output-folder",
        metavar="DIR",
        default=default,
        help="where the images are written (created if needed)",
    )


def check_writable(path, flag):
    """Fail early, with the flag's name, if ``path`` cannot or must not be
    written (see :func:`~deeplearning_tutorials.machinery.checkpoint.check_output_path`)."""
    if path is not None:
        checkpoint.check_output_path(path, flag)


def driver_arguments(driver, args):
    """The parsed flags that are keyword arguments of ``driver``, by name."""
    names = inspect.signature(driver).parameters
    return {name: value for name, value in vars(args).items() if name in names}


def _prepare_folders(args, held):
    """Create ``--checkpoint-dir`` and ``--output-folder``; check them writable;
    take the checkpoint folder's lock for the run (in ``held``, an
    ``ExitStack``), so that a second run on it is refused before either
    compiles; refuse to replace the checkpoints of an earlier run unless
    told how."""
    resume = getattr(args, "resume", False)
    start_over = getattr(args, "start_over", False)
    if (resume or start_over) and args.checkpoint_dir is None:
        flag = "--resume" if resume else "--start-over"
        raise InputError(f"{flag} needs --checkpoint-dir DIR")
    if resume and start_over:
        raise InputError("--resume and --start-over exclude each other")
    for flag in ("--checkpoint-dir", "--output-folder"):
        directory = getattr(args, flag[2:].replace("-", "_"), None)
        if directory is None:
            continue
        if directory == "":
            raise InputError(f"{flag}: an empty path is not a folder name")
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"{flag}: cannot create {directory} ({exc.strerror})"
            ) from None
        check_writable(os.path.join(directory, "any-file"), flag)
    if args.checkpoint_dir is not None:
        held.enter_context(runlock.holding(args.checkpoint_dir))
        _check_checkpoint_dir(args.checkpoint_dir, replace=resume or start_over)


def _check_checkpoint_dir(directory, replace):
    """Refuse an entry ``*.npz`` of ``directory`` that a save could not
    replace, and, unless told to ``replace`` them (``--resume``,
    ``--start-over``), the checkpoints of an earlier run."""
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        raise InputError(f"--checkpoint-dir: cannot list {directory} ({exc.strerror})")
    for name in names:
        if name.endswith(".npz"):
            check_writable(os.path.join(directory, name), "--checkpoint-dir")
    existing = checkpoint.checkpoint_files(directory)
    if existing and not replace:
        raise checkpoint.existing_checkpoint_error(existing[0])


def _start_over(args):
    """``--start-over``: delete the checkpoints an earlier run left."""
    if getattr(args, "start_over", False):
        for path in checkpoint.checkpoint_files(args.checkpoint_dir):
            os.unlink(path)


def _shell_word(word):
    """``word`` quoted for a POSIX shell, on one line and byte for byte.

    A printable word is single-quoted. Otherwise it is written ``$'...'``
    (bash, zsh, ksh) with every byte outside printable ASCII as ``\\xHH``:
    a line break, another control character, or a file name that is not
    UTF-8, which Python carries as surrogate escapes and which
    ``os.fsencode`` gives back as the bytes the file system holds (printed
    as characters, it would name another folder)."""
    if word.isprintable():
        return shlex.quote(word)
    return "$'" + "".join(
        chr(byte) if 0x20 <= byte < 0x7F and byte not in b"\\'" else f"\\x{byte:02x}"
        for byte in os.fsencode(word)
    ) + "'"


def _resume_command(prog, argv):
    """The command line that continues this run: ``--resume`` in place of
    ``--start-over`` (or an abbreviation argparse took for either)."""
    words = [word for word in argv if not _abbreviates(word, "--start-over")]
    if not any(_abbreviates(word, "--resume") for word in words):
        words.append("--resume")
    return " ".join(["python", "-m", prog, *map(_shell_word, words)])


def _abbreviates(word, flag):
    return word.startswith("--") and len(word) > 2 and flag.startswith(word)


def _blas_threads(args):
    """``--blas-threads``, else none where ``OPENBLAS_NUM_THREADS`` decides, else
    the tutorial's default (``None``: leave BLAS alone)."""
    if args.blas_threads is not None:
        return args.blas_threads
    if "OPENBLAS_NUM_THREADS" in os.environ:
        return None
    return args.default_blas_threads


# True inside parsing_only(): run() returns the parsed flags, runs nothing.
_parsing_only = False


@contextlib.contextmanager
def parsing_only():
    """Within this block a tutorial's ``main(argv)`` parses ``argv`` and
    returns the parsed flags instead of running: how the sweep checks every
    trial's command line against the driver's own parser before it starts
    any. A refused flag still ends in ``SystemExit(2)`` with its one line on
    stderr, as on the command line."""
    global _parsing_only
    previous, _parsing_only = _parsing_only, True
    try:
        yield
    finally:
        _parsing_only = previous


def run(driver, args, writable=None):
    """Configure the backend from ``args`` and call ``driver`` with the flags.

    Each flag whose ``dest`` is the name of one of ``driver``'s keyword
    arguments is passed to it (``--l2-reg`` has ``dest="L2_reg"``).

    Every expected failure ends the program with one line on stderr and a
    documented exit status instead of a traceback: problems a user can fix
    (a bad flag or data file, a backend that is not installed, an output path
    that cannot or must not be written, a damaged compile cache) with 2, a
    diverging run with 3, a failed write (a full disk, a file-size limit, an
    I/O error) with 4, and Ctrl-C, SIGTERM or SIGHUP with 128 + the signal's
    number, after saving the run if it has a ``--checkpoint-dir``.
    ``writable`` maps flag names to output paths that are checked before any
    work starts.
    """
    if _parsing_only:
        return args
    try:
        with (
            training.stop_signals_exit(lambda signum: _stop_message(signum, args)),
            config.notes_after_run(),
            contextlib.ExitStack() as held,
        ):
            outputs = {"--results-json": getattr(args, "results_json", None)}
            outputs.update(writable or {})
            for flag, path in outputs.items():
                check_writable(path, flag)
            _prepare_folders(args, held)
            config.configure(
                floatX=args.floatX, mode=args.mode, default_mode=args.default_mode
            )
            config.limit_blas_threads(_blas_threads(args))
            _start_over(args)
            with _cross_validation(args), _compiling_later(args), graph_cache.active():
                result = driver(**driver_arguments(driver, args))
        _finished()
        return result
    except BaseException as exc:  # noqa: BLE001 (each kind is told apart below)
        status, message = _outcome(exc, args)
        if status is None:
            raise
    _say_error(message)
    if status == EXIT_WRITE_FAILED:
        _quiet_stdout()
    sys.exit(status)


def _compiling_later(args):
    """Defer the functions the first training step does not need, for the
    tutorials whose loops are the machinery's (see
    :mod:`~deeplearning_tutorials.machinery.compile_later`)."""
    name = getattr(args, "prog", "").rsplit(".", 1)[-1]
    if name in compile_later.TUTORIALS:
        return compile_later.deferring()
    return contextlib.nullcontext()


def _stop_message(signum, args):
    """The line that ends a run stopped by ``signum`` outside its training
    loop (the checkpoint, if any, is as it was)."""
    return _outcome(StopSignal(signum), args)[1]


def _stop_behind(exc):
    """The Ctrl-C, SIGTERM or SIGHUP behind ``exc``, if any: a signal raised
    while Numba runs compiled code comes back as a ``SystemError`` whose
    cause is the interrupt."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (TrainingInterrupted, KeyboardInterrupt)):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _finished():
    """The run is complete and saved: when it is the program (``python -m``),
    a SIGTERM or SIGHUP while the interpreter shuts down must not turn its
    success into a kill, so they are ignored from here on."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is None or not spec.name.startswith("deeplearning_tutorials."):
        return
    for signum in training._handled_signals():
        if signum != signal.SIGINT:
            signal.signal(signum, signal.SIG_IGN)


def _outcome(exc, args):
    """``(exit status, one-line message)`` for an exception that ends a run,
    ``(None, None)`` for one that is a bug and keeps its traceback."""
    prog = args.prog
    directory = getattr(args, "checkpoint_dir", None)
    exc = _stop_behind(exc) or exc
    if isinstance(exc, (TrainingInterrupted, KeyboardInterrupt)):
        signum = getattr(exc, "signum", signal.SIGINT)
        if isinstance(exc, TrainingInterrupted):
            what = f"{exc}; {'state saved' if directory else 'nothing saved'}"
        else:  # while loading or compiling: the checkpoint, if any, is as it was
            what = f"interrupted by {signal_name(signum)}"
        if directory is None:
            how = "use --checkpoint-dir DIR to make runs resumable"
        else:
            command = _resume_command(prog, getattr(args, "command_line", []))
            how = f"resume with: {command}"
        return 128 + signum, f"{prog}: {what}, {how}"
    if not isinstance(exc, Exception):  # SystemExit, GeneratorExit
        return None, None
    cache = _compile_cache_problem(exc)
    if cache is not None:
        status = EXIT_WRITE_FAILED if isinstance(exc, OSError) else EXIT_BAD_INPUT
        return status, f"{prog}: error: {cache}"
    if isinstance(exc, InputError):
        return EXIT_BAD_INPUT, f"{prog}: error: {exc}"
    if isinstance(exc, MemoryError):
        return EXIT_BAD_INPUT, (
            f"{prog}: error: not enough memory for this run ({exc}); choose "
            "smaller sizes (--n-hidden, --batch-size, ...)"
        )
    if isinstance(exc, TrainingDiverged):
        kept = ""
        if directory and checkpoint.checkpoint_files(directory):
            kept = f"; the last good checkpoint is kept in {directory}"
        return EXIT_DIVERGED, f"{prog}: error: {exc}{kept}"
    if isinstance(exc, OSError):
        if not isinstance(exc, OutputError):
            where = f"{exc.filename}: " if exc.filename else ""
            exc = f"{where}{exc.strerror or exc}"
        kept = f"; the last checkpoint in {directory} is kept" if directory else ""
        return EXIT_WRITE_FAILED, f"{prog}: error: {exc}{kept}"
    return None, None


# Where PyTensor and Numba read and write their compile caches: a file, and
# the function in it (None: any), that an exception passes through.
_CACHE_CODE = {
    os.path.join("numba", "core", "caching.py"): None,
    os.path.join("pytensor", "compile", "compiledir.py"): None,
    os.path.join("pytensor", "link", "c", "cmodule.py"): "_get_module",
    os.path.join("deeplearning_tutorials", "machinery", "graph_cache.py"): "put_in_place",
}


def _in_cache_code(frame):
    return any(
        frame.filename.endswith(path) and function in (None, frame.name)
        for path, function in _CACHE_CODE.items()
    )


def _compile_cache_problem(exc):
    """A sentence for an exception raised by the compile cache's code (a file
    there damaged, or the disk full), else ``None``."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not any(_in_cache_code(frame) for frame in frames):
        return None
    import pytensor

    return (
        f"the compile cache in {pytensor.config.compiledir} could not be used "
        f"({type(exc).__name__}: {exc}); it may be damaged: move it away, or "
        "use another with PYTENSOR_FLAGS=base_compiledir=DIR"
    )


def _say_error(message):
    """Print ``message`` as one line on stderr, if stderr is still there (after
    SIGHUP the terminal may be gone)."""
    try:
        print(one_line(message), file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _quiet_stdout():
    """After stdout failed (a closed pipe), send what is left to /dev/null,
    so that the interpreter's final flush does not fail a second time."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
