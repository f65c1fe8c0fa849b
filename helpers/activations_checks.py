"""Checks of the activation exercises, judged from first principles: PyTorch autograd (float64) and sympy.

Each ``check_…`` takes a student's answer and returns a one-line success message, or raises
``exercises.ExerciseFailed`` naming the mistake in the problem's terms, or ``exercises.NotAnswered`` while the
answer is still the stub. No reference answer is stored: every reference is computed by autograd or sympy.

An answer that is a function is judged in two steps, so that the judgement can be repeated in a fresh process
(``exercises.fresh_check``), out of reach of anything changed in the student's kernel:

* ``…_outputs`` runs the student's function on given inputs (numerical warnings count as errors, so a check
  never writes to stderr), and
* ``check_…_values`` judges those outputs, which are plain arrays.

The exercises: the gradient of ReLU(b + x w) by cases (a subgradient at the kink), the derivatives of sigmoid,
tanh and LeakyReLU as NumPy functions, the softmax Jacobian from the softmax output, the backward pass of an
element-wise layer, and the derivation sigma' = sigma (1 - sigma) written step by step.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp
import torch

from helpers import activations, autograd_reference, exercises, gradcheck
from helpers.derivation import Derivation, Step
from helpers.validation import as_rng, describe

__all__ = [
    "relu_gradient_points",
    "relu_gradient_outputs",
    "check_relu_gradient_values",
    "check_relu_gradient",
    "activation_inputs",
    "activation_derivative_outputs",
    "check_activation_derivative_values",
    "check_activation_derivatives",
    "softmax_outputs_for_check",
    "softmax_jacobian_outputs",
    "check_softmax_jacobian_values",
    "check_softmax_jacobian",
    "ELEMENTWISE_FUNCTIONS",
    "elementwise_cases",
    "elementwise_backward_outputs",
    "check_elementwise_backward_values",
    "check_elementwise_backward",
    "derivation_steps",
    "check_sigmoid_derivation",
]

_TOL = 1e-9  # relative error below which an answer agrees with autograd (float64 rounding is ~1e-16)


def _g(v: float) -> str:
    return f"{v:.4g}"


def _run(fn: Any, *args: Any, name: str, signature: str, hints: dict[str, str] | None = None) -> Any:
    """``fn(*args)`` through ``exercises.call_answer``, with numerical warnings raised as errors (nothing on stderr).

    ``hints`` maps a piece of an error's text to a sentence explaining the mistake behind it.
    """
    if fn is not None and not callable(fn):
        raise exercises.ExerciseFailed(f"{name} must be a function {signature}, got {describe(fn)}: define it with "
                                       f"def {signature}: in the answer cell.")
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return exercises.call_answer(fn, *args, name=name)
        except exercises.ExerciseFailed as err:
            text = str(err)
            hint = next((h for key, h in (hints or {}).items() if key in text), "")
            raise exercises.ExerciseFailed(f"{text}: {hint}." if hint else text) from None


def _numbers(value: Any, name: str, what: str) -> np.ndarray:
    """A student's result as a float array, or ExerciseFailed saying what it was instead."""
    if value is None:
        raise exercises.ExerciseFailed(f"{name} returned None: did you forget to `return` {what}?")
    if isinstance(value, torch.Tensor):
        value = value.detach().numpy()
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise exercises.ExerciseFailed(f"{name} must return {what}, got {describe(value)}.") from None
    if not np.all(np.isfinite(array)):
        raise exercises.ExerciseFailed(f"{name} returned NaN or infinity: {what} is finite everywhere.")
    return array


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and gradcheck.relative_error(a, b) < _TOL


# ------------------------------------------------------------------------------------------ ReLU(b + x w)
def relu_gradient_points(random_state: Any = 0) -> np.ndarray:
    """(b, w, x) rows: 40 random points off the kink (|b + x w| > 0.1, both sides) and 4 exactly on it; (44, 3)."""
    rng = as_rng(random_state)
    off: list[tuple[float, float, float]] = []
    while len(off) < 40:
        b, w, x = rng.normal(scale=2.0, size=3)
        side = sum((p[0] + p[2] * p[1] > 0) == (b + x * w > 0) for p in off)
        if abs(b + x * w) > 0.1 and side < 30:  # at least 10 points on each side of the kink
            off.append((float(b), float(w), float(x)))
    # on the kink: x and w are multiples of 1/4, so b = -x w is exact and b + x w == 0 in floating point
    x = rng.choice([-2.5, -1.5, -0.5, 0.75, 1.25, 2.0, 3.0], size=4, replace=False)
    w = rng.integers(-12, 13, size=4) / 4
    kink = np.stack([-(x * w), w, x], axis=1)
    return np.vstack([np.array(off), kink])


def relu_gradient_outputs(relu_gradient: Any, points: Any) -> np.ndarray:
    """The student's ``relu_gradient(b, w, x)`` at each row of ``points``: (P, 3) -> (P, 2)."""
    rows = []
    for b, w, x in np.asarray(points, dtype=float):
        out = _run(relu_gradient, float(b), float(w), float(x), name="relu_gradient",
                   signature="relu_gradient(b, w, x)")
        g = _numbers(out, "relu_gradient", "the pair (df/db, df/dw)")
        if g.shape != (2,):
            raise exercises.ExerciseFailed(f"relu_gradient(b, w, x) must return the pair (df/db, df/dw) of two "
                                           f"numbers, got shape {g.shape} at (b, w, x) = ({_g(b)}, {_g(w)}, {_g(x)}).")
        rows.append(g)
    return np.array(rows)


def _relu_autograd(points: np.ndarray) -> np.ndarray:
    b = torch.tensor(points[:, 0], dtype=torch.float64, requires_grad=True)
    w = torch.tensor(points[:, 1], dtype=torch.float64, requires_grad=True)
    x = torch.tensor(points[:, 2], dtype=torch.float64)
    torch.relu(b + x * w).sum().backward()
    return np.stack([b.grad.numpy(), w.grad.numpy()], axis=1)


def _at(point: np.ndarray) -> str:
    b, w, x = point
    return f"(b, w, x) = ({_g(b)}, {_g(w)}, {_g(x)})"


def _relu_off_kink(points: np.ndarray, outputs: np.ndarray, u: np.ndarray) -> None:
    """ExerciseFailed for the first wrong gradient off the kink, naming a swap or a missing case if there is one."""
    ref = _relu_autograd(points)
    tol = _TOL * np.maximum(1.0, np.abs(points[:, 2]))
    off = u != 0
    wrong = off & np.any(np.abs(outputs - ref) > tol[:, None], axis=1)
    if not wrong.any():
        return
    up, down = off & (u > 0), off & (u < 0)
    i = int(np.argmax(wrong))
    g, r = outputs[i], ref[i]
    first_up = int(np.argmax(wrong & up)) if (wrong & up).any() else None
    if first_up is not None and np.all(np.abs(outputs[up] - ref[up][:, ::-1]) <= tol[up, None]):
        j = first_up
        raise exercises.ExerciseFailed(
            f"at {_at(points[j])}, where b + x w = {_g(u[j])} > 0, your gradient is ({_g(outputs[j][0])}, "
            f"{_g(outputs[j][1])}) = (x, 1), but df/db = 1 and df/dw = x: the two entries are swapped (the gradient "
            "is ordered (df/db, df/dw), and d(b + x w)/db = 1, d(b + x w)/dw = x).")
    ones = np.stack([np.ones(int(down.sum())), points[down, 2]], axis=1)
    if (wrong & down).any() and np.all(np.abs(outputs[down] - ones) <= tol[down, None]):
        j = int(np.argmax(wrong & down))
        raise exercises.ExerciseFailed(
            f"at {_at(points[j])}, where b + x w = {_g(u[j])} < 0, your gradient is (1, x) = (1, {_g(points[j][2])}), "
            "but ReLU is flat (zero) on that side of the kink, so the gradient there is (0, 0): the case "
            "b + x w < 0 is missing.")
    side = "> 0" if u[i] > 0 else "< 0"
    raise exercises.ExerciseFailed(
        f"at {_at(points[i])}, where b + x w = {_g(u[i])} {side}, your gradient is ({_g(g[0])}, {_g(g[1])}), "
        f"but torch autograd gives ({_g(r[0])}, {_g(r[1])}).")


def check_relu_gradient_values(points: Any, outputs: Any) -> str:
    """Judge ``outputs`` (P, 2) = relu_gradient at ``points`` (P, 3): autograd off the kink, a subgradient on it."""
    points = np.asarray(points, dtype=float)
    outputs = _numbers(outputs, "relu_gradient", "pairs (df/db, df/dw)")
    if outputs.shape != (len(points), 2):
        raise exercises.ExerciseFailed(f"expected one pair (df/db, df/dw) per point, shape ({len(points)}, 2), "
                                       f"got shape {outputs.shape}.")
    b, w, x = points.T
    u = b + x * w
    _relu_off_kink(points, outputs, u)
    thetas = []
    for point, g, xi in zip(points[u == 0], outputs[u == 0], x[u == 0], strict=True):
        theta = g[0]
        if abs(g[1] - theta * xi) > _TOL * max(1.0, abs(xi)):
            raise exercises.ExerciseFailed(
                f"at the kink {_at(point)}, where b + x w = 0, your gradient ({_g(g[0])}, {_g(g[1])}) is not of the "
                f"form θ (1, x) = (θ, {_g(xi)} θ): every subgradient there points along (1, x).")
        if not -_TOL <= theta <= 1 + _TOL:
            bound = "> 1" if theta > 1 else "< 0"
            raise exercises.ExerciseFailed(
                f"at b + x w = 0, {_at(point)}, your gradient ({_g(g[0])}, {_g(g[1])}) is not a subgradient: "
                f"θ = {_g(theta)} {bound}; θ (1, x) is one only for 0 ≤ θ ≤ 1 (torch.relu takes θ = 0, "
                "torch.clamp θ = 1).")
        thetas.append(round(float(theta), 6))
    kinds = ", ".join(_g(t) for t in sorted(set(thetas)))
    return (f"relu_gradient agrees with torch autograd at {int(np.sum(u != 0))} points off the kink, and at the kink "
            f"b + x w = 0 it returns a subgradient θ (1, x) with θ = {kinds}")


def check_relu_gradient(relu_gradient: Any) -> str:
    """The student's ``relu_gradient(b, w, x)`` at ``relu_gradient_points()``, judged against autograd."""
    points = relu_gradient_points()
    return check_relu_gradient_values(points, relu_gradient_outputs(relu_gradient, points))


# ------------------------------------------------------------------------------------------ sigmoid, tanh, LeakyReLU
def activation_inputs(random_state: Any = 0) -> tuple[np.ndarray, float]:
    """z: (6, 10) with 0, ±1e-3, ±5, ±30 and ±800 (where exp overflows) among normal values; alpha for LeakyReLU."""
    rng = as_rng(random_state)
    special = [0.0, 1e-3, -1e-3, 5.0, -5.0, 30.0, -30.0, 800.0, -800.0]
    z = np.concatenate([special, rng.normal(scale=3.0, size=60 - len(special))])
    alpha = float(rng.choice([0.05, 0.1, 0.2, 0.25, 0.3]))  # exact in float32 or not: torch uses float64 here
    return rng.permutation(z).reshape(6, 10), alpha


_OVERFLOW = ("the check uses |z| up to 800, where np.exp(800) is larger than any float: compute σ with "
             "scipy.special.expit (or tanh with np.tanh), which never overflow")
_NOT_NUMPY = "write it with NumPy (np.tanh, np.where, ...) so that it works on whole arrays"


def activation_derivative_outputs(sigmoid_grad: Any, tanh_grad: Any, leaky_relu_grad: Any, z: Any,
                                  alpha: float) -> dict[str, np.ndarray]:
    """The student's three derivatives on z (each on its own copy): z: any shape -> {"sigmoid", "tanh", "leaky_relu"}
    of arrays of the same shape."""
    z = np.asarray(z, dtype=float)
    hints = {"FloatingPointError": _OVERFLOW, "only length-1 arrays": _NOT_NUMPY, "only 0-dimensional": _NOT_NUMPY,
             "truth value of an array": _NOT_NUMPY}
    calls = {"sigmoid": (sigmoid_grad, (z.copy(),), "sigmoid_grad(z)"),
             "tanh": (tanh_grad, (z.copy(),), "tanh_grad(z)"),
             "leaky_relu": (leaky_relu_grad, (z.copy(), alpha), "leaky_relu_grad(z, alpha)")}
    out = {}
    for key, (fn, args, signature) in calls.items():
        name = signature.split("(")[0]
        value = _numbers(_run(fn, *args, name=name, signature=signature, hints=hints), name, "an array of z's shape")
        if value.shape != z.shape:
            raise exercises.ExerciseFailed(f"{name} must return an array of z's shape {z.shape} (one derivative per "
                                           f"entry), got shape {value.shape}.")
        out[key] = value
    return out


def _elementwise_autograd(f: Callable[[torch.Tensor], torch.Tensor], z: np.ndarray) -> np.ndarray:
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    f(t).sum().backward()
    return t.grad.numpy()


def _first_difference(name: str, got: np.ndarray, ref: np.ndarray, z: np.ndarray) -> str:
    i = np.unravel_index(int(np.argmax(np.abs(got - ref))), got.shape)
    return (f"{name} differs from torch autograd: at z = {_g(z[i])} it gives {_g(got[i])} instead of {_g(ref[i])} "
            f"(relative error {gradcheck.relative_error(got, ref):.2g})")


def check_activation_derivative_values(z: Any, alpha: float, outputs: dict[str, Any]) -> str:
    """Judge the three derivatives' ``outputs`` on ``z`` against autograd of torch.sigmoid, torch.tanh, leaky_relu."""
    z = np.asarray(z, dtype=float)
    got = {k: _numbers(outputs.get(k), k + "_grad", "an array of z's shape") for k in ("sigmoid", "tanh", "leaky_relu")}
    s, t = activations.sigmoid(z), np.tanh(z)  # sigma and tanh themselves, to name mistakes
    references = {
        "sigmoid": _elementwise_autograd(torch.sigmoid, z),
        "tanh": _elementwise_autograd(torch.tanh, z),
        "leaky_relu": _elementwise_autograd(lambda v: torch.nn.functional.leaky_relu(v, alpha), z),
    }
    known = {  # known wrong answers -> what went wrong
        "sigmoid": [(s * (1 + s), "that is σ(1 + σ): d/dz 1/(1 + e^(-z)) = e^(-z)/(1 + e^(-z))² = σ(1 - σ), with a "
                                  "minus (from the derivative of e^(-z))"),
                    (s, "that is σ itself, not its derivative σ(1 - σ)"),
                    (1 - s * s, "that is 1 - σ², the pattern of tanh'; the sigmoid's derivative is σ(1 - σ)")],
        "tanh": [(1 - t, "that is 1 - tanh(z): the derivative is 1 - tanh²(z), the square is missing"),
                 (1 + t * t, "that is 1 + tanh²(z): the derivative is 1 - tanh²(z) (sinh/cosh by the quotient rule)"),
                 (t * (1 - t), "that is tanh(1 - tanh), the pattern of σ'; tanh' is 1 - tanh²")],
        "leaky_relu": [(np.where(z > 0, 1.0, 0.0), "that is ReLU's derivative: for z < 0 LeakyReLU has slope α, not 0"),
                       (np.where(z > 0, 1.0, 0.01), f"for z < 0 it gives 0.01, whatever alpha is passed: use the "
                                                    f"argument alpha (here {_g(alpha)})"),
                       (np.where(z >= 0, 1.0, alpha), "at z = 0 it gives 1: a valid subgradient, but PyTorch and "
                                                      "TensorFlow (and this exercise) take α there, the slope of the "
                                                      "left piece; use z > 0 for the branch that gives 1")],
    }
    for key, ref in references.items():
        name = key + "_grad"
        if got[key].shape != z.shape:
            raise exercises.ExerciseFailed(f"{name} must return an array of z's shape {z.shape}, got {got[key].shape}.")
        if _close(got[key], ref):
            continue
        why = next((text for wrong, text in known[key] if _close(got[key], wrong)), None)
        if why is not None:
            raise exercises.ExerciseFailed(f"{name} is not right: {why}.")
        raise exercises.ExerciseFailed(_first_difference(name, got[key], ref, z) + ".")
    return (f"sigmoid_grad, tanh_grad and leaky_relu_grad (alpha = {_g(alpha)}) agree with torch autograd on {z.size} "
            f"values of z, |z| up to {_g(float(np.abs(z).max()))} and z = 0 included")


def check_activation_derivatives(sigmoid_grad: Any, tanh_grad: Any, leaky_relu_grad: Any) -> str:
    """The student's three derivative functions on ``activation_inputs()``, judged against autograd."""
    z, alpha = activation_inputs()
    outputs = activation_derivative_outputs(sigmoid_grad, tanh_grad, leaky_relu_grad, z, alpha)
    return check_activation_derivative_values(z, alpha, outputs)


# ------------------------------------------------------------------------------------------ softmax Jacobian
def softmax_outputs_for_check(random_state: Any = 0) -> list[np.ndarray]:
    """Softmax outputs y of K = 3, 4, 10 random logits and of K = 5 large ones (y almost one-hot); each (K,)."""
    rng = as_rng(random_state)
    logits = [rng.normal(size=3), rng.normal(scale=2.0, size=4), rng.normal(scale=3.0, size=10),
              12.0 * rng.normal(size=5)]
    return [activations.softmax(z) for z in logits]


def softmax_jacobian_outputs(softmax_jacobian: Any, ys: Sequence[Any]) -> list[np.ndarray]:
    """The student's ``softmax_jacobian(y)`` for each y (given a copy): a list of float arrays."""
    out = []
    for y in ys:
        value = _run(softmax_jacobian, np.array(y, dtype=float), name="softmax_jacobian",
                     signature="softmax_jacobian(y)")
        out.append(_numbers(value, "softmax_jacobian", "the (K, K) matrix J[k, i] = dy_k/dz_i"))
    return out


def _softmax_autograd(y: np.ndarray) -> np.ndarray:
    """Jacobian of torch.softmax at logits log(y), whose softmax is y."""
    z = torch.tensor(np.log(y), dtype=torch.float64)
    return torch.autograd.functional.jacobian(lambda t: torch.softmax(t, -1), z).numpy()


_DIAGONAL_ONLY = ("you returned only the diagonal y_k (1 - y_k): every output depends on every logit through the "
                  "shared normaliser Σ_j exp(z_j), so dy_k/dz_i = -y_k y_i for i ≠ k, and J = diag(y) - y yᵀ")


def check_softmax_jacobian_values(ys: Sequence[Any], outputs: Sequence[Any]) -> str:
    """Judge ``outputs[j]`` = softmax_jacobian(ys[j]) against torch.autograd.functional.jacobian, naming mistakes."""
    if len(outputs) != len(ys):
        raise exercises.ExerciseFailed(f"expected one Jacobian per softmax output ({len(ys)}), got {len(outputs)}.")
    for y, J in zip(ys, outputs, strict=True):
        y, J = np.asarray(y, dtype=float), _numbers(J, "softmax_jacobian", "the (K, K) matrix J[k, i] = dy_k/dz_i")
        K = len(y)
        if J.shape == (K,) and _close(J, y * (1 - y)):
            raise exercises.ExerciseFailed(f"softmax_jacobian must return a ({K}, {K}) matrix: {_DIAGONAL_ONLY}.")
        if J.shape != (K, K):
            raise exercises.ExerciseFailed(f"softmax_jacobian(y) for y of shape ({K},) must return the ({K}, {K}) "
                                           f"matrix J[k, i] = dy_k/dz_i, got shape {J.shape}.")
        ref = _softmax_autograd(y)
        if _close(J, ref):
            continue
        known = [
            (np.diag(y * (1 - y)), _DIAGONAL_ONLY),
            (-ref, "it has the wrong sign everywhere: J = diag(y) - y yᵀ, not y yᵀ - diag(y)"),
            (-np.outer(y, y), "the diagonal lacks its y_k δ_ki term (from differentiating exp(z_k) in the numerator): "
                              "J = diag(y) - y yᵀ"),
            (np.diag(y), "the off-diagonal entries -y_k y_i are missing (and -y_k² on the diagonal): "
                         "J = diag(y) - y yᵀ"),
        ]
        if np.all(y > 0):
            again = activations.softmax(y)
            known.append((np.diag(again) - np.outer(again, again),
                          "that is the Jacobian at logits z = y: y is already the softmax OUTPUT, so use it as it is "
                          "(J = diag(y) - y yᵀ), without applying the softmax again"))
        why = next((text for wrong, text in known if _close(J, wrong)), None)
        if why is not None:
            raise exercises.ExerciseFailed(f"softmax_jacobian is not right for K = {K}: {why}.")
        comparison = gradcheck.compare(J, ref)
        raise exercises.ExerciseFailed(comparison.explain(f"softmax_jacobian(y) for K = {K}",
                                                          "torch.autograd.functional.jacobian") + " (entries [k, i]).")
    sizes = ", ".join(str(len(y)) for y in ys)
    return f"softmax_jacobian agrees with torch.autograd.functional.jacobian for K = {sizes} (to {_TOL:.0e})"


def check_softmax_jacobian(softmax_jacobian: Any) -> str:
    """The student's ``softmax_jacobian(y)`` on ``softmax_outputs_for_check()``, judged against autograd."""
    ys = softmax_outputs_for_check()
    return check_softmax_jacobian_values(ys, softmax_jacobian_outputs(softmax_jacobian, ys))


# ------------------------------------------------------------------------------------------ element-wise backward
# name -> (h' in NumPy, given to the student's function; h in torch, for autograd): functions whose derivatives are
# not exercises themselves, so that this module gives no answer away. softplus(x) = log(1 + e^x), softplus' = sigma.
ELEMENTWISE_FUNCTIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[torch.Tensor], torch.Tensor]]] = {
    "softplus": (activations.sigmoid, lambda t: torch.logaddexp(torch.zeros_like(t), t)),
    "sin": (np.cos, torch.sin),
}


def elementwise_cases(random_state: Any = 0) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(h's name, X, dL/dY) for a square batch (4, 4), a batch (5, 3) and a vector (6,)."""
    rng = as_rng(random_state)
    return [(name, rng.normal(scale=2.0, size=shape), rng.normal(size=shape))
            for name, shape in (("softplus", (4, 4)), ("sin", (5, 3)), ("softplus", (6,)))]


_MATRIX_PRODUCT = ("you multiplied dL/dY and h'(X) as matrices (@ or np.dot): each Y[n, j] depends only on X[n, j], "
                   "so the backward multiplies entry by entry, dL/dY * h'(X)")


def elementwise_backward_outputs(elementwise_backward: Any,
                                 cases: Sequence[tuple[str, Any, Any]]) -> list[np.ndarray]:
    """The student's ``elementwise_backward(grad_output, X, h_prime)`` for each case (copies of X and dL/dY)."""
    hints = {"matmul": _MATRIX_PRODUCT, "not aligned": _MATRIX_PRODUCT}
    out = []
    for name, X, G in cases:
        h_prime = ELEMENTWISE_FUNCTIONS[name][0]
        value = _run(elementwise_backward, np.array(G, dtype=float), np.array(X, dtype=float), h_prime,
                     name="elementwise_backward", signature="elementwise_backward(grad_output, X, h_prime)",
                     hints=hints)
        out.append(_numbers(value, "elementwise_backward", "dL/dX, an array of X's shape"))
    return out


def check_elementwise_backward_values(cases: Sequence[tuple[str, Any, Any]], outputs: Sequence[Any]) -> str:
    """Judge ``outputs`` (dL/dX for each case) against autograd of sum(h(X) * dL/dY), naming known mistakes."""
    if len(outputs) != len(cases):
        raise exercises.ExerciseFailed(f"expected one dL/dX per case ({len(cases)}), got {len(outputs)}.")
    for (name, X, G), got in zip(cases, outputs, strict=True):
        X, G = np.asarray(X, dtype=float), np.asarray(G, dtype=float)
        got = _numbers(got, "elementwise_backward", "dL/dX, an array of X's shape")
        h = ELEMENTWISE_FUNCTIONS[name][1]
        upstream = torch.tensor(G)
        _, ref = autograd_reference.autograd_gradients(lambda X, h=h, g=upstream: (h(X) * g).sum(), {"X": X})
        _, slope = autograd_reference.autograd_gradients(lambda X, h=h: h(X).sum(), {"X": X})
        ref, slope = ref["X"], slope["X"]  # dL/dX and h'(X)
        if got.shape != X.shape:
            hint = f": {_MATRIX_PRODUCT}" if got.shape in ((), (X.shape[0], X.shape[0])) and X.ndim <= 2 else ""
            raise exercises.ExerciseFailed(f"elementwise_backward must return dL/dX of X's shape {X.shape}, got "
                                           f"{got.shape}{hint}.")
        if _close(got, ref):
            continue
        value = h(torch.tensor(X)).numpy()
        known = [(G * value, "you multiplied dL/dY by h(X), not by its derivative h'(X): call h_prime(X)"),
                 (slope, "you returned h'(X) alone: the chain rule multiplies it by the upstream gradient dL/dY "
                         "(grad_output)"),
                 (G, "you returned dL/dY unchanged: multiply it by h'(X)")]
        if X.ndim == 2 and X.shape[0] == X.shape[1]:
            known += [(G @ slope, _MATRIX_PRODUCT), (slope @ G, _MATRIX_PRODUCT), (G.T @ slope, _MATRIX_PRODUCT)]
        why = next((text for wrong, text in known if _close(got, wrong)), None)
        if why is not None:
            raise exercises.ExerciseFailed(f"elementwise_backward is not right (h = {name}, X of shape {X.shape}): "
                                           f"{why}.")
        raise exercises.ExerciseFailed(gradcheck.compare(got, ref).explain(
            f"your dL/dX for h = {name}, X of shape {X.shape},", "torch autograd") + ".")
    shapes = ", ".join(str(np.shape(X)) for _, X, _ in cases)
    names = " and ".join(sorted({name for name, _, _ in cases}))
    return f"elementwise_backward agrees with torch autograd for h = {names} on inputs of shape {shapes}"


def check_elementwise_backward(elementwise_backward: Any) -> str:
    """The student's ``elementwise_backward`` on ``elementwise_cases()``, judged against autograd."""
    cases = elementwise_cases()
    return check_elementwise_backward_values(cases, elementwise_backward_outputs(elementwise_backward, cases))


# ------------------------------------------------------------------------------------------ sigma' step by step
def derivation_steps(derivation: Any) -> tuple[tuple[Any, str, bool, dict], ...]:
    """A Derivation's steps as plain (expr, why, given, subs) tuples, which a fresh process can unpickle."""
    if isinstance(derivation, Derivation):
        return tuple((s.expr, s.why, s.given, dict(s.subs)) for s in derivation.steps)
    return derivation  # not a Derivation: check_sigmoid_derivation says what it is


def _as_derivation(answer: Any) -> Derivation:
    answer = exercises.answer_given(answer, "sigmoid_derivation", "a Derivation built with .step(...)")
    if isinstance(answer, Derivation):
        steps = derivation_steps(answer)
    elif isinstance(answer, tuple) and all(isinstance(s, tuple) and len(s) == 4 for s in answer):
        steps = answer
    else:
        raise exercises.ExerciseFailed(f"sigmoid_derivation must be a Derivation (helpers.derivation), got "
                                       f"{describe(answer)}: start with sigmoid_derivation = Derivation(\"sigmoid'\").")
    try:  # rebuilt from its steps, so the checking is the workbook's own whatever the answer's class does
        return Derivation("sigmoid'", [Step(expr, why, given, subs) for expr, why, given, subs in steps])
    except (TypeError, ValueError) as err:
        raise exercises.ExerciseFailed(f"sigmoid_derivation has a step that cannot be checked: {err}") from None


def check_sigmoid_derivation(answer: Any) -> str:
    """A Derivation from d/dz 1/(1 + exp(-z)) to sigma (1 - sigma): each step verified, the first named if not."""
    d = _as_derivation(answer)
    if len(d.steps) < 3:
        raise exercises.ExerciseFailed(
            f"sigmoid_derivation has {len(d.steps)} step(s): write the derivative, at least one intermediate step "
            "(the chain rule), and σ(1 - σ) last, so that each step can be checked against the one before.")
    first = d.steps[0].expr
    start = first.lhs if isinstance(first, sp.Equality) else first
    if not isinstance(start, sp.Derivative) or len(start.variables) != 1:
        raise exercises.ExerciseFailed(f"step 1 must be the derivative to compute, sp.Derivative(sig, z), got {start}.")
    z = start.variables[0]
    sigma = 1 / (1 + sp.exp(-z))
    if sp.simplify(start.expr - sigma) != 0:
        raise exercises.ExerciseFailed(f"step 1 must differentiate σ(z) = 1/(1 + exp(-z)), but it differentiates "
                                       f"{start.expr}.")
    if isinstance(first, sp.Equality) and sp.simplify(first.lhs.doit() - first.rhs) != 0:
        raise exercises.ExerciseFailed(f"step 1 (given) is not true: {first.lhs.doit()} is not {first.rhs}.")
    later_given = [i + 1 for i, s in enumerate(d.steps) if s.given and i > 0]
    with_subs = [i + 1 for i, s in enumerate(d.steps) if s.subs]
    if later_given or with_subs:
        which = ", ".join(map(str, later_given or with_subs))
        what = "given=True" if later_given else "a substitution (subs=...)"
        raise exercises.ExerciseFailed(f"step {which} uses {what}, so it is not checked against the step before: "
                                       "only step 1 is given, and every later step must equal the one before it.")
    bad = d.verify().first_failure
    if bad is not None:
        raise exercises.ExerciseFailed(f"step {bad.index + 1} ({d.steps[bad.index].why}) does not follow from step "
                                       f"{bad.index}: {bad.detail or 'sympy could not show the two equal'}.")
    last = d.steps[-1].expr
    last = last.rhs if isinstance(last, sp.Equality) else last
    s = sp.Dummy("sigma")
    in_sigma = last.subs(sigma, s)
    if z in in_sigma.free_symbols or sp.simplify(in_sigma - s * (1 - s)) != 0:
        raise exercises.ExerciseFailed(
            f"every step follows, but the last one, {last}, is not yet written as σ(1 - σ): end with "
            "sig * (1 - sig), where sig = 1 / (1 + sp.exp(-z)).")
    return f"all {len(d.steps)} steps of sigmoid_derivation follow, from d/dz σ(z) to σ(z)(1 - σ(z))"
