"""Pictures of one backward pass of the two-hidden-layer network: delta, dL/dW and the weights before and after."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers import validation
from helpers.figures import show_matrix
from helpers.two_hidden_layer_net import BackwardStep, backward_steps

__all__ = ["LAYERS", "plot_backward_step", "plot_backward_layer"]

LAYERS = (3, 2, 1)  # in the order the backward pass visits them


def plot_backward_step(step: BackwardStep, fig: plt.Figure | None = None) -> plt.Figure:
    """Heat maps of delta (out,), dL/dW, W before and W after the step (out, in) on ``fig`` (a new one if None)."""
    if not isinstance(step, BackwardStep):
        raise TypeError(f"step must be a BackwardStep from backward_steps(...), got {validation.describe(step)}.")
    if fig is None:
        fig = plt.figure(figsize=(10, 2.8))
    elif not isinstance(fig, plt.Figure):
        raise TypeError(f"fig must be a matplotlib Figure such as plt.figure(), got {validation.describe(fig)}.")
    fig.clear()
    axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [1] + [max(step.weight_gradient.shape[1], 1)] * 3})
    panels = [
        (step.delta[:, None], rf"$\delta^{{[{step.layer}]}}$"),
        (step.weight_gradient, rf"$\partial L/\partial W^{{[{step.layer}]}}$"),
        (step.weights_before, rf"$W^{{[{step.layer}]}}$ before"),
        (step.weights_after, rf"$W^{{[{step.layer}]}}$ after one step"),
    ]
    for ax, (m, title) in zip(axes, panels, strict=True):
        show_matrix(ax, m, max(float(np.abs(m).max()), 1e-12))
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks(range(m.shape[0]))
    fig.suptitle(f"layer {step.layer}: ${step.formula}$", fontsize=10)
    return fig


def plot_backward_layer(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, layer: int,
                        learning_rate: float) -> plt.Figure:
    """One layer (3, 2 or 1) of the backward pass for one sample x: (D,), y: (K,), drawn by plot_backward_step."""
    layer = validation.one_of(validation.positive_int(layer, "layer"), LAYERS, "layer")
    step = {s.layer: s for s in backward_steps(params, x, y, learning_rate=learning_rate)}[layer]
    return plot_backward_step(step)
