"""Checks of the exercises on critical points, Hessians, degenerate points and Newton's method.

Each check takes a student's answer and the problem (a function as a formula or sympy expression, its variables)
and returns a one-line message when the answer is right. Otherwise it raises ``ExerciseFailed`` saying what is
wrong in the problem's terms ("(3/2, 3) is not a critical point: ∂f/∂y = 9/4 there"), or ``NotAnswered`` while the
answer is still the stub. No answer is stored here: the checks judge from first principles, with the gradient
evaluated exactly at each point and the Hessian test on exact eigenvalue signs (``critical_points``), the values of
f along 360 directions through a point, sympy's own second derivatives, the step-by-step derivation checker, the
tangent line that a Newton step must follow, and the errors of Newton's iterates measured in 150-digit arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from helpers import critical_points, newton
from helpers.derivation import Derivation, Step
from helpers.exercises import ExerciseFailed, answer_given, call_answer, check_matrix
from helpers.validation import describe

__all__ = [
    "check_critical_points",
    "check_hessian",
    "check_degenerate_point",
    "check_substitution_derivation",
    "newton_outputs",
    "check_newton_outputs",
    "check_newton_step",
    "check_newton_coefficient",
]

_X = sp.Symbol("x")
_NEWTON_CASES = (("x^2 - 2", 1), ("cos(x) - x", 1.0), ("exp(x) - 3", 0.0), ("x^3 - 2*x + 2", 0.0))
_RADII = ("1e-2", "1e-3", "1e-4")  # distances at which f is evaluated along each direction
_TINY = mpmath.mpf("1e-45")  # |f(p + r v) - f(p)| below this counts as 0 (values are computed to 50 digits)


# -- formatting and parsing shared by the checks ---------------------------------------------------
def _and(items: Iterable[Any]) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _point_text(point: Sequence[Any]) -> str:
    return "(" + ", ".join(map(str, point)) + ")"


def _number_text(value: Any) -> str:
    text = f"{float(value):.3g}"
    return "0" if text == "-0" else text


def _a(kind: str) -> str:
    return f"a {kind}" if kind != "inconclusive" else "'inconclusive'"


def _kind(value: Any, name: str, allowed: Sequence[str]) -> str:
    """A kind written by a student ("Saddle", "local minimum", "saddle point") as one of ``allowed``."""
    options = ", ".join(f"'{k}'" for k in allowed)
    if not isinstance(value, str):
        raise ExerciseFailed(f"{name} must be one of {options}, got {describe(value)}.")
    kind = " ".join(value.lower().split()).removeprefix("local ").removesuffix(" point")
    if kind not in allowed:
        raise ExerciseFailed(f"{name} must be one of {options}, got {value!r}.")
    return kind


def _problem(f: Any, variables: Any) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    vs = critical_points.parse_variables(variables)
    return critical_points.parse_function(f, vs), vs


def _in_variables(value: Any, vs: tuple[sp.Symbol, ...], name: str) -> Any:
    """``value`` with its symbols replaced by the variables of the same name and floats made exact fractions."""
    by_name = {v.name: v for v in vs}
    extra = sorted({s.name for s in value.free_symbols} - set(by_name))
    if extra:
        raise ExerciseFailed(f"{name} contains {', '.join(extra)}, which {'is' if len(extra) == 1 else 'are'} not "
                             f"among the variables {', '.join(by_name)}: write it in {', '.join(by_name)} only.")
    value = value.xreplace({s: by_name[s.name] for s in value.free_symbols if s != by_name[s.name]})

    def exact(e: Any) -> Any:
        return sp.nsimplify(e, rational=True) if isinstance(e, sp.Basic) and e.has(sp.Float) else e

    return value.applyfunc(exact) if isinstance(value, sp.MatrixBase) else exact(value)


def _proportional(a: sp.Expr, b: sp.Expr) -> bool:
    """Whether the equations a = 0 and b = 0 are the same up to a nonzero constant factor."""
    if sp.simplify(a) == 0 or sp.simplify(b) == 0:
        return False
    ratio = sp.simplify(b / a)
    return not ratio.free_symbols and ratio.is_finite is not False and ratio != 0 and not ratio.has(sp.nan, sp.zoo)


def _eigen_text(point: critical_points.CriticalPoint) -> str:
    values, n = point.eigenvalues, len(point.eigenvalues)
    signs = {"minimum": "both positive" if n == 2 else "all positive",
             "maximum": "both negative" if n == 2 else "all negative",
             "saddle": "one negative and one positive" if n == 2 else "of both signs",
             "inconclusive": "a zero eigenvalue and no sign change"}[point.kind]
    return f"its Hessian has eigenvalues {_and(values)}, {signs}"


# -- critical points and their kinds -------------------------------------------------------------
def check_critical_points(answer: Any, f: Any, variables: Any, name: str = "critical_points_answer") -> str:
    """All critical points of f as ((x, y), kind) pairs: each point critical (exact gradient), each kind the
    Hessian test's, none listed twice, none missing (counted with ``critical_points.critical_points``)."""
    f, vs = _problem(f, variables)
    n = len(vs)
    example = "((" + ", ".join("0" * n) + "), 'saddle')"
    answer = answer_given(answer, name, f"a list of (point, kind) pairs such as [{example}, ...]")
    if isinstance(answer, dict):
        answer = list(answer.items())
    if isinstance(answer, (str, bytes)) or not isinstance(answer, (list, tuple, set)):
        raise ExerciseFailed(f"{name} must be a list of (point, kind) pairs such as [{example}, ...], "
                             f"got {describe(answer)}.")
    if not answer:
        raise ExerciseFailed(f"{name} is empty: list every critical point of f with its kind.")
    listed = []
    for k, item in enumerate(answer, start=1):
        where = f"entry {k} of {name}"
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[1], str)):
            coordinates = (str, bytes, tuple, list, np.ndarray, sp.MatrixBase)
            if isinstance(item, (tuple, list)) and len(item) == n and not any(isinstance(c, coordinates) for c in item):
                raise ExerciseFailed(f"{where} is {tuple(item)}, a point without its kind: write it as "
                                     f"({tuple(item)}, 'saddle') with its real kind.")
            raise ExerciseFailed(f"{where} must be a pair (point, kind) such as {example}, got {describe(item)}.")
        point, kind = item
        if isinstance(point, (str, bytes)):
            raise ExerciseFailed(f"{where}: the point {point!r} is a string: write it as a tuple of numbers such as "
                                 f"({', '.join('0' * n)}), without quotes.")
        if isinstance(point, (tuple, list)) and any(isinstance(c, str) for c in point):
            raise ExerciseFailed(f"{where}: the coordinates of {tuple(point)} are strings: write numbers such as "
                                 "3, 1.5 or sp.Rational(3, 2), without quotes.")
        kind = _kind(kind, f"the kind in {where}", critical_points.KINDS)
        try:
            check = critical_points.check_critical_point(f, vs, point)
        except (TypeError, ValueError) as err:
            raise ExerciseFailed(f"{where}: {err}") from None
        if not check.is_critical:
            partials = _and(f"∂f/∂{v} = {value}" for v, value in check.nonzero.items())
            raise ExerciseFailed(f"{_point_text(check.point)} is not a critical point: {partials} there.")
        if check.point in [p for p, _ in listed]:
            raise ExerciseFailed(f"{_point_text(check.point)} is listed twice: list each critical point once.")
        listed.append((check.point, kind))
    for point, kind in listed:
        truth = critical_points.classify_point(f, vs, point)
        if kind != truth.kind:
            if truth.kind == "inconclusive":
                raise ExerciseFailed(f"the second-derivative test is inconclusive at {_point_text(point)}, not "
                                     f"{kind!r}: {_eigen_text(truth)}.")
            raise ExerciseFailed(f"{_point_text(point)} is {_a(truth.kind)}, not {_a(kind)}: {_eigen_text(truth)}.")
    every = critical_points.critical_points(f, vs)
    missing = len(every) - len(listed)
    if missing > 0:
        raise ExerciseFailed(f"you found {len(listed)} of the {len(every)} critical points: "
                             f"{'one is' if missing == 1 else f'{missing} are'} missing. Solve ∇f = 0 case by case: "
                             "every way of making all partial derivatives zero at once gives points.")
    counts = {k: sum(kind == k for _, kind in listed) for k in critical_points.KINDS}
    summary = _and(f"{c} {k}{'s' if c > 1 else ''}" for k, c in counts.items() if c)
    return f"all {len(listed)} critical points found and classified ({summary})"


def check_hessian(answer: Any, f: Any, variables: Any, name: str = "hessian_answer") -> str:
    """The Hessian of f as an (n, n) sympy Matrix, compared entry by entry with sympy's second derivatives."""
    f, vs = _problem(f, variables)
    n = len(vs)
    expected = sp.hessian(f, vs)
    answer = answer_given(answer, name, f"the {n}x{n} Hessian as a sympy Matrix")
    wanted = f"{name} must be a {n}x{n} sympy Matrix, sp.Matrix([[...], [...], ...]) with one list per row"
    if isinstance(answer, (str, bytes)) or not isinstance(answer, (sp.MatrixBase, np.ndarray, list, tuple)):
        raise ExerciseFailed(f"{wanted}, got {describe(answer)}.")
    try:
        matrix = sp.Matrix(answer)
    except (TypeError, ValueError, sp.SympifyError):
        raise ExerciseFailed(f"{wanted}, got {describe(answer)}.") from None
    matrix = _in_variables(matrix, vs, name)
    try:
        check_matrix(matrix, expected, name)
    except ExerciseFailed as err:
        if matrix.shape != expected.shape:
            raise
        i, j = next((i, j) for i in range(n) for j in range(n) if sp.simplify(matrix[i, j] - expected[i, j]) != 0)
        entry = f"∂²f/∂{vs[i]}²" if i == j else f"∂²f/∂{vs[i]}∂{vs[j]}"
        symmetric = "" if (matrix - matrix.T).applyfunc(sp.simplify).is_zero_matrix else (
            " Your matrix is not symmetric, but every Hessian of a smooth function is (∂²f/∂x∂y = ∂²f/∂y∂x).")
        raise ExerciseFailed(f"{err} That entry is {entry}.{symmetric}") from None
    return f"{name} is right: every entry is the second derivative sympy finds"


# -- a degenerate critical point -------------------------------------------------------------------
def _along_directions(f: sp.Expr, vs: tuple[sp.Symbol, ...], point: tuple) -> tuple[str, tuple, tuple]:
    """What f does near a point of the plane: its kind from f(p + r v) - f(p) along 360 directions v at three
    small radii r, with the lowest and the highest of these values at the smallest radius (direction, r, value)."""
    g = sp.lambdify(vs, f - f.subs(dict(zip(vs, point, strict=True))), "mpmath")
    negatives, positives = [], []
    with mpmath.workdps(50):
        p = [mpmath.mpf(str(sp.N(c, 60))) for c in point]
        for radius in map(mpmath.mpf, _RADII):
            values = []
            for degrees in range(360):
                v = (mpmath.cos(mpmath.radians(degrees)), mpmath.sin(mpmath.radians(degrees)))
                values.append((v, radius, g(p[0] + radius * v[0], p[1] + radius * v[1])))
            negatives.append(any(value < -_TINY for *_, value in values))
            positives.append(any(value > _TINY for *_, value in values))
        low, high = min(values, key=lambda t: t[2]), max(values, key=lambda t: t[2])  # at the smallest radius
    if all(negatives) and all(positives):
        return "saddle", low, high
    if not any(negatives):
        return "minimum", low, high
    if not any(positives):
        return "maximum", low, high
    raise ValueError(f"f = {f} does not show one clear behaviour near {point} along 360 directions; choose "
                     "another example.")


def _witness(point: tuple, witness: tuple) -> str:
    v, radius, value = witness
    v = [round(float(c), 3) for c in v]  # cos 90° is 1e-51 in mpmath: show it as 0
    direction = "(" + ", ".join(_number_text(c) for c in v) + ")"
    at = ", ".join(_number_text(float(sp.N(c)) + float(radius) * d) for c, d in zip(point, v, strict=True))
    return f"along the direction {direction}, f({at}) - f{_point_text(point)} = {_number_text(value)}"


def check_degenerate_point(test_answer: Any, kind_answer: Any, f: Any, variables: Any, point: Any,
                           names: tuple[str, str] = ("degenerate_test_answer", "degenerate_kind_answer")) -> str:
    """What the second-derivative test says at a critical point of a two-variable f (exact eigenvalue signs), and
    what the point really is (f evaluated along 360 directions through it)."""
    f, vs = _problem(f, variables)
    if len(vs) != 2:
        raise ValueError(f"check_degenerate_point looks along directions in the plane: pass a function of two "
                         f"variables, got {len(vs)}.")
    verdict = _kind(answer_given(test_answer, names[0], "what the second-derivative test says, e.g. 'minimum'"),
                    names[0], critical_points.KINDS)
    kind = _kind(answer_given(kind_answer, names[1], "what the point really is, e.g. 'minimum'"), names[1],
                 critical_points.KINDS)
    truth = critical_points.classify_point(f, vs, point)
    pt, eigenvalues = _point_text(truth.point), _and(truth.eigenvalues)
    if verdict != truth.kind:
        if truth.kind == "inconclusive" and verdict in ("minimum", "maximum"):
            missing = "negative" if verdict == "minimum" else "positive"
            raise ExerciseFailed(
                f"the second-derivative test does not say {verdict!r} at {pt}: its Hessian there has eigenvalues "
                f"{eigenvalues}, and with a zero eigenvalue and no {missing} one the test is inconclusive. 'No "
                f"{missing} eigenvalue, so a {verdict}' is a shortcut that a zero eigenvalue breaks.")
        if truth.kind == "inconclusive":
            raise ExerciseFailed(f"the second-derivative test cannot see a {verdict} at {pt}: its Hessian has "
                                 f"eigenvalues {eigenvalues}, with no sign change, so the test is inconclusive.")
        raise ExerciseFailed(f"the second-derivative test says {truth.kind!r} at {pt}, not {verdict!r}: "
                             f"{_eigen_text(truth)}.")
    if kind == "inconclusive":
        raise ExerciseFailed(f"{names[1]} asks what {pt} really is, 'minimum', 'maximum' or 'saddle'; "
                             "'inconclusive' is only what the test says. Look at f along lines through the point.")
    actual, low, high = _along_directions(f, vs, truth.point)
    if kind != actual:
        if actual == "saddle":
            lower, higher = (low, high) if kind == "minimum" else (high, low)
            raise ExerciseFailed(f"{pt} is not a {kind}: {_witness(truth.point, lower)}, while "
                                 f"{_witness(truth.point, higher)}. f is lower and higher arbitrarily close to it: "
                                 "a saddle.")
        extreme = low if actual == "minimum" else high
        raise ExerciseFailed(f"{pt} is a {actual}, not {_a(kind)}: along all 360 directions tried, f is "
                             f"{'higher' if actual == 'minimum' else 'lower'} than at {pt} at distances "
                             f"{_and(_RADII)} (the smallest change: {_witness(truth.point, extreme)}).")
    return (f"the test is inconclusive at {pt} (eigenvalues {eigenvalues}), and f along 360 directions shows "
            f"{_a(actual)}" if truth.kind == "inconclusive" else
            f"the test says {truth.kind} at {pt} (eigenvalues {eigenvalues}), as f along 360 directions confirms")


# -- a derivation by substitution ------------------------------------------------------------------
def _steps(value: Any, name: str, vs: tuple[sp.Symbol, ...]) -> list[Step]:
    if isinstance(value, Derivation):
        steps = list(value.steps)
    elif isinstance(value, (list, tuple)) and value and all(isinstance(s, Step) for s in value):
        steps = list(value)
    else:
        raise ExerciseFailed(f"{name} must be a Derivation (from helpers.derivation import Derivation), built with "
                             f".step(...), got {describe(value)}.")
    if len(steps) < 2:
        raise ExerciseFailed(f"{name} has {len(steps)} step{'s' if len(steps) != 1 else ''}: start from the given "
                             "equation and add a step for each substitution and each rearrangement.")
    by_name = {v.name: v for v in vs}

    def rename(e: Any) -> Any:
        return e.xreplace({s: by_name[s.name] for s in e.free_symbols if s.name in by_name and s != by_name[s.name]})

    return [Step(rename(s.expr), s.why, s.given, {rename(k): rename(v) for k, v in s.subs.items()}) for s in steps]


def _follows(previous: Any, step: Step) -> tuple[str, str]:
    """``Derivation.verify``'s verdict on one step after the one before it: (status, detail)."""
    substituted = previous.subs(step.subs) if step.subs else previous
    if isinstance(substituted, sp.logic.boolalg.BooleanAtom):
        return "failed", (f"the substitution turns the step before into {substituted}, which says nothing about "
                          f"{_and(step.subs)} any more: substitute into an equation that still has other variables")
    check = Derivation("one step", [Step(previous, "the step before", True), step]).verify().checks[1]
    return check.status, check.detail


def check_substitution_derivation(derivation: Any, equations: Sequence[Any], variables: Any,
                                  name: str = "fourth_point_derivation") -> str:
    """A Derivation that solves ``equations`` (each meaning "= 0", with one common solution) by substitution.

    Every step must be an equation; a step marked ``given`` must be one of ``equations`` (up to a constant factor);
    every other step must follow from the one before it (``Derivation.verify``) after substituting only what a
    starting equation or an earlier step says; and the steps must reach the value of every variable.
    """
    vs = critical_points.parse_variables(variables)
    premises = [critical_points.parse_function(e, vs) for e in equations]
    solutions = sp.solve(premises, vs, dict=True)
    if len(solutions) != 1 or set(solutions[0]) != set(vs):
        raise ValueError(f"the equations {premises} must have exactly one common solution, got {solutions}.")
    target = solutions[0]
    value = answer_given(derivation, name, "a Derivation from the given equation to the values of "
                         + " and ".join(v.name for v in vs))
    try:
        steps = _steps(value, name, vs)
        Derivation("your derivation", steps)  # re-checks each step once its symbols are renamed
    except ValueError as err:  # a step that became True/False or undefined once its symbols were renamed
        raise ExerciseFailed(f"{name}: {err}") from None
    listed = _and(f"{p} = 0" for p in premises)
    established = list(premises)
    for k, step in enumerate(steps, start=1):
        if not isinstance(step.expr, sp.Equality):
            what = "a Matrix" if isinstance(step.expr, sp.MatrixBase) else f"the expression {step.expr}"
            raise ExerciseFailed(f"step {k} of {name} is {what}, not an equation: write every step as "
                                 "sp.Eq(left side, right side).")
        residual = step.expr.lhs - step.expr.rhs
        if step.given:
            if not any(_proportional(p, residual) for p in premises):
                raise ExerciseFailed(f"step {k} of {name}, {step.expr.lhs} = {step.expr.rhs}, is marked given, but it "
                                     f"is not one of the equations you may start from ({listed}): every other step "
                                     "must follow from the one before it.")
        else:
            for key, val in step.subs.items():
                if not any(_proportional(e, key - val) for e in established):
                    raise ExerciseFailed(f"step {k} of {name} substitutes {key} = {val}, which nothing before it "
                                         "establishes: substitute only what a starting equation or an earlier step "
                                         "says.")
            after = f" after substituting {_and(f'{a} = {b}' for a, b in step.subs.items())}" if step.subs else ""
            status, detail = _follows(steps[k - 2].expr, step)
            if status not in ("symbolic", "numeric"):
                raise ExerciseFailed(f"step {k} of {name} (“{step.why}”) does not follow from step {k - 1}{after}: "
                                     f"{detail}.")
        established.append(residual)
    derived = established[len(premises):]
    reached = [v for v in vs if any(_proportional(v - target[v], r) for r in derived)]
    if len(reached) < len(vs):
        missing = [v for v in vs if v not in reached]
        found = f"reaches {_and(f'{v} = {target[v]}' for v in reached)} but " if reached else ""
        raise ExerciseFailed(f"{name} {found}does not reach a value of {_and(missing)}: every step follows, but none "
                             f"reads sp.Eq({missing[0]}, ...). Continue it: a given step from the starting equations "
                             "and a substitution of what you found.")
    return (f"every step of {name} follows, from {steps[0].expr.lhs} = {steps[0].expr.rhs} to "
            f"{_and(f'{v} = {target[v]}' for v in vs)}")


# -- Newton's method -------------------------------------------------------------------------------
def _case(formula: str) -> tuple[sp.Expr, Callable, Callable]:
    expr = critical_points.parse_function(formula, (_X,))
    return expr, sp.lambdify(_X, expr, "math"), sp.lambdify(_X, sp.diff(expr, _X), "math")


def _returned_number(value: Any, call: str, name: str) -> float:
    if value is None:
        raise ExerciseFailed(f"{call} returned None: end {name} with `return` and the new x.")
    if isinstance(value, np.ndarray) and value.shape != ():
        raise ExerciseFailed(f"{call} returned an array of shape {value.shape}: return one number.")
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise ExerciseFailed(f"{call} returned {describe(value)}, not a number.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ExerciseFailed(f"{call} returned {describe(value)}, not a real number.") from None
    if not math.isfinite(number):
        raise ExerciseFailed(f"{call} returned {number}: a Newton step from this x is a finite number.")
    return number


def newton_outputs(newton_step: Any, cases: Sequence[tuple[str, float]], name: str = "newton_step") -> list[float]:
    """Run a student's ``newton_step(f, fprime, x)`` once per case (a formula in x, a start): the new x of each."""
    out = []
    for formula, x0 in cases:
        _, f, fprime = _case(formula)
        value = call_answer(newton_step, f, fprime, x0, name=name)
        out.append(_returned_number(value, f"{name}(f, fprime, {x0!r}) for f(x) = {formula}", name))
    return out


def _newton_mistake(formula: str, x0: float, x1: float, fx: float, dfx: float) -> str:
    step, where = x1 - x0, f"for f(x) = {formula} from x = {x0:g}: "
    tangent = f"the tangent at x = {x0:g} takes the value {fx + dfx * step:.3g} at your new x = {x1:.6g}, not 0"
    if dfx == 0:
        return where + tangent + "."
    newton_step = -fx / dfx  # where the tangent crosses zero, to name how a wrong step relates to it

    def close(a: float, b: float) -> bool:
        return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-12)

    if close(step, 0.0):
        return where + f"your newton_step returned x itself; {tangent}."
    if close(step, -newton_step):
        return where + (f"your step goes the wrong way: at your new x = {x1:.6g} the tangent at x = {x0:g} is "
                        f"{_number_text(2 * fx)} = 2 f(x) instead of 0. It crosses zero at x - f(x)/f'(x): subtract "
                        "f(x)/f'(x), do not add it.")
    if fx != 0 and close(step, -dfx / fx):
        return where + (f"{tangent}. Your step is -f'(x)/f(x): the fraction is upside down; divide f(x) by f'(x).")
    if close(step, -fx):
        return where + f"{tangent}. Your step is -f(x): divide it by the slope f'(x)."
    return where + tangent + ": a Newton step goes to where the tangent line crosses zero."


def check_newton_outputs(cases: Sequence[tuple[str, float]], outputs: Sequence[Any], name: str = "newton_step") -> str:
    """Each output lies where the tangent of its case's f at the start crosses zero: f(x0) + f'(x0) (x1 - x0) = 0."""
    if len(outputs) != len(cases):
        raise ValueError(f"outputs has {len(outputs)} values for {len(cases)} cases.")
    for (formula, x0), x1 in zip(cases, outputs, strict=True):
        expr, _, _ = _case(formula)
        fx, dfx = (float(sp.N(e.subs(_X, x0), 30)) for e in (expr, sp.diff(expr, _X)))
        x1 = _returned_number(x1, f"{name}(f, fprime, {x0!r}) for f(x) = {formula}", name)
        residual, scale = fx + dfx * (x1 - x0), abs(fx) + abs(dfx * (x1 - x0))
        if abs(residual) > 1e-9 * scale:
            raise ExerciseFailed(_newton_mistake(formula, x0, x1, fx, dfx))
    return f"{name} lands where the tangent crosses zero for all {len(cases)} functions"


def check_newton_step(newton_step: Any, name: str = "newton_step") -> str:
    """One Newton step on four functions (the tangent's zero), then quadratic convergence on x^2 - 2 from 1."""
    check_newton_outputs(_NEWTON_CASES, newton_outputs(newton_step, _NEWTON_CASES, name), name)
    _, f, fprime = _case("x^2 - 2")
    xs = [1.0]
    for _ in range(4):
        value = call_answer(newton_step, f, fprime, xs[-1], name=name)
        xs.append(_returned_number(value, f"{name}(f, fprime, {xs[-1]!r}) for f(x) = x^2 - 2", name))
    errors = [abs(v - math.sqrt(2)) for v in xs]
    if any(errors[k + 1] > 0.51 * errors[k] ** 2 + 4e-16 for k in range(3)):
        raise ExerciseFailed(f"{name} does not converge quadratically on x^2 - 2 from x = 1: the errors are "
                             f"{', '.join(f'{e:.1e}' for e in errors)}; each should be at most about half the "
                             "square of the one before.")
    return (f"{name} lands where the tangent crosses zero for {len(_NEWTON_CASES)} functions, and on x^2 - 2 from 1 "
            f"its errors fall quadratically: {', '.join(f'{e:.1e}' for e in errors)}")


def _measured_error_ratio(expr: sp.Expr, x0: float) -> mpmath.mpf:
    """e_(n+1) / e_n^2 of Newton's iterates from x0 at 150 digits, taken where e_n is about 1e-25 to 1e-60."""
    f, fprime = sp.lambdify(_X, expr, "mpmath"), sp.lambdify(_X, sp.diff(expr, _X), "mpmath")
    with mpmath.workdps(150):
        root = mpmath.findroot(f, mpmath.mpf(x0))
        errors = [v - root for v in newton.newton_root(f, fprime, mpmath.mpf(x0), 14)]
        k = max(i for i, e in enumerate(errors[:-1]) if abs(e) > mpmath.mpf("1e-60"))
        if not abs(errors[k]) < mpmath.mpf("1e-20"):
            raise ValueError(f"Newton's method from {x0} does not converge to a simple root of {expr}.")
        return errors[k + 1] / errors[k] ** 2


def check_newton_coefficient(answer: Any, f: Any, x0: float, name: str = "newton_coefficient_answer") -> str:
    """The constant C of e_(n+1) ≈ C e_n^2 for Newton's method on f (in x) near the root it reaches from x0,
    compared with the ratio e_(n+1)/e_n^2 measured on the iterates themselves."""
    expr = critical_points.parse_function(f, (_X,))
    value = answer_given(answer, name, "a number: an exact sympy expression such as sp.sqrt(2)/4, or a float")
    if isinstance(value, (str, bytes, bool, np.bool_)) or not isinstance(value, (int, float, sp.Basic, np.number,
                                                                                  mpmath.mpf)):
        raise ExerciseFailed(f"{name} must be a number (a sympy expression or a float), got {describe(value)}.")
    number = sp.sympify(value)
    if not isinstance(number, sp.Expr) or number.free_symbols:
        symbols = ", ".join(sorted(map(str, getattr(number, "free_symbols", ()))))
        raise ExerciseFailed(f"{name} must be a number, but it contains {symbols}: substitute the value of the root "
                             "and of the derivatives there.")
    with mpmath.workdps(60):
        mine = mpmath.mpmathify(str(sp.N(number, 60))) if number.is_real is not False else None
    if mine is None or not isinstance(mine, mpmath.mpf) or not mpmath.isfinite(mine):
        raise ExerciseFailed(f"{name} = {number} is not a finite real number.")
    measured = _measured_error_ratio(expr, x0)
    if isinstance(value, (float, np.floating)) or number.is_Float:
        shown = f"{name} = {float(mine):.6g}"
    else:
        shown = f"{name} = {number}" + ("" if number.is_Rational else f" ≈ {float(mine):.4g}")
    context = f"the ratios e_(n+1)/e_n^2 measured on Newton's iterates for f(x) = {f} from x0 = {x0:g}"
    if abs(mine - measured) <= 1e-6 * abs(measured):
        return f"{shown} matches {context}"
    ratio = float(mine / measured)
    sign = "positive" if measured > 0 else "negative"
    if math.isclose(ratio, -1, rel_tol=1e-6):
        raise ExerciseFailed(f"{shown} has the wrong sign: {context} settle at a {sign} value. With e_n = x_n - r "
                             "the coefficient is +f''(r)/(2 f'(r)), not -f''(r)/(2 f'(r)).")
    for factor, hint in ((2.0, "did you forget the 1/2 of the Taylor term f''(r) e^2 / 2?"),
                         (0.5, "is the factor 1/2 there twice?")):
        if math.isclose(ratio, factor, rel_tol=1e-6):
            raise ExerciseFailed(f"{shown} is exactly {factor:g} times the limit of {context}: {hint}")
    size = "smaller" if abs(measured) < abs(mine) else "larger"
    raise ExerciseFailed(f"{shown} does not match {context}: they settle at a {size} {sign} value. Evaluate "
                         "f'(r) and f''(r) at the root r first.")
