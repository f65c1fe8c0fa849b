"""Pictures for notebook 04: the probability sigma(beta0 + beta1 x1 x2) and its decision boundary."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers import activations

__all__ = ["decision_boundary", "plot_product_logistic"]


def decision_boundary(beta0: float, beta1: float, x1: np.ndarray) -> np.ndarray:
    """x2 on the curve x1 x2 = -beta0 / beta1 for each x1: (N,) (NaN at x1 = 0); needs beta1 != 0."""
    if beta1 == 0:
        raise ValueError("With beta1 = 0 the probability is constant and there is no boundary: pass beta1 != 0.")
    x1 = np.asarray(x1, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x1 == 0, np.nan, -beta0 / (beta1 * np.where(x1 == 0, 1.0, x1)))


def plot_product_logistic(beta0: float, beta1: float, ax: plt.Axes | None = None, extent: float = 3.0) -> plt.Axes:
    """Heatmap of sigma(beta0 + beta1 x1 x2) on [-extent, extent]^2 with the boundary x1 x2 = -beta0/beta1 drawn."""
    if extent <= 0:
        raise ValueError(f"extent must be positive, got {extent}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 4.4))
    grid = np.linspace(-extent, extent, 241)
    X1, X2 = np.meshgrid(grid, grid)
    mesh = ax.pcolormesh(X1, X2, activations.sigmoid(beta0 + beta1 * X1 * X2), cmap="RdBu_r", vmin=0, vmax=1, shading="auto")
    ax.figure.colorbar(mesh, ax=ax, label="P(y = 1 | x)")
    if beta1 != 0:
        # the hyperbola has two branches; plot each side of x1 = 0 separately so they are not joined
        for side in (grid[grid < 0], grid[grid > 0]):
            ax.plot(side, decision_boundary(beta0, beta1, side), "k-", lw=2)
        ax.plot([], [], "k-", label=f"x1 x2 = {-beta0 / beta1:.3g}")
        ax.legend(loc="upper right", fontsize=8)
    ax.set(xlim=(-extent, extent), ylim=(-extent, extent), xlabel="x1", ylabel="x2",
           title=f"sigma({beta0:.3g} {'-' if beta1 < 0 else '+'} {abs(beta1):.3g} x1 x2)")
    return ax
