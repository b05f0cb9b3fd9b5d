"""The RNN-RBM: modelling and generating polyphonic music (Nottingham folk tunes).

A piece of music becomes a *piano roll*: a binary vector :math:`v^{(t)}` of
88 notes (MIDI numbers 21 to 108, a piano's keys) for every time step of
``dt`` = 0.3 seconds (see :mod:`deeplearning_tutorials.machinery.midi`). The
RNN-RBM is a density model of such sequences: at every step a restricted
Boltzmann machine (see :mod:`deeplearning_tutorials.rbm`) models
:math:`v^{(t)}` given the past, because its biases depend on the hidden
state :math:`u^{(t-1)}` of a recurrent network that has read the sequence
so far,

.. math::

    b_v^{(t)} = b_v + W_{uv} u^{(t-1)}, \\qquad
    b_h^{(t)} = b_h + W_{uh} u^{(t-1)}, \\qquad
    u^{(t)} = \\tanh(b_u + W_{uu} u^{(t-1)} + W_{vu} v^{(t)}),

and :math:`P(\\{v^{(t)}\\}) = \\prod_t P(v^{(t)} | v^{(\\tau < t)})`, each
factor the marginal of one conditional RBM. An RBM can model many notes
sounding together (a chord) where a network with independent outputs
cannot.

*Training* (:func:`build_rnnrbm`): given a sequence, the recurrence is
deterministic, so one ``scan`` computes all the :math:`b_v^{(t)},
b_h^{(t)}` at once; the conditional RBMs are then trained together, like
the examples of a minibatch, by contrastive divergence with a 15-step Gibbs
chain (:func:`build_rbm`), and the gradient flows back through the
recurrence. *Generation* runs the recurrence step by step: a 25-step Gibbs
chain from silence samples each :math:`v^{(t)}`, which is fed back into the
recurrence, 200 steps (one minute) in all.

Run it with ``python -m deeplearning_tutorials.rnnrbm``: it trains on the
694 training tunes of the Nottingham database (``--data-dir``, or
downloaded and verified), prints ``Epoch i/200`` and the epoch's mean
frame-level pseudo-log-likelihood after every epoch, then writes two
generated pieces, ``sample1.mid`` and ``sample2.mid``, with their piano
rolls as PNG images.

This is a faithful port of the original ``code/rnnrbm.py``, which is the
specification: the same seeds (NumPy's ``0xbeef``, then Theano's MRG
streams seeded from it), the same random draws in the same order, so that a
run in float64 prints the original's numbers. Two things the original did
through globals are explicit here: the NumPy generator it seeded at import
(``numpy_rng``) and its module-level ``rng`` of MRG streams.

References: N. Boulanger-Lewandowski, Y. Bengio and P. Vincent, *Modeling
Temporal Dependencies in High-Dimensional Sequences: Application to
Polyphonic Music Generation and Transcription*, ICML 2012.
"""

import os
import timeit
import warnings
from dataclasses import asdict, dataclass, field

import numpy
import pytensor
import pytensor.tensor as pt
from pytensor.link.basic import JITLinker

from deeplearning_tutorials.machinery import checkpoint, cli, startup, training
from deeplearning_tutorials.machinery.errors import InputError, signal_name
from deeplearning_tutorials.machinery.midi import (
    midiwrite,
    nottingham_files,
    nottingham_source,
    piano_rolls,
)
from deeplearning_tutorials.rng_mrg import MRG_RandomStreams as RandomStreams
from tile_utils import save_png

#: the original seeded NumPy's global generator with this at import
SEED = 0xBEEF


def theano_sigmoid(x):
    """The logistic sigmoid as Theano's C code computed it: exactly 1 above
    19 (15 in float32) and exactly 0 below -709 (-88), ``1 / (1 + exp(-x))``
    in between.

    The clipping matters to the monitored cost: a visible unit whose
    probability is exactly 1 but which is 0 in the data contributes
    ``log(0) = -inf``, a way for the published run to print ``Epoch 198/200
    -inf`` (PyTensor's own sigmoid never reaches 1 there, and its rewrites
    would turn ``log(sigmoid(x))`` into a softplus).
    """
    high, low = (15.0, -88.0) if x.dtype == "float32" else (19.0, -709.0)
    one, zero = pt.ones_like(x), pt.zeros_like(x)
    return pt.switch(pt.gt(x, high), one, pt.switch(pt.lt(x, low), zero, pt.sigmoid(x)))


def _scan(*args, **kwargs):
    """``pytensor.scan`` returning ``(outputs, updates)``, whose step may draw
    from the MRG streams: ``scan`` carries their states through the loop and
    returns their updates, which PyTensor keeps but warns are deprecated."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pytensor.scan(*args, **kwargs)


# start-snippet-1
def build_rbm(v, W, bv, bh, k, rng):
    """Construct a k-step Gibbs chain starting at v for an RBM.

    :param v: a vector, or a matrix of several chains run in parallel (one
        per row: here one per time step of a sequence)
    :param W: the weight matrix of the RBM
    :param bv: the visible biases (a vector, or one row per chain)
    :param bh: the hidden biases (a vector, or one row per chain)
    :param k: the length of the Gibbs chain
    :param rng: the MRG streams the samples are drawn from (a module-level
        global in the original)
    :returns: ``(v_sample, cost, monitor, updates)``: the chain's last
        sample (same shape as ``v``); a cost whose gradient with respect to
        ``W, bv, bh``, ``v_sample`` held constant, is the CD-k estimate of
        the log-likelihood gradient of ``v`` (averaged over the chains); the
        monitor, which the original calls a pseudo-log-likelihood: the
        log-probability of ``v`` under the visible means of one more Gibbs
        step from ``v_sample``, averaged likewise; the chain's updates of the
        streams
    """

    def gibbs_step(v):
        mean_h = theano_sigmoid(pt.dot(v, W) + bh)
        h = rng.binomial(size=mean_h.shape, n=1, p=mean_h, dtype=pytensor.config.floatX)
        mean_v = theano_sigmoid(pt.dot(h, W.T) + bv)
        v = rng.binomial(size=mean_v.shape, n=1, p=mean_v, dtype=pytensor.config.floatX)
        return mean_v, v

    chain, updates = _scan(lambda v: gibbs_step(v)[1], outputs_info=[v], n_steps=k)
    v_sample = chain[-1]

    mean_v = gibbs_step(v_sample)[0]
    monitor = _xlogy0(v, mean_v) + _xlogy0(1 - v, 1 - mean_v)
    monitor = monitor.sum() / v.shape[0]

    def free_energy(v):
        return -(v * bv).sum() - pt.log(1 + pt.exp(pt.dot(v, W) + bh)).sum()

    cost = (free_energy(v) - free_energy(v_sample)) / v.shape[0]

    return v_sample, cost, monitor, dict(updates)
    # end-snippet-1


def _xlogy0(x, y):
    """``x * log(y)``, and 0 where ``x`` is 0 (Theano's ``xlogy0``)."""
    return pt.switch(pt.eq(x, 0), pt.zeros_like(y), x * pt.log(y))


def shared_normal(num_rows, num_cols, scale=1, numpy_rng=None, name=None):
    """A matrix shared variable of normally distributed elements, drawn
    from ``numpy_rng`` (NumPy's global generator in the original)."""
    numpy_rng = numpy_rng or numpy.random
    return pytensor.shared(
        numpy_rng.normal(scale=scale, size=(num_rows, num_cols)).astype(
            pytensor.config.floatX
        ),
        name=name,
    )


def shared_zeros(*shape, name=None):
    """A shared variable of zeros."""
    return pytensor.shared(numpy.zeros(shape, dtype=pytensor.config.floatX), name=name)


# start-snippet-2
def build_rnnrbm(n_visible, n_hidden, n_hidden_recurrent, numpy_rng, rng):
    """Construct a symbolic RNN-RBM and initialize its parameters.

    :param n_visible: number of visible units (notes)
    :param n_hidden: number of hidden units of the conditional RBMs
    :param n_hidden_recurrent: number of hidden units of the RNN
    :param numpy_rng: draws the initial weights
    :param rng: the MRG streams of the Gibbs chains
    :returns: ``(v, v_sample, cost, monitor, params, updates_train, v_t,
        updates_generate)``: the input sequence (a matrix, one row per time
        step); the negative particles of the CD estimate; the cost whose
        gradient (``v_sample`` held constant) is the log-likelihood
        gradient; the frame-level pseudo-log-likelihood; the parameters;
        the updates the training function needs; a generated sequence of
        200 steps and the updates its function needs
    """
    W = shared_normal(n_visible, n_hidden, 0.01, numpy_rng, "W")
    bv = shared_zeros(n_visible, name="bv")
    bh = shared_zeros(n_hidden, name="bh")
    Wuh = shared_normal(n_hidden_recurrent, n_hidden, 0.0001, numpy_rng, "Wuh")
    Wuv = shared_normal(n_hidden_recurrent, n_visible, 0.0001, numpy_rng, "Wuv")
    Wvu = shared_normal(n_visible, n_hidden_recurrent, 0.0001, numpy_rng, "Wvu")
    Wuu = shared_normal(
        n_hidden_recurrent, n_hidden_recurrent, 0.0001, numpy_rng, "Wuu"
    )
    bu = shared_zeros(n_hidden_recurrent, name="bu")

    params = W, bv, bh, Wuh, Wuv, Wvu, Wuu, bu  # learned parameters as shared
    # variables

    v = pt.matrix("v")  # a training sequence
    u0 = pt.zeros((n_hidden_recurrent,))  # initial value for the RNN hidden
    # units

    # If `v_t` is given, deterministic recurrence to compute the variable
    # biases bv_t, bh_t at each time step. If `v_t` is None, same recurrence
    # but with a separate Gibbs chain at each time step to sample (generate)
    # from the RNN-RBM. The resulting sample v_t is returned in order to be
    # passed down to the sequence history.
    def recurrence(v_t, u_tm1):
        bv_t = bv + pt.dot(u_tm1, Wuv)
        bh_t = bh + pt.dot(u_tm1, Wuh)
        generate = v_t is None
        if generate:
            v_t, _, _, updates = build_rbm(
                pt.zeros((n_visible,)), W, bv_t, bh_t, k=25, rng=rng
            )
        u_t = pt.tanh(bu + pt.dot(v_t, Wvu) + pt.dot(u_tm1, Wuu))
        return ([v_t, u_t], updates) if generate else [u_t, bv_t, bh_t]

    # For training, the deterministic recurrence is used to compute all the
    # {bv_t, bh_t, 1 <= t <= T} given v. Conditional RBMs can then be trained
    # in batches using those parameters.
    (u_t, bv_t, bh_t), updates_train = _scan(
        lambda v_t, u_tm1, *_: recurrence(v_t, u_tm1),
        sequences=v,
        outputs_info=[u0, None, None],
        non_sequences=params,
    )
    v_sample, cost, monitor, updates_rbm = build_rbm(
        v, W, bv_t[:], bh_t[:], k=15, rng=rng
    )
    updates_train = dict(updates_train)
    updates_train.update(updates_rbm)

    # symbolic loop for sequence generation
    (v_t, u_t), updates_generate = _scan(
        lambda u_tm1, *_: recurrence(None, u_tm1),
        outputs_info=[None, u0],
        non_sequences=params,
        n_steps=200,
    )

    return (
        v,
        v_sample,
        cost,
        monitor,
        params,
        updates_train,
        v_t,
        dict(updates_generate),
    )
    # end-snippet-2


@dataclass
class TrainingState:
    """Where a training run stands after ``epoch`` epochs: all a
    checkpoint holds besides the parameters."""

    epoch: int = 0
    costs: list = field(default_factory=list)  # the printed mean, per epoch
    epoch_seconds: list = field(default_factory=list)
    order: list = field(default_factory=list)  # the shuffled training set
    numpy_rng_state: dict = field(default_factory=dict)  # the shuffles' generator
    rng_states: list = field(default_factory=list)  # the MRG streams
    seconds: float = 0.0
    interrupted: str = ""  # the stop signal's name, if training was stopped

    def as_record(self, **extra):
        """A JSON-ready dict, for :func:`training.write_record`."""
        return {
            "epochs": self.epoch,
            "costs_per_epoch": self.costs,
            "seconds_per_epoch": self.epoch_seconds,
            "seconds": self.seconds,
            **({"interrupted": self.interrupted} if self.interrupted else {}),
            **extra,
        }


_STATE_RULES = {
    "epoch": checkpoint.is_count,
    # a cost may be -inf (the original printed "Epoch 198/200 -inf")
    "costs": lambda v: checkpoint.is_list_of(
        lambda c: checkpoint.is_number(c, -numpy.inf, numpy.inf), v
    ),
    "epoch_seconds": lambda v: checkpoint.is_list_of(checkpoint.is_seconds, v),
    "order": lambda v: checkpoint.is_list_of(checkpoint.is_count, v),
    "numpy_rng_state": lambda v: isinstance(v, dict),
    "rng_states": lambda v: checkpoint.is_list_of(lambda s: isinstance(s, dict), v),
    "seconds": checkpoint.is_seconds,
    "interrupted": lambda v: isinstance(v, str),
}


# start-snippet-3
class RnnRbm:
    """Simple class to train an RNN-RBM from MIDI files and to generate
    sample sequences."""

    def __init__(
        self,
        n_hidden=150,
        n_hidden_recurrent=100,
        lr=0.001,
        r=(21, 109),
        dt=0.3,
        numpy_rng=None,
        rng=None,
    ):
        """Construct and compile the training and generation functions.

        :param n_hidden: number of hidden units of the conditional RBMs
        :param n_hidden_recurrent: number of hidden units of the RNN
        :param lr: learning rate
        :param r: the pitch range of the piano roll in MIDI note numbers,
            including ``r[0]`` but not ``r[1]``: ``r[1] - r[0]`` visible
            units; the default ``(21, 109)`` is a piano's 88 keys
        :param dt: the sampling period of the piano rolls in seconds (the
            time between consecutive steps)
        :param numpy_rng: a ``numpy.random.RandomState``; draws the seed of
            the MRG streams, the initial weights and the shuffles of the
            training set, in this order (default: seeded with ``0xbeef``, as
            the original seeded NumPy at import)
        :param rng: the MRG streams (default: seeded with
            ``numpy_rng.randint(1 << 30)``, as the original)
        """
        self.numpy_rng = numpy_rng or numpy.random.RandomState(SEED)
        self.rng = rng or RandomStreams(seed=self.numpy_rng.randint(1 << 30))
        self.r = tuple(r)
        self.dt = dt
        v, v_sample, cost, monitor, params, updates_train, v_t, updates_generate = (
            build_rnnrbm(
                r[1] - r[0], n_hidden, n_hidden_recurrent, self.numpy_rng, self.rng
            )
        )
        self.params = params
        self.settings = dict(
            n_hidden=n_hidden,
            n_hidden_recurrent=n_hidden_recurrent,
            lr=lr,
            r=list(r),
            dt=dt,
        )

        gradient = pytensor.grad(cost, params, consider_constant=[v_sample])
        updates_train.update((p, p - lr * g) for p, g in zip(params, gradient))
        # the draws outside the scans (the monitor's extra Gibbs step) advance
        # their streams too, as Theano's default updates did
        updates_train.update(self.rng.updates_for([monitor]))
        self.train_function = pytensor.function(
            [v], monitor, updates=updates_train, name="train_function"
        )
        self.generate_function = pytensor.function(
            [], v_t, updates=updates_generate, name="generate_function"
        )
        # end-snippet-3
        if isinstance(self.train_function.maker.linker, JITLinker):
            self._warm_up(r[1] - r[0])

    def _warm_up(self, n_visible):
        """Call both functions once, so that a backend that compiles on the
        first call (Numba, JAX) does it now, as Theano compiled in
        ``theano.function``, and the first epoch's time is the training's;
        then put the parameters and the streams back, so that the run that
        follows is the one that would have happened."""
        values = [p.get_value() for p in self.params]
        streams = self.rng.get_state()
        self.train_function(numpy.zeros((1, n_visible), dtype=pytensor.config.floatX))
        self.generate_function()
        for param, value in zip(self.params, values):
            param.set_value(value)
        self.rng.set_state(streams)

    def train(
        self, files, batch_size=100, num_epochs=200, checkpointer=None, resume=False
    ):
        """Train the RNN-RBM by stochastic gradient descent on MIDI files.

        :param files: the MIDI files (paths or binary file objects), read as
            piano rolls
        :param batch_size: each sequence is cut into subsequences of at most
            this many steps, one SGD update each
        :param num_epochs: passes over the training set; Ctrl-C stops
            training safely at any time (between updates), as in the original
        :param checkpointer: saves the run at every epoch end
        :param resume: continue from the checkpointer's file, if any
        :returns: the :class:`TrainingState` at the end
        """
        if not files:
            raise InputError(
                "Training set is empty! (did you download the data files?)"
            )
        dataset = [
            roll.astype(pytensor.config.floatX)
            for roll in piano_rolls(files, self.r, self.dt)
        ]
        return self.train_on_rolls(
            dataset, batch_size, num_epochs, checkpointer, resume
        )

    def train_on_rolls(
        self, dataset, batch_size=100, num_epochs=200, checkpointer=None, resume=False
    ):
        """:meth:`train` on piano rolls already read (a list of matrices)."""
        state = self._restored(checkpointer, resume, len(dataset))
        # The original shuffled `dataset` itself, epoch after epoch; shuffling
        # the list of its indices draws the same numbers and gives the same
        # order, which a checkpoint can hold.
        order = state.order or list(range(len(dataset)))
        n_updates = sum(-(-len(sequence) // batch_size) for sequence in dataset)
        start = timeit.default_timer()
        with training._stop_flag() as stop:
            # start-snippet-4
            while state.epoch < num_epochs and not stop:
                epoch_start = timeit.default_timer()
                self.numpy_rng.shuffle(order)
                costs = []
                bar = training._progress(n_updates, state.epoch + 1, 0)
                for sequence in (dataset[index] for index in order):
                    for i in range(0, len(sequence), batch_size):
                        startup.first_step()
                        cost = self.train_function(sequence[i : i + batch_size])
                        costs.append(cost)
                        if bar is not None:
                            bar.update()
                        if stop:
                            break
                    if stop:
                        break
                if bar is not None:
                    bar.close()
                if stop:
                    print("Interrupted by user.", flush=True)
                    state.interrupted = signal_name(stop[0])
                    break

                print("Epoch %i/%i" % (state.epoch + 1, num_epochs))
                print(numpy.mean(costs), flush=True)
                # end-snippet-4
                training._check_finite(self.params, f"epoch {state.epoch + 1}")
                state.costs.append(float(numpy.mean(costs)))
                state.epoch_seconds.append(timeit.default_timer() - epoch_start)
                state.order = list(order)
                state.epoch += 1
                start = self._save(checkpointer, state, start)
        state.seconds += timeit.default_timer() - start
        self.training = state
        return state

    def _save(self, checkpointer, state, start):
        """Save ``state`` if a checkpointer is given; the new clock start."""
        now = timeit.default_timer()
        state.seconds += now - start
        if checkpointer is not None:
            state.numpy_rng_state = _random_state_as_json(self.numpy_rng)
            state.rng_states = self.rng.get_state()
            checkpointer.save(asdict(state))
        return now

    def _restored(self, checkpointer, resume, n_sequences):
        """The saved state (generators and parameters restored), or a fresh one."""
        if checkpointer is None or not checkpointer.exists():
            return TrainingState()
        if not resume:
            raise checkpoint.existing_checkpoint_error(checkpointer.path)
        saved, _ = checkpointer.restore()
        state = checkpoint.restored_state(
            checkpointer.path, saved, TrainingState, _STATE_RULES, what="an RNN-RBM run"
        )
        if (
            sorted(state.order) != list(range(n_sequences))
            or len(state.costs) != state.epoch
        ):
            raise checkpoint.ModelFileError(
                f"{checkpointer.path}: damaged checkpoint (its {len(state.order)} "
                f"sequences and {state.epoch} epochs do not fit this run of "
                f"{n_sequences} sequences)"
            )
        try:
            _set_random_state(self.numpy_rng, state.numpy_rng_state)
            self.rng.set_state(state.rng_states)
        except (TypeError, ValueError, KeyError, OverflowError):
            raise checkpoint.ModelFileError(
                f"{checkpointer.path}: damaged checkpoint (the random generators' state)"
            ) from None
        state.interrupted = ""
        print(f"... resuming after epoch {state.epoch} from {checkpointer.path}")
        return state

    def generate(self, filename, show=True):
        """Generate a sample sequence, save it as a MIDI file and its piano
        roll as a PNG image.

        :param filename: the MIDI file to write
        :param show: also draw the piano roll, as ``filename`` with ``.png``
            for ``.mid`` (the original showed it in a pylab window)
        :returns: the generated piano roll, 200 steps of ``r[1] - r[0]`` notes
        """
        piano_roll = self.generate_function()
        midiwrite(filename, piano_roll, self.r, self.dt)
        if show:
            save_png(
                piano_roll_image(piano_roll), os.path.splitext(filename)[0] + ".png"
            )
        return piano_roll


def _random_state_as_json(numpy_rng):
    """The state of a ``numpy.random.RandomState``, as JSON-able values."""
    name, keys, pos, has_gauss, cached_gaussian = numpy_rng.get_state()
    return {
        "name": name,
        "keys": [int(key) for key in keys],
        "pos": int(pos),
        "has_gauss": int(has_gauss),
        "cached_gaussian": float(cached_gaussian),
    }


def _set_random_state(numpy_rng, saved):
    numpy_rng.set_state(
        (
            saved["name"],
            numpy.array(saved["keys"], dtype=numpy.uint32),
            saved["pos"],
            saved["has_gauss"],
            saved["cached_gaussian"],
        )
    )


def piano_roll_image(piano_roll, scale=3):
    """A piano roll as a ``uint8`` image, as the original plotted it: time
    to the right, pitch upwards, sounding notes black on white, each step
    and note ``scale`` pixels wide."""
    notes_up = numpy.asarray(piano_roll).T[::-1]
    image = numpy.where(notes_up > 0, 0, 255).astype(numpy.uint8)
    return image.repeat(scale, axis=0).repeat(scale, axis=1)


# start-snippet-5
def test_rnnrbm(
    batch_size=100,
    num_epochs=200,
    n_hidden=150,
    n_hidden_recurrent=100,
    lr=0.001,
    r=(21, 109),
    dt=0.3,
    data_dir=None,
    checkpoint_dir=None,
    resume=False,
):
    """Train an RNN-RBM on the training tunes of the Nottingham database.

    :param batch_size: steps per SGD update (longer sequences are cut)
    :param num_epochs: passes over the training set
    :param n_hidden, n_hidden_recurrent, lr, r, dt: see :class:`RnnRbm`
    :param data_dir: where Nottingham is (see
        :func:`~deeplearning_tutorials.machinery.midi.nottingham_source`);
        ``None``: downloaded, and verified, into ``~/.cache``
    :param checkpoint_dir: if given, the run is saved there at every epoch end
    :param resume: continue the run saved in ``checkpoint_dir``
    :returns: the trained :class:`RnnRbm`; its ``training`` is the
        :class:`TrainingState` (costs and seconds per epoch)
    """
    files = nottingham_files(data_dir, "train")
    model = RnnRbm(n_hidden, n_hidden_recurrent, lr, r, dt)
    checkpointer = training.checkpointer_for(
        checkpoint_dir,
        "RnnRbm",
        model.params,
        dataset=str(nottingham_source(data_dir)),
        batch_size=batch_size,
        **model.settings,
    )
    model.train(
        files,
        batch_size=batch_size,
        num_epochs=num_epochs,
        checkpointer=checkpointer,
        resume=resume,
    )
    return model
    # end-snippet-5


def train_and_generate(
    batch_size=100,
    num_epochs=200,
    n_hidden=150,
    n_hidden_recurrent=100,
    lr=0.001,
    r=(21, 109),
    dt=0.3,
    data_dir=None,
    output_folder="rnnrbm_samples",
    results_json=None,
    checkpoint_dir=None,
    resume=False,
):
    """The program: :func:`test_rnnrbm`, then two generated pieces,
    ``sample1.mid`` and ``sample2.mid`` in ``output_folder``, with their
    piano rolls as PNG images, as the original's ``__main__`` did.

    Stopped by Ctrl-C (or SIGTERM), training ends between two updates and
    the pieces are generated from the model as it is, as in the original;
    then the run ends as an interrupted one (its checkpoint, if any, holds
    the last epoch end).
    """
    model = test_rnnrbm(
        batch_size,
        num_epochs,
        n_hidden,
        n_hidden_recurrent,
        lr,
        r,
        dt,
        data_dir,
        checkpoint_dir,
        resume,
    )
    start = timeit.default_timer()
    samples = [
        os.path.join(output_folder, name) for name in ("sample1.mid", "sample2.mid")
    ]
    for sample in samples:
        model.generate(sample)
    generating_seconds = timeit.default_timer() - start
    state = model.training
    training.write_record(
        results_json,
        state,
        model="rnnrbm",
        batch_size=batch_size,
        num_epochs=num_epochs,
        **model.settings,
        samples=samples,
        generating_seconds=generating_seconds,
        data_dir=None if data_dir is None else str(data_dir),
    )
    if state.interrupted:
        raise training.TrainingInterrupted(
            f"interrupted by {state.interrupted} in epoch {state.epoch + 1}",
            _signal_number(state.interrupted),
        )
    return state


def _signal_number(name):
    import signal

    return signal.SIGINT if name == "Ctrl-C" else signal.Signals[name].value


def main(argv=None):
    parser = cli.make_parser(
        "rnnrbm",
        "Train an RNN-RBM on the Nottingham folk tunes (MIDI), printing the mean "
        "frame-level pseudo-log-likelihood after every epoch, then generate two "
        "pieces (MIDI files and piano-roll images).",
        data=False,
        # NUMBA, the default, stays: a training update (100 steps, 88-150-100
        # units, float32) took 8 ms of CPU under Numba against 11 ms under CVM,
        # and a generated piece 0.03 s against 0.9 s (results/rnnrbm_speed.json).
        # One BLAS thread: the products are small (100 x 88 by 88 x 150), and
        # with two threads on a busy 2-core machine an update took ten times
        # longer (280 ms against 26 ms, CVM).
        default_blas_threads=1,
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="a folder holding Nottingham's train/, valid/ and test/ folders of MIDI "
        "files, or Nottingham.zip (read as it is); without it the zip is downloaded "
        "from the original tutorial's address into ~/.cache/deeplearning_tutorials "
        "and checked against its SHA-256",
    )
    parser.add_argument(
        "--num-epochs",
        type=cli.positive_int,
        default=200,
        help="passes over the training set",
    )
    parser.add_argument(
        "--batch-size",
        type=cli.positive_int,
        default=100,
        help="time steps per SGD update: longer sequences are cut into pieces",
    )
    parser.add_argument(
        "--lr", type=cli.positive_float, default=0.001, help="learning rate"
    )
    parser.add_argument(
        "--n-hidden",
        type=cli.positive_int,
        default=150,
        help="hidden units of the conditional RBMs",
    )
    parser.add_argument(
        "--n-hidden-recurrent",
        type=cli.positive_int,
        default=100,
        help="hidden units of the RNN",
    )
    parser.add_argument(
        "--r",
        type=cli.non_negative_int,
        nargs=2,
        metavar=("LOW", "HIGH"),
        default=[21, 109],
        help="the MIDI notes modelled: LOW to HIGH - 1 (the default is a piano's 88 keys)",
    )
    parser.add_argument(
        "--dt",
        type=cli.positive_float,
        default=0.3,
        help="seconds per time step of the piano rolls",
    )
    cli.add_output_folder_argument(parser, "rnnrbm_samples")
    args = parser.parse_args(argv)
    if not args.r[0] < args.r[1] <= 128:
        parser.error(
            f"--r: expected 0 <= LOW < HIGH <= 128, got {args.r[0]} {args.r[1]}"
        )
    args.r = tuple(args.r)
    return cli.run(train_and_generate, args)


if __name__ == "__main__":
    main()
