"""Backpropagation as modules: layers with an explicit forward/backward pair (NumPy, vectorized).

Every layer has the same interface, so one test covers them all:

* ``forward(x)`` returns the output and keeps exactly what ``backward`` needs;
* ``backward(grad_output)`` returns dL/d(input) and fills ``.grads`` with the keys of ``.params``;
* ``.train()`` / ``.eval()`` set ``.training`` (only ``Dropout`` behaves differently).

Loss layers take the target in ``forward(pred, target)`` and start the backward pass with
``backward()``. The input dtype is kept: float32 for speed, float64 for gradient checks.
``gradient_check`` compares any layer's backward with central finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers import activations as act

__all__ = [
    "Module",
    "Linear",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "Dropout",
    "SoftmaxCrossEntropy",
    "MSE",
    "Sequential",
    "GradCheck",
    "gradient_check",
]


def _as_rng(rng: Any) -> np.random.Generator:
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(f"rng must be None, an int seed or a np.random.Generator, got {type(rng).__name__}.")


class Module:
    """Base class: parameters, gradients, train/eval mode and the backward-before-forward guard."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training = True
        self._cache: dict[str, Any] | None = None

    def train(self) -> "Module":
        self.training = True
        return self

    def eval(self) -> "Module":
        self.training = False
        return self

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    def _cached(self) -> dict[str, Any]:
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward: run forward(x) first.")
        return self._cache

    def _check_grad(self, grad_output: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        g = act.as_float_array(grad_output, "grad_output")
        if g.shape != shape:
            raise ValueError(
                f"{type(self).__name__}.backward: grad_output must have the shape of the forward output: "
                f"expected {shape}, got {g.shape}."
            )
        return g.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Module):
    """Y = X W^T + b; X: (N, in), W: (out, in), b: (out,), Y: (N, out)."""

    def __init__(self, in_features: int, out_features: int, rng: Any = None, dtype: Any = np.float64) -> None:
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{name} must be a positive integer, got {v!r}.")
        self.in_features, self.out_features = int(in_features), int(out_features)
        # Glorot-uniform scale keeps activations of order one whatever the width
        limit = np.sqrt(6.0 / (in_features + out_features))
        r = _as_rng(rng)
        self.params = {
            "W": r.uniform(-limit, limit, size=(out_features, in_features)).astype(dtype),
            "b": np.zeros(out_features, dtype=dtype),
        }

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, in) -> (N, out), in the dtype of x."""
        x = act.as_float_array(x, "x")
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Linear expects input of shape (N, {self.in_features}), got {x.shape}.")
        W = self.params["W"].astype(x.dtype, copy=False)
        b = self.params["b"].astype(x.dtype, copy=False)
        self._cache = {"x": x, "W": W}
        return x @ W.T + b

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """grad_output: (N, out) -> dL/dX: (N, in); grads W: (dL/dY)^T X, b: 1^T dL/dY."""
        c = self._cached()
        x, W = c["x"], c["W"]
        g = self._check_grad(grad_output, (x.shape[0], self.out_features), x.dtype)
        self.grads = {
            "W": (g.T @ x).astype(self.params["W"].dtype, copy=False),
            "b": g.sum(axis=0).astype(self.params["b"].dtype, copy=False),
        }
        return g @ W

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"


class _Elementwise(Module):
    """Y = h(X) element-wise; backward is dL/dX = dL/dY * h'(X) (B3)."""

    def _f(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _df(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: any shape -> same shape."""
        x = act.as_float_array(x, "x")
        self._cache = {"x": x}
        return self._f(x)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """grad_output: shape of x -> dL/dX, same shape."""
        x = self._cached()["x"]
        g = self._check_grad(grad_output, x.shape, x.dtype)
        self.grads = {}
        return g * self._df(x)


class ReLU(_Elementwise):
    """max(x, 0); derivative 0 at x == 0 (PyTorch's convention)."""

    _f = staticmethod(act.relu)
    _df = staticmethod(act.relu_grad)


class LeakyReLU(_Elementwise):
    """x if x > 0 else alpha x; derivative alpha at x == 0."""

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = float(alpha)

    def _f(self, x: np.ndarray) -> np.ndarray:
        return act.leaky_relu(x, self.alpha)

    def _df(self, x: np.ndarray) -> np.ndarray:
        return act.leaky_relu_grad(x, self.alpha)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class Sigmoid(_Elementwise):
    """1 / (1 + exp(-x))."""

    _f = staticmethod(act.sigmoid)
    _df = staticmethod(act.sigmoid_grad)


class Tanh(_Elementwise):
    """tanh(x)."""

    _f = staticmethod(act.tanh)
    _df = staticmethod(act.tanh_grad)


class Softmax(Module):
    """Softmax over the last axis; backward applies the full Jacobian diag(y) - y y^T."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (..., K) -> (..., K), rows summing to one."""
        y = act.softmax(act.as_float_array(x, "x"), axis=-1)
        self._cache = {"y": y}
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """grad_output: (..., K) -> dL/dX = y * (g - sum(g * y))."""
        y = self._cached()["y"]
        g = self._check_grad(grad_output, y.shape, y.dtype)
        self.grads = {}
        return act.softmax_backward(y, g, axis=-1)


class Dropout(Module):
    """Zero each entry with probability p during training.

    ``scale=True`` (inverted dropout, the default): kept entries are multiplied by 1/(1-p) in training and
    evaluation is the identity. ``scale=False`` (the original form): training only masks, and evaluation
    multiplies by (1-p) so the expected activation is the same in both modes.
    """

    def __init__(self, p: float = 0.5, rng: Any = None, scale: bool = True) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"Dropout probability p must be in [0, 1), got {p!r}.")
        self.p, self.scale, self.rng = float(p), bool(scale), _as_rng(rng)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: any shape -> same shape; the mask used is kept in ``.mask``."""
        x = act.as_float_array(x, "x")
        if self.training:
            keep = (self.rng.random(x.shape) >= self.p).astype(x.dtype)
            factor = keep / x.dtype.type(1 - self.p) if self.scale else keep
        else:
            factor = np.full(x.shape, 1.0 if self.scale else 1 - self.p, dtype=x.dtype)
        self.mask = factor
        self._cache = {"factor": factor}
        return x * factor

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """dL/dX = dL/dY * mask (times 1/(1-p) for inverted dropout)."""
        factor = self._cached()["factor"]
        g = self._check_grad(grad_output, factor.shape, factor.dtype)
        self.grads = {}
        return g * factor

    def __repr__(self) -> str:
        return f"Dropout(p={self.p}, scale={self.scale})"


class _Loss(Module):
    """A layer that ends the network: forward(pred, target) -> float, backward() starts backprop."""

    is_loss = True

    def _inputs(self, pred: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
        pred = act.as_float_array(pred, "pred")
        target = act.as_float_array(target, "target").astype(pred.dtype, copy=False)
        if pred.ndim != 2 or pred.shape != target.shape:
            raise ValueError(
                f"{type(self).__name__} expects prediction and target of the same shape (S, K): "
                f"got prediction {pred.shape} and target {target.shape} (targets must be one-hot / per output)."
            )
        return pred, target


class SoftmaxCrossEntropy(_Loss):
    """Mean over the batch of -sum_k t_k log softmax(z)_k; backward: dL/dZ = (Y - T) / S (E3)."""

    def forward(self, logits: np.ndarray, targets_one_hot: np.ndarray) -> float:
        """logits, targets_one_hot: (S, K) -> mean loss."""
        z, t = self._inputs(logits, targets_one_hot)
        shifted = z - z.max(axis=1, keepdims=True)
        log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self._cache = {"y": np.exp(log_y), "t": t}
        return float(-(t * log_y).sum() / z.shape[0])

    def backward(self, grad_output: float = 1.0) -> np.ndarray:
        """-> dL/dZ: (S, K) = grad_output * (Y - T) / S."""
        c = self._cached()
        self.grads = {}
        return (c["y"] - c["t"]) * c["y"].dtype.type(grad_output / c["y"].shape[0])


class MSE(_Loss):
    """Mean over the batch of 1/2 sum_k (pred_k - target_k)^2; backward: (pred - target) / S."""

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """pred, target: (S, K) -> mean loss."""
        p, t = self._inputs(pred, target)
        self._cache = {"diff": p - t}
        return float(0.5 * (self._cache["diff"] ** 2).sum() / p.shape[0])

    def backward(self, grad_output: float = 1.0) -> np.ndarray:
        """-> dL/dpred: (S, K)."""
        d = self._cached()["diff"]
        self.grads = {}
        return d * d.dtype.type(grad_output / d.shape[0])


class Sequential(Module):
    """Layers applied in order; ``params``/``grads`` expose every layer's arrays as "index.name"."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential takes layers (Module instances); item {i} is {type(layer).__name__}.")
            if getattr(layer, "is_loss", False):
                raise TypeError("Put the loss outside Sequential: call loss.forward(model.forward(x), t).")
        self.layers = list(layers)
        self._ran = False

    @property
    def params(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    @params.setter
    def params(self, value: dict) -> None:  # the base class assigns {}; the layers own the arrays
        pass

    @property
    def grads(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}

    @grads.setter
    def grads(self, value: dict) -> None:
        pass

    def train(self) -> "Sequential":
        self.training = True
        for layer in self.layers:
            layer.train()
        return self

    def eval(self) -> "Sequential":
        self.training = False
        for layer in self.layers:
            layer.eval()
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x -> output of the last layer."""
        for layer in self.layers:
            x = layer.forward(x)
        self._ran = True
        return x

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """dL/d(output) -> dL/d(input); every layer's ``.grads`` is filled on the way."""
        if not self._ran:
            raise RuntimeError("Sequential.backward was called before forward: run forward(x) first.")
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def sgd_step(self, lr: float) -> None:
        """params <- params - lr * grads, in place."""
        if not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"learning rate must be a positive finite number, got {lr!r}.")
        for layer in self.layers:
            for k, p in layer.params.items():
                p -= p.dtype.type(lr) * layer.grads[k]

    def __repr__(self) -> str:
        return "Sequential(" + ", ".join(map(repr, self.layers)) + ")"


# --------------------------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class GradCheck:
    """Per-array relative errors of backward vs central differences, and the worst entry overall."""

    errors: dict[str, float]
    worst_name: str
    worst_index: tuple[int, ...]
    worst_analytic: float
    worst_numeric: float

    @property
    def max_rel_error(self) -> float:
        return max(self.errors.values())

    def ok(self, tol: float = 1e-6) -> bool:
        return self.max_rel_error < tol

    def __str__(self) -> str:
        parts = ", ".join(f"{k}: {v:.1e}" for k, v in self.errors.items())
        return (f"max relative error {self.max_rel_error:.1e} ({parts}); worst entry {self.worst_name}"
                f"{list(self.worst_index)}: backward {self.worst_analytic:.6g} vs numeric {self.worst_numeric:.6g}")


def _rngs(layer: Module) -> list[np.random.Generator]:
    layers = layer.layers if isinstance(layer, Sequential) else [layer]
    return [l.rng for l in layers if isinstance(getattr(l, "rng", None), np.random.Generator)]


def gradient_check(layer: Module, x: np.ndarray, target: np.ndarray | None = None, *,
                   eps: float = 1e-6, seed: int = 0) -> GradCheck:
    """Compare ``layer.backward`` with central differences for dL/dx and every parameter; x: (N, ...).

    For a loss layer L is its output (pass ``target``); otherwise L = sum(forward(x) * G) with a fixed
    random G, so backward(G) must equal dL/dx. Random layers (Dropout) see the same draws in every
    evaluation. Use float64 input: float32 differences are too coarse for a meaningful check.
    """
    x = np.array(act.as_float_array(x, "x"), dtype=np.float64)
    is_loss = getattr(layer, "is_loss", False)
    if is_loss and target is None:
        raise ValueError(f"{type(layer).__name__} is a loss: pass target=... (same shape as x).")
    rng_states = [r.bit_generator.state for r in _rngs(layer)]

    def restore() -> None:
        for r, s in zip(_rngs(layer), rng_states):
            r.bit_generator.state = s

    restore()
    out = layer.forward(x, target) if is_loss else layer.forward(x)
    G = None if is_loss else np.random.default_rng(seed).normal(size=np.shape(out))

    def loss() -> float:
        restore()
        o = layer.forward(x, target) if is_loss else layer.forward(x)
        return float(o) if is_loss else float(np.sum(o * G))

    restore()
    loss()
    analytic = {"x": np.asarray(layer.backward() if is_loss else layer.backward(G), dtype=np.float64)}
    analytic.update({k: np.asarray(v, dtype=np.float64).copy() for k, v in layer.grads.items()})
    arrays = {"x": x, **layer.params}

    errors: dict[str, float] = {}
    worst = ("x", (0,), 0.0, 0.0, -1.0)
    for name, arr in arrays.items():
        num = np.zeros(arr.shape)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            plus = loss()
            arr[idx] = old - eps
            minus = loss()
            arr[idx] = old
            num[idx] = (plus - minus) / (2 * eps)
        a = analytic[name]
        if a.shape != num.shape:
            raise ValueError(f"backward returned {name} of shape {a.shape}, expected {num.shape}.")
        diff = np.abs(a - num)
        scale = max(np.abs(a).max(initial=0.0), np.abs(num).max(initial=0.0), 1e-12)
        errors[name] = float(diff.max(initial=0.0) / scale)
        if diff.size and errors[name] > worst[4]:
            i = np.unravel_index(np.argmax(diff), diff.shape)
            worst = (name, tuple(int(j) for j in i), float(a[i]), float(num[i]), errors[name])
    loss()  # leave the layer's cache at the unperturbed input
    return GradCheck(errors, worst[0], worst[1], worst[2], worst[3])
