"""Pictures of dL/dZ for softmax + mean cross-entropy: torch autograd beside the backward passes of given layers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch

from helpers import autograd_reference, gradcheck, modules, validation
from helpers.exercises import call_answer
from helpers.softmax_cross_entropy import random_batch

__all__ = ["plot_logit_gradients"]


def plot_logit_gradients(layers: Mapping[str, Any], batch_size: int, n_classes: int = 5,
                         random_state: Any = 0) -> plt.Figure:
    """dL/dZ: (S, K), drawn transposed, by torch autograd and by each loss layer's backward, on one colour scale.

    ``layers`` maps a label to a loss layer (``modules.SoftmaxCrossEntropy`` or a subclass); the batch comes from
    ``random_batch(batch_size, n_classes, random_state)``. Each layer's gradient is compared with autograd's by
    ``gradcheck.compare`` and the verdict is written above the pictures. Entries beyond autograd's range are drawn
    at its ends, so a gradient S times too large saturates.
    """
    if not isinstance(layers, Mapping) or not layers or not all(
            isinstance(v, modules.Module) and v.is_loss for v in layers.values()):
        raise TypeError("layers must be a non-empty dict of label -> loss layer, "
                        "e.g. {'(Y - T)/S': modules.SoftmaxCrossEntropy()}.")
    Z, T = random_batch(batch_size, n_classes, random_state)
    targets = torch.tensor(T)
    _, grads = autograd_reference.autograd_gradients(
        lambda Z: -(targets * torch.log_softmax(Z, dim=1)).sum() / Z.shape[0], {"Z": Z})
    reference = grads["Z"]
    panels = [(reference, "torch autograd")]
    verdicts = []
    for label, layer in layers.items():
        call_answer(layer.forward, Z, T, name=f"{label}.forward")  # a reader's layer: a stub or crash is named
        gradient = call_answer(layer.backward, name=f"{label}.backward")
        if gradient is None:
            raise ValueError(f"{label}.backward returned None: return dL/dZ, an array of shape {Z.shape} (did you "
                             f"forget `return`?).")
        gradient = validation.float_array(gradient, f"{label}.backward's result", shape=Z.shape, finite=False)
        comparison = gradcheck.compare(gradient, reference)
        panels.append((gradient, f"backward of {label}"))
        verdicts.append(f"{label} equals autograd's gradient (relative error {comparison.error:.1g})" if comparison.ok()
                        else comparison.explain(label, "autograd's gradient"))
    lim = max(float(np.abs(reference).max()), 1e-12)
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels) + 1, 3.6), squeeze=False)
    fig.subplots_adjust(left=0.06, right=0.88, bottom=0.14, top=0.72, wspace=0.15)
    for ax, (m, title) in zip(axes[0], panels, strict=True):
        image = ax.imshow(m.T, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("sample s")
        ax.set_yticks(range(n_classes), [] if ax is not axes[0, 0] else range(n_classes))
    axes[0, 0].set_ylabel("class k")
    fig.colorbar(image, cax=fig.add_axes((0.9, 0.14, 0.015, 0.58)), label=r"$\partial L/\partial z_{sk}$")
    fig.suptitle(f"S = {Z.shape[0]}, K = {n_classes}\n" + "\n".join(verdicts), fontsize=9)
    return fig
