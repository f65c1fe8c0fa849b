"""Tests for helpers.early_stopping_checks: the Keras reference, the right rule passes, the stub is "not answered",
and every known wrong rule fails with feedback that names its mistake (and the curve it failed on)."""

import numpy as np
import pytest

from helpers import early_stopping, early_stopping_checks, exercises
from helpers.exercises import ExerciseFailed, NotAnswered


def planted(*, compare="<", stop_when="reached", restore="best", first_epoch=1, use_min_delta=True):
    """A student's early_stopping_epochs with one known mistake switched on."""
    def rule(val_loss, patience, min_delta=0.0):
        delta = min_delta if use_min_delta else 0.0
        best, best_epoch, wait = np.inf, 0, 0
        stopped = len(val_loss)
        for epoch, loss in enumerate(val_loss, start=1):
            improves = loss < best - delta if compare == "<" else loss <= best - delta
            if improves:
                best, best_epoch, wait = loss, epoch, 0
                continue
            wait += 1
            limit = {"reached": wait >= patience, "exceeded": wait > patience, "early": wait >= patience - 1}
            if limit[stop_when]:
                stopped = epoch
                break
        restored = {"best": best_epoch, "last": stopped, "whole curve": int(np.argmin(val_loss)) + 1}[restore]
        shift = 1 - first_epoch
        return restored - shift, stopped - shift
    return rule


def _fails(rule, words):
    with pytest.raises(ExerciseFailed) as info:
        early_stopping_checks.check_early_stopping_rule(rule)
    assert type(info.value) is ExerciseFailed
    message = str(info.value)
    for word in words + ["on the validation losses [", "Keras restores epoch"]:
        assert word in message, f"{word!r} not in {message!r}"
    return message


def test_keras_reference_replays_the_callback_on_the_teaching_curves():
    expected = [(5, 5), (3, 5), (2, 5), (1, 3)]
    assert [early_stopping_checks.keras_early_stopping_epochs(*case)
            for case in early_stopping_checks.rule_cases(n_random=0)] == expected


def test_rule_cases_are_seeded_exact_in_float32_and_full_of_ties():
    a, b = early_stopping_checks.rule_cases(0), early_stopping_checks.rule_cases(0)
    assert all(np.array_equal(x[0], y[0]) and x[1:] == y[1:] for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[-1][0], early_stopping_checks.rule_cases(1)[-1][0])
    losses = np.concatenate([case[0] for case in a[4:]])  # the random ones: multiples of 1/16
    assert np.array_equal(losses.astype(np.float32).astype(float), losses)
    assert sum(len(np.unique(v)) < len(v) for v, _, _ in a[4:]) > 10


@pytest.mark.parametrize("random_state", [0, 1])
def test_the_right_rule_agrees_with_keras(random_state):
    message = early_stopping_checks.check_early_stopping_rule(early_stopping.early_stopping_epochs, random_state)
    assert message == "agrees with keras.callbacks.EarlyStopping on all 44 validation curves"
    assert early_stopping_checks.check_early_stopping_rule(planted(), random_state) == message


# each planted mistake and the words its feedback must contain
PLANTED = [
    ("off-by-one patience: wait > patience", planted(stop_when="exceeded"),
     ["returns (3, 6)", "one epoch late", "at epoch 3 + 2 = 5", "reaches patience (>=), not when it exceeds it"]),
    ("off-by-one patience: stops a step early", planted(stop_when="early"), ["one epoch early"]),
    ("restores the last epoch instead of the best", planted(restore="last"),
     ["returns (5, 5)", "you restore the last epoch run", "restores the weights of the best epoch", "epoch 3"]),
    ("non-strict improvement: <=", planted(compare="<="),
     ["[3, 2, 2, 2, 2, 2]", "returns (6, 6)", "epoch 6's loss 2 is not strictly below the best before it (epoch 2: 2)",
      "Compare with < , not <="]),
    ("ignores min_delta", planted(use_min_delta=False),
     ["min_delta 0.05", "returns (4, 5)", "you ignore min_delta", "by more than min_delta = 0.05"]),
    ("counts epochs from 0", planted(first_epoch=0), ["returns (4, 4)", "count epochs from 1"]),
    ("restores the minimum of the whole curve", planted(restore="whole curve"),
     ["returns (4, 3)", "not the minimum of the whole curve"]),
]


@pytest.mark.parametrize("rule, words", [p[1:] for p in PLANTED], ids=[p[0] for p in PLANTED])
def test_every_planted_mistake_fails_and_the_feedback_names_it(rule, words):
    _fails(rule, words)


def test_non_strict_improvement_with_min_delta_is_named_in_min_delta_terms():
    # a tie at exactly min_delta: 1 - 0.25 = 0.75 is no improvement for Keras, one for a rule with <=
    cases = [(np.array([1.0, 0.75, 0.8, 0.6, 0.6, 0.6, 0.6]), 3, 0.25)]
    outputs = early_stopping_checks.rule_outputs(planted(compare="<="), cases)
    assert outputs == [(2, 5)] and early_stopping_checks.keras_early_stopping_epochs(*cases[0]) == (4, 7)
    with pytest.raises(ExerciseFailed, match=r"epoch 2's loss 0.75 is not below the best before it by more than "
                                             r"min_delta = 0.25 \(epoch 1: 1\), so it is no improvement. Compare "):
        early_stopping_checks.check_rule_outputs(cases, outputs)


def test_stopping_after_the_curve_ends_is_named():
    def best_plus_patience(val_loss, patience, min_delta=0.0):
        best = int(np.argmin(val_loss)) + 1
        return best, best + patience

    _fails(best_plus_patience, ["returns (5, 7)", "the curve has only epochs 1 to 5", "ends at the last epoch, 5"])


@pytest.mark.parametrize("result, words", [
    (3, ["must return a pair of whole numbers (best_epoch, stopped_epoch)", "got int 3"]),
    ((3.0, 5.0), ["pair of whole numbers", "got tuple (3.0, 5.0)"]),
    ((3, 5, 7), ["pair of whole numbers", "got tuple"]),
    ((True, 5), ["pair of whole numbers"]),
    (None, ["pair of whole numbers", "got NoneType"]),
])
def test_a_result_of_the_wrong_type_gets_a_clear_message(result, words):
    with pytest.raises(ExerciseFailed) as info:
        early_stopping_checks.check_early_stopping_rule(lambda val_loss, patience, min_delta=0.0: result)
    for word in words:
        assert word in str(info.value)


def test_a_numpy_pair_is_accepted():
    def as_array(val_loss, patience, min_delta=0.0):
        return np.array(early_stopping.early_stopping_epochs(val_loss, patience, min_delta))

    assert early_stopping_checks.check_early_stopping_rule(as_array).startswith("agrees")


def test_the_stub_is_not_answered_and_other_errors_are_named():
    def stub(val_loss, patience, min_delta=0.0):
        raise NotImplementedError()

    with pytest.raises(NotAnswered, match=r"replace `raise NotImplementedError\(\)` in early_stopping_epochs"):
        early_stopping_checks.check_early_stopping_rule(stub)
    with pytest.raises(NotAnswered, match="define early_stopping_epochs"):
        early_stopping_checks.check_early_stopping_rule(None)
    with pytest.raises(ExerciseFailed, match="early_stopping_epochs raised IndexError"):
        early_stopping_checks.check_early_stopping_rule(lambda val_loss, patience, min_delta=0.0: val_loss[99])
    with pytest.raises(ExerciseFailed, match="early_stopping_epochs raised TypeError"):
        early_stopping_checks.check_early_stopping_rule(lambda val_loss, patience: (1, 1))  # no min_delta


def test_outputs_and_cases_must_match_in_number():
    cases = early_stopping_checks.rule_cases(n_random=0)
    with pytest.raises(ExerciseFailed, match=r"one result per validation curve \(4\), got 3"):
        early_stopping_checks.check_rule_outputs(cases, [(1, 1)] * 3)


def test_the_hidden_check_judges_outputs_in_a_fresh_process():
    cases = early_stopping_checks.rule_cases(random_state=1)
    wrong = early_stopping_checks.rule_outputs(planted(restore="last"), cases)
    with pytest.raises(ExerciseFailed, match="you restore the last epoch run"):
        exercises.fresh_check(early_stopping_checks.check_rule_outputs, cases, wrong)


@pytest.mark.parametrize("args, words", [(([], 2), "val_loss"), (([1.0, 0.5], 0), "patience"),
                                         (([1.0, float("nan")], 2), "val_loss"), (([1.0, 0.5], "2"), "patience"),
                                         (([1.0, 0.5], 2, -0.1), "min_delta")])
def test_the_keras_reference_refuses_what_is_not_a_run(args, words):
    with pytest.raises((TypeError, ValueError), match=words):
        early_stopping_checks.keras_early_stopping_epochs(*args)
