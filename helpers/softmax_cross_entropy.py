"""Softmax followed by cross-entropy, differentiated with respect to the logits: gradient and Hessian.

For logits Z: (S, K), Y = softmax(Z) row-wise, one-hot targets T and the mean loss
L = -(1/S) sum t log y, the gradient is dL/dZ = (1/S)(Y - T). For one sample, the Hessian of
-log softmax(z)_c is diag(y) - y y^T whatever the class c; its quadratic form is a variance, so it is PSD.
``helpers.modules.SoftmaxCrossEntropy`` is the layer; here are the derivations, the Hessian, and random batches.

In the derivations the softmax outputs are ``sp.UnevaluatedExpr`` nodes named y_hat, so the steps display as
short formulas in y_hat while every check runs on the full exponential expressions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from helpers import activations, validation
from helpers.derivation import Derivation, symbol_matrix

__all__ = ["logit_gradient_derivation", "logit_hessian", "logit_hessian_derivations", "random_batch"]


def logit_gradient_derivation(s: int = 2, k: int = 3, classes: tuple[int, ...] = (0, 2)) -> Derivation:
    """dL/dZ = (1/S)(Y - T) on symbolic logits Z: (s, k), sample i of class ``classes[i]`` (classes: (s,))."""
    s = validation.positive_int(s, "s")
    k = validation.positive_int(k, "k", minimum=2)
    if isinstance(classes, (str, bytes)) or not hasattr(classes, "__len__") or len(classes) != s:
        raise ValueError(f"classes must list one class in 0..{k - 1} per sample ({s} of them), got {classes!r}.")
    labels = validation.class_labels(list(classes), k, "classes")
    Z = symbol_matrix("z", s, k)
    T = sp.Matrix(s, k, lambda i, j: 1 if labels[i] == j else 0)
    Y = sp.Matrix(s, k, lambda i, j: sp.UnevaluatedExpr(sp.exp(Z[i, j]) / sum(sp.exp(Z[i, c]) for c in range(k))))
    L = -sp.Rational(1, s) * sum(T[i, j] * sp.log(Y[i, j]) for i in range(s) for j in range(k))
    alpha = sp.UnevaluatedExpr(sp.Rational(1, s))  # kept as a factor in front, shown as alpha
    names: dict[str, Any] = {r"\alpha": alpha}
    names.update({rf"\hat y_{{{i + 1}{j + 1}}}": Y[i, j] for i in range(s) for j in range(k)})
    names.update({rf"\frac{{\partial L}}{{\partial z_{{{i + 1}{j + 1}}}}}": sp.Derivative(L, Z[i, j])
                  for i in range(s) for j in range(k)})
    return (Derivation(f"softmax + mean cross-entropy over S = {s} samples, alpha = 1/{s}", names=names)
            .step(sp.Matrix(s, k, lambda i, j: sp.Derivative(L, Z[i, j])),
                  "entries dL/dz_sj of L = -(1/S) sum t log softmax(z)", given=True)
            .step(sp.Matrix(s, k, lambda i, j: alpha * sum(T[i, c] * (Y[i, j] - (1 if c == j else 0))
                                                           for c in range(k))),
                  "dlog y_c/dz_j = delta_cj - y_j, summed against the one-hot t")
            .step(sp.Matrix(s, k, lambda i, j: alpha * (Y[i, j] - T[i, j])),
                  "sum_c t_c = 1: alpha M with alpha = 1/S and M = Y - T"))


def logit_hessian(z: Any) -> np.ndarray:
    """Hessian of -log softmax(z)_c w.r.t. z: diag(y_hat) - y_hat y_hat^T (independent of c); z: (K,) -> (K, K)."""
    z = validation.float_array(z, "z", shape=("K",), dtype=np.float64)
    ### BEGIN SOLUTION
    y_hat = activations.softmax(z)
    return np.diag(y_hat) - np.outer(y_hat, y_hat)
    ### END SOLUTION


def logit_hessian_derivations(k: int = 3) -> tuple[Derivation, Derivation]:
    """The Hessian of -log softmax(z)_1 is diag(y_hat) - y_hat y_hat^T, and v^T H v = Var_y_hat(v) >= 0; k logits."""
    k = validation.positive_int(k, "k", minimum=2)
    z = sp.symbols(f"z_1:{k + 1}", real=True)
    v = sp.Matrix(sp.symbols(f"v_1:{k + 1}", real=True))
    total = sum(sp.exp(zi) for zi in z)
    y = sp.Matrix([sp.UnevaluatedExpr(sp.exp(zi) / total) for zi in z])
    L = -z[0] + sp.log(total)
    names: dict[str, Any] = {rf"\hat y_{i + 1}": y[i] for i in range(k)}
    names.update({rf"\frac{{\partial^2 L}}{{\partial z_{i + 1} \partial z_{j + 1}}}": sp.Derivative(L, z[i], z[j])
                  for i in range(k) for j in range(k)})
    H = sp.diag(*y) - y * y.T
    d = (Derivation("Hessian of the softmax cross-entropy w.r.t. the logits", names=names)
         .step(sp.Matrix(k, k, lambda i, j: sp.Derivative(L, z[i], z[j])),
               "second derivatives of L = -z_c + log sum_j e^{z_j} (class c = 1)", given=True)
         .step(H, "d y_k / d z_i = y_k(delta_ki - y_i): diag(y_hat) - y_hat y_hat^T"))
    mean = sum(y[i] * v[i] for i in range(k))
    q = (Derivation("the quadratic form of that Hessian is a variance", names=names)
         .step((v.T * H * v)[0], "v^T H v", given=True)
         .step(sum(y[i] * v[i] ** 2 for i in range(k)) - mean**2, "E_y[v^2] - (E_y[v])^2")
         .step(sum(y[i] * (v[i] - mean) ** 2 for i in range(k)), "= E_y[(v - E_y v)^2] >= 0, since the y_i sum to one"))
    return d, q


def random_batch(batch_size: int, n_classes: int = 5, random_state: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal logits Z: (S, K) and one-hot targets T: (S, K) of uniformly random classes."""
    batch_size = validation.positive_int(batch_size, "batch_size")
    n_classes = validation.positive_int(n_classes, "n_classes", minimum=2)
    rng = validation.as_rng(random_state)
    Z = rng.normal(size=(batch_size, n_classes))
    T = np.eye(n_classes)[rng.integers(n_classes, size=batch_size)]
    return Z, T
