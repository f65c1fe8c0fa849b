"""Batch normalisation: the mean-only form y_i = gamma (x_i - mu) + beta, and experiments on why it helps.

mu is the mean of the batch x: (n,). Backpropagation subtracts the batch mean of the upstream gradient:
dL/dx_i = gamma (dL/dy_i - (1/n) sum_j dL/dy_j); ``mean_only_backward`` computes it (an exercise) and
``mean_only_backward_autograd`` is its reference. Two experiments train small torch MLPs with and without
normalisation: ``covariate_shift_experiment`` records how each hidden layer's input moves during training;
``generalization_experiment`` measures test accuracy on scikit-learn's bundled 8x8 digits when the
normalisation uses mini-batch statistics (noisy), statistics of the whole training set (no noise), or none.
``compare_paired`` summarises paired runs (one per seed) with a sign test, so a claim rests on every seed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import sympy as sp
import torch
from scipy.stats import binomtest
from sklearn.datasets import load_digits

from helpers import validation
from helpers.derivation import Derivation

__all__ = [
    "mean_only_forward",
    "mean_only_backward",
    "mean_only_backward_autograd",
    "large_batch_gap_table",
    "mean_only_derivation",
    "covariate_shift_experiment",
    "NORMALIZATIONS",
    "generalization_experiment",
    "learning_rate_sweep",
    "compare_paired",
]

# how a hidden layer is normalised in the generalisation experiment
NORMALIZATIONS = ("none", "mini-batch", "full-batch")
_EPS = 1e-5
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def mean_only_forward(x: Any, gamma: float, beta: float) -> np.ndarray:
    """y = gamma (x - mean(x)) + beta; x: (n,) -> (n,)."""
    x = validation.float_array(x, "x", shape=("n",))
    gamma, beta = validation.finite_number(gamma, "gamma"), validation.finite_number(beta, "beta")
    return gamma * (x - x.mean()) + beta


def mean_only_backward(grad_y: Any, gamma: float) -> np.ndarray:
    """dL/dx from the upstream gradient grad_y = dL/dy and the scale gamma; grad_y: (n,) -> (n,)."""
    g = validation.float_array(grad_y, "grad_y", shape=("n",))
    gamma = validation.finite_number(gamma, "gamma")
    ### BEGIN SOLUTION
    return gamma * (g - g.mean())
    ### END SOLUTION


def mean_only_backward_autograd(grad_y: Any, gamma: float) -> np.ndarray:
    """dL/dx by torch autograd (float64) through ``mean_only_forward``: the reference; grad_y: (n,) -> (n,).

    L = sum_i grad_y_i y_i has dL/dy = grad_y; the gradient does not depend on x or beta, so x = 0, beta = 0.
    """
    g = torch.tensor(validation.float_array(grad_y, "grad_y", shape=("n",)), dtype=torch.float64)
    gamma = validation.finite_number(gamma, "gamma")
    x = torch.zeros_like(g, requires_grad=True)
    (gamma * (x - x.mean()) * g).sum().backward()
    return x.grad.numpy()


def large_batch_gap_table(ns: Iterable[int], gamma: float = 1.5, grad_mean: float = 0.7,
                          random_state: Any = 0) -> list[dict[str, float]]:
    """One row per batch size n, with upstream gradients g ~ N(grad_mean, 1): the gap |dL/dx_i - gamma g_i|.

    The gap is gamma |mean(g)| for every i; it tends to gamma |grad_mean|, zero only when grad_mean = 0.
    "relative gap" is the gap over the mean |gamma g_i|, the size of the gradient it is compared with.
    """
    ns = [validation.positive_int(n, "each batch size in ns") for n in ns]
    if not ns:
        raise ValueError("ns is empty: pass batch sizes such as [1, 10, 1000].")
    gamma, grad_mean = validation.finite_number(gamma, "gamma"), validation.finite_number(grad_mean, "grad_mean")
    rng = validation.as_rng(random_state)
    rows = []
    for n in ns:
        g = rng.normal(grad_mean, 1.0, size=n)
        gap = float(np.abs(mean_only_backward_autograd(g, gamma) - gamma * g).max())
        rows.append({"n": n, "mean of dL/dy": float(g.mean()), "gap": gap,
                     "relative gap": gap / float(np.abs(gamma * g).mean())})
    return rows


def mean_only_derivation(n: int = 3) -> Derivation:
    """dL/dx_i for mean-only batch norm on n symbolic inputs, with g_i = dL/dy_i (all that backprop needs of L)."""
    n = validation.positive_int(n, "n")
    gamma, beta = sp.symbols("gamma beta", real=True)
    xs = sp.symbols(f"x_1:{n + 1}", real=True)
    gs = sp.symbols(f"g_1:{n + 1}", real=True)
    mu = sum(xs) / n
    L = sum(g * (gamma * (x - mu) + beta) for g, x in zip(gs, xs, strict=True))
    return (Derivation(f"mean-only batch norm, n = {n}")
            .step(sp.Matrix([sp.diff(L, x) for x in xs]),
                  "dL/dx_i = sum_j g_j dy_j/dx_i, dy_j/dx_i = gamma(delta_ij - 1/n)", given=True)
            .step(sp.Matrix([gamma * (g - sum(gs) / n) for g in gs]), "gamma (g_i - (1/n) sum_j g_j)"))


def _check_training(learning_rate: Any, steps: Any, width: Any, depth: Any) -> tuple[float, int, int, int]:
    learning_rate = validation.positive_number(learning_rate, "learning_rate")
    if learning_rate > _FLOAT32_MAX:  # torch's float32 SGD cannot even represent it
        raise ValueError(f"learning_rate must be below {_FLOAT32_MAX:.3g}, the largest float32, got {learning_rate:g}: "
                         "pass a rate such as 0.1.")
    return (learning_rate, validation.positive_int(steps, "steps"), validation.positive_int(width, "width"),
            validation.positive_int(depth, "depth"))


class _Net(torch.nn.Module):
    """An MLP whose hidden pre-activations are batch-normalised (or not) with statistics of chosen rows."""

    def __init__(self, n_in: int, width: int, depth: int, n_out: int, activation: Any, normalize: bool) -> None:
        super().__init__()
        self.linears = torch.nn.ModuleList(torch.nn.Linear(n_in if i == 0 else width, width) for i in range(depth))
        self.gammas = torch.nn.ParameterList(torch.nn.Parameter(torch.ones(width)) for _ in range(depth * normalize))
        self.betas = torch.nn.ParameterList(torch.nn.Parameter(torch.zeros(width)) for _ in range(depth * normalize))
        self.activation, self.normalize = activation, normalize
        self.out = torch.nn.Linear(width, n_out)

    def forward(self, X: torch.Tensor, stats: slice = slice(None), hidden: list | None = None) -> torch.Tensor:
        h = X
        for i, linear in enumerate(self.linears):
            h = linear(h)
            if self.normalize and stats == slice(None):  # the statistics of the rows themselves: torch's fused layer
                h = torch.nn.functional.batch_norm(h, None, None, self.gammas[i], self.betas[i], True, eps=_EPS)
            elif self.normalize:
                var, mean = torch.var_mean(h[stats], dim=0, unbiased=False)
                h = self.gammas[i] * (h - mean) / torch.sqrt(var + _EPS) + self.betas[i]
            h = self.activation(h)
            if hidden is not None:
                hidden.append(h.detach())
        return self.out(h)


def covariate_shift_experiment(normalization: str, steps: int = 300, learning_rate: float = 0.5, random_state: Any = 0,
                               width: int = 32, depth: int = 4) -> dict[str, np.ndarray]:
    """Train a sigmoid MLP (SGD, batches of 64) on a synthetic 3-class task; record each hidden layer's input.

    ``normalization`` is "none" or "mini-batch" (batch norm before every sigmoid, evaluated with the statistics
    of the probe batch). Returns "loss": (steps,), "mean" and "std": (steps, depth - 1), the mean and standard
    deviation over a fixed probe batch of 256 and all units of the input of hidden layers 2..depth before each
    step, and "drift": (depth - 1,), the average over units of |mean over the probe at the end - at the start|.
    DivergenceError if the loss becomes NaN or infinite.
    """
    validation.one_of(normalization, NORMALIZATIONS[:2], "normalization")
    learning_rate, steps, width, depth = _check_training(learning_rate, steps, width, depth)
    if depth < 2:
        raise ValueError(f"depth must be at least 2 (the experiment watches hidden layers 2..depth), got {depth}.")
    rng = validation.as_rng(random_state)
    with _one_thread():
        torch.manual_seed(int(rng.integers(2**31)))
        X = torch.tensor(rng.normal(size=(2048, 10)), dtype=torch.float32)
        teacher = rng.normal(size=(10, 3))
        y = torch.tensor(np.argmax(np.tanh(X.numpy() @ teacher) + 0.3 * rng.normal(size=(2048, 3)), axis=1))
        net = _Net(10, width, depth, 3, torch.sigmoid, normalization != "none")
        opt = torch.optim.SGD(net.parameters(), lr=learning_rate)
        probe = X[:256]
        losses, unit_means, stds = [], [], []
        for t in range(steps):
            hidden: list[torch.Tensor] = []
            with torch.no_grad():
                net(probe, hidden=hidden)
            unit_means.append(np.stack([h.mean(0).numpy() for h in hidden[:-1]]))  # (depth - 1, width)
            stds.append([h.std().item() for h in hidden[:-1]])
            idx = torch.tensor(rng.integers(0, 2048, size=64))
            loss = torch.nn.functional.cross_entropy(net(X[idx]), y[idx])
            losses.append(validation.check_loss_finite(loss.item(), f"at step {t + 1}", learning_rate))
            opt.zero_grad()
            loss.backward()
            opt.step()
    means = np.array([m.mean(axis=1) for m in unit_means])
    drift = np.abs(unit_means[-1] - unit_means[0]).mean(axis=1)
    return {"loss": np.array(losses), "mean": means, "std": np.array(stds), "drift": drift}


class _one_thread:  # noqa: N801 - used as a lower-case context manager, like torch.no_grad
    """Tiny matrices: extra torch threads only contend with each other on a busy machine."""

    def __enter__(self) -> None:
        self.threads = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc: object) -> None:
        torch.set_num_threads(self.threads)


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    data = load_digits()
    return data.data.astype(np.float32), data.target.astype(np.int64)


def generalization_experiment(normalization: str, learning_rate: float, random_state: Any = 0, steps: int = 300,
                              n_train: int = 256, batch_size: int = 32, width: int = 64,
                              depth: int = 3) -> dict[str, float]:
    """Train a ReLU MLP by SGD on n_train digits (8x8 images, 10 classes) and test it on the other 1797 - n_train.

    ``normalization`` (one of NORMALIZATIONS): "none"; "mini-batch", batch norm with the statistics of each
    mini-batch (noisy: they change with the batch drawn); "full-batch", the same layer with the statistics of
    the whole training set, recomputed (with their gradient) at every step (no sampling noise). Both are
    evaluated with the statistics of the whole training set. Returns the final "train loss", "train accuracy"
    and "test accuracy". DivergenceError if the loss becomes NaN or infinite.
    """
    validation.one_of(normalization, NORMALIZATIONS, "normalization")
    learning_rate, steps, width, depth = _check_training(learning_rate, steps, width, depth)
    X_all, y_all = _digits()
    n_train = validation.positive_int(n_train, "n_train")
    if n_train >= len(y_all):
        raise ValueError(f"n_train must leave test images: pass fewer than {len(y_all)}, got {n_train}.")
    batch_size = validation.positive_int(batch_size, "batch_size", minimum=2)
    rng = validation.as_rng(random_state)
    order = rng.permutation(len(y_all))
    mu, sd = X_all[order[:n_train]].mean(0), X_all[order[:n_train]].std(0) + 1e-3
    X = torch.tensor((X_all - mu) / sd)
    Xtr, ytr = X[order[:n_train]], torch.tensor(y_all[order[:n_train]])
    Xte, yte = X[order[n_train:]], torch.tensor(y_all[order[n_train:]])
    with _one_thread():
        torch.manual_seed(int(rng.integers(2**31)))
        net = _Net(X.shape[1], width, depth, 10, torch.relu, normalization != "none")
        opt = torch.optim.SGD(net.parameters(), lr=learning_rate)
        for t in range(steps):
            batch = torch.tensor(rng.integers(0, n_train, size=batch_size))
            if normalization == "full-batch":
                out = net(torch.cat([Xtr[batch], Xtr]), stats=slice(batch_size, None))[:batch_size]
            else:
                out = net(Xtr[batch])
            loss = torch.nn.functional.cross_entropy(out, ytr[batch])
            validation.check_loss_finite(loss.item(), f"at step {t + 1}", learning_rate)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            out = net(torch.cat([Xtr, Xte]), stats=slice(None, n_train))
        train_loss = torch.nn.functional.cross_entropy(out[:n_train], ytr).item()
    validation.check_loss_finite(train_loss, "on the training set after training", learning_rate)
    return {"train loss": train_loss,
            "train accuracy": (out[:n_train].argmax(1) == ytr).float().mean().item(),
            "test accuracy": (out[n_train:].argmax(1) == yte).float().mean().item()}


def learning_rate_sweep(normalizations: Sequence[str], learning_rates: Sequence[float], seeds: Sequence[int],
                        **kwargs: Any) -> list[dict[str, Any]]:
    """``generalization_experiment`` for every combination: one row each, a diverged run marked and left as NaN."""
    rows = []
    for normalization in normalizations:
        for learning_rate in learning_rates:
            for seed in seeds:
                row = {"normalization": normalization, "learning rate": learning_rate, "seed": seed}
                try:
                    row |= generalization_experiment(normalization, learning_rate, seed, **kwargs) | {"diverged": False}
                except validation.DivergenceError:
                    row |= {"train loss": np.nan, "train accuracy": np.nan, "test accuracy": np.nan, "diverged": True}
                rows.append(row)
    return rows


def compare_paired(a: Any, b: Any, alpha: float = 0.05) -> dict[str, Any]:
    """Paired measurements a, b: (n_seeds,) (the same seed in each position): is b lower, higher, or no clear effect?

    Returns the means and standard deviations, in how many seeds b < a and b > a, the two-sided sign-test
    p-value over the seeds that differ, and the verdict "lower" or "higher" (p < alpha) or "no clear effect".
    """
    a = validation.float_array(a, "a", shape=("n_seeds",))
    b = validation.float_array(b, "b", shape=a.shape)
    alpha = validation.probability(alpha, "alpha")
    lower, higher = int(np.sum(b < a)), int(np.sum(b > a))
    p = binomtest(lower, lower + higher).pvalue if lower + higher else 1.0
    verdict = "no clear effect" if p >= alpha else "lower" if lower > higher else "higher"
    return {"mean a": float(a.mean()), "sd a": float(a.std(ddof=1)) if a.size > 1 else 0.0,
            "mean b": float(b.mean()), "sd b": float(b.std(ddof=1)) if b.size > 1 else 0.0,
            "b lower": lower, "b higher": higher, "p": float(p), "verdict": verdict}
