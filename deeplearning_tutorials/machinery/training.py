"""The patience-based early-stopping loop shared by every supervised tutorial.

Minibatch SGD runs epoch after epoch. Every ``validation_frequency``
minibatches the model is scored on the validation set; when the score
improves the test error of this best model is computed, and when it improves
by more than ``improvement_threshold`` (relative) the *patience*, the number of
minibatches we are willing to look at, grows to ``iter * patience_increase``.
Training stops when patience runs out or after ``n_epochs``.

The log lines are the original tutorials' to the character, so a run can be
diffed against the published logs::

    epoch 1, minibatch 83/83, validation error 12.458333 %
         epoch 1, minibatch 83/83, test error of best model 12.375000 %
"""

import contextlib
import functools
import json
import os
import signal
import sys
import threading
import timeit
from dataclasses import asdict, dataclass, field

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery import (
    checkpoint,
    compile_ahead,
    compile_later,
    config,
    data,
    provenance,
    startup,
)
from deeplearning_tutorials.machinery.checkpoint import Checkpointer, ModelFileError
from deeplearning_tutorials.machinery.errors import STOP_SIGNALS, ExitAtOnce, signal_name
from deeplearning_tutorials.machinery.data import minibatch_givens, n_batches


@dataclass
class TrainingResult:
    """What a run of :func:`train_with_early_stopping` found.

    Errors are fractions (0.075 is 7.5 %); ``best_iter`` is the 0-based
    minibatch counter of the best validation score, as in the original code.
    """

    best_validation_loss: float
    best_iter: int
    test_score: float
    epochs: int
    seconds: float
    validation_history: list = field(default_factory=list)

    def as_record(self, **extra):
        """A JSON-ready dict: errors in percent, plus any ``extra`` fields."""
        record = {
            "best_validation_error_percent": self.best_validation_loss * 100.0,
            "best_iteration": self.best_iter + 1,
            "test_error_percent": self.test_score * 100.0,
            "epochs": self.epochs,
            "seconds": self.seconds,
            "epochs_per_second": self.epochs / self.seconds if self.seconds else None,
        }
        record.update(extra)
        record["validation_history"] = self.validation_history
        return record


def mean_error(model, n_batches, batch_size=None):
    """Mean of ``model(i)`` over minibatches ``0 .. n_batches - 1``.

    ``model(i)`` is the fraction of minibatch ``i`` misclassified, ``k /
    batch_size``, which Theano and PyTensor's C and Numba backends return in
    float64. JAX, with its 64-bit mode off (as PyTensor's JAX backend leaves
    it in float32), returns the float32 nearest to it, and the mean then
    prints ``9.620001 %`` where the original prints ``9.620000 %``. Given
    ``batch_size``, each such value is turned back into the float64 fraction
    it stands for: ``k`` is ``round(value * batch_size)`` exactly, since the
    float32 is within a relative 2**-24 of ``k / batch_size``.
    """
    errors = [model(i) for i in range(n_batches)]
    if batch_size is not None and config.uses_jax():
        errors = [round(float(error) * batch_size) / batch_size for error in errors]
    return numpy.mean(errors)


class TrainingDiverged(Exception):
    """The cost or the parameters stopped being finite numbers."""


class TrainingInterrupted(Exception):
    """Ctrl-C, SIGTERM or SIGHUP during training; the state was saved when a
    checkpoint is kept. ``signum`` is the signal that stopped the run."""

    def __init__(self, message, signum=signal.SIGINT):
        super().__init__(message)
        self.signum = signum


def _handled_signals():
    """The stop signals whose handler may be replaced: from the main thread,
    and not those the process was told to ignore (``nohup``, ``&``)."""
    if threading.current_thread() is not threading.main_thread():
        return ()
    return [s for s in STOP_SIGNALS if signal.getsignal(s) != signal.SIG_IGN]


@contextlib.contextmanager
def stop_signals_exit(message):
    """Until the block ends, Ctrl-C, SIGTERM and SIGHUP end the program at
    once with the line ``message(signum)`` (see
    :class:`~deeplearning_tutorials.machinery.errors.ExitAtOnce`); the training loop
    turns them into a flag for its duration."""
    handler = ExitAtOnce(message)
    previous = {s: signal.signal(s, handler) for s in _handled_signals()}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@dataclass
class LoopState:
    """Where an early-stopping run stands; all a checkpoint needs besides
    the parameters. ``iteration`` counts the minibatches done so far."""

    patience: int
    iteration: int = 0
    best_validation_loss: float = numpy.inf
    best_iter: int = 0
    test_score: float = 0.0
    validation_history: list = field(default_factory=list)
    done_looping: bool = False
    seconds: float = 0.0  # training time spent in earlier processes


def _progress(n_train_batches, epoch, start):
    """A progress bar over one epoch's minibatches, only on a terminal."""
    if not sys.stdout.isatty():
        return None
    from tqdm import tqdm

    return tqdm(
        total=n_train_batches,
        initial=start,
        desc=f"epoch {epoch}",
        leave=False,
        unit="batch",
    )


def _say(line, bar):
    try:
        if bar is None:
            print(line, flush=True)
        else:
            bar.write(line, file=sys.stdout)
    except OSError:
        # after SIGHUP the terminal may be gone: saving the run comes first
        if not _received_signals:
            raise


# The stop signals received in the running training loop (see _stop_flag).
_received_signals = []


@contextlib.contextmanager
def _stop_flag():
    """Turn Ctrl-C, SIGTERM and SIGHUP into a flag, checked between minibatches.

    The flag is the list of signals received. An interrupt inside a compiled
    function could land between two parameter updates; waiting for the
    minibatch to finish keeps the saved state consistent.
    """
    received = _received_signals
    received.clear()
    handled = _handled_signals()
    previous = {
        s: signal.signal(s, lambda signum, frame: received.append(signum))
        for s in handled
    }
    try:
        yield received
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        received.clear()


def _interrupted(received, where):
    """The :class:`TrainingInterrupted` for the first signal in ``received``."""
    return TrainingInterrupted(
        f"interrupted by {signal_name(received[0])} at {where}", received[0]
    )


def _check_finite(params, where):
    for param in params:
        if not numpy.isfinite(param.get_value(borrow=True)).all():
            raise TrainingDiverged(
                f"training diverged at {where}: parameter {param.name} holds NaN or "
                "infinite values; the learning rate is most likely too large"
            )


def train_with_early_stopping(
    models,
    n_batches,
    n_epochs,
    patience,
    patience_increase=2,
    improvement_threshold=0.995,
    on_new_best=None,
    params=(),
    checkpointer=None,
    resume=False,
    log_every=None,
    schedule=None,
    batch_size=None,
):
    """Run minibatch SGD with early stopping and print the original log lines.

    :param models: ``(train_model, validate_model, test_model)``:
        ``train_model(i)`` runs one SGD step on minibatch ``i`` and returns
        the cost; the other two return the error on minibatch ``i`` of their
        data set
    :param n_batches: ``(n_train_batches, n_valid_batches, n_test_batches)``
    :param n_epochs: maximal number of passes over the training set
    :param patience: look at this many minibatches regardless
    :param patience_increase: wait this much longer when a new best is found
    :param improvement_threshold: a relative improvement of this much is
        considered significant
    :param on_new_best: called as ``on_new_best(epoch, iter)`` after each new
        best validation score (e.g. to save the model)
    :param log_every: print ``training @ iter =  N`` before every
        ``log_every``-th minibatch, as LeNet does
    :param params: the trained shared variables, checked for NaN/inf at
        every validation
    :param checkpointer: a :class:`~deeplearning_tutorials.machinery.checkpoint.Checkpointer`
        to save the run at every epoch end, on Ctrl-C and when it finishes
    :param resume: continue from the checkpointer's file, if there is one
    :param schedule: a learning-rate schedule
        (:mod:`deeplearning_tutorials.machinery.practices.schedules`), told the epochs
        completed and the validation errors at the start, after every
        validation and at every epoch end; it may end training, and may
        replace the patience rule
    :param batch_size: the minibatch size, with which the errors of the
        validation and test minibatches are made exact under JAX (see
        :func:`mean_error`)
    :returns: a :class:`TrainingResult`
    :raises TrainingDiverged: the cost or a parameter is NaN or infinite
    :raises TrainingInterrupted: Ctrl-C, SIGTERM or SIGHUP (after saving a
        checkpoint, if kept)
    :raises ModelFileError: the checkpoint is damaged or of another run, or
        one exists and ``resume`` is false (it is never overwritten)
    """
    train_model, validate_model, test_model = models
    n_train_batches, n_valid_batches, n_test_batches = n_batches
    # go through this many minibatches before checking the network on the
    # validation set; in this case we check every epoch
    validation_frequency = min(n_train_batches, patience // 2)
    state, best_values = LoopState(patience=patience), None
    if checkpointer is not None and checkpointer.exists():
        if not resume:
            raise checkpoint.existing_checkpoint_error(checkpointer.path)
        saved, best_values = checkpointer.restore()
        state = _restored_loop_state(checkpointer.path, saved, validation_frequency)
        print(
            f"... resuming after minibatch {state.iteration} from {checkpointer.path}"
        )

    def save_checkpoint():
        nonlocal start_time
        if checkpointer is not None:
            now = timeit.default_timer()
            state.seconds += now - start_time
            start_time = now
            checkpointer.save(asdict(state), best_values)

    def apply_schedule():
        if schedule is not None and not schedule.apply(
            state.iteration // n_train_batches, state.validation_history
        ):
            state.done_looping = True

    apply_schedule()
    start_time = timeit.default_timer()
    bar = None
    with _stop_flag() as stop:
        while state.iteration < n_epochs * n_train_batches and not state.done_looping:
            # iteration number, and where it falls
            iter = state.iteration
            epoch, minibatch_index = divmod(iter, n_train_batches)
            epoch += 1
            if bar is None:
                bar = _progress(n_train_batches, epoch, minibatch_index)

            if log_every and iter % log_every == 0:
                # the original's print('training @ iter = ', iter): two spaces
                _say(f"training @ iter =  {iter}", bar)
            startup.first_step()
            cost = train_model(minibatch_index)
            # the functions the first step did not need, compiled after it
            # and left out of the training time, as the warm-ups are
            start_time += compile_later.first_step_done()
            if not numpy.isfinite(cost):
                raise TrainingDiverged(
                    f"training diverged at epoch {epoch}, minibatch {minibatch_index + 1}"
                    f"/{n_train_batches}: the cost is {cost}; the learning rate is "
                    "most likely too large"
                )
            state.iteration = iter + 1
            if bar is not None:
                bar.update()

            if (iter + 1) % validation_frequency == 0:
                _check_finite(params, f"epoch {epoch}, minibatch {minibatch_index + 1}")
                this_validation_loss = mean_error(validate_model, n_valid_batches, batch_size)
                state.validation_history.append(float(this_validation_loss))
                where = "epoch %i, minibatch %i/%i" % (
                    epoch,
                    minibatch_index + 1,
                    n_train_batches,
                )
                _say(
                    f"{where}, validation error {this_validation_loss * 100.0:f} %", bar
                )

                if this_validation_loss < state.best_validation_loss:
                    # improve patience if loss improvement is good enough
                    if (
                        this_validation_loss
                        < state.best_validation_loss * improvement_threshold
                    ):
                        state.patience = max(state.patience, iter * patience_increase)
                    state.best_validation_loss = float(this_validation_loss)
                    state.best_iter = iter

                    state.test_score = float(mean_error(test_model, n_test_batches, batch_size))
                    _say(
                        f"     {where}, test error of best model "
                        f"{state.test_score * 100.0:f} %",
                        bar,
                    )
                    if checkpointer is not None:
                        best_values = [p.get_value() for p in checkpointer.params]
                    if on_new_best is not None:
                        on_new_best(epoch, iter)

            if state.patience <= iter and not getattr(
                schedule, "replaces_early_stopping", False
            ):
                state.done_looping = True
            end_of_epoch = minibatch_index + 1 == n_train_batches
            if end_of_epoch or (iter + 1) % validation_frequency == 0:
                apply_schedule()

            if end_of_epoch or state.done_looping:
                if bar is not None:
                    bar.close()
                    bar = None
                save_checkpoint()
            elif stop:
                save_checkpoint()
            if stop:
                where = f"epoch {epoch}, minibatch {minibatch_index + 1}"
                raise _interrupted(stop, f"{where}/{n_train_batches}")
        if bar is not None:
            bar.close()

    return TrainingResult(
        best_validation_loss=float(state.best_validation_loss),
        best_iter=state.best_iter,
        test_score=float(state.test_score),
        epochs=(max(state.iteration, 1) - 1) // n_train_batches + 1,
        seconds=state.seconds + timeit.default_timer() - start_time,
        validation_history=state.validation_history,
    )


# What a saved LoopState may hold, field by field.
_LOOP_STATE_RULES = {
    "patience": lambda v: checkpoint.is_number(v, 0, checkpoint.MAX_COUNT),
    "iteration": checkpoint.is_count,
    "best_validation_loss": lambda v: checkpoint.is_fraction(v) or v == numpy.inf,
    "best_iter": checkpoint.is_count,
    "test_score": checkpoint.is_fraction,
    "validation_history": lambda v: checkpoint.is_list_of(checkpoint.is_fraction, v),
    "done_looping": lambda v: type(v) is bool,
    "seconds": checkpoint.is_seconds,
}


def _restored_loop_state(path, saved, validation_frequency):
    """The :class:`LoopState` of a checkpoint, every field and their agreement
    checked, so that a damaged or edited file is refused, not resumed to
    another result."""
    state = checkpoint.restored_state(path, saved, LoopState, _LOOP_STATE_RULES)
    history = state.validation_history
    consistent = (
        len(history) == state.iteration // validation_frequency
        and state.best_validation_loss == min(history, default=numpy.inf)
        and (state.best_iter < state.iteration if history else state.best_iter == 0)
    )
    if not consistent:
        raise ModelFileError(
            f"{path}: damaged checkpoint ({len(history)} validation scores after "
            f"{state.iteration} minibatches do not fit this run, or the best "
            "score is not among them)"
        )
    return state


def checkpointer_for(
    checkpoint_dir,
    model_name,
    params,
    file_name=Checkpointer.FILE_NAME,
    dataset=None,
    **settings,
):
    """A :class:`~deeplearning_tutorials.machinery.checkpoint.Checkpointer` for a run,
    or ``None`` when no ``checkpoint_dir`` is given. ``floatX`` is added to
    the settings a resumed run must share. ``dataset``, the data file (or
    folder) the run trains on, is remembered by its content
    (:func:`~deeplearning_tutorials.machinery.checkpoint.data_fingerprint`),
    not by the spelling of its path."""
    if checkpoint_dir is None:
        return None
    settings["floatX"] = pytensor.config.floatX
    if data.active_fold() is not None:
        settings["cross_validation"] = data.active_fold()
    fingerprint = None
    if dataset is not None:
        fingerprint = checkpoint.data_fingerprint(_data_path(dataset))
    return Checkpointer(
        checkpoint_dir, model_name, params, settings, file_name, data=fingerprint
    )


def _data_path(dataset):
    """The file ``dataset`` names: itself, or where the bare default name
    of MNIST was found."""
    if os.path.exists(dataset):
        return dataset
    return data.resolve_dataset(dataset, download=False)


def report_with_iteration(
    result,
    script_file,
    ending="Optimization complete. Best validation score of %f %% "
    "obtained at iteration %i, with test performance %f %%",
):
    """The closing lines of mlp, and of LeNet with its own ``ending``."""
    print(
        ending
        % (
            result.best_validation_loss * 100.0,
            result.best_iter + 1,
            result.test_score * 100.0,
        )
    )
    print(
        "The code for file %s ran for %.2fm"
        % (os.path.basename(script_file), result.seconds / 60.0),
        file=sys.stderr,
    )


def report_finetuning(result, script_file, phase, where="on"):
    """The closing lines of SdA (``phase="training"``) and DBN
    (``phase="fine tuning"``, ``where="obtained at"``)."""
    print(
        "Optimization complete with best validation score of %f %%, "
        "%s iteration %i, with test performance %f %%"
        % (
            result.best_validation_loss * 100.0,
            where,
            result.best_iter + 1,
            result.test_score * 100.0,
        )
    )
    print(
        "The %s code for file %s ran for %.2fm"
        % (phase, os.path.basename(script_file), result.seconds / 60.0),
        file=sys.stderr,
    )


def report_with_epochs_per_second(result, script_file):
    """The closing lines of logistic_sgd."""
    # no space after the comma: the original joins its two string literals so
    print(
        "Optimization complete with best validation score of %f %%,"
        "with test performance %f %%"
        % (result.best_validation_loss * 100.0, result.test_score * 100.0)
    )
    print(
        "The code run for %d epochs, with %f epochs/sec"
        % (result.epochs, result.epochs / result.seconds)
    )
    print(
        "The code for file %s ran for %.1fs"
        % (os.path.basename(script_file), result.seconds),
        file=sys.stderr,
    )


def write_record(path, result, **settings):
    """Write ``result`` and the run's ``settings`` as JSON, if ``path`` is given.

    The precision and backend in force are added to the settings, and so are
    the machine, the library versions and BLAS threads, and the command line
    (see :mod:`~deeplearning_tutorials.machinery.provenance`); paths are made relative
    to the current folder. The file is written atomically (see
    :func:`~deeplearning_tutorials.machinery.checkpoint.atomic_write`).
    """
    if path is None:
        return
    settings = {
        key: provenance.relative(value) if isinstance(value, str) else value
        for key, value in settings.items()
    }
    record = result.as_record(
        floatX=pytensor.config.floatX, mode=str(pytensor.config.mode), **settings
    )
    fold = data.active_fold()
    if fold is not None:
        record["cross_validation"] = fold
    record["machine"] = provenance.machine()
    if startup.record() is not None:
        record["startup"] = startup.record()
    command = provenance.command_line()
    if command is not None:
        record["command"] = command
    text = json.dumps(record, indent=2, sort_keys=True) + "\n"
    checkpoint.atomic_write(path, lambda f: f.write(text.encode()))


def sgd_updates(cost, params, learning_rate):
    """Plain SGD: the ``updates`` list ``[(p, p - learning_rate * dcost/dp)]``."""
    gparams = [pytensor.grad(cost, param) for param in params]
    return [
        (param, param - learning_rate * gparam)
        for param, gparam in zip(params, gparams)
    ]


def compile_sgd_functions(datasets, batch_size, x, y, cost, errors, updates):
    """Compile ``train_model``, ``validate_model`` and ``test_model``.

    Each takes a minibatch index; the minibatch is taken from the shared data
    sets through ``givens``, so no data crosses the Python boundary per call.
    ``train_model`` returns ``cost`` and applies ``updates``; the other two
    return ``errors`` on the validation and test sets.

    The functions are run once before they are returned (see
    :func:`warm_up`), so that just-in-time compilation is not counted in the
    training time, as Theano compiled everything in ``theano.function``.
    """
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = datasets
    index = pt.lscalar("index")  # index to a [mini]batch
    train_model = pytensor.function(
        inputs=[index],
        outputs=cost,
        updates=updates,
        givens=minibatch_givens(x, y, train_x, train_y, index, batch_size),
    )
    validate_model = pytensor.function(
        inputs=[index],
        outputs=errors,
        givens=minibatch_givens(x, y, valid_x, valid_y, index, batch_size),
    )
    test_model = pytensor.function(
        inputs=[index],
        outputs=errors,
        givens=minibatch_givens(x, y, test_x, test_y, index, batch_size),
    )
    warm_up_models(
        [train_model, validate_model, test_model], [variable for variable, _ in updates]
    )
    return train_model, validate_model, test_model


def warm_up_models(models, params, needed_first=1):
    """:func:`warm_up` ``train_model``, ``validate_model`` and ``test_model``;
    ``params`` are the variables ``train_model`` updates.

    The first (the first ``needed_first``: logistic_cg's cost and gradient)
    is compiled and warmed up now. The others are not needed
    before the end of the first epoch: while a tutorial runs from its
    command line they are compiled and warmed up right after the first
    training step (:mod:`~deeplearning_tutorials.machinery.compile_later`),
    elsewhere now. Meanwhile, a forked child compiles them into the cache
    (:mod:`~deeplearning_tutorials.machinery.compile_ahead`), from which
    their own warm-up then loads them."""
    first, others = models[:needed_first], models[needed_first:]
    with compile_ahead.in_background(
        (functools.partial(model, 0) for model in others), later=compile_later.schedule
    ):
        for model in first:
            warm_up(model, params)
    for model in others:
        compile_later.schedule(functools.partial(warm_up, model, params))


def warm_up(function, updated_variables=()):
    """Call ``function(0)`` once to JIT-compile it, leaving no trace.

    The Numba and JAX backends compile a function on its first call. The
    shared variables it updates are restored afterwards, so the run that
    follows is exactly the run that would have happened without this call.
    """
    saved = [(var, var.get_value(borrow=False)) for var in updated_variables]
    function(0)
    for var, value in saved:
        var.set_value(value, borrow=True)


def count_batches(datasets, batch_size):
    """``(n_train_batches, n_valid_batches, n_test_batches)`` for ``batch_size``."""
    return tuple(
        n_batches(set_x, batch_size, name=f"{name} set")
        for (set_x, _), name in zip(datasets, ("training", "validation", "test"))
    )


def build_finetune_functions(model, datasets, batch_size, learning_rate):
    """The fine-tuning functions of a pre-trained stack (SdA, DBN).

    ``model`` has ``x``, ``y``, ``params``, ``finetune_cost`` and
    ``errors``. Returns ``(train_fn, valid_score, test_score)`` as the
    original did: ``train_fn(index)`` runs one SGD step on minibatch
    ``index``; ``valid_score()`` and ``test_score()`` return the errors of
    every minibatch of the validation and test sets. The per-minibatch
    error functions are kept as ``model.minibatch_scores``, for
    :func:`train_with_early_stopping`.
    """
    updates = sgd_updates(model.finetune_cost, model.params, learning_rate)
    train_fn, valid_score_i, test_score_i = compile_sgd_functions(
        datasets,
        batch_size,
        model.x,
        model.y,
        model.finetune_cost,
        model.errors,
        updates,
    )
    _, n_valid_batches, n_test_batches = count_batches(datasets, batch_size)

    def valid_score():
        return [valid_score_i(i) for i in range(n_valid_batches)]

    def test_score():
        return [test_score_i(i) for i in range(n_test_batches)]

    model.minibatch_scores = (valid_score_i, test_score_i)
    return train_fn, valid_score, test_score
