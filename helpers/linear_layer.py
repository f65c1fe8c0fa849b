"""The linear layer Y = X W^T + b: its three gradients derived symbolically, from index sums to matrix products.

With the upstream gradient G = dL/dY: dL/dW = G^T X, dL/db = 1^T G, dL/dX = G W. ``helpers.modules.Linear``
implements these products; here they are derived on small symbolic matrices (``layer_symbols``), each from
entries through an index sum to a matrix product, and ``batch_terms`` splits each gradient into the
contributions of the single samples of the batch, whose sum is the matrix product.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from helpers import validation
from helpers.derivation import Derivation, symbol_matrix

__all__ = [
    "GRADIENTS",
    "layer_symbols",
    "weight_gradient_derivation",
    "bias_gradient_derivation",
    "input_gradient_derivation",
    "gradient_derivations",
    "batch_terms",
]

GRADIENTS = ("W", "b", "X")  # the three gradients of the layer, by the name of the array they belong to


def layer_symbols(n: int = 2, n_in: int = 3, n_out: int = 2) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix, sp.Matrix, Any]:
    """Symbolic X: (n, n_in), W: (n_out, n_in), b: (1, n_out), G = dL/dY: (n, n_out) and L = sum_si g_si y_si.

    L is taken linear in Y = X W^T + b: backprop only uses this first-order term, so any loss gives the same
    formulas with G its gradient.
    """
    n = validation.positive_int(n, "n")
    n_in = validation.positive_int(n_in, "n_in")
    n_out = validation.positive_int(n_out, "n_out")
    X, W, G = symbol_matrix("x", n, n_in), symbol_matrix("w", n_out, n_in), symbol_matrix("g", n, n_out)
    b = sp.Matrix(1, n_out, lambda _, i: sp.Symbol(f"b_{i + 1}", real=True))
    Y = X * W.T + sp.ones(n, 1) * b
    L = sum(G[s, i] * Y[s, i] for s in range(n) for i in range(n_out))
    return X, W, b, G, L


def weight_gradient_derivation(n: int = 2, n_in: int = 3, n_out: int = 2) -> Derivation:
    """dL/dW = G^T X for the symbols of ``layer_symbols(n, n_in, n_out)``: entries -> index sum -> matrix product."""
    X, W, _, G, L = layer_symbols(n, n_in, n_out)
    n, n_in, n_out = X.shape[0], X.shape[1], W.shape[0]
    return (Derivation("dL/dW for Y = X W^T + b")
            .step(sp.Matrix(n_out, n_in, lambda a, c: sp.diff(L, W[a, c])),
                  "entries dL/dw_ac = sum_{s,i} g_si dy_si/dw_ac", given=True)
            .step(sp.Matrix(n_out, n_in, lambda a, c: sp.Add(*[G[s, a] * X[s, c] for s in range(n)], evaluate=False)),
                  "dy_si/dw_ac = delta_ia x_sc, so dL/dw_ac = sum_s g_sa x_sc")
            .step(G.T * X, "that sum is the (a, c) entry of G^T X: dL/dW = (dL/dY)^T X"))


def bias_gradient_derivation(n: int = 2, n_in: int = 3, n_out: int = 2) -> Derivation:
    """dL/db = 1^T G for the symbols of ``layer_symbols(n, n_in, n_out)``: entries -> sum over the batch."""
    _, _, b, G, L = layer_symbols(n, n_in, n_out)
    n, n_out = G.shape
    return (Derivation("dL/db for Y = X W^T + b")
            .step(sp.Matrix(1, n_out, lambda _, a: sp.diff(L, b[a])), "entries dL/db_a", given=True)
            .step(sp.Matrix(1, n_out, lambda _, a: sp.Add(*[G[s, a] for s in range(n)], evaluate=False)),
                  "dy_si/db_a = delta_ia: sum over the batch")
            .step(sp.ones(1, n) * G, "dL/db = 1^T dL/dY"))


def input_gradient_derivation(n: int = 2, n_in: int = 3, n_out: int = 2) -> Derivation:
    """dL/dX = G W for the symbols of ``layer_symbols(n, n_in, n_out)``: entries -> index sum -> matrix product."""
    X, W, _, G, L = layer_symbols(n, n_in, n_out)
    n, n_in, n_out = X.shape[0], X.shape[1], W.shape[0]
    input_derivation = Derivation("dL/dX for Y = X W^T + b")
    input_derivation.step(sp.Matrix(n, n_in, lambda s, c: sp.diff(L, X[s, c])), "entries dL/dx_sc", given=True)
    ### BEGIN SOLUTION
    index_sum = sp.Matrix(n, n_in, lambda s, c: sp.Add(*[G[s, i] * W[i, c] for i in range(n_out)], evaluate=False))
    input_derivation.step(index_sum, "dy_ti/dx_sc = delta_ts w_ic, so dL/dx_sc = sum_i g_si w_ic")
    input_derivation.step(G * W, "dL/dX = (dL/dY) W")
    ### END SOLUTION
    return input_derivation


def gradient_derivations(n: int = 2, n_in: int = 3, n_out: int = 2) -> dict[str, Derivation]:
    """The three derivations for X: (n, n_in), W: (n_out, n_in), G: (n, n_out), keyed by GRADIENTS ("W", "b", "X")."""
    return {"W": weight_gradient_derivation(n, n_in, n_out), "b": bias_gradient_derivation(n, n_in, n_out),
            "X": input_gradient_derivation(n, n_in, n_out)}


def _layer_arrays(X: Any, W: Any, G: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = validation.float_array(X, "X", shape=("N", "in"), dtype=np.float64)
    W = validation.float_array(W, "W", shape=("out", X.shape[1]), dtype=np.float64)
    G = validation.float_array(G, "G", shape=(X.shape[0], W.shape[0]), dtype=np.float64)
    return X, W, G


def batch_terms(X: np.ndarray, W: np.ndarray, G: np.ndarray, wrt: str) -> np.ndarray:
    """What each sample s contributes to the gradient ``wrt`` ("W", "b" or "X"); X: (N, in), W: (out, in), G: (N, out).

    Returns (N, out, in) for W (the outer product g_s x_s^T), (N, out) for b (g_s), and (N, N, in) for X (g_s W in
    row s, zeros elsewhere: sample s only affects its own row). Summed over the first axis they give the
    layer's gradient: G^T X, 1^T G and G W.
    """
    wrt = validation.one_of(wrt, GRADIENTS, "wrt")
    X, W, G = _layer_arrays(X, W, G)
    if wrt == "W":
        return G[:, :, None] * X[:, None, :]
    if wrt == "b":
        return G.copy()
    n = X.shape[0]
    terms = np.zeros((n, n, X.shape[1]))
    terms[np.arange(n), np.arange(n)] = G @ W
    return terms

