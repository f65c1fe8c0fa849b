"""Notebook 05: the E1 network's gradients by hand (index form and matrix form) and E4's dropout path.

E1 network for one sample x: (D,), target y: (K,) (one-hot):
    a1 = W1 x + b1, h1 = ReLU(a1), a2 = W2 h1 + b2, h2 = ReLU(a2), a3 = W3 h2 + b3, f = softmax(a3),
    L = 1/2 sum_k (f_k - y_k)^2.
Weights use the convention W[l]: (out, in), so w^[1]_ij is ``W1[i, j]`` (unit i of layer 1, input j).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from helpers import activations as act

__all__ = [
    "init_e1",
    "e1_forward",
    "e1_loss",
    "e1_grads_index",
    "e1_grads_matrix",
    "e1_grads_published",
    "e1_grads_torch",
    "relative_error",
    "BackwardStep",
    "backward_steps",
    "plot_backward_step",
    "e4_forward_backward",
    "e4_grads_torch",
]

Params = dict[str, np.ndarray]


def init_e1(sizes: tuple[int, int, int, int] = (4, 5, 3, 3), seed: int = 0) -> Params:
    """Random E1 parameters for sizes (D, H1, H2, K): W1: (H1, D), W2: (H2, H1), W3: (K, H2), b's."""
    if len(sizes) != 4 or any(int(s) != s or s <= 0 for s in sizes):
        raise ValueError(f"sizes must be four positive integers (D, H1, H2, K), got {sizes!r}.")
    r = np.random.default_rng(seed)
    d, h1, h2, k = sizes
    p = {}
    for i, (n_in, n_out) in enumerate([(d, h1), (h1, h2), (h2, k)], start=1):
        p[f"W{i}"] = r.normal(scale=1 / np.sqrt(n_in), size=(n_out, n_in))
        p[f"b{i}"] = r.normal(scale=0.1, size=n_out)
    return p


def _check(params: Params, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    missing = {"W1", "b1", "W2", "b2", "W3", "b3"} - set(params)
    if missing:
        raise ValueError(f"params is missing {sorted(missing)}: build it with init_e1(...).")
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    d, k = params["W1"].shape[1], params["W3"].shape[0]
    if x.shape[-1] != d or y.shape[-1] != k or x.shape[:-1] != y.shape[:-1]:
        raise ValueError(f"x must be (..., {d}) and y (..., {k}) with the same leading shape, got {x.shape} and {y.shape}.")
    return x, y


def e1_forward(params: Params, x: np.ndarray) -> dict[str, np.ndarray]:
    """All intermediate quantities for x: (N, D) or (D,): a1, h1, a2, h2, a3, f."""
    x = np.asarray(x, dtype=float)
    a1 = x @ params["W1"].T + params["b1"]
    h1 = act.relu(a1)
    a2 = h1 @ params["W2"].T + params["b2"]
    h2 = act.relu(a2)
    a3 = h2 @ params["W3"].T + params["b3"]
    return {"a1": a1, "h1": h1, "a2": a2, "h2": h2, "a3": a3, "f": act.softmax(a3)}


def e1_loss(params: Params, x: np.ndarray, y: np.ndarray) -> float:
    """Mean over samples of 1/2 sum_k (f_k - y_k)^2; x: (N, D) or (D,)."""
    x, y = _check(params, x, y)
    f = e1_forward(params, x)["f"]
    return float(np.mean(0.5 * np.sum((f - y) ** 2, axis=-1)))


def e1_grads_index(params: Params, x: np.ndarray, y: np.ndarray) -> Params:
    """Gradients for ONE sample x: (D,), written literally with loops over i, j, k, l, m (slow, on purpose)."""
    x, y = _check(params, x, y)
    if x.ndim != 1:
        raise ValueError(f"the index form takes one sample x: (D,), got {x.shape}; use e1_grads_matrix for a batch.")
    W2, W3 = params["W2"], params["W3"]
    c = e1_forward(params, x)
    f, a1, a2, h1, h2 = c["f"], c["a1"], c["a2"], c["h1"], c["h2"]
    K, H2, H1, D = W3.shape[0], W3.shape[1], W2.shape[1], x.shape[0]
    # delta3_k = sum_l (f_l - y_l) f_l (delta_lk - f_k)
    d3 = np.zeros(K)
    for k in range(K):
        for l in range(K):
            d3[k] += (f[l] - y[l]) * f[l] * ((1.0 if l == k else 0.0) - f[k])
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
    g.update(b1=d1.copy(), b2=d2.copy(), b3=d3.copy())
    return g


def _matrix_grads(params: Params, x: np.ndarray, y: np.ndarray, softmax_is_identity: bool) -> Params:
    x2, y2 = np.atleast_2d(x), np.atleast_2d(y)
    n = x2.shape[0]
    c = e1_forward(params, x2)
    f = c["f"]
    # rows are samples: delta3 = J_softmax^T (f - y), or (f - y) if the Jacobian is (wrongly) taken as 1
    d3 = (f - y2) if softmax_is_identity else act.softmax_backward(f, f - y2)
    d2 = (d3 @ params["W3"]) * act.relu_grad(c["a2"])
    d1 = (d2 @ params["W2"]) * act.relu_grad(c["a1"])
    return {
        "W1": d1.T @ x2 / n, "b1": d1.mean(axis=0),
        "W2": d2.T @ c["h1"] / n, "b2": d2.mean(axis=0),
        "W3": d3.T @ c["h2"] / n, "b3": d3.mean(axis=0),
    }


def e1_grads_matrix(params: Params, x: np.ndarray, y: np.ndarray) -> Params:
    """Gradients of the mean loss in matrix form: x: (N, D) or (D,), y: (N, K) or (K,)."""
    x, y = _check(params, x, y)
    return _matrix_grads(params, x, y, softmax_is_identity=False)


def e1_grads_published(params: Params, x: np.ndarray, y: np.ndarray) -> Params:
    """The published (wrong) derivation: softmax derivative taken as 1, so delta3 = f - y."""
    x, y = _check(params, x, y)
    return _matrix_grads(params, x, y, softmax_is_identity=True)


def e1_grads_torch(params: Params, x: np.ndarray, y: np.ndarray) -> Params:
    """Reference gradients of the mean loss by torch autograd in float64."""
    x, y = _check(params, x, y)
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    xt, yt = torch.tensor(np.atleast_2d(x)), torch.tensor(np.atleast_2d(y))
    h1 = torch.relu(xt @ t["W1"].T + t["b1"])
    h2 = torch.relu(h1 @ t["W2"].T + t["b2"])
    f = torch.softmax(h2 @ t["W3"].T + t["b3"], dim=1)
    (0.5 * ((f - yt) ** 2).sum(dim=1)).mean().backward()
    return {k: v.grad.numpy() for k, v in t.items()}


def relative_error(a: Params, b: Params) -> float:
    """max over arrays of max|a - b| / max|b| (b is the reference)."""
    if set(a) != set(b):
        raise ValueError(f"both gradient dicts need the same keys, got {sorted(a)} and {sorted(b)}.")
    return max(float(np.abs(a[k] - b[k]).max() / max(np.abs(b[k]).max(), 1e-300)) for k in b)


# -------------------------------------------------------------------------- the stepper's data
@dataclass(frozen=True)
class BackwardStep:
    """One layer of one backward pass: its delta (out,), dL/dW (out, in), W before and after the update."""

    layer: int
    delta: np.ndarray
    grad_W: np.ndarray
    W_before: np.ndarray
    W_after: np.ndarray
    formula: str


def backward_steps(params: Params, x: np.ndarray, y: np.ndarray, lr: float = 0.5) -> list[BackwardStep]:
    """The backward pass of E1 for one sample, layer 3 first, with the SGD update W - lr dL/dW."""
    x, y = _check(params, x, y)
    if x.ndim != 1:
        raise ValueError(f"backward_steps takes one sample x: (D,), got {x.shape}.")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite number, got {lr!r}.")
    g = e1_grads_matrix(params, x, y)
    formulas = {
        3: r"\delta^{[3]}_k = \sum_l (f_l - y_l)\, f_l(\delta_{lk} - f_k)",
        2: r"\delta^{[2]}_m = \mathrm{ReLU}'(a^{[2]}_m) \sum_k w^{[3]}_{km} \delta^{[3]}_k",
        1: r"\delta^{[1]}_i = \mathrm{ReLU}'(a^{[1]}_i) \sum_m w^{[2]}_{mi} \delta^{[2]}_m",
    }
    return [
        BackwardStep(l, g[f"b{l}"], g[f"W{l}"], params[f"W{l}"].copy(), params[f"W{l}"] - lr * g[f"W{l}"], formulas[l])
        for l in (3, 2, 1)
    ]


def plot_backward_step(step: BackwardStep, fig: Any) -> Any:
    """Draw delta, dL/dW and W before/after as heat maps on ``fig`` (a matplotlib Figure); returns fig."""
    fig.clear()
    axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [1] + [max(step.grad_W.shape[1], 1)] * 3})
    panels = [
        (step.delta[:, None], rf"$\delta^{{[{step.layer}]}}$"),
        (step.grad_W, rf"$\partial L/\partial W^{{[{step.layer}]}}$"),
        (step.W_before, rf"$W^{{[{step.layer}]}}$ before"),
        (step.W_after, rf"$W^{{[{step.layer}]}}$ after one step"),
    ]
    for ax, (m, title) in zip(axes, panels):
        lim = max(np.abs(m).max(), 1e-12)
        ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim)
        for (r, c), v in np.ndenumerate(m):
            ax.text(c, r, f"{v:.2g}", ha="center", va="center", fontsize=7, color="white" if abs(v) > 0.6 * lim else "black")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks(range(m.shape[0]))
    fig.suptitle(f"layer {step.layer}: ${step.formula}$", fontsize=10)
    return fig


# ------------------------------------------------------------------------------------ E4 dropout
def e4_forward_backward(W1: np.ndarray, W2: np.ndarray, x: np.ndarray, y: np.ndarray, mask: np.ndarray,
                        alpha: float = 0.01) -> dict[str, Any]:
    """z1 = W1 x, h = LeakyReLU(z1) * mask, y_hat = softmax(W2 h), L = CE; x: (D,), mask: (H,).

    Returns loss and dW1 = [(W2^T (y_hat - y)) * mask * LeakyReLU'(z1)] x^T, dW2 = (y_hat - y) h^T.
    ``mask`` already holds the 1/(1-p) factor for inverted dropout (entries 0 or 1/(1-p)) or not (0 or 1).
    """
    x, y, mask = (np.asarray(a, dtype=float) for a in (x, y, mask))
    if W1.shape != (mask.size, x.size) or W2.shape != (y.size, mask.size):
        raise ValueError(f"need W1: (H, D) = {(mask.size, x.size)} and W2: (K, H) = {(y.size, mask.size)}, got {W1.shape} and {W2.shape}.")
    z1 = W1 @ x
    h = act.leaky_relu(z1, alpha) * mask
    y_hat = act.softmax(W2 @ h)
    loss = float(-np.sum(y * np.log(y_hat)))
    delta = (W2.T @ (y_hat - y)) * mask * act.leaky_relu_grad(z1, alpha)
    return {"loss": loss, "y_hat": y_hat, "dW1": np.outer(delta, x), "dW2": np.outer(y_hat - y, h)}


def e4_grads_torch(W1: np.ndarray, W2: np.ndarray, x: np.ndarray, y: np.ndarray, mask: np.ndarray,
                   alpha: float = 0.01) -> dict[str, np.ndarray]:
    """The same loss by torch autograd (float64): dW1, dW2."""
    t1, t2 = (torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in (W1, W2))
    h = torch.nn.functional.leaky_relu(t1 @ torch.tensor(x, dtype=torch.float64), alpha) * torch.tensor(mask, dtype=torch.float64)
    loss = -(torch.tensor(y, dtype=torch.float64) * torch.log_softmax(t2 @ h, dim=0)).sum()
    loss.backward()
    return {"dW1": t1.grad.numpy(), "dW2": t2.grad.numpy()}


# ------------------------------------------------------------------------------- derivations
def _sym_matrix(name: str, rows: int, cols: int) -> Any:
    import sympy as sp

    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{{{i + 1}{j + 1}}}", real=True))


def e2_derivations(n: int = 2, n_in: int = 3, n_out: int = 2) -> dict[str, Any]:
    """E2 on symbolic X: (n, n_in), W: (n_out, n_in), b, G = dL/dY: index form -> matrix form, per gradient.

    L is taken linear in Y, L = sum G_ni Y_ni: backprop only uses this first-order term, so any loss gives the
    same formulas with G its gradient.
    """
    import sympy as sp

    from helpers.derivation import Derivation

    X, W, G = _sym_matrix("x", n, n_in), _sym_matrix("w", n_out, n_in), _sym_matrix("g", n, n_out)
    b = sp.Matrix(1, n_out, lambda _, i: sp.Symbol(f"b_{i + 1}", real=True))
    Y = X * W.T + sp.ones(n, 1) * b
    L = sum(G[s, i] * Y[s, i] for s in range(n) for i in range(n_out))
    dW = (Derivation("E2: dL/dW for Y = X W^T + b")
          .step(sp.Matrix(n_out, n_in, lambda a, c: sp.diff(L, W[a, c])), "entries dL/dw_ac = sum_{s,i} g_si dy_si/dw_ac", given=True)
          .step(sp.Matrix(n_out, n_in, lambda a, c: sp.Add(*[G[s, a] * X[s, c] for s in range(n)], evaluate=False)),
                "dy_si/dw_ac = delta_ia x_sc, so dL/dw_ac = sum_s g_sa x_sc")
          .step(G.T * X, "that sum is the (a, c) entry of G^T X: dL/dW = (dL/dY)^T X"))
    db = (Derivation("E2: dL/db")
          .step(sp.Matrix(1, n_out, lambda _, a: sp.diff(L, b[a])), "entries dL/db_a", given=True)
          .step(sp.Matrix(1, n_out, lambda _, a: sp.Add(*[G[s, a] for s in range(n)], evaluate=False)), "dy_si/db_a = delta_ia: sum over the batch")
          .step(sp.ones(1, n) * G, "dL/db = 1^T dL/dY"))
    dX = (Derivation("E2: dL/dX")
          .step(sp.Matrix(n, n_in, lambda s, c: sp.diff(L, X[s, c])), "entries dL/dx_sc", given=True)
          .step(sp.Matrix(n, n_in, lambda s, c: sp.Add(*[G[s, i] * W[i, c] for i in range(n_out)], evaluate=False)),
                "dy_ti/dx_sc = delta_ts w_ic, so dL/dx_sc = sum_i g_si w_ic")
          .step(G * W, "dL/dX = (dL/dY) W"))
    return {"W": dW, "b": db, "X": dX}


def e3_derivation(s: int = 2, k: int = 3, classes: tuple[int, ...] = (0, 2)) -> Any:
    """E3 on symbolic logits Z: (S, K) with one-hot targets of ``classes``: dL/dZ = (1/S)(Y - T)."""
    import sympy as sp

    from helpers.derivation import Derivation

    if len(classes) != s or any(not 0 <= c < k for c in classes):
        raise ValueError(f"classes must list one class in [0, {k}) per sample ({s} of them), got {classes!r}.")
    Z = _sym_matrix("z", s, k)
    T = sp.Matrix(s, k, lambda i, j: 1 if classes[i] == j else 0)
    Y = sp.Matrix(s, k, lambda i, j: sp.exp(Z[i, j]) / sum(sp.exp(Z[i, c]) for c in range(k)))
    L = -sp.Rational(1, s) * sum(T[i, j] * sp.log(Y[i, j]) for i in range(s) for j in range(k))
    alpha = sp.Rational(1, s)
    return (Derivation(f"E3: softmax + mean cross-entropy over S = {s} samples")
            .step(sp.Matrix(s, k, lambda i, j: sp.diff(L, Z[i, j])), "entries dL/dz_sj of L = -(1/S) sum t log softmax(z)", given=True)
            .step(sp.Matrix(s, k, lambda i, j: alpha * sum(T[i, c] * (Y[i, j] - (1 if c == j else 0)) for c in range(k))),
                  "dlog y_c/dz_j = delta_cj - y_j, summed against the one-hot t")
            .step(alpha * (Y - T), "sum_c t_c = 1: alpha M with alpha = 1/S and M = Y - T"))


def e1_delta3_derivation(k: int = 3) -> Any:
    """E1's delta^[3] for K symbolic logits: dL/da_k of 1/2 sum (f - y)^2 through softmax, index form."""
    import sympy as sp

    from helpers.derivation import Derivation

    a = sp.symbols(f"a_1:{k + 1}", real=True)
    y = sp.symbols(f"y_1:{k + 1}", real=True)
    f = [sp.exp(ai) / sum(sp.exp(aj) for aj in a) for ai in a]
    L = sp.Rational(1, 2) * sum((fl - yl) ** 2 for fl, yl in zip(f, y))
    delta = sp.Matrix([sum((f[l] - y[l]) * f[l] * ((1 if l == kk else 0) - f[kk]) for l in range(k)) for kk in range(k)])
    return (Derivation("E1: delta^[3] through the softmax")
            .step(sp.Matrix([sp.diff(L, ak) for ak in a]), "delta_k = dL/da_k, L = 1/2 sum_l (f_l - y_l)^2", given=True)
            .step(delta, "chain rule: sum_l (f_l - y_l) df_l/da_k with df_l/da_k = f_l(delta_lk - f_k)"))
