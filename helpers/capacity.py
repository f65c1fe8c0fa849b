"""Capacity of a network with one hidden layer of two units: can it compute sigma(beta0 + beta1 x1 x2)?

The network is ``sigma_out(c + v . g(W1 x + b1))`` with ``x = (x1, x2)``, ``W1: (2, 2)`` (one row of input
weights per hidden unit), ``b1: (2,)``, ``v: (2,)`` and a scalar ``c``. ``two_unit_construction`` builds a network
that computes it; ``published_construction`` builds a published wrong answer (a linear hidden unit meant to compute
the product); ``check_construction`` decides symbolically whether any proposed weights and activations give
``sigma(beta0 + beta1 x1 x2)`` for all inputs and, when they do not, says which term of the logit is wrong, by
how much, and which activation is at fault. Weights and betas may be numbers, sympy expressions (symbols such
as beta1) or formula strings such as '1/2'. Sympy and NumPy only; training lives in ``capacity_training``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

from helpers import validation

__all__ = [
    "X1",
    "X2",
    "SYMPY_ACTIVATIONS",
    "Construction",
    "CheckResult",
    "two_unit_construction",
    "published_construction",
    "generic_construction",
    "resolve_activation",
    "network_logit",
    "product_coefficient",
    "check_construction",
]

X1, X2 = sp.symbols("x1 x2", real=True)

# Activations as functions of sympy expressions, so the network output is a formula in x1, x2.
SYMPY_ACTIVATIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "square": lambda a: a**2,
    "linear": lambda a: a,
    "identity": lambda a: a,
    "relu": lambda a: sp.Max(a, 0),
    "sigmoid": lambda a: 1 / (1 + sp.exp(-a)),
    "tanh": lambda a: sp.tanh(a),
}

_T = sp.Symbol("t", real=True)
_SIGMOID = SYMPY_ACTIVATIONS["sigmoid"]
_UNDEFINED = (sp.nan, sp.zoo, sp.oo, -sp.oo)
_SHAPES = {"W1": ((2, 2), "one row of input weights per hidden unit"), "b1": ((2,), "one bias per hidden unit"),
           "v": ((2,), "one output weight per hidden unit")}


@dataclass(frozen=True)
class Construction:
    """Weights of the network: W1 (2, 2), b1 (2,), v (2,) (stored as sympy matrices), a scalar c, two activations.

    Weights may be numbers, sympy expressions or formula strings; activations are names from SYMPY_ACTIVATIONS or
    callables on sympy expressions. Wrong shapes, NaN or unknown activations raise TypeError/ValueError here.
    """

    W1: sp.Matrix
    b1: sp.Matrix
    v: sp.Matrix
    c: sp.Expr
    hidden_activation: Any = "square"
    output_activation: Any = "sigmoid"

    def __post_init__(self) -> None:
        # nested lists, arrays and formula strings become checked sympy matrices, so a wrong shape fails here
        object.__setattr__(self, "W1", _weights(self.W1, "W1"))
        object.__setattr__(self, "b1", _weights(self.b1, "b1"))
        object.__setattr__(self, "v", _weights(self.v, "v"))
        object.__setattr__(self, "c", _bias(self.c))
        resolve_activation(self.hidden_activation, "hidden_activation")
        resolve_activation(self.output_activation, "output_activation")

    def logit(self) -> sp.Expr:
        """The output unit's logit c + v . g(W1 x + b1) as an expanded sympy expression in X1, X2."""
        return network_logit(self.W1, self.b1, self.v, self.c, self.hidden_activation)

    def check(self, beta0: Any, beta1: Any, *, tolerance: float = 1e-9) -> CheckResult:
        """``check_construction`` on these weights and activations."""
        return check_construction(self.W1, self.b1, self.v, self.c, self.hidden_activation, self.output_activation,
                                  beta0, beta1, tolerance=tolerance)

    def numpy(self) -> dict[str, np.ndarray]:
        """The weights as float64 arrays {"W1": (2, 2), "b1": (2,), "v": (2,), "c": ()}; needs numeric betas."""
        try:
            return {
                "W1": np.array(self.W1.tolist(), dtype=np.float64),
                "b1": np.array(list(self.b1), dtype=np.float64),
                "v": np.array(list(self.v), dtype=np.float64),
                "c": np.array(float(self.c)),
            }
        except TypeError:
            raise ValueError("The construction has symbolic weights: build it with numbers for beta0 and beta1, "
                             "e.g. two_unit_construction(-1, 2).") from None


@dataclass(frozen=True)
class CheckResult:
    """Whether a proposed network equals sigma(beta0 + beta1 x1 x2) for all x, why (not), and its logit."""

    ok: bool
    reason: str
    logit: sp.Expr | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return f"{'accepted' if self.ok else 'rejected'}: {self.reason}"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


# -- inputs ------------------------------------------------------------------------------------
def _scalar(value: Any, name: str) -> sp.Expr:
    """One weight or beta as a finite real sympy expression that does not depend on the inputs x1, x2."""
    if isinstance(value, (bool, np.bool_, sp.logic.boolalg.BooleanAtom)):
        raise TypeError(f"{name} must be a number or a sympy expression, got {validation.describe(value)}: "
                        "True and False are not numbers here.")
    if isinstance(value, (complex, np.complexfloating)):
        raise TypeError(f"{name} must be a real number, got {validation.describe(value)}: drop the imaginary part.")
    if isinstance(value, str):
        try:
            expr = parse_expr(value, local_dict={"x1": X1, "x2": X2},
                              transformations=standard_transformations + (convert_xor,))
        except Exception as err:  # noqa: BLE001 - parse_expr raises SyntaxError, TokenError, TypeError, ...
            raise ValueError(f"{name} = {value!r} is not a formula sympy can read ({type(err).__name__}): write a "
                             "number or a formula such as '1/2', '-0.25' or '2*beta0'.") from None
    else:
        try:
            expr = sp.sympify(value.item() if isinstance(value, np.generic) else value, strict=True)
        except (sp.SympifyError, TypeError, ValueError):
            expr = None
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"{name} must be a number, a sympy expression such as sp.Symbol('beta1') or a formula "
                        f"string such as '1/2', got {validation.describe(value)}.")
    if expr.has(sp.nan):
        raise ValueError(f"{name} is NaN: check the computation that produced it (a division by zero, a diverged "
                         "training run) and pass a finite number.")
    if expr.has(*_UNDEFINED):
        raise ValueError(f"{name} is {expr}, not a finite number: pass a finite number or expression.")
    if expr.has(sp.I):
        raise ValueError(f"{name} = {expr} is not real: weights and betas are real numbers.")
    # a symbol is known by its name: 'beta1' typed as text is the beta1 = sp.Symbol('beta1', real=True) of a cell
    expr = expr.xreplace({s: sp.Symbol(s.name, real=True) for s in expr.free_symbols if isinstance(s, sp.Symbol)})
    inputs = sorted(s.name for s in expr.free_symbols if s.name in ("x1", "x2"))
    if inputs:
        raise ValueError(f"{name} = {expr} depends on the input {' and '.join(inputs)}: a weight is the same for "
                         "every input, so pass a number or a symbol such as beta1.")
    return expr


def _weights(value: Any, name: str) -> sp.Matrix:
    """W1 (2, 2), b1 (2,) or v (2,) as a sympy Matrix ((2, 1) for the vectors), every entry checked."""
    shape, meaning = _SHAPES[name]
    if isinstance(value, str):
        raise TypeError(f"{name} must be a {_shape_text(shape)} array or nested list of numbers ({meaning}), "
                        f"got {validation.describe(value)}.")
    if isinstance(value, sp.MatrixBase):
        value = value.tolist()
    try:
        arr = np.asarray(value, dtype=object)
        ragged = any(isinstance(e, (list, tuple, np.ndarray)) for e in arr.ravel())
    except ValueError:
        arr, ragged = np.empty(0, dtype=object), True
    vector_ok = len(shape) == 1 and arr.shape == (2, 1)  # a sympy column vector
    if ragged or (arr.shape != shape and not vector_ok):
        got = "rows of different lengths" if ragged else _shape_text(arr.shape)
        raise ValueError(f"{name} must have shape {_shape_text(shape)} ({meaning}), got {got}.")
    entries = [_scalar(e, f"{name}[{', '.join(map(str, i if len(shape) == 2 else i[:1]))}]")
               for i, e in np.ndenumerate(arr)]
    return sp.Matrix(2, 2, entries) if len(shape) == 2 else sp.Matrix(entries)


def _bias(value: Any, name: str = "c") -> sp.Expr:
    """The output bias c: a scalar (a 0-d array or one-element list is accepted)."""
    if isinstance(value, (list, tuple, np.ndarray, sp.MatrixBase)):
        arr = np.asarray(value.tolist() if isinstance(value, sp.MatrixBase) else value, dtype=object)
        if arr.size != 1:
            raise ValueError(f"{name} must be a single number (a scalar, the output bias), got shape "
                             f"{_shape_text(arr.shape)}.")
        value = arr.reshape(())[()]
    return _scalar(value, name)


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def resolve_activation(activation: Any, role: str = "hidden_activation") -> Callable[[sp.Expr], sp.Expr]:
    """A name from SYMPY_ACTIVATIONS or a callable on sympy expressions -> a checked sympy callable."""
    if isinstance(activation, str):
        return SYMPY_ACTIVATIONS[validation.one_of(activation, SYMPY_ACTIVATIONS, role)]
    if not callable(activation):
        raise TypeError(f"{role} must be a name such as 'square' or a callable on sympy expressions such as "
                        f"lambda a: a**2, got {validation.describe(activation)}.")
    try:
        probe = activation(_T)
    except Exception as exc:  # noqa: BLE001 - NumPy ufuncs and array helpers fail on sympy symbols in many ways
        raise ValueError(
            f"{role} does not work on sympy expressions ({type(exc).__name__}: {exc}); pass a sympy-friendly "
            "callable such as lambda a: a**2 or 1 / (1 + sp.exp(-a)), or a name like 'square' or 'sigmoid'."
        ) from None
    try:
        probe = sp.sympify(probe, strict=True)
    except (sp.SympifyError, TypeError):
        probe = None
    if not isinstance(probe, sp.Expr):
        raise ValueError(f"{role} must return a sympy expression, got {type(activation(_T)).__name__}: "
                         "write it with sympy functions, e.g. lambda a: sp.tanh(a).")
    if probe.has(*_UNDEFINED):
        raise ValueError(f"{role} gives {probe} for an input t: it must give a finite formula in t.")
    return activation


# -- constructions -----------------------------------------------------------------------------
def two_unit_construction(beta0: Any, beta1: Any) -> Construction:
    """A network with two hidden units whose output is sigma(beta0 + beta1 x1 x2) for every x; betas may be symbols."""
    beta0, beta1 = _scalar(beta0, "beta0"), _scalar(beta1, "beta1")
    ### BEGIN SOLUTION
    W1 = sp.Matrix([[1, 1], [1, -1]])
    b1 = sp.Matrix([0, 0])
    v = sp.Matrix([beta1 / 4, -beta1 / 4])
    c = beta0
    hidden_activation, output_activation = "square", "sigmoid"
    ### END SOLUTION
    return Construction(W1, b1, v, c, hidden_activation, output_activation)


def published_construction(beta0: Any, beta1: Any, unit_weights: Any = None) -> Construction:
    """The published answer as a network: a linear hidden unit meant to output beta0 + beta1 x1 x2, the other off.

    Unit 1 gets bias beta0; the answer puts beta1 on the product x1 x2, but a unit has one weight per input, so its
    input weights ``unit_weights`` (w11, w12) are generic symbols unless given, and beta1 has no weight to sit on.
    Unit 2's weights are 0; v = (1, 0), c = 0; linear hidden activation, sigmoid output.
    """
    b0 = _scalar(beta0, "beta0")
    _scalar(beta1, "beta1")  # validated, although no weight of a linear unit can carry it
    if unit_weights is None:
        unit_weights = sp.symbols("w11 w12", real=True)
    pair = np.asarray(unit_weights.tolist() if isinstance(unit_weights, sp.MatrixBase) else unit_weights, dtype=object)
    if pair.size != 2:
        raise ValueError(f"unit_weights must be hidden unit 1's two input weights (w11, w12), got "
                         f"{validation.describe(unit_weights)}.")
    w11, w12 = (_scalar(w, f"unit_weights[{i}]") for i, w in enumerate(pair.ravel()))
    return Construction(W1=sp.Matrix([[w11, w12], [0, 0]]), b1=sp.Matrix([b0, 0]), v=sp.Matrix([1, 0]),
                        c=sp.Integer(0), hidden_activation="linear")


def generic_construction(hidden_activation: Any = "linear", output_activation: Any = "sigmoid") -> Construction:
    """Every weight a real symbol: W1 = [[w11, w12], [w21, w22]], b1 = (b1, b2), v = (v1, v2), c = c."""
    resolve_activation(hidden_activation, "hidden_activation")
    resolve_activation(output_activation, "output_activation")
    return Construction(
        W1=sp.Matrix(2, 2, sp.symbols("w11 w12 w21 w22", real=True)),
        b1=sp.Matrix(sp.symbols("b1 b2", real=True)),
        v=sp.Matrix(sp.symbols("v1 v2", real=True)),
        c=sp.Symbol("c", real=True),
        hidden_activation=hidden_activation,
        output_activation=output_activation,
    )


# -- the logit -----------------------------------------------------------------------------------
def _units(W: sp.Matrix, b: sp.Matrix, vv: sp.Matrix, g: Callable[[sp.Expr], sp.Expr]) -> list[sp.Expr]:
    """Each hidden unit's contribution v_i g(w_i . x + b_i) to the logit."""
    pre = W * sp.Matrix([X1, X2]) + b
    return [vv[i] * g(pre[i]) for i in range(2)]


def network_logit(W1: Any, b1: Any, v: Any, c: Any, hidden_activation: Any = "square") -> sp.Expr:
    """The logit c + v . g(W1 x + b1) as an expanded sympy expression in X1, X2; W1 (2, 2), b1 (2,), v (2,)."""
    W, b, vv, cc = _weights(W1, "W1"), _weights(b1, "b1"), _weights(v, "v"), _bias(c)
    g = resolve_activation(hidden_activation, "hidden_activation")
    return sp.expand(cc + sum(_units(W, b, vv, g)))


def product_coefficient(logit: Any) -> sp.Expr:
    """The coefficient of x1*x2 in a logit that is a polynomial in X1, X2 (0 when there is no such term)."""
    expr = _scalar_logit(logit)
    if not expr.is_polynomial(X1, X2):
        raise ValueError(f"logit {_text(expr)} is not a polynomial in x1, x2, so it has no coefficients: "
                         "use a polynomial hidden activation such as 'square' or 'linear'.")
    return sp.Poly(expr, X1, X2).coeff_monomial(X1 * X2)


def _scalar_logit(logit: Any) -> sp.Expr:
    if not isinstance(logit, sp.Expr):
        raise TypeError(f"logit must be a sympy expression in x1, x2 (e.g. network_logit(...)), "
                        f"got {validation.describe(logit)}.")
    return sp.expand(logit)


# -- display -------------------------------------------------------------------------------------
def _short(e: sp.Expr) -> sp.Expr:
    """Floats with 4 significant digits, whole floats as integers, round-off below 1e-6 dropped; exact numbers kept."""
    def shown(f: sp.Float) -> sp.Expr:
        if abs(f) < 1e-6:
            return sp.Integer(0)
        return sp.Integer(int(f)) if float(f).is_integer() else sp.Float(f, 4)  # Float(1.0) != 1 in sympy

    return e.xreplace({f: shown(f) for f in e.atoms(sp.Float)})


def _text(e: sp.Expr) -> str:
    """A formula as the workbook writes it in messages: 2·x1·x2 - 1, x1^2, 0.5 (not 0.5000)."""
    s = sp.sstr(_short(sp.sympify(e))).replace("**", "^").replace("*", "·")
    s = re.sub(r"(\d+\.\d*?[1-9])0+(?!\d)", r"\1", s)
    return re.sub(r"(\d+)\.0+(?!\d)", r"\1", s)


def _activation_text(activation: Any, g: Callable[[sp.Expr], sp.Expr], var: str = "a") -> str:
    formula = _text(g(sp.Symbol(var, real=True)))
    return f"{activation} (g({var}) = {formula})" if isinstance(activation, str) else f"g({var}) = {formula}"


def _is_affine(g: Callable[[sp.Expr], sp.Expr]) -> bool:
    out = sp.expand(g(_T))
    return out.is_polynomial(_T) and sp.degree(out, _T) <= 1


def _is_sigmoid(f: Callable[[sp.Expr], sp.Expr]) -> bool:
    diff = f(_T) - _SIGMOID(_T)
    try:  # numbers first: simplify is slow on what is plainly not the sigmoid (tanh)
        return all(abs(complex(diff.evalf(subs={_T: t}))) < 1e-12 for t in (-3.1, -0.7, 0.0, 0.4, 2.3))
    except TypeError:  # a formula with free parameters besides t
        return bool(sp.simplify(diff.rewrite(sp.exp)).is_zero)


def _coefficient_zero(d: sp.Expr, tolerance: float) -> bool:
    """Exact numbers must cancel exactly; float coefficients (rounded or learned weights) up to ``tolerance``."""
    d = sp.simplify(d)
    if d.is_zero:  # not ``d == 0``: sympy >= 1.13 says Float(0.0) != 0
        return True
    if d.free_symbols or not d.has(sp.Float):
        return False
    return abs(complex(d)) <= tolerance


def _term_name(term: sp.Expr) -> str:
    return "the constant term" if term == 1 else f"the {_text(term)} coefficient"


def _off_by(have: sp.Expr, want: sp.Expr) -> str:
    gap = sp.simplify(have - want)
    if gap.free_symbols:
        return ""
    return f" (off by {_text(gap)})" if not gap.has(sp.Float) else f" (off by {float(gap):.3g})"


# -- the checker ---------------------------------------------------------------------------------
def check_construction(
    W1: Any,
    b1: Any,
    v: Any,
    c: Any,
    hidden_activation: Any,
    output_activation: Any,
    beta0: Any,
    beta1: Any,
    *,
    tolerance: float = 1e-9,
) -> CheckResult:
    """Is sigma_out(c + v . g(W1 x + b1)) == sigma(beta0 + beta1 x1 x2) for every x = (x1, x2)?

    Shapes: W1 (2, 2), b1 (2,), v (2,), c a scalar. With a polynomial logit each coefficient of
    ``logit - (beta0 + beta1 x1 x2)`` must vanish: exactly for exact numbers and symbols, up to the absolute
    ``tolerance`` where floats are involved (the default only forgives round-off; learned weights need more).
    Bad arguments raise TypeError/ValueError; a wrong network is a CheckResult with ok False and the reason.
    """
    tol = validation.positive_number(tolerance, "tolerance", allow_zero=True)
    W, b, vv, cc = _weights(W1, "W1"), _weights(b1, "b1"), _weights(v, "v"), _bias(c)
    g = resolve_activation(hidden_activation, "hidden_activation")
    out = resolve_activation(output_activation, "output_activation")
    target = sp.expand(_scalar(beta0, "beta0") + _scalar(beta1, "beta1") * X1 * X2)
    units = _units(W, b, vv, g)
    logit = sp.expand(cc + sum(units))

    pre = W * sp.Matrix([X1, X2]) + b
    for i, unit in enumerate(units, start=1):
        if unit.has(*_UNDEFINED):
            return CheckResult(False, f"hidden unit {i} is undefined: the hidden activation "
                               f"{_activation_text(hidden_activation, g)} gives {unit} at its pre-activation "
                               f"{_text(pre[i - 1])}", logit)
    if not _is_sigmoid(out):
        # sigma is one-to-one, so with a sigmoid output only the logit matters; anything else must match as is
        gap = out(logit) - _SIGMOID(target)
        if _differs_somewhere(gap, tol) is None and sp.simplify(gap).is_zero:
            return CheckResult(True, f"the output {_text(out(logit))} equals sigma({_text(target)}) even without a "
                               "sigmoid output unit", logit)
        return CheckResult(False, f"the output activation {_activation_text(output_activation, out, 't')}"
                           f" is not the sigmoid, so the output {_text(out(logit))} is not sigma({_text(target)}): "
                           "a logistic regression's output unit is sigma(t) = 1/(1 + exp(-t))", logit)
    if logit.is_polynomial(X1, X2):
        return _compare_polynomials(logit, target, units, hidden_activation, g, tol)
    return _compare_functions(logit, target, hidden_activation, g, tol)


def _compare_polynomials(logit: sp.Expr, target: sp.Expr, units: list[sp.Expr], hidden_activation: Any,
                         g: Callable[[sp.Expr], sp.Expr], tol: float) -> CheckResult:
    have, want, gap = (sp.Poly(e, X1, X2) for e in (logit, target, logit - target))
    wrong = [m for m, co in zip(gap.monoms(), gap.coeffs(), strict=True) if not _coefficient_zero(co, tol)]
    shown = _text(logit)
    if not wrong:
        within = f" (every coefficient within {tol:g})" if logit.atoms(sp.Float) else ""
        return CheckResult(True, f"the output's logit {shown} equals the target logit {_text(target)}{within}, "
                           "so the output is the logistic regression on x1·x2 for all inputs", logit)
    product, needed = have.coeff_monomial(X1 * X2), want.coeff_monomial(X1 * X2)
    if _coefficient_zero(product, tol) and not _coefficient_zero(needed, tol):
        if _is_affine(g):
            what = ("a linear hidden unit" if hidden_activation in ("linear", "identity")
                    else f"a hidden unit with the affine activation {_activation_text(hidden_activation, g)}")
            return CheckResult(False, f"the output's logit is {shown}, which has no x1·x2 term: {what} cannot make a "
                               "product (its pre-activation w1·x1 + w2·x2 + b has no x1·x2 term whatever the weights, "
                               "so the logit is affine in x)", logit)
        per_unit = " and ".join(f"unit {i} contributes {_text(sp.Poly(u, X1, X2).coeff_monomial(X1 * X2))}·x1·x2"
                                for i, u in enumerate(units, start=1))
        activation = _activation_text(hidden_activation, g)
        return CheckResult(False, f"the output's logit is {shown}, which has no x1·x2 term, but the target needs "
                           f"{_text(needed)}·x1·x2: with the hidden activation {activation} {per_unit}", logit)
    parts = []
    for monom in wrong:
        term = sp.Mul(*(s**k for s, k in zip((X1, X2), monom, strict=True)))
        h, w = sp.sympify(have.coeff_monomial(term)), sp.sympify(want.coeff_monomial(term))
        parts.append(f"{_term_name(term)} is {_text(h)}, not {_text(w)}{_off_by(h, w)}")
    return CheckResult(False, f"the output's logit is {shown}: " + "; ".join(parts), logit)


def _differs_somewhere(diff: sp.Expr, tol: float) -> tuple[float, str] | None:
    """(gap, where) at the first of 200 seeded random points (x1, x2 and any parameters) where |diff| > tol."""
    rng = random.Random(0)
    names = (X1, X2, *sorted(diff.free_symbols - {X1, X2}, key=lambda s: s.name))
    for _ in range(200):
        point = {s: rng.uniform(-3, 3) for s in names}
        gap = complex(diff.evalf(subs=point))
        if abs(gap) > max(tol, 1e-9):
            return gap.real, ", ".join(f"{s.name} = {point[s]:.3g}" for s in names)
    return None


def _compare_functions(logit: sp.Expr, target: sp.Expr, hidden_activation: Any, g: Callable[[sp.Expr], sp.Expr],
                       tol: float) -> CheckResult:
    """Not a polynomial (relu, tanh, sigmoid hidden units): find a counterexample, else prove equality."""
    diff = logit - target
    found = _differs_somewhere(diff, tol)
    if found is not None:
        return CheckResult(
            False,
            f"the output's logit is {_text(logit)}, which is not a polynomial in x1, x2 (the hidden activation "
            f"{_activation_text(hidden_activation, g)} is not one) and differs from the target logit "
            f"{_text(target)} by {found[0]:.3g} at {found[1]}",
            logit,
        )
    if sp.simplify(diff).is_zero:
        return CheckResult(True, f"the output's logit {_text(logit)} simplifies to {_text(target)}", logit)
    return CheckResult(False, f"could not decide whether {_text(logit)} equals {_text(target)}: sympy cannot simplify "
                       "the difference and 200 random points agree", logit)
