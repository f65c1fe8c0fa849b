"""Pictures and a widget for early stopping: loss per epoch, where the rule stops and which epoch it restores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from helpers import early_stopping, validation
from helpers.exercises import call_answer
from helpers.figure_widgets import figure_explorer

__all__ = ["TRAIN", "VALIDATION", "Rule", "plot_epoch_curve", "epoch_curve_figure", "patience_view",
           "patience_explorer"]

TRAIN, VALIDATION = "tab:blue", "tab:red"


def plot_epoch_curve(curve: early_stopping.EpochCurve, ax: plt.Axes, stop: tuple[int, int] | None = None,
                     patience: int | None = None) -> plt.Axes:
    """Training and validation loss per epoch (curve's arrays (E,)), the validation minimum and where training stopped.

    ``stop`` = (best_epoch, stopped_epoch) of a rule with ``patience`` applied to this curve (default: the run's own).
    """
    best_epoch, stopped_epoch = stop if stop is not None else (curve.best_epoch, curve.stopped_epoch)
    patience = curve.patience if patience is None else patience
    ax.plot(curve.epochs, curve.train_loss, "-", color=TRAIN, label="training")
    ax.plot(curve.epochs, curve.val_loss, "-", color=VALIDATION, label="validation")
    ax.axvline(int(np.argmin(curve.val_loss)) + 1, color=VALIDATION, ls=":", lw=1.2, label="validation minimum")
    ax.axvline(stopped_epoch, color="black", ls="--", lw=1,
               label=f"stopped at epoch {stopped_epoch} (patience {patience})")
    ax.plot([best_epoch], [curve.val_loss[best_epoch - 1]], "k*", ms=10, label=f"restored: epoch {best_epoch}")
    ax.set_xlim(0, len(curve.epochs) + 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    # the y-axis starts at exactly 0 so that "no loss" is visible, and heights compare as ratios
    ax.set_ylim(0.0, 1.15 * max(curve.val_loss.max(), curve.train_loss.max()))
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set(title="Loss vs training epochs (early stopping)", xlabel="epoch", ylabel="cross-entropy loss")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


Rule = Callable[[np.ndarray, int, float], tuple[int, int]]  # (val_loss (E,), patience, min_delta) -> (best, stopped)


def _checked_stop(stop: Any, n: int) -> tuple[int, int]:
    """A rule's answer (best, stopped), both epochs in 1..n with best <= stopped, or a ValueError saying what is off."""
    if stop is None:
        raise ValueError("rule returned None: return the pair (best epoch, stopped epoch) (did you forget `return`?).")
    try:
        best, stopped = (int(v) for v in stop)
    except (TypeError, ValueError):
        raise ValueError(f"rule must return a pair of epochs (best, stopped), got "
                         f"{validation.describe(stop)}.") from None
    if not 1 <= best <= stopped <= n:
        raise ValueError(f"rule returned (best, stopped) = ({best}, {stopped}): both must be epochs 1..{n} of this "
                         f"run, with best <= stopped.")
    return best, stopped


def epoch_curve_figure(curve: early_stopping.EpochCurve, patience: int, min_delta: float = 0.0,
                       rule: Rule = early_stopping.early_stopping_epochs) -> tuple[plt.Figure, tuple[int, int]]:
    """A full run (curve's arrays (E,)) and where ``patience`` would stop it: (figure, (best, stopped)).

    ``rule(val_loss, patience, min_delta)`` decides the stop: ``early_stopping.early_stopping_epochs`` or a
    function of the same signature (your own).
    """
    if not isinstance(curve, early_stopping.EpochCurve):
        raise TypeError(f"curve must be an early_stopping.EpochCurve (a recorded run), got "
                        f"{validation.describe(curve)}.")
    if not callable(rule):
        raise TypeError(f"rule must be a function rule(val_loss, patience, min_delta) -> (best, stopped), got "
                        f"{validation.describe(rule)}.")
    stop = _checked_stop(call_answer(rule, curve.val_loss, patience, min_delta, name="rule"), len(curve.epochs))
    fig, ax = plt.subplots(figsize=(6, 3.8))
    plot_epoch_curve(curve, ax, stop=stop, patience=patience)
    return fig, stop


def patience_view(curve: early_stopping.EpochCurve, patience: Any,
                  rule: Rule = early_stopping.early_stopping_epochs) -> tuple[plt.Figure, str]:
    """The patience widget's picture and its one-line reading for a recorded run (curve's arrays (E,))."""
    patience = validation.positive_int(patience, "patience")
    fig, (best, stopped) = epoch_curve_figure(curve, patience, rule=rule)
    n = len(curve.epochs)
    if n - best < patience:  # fewer than `patience` epochs after the best one: the rule never fired
        return fig, (f"patience {patience}: never runs out in the {n} epochs run; "
                     f"training ends there and restores epoch {best}")
    return fig, f"patience {patience}: stops after epoch {stopped}, restores epoch {best}"


def patience_explorer(curve: early_stopping.EpochCurve,
                      rule: Rule = early_stopping.early_stopping_epochs) -> Any:  # -> ipywidgets.VBox
    """A patience slider over a recorded full run; redraws where ``rule`` (as in ``epoch_curve_figure``) would
    stop and which epoch it would restore."""
    import ipywidgets as w

    return figure_explorer({"patience": w.IntSlider(value=10, min=1, max=30, description="patience",
                                                    continuous_update=False)},
                           lambda patience: patience_view(curve, patience, rule))
