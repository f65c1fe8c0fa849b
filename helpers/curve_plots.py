"""Draw the curves of ``helpers.curves``: zero error on the y-axis, error upwards, x rightwards, train and test together."""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np

from helpers import curves
from helpers.figure_widgets import figure_explorer

__all__ = ["plot_size_curve", "plot_complexity_curve", "plot_epoch_curve", "size_curve_figure",
           "complexity_curve_figure", "epoch_curve_figure"]

TRAIN, TEST = "tab:blue", "tab:red"


def _finish(ax: plt.Axes, xlabel: str, ylabel: str, ymax: float) -> None:
    # the y-axis starts at exactly 0 so "no error" is visible, and heights compare as ratios
    ax.set_ylim(0.0, ymax)
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)


def _band(ax: plt.Axes, x: np.ndarray, errors: np.ndarray, colour: str, label: str) -> None:
    # median and quartiles: a single split with a wild extrapolation would dominate a mean and a standard deviation
    low, centre, high = np.percentile(errors, [25, 50, 75], axis=0)
    ax.plot(x, centre, "o-", color=colour, ms=3, label=f"{label} (median of {len(errors)} splits)")
    ax.fill_between(x, low, high, color=colour, alpha=0.2, label=f"{label}: middle 50% of splits")


def plot_size_curve(curve: curves.SizeCurve, ax: plt.Axes, ymax: float | None = None) -> plt.Axes:
    """C1: training and test error against training-set size, mean and spread over the repeats."""
    _band(ax, curve.sizes, curve.train_error, TRAIN, "training")
    _band(ax, curve.sizes, curve.test_error, TEST, "test")
    if ymax is None:  # tiny training sets give huge test errors; keep the asymptote readable
        ymax = 2.5 * max(curve.test_centre[-1], curve.train_centre.max())
    ax.set_title("Error vs training-set size (fixed model)")
    _finish(ax, "training-set size (examples)", curve.error_name, ymax)
    return ax


def plot_complexity_curve(curve: curves.ComplexityCurve, ax: plt.Axes, ymax: float | None = None,
                          logx: bool = False) -> plt.Axes:
    """C2: training and test error against complexity, the best complexity marked by a vertical line."""
    _band(ax, curve.complexity, curve.train_error, TRAIN, "training")
    _band(ax, curve.complexity, curve.test_error, TEST, "test")
    best = curve.complexity[curve.best_index]
    ax.axvline(best, color="black", ls="--", lw=1, label=f"best: {curve.param_name.split('__')[-1]} = {curve.best_value}")
    if logx:
        ax.set_xscale("log")
    if ymax is None:
        ymax = 2.0 * max(curve.test_centre.min(), curve.train_centre.max() / 2)
    ax.set_title("Error vs model complexity (fixed data)")
    _finish(ax, f"{curve.complexity_name}  (more complex →)", curve.error_name, ymax)
    return ax


def plot_epoch_curve(curve: curves.EpochCurve, ax: plt.Axes, stop: tuple[int, int] | None = None,
                     patience: int | None = None) -> plt.Axes:
    """C3: training and validation loss per epoch; marks the validation minimum and where training stopped.

    ``stop`` = (best_epoch, stopped_epoch) of a rule with ``patience`` applied to this curve (default: the run's own).
    """
    best_epoch, stopped_epoch = stop if stop is not None else (curve.best_epoch, curve.stopped_epoch)
    patience = curve.patience if patience is None else patience
    ax.plot(curve.epochs, curve.train_loss, "-", color=TRAIN, label="training")
    ax.plot(curve.epochs, curve.val_loss, "-", color=TEST, label="validation")
    ax.axvline(int(np.argmin(curve.val_loss)) + 1, color=TEST, ls=":", lw=1.2, label="validation minimum")
    ax.axvline(stopped_epoch, color="black", ls="--", lw=1,
               label=f"stopped at epoch {stopped_epoch} (patience {patience})")
    ax.plot([best_epoch], [curve.val_loss[best_epoch - 1]], "k*", ms=10, label=f"restored: epoch {best_epoch}")
    ax.set_xlim(0, len(curve.epochs) + 1)
    ax.set_title("Error vs training epochs (early stopping)")
    _finish(ax, "epoch", "cross-entropy loss", 1.15 * max(curve.val_loss.max(), curve.train_loss.max()))
    return ax


# ------------------------------------------------------------------- figures the widgets redraw (plain functions)
# The experiments are cached so a widget's first render reuses the notebook's own measurement of the same
# setting (deterministic under the seed); callers must not modify the arrays of a returned curve.
@functools.lru_cache(maxsize=32)
def _sine_size_curve(noise: float, max_size: int, degree: int, n_repeats: int, random_state: int) -> curves.SizeCurve:
    # a large fixed test set (500 points) makes the test curve precise enough to compare with training
    x, y = curves.make_noisy_sine(max_size + 500, noise, random_state)
    sizes = np.unique(np.geomspace(degree + 2, max_size, 10).astype(int))
    return curves.error_vs_training_size(curves.make_model("polynomial", degree=degree), x, y, sizes,
                                         n_repeats=n_repeats, test_size=500, random_state=random_state)


@functools.lru_cache(maxsize=32)
def _sine_complexity_curve(noise: float, lo: int, hi: int, n: int, n_repeats: int,
                           random_state: int) -> curves.ComplexityCurve:
    x, y = curves.make_noisy_sine(n, noise, random_state)
    return curves.error_vs_complexity(curves.make_model("polynomial"), x, y, "polynomialfeatures__degree",
                                      np.arange(lo, hi + 1), complexity_name="polynomial degree",
                                      n_repeats=n_repeats, random_state=random_state)


def size_curve_figure(noise: float = 0.3, max_size: int = 200, degree: int = 3, n_repeats: int = 10,
                      random_state: int = 0) -> tuple[plt.Figure, curves.SizeCurve]:
    """Measure and draw C1 for a polynomial of ``degree`` on seeded noisy sine data."""
    max_size = curves._positive_int(max_size, "max_size")
    if max_size < 2 * (degree + 2):
        raise ValueError(f"max_size={max_size} is too small for degree {degree}: pass at least {2 * (degree + 2)}.")
    curve = _sine_size_curve(float(noise), max_size, int(degree), int(n_repeats), random_state)
    fig, ax = plt.subplots(figsize=(6, 3.8))
    plot_size_curve(curve, ax, ymax=max(2.5 * noise**2, 2.5 * curve.test_centre[-1]))
    return fig, curve


def complexity_curve_figure(noise: float = 0.3, degrees: tuple[int, int] = (1, 12), n: int = 40,
                            n_repeats: int = 20, random_state: int = 0) -> tuple[plt.Figure, curves.ComplexityCurve]:
    """Measure and draw C2 over polynomial degrees ``degrees[0]..degrees[1]`` on seeded noisy sine data."""
    lo, hi = int(degrees[0]), int(degrees[1])
    if lo < 0 or hi - lo < 2:
        raise ValueError(f"degrees must span at least 3 values from 0 up, got {degrees}; pass e.g. (1, 12).")
    curve = _sine_complexity_curve(float(noise), lo, hi, int(n), int(n_repeats), random_state)
    fig, ax = plt.subplots(figsize=(6, 3.8))
    plot_complexity_curve(curve, ax, ymax=max(0.6, 3 * noise**2))
    return fig, curve


def epoch_curve_figure(curve: curves.EpochCurve, patience: int, min_delta: float = 0.0) -> tuple[plt.Figure, tuple[int, int]]:
    """Draw a full run and where Keras-style early stopping with ``patience`` would stop it."""
    stop = curves.early_stopping_epochs(curve.val_loss, patience, min_delta)
    fig, ax = plt.subplots(figsize=(6, 3.8))
    plot_epoch_curve(curve, ax, stop=stop, patience=patience)
    return fig, stop


# ------------------------------------------------------------------------ widgets: controls -> Output, on release
def size_curve_explorer(random_state: int = 0):  # -> ipywidgets.VBox
    """Sliders for the noise level and the largest training set; re-measures C1 when a slider is released."""
    import ipywidgets as w

    def view(noise: float, max_size: int):
        fig, curve = size_curve_figure(noise=noise, max_size=max_size, random_state=random_state)
        return fig, f"training error {curve.train_centre[0]:.3g} -> {curve.train_centre[-1]:.3g}; gap {curve.gap[-1]:.3g} at n={max_size}"

    return figure_explorer({
        "noise": w.FloatSlider(value=0.3, min=0.05, max=1.0, step=0.05, description="noise s.d.", continuous_update=False),
        "max_size": w.IntSlider(value=200, min=20, max=600, step=20, description="max size", continuous_update=False),
    }, view)


def complexity_curve_explorer(random_state: int = 0):  # -> ipywidgets.VBox
    """Sliders for the noise level and the range of degrees; re-measures C2 when a slider is released."""
    import ipywidgets as w

    def view(noise: float, degrees: tuple[int, int]):
        fig, curve = complexity_curve_figure(noise=noise, degrees=degrees, random_state=random_state)
        where = "inside the range" if curve.best_is_inside else "AT AN END of the range: widen it"
        return fig, f"best degree {curve.best_value}, {where}"

    return figure_explorer({
        "noise": w.FloatSlider(value=0.3, min=0.05, max=1.0, step=0.05, description="noise s.d.", continuous_update=False),
        "degrees": w.IntRangeSlider(value=(1, 12), min=0, max=15, description="degrees", continuous_update=False),
    }, view)


def patience_explorer(curve: curves.EpochCurve):  # -> ipywidgets.VBox
    """A patience slider over a recorded full run; redraws where early stopping would stop and restore."""
    import ipywidgets as w

    def view(patience: int):
        fig, (best, stop) = epoch_curve_figure(curve, patience=patience)
        return fig, f"patience {patience}: stops after epoch {stop}, restores epoch {best}"

    return figure_explorer({"patience": w.IntSlider(value=10, min=1, max=30, description="patience",
                                              continuous_update=False)}, view)
