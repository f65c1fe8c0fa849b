"""Logistic regression with one feature: loss, gradient, Hessian, gradient descent, and why the loss is convex.

y_hat_n = sigma(w x_n + b) and E(w, b) = -sum_n [y_n log y_hat_n + (1 - y_n) log(1 - y_hat_n)], a SUM over
the data set, with parameters theta = (w, b). The Hessian sum_n y_hat_n (1 - y_hat_n) [[x_n^2, x_n], [x_n, 1]]
is positive semi-definite for any data, so E is convex (proving it step by step is an exercise, checked by
``helpers.second_order_checks``). Arguments are checked by ``helpers.validation``: x: (N,) real numbers,
y: (N,) labels 0 or 1, theta: (2,).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from scipy.special import expit

from helpers import activations, validation
from helpers.derivation import Derivation

__all__ = [
    "logistic_data",
    "logistic_loss",
    "logistic_gradient",
    "logistic_hessian",
    "largest_curvature",
    "logistic_gradient_descent",
    "logistic_derivations",
]


def _data(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """x: (N,) and y: (N,) checked: finite, the same length, y holding 0/1 labels."""
    x = validation.float_array(x, "x", shape=("N",))
    y = validation.float_array(y, "y", shape=("N",))
    validation.same_length(x=x, y=y)
    return x, validation.class_labels(y, 2, "y").astype(float)


def _theta(theta: Any, name: str = "theta") -> np.ndarray:
    return validation.float_array(theta, name, shape=(2,))


def _loss(theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    z = theta[0] * x + theta[1]
    # log(1 + e^z) - y z is the cross-entropy; logaddexp keeps it finite for large |z|
    return float(np.sum(np.logaddexp(0.0, z) - y * z))


def _gradient(theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    residual = activations.sigmoid(theta[0] * x + theta[1]) - y
    return np.array([np.sum(residual * x), np.sum(residual)])


def logistic_data(n: int = 200, w: float = 2.0, b: float = -0.5,
                  random_state: Any = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points x ~ N(0, 1) with labels drawn from sigma(w x + b): x: (n,), y: (n,) holding 0.0 and 1.0."""
    n = validation.positive_int(n, "n")
    w, b = validation.finite_number(w, "w"), validation.finite_number(b, "b")
    rng = validation.as_rng(random_state)
    x = rng.normal(size=n)
    y = (rng.random(n) < activations.sigmoid(w * x + b)).astype(float)
    return x, y


def logistic_loss(theta: Any, x: Any, y: Any) -> float:
    """E(w, b), the summed cross-entropy; theta: (2,) = (w, b), x: (N,), y: (N,)."""
    x, y = _data(x, y)
    return _loss(_theta(theta), x, y)


def logistic_gradient(theta: Any, x: Any, y: Any) -> np.ndarray:
    """(dE/dw, dE/db) = (sum (y_hat - y) x, sum (y_hat - y)); theta: (2,), x: (N,), y: (N,) -> (2,)."""
    x, y = _data(x, y)
    return _gradient(_theta(theta), x, y)


def logistic_hessian(theta: Any, x: Any, y: Any) -> np.ndarray:
    """The Hessian of E w.r.t. theta = (w, b), rows and columns in that order; theta: (2,), x, y: (N,) -> (2, 2)."""
    x, _ = _data(x, y)
    theta = _theta(theta)
    ### BEGIN SOLUTION
    y_hat = expit(theta[0] * x + theta[1])
    weight = y_hat * (1 - y_hat)
    return np.array([[np.sum(weight * x * x), np.sum(weight * x)], [np.sum(weight * x), np.sum(weight)]])
    ### END SOLUTION


def largest_curvature(x: Any, y: Any) -> float:
    """L = lambda_max(H(0)) for x: (N,), y: (N,): the Hessian is largest at theta = 0, where y_hat (1 - y_hat) = 1/4.

    There H(0) = A^T A / 4 for the (N, 2) matrix A with rows (x_n, 1). Every H(theta) is at most H(0) (in the PSD
    order), so steps below 2/L are guaranteed to converge.
    """
    x, _ = _data(x, y)
    A = np.column_stack([x, np.ones_like(x)])
    return float(np.linalg.eigvalsh(A.T @ A).max()) / 4


def logistic_gradient_descent(x: Any, y: Any, learning_rate: float, steps: int, theta0: Any = (0.0, 0.0)) -> np.ndarray:
    """Iterates theta <- theta + learning_rate * sum (y - y_hat) (x, 1) from theta0: (2,); x, y: (N,) -> (steps + 1, 2).

    DivergenceError if the loss becomes infinite or NaN (a learning rate far too large).
    """
    x, y = _data(x, y)
    learning_rate = validation.positive_number(learning_rate, "learning_rate")
    steps = validation.positive_int(steps, "steps")
    path = np.empty((steps + 1, 2))
    path[0] = _theta(theta0, "theta0")
    for t in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported as divergence, not as a warning
            path[t + 1] = path[t] - learning_rate * _gradient(path[t], x, y)
            if not np.all(np.isfinite(path[t + 1])):
                validation.check_loss_finite(_loss(path[t + 1], x, y), f"at step {t + 1}", learning_rate)
    return path


def logistic_derivations(n: int = 3) -> dict[str, Derivation]:
    """On n symbolic data points: the gradient and the Hessian of E(w, b), each a Derivation."""
    n = validation.positive_int(n, "n")
    w, b = sp.symbols("w b", real=True)
    xs = sp.symbols(f"x_1:{n + 1}", real=True)
    ys = sp.symbols(f"y_1:{n + 1}", real=True)
    sig = [1 / (1 + sp.exp(-(w * x + b))) for x in xs]
    names = {sp.Symbol(rf"\hat y_{i + 1}"): s for i, s in enumerate(sig)}
    E = -sum(y * sp.log(s) + (1 - y) * sp.log(1 - s) for y, s in zip(ys, sig, strict=True))
    grad = sp.Matrix([sp.Derivative(E, w), sp.Derivative(E, b)])
    hess = sp.Matrix(2, 2, lambda i, j: sp.Derivative(E, (w, b)[i], (w, b)[j]))
    residual = [s - y for s, y in zip(sig, ys, strict=True)]
    curvature = sum((s * (1 - s) * sp.Matrix([[x**2, x], [x, 1]]) for s, x in zip(sig, xs, strict=True)),
                    sp.zeros(2, 2))
    d_grad = (Derivation("gradient of the logistic cross-entropy", names=names)
              .step(grad, "differentiate E(w, b) term by term", given=True)
              .step(sp.Matrix([sum(r * x for r, x in zip(residual, xs, strict=True)), sum(residual)]),
                    "sigma' = sigma(1 - sigma) cancels the 1/sigma and 1/(1 - sigma): the residual (y_hat - y)"))
    d_hess = (Derivation("Hessian of the logistic cross-entropy", names=names)
              .step(hess, "differentiate the gradient once more", given=True)
              .step(curvature, "d y_hat/d(w, b) = y_hat(1 - y_hat)(x, 1); the labels drop out"))
    return {"gradient": d_grad, "hessian": d_hess}
