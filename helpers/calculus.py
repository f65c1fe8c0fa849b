"""Critical points, Hessians and the dynamics of descent methods near them (PROBLEMS.md A1-A7).

Symbolic part (sympy, exact): ``gradient``, ``hessian``, ``jacobian_of_gradient``, ``critical_points``,
``check_critical_point``, ``classify_point``, ``classify_hessian``.
Numeric part (NumPy): saddle statistics of random symmetric matrices, gradient descent near a saddle,
Newton's method for roots and minima.

Classification rule of the second-derivative test, applied exactly (signs are decided symbolically,
never by rounding): all Hessian eigenvalues > 0 -> "minimum"; all < 0 -> "maximum"; at least one > 0 and
at least one < 0 -> "saddle" (even when another eigenvalue is 0, since f already rises along one
eigen-direction and falls along another); otherwise, i.e. a zero eigenvalue and no sign change,
-> "inconclusive": the Hessian alone cannot tell (x^4 + y^4 is a minimum, x^3 - 3xy^2 a saddle, both
with H = 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import mpmath
import numpy as np
import sympy as sp
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

KINDS = ("minimum", "maximum", "saddle", "inconclusive")
_T = sp.Dummy("t")  # a scratch variable for minimal polynomials


# -- input handling ----------------------------------------------------------------------------
def _symbols(variables: Any) -> tuple[sp.Symbol, ...]:
    """Variables given as sympy Symbols or names, in order; validated."""
    if isinstance(variables, (str, sp.Symbol)):
        variables = [variables]
    if not isinstance(variables, (list, tuple)) or not variables:
        raise ValueError(f"Pass the variables as a non-empty list such as ['x', 'y'] or sp.symbols('x y'), got {variables!r}.")
    out = []
    for v in variables:
        if isinstance(v, str) and v.isidentifier():
            out.append(sp.Symbol(v))
        elif isinstance(v, sp.Symbol):
            out.append(v)
        else:
            raise ValueError(f"Each variable must be a sympy Symbol or a name such as 'x', got {v!r} ({type(v).__name__}).")
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise ValueError(f"Variable names must be distinct, got {names}.")
    return tuple(out)


def _expression(f: Any, variables: tuple[sp.Symbol, ...]) -> sp.Expr:
    """``f`` as a sympy expression in exactly ``variables`` (matched by name)."""
    by_name = {v.name: v for v in variables}
    if isinstance(f, str):
        try:
            f = parse_expr(f, local_dict=dict(by_name), transformations=standard_transformations + (convert_xor,))
        except Exception as err:  # parse_expr raises many types (SyntaxError, TokenError, TypeError, ...)
            raise ValueError(f"Could not parse {f!r} as a formula ({type(err).__name__}): write it like 'x**2*y - 3*x*y'.") from None
    elif isinstance(f, (int, float)):
        f = sp.sympify(f)
    if not isinstance(f, sp.Expr):
        raise ValueError(f"f must be a sympy expression or a string formula such as 'x**2 + y**2', got {type(f).__name__}.")
    # symbols with the same name but other assumptions (real=True, ...) are the same variable to a reader
    f = f.subs({s: by_name[s.name] for s in f.free_symbols if s.name in by_name and s not in variables})
    extra = sorted(s.name for s in f.free_symbols if s.name not in by_name)
    if extra:
        raise ValueError(
            f"f contains {', '.join(extra)}, which {'is' if len(extra) == 1 else 'are'} not among the variables "
            f"{[v.name for v in variables]}: add {'it' if len(extra) == 1 else 'them'} to the variables or substitute a number."
        )
    if f.has(sp.I) or f.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ValueError(f"f = {f} is not a finite real expression: remove I, oo or zoo.")
    return f


def _point(point: Any, n: int) -> tuple[sp.Expr, ...]:
    if not isinstance(point, (list, tuple, sp.MatrixBase, np.ndarray)):
        raise ValueError(f"Pass the point as a tuple of {n} numbers, e.g. (2, 2), got {point!r}.")
    values = list(point)
    if len(values) != n:
        raise ValueError(f"The point {tuple(values)} has {len(values)} coordinates but there are {n} variables: pass {n}.")
    out = []
    for v in values:
        try:
            # floats become the exact rational they print as, so (1.5, 3) means (3/2, 3)
            e = sp.nsimplify(v, rational=True) if isinstance(v, float) else sp.sympify(v)
        except (sp.SympifyError, TypeError):
            raise ValueError(f"Coordinate {v!r} is not a number: pass numbers such as 3/2 as sp.Rational(3, 2) or '3/2'.") from None
        if not isinstance(e, sp.Expr) or e.free_symbols:
            raise ValueError(f"Coordinate {v!r} is not a number: the point must not contain symbols.")
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
    except Exception:  # not algebraic, or sympy gives up: decide numerically below
        pass
    # a nonzero number: evalf's error bound is relative, so enough digits fix the sign of the real part
    value = sp.re(sp.N(v, 50))
    if abs(value) < sp.Float("1e-40"):
        raise ValueError(f"Could not decide the sign of {v}; simplify f or the point.")
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
    except Exception:
        return v


# -- derivatives -------------------------------------------------------------------------------
def gradient(f: Any, variables: Any) -> sp.Matrix:
    """The gradient of f as a column Matrix: (n, 1), one partial derivative per variable, in order."""
    vs = _symbols(variables)
    f = _expression(f, vs)
    return sp.Matrix([sp.diff(f, v) for v in vs])


def hessian(f: Any, variables: Any) -> sp.Matrix:
    """The Hessian of f: (n, n), entry (i, j) = d^2 f / dx_i dx_j."""
    vs = _symbols(variables)
    return sp.hessian(_expression(f, vs), vs)


def jacobian_of_gradient(f: Any, variables: Any) -> sp.Matrix:
    """The Jacobian of the gradient map x -> grad f(x): (n, n); equals the Hessian (A4)."""
    vs = _symbols(variables)
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


def classify_hessian(H: sp.Matrix) -> tuple[list[sp.Expr], str]:
    """Exact eigenvalues (with multiplicity, ascending) of a constant symmetric H: (n, n), and its kind."""
    H = sp.Matrix(H)
    if H.free_symbols or not H.is_square or H != H.T:
        raise ValueError("classify_hessian needs a square symmetric matrix of numbers; substitute the point first.")
    n = H.shape[0]
    # Signs from the characteristic polynomial: its roots are real (H symmetric), so Descartes' rule of
    # signs counts the positive roots exactly, and only the coefficients' signs (exact) are needed.
    coeffs = [_sign(c) for c in H.charpoly(_T, simplify=_simplify).all_coeffs()]
    zero = 0
    while zero < n and coeffs[n - zero] == 0:
        zero += 1
    nonzero = [c for c in coeffs if c != 0]
    positive = sum(a != b for a, b in zip(nonzero, nonzero[1:]))
    kind = _kind_from_counts(positive, n - zero - positive, zero)
    try:
        eigenvalues = [_clean_real(_simplify(e)) for e in H.eigenvals(multiple=True, simplify=_simplify)]
    except Exception:  # sympy's MatrixError when the characteristic polynomial has no closed-form roots
        try:
            eigenvalues = sp.Poly(H.charpoly(_T).as_expr(), _T).all_roots()  # exact CRootOf, rational H only
        except Exception:
            raise ValueError(f"sympy cannot compute the eigenvalues of {H.tolist()} exactly; the kind is {kind}.") from None
    eigenvalues.sort(key=lambda e: (float(sp.re(sp.N(e, 30))), sp.default_sort_key(e)))
    return eigenvalues, kind


def classify_eigenvalues(eigenvalues: Iterable[Any]) -> str:
    """The second-derivative-test kind for a list of real eigenvalues (exact sympy numbers or floats)."""
    signs = [_sign(sp.sympify(e)) for e in eigenvalues]
    if not signs:
        raise ValueError("Pass at least one eigenvalue.")
    return _kind_from_counts(signs.count(1), signs.count(-1), signs.count(0))


@dataclass(frozen=True)
class CriticalPoint:
    """A critical point with its Hessian, eigenvalues (with multiplicity) and kind (see module docstring)."""

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
    vs = _symbols(variables)
    f = _expression(f, vs)
    p = _point(point, len(vs))
    at = dict(zip(vs, p))
    values = tuple(sp.simplify(sp.diff(f, v).subs(at)) for v in vs)
    bad = [v for v, g in zip(vs, values) if g.has(sp.zoo, sp.nan, sp.oo, -sp.oo)]
    if bad:
        raise ValueError(f"The partial derivative along {bad[0].name} is not finite at {p}: f is not differentiable there.")
    nonzero = {v.name: g for v, g in zip(vs, values) if _sign(g) != 0}
    return GradientCheck(p, values, nonzero, not nonzero)


def classify_point(f: Any, variables: Any, point: Any) -> CriticalPoint:
    """Hessian, eigenvalues and kind at a given critical point; ValueError if the point is not critical."""
    vs = _symbols(variables)
    f = _expression(f, vs)
    check = check_critical_point(f, vs, point)
    if not check.is_critical:
        raise ValueError(f"{check.point} is not a critical point: the partial derivatives {check.nonzero} are not 0.")
    return _classify_at(f, vs, check.point)


def _simplify(e: sp.Expr) -> sp.Expr:
    # simplify is slow on Cardano-size radicals and rarely shortens them
    return sp.simplify(e) if sp.count_ops(e) < 60 else e


def _classify_at(f: sp.Expr, vs: tuple[sp.Symbol, ...], point: tuple) -> CriticalPoint:
    H = sp.ImmutableMatrix(sp.hessian(f, vs).subs(dict(zip(vs, point))).applyfunc(_simplify))
    eigenvalues, kind = classify_hessian(H)
    return CriticalPoint(point, H, eigenvalues, kind)


def critical_points(f: Any, variables: Any, *, allow_incomplete: bool = False) -> list[CriticalPoint]:
    """All real critical points of f, each classified, sorted by coordinates.

    Polynomial f: sympy solves grad f = 0 completely, or this raises ValueError (also when the critical
    points are not isolated, e.g. (x - y)**2). Other f: sympy's solve may miss solutions, so this raises
    unless ``allow_incomplete=True``, in which case the points sympy finds are returned.
    """
    vs = _symbols(variables)
    f = _expression(f, vs)
    grad = [sp.expand(sp.diff(f, v)) for v in vs]
    if all(g == 0 for g in grad):
        raise ValueError(f"f = {f} is constant in {[v.name for v in vs]}: every point is critical, there is no finite list.")
    polynomial = all(g.is_polynomial(*vs) for g in grad)
    if not polynomial and not allow_incomplete:
        raise ValueError(
            f"The gradient of {f} is not polynomial, so sympy's solve may miss critical points (e.g. infinitely many "
            "for sin): pass allow_incomplete=True to accept the ones sympy finds, knowing the list may be incomplete."
        )
    try:
        solutions = sp.solve(grad, vs, dict=True)
    except NotImplementedError as err:
        raise ValueError(f"sympy cannot solve grad f = 0 for f = {f} ({err}); no list of critical points is returned.") from None
    points = []
    for sol in solutions:
        values = [sol.get(v, v) for v in vs]
        if any(sp.sympify(val).free_symbols for val in values):
            free = ", ".join(f"{v.name} = {val}" for v, val in zip(vs, values) if val != v)
            raise ValueError(
                f"The critical points of {f} are not isolated (a whole curve or surface: {free or 'every point'}), "
                "so there is no finite list; the second-derivative test does not apply to such points."
            )
        if all(_is_real(sp.sympify(val)) for val in values):
            # solutions of sympy's solve satisfy grad f = 0 already; no need to re-check them
            point = tuple(_clean_real(_simplify(val)) for val in values)
            if point not in [p.point for p in points]:
                points.append(_classify_at(f, vs, point))
    points.sort(key=lambda c: (tuple(float(sp.re(sp.N(v, 30))) for v in c.point), str(c.point)))
    return points


# -- A5: saddle statistics ---------------------------------------------------------------------
def _positive_int(n: Any, name: str) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}.")
    return int(n)


def coin_flip_saddle_probability(n: int) -> float:
    """P(mixed signs) when each of n eigenvalue signs is an independent fair coin: 1 - 2**(1 - n)."""
    n = _positive_int(n, "n")
    return 1.0 - 2.0 ** (1 - n)


@dataclass(frozen=True)
class SpectrumStats:
    """Fractions of sampled GOE matrices of size n: (len(n),) arrays, summing to 1 per n."""

    n: np.ndarray
    all_positive: np.ndarray
    all_negative: np.ndarray
    mixed: np.ndarray
    trials: int


def goe_matrices(n: int, trials: int, rng: np.random.Generator) -> np.ndarray:
    """``trials`` GOE matrices: (trials, n, n), symmetric, off-diagonal variance 1/2, diagonal variance 1."""
    a = rng.standard_normal((_positive_int(trials, "trials"), _positive_int(n, "n"), n))
    return (a + np.swapaxes(a, 1, 2)) / 2.0


def goe_spectrum_fractions(ns: Sequence[int], trials: int = 20_000, seed: int = 0) -> SpectrumStats:
    """Monte Carlo over GOE matrices of each size in ``ns``: fractions all-positive / all-negative / mixed."""
    rng = np.random.default_rng(seed)
    ns = [_positive_int(n, "each n") for n in ns]
    rows = []
    for n in ns:
        lam = np.linalg.eigvalsh(goe_matrices(n, trials, rng))  # (trials, n), one vectorised call
        pos, neg = np.all(lam > 0, axis=1).mean(), np.all(lam < 0, axis=1).mean()
        rows.append((pos, neg, 1.0 - pos - neg))
    pos, neg, mixed = (np.array(c) for c in zip(*rows))
    return SpectrumStats(np.array(ns), pos, neg, mixed, trials)


# -- A6: gradient descent near a saddle --------------------------------------------------------
def saddle_function(w: np.ndarray) -> np.ndarray:
    """f(x, y) = x^2/2 + y^4/4 - y^2/2 for w: (..., 2); saddle at 0, minima at (0, +-1)."""
    w = np.asarray(w, dtype=float)
    x, y = w[..., 0], w[..., 1]
    return x**2 / 2 + y**4 / 4 - y**2 / 2


def saddle_gradient(w: np.ndarray) -> np.ndarray:
    """grad f = (x, y^3 - y) for w: (..., 2); Hessian at the saddle diag(1, -1)."""
    w = np.asarray(w, dtype=float)
    return np.stack([w[..., 0], w[..., 1] ** 3 - w[..., 1]], axis=-1)


def saddle_expression(x: sp.Symbol, y: sp.Symbol) -> sp.Expr:
    """The same saddle function as a sympy expression."""
    return x**2 / 2 + y**4 / 4 - y**2 / 2


def _check_lr(lr: Any) -> float:
    if not isinstance(lr, (int, float, np.floating)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"The learning rate must be a positive number, got {lr!r}.")
    return float(lr)


def gradient_descent(
    grad: Callable[[np.ndarray], np.ndarray], w0: Any, lr: float, steps: int,
    *, lambda_max: float | None = None, blow_up: float = 1e8,
) -> np.ndarray:
    """Iterates of w <- w - lr * grad(w) from w0: (d,); returns the path: (steps + 1, d)."""
    lr, steps = _check_lr(lr), _positive_int(steps, "steps")
    w = np.array(w0, dtype=float)
    if w.ndim != 1 or not np.all(np.isfinite(w)):
        raise ValueError(f"w0 must be a finite 1-D array such as [1.0, 0.01], got shape {w.shape}.")
    path = np.empty((steps + 1, w.size))
    path[0] = w
    for t in range(1, steps + 1):
        w = w - lr * np.asarray(grad(w), dtype=float)
        if not np.all(np.isfinite(w)) or np.max(np.abs(w)) > blow_up:
            hint = f"; on a quadratic it converges only for lr < 2/lambda_max = {2 / lambda_max:.4g}" if lambda_max else ""
            raise ValueError(f"Gradient descent diverged at step {t} (|w| > {blow_up:g} or NaN/inf): learning rate {lr:g} is too large{hint}.")
        path[t] = w
    return path


def escape_times(offsets: Any, lr: float, threshold: float = 0.5, x0: float = 1.0, max_steps: int = 100_000) -> np.ndarray:
    """Steps until |y| > threshold for GD on ``saddle_function`` from (x0, offset): (len(offsets),); inf if never."""
    lr = _check_lr(lr)
    y = np.abs(np.atleast_1d(np.asarray(offsets, dtype=float)))
    if np.any(y == 0):
        raise ValueError("An offset of 0 starts on the stable manifold: descent converges to the saddle and never escapes; pass a nonzero offset.")
    if not 0 < threshold < 1 or np.any(y >= threshold):
        raise ValueError(f"Need 0 < |offset| < threshold < 1, got threshold {threshold} and offsets {y}.")
    # the y-coordinate of a GD step does not depend on x, so all offsets are advanced together
    steps = np.full(y.shape, np.inf)
    for t in range(1, max_steps + 1):
        y = y - lr * (y**3 - y)
        newly = (np.abs(y) > threshold) & np.isinf(steps)
        steps[newly] = t
        if not np.isinf(steps).any():
            break
    return steps


def linearized_escape_time(offsets: Any, lr: float, threshold: float = 0.5) -> np.ndarray:
    """log(threshold/|offset|) / log(1 + lr): steps for y_t = (1 + lr)^t * offset to reach threshold."""
    lr = _check_lr(lr)
    return np.log(threshold / np.abs(np.asarray(offsets, dtype=float))) / np.log1p(lr)


# -- A7: Newton's method -----------------------------------------------------------------------
def newton_root(
    f: Callable, fprime: Callable, x0: Any, steps: int, *, names: tuple[str, str] = ("f", "f'"), blow_up: float = 1e12
) -> list:
    """Iterates x_{k+1} = x_k - f(x_k)/f'(x_k): a list of steps + 1 numbers (float or mpmath, as given)."""
    steps = _positive_int(steps, "steps")
    xs = [x0]
    x = x0
    for k in range(steps):
        d = fprime(x)
        if d == 0:
            raise ValueError(
                f"Newton's method stops at iterate {k} (x = {float(x):.6g}): {names[1]}(x) = 0, the tangent is "
                f"horizontal and never meets zero; start from another x0."
            )
        x = x - f(x) / d
        if not math.isfinite(float(x)) or abs(x) > blow_up:
            raise ValueError(f"Newton's method diverged at iterate {k + 1} (|x| > {blow_up:g}); start closer to the root.")
        xs.append(x)
    return xs


def newton_minimize(gprime: Callable, gsecond: Callable, x0: Any, steps: int, *, blow_up: float = 1e12) -> list:
    """Iterates x_{k+1} = x_k - g'(x_k)/g''(x_k) (Newton on g' = 0): a list of steps + 1 numbers."""
    return newton_root(gprime, gsecond, x0, steps, names=("g'", "g''"), blow_up=blow_up)


def newton_minimize_nd(grad: Callable, hess: Callable, w0: Any, steps: int) -> np.ndarray:
    """Iterates w <- w - H(w)^{-1} grad(w) for w0: (d,); returns (steps + 1, d)."""
    steps = _positive_int(steps, "steps")
    w = np.array(w0, dtype=float)
    path = [w]
    for k in range(steps):
        H = np.asarray(hess(w), dtype=float)
        try:
            w = w - np.linalg.solve(H, np.asarray(grad(w), dtype=float))
        except np.linalg.LinAlgError:
            raise ValueError(f"The Hessian is singular at iterate {k} (w = {path[-1]}): the Newton step is undefined.") from None
        path.append(w)
    return np.array(path)


def correct_digits(iterates: Sequence[Any], root: Any, cap: float = 50.0) -> np.ndarray:
    """-log10 of the relative error of each iterate: (len(iterates),), capped at ``cap`` for exact hits."""
    root_f = abs(root) if root != 0 else 1
    out = []
    for x in iterates:
        err = abs(x - root) / root_f
        out.append(cap if err == 0 else min(cap, max(0.0, -float(mpmath.log10(err)))))  # no '-0.0' digits
    return np.array(out)
