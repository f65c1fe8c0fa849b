"""Draw the curves of ``helpers.curves``, and their explorers: zero error at the bottom of the y-axis, error
upwards, the x-quantity rightwards, training and test on the same axes.

The explorers re-measure polynomial least squares on seeded noisy-sine data (``curves.polynomial_size_curve``,
``curves.polynomial_complexity_curve``: every split solved at once) and cache what they measured, so that a
slider redraws in a fraction of a second.
"""

from __future__ import annotations

import functools
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from helpers import curves, validation
from helpers.figure_widgets import figure_explorer

__all__ = ["TRAIN", "TEST", "SIZE_TEST_POINTS", "plot_size_curve", "plot_complexity_curve", "size_curve_figure",
           "size_curves_figure", "complexity_curve_figure", "size_curve_view", "complexity_curve_view",
           "size_curve_explorer", "complexity_curve_explorer"]

TRAIN, TEST = "tab:blue", "tab:red"
SIZE_TEST_POINTS = curves.SIZE_TEST_POINTS


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
    """Training and test error (R, S) against training-set size (S,): medians over the splits and their quartiles."""
    _band(ax, curve.sizes, curve.train_error, TRAIN, "training")
    _band(ax, curve.sizes, curve.test_error, TEST, "test")
    if ymax is None:  # tiny training sets give huge test errors; keep the asymptote readable
        ymax = 2.5 * max(curve.test_centre[-1], curve.train_centre.max())
    ax.set_title("Error vs training-set size (fixed model)")
    _finish(ax, "training-set size (examples)", curve.error_name, ymax)
    return ax


def plot_complexity_curve(curve: curves.ComplexityCurve, ax: plt.Axes, ymax: float | None = None,
                          logx: bool = False) -> plt.Axes:
    """Training and test error (R, P) against complexity (P,): medians, quartiles, a vertical line at the best."""
    _band(ax, curve.complexity, curve.train_error, TRAIN, "training")
    _band(ax, curve.complexity, curve.test_error, TEST, "test")
    best = curve.complexity[curve.best_index]
    name = curve.param_name.split("__")[-1]
    ax.axvline(best, color="black", ls="--", lw=1, label=f"best: {name} = {curve.best_value}")
    if logx:
        ax.set_xscale("log")
    if ymax is None:
        ymax = 2.0 * max(curve.test_centre.min(), curve.train_centre.max() / 2)
    ax.set_title("Error vs model complexity (fixed data)")
    _finish(ax, f"{curve.complexity_name}  (more complex →)", curve.error_name, ymax)
    return ax


# ---------------------------------------------------------------- measurements the widgets redraw, cached
def _sine_size_curve(noise: float, max_size: int, degree: int, n_repeats: int, random_state: Any) -> curves.SizeCurve:
    return curves.sine_size_curve(degree, max_size, noise, n_repeats, random_state)


def _sine_complexity_curve(noise: float, lowest: int, highest: int, n: int, n_repeats: int,
                           random_state: Any) -> curves.ComplexityCurve:
    x, y = curves.make_noisy_sine(n, noise, random_state)
    return curves.polynomial_complexity_curve(x, y, np.arange(lowest, highest + 1), n_repeats=n_repeats,
                                              random_state=random_state)


# Cached only for int seeds (a Generator would give new data each call); callers must not modify the arrays.
_CACHED = {measure: functools.lru_cache(maxsize=64)(measure) for measure in (_sine_size_curve, _sine_complexity_curve)}


def _measure(measure: Any, *args: Any) -> Any:
    seed = args[-1]
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
        return _CACHED[measure](*args[:-1], int(seed))
    return measure(*args)


def size_curve_figure(noise: float = 0.3, max_size: int = 200, degree: int = 3, n_repeats: int = 200,
                      random_state: Any = 0) -> tuple[plt.Figure, curves.SizeCurve]:
    """Measure and draw the learning curve of a polynomial of ``degree`` on seeded noisy sine data.

    Ten training-set sizes from degree + 2 to ``max_size``, each split holding out a fresh test set of
    ``SIZE_TEST_POINTS`` points.
    """
    noise = validation.positive_number(noise, "noise", allow_zero=True)
    degree = validation.positive_int(degree, "degree", minimum=0)
    max_size = validation.positive_int(max_size, "max_size")
    n_repeats = validation.positive_int(n_repeats, "n_repeats")
    curve = _measure(_sine_size_curve, noise, max_size, degree, n_repeats, random_state)
    fig, ax = plt.subplots(figsize=(6, 3.8))
    plot_size_curve(curve, ax, ymax=max(2.5 * noise**2, 2.5 * curve.test_centre[-1]))
    return fig, curve


def size_curves_figure(degrees: tuple[int, ...] = (9, 1), max_size: int = 30, noise: float = 0.3,
                       n_repeats: int = 200, random_state: Any = 0) -> tuple[plt.Figure, dict[int, curves.SizeCurve]]:
    """Learning curves of several polynomial degrees side by side, on one y-scale so that their gaps compare;
    each measured as ``size_curve_figure`` measures it. Returns the figure and {degree: SizeCurve}."""
    noise = validation.positive_number(noise, "noise", allow_zero=True)
    if not isinstance(degrees, (tuple, list)) or not degrees:
        raise TypeError(f"degrees must be a non-empty tuple of polynomial degrees such as (9, 1), "
                        f"got {validation.describe(degrees)}.")
    degrees = tuple(validation.positive_int(d, f"degrees[{i}]", minimum=0) for i, d in enumerate(degrees))
    max_size = validation.positive_int(max_size, "max_size")
    n_repeats = validation.positive_int(n_repeats, "n_repeats")
    measured = {d: _measure(_sine_size_curve, noise, max_size, d, n_repeats, random_state) for d in degrees}
    ymax = 2.5 * max(noise**2, *(c.test_centre[-1] for c in measured.values()))
    fig, axes = plt.subplots(1, len(degrees), figsize=(5.5 * len(degrees), 3.8), squeeze=False)
    for ax, (degree, curve) in zip(axes[0], measured.items(), strict=True):
        plot_size_curve(curve, ax, ymax=ymax)
        ax.set_title(f"Polynomial of degree {degree}: error vs training-set size")
    fig.tight_layout()
    return fig, measured


def complexity_curve_figure(noise: float = 0.3, degrees: tuple[int, int] = (1, 12), n: int = 40,
                            n_repeats: int = 200, random_state: Any = 0) -> tuple[plt.Figure, curves.ComplexityCurve]:
    """Measure and draw the validation curve over polynomial degrees ``degrees[0]..degrees[1]`` on ``n`` seeded
    noisy sine points (70/30 splits)."""
    noise = validation.positive_number(noise, "noise", allow_zero=True)
    if not isinstance(degrees, (tuple, list)) or len(degrees) != 2:
        raise TypeError(f"degrees must be a pair (lowest, highest) such as (1, 12), "
                        f"got {validation.describe(degrees)}.")
    lowest = validation.positive_int(degrees[0], "the lowest degree", minimum=0)
    highest = validation.positive_int(degrees[1], "the highest degree", minimum=0)
    # a range of three degrees that ends at the larger of the two: always one the sliders offer
    start = max(0, max(lowest, highest) - 2)
    if lowest > highest:
        fix = f"swap them ({highest} to {lowest})" if lowest - highest >= 2 else f"e.g. {start} to {start + 2}"
        raise ValueError(f"the lowest degree ({lowest}) is above the highest ({highest}): {fix}.")
    if highest - lowest < 2:
        raise ValueError(f"degrees {lowest} to {highest} are only {highest - lowest + 1}: pick at least 3 "
                         f"(highest >= lowest + 2) so that a best one can lie inside, e.g. {start} to {start + 2}.")
    n, n_repeats = validation.positive_int(n, "n"), validation.positive_int(n_repeats, "n_repeats")
    curve = _measure(_sine_complexity_curve, noise, lowest, highest, n, n_repeats, random_state)
    fig, ax = plt.subplots(figsize=(6, 3.8))
    plot_complexity_curve(curve, ax, ymax=max(0.6, 3 * noise**2))
    return fig, curve


# ------------------------------------------------------------------------ widgets: controls -> Output, on release
def size_curve_view(noise: float, max_size: int, random_state: Any = 0) -> tuple[plt.Figure, str]:
    """The size explorer's picture and its one-line reading: the medians at the smallest and the largest size."""
    fig, curve = size_curve_figure(noise=noise, max_size=max_size, random_state=random_state)
    first, last = curve.sizes[0], curve.sizes[-1]
    return fig, (f"median training error {curve.train_centre[0]:.3g} at n={first} -> {curve.train_centre[-1]:.3g} "
                 f"at n={last}; median test error {curve.test_centre[0]:.3g} -> {curve.test_centre[-1]:.3g}")


def complexity_curve_view(noise: float, lowest: int, highest: int, random_state: Any = 0) -> tuple[plt.Figure, str]:
    """The complexity explorer's picture and its one-line reading: the best degree, and whether it lies inside."""
    fig, curve = complexity_curve_figure(noise=noise, degrees=(lowest, highest), random_state=random_state)
    best = curve.best_value
    if curve.best_is_inside:
        return fig, f"best degree {best}, inside the range {lowest} to {highest}"
    if curve.best_index > 0:
        return fig, (f"best degree {best} is the most complex tried: read it as 'at least {best}' "
                     "(a higher degree might be better still)")
    if best == 0:
        return fig, "best degree 0 (a constant) is the simplest model there is: no trend tried beats the mean of y"
    return fig, (f"best degree {best} is the simplest tried: read it as 'at most {best}' "
                 "(a lower degree might be better still)")


def size_curve_explorer(random_state: Any = 0) -> Any:  # -> ipywidgets.VBox
    """Sliders for the noise level and the largest training set; re-measures the learning curve on release."""
    import ipywidgets as w

    return figure_explorer({
        "noise": w.FloatSlider(value=0.3, min=0.05, max=1.0, step=0.05, description="noise s.d.",
                               continuous_update=False),
        "max_size": w.IntSlider(value=200, min=20, max=600, step=20, description="max size", continuous_update=False),
    }, lambda noise, max_size: size_curve_view(noise, max_size, random_state))


def complexity_curve_explorer(random_state: Any = 0) -> Any:  # -> ipywidgets.VBox
    """Sliders for the noise level and the lowest and highest degree tried; re-measures the validation curve on release.

    Two sliders rather than one range slider: a range slider refuses crossed handles before any callback runs,
    so the reader would get no message; crossed sliders here get one.
    """
    import ipywidgets as w

    return figure_explorer({
        "noise": w.FloatSlider(value=0.3, min=0.05, max=1.0, step=0.05, description="noise s.d.",
                               continuous_update=False),
        "lowest": w.IntSlider(value=1, min=0, max=15, description="lowest degree", continuous_update=False),
        "highest": w.IntSlider(value=12, min=0, max=15, description="highest degree", continuous_update=False),
    }, lambda noise, lowest, highest: complexity_curve_view(noise, lowest, highest, random_state))
