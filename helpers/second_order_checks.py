"""Checks of the exercises on convexity, second order and regularisation, with feedback in the problem's terms.

Every reference is computed from first principles: Hessians and gradients by torch autograd (float64), the
dropout expectations by ``sympy.stats``, a derivation by ``Derivation.verify``; no stored answer. A check of a
student's function has two parts: ``*_cases(random_state)`` builds the inputs, ``outputs_of`` runs the student's
function on them, and ``check_*_outputs(outputs, random_state)`` rebuilds the same inputs from the seed and judges
the outputs, so a hidden test can run that judgement in a fresh process (``exercises.fresh_check``).
Each check returns a one-line success message or raises ``ExerciseFailed`` / ``NotAnswered``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp
import torch
from sympy.stats import E, Normal

from helpers import batch_norm, exercises, gradcheck, validation
from helpers.derivation import Derivation
from helpers.exercises import ExerciseFailed

__all__ = [
    "outputs_of",
    "logistic_cases",
    "check_logistic_hessian_outputs",
    "check_logistic_hessian",
    "PSD_SYMBOLS",
    "psd_quadratic_form",
    "check_psd_derivation",
    "softmax_cases",
    "check_softmax_hessian_outputs",
    "check_softmax_hessian",
    "batch_norm_cases",
    "check_batch_norm_backward_outputs",
    "check_batch_norm_backward",
    "check_dropout_penalty",
    "dropout_cases",
    "check_dropout_expected_gradient_outputs",
    "check_dropout_expected_gradient",
]

TOL = 1e-6  # relative error below which a result agrees with its reference (rounding only)


# ------------------------------------------------------------------------------------------ shared
def outputs_of(fn: Any, cases: Sequence[tuple], name: str) -> list[Any]:
    """``fn(*case)`` for each case (on copies, so the cases stay intact); the stub is NotAnswered, errors are named."""
    exercises.answer_given(fn, name, "a function (complete the def in the answer cell)")
    if not callable(fn):
        raise ExerciseFailed(f"{name} must be a function, got {validation.describe(fn)}: keep the def of the answer "
                             f"cell and write its body.")
    return [exercises.call_answer(fn, *(np.array(a) if isinstance(a, np.ndarray) else a for a in case), name=name)
            for case in cases]


def _close(a: np.ndarray, b: np.ndarray, tol: float = TOL) -> bool:
    return gradcheck.relative_error(a, b) < tol if np.any(b) else bool(np.abs(a).max(initial=0.0) < tol)


def _array(value: Any, shape: tuple[int, ...], call: str) -> np.ndarray:
    """The student's result as a finite float array of ``shape``; ExerciseFailed says what came back instead."""
    want = f"an array of shape {shape}"
    if value is None:
        raise ExerciseFailed(f"{call} returned None: did you forget the `return`? It must return {want}.")
    try:
        a = np.asarray(value.detach() if isinstance(value, torch.Tensor) else value, dtype=float)
    except Exception:  # noqa: BLE001 - a student may return anything; say what it was
        raise ExerciseFailed(f"{call} returned {validation.describe(value)}; it must return {want}.") from None
    if a.shape != shape:
        hint = " (only the diagonal?)" if a.shape == shape[:1] and len(shape) == 2 else ""
        raise ExerciseFailed(f"{call} returned an array of shape {a.shape}{hint}; it must return {want}.")
    if not np.all(np.isfinite(a)):
        raise ExerciseFailed(f"{call} returned {np.array2string(a, precision=3)}, which holds NaN or infinity.")
    return a


def _outputs(outputs: Any, count: int, name: str) -> list[Any]:
    if not isinstance(outputs, (list, tuple)) or len(outputs) != count:
        raise ExerciseFailed(f"expected the {count} results of {name} on the check's inputs, got "
                             f"{validation.describe(outputs)}: compute them with outputs_of.")
    return list(outputs)


def _numbers(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a, dtype=float), precision=3, suppress_small=True)


# ------------------------------------------------------------------------------------------ logistic Hessian
_ENTRIES = {(0, 0): "d²E/dw²", (0, 1): "d²E/dw db", (1, 0): "d²E/db dw", (1, 1): "d²E/db²"}


def logistic_cases(random_state: Any = 0) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Inputs (theta: (2,), x: (N,), y: (N,)): a data set, the same with labels flipped, another theta, another set."""
    rng = validation.as_rng(random_state)
    x, x2 = rng.normal(scale=1.5, size=12), rng.normal(size=5)
    y = np.resize([0.0, 1.0], 12)[rng.permutation(12)]
    y2 = (rng.random(5) < 0.5).astype(float)
    theta = rng.normal(size=2)
    return [(theta, x, y), (theta, x, 1 - y), (theta + rng.uniform(0.8, 1.5, size=2), x, y), (-theta, x2, y2)]


def _logistic_reference(theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    X, Y = torch.tensor(x), torch.tensor(y)

    def loss(t: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.binary_cross_entropy_with_logits(t[0] * X + t[1], Y, reduction="sum")

    return torch.autograd.functional.hessian(loss, torch.tensor(theta)).numpy()


def check_logistic_hessian_outputs(outputs: Any, random_state: Any = 0) -> str:
    """Judge the results of logistic_hessian on ``logistic_cases(random_state)`` against torch autograd's Hessian."""
    cases = logistic_cases(random_state)
    calls = [f"logistic_hessian(theta, x, y) for theta = {_numbers(t)} and N = {len(x)} points" for t, x, _ in cases]
    H = [_array(o, (2, 2), c) for o, c in zip(_outputs(outputs, len(cases), "logistic_hessian"), calls, strict=True)]
    refs = [_logistic_reference(*c) for c in cases]
    if not _close(H[1], H[0]):
        raise ExerciseFailed("your Hessian changes when the labels are flipped (y -> 1 - y), but the labels drop out "
                             "of the Hessian: differentiating the gradient sum_n (y_hat_n - y_n)(x_n, 1) once more "
                             "leaves y_hat_n(1 - y_hat_n), in which y_n does not appear.")
    unweighted = [np.array([[x @ x, x.sum()], [x.sum(), len(x)]]) for _, x, _ in cases]
    if all(_close(h, u) for h, u in zip(H, unweighted, strict=True)):
        raise ExerciseFailed("your Hessian is sum_n [[x_n², x_n], [x_n, 1]] without the weights y_hat_n(1 - y_hat_n): "
                             "differentiating y_hat_n = sigma(w x_n + b) brings in sigma' = y_hat_n(1 - y_hat_n).")
    if _close(H[2], H[0]) and not _close(refs[2], refs[0], 1e-2):
        raise ExerciseFailed("your Hessian does not change with theta = (w, b), but it must: each data point is "
                             "weighted by y_hat_n(1 - y_hat_n), and y_hat_n depends on w and b.")
    for h, ref, call, (_, x, _) in zip(H, refs, calls, cases, strict=True):
        comparison = gradcheck.compare(h, ref)
        if comparison.ok(TOL):
            continue
        if not np.isclose(h[0, 1], h[1, 0], rtol=1e-9):
            raise ExerciseFailed(f"{call} is not symmetric: d²E/dw db = {h[0, 1]:.6g} but d²E/db dw = {h[1, 0]:.6g}; "
                                 "the order of differentiation does not matter.")
        if comparison.factor is not None and np.isclose(comparison.factor, 1 / len(x), rtol=1e-6):
            raise ExerciseFailed(f"{call} is exactly 1/N = 1/{len(x)} times autograd's Hessian: E is a sum over the "
                                 "data, not a mean.")
        if comparison.factor is not None:
            raise ExerciseFailed(f"{call} is exactly {comparison.factor:.6g} times autograd's Hessian.")
        i = comparison.worst_index
        raise ExerciseFailed(f"{call}: {_ENTRIES[i]} is {h[i]:.6g}, but autograd gives {ref[i]:.6g} "
                             f"(relative error {comparison.error:.2g}).")
    error = max(gradcheck.relative_error(h, r) for h, r in zip(H, refs, strict=True))
    return f"logistic_hessian agrees with torch autograd on {len(cases)} data sets (relative error {error:.1e})"


def check_logistic_hessian(logistic_hessian: Callable[..., Any]) -> str:
    """The student's logistic_hessian(theta, x, y) -> (2, 2), judged by ``check_logistic_hessian_outputs``."""
    return check_logistic_hessian_outputs(outputs_of(logistic_hessian, logistic_cases(0), "logistic_hessian"), 0)


# ------------------------------------------------------------------------------------------ PSD derivation
PSD_SYMBOLS = {name: sp.Symbol(name, real=True) for name in ("w", "b", "v_1", "v_2", "x_1", "x_2", "y_1", "y_2")}
_NOT_A_PROOF = (sp.Abs, sp.Max, sp.Min, sp.Piecewise, sp.sign)


@functools.lru_cache(maxsize=1)
def psd_quadratic_form() -> sp.Expr:
    """v^T H v, H the (unevaluated) Hessian of the logistic E(w, b) on two data points; symbols of ``PSD_SYMBOLS``."""
    w, b, v_1, v_2, x_1, x_2, y_1, y_2 = PSD_SYMBOLS.values()
    y_hat_1, y_hat_2 = 1 / (1 + sp.exp(-(w * x_1 + b))), 1 / (1 + sp.exp(-(w * x_2 + b)))
    E_ = (-(y_1 * sp.log(y_hat_1) + (1 - y_1) * sp.log(1 - y_hat_1))
          - (y_2 * sp.log(y_hat_2) + (1 - y_2) * sp.log(1 - y_hat_2)))
    H = sp.Matrix(2, 2, lambda i, j: sp.Derivative(E_, (w, b)[i], (w, b)[j]))
    v = sp.Matrix([v_1, v_2])
    return (v.T * H * v)[0]


def _short(expr: Any, width: int = 90) -> str:
    text = sp.sstr(expr)
    return text if len(text) <= width else text[: width - 3] + "..."


def _detail(detail: str) -> str:
    """Derivation's reason for a failed step, with a long difference shortened to where it is not zero."""
    found = re.match(r"previous minus this step is (.*), which is (\S+) at (.*)$", detail, re.S)
    if found:
        difference = found.group(1) if len(found.group(1)) <= 80 else "not 0"
        return f"the previous step minus this one is {difference}: it is {found.group(2)} at {found.group(3)}"
    return detail if len(detail) <= 200 else detail[:197] + "..."


def _nonnegative(factor: sp.Expr) -> bool:
    return bool(factor.is_nonnegative) or bool(sp.together(factor).is_nonnegative)


def check_psd_derivation(derivation: Any) -> str:
    """A Derivation from v^T H v (H the Hessian of the logistic E on two points) to a sum of terms visibly >= 0."""
    derivation = exercises.answer_given(derivation, "psd_derivation", "a Derivation that starts from quadratic_form")
    if not isinstance(derivation, Derivation):
        raise ExerciseFailed(f"psd_derivation must be a Derivation, got {validation.describe(derivation)}: build it "
                             "with Derivation('title').step(quadratic_form, 'v^T H v', given=True).step(..., 'why').")
    steps = derivation.steps
    if len(steps) < 2:
        raise ExerciseFailed("psd_derivation has only its first step: add the steps that turn v^T H v into a sum of "
                             "terms that are each >= 0.")
    for k, step in enumerate(steps, start=1):
        if not isinstance(step.expr, sp.Expr):
            kind = "an equation" if isinstance(step.expr, sp.Equality) else "a matrix"
            raise ExerciseFailed(f"step {k} ('{step.why}') is {kind}: write every step as one expression, equal to "
                                 "the one before (v^T H v is a number).")
        if k > 1 and step.given:
            raise ExerciseFailed(f"step {k} ('{step.why}') is marked given=True: only the first step is given; every "
                                 "later step must follow from the one before, so that sympy checks it.")
        if step.subs:
            raise ExerciseFailed(f"step {k} ('{step.why}') uses subs=: this proof needs no substitution, every step "
                                 "must equal the one before for all values of the symbols.")
        unknown = sorted(str(s) for s in step.expr.free_symbols if str(s) not in PSD_SYMBOLS)
        if unknown:
            raise ExerciseFailed(f"step {k} ('{step.why}') uses {', '.join(unknown)}, which the problem does not "
                                 f"have: write it in {', '.join(PSD_SYMBOLS)} (y_hat_n as the expression given).")
    rename = {s: PSD_SYMBOLS[str(s)] for st in steps for s in st.expr.free_symbols if s != PSD_SYMBOLS[str(s)]}
    exprs = [st.expr.xreplace(rename) for st in steps]
    last = exprs[-1].doit()
    if last.has(*_NOT_A_PROOF):
        raise ExerciseFailed("the last step uses Abs, Max, Min, Piecewise or sign: that assumes the sign instead of "
                             "showing it; end with a sum of weights >= 0 times squares.")
    if exprs[0] != psd_quadratic_form():  # the given quadratic_form is the same expression: no need for sympy
        start = Derivation("start").step(psd_quadratic_form(), "v^T H v", given=True).step(exprs[0], "step 1")
        failure = start.verify().first_failure
        if failure is not None:
            raise ExerciseFailed("step 1 is not v^T H v for the Hessian H of E: start from quadratic_form as given "
                                 f"({_detail(failure.detail)}).")
    checked = Derivation(derivation.title)
    for st, expr in zip(steps, exprs, strict=True):
        checked.step(expr, st.why, given=st.given)
    bad = checked.verify().first_failure
    if bad is not None:
        raise ExerciseFailed(f"step {bad.index + 1} ('{steps[bad.index].why}') does not follow from step "
                             f"{bad.index}: {_detail(bad.detail)}.")
    for term in sp.Add.make_args(last):
        for factor in sp.Mul.make_args(term):
            if not _nonnegative(factor):
                raise ExerciseFailed(f"the last step is not visibly >= 0: in its term {_short(term)}, sympy cannot "
                                     f"tell the sign of the factor {_short(factor, 60)}; write each term as a weight "
                                     "that is >= 0 times a square.")
    return (f"all {len(steps)} steps follow, and the last is a sum of terms that are each >= 0: v^T H v >= 0 for "
            "every v, so the Hessian is positive semi-definite")


# ------------------------------------------------------------------------------------------ softmax Hessian
def softmax_cases(random_state: Any = 0) -> list[tuple[np.ndarray]]:
    """Logits z: (K,) for K = 3, 2, 5 and 4, the last with one logit far above the others."""
    rng = validation.as_rng(random_state)
    dominant = np.array([6.0, 0.0, -1.0, 0.5]) + rng.normal(scale=0.1, size=4)
    return [(rng.normal(scale=1.5, size=3),), (rng.normal(size=2),), (rng.normal(scale=2, size=5),), (dominant,)]


def _softmax_reference(z: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """softmax(z) and, for every class c, the Hessian of -log softmax(z)_c by autograd."""
    t = torch.tensor(z)
    hessians = [torch.autograd.functional.hessian(lambda u, c=c: -torch.log_softmax(u, 0)[c], t).numpy()
                for c in range(len(z))]
    return torch.softmax(t, 0).numpy(), hessians


def check_softmax_hessian_outputs(outputs: Any, random_state: Any = 0) -> str:
    """Judge the results of softmax_hessian on ``softmax_cases(random_state)`` against autograd, for every class."""
    cases = softmax_cases(random_state)
    outputs = _outputs(outputs, len(cases), "softmax_hessian")
    for out, (z,) in zip(outputs, cases, strict=True):
        K, call = len(z), f"softmax_hessian(z) for z = {_numbers(z)}"
        h = _array(out, (K, K), call)
        y, refs = _softmax_reference(z)
        wrong = {"diag(y_hat) alone": np.diag(y), "only the diagonal, y_hat_i(1 - y_hat_i)": np.diag(y * (1 - y)),
                 "diag(z) - z z^T, with the logits": np.diag(z) - np.outer(z, z)}
        if _close(h, -refs[0]):
            smallest = np.linalg.eigvalsh(h).min()
            raise ExerciseFailed(f"{call} has the wrong sign: y_hat y_hat^T - diag(y_hat) is not positive "
                                 f"semi-definite (its smallest eigenvalue is {smallest:.3g}), yet the loss is convex "
                                 "in the logits; the Hessian is diag(y_hat) - y_hat y_hat^T.")
        if _close(h, wrong["diag(y_hat) alone"]):
            raise ExerciseFailed(f"{call} is diag(y_hat) alone: the terms -y_hat_i y_hat_j are missing, on the "
                                 "diagonal too; every softmax output depends on every logit.")
        if _close(h, wrong["only the diagonal, y_hat_i(1 - y_hat_i)"]):
            raise ExerciseFailed(f"{call} has only the diagonal y_hat_i(1 - y_hat_i): the off-diagonal entries "
                                 "-y_hat_i y_hat_j are missing; every softmax output depends on every logit.")
        if _close(h, wrong["diag(z) - z z^T, with the logits"]):
            raise ExerciseFailed(f"{call} is diag(z) - z z^T: it uses the logits z where the softmax outputs "
                                 "y_hat = softmax(z) belong.")
        for c, ref in enumerate(refs):
            comparison = gradcheck.compare(h, ref)
            if comparison.ok(TOL):
                continue
            if not np.allclose(h, h.T, rtol=1e-9, atol=1e-12):
                raise ExerciseFailed(f"{call} is not symmetric, but a Hessian is: entry (0, 1) is {h[0, 1]:.6g} and "
                                     f"entry (1, 0) is {h[1, 0]:.6g}.")
            if np.linalg.eigvalsh(h).min() < -1e-9 * max(1.0, np.abs(h).max()):
                raise ExerciseFailed(f"{call} is not positive semi-definite (smallest eigenvalue "
                                     f"{np.linalg.eigvalsh(h).min():.3g}), but the Hessian of -log softmax(z)_c is "
                                     f"a covariance matrix; autograd gives {_numbers(ref)} for class c = {c}.")
            i, j = comparison.worst_index
            raise ExerciseFailed(f"{call}: entry ({i}, {j}) = d²L/dz_{i}dz_{j} is {h[i, j]:.6g}, but autograd gives "
                                 f"{ref[i, j]:.6g} for L = -log softmax(z)_{c} "
                                 f"(relative error {comparison.error:.2g}).")
    return (f"softmax_hessian agrees with torch autograd for every class c on {len(cases)} logit vectors "
            f"(K = {', '.join(str(len(z)) for (z,) in cases)})")


def check_softmax_hessian(softmax_hessian: Callable[..., Any]) -> str:
    """The student's softmax_hessian(z) -> (K, K), judged by ``check_softmax_hessian_outputs``."""
    return check_softmax_hessian_outputs(outputs_of(softmax_hessian, softmax_cases(0), "softmax_hessian"), 0)


# ------------------------------------------------------------------------------------------ batch-norm backward
def batch_norm_cases(random_state: Any = 0) -> list[tuple[np.ndarray, float]]:
    """(grad_y: (n,), gamma) for n = 6, 1, 40, 3, with upstream gradients whose mean is not 0 and gamma != 1."""
    rng = validation.as_rng(random_state)
    return [(rng.normal(0.7, 1.0, size=6), 1.5), (rng.normal(0.5, 1.0, size=1), 2.0),
            (rng.normal(-0.4, 1.0, size=40), -0.7), (rng.normal(1.0, 0.5, size=3), 0.5)]


def check_batch_norm_backward_outputs(outputs: Any, random_state: Any = 0) -> str:
    """Judge the results of batch_norm_backward on ``batch_norm_cases(random_state)`` against torch autograd."""
    cases = batch_norm_cases(random_state)
    calls = [f"batch_norm_backward(grad_y, gamma) for a batch of n = {len(g)} with gamma = {gamma}"
             for g, gamma in cases]
    dx = [_array(o, g.shape, c) for o, (g, _), c in zip(_outputs(outputs, len(cases), "batch_norm_backward"), cases,
                                                         calls, strict=True)]
    refs = [batch_norm.mean_only_backward_autograd(g, gamma) for g, gamma in cases]
    many = [k for k, (g, _) in enumerate(cases) if len(g) > 1]
    if all(_close(dx[k], gamma * g) for k, (g, gamma) in enumerate(cases)):
        mean = cases[0][0].mean()
        raise ExerciseFailed("your dL/dx is gamma dL/dy: you dropped the mean term gamma * mean(dL/dy), which does "
                             "not vanish as n grows (mu depends on every x_i; for the first batch mean(dL/dy) = "
                             f"{mean:.3f}, so every entry is off by {cases[0][1] * mean:.3f}).")
    if all(_close(dx[k], cases[k][0] - cases[k][0].mean()) for k in many):
        raise ExerciseFailed("your dL/dx is dL/dy - mean(dL/dy): you forgot the factor gamma, from "
                             "dy_j/dx_i = gamma (delta_ij - 1/n).")
    if all(_close(dx[k], cases[k][1] * (cases[k][0] + cases[k][0].mean())) for k in many):
        raise ExerciseFailed("the mean term has the wrong sign: y_j = gamma (x_j - mu) + beta depends on x_i through "
                             "-gamma mu, so dL/dx_i = gamma (dL/dy_i - mean(dL/dy)).")
    if all(_close(dx[k], cases[k][1] * (cases[k][0] - cases[k][0].sum())) for k in many):
        raise ExerciseFailed("you subtracted the sum of dL/dy, not its mean: mu = (1/n) sum_j x_j brings a 1/n.")
    for out, ref, call in zip(dx, refs, calls, strict=True):
        comparison = gradcheck.compare(out, ref)
        if comparison.ok(TOL):
            continue
        if len(out) == 1:
            raise ExerciseFailed(f"{call} returned {out[0]:.6g}, but for a batch of one y = beta whatever x is, so "
                                 "dL/dx = 0.")
        if comparison.factor is not None:
            raise ExerciseFailed(f"{call} is exactly {comparison.factor:.6g} times autograd's gradient.")
        (i,) = comparison.worst_index
        raise ExerciseFailed(f"{call}: dL/dx_{i} is {out[i]:.6g}, but autograd gives {ref[i]:.6g} "
                             f"(relative error {comparison.error:.2g}).")
    return f"batch_norm_backward agrees with torch autograd for batches of {', '.join(str(len(g)) for g, _ in cases)}"


def check_batch_norm_backward(batch_norm_backward: Callable[..., Any]) -> str:
    """The student's batch_norm_backward(grad_y, gamma) -> (n,), judged by ``check_batch_norm_backward_outputs``."""
    return check_batch_norm_backward_outputs(outputs_of(batch_norm_backward, batch_norm_cases(0),
                                                        "batch_norm_backward"), 0)


# ------------------------------------------------------------------------------------------ Gaussian dropout
_SIGMA = sp.Symbol("sigma", positive=True)
_Y_D = sp.Symbol("y_d", real=True)


@functools.lru_cache(maxsize=4)
def _dropout_expectations(k: int) -> tuple[sp.Expr, list[sp.Expr], tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    """E[J1] - J0 and E[dJ1/dW_i] = dE[J1]/dW_i for a unit with k inputs, by sympy.stats (delta_i = 1 + sigma eps_i)."""
    Ws, xs = sp.symbols(f"W_1:{k + 1}", real=True), sp.symbols(f"x_1:{k + 1}", real=True)
    eps = [Normal(f"epsilon_{i + 1}", 0, 1) for i in range(k)]
    J1 = sp.Rational(1, 2) * (_Y_D - sum((1 + _SIGMA * e) * W * x for e, W, x in zip(eps, Ws, xs, strict=True))) ** 2
    J0 = sp.Rational(1, 2) * (_Y_D - sum(W * x for W, x in zip(Ws, xs, strict=True))) ** 2
    expected = E(sp.expand(J1))  # W, x and y_d are not random: the expectation commutes with d/dW
    return sp.expand(expected - J0), [sp.diff(expected, W) for W in Ws], Ws, xs


def _penalty_reference() -> tuple[sp.Expr, sp.Symbol]:
    """The coefficient of W_1^2 in E[J1] - J0 (two inputs), written in x_k; and that symbol x_k."""
    extra, _, Ws, xs = _dropout_expectations(2)
    x_k = sp.Symbol("x_k", real=True)
    return sp.simplify(extra.coeff(Ws[0], 2)).subs(xs[0], x_k), x_k


def check_dropout_penalty(penalty_coefficient: Any) -> str:
    """A sympy expression in sigma and x_k: E[J1] = J0 + sum_k (coefficient) W_k^2, computed with sympy.stats."""
    value = exercises.answer_given(penalty_coefficient, "penalty_coefficient", "a sympy expression in sigma and x_k")
    if isinstance(value, str):
        raise ExerciseFailed(f"penalty_coefficient is the text {value!r}: build it from the symbols sigma and x_k "
                             "defined above, without quotes, e.g. sigma * x_k.")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = sp.sympify(value)
    if not isinstance(value, sp.Expr):
        raise ExerciseFailed(f"penalty_coefficient must be a sympy expression in sigma and x_k, got "
                             f"{validation.describe(value)}.")
    reference, x_k = _penalty_reference()
    names = {str(s) for s in value.free_symbols}
    if names & {"W_k", "W"}:
        raise ExerciseFailed("your coefficient contains W_k: it is what multiplies W_k² in the penalty, so write only "
                             "the factor in front of W_k².")
    if names - {"sigma", "x_k"}:
        raise ExerciseFailed(f"your coefficient uses {', '.join(sorted(names - {'sigma', 'x_k'}))}: write it in sigma "
                             "and x_k only (the penalty of one weight W_k).")
    answer = value.xreplace({s: {"sigma": _SIGMA, "x_k": x_k}[str(s)] for s in value.free_symbols})
    if sp.simplify(answer - reference) == 0:
        return f"the penalty of W_k is ({answer}) * W_k**2, as sympy.stats finds for E[J1] - J0"
    ratio = sp.simplify(answer / reference) if answer != 0 else sp.Integer(0)
    if x_k not in answer.free_symbols and _SIGMA in answer.free_symbols:
        raise ExerciseFailed(f"your coefficient {answer} does not depend on x_k: the noise multiplies W_k x_k, so the "
                             "penalty of W_k is weighted by the input's square (large inputs are penalised more).")
    if _SIGMA not in answer.free_symbols:
        raise ExerciseFailed(f"your coefficient {answer} does not depend on sigma: without noise (sigma = 0) there "
                             "is no penalty.")
    if ratio == 2:
        raise ExerciseFailed("your coefficient is exactly twice what the expectation gives: the 1/2 of J1 stays in "
                             "front of the penalty.")
    if not ratio.free_symbols:
        raise ExerciseFailed(f"your coefficient is exactly {ratio} times what the expectation gives.")
    if sp.simplify(ratio - 1 / _SIGMA) == 0:
        raise ExerciseFailed("your coefficient has sigma where sigma² belongs: the variance of delta_k is sigma².")
    point = {_SIGMA: sp.Rational(1, 2), x_k: 3}
    raise ExerciseFailed(f"at sigma = 1/2 and x_k = 3 your coefficient is {answer.subs(point)}, but E[J1] - J0 puts "
                         f"{reference.subs(point)} in front of W_k² there.")


def dropout_cases(random_state: Any = 0) -> list[tuple[np.ndarray, np.ndarray, float, float]]:
    """(W: (K,), x: (K,), y_d, sigma) for K = 3 (sigma 0.8, then 0), 2 and 3 again."""
    rng = validation.as_rng(random_state)
    W, x = rng.normal(size=3), rng.normal(scale=1.5, size=3)
    return [(W, x, 0.4, 0.8), (W, x, 0.4, 0.0), (rng.normal(size=2), rng.normal(size=2), -1.0, 1.3),
            (rng.normal(size=3), rng.normal(scale=2, size=3), 0.7, 0.5)]


def _dropout_reference(W: np.ndarray, x: np.ndarray, y_d: float, sigma: float) -> np.ndarray:
    _, gradient, Ws, xs = _dropout_expectations(len(W))
    values = {_SIGMA: sigma, _Y_D: y_d, **dict(zip(Ws, W, strict=True)), **dict(zip(xs, x, strict=True))}
    return np.array([float(g.subs(values)) for g in gradient])


def check_dropout_expected_gradient_outputs(outputs: Any, random_state: Any = 0) -> str:
    """Judge the results of expected_gradient on ``dropout_cases(random_state)`` against sympy.stats' expectation."""
    cases = dropout_cases(random_state)
    calls = [f"expected_gradient(W, x, y_d, sigma) for K = {len(W)} inputs and sigma = {sigma}"
             for W, _, _, sigma in cases]
    got = [_array(o, W.shape, c) for o, (W, *_), c in zip(_outputs(outputs, len(cases), "expected_gradient"), cases,
                                                          calls, strict=True)]
    refs = [_dropout_reference(*c) for c in cases]
    plain = [(W @ x - y_d) * x for W, x, y_d, _ in cases]
    noisy = [k for k, c in enumerate(cases) if c[3] > 0]
    if all(_close(got[k], plain[k]) for k in noisy):
        raise ExerciseFailed("your expected gradient is the plain gradient (sum_k W_k x_k - y_d) x_i of J0: on "
                             "average the noise adds a term, the gradient of the penalty you found above.")
    extra = [got[k] - plain[k] for k in noisy]
    if all(_close(e, cases[k][3] ** 2 * cases[k][0]) for e, k in zip(extra, noisy, strict=True)):
        raise ExerciseFailed("the term the noise adds is sigma² W_i in your answer, but the penalty of W_i is "
                             "weighted by x_i²: it is sigma² x_i² W_i.")
    if all(_close(e, cases[k][3] * cases[k][1] ** 2 * cases[k][0]) for e, k in zip(extra, noisy, strict=True)):
        raise ExerciseFailed("the term the noise adds has sigma where sigma² belongs: the variance of delta_i is "
                             "sigma².")
    for factor, why in ((2.0, "twice the penalty's gradient: the 1/2 of the penalty cancels the 2 of the square"),
                        (0.5, "half the penalty's gradient: differentiating W_i² brings a factor 2")):
        if all(_close(e, factor * (refs[k] - plain[k])) for e, k in zip(extra, noisy, strict=True)):
            raise ExerciseFailed(f"the term the noise adds is {why}.")
    for out, ref, call in zip(got, refs, calls, strict=True):
        comparison = gradcheck.compare(out, ref)
        if not comparison.ok(TOL):
            (i,) = comparison.worst_index
            raise ExerciseFailed(f"{call}: entry {i} is {out[i]:.6g}, but the expectation (sympy.stats) is "
                                 f"{ref[i]:.6g} (relative error {comparison.error:.2g}).")
    return f"expected_gradient agrees with sympy.stats' expectation on {len(cases)} units (sigma = 0 included)"


def check_dropout_expected_gradient(expected_gradient: Callable[..., Any]) -> str:
    """The student's expected_gradient(W, x, y_d, sigma) -> (K,), judged by the function above."""
    return check_dropout_expected_gradient_outputs(outputs_of(expected_gradient, dropout_cases(0),
                                                              "expected_gradient"), 0)
