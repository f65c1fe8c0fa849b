"""Activation functions with their derivatives written next to them (NumPy, any shape, dtype kept).

Conventions at points where a derivative does not exist: ``relu_grad(0) = 0`` and
``leaky_relu_grad(0) = alpha``, which is what PyTorch and TensorFlow return there. Any value in between
is a valid subgradient. ``sigmoid`` and ``softmax`` are written so that large ``|z|`` never overflows.
Inputs are checked by ``helpers.validation.float_array``: integers become float64, float32 stays float32,
and text, empty arrays and NaN or infinite entries are refused with a message; the softmax's ``axis``
must index an axis of its input, and its backward functions take the softmax output, not the logits.

The derivatives ``leaky_relu_grad``, ``sigmoid_grad``, ``tanh_grad`` and ``softmax_jacobian`` are exercises: their
bodies are solution regions, which the student edition of ``helpers`` replaces by a stub that raises
``NotImplementedError`` (so do the backward passes of the layers that call them).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import expit

from helpers.validation import axis as validation_axis
from helpers.validation import float_array, positive_number

__all__ = [
    "relu",
    "relu_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
    "softmax",
    "softmax_jacobian",
    "softmax_backward",
    "ACTIVATIONS",
]


def relu(z: np.ndarray) -> np.ndarray:
    """max(z, 0) element-wise; z: any shape."""
    z = float_array(z, "z")
    return np.maximum(z, z.dtype.type(0))


def relu_grad(z: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0 (including z == 0, as torch.relu and tf.nn.relu); z: any shape."""
    z = float_array(z, "z")
    return (z > 0).astype(z.dtype)


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """z where z > 0, else alpha * z; z: any shape."""
    z, alpha = float_array(z, "z"), positive_number(alpha, "alpha", allow_zero=True)
    return np.where(z > 0, z, z * z.dtype.type(alpha))


def leaky_relu_grad(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """1 where z > 0, else alpha (including z == 0, as PyTorch and TensorFlow); z: any shape."""
    z, alpha = float_array(z, "z"), positive_number(alpha, "alpha", allow_zero=True)
    ### BEGIN SOLUTION
    return np.where(z > 0, 1.0, alpha).astype(z.dtype)
    ### END SOLUTION


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) without overflow (scipy's expit); z: any shape."""
    return expit(float_array(z, "z"))


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """sigma(z) * (1 - sigma(z)), never overflowing; z: any shape."""
    z = float_array(z, "z")
    ### BEGIN SOLUTION
    s = expit(z)
    return s * (1 - s)
    ### END SOLUTION


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent; z: any shape."""
    return np.tanh(float_array(z, "z"))


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """1 - tanh(z)^2; z: any shape."""
    z = float_array(z, "z")
    ### BEGIN SOLUTION
    t = np.tanh(z)
    return 1 - t * t
    ### END SOLUTION


def _axis(axis: object, a: np.ndarray, name: str) -> int:
    """``axis`` as an int that indexes an axis of ``a`` (the array called ``name``)."""
    if a.ndim == 0:
        raise ValueError(f"{name} is a single number (shape ()): the softmax needs an axis of classes; "
                         f"pass an array such as [1.0, 2.0, 0.5].")
    return validation_axis(axis, a.ndim, of=f"{name} of shape {a.shape}")


def _softmax_output(y: object, axis: object, name: str = "y") -> tuple[np.ndarray, int]:
    """y checked to be a softmax output along ``axis``: entries in [0, 1] summing to 1 (not the logits)."""
    y = float_array(y, name)
    axis = _axis(axis, y, name)
    sums = np.sum(y, axis=axis)
    # 1e-4 allows float32 rounding over thousands of classes; logits are almost never this close to a distribution
    if np.any(y < 0) or np.any(y > 1) or not np.allclose(sums, 1, rtol=0, atol=1e-4):
        low, high = f"{np.min(sums):.3g}", f"{np.max(sums):.3g}"
        total = low if low == high else f"between {low} and {high}"
        raise ValueError(f"{name} must be the softmax OUTPUT (entries in [0, 1] summing to 1 along axis {axis}), "
                         f"but its entries lie in [{y.min():.3g}, {y.max():.3g}] and sum to {total}: "
                         "pass softmax(z), not the logits z.")
    return y, axis


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z) / sum(exp(z)) along ``axis``, shifted by the max so it never overflows; z: any shape (at least 1-d)."""
    z = float_array(z, "z")
    axis = _axis(axis, z, "z")
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_jacobian(y: np.ndarray, axis: int = -1) -> np.ndarray:
    """dy_k/dz_i = y_k (delta_ki - y_i) from the softmax OUTPUT y: (..., K) -> (..., K, K); ``axis`` is moved last."""
    y, axis = _softmax_output(y, axis)
    y = np.moveaxis(y, axis, -1)
    ### BEGIN SOLUTION
    column = y[..., :, None]  # y_k down the rows, broadcast along i
    return column * np.eye(y.shape[-1], dtype=y.dtype) - column * y[..., None, :]
    ### END SOLUTION


def softmax_backward(y: np.ndarray, grad_y: np.ndarray, axis: int = -1) -> np.ndarray:
    """dL/dz = J^T dL/dy = y * (g - sum(g * y)) from the softmax output y; y, grad_y: same shape (at least 1-d)."""
    y, axis = _softmax_output(y, axis)
    g = float_array(grad_y, "grad_y")
    if y.shape != g.shape:
        raise ValueError(f"grad_y must have the shape of the softmax output y: expected {y.shape}, got {g.shape}.")
    return y * (g - np.sum(g * y, axis=axis, keepdims=True))


ACTIVATIONS: dict[str, tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]] = {
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
}
