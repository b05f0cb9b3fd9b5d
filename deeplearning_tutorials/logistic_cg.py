"""Classifying MNIST digits with logistic regression, trained by conjugate gradients.

The model is the one of :mod:`deeplearning_tutorials.logistic_sgd`:

.. math::

    P(Y=i \\mid x, W, b) = \\mathrm{softmax}_i(x W + b), \\qquad
    y_{pred} = \\mathrm{argmax}_i P(Y=i \\mid x, W, b)

but it is trained differently. Instead of one small step per minibatch, SciPy's
nonlinear conjugate gradient method (``scipy.optimize.fmin_cg``) minimises the
mean negative log-likelihood of the *whole* training set. SciPy works on one
flat vector of parameters, so the model keeps ``theta``, a single shared vector
of ``n_in * n_out + n_out`` numbers, and ``W`` and ``b`` are symbolic views of
its two parts. PyTensor compiles the cost and its gradient over one minibatch
of 600 images; plain Python averages them over the training set for SciPy.
After each of SciPy's iterations (the "epochs" of this tutorial) a callback
scores the current parameters on the validation set and, when they are the
best so far, on the test set.

Conjugate gradients suit small data sets: every iteration looks at all of the
training set, several times over in its line search.

Run it with ``python -m deeplearning_tutorials.logistic_cg``.

The original ``code/logistic_cg.py`` works in float64 only: SciPy hands its
callbacks float64 vectors, which a float32 ``theta`` refuses. Here they are
cast to ``floatX``; in float64 the run is the original's, line for line.

References: C. M. Bishop, *Pattern Recognition and Machine Learning*,
section 4.3.2.
"""

import os
import sys
import timeit

import numpy
import pytensor
import pytensor.tensor as pt
import scipy.optimize

from deeplearning_tutorials import logistic_sgd
from deeplearning_tutorials.machinery import cli, compile_later, startup, training
from deeplearning_tutorials.machinery.data import DEFAULT_DATASET, load_data, minibatch_givens


class LogisticRegression(logistic_sgd.LogisticRegression):
    """Multi-class logistic regression whose parameters live in one vector.

    As :class:`deeplearning_tutorials.logistic_sgd.LogisticRegression`, whose
    ``negative_log_likelihood`` and ``errors`` it uses, but ``W`` and ``b``
    are views of the shared vector ``theta``, the vector an optimiser such as
    ``scipy.optimize.fmin_cg`` works on.
    """

    def __init__(self, input, n_in, n_out):
        """Initialise the parameters of the logistic regression.

        :type input: pytensor.tensor.TensorVariable
        :param input: symbolic variable describing the input of the
            architecture (one minibatch, one example per row)
        :type n_in: int
        :param n_in: number of input units, the dimension of the data points
        :type n_out: int
        :param n_out: number of output units, the number of classes
        """
        # start-snippet-1
        # theta = (W, b), all zeros: the n_in * n_out weights, then the n_out
        # biases, in one flat vector
        self.theta = pytensor.shared(
            value=numpy.zeros(n_in * n_out + n_out, dtype=pytensor.config.floatX),
            name="theta",
            borrow=True,
        )
        # W is the first n_in * n_out elements of theta, seen as a matrix
        self.W = self.theta[0 : n_in * n_out].reshape((n_in, n_out))
        # b is the rest: the last n_out elements
        self.b = self.theta[n_in * n_out : n_in * n_out + n_out]

        # the class-membership probabilities, one row per example
        self.p_y_given_x = pt.special.softmax(pt.dot(input, self.W) + self.b, axis=1)
        # the prediction: the class whose probability is maximal
        self.y_pred = pt.argmax(self.p_y_given_x, axis=1)
        # end-snippet-1

        self.input = input


def cg_optimization_mnist(
    n_epochs=50, mnist_pkl_gz=DEFAULT_DATASET, dataset=None, results_json=None
):
    """Conjugate gradient optimisation of a log-linear model on MNIST.

    :type n_epochs: int
    :param n_epochs: the most iterations ``fmin_cg`` may make (its ``maxiter``)
    :type mnist_pkl_gz: str
    :param mnist_pkl_gz: the path of the MNIST file (see
        :mod:`deeplearning_tutorials.machinery.data` for where it is looked for)
    :param dataset: the same, under the name the other drivers give it (the
        command line's ``--dataset``); it wins over ``mnist_pkl_gz``
    :param results_json: if given, the result record is written there as JSON
    :returns: the :class:`~deeplearning_tutorials.machinery.training.TrainingResult`;
        its ``epochs`` are the iterations made, ``best_iter`` the (0-based)
        iteration of the best validation score
    """
    dataset = mnist_pkl_gz if dataset is None else dataset
    datasets = load_data(dataset)

    train_set_x, train_set_y = datasets[0]
    valid_set_x, valid_set_y = datasets[1]
    test_set_x, test_set_y = datasets[2]

    batch_size = 600  # size of the minibatch
    n_train_batches, n_valid_batches, n_test_batches = training.count_batches(
        datasets, batch_size
    )

    n_in = 28 * 28  # number of input units
    n_out = 10  # number of output units
    floatX = pytensor.config.floatX

    print("... building the model")
    # the original passes the offset of a minibatch, i * batch_size; here the
    # functions take its index i (the same rows, see data.minibatch_givens)
    index = pt.lscalar("index")
    x = pt.matrix("x")  # the data is presented as rasterised images
    y = pt.ivector("y")  # the labels are presented as a vector of int labels

    classifier = LogisticRegression(input=x, n_in=n_in, n_out=n_out)

    # the cost we minimise: the negative log-likelihood of the minibatch
    cost = classifier.negative_log_likelihood(y).mean()

    # start-snippet-2
    # the mistakes the model makes on a minibatch of the test and validation sets
    test_model = pytensor.function(
        [index],
        classifier.errors(y),
        givens=minibatch_givens(x, y, test_set_x, test_set_y, index, batch_size),
        name="test",
    )
    validate_model = pytensor.function(
        [index],
        classifier.errors(y),
        givens=minibatch_givens(x, y, valid_set_x, valid_set_y, index, batch_size),
        name="validate",
    )
    # the cost of a training minibatch, and its gradient with respect to theta:
    # no updates, SciPy decides where theta goes next
    train_givens = minibatch_givens(x, y, train_set_x, train_set_y, index, batch_size)
    batch_cost = pytensor.function(
        [index], cost, givens=train_givens, name="batch_cost"
    )
    batch_grad = pytensor.function(
        [index],
        pytensor.grad(cost, classifier.theta),
        givens=train_givens,
        name="batch_grad",
    )
    # end-snippet-2
    # compile them before the timed optimisation (see training.warm_up): the
    # cost and gradient now, the scores after the first step, which does not
    # need them (machinery/compile_later.py)
    training.warm_up_models(
        [batch_cost, batch_grad, validate_model, test_model], (), needed_first=2
    )

    # start-snippet-3
    def set_theta(theta_value):
        # SciPy computes in float64; the original stores its vector as given
        # (borrowing it), which a float32 theta refuses: cast it to floatX
        classifier.theta.set_value(
            numpy.asarray(theta_value, dtype=floatX), borrow=True
        )

    def train_fn(theta_value):
        """The mean cost over the training minibatches at ``theta_value``."""
        set_theta(theta_value)
        startup.first_step()
        train_losses = [batch_cost(i) for i in range(n_train_batches)]
        # in float64, as SciPy computes (in float64 runs: the original's mean)
        return numpy.mean(train_losses, dtype="float64")

    def train_fn_grad(theta_value):
        """The mean gradient over the training minibatches at ``theta_value``."""
        set_theta(theta_value)
        # summed in float64, as SciPy computes, in the original's order
        grad = numpy.array(batch_grad(0), dtype="float64")
        for i in range(1, n_train_batches):
            grad += batch_grad(i)
        return grad / n_train_batches

    # [best validation error, test error of that model, its iteration]
    validation_scores = [numpy.inf, 0, 0]
    validation_history = []
    compile_time = [0.0]

    def callback(theta_value):
        """After each iteration: score theta on the validation set and, when
        it is the best so far, on the test set."""
        set_theta(theta_value)
        # the scores' functions compiled after the first step, its time not
        # counted as the optimisation's
        compile_time[0] += compile_later.first_step_done()
        this_validation_loss = training.mean_error(validate_model, n_valid_batches, batch_size)
        validation_history.append(float(this_validation_loss))
        print("validation error %f %%" % (this_validation_loss * 100.0,), flush=True)
        if this_validation_loss < validation_scores[0]:
            validation_scores[0] = this_validation_loss
            validation_scores[1] = training.mean_error(test_model, n_test_batches, batch_size)
            validation_scores[2] = len(validation_history) - 1

    print("Optimizing using scipy.optimize.fmin_cg...")
    start_time = timeit.default_timer()
    best_w_b, fopt, func_calls, grad_calls, warnflag = scipy.optimize.fmin_cg(
        f=train_fn,
        x0=numpy.zeros((n_in + 1) * n_out, dtype=x.dtype),
        fprime=train_fn_grad,
        callback=callback,
        disp=0,
        maxiter=n_epochs,
        full_output=True,
    )
    end_time = timeit.default_timer() - compile_time[0]
    # end-snippet-3
    print(
        "Optimization complete with best validation score of %f %%, with "
        "test performance %f %%"
        % (validation_scores[0] * 100.0, validation_scores[1] * 100.0)
    )
    print(
        "The code for file %s ran for %.1fs"
        % (os.path.basename(__file__), end_time - start_time),
        file=sys.stderr,
    )

    result = training.TrainingResult(
        best_validation_loss=float(validation_scores[0]),
        best_iter=validation_scores[2],
        test_score=float(validation_scores[1]),
        epochs=len(validation_history),
        seconds=end_time - start_time,
        validation_history=validation_history,
    )
    training.write_record(
        results_json,
        result,
        model="logistic_cg",
        batch_size=batch_size,
        n_epochs=n_epochs,
        dataset=str(dataset),
        final_cost=float(fopt),
        func_calls=int(func_calls),
        grad_calls=int(grad_calls),
        # fmin_cg's warnflag: 0 converged, 1 used all n_epochs iterations,
        # 2 stopped by a loss of precision, 3 met NaN
        fmin_cg_warnflag=int(warnflag),
    )
    return result


def main(argv=None):
    parser = cli.make_parser(
        "logistic_cg",
        "Train logistic regression on MNIST with SciPy's conjugate gradients "
        "(scipy.optimize.fmin_cg) on the mean cost and gradient over the "
        "whole training set, scoring each iteration on the validation set.",
        checkpoints=False,
    )
    parser.add_argument(
        "--n-epochs",
        type=cli.positive_int,
        default=50,
        help="the most iterations of fmin_cg (its maxiter); each is scored "
        "on the validation set",
    )
    args = parser.parse_args(argv)
    return cli.run(cg_optimization_mnist, args)


if __name__ == "__main__":
    main()
