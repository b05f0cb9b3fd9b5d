"""The unsupervised, layer-wise training loop of dA, SdA, rbm and DBN.

Each layer (for a single autoencoder or RBM: the only layer) is trained in
turn for a fixed number of epochs; one epoch calls the layer's training
function on every minibatch and prints the mean of the returned costs in the
original format, e.g.::

    Pre-training layer 0, epoch 3, cost  71.3920157623291

With a checkpointer the whole state (parameters, the position in the
schedule, the costs so far, the noise generators) is saved at every epoch
end, and ``resume=True`` continues from there: an interrupted run and a
resumed one draw the same noise as one uninterrupted run would.
"""

import functools
import timeit
from dataclasses import asdict, dataclass, field

import numpy

from deeplearning_tutorials.machinery import (
    checkpoint,
    compile_ahead,
    compile_later,
    startup,
)
from deeplearning_tutorials.machinery.checkpoint import ModelFileError
from deeplearning_tutorials.machinery.training import (
    TrainingDiverged,
    _check_finite,
    _interrupted,
    _progress,
    _stop_flag,
)


@dataclass
class PretrainingState:
    """Where a layer-wise run stands: ``epoch`` epochs of ``layer`` are done."""

    layer: int = 0
    epoch: int = 0
    costs: list = field(default_factory=list)  # per layer, mean cost per epoch
    rng_states: list = field(default_factory=list)
    seconds: float = 0.0  # time spent in earlier processes


@dataclass
class PretrainingResult:
    """The mean cost of every epoch, per layer, and the time it took."""

    costs: list
    seconds: float

    def as_record(self, **extra):
        """A JSON-ready dict, for :func:`~deeplearning_tutorials.machinery.training.write_record`."""
        return {"costs_per_epoch": self.costs, "seconds": self.seconds, **extra}


def pretrain_layers(
    steps,
    n_train_batches,
    n_epochs,
    log_line,
    params=(),
    random_streams=None,
    checkpointer=None,
    resume=False,
    on_epoch_end=None,
    cost_dtype="float64",
):
    """Train layer after layer, ``n_epochs`` epochs each.

    :param steps: one function per layer; ``steps[i](index)`` runs one
        training step of layer ``i`` on minibatch ``index`` and returns its
        cost
    :param n_train_batches: minibatches per epoch
    :param n_epochs: epochs per layer
    :param log_line: ``log_line(layer, epoch, mean_cost)`` is the line
        printed after each epoch
    :param params: the trained shared variables, checked for NaN/inf after
        every epoch
    :param random_streams: the
        :class:`~deeplearning_tutorials.machinery.noise.RandomStreams` the steps draw
        from; their state is part of a checkpoint
    :param checkpointer: saves the run at every epoch end
    :param resume: continue from the checkpointer's file, if there is one
    :param on_epoch_end: called as ``on_epoch_end(layer, epoch)`` after
        each epoch (e.g. to save the filters as an image); its time is not
        counted as training time
    :param cost_dtype: the dtype of an epoch's mean cost: float64, as dA, SdA
        and DBN average (``numpy.mean(c, dtype='float64')``), or ``None`` for
        the costs' own dtype, as the rbm does (``numpy.mean(mean_cost)``)
    :returns: a :class:`PretrainingResult`
    :raises TrainingDiverged: a cost or a parameter is NaN or infinite
    :raises TrainingInterrupted: Ctrl-C; the checkpoint keeps the state of
        the last finished epoch
    """
    state = _restored_state(checkpointer, random_streams, len(steps), resume)
    state = state or PretrainingState(costs=[[] for _ in steps])
    start = timeit.default_timer()
    with _stop_flag() as stop:
        while state.layer < len(steps):
            while state.epoch < n_epochs:
                epoch_costs = _one_epoch(
                    steps[state.layer], n_train_batches, state, stop
                )
                mean_cost = numpy.mean(epoch_costs, dtype=cost_dtype)
                where = f"layer {state.layer}, epoch {state.epoch}"
                _check_finite(params, where)
                print(log_line(state.layer, state.epoch, mean_cost), flush=True)
                state.costs[state.layer].append(float(mean_cost))
                if on_epoch_end is not None:
                    hook_start = timeit.default_timer()
                    on_epoch_end(state.layer, state.epoch)
                    start += timeit.default_timer() - hook_start
                state.epoch += 1
                start = _save(checkpointer, state, random_streams, start)
            state.layer, state.epoch = state.layer + 1, 0
        start = _save(checkpointer, state, random_streams, start)
    return PretrainingResult(costs=state.costs, seconds=state.seconds)


def _one_epoch(step, n_train_batches, state, stop):
    """One pass over the minibatches; the costs of its steps."""
    bar = _progress(n_train_batches, state.epoch, 0)
    costs = []
    for index in range(n_train_batches):
        startup.first_step()
        cost = step(index)
        # the other layers' steps, compiled after the first step and left
        # out of the training time, as the warm-ups are
        state.seconds -= compile_later.first_step_done()
        if not numpy.isfinite(cost):
            raise TrainingDiverged(
                f"training diverged at layer {state.layer}, epoch {state.epoch}, "
                f"minibatch {index + 1}/{n_train_batches}: the cost is {cost}; "
                "the learning rate is most likely too large"
            )
        costs.append(cost)
        if bar is not None:
            bar.update()
        if stop:
            raise _interrupted(
                stop,
                f"layer {state.layer}, epoch {state.epoch}, minibatch "
                f"{index + 1}/{n_train_batches} (a checkpoint holds the state at "
                "the last epoch end)",
            )
    if bar is not None:
        bar.close()
    return costs


def _save(checkpointer, state, random_streams, start):
    """Save the state if a checkpointer is given; return the new clock start."""
    now = timeit.default_timer()
    state.seconds += now - start
    if checkpointer is not None:
        if random_streams is not None:
            state.rng_states = random_streams.get_state()
        checkpointer.save(asdict(state))
    return now


# What a saved PretrainingState may hold, field by field.
_STATE_RULES = {
    "layer": checkpoint.is_count,
    "epoch": checkpoint.is_count,
    "costs": lambda v: checkpoint.is_list_of(
        lambda costs: checkpoint.is_list_of(_is_finite_number, costs), v
    ),
    "rng_states": lambda v: checkpoint.is_list_of(
        lambda item: isinstance(item, dict), v
    ),
    "seconds": checkpoint.is_seconds,
}


def _is_finite_number(value):
    return checkpoint.is_number(value, -numpy.inf, numpy.inf) and numpy.isfinite(value)


def _restored_state(checkpointer, random_streams, n_layers, resume):
    """The saved state, checked field by field and against the schedule, or
    ``None`` without a checkpoint; one that exists is never overwritten
    unless resumed."""
    if checkpointer is None or not checkpointer.exists():
        return None
    if not resume:
        raise checkpoint.existing_checkpoint_error(checkpointer.path)
    saved, _ = checkpointer.restore()
    state = checkpoint.restored_state(
        checkpointer.path,
        saved,
        PretrainingState,
        _STATE_RULES,
        what="this pre-training run",
    )
    costs = state.costs
    if not (
        len(costs) == n_layers
        and state.layer <= n_layers
        and (state.layer == n_layers or len(costs[state.layer]) == state.epoch)
        and not any(costs[state.layer + 1 :])
    ):
        raise ModelFileError(
            f"{checkpointer.path}: damaged checkpoint (layer {state.layer}, epoch "
            f"{state.epoch} and the costs of {len(costs)} layers do not fit this "
            f"run of {n_layers})"
        )
    try:
        if random_streams is not None:
            random_streams.set_state(state.rng_states)
    except (TypeError, ValueError, KeyError, OverflowError, AttributeError):
        raise ModelFileError(
            f"{checkpointer.path}: damaged checkpoint (the noise generators' state)"
        ) from None
    if state.layer >= len(state.costs):
        print(f"... pre-training finished earlier, restored from {checkpointer.path}")
    else:
        print(
            f"... resuming at layer {state.layer}, epoch {state.epoch} "
            f"from {checkpointer.path}"
        )
    return state


def warm_up_steps(steps, params, random_streams=None):
    """JIT-compile each step with one call, then undo what that call changed.

    As :func:`deeplearning_tutorials.machinery.training.warm_up`, for functions that
    also advance noise generators: the parameters and the generators are put
    back, so the run that follows is the run that would have happened.
    """
    first, *others = steps
    with compile_ahead.in_background(
        (functools.partial(step, 0) for step in others), later=compile_later.schedule
    ):
        _call_undone(first, params, random_streams)
    # the other layers' steps: after the first training step, when a
    # tutorial runs from its command line (see training.warm_up_models)
    for step in others:
        compile_later.schedule(
            functools.partial(_call_undone, step, params, random_streams)
        )


def _call_undone(step, params, random_streams):
    """``step(0)``, then the parameters and the generators put back."""
    saved = [param.get_value(borrow=False) for param in params]
    rng_states = random_streams.get_state() if random_streams is not None else None
    step(0)
    for param, value in zip(params, saved):
        param.set_value(value, borrow=True)
    if random_streams is not None:
        random_streams.set_state(rng_states)
