"""Activation functions with their derivatives written next to them (NumPy, any shape, dtype kept).

Conventions at points where a derivative does not exist: ``relu_grad(0) = 0`` (what PyTorch and
TensorFlow return) and ``leaky_relu_grad(0) = alpha``. Any value in between is a valid subgradient.
``sigmoid`` and ``softmax`` are written so that large ``|z|`` never overflows.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = [
    "as_float_array",
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


def as_float_array(z: object, name: str = "z") -> np.ndarray:
    """z as a floating ndarray (integers become float64; float32 stays float32); shared by helpers.modules."""
    a = np.asarray(z)
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    if a.dtype.kind != "f":
        raise TypeError(
            f"{name} must be an array of real numbers (a float array), got dtype {a.dtype}: "
            "pass np.float32 or np.float64 values."
        )
    return a


def relu(z: np.ndarray) -> np.ndarray:
    """max(z, 0) element-wise; z: any shape."""
    z = as_float_array(z)
    return np.maximum(z, z.dtype.type(0))


def relu_grad(z: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0 (including z == 0, PyTorch's convention); z: any shape."""
    z = as_float_array(z)
    return (z > 0).astype(z.dtype)


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """z where z > 0, else alpha * z; z: any shape."""
    z = as_float_array(z)
    return np.where(z > 0, z, z * z.dtype.type(alpha))


def leaky_relu_grad(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """1 where z > 0, else alpha (including z == 0); z: any shape."""
    z = as_float_array(z)
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha)).astype(z.dtype)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) without overflow; z: any shape."""
    z = as_float_array(z)
    # exp(-|z|) is in (0, 1], so neither branch can overflow
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype)


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """sigma(z) * (1 - sigma(z)); z: any shape."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent; z: any shape."""
    return np.tanh(as_float_array(z))


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """1 - tanh(z)^2; z: any shape."""
    t = tanh(z)
    return 1 - t * t


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z) / sum(exp(z)) along ``axis``, shifted by the max so it never overflows; z: any shape."""
    z = as_float_array(z)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_jacobian(y: np.ndarray, axis: int = -1) -> np.ndarray:
    """dy_k/dz_i = y_k (delta_ki - y_i) from the softmax OUTPUT y: (..., K) -> (..., K, K); ``axis`` is moved last."""
    y = np.moveaxis(as_float_array(y, "y"), axis, -1)
    return y[..., :, None] * np.eye(y.shape[-1], dtype=y.dtype) - y[..., :, None] * y[..., None, :]


def softmax_backward(y: np.ndarray, grad_y: np.ndarray, axis: int = -1) -> np.ndarray:
    """dL/dz = J^T dL/dy = y * (g - sum(g * y)) from the softmax output y; y, grad_y: same shape."""
    y = as_float_array(y, "y")
    g = as_float_array(grad_y, "grad_y")
    if y.shape != g.shape:
        raise ValueError(f"y and grad_y must have the same shape: expected {y.shape}, got {g.shape}.")
    return y * (g - np.sum(g * y, axis=axis, keepdims=True))


ACTIVATIONS: dict[str, tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]] = {
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
}
