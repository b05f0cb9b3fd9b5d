"""pool_2d: Theano's semantics against a direct loop, gradients, backends, errors."""

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.gradient import verify_grad

from deeplearning_tutorials.nnet import MaxPoolGrad, MaxPoolGradGrad, Pool, pool_2d

MODES = ["NUMBA", "CVM", "JAX"]
POOL_MODES = ["max", "sum", "average_inc_pad", "average_exc_pad"]

# (input shape, pool_2d keyword arguments)
CASES = [
    ((2, 3, 6, 8), dict(ws=(2, 2))),
    ((1, 2, 7, 5), dict(ws=(2, 2))),  # odd sizes: the last row/column dropped
    ((1, 2, 7, 5), dict(ws=(2, 2), ignore_border=False)),  # ... or kept partial
    ((2, 1, 7, 9), dict(ws=(3, 2), stride=(1, 2))),  # overlapping windows
    ((2, 2, 8, 7), dict(ws=(3, 3), stride=(2, 2), ignore_border=False)),
    ((2, 2, 5, 7), dict(ws=(2, 3), stride=(3, 1), ignore_border=False)),  # stride > ws
    ((2, 2, 7, 8), dict(ws=(2, 2), stride=(3, 2), ignore_border=False)),  # gaps
    ((1, 3, 5, 6), dict(ws=(3, 2), pad=(1, 1))),
    ((2, 1, 6, 6), dict(ws=(3, 3), stride=(2, 2), pad=(2, 1))),
]
IDS = [f"{shape}-{'-'.join(f'{k}{v}' for k, v in kw.items())}" for shape, kw in CASES]


def reference_pool(x, ws, ignore_border=True, stride=None, pad=(0, 0), mode="max"):
    """Theano's pooling, one window at a time."""
    stride = stride or ws
    rows, cols = x.shape[2:]
    padded_size = (rows + 2 * pad[0], cols + 2 * pad[1])

    def n_windows(size, w, s, p):
        if ignore_border:
            return (size + 2 * p - w) // s + 1
        if s >= w:
            return (size - 1) // s + 1
        return max(0, (size - 1 - w + s) // s) + 1

    oh = n_windows(rows, ws[0], stride[0], pad[0])
    ow = n_windows(cols, ws[1], stride[1], pad[1])
    out = numpy.zeros(x.shape[:2] + (oh, ow))
    for b in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(oh):
                for j in range(ow):
                    # the window in padded coordinates, cut at the padded edge
                    r0, c0 = i * stride[0], j * stride[1]
                    r1 = min(r0 + ws[0], padded_size[0])
                    c1 = min(c0 + ws[1], padded_size[1])
                    # the real elements in it
                    rr0, rr1 = max(r0 - pad[0], 0), min(r1 - pad[0], rows)
                    cc0, cc1 = max(c0 - pad[1], 0), min(c1 - pad[1], cols)
                    window = x[b, c, rr0:rr1, cc0:cc1].astype("float64")
                    if mode == "max":
                        out[b, c, i, j] = window.max()
                    elif mode == "sum":
                        out[b, c, i, j] = window.sum()
                    elif mode == "average_exc_pad":
                        out[b, c, i, j] = window.mean()
                    else:
                        out[b, c, i, j] = window.sum() / ((r1 - r0) * (c1 - c0))
    return out


def case_value(shape, dtype, seed=0):
    # distinct values: no ties, so finite differences of max are well defined
    rng = numpy.random.RandomState(seed)
    return rng.permutation(numpy.prod(shape)).reshape(shape).astype(dtype) / 7.0 - 3.0


def all_cases_function(dtype, mode, gradients=False):
    inputs, outputs = [], []
    for shape, kwargs in CASES:
        for pool_mode in POOL_MODES:
            x = pt.tensor4(dtype=dtype, shape=shape)
            out = pool_2d(x, mode=pool_mode, **kwargs)
            inputs.append(x)
            if gradients:
                weights = numpy.random.RandomState(1).uniform(-1, 1, out.type.shape)
                outputs.append(pytensor.grad((out * weights.astype(dtype)).sum(), x))
            else:
                outputs.append(out)
    return pytensor.function(inputs, outputs, mode=mode)


def all_case_values(dtype):
    return [case_value(shape, dtype) for shape, _ in CASES for _ in POOL_MODES]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("backend", MODES, indirect=True)
def test_forward_matches_a_direct_loop(backend, dtype):
    results = iter(all_cases_function(dtype, backend)(*all_case_values(dtype)))
    for shape, kwargs in CASES:
        x = case_value(shape, dtype)
        for pool_mode in POOL_MODES:
            result = next(results)
            expected = reference_pool(x, mode=pool_mode, **kwargs)
            assert result.dtype == dtype
            assert result.shape == expected.shape, (kwargs, pool_mode)
            rtol = 1e-6 if dtype == "float32" else 1e-12
            numpy.testing.assert_allclose(
                result, expected, rtol=rtol, atol=rtol, err_msg=f"{kwargs} {pool_mode}"
            )


@pytest.mark.parametrize("dtype", ["float64"])
@pytest.mark.parametrize("backend", ["CVM", "JAX"], indirect=True)
def test_gradients_agree_across_backends(backend, dtype):
    values = all_case_values(dtype)
    expected = all_cases_function(dtype, "NUMBA", gradients=True)(*values)
    got = all_cases_function(dtype, backend, gradients=True)(*values)
    for e, g in zip(expected, got):
        numpy.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("pool_mode", POOL_MODES)
def test_gradient_is_correct(pool_mode):
    """verify_grad of every case at once (one compiled function per mode)."""

    def pooled(*xs):
        return pt.concatenate(
            [pool_2d(x, mode=pool_mode, **kwargs).flatten() for x, (_, kwargs) in zip(xs, CASES)]
        )

    values = [case_value(shape, "float64", seed=i) for i, (shape, _) in enumerate(CASES)]
    verify_grad(pooled, values, rng=numpy.random.RandomState(2))


def test_gradients_of_max_pooling_gradients_are_correct():
    shape, kwargs = CASES[4]
    x = case_value(shape, "float64")
    maxout = Pool(mode="max", **kwargs)(x).eval()
    gout = numpy.random.RandomState(3).randn(*maxout.shape)
    rng = numpy.random.RandomState(4)
    verify_grad(lambda g: MaxPoolGrad(**kwargs)(x, maxout, g), [gout], rng=rng)
    verify_grad(lambda g: MaxPoolGradGrad(**kwargs)(x, maxout, g), [x], rng=rng)


@pytest.mark.parametrize("mode", MODES)
def test_max_gradient_goes_to_every_tied_maximum(mode):
    """Theano's MaxPoolGrad: each element equal to its window's maximum gets
    the window's whole gradient (JAX's own max-pool gradient picks one)."""
    if mode == "JAX":
        pytest.importorskip("jax")
    x = pt.tensor4("x", shape=(1, 1, 4, 4))
    g = pytensor.grad((pool_2d(x, ws=(2, 2)) * [[1.0, 2.0], [3.0, 4.0]]).sum(), x)
    f = pytensor.function([x], g, mode=mode)
    values = numpy.array(
        [[[[1, 5, 0, 0], [5, 5, 0, -1], [2, 2, 7, 1], [2, 2, 1, 0]]]], dtype=x.dtype
    )
    numpy.testing.assert_array_equal(
        f(values)[0, 0],
        [[0, 1, 2, 2], [1, 1, 2, 0], [3, 3, 4, 0], [3, 3, 0, 0]],
    )


def test_padding_never_wins_a_max():
    """Theano's C code: max over the real elements, even when all are negative."""
    x = -numpy.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    out = pool_2d(x, ws=(2, 2), pad=(1, 1)).eval()
    numpy.testing.assert_array_equal(out[0, 0], [[-1, -2], [-4, -5]])


def test_the_tutorials_example():
    """The max-pooling example of the LeNet chapter, with its printed output."""
    x = pt.dtensor4("input")
    invals = numpy.random.RandomState(1).rand(3, 2, 5, 5)
    f = pytensor.function([x], pool_2d(x, (2, 2), ignore_border=True))
    numpy.testing.assert_allclose(
        f(invals)[0, 0], [[0.72032449, 0.39676747], [0.6852195, 0.87811744]], atol=5e-9
    )
    g = pytensor.function([x], pool_2d(x, (2, 2), ignore_border=False))
    numpy.testing.assert_allclose(
        g(invals)[1, 0],
        [
            [0.67883553, 0.58930554, 0.69975836],
            [0.66379465, 0.94459476, 0.58655504],
            [0.90340192, 0.80739129, 0.39767684],
        ],
        atol=5e-9,
    )


def test_other_ranks_pool_the_last_two_axes():
    values = numpy.random.RandomState(5).rand(3, 2, 6, 5)
    x3 = pt.tensor3("x3")
    x2 = pt.matrix("x2")
    x5 = pt.tensor5("x5")
    f = pytensor.function(
        [x2, x3, x5],
        [pool_2d(x2, (2, 2)), pool_2d(x3, (2, 2)), pool_2d(x5, (2, 2))],
    )
    v2, v3, v5 = values[0, 0], values[0], values[None]
    out2, out3, out5 = f(v2.astype(x2.dtype), v3.astype(x3.dtype), v5.astype(x5.dtype))
    expected = reference_pool(values, (2, 2))
    numpy.testing.assert_allclose(out2, expected[0, 0], rtol=1e-6)
    numpy.testing.assert_allclose(out3, expected[0], rtol=1e-6)
    numpy.testing.assert_allclose(out5, expected[None], rtol=1e-6)


def test_old_argument_names():
    x = pt.tensor4("x", shape=(1, 1, 6, 6))
    assert pool_2d(x, ds=(2, 3), st=(1, 1), padding=(1, 1)).type.shape == (1, 1, 7, 6)
    with pytest.raises(ValueError, match="not both"):
        pool_2d(x, ws=(2, 2), ds=(2, 2))


def test_infer_shape_needs_no_pooling():
    x = pt.tensor4("x")
    out = pool_2d(x, (3, 2), ignore_border=False, stride=(2, 1))
    f = pytensor.function([x], [out.shape, pytensor.grad(out.sum(), x).shape])
    assert not any(isinstance(n.op, Pool) for n in f.maker.fgraph.apply_nodes)
    value = numpy.zeros((2, 3, 7, 6), x.dtype)
    shapes = f(value)
    assert tuple(shapes[0]) == reference_pool(value, (3, 2), False, (2, 1)).shape
    assert tuple(shapes[1]) == value.shape


@pytest.mark.parametrize(
    "x, kwargs, error, match",
    [
        (pt.vector(), dict(ws=(2, 2)), TypeError, "2 dimensions"),
        (pt.tensor4(dtype="int32"), dict(ws=(2, 2)), TypeError, "floats"),
        (pt.tensor4(), dict(), ValueError, "ws"),
        (pt.tensor4(), dict(ws=(0, 2)), ValueError, "ws"),
        (pt.tensor4(), dict(ws=(2, 2, 2)), ValueError, "ws"),
        (pt.tensor4(), dict(ws=(2, 2), stride=(0, 1)), ValueError, "stride"),
        (pt.tensor4(), dict(ws=(2, 2), pad=(-1, 0)), ValueError, "pad"),
        (pt.tensor4(), dict(ws=(2, 2), pad=(2, 0)), ValueError, "smaller"),
        (pt.tensor4(), dict(ws=(2, 2), pad=(1, 1), ignore_border=False), ValueError, "ignore_border"),
        (pt.tensor4(), dict(ws=(2, 2), mode="average"), ValueError, "mode"),
        (pt.tensor4(), dict(ws=(2, 2), ignore_border="yes"), ValueError, "ignore_border"),
        (pt.tensor4(shape=(1, 1, 4, 4)), dict(ws=(5, 2)), ValueError, "larger"),
    ],
)
def test_bad_arguments_are_clear_errors(x, kwargs, error, match):
    with pytest.raises(error, match=match):
        pool_2d(x, **kwargs)


@pytest.mark.parametrize("mode", ["NUMBA", "CVM"])
def test_window_larger_than_the_input_at_run_time(mode):
    x = pt.tensor4("x")
    f = pytensor.function([x], pool_2d(x, (3, 3)), mode=mode)
    with pytest.raises(ValueError, match="larger"):
        f(numpy.zeros((1, 1, 2, 5), x.dtype))
