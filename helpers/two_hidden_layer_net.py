"""A two-hidden-layer ReLU network with a softmax output and the quadratic loss, differentiated by hand.

x: (N, D) or (D,) -> a1 = W1 x + b1, h1 = ReLU(a1), a2 = W2 h1 + b2, h2 = ReLU(a2), a3 = W3 h2 + b3,
f = softmax(a3), L = 1/2 sum_k (f_k - y_k)^2 (averaged over a batch). Weights use the convention
W[l]: (out, in), so w^[1]_ij is ``W1[i, j]`` (unit i of layer 1, input j). The gradients are written twice,
with every sum spelled out (index form) and as matrix products, and checked against torch autograd.
``published_gradients`` runs the slips of a published derivation of the same gradients, one at a time: each is
torch autograd of the network with that one local derivative replaced (a straight-through surrogate), so a slip
is reproduced without any hand-written backward pass. ``backward_steps`` (the pictures) uses autograd too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
import torch

from helpers import activations, autograd_reference, validation
from helpers.derivation import Derivation

__all__ = [
    "PARAMETER_NAMES",
    "PUBLISHED_SLIPS",
    "init_params",
    "random_problem",
    "forward",
    "loss",
    "gradients_index_form",
    "gradients_matrix_form",
    "published_gradients",
    "gradients_autograd",
    "BackwardStep",
    "backward_steps",
    "delta3_derivation",
]

Params = dict[str, np.ndarray]

PARAMETER_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")

# Each slip of the published derivation, run on its own; the text says what that version computes.
PUBLISHED_SLIPS: dict[str, str] = {
    "softmax_as_identity": "softmax derivative taken as 1: df_l/da_k = delta_lk, so delta3 = f - y",
    "loss_derivative_sign_and_factor": "derivative of the quadratic loss taken as 2(y - f) instead of f - y",
    "relu_derivative_as_one": "ReLU'(a) taken as 1 everywhere, also where the unit is off",
    "collapsed_hidden_sums": "sums over the units of the layer above dropped: delta2_m = ReLU'(a2_m) w3_mm delta3_m",
}


def init_params(sizes: tuple[int, int, int, int] = (4, 5, 3, 3), random_state: Any = 0) -> Params:
    """Random parameters for sizes (D, H1, H2, K): W1: (H1, D), b1: (H1,), W2: (H2, H1), b2, W3: (K, H2), b3: (K,)."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) != 4:
        raise ValueError(f"sizes must be four positive integers (D, H1, H2, K) such as (4, 5, 3, 3), got {sizes!r}.")
    d, h1, h2, k = (validation.positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes))
    rng = validation.as_rng(random_state)
    params = {}
    for i, (n_in, n_out) in enumerate([(d, h1), (h1, h2), (h2, k)], start=1):
        params[f"W{i}"] = rng.normal(scale=1 / np.sqrt(n_in), size=(n_out, n_in))
        params[f"b{i}"] = rng.normal(scale=0.1, size=n_out)
    return params


def random_problem(random_state: Any = None, batch_size: int | None = None,
                   max_units: int = 6) -> tuple[Params, np.ndarray, np.ndarray]:
    """A network of random sizes (each of D, H1, H2, K in 2..max_units), inputs x and one-hot targets y.

    Returns (params, x, y) with x: (D,) and y: (K,) for one sample, or x: (N, D) and y: (N, K) for batch_size N.
    """
    rng = validation.as_rng(random_state)
    max_units = validation.positive_int(max_units, "max_units", minimum=2)
    shape: tuple[int, ...] = () if batch_size is None else (validation.positive_int(batch_size, "batch_size"),)
    d, h1, h2, k = (int(s) for s in rng.integers(2, max_units + 1, size=4))
    params = init_params((d, h1, h2, k), random_state=rng)
    return params, rng.normal(size=(*shape, d)), np.eye(k)[rng.integers(k, size=shape)]


def _params(params: Any) -> Params:
    """The six arrays, checked: present, finite, and of shapes that chain (W2's columns = W1's rows, ...)."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict with arrays {', '.join(PARAMETER_NAMES)} (as init_params returns), "
                        f"got {validation.describe(params)}.")
    missing = [name for name in PARAMETER_NAMES if name not in params]
    if missing:
        raise ValueError(f"params is missing {missing}: pass all of {', '.join(PARAMETER_NAMES)}, "
                         "e.g. init_params((4, 5, 3, 3)).")
    p = {"W1": validation.float_array(params["W1"], "params['W1']", shape=("H1", "D"), dtype=np.float64)}
    h1, _ = p["W1"].shape
    p["b1"] = validation.float_array(params["b1"], "params['b1']", shape=(h1,), dtype=np.float64)
    p["W2"] = validation.float_array(params["W2"], "params['W2']", shape=("H2", h1), dtype=np.float64)
    h2 = p["W2"].shape[0]
    p["b2"] = validation.float_array(params["b2"], "params['b2']", shape=(h2,), dtype=np.float64)
    p["W3"] = validation.float_array(params["W3"], "params['W3']", shape=("K", h2), dtype=np.float64)
    p["b3"] = validation.float_array(params["b3"], "params['b3']", shape=(p["W3"].shape[0],), dtype=np.float64)
    return p


def _inputs(params: Any, x: Any) -> tuple[Params, np.ndarray]:
    p = _params(params)
    d = p["W1"].shape[1]
    x = validation.float_array(x, "x", dtype=np.float64)
    if x.ndim == 1:
        validation.float_array(x, "x", shape=(d,))
    else:
        validation.float_array(x, "x", shape=("N", d))
    return p, x


def _targets(y: Any, x: np.ndarray, k: int) -> np.ndarray:
    """One-hot targets with the leading shape of x: (K,) for one sample, (N, K) for a batch."""
    wanted = (k,) if x.ndim == 1 else (x.shape[0], k)
    a = validation.float_array(y, "y", dtype=np.float64, allow_empty=True)
    if a.shape != wanted:
        hint = ""
        if a.shape == wanted[:-1] or (x.ndim == 1 and a.ndim == 0):
            hint = f" (class labels? pass one-hot targets np.eye({k})[y])"
        raise ValueError(f"y must be one-hot targets of shape {wanted} for x of shape {x.shape}, got {a.shape}{hint}.")
    validation.class_labels(np.atleast_2d(a), k, "y")  # every row one-hot
    return a


def forward(params: Params, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every intermediate quantity for x: (N, D) or (D,): a1, h1: (N, H1), a2, h2: (N, H2), a3, f: (N, K)."""
    p, x = _inputs(params, x)
    return _forward(p, x)


def _forward(p: Params, x: np.ndarray) -> dict[str, np.ndarray]:
    a1 = x @ p["W1"].T + p["b1"]
    h1 = activations.relu(a1)
    a2 = h1 @ p["W2"].T + p["b2"]
    h2 = activations.relu(a2)
    a3 = h2 @ p["W3"].T + p["b3"]
    return {"a1": a1, "h1": h1, "a2": a2, "h2": h2, "a3": a3, "f": activations.softmax(a3)}


def loss(params: Params, x: np.ndarray, y: np.ndarray) -> float:
    """Mean over samples of 1/2 sum_k (f_k - y_k)^2; x: (N, D) or (D,), y: one-hot (N, K) or (K,)."""
    p, x = _inputs(params, x)
    y = _targets(y, x, p["W3"].shape[0])
    f = _forward(p, x)["f"]
    return float(np.mean(0.5 * np.sum((f - y) ** 2, axis=-1)))


def gradients_index_form(params: Params, x: np.ndarray, y: np.ndarray) -> Params:
    """Gradients for ONE sample x: (D,), y: (K,), written with loops over i, j, k, l, m (slow, on purpose).

    Returns arrays of the parameters' shapes: W1: (H1, D), b1: (H1,), W2: (H2, H1), b2: (H2,), W3: (K, H2), b3: (K,).
    """
    params, x = _inputs(params, x)
    if x.ndim != 1:
        raise ValueError(f"the index form takes one sample x: (D,), got shape {x.shape}: "
                         "pass x[0], or use gradients_matrix_form for a batch.")
    y = _targets(y, x, params["W3"].shape[0])
    W2, W3 = params["W2"], params["W3"]
    c = _forward(params, x)
    f, a1, a2, h1, h2 = c["f"], c["a1"], c["a2"], c["h1"], c["h2"]
    K, H2, H1, D = W3.shape[0], W3.shape[1], W2.shape[1], x.shape[0]
    ### BEGIN SOLUTION
    # delta3_k = sum_l (f_l - y_l) f_l (delta_lk - f_k)
    d3 = np.zeros(K)
    for k in range(K):
        for out in range(K):
            d3[k] += (f[out] - y[out]) * f[out] * ((1.0 if out == k else 0.0) - f[k])
    # delta2_m = ReLU'(a2_m) sum_k w3_km delta3_k
    d2 = np.zeros(H2)
    for m in range(H2):
        s = 0.0
        for k in range(K):
            s += W3[k, m] * d3[k]
        d2[m] = (1.0 if a2[m] > 0 else 0.0) * s
    # delta1_i = ReLU'(a1_i) sum_m w2_mi delta2_m
    d1 = np.zeros(H1)
    for i in range(H1):
        s = 0.0
        for m in range(H2):
            s += W2[m, i] * d2[m]
        d1[i] = (1.0 if a1[i] > 0 else 0.0) * s
    g = {"W1": np.zeros((H1, D)), "W2": np.zeros((H2, H1)), "W3": np.zeros((K, H2))}
    for i in range(H1):
        for j in range(D):
            g["W1"][i, j] = d1[i] * x[j]
    for m in range(H2):
        for i in range(H1):
            g["W2"][m, i] = d2[m] * h1[i]
    for k in range(K):
        for m in range(H2):
            g["W3"][k, m] = d3[k] * h2[m]
    return {"W1": g["W1"], "b1": d1, "W2": g["W2"], "b2": d2, "W3": g["W3"], "b3": d3}
    ### END SOLUTION


def gradients_matrix_form(params: Params, x: np.ndarray, y: np.ndarray) -> Params:
    """Gradients of the mean loss as matrix products; x: (N, D) or (D,), y: (N, K) or (K,) -> shaped as params."""
    params, x = _inputs(params, x)
    y = _targets(y, x, params["W3"].shape[0])
    X, Y = np.atleast_2d(x), np.atleast_2d(y)
    c = _forward(params, X)
    ### BEGIN SOLUTION
    n, f = X.shape[0], c["f"]
    # rows are samples: delta3 = J^T (f - y) with the softmax Jacobian J = diag(f) - f f^T, then one layer down
    d3 = (f - Y) * f - f * np.sum((f - Y) * f, axis=1, keepdims=True)
    d2 = (d3 @ params["W3"]) * (c["a2"] > 0)
    d1 = (d2 @ params["W2"]) * (c["a1"] > 0)
    return {
        "W1": d1.T @ X / n, "b1": d1.mean(axis=0),
        "W2": d2.T @ c["h1"] / n, "b2": d2.mean(axis=0),
        "W3": d3.T @ c["h2"] / n, "b3": d3.mean(axis=0),
    }
    ### END SOLUTION


def _straight_through(value: Any, surrogate: Any) -> Any:
    """The value of ``value``, differentiated as ``surrogate``: how a slip's local derivative enters autograd."""
    return surrogate + (value - surrogate).detach()


def _mean_loss(x: Any, y: Any, slip: str | None = None) -> Any:
    """The mean quadratic loss as a function of the six tensors, with at most one slip in its derivatives."""

    def layer(h: Any, W: Any, b: Any, hidden_input: bool) -> Any:
        out = h @ W.T + b
        if slip != "collapsed_hidden_sums" or not hidden_input:
            return out
        # d out_k / d h_m kept only for k == m (w_mm), as if unit m fed only unit m above
        n = min(W.shape)
        diagonal = h[:, :n] * torch.diagonal(W).detach()[:n]
        padding = torch.zeros(h.shape[0], W.shape[0] - n, dtype=h.dtype)
        return _straight_through(out, h.detach() @ W.T + b + torch.cat([diagonal, padding], dim=1))

    def relu(a: Any) -> Any:
        return _straight_through(torch.relu(a), a) if slip == "relu_derivative_as_one" else torch.relu(a)

    def loss(W1: Any, b1: Any, W2: Any, b2: Any, W3: Any, b3: Any) -> Any:
        h1 = relu(layer(x, W1, b1, hidden_input=False))
        h2 = relu(layer(h1, W2, b2, hidden_input=True))
        a3 = layer(h2, W3, b3, hidden_input=True)
        f = torch.softmax(a3, dim=1)
        if slip == "softmax_as_identity":
            f = _straight_through(f, a3)
        value = (0.5 * ((f - y) ** 2).sum(dim=1)).mean()
        if slip == "loss_derivative_sign_and_factor":
            # d/df of -(f - y)^2 is 2(y - f)
            value = _straight_through(value, (-((f - y) ** 2)).sum(dim=1).mean())
        return value

    return loss


def published_gradients(params: Params, x: np.ndarray, y: np.ndarray, slip: str) -> Params:
    """The gradients with ONE slip of the published derivation (a key of PUBLISHED_SLIPS); shapes as params.

    x: (N, D) or (D,), y: (N, K) or (K,). Torch autograd differentiates the mean loss with that one local derivative
    replaced and everything else exact, so a difference from ``gradients_autograd`` is that slip's alone.
    """
    slip = validation.one_of(slip, PUBLISHED_SLIPS, "slip")
    params, x = _inputs(params, x)
    y = _targets(y, x, params["W3"].shape[0])
    xt, yt = torch.tensor(np.atleast_2d(x)), torch.tensor(np.atleast_2d(y))
    return autograd_reference.autograd_gradients(_mean_loss(xt, yt, slip), params)[1]


def gradients_autograd(params: Params, x: np.ndarray, y: np.ndarray) -> Params:
    """Reference gradients of the mean loss by torch autograd (float64); x: (N, D) or (D,) -> shaped as params."""
    params, x = _inputs(params, x)
    y = _targets(y, x, params["W3"].shape[0])
    xt, yt = torch.tensor(np.atleast_2d(x)), torch.tensor(np.atleast_2d(y))
    return autograd_reference.autograd_gradients(_mean_loss(xt, yt), params)[1]


@dataclass(frozen=True)
class BackwardStep:
    """One layer of one backward pass: its delta (out,), dL/dW (out, in), W before and after the update (out, in)."""

    layer: int
    delta: np.ndarray
    weight_gradient: np.ndarray
    weights_before: np.ndarray
    weights_after: np.ndarray
    formula: str


_FORMULAS = {
    3: r"\delta^{[3]}_k = \sum_l (f_l - y_l)\, f_l(\delta_{lk} - f_k)",
    2: r"\delta^{[2]}_m = \mathrm{ReLU}'(a^{[2]}_m) \sum_k w^{[3]}_{km} \delta^{[3]}_k",
    1: r"\delta^{[1]}_i = \mathrm{ReLU}'(a^{[1]}_i) \sum_m w^{[2]}_{mi} \delta^{[2]}_m",
}


def backward_steps(params: Params, x: np.ndarray, y: np.ndarray, learning_rate: float = 0.5) -> list[BackwardStep]:
    """The backward pass for one sample x: (D,), y: (K,), layer 3 first, with the step W - learning_rate dL/dW.

    The values come from torch autograd (for one sample, delta^[l] = dL/db^[l]), so the pictures need no answer.
    """
    learning_rate = validation.positive_number(learning_rate, "learning_rate")
    p, x = _inputs(params, x)
    if x.ndim != 1:
        raise ValueError(f"backward_steps takes one sample x: (D,), got shape {x.shape}: pass x[0].")
    y = _targets(y, x, p["W3"].shape[0])
    g = gradients_autograd(p, x, y)
    return [
        BackwardStep(layer, g[f"b{layer}"], g[f"W{layer}"], p[f"W{layer}"].copy(),
                     p[f"W{layer}"] - learning_rate * g[f"W{layer}"], _FORMULAS[layer])
        for layer in (3, 2, 1)
    ]


def delta3_derivation(k: int = 3) -> Derivation:
    """delta^[3]_k = dL/da_k of L = 1/2 sum_l (f_l - y_l)^2 through the softmax, for k symbolic logits, shown in f_l."""
    k = validation.positive_int(k, "k", minimum=2)
    a = sp.symbols(f"a_1:{k + 1}", real=True)
    y = sp.symbols(f"y_1:{k + 1}", real=True)
    total = sum(sp.exp(ai) for ai in a)
    # unevaluated so that the display can name each f_l while the checks see the full expression
    f = [sp.UnevaluatedExpr(sp.exp(ai) / total) for ai in a]
    L = sp.Rational(1, 2) * sum((fl - yl) ** 2 for fl, yl in zip(f, y, strict=True))
    names: dict[str, Any] = {f"f_{i + 1}": f[i] for i in range(k)}
    names.update({rf"\frac{{\partial L}}{{\partial a_{i + 1}}}": sp.Derivative(L, a[i]) for i in range(k)})
    delta = sp.Matrix([sum((f[m] - y[m]) * f[m] * ((1 if m == j else 0) - f[j]) for m in range(k)) for j in range(k)])
    return (Derivation(f"delta^[3] through the softmax, K = {k}", names=names)
            .step(sp.Matrix([sp.Derivative(L, ai) for ai in a]), "delta_k = dL/da_k, L = 1/2 sum_l (f_l - y_l)^2",
                  given=True)
            .step(delta, "chain rule: sum_l (f_l - y_l) df_l/da_k with df_l/da_k = f_l(delta_lk - f_k)"))
