"""Gradient descent, and the test functions it is run on: a saddle with two minima, and a smooth convex bowl.

Near a critical point descent behaves like its linearisation w <- (I - learning_rate H) w; along a negative
eigen-direction the offset grows like (1 + learning_rate |lambda|)^t, so a start close to the stable manifold
waits log(threshold / offset) / log(1 + learning_rate |lambda|) steps on a plateau before escaping.

On ``saddle_function`` (curvature 1 along x everywhere, -1 along y at the saddle, 2 along y at the minima)
each step multiplies x by 1 - learning_rate, and near a minimum the distance in y by 1 - 2 learning_rate:
descent settles in a minimum only for learning_rate < 1, and x runs away for learning_rate > 2.
``saddle_run`` runs descent there and says in one line which of these happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from helpers.validation import DivergenceError, describe, finite_number, float_array, positive_int, positive_number

__all__ = [
    "saddle_function",
    "saddle_gradient",
    "saddle_expression",
    "gradient_descent",
    "escape_times",
    "linearized_escape_time",
    "SADDLE_OUTCOMES",
    "SaddleRun",
    "saddle_run",
    "smooth_convex_function",
    "smooth_convex_gradient",
    "smooth_convex_hessian",
    "SMOOTH_CONVEX_MINIMUM",
]


def _points(w: Any) -> np.ndarray:
    a = float_array(w, "w")
    if a.ndim == 0 or a.shape[-1] != 2:
        raise ValueError(f"w must have shape (2,) or (..., 2), one (x, y) pair per point, got {a.shape}.")
    return a


def saddle_function(w: Any) -> np.ndarray:
    """f(x, y) = x^2/2 + y^4/4 - y^2/2 for w: (..., 2) -> (...); saddle at 0, minima at (0, +-1)."""
    w = _points(w)
    x, y = w[..., 0], w[..., 1]
    return x**2 / 2 + y**4 / 4 - y**2 / 2


def saddle_gradient(w: Any) -> np.ndarray:
    """grad f = (x, y^3 - y) for w: (..., 2) -> (..., 2); the Hessian at the saddle is diag(1, -1)."""
    w = _points(w)
    return np.stack([w[..., 0], w[..., 1] ** 3 - w[..., 1]], axis=-1)


def saddle_expression(x: sp.Symbol, y: sp.Symbol) -> sp.Expr:
    """The same saddle function as a sympy expression in the symbols x and y."""
    if not (isinstance(x, sp.Symbol) and isinstance(y, sp.Symbol)):
        raise TypeError(f"x and y must be sympy Symbols such as sp.symbols('x y'), got {describe(x)} and "
                        f"{describe(y)}.")
    return x**2 / 2 + y**4 / 4 - y**2 / 2


def gradient_descent(
    grad: Callable[[np.ndarray], Any], w0: Any, learning_rate: float, steps: int,
    *, lambda_max: float | None = None, blow_up: float = 1e8, stop_on_divergence: bool = False,
) -> np.ndarray:
    """Iterates of w <- w - learning_rate * grad(w) from w0: (d,); returns the path: (steps + 1, d).

    When some |w_i| exceeds ``blow_up`` this raises DivergenceError, or with ``stop_on_divergence=True``
    returns the path up to the last iterate before that, of shape (k + 1, d) with k < steps.
    """
    if not callable(grad):
        raise TypeError(f"grad must be a function of w returning the gradient, got {describe(grad)}.")
    w = float_array(w0, "w0", shape=("d",), dtype=np.float64)
    learning_rate, steps = positive_number(learning_rate, "learning_rate"), positive_int(steps, "steps")
    blow_up = positive_number(blow_up, "blow_up")
    if lambda_max is not None:
        lambda_max = positive_number(lambda_max, "lambda_max")
    path = np.empty((steps + 1, w.size))
    path[0] = w
    for t in range(1, steps + 1):
        g = grad(w)
        if t == 1:  # the shape and type once; finiteness at every step
            g = float_array(g, "grad(w)", shape=(w.size,), finite=False)
        g = np.asarray(g, dtype=np.float64)
        if g.shape != w.shape or not np.all(np.isfinite(g)):
            if g.shape != w.shape:
                raise ValueError(f"grad(w) must have shape {w.shape} like w, got {g.shape} at step {t}.")
            raise ValueError(f"grad(w) is not finite at step {t} (w = {np.array2string(w, precision=4)}): check the "
                             "gradient function there, or use a smaller learning_rate if the iterates ran away.")
        w = w - learning_rate * g
        if not np.all(np.abs(w) <= blow_up):  # also catches NaN
            if stop_on_divergence:
                return path[:t]
            i = int(np.argmax(~(np.abs(w) <= blow_up)))
            hint = (f"; on a quadratic with largest curvature {lambda_max:g} it converges only for "
                    f"learning_rate < 2/lambda_max = {2 / lambda_max:.4g}") if lambda_max else ""
            raise DivergenceError(
                f"gradient descent diverged at step {t}: |w[{i}]| = {abs(w[i]):.3g} exceeds blow_up = {blow_up:g}; "
                f"learning_rate = {learning_rate:g} is too large for the curvature here, or the function has no "
                f"minimum in that direction{hint}.")
        path[t] = w
    return path


def _offsets(offsets: Any, threshold: float) -> np.ndarray:
    y = np.abs(np.atleast_1d(float_array(offsets, "offsets")))
    if y.ndim != 1:
        raise ValueError(f"offsets must be one number or a 1-D list of numbers, got shape {y.shape}.")
    if np.any(y == 0):
        raise ValueError("an offset of 0 starts on the stable manifold: descent converges to the saddle and never "
                         "escapes; pass nonzero offsets such as 1e-3.")
    if np.any(y >= threshold):
        raise ValueError(f"every |offset| must be below threshold = {threshold:g} (the start is on the plateau), "
                         f"got {y.max():g}.")
    return y


def _threshold(threshold: Any) -> float:
    value = finite_number(threshold, "threshold")
    if not 0 < value < 1:
        raise ValueError(f"threshold must lie between 0 and 1 (the minima are at |y| = 1), got {value:g}.")
    return value


def escape_times(offsets: Any, learning_rate: float, threshold: float = 0.5, max_steps: int = 100_000) -> np.ndarray:
    """Steps until |y| > threshold for descent on the saddle from (x, offset): (len(offsets),); inf if never."""
    learning_rate = positive_number(learning_rate, "learning_rate")
    threshold = _threshold(threshold)
    y = _offsets(offsets, threshold)
    max_steps = positive_int(max_steps, "max_steps")
    # the y-coordinate of a step does not depend on x, so all offsets are advanced together
    steps = np.full(y.shape, np.inf)
    for t in range(1, max_steps + 1):
        y = y - learning_rate * (y**3 - y)
        newly = (np.abs(y) > threshold) & np.isinf(steps)
        steps[newly] = t
        if not np.isinf(steps).any():
            break
    return steps


def linearized_escape_time(offsets: Any, learning_rate: float, threshold: float = 0.5) -> np.ndarray:
    """Steps t with (1 + learning_rate)^t |offset| = threshold, for offsets: (k,) -> (k,)."""
    learning_rate = positive_number(learning_rate, "learning_rate")
    threshold = _threshold(threshold)
    return np.log(threshold / _offsets(offsets, threshold)) / np.log1p(learning_rate)


SADDLE_OUTCOMES = ("diverged", "not yet escaped", "settled", "approaching", "overshooting")


@dataclass(frozen=True)
class SaddleRun:
    """Descent on ``saddle_function`` from (1, offset): the path (k + 1, 2), what happened, and one line saying it."""

    learning_rate: float
    offset: float
    threshold: float
    path: np.ndarray  # (k + 1, 2); k = steps unless the run diverged earlier
    escape_step: int | None  # first step with |y| > threshold, when it happened within the run
    predicted_escape: float  # the linearised law log(threshold/|offset|) / log(1 + learning_rate)
    outcome: str  # one of SADDLE_OUTCOMES
    summary: str  # one line for the reader


def saddle_run(learning_rate: float, offset: float, steps: int = 150, threshold: float = 0.5,
               *, blow_up: float = 1e8) -> SaddleRun:
    """Run descent on ``saddle_function`` from (1, offset) for ``steps`` steps and describe the result truthfully."""
    learning_rate = positive_number(learning_rate, "learning_rate")
    threshold = _threshold(threshold)
    offset = finite_number(offset, "offset")
    _offsets(offset, threshold)
    steps = positive_int(steps, "steps")
    path = gradient_descent(saddle_gradient, [1.0, offset], learning_rate, steps, blow_up=blow_up,
                            stop_on_divergence=True)
    predicted = float(linearized_escape_time(offset, learning_rate, threshold)[0])
    above = np.flatnonzero(np.abs(path[:, 1]) > threshold)
    escape = int(above[0]) if above.size else None
    eta, k = learning_rate, len(path) - 1
    x_part = (f"; x does not converge either: each step multiplies it by 1 - learning_rate = {1 - eta:.2f}"
              if eta >= 2 else "")
    if k < steps:
        w = path[-1] - eta * saddle_gradient(path[-1])
        coordinate = "y" if not abs(w[1]) <= blow_up else "x"
        why = (f"along x the curvature is 1, so each step multiplies x by 1 - learning_rate = {1 - eta:.2f}"
               if coordinate == "x" else
               f"with learning rate {eta:g} y overshoots the minima so far that the y^3 term of the gradient throws "
               "it further out each step")
        return SaddleRun(eta, offset, threshold, path, escape, predicted, "diverged",
                         f"diverged at step {k + 1} (|{coordinate}| passed {blow_up:g}): {why}.")
    if escape is None:
        return SaddleRun(eta, offset, threshold, path, None, predicted, "not yet escaped",
                         f"not yet escaped after {k} steps: |y| = {abs(path[-1, 1]):.2g} is still below {threshold:g}, "
                         f"and the linearised law predicts escape at step {predicted:.0f}: add steps or start further "
                         f"from the x-axis{x_part}.")
    minimum = np.array([0.0, np.sign(offset)])
    distance = np.linalg.norm(path - minimum, axis=1)
    where = f"(0, {int(minimum[1]):+d})"
    head = f"escaped the saddle (|y| > {threshold:g}) at step {escape} (linearised law: {predicted:.1f}); "
    if k - escape >= 10 and np.all(distance[-10:] < 1e-6):
        outcome, tail = "settled", f"settled in the minimum {where}"
    elif eta < 1:
        outcome, tail = "approaching", (f"still on its way to the minimum {where}: distance {distance[-1]:.1e} "
                                        f"after {k} steps")
    else:
        why = (f"at the minima the curvature is 2 and 1 - 2 learning_rate = {1 - 2 * eta:.2f} has size >= 1, so "
               "steps there overshoot")
        if k - escape >= 10:
            last = path[-10:, 1]
            tail = (f"has not settled after {k} steps: {why}; y over the last 10 steps ranges over "
                    f"[{last.min():.3f}, {last.max():.3f}]{x_part}")
        else:
            tail = f"run more steps to watch what follows: {why}{x_part}"
        outcome = "overshooting"
    return SaddleRun(eta, offset, threshold, path, escape, predicted, outcome, head + tail + ".")


# A smooth strictly convex 2-D test function (the form of Boyd & Vandenberghe, Convex Optimization, ex. 9.20)
def _pair(w: Any) -> tuple[float, float]:
    a = float_array(w, "w", shape=(2,))
    return float(a[0]), float(a[1])


def smooth_convex_function(w: Any) -> float:
    """f(x, y) = e^(x + 3y - 0.1) + e^(x - 3y - 0.1) + e^(-x - 0.1) for w: (2,)."""
    x, y = _pair(w)
    return float(np.exp(x + 3 * y - 0.1) + np.exp(x - 3 * y - 0.1) + np.exp(-x - 0.1))


def smooth_convex_gradient(w: Any) -> np.ndarray:
    """Gradient of ``smooth_convex_function``: w: (2,) -> (2,)."""
    x, y = _pair(w)
    a, b, c = np.exp(x + 3 * y - 0.1), np.exp(x - 3 * y - 0.1), np.exp(-x - 0.1)
    return np.array([a + b - c, 3 * a - 3 * b])


def smooth_convex_hessian(w: Any) -> np.ndarray:
    """Hessian of ``smooth_convex_function``: w: (2,) -> (2, 2)."""
    x, y = _pair(w)
    a, b, c = np.exp(x + 3 * y - 0.1), np.exp(x - 3 * y - 0.1), np.exp(-x - 0.1)
    return np.array([[a + b + c, 3 * a - 3 * b], [3 * a - 3 * b, 9 * a + 9 * b]])


# gradient = 0 gives y = 0 and 2 e^x = e^-x, i.e. x = -ln(2)/2
SMOOTH_CONVEX_MINIMUM = np.array([-np.log(2) / 2, 0.0])
