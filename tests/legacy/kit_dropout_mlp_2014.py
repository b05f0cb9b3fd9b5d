"""
A multilayer perceptron trained with dropout (Hinton et al., 2012; Srivastava
et al., 2014), written as Theano code of 2014 was: masks drawn from
theano.tensor.shared_randomstreams.RandomStreams seeded from the model's
numpy RandomState, a shared copy of the weights scaled by (1 - p) for
evaluation, SGD with momentum, minibatches through givens.

This project's own script (not an author's from the corpus): a legacy-style
Theano program for the porting kit's tests. Under Theano 1.0.5 it ran
unchanged (tests/oracle/kit_dropout_mlp_2014_float64.stdout); ported by its
import lines alone (the rewriter or the import hook), it must print the same.
The data are drawn here from a fixed numpy RandomState (a random linear
teacher), so that nothing outside the script is needed.

Usage: THEANO_FLAGS=floatX=float64 python kit_dropout_mlp_2014.py
"""
from __future__ import print_function

__docformat__ = 'restructuredtext en'

import sys
from collections import OrderedDict

import numpy

import theano
import theano.tensor as T
from theano.tensor.shared_randomstreams import RandomStreams


def load_data(rng, n_in=30, n_out=4, sizes=(400, 100, 100)):
    """Three sets drawn from a random linear teacher, as shared variables."""
    teacher = rng.normal(size=(n_in, n_out))

    def shared_dataset(n):
        data_x = rng.normal(size=(n, n_in))
        data_y = numpy.argmax(numpy.dot(data_x, teacher) +
                              0.5 * rng.normal(size=(n, n_out)), axis=1)
        shared_x = theano.shared(numpy.asarray(data_x, dtype=theano.config.floatX),
                                 borrow=True)
        shared_y = theano.shared(numpy.asarray(data_y, dtype=theano.config.floatX),
                                 borrow=True)
        return shared_x, T.cast(shared_y, 'int32')

    return [shared_dataset(n) for n in sizes]


class HiddenLayer(object):
    def __init__(self, rng, input, n_in, n_out, W=None, b=None,
                 activation=T.tanh):
        self.input = input
        if W is None:
            W_values = numpy.asarray(rng.uniform(
                low=-numpy.sqrt(6. / (n_in + n_out)),
                high=numpy.sqrt(6. / (n_in + n_out)),
                size=(n_in, n_out)), dtype=theano.config.floatX)
            W = theano.shared(value=W_values, name='W', borrow=True)
        if b is None:
            b_values = numpy.zeros((n_out,), dtype=theano.config.floatX)
            b = theano.shared(value=b_values, name='b', borrow=True)
        self.W = W
        self.b = b
        lin_output = T.dot(input, self.W) + self.b
        self.output = (lin_output if activation is None
                       else activation(lin_output))
        self.params = [self.W, self.b]


def _dropout_from_layer(rng, layer, p):
    """p is the probablity of dropping a unit."""
    srng = theano.tensor.shared_randomstreams.RandomStreams(
        rng.randint(999999))
    # p=1-p because 1's indicate keep and p is prob of dropping
    mask = srng.binomial(n=1, p=1 - p, size=layer.shape)
    # The cast is important because
    # int * float32 = float64 which pulls things off the gpu
    output = layer * T.cast(mask, theano.config.floatX)
    return output


class DropoutHiddenLayer(HiddenLayer):
    def __init__(self, rng, input, n_in, n_out, activation, dropout_rate,
                 W=None, b=None):
        super(DropoutHiddenLayer, self).__init__(
            rng=rng, input=input, n_in=n_in, n_out=n_out, W=W, b=b,
            activation=activation)
        self.output = _dropout_from_layer(rng, self.output, p=dropout_rate)


class LogisticRegression(object):
    def __init__(self, input, n_in, n_out, W=None, b=None):
        if W is None:
            W = theano.shared(value=numpy.zeros((n_in, n_out),
                                                dtype=theano.config.floatX),
                              name='W', borrow=True)
        if b is None:
            b = theano.shared(value=numpy.zeros((n_out,),
                                                dtype=theano.config.floatX),
                              name='b', borrow=True)
        self.W = W
        self.b = b
        self.p_y_given_x = T.nnet.softmax(T.dot(input, self.W) + self.b)
        self.y_pred = T.argmax(self.p_y_given_x, axis=1)
        self.params = [self.W, self.b]

    def negative_log_likelihood(self, y):
        return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])

    def errors(self, y):
        return T.mean(T.neq(self.y_pred, y))


class DropoutMLP(object):
    """Dropout layers for training; the same weights, scaled by 1 - p, for
    evaluation."""

    def __init__(self, rng, input, layer_sizes, dropout_rates,
                 activation=T.tanh):
        weight_matrix_sizes = list(zip(layer_sizes, layer_sizes[1:]))
        self.layers = []
        self.dropout_layers = []
        next_layer_input = input
        next_dropout_layer_input = _dropout_from_layer(rng, input,
                                                       p=dropout_rates[0])
        layer_counter = 0
        for n_in, n_out in weight_matrix_sizes[:-1]:
            next_dropout_layer = DropoutHiddenLayer(
                rng=rng, input=next_dropout_layer_input,
                activation=activation, n_in=n_in, n_out=n_out,
                dropout_rate=dropout_rates[layer_counter + 1])
            self.dropout_layers.append(next_dropout_layer)
            next_dropout_layer_input = next_dropout_layer.output
            # Reuse the parameters from the dropout layer here, in a
            # different path through the graph.
            next_layer = HiddenLayer(
                rng=rng, input=next_layer_input, activation=activation,
                W=next_dropout_layer.W * (1 - dropout_rates[layer_counter]),
                b=next_dropout_layer.b, n_in=n_in, n_out=n_out)
            self.layers.append(next_layer)
            next_layer_input = next_layer.output
            layer_counter += 1
        n_in, n_out = weight_matrix_sizes[-1]
        dropout_output_layer = LogisticRegression(
            input=next_dropout_layer_input, n_in=n_in, n_out=n_out)
        self.dropout_layers.append(dropout_output_layer)
        output_layer = LogisticRegression(
            input=next_layer_input,
            W=dropout_output_layer.W * (1 - dropout_rates[-1]),
            b=dropout_output_layer.b, n_in=n_in, n_out=n_out)
        self.layers.append(output_layer)

        self.dropout_negative_log_likelihood = \
            self.dropout_layers[-1].negative_log_likelihood
        self.errors = self.layers[-1].errors
        self.params = [param for layer in self.dropout_layers
                       for param in layer.params]


def test_mlp(initial_learning_rate=0.5, learning_rate_decay=0.98, mom=0.5,
             n_epochs=3, batch_size=20, layer_sizes=(30, 50, 50, 4),
             dropout_rates=(0.2, 0.5, 0.5), seed=1234):
    rng = numpy.random.RandomState(seed)
    datasets = load_data(rng)
    train_set_x, train_set_y = datasets[0]
    valid_set_x, valid_set_y = datasets[1]
    test_set_x, test_set_y = datasets[2]

    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    n_valid_batches = valid_set_x.get_value(borrow=True).shape[0] // batch_size
    n_test_batches = test_set_x.get_value(borrow=True).shape[0] // batch_size

    print('... building the model')
    index = T.lscalar()
    epoch = T.scalar()
    x = T.matrix('x')
    y = T.ivector('y')
    learning_rate = theano.shared(numpy.asarray(initial_learning_rate,
                                                dtype=theano.config.floatX))

    classifier = DropoutMLP(rng=rng, input=x, layer_sizes=list(layer_sizes),
                            dropout_rates=list(dropout_rates))
    cost = classifier.dropout_negative_log_likelihood(y)

    test_model = theano.function(
        inputs=[index], outputs=classifier.errors(y),
        givens={x: test_set_x[index * batch_size:(index + 1) * batch_size],
                y: test_set_y[index * batch_size:(index + 1) * batch_size]})
    validate_model = theano.function(
        inputs=[index], outputs=classifier.errors(y),
        givens={x: valid_set_x[index * batch_size:(index + 1) * batch_size],
                y: valid_set_y[index * batch_size:(index + 1) * batch_size]})

    gparams = T.grad(cost, classifier.params)
    gparams_mom = []
    for param in classifier.params:
        gparam_mom = theano.shared(numpy.zeros(param.get_value(borrow=True).shape,
                                               dtype=theano.config.floatX))
        gparams_mom.append(gparam_mom)

    updates = OrderedDict()
    for gparam_mom, gparam in zip(gparams_mom, gparams):
        updates[gparam_mom] = mom * gparam_mom - learning_rate * gparam
    for param, gparam_mom in zip(classifier.params, gparams_mom):
        updates[param] = param + updates[gparam_mom]

    train_model = theano.function(
        inputs=[index], outputs=cost, updates=updates,
        givens={x: train_set_x[index * batch_size:(index + 1) * batch_size],
                y: train_set_y[index * batch_size:(index + 1) * batch_size]})
    decay_learning_rate = theano.function(
        inputs=[], outputs=learning_rate,
        updates={learning_rate: learning_rate * learning_rate_decay})

    print('... training')
    for epoch_counter in range(1, n_epochs + 1):
        for minibatch_index in range(n_train_batches):
            minibatch_avg_cost = train_model(minibatch_index)
            if epoch_counter == 1 and minibatch_index < 5:
                print('epoch %i, minibatch %i/%i, cost %.8f' %
                      (epoch_counter, minibatch_index + 1, n_train_batches,
                       minibatch_avg_cost))
        validation_losses = [validate_model(i) for i in range(n_valid_batches)]
        this_validation_loss = numpy.mean(validation_losses)
        new_learning_rate = decay_learning_rate()
        print('epoch %i, minibatch cost %.8f, validation error %f %%, '
              'learning rate %.6f' %
              (epoch_counter, minibatch_avg_cost, this_validation_loss * 100.,
               new_learning_rate))
    test_losses = [test_model(i) for i in range(n_test_batches)]
    print('test error %f %%' % (numpy.mean(test_losses) * 100.))
    print('first weights %s' % ' '.join(
        '%.8f' % w for w in classifier.params[0].get_value()[0, :4]))


if __name__ == '__main__':
    test_mlp()
