"""Pictures of the linear layer's gradients as sums over the batch: one sample's term, the running sum, autograd's."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from helpers import autograd_reference, gradcheck, validation
from helpers.figures import show_matrix
from helpers.linear_layer import batch_terms

__all__ = ["GRADIENT_LABELS", "layer_gradient", "plot_batch_sum"]

GRADIENT_LABELS = {"W": r"$\partial L/\partial W = G^\top X$", "b": r"$\partial L/\partial b = \mathbf{1}^\top G$",
                   "X": r"$\partial L/\partial X = G\,W$"}


def layer_gradient(X: np.ndarray, W: np.ndarray, G: np.ndarray, wrt: str) -> np.ndarray:
    """The gradient ``wrt`` of L = sum(Y * G), Y = X W^T + b, by autograd: (out, in) for W, (out,) for b, (N, in) for X.

    X: (N, in), W: (out, in), G = dL/dY: (N, out). Torch autograd rather than a hand-written backward pass, so the
    picture needs no one's answer.
    """
    wrt = validation.one_of(wrt, GRADIENT_LABELS, "wrt")
    X = validation.float_array(X, "X", shape=("N", "in"), dtype=np.float64)
    W = validation.float_array(W, "W", shape=("out", X.shape[1]), dtype=np.float64)
    G = validation.float_array(G, "G", shape=(X.shape[0], W.shape[0]), dtype=np.float64)
    upstream = torch.tensor(G)
    _, grads = autograd_reference.autograd_gradients(lambda X, W, b: ((X @ W.T + b) * upstream).sum(),
                                            {"X": X, "W": W, "b": np.zeros(W.shape[0])})
    return grads[wrt]


def plot_batch_sum(X: np.ndarray, W: np.ndarray, G: np.ndarray, wrt: str, n_summed: int) -> plt.Figure:
    """Term of sample n_summed, the sum of the first n_summed terms, autograd's gradient; X: (N, in), G: (N, out)."""
    wrt = validation.one_of(wrt, GRADIENT_LABELS, "wrt")
    terms = batch_terms(X, W, G, wrt)
    n = terms.shape[0]
    n_summed = validation.positive_int(n_summed, "n_summed")
    if n_summed > n:
        raise ValueError(f"n_summed must be at most the batch size {n}, got {n_summed}.")
    full = layer_gradient(X, W, G, wrt)
    partial = terms[:n_summed].sum(axis=0)
    panels = [(terms[n_summed - 1], f"term of sample {n_summed}"),
              (partial, f"sum of samples 1..{n_summed}"),
              (full, f"{GRADIENT_LABELS[wrt]} by autograd")]
    lim = max(max(float(np.abs(m).max()) for m, _ in panels), 1e-12)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.0))
    for ax, (m, title) in zip(axes, panels, strict=True):
        show_matrix(ax, np.atleast_2d(m), lim)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    error = gradcheck.relative_error(partial, full)
    verdict = (f"the sum equals the layer's gradient (relative error {error:.0e})" if error < 1e-12
               else f"relative error of the sum to the layer's gradient {error:.2g}")
    fig.suptitle(f"{wrt}: {n_summed} of {n} samples summed; {verdict}", fontsize=10)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.04, top=0.82, wspace=0.25)
    return fig
