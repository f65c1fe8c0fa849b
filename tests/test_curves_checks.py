"""Tests for helpers.curves_checks: each exercise's right answer passes, the stub is "not answered", an answer of
the wrong type gets a clear message, and every known wrong answer fails with feedback that names the mistake."""

import numpy as np
import pytest

from helpers import curves, curves_checks, exercises
from helpers.exercises import ExerciseFailed, NotAnswered


def _fails(check, *args, words=()):
    """The check fails with ExerciseFailed (not a bare AssertionError) and its message holds every word."""
    with pytest.raises(ExerciseFailed) as info:
        check(*args)
    assert type(info.value) is ExerciseFailed
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"
    return str(info.value)


# ------------------------------------------------------------------------------------ training_error_trend
@pytest.fixture(scope="module")
def shown_curve():
    return curves.sine_size_curve()  # the learning curve the notebook shows


def _size_curve(train_centre):
    train = np.array([train_centre] * 3, dtype=float)
    return curves.SizeCurve(np.arange(10, 10 * (len(train_centre) + 1), 10), train, train + 1.0, "mean squared error")


@pytest.mark.parametrize("answer", ["rises", " Rises ", "RISES"])
def test_the_training_error_rises_and_case_or_spaces_do_not_matter(answer, shown_curve):
    message = curves_checks.check_training_error_trend(answer, shown_curve)
    assert message.startswith("right: the median training error goes from 0.010 at n = 5 to 0.086 at n = 200")


def test_without_a_curve_the_check_measures_the_shown_one_itself(shown_curve):
    assert curves_checks.check_training_error_trend("rises") == curves_checks.check_training_error_trend(
        "rises", shown_curve)


def test_the_published_claim_falls_is_refuted_by_the_measured_numbers(shown_curve):
    message = _fails(curves_checks.check_training_error_trend, "falls", shown_curve,
                     words=["'falls' is a published claim", "refutes", "from 0.010 at n = 5 to 0.086 at n = 200",
                            "rising in 8 of 9 steps", "It is the test error that falls"])
    assert "\n" not in message


def test_stays_the_same_is_answered_with_how_much_it_grew(shown_curve):
    _fails(curves_checks.check_training_error_trend, "stays the same", shown_curve,
           words=["does not stay the same", "8.9 times as large", "last steps are nearly flat"])


def test_the_check_reads_the_curve_it_is_given_not_a_stored_answer():
    falling = _size_curve([0.5, 0.4, 0.3, 0.2])
    flat = _size_curve([0.3, 0.31, 0.3, 0.31])
    assert curves_checks.training_error_trend_of(falling) == "falls"
    assert curves_checks.training_error_trend_of(flat) == "stays the same"
    assert curves_checks.check_training_error_trend("falls", falling).startswith("right")
    _fails(curves_checks.check_training_error_trend, "rises", falling, words=["so it falls"])


@pytest.mark.parametrize("answer, words", [
    ("up", ["must be one of 'rises', 'falls', 'stays the same'", "got 'up'"]),
    (3, ["must be a string", "got int 3"]),
    (True, ["must be a string", "got bool True"]),
    (["rises"], ["must be a string", "got list"]),
])
def test_a_non_answer_gets_a_clear_message(answer, words, shown_curve):
    _fails(curves_checks.check_training_error_trend, answer, shown_curve, words=words)


@pytest.mark.parametrize("stub", [None, ...])
def test_the_stub_is_not_answered(stub):
    with pytest.raises(NotAnswered, match="not answered yet: set training_error_trend to one of 'rises'"):
        curves_checks.check_training_error_trend(stub)


# ------------------------------------------------------------------------------------ more_data_helps
def test_more_data_helps_the_flexible_model_and_not_the_straight_line():
    message = curves_checks.check_more_data_helps({9: True, 1: False})
    assert message.startswith("right for both models, as the experiment shows")
    assert "falls from 0.159 to 0.089 (by 44%)" in message and "only goes from 0.292 to 0.280 (by 4%)" in message
    assert curves_checks.check_more_data_helps({np.int64(9): np.bool_(True), 1: False}).startswith("right")


def test_planted_more_data_causes_overfitting_is_refuted_by_the_experiment():
    # the published claim: a large gap means more data would overfit more, so it cannot help
    message = _fails(curves_checks.check_more_data_helps, {9: False, 1: False},
                     words=["more data does help the degree-9 polynomial", "120 instead of 30 points",
                            "falls from 0.159 to 0.089", "gap closes from 0.109 to 0.016", "variance",
                            "it does not cause overfitting"])
    assert "straight line" not in message  # the right half of the answer is not reported as wrong


def test_planted_more_data_always_helps_is_refuted_for_a_biased_model():
    message = _fails(curves_checks.check_more_data_helps, {9: True, 1: True},
                     words=["more data does not help the straight line", "only goes from 0.292 to 0.280 (by 4%)",
                            "already met", "bias", "a more complex model does"])
    assert "degree-9" not in message


def test_both_predictions_wrong_names_both():
    _fails(curves_checks.check_more_data_helps, {9: False, 1: True},
           words=["does help the degree-9 polynomial", "; and more data does not help the straight line"])


@pytest.mark.parametrize("answer, words", [
    ([True, False], ["must be a dict {9: True or False, 1: True or False}", "got list"]),
    ({"9": True, "1": False}, ["exactly the keys 9, 1 (the degrees, as ints)", "['1', '9']"]),
    ({9: True}, ["exactly the keys 9, 1", "[9]"]),
    ({9: True, 1: False, 3: True}, ["exactly the keys 9, 1"]),
    ({9: "yes", 1: False}, ["more_data_helps[9] must be True or False", "'yes'"]),
    ({9: True, 1: 0}, ["more_data_helps[1] must be True or False", "got 0"]),
])
def test_more_data_answers_of_the_wrong_shape_get_a_clear_message(answer, words):
    _fails(curves_checks.check_more_data_helps, answer, words=words)


@pytest.mark.parametrize("stub", [None, {9: None, 1: None}])
def test_more_data_stub_is_not_answered(stub):
    with pytest.raises(NotAnswered, match="not answered yet: set more_data_helps"):
        curves_checks.check_more_data_helps(stub)


# ------------------------------------------------------------------------------------ best_complexity
@pytest.fixture(scope="module")
def data():
    return curves_checks.complexity_exercise_data()


def _measured(data, low, high, **changes):
    settings = {"n_repeats": 100, "random_state": 0} | changes
    return curves.polynomial_complexity_curve(*data, np.arange(low, high + 1), **settings)


@pytest.mark.parametrize("low, high", [(0, 15), (3, 7), (1, 25)])
def test_the_best_degree_read_off_a_curve_that_brackets_it_passes(data, low, high):
    message = curves_checks.check_best_complexity(5, _measured(data, low, high))
    assert message.startswith(f"degree 5: the lowest median test error (0.042), inside the range you tried ({low} to "
                              f"{high})")


def test_a_degree_given_as_numpy_int_or_whole_float_is_accepted(data):
    curve = _measured(data, 0, 15)
    assert curves_checks.check_best_complexity(curve.best_value, curve).startswith("degree 5")
    assert curves_checks.check_best_complexity(5.0, curve).startswith("degree 5")


def test_the_scikit_learn_pipeline_measures_the_same_curve(data):
    curve = curves.error_vs_complexity(curves.make_model("polynomial"), *data, "polynomialfeatures__degree",
                                       np.arange(2, 9), n_repeats=100, random_state=0)
    assert curves_checks.check_best_complexity(5, curve).startswith("degree 5")


def test_planted_the_degree_with_the_lowest_training_error(data):
    _fails(curves_checks.check_best_complexity, 15, _measured(data, 0, 15),
           words=["degree 15 has the lowest *training* error", "only falls as the degree grows",
                  "Read the test error", "its lowest median is at degree 5 (0.042"])


def test_planted_the_end_of_a_too_narrow_range(data):
    # the naive search of the notebook's pitfall: trust the minimum of whatever range was tried
    _fails(curves_checks.check_best_complexity, 3, _measured(data, 1, 3),
           words=["degree 3 is the best of your curve", "highest degree you tried (1 to 3)",
                  "the minimum is at the end of the range", "Widen the range towards higher degrees"])
    _fails(curves_checks.check_best_complexity, 5, _measured(data, 5, 9),
           words=["lowest degree you tried (5 to 9)", "at the end of the range", "towards lower degrees"])


def test_planted_a_minimum_inside_a_range_that_misses_the_best(data):
    _fails(curves_checks.check_best_complexity, 1, _measured(data, 0, 2),
           words=["degree 1 is the best of your range (0 to 2) and lies inside it", "a wider range finds degree 5",
                  "(0.042 against 0.285)", "necessary, not sufficient"])


def test_a_degree_that_is_not_the_minimum_of_the_curve(data):
    _fails(curves_checks.check_best_complexity, 7, _measured(data, 0, 15),
           words=["the lowest median test error of your curve is at degree 5 (0.042), not at degree 7 (0.044)"])
    _fails(curves_checks.check_best_complexity, 30, _measured(data, 0, 15),
           words=["degree 30 is not on your curve", "degrees 0 to 15"])


@pytest.mark.parametrize("changes", [{"n_repeats": 50}, {"random_state": 1}, {"test_size": 0.5}])
def test_a_curve_measured_with_other_splits_is_named(data, changes):
    _fails(curves_checks.check_best_complexity, 5, _measured(data, 0, 15, **changes),
           words=["not measured on the exercise's data and splits", "n=100, noise=0.2, n_repeats=100",
                  "Measure it with the call the task gives"])


def test_a_curve_of_other_data_is_named():
    other = curves.make_noisy_sine(100, 0.3, 0)
    _fails(curves_checks.check_best_complexity, 5, _measured(other, 0, 15),
           words=["not measured on the exercise's data", "at degree 0 its median test error is"])


@pytest.mark.parametrize("degree, curve, words", [
    ("5", "ok", ["best_degree must be a whole number", "'5'"]),
    (5.5, "ok", ["best_degree must be a whole number", "5.5"]),
    (True, "ok", ["best_degree must be a whole number", "True"]),
    (5, "array", ["best_degree_curve must be the ComplexityCurve", "got ndarray"]),
    (5, "size curve", ["best_degree_curve must be the ComplexityCurve", "got SizeCurve"]),
    (5, "knn curve", ["best_degree_curve must be the ComplexityCurve", "got ComplexityCurve"]),
])
def test_answers_of_the_wrong_type_get_a_clear_message(data, degree, curve, words):
    good = _measured(data, 0, 15)
    curve = {"ok": good, "array": good.test_centre, "size curve": curves.sine_size_curve(3, 20, n_repeats=3),
             "knn curve": curves.ComplexityCurve("kneighborsclassifier__n_neighbors", good.values, good.complexity,
                                                 good.train_error, good.test_error, "error", "k")}[curve]
    _fails(curves_checks.check_best_complexity, degree, curve, words=words)


def test_best_complexity_stubs_are_not_answered(data):
    with pytest.raises(NotAnswered, match="set best_degree_curve to the ComplexityCurve you measured"):
        curves_checks.check_best_complexity(None, None)
    with pytest.raises(NotAnswered, match="set best_degree to an int"):
        curves_checks.check_best_complexity(None, _measured(data, 0, 15))


# ------------------------------------------------------------------------------------ the hidden, fresh re-check
def test_the_hidden_checks_give_the_same_verdict_in_a_fresh_process(data):
    curve = _measured(data, 0, 2)
    in_kernel = _fails(curves_checks.check_best_complexity, 1, curve)
    with pytest.raises(ExerciseFailed) as info:
        exercises.fresh_check(curves_checks.check_best_complexity, 1, curve)
    assert str(info.value) == in_kernel
