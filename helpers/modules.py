"""Backpropagation as modules: layers with an explicit forward/backward pair (NumPy, vectorized).

Every layer has the same interface, so one test covers them all:

* ``forward(x)`` returns the output and keeps exactly what ``backward`` needs in ``.cache``;
* ``backward(grad_output)`` returns dL/d(input) and fills ``.grads`` with the keys of ``.params``;
* ``clear_cache()`` forgets the last forward pass; ``.train()`` / ``.eval()`` set ``.training`` (only
  ``Dropout`` behaves differently).

Loss layers take the target in ``forward(pred, target)`` and start the backward pass with
``backward()``. The input dtype is kept: float32 for speed, float64 for gradient checks
(``helpers.gradcheck.check_layer`` compares any layer's backward with central finite differences).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers import activations as act
from helpers.validation import (
    as_rng,
    class_labels,
    finite_number,
    flag,
    float_array,
    positive_int,
    positive_number,
    probability,
)

__all__ = [
    "glorot_uniform",
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
]


def glorot_uniform(n_in: int, n_out: int, random_state: Any = None, dtype: Any = np.float64) -> np.ndarray:
    """Weights W: (n_out, n_in) uniform on +-sqrt(6 / (n_in + n_out)), Keras' default for Dense layers.

    The scale keeps the variance of activations and gradients of order one whatever the width.
    """
    n_in, n_out = positive_int(n_in, "n_in"), positive_int(n_out, "n_out")
    dtype = _float_dtype(dtype)
    limit = np.sqrt(6.0 / (n_in + n_out))
    return as_rng(random_state).uniform(-limit, limit, size=(n_out, n_in)).astype(dtype)


def _float_dtype(dtype: Any) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype!r}.") from None
    if dt.kind != "f":
        # integer weights would initialise to zeros and could never learn
        raise TypeError(f"dtype must be a float type (np.float32 or np.float64), got {dt}.")
    return dt


class Module:
    """Base class: parameters, gradients, the forward cache, train/eval mode."""

    is_loss = False

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.cache: dict[str, Any] = {}
        self.training = True

    def train(self) -> Module:
        """Training mode (Dropout drops); returns self."""
        self.training = True
        return self

    def eval(self) -> Module:
        """Evaluation mode (Dropout is the expectation); returns self."""
        self.training = False
        return self

    def clear_cache(self) -> None:
        """Forget what the last forward pass kept for backward."""
        self.cache = {}

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    def _cached(self) -> dict[str, Any]:
        if not self.cache:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward: run forward(x) first.")
        return self.cache

    def _check_grad(self, grad_output: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        g = float_array(grad_output, "grad_output")
        if g.shape != shape:
            raise ValueError(
                f"{type(self).__name__}.backward: grad_output must have the shape of the forward output: "
                f"expected {shape}, got {g.shape}."
            )
        return g.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Module):
    """Y = X W^T + b; X: (N, in), W: (out, in), b: (out,), Y: (N, out).

    ``input_grad=False`` makes ``backward`` skip dL/dX (and return None): the first layer of a network
    needs only its weight gradients, and dL/dX of a 784-wide input is a third of a step's work.
    """

    def __init__(self, in_features: int, out_features: int, random_state: Any = None, dtype: Any = np.float64,
                 *, input_grad: bool = True) -> None:
        super().__init__()
        self.in_features = positive_int(in_features, "in_features")
        self.out_features = positive_int(out_features, "out_features")
        self.input_grad = flag(input_grad, "input_grad")
        dtype = _float_dtype(dtype)
        self.params = {
            "W": glorot_uniform(self.in_features, self.out_features, random_state, dtype),
            "b": np.zeros(self.out_features, dtype=dtype),
        }

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, in) -> (N, out), in the dtype of x."""
        x = float_array(x, "x", shape=("N", self.in_features))
        # weights set by hand are checked too: Keras stores kernels as (in, out), the transpose of W here
        W = float_array(self.params["W"], "params['W']", shape=(self.out_features, self.in_features), finite=False)
        b = float_array(self.params["b"], "params['b']", shape=(self.out_features,), finite=False)
        W, b = W.astype(x.dtype, copy=False), b.astype(x.dtype, copy=False)
        self.cache = {"x": x, "W": W}
        return x @ W.T + b

    def backward(self, grad_output: np.ndarray) -> np.ndarray | None:
        """grad_output: (N, out) -> dL/dX: (N, in) (None if input_grad=False); grads W: (dL/dY)^T X, b: 1^T dL/dY."""
        c = self._cached()
        X, W = c["x"], c["W"]
        G = self._check_grad(grad_output, (X.shape[0], self.out_features), X.dtype)
        ### BEGIN SOLUTION
        dW = G.T @ X
        db = G.sum(axis=0)
        ### END SOLUTION
        self.grads = {"W": dW.astype(self.params["W"].dtype, copy=False),
                      "b": db.astype(self.params["b"].dtype, copy=False)}
        if not self.input_grad:  # a first layer: nothing needs dL/dX, a third of the step's work
            return None
        ### BEGIN SOLUTION
        dX = G @ W
        ### END SOLUTION
        return dX

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"


class _Elementwise(Module):
    """Y = h(X) element-wise; backward is dL/dX = dL/dY * h'(X)."""

    def _f(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _df(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: any shape -> same shape."""
        x = float_array(x, "x")
        self.cache = {"x": x}
        return self._f(x)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """grad_output: shape of x -> dL/dX, same shape."""
        x = self._cached()["x"]
        g = self._check_grad(grad_output, x.shape, x.dtype)
        self.grads = {}
        return g * self._df(x)


class ReLU(_Elementwise):
    """max(x, 0); derivative 0 at x == 0 (PyTorch's and TensorFlow's convention)."""

    _f = staticmethod(act.relu)
    _df = staticmethod(act.relu_grad)


class LeakyReLU(_Elementwise):
    """x if x > 0 else alpha x; derivative alpha at x == 0 (PyTorch's and TensorFlow's convention)."""

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = positive_number(alpha, "alpha", allow_zero=True)

    def _f(self, x: np.ndarray) -> np.ndarray:
        return act.leaky_relu(x, self.alpha)

    def _df(self, x: np.ndarray) -> np.ndarray:
        return act.leaky_relu_grad(x, self.alpha)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class Sigmoid(_Elementwise):
    """1 / (1 + exp(-x)); keeps its output y, since sigma'(x) = y (1 - y)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: any shape -> same shape."""
        y = act.sigmoid(float_array(x, "x"))
        self.cache = {"y": y}
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """grad_output: shape of x -> dL/dX = dL/dY * y (1 - y), same shape."""
        y = self._cached()["y"]
        g = self._check_grad(grad_output, y.shape, y.dtype)
        self.grads = {}
        return g * y * (1 - y)


class Tanh(_Elementwise):
    """tanh(x)."""

    _f = staticmethod(act.tanh)
    _df = staticmethod(act.tanh_grad)


class Softmax(Module):
    """Softmax over the last axis; backward applies the full Jacobian diag(y) - y y^T."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (..., K) -> (..., K), rows summing to one."""
        x = float_array(x, "x")
        if x.ndim == 0:
            raise ValueError("x must have a last axis of classes, shape (..., K), got a single number: "
                             "pass an array such as [[1.0, 2.0, 0.5]].")
        y = act.softmax(x, axis=-1)
        self.cache = {"y": y}
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """grad_output: (..., K) -> dL/dX = y * (g - sum(g * y))."""
        y = self._cached()["y"]
        g = self._check_grad(grad_output, y.shape, y.dtype)
        self.grads = {}
        return act.softmax_backward(y, g, axis=-1)


class Dropout(Module):
    """Zero each entry with probability p during training; the factor applied is kept in ``cache["mask"]``.

    ``scale=True`` (inverted dropout, the default): kept entries are multiplied by 1/(1-p) in training and
    evaluation is the identity. ``scale=False`` (the original form): training only masks, and evaluation
    multiplies by (1-p) so the expected activation is the same in both modes.
    """

    def __init__(self, p: float = 0.5, random_state: Any = None, scale: bool = True) -> None:
        super().__init__()
        self.p, self.scale, self.rng = probability(p, "p"), flag(scale, "scale"), as_rng(random_state)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: any shape -> same shape."""
        x = float_array(x, "x")
        if self.training:
            keep = (self.rng.random(x.shape) >= self.p).astype(x.dtype)
            mask = keep / x.dtype.type(1 - self.p) if self.scale else keep
        else:
            mask = np.full(x.shape, 1.0 if self.scale else 1 - self.p, dtype=x.dtype)
        self.cache = {"mask": mask}
        return x * mask

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """grad_output: shape of x -> dL/dX = dL/dY * mask, same shape (the mask includes 1/(1-p) when scaled)."""
        mask = self._cached()["mask"]
        g = self._check_grad(grad_output, mask.shape, mask.dtype)
        self.grads = {}
        ### BEGIN SOLUTION
        g = g * mask  # through the dropout: the same (scaled) mask as in the forward pass
        ### END SOLUTION
        return g

    def __repr__(self) -> str:
        return f"Dropout(p={self.p}, scale={self.scale})"


class _Loss(Module):
    """A layer that ends the network: forward(pred, target) -> float, backward() starts backprop."""

    is_loss = True

    def _inputs(self, pred: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
        pred = float_array(pred, "pred", shape=("S", "K"))
        target = self._target(float_array(target, "target"), *pred.shape)
        return pred, target.astype(pred.dtype, copy=False)

    def _target(self, t: np.ndarray, S: int, K: int) -> np.ndarray:
        return self._target_of_shape(t, S, K)

    def _target_of_shape(self, t: np.ndarray, S: int, K: int) -> np.ndarray:
        if t.shape != (S, K):
            if t.shape == (K, S):
                hint = " (transposed? pass target.T)"
            elif t.shape == (S,) and K == 1:
                hint = " (pass target.reshape(-1, 1))"
            elif t.shape == (S,):
                hint = f" (class labels? pass one-hot rows np.eye({K})[labels])"
            else:
                hint = " (one target row per prediction row)"
            raise ValueError(f"{type(self).__name__}: target must have the shape of the prediction "
                             f"(S, K) = ({S}, {K}), got {t.shape}{hint}.")
        return t

    def backward(self, grad_output: float = 1.0) -> np.ndarray:
        """-> dL/dpred: (S, K), scaled by the upstream ``grad_output`` (1 for the loss itself)."""
        raise NotImplementedError


class SoftmaxCrossEntropy(_Loss):
    """Mean over the batch of -sum_k t_k log softmax(z)_k; backward: dL/dZ = (Y - T) / S.

    Targets are one-hot rows (S, K), probability rows summing to one, or class labels (S,) with values
    0..K-1 (turned into one-hot rows). The backward formula needs rows that sum to one, so others are refused.
    """

    def _target(self, t: np.ndarray, S: int, K: int) -> np.ndarray:
        if t.shape == (S,) and K > 1:
            return np.eye(K, dtype=np.float64)[class_labels(t, K, "target")]
        t = self._target_of_shape(t, S, K)
        sums = t.sum(axis=1)
        bad = (t < 0).any(axis=1) | ~np.isclose(sums, 1, rtol=0, atol=1e-4)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"target row {row} is {t[row].tolist()[:10]}, not a distribution over the {K} classes: "
                             "pass one-hot rows, probabilities >= 0 summing to 1, or class labels 0..K-1.")
        return t

    def forward(self, logits: np.ndarray, targets_one_hot: np.ndarray) -> float:
        """logits, targets_one_hot: (S, K) -> mean loss."""
        z, t = self._inputs(logits, targets_one_hot)
        shifted = z - z.max(axis=1, keepdims=True)
        log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.cache = {"y": np.exp(log_y), "t": t}
        return float(-(t * log_y).sum() / z.shape[0])

    def backward(self, grad_output: float = 1.0) -> np.ndarray:
        """-> dL/dZ: (S, K) = grad_output * (Y - T) / S."""
        c = self._cached()
        scale = finite_number(grad_output, "grad_output")
        self.grads = {}
        Y, T = c["y"], c["t"]
        ### BEGIN SOLUTION
        dZ = (Y - T) / Y.shape[0]
        ### END SOLUTION
        return dZ * Y.dtype.type(scale)


class MSE(_Loss):
    """Mean over the batch of 1/2 sum_k (pred_k - target_k)^2; backward: (pred - target) / S."""

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """pred, target: (S, K) -> mean loss."""
        p, t = self._inputs(pred, target)
        diff = p - t
        self.cache = {"diff": diff}
        return float(0.5 * (diff**2).sum() / p.shape[0])

    def backward(self, grad_output: float = 1.0) -> np.ndarray:
        """-> dL/dpred: (S, K)."""
        d = self._cached()["diff"]
        scale = finite_number(grad_output, "grad_output")
        self.grads = {}
        return d * d.dtype.type(scale / d.shape[0])


class Sequential:
    """Layers applied in order, with the layer interface; ``params``/``grads`` name each array "index.name"."""

    is_loss = False

    def __init__(self, *layers: Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential takes layers (Module instances); item {i} is {type(layer).__name__}.")
            if layer.is_loss:
                raise TypeError("Put the loss outside Sequential: call loss.forward(model.forward(x), t).")
        if not layers:
            raise ValueError("Sequential needs at least one layer, e.g. Sequential(Linear(2, 3), ReLU()).")
        self.layers = list(layers)
        self.training = True

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Every layer's parameter arrays (the arrays themselves, not copies), keyed "index.name"."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """Every layer's gradients from the last backward pass, keyed like ``params``."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}

    @property
    def cache(self) -> dict[str, Any]:
        """Every layer's cache from the last forward pass, keyed "index.name" like ``params``."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.cache.items()}

    def train(self) -> Sequential:
        """Training mode for every layer; returns self."""
        self.training = True
        for layer in self.layers:
            layer.train()
        return self

    def eval(self) -> Sequential:
        """Evaluation mode for every layer; returns self."""
        self.training = False
        for layer in self.layers:
            layer.eval()
        return self

    def clear_cache(self) -> None:
        """Forget every layer's last forward pass."""
        for layer in self.layers:
            layer.clear_cache()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, ...) -> the last layer's output, (N, ...)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_output: np.ndarray) -> np.ndarray | None:
        """dL/d(output): shape of the output -> dL/d(input): shape of x (None if the first layer skips it).

        Every layer's ``.grads`` is filled on the way.
        """
        if not all(layer.cache for layer in self.layers):
            raise RuntimeError("Sequential.backward was called before forward: run forward(x) first.")
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def sgd_step(self, learning_rate: float) -> None:
        """params <- params - learning_rate * grads, in place; needs a backward pass first."""
        learning_rate = positive_number(learning_rate, "learning_rate")
        # every gradient is checked before any parameter moves, so a failed step changes nothing
        for i, layer in enumerate(self.layers):
            for k, p in layer.params.items():
                if k not in layer.grads:
                    raise RuntimeError(f"layer {i} ({layer!r}) has no gradient for {k!r}: "
                                       "run forward and backward before sgd_step.")
                if np.shape(layer.grads[k]) != p.shape:
                    raise RuntimeError(f"layer {i} ({layer!r}): the gradient for {k!r} has shape "
                                       f"{np.shape(layer.grads[k])}, the parameter {p.shape}; run backward again.")
        for layer in self.layers:
            for k, p in layer.params.items():
                p -= p.dtype.type(learning_rate) * layer.grads[k]

    def __repr__(self) -> str:
        return "Sequential(" + ", ".join(map(repr, self.layers)) + ")"
