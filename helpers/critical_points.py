"""Critical points of a function given as a sympy expression: gradient, Hessian, and their classification.

Everything is exact (sympy): the critical points solve grad f = 0 symbolically, and signs of Hessian
eigenvalues are decided symbolically, never by rounding. The second-derivative test, applied exactly:
all eigenvalues > 0 -> "minimum"; all < 0 -> "maximum"; at least one > 0 and at least one < 0 -> "saddle"
(even when another eigenvalue is 0, since f already rises along one eigen-direction and falls along
another); otherwise, i.e. a zero eigenvalue and no sign change, -> "inconclusive": the Hessian alone
cannot tell (x^4 + y^4 is a minimum, x^3 - 3xy^2 a saddle, both with H = 0).

Solving grad f = 0 can take sympy minutes for polynomials of high degree (it finds every complex solution
in closed form), so ``critical_points`` gives up after ``time_limit`` seconds with a message that says how
to wait longer. The two derivations at the end prove the second-order necessary condition for a generic f.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import sympy as sp
from sympy.parsing.sympy_parser import convert_xor, parse_expr, rationalize, standard_transformations

from helpers.derivation import Derivation
from helpers.validation import describe, positive_int, positive_number

__all__ = [
    "KINDS",
    "TimeLimitError",
    "parse_variables",
    "parse_function",
    "gradient",
    "hessian",
    "jacobian_of_gradient",
    "classify_hessian",
    "classify_eigenvalues",
    "CriticalPoint",
    "GradientCheck",
    "check_critical_point",
    "classify_point",
    "critical_points",
    "directional_derivatives_derivation",
    "necessary_condition_derivation",
]

KINDS = ("minimum", "maximum", "saddle", "inconclusive")
_T = sp.Dummy("t")  # a scratch variable for characteristic and minimal polynomials
_TRANSFORMS = standard_transformations + (convert_xor, rationalize)  # '^' is a power; 0.1 is exactly 1/10
_R = TypeVar("_R")


class TimeLimitError(ValueError):
    """sympy did not finish within the caller's ``time_limit``; the message says how to allow more time."""

    def __init__(self, message: str, *, seconds: float, detail: str = "") -> None:
        super().__init__(message)
        self.seconds = seconds  # the limit that was reached
        self.detail = detail  # why the system is slow, when that can be said (its degrees)


# -- input handling ----------------------------------------------------------------------------
def parse_variables(variables: Any) -> tuple[sp.Symbol, ...]:
    """Variables given as sympy Symbols or names (a list or tuple, or one name), as a tuple of Symbols in order."""
    if isinstance(variables, (str, sp.Symbol)):
        variables = [variables]
    if not isinstance(variables, (list, tuple)):
        raise TypeError(f"variables must be a list of names such as ['x', 'y'] or sp.symbols('x y'), "
                        f"got {describe(variables)}.")
    if not variables:
        raise ValueError("variables is empty: pass at least one, e.g. ['x', 'y'].")
    out = []
    for v in variables:
        if isinstance(v, sp.Symbol):
            out.append(v)
        elif isinstance(v, str) and v.isidentifier():
            out.append(sp.Symbol(v))
        elif isinstance(v, str):
            raise ValueError(f"each variable must be one name such as 'x', got {v!r}: pass ['x', 'y'], not 'x y'.")
        else:
            raise TypeError(f"each variable must be a sympy Symbol or a name such as 'x', got {describe(v)}.")
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise ValueError(f"variables must have distinct names, got {names}.")
    return tuple(out)


def parse_function(f: Any, variables: tuple[sp.Symbol, ...]) -> sp.Expr:
    """``f`` (a sympy expression or a formula such as 'x^2*y - 3*x*y') as a sympy expression in ``variables``.

    In a formula, ``^`` means a power and a decimal such as 0.1 is read as the exact fraction 1/10.
    """
    vs = parse_variables(variables)
    by_name = {v.name: v for v in vs}
    listed = ", ".join(by_name)
    if isinstance(f, str):
        f = _parse_formula(f, by_name)
    elif isinstance(f, (bool, np.bool_)):
        raise TypeError(f"f must be a formula such as 'x**2 + y**2' or a sympy expression, got {describe(f)}.")
    elif isinstance(f, (int, float, np.integer, np.floating)):
        if not math.isfinite(f):
            raise ValueError(f"f must be finite, got {f}.")
        f = sp.nsimplify(f, rational=True) if isinstance(f, (float, np.floating)) else sp.Integer(int(f))
    if isinstance(f, sp.core.relational.Relational):
        raise ValueError(f"f must be an expression, got the relation {f}: write only the function, e.g. 'x**2 + y**2'.")
    if not isinstance(f, sp.Expr):
        raise TypeError(f"f must be a formula such as 'x**2 + y**2' or a sympy expression, got {describe(f)}.")
    # symbols with the same name but other assumptions (real=True, ...) are the same variable to a reader
    f = f.subs({s: by_name[s.name] for s in f.free_symbols if s.name in by_name and s not in vs})
    extra = sorted(s.name for s in f.free_symbols if s.name not in by_name)
    if extra:
        names = ", ".join(extra)
        raise ValueError(f"f contains {names}, which {'is' if len(extra) == 1 else 'are'} not among the variables "
                         f"{listed}: use only {listed}, or substitute a number for {names}.")
    if f.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or f.has(sp.I):
        raise ValueError(f"f = {f} is not a finite real function: remove I, oo, zoo or nan.")
    return f


def _parse_formula(text: str, by_name: dict[str, sp.Symbol]) -> Any:
    listed = ", ".join(by_name)
    if not text.strip():
        raise ValueError(f"f is empty: type a formula in {listed}, such as 'x**2*y - 3*x*y'.")
    try:
        parsed = parse_expr(text, local_dict=dict(by_name), transformations=_TRANSFORMS)
    except Exception as err:  # noqa: BLE001 - parse_expr raises SyntaxError, TokenError, TypeError, ...: one message
        hint = "write only the function, without '= ...', and " if "=" in text else ""
        raise ValueError(f"could not read {text!r} as a formula ({type(err).__name__}): {hint}write products with * "
                         "and powers with ** or ^, e.g. 'x^2*y - 3*x*y'.") from None
    if not isinstance(parsed, (sp.Expr, sp.core.relational.Relational)):
        raise ValueError(f"could not read {text!r} as a formula in {listed}: it names a sympy function or object, "
                         "not a value; apply a function to something, as in sin(x), or use other names.")
    return parsed


def _point(point: Any, n: int) -> tuple[sp.Expr, ...]:
    if isinstance(point, np.ndarray):
        point = point.tolist()
    if isinstance(point, sp.MatrixBase):
        point = list(point)
    if not isinstance(point, (list, tuple)):
        raise TypeError(f"point must be a tuple of {n} numbers such as {tuple(range(2, 2 + n))}, "
                        f"got {describe(point)}.")
    if len(point) != n:
        raise ValueError(f"point {tuple(point)} has {len(point)} coordinates but there are {n} variables: pass {n}.")
    out = []
    for v in point:
        if isinstance(v, (bool, np.bool_)):
            raise TypeError(f"each coordinate of point must be a number, got {describe(v)}.")
        if isinstance(v, (float, np.floating)):
            if not math.isfinite(v):
                raise ValueError(f"point must have finite coordinates, got {v}.")
            e = sp.nsimplify(float(v), rational=True)  # 1.5 means 3/2: the exact value it prints as
        else:
            try:
                e = sp.sympify(v)
            except (sp.SympifyError, TypeError, SyntaxError):
                raise ValueError(f"coordinate {v!r} of point is not a number: pass numbers such as 2, 1.5, "
                                 "sp.Rational(3, 2) or '3/2'.") from None
        if not isinstance(e, sp.Expr) or e.free_symbols or e.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
            raise ValueError(f"coordinate {v!r} of point is not a finite real number: the point must not contain "
                             "symbols, I or infinities.")
        out.append(e)
    return tuple(out)


# -- exact signs -------------------------------------------------------------------------------
def _sign(v: sp.Expr) -> int:
    """The exact sign of a real constant: symbolic facts, then a minimal-polynomial zero test, then evalf."""
    v = sp.sympify(v)
    # fast path: evalf's error bound is relative, so a clearly nonzero value has a reliable sign
    approx = sp.re(sp.N(v, 30))
    if abs(approx) > sp.Float("1e-15"):
        return 1 if approx > 0 else -1
    for expr in (v, sp.simplify(v)):
        if expr.is_zero:
            return 0
        if expr.is_positive:
            return 1
        if expr.is_negative:
            return -1
    try:
        if sp.minimal_polynomial(v, _T) == _T:  # an algebraic number is 0 iff its minimal polynomial is t
            return 0
    except Exception:  # noqa: BLE001 - not algebraic, or sympy gives up: decide numerically below
        pass
    value = sp.re(sp.N(v, 50))
    if abs(value) < sp.Float("1e-40"):
        raise ValueError(f"could not decide the sign of {v}; simplify f or the point.")
    return 1 if value > 0 else -1


def _is_real(v: sp.Expr) -> bool:
    if v.is_real is not None:
        return bool(v.is_real)
    return abs(sp.im(sp.N(v, 50))) < sp.Float("1e-30")


def _clean_real(v: sp.Expr) -> sp.Expr:
    """A real algebraic number written with I (Cardano's formula) as an exact real root object."""
    if not v.has(sp.I):
        return v
    try:
        poly = sp.Poly(sp.minimal_polynomial(v, _T), _T)
        approx = sp.re(sp.N(v, 30))
        return min(poly.real_roots(), key=lambda r: abs(sp.N(r, 30) - approx))
    except Exception:  # noqa: BLE001 - keep the radical form when sympy cannot find the minimal polynomial
        return v


def _simplify(e: sp.Expr) -> sp.Expr:
    # simplify is slow on Cardano-size radicals and rarely shortens them
    return sp.simplify(e) if sp.count_ops(e) < 60 else e


# -- derivatives -------------------------------------------------------------------------------
def gradient(f: Any, variables: Any) -> sp.Matrix:
    """The gradient of f as a column Matrix of shape (n, 1): one partial derivative per variable, in order."""
    vs = parse_variables(variables)
    f = parse_function(f, vs)
    return sp.Matrix([sp.diff(f, v) for v in vs])


def hessian(f: Any, variables: Any) -> sp.Matrix:
    """The Hessian of f, a Matrix of shape (n, n): entry (i, j) = d^2 f / dx_i dx_j."""
    vs = parse_variables(variables)
    return sp.hessian(parse_function(f, vs), vs)


def jacobian_of_gradient(f: Any, variables: Any) -> sp.Matrix:
    """The Jacobian of the gradient map x -> grad f(x), a Matrix of shape (n, n); it equals the Hessian."""
    vs = parse_variables(variables)
    return gradient(f, vs).jacobian(sp.Matrix(vs))


# -- classification ----------------------------------------------------------------------------
def _kind_from_counts(positive: int, negative: int, zero: int) -> str:
    if zero == 0 and negative == 0:
        return "minimum"
    if zero == 0 and positive == 0:
        return "maximum"
    if positive and negative:
        return "saddle"
    return "inconclusive"


def _constant_matrix(H: Any) -> sp.Matrix:
    if isinstance(H, (str, bytes)) or not isinstance(H, (sp.MatrixBase, np.ndarray, list, tuple)):
        raise TypeError(f"H must be a square symmetric matrix (a sympy Matrix or nested lists), got {describe(H)}.")
    try:
        M = sp.Matrix(H)
    except (ValueError, TypeError, sp.SympifyError):
        raise TypeError(f"H must be a square symmetric matrix of numbers, got {describe(H)}.") from None
    if M.shape[0] == 0 or M.shape[1] == 0:
        raise ValueError("H is empty: pass a square matrix with at least one entry.")
    if not M.is_square:
        raise ValueError(f"H must be square (n, n), got shape {M.shape}.")
    if M.free_symbols:
        raise ValueError(f"H contains the symbols {sorted(map(str, M.free_symbols))}: substitute the point first, "
                         "e.g. hessian(f, vars).subs({x: 2, y: 2}).")
    if any(e.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I) for e in M):
        raise ValueError("H must hold finite real numbers: it contains I, nan or an infinity.")
    if M != M.T and not all(_sign(d) == 0 for d in (M - M.T)):
        raise ValueError("H must be symmetric (H == H.T), as every Hessian of a C^2 function is.")
    return M


def classify_hessian(H: Any) -> tuple[list[sp.Expr], str]:
    """Exact eigenvalues (with multiplicity, ascending) of a constant symmetric H of shape (n, n), and its kind."""
    H = _constant_matrix(H)
    n = H.shape[0]
    # Signs from the characteristic polynomial: its roots are real (H symmetric), so Descartes' rule of
    # signs counts the positive roots exactly, and only the coefficients' signs (exact) are needed.
    coeffs = [_sign(c) for c in H.charpoly(_T, simplify=_simplify).all_coeffs()]
    zero = 0
    while zero < n and coeffs[n - zero] == 0:
        zero += 1
    nonzero = [c for c in coeffs if c != 0]
    positive = sum(a != b for a, b in zip(nonzero, nonzero[1:], strict=False))
    kind = _kind_from_counts(positive, n - zero - positive, zero)
    try:
        eigenvalues = [_clean_real(_simplify(e)) for e in H.eigenvals(multiple=True, simplify=_simplify)]
    except Exception:  # noqa: BLE001 - sympy's MatrixError when the characteristic polynomial has no closed form
        try:
            eigenvalues = sp.Poly(H.charpoly(_T).as_expr(), _T).all_roots()  # exact CRootOf, rational H only
        except Exception:  # noqa: BLE001 - report below in the workbook's words
            raise ValueError(f"sympy cannot compute the eigenvalues of {H.tolist()} exactly; the kind is "
                             f"{kind}.") from None
    eigenvalues.sort(key=lambda e: (float(sp.re(sp.N(e, 30))), sp.default_sort_key(e)))
    return eigenvalues, kind


def classify_eigenvalues(eigenvalues: Iterable[Any]) -> str:
    """The second-derivative-test kind for a list of real eigenvalues (exact sympy numbers or floats)."""
    if isinstance(eigenvalues, (str, bytes)) or not isinstance(eigenvalues, Iterable):
        raise TypeError(f"eigenvalues must be a list of real numbers such as [2, 6], got {describe(eigenvalues)}.")
    values = list(eigenvalues)
    if not values:
        raise ValueError("eigenvalues is empty: pass at least one eigenvalue, e.g. [2, 6].")
    signs = []
    for e in values:
        if isinstance(e, (str, bytes, bool, np.bool_, complex)):
            raise TypeError(f"each eigenvalue must be a real number, got {describe(e)}.")
        v = sp.sympify(e)
        if not isinstance(v, sp.Expr) or v.free_symbols or v.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not _is_real(v):
            raise ValueError(f"each eigenvalue must be a finite real number, got {e}.")
        signs.append(_sign(v))
    return _kind_from_counts(signs.count(1), signs.count(-1), signs.count(0))


@dataclass(frozen=True)
class CriticalPoint:
    """A critical point with its Hessian (n, n), eigenvalues (with multiplicity) and kind (see module docstring)."""

    point: tuple
    hessian: sp.ImmutableMatrix
    eigenvalues: list
    kind: str


@dataclass(frozen=True)
class GradientCheck:
    """Whether ``point`` is critical: the exact gradient there and the partials that do not vanish."""

    point: tuple
    gradient: tuple
    nonzero: dict  # variable name -> value of the partial derivative that is not 0
    is_critical: bool


def check_critical_point(f: Any, variables: Any, point: Any) -> GradientCheck:
    """Evaluate grad f exactly at ``point`` (one coordinate per variable) and report non-vanishing partials."""
    vs = parse_variables(variables)
    f = parse_function(f, vs)
    p = _point(point, len(vs))
    at = dict(zip(vs, p, strict=True))
    values = tuple(sp.simplify(sp.diff(f, v).subs(at)) for v in vs)
    bad = [v for v, g in zip(vs, values, strict=True) if g.has(sp.zoo, sp.nan, sp.oo, -sp.oo)]
    if bad:
        raise ValueError(f"the partial derivative along {bad[0].name} is not finite at {p}: f is not "
                         "differentiable there.")
    nonzero = {v.name: g for v, g in zip(vs, values, strict=True) if _sign(g) != 0}
    return GradientCheck(p, values, nonzero, not nonzero)


def classify_point(f: Any, variables: Any, point: Any) -> CriticalPoint:
    """Hessian, eigenvalues and kind at a given critical point; ValueError if the point is not critical."""
    vs = parse_variables(variables)
    f = parse_function(f, vs)
    check = check_critical_point(f, vs, point)
    if not check.is_critical:
        raise ValueError(f"{check.point} is not a critical point: the partial derivatives {check.nonzero} are not 0.")
    return _classify_at(f, vs, check.point)


def _classify_at(f: sp.Expr, vs: tuple[sp.Symbol, ...], point: tuple) -> CriticalPoint:
    H = sp.ImmutableMatrix(sp.hessian(f, vs).subs(dict(zip(vs, point, strict=True))).applyfunc(_simplify))
    eigenvalues, kind = classify_hessian(H)
    return CriticalPoint(point, H, eigenvalues, kind)


# -- solving, with a time limit ----------------------------------------------------------------
class _Interrupt(BaseException):
    """Raised by the alarm handler; a BaseException so that sympy's own ``except Exception`` cannot swallow it."""


def _within(seconds: float | None, work: Callable[[], _R], message: Callable[[], TimeLimitError]) -> _R:
    """work(), or the error message() once ``seconds`` have passed (None: no limit)."""
    if seconds is None:
        return work()
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        return _within_alarm(seconds, work, message)
    # no SIGALRM (Windows) or not the main thread: wait for a worker thread, which cannot be stopped
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = work()
        except BaseException as err:  # noqa: BLE001 - handed to the caller's thread and raised there
            result["error"] = err

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        err = message()
        raise TimeLimitError(f"{err} (the abandoned computation finishes in the background)", seconds=err.seconds,
                                detail=err.detail)
    if "error" in result:
        raise result["error"]
    return result["value"]


def _within_alarm(seconds: float, work: Callable[[], _R], message: Callable[[], TimeLimitError]) -> _R:
    outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL)  # e.g. pytest-timeout's alarm
    start = time.monotonic()
    armed = [True]

    def on_alarm(signum: int, frame: Any) -> None:
        if armed[0]:
            raise _Interrupt

    def restore() -> None:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay > 0:
            signal.setitimer(signal.ITIMER_REAL, max(outer_delay - (time.monotonic() - start), 1e-3), outer_interval)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)  # fires again every 0.5 s until restored
    try:
        try:
            return work()
        finally:
            restore()
    except _Interrupt:
        restore()
        raise message() from None


def _slow_system_note(grad: list[sp.Expr], vs: tuple[sp.Symbol, ...]) -> str:
    degrees = [sp.Poly(g, *vs).total_degree() if g != 0 else 0 for g in grad]
    bound = math.prod(d for d in degrees if d > 0)
    return (f"its gradient equations have degrees {', '.join(map(str, degrees))}, so up to {bound} complex solutions "
            "(Bezout's bound), which sympy finds in closed form")


def critical_points(f: Any, variables: Any, *, allow_incomplete: bool = False,
                    time_limit: float | None = 30.0) -> list[CriticalPoint]:
    """All real critical points of f, each classified, sorted by coordinates.

    Polynomial f: sympy solves grad f = 0 completely, or this raises ValueError (also when the critical
    points are not isolated, e.g. (x - y)**2). Other f: sympy's solve may miss solutions, so this raises
    unless ``allow_incomplete=True``, in which case the points sympy finds are returned. After
    ``time_limit`` seconds (None: no limit) it gives up with ``TimeLimitError``.
    """
    vs = parse_variables(variables)
    f = parse_function(f, vs)
    if not isinstance(allow_incomplete, (bool, np.bool_)):
        raise TypeError(f"allow_incomplete must be True or False, got {describe(allow_incomplete)}.")
    if time_limit is not None:
        time_limit = positive_number(time_limit, "time_limit (seconds, or None for no limit)")
    grad = [sp.expand(sp.diff(f, v)) for v in vs]
    if all(g == 0 for g in grad):
        raise ValueError(f"f = {f} is constant in {', '.join(v.name for v in vs)}: every point is critical, "
                         "so there is no finite list.")
    polynomial = all(g.is_polynomial(*vs) for g in grad)
    if not polynomial and not allow_incomplete:
        raise ValueError(
            f"the gradient of {f} is not polynomial, so sympy's solve may miss critical points (e.g. infinitely many "
            "for sin): pass allow_incomplete=True to accept the ones sympy finds, knowing the list may be incomplete."
        )

    def timed_out() -> TimeLimitError:
        detail = _slow_system_note(grad, vs) if polynomial else ""
        return TimeLimitError(
            f"sympy did not finish finding the critical points of {f} within time_limit={time_limit:g} seconds"
            f"{': ' + detail if detail else ''}; pass a larger time_limit, or time_limit=None to wait as long as it "
            "takes", seconds=time_limit, detail=detail)

    return _within(time_limit, lambda: _solve_and_classify(f, vs, grad), timed_out)


def _solve_and_classify(f: sp.Expr, vs: tuple[sp.Symbol, ...], grad: list[sp.Expr]) -> list[CriticalPoint]:
    try:
        solutions = sp.solve(grad, vs, dict=True)
    except NotImplementedError as err:
        raise ValueError(f"sympy cannot solve grad f = 0 for f = {f} ({err}); no list of critical points is "
                         "returned.") from None
    points: list[CriticalPoint] = []
    for sol in solutions:
        values = [sp.sympify(sol.get(v, v)) for v in vs]
        if any(val.free_symbols for val in values):
            free = ", ".join(f"{v.name} = {val}" for v, val in zip(vs, values, strict=True) if val != v)
            raise ValueError(
                f"the critical points of {f} are not isolated (a whole curve or surface: {free or 'every point'}), "
                "so there is no finite list; the second-derivative test does not apply to such points."
            )
        if all(_is_real(val) for val in values):
            # solutions of sympy's solve satisfy grad f = 0 already; no need to re-check them
            point = tuple(_clean_real(_simplify(val)) for val in values)
            if point not in [p.point for p in points]:
                points.append(_classify_at(f, vs, point))
    points.sort(key=lambda c: (tuple(float(sp.re(sp.N(v, 30))) for v in c.point), str(c.point)))
    return points


# -- the second-order necessary condition, for a generic f ---------------------------------------
def directional_derivatives_derivation(n_variables: int = 3) -> Derivation:
    """For a generic f of n variables and g(t) = f(p + t v): g'(t) = grad f . v and g''(t) = v^T H v (chain rule)."""
    n = positive_int(n_variables, "n_variables")
    t = sp.Symbol("t", real=True)
    xs = sp.symbols(f"x1:{n + 1}", real=True)
    v = sp.Matrix(sp.symbols(f"v1:{n + 1}", real=True))
    f = sp.Function("f")(*xs)
    line = [sp.Function(f"w{i + 1}")(t) for i in range(n)]  # w(t) = p + t v: w' = v, w'' = 0, w(t) = x

    def along_line(order: int) -> sp.Expr:
        d = sp.diff(f.subs(dict(zip(xs, line, strict=True)), simultaneous=True), t, order)
        d = d.subs({w.diff(t, 2): 0 for w in line}).subs({w.diff(t): v[i] for i, w in enumerate(line)})
        return d.subs(dict(zip(line, xs, strict=True))).doit()

    g1, g2 = sp.Symbol("g'(t)"), sp.Symbol("g''(t)")
    H = sp.hessian(f, xs)
    return (Derivation(f"derivatives of f along a line, generic f of {n} variable{'s' if n > 1 else ''}")
            .step(sp.Eq(g1, along_line(1)), "chain rule for g(t) = f(p + t v), at the point x = p + t v", given=True)
            .step(sp.Eq(g1, (gradient(f, xs).T * v)[0]), "= grad f(x) . v")
            .step(sp.Eq(g2, along_line(2)), "differentiate again; on a line w'' = 0", given=True)
            .step(sp.Eq(g2, (v.T * H * v)[0]), "= v^T H(x) v, H the Hessian"))


def necessary_condition_derivation() -> Derivation:
    """Taylor's theorem along a line through a critical point: f(p + t v) - f(p) = t^2 (v^T H v / 2 + rho(t))."""
    t = sp.Symbol("t", real=True)
    s, q, rho = sp.symbols(r"\nabla{f(p)}\cdot{v} v^{T}H(p)v \rho(t)", real=True)
    delta = sp.Symbol(r"f(p+tv)-f(p)")
    return (Derivation("at a local minimum the Hessian is positive semi-definite")
            .step(sp.Eq(delta, t * s + t**2 / 2 * q + t**2 * rho),
                  "Taylor for g(t) = f(p + t v): g'(0) = grad f(p) . v, g''(0) = v^T H v, remainder rho(t) -> 0",
                  given=True)
            .step(sp.Eq(delta, t**2 / 2 * q + t**2 * rho), "p is critical: grad f(p) = 0", subs={s: 0})
            .step(sp.Eq(delta, t**2 * (q / 2 + rho)),
                  "if v^T H v < 0, this is < 0 once |rho(t)| < |v^T H v|/2: p is not a local minimum"))
