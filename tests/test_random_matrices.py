"""helpers.random_matrices: the coin-flip model, GOE samples and their spectrum statistics, and bad input."""

import numpy as np
import pytest

from helpers import random_matrices as rm


def test_coin_flip_probability():
    assert rm.coin_flip_saddle_probability(1) == 0.0
    assert rm.coin_flip_saddle_probability(3) == 0.75
    assert rm.coin_flip_saddle_probability(np.int64(10)) == 1 - 2.0**-9


def test_goe_matrices_are_symmetric_seeded_with_the_right_variances():
    m = rm.goe_matrices(4, 10, np.random.default_rng(0))
    assert m.shape == (10, 4, 4) and np.array_equal(m, np.swapaxes(m, 1, 2))
    assert np.array_equal(rm.goe_matrices(3, 5, random_state=7), rm.goe_matrices(3, 5, random_state=7))
    big = rm.goe_matrices(3, 40_000, random_state=0)
    assert abs(big[:, 0, 0].var() - 1.0) < 0.03 and abs(big[:, 0, 1].var() - 0.5) < 0.02


def test_spectrum_fractions_are_seeded_and_minima_are_rare():
    stats = rm.goe_spectrum_fractions([1, 2, 6], trials=20_000, random_state=1)
    again = rm.goe_spectrum_fractions([1, 2, 6], trials=20_000, random_state=1)
    assert np.array_equal(stats.mixed, again.mixed) and stats.trials == 20_000
    np.testing.assert_allclose(stats.all_positive + stats.all_negative + stats.mixed, 1.0)
    assert abs(stats.all_positive[0] - 0.5) < 0.02 and stats.mixed[0] == 0
    assert stats.all_positive[2] < 2.0**-6 / 10  # far rarer than a coin flip
    assert stats.mixed[2] > rm.coin_flip_saddle_probability(6)
    assert list(rm.goe_spectrum_fractions(range(1, 4), trials=10).n) == [1, 2, 3]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: rm.coin_flip_saddle_probability(0), ValueError, "n must be a positive integer"),
        (lambda: rm.coin_flip_saddle_probability(-2), ValueError, "n must be a positive integer"),
        (lambda: rm.coin_flip_saddle_probability(1.5), TypeError, "n must be a positive integer"),
        (lambda: rm.coin_flip_saddle_probability(3.0), TypeError, "pass 3 without a decimal point"),
        (lambda: rm.coin_flip_saddle_probability(True), TypeError, "True and False are not numbers"),
        (lambda: rm.coin_flip_saddle_probability("3"), TypeError, "convert text first"),
        (lambda: rm.goe_matrices(3, 0), ValueError, "trials must be a positive integer"),
        (lambda: rm.goe_matrices(3, 5, random_state=-1), ValueError, "random_state must be a non-negative seed"),
        (lambda: rm.goe_matrices(3, 5, random_state="0"), TypeError, "random_state must be an int seed"),
        (lambda: rm.goe_spectrum_fractions([], trials=10), ValueError, "ns is empty"),
        (lambda: rm.goe_spectrum_fractions(5, trials=10), TypeError, "ns must be a list of matrix sizes"),
        (lambda: rm.goe_spectrum_fractions("123", trials=10), TypeError, "ns must be a list of matrix sizes"),
        (lambda: rm.goe_spectrum_fractions([2, 0], trials=10), ValueError, "each size in ns must be a positive"),
        (lambda: rm.goe_spectrum_fractions([2], trials=2.5), TypeError, "trials must be a positive integer"),
    ],
)
def test_bad_input_errors_say_what_to_fix(call, error, message):
    with pytest.raises(error, match=message):
        call()
