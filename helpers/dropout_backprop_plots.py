"""Pictures of the gradient through dropout: the mask, dL/dW1 with that mask, and dL/dW1 without dropout."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from helpers import validation
from helpers.dropout_backprop import dropout_mask, gradients_autograd
from helpers.figures import show_matrix

__all__ = ["plot_dropout_gradient"]


def plot_dropout_gradient(W1: np.ndarray, W2: np.ndarray, x: np.ndarray, y: np.ndarray, p: float, *,
                          scale: bool = True, alpha: float = 0.01, random_state: Any = 0) -> plt.Figure:
    """Mask (H,), dL/dW1 (H, D) with it and without dropout, on one colour scale; arguments as forward_backward.

    The mask is drawn by ``dropout_mask(H, p, scale=scale, random_state=random_state)``; the gradients come from
    torch autograd (``gradients_autograd``), so the picture needs no one's answer.
    """
    p = validation.probability(p, "p")
    W1 = validation.float_array(W1, "W1", shape=("H", "D"))
    n_units = W1.shape[0]
    mask = dropout_mask(n_units, p, scale=scale, random_state=random_state)
    with_mask = gradients_autograd(W1, W2, x, y, mask, alpha)["dW1"]
    without = gradients_autograd(W1, W2, x, y, np.ones(n_units), alpha)["dW1"]
    lim = max(float(np.abs(with_mask).max()), float(np.abs(without).max()), 1e-12)
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), gridspec_kw={"width_ratios": [1, W1.shape[1], W1.shape[1]]})
    axes[0].imshow(mask[:, None], cmap="Greens", vmin=0, vmax=max(float(mask.max()), 1.0))
    for r, v in enumerate(mask):
        axes[0].text(0, r, f"{v:.3g}", ha="center", va="center", fontsize=8)
    axes[0].set_title("mask m", fontsize=9)
    for ax, m, title in ((axes[1], with_mask, r"$\partial L/\partial W_1$ with this mask"),
                         (axes[2], without, r"$\partial L/\partial W_1$ without dropout")):
        show_matrix(ax, m, lim, fmt=lambda v: "0" if v == 0 else f"{v:.2f}")
        ax.set_title(title, fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks(range(n_units))
    axes[0].set_ylabel("hidden unit")
    dropped = int(np.sum(mask == 0))
    kept_factor = "1/(1-p) = " + f"{1 / (1 - p):.3g}" if scale else "1"
    fig.suptitle(f"p = {p:.2f}: {dropped} of {n_units} units dropped (their rows of the gradient are 0); "
                 f"kept units are multiplied by {kept_factor}", fontsize=10)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.04, top=0.82, wspace=0.25)
    return fig
