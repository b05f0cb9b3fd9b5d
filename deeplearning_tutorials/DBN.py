"""Deep belief networks (DBN) on MNIST.

A deep belief network stacks restricted Boltzmann machines
(:mod:`deeplearning_tutorials.rbm`): the hidden layer of the RBM of layer
``k`` is the visible layer of the RBM of layer ``k + 1``. As for the stacked
autoencoders (:mod:`deeplearning_tutorials.SdA`), training has two phases:

1. **Greedy layer-wise pre-training**: each RBM is trained with CD-k on the
   (mean-field) output of the layers below it.
2. **Supervised fine-tuning**: a logistic regression layer goes on top and
   the whole network is trained as a multilayer perceptron, by minibatch SGD
   with early stopping.

Each RBM shares its weight matrix and hidden bias with one sigmoid layer of
the perceptron, so pre-training initialises it.

Run it with ``python -m deeplearning_tutorials.DBN``.

References: G. E. Hinton, S. Osindero and Y.-W. Teh, *A fast learning
algorithm for deep belief nets*, Neural Computation 2006; Y. Bengio, P.
Lamblin, D. Popovici and H. Larochelle, *Greedy Layer-Wise Training of Deep
Networks*, NIPS 2007.
"""

import functools

import numpy
import pytensor
import pytensor.tensor as pt

from deeplearning_tutorials.machinery import cli, stacking, training
from deeplearning_tutorials.machinery.data import DEFAULT_DATASET, load_data, minibatch
from deeplearning_tutorials.machinery.noise import make_random_streams
from deeplearning_tutorials.rbm import RBM


# start-snippet-1
class DBN:
    """A stack of RBMs topped by a logistic regression.

    The sigmoid layers (``sigmoid_layers``) and the output layer
    (``logLayer``) form the perceptron that is fine-tuned; each of the
    ``rbm_layers`` shares its weights and hidden biases with one sigmoid
    layer and is only used for pre-training. ``params`` holds the
    perceptron's parameters (the RBMs' visible biases are not part of it).
    """

    def __init__(
        self,
        numpy_rng,
        theano_rng=None,
        n_ins=784,
        hidden_layers_sizes=[500, 500],
        n_outs=10,
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
        """
        if theano_rng is None:
            theano_rng = make_random_streams(numpy_rng.randint(2**30))
        self.theano_rng = theano_rng
        # end-snippet-1

        def rbm(layer_input, n_in, n_out, sigmoid_layer):
            # shares W and the hidden bias with the sigmoid layer; its input
            # is the mean-field output of the layer below
            return RBM(
                numpy_rng=numpy_rng,
                theano_rng=theano_rng,
                input=layer_input,
                n_visible=n_in,
                n_hidden=n_out,
                W=sigmoid_layer.W,
                hbias=sigmoid_layer.b,
            )

        # the sigmoid layers, the logistic layer on top, and one RBM per layer
        self.rbm_layers = stacking.build_stack(
            self, numpy_rng, n_ins, hidden_layers_sizes, n_outs, rbm
        )

    def pretraining_functions(self, train_set_x, batch_size, k):
        """One CD-k training function per RBM, from the bottom up.

        ``fns[i](index, lr=0.1)`` runs one CD-k update of the RBM of layer
        ``i`` on minibatch ``index`` and returns its monitoring cost (the
        reconstruction cross-entropy).
        """
        index = pt.lscalar("index")
        learning_rate = pt.scalar("lr")
        batch = minibatch(train_set_x, index, batch_size)
        pretrain_fns = []
        for rbm in self.rbm_layers:
            cost, updates = rbm.get_cost_updates(learning_rate, persistent=None, k=k)
            fn = pytensor.function(
                inputs=[index, learning_rate],
                outputs=cost,
                updates=updates,
                givens={self.x: batch},
            )
            pretrain_fns.append(stacking.with_defaults(fn, lr=0.1))
        return pretrain_fns

    def build_finetune_functions(self, datasets, batch_size, learning_rate):
        """``(train_fn, valid_score, test_score)`` for the fine-tuning phase.

        As :meth:`deeplearning_tutorials.SdA.SdA.build_finetune_functions`.
        """
        return training.build_finetune_functions(
            self, datasets, batch_size, learning_rate
        )


def test_DBN(
    finetune_lr=0.1,
    pretraining_epochs=100,
    pretrain_lr=0.01,
    k=1,
    training_epochs=1000,
    dataset=DEFAULT_DATASET,
    batch_size=10,
    results_json=None,
    checkpoint_dir=None,
    resume=False,
    rng="mrg",
):
    """Pre-train a 784-1000-1000-1000-10 DBN with CD-k, then fine-tune it.

    :param finetune_lr: SGD step size of the fine-tuning phase
    :param pretraining_epochs: epochs of pre-training, for each layer
    :param pretrain_lr: learning rate of the pre-training phase
    :param k: number of Gibbs steps of CD-k
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
        k=k,
        batch_size=batch_size,
        dataset=str(dataset),
    )

    numpy_rng = numpy.random.RandomState(123)
    print("... building the model")
    dbn = DBN(
        numpy_rng=numpy_rng,
        # drawn first, as the constructor would draw it
        theano_rng=make_random_streams(numpy_rng.randint(2**30), rng),
        n_ins=28 * 28,
        hidden_layers_sizes=[1000, 1000, 1000],
        n_outs=10,
    )

    # start-snippet-2
    print("... getting the pretraining functions")
    pretraining_fns = dbn.pretraining_functions(
        train_set_x=datasets[0][0], batch_size=batch_size, k=k
    )
    print("... pre-training the model")
    steps = [functools.partial(fn, lr=pretrain_lr) for fn in pretraining_fns]
    pretrained, result = stacking.pretrain_then_finetune(
        dbn,
        steps,
        visible_biases=[rbm.vbias for rbm in dbn.rbm_layers],
        log_line=lambda i, epoch, cost: (
            "Pre-training layer %i, epoch %d, cost  %s" % (i, epoch, cost)
        ),
        datasets=datasets,
        pretraining_epochs=pretraining_epochs,
        finetune_lr=finetune_lr,
        training_epochs=training_epochs,
        batch_size=batch_size,
        patience=4 * n_train_batches,  # look at this many minibatches regardless
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        settings=settings,
        script_file=__file__,
    )
    # end-snippet-2
    training.report_finetuning(result, __file__, "fine tuning", "obtained at")
    training.write_record(
        results_json,
        result,
        model="DBN",
        pretraining_costs_per_epoch=pretrained.costs,
        pretraining_seconds=pretrained.seconds,
        **settings,
    )
    return result


def main(argv=None):
    parser = cli.make_parser(
        "DBN",
        "Pre-train a deep belief network of three RBMs (784-1000-1000-1000) "
        "on MNIST with CD-k, then fine-tune it with a logistic regression on top.",
        default_mode="CVM",
    )
    cli.add_finetuning_arguments(
        parser,
        finetune_lr=0.1,
        pretraining_epochs=100,
        pretrain_lr=0.01,
        training_epochs=1000,
        batch_size=10,
    )
    parser.add_argument(
        "-k",
        "--k",
        dest="k",
        type=cli.positive_int,
        default=1,
        help="Gibbs steps of CD-k in pre-training",
    )
    cli.add_rng_argument(parser)
    return cli.run(test_DBN, parser.parse_args(argv))


if __name__ == "__main__":
    main()
