"""Stacked denoising autoencoders (SdA) on MNIST.

Denoising autoencoders (:mod:`deeplearning_tutorials.dA`) can be stacked to
form a deep network: the code of the autoencoder of layer ``k`` is the input
of the autoencoder of layer ``k + 1``. Training has two phases.

1. **Unsupervised pre-training**, one layer at a time: each layer is trained
   as a denoising autoencoder to reconstruct its (corrupted) input.
2. **Supervised fine-tuning**: a logistic regression layer is put on top and
   the whole network is trained as a multilayer perceptron, by minibatch SGD
   with early stopping, to predict the labels.

The two phases share their parameters: the autoencoder of layer ``k`` and
the sigmoid layer ``k`` of the perceptron hold the *same* weight matrix and
hidden bias, so pre-training initialises the perceptron.

Run it with ``python -m deeplearning_tutorials.SdA``.

References: P. Vincent, H. Larochelle, Y. Bengio and P.-A. Manzagol,
*Extracting and Composing Robust Features with Denoising Autoencoders*,
ICML 2008; Y. Bengio, P. Lamblin, D. Popovici and H. Larochelle, *Greedy
Layer-Wise Training of Deep Networks*, NIPS 2007.
"""

import functools

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery import cli, stacking, training
from deeplearning_tutorials.dA import dA
from deeplearning_tutorials.machinery.data import DEFAULT_DATASET, load_data, minibatch
from deeplearning_tutorials.machinery.noise import make_random_streams


# start-snippet-1
class SdA:
    """A stack of denoising autoencoders topped by a logistic regression.

    The sigmoid layers (``sigmoid_layers``) and the output layer
    (``logLayer``) form the perceptron that is fine-tuned; each of the
    ``dA_layers`` shares its weights and hidden biases with one sigmoid
    layer and is only used for pre-training. ``params`` holds the
    perceptron's parameters (the autoencoders' visible biases are not part
    of it).
    """

    def __init__(
        self,
        numpy_rng,
        theano_rng=None,
        n_ins=784,
        hidden_layers_sizes=[500, 500],
        n_outs=10,
        corruption_levels=[0.1, 0.1],
    ):
        """Build the stack.

        :type numpy_rng: numpy.random.RandomState
        :param numpy_rng: draws the initial weights
        :param theano_rng: the symbolic noise source
            (see :mod:`deeplearning_tutorials.machinery.noise`); if ``None``, Theano's
            MRG streams seeded with ``numpy_rng.randint(2 ** 30)``
        :param n_ins: dimension of the input
        :param hidden_layers_sizes: the size of each hidden layer (at least one)
        :param n_outs: number of classes
        :param corruption_levels: the corruption of each layer's autoencoder
            (kept for the original signature; the pre-training functions
            take the corruption as an input)
        """
        if theano_rng is None:
            theano_rng = make_random_streams(numpy_rng.randint(2**30))
        self.theano_rng = theano_rng
        # end-snippet-1

        # start-snippet-2
        def autoencoder(layer_input, n_in, n_out, sigmoid_layer):
            # shares W and the hidden bias with the sigmoid layer
            return dA(
                numpy_rng=numpy_rng,
                theano_rng=theano_rng,
                input=layer_input,
                n_visible=n_in,
                n_hidden=n_out,
                W=sigmoid_layer.W,
                bhid=sigmoid_layer.b,
            )

        # the sigmoid layers, the logistic layer on top, and one dA per layer
        self.dA_layers = stacking.build_stack(
            self, numpy_rng, n_ins, hidden_layers_sizes, n_outs, autoencoder
        )
        # end-snippet-2

    def pretraining_functions(self, train_set_x, batch_size):
        """One training function per autoencoder, from the bottom up.

        ``fns[i](index, corruption=0.2, lr=0.1)`` runs one SGD step of the
        autoencoder of layer ``i`` on minibatch ``index`` and returns its
        reconstruction cost; the corruption level and the learning rate are
        inputs, so one compiled function serves any schedule.
        """
        index = pt.lscalar("index")
        corruption_level = pt.scalar("corruption")
        learning_rate = pt.scalar("lr")
        batch = minibatch(train_set_x, index, batch_size)
        pretrain_fns = []
        for autoencoder in self.dA_layers:
            cost, updates = autoencoder.get_cost_updates(
                corruption_level, learning_rate
            )
            fn = pytensor.function(
                inputs=[index, corruption_level, learning_rate],
                outputs=cost,
                updates=updates,
                givens={self.x: batch},
            )
            pretrain_fns.append(stacking.with_defaults(fn, corruption=0.2, lr=0.1))
        return pretrain_fns

    def build_finetune_functions(self, datasets, batch_size, learning_rate):
        """``(train_fn, valid_score, test_score)`` for the fine-tuning phase.

        ``train_fn(index)`` runs one SGD step of the whole perceptron on
        minibatch ``index`` and returns the cost; ``valid_score()`` and
        ``test_score()`` return the list of the errors of every minibatch of
        the validation and test sets.
        """
        return training.build_finetune_functions(
            self, datasets, batch_size, learning_rate
        )


def test_SdA(
    finetune_lr=0.1,
    pretraining_epochs=15,
    pretrain_lr=0.001,
    training_epochs=1000,
    dataset=DEFAULT_DATASET,
    batch_size=1,
    results_json=None,
    checkpoint_dir=None,
    resume=False,
    rng="mrg",
):
    """Pre-train a 784-1000-1000-1000-10 SdA layer by layer, then fine-tune it.

    :param finetune_lr: SGD step size of the fine-tuning phase
    :param pretraining_epochs: epochs of pre-training, for each layer
    :param pretrain_lr: SGD step size of the pre-training phase
    :param training_epochs: maximal number of fine-tuning epochs
    :param dataset: the path of the MNIST dataset file
    :param batch_size: examples per minibatch, in both phases
    :param results_json: if given, the result record is written there
    :param checkpoint_dir: if given, the run is saved there at every epoch end
    :param resume: continue the run saved in ``checkpoint_dir``
    :param rng: the noise of the pre-training: ``"mrg"``, the original's
        draws, or ``"pytensor"`` (see :mod:`deeplearning_tutorials.machinery.noise`)
    :returns: the fine-tuning
        :class:`~deeplearning_tutorials.machinery.training.TrainingResult`
    """
    datasets = load_data(dataset)
    n_train_batches = training.count_batches(datasets, batch_size)[0]
    settings = dict(
        rng=rng,
        finetune_lr=finetune_lr,
        pretraining_epochs=pretraining_epochs,
        pretrain_lr=pretrain_lr,
        batch_size=batch_size,
        dataset=str(dataset),
    )

    # start-snippet-3
    numpy_rng = numpy.random.RandomState(89677)
    print("... building the model")
    sda = SdA(
        numpy_rng=numpy_rng,
        # drawn first, as the constructor would draw it
        theano_rng=make_random_streams(numpy_rng.randint(2**30), rng),
        n_ins=28 * 28,
        hidden_layers_sizes=[1000, 1000, 1000],
        n_outs=10,
    )
    # end-snippet-3 start-snippet-4

    print("... getting the pretraining functions")
    pretraining_fns = sda.pretraining_functions(
        train_set_x=datasets[0][0], batch_size=batch_size
    )
    print("... pre-training the model")
    corruption_levels = [0.1, 0.2, 0.3]
    steps = [
        functools.partial(fn, corruption=corruption, lr=pretrain_lr)
        for fn, corruption in zip(pretraining_fns, corruption_levels)
    ]
    pretrained, result = stacking.pretrain_then_finetune(
        sda,
        steps,
        visible_biases=[layer.b_prime for layer in sda.dA_layers],
        log_line=lambda i, epoch, cost: (
            "Pre-training layer %i, epoch %d, cost %f" % (i, epoch, cost)
        ),
        datasets=datasets,
        pretraining_epochs=pretraining_epochs,
        finetune_lr=finetune_lr,
        training_epochs=training_epochs,
        batch_size=batch_size,
        patience=10 * n_train_batches,  # look at this many minibatches regardless
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        settings=settings,
        script_file=__file__,
        # the original's typo, kept: users diff their logs against the original's
        finetuning_line="... finetunning the model",
    )
    # end-snippet-4
    training.report_finetuning(result, __file__, "training")
    training.write_record(
        results_json,
        result,
        model="SdA",
        pretraining_costs_per_epoch=pretrained.costs,
        pretraining_seconds=pretrained.seconds,
        **settings,
    )
    return result


def main(argv=None):
    parser = cli.make_parser(
        "SdA",
        "Pre-train a stack of three denoising autoencoders (784-1000-1000-1000) "
        "on MNIST, then fine-tune it with a logistic regression on top.",
        default_mode="CVM",
        default_blas_threads=1,
    )
    cli.add_finetuning_arguments(
        parser,
        finetune_lr=0.1,
        pretraining_epochs=15,
        pretrain_lr=0.001,
        training_epochs=1000,
        batch_size=1,
    )
    cli.add_rng_argument(parser)
    return cli.run(test_SdA, parser.parse_args(argv))


if __name__ == "__main__":
    main()
