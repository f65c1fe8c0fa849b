"""Pictures of the logistic regression on x1 x2: the probability sigma(beta0 + beta1 x1 x2) and its decision boundary.

The boundary is where the logit is 0: the hyperbola x1 x2 = -beta0 / beta1 (both axes when beta0 = 0), and no
curve at all when beta1 = 0 (the probability is then the constant sigma(beta0)). ``boundary_message`` says which.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from helpers import activations, validation
from helpers.figure_widgets import figure_explorer

__all__ = ["decision_boundary", "boundary_message", "plot_product_logistic", "product_logistic_figure",
           "product_logistic_explorer", "plot_training_loss"]


def decision_boundary(beta0: float, beta1: float, x1: np.ndarray) -> np.ndarray:
    """x2 on the curve x1 x2 = -beta0 / beta1 for each x1: (N,) -> (N,) (NaN at x1 = 0); needs beta1 != 0."""
    b0, b1 = validation.finite_number(beta0, "beta0"), validation.finite_number(beta1, "beta1")
    if b1 == 0:
        raise ValueError("With beta1 = 0 the probability is constant and there is no boundary: pass beta1 != 0.")
    x1 = validation.float_array(x1, "x1", dtype=np.float64, allow_empty=True)
    safe = np.where(x1 == 0, 1.0, x1)
    return np.where(x1 == 0, np.nan, -b0 / (b1 * safe))


def boundary_message(beta0: float, beta1: float) -> str:
    """One true sentence on the decision boundary of sigma(beta0 + beta1 x1 x2), or "" for a plain hyperbola."""
    b0, b1 = validation.finite_number(beta0, "beta0"), validation.finite_number(beta1, "beta1")
    if b1 == 0 and b0 == 0:
        return ("With beta0 = beta1 = 0 the probability is 1/2 at every x: no label is more likely than the other, "
                "so there is no boundary between the classes.")
    if b1 == 0:
        p = float(activations.sigmoid(np.array(b0)))
        return (f"With beta1 = 0 the probability is sigma(beta0) = {p:.3g} at every x: there is no decision boundary, "
                f"every point is labelled {int(p > 0.5)}.")
    if b0 == 0:
        quadrants = "first and third" if b1 > 0 else "second and fourth"
        return f"With beta0 = 0 the boundary x1 x2 = 0 is the two axes: label 1 in the {quadrants} quadrants."
    return ""


def plot_product_logistic(beta0: float, beta1: float, ax: plt.Axes | None = None, extent: float = 3.0) -> plt.Axes:
    """Heatmap of sigma(beta0 + beta1 x1 x2) on [-extent, extent]^2 with the boundary x1 x2 = -beta0/beta1 drawn."""
    b0, b1 = validation.finite_number(beta0, "beta0"), validation.finite_number(beta1, "beta1")
    extent = validation.positive_number(extent, "extent")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 4.4))
    grid = np.linspace(-extent, extent, 241)
    G1, G2 = np.meshgrid(grid, grid)
    image = ax.imshow(activations.sigmoid(b0 + b1 * G1 * G2), cmap="RdBu_r", vmin=0, vmax=1, origin="lower",
                      extent=(-extent, extent, -extent, extent), interpolation="nearest", aspect="auto")
    ax.figure.colorbar(image, ax=ax, label="P(y = 1 | x)")
    if b1 != 0 and b0 != 0:
        # the hyperbola has two branches; plot each side of x1 = 0 separately so they are not joined
        for side in (grid[grid < 0], grid[grid > 0]):
            ax.plot(side, decision_boundary(b0, b1, side), "k-", lw=2)
        ax.plot([], [], "k-", label=f"x1 x2 = {-b0 / b1:.3g}")
    elif b1 != 0:
        ax.axhline(0, color="k", lw=2, label="x1 x2 = 0 (both axes)")
        ax.axvline(0, color="k", lw=2)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right", fontsize=8)
    ax.set(xlim=(-extent, extent), ylim=(-extent, extent), xlabel="x1", ylabel="x2",
           title=f"sigma({b0:.3g} {'-' if b1 < 0 else '+'} {abs(b1):.3g} x1 x2)")
    return ax


def product_logistic_figure(beta0: float, beta1: float) -> tuple[plt.Figure, str]:
    """The explorer's picture: (the figure of ``plot_product_logistic``, ``boundary_message``)."""
    message = boundary_message(beta0, beta1)
    return plot_product_logistic(beta0, beta1).figure, message


def product_logistic_explorer(beta0: float = -1.0, beta1: float = 2.0) -> Any:  # -> ipywidgets.VBox
    """Sliders for beta0 and beta1 on [-3, 3] above the picture of sigma(beta0 + beta1 x1 x2)."""
    import ipywidgets as widgets

    def slider(value: float, label: str) -> Any:
        return widgets.FloatSlider(value=validation.finite_number(value, label.split()[0]), min=-3, max=3, step=0.25,
                                   description=label, continuous_update=False)

    return figure_explorer({"beta0": slider(beta0, "beta0 (constant term)"),
                            "beta1": slider(beta1, "beta1 (x1 x2 coefficient)")}, product_logistic_figure)


def plot_training_loss(losses: np.ndarray, ax: plt.Axes | None = None) -> plt.Axes:
    """The training loss per epoch, losses: (epochs,), with integer epoch ticks and 0 on the y-axis."""
    losses = validation.float_array(losses, "losses", shape=("epochs",))
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    ax.plot(np.arange(1, len(losses) + 1), losses)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="epoch", ylabel="binary cross-entropy", title="training the network with squared hidden units",
           ylim=(0, None))
    return ax
