"""Pictures and a widget for logistic regression: how fast gradient descent approaches the optimum for a step size."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from helpers import validation
from helpers.figure_widgets import figure_explorer
from helpers.logistic_regression import (
    largest_curvature,
    logistic_gradient,
    logistic_gradient_descent,
    logistic_loss,
)

__all__ = ["optimum", "plot_gradient_descent_gap", "gradient_descent_view", "gradient_descent_explorer"]


def optimum(x: Any, y: Any, steps: int = 2000) -> np.ndarray:
    """The minimiser theta* = (w, b) for x: (N,), y: (N,), by gradient descent with the guaranteed step 1/L: (2,)."""
    return logistic_gradient_descent(x, y, 1.0 / largest_curvature(x, y), steps)[-1]


def _curvature_at(theta: np.ndarray, x: Any, y: Any, eps: float = 1e-5) -> float:
    """lambda_max(H(theta)), with H the Jacobian of the gradient by central differences (to about 1e-9 relative).

    Computed from the gradient, so that the widget does not need the Hessian, which is an exercise.
    """
    columns = [(logistic_gradient(theta + eps * e, x, y) - logistic_gradient(theta - eps * e, x, y)) / (2 * eps)
               for e in np.eye(2)]
    H = np.column_stack(columns)
    return float(np.linalg.eigvalsh((H + H.T) / 2).max())


def plot_gradient_descent_gap(x: Any, y: Any, learning_rate: float, ax: plt.Axes, steps: int = 60,
                              theta_star: Any = None) -> np.ndarray:
    """Draw E(theta_t) - E(theta*) against t (log scale) on ``ax``; x, y: (N,). Returns the gaps: (steps + 1,)."""
    path = logistic_gradient_descent(x, y, learning_rate, steps)
    theta_star = optimum(x, y) if theta_star is None else validation.float_array(theta_star, "theta_star", shape=(2,))
    e_star = logistic_loss(theta_star, x, y)
    # the optimum is only known to about 1e-12, so gaps below that are rounding: shown at the floor
    gaps = np.maximum(np.array([logistic_loss(th, x, y) for th in path]) - e_star, 1e-13)
    ax.semilogy(np.arange(steps + 1), gaps, marker=".", label=f"learning rate {learning_rate:.3g}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("step t")
    ax.set_ylabel("E(θₜ) − E(θ*)")
    ax.legend(loc="upper right")
    return gaps


def gradient_descent_view(x: Any, y: Any, learning_rate: float, theta_star: Any = None,
                          steps: int = 60) -> tuple[plt.Figure, str]:
    """The gap to the optimum per step for one learning rate, and a line on which regime it is in; x, y: (N,)."""
    learning_rate = validation.positive_number(learning_rate, "learning_rate")
    theta_star = optimum(x, y) if theta_star is None else validation.float_array(theta_star, "theta_star", shape=(2,))
    bound = 2 / largest_curvature(x, y)
    local = 2 / _curvature_at(theta_star, x, y)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    gaps = plot_gradient_descent_gap(x, y, learning_rate, ax, steps=steps, theta_star=theta_star)
    ax.set_title(f"guaranteed for learning rate < 2/L = {bound:.3g}; "
                 f"near the optimum for < 2/λmax(H(θ*)) = {local:.3g}", fontsize=9)
    if learning_rate < bound:
        regime = f"below 2/L = {bound:.3g}: convergence is guaranteed from any start"
    elif learning_rate < local:
        regime = (f"between 2/L = {bound:.3g} and {local:.3g}: no guarantee from every start, "
                  "but the optimum attracts nearby iterates")
    else:
        regime = (f"above 2/λmax(H(θ*)) = {local:.3g}: the optimum repels the iterates, "
                  "so they cannot settle there")
    gap = "below 1e-13 (rounding)" if gaps[-1] <= 1e-13 else f"{gaps[-1]:.1e}"
    return fig, f"learning rate {learning_rate:.3g} is {regime}; gap after {steps} steps: {gap}."


def gradient_descent_explorer(x: Any, y: Any, theta_star: Any = None) -> Any:  # -> ipywidgets.VBox
    """A log slider for the learning rate (0.001 to 0.2) redrawing the gap to the optimum; x, y: (N,)."""
    import ipywidgets as w

    theta_star = optimum(x, y) if theta_star is None else theta_star
    slider = w.FloatLogSlider(value=0.02, base=10, min=-3, max=-0.7, step=0.05, description="learning rate",
                              continuous_update=False, readout_format=".3g")
    return figure_explorer({"learning_rate": slider},
                           lambda learning_rate: gradient_descent_view(x, y, learning_rate, theta_star))
