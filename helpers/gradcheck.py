"""Checking gradients: one relative error and central differences for arrays and layers.

Every gradient in the workbook is judged the same way. ``relative_error(actual, reference)`` is

    max |actual - reference| / max |reference|

over all entries (of all arrays, when given dicts of arrays with the same keys): the largest error measured
against the size of the reference; 0 when the two are equal (also when both are zero), infinite when they
differ and the reference is zero or ``actual`` holds NaN or infinity. The reference must be finite.
``compare`` returns the error together with the worst entry and, when the two differ by a constant factor,
that factor, so a message can say "exactly 4 times the reference" instead of only "wrong". References come
from central finite differences (``numerical_gradient``, ``check_layer``) or from PyTorch autograd in
float64 (``helpers.autograd_reference``). This module needs only NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers import validation

__all__ = [
    "relative_error",
    "Comparison",
    "compare",
    "numerical_gradient",
    "check_layer",
]

# two gradients that agree to this relative precision differ only by rounding; used for "exactly c times"
_FACTOR_TOL = 1e-9


def _as_dict(value: Any, name: str, *, finite: bool) -> dict[Any, np.ndarray]:
    if isinstance(value, Mapping):
        if not value:
            raise ValueError(f"{name} is an empty dict: pass arrays, or a dict such as {{'W': dW, 'b': db}}.")
        return {k: validation.float_array(v, f"{name}[{k!r}]", finite=finite, allow_empty=True)
                for k, v in value.items()}
    return {"": validation.float_array(value, name, finite=finite, allow_empty=True)}


def _check_same_arrays(actual: Any, reference: Any, a: dict, r: dict) -> None:
    if isinstance(actual, Mapping) != isinstance(reference, Mapping):
        kinds = ["a dict" if isinstance(v, Mapping) else "an array" for v in (actual, reference)]
        raise TypeError(f"actual is {kinds[0]} and reference is {kinds[1]}: pass two arrays, or two dicts of arrays "
                        "with the same keys.")
    if set(a) != set(r):
        raise ValueError(f"actual and reference must hold the same arrays: actual has keys {sorted(map(str, a))}, "
                         f"reference {sorted(map(str, r))}.")
    for k in r:
        if a[k].shape != r[k].shape:
            where = f"{k!r}: " if k != "" else ""
            hint = " (transposed? compare actual.T)" if a[k].ndim == 2 and a[k].shape == r[k].shape[::-1] else ""
            raise ValueError(f"{where}actual has shape {a[k].shape}, reference {r[k].shape}{hint}: "
                             "compare arrays of the same shape.")


def _scale(a: np.ndarray) -> float:
    return float(np.abs(a).max(initial=0.0))


def _worst(a: np.ndarray, r: np.ndarray) -> tuple[tuple[int, ...], float] | None:
    """Index and size of the largest |a - r| (a non-finite entry of ``a`` counts as infinite); None if empty."""
    if a.size == 0:
        return None
    diff = np.abs(a - r)
    bad = ~np.isfinite(diff)
    if bad.any():
        return tuple(int(i) for i in np.argwhere(bad)[0]), math.inf
    i = np.unravel_index(int(np.argmax(diff)), diff.shape)
    return tuple(int(j) for j in i), float(diff[i])


def _relative(top: float, scale: float) -> float:
    if top == 0:
        return 0.0
    return top / scale if scale and math.isfinite(top) else math.inf


def relative_error(actual: Any, reference: Any) -> float:
    """max |actual - reference| / max |reference| over all entries; arrays, or dicts of arrays with the same keys."""
    return compare(actual, reference).error


def _ratio(c: float) -> str:
    """A factor as text: 4, -2, 1/64, -1/3, or 0.3 when 1/c is not a whole number."""
    m = abs(c)
    if m >= 1 or m == 0:
        return f"{c:.6g}"
    inverse = 1 / m
    if abs(inverse - round(inverse)) <= 1e-6 * inverse:
        return f"{'-' if c < 0 else ''}1/{round(inverse)}"
    return f"{c:.6g}"


@dataclass(frozen=True)
class Comparison:
    """How ``actual`` differs from ``reference``: the relative error, the worst entry, and a constant factor if any."""

    error: float
    errors: dict[str, float]  # per array: max |a - r| / max |r| of that array
    worst_name: str
    worst_index: tuple[int, ...]
    worst_actual: float
    worst_reference: float
    factor: float | None  # actual == factor * reference (to 1e-9 relative), when such a constant exists

    def ok(self, tol: float = 1e-6) -> bool:
        """True when the relative error is below ``tol``."""
        return self.error < validation.positive_number(tol, "tol")

    def explain(self, what: str = "your gradient", reference: str = "the reference", tol: float = 1e-6) -> str:
        """One sentence: agreement within ``tol``, else a constant factor if there is one, else the worst entry."""
        if self.error == 0:
            return f"{what} equals {reference} exactly"
        if self.error < tol:
            return f"{what} agrees with {reference} (relative error {self.error:.1e})"
        index = f"[{', '.join(map(str, self.worst_index))}]" if self.worst_index else ""
        where = (self.worst_name or "entry") + index
        if not math.isfinite(self.worst_actual):
            return f"{what} is {self.worst_actual} at {where}, where {reference} is {self.worst_reference:.6g}"
        if self.factor is not None and self.factor != 1:
            if self.factor == 0:
                return f"{what} is zero where {reference} is not"
            return f"{what} is exactly {_ratio(self.factor)} times {reference}"
        if math.isinf(self.error):
            return f"{what} is nonzero where {reference} is zero: {self.worst_actual:.6g} at {where}"
        return (f"{what} differs from {reference}: relative error {self.error:.2g}, largest at {where} "
                f"({self.worst_actual:.6g} instead of {self.worst_reference:.6g})")

    def __str__(self) -> str:
        return self.explain()


def compare(actual: Any, reference: Any) -> Comparison:
    """Compare arrays (or dicts of arrays with the same keys and shapes) entry by entry; see the module docstring."""
    a, r = _as_dict(actual, "actual", finite=False), _as_dict(reference, "reference", finite=True)
    _check_same_arrays(actual, reference, a, r)
    errors, worst, top = {}, ("", (), 0.0, 0.0), -1.0
    for k in r:
        found = _worst(a[k], r[k])
        size = found[1] if found else 0.0
        errors[k] = _relative(size, _scale(r[k]))
        if found and size > top:
            worst, top = (k, found[0], float(a[k][found[0]]), float(r[k][found[0]])), size
    error = _relative(max(top, 0.0), max(_scale(v) for v in r.values()))
    name = worst[0] if isinstance(worst[0], str) else str(worst[0])
    return Comparison(error, errors, name, worst[1], worst[2], worst[3], _factor(a, r))


def _factor(a: dict[Any, np.ndarray], r: dict[Any, np.ndarray]) -> float | None:
    """c with a == c * r for every array (to 1e-9 relative), if the reference is nonzero and such a c exists."""
    av = np.concatenate([v.ravel() for v in a.values()])
    rv = np.concatenate([v.ravel() for v in r.values()])
    rr = float(rv @ rv)
    if rr == 0 or not np.all(np.isfinite(av)):
        return None
    if _scale(av) == 0:
        return 0.0
    c = float(av @ rv) / rr
    if np.abs(av - c * rv).max() > _FACTOR_TOL * max(_scale(av), _scale(rv)):
        return None
    return float(f"{c:.9g}")  # 1.9999999998 and 2 are the same factor


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences (f(x + eps e_i) - f(x - eps e_i)) / 2 eps of a scalar ``f()`` w.r.t. every entry of ``x``.

    ``x`` is a float64 array that ``f`` reads; its entries are perturbed in place, one at a time, and
    restored. Returns an array of the shape of ``x``.
    """
    if not callable(f):
        raise TypeError(f"f must be a function of no arguments returning the loss, got {validation.describe(f)}.")
    eps = validation.positive_number(eps, "eps")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64 or not x.flags.writeable:
        raise TypeError("x must be a writeable float64 NumPy array that f reads (it is perturbed in place), "
                        f"got {validation.describe(x)}: make one with np.array(x, dtype=np.float64) and let f read it.")

    def value() -> float:
        v = f()
        if np.ndim(v) != 0 or isinstance(v, (str, bytes)):
            raise TypeError(f"f must return one number (the loss), got {validation.describe(v)}.")
        return float(v)

    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        plus = value()
        x[idx] = old - eps
        minus = value()
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def _random_generators(layer: Any) -> list[np.random.Generator]:
    layers = getattr(layer, "layers", [layer])
    return [m.rng for m in layers if isinstance(getattr(m, "rng", None), np.random.Generator)]


def _check_layer_arguments(layer: Any, target: Any) -> bool:
    """Whether ``layer`` is a loss; TypeError/ValueError for what check_layer cannot check."""
    name = type(layer).__name__
    if not (callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None))
            and isinstance(getattr(layer, "params", None), Mapping)):
        raise TypeError(f"layer must have forward, backward and params (a helpers.modules layer), got {name}.")
    is_loss = bool(getattr(layer, "is_loss", False))
    if is_loss and target is None:
        raise ValueError(f"{name} is a loss: pass target=... (same shape as x).")
    if not is_loss and target is not None:
        raise ValueError(f"{name} is not a loss: call check_layer(layer, x) without target.")
    wrong = {k: p.dtype for k, p in layer.params.items() if getattr(p, "dtype", None) != np.float64}
    if wrong:
        raise TypeError(f"check_layer needs float64 parameters (float32 differences are too coarse), but {name} has "
                        f"{wrong}: build the layer with dtype=np.float64 for the check.")
    return is_loss


def check_layer(layer: Any, x: Any, target: Any = None, *, eps: float = 1e-6, random_state: int = 0) -> Comparison:
    """Compare a layer's ``backward`` with central differences for dL/dx and every parameter; x: (N, ...).

    For a loss layer (``layer.is_loss``) L is its output for ``target``; for any other layer
    L = sum(forward(x) * G) with a fixed random G (seeded by ``random_state``), so ``backward(G)`` must
    equal dL/dx. Random layers (Dropout) see the same draws in every evaluation. The input is used in
    float64: float32 differences are too coarse for a meaningful check. dL/dx is left out when
    ``backward`` returns None (a first layer built with ``input_grad=False``).
    """
    is_loss = _check_layer_arguments(layer, target)
    x = np.array(validation.float_array(x, "x"), dtype=np.float64)
    generators = _random_generators(layer)
    states = [g.bit_generator.state for g in generators]

    def forward() -> Any:
        for g, s in zip(generators, states, strict=True):
            g.bit_generator.state = s
        return layer.forward(x, target) if is_loss else layer.forward(x)

    out = forward()
    upstream = None if is_loss else validation.as_rng(random_state).normal(size=np.shape(out))

    def loss() -> float:
        o = forward()
        return float(o) if is_loss else float(np.sum(o * upstream))

    loss()
    dx = layer.backward() if is_loss else layer.backward(upstream)
    params = layer.params
    missing = sorted(set(params) - set(layer.grads))
    if missing:
        raise ValueError(f"{type(layer).__name__}.backward did not fill grads for {missing}: "
                         "every key of params needs a gradient of the same shape.")
    analytic = {k: np.asarray(layer.grads[k], dtype=np.float64).copy() for k in params}
    numeric = {k: numerical_gradient(loss, p, eps) for k, p in params.items()}
    if dx is not None:
        analytic["x"] = np.asarray(dx, dtype=np.float64)
        numeric["x"] = numerical_gradient(loss, x, eps)
    loss()  # leave the layer's cache at the unperturbed input
    return compare(analytic, numeric)
