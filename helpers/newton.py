"""Newton's method: root finding, minimisation in one and several dimensions, and counting correct digits.

For a root r of f, x_{n+1} = x_n - f(x_n)/f'(x_n). With e_n = x_n - r, Taylor's theorem at a simple root
(f(r) = 0, f'(r) != 0) gives e_{n+1} = +f''(r) / (2 f'(r)) e_n^2 + O(e_n^3) for every C^3 function f
(``error_derivation``): the number of correct digits roughly doubles per step. For a minimum of g it is
applied to g' (x_{n+1} = x_n - g'(x_n)/g''(x_n)), and in several dimensions it solves H(w) d = grad(w).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from helpers.derivation import Derivation
from helpers.validation import DivergenceError, describe, finite_number, float_array, positive_int, positive_number

__all__ = ["newton_root", "newton_minimize", "newton_minimize_nd", "correct_digits", "error_derivation"]


def _real(value: Any, name: str) -> Any:
    """A real finite number (float, int, NumPy or mpmath.mpf) unchanged; TypeError/ValueError otherwise."""
    if isinstance(value, mpmath.mpf):  # high-precision iterates: checked here, since validation knows only floats
        if not mpmath.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value}.")
        return value
    finite_number(value, name)
    return value


def _evaluate(func: Callable, x: Any, name: str) -> Any:
    """func(x), checked to be a real finite number; the message says where it is not."""
    try:
        value = func(x)
    except (ValueError, ArithmeticError) as err:  # math.log(-1), 1/0, overflow: the point is outside the domain
        raise ValueError(f"{name}(x) cannot be evaluated at x = {float(x):.6g} ({err}): x is outside the domain of "
                         f"{name}; start from another x0.") from None
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    try:
        ok = not isinstance(value, (bool, np.bool_, complex, mpmath.mpc)) and math.isfinite(float(value))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"{name}(x) is {value!r} at x = {float(x):.6g}, not a finite real number: x is outside the "
                         f"domain of {name}, or {name} has a mistake; start from another x0.")
    return value


def newton_root(
    f: Callable, fprime: Callable, x0: Any, steps: int, *, names: tuple[str, str] = ("f", "f'"),
    blow_up: float = 1e12,
) -> list:
    """Iterates x_{k+1} = x_k - f(x_k)/f'(x_k): a list of steps + 1 numbers (float or mpmath, as given)."""
    for func, name in ((f, "f"), (fprime, "fprime")):
        if not callable(func):
            raise TypeError(f"{name} must be a function of one number, e.g. lambda x: x**2 - 2, got {describe(func)}.")
    x = _real(x0, "x0")
    steps = positive_int(steps, "steps")
    blow_up = positive_number(blow_up, "blow_up")
    xs = [x]
    for k in range(steps):
        d = _evaluate(fprime, x, names[1])
        if d == 0:
            raise ValueError(
                f"Newton's method stops at iterate {k} (x = {float(x):.6g}): {names[1]}(x) = 0, the tangent is "
                f"horizontal and never meets zero; start from another x0."
            )
        x = x - _evaluate(f, x, names[0]) / d
        if not abs(x) <= blow_up:
            raise DivergenceError(f"Newton's method diverged at iterate {k + 1} (|x| > {blow_up:g}); start closer "
                                  "to the root.")
        xs.append(x)
    return xs


def newton_minimize(gprime: Callable, gsecond: Callable, x0: Any, steps: int, *, blow_up: float = 1e12) -> list:
    """Iterates x_{k+1} = x_k - g'(x_k)/g''(x_k) (Newton on g' = 0): a list of steps + 1 numbers."""
    return newton_root(gprime, gsecond, x0, steps, names=("g'", "g''"), blow_up=blow_up)


def newton_minimize_nd(grad: Callable, hess: Callable, w0: Any, steps: int, *, blow_up: float = 1e12) -> np.ndarray:
    """Iterates w <- w - H(w)^{-1} grad(w) for w0: (d,); returns the path: (steps + 1, d)."""
    for func, name in ((grad, "grad"), (hess, "hess")):
        if not callable(func):
            raise TypeError(f"{name} must be a function of w: (d,), got {describe(func)}.")
    w = float_array(w0, "w0", shape=("d",), dtype=np.float64)
    steps, blow_up = positive_int(steps, "steps"), positive_number(blow_up, "blow_up")
    d = w.size
    path = [w]
    for k in range(steps):
        g = float_array(grad(w), "grad(w)", shape=(d,), finite=False)
        H = float_array(hess(w), "hess(w)", shape=(d, d), finite=False)
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
            raise ValueError(f"grad or hess is not finite at iterate {k} (w = {w}): w is outside their domain.")
        try:
            w = w - np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            raise ValueError(f"the Hessian is singular at iterate {k} (w = {w}): the Newton step is undefined; "
                             "start from another w0.") from None
        if not np.all(np.abs(w) <= blow_up):
            raise DivergenceError(f"Newton's method diverged at iterate {k + 1} (|w| > {blow_up:g}); start closer "
                                  "to the minimum.")
        path.append(w)
    return np.array(path)


def correct_digits(iterates: Sequence[Any], root: Any, cap: float = 50.0) -> np.ndarray:
    """-log10 of each iterate's relative error (absolute when root = 0): (len(iterates),), capped at ``cap``."""
    if isinstance(iterates, (str, bytes)) or not isinstance(iterates, Sequence | np.ndarray):
        raise TypeError(f"iterates must be a list of numbers (the output of newton_root), got {describe(iterates)}.")
    if len(iterates) == 0:
        raise ValueError("iterates is empty: pass at least one iterate.")
    values = [_real(x, f"iterates[{i}]") for i, x in enumerate(iterates)]
    root = _real(root, "root")
    cap = positive_number(cap, "cap")
    scale = abs(root) if root != 0 else 1
    out = []
    for x in values:
        err = abs(x - root) / scale
        out.append(cap if err == 0 else min(cap, max(0.0, -float(mpmath.log10(err)))))  # no '-0.0' digits
    return np.array(out)


def error_derivation() -> Derivation:
    """e_{n+1} = f''(r)/(2 f'(r)) e_n^2 + e_n^3 Q_n with Q_n bounded, for a generic f with a simple root r.

    Taylor's theorem at the root, with remainders: f(r + e) = f'(r) e + f''(r) e^2/2 + R e^3 and
    f'(r + e) = f'(r) + f''(r) e + S e^2, where R and S stay bounded as e -> 0 (f is C^3). The steps
    are exact identities; the last one shows the error term is e_n^3 times a quantity that tends to
    (S - R)/f'(r) - f''(r)^2 / (2 f'(r)^2), finite because f'(r) != 0.
    """
    e, r = sp.symbols("e_n r", real=True)
    d1, d2, R, S = sp.symbols("f'(r) f''(r) R_n S_n", real=True)
    f, fprime = sp.Function("f"), sp.Function("f'")
    e_next = sp.Symbol("e_{n+1}")
    taylor = {f(r + e): d1 * e + d2 / 2 * e**2 + R * e**3, fprime(r + e): d1 + d2 * e + S * e**2}
    denominator = d1 + d2 * e + S * e**2
    rest = ((S - R) * d1 - d2**2 / 2 - d2 * S * e / 2) / (d1 * denominator)
    return (Derivation("error of one Newton step near a simple root r, generic f")
            .step(sp.Eq(e_next, e - f(r + e) / fprime(r + e)),
                  "e_{n+1} = x_{n+1} - r with x_n = r + e_n", given=True)
            .step(sp.Eq(e_next, e - (d1 * e + d2 / 2 * e**2 + R * e**3) / denominator),
                  "Taylor at r with f(r) = 0; remainders R_n, S_n bounded near r", subs=taylor)
            .step(sp.Eq(e_next, (d2 / 2 * e**2 + (S - R) * e**3) / denominator),
                  "common denominator: the terms f'(r) e_n cancel")
            .step(sp.Eq(e_next, d2 / (2 * d1) * e**2 + e**3 * rest),
                  "split off e_n^2: the factor of e_n^3 stays bounded as e_n -> 0 because f'(r) != 0"))
