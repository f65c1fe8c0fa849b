"""Notebook 07, regularization: mean-only batch norm (F3), a covariate-shift experiment, Gaussian dropout (F4).

Batch norm here is the mean-only form of the problem: y_i = gamma (x_i - mu) + beta, mu = mean of the
batch x: (n,). Gaussian dropout multiplies each input of a linear unit by delta_k ~ N(1, sigma^2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
import torch

from helpers.derivation import Derivation

__all__ = [
    "bn_mean_forward",
    "bn_mean_backward",
    "bn_limit_table",
    "covariate_shift_experiment",
    "dropout_grad_samples",
    "dropout_expected_grad",
    "penalty_solution",
    "train_gaussian_dropout",
    "f3_derivation",
    "f4_derivation",
]


def _vec(a: Any, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array (n,), got shape {a.shape}.")
    return a


def bn_mean_forward(x: Any, gamma: float, beta: float) -> np.ndarray:
    """y = gamma (x - mean(x)) + beta; x: (n,)."""
    x = _vec(x, "x")
    return gamma * (x - x.mean()) + beta


def bn_mean_backward(grad_y: Any, gamma: float) -> np.ndarray:
    """dL/dx_i = gamma (dL/dy_i - mean_j dL/dy_j); grad_y: (n,)."""
    g = _vec(grad_y, "grad_y")
    return gamma * (g - g.mean())


def bn_limit_table(ns: Any, gamma: float = 1.5, grad_mean: float = 0.7, seed: int = 0) -> list[dict[str, float]]:
    """For each batch size n, upstream gradients g ~ N(grad_mean, 1): the gap |dL/dx_i - gamma g_i| (the same for all i).

    The published claim says the gap tends to 0 as n -> infinity; it is gamma |mean(g)| -> gamma |grad_mean| instead.
    """
    r = np.random.default_rng(seed)
    rows = []
    for n in ns:
        if int(n) != n or n <= 0:
            raise ValueError(f"batch sizes must be positive integers, got {n!r}.")
        g = r.normal(grad_mean, 1.0, size=int(n))
        gap = np.abs(bn_mean_backward(g, gamma) - gamma * g)
        rows.append({"n": int(n), "mean of dL/dy": float(g.mean()), "gap |dL/dx_i - gamma dL/dy_i|": float(gap.max()),
                     "gap / mean |gamma dL/dy_i|": float(gap.max() / np.abs(gamma * g).mean())})
    return rows


def covariate_shift_experiment(use_bn: bool, steps: int = 300, lr: float = 0.5, seed: int = 0,
                               width: int = 32, depth: int = 4) -> dict[str, np.ndarray]:
    """Train a small sigmoid MLP (torch, SGD) on a synthetic task; record each hidden layer's input statistics.

    Returns "loss": (steps,), "mean": (steps, depth - 1) and "std": (steps, depth - 1): the mean and standard
    deviation over a fixed probe batch and units of the input to hidden layers 2..depth, and "drift": (depth - 1,),
    the average over units of |per-unit mean at the end - at the start| (how far each layer's input moved).
    """
    if not isinstance(steps, int) or steps <= 0:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: extra threads only contend with each other on a busy machine
    try:
        return _covariate_shift_run(use_bn, steps, lr, seed, width, depth)
    finally:
        torch.set_num_threads(threads)


def _covariate_shift_run(use_bn: bool, steps: int, lr: float, seed: int, width: int, depth: int) -> dict[str, np.ndarray]:
    torch.manual_seed(seed)
    r = np.random.default_rng(seed)
    X = torch.tensor(r.normal(size=(2048, 10)), dtype=torch.float32)
    teacher = r.normal(size=(10, 3))
    y = torch.tensor(np.argmax(np.tanh(X.numpy() @ teacher) + 0.3 * r.normal(size=(2048, 3)), axis=1))
    layers: list[torch.nn.Module] = []
    n_in = 10
    for _ in range(depth):
        layers.append(torch.nn.Linear(n_in, width))
        if use_bn:
            layers.append(torch.nn.BatchNorm1d(width))
        layers.append(torch.nn.Sigmoid())
        n_in = width
    layers.append(torch.nn.Linear(width, 3))
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    probe = X[:256]
    # inputs of hidden layers 2..depth are the outputs of the Sigmoid modules before them
    sigmoids = [m for m in net if isinstance(m, torch.nn.Sigmoid)][:-1]
    record: list[torch.Tensor] = []
    hooks = [m.register_forward_hook(lambda mod, inp, out: record.append(out.detach())) for m in sigmoids]
    losses, means, stds, unit_means = [], [], [], []
    for t in range(steps):
        net.eval()
        record.clear()
        with torch.no_grad():
            net(probe)
        means.append([h.mean().item() for h in record])
        stds.append([h.std().item() for h in record])
        unit_means.append([h.mean(dim=0).numpy() for h in record])
        net.train()
        idx = torch.tensor(r.integers(0, 2048, size=64))
        loss = torch.nn.functional.cross_entropy(net(X[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    for h in hooks:
        h.remove()
    drift = np.array([np.abs(unit_means[-1][l] - unit_means[0][l]).mean() for l in range(depth - 1)])
    return {"loss": np.array(losses), "mean": np.array(means), "std": np.array(stds), "drift": drift}


# ------------------------------------------------------------------------- Gaussian dropout (F4)
def _wxy(W: Any, x: Any) -> tuple[np.ndarray, np.ndarray]:
    W, x = _vec(W, "W"), _vec(x, "x")
    if W.shape != x.shape:
        raise ValueError(f"W and x must have the same shape (K,), got {W.shape} and {x.shape}.")
    return W, x


def dropout_grad_samples(W: Any, x: Any, y_d: float, sigma: float, n_samples: int, seed: int = 0) -> np.ndarray:
    """dJ1/dW for n_samples draws delta ~ N(1, sigma^2): (n_samples, K); J1 = 1/2 (y_d - sum delta W x)^2."""
    W, x = _wxy(W, x)
    delta = np.random.default_rng(seed).normal(1.0, sigma, size=(n_samples, W.size))
    residual = (delta * W * x).sum(axis=1) - y_d
    return residual[:, None] * delta * x


def dropout_expected_grad(W: Any, x: Any, y_d: float, sigma: float) -> np.ndarray:
    """E[dJ1/dW_i] = (sum_k W_k x_k - y_d) x_i + sigma^2 x_i^2 W_i: (K,)."""
    W, x = _wxy(W, x)
    return (W @ x - y_d) * x + sigma**2 * x**2 * W


def penalty_solution(X: Any, y: Any, sigma: float) -> np.ndarray:
    """argmin mean_n [1/2 (y_n - W x_n)^2 + sigma^2/2 sum_k x_nk^2 W_k^2]: solves (X^T X + sigma^2 diag(sum x^2)) W = X^T y."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    A = X.T @ X + sigma**2 * np.diag((X**2).sum(axis=0))
    return np.linalg.solve(A, X.T @ y)


def train_gaussian_dropout(X: Any, y: Any, sigma: float, lr: float = 0.05, steps: int = 4000,
                           seed: int = 0) -> np.ndarray:
    """SGD on the mean of J1 over the data with fresh delta ~ N(1, sigma^2) per sample and step.

    Returns the average of the second half of the iterates (Polyak averaging removes the dropout noise): (K,).
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite number, got {lr!r}.")
    r = np.random.default_rng(seed)
    W = np.zeros(X.shape[1])
    total = np.zeros_like(W)
    for t in range(steps):
        Xd = X * r.normal(1.0, sigma, size=X.shape)
        W = W - lr * Xd.T @ (Xd @ W - y) / len(y)
        if not np.all(np.isfinite(W)):
            raise ValueError(f"training diverged (NaN/inf) at step {t + 1}: use a smaller lr than {lr:g}.")
        if t >= steps // 2:
            total += W
    return total / (steps - steps // 2)


# ------------------------------------------------------------------------------- derivations
def f3_derivation(n: int = 3) -> Derivation:
    """F3: dL/dx_i for mean-only batch norm on n symbolic inputs, with L linear in y (all backprop needs)."""
    gamma, beta = sp.symbols("gamma beta", real=True)
    xs = sp.symbols(f"x_1:{n + 1}", real=True)
    gs = sp.symbols(f"g_1:{n + 1}", real=True)  # g_i = dL/dy_i
    mu = sum(xs) / n
    L = sum(g * (gamma * (x - mu) + beta) for g, x in zip(gs, xs))
    return (Derivation(f"F3: mean-only batch norm, n = {n}")
            .step(sp.Matrix([sp.diff(L, x) for x in xs]), "dL/dx_i = sum_j g_j dy_j/dx_i, dy_j/dx_i = gamma(delta_ij - 1/n)", given=True)
            .step(sp.Matrix([gamma * (g - sum(gs) / n) for g in gs]), "gamma (g_i - (1/n) sum_j g_j)"))


def f4_derivation(k: int = 3) -> Derivation:
    """F4: the expected gradient of J1 under delta_k = 1 + sigma eps_k, eps_k ~ N(0, 1) independent (i = 1)."""
    from sympy.stats import E, Normal

    sigma = sp.Symbol("sigma", positive=True)
    y_d = sp.Symbol("y_d", real=True)
    Ws = sp.symbols(f"W_1:{k + 1}", real=True)
    xs = sp.symbols(f"x_1:{k + 1}", real=True)
    eps = [Normal(f"epsilon_{i + 1}", 0, 1) for i in range(k)]
    J1 = sp.Rational(1, 2) * (y_d - sum((1 + sigma * e) * W * x for e, W, x in zip(eps, Ws, xs))) ** 2
    expected = E(sp.expand(sp.diff(J1, Ws[0])))
    J0 = sp.Rational(1, 2) * (y_d - sum(W * x for W, x in zip(Ws, xs))) ** 2
    penalty = sigma**2 / 2 * sum(x**2 * W**2 for W, x in zip(Ws, xs))
    return (Derivation("F4: expected gradient under Gaussian dropout (i = 1)")
            .step(expected, "E[dJ1/dW_1] with E[eps] = 0, E[eps^2] = 1, independent (sympy.stats)", given=True)
            .step((sum(W * x for W, x in zip(Ws, xs)) - y_d) * xs[0] + sigma**2 * xs[0] ** 2 * Ws[0],
                  "plain gradient + sigma^2 x_1^2 W_1")
            .step(sp.diff(J0 + penalty, Ws[0]), "= d/dW_1 of J0 + (sigma^2/2) sum_k x_k^2 W_k^2"))


def plot_covariate_shift(plain: dict, with_bn: dict, axes: Any) -> Any:
    """Three panels on ``axes`` (3 Axes): training loss, and mean and std of each hidden layer's input, per step."""
    if len(axes) != 3:
        raise ValueError(f"pass three matplotlib Axes, got {len(axes)}.")
    for res, style, name in ((plain, "-", "no BN"), (with_bn, "--", "BN")):
        loss = np.convolve(res["loss"], np.ones(10) / 10, mode="valid")  # a running mean makes the trend readable
        axes[0].plot(loss, style, label=name)
        for l in range(res["mean"].shape[1]):
            axes[1].plot(res["mean"][:, l], style, color=f"C{l + 1}", label=f"{name}, input of layer {l + 2}")
            axes[2].plot(res["std"][:, l], style, color=f"C{l + 1}", label=f"{name}, input of layer {l + 2}")
    axes[0].set(title="training loss (running mean of 10 steps)", xlabel="step", ylabel="cross-entropy")
    axes[1].set(title="mean of a hidden layer's input", xlabel="step")
    axes[2].set(title="std of a hidden layer's input", xlabel="step")
    axes[0].legend()
    axes[2].legend(fontsize=7)
    return axes
