"""Gaussian multiplicative dropout on a linear unit is, in expectation, an L2 penalty weighted by the data.

Each input of the unit is multiplied by delta_k ~ N(1, sigma^2); with J1 = 1/2 (y_d - sum_k delta_k W_k x_k)^2
and the plain loss J0 = 1/2 (y_d - sum_k W_k x_k)^2, the expected gradient E[dJ1/dW] is the gradient of J0 plus
that of a penalty sum_k c_k W_k^2 whose coefficient depends on sigma and on the input x_k (finding c_k and
writing ``expected_gradient`` are exercises; ``expected_gradient_derivation`` derives both with sympy.stats).
Arguments are checked by ``helpers.validation``: W, x: (K,); a data set X: (N, K) with targets y: (N,).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from sympy.stats import E, Normal

from helpers import validation
from helpers.derivation import Derivation

__all__ = ["gradient_samples", "plain_gradient", "expected_gradient", "penalty_solution", "train_with_dropout",
           "expected_gradient_derivation"]


def _unit(W: Any, x: Any, y_d: Any, sigma: Any) -> tuple[np.ndarray, np.ndarray, float, float]:
    W = validation.float_array(W, "W", shape=("K",))
    x = validation.float_array(x, "x", shape=("K",))
    if W.shape != x.shape:
        raise ValueError(f"W and x must have one entry per input of the unit, the same shape (K,): got W {W.shape} "
                         f"and x {x.shape}.")
    return W, x, validation.finite_number(y_d, "y_d"), validation.positive_number(sigma, "sigma", allow_zero=True)


def _data(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = validation.float_array(X, "X", shape=("N", "K"))
    y = validation.float_array(y, "y", shape=("N",))
    validation.same_length(X=X, y=y)
    return X, y


def gradient_samples(W: Any, x: Any, y_d: float, sigma: float, n_samples: int, random_state: Any = 0) -> np.ndarray:
    """dJ1/dW for n_samples draws delta ~ N(1, sigma^2); W, x: (K,) -> (n_samples, K)."""
    W, x, y_d, sigma = _unit(W, x, y_d, sigma)
    n_samples = validation.positive_int(n_samples, "n_samples")
    delta = validation.as_rng(random_state).normal(1.0, sigma, size=(n_samples, W.size))
    residual = (delta * W * x).sum(axis=1) - y_d
    return residual[:, None] * delta * x


def plain_gradient(W: Any, x: Any, y_d: float) -> np.ndarray:
    """dJ0/dW = (sum_k W_k x_k - y_d) x, the gradient without dropout; W, x: (K,) -> (K,)."""
    W, x, y_d, _ = _unit(W, x, y_d, 0.0)
    return (W @ x - y_d) * x


def expected_gradient(W: Any, x: Any, y_d: float, sigma: float) -> np.ndarray:
    """E[dJ1/dW] over the dropout noise delta_k ~ N(1, sigma^2); W, x: (K,) -> (K,)."""
    W, x, y_d, sigma = _unit(W, x, y_d, sigma)
    ### BEGIN SOLUTION
    residual = W @ x - y_d
    return residual * x + sigma**2 * x**2 * W
    ### END SOLUTION


def penalty_solution(X: Any, y: Any, sigma: float) -> np.ndarray:
    """argmin_W mean_n [1/2 (y_n - W x_n)^2 + sigma^2/2 sum_k x_nk^2 W_k^2]; X: (N, K), y: (N,) -> W: (K,).

    Solves (X^T X + sigma^2 diag(sum_n x_nk^2)) W = X^T y; sigma = 0 gives least squares.
    """
    X, y = _data(X, y)
    sigma = validation.positive_number(sigma, "sigma", allow_zero=True)
    A = X.T @ X + sigma**2 * np.diag((X**2).sum(axis=0))
    try:
        return np.linalg.solve(A, X.T @ y)
    except np.linalg.LinAlgError:
        raise ValueError("X^T X + sigma^2 diag(sum x^2) is singular: a column of X is zero or (with sigma = 0) the "
                         "columns are linearly dependent; pass sigma > 0 or drop the redundant columns.") from None


def train_with_dropout(X: Any, y: Any, sigma: float, learning_rate: float = 0.05, steps: int = 4000,
                       random_state: Any = 0) -> np.ndarray:
    """SGD from W = 0 on the mean of J1 over the data, with fresh delta ~ N(1, sigma^2) per sample and step.

    X: (N, K), y: (N,); returns the average of the iterates of the second half of the run, W: (K,) (averaging
    removes the dropout noise). DivergenceError if the loss becomes NaN or infinite (too large a learning rate).
    """
    X, y = _data(X, y)
    sigma = validation.positive_number(sigma, "sigma", allow_zero=True)
    learning_rate = validation.positive_number(learning_rate, "learning_rate")
    steps = validation.positive_int(steps, "steps")
    rng = validation.as_rng(random_state)
    W = np.zeros(X.shape[1])
    total = np.zeros_like(W)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported as such, not as a warning
        for t in range(steps):
            Xd = X * rng.normal(1.0, sigma, size=X.shape)
            residual = Xd @ W - y
            validation.check_loss_finite(float(residual @ residual) / (2 * len(y)), f"at step {t + 1}", learning_rate)
            W = W - learning_rate * Xd.T @ residual / len(y)
            if t >= steps // 2:
                total += W
        if not np.all(np.isfinite(W)):  # the last step blew up: its loss, without noise, is not finite either
            validation.check_loss_finite(float(np.sum((X @ W - y) ** 2)) / (2 * len(y)), "after the last step",
                                         learning_rate)
    return total / (steps - steps // 2)


def expected_gradient_derivation(k: int = 3) -> Derivation:
    """The expected gradient of J1 with respect to W_1 under delta_k = 1 + sigma eps_k, eps_k ~ N(0, 1) independent."""
    k = validation.positive_int(k, "k")
    sigma = sp.Symbol("sigma", positive=True)
    y_d = sp.Symbol("y_d", real=True)
    Ws = sp.symbols(f"W_1:{k + 1}", real=True)
    xs = sp.symbols(f"x_1:{k + 1}", real=True)
    eps = [Normal(f"epsilon_{i + 1}", 0, 1) for i in range(k)]
    J1 = sp.Rational(1, 2) * (y_d - sum((1 + sigma * e) * W * x for e, W, x in zip(eps, Ws, xs, strict=True))) ** 2
    expected = E(sp.expand(sp.diff(J1, Ws[0])))
    J0 = sp.Rational(1, 2) * (y_d - sum(W * x for W, x in zip(Ws, xs, strict=True))) ** 2
    penalty = sigma**2 / 2 * sum(x**2 * W**2 for W, x in zip(Ws, xs, strict=True))
    return (Derivation("expected gradient under Gaussian dropout (weight W_1)")
            .step(expected, "E[dJ1/dW_1] with E[eps] = 0, E[eps^2] = 1, independent (sympy.stats)", given=True)
            .step((sum(W * x for W, x in zip(Ws, xs, strict=True)) - y_d) * xs[0] + sigma**2 * xs[0] ** 2 * Ws[0],
                  "plain gradient + sigma^2 x_1^2 W_1")
            .step(sp.diff(J0 + penalty, Ws[0]), "= d/dW_1 of J0 + (sigma^2/2) sum_k x_k^2 W_k^2"))
