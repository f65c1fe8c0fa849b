"""Tests for helpers.curves and helpers.curve_plots: splits, the fast least squares against scikit-learn, the measured
shapes of the curves, the explorers at every kind of control value, and a table of bad input."""

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import curve_plots, curves
from helpers.figure_widgets import message_for


@pytest.fixture(scope="module")
def size_curve():
    fig, curve = curve_plots.size_curve_figure(noise=0.3, max_size=120, n_repeats=100)
    plt.close(fig)
    return curve


@pytest.fixture(scope="module")
def complexity_curve():
    fig, curve = curve_plots.complexity_curve_figure(noise=0.3, degrees=(1, 10), n_repeats=100)
    plt.close(fig)
    return curve


def test_noisy_sine_is_seeded_and_shaped():
    x, y = curves.make_noisy_sine(50, 0.2, random_state=3)
    assert x.shape == (50, 1) and y.shape == (50,)
    x2, y2 = curves.make_noisy_sine(50, 0.2, random_state=np.random.default_rng(3))
    np.testing.assert_array_equal(y, y2)  # an int seed and a Generator seeded with it agree
    x0, y0 = curves.make_noisy_sine(20, 0.0)  # noise 0 gives the clean sine exactly
    np.testing.assert_allclose(y0, np.sin(2 * np.pi * x0[:, 0]))


def test_random_splits_hold_out_a_test_set_and_nest_the_training_sets():
    train, test = curves.random_splits(30, 4, 0.3, random_state=1)
    assert train.shape == (4, 21) and test.shape == (4, 9)
    for tr, te in zip(train, test, strict=True):
        np.testing.assert_array_equal(np.sort(np.r_[tr, te]), np.arange(30))  # disjoint, and together everything
    again = curves.random_splits(30, 4, 9, random_state=1)  # 9 points is the same as 30%
    np.testing.assert_array_equal(again[0], train)
    # the first splits do not depend on how many are drawn, so a few can be compared with many
    np.testing.assert_array_equal(curves.random_splits(30, 2, 0.3, random_state=1)[0], train[:2])


def test_fast_size_curve_equals_scikit_learns_learning_curve():
    x, y = curves.make_noisy_sine(120, 0.3, random_state=2)
    sizes = [5, 10, 20, 40, 80]
    fast = curves.polynomial_size_curve(x, y, 3, sizes, n_repeats=4, test_size=40, random_state=5)
    slow = curves.error_vs_training_size(curves.make_model("polynomial", degree=3), x, y, sizes, n_repeats=4,
                                         test_size=40, random_state=5)
    np.testing.assert_array_equal(fast.sizes, slow.sizes)
    np.testing.assert_allclose(fast.train_error, slow.train_error, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(fast.test_error, slow.test_error, rtol=1e-8, atol=1e-12)


def test_fast_complexity_curve_equals_scikit_learns_validation_curve():
    x, y = curves.make_noisy_sine(40, 0.3, random_state=0)
    degrees = np.arange(0, 11)
    fast = curves.polynomial_complexity_curve(x, y, degrees, n_repeats=5, random_state=0)
    slow = curves.error_vs_complexity(curves.make_model("polynomial"), x, y, "polynomialfeatures__degree", degrees,
                                      n_repeats=5, random_state=0)
    np.testing.assert_allclose(fast.train_error, slow.train_error, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(fast.test_error, slow.test_error, rtol=1e-7, atol=1e-12)


def test_size_curve_shapes_and_training_error_rises_with_size(size_curve):
    r, s = size_curve.train_error.shape
    assert size_curve.test_error.shape == (r, s) and size_curve.sizes.shape == (s,) and r == 100
    train, test = size_curve.train_centre, size_curve.test_centre
    assert np.all(np.diff(train) > -0.005) and train[-1] > train[0]  # harder to memorize more points
    assert test[-1] < test[0]
    assert size_curve.gap[-1] < size_curve.gap[0]
    assert np.all(size_curve.train_error >= 0)
    fraction, p = size_curve.train_below_test()
    assert fraction.shape == p.shape == (s,) and np.all(fraction > 0.5) and np.all(p < 0.01)


def test_complexity_curve_best_is_strictly_inside(complexity_curve):
    c = complexity_curve
    assert c.train_error.shape == c.test_error.shape == (100, 10)
    assert c.best_is_inside and c.best_value == 3
    # nested least-squares models: training error never rises with the degree on the same split
    assert np.all(np.diff(c.train_error, axis=1) <= 1e-12)
    assert c.test_centre[-1] > c.test_centre[c.best_index]


def test_knn_complexity_on_small_data_uses_effective_parameters():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 1, (60, 25)), rng.normal(0.8, 1, (60, 25))])
    y = np.repeat([0, 1], 60)
    ks = np.array([45, 15, 5, 1])
    c = curves.error_vs_complexity(curves.make_model("knn", n_components=5), x, y, "kneighborsclassifier__n_neighbors",
                                   ks, complexity=84 / ks, scoring="accuracy", n_repeats=3)
    assert c.train_error.shape == (3, 4)
    np.testing.assert_array_equal(c.train_error[:, -1], 0.0)  # 1-NN memorizes its training set


def test_sine_approximation_error_matches_the_closed_form():
    # the best line through sin(2 pi x) on [0, 1] has slope -6/pi, leaving 1/2 - 3/pi^2
    assert curves.sine_approximation_error(1) == pytest.approx(0.5 - 3 / np.pi**2, rel=1e-10)
    assert curves.sine_approximation_error(0) == pytest.approx(0.5, rel=1e-10)
    # sin(2 pi x) is odd about x = 1/2: an even degree adds nothing to the odd one below it
    for odd in (1, 3, 5):
        assert curves.sine_approximation_error(odd + 1) == pytest.approx(curves.sine_approximation_error(odd), rel=1e-8)
        assert curves.sine_approximation_error(odd + 2) < curves.sine_approximation_error(odd) / 10


def test_least_squares_training_mse_matches_sigma2_times_1_minus_p_over_n():
    for n in (6, 20, 80):
        assert curves.least_squares_training_mse(n, 4, sigma=0.5, n_repeats=3000) == pytest.approx(0.25 * (1 - 4 / n),
                                                                                                  rel=0.05)


def test_plots_start_at_zero_and_have_labels(size_curve, complexity_curve):
    fig, axes = plt.subplots(1, 2)
    curve_plots.plot_size_curve(size_curve, axes[0])
    curve_plots.plot_complexity_curve(complexity_curve, axes[1])
    for ax in axes:
        assert ax.get_ylim()[0] == 0.0 and ax.get_ylim()[1] > 0
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
        assert not ax.yaxis_inverted() and not ax.xaxis_inverted()
    best_line = [ln for ln in axes[1].lines if ln.get_linestyle() == "--"][0]
    lo, hi = complexity_curve.complexity[[0, -1]]
    assert lo < best_line.get_xdata()[0] < hi
    plt.close(fig)


def test_sine_size_curve_is_the_running_example_the_figure_draws():
    curve = curves.sine_size_curve(degree=2, max_size=60, noise=0.2, n_repeats=7, random_state=5)
    x, y = curves.make_noisy_sine(60 + curves.SIZE_TEST_POINTS, 0.2, 5)
    sizes = np.unique(np.geomspace(4, 60, 10).astype(int))
    direct = curves.polynomial_size_curve(x, y, 2, sizes, n_repeats=7, test_size=curves.SIZE_TEST_POINTS,
                                          random_state=5)
    np.testing.assert_array_equal(curve.sizes, sizes)
    np.testing.assert_array_equal(curve.test_error, direct.test_error)
    fig, drawn = curve_plots.size_curve_figure(noise=0.2, max_size=60, degree=2, n_repeats=7, random_state=5)
    np.testing.assert_array_equal(drawn.train_error, curve.train_error)
    plt.close(fig)


def test_size_curves_figure_puts_degrees_side_by_side_on_one_scale():
    fig, measured = curve_plots.size_curves_figure((9, 1), max_size=30)
    assert list(measured) == [9, 1] and len(fig.axes) == 2
    assert fig.axes[0].get_ylim() == fig.axes[1].get_ylim() and fig.axes[0].get_ylim()[0] == 0.0
    assert [ax.get_title() for ax in fig.axes] == ["Polynomial of degree 9: error vs training-set size",
                                                    "Polynomial of degree 1: error vs training-set size"]
    # the same measurement as the single figure's, so the exercise's numbers are the ones drawn
    np.testing.assert_array_equal(measured[9].test_error,
                                  curves.sine_size_curve(9, 30).test_error)
    assert measured[9].gap[-1] > 2 * measured[1].gap[-1]  # a flexible model's gap, a rigid one's level
    plt.close(fig)


def test_figures_reuse_a_measurement_for_an_int_seed_and_not_for_a_generator():
    _, a = curve_plots.complexity_curve_figure(0.4, (1, 5), n_repeats=7)
    _, b = curve_plots.complexity_curve_figure(0.4, (1, 5), n_repeats=7)
    assert a is b
    _, c = curve_plots.complexity_curve_figure(0.4, (1, 5), n_repeats=7, random_state=np.random.default_rng(0))
    _, d = curve_plots.complexity_curve_figure(0.4, (1, 5), n_repeats=7, random_state=np.random.default_rng(1))
    assert c is not d and not np.array_equal(c.test_error, d.test_error)
    plt.close("all")


def _view_text(view, *args):
    """What the explorer shows for these control values: its message, or the message of the error it raises."""
    try:
        fig, text = view(*args)
    except (ValueError, TypeError) as err:
        return None, message_for(err)
    plt.close(fig)
    return fig, text


@pytest.mark.parametrize("lowest, highest, expected, drawn", [
    (1, 12, "best degree 3, inside the range 1 to 12", True),
    (1, 3, "best degree 3 is the most complex tried: read it as 'at least 3'", True),
    (5, 10, "best degree 5 is the simplest tried: read it as 'at most 5'", True),
    (0, 15, "best degree 3, inside the range 0 to 15", True),  # both slider ends
    (9, 2, "the lowest degree (9) is above the highest (2): swap them (2 to 9)", False),  # crossed sliders
    (13, 12, "the lowest degree (13) is above the highest (12): e.g. 11 to 13", False),
    (0, 0, "degrees 0 to 0 are only 1: pick at least 3 (highest >= lowest + 2) so that a best one can lie inside, "
           "e.g. 0 to 2", False),
    (14, 15, "degrees 14 to 15 are only 2: pick at least 3", False),
    (15, 15, "degrees 15 to 15 are only 1: pick at least 3 (highest >= lowest + 2) so that a best one can lie inside, "
             "e.g. 13 to 15", False),
])
def test_complexity_view_gives_a_picture_or_a_true_message_for_every_kind_of_setting(lowest, highest, expected, drawn):
    fig, text = _view_text(curve_plots.complexity_curve_view, 0.3, lowest, highest)
    assert text.startswith(expected)
    assert (fig is not None) == drawn
    if not drawn:  # the range the message suggests works
        suggested = [int(d) for d in re.search(r"(\d+) to (\d+)\)?\.$", text).groups()]
        assert _view_text(curve_plots.complexity_curve_view, 0.3, *suggested)[0] is not None


@pytest.mark.parametrize("noise", [0.05, 1.0])
@pytest.mark.parametrize("max_size", [20, 600])
def test_size_view_at_the_slider_extremes(noise, max_size):
    fig, text = _view_text(curve_plots.size_curve_view, noise, max_size)
    assert fig is not None and text.startswith("median training error") and f"n={max_size}" in text


def test_complexity_explorer_turns_crossed_sliders_into_a_message_and_recovers():
    box = curve_plots.complexity_curve_explorer()
    noise, lowest, highest = box.children[0].children
    out = box.children[1]
    assert all(c.continuous_update is False for c in (noise, lowest, highest))
    assert out.outputs[0]["text"].startswith("best degree 3, inside")
    lowest.value = 13  # above highest = 12
    assert out.outputs[0]["text"].startswith("the lowest degree (13) is above the highest (12)")
    assert len(out.outputs) == 1  # a message, no picture
    highest.value = 15
    assert out.outputs[0]["text"].startswith("best degree 13 is the simplest tried")
    assert out.outputs[1]["output_type"] == "display_data"


def test_size_explorer_redraws_on_change():
    box = curve_plots.size_curve_explorer()
    noise, max_size = box.children[0].children
    out = box.children[1]
    before = out.outputs[0]["text"]
    max_size.value = 600
    assert out.outputs[0]["text"] != before and "n=600" in out.outputs[0]["text"]
    assert out.outputs[1]["output_type"] == "display_data"


def _xy():
    return curves.make_noisy_sine(60, 0.3)


def _with_nan():
    x, y = _xy()
    y = y.copy()
    y[7] = np.nan
    return x, y


POLY = curves.make_model("polynomial")

# (call, error type, words the message must contain: the argument's name and what to pass instead)
BAD_INPUT = [
    (lambda: curves.make_model("svm"), ValueError, ["model name", "'polynomial'"]),
    (lambda: curves.make_model("polynomial", degree=-1), ValueError, ["degree", "at least 0"]),
    (lambda: curves.make_model("knn", n_neighbors="5"), TypeError, ["n_neighbors", "int('5')"]),
    (lambda: curves.make_noisy_sine(0), ValueError, ["n must be", "positive integer"]),
    (lambda: curves.make_noisy_sine(10, noise=-1.0), ValueError, ["noise", ">= 0"]),
    (lambda: curves.make_noisy_sine(2.5), TypeError, ["n must be", "positive integer"]),
    (lambda: curves.make_noisy_sine(10, noise="0.3"), TypeError, ["noise", "float('0.1')"]),
    (lambda: curves.make_noisy_sine(10, random_state=-1), ValueError, ["random_state", "non-negative"]),
    (lambda: curves.random_splits(10, 3, 10), ValueError, ["test_size", "no training data"]),
    (lambda: curves.random_splits(10, 3, 1.0), ValueError, ["test_size", "[0, 1)"]),
    (lambda: curves.random_splits(10, 0, 0.3), ValueError, ["n_repeats", "positive integer"]),
    # NaN in the data is reported where it is, instead of producing NaN rows
    (lambda: curves.error_vs_training_size(POLY, *_with_nan(), [10, 20]), ValueError, ["y contains NaN", "(7,)"]),
    (lambda: curves.polynomial_size_curve(*_with_nan(), 3, [10, 20]), ValueError, ["y contains NaN", "(7,)"]),
    (lambda: curves.polynomial_complexity_curve(*_with_nan(), [1, 2, 3]), ValueError, ["y contains NaN"]),
    (lambda: curves.error_vs_complexity(POLY, *_with_nan(), "polynomialfeatures__degree", [1, 2, 3]), ValueError,
     ["y contains NaN"]),
    # mismatched lengths, wrong shapes, empty data
    (lambda: curves.error_vs_training_size(POLY, _xy()[0], _xy()[1][:-1], [5, 10]), ValueError,
     ["x and y must have the same number of rows", "y has 59"]),
    (lambda: curves.polynomial_size_curve(_xy()[0][:, 0], _xy()[1], 3, [5, 10]), ValueError,
     ["x must have shape (N, 1)", "x.reshape(-1, 1)"]),
    (lambda: curves.polynomial_size_curve(np.hstack(_xy()[0:1] * 2), _xy()[1], 3, [5, 10]), ValueError,
     ["x must have shape (N, 1)"]),
    (lambda: curves.polynomial_size_curve(np.zeros((0, 1)), np.zeros(0), 3, [5, 10]), ValueError, ["x is empty"]),
    (lambda: curves.polynomial_size_curve(*_xy(), 3, ["5", "10"]), TypeError, ["sizes[0]", "int('5')"]),
    # sizes: non-integers, order, range
    (lambda: curves.polynomial_size_curve(*_xy(), 3, [5.5, 10]), TypeError, ["sizes[0]", "positive integer"]),
    (lambda: curves.polynomial_size_curve(*_xy(), 3, np.geomspace(5, 40, 4)), TypeError,
     ["sizes[0]", "without a decimal point"]),
    (lambda: curves.error_vs_training_size(POLY, *_xy(), [0, 10]), ValueError, ["sizes[0]", "positive integer"]),
    (lambda: curves.error_vs_training_size(POLY, *_xy(), []), ValueError, ["sizes", "non-empty"]),
    (lambda: curves.error_vs_training_size(POLY, *_xy(), [20, 10]), ValueError, ["strictly increasing", "sort"]),
    (lambda: curves.error_vs_training_size(POLY, *_xy(), [10, 100]), ValueError, ["exceeds", "pass sizes up to 42"]),
    (lambda: curves.polynomial_size_curve(*_xy(), 3, [3, 10]), ValueError, ["4 coefficients", "start them at 4"]),
    (lambda: curves.error_vs_training_size(POLY, *_xy(), [10, 20], scoring="r2"), ValueError, ["scoring", "accuracy"]),
    (lambda: curves.error_vs_training_size(POLY, *_xy(), [10, 20], n_repeats=0), ValueError, ["n_repeats"]),
    # degrees and complexity settings
    (lambda: curves.error_vs_complexity(POLY, *_xy(), "polynomialfeatures__degree", []), ValueError, ["at least 3"]),
    (lambda: curves.error_vs_complexity(POLY, *_xy(), "polynomialfeatures__degree", [1, 2]), ValueError,
     ["at least 3"]),
    (lambda: curves.error_vs_complexity(POLY, *_xy(), "degree", [1, 2, 3]), ValueError,
     ["parameter name", "'polynomialfeatures__degree'"]),
    (lambda: curves.error_vs_complexity(POLY, *_xy(), "polynomialfeatures__degree", [1, 2, 3], complexity=[3, 2, 1]),
     ValueError, ["increase strictly"]),
    (lambda: curves.polynomial_complexity_curve(*_xy(), [1, -2, 3]), ValueError, ["degrees[1]", "at least 0"]),
    (lambda: curves.polynomial_complexity_curve(*_xy(), [3, 2, 1]), ValueError, ["increase strictly"]),
    (lambda: curves.polynomial_complexity_curve(*_xy(), [1, 2, 50]), ValueError, ["degree 50", "up to 41"]),
    (lambda: curves.sine_approximation_error(31), ValueError, ["degree", "at most 30"]),
    (lambda: curves.least_squares_training_mse(3, 4), ValueError, ["n > p"]),
    # the figures and views, with what widgets and students send
    (lambda: curve_plots.complexity_curve_figure(degrees=(3, 4)), ValueError, ["only 2", "at least 3"]),
    (lambda: curve_plots.complexity_curve_figure(degrees=5), TypeError, ["degrees", "(1, 12)"]),
    (lambda: curve_plots.complexity_curve_figure(degrees=(1, 30)), ValueError, ["degree 30", "up to 27"]),
    (lambda: curve_plots.complexity_curve_view("0.3", 1, 12), TypeError, ["noise", "float('0.1')"]),
    (lambda: curve_plots.complexity_curve_view(0.3, "1", 12), TypeError, ["lowest degree", "int('5')"]),
    (lambda: curve_plots.size_curve_figure(max_size=0), ValueError, ["max_size", "positive integer"]),
    (lambda: curve_plots.size_curve_figure(max_size=6), ValueError, ["max_size=6", "at least 10"]),
    (lambda: curve_plots.size_curve_view(float("nan"), 200), ValueError, ["noise", "finite"]),
    (lambda: curve_plots.size_curve_view(0.3, "200"), TypeError, ["max_size", "int('5')"]),
    (lambda: curves.sine_size_curve(9, 20), ValueError, ["max_size=20", "degree 9", "at least 22"]),
    (lambda: curve_plots.size_curves_figure(9), TypeError, ["degrees", "(9, 1)"]),
    (lambda: curve_plots.size_curves_figure(()), TypeError, ["degrees", "non-empty"]),
    (lambda: curve_plots.size_curves_figure((9, -1)), ValueError, ["degrees[1]", "at least 0"]),
    (lambda: curve_plots.size_curves_figure((9, 1), max_size=20), ValueError, ["max_size=20", "at least 22"]),
]


@pytest.mark.parametrize("call, error, words", BAD_INPUT, ids=[", ".join(w) for _, _, w in BAD_INPUT])
def test_bad_input_is_refused_with_a_message_that_names_it(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error  # a TypeError is not reported as a ValueError, nor the reverse
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"
