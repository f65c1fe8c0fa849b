"""Check of the early-stopping exercise: a student's ``early_stopping_epochs`` against Keras' own callback.

The reference is ``keras.callbacks.EarlyStopping`` itself, replayed epoch by epoch on recorded validation curves
(``keras_early_stopping_epochs``), so the check holds no answer of its own. The curves are a few hand-made ones,
each of which catches one known mistake, then seeded random ones whose losses are multiples of 1/16 (exact in
float32, which Keras compares in, and tied often, which tests strict improvement). A disagreement is explained in
the rule's terms: counting epochs from 0, stopping one epoch late or early, restoring the last epoch instead of the
best, counting an equal loss as an improvement, ignoring ``min_delta``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from helpers import validation
from helpers.exercises import ExerciseFailed, call_answer
from helpers.quiet_tensorflow import keras

__all__ = ["keras_early_stopping_epochs", "rule_cases", "rule_outputs", "check_rule_outputs",
           "check_early_stopping_rule"]

NAME = "early_stopping_epochs"
# (val_loss, patience, min_delta): the first mismatch is the one explained, so the clearest cases come first
_TEACHING_CASES = [
    ([5.0, 4.0, 3.0, 2.0, 1.0], 2, 0.0),  # always improving: never stops early, ends at the last epoch
    ([3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 5.0], 2, 0.0),  # best at 3, two epochs without improvement: stops at 5
    ([3.0, 2.0, 2.0, 2.0, 2.0, 2.0], 3, 0.0),  # an equal loss is not an improvement
    ([1.0, 0.98, 0.96, 0.5, 0.6], 2, 0.05),  # improvements smaller than min_delta do not count
]


class _Model:
    """What EarlyStopping needs of a model when it does not restore weights: a stop_training flag."""

    stop_training = False


def keras_early_stopping_epochs(val_loss: np.ndarray | list[float], patience: int,
                                min_delta: float = 0.0) -> tuple[int, int]:
    """``keras.callbacks.EarlyStopping(monitor="val_loss")`` replayed on val_loss (E,): (best_epoch, stopped_epoch),
    1-based; stopped_epoch is E when patience never runs out."""
    val_loss = validation.float_array(val_loss, "val_loss", shape=("E",))
    patience = validation.positive_int(patience, "patience")
    min_delta = validation.positive_number(min_delta, "min_delta", allow_zero=True)
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, min_delta=min_delta, mode="min")
    model = _Model()
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, loss in enumerate(val_loss):
        callback.on_epoch_end(epoch, {"val_loss": float(loss)})
        if model.stop_training:
            return callback.best_epoch + 1, epoch + 1  # Keras counts epochs from 0
    return callback.best_epoch + 1, len(val_loss)


def rule_cases(random_state: int = 0, n_random: int = 40) -> list[tuple[np.ndarray, int, float]]:
    """The curves a rule is checked on: the hand-made ones, then ``n_random`` seeded random ones (val_loss (E,),
    patience, min_delta) with E from 1 to 15 and losses on a grid of 1/16, so ties happen."""
    rng = np.random.default_rng(random_state)
    cases = [(np.array(v), p, d) for v, p, d in _TEACHING_CASES]
    for _ in range(n_random):
        val_loss = rng.integers(0, 32, size=int(rng.integers(1, 16))) / 16
        cases.append((val_loss, int(rng.integers(1, 6)), float(rng.choice([0.0, 0.0, 1 / 16, 1 / 4]))))
    return cases


def _as_epochs(result: Any) -> tuple[int, int]:
    if isinstance(result, np.ndarray):
        result = result.tolist()
    if not isinstance(result, (tuple, list)) or len(result) != 2 or not all(
            isinstance(e, (int, np.integer)) and not isinstance(e, bool) for e in result):
        raise ExerciseFailed(f"{NAME} must return a pair of whole numbers (best_epoch, stopped_epoch), "
                             f"got {type(result).__name__} {result!r:.50}.")
    return int(result[0]), int(result[1])


def rule_outputs(rule: Callable[..., Any], cases: list[tuple[np.ndarray, int, float]]) -> list[tuple[int, int]]:
    """What ``rule`` returns on each case (val_loss (E,), patience, min_delta), as plain (best_epoch, stopped_epoch)
    pairs (picklable for fresh_check)."""
    return [_as_epochs(call_answer(rule, np.array(v, dtype=float), p, d, name=NAME)) for v, p, d in cases]


def _curve_text(val_loss: np.ndarray, patience: int, min_delta: float) -> str:
    losses = ", ".join(f"{v:g}" for v in val_loss)
    return f"on the validation losses [{losses}] with patience {patience}" + (
        f" and min_delta {min_delta:g}" if min_delta else "")


def _explain(val_loss: np.ndarray, patience: int, min_delta: float, got: tuple[int, int],
             want: tuple[int, int]) -> str:
    """Why ``got`` differs from Keras' ``want`` on one curve, in the rule's terms."""
    (best, stopped), (k_best, k_stopped), n = got, want, len(val_loss)
    where = _curve_text(val_loss, patience, min_delta)
    said = f"{where}, Keras restores epoch {k_best} and stops at epoch {k_stopped}; your {NAME} returns {got}"
    if (best, stopped) == (k_best - 1, k_stopped - 1):
        return f"{said}: count epochs from 1 (the first epoch is epoch 1, as Keras prints it)"
    if stopped > n or best > n or best < 1:
        return (f"{said}, but the curve has only epochs 1 to {n}: when patience never runs out, training ends at the "
                f"last epoch, {n}, and restores the best epoch seen")
    if stopped == k_stopped and best == stopped != k_best:
        return (f"{said}: you restore the last epoch run, but early stopping restores the weights of the best epoch "
                f"(the lowest validation loss), epoch {k_best}")
    if best == k_best and stopped == k_stopped + 1:
        return (f"{said}: one epoch late. Patience {patience} means stopping after {patience} epochs in a row "
                f"without improvement, at epoch {k_best} + {patience} = {k_best + patience}: stop when the count "
                "of epochs without improvement reaches patience (>=), not when it exceeds it")
    if best == k_best and stopped == k_stopped - 1:
        return (f"{said}: one epoch early. Patience {patience} allows {patience} epochs in a row without "
                "improvement; training stops at the last of them, not before it")
    if min_delta and (best, stopped) == keras_early_stopping_epochs(val_loss, patience, 0.0):
        return (f"{said}: you ignore min_delta. An epoch improves only when its loss is below the best so far by "
                f"more than min_delta = {min_delta:g}")
    if 1 < best <= n and best != k_best:
        # the best epoch Keras would hold just before the student's best one (a patience that never runs out)
        before = keras_early_stopping_epochs(val_loss[:best - 1], n + 1, min_delta)[0]
        loss, previous = val_loss[best - 1], val_loss[before - 1]
        if not loss < previous - min_delta:
            below = f"below the best before it by more than min_delta = {min_delta:g}" if min_delta else (
                "strictly below the best before it")
            tie = (". Compare with < , not <= : a loss that only ties neither becomes the best nor resets the count "
                   "of epochs without improvement") if np.isclose(loss, previous - min_delta) else ""
            return (f"{said}: epoch {best}'s loss {loss:g} is not {below} (epoch {before}: {previous:g}), so it is "
                    f"no improvement{tie}")
    if best > stopped:
        return (f"{said}: the restored epoch must be one that was run, the best of the epochs up to the stop, "
                "not the minimum of the whole curve")
    return said


def check_rule_outputs(cases: list[tuple[np.ndarray, int, float]], outputs: list[tuple[int, int]]) -> str:
    """Compare a rule's outputs (one (best, stopped) pair per case) on ``cases`` (val_loss (E,), patience,
    min_delta) with Keras' EarlyStopping; explain the first disagreement."""
    if len(outputs) != len(cases):
        raise ExerciseFailed(f"expected one result per validation curve ({len(cases)}), got {len(outputs)}.")
    for (val_loss, patience, min_delta), got in zip(cases, outputs, strict=True):
        val_loss = np.asarray(val_loss, dtype=float)
        got = _as_epochs(got)
        want = keras_early_stopping_epochs(val_loss, patience, min_delta)
        if got != want:
            raise ExerciseFailed(_explain(val_loss, patience, min_delta, got, want) + ".")
    return f"agrees with keras.callbacks.EarlyStopping on all {len(cases)} validation curves"


def check_early_stopping_rule(rule: Any, random_state: int = 0) -> str:
    """Run the student's ``early_stopping_epochs`` on ``rule_cases(random_state)`` and compare with Keras."""
    cases = rule_cases(random_state)
    return check_rule_outputs(cases, rule_outputs(rule, cases))
