"""Notebook 07, convexity and second order: logistic regression (F1), softmax-CE Hessian (F2), Newton (A7).

Logistic regression with one feature: y_hat_n = sigma(w x_n + b), E(w, b) = -sum_n [y_n log y_hat_n +
(1 - y_n) log(1 - y_hat_n)] (a SUM over the data set, as in the problem). Parameters are theta = (w, b).
Newton's method itself lives in ``helpers.calculus`` (newton_minimize, newton_minimize_nd); this module
supplies the functions it is run on and the derivations.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from helpers import activations as act
from helpers.derivation import Derivation

__all__ = [
    "logistic_data",
    "logistic_loss",
    "logistic_grad",
    "logistic_hessian",
    "logistic_gd",
    "plot_logistic_gd",
    "softmax_ce_hessian",
    "boyd_function",
    "boyd_grad",
    "boyd_hessian",
    "BOYD_MINIMUM",
    "f1_derivations",
    "f2_derivation",
    "newton_error_derivation",
]


def _xy(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape or x.size == 0:
        raise ValueError(f"x and y must be 1-D arrays of the same nonzero length, got {x.shape} and {y.shape}.")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must hold 0/1 labels.")
    return x, y


def logistic_data(n: int = 200, w: float = 2.0, b: float = -0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points x ~ N(0, 1) with labels drawn from sigma(w x + b): x: (n,), y: (n,) in {0, 1}."""
    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
    r = np.random.default_rng(seed)
    x = r.normal(size=n)
    y = (r.random(n) < act.sigmoid(w * x + b)).astype(float)
    return x, y


def logistic_loss(theta: Any, x: Any, y: Any) -> float:
    """E(w, b): the summed cross-entropy; theta: (2,) = (w, b)."""
    x, y = _xy(x, y)
    z = theta[0] * x + theta[1]
    # log(1 + e^z) - y z, written with logaddexp so that large |z| cannot overflow
    return float(np.sum(np.logaddexp(0.0, z) - y * z))


def logistic_grad(theta: Any, x: Any, y: Any) -> np.ndarray:
    """(dE/dw, dE/db) = (sum (y_hat - y) x, sum (y_hat - y)): (2,)."""
    x, y = _xy(x, y)
    r = act.sigmoid(theta[0] * x + theta[1]) - y
    return np.array([np.sum(r * x), np.sum(r)])


def logistic_hessian(theta: Any, x: Any, y: Any) -> np.ndarray:
    """sum_n y_hat (1 - y_hat) [[x^2, x], [x, 1]]: (2, 2)."""
    x, _ = _xy(x, y)
    s = act.sigmoid_grad(theta[0] * x + theta[1])
    return np.array([[np.sum(s * x * x), np.sum(s * x)], [np.sum(s * x), np.sum(s)]])


def logistic_gd(x: Any, y: Any, lr: float, steps: int, theta0: Any = (0.0, 0.0)) -> np.ndarray:
    """Iterates theta <- theta + lr * sum (y - y_hat) (x, 1): (steps + 1, 2)."""
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite number, got {lr!r}.")
    if not isinstance(steps, (int, np.integer)) or steps <= 0:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    path = np.empty((steps + 1, 2))
    path[0] = theta0
    for t in range(steps):
        path[t + 1] = path[t] - lr * logistic_grad(path[t], x, y)
        if not np.all(np.isfinite(path[t + 1])):
            raise ValueError(f"gradient descent diverged (NaN/inf) at step {t + 1}: use a smaller lr than {lr:g}.")
    return path


def plot_logistic_gd(x: Any, y: Any, lr: float, ax: Any, steps: int = 60, theta_star: Any = None) -> Any:
    """E(theta_t) - E(theta*) against t for GD with ``lr`` (log scale), and the bound 2/L on the title."""
    path = logistic_gd(x, y, lr, steps)
    if theta_star is None:
        theta_star = logistic_gd(x, y, 1.0 / np.max(np.linalg.eigvalsh(logistic_hessian((0, 0), x, y))), 2000)[-1]
    e_star = logistic_loss(theta_star, x, y)
    gaps = np.array([logistic_loss(th, x, y) for th in path]) - e_star
    ax.semilogy(np.arange(steps + 1), np.maximum(gaps, 1e-16), marker=".", label=f"lr = {lr:.3g}")
    # the Hessian is largest at theta = 0 (y_hat(1 - y_hat) <= 1/4 is maximal there), giving L
    L = np.max(np.linalg.eigvalsh(logistic_hessian((0.0, 0.0), x, y)))
    L_star = np.max(np.linalg.eigvalsh(logistic_hessian(theta_star, x, y)))
    ax.set_title(f"GD on logistic regression: converges for lr < 2/L = {2 / L:.3g} (guaranteed),\n"
                 f"near the optimum for lr < 2/lambda_max(H(theta*)) = {2 / L_star:.3g}", fontsize=9)
    ax.set_xlabel("step t")
    ax.set_ylabel(r"$E(\theta_t) - E(\theta^*)$")
    ax.legend()
    return ax


def softmax_ce_hessian(z: Any) -> np.ndarray:
    """Hessian of -log softmax(z)_c w.r.t. z: diag(y_hat) - y_hat y_hat^T (independent of c); z: (K,)."""
    z = np.asarray(z, dtype=float)
    if z.ndim != 1:
        raise ValueError(f"z must be one vector of logits (K,), got shape {z.shape}.")
    return act.softmax_jacobian(act.softmax(z))


# A smooth strictly convex 2-D test function (Boyd & Vandenberghe, Convex Optimization, ex. 9.20 form)
def boyd_function(w: Any) -> float:
    """f(x, y) = e^(x + 3y - 0.1) + e^(x - 3y - 0.1) + e^(-x - 0.1); w: (2,)."""
    x, y = w
    return float(np.exp(x + 3 * y - 0.1) + np.exp(x - 3 * y - 0.1) + np.exp(-x - 0.1))


def boyd_grad(w: Any) -> np.ndarray:
    """Gradient of ``boyd_function``: (2,)."""
    x, y = w
    a, b, c = np.exp(x + 3 * y - 0.1), np.exp(x - 3 * y - 0.1), np.exp(-x - 0.1)
    return np.array([a + b - c, 3 * a - 3 * b])


def boyd_hessian(w: Any) -> np.ndarray:
    """Hessian of ``boyd_function``: (2, 2)."""
    x, y = w
    a, b, c = np.exp(x + 3 * y - 0.1), np.exp(x - 3 * y - 0.1), np.exp(-x - 0.1)
    return np.array([[a + b + c, 3 * a - 3 * b], [3 * a - 3 * b, 9 * a + 9 * b]])


# gradient = 0 gives y = 0 and 2 e^x = e^-x, i.e. x = -ln(2)/2
BOYD_MINIMUM = np.array([-np.log(2) / 2, 0.0])


# ------------------------------------------------------------------------------- derivations
def f1_derivations(n: int = 3) -> dict[str, Derivation]:
    """F1 on n symbolic data points: gradient, Hessian and the PSD quadratic form, each a Derivation."""
    w, b, v1, v2 = sp.symbols("w b v_1 v_2", real=True)
    xs = sp.symbols(f"x_1:{n + 1}", real=True)
    ys = sp.symbols(f"y_1:{n + 1}", real=True)
    sig = [1 / (1 + sp.exp(-(w * x + b))) for x in xs]
    E = -sum(y * sp.log(s) + (1 - y) * sp.log(1 - s) for y, s in zip(ys, sig))
    grad = sp.Matrix([sp.diff(E, w), sp.diff(E, b)])
    hess = sp.hessian(E, (w, b))
    d_grad = (Derivation("F1: gradient of the logistic cross-entropy")
              .step(grad, "differentiate E(w, b) term by term", given=True)
              .step(sp.Matrix([sum((s - y) * x for s, y, x in zip(sig, ys, xs)), sum(s - y for s, y in zip(sig, ys))]),
                    "sigma' = sigma(1 - sigma) cancels the 1/sigma and 1/(1 - sigma): residual (y_hat - y)"))
    d_hess = (Derivation("F1: Hessian of the logistic cross-entropy")
              .step(hess, "differentiate the gradient once more", given=True)
              .step(sum((s * (1 - s) * sp.Matrix([[x**2, x], [x, 1]]) for s, x in zip(sig, xs)), sp.zeros(2, 2)),
                    "d y_hat/d(w, b) = y_hat(1 - y_hat)(x, 1); the labels drop out"))
    v = sp.Matrix([v1, v2])
    d_psd = (Derivation("F1: the Hessian is positive semi-definite")
             .step((v.T * hess * v)[0], "quadratic form v^T H v", given=True)
             .step(sum(s * (1 - s) * (v1 * x + v2) ** 2 for s, x in zip(sig, xs)),
                   "each term is y_hat(1 - y_hat) >= 0 times a square, so v^T H v >= 0"))
    return {"gradient": d_grad, "hessian": d_hess, "psd": d_psd}


def f2_derivation(k: int = 3) -> tuple[Derivation, Derivation]:
    """F2: Hessian of -log softmax(z)_1 is diag(y) - y y^T, and v^T H v = Var_y(v)."""
    z = sp.symbols(f"z_1:{k + 1}", real=True)
    v = sp.Matrix(sp.symbols(f"v_1:{k + 1}", real=True))
    Z = sum(sp.exp(zi) for zi in z)
    yv = sp.Matrix([sp.exp(zi) / Z for zi in z])
    L = -z[0] + sp.log(Z)
    H = sp.hessian(L, z)
    d = (Derivation("F2: Hessian of the softmax cross-entropy w.r.t. the logits")
         .step(H, "second derivatives of L = -z_c + log sum_j e^{z_j} (class c = 1)", given=True)
         .step(sp.diag(*yv) - yv * yv.T, "d y_k / d z_i = y_k(delta_ki - y_i): diag(y_hat) - y_hat y_hat^T"))
    mean = sum(yv[i] * v[i] for i in range(k))
    q = (Derivation("F2: the quadratic form is a variance")
         .step((v.T * (sp.diag(*yv) - yv * yv.T) * v)[0], "v^T H v", given=True)
         .step(sum(yv[i] * v[i] ** 2 for i in range(k)) - mean**2, "E_y[v^2] - (E_y[v])^2")
         .step(sum(yv[i] * (v[i] - mean) ** 2 for i in range(k)), "= E_y[(v - E_y v)^2] >= 0, since the y_i sum to one"))
    return d, q


def newton_error_derivation() -> Derivation:
    """A7: for f(x) = x^2 - a, the Newton error obeys e_{n+1} = e_n^2 / (2 (r + e_n)) ~ (f''/2f') e_n^2."""
    r, e = sp.symbols("r e", positive=True)
    f = lambda x: x**2 - r**2  # root r
    xn = r + e
    return (Derivation("A7: error of one Newton step on f(x) = x^2 - r^2")
            .step(xn - f(xn) / sp.diff(f(sp.Symbol("x")), sp.Symbol("x")).subs(sp.Symbol("x"), xn) - r,
                  "e_{n+1} = x_{n+1} - r with x_n = r + e_n", given=True)
            .step(e**2 / (2 * (r + e)), "common denominator: the linear terms in e cancel")
            .step(sp.Rational(1, 2) * (2 / (2 * r)) * e**2 * r / (r + e), "f''/(2 f') at the root is 2/(2 * 2r) = 1/(2r)"))
