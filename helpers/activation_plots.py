"""Pictures for notebook 02: the ReLU(b + x w) gradient as an arrow, and an activation beside its derivative."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers import activations

__all__ = ["relu_affine_value_and_grad", "plot_relu_gradient", "plot_activation_and_derivative"]


def relu_affine_value_and_grad(x: float, w: float, b: float) -> tuple[float, np.ndarray]:
    """ReLU(b + x w) and its gradient w.r.t. (b, w): (1, x) if b + x w > 0, else (0, 0) (PyTorch's choice at 0)."""
    z = b + x * w
    on = float(activations.relu_grad(np.array(z, dtype=np.float64)))
    return float(activations.relu(np.array(z, dtype=np.float64))), on * np.array([1.0, x])


def plot_relu_gradient(x: float, w: float, b: float, ax: plt.Axes | None = None, extent: float = 3.0) -> plt.Axes:
    """Heatmap of ReLU(b + x w) over the (b, w) plane, the kink line b + x w = 0, the point and its gradient."""
    if extent <= 0:
        raise ValueError(f"extent must be positive, got {extent}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.2))
    grid = np.linspace(-extent, extent, 201)
    B, W = np.meshgrid(grid, grid)
    mesh = ax.pcolormesh(B, W, activations.relu(B + x * W), cmap="viridis", shading="auto")
    ax.figure.colorbar(mesh, ax=ax, label="ReLU(b + x w)")
    if x != 0:
        ax.plot(grid, -grid / x, "w--", lw=1, label="kink: b + x w = 0")
    value, grad = relu_affine_value_and_grad(x, w, b)
    ax.plot([b], [w], "o", color="tab:red", ms=8, label=f"(b, w) = ({b:.2g}, {w:.2g}), f = {value:.3g}")
    if np.any(grad):
        ax.quiver([b], [w], [grad[0]], [grad[1]], color="tab:red", angles="xy", scale_units="xy", scale=1, width=0.012,
                  label=f"gradient ({grad[0]:.2g}, {grad[1]:.2g})")
    else:
        ax.annotate("gradient (0, 0)", (b, w), textcoords="offset points", xytext=(8, 8), color="tab:red")
    ax.set(xlim=(-extent, extent), ylim=(-extent, extent), xlabel="b", ylabel="w", title=f"ReLU(b + x w) at x = {x:.2g}")
    ax.legend(loc="lower left", fontsize=8)
    return ax


def plot_activation_and_derivative(name: str, axes: np.ndarray | None = None, extent: float = 5.0) -> plt.Figure:
    """f (left) and f' (right) from helpers.activations.ACTIVATIONS[name] on [-extent, extent]."""
    if name not in activations.ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}: use one of {', '.join(sorted(activations.ACTIVATIONS))}.")
    f, f_grad = activations.ACTIVATIONS[name]
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    z = np.linspace(-extent, extent, 401)
    axes[0].plot(z, f(z), color="tab:blue")
    axes[1].plot(z, f_grad(z), color="tab:orange")
    for ax, title in zip(axes, (f"{name}(z)", f"{name}'(z)")):
        ax.axhline(0, color="gray", lw=0.6)
        ax.axvline(0, color="gray", lw=0.6)
        ax.set(xlabel="z", title=title)
    return axes[0].figure
