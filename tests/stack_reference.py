"""A NumPy reference for one fine-tuning step of a sigmoid stack (SdA, DBN)."""

import numpy


def sigmoid(a):
    return 1.0 / (1.0 + numpy.exp(-a))


def finetune_step(values, x, y, learning_rate):
    """One SGD step of sigmoid layers + softmax on ``(x, y)``, by hand.

    ``values`` are the parameters ``[W0, b0, W1, b1, ..., W_out, b_out]``;
    returns ``(cost, new_values)``.
    """
    Ws, bs = values[0::2], values[1::2]
    activations = [x]
    for W, b in zip(Ws[:-1], bs[:-1]):
        activations.append(sigmoid(activations[-1] @ W + b))
    a = activations[-1] @ Ws[-1] + bs[-1]
    p = numpy.exp(a - a.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    n = len(x)
    cost = -numpy.log(p[range(n), y]).mean()
    delta = p.copy()
    delta[range(n), y] -= 1
    delta /= n
    grads = []
    for i in reversed(range(len(Ws))):
        grads = [activations[i].T @ delta, delta.sum(0)] + grads
        if i > 0:
            h = activations[i]
            delta = (delta @ Ws[i].T) * h * (1 - h)
    return cost, [v - learning_rate * g for v, g in zip(values, grads)]


def check_finetune_step(net, x, y, batch_size, learning_rate):
    """Run ``net``'s fine-tuning function on minibatch 0 and compare with NumPy."""
    import pytest

    from deeplearning_tutorials.machinery.data import shared_dataset

    values = [p.get_value().astype("float64") for p in net.params]
    data = [shared_dataset((x, y)) for _ in range(3)]
    train_fn, valid_score, test_score = net.build_finetune_functions(
        data, batch_size, learning_rate
    )
    cost = train_fn(0)
    expected_cost, expected = finetune_step(
        values, x[:batch_size].astype("float64"), y[:batch_size], learning_rate
    )
    assert cost == pytest.approx(expected_cost, rel=1e-5)
    for param, value in zip(net.params, expected):
        numpy.testing.assert_allclose(param.get_value(), value, rtol=1e-4, atol=1e-6)
    assert len(valid_score()) == len(test_score()) == len(x) // batch_size
