"""Checks of the capacity exercises: the identity behind the product, the two-unit network, its decision boundary and
the logit of linear hidden units.

Every check judges from first principles: ``Derivation.verify`` for the steps of the identity,
``capacity.check_construction`` (sympy, coefficient by coefficient) for a proposed network, the logit itself on a
proposed boundary, and the helpers' symbolic logit of a network with generic weights. A wrong answer raises
``exercises.ExerciseFailed`` with a message in the problem's terms; an unanswered one ``exercises.NotAnswered``.

A student's function cannot be sent to a fresh process, so the network exercise is checked in two parts:
``construction_outputs`` runs the student's function (in their kernel) and keeps only what it returned, as sympy
objects and activation names or formulas, and ``check_construction_outputs`` judges those, in any process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from helpers import capacity, exercises
from helpers.derivation import Derivation, Step

__all__ = [
    "BETA0",
    "BETA1",
    "IDENTITY_START",
    "IDENTITY_END",
    "VISIBLE_BETAS",
    "HIDDEN_BETAS",
    "BOUNDARY_BETAS",
    "check_product_identity",
    "construction_outputs",
    "check_construction_outputs",
    "check_two_unit_construction",
    "check_decision_boundary",
    "check_linear_logit",
    "check_linear_product",
]

X1, X2 = capacity.X1, capacity.X2
BETA0, BETA1 = sp.symbols("beta0 beta1", real=True)
IDENTITY_START = (X1 + X2) ** 2 - (X1 - X2) ** 2
IDENTITY_END = 4 * X1 * X2
# the network must work for symbolic betas (every beta at once) and for the numbers the notebook uses
VISIBLE_BETAS: tuple[tuple[Any, Any], ...] = ((BETA0, BETA1), (-1, 2))
HIDDEN_BETAS: tuple[tuple[Any, Any], ...] = ((BETA0, BETA1), (0.5, -3.0), (sp.Rational(3, 2), sp.Rational(1, 4)),
                                             (2, 0))
BOUNDARY_BETAS = (-1, 2)
_T = sp.Symbol("t", real=True)


def _text(e: Any) -> str:
    """A formula as the messages write it: x1^2, 2·x1·x2."""
    return sp.sstr(e).replace("**", "^").replace("*", "·")


def _by_name(expr: Any, symbols: Sequence[sp.Symbol]) -> Any:
    """``expr`` with every symbol named like one of ``symbols`` replaced by it (a student's Symbol('x1') is x1)."""
    known = {s.name: s for s in symbols}
    renamed = {s: known[s.name] for s in expr.free_symbols if getattr(s, "name", None) in known and s != known[s.name]}
    # xreplace re-evaluates the tree: leave an unevaluated step (sp.Add(..., evaluate=False)) as the student wrote it
    return expr.xreplace(renamed) if renamed else expr


def _expression(answer: Any, name: str, what: str) -> sp.Expr:
    answer = exercises.answer_given(answer, name, what)
    if isinstance(answer, (sp.MatrixBase, sp.Equality, bool)) or callable(answer) and not isinstance(answer, sp.Basic):
        kind = "an equation" if isinstance(answer, sp.Equality) else type(answer).__name__
        raise exercises.ExerciseFailed(f"{name} must be {what}, got {kind}: {answer!r:.80}")
    try:
        expr = sp.sympify(answer, strict=True)
    except (sp.SympifyError, TypeError, SyntaxError):
        raise exercises.ExerciseFailed(f"{name} must be {what}, got {type(answer).__name__}: {answer!r:.80}") from None
    if not isinstance(expr, sp.Expr):
        raise exercises.ExerciseFailed(f"{name} must be {what}, got {type(answer).__name__}: {answer!r:.80}")
    return expr


# ------------------------------------------------------------------------------------------ the identity
def _steps(answer: Any) -> list[Step]:
    answer = exercises.answer_given(answer, "identity_derivation", "a Derivation with your steps")
    steps = answer.steps if isinstance(answer, Derivation) else answer
    if isinstance(steps, (list, tuple)) and all(isinstance(s, Step) for s in steps):
        return list(steps)
    raise exercises.ExerciseFailed(f"identity_derivation must be a helpers.derivation.Derivation, got "
                                   f"{type(answer).__name__}: add steps with identity_derivation.step(expr, why).")


def _side(expr: Any) -> Any:
    return expr.rhs if isinstance(expr, sp.Equality) else expr


def check_product_identity(answer: Any) -> str:
    """A verified derivation from (x1 + x2)^2 - (x1 - x2)^2 to 4 x1 x2 (a Derivation or its list of Steps)."""
    steps = _steps(answer)
    symbols = (X1, X2)
    exprs = [_by_name(_side(s.expr), symbols) for s in steps]
    if exprs[0] != IDENTITY_START:
        raise exercises.ExerciseFailed(f"step 1 must be what the derivation starts from, {_text(IDENTITY_START)}, "
                                       f"but it is {_text(exprs[0])}.")
    if len(steps) < 2:
        raise exercises.NotAnswered("not answered yet: the derivation has only its given first step; add your steps "
                                    f"with identity_derivation.step(expression, 'why') until {_text(IDENTITY_END)}.")
    assumed = [i + 1 for i, s in enumerate(steps[1:], start=1) if s.given]
    if assumed:
        raise exercises.ExerciseFailed(f"step {assumed[0]} is marked given=True, so nothing checks it: only the first "
                                       "step may be given; every later one must follow from the step before it.")
    fresh = Derivation("(x1 + x2)^2 - (x1 - x2)^2 = 4 x1 x2")
    for s, expr in zip(steps, exprs, strict=True):
        fresh.step(expr, s.why, given=s.given, subs=s.subs)
    bad = fresh.verify().first_failure
    if bad is not None:
        k = bad.index + 1
        raise exercises.ExerciseFailed(f"step {k} ({steps[bad.index].why!r}) does not follow from step {k - 1}: "
                                       f"{_text(exprs[bad.index - 1])} is not {_text(exprs[bad.index])} "
                                       f"({bad.detail}).")
    if exprs[-1] != IDENTITY_END:
        raise exercises.ExerciseFailed(f"every step follows, but the derivation stops at {_text(exprs[-1])}: "
                                       f"continue until the last step is {_text(IDENTITY_END)}.")
    return f"all {len(steps)} steps follow, from {_text(IDENTITY_START)} to {_text(IDENTITY_END)}"


# ------------------------------------------------------------------------------------------ the network
def _picklable_activation(activation: Any, role: str) -> Any:
    """A name stays a name; a callable becomes the sympy Lambda of its formula (which a fresh process can load)."""
    if isinstance(activation, str):
        return activation
    try:
        g = capacity.resolve_activation(activation, role)
    except (TypeError, ValueError) as err:
        raise exercises.ExerciseFailed(str(err)) from None
    return sp.Lambda(_T, g(_T))


def construction_outputs(fn: Callable[..., Any], betas: Sequence[tuple[Any, Any]] = VISIBLE_BETAS) -> tuple:
    """Run the student's ``two_unit_construction(beta0, beta1)`` at each pair of ``betas``; keep what it returned.

    Returns picklable tuples (beta0, beta1, W1, b1, v, c, hidden_activation, output_activation), the activations as
    names or sympy Lambdas, for ``check_construction_outputs``.
    """
    out = []
    for beta0, beta1 in betas:
        result = exercises.call_answer(fn, beta0, beta1, name="two_unit_construction")
        if not isinstance(result, capacity.Construction):
            raise exercises.ExerciseFailed(
                f"two_unit_construction must return capacity.Construction(W1, b1, v, c, hidden_activation, "
                f"output_activation), got {type(result).__name__}: keep the return line of the answer cell.")
        out.append((beta0, beta1, result.W1, result.b1, result.v, result.c,
                    _picklable_activation(result.hidden_activation, "hidden_activation"),
                    _picklable_activation(result.output_activation, "output_activation")))
    return tuple(out)


def _where(beta0: Any, beta1: Any) -> str:
    if isinstance(beta0, sp.Symbol) and isinstance(beta1, sp.Symbol):
        return "for symbolic beta0, beta1"
    return f"at beta0 = {beta0}, beta1 = {beta1}"


def _hint(logit: sp.Expr | None, beta0: Any, beta1: Any) -> str:
    """What the reason of check_construction does not say: a constant factor on x1·x2, or betas left out."""
    if logit is None or not logit.is_polynomial(X1, X2):
        return ""
    have = capacity.product_coefficient(logit)
    symbolic = isinstance(beta0, sp.Symbol) and isinstance(beta1, sp.Symbol)
    if symbolic and not logit.has(BETA0, BETA1):
        return (". Your weights do not use beta0 and beta1: write them with the function's arguments, so that the "
                "network works for every beta0, beta1")
    if have != 0 and sp.sympify(beta1) != 0:
        ratio = sp.nsimplify(sp.simplify(have / beta1), rational=True) if have.has(sp.Float) else sp.simplify(
            have / beta1)
        if not ratio.free_symbols and ratio != 1:
            return (f". Your x1·x2 coefficient is exactly {_text(ratio)} times beta1: check the factor in v against "
                    f"the identity (x1 + x2)^2 - (x1 - x2)^2 = 4·x1·x2")
    return ""


def check_construction_outputs(outputs: Sequence[tuple]) -> str:
    """Judge what ``construction_outputs`` kept with ``capacity.check_construction``, at every pair of betas."""
    if not outputs:
        raise exercises.ExerciseFailed("there is no output of two_unit_construction to check.")
    for beta0, beta1, W1, b1, v, c, hidden, output in outputs:
        try:
            result = capacity.check_construction(W1, b1, v, c, hidden, output, beta0, beta1)
        except (TypeError, ValueError) as err:
            raise exercises.ExerciseFailed(f"{_where(beta0, beta1)}: {err}") from None
        if not result.ok:
            hint = _hint(result.logit, beta0, beta1)
            raise exercises.ExerciseFailed(f"{_where(beta0, beta1)}, {result.reason}{hint}.")
    where = "; ".join(_where(b0, b1) for b0, b1, *_ in outputs)
    return f"your network outputs sigma(beta0 + beta1·x1·x2) for every input ({where})"


def check_two_unit_construction(fn: Callable[..., Any]) -> str:
    """The student's ``two_unit_construction`` gives sigma(beta0 + beta1 x1 x2) for symbolic betas and for (-1, 2)."""
    return check_construction_outputs(construction_outputs(fn, VISIBLE_BETAS))


# ------------------------------------------------------------------------------------------ the decision boundary
def check_decision_boundary(answer: Any, beta0: Any = BOUNDARY_BETAS[0], beta1: Any = BOUNDARY_BETAS[1]) -> str:
    """x2 as a function of x1 on the boundary of sigma(beta0 + beta1 x1 x2): where the logit is 0."""
    name = "decision_boundary_answer"
    if isinstance(answer, sp.Equality):
        raise exercises.ExerciseFailed(f"{name} must be the expression for x2 alone (the right-hand side), not the "
                                       f"equation {_text(answer)}.")
    expr = _by_name(_expression(answer, name, "a sympy expression in x1"), (X1, X2, BETA0, BETA1))
    b0, b1 = sp.sympify(beta0), sp.sympify(beta1)
    expr = expr.subs({BETA0: b0, BETA1: b1})
    if expr.has(X2):
        raise exercises.ExerciseFailed(f"{name} = {_text(expr)} contains x2: write x2 as a function of x1 alone.")
    others = sorted(s.name for s in expr.free_symbols if s != X1)
    if others:
        raise exercises.ExerciseFailed(f"{name} = {_text(expr)} contains {', '.join(others)}: the only variable may "
                                       "be x1 (capacity.X1).")
    logit = sp.simplify(b0 + b1 * X1 * expr)
    if logit.is_zero:
        return f"on x2 = {_text(expr)} the logit {_text(b0 + b1 * X1 * X2)} is 0, so the probability there is 1/2"
    right = sp.solve(sp.Eq(b0 + b1 * X1 * X2, 0), X2)
    sign = " The sign is wrong: move beta0 to the other side before you divide." if (
        right and sp.simplify(expr + right[0]) == 0) else ""
    raise exercises.ExerciseFailed(f"on x2 = {_text(expr)} the logit {_text(b0 + b1 * X1 * X2)} is {_text(logit)}, "
                                   f"not 0: the boundary is where the logit is 0 (probability 1/2).{sign}")


# ------------------------------------------------------------------------------------------ linear hidden units
def _generic() -> capacity.Construction:
    return capacity.generic_construction("linear")


def _weight_symbols(con: capacity.Construction) -> list[sp.Symbol]:
    return [*con.W1, *con.b1, *con.v, con.c]


def check_linear_logit(answer: Any) -> str:
    """The logit of the network with linear hidden units and generic (symbolic) weights, as a sympy expression."""
    name = "linear_logit_answer"
    con = _generic()
    weights = _weight_symbols(con)
    expr = _by_name(_expression(answer, name, "a sympy expression in x1, x2 and the weights"), (X1, X2, *weights))
    unknown = sorted(s.name for s in expr.free_symbols - {X1, X2, *weights})
    if unknown:
        raise exercises.ExerciseFailed(f"{name} uses {', '.join(unknown)}, which are not inputs or weights of the "
                                       "network: use x1, x2 and the symbols w11, ..., c defined above.")
    want = sp.expand(con.logit())
    have = sp.expand(expr)
    if sp.expand(have - want) == 0:
        return f"{name} is the network's logit, {_text(sp.collect(want, [X1, X2]))}"
    if not have.is_polynomial(X1, X2):
        raise exercises.ExerciseFailed(f"{name} = {_text(expr)} is not a polynomial in x1, x2: with g(a) = a each "
                                       "hidden unit outputs its pre-activation w·x + b itself.")
    # name the wrong terms by what the student wrote, never by the right coefficients (that would be the answer)
    got, ref = sp.Poly(have, X1, X2), sp.Poly(want, X1, X2)
    wrong = []
    for monom in sorted(set(got.monoms()) | set(ref.monoms()), key=lambda m: (sum(m), m[::-1])):
        term = X1 ** monom[0] * X2 ** monom[1]
        if sp.expand(got.coeff_monomial(term) - ref.coeff_monomial(term)) != 0:
            what = "constant term" if term == 1 else f"{_text(term)} coefficient"
            wrong.append(f"the {what} {_text(got.coeff_monomial(term))}")
    hints = []
    if any(sum(m) > 1 for m in got.monoms()):
        hints.append("with g(a) = a each hidden unit outputs its pre-activation w·x + b, so nothing multiplies x1 by "
                     "x2 or squares an input")
    missing = [s.name for s in weights if not have.has(s)]
    if missing:
        verb = "does" if len(missing) == 1 else "do"
        hints.append(f"{', '.join(missing)} {verb} not appear, but every weight and bias of the network reaches "
                     "its logit")
    hint = (": " + "; ".join(hints)) if hints else ": check which weight multiplies which input in W1 x + b1"
    raise exercises.ExerciseFailed(f"{name} is not the logit of this network; wrong in yours: {', '.join(wrong)}"
                                   f"{hint}.")


def check_linear_product(answer: Any) -> str:
    """True or False: do some weights give the logit of linear hidden units an x1·x2 term? Decided by sympy."""
    coefficient = capacity.product_coefficient(_generic().logit())
    possible = sp.simplify(coefficient) != 0
    why = {
        True: ("with g(a) = a each hidden unit outputs its pre-activation w·x + b, an affine function of the inputs, "
               "and c plus a weighted sum of affine functions is affine again: the logit's x1·x2 coefficient is "
               f"{_text(coefficient)} for every choice of the nine weights"),
        False: f"some weights give the x1·x2 coefficient {_text(coefficient)}, which is not 0",
    }
    message = exercises.check_choice(answer, (True, False), possible, "linear_product_possible", why)
    return f"{message}: the x1·x2 coefficient of the logit is {_text(coefficient)} whatever the weights"
