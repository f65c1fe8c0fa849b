"""Backpropagation through dropout and LeakyReLU in a one-hidden-layer softmax network, for one sample.

z1 = W1 x, h = LeakyReLU(z1) * m, y_hat = softmax(W2 h), L = cross-entropy; the mask m enters the backward
pass exactly as in the forward pass: dL/dW1 = [(W2^T (y_hat - y)) * m * LeakyReLU'(z1)] x^T. The mask holds
0 or 1 for the original dropout and 0 or 1/(1-p) for inverted dropout; ``dropout_mask`` draws one with
``helpers.modules.Dropout``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from helpers import activations, autograd_reference, modules, validation

__all__ = ["dropout_mask", "forward_backward", "gradients_autograd"]

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]


def dropout_mask(n_units: int, p: float, *, scale: bool = True, random_state: Any = None) -> np.ndarray:
    """The factor ``modules.Dropout`` applies to n_units activations in training: (n_units,), 0 or 1/(1-p) (or 1).

    Drawn from one uniform number per unit (dropped when it is below p), so with the same random_state a larger
    p drops the same units and more.
    """
    n_units = validation.positive_int(n_units, "n_units")
    layer = modules.Dropout(p, random_state=random_state, scale=validation.flag(scale, "scale"))
    layer.forward(np.ones((1, n_units)))
    return layer.cache["mask"][0].copy()


def _inputs(W1: Any, W2: Any, x: Any, y: Any, mask: Any, alpha: Any) -> Arrays:
    W1 = validation.float_array(W1, "W1", shape=("H", "D"), dtype=np.float64)
    h, d = W1.shape
    W2 = validation.float_array(W2, "W2", shape=("K", h), dtype=np.float64)
    k = W2.shape[0]
    x = validation.float_array(x, "x", shape=(d,), dtype=np.float64)
    y = validation.float_array(y, "y", dtype=np.float64, allow_empty=True)
    if y.shape != (k,):
        hint = f" (a class label? pass np.eye({k})[y])" if y.ndim == 0 else ""
        raise ValueError(f"y must be a one-hot target of shape ({k},), got shape {y.shape}{hint}.")
    validation.class_labels(y[None], k, "y")
    mask = validation.float_array(mask, "mask", shape=(h,), dtype=np.float64)
    if np.any(mask < 0):
        raise ValueError(f"mask must hold 0 (dropped) or the factor of a kept unit (1, or 1/(1-p)), "
                         f"got {mask.tolist()}.")
    alpha = validation.positive_number(alpha, "alpha", allow_zero=True)
    return W1, W2, x, y, mask, alpha


def forward_backward(W1: np.ndarray, W2: np.ndarray, x: np.ndarray, y: np.ndarray, mask: np.ndarray,
                     alpha: float = 0.01) -> dict[str, Any]:
    """Loss, y_hat: (K,), dW1: (H, D) and dW2: (K, H) for W1: (H, D), W2: (K, H), x: (D,), one-hot y: (K,), mask: (H,).

    z1 = W1 x, h = LeakyReLU(z1) * mask, y_hat = softmax(W2 h), L = -sum y log y_hat;
    dW1 = [(W2^T (y_hat - y)) * mask * LeakyReLU'(z1)] x^T and dW2 = (y_hat - y) h^T.
    """
    W1, W2, x, y, mask, alpha = _inputs(W1, W2, x, y, mask, alpha)
    z1 = W1 @ x
    h = activations.leaky_relu(z1, alpha) * mask
    logits = W2 @ h
    y_hat = activations.softmax(logits)
    log_y_hat = logits - logits.max() - np.log(np.exp(logits - logits.max()).sum())
    loss = float(-np.sum(y * log_y_hat))
    ### BEGIN SOLUTION
    g = W2.T @ (y_hat - y)  # dL/dh
    g = g * mask  # through the dropout: the same (scaled) mask as in the forward pass
    g = g * np.where(z1 > 0, 1.0, alpha)  # through LeakyReLU: dL/dz1
    dW1 = np.outer(g, x)
    ### END SOLUTION
    return {"loss": loss, "y_hat": y_hat, "dW1": dW1, "dW2": np.outer(y_hat - y, h)}


def gradients_autograd(W1: np.ndarray, W2: np.ndarray, x: np.ndarray, y: np.ndarray, mask: np.ndarray,
                       alpha: float = 0.01) -> dict[str, np.ndarray]:
    """The same loss differentiated by torch autograd (float64): dW1: (H, D), dW2: (K, H); arguments as above."""
    W1, W2, x, y, mask, alpha = _inputs(W1, W2, x, y, mask, alpha)
    xt, yt, mt = (torch.tensor(a) for a in (x, y, mask))

    def loss(W1: Any, W2: Any) -> Any:
        h = torch.nn.functional.leaky_relu(W1 @ xt, alpha) * mt
        return -(yt * torch.log_softmax(W2 @ h, dim=0)).sum()

    grads = autograd_reference.autograd_gradients(loss, {"W1": W1, "W2": W2})[1]
    return {"dW1": grads["W1"], "dW2": grads["W2"]}
