"""MRG_RandomStreams draws what Theano 1.0.5 drew, on every backend.

The references in ``tests/oracle/mrg_theano_<floatX>.json`` were drawn by
Theano's own ``theano.sandbox.rng_mrg.MRG_RandomStreams`` (Theano 1.0.5,
numpy 1.19.5) with ``tests/oracle/make_mrg_reference.py``; each case holds
the code it ran, which is run here against this project's class.
"""

import hashlib
import importlib
import json
import warnings
from pathlib import Path

import numpy
import pytensor
import pytensor.tensor as pt
import pytest

from deeplearning_tutorials.rng_mrg import MRG_RandomStreams, generator, guess_n_streams

ORACLE = Path(__file__).parent / "oracle"
BACKENDS = ["NUMBA", "CVM", "JAX"]


def oracle_cases(floatX):
    record = json.loads((ORACLE / f"mrg_theano_{floatX}.json").read_text())
    assert record["theano"] == "1.0.5" and record["floatX"] == floatX
    return record["cases"]


class _Theano:
    """The names the reference code uses: ``theano.config``, ``T.nnet``."""

    config = pytensor.config


def oracle_input(seed, given):
    """An input made as the oracle script made it (RandomState's streams are
    frozen across NumPy versions), checked against the oracle's record."""
    rng = numpy.random.RandomState(seed)
    shape = given["shape"] if "shape" in given else numpy.shape(given["values"])
    if given["name"] == "P":
        value = rng.dirichlet(numpy.ones(shape[1]), size=shape[0])
    else:
        value = rng.uniform(size=shape)
    value = value.astype(given["dtype"])
    assert_matches(value, given)
    return value


def build(case, srng):
    """The case's outputs, inputs and updates, built as the oracle built them."""
    inputs, values = [], []
    for given in case["inputs"]:
        value = oracle_input(case["seed"], given)
        inputs.append(pt.matrix(given["name"], dtype=given["dtype"]))
        values.append(value)
    updates = []
    if case["code"] == "SCAN":

        def step(h):
            v = srng.binomial(
                size=h.shape, n=1, p=pt.sigmoid(h - 0.5), dtype=pytensor.config.floatX
            )
            return srng.binomial(
                size=v.shape, n=1, p=pt.sigmoid(v), dtype=pytensor.config.floatX
            )

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            chain, updates = pytensor.scan(step, outputs_info=[inputs[0]], n_steps=3)
        outputs = [chain]
    elif case["code"] == "RESEED":
        outputs = [srng.uniform(size=(3, 3)), srng.normal(size=(4,))]
        srng.seed(77)
    else:
        env = {"srng": srng, "theano": _Theano, "T": pt}
        env.update({var.name: var for var in inputs})
        outputs = eval(case["code"], env)
    return outputs, inputs, values, updates


def assert_matches(got, expected, x64=True):
    got = numpy.asarray(got)
    if not x64 and expected["dtype"] == "int64":  # JAX without 64-bit mode
        got = got.astype("int64")
    assert str(got.dtype) == expected["dtype"]
    if "values" in expected:
        # bit for bit: JSON keeps the shortest repr that round-trips a float64
        want = numpy.asarray(expected["values"], dtype=expected["dtype"])
        numpy.testing.assert_array_equal(got, want)
        return
    assert list(got.shape) == expected["shape"]
    assert got.ravel()[:8].tolist() == expected["first"]
    digest = hashlib.sha256(numpy.ascontiguousarray(got).tobytes()).hexdigest()
    assert digest == expected["sha256"]


@pytest.mark.parametrize("floatX", ["float32", "float64"])
@pytest.mark.parametrize("mode", BACKENDS)
def test_draws_equal_theano_draws(mode, floatX):
    if mode == "JAX":
        jax = pytest.importorskip("jax")
        importlib.import_module("pytensor.link.jax.dispatch")  # fixes the flag once

        saved = jax.config.jax_enable_x64
        jax.config.update("jax_enable_x64", floatX == "float64")
    try:
        with pytensor.config.change_flags(floatX=floatX):
            for case in oracle_cases(floatX):
                srng = MRG_RandomStreams(case["seed"])
                outputs, inputs, values, updates = build(case, srng)
                f = pytensor.function(inputs, outputs, updates=updates, mode=mode)
                for call, expected in enumerate(case["calls"]):
                    for got, want in zip(f(*values), expected, strict=True):
                        if mode == "JAX" and floatX == "float32" and "low=" in case["desc"]:
                            # Theano's g++ fused u * (high - low) + low into one
                            # FMA; without JAX's 64-bit mode it cannot be
                            # emulated (doc/porting.md): two float32 roundings
                            want = numpy.asarray(want["values"], dtype=floatX)
                            numpy.testing.assert_allclose(got, want, rtol=0, atol=5e-7)
                            continue
                        try:
                            assert_matches(got, want, x64=not (mode == "JAX" and floatX == "float32"))
                        except AssertionError as error:
                            raise AssertionError(
                                f"{case['desc']}, call {call}: {error}"
                            ) from None
    finally:
        if mode == "JAX":
            jax.config.update("jax_enable_x64", saved)


def test_the_oracle_file_agrees_with_the_published_first_draws():
    """The first case's first values, as Theano's rng_mrg tests print them
    for seed 1234 (an independent check that the oracle ran Theano's MRG)."""
    first = oracle_cases("float32")[0]["calls"][0][0]["values"][0]
    assert first[:2] == pytest.approx([0.37257108, 0.65768576], abs=1e-8)


@pytest.mark.parametrize(
    "size, expected",
    [((4, 5), 3), ((3,), 3), ((6,), 6), ((7,), 1), ((500, 784), 15360), ((20, 500), 1666)],
)
def test_stream_count_follows_theano(size, expected):
    assert guess_n_streams(size) == expected
    assert guess_n_streams(pt.matrix().shape) == 15360


def test_numpy_reference_steps_like_the_published_recurrence():
    """One step of the generator against the recurrences written directly:
    x1 = (2^22 x1[n-2] + (2^7 + 1) x1[n-3]) mod m1,
    x2 = (2^15 x2[n-1] + (2^15 + 1) x2[n-3]) mod m2, draw = (x1 - x2) mod m1."""
    rng = numpy.random.RandomState(0)
    states = numpy.stack(
        [rng.randint(1, generator.M1, size=50) for _ in range(3)]
        + [rng.randint(1, generator.M2, size=50) for _ in range(3)],
        axis=1,
    ).astype("int32")
    new_states, draws = generator.uniform_draws(states, 50, "float64")
    for row, new_row, draw in zip(states.tolist(), new_states.tolist(), draws):
        x11, x12, x13, x21, x22, x23 = row
        x1 = (2**22 * x12 + (2**7 + 1) * x13) % generator.M1
        x2 = (2**15 * x21 + (2**15 + 1) * x23) % generator.M2
        assert new_row == [x1, x11, x12, x2, x21, x22]
        k = (x1 - x2) % generator.M1 or generator.M1
        assert draw == k * 2.0**-31


def test_stream_jumps_are_powers_of_the_transition_matrix():
    """The 2^72 jump matrices are A^(2^72) mod m, A the one-step matrices."""

    def power(matrix, exponent_of_two, modulus):
        m = [list(r) for r in matrix]
        for _ in range(exponent_of_two):
            m = [
                [sum(m[i][k] * m[k][j] for k in range(3)) % modulus for j in range(3)]
                for i in range(3)
            ]
        return tuple(tuple(r) for r in m)

    a1 = ((0, 2**22, 2**7 + 1), (1, 0, 0), (0, 1, 0))
    a2 = ((2**15, 0, 2**15 + 1), (1, 0, 0), (0, 1, 0))
    assert power(a1, 72, generator.M1) == generator.A1P72
    assert power(a2, 72, generator.M2) == generator.A2P72
    assert power(a1, 134, generator.M1) == generator.A1P134
    assert power(a2, 134, generator.M2) == generator.A2P134


def test_a_function_advances_its_streams_without_explicit_updates():
    """As in Theano (the default update): no frozen noise in ported code."""
    srng = MRG_RandomStreams(3)
    f = pytensor.function([], srng.uniform((5,)))
    assert not numpy.array_equal(f(), f())


def test_saved_state_replays_the_draws():
    srng = MRG_RandomStreams(11)
    u = srng.binomial(size=(4, 4), p=0.5)
    f = pytensor.function([], u)
    f()
    saved = srng.get_state()
    json.dumps(saved)  # a checkpoint stores it as JSON
    expected = [f(), f()]
    srng.set_state(saved)
    numpy.testing.assert_array_equal([f(), f()], expected)
    with pytest.raises(ValueError, match="1 generators"):
        srng.set_state([])
    with pytest.raises(ValueError, match="not a saved MRG"):
        srng.set_state([{"mrg31k3p": "AAAA", "streams": 1}])


@pytest.mark.parametrize(
    "seed, message",
    [(0, "not be 0"), (2**31, "less than"), ([1, 2, 3], "6 integers"),
     ([0, 0, 0, 1, 1, 1], "all 0"), ("abc", "6 integers")],
)
def test_bad_seeds_are_refused(seed, message):
    with pytest.raises((ValueError, TypeError), match=message):
        MRG_RandomStreams(seed)


def test_bad_sizes_are_refused_in_one_line():
    srng = MRG_RandomStreams(1)
    with pytest.raises(ValueError, match="<= 0"):
        srng.uniform(size=(3, 0))
    with pytest.raises(TypeError, match="size must"):
        srng.uniform(size=5)
    with pytest.raises(NotImplementedError, match="n > 1"):
        srng.binomial(size=(2,), n=3)
    with pytest.raises(TypeError, match="unexpected keyword"):
        srng.uniform(size=(2,), colour="red")


@pytest.mark.parametrize("mode", ["CVM", "NUMBA"])
def test_compiled_draws_run_in_place_without_python(mode, monkeypatch):
    """The compiled backends use their own implementation (C, Numba), never
    ``perform``, and overwrite the state in place (as Theano did)."""
    from deeplearning_tutorials.rng_mrg import MRGUniform

    def refuse(*args):
        raise AssertionError("perform was called")

    monkeypatch.setattr(MRGUniform, "perform", refuse)
    srng = MRG_RandomStreams(9)
    f = pytensor.function([], srng.uniform((3, 7)), mode=mode)
    nodes = [n for n in f.maker.fgraph.toposort() if isinstance(n.op, MRGUniform)]
    assert len(nodes) == 1 and nodes[0].op.inplace
    first, second = f(), f()
    assert first.shape == (3, 7) and not numpy.array_equal(first, second)


@pytest.mark.parametrize("module", ["dA", "SdA", "rbm", "DBN"])
def test_the_noise_source_is_a_flag_and_a_bad_one_is_refused(module):
    from conftest import run_module

    shown = run_module(module, "--help")
    assert "--rng {mrg,pytensor}" in shown.stdout
    bad = run_module(module, "--rng", "numpy")
    assert bad.returncode == 2 and "invalid choice: 'numpy'" in bad.stderr


def test_the_models_draw_from_the_mrg_streams_unless_told_otherwise():
    from deeplearning_tutorials.dA import dA
    from deeplearning_tutorials.machinery.noise import RandomStreams, make_random_streams
    from deeplearning_tutorials.rbm import RBM

    for model in (dA, RBM):
        net = model(numpy_rng=numpy.random.RandomState(123), n_visible=6, n_hidden=4)
        assert isinstance(net.theano_rng, MRG_RandomStreams)
    assert isinstance(make_random_streams(5, "pytensor"), RandomStreams)
    with pytest.raises(ValueError, match="mrg, pytensor"):
        make_random_streams(5, "numpy")


@pytest.mark.parametrize("mode", ["NUMBA", "CVM", "JAX"])
def test_the_dA_corruption_mask_is_the_same_on_every_backend(mode):
    """The dA's mask, drawn with a symbolic size (``x.shape``, folded to a
    constant by the data's shape) inside a training-like graph: the same
    bits on every backend as from the NumPy reference generator."""
    if mode == "JAX":
        pytest.importorskip("jax")
    from deeplearning_tutorials.dA import dA

    x_value = numpy.random.RandomState(0).uniform(size=(20, 784)).astype("float32")
    data = pytensor.shared(x_value)
    net = dA(numpy.random.RandomState(123), n_visible=784, n_hidden=8)
    x = pt.matrix("x", dtype="float32")
    corrupted = net.get_corrupted_input(x, 0.3)
    f = pytensor.function(
        [], corrupted, givens={x: data}, updates=net.theano_rng.updates_for([corrupted]),
        mode=mode,
    )
    # the reference: 15,360 streams from the seed dA drew, uniform < float32(0.7)
    seed = numpy.random.RandomState(123).randint(2**30)
    states = generator.substream_states(numpy.array([seed] * 6, "int32"), 15360)
    for _ in range(2):
        states, u = generator.uniform_draws(states, x_value.size, "float32")
        expected = (u.reshape(x_value.shape) < numpy.float32(0.7)) * x_value
        numpy.testing.assert_array_equal(f(), expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["CVM", "NUMBA"])
@pytest.mark.parametrize(
    "size, nstreams", [((100,), 7), ((5, 3), 16), ((3, 1000), 999), ((1,), 1)]
)
def test_draws_in_rounds_over_fewer_streams_than_elements(mode, dtype, size, nstreams):
    """Element i comes from stream i % nstreams: several rounds, the last one
    partial, and fewer draws than streams; two calls, so the states written
    back are checked too. The reference is the NumPy generator, itself held
    against Theano's vectors above."""
    srng = MRG_RandomStreams(4321)
    draws = srng.uniform(size, dtype=dtype, nstreams=nstreams)
    f = pytensor.function([], draws, updates=srng.updates(), mode=mode)
    states = MRG_RandomStreams(4321).get_substream_rstates(nstreams)
    for _ in range(2):
        states, expected = generator.uniform_draws(states, int(numpy.prod(size)), dtype)
        got = f()
        assert got.dtype == dtype
        assert got.tobytes() == expected.reshape(size).tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_draws_outside_the_old_state_leave_it_as_it_was(dtype):
    """The C kernel writing the new state to another array (as inside a
    ``scan``): the old state unchanged, the draws and the new state the NumPy
    generator's (held against Theano's vectors above), with streams left
    unused (1,500 draws from 2,000 streams) and several rounds over more
    streams than the kernel takes at once (3 x 700 + 100 draws, 700 streams)."""
    from deeplearning_tutorials.rng_mrg import MRGUniform, mrg_uniform

    state = pt.imatrix("state")
    for n, nstreams in [(1500, 2000), (2200, 700)]:
        new, draws = mrg_uniform(state, (n,), dtype)
        f = pytensor.function([pytensor.In(state, mutable=False)], [new, draws], mode="CVM")
        (node,) = [n for n in f.maker.fgraph.toposort() if isinstance(n.op, MRGUniform)]
        assert not node.op.inplace
        old = MRG_RandomStreams(99).get_substream_rstates(nstreams)
        kept = old.copy()
        expected_state, expected = generator.uniform_draws(old, n, dtype)
        for _ in range(2):  # the second call writes into the first call's arrays
            got_state, got = f(old)
            assert numpy.array_equal(old, kept)
            assert got_state.tobytes() == expected_state.tobytes()
            assert got.tobytes() == expected.tobytes()
