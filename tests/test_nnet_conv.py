"""conv2d: Theano's semantics against SciPy, gradients, backends, errors."""

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
import scipy.signal
from pytensor.gradient import verify_grad

from deeplearning_tutorials.nnet import (
    Conv2d,
    Conv2dGradInputs,
    Conv2dGradWeights,
    conv2d,
    conv_output_shape,
)

# (input shape, filter shape, border_mode, subsample, filter_flip)
CASES = [
    ((2, 3, 7, 9), (4, 3, 3, 2), "valid", (1, 1), True),
    ((1, 1, 5, 5), (1, 1, 5, 5), "valid", (1, 1), True),  # batch 1, filter = image
    ((3, 2, 6, 7), (2, 2, 3, 4), "full", (1, 1), True),
    ((2, 3, 7, 8), (3, 3, 3, 3), "half", (1, 1), True),
    ((1, 2, 6, 5), (3, 2, 2, 4), "half", (1, 1), True),  # even filter sizes
    ((2, 2, 9, 8), (3, 2, 3, 2), "valid", (2, 3), True),
    ((2, 1, 7, 7), (2, 1, 4, 3), "full", (3, 2), True),
    ((1, 3, 8, 9), (2, 3, 3, 3), "half", (2, 2), True),
    ((2, 2, 5, 6), (2, 2, 3, 3), 1, (1, 1), True),  # an int pad
    ((2, 2, 5, 6), (2, 2, 2, 3), (2, 1), (2, 1), True),  # a pair of pads
    ((2, 3, 7, 9), (4, 3, 3, 2), "valid", (1, 1), False),  # cross-correlation
    ((1, 2, 6, 7), (2, 2, 3, 4), "full", (2, 1), False),
]
IDS = [f"{c[0]}*{c[1]}-{c[2]}-{c[3]}-flip{c[4]}" for c in CASES]

MODES = ["NUMBA", "CVM", "JAX"]


def reference_conv2d(x, w, border_mode, subsample, filter_flip):
    """Sum over channels of scipy's convolve2d (or correlate2d), then strides."""
    f_rows, f_cols = w.shape[2:]
    if border_mode == "full":
        pads, scipy_mode = (0, 0), "full"
    elif border_mode == "half":
        pads, scipy_mode = (f_rows // 2, f_cols // 2), "valid"
    elif border_mode == "valid":
        pads, scipy_mode = (0, 0), "valid"
    else:
        pads = (border_mode, border_mode) if isinstance(border_mode, int) else border_mode
        scipy_mode = "valid"
    padded = numpy.pad(
        x.astype("float64"),
        ((0, 0), (0, 0), (pads[0], pads[0]), (pads[1], pads[1])),
    )
    apply = scipy.signal.convolve2d if filter_flip else scipy.signal.correlate2d
    out = numpy.array(
        [
            [
                sum(
                    apply(padded[b, c], w[f, c].astype("float64"), mode=scipy_mode)
                    for c in range(x.shape[1])
                )
                for f in range(w.shape[0])
            ]
            for b in range(x.shape[0])
        ]
    )
    return out[:, :, :: subsample[0], :: subsample[1]]


def case_values(case, dtype, seed=0):
    rng = numpy.random.RandomState(seed)
    x_shape, w_shape = case[:2]
    return rng.uniform(-1, 1, x_shape).astype(dtype), rng.uniform(-1, 1, w_shape).astype(dtype)


def tolerance(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == "float32" else dict(rtol=1e-10, atol=1e-10)


def all_cases_function(dtype, mode, gradients=False):
    """One compiled function for every case: outputs, or gradients of a
    weighted sum of the outputs with respect to input and filters."""
    inputs, outputs = [], []
    for x_shape, w_shape, border_mode, subsample, flip in CASES:
        x = pt.tensor4(dtype=dtype, shape=x_shape)
        w = pt.tensor4(dtype=dtype, shape=w_shape)
        out = conv2d(x, w, border_mode=border_mode, subsample=subsample, filter_flip=flip)
        inputs += [x, w]
        if gradients:
            weights = numpy.random.RandomState(1).uniform(-1, 1, out.type.shape)
            outputs += pytensor.grad((out * weights.astype(dtype)).sum(), [x, w])
        else:
            outputs.append(out)
    return pytensor.function(inputs, outputs, mode=mode)


def all_case_values(dtype):
    return [v for case in CASES for v in case_values(case, dtype)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("backend", MODES, indirect=True)
def test_forward_matches_scipy(backend, dtype):
    results = all_cases_function(dtype, backend)(*all_case_values(dtype))
    for case, result in zip(CASES, results):
        x, w = case_values(case, dtype)
        expected = reference_conv2d(x, w, *case[2:])
        assert result.dtype == dtype
        assert result.shape == expected.shape, case
        numpy.testing.assert_allclose(result, expected, **tolerance(dtype), err_msg=str(case))


@pytest.mark.parametrize("dtype", ["float64"])
@pytest.mark.parametrize("backend", ["CVM", "JAX"], indirect=True)
def test_gradients_agree_across_backends(backend, dtype):
    values = all_case_values(dtype)
    expected = all_cases_function(dtype, "NUMBA", gradients=True)(*values)
    got = all_cases_function(dtype, backend, gradients=True)(*values)
    for e, g in zip(expected, got):
        numpy.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10)


GRAD_CASES = CASES  # every border mode, stride, pad and flip


def test_gradient_is_correct():
    """verify_grad of the selected cases at once (one compiled function)."""

    def convolved(*values):
        outputs = []
        for i, case in enumerate(GRAD_CASES):
            x, w = values[2 * i : 2 * i + 2]
            outputs.append(Conv2d(*case[2:])(x, w).flatten())
        return pt.concatenate(outputs)

    values = [v for case in GRAD_CASES for v in case_values(case, "float64")]
    verify_grad(convolved, values, rng=numpy.random.RandomState(2))


# second-order gradients: about 30 s of cold compilation, outside the default run
@pytest.mark.slow
def test_gradients_of_the_gradients_are_correct():
    """The two gradient Ops are differentiable too (each is linear)."""
    x, w = case_values(CASES[7], "float64")
    geometry = dict(border_mode="half", subsample=(2, 2), filter_flip=True)
    top = numpy.random.RandomState(3).uniform(-1, 1, (1, 2, 4, 5))
    rng = numpy.random.RandomState(4)
    verify_grad(
        lambda t, k: Conv2dGradInputs(**geometry)(k, t, x.shape[2:]), [top, w], rng=rng
    )
    verify_grad(
        lambda i, t: Conv2dGradWeights(**geometry)(i, t, w.shape[2:]), [x, top], rng=rng
    )


def test_gradient_ops_are_the_adjoints_of_the_convolution():
    """<conv(x, w), t> == <x, grad_inputs(w, t)> == <w, grad_weights(x, t)>."""
    rng = numpy.random.RandomState(5)
    values, outputs = [], []
    for x_shape, w_shape, border_mode, subsample, flip in CASES:
        x, w = rng.randn(*x_shape), rng.randn(*w_shape)
        t = rng.randn(*conv_output_shape(x_shape, w_shape, border_mode, subsample))
        geometry = dict(border_mode=border_mode, subsample=subsample, filter_flip=flip)
        outputs += [
            Conv2d(**geometry)(x, w),
            Conv2dGradInputs(**geometry)(w, t, x_shape[2:]),
            Conv2dGradWeights(**geometry)(x, t, w_shape[2:]),
        ]
        values.append((x, w, t))
    results = pytensor.function([], outputs)()
    for i, (x, w, t) in enumerate(values):
        conv, gx, gw = results[3 * i : 3 * i + 3]
        assert numpy.vdot(conv, t) == pytest.approx(numpy.vdot(x, gx), rel=1e-12)
        assert numpy.vdot(conv, t) == pytest.approx(numpy.vdot(w, gw), rel=1e-12)


def test_batches_larger_than_one_chunk():
    """Numba works through the batch in chunks of images; the last chunk is
    partial here. Gradients agree with the NumPy implementation (CVM)."""
    rng = numpy.random.RandomState(7)
    xv = rng.randn(40, 2, 30, 30)
    wv = rng.randn(3, 2, 5, 5)
    x = pt.tensor4(dtype="float64", shape=xv.shape)
    w = pt.tensor4(dtype="float64", shape=wv.shape)
    out = conv2d(x, w, border_mode=(1, 2), subsample=(1, 2))
    weights = rng.randn(*out.type.shape)
    grads = pytensor.grad((out * weights).sum(), [x, w])
    expected = pytensor.function([x, w], [out, *grads], mode="CVM")(xv, wv)
    got = pytensor.function([x, w], [out, *grads], mode="NUMBA")(xv, wv)
    for e, g in zip(expected, got):
        numpy.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10)


def test_true_convolution_of_a_point_is_the_filter():
    """filter_flip=True (the default) convolves: a unit impulse reproduces
    the filter itself, unflipped, in 'full' mode."""
    x = numpy.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 1.0
    w = numpy.arange(1.0, 7.0).reshape(1, 1, 2, 3)
    out = conv2d(x, w, border_mode="full").eval()
    numpy.testing.assert_array_equal(out[0, 0, 1:3, 1:4], w[0, 0])
    corr = conv2d(x, w, border_mode="full", filter_flip=False).eval()
    numpy.testing.assert_array_equal(corr[0, 0, 1:3, 1:4], w[0, 0, ::-1, ::-1])


def test_static_shapes_give_a_static_output_type_and_are_checked():
    x, w = pt.tensor4("x"), pt.tensor4("w")
    out = conv2d(x, w, input_shape=(500, 1, 28, 28), filter_shape=(20, 1, 5, 5))
    assert out.type.shape == (500, 20, 24, 24)
    f = pytensor.function([x, w], out)
    with pytest.raises(Exception, match="shape"):
        f(numpy.zeros((2, 1, 28, 28), "float32"), numpy.zeros((20, 1, 5, 5), "float32"))


def test_infer_shape_needs_no_convolution():
    x, w = pt.tensor4("x"), pt.tensor4("w")
    out = conv2d(x, w, border_mode="half", subsample=(2, 3))
    f = pytensor.function([x, w], out.shape, mode="FAST_RUN")
    assert not any(isinstance(n.op, Conv2d) for n in f.maker.fgraph.apply_nodes)
    xv, wv = numpy.zeros((2, 3, 9, 10), "float32"), numpy.zeros((4, 3, 3, 2), "float32")
    assert tuple(f(xv, wv)) == conv2d(xv, wv, border_mode="half", subsample=(2, 3)).eval().shape
    gx, gw = pytensor.grad(out.sum(), [x, w])
    g = pytensor.function([x, w], [gx.shape, gw.shape], mode="FAST_RUN")
    assert [tuple(s) for s in g(xv, wv)] == [xv.shape, wv.shape]


def test_old_name_image_shape_is_accepted():
    x, w = pt.tensor4("x"), pt.tensor4("w")
    out = conv2d(x, w, image_shape=(2, 1, 8, 8), filter_shape=(3, 1, 5, 5))
    assert out.type.shape == (2, 3, 4, 4)
    with pytest.raises(ValueError, match="not both"):
        conv2d(x, w, image_shape=(2, 1, 8, 8), input_shape=(2, 1, 8, 8))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(x=pt.matrix()), TypeError, "4-D"),
        (dict(w=pt.tensor3()), TypeError, "4-D"),
        (dict(x=pt.tensor4(dtype="int32")), TypeError, "floats"),
        (dict(border_mode="same"), ValueError, "border_mode"),
        (dict(border_mode=(1, -1)), ValueError, "border_mode"),
        (dict(border_mode=(1, 2, 3)), ValueError, "border_mode"),
        (dict(subsample=(0, 1)), ValueError, "subsample"),
        (dict(subsample="2"), ValueError, "subsample"),
        (dict(input_shape=(2, 3, 8, 8), filter_shape=(4, 2, 3, 3)), ValueError, "channels"),
        (dict(input_shape=(2, 3, 8)), ValueError, "input_shape"),
        (dict(filter_shape=(4, 3, 0, 3)), ValueError, "filter_shape"),
        (dict(input_shape=(2, 1, 4, 4), filter_shape=(1, 1, 5, 5)), ValueError, "fit"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, error, match):
    x = kwargs.pop("x", pt.tensor4("x"))
    w = kwargs.pop("w", pt.tensor4("w"))
    with pytest.raises(error, match=match):
        conv2d(x, w, **kwargs)


@pytest.mark.parametrize("mode", ["NUMBA", "CVM"])
def test_mismatched_values_are_clear_errors_at_run_time(mode):
    x, w = pt.tensor4("x"), pt.tensor4("w")
    f = pytensor.function([x, w], conv2d(x, w), mode=mode)
    with pytest.raises(ValueError, match="channels"):
        f(numpy.zeros((1, 3, 8, 8), "float32"), numpy.zeros((2, 2, 3, 3), "float32"))
    with pytest.raises(ValueError, match="fit"):
        f(numpy.zeros((1, 2, 4, 4), "float32"), numpy.zeros((2, 2, 5, 5), "float32"))


def test_lenet_shapes_float32_numba_matches_reference():
    """The first LeNet layer's shapes: 500 MNIST-sized images, 20 filters."""
    rng = numpy.random.RandomState(6)
    x = rng.rand(500, 1, 28, 28).astype("float32")
    w = rng.uniform(-0.2, 0.2, (20, 1, 5, 5)).astype("float32")
    xs, ws = pt.tensor4("x"), pt.tensor4("w")
    f = pytensor.function([xs, ws], conv2d(xs, ws, input_shape=x.shape, filter_shape=w.shape))
    out = f(x, w)
    expected = reference_conv2d(x[:7], w, "valid", (1, 1), True)
    numpy.testing.assert_allclose(out[:7], expected, rtol=1e-5, atol=1e-5)
    # and the last images of the batch (the final, partial chunk)
    expected = reference_conv2d(x[-3:], w, "valid", (1, 1), True)
    numpy.testing.assert_allclose(out[-3:], expected, rtol=1e-5, atol=1e-5)
