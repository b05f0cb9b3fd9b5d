"""The seeded symbolic noise: distribution, reproducibility, saved state."""

import numpy
import pytensor
import pytest

from deeplearning_tutorials.machinery.noise import RandomStreams


def test_bernoulli_draws_ones_with_probability_p_and_changes_every_call():
    streams = RandomStreams(seed=5)
    mask = streams.bernoulli(0.7, size=(200, 500))
    draw = pytensor.function([], mask, updates=streams.updates_for([mask]))
    first, second = draw(), draw()
    assert set(numpy.unique(first)) == {0.0, 1.0}
    # 100,000 draws: the standard deviation of the mean is 0.0014
    assert abs(first.mean() - 0.7) < 0.006
    assert (first != second).mean() == pytest.approx(2 * 0.7 * 0.3, abs=0.01)
    assert first.dtype == pytensor.config.floatX


def test_probability_one_keeps_everything():
    """A corruption level of 0 (keep probability 1) must keep every input."""
    mask = RandomStreams(seed=1).bernoulli(1.0, size=(50, 50))
    assert pytensor.function([], mask)().min() == 1.0


def test_the_same_seed_gives_the_same_draws_and_another_seed_others():
    def draws(seed):
        streams = RandomStreams(seed)
        u = streams.uniform(size=(3, 4))
        draw = pytensor.function([], u, updates=streams.updates_for([u]))
        return [draw() for _ in range(3)]

    numpy.testing.assert_array_equal(draws(7), draws(7))
    assert not numpy.allclose(draws(7)[0], draws(8)[0])


def test_each_draw_has_its_own_generator():
    streams = RandomStreams(seed=3)
    a, b = streams.uniform(size=(5,)), streams.uniform(size=(5,))
    assert len(streams.generators) == 2
    assert [rng for rng, _ in streams.updates_for([b])] == streams.generators[1:]
    x, y = pytensor.function([], [a, b])()
    assert not numpy.allclose(x, y)


def test_a_saved_state_replays_the_same_draws():
    streams = RandomStreams(seed=11)
    u = streams.uniform(size=(4,))
    draw = pytensor.function([], u, updates=streams.updates_for([u]))
    draw()
    saved = streams.get_state()
    expected = [draw(), draw()]
    streams.set_state(saved)
    numpy.testing.assert_array_equal([draw(), draw()], expected)


def test_a_state_for_other_generators_is_refused():
    streams = RandomStreams(seed=11)
    streams.uniform(size=(4,))
    with pytest.raises(ValueError, match="1 generators"):
        streams.set_state([])
