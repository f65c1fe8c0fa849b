"""Checks of the exercises on overfitting curves: reading a learning curve, predicting whether more data helps,
and reading the best complexity off a measured validation curve.

Every check judges by measuring (``helpers.curves``, seeded), never against a stored answer, and explains a wrong
answer with the measured numbers: which way the training error moved, how far more data moved the test error,
where the validation minimum lies and whether it lies inside the range tried.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers import curves
from helpers.exercises import ExerciseFailed, answer_given

__all__ = ["TRENDS", "MORE_DATA_DEGREES", "MORE_DATA_SIZES", "COMPLEXITY_DATA", "training_error_trend_of",
           "check_training_error_trend", "check_more_data_helps", "complexity_exercise_data",
           "check_best_complexity"]

TRENDS = ("rises", "falls", "stays the same")
MORE_DATA_DEGREES = (9, 1)  # a flexible model on little data (large gap) and a rigid one (small gap, high error)
MORE_DATA_SIZES = (30, 120)  # the largest training set shown, and four times as many points
_HELPS = 0.10  # "more data helps" = four times the data lowers the median test error by more than 10%
COMPLEXITY_DATA = {"n": 100, "noise": 0.2, "n_repeats": 100, "random_state": 0}
_WIDE_DEGREES = 20  # the check's own validation curve runs from degree 0 to at least this


# ------------------------------------------------------------------------------------------ reading a learning curve
def training_error_trend_of(curve: curves.SizeCurve) -> str:
    """One of TRENDS: how the median training error (S,) of a learning curve moves from its smallest size to its
    largest (a change by a factor of 1.5 or more, in the same direction as most of its steps)."""
    centre = curve.train_centre
    steps = np.sign(np.diff(centre))
    if centre[-1] > 1.5 * centre[0] and np.mean(steps > 0) > 0.5:
        return "rises"
    if centre[-1] < centre[0] / 1.5 and np.mean(steps < 0) > 0.5:
        return "falls"
    return "stays the same"


def _trend_answer(answer: Any, name: str) -> str:
    answer = answer_given(answer, name, "one of " + ", ".join(map(repr, TRENDS)))
    if not isinstance(answer, str):
        raise ExerciseFailed(f"{name} must be a string, one of {', '.join(map(repr, TRENDS))}; "
                             f"got {type(answer).__name__} {answer!r:.40}.")
    cleaned = " ".join(answer.lower().split())
    if cleaned not in TRENDS:
        raise ExerciseFailed(f"{name} must be one of {', '.join(map(repr, TRENDS))}, got {answer!r}.")
    return cleaned


def check_training_error_trend(answer: Any, curve: curves.SizeCurve | None = None) -> str:
    """Is ``answer`` the way the training error of ``curve`` moves with more data? (default: the running example,
    a cubic on noisy sine data up to 200 points, measured afresh)."""
    answer = _trend_answer(answer, "training_error_trend")
    if curve is None:
        curve = curves.sine_size_curve()
    measured = training_error_trend_of(curve)
    centre, sizes = curve.train_centre, curve.sizes
    rising = int(np.sum(np.diff(centre) > 0))
    numbers = (f"the median training error goes from {centre[0]:.3f} at n = {sizes[0]} to {centre[-1]:.3f} at "
               f"n = {sizes[-1]}, rising in {rising} of {len(sizes) - 1} steps")
    if answer == measured:
        return f"right: {numbers}"
    if measured == "rises" and answer == "falls":
        raise ExerciseFailed(
            f"'falls' is a published claim, and this curve refutes it: {numbers}. A few points can be fitted almost "
            "exactly; every added point is one more the same model must fit, so the training error rises towards "
            "the level the test error falls to. It is the test error that falls.")
    if measured == "rises":
        raise ExerciseFailed(
            f"it does not stay the same: {numbers}, {centre[-1] / max(centre[0], 1e-12):.1f} times as large. "
            "Only its last steps are nearly flat, where it approaches the level of the test error from below.")
    raise ExerciseFailed(f"look at the training curve again: {numbers}, so it {measured}.")


# ------------------------------------------------------------------------------------------ will more data help?
def _more_data_answer(answer: Any) -> dict[int, bool]:
    what = "a dict {" + ", ".join(f"{d}: True or False" for d in MORE_DATA_DEGREES) + "}"
    answer = answer_given(answer, "more_data_helps", what)
    if not isinstance(answer, dict):
        raise ExerciseFailed(f"more_data_helps must be {what}, one prediction per degree; "
                             f"got {type(answer).__name__} {answer!r:.40}.")
    keys = sorted(answer, key=str)
    if sorted(map(str, keys)) != sorted(map(str, MORE_DATA_DEGREES)) or not all(
            isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in keys):
        raise ExerciseFailed(f"more_data_helps must have exactly the keys {', '.join(map(str, MORE_DATA_DEGREES))} "
                             f"(the degrees, as ints), got the keys {keys!r}.")
    for degree, value in answer.items():
        if value is None or value is Ellipsis:
            answer_given(None, f"more_data_helps[{degree}]", "True or False")
        if not isinstance(value, (bool, np.bool_)):
            raise ExerciseFailed(f"more_data_helps[{degree}] must be True or False, got {value!r:.40}.")
    return {int(k): bool(v) for k, v in answer.items()}


def _more_data_sentence(degree: int, helps: bool, before: curves.SizeCurve, after: curves.SizeCurve) -> str:
    small, large = MORE_DATA_SIZES
    t0, t1, drop = before.test_centre[-1], after.test_centre[-1], 1 - after.test_centre[-1] / before.test_centre[-1]
    model = "the straight line" if degree == 1 else f"the degree-{degree} polynomial"
    if helps:
        return (f"more data does help {model}: with {large} instead of {small} points its median test error falls "
                f"from {t0:.3f} to {t1:.3f} (by {drop:.0%}) and its train-test gap closes from {before.gap[-1]:.3f} "
                f"to {after.gap[-1]:.3f}. A large gap is variance, the model fitting its particular sample; more data "
                "cures it, it does not cause overfitting")
    return (f"more data does not help {model}: with {large} instead of {small} points its median test error only "
            f"goes from {t0:.3f} to {t1:.3f} (by {drop:.0%}). Its training and test errors have already met, near "
            f"{t1:.2f}, far above the noise level: the error left is bias, which no amount of data removes; a more "
            "complex model does")


def check_more_data_helps(answer: Any) -> str:
    """Does four times the data lower each model's median test error by more than 10%? The check measures it."""
    predicted = _more_data_answer(answer)
    small, large = MORE_DATA_SIZES
    wrong, right = [], []
    for degree in MORE_DATA_DEGREES:
        before, after = curves.sine_size_curve(degree, small), curves.sine_size_curve(degree, large)
        helps = bool(after.test_centre[-1] < (1 - _HELPS) * before.test_centre[-1])
        sentence = _more_data_sentence(degree, helps, before, after)
        (right if predicted[degree] == helps else wrong).append(sentence)
    if wrong:
        raise ExerciseFailed("; and ".join(wrong) + ".")
    return "right for both models, as the experiment shows: " + "; ".join(right) + "."


# ------------------------------------------------------------------------------------------ the best complexity
def complexity_exercise_data() -> tuple[np.ndarray, np.ndarray]:
    """The exercise's data: x (n, 1), y (n,) noisy sine points, as ``COMPLEXITY_DATA`` says."""
    return curves.make_noisy_sine(COMPLEXITY_DATA["n"], COMPLEXITY_DATA["noise"], COMPLEXITY_DATA["random_state"])


def _measure_degrees(degrees: np.ndarray) -> curves.ComplexityCurve:
    x, y = complexity_exercise_data()
    return curves.polynomial_complexity_curve(x, y, degrees, n_repeats=COMPLEXITY_DATA["n_repeats"],
                                              random_state=COMPLEXITY_DATA["random_state"])


def _degree_answer(value: Any) -> int:
    value = answer_given(value, "best_degree", "an int, the degree you read off your curve")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)) or (
            isinstance(value, (float, np.floating)) and not float(value).is_integer()):
        raise ExerciseFailed(f"best_degree must be a whole number (a polynomial degree), got {value!r:.40}.")
    return int(value)


def check_best_complexity(best_degree: Any, curve: Any) -> str:
    """Is ``best_degree`` the best degree of the student's validation ``curve``, read honestly (inside the range),
    and is it the best of a wider curve? Both curves are measured on ``complexity_exercise_data``."""
    curve = answer_given(curve, "best_degree_curve", "the ComplexityCurve you measured")
    if not isinstance(curve, curves.ComplexityCurve) or curve.param_name != "polynomialfeatures__degree":
        raise ExerciseFailed("best_degree_curve must be the ComplexityCurve returned by "
                             f"curves.polynomial_complexity_curve, got {type(curve).__name__}.")
    degree = _degree_answer(best_degree)
    degrees = np.asarray(curve.values)
    low, high = int(degrees[0]), int(degrees[-1])
    try:
        own = _measure_degrees(degrees)
    except (TypeError, ValueError) as err:
        raise ExerciseFailed(f"your curve's degrees cannot be measured on the exercise's data: {err}") from None
    if own.test_error.shape != np.shape(curve.test_error) or not np.allclose(own.test_centre, curve.test_centre,
                                                                          rtol=1e-6, atol=1e-12):
        settings = ", ".join(f"{k}={v}" for k, v in COMPLEXITY_DATA.items())
        raise ExerciseFailed(f"best_degree_curve was not measured on the exercise's data and splits ({settings}): "
                             f"at degree {low} its median test error is {curve.test_centre[0]:.4g}, the check measures "
                             f"{own.test_centre[0]:.4g}. Measure it with the call the task gives.")
    test, train = own.test_centre, own.train_centre
    if degree not in degrees:
        raise ExerciseFailed(f"degree {degree} is not on your curve, which tried degrees {low} to {high}.")
    best = int(own.best_value)
    at = {int(d): i for i, d in enumerate(degrees)}
    if degree != best:
        if degree == int(degrees[np.argmin(train)]):
            raise ExerciseFailed(
                f"degree {degree} has the lowest *training* error of your curve ({train[at[degree]]:.3f}), but the "
                "training error only falls as the degree grows (a higher degree can fit everything a lower one can), "
                f"so it cannot choose the model. Read the test error: its lowest median is at degree {best} "
                f"({test[at[best]]:.3f}; degree {degree}: {test[at[degree]]:.3f}).")
        raise ExerciseFailed(f"the lowest median test error of your curve is at degree {best} ({test[at[best]]:.3f}), "
                             f"not at degree {degree} ({test[at[degree]]:.3f}).")
    if not own.best_is_inside:
        side, towards = ("highest", "higher") if own.best_index > 0 else ("lowest", "lower")
        raise ExerciseFailed(
            f"degree {degree} is the best of your curve, but it is the {side} degree you tried ({low} to {high}): the "
            f"minimum is at the end of the range, so a {towards} degree might be better still. Widen the range "
            f"towards {towards} degrees until the minimum lies inside it.")
    wide = _measure_degrees(np.arange(0, max(_WIDE_DEGREES, high) + 1))
    if int(wide.best_value) != degree:
        other = int(wide.best_value)
        raise ExerciseFailed(
            f"degree {degree} is the best of your range ({low} to {high}) and lies inside it, but a wider range finds "
            f"degree {other} with a lower median test error ({wide.test_centre[wide.best_index]:.3f} against "
            f"{test[at[degree]]:.3f}): a minimum inside the range is necessary, not sufficient. Widen the range.")
    return (f"degree {degree}: the lowest median test error ({test[at[degree]]:.3f}), inside the range you tried "
            f"({low} to {high}), and the best of degrees 0 to {max(_WIDE_DEGREES, high)} too")
