"""What the stacked autoencoders (SdA) and the deep belief network (DBN) share.

Both are a multilayer perceptron of sigmoid layers with a logistic regression
on top, in which every hidden layer is paired with an unsupervised model (a
dA or an RBM) that holds the *same* weights and hidden biases. Both train in
two phases: the unsupervised models, layer by layer (pre-training), then the
whole perceptron with the labels (fine-tuning). This module builds the stack
and runs the two phases; the two tutorials supply the unsupervised model.
"""

import os
import sys

import pytensor.tensor as pt

from deeplearning_tutorials.machinery import pretraining, reuse, training
from deeplearning_tutorials.logistic_sgd import LogisticRegression
from deeplearning_tutorials.mlp import HiddenLayer


def build_stack(net, numpy_rng, n_ins, hidden_layers_sizes, n_outs, pair_with):
    """Build ``net``'s layers; return the unsupervised models, one per layer.

    Sets ``net.x``, ``net.y``, ``net.n_layers``, ``net.sigmoid_layers``,
    ``net.logLayer``, ``net.params`` (the perceptron's parameters),
    ``net.finetune_cost`` and ``net.errors``. For every hidden layer ``i``,
    ``pair_with(layer_input, n_in, n_out, sigmoid_layer)`` builds the
    unsupervised model that shares ``sigmoid_layer``'s weights; the weights
    are drawn from ``numpy_rng`` layer by layer, in the original order.
    """
    net.n_layers = len(hidden_layers_sizes)
    if net.n_layers == 0:
        raise ValueError(f"a {type(net).__name__} needs at least one hidden layer")
    net.x = pt.matrix("x")  # the data, as rasterised images
    net.y = pt.ivector("y")  # the labels
    net.sigmoid_layers, net.params, paired = [], [], []
    for i, n_out in enumerate(hidden_layers_sizes):
        # the input of layer i is the data (i = 0) or the layer below's output
        n_in = n_ins if i == 0 else hidden_layers_sizes[i - 1]
        layer_input = net.x if i == 0 else net.sigmoid_layers[-1].output
        sigmoid_layer = HiddenLayer(
            rng=numpy_rng,
            input=layer_input,
            n_in=n_in,
            n_out=n_out,
            activation=pt.sigmoid,
        )
        net.sigmoid_layers.append(sigmoid_layer)
        net.params.extend(sigmoid_layer.params)
        paired.append(pair_with(layer_input, n_in, n_out, sigmoid_layer))

    net.logLayer = LogisticRegression(
        input=net.sigmoid_layers[-1].output, n_in=hidden_layers_sizes[-1], n_out=n_outs
    )
    net.params.extend(net.logLayer.params)
    # the fine-tuning cost, and the zero-one loss of a minibatch
    net.finetune_cost = net.logLayer.negative_log_likelihood(net.y)
    net.errors = net.logLayer.errors(net.y)
    return paired


def pretrain_then_finetune(
    net,
    steps,
    visible_biases,
    log_line,
    datasets,
    pretraining_epochs,
    finetune_lr,
    training_epochs,
    batch_size,
    patience,
    checkpoint_dir,
    resume,
    settings,
    script_file,
    finetuning_line="... finetuning the model",
):
    """Run both phases of a stack; return the fine-tuning result.

    :param steps: one pre-training function per layer, ``steps[i](index)``
    :param visible_biases: the unsupervised models' own parameters (trained
        in pre-training, not part of the perceptron)
    :param log_line: the pre-training log line, as for
        :func:`~deeplearning_tutorials.machinery.pretraining.pretrain_layers`
    :param patience: minibatches the fine-tuning looks at regardless
    :param settings: the run's hyper-parameters (checkpoints, record)
    :param finetuning_line: printed when the fine-tuning starts (the SdA's
        original spells it ``... finetunning the model``)
    :returns: ``(pretraining_result, finetuning_result)``
    """
    name = type(net).__name__
    n_batches = training.count_batches(datasets, batch_size)
    pretrained_params = net.params + list(visible_biases)
    pretraining_checkpointer = training.checkpointer_for(
        checkpoint_dir, name, pretrained_params, file_name="pretraining.npz", **settings
    )
    finetuning_checkpointer = training.checkpointer_for(
        checkpoint_dir, name, net.params, **settings
    )
    if resume and checkpoint_dir is not None:
        # both phases' files are checked now: one this run could not
        # continue (another model's, other settings or data) is refused
        # before the pre-training, not after it
        pretraining_checkpointer.check()
        finetuning_checkpointer.check()
    pretraining.warm_up_steps(steps, pretrained_params, net.theano_rng)
    pretrained = pretraining.pretrain_layers(
        steps,
        n_batches[0],
        pretraining_epochs,
        log_line=log_line,
        params=pretrained_params,
        random_streams=net.theano_rng,
        checkpointer=pretraining_checkpointer,
        resume=resume,
    )
    print(
        "The pretraining code for file %s ran for %.2fm"
        % (os.path.basename(script_file), pretrained.seconds / 60.0),
        file=sys.stderr,
    )

    print("... getting the finetuning functions")
    # the learning rate as a shared variable, so that the trials of a sweep
    # that differ only in it reuse one compiled function (the pre-training
    # functions take theirs as an input, as in the original)
    train_fn, _, _ = net.build_finetune_functions(
        datasets=datasets,
        batch_size=batch_size,
        learning_rate=reuse.hyperparameter(finetune_lr, "finetune_lr"),
    )
    print(finetuning_line)
    result = training.train_with_early_stopping(
        (train_fn, *net.minibatch_scores),
        n_batches,
        n_epochs=training_epochs,
        patience=patience,
        patience_increase=2.0,  # wait this much longer when a new best is found
        improvement_threshold=0.995,  # a relative improvement this large counts
        params=net.params,
        checkpointer=finetuning_checkpointer,
        resume=resume,
        batch_size=batch_size,  # for exact error means under JAX
    )
    return pretrained, result


def with_defaults(fn, **defaults):
    """``fn(index, *values)``, callable with keywords that have defaults.

    Theano gave function inputs default values (``theano.In(lr, value=0.1)``);
    PyTensor no longer does, so this closure supplies them:
    ``with_defaults(fn, lr=0.1)`` can be called as ``(index)``,
    ``(index, 0.05)`` or ``(index, lr=0.05)``.
    """
    names = list(defaults)

    def call(index, *args, **kwargs):
        unknown = sorted(set(kwargs) - set(names))
        if unknown or len(args) > len(names):
            raise TypeError(
                f"a training function takes (index, {', '.join(names)}); "
                f"got {len(args)} more positional and {unknown or 'no'} unknown keywords"
            )
        values = dict(defaults, **dict(zip(names, args)), **kwargs)
        return fn(index, *[values[name] for name in names])

    call.defaults = dict(defaults)
    call.function = fn  # the compiled function, e.g. for profiling
    return call
