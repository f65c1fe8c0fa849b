"""Derivations a reader can step through, each step checked by sympy.

A derivation is an ordered list of steps. Each step is a sympy expression, equation or matrix plus a
one-line justification. ``verify()`` checks that every step follows from the one before it:

* expressions and matrices: the step equals the previous one;
* equations with the same left-hand side (``dL/dw = ... = ...``): the right-hand sides are equal;
* other equations: the step, written as ``lhs - rhs = 0``, is the previous one times a nonzero
  constant (rearranging, scaling, moving terms across);
* a step given ``subs={y: 6 - 2*x}`` follows from the previous step after that substitution;
* a step marked ``given=True`` starts afresh (a definition or an assumption) and is not checked;
* an equation after an expression (``dL/dw = e1``, ``e2``, ``dL/dw = e3``) must have the chain's own left-hand
  side, or a new symbol that names the result: ``Eq(x, 0)``, ``0``, ``Eq(y, 0)`` does not prove ``y = 0``.

A step must be a sympy expression, an equation (``sp.Eq``) or a Matrix; inequalities, Python booleans and
steps that are undefined (``nan``, ``zoo``, ``oo``) are refused when added, so nothing undefined can be
"verified". ``names`` maps display names to sub-expressions (``{"\\hat y_1": softmax_1}``): the LaTeX shows
the short names wherever sympy finds those sub-expressions, while every check runs on the full expressions.

Equality is decided symbolically where sympy can (``simplify`` of the difference is zero); where it
cannot, the two sides are compared at many random points and the step is reported as checked
*numerically*. A step that fails either way is named with the difference, so a deliberately wrong
step is caught.

Example::

    d = Derivation("derivative of x*sin(x)")
    d.step(sp.Derivative(x * sp.sin(x), x), "what we want", given=True)
    d.step(sp.sin(x) + x * sp.cos(x), "product rule")
    d.verify().raise_if_failed()
    d            # shows the aligned LaTeX; d.stepper() reveals one step at a time
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp

from helpers.validation import flag, positive_int

__all__ = ["Step", "StepCheck", "Verification", "Derivation", "symbol_matrix"]

Status = Literal["given", "symbolic", "numeric", "failed", "undecided"]

_NUMERIC_POINTS = 40
_NUMERIC_TOL = 1e-8


@dataclass(frozen=True)
class Step:
    """One line of a derivation: a sympy object and why it follows."""

    expr: Any
    why: str
    given: bool = False
    subs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StepCheck:
    """How one step was checked: ``status`` and, if it failed, the difference that is not zero."""

    index: int
    status: Status
    detail: str = ""


@dataclass(frozen=True)
class Verification:
    """The result of ``Derivation.verify()``; ``ok`` only if every step was shown to follow."""

    title: str
    checks: tuple[StepCheck, ...]

    @property
    def ok(self) -> bool:
        return all(c.status in ("given", "symbolic", "numeric") for c in self.checks)

    @property
    def first_failure(self) -> StepCheck | None:
        return next((c for c in self.checks if c.status in ("failed", "undecided")), None)

    def raise_if_failed(self) -> Verification:
        """Raise AssertionError naming the first step that does not follow; return self otherwise."""
        bad = self.first_failure
        if bad is not None:
            raise AssertionError(f"{self.title}: step {bad.index + 1} does not follow ({bad.status}): {bad.detail}")
        return self

    def __str__(self) -> str:
        lines = [f"{self.title}: {'verified' if self.ok else 'NOT verified'}"]
        for c in self.checks:
            lines.append(f"  step {c.index + 1}: {c.status}" + (f" ({c.detail})" if c.detail else ""))
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


class Derivation:
    """An ordered, verifiable list of steps with a LaTeX display and a stepper widget."""

    def __init__(self, title: str, steps: Iterable[Step] = (), *, names: dict[str, Any] | None = None) -> None:
        if not isinstance(title, str) or not title.strip():
            raise ValueError("A derivation needs a title: pass a short string such as 'gradient of f'.")
        self.title = title
        self.names = _display_names(names or {})
        self.steps: list[Step] = []
        for s in steps:
            self.step(s.expr, s.why, given=s.given, subs=s.subs)

    def step(self, expr: Any, why: str, *, given: bool = False, subs: dict | None = None) -> Derivation:
        """Append a step; returns the derivation so steps can be chained."""
        expr = _as_sympy(expr, len(self.steps) + 1)
        given = flag(given, "given")  # given="no" would be truthy and let an unchecked step through
        if not isinstance(why, str) or not why.strip():
            raise ValueError(f"Step {len(self.steps) + 1} needs a justification: pass why='chain rule' or similar.")
        subs = dict(subs or {})
        for key, value in subs.items():
            if not isinstance(key, sp.Basic):
                raise ValueError(
                    f"subs keys must be sympy symbols or expressions, got {key!r}: use sp.Symbol('{key}').")
            subs[key] = _as_sympy(value, len(self.steps) + 1, what=f"the value substituted for {key}")
        if not self.steps and not given:
            given = True  # the first step is what the derivation starts from
        self.steps.append(Step(expr, why.strip(), given, subs))
        return self

    # -- checking ------------------------------------------------------------------------------
    def verify(self) -> Verification:
        """Check every step against the one before it; see the module docstring for the rules."""
        if not self.steps:
            raise ValueError(f"Derivation '{self.title}' has no steps: add some with .step(expr, why).")
        checks = []
        anchor = None  # the quantity the current chain of equal expressions started from
        for i, s in enumerate(self.steps):
            if s.given:
                checks.append(StepCheck(i, "given"))
                anchor = _left_side(s.expr)
                continue
            prev = _substituted(self.steps[i - 1].expr, s.subs)
            anchor = _substituted(anchor, s.subs)
            status, detail = _follows(prev, s.expr)
            if status not in ("failed", "undecided") and isinstance(s.expr, sp.Equality) \
                    and not isinstance(prev, sp.Equality) and anchor is not None and not self._is_label(i):
                # "... = e" then "A = e": A must be what the chain started from (or a new name), or any A would follow
                lhs_status, _ = _is_zero(_residual(anchor) - s.expr.lhs) if not isinstance(anchor, sp.MatrixBase) \
                    else _equal(anchor, s.expr.lhs)
                if lhs_status not in ("symbolic", "numeric"):
                    status, detail = "failed", (f"the left-hand side {s.expr.lhs} is not the quantity this chain of "
                                                f"equal expressions started from, {anchor}")
            checks.append(StepCheck(i, status, detail))
            if isinstance(s.expr, sp.Equality):
                anchor = s.expr.lhs
        return Verification(self.title, tuple(checks))

    def _is_label(self, i: int) -> bool:
        """Step i's left-hand side is a symbol no other step uses: a name for the result (``Eq(dLdX, G*W)``)."""
        lhs = self.steps[i].expr.lhs
        others = set().union(*(_symbols(t.expr) for j, t in enumerate(self.steps) if j != i))
        return isinstance(lhs, sp.Symbol) and lhs not in others and lhs not in _symbols(self.steps[i].expr.rhs)

    # -- display -------------------------------------------------------------------------------
    def latex(self, upto: int | None = None) -> str:
        """All steps (or the first ``upto``) as an aligned LaTeX block with their justifications."""
        steps = self.steps[: upto if upto is not None else len(self.steps)]
        rows = []
        for i, s in enumerate(steps):
            body = _latex_step(s, self.steps[i - 1] if i else None, self.names)
            rows.append(rf"{body} && \text{{{_escape(s.why)}}}")
        return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        return f"Derivation({self.title!r}, {len(self.steps)} steps)"

    def stepper(self):  # -> ipywidgets.VBox; imported lazily so helpers works without a display
        """A widget with Previous / Next buttons that reveals the derivation one step at a time."""
        import ipywidgets as w

        n = len(self.steps)
        if n == 0:
            raise ValueError(f"Derivation '{self.title}' has no steps to show.")
        shown = w.HTMLMath()
        label = w.HTML()  # on its own line, and HTML wraps: a narrow window cuts neither it nor the buttons
        prev_btn = w.Button(description="Previous", icon="arrow-left")
        next_btn = w.Button(description="Next", icon="arrow-right")
        state = {"k": 1}

        def render() -> None:
            k = state["k"]
            shown.value = "$$" + self.latex(upto=k) + "$$"
            label.value = html.escape(f"step {k} of {n}: {self.steps[k - 1].why}")
            prev_btn.disabled = k <= 1
            next_btn.disabled = k >= n

        def move(delta: int) -> None:
            state["k"] = min(max(state["k"] + delta, 1), n)
            render()

        prev_btn.on_click(lambda _: move(-1))
        next_btn.on_click(lambda _: move(+1))
        render()
        return w.VBox([w.HTML(f"<b>{html.escape(self.title)}</b>"), shown, w.HBox([prev_btn, next_btn]), label])


def symbol_matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    """A (rows, cols) matrix of real symbols name_{ij}, indices from 1, for derivations on small matrices."""
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"name must be a non-empty string such as 'W', got {name!r}.")
    rows, cols = positive_int(rows, "rows"), positive_int(cols, "cols")
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{{{i + 1}{j + 1}}}", real=True))


# ---------------------------------------------------------------------------------------------
def _as_sympy(expr: Any, number: int, what: str = "") -> Any:
    """A step (or a substituted value) as a sympy object, refusing what cannot be checked."""
    what = what or f"Step {number}"
    if isinstance(expr, (bool, sp.logic.boolalg.BooleanAtom)):
        raise ValueError(
            f"{what} is {expr}: sympy (or Python) evaluated an equation because its sides are equal or "
            "obviously different; build it with sp.Eq(lhs, rhs, evaluate=False)."
        )
    if isinstance(expr, sp.core.relational.Relational) and not isinstance(expr, sp.Equality):
        raise ValueError(
            f"{what} is an inequality ({expr}): a step must be an expression or an equation sp.Eq(lhs, rhs).")
    if isinstance(expr, (int, float)):
        expr = sp.sympify(expr)
    if not isinstance(expr, (sp.Expr, sp.Equality, sp.MatrixBase)):
        raise ValueError(
            f"{what} must be a sympy expression, equation (sp.Eq) or Matrix, got {type(expr).__name__}: "
            "build it from sympy symbols, e.g. x = sp.Symbol('x')."
        )
    if _undefined(expr):
        raise ValueError(
            f"{what} is undefined ({expr}): it contains nan, zoo or oo, so no step can follow from or to it.")
    return expr


def _undefined(expr: Any) -> bool:
    parts = list(expr) if isinstance(expr, sp.MatrixBase) else [expr]
    return any(p.has(sp.nan, sp.zoo, sp.oo, -sp.oo) for p in parts)


def _display_names(names: dict[Any, Any]) -> dict[Any, sp.Symbol]:
    """{display name: sub-expression} -> {sub-expression: Symbol(display name)} for LaTeX only."""
    out = {}
    for name, value in names.items():
        symbol = name if isinstance(name, sp.Symbol) else sp.Symbol(str(name))
        out[_as_sympy(value, 0, what=f"the expression named {name}")] = symbol
    return out


def _shown(expr: Any, names: dict[Any, sp.Symbol]) -> Any:
    return expr.subs(names) if names else expr


def _symbols(e: Any) -> set:
    return set(e.free_symbols) if hasattr(e, "free_symbols") else set()


def _left_side(e: Any) -> Any:
    """What a chain starting at ``e`` is about: an equation's left-hand side, or the expression itself."""
    return e.lhs if isinstance(e, sp.Equality) else e


def _substituted(e: Any, subs: dict) -> Any:
    """``e`` after ``subs``; an equation keeps its two sides (sympy would turn ``0 = 0`` into ``True``)."""
    if not subs or e is None:
        return e
    if isinstance(e, sp.Equality):
        return sp.Eq(e.lhs.subs(subs), e.rhs.subs(subs), evaluate=False)
    return e.subs(subs)


def _residual(e: Any) -> Any:
    """An equation as ``lhs - rhs``; anything else as itself."""
    return e.lhs - e.rhs if isinstance(e, sp.Equality) else e


def _follows(prev: Any, cur: Any) -> tuple[Status, str]:
    if isinstance(prev, sp.Equality) and isinstance(cur, sp.Equality):
        if _is_zero(prev.lhs - cur.lhs)[0] == "symbolic":
            return _equal(prev.rhs, cur.rhs)
        return _proportional(_residual(prev), _residual(cur))
    if isinstance(prev, sp.Equality) != isinstance(cur, sp.Equality):
        # an expression continues the right-hand side of an equation, or vice versa
        a = prev.rhs if isinstance(prev, sp.Equality) else prev
        b = cur.rhs if isinstance(cur, sp.Equality) else cur
        return _equal(a, b)
    return _equal(prev, cur)


def _equal(a: Any, b: Any) -> tuple[Status, str]:
    a_mat, b_mat = isinstance(a, sp.MatrixBase), isinstance(b, sp.MatrixBase)
    if a_mat or b_mat:
        if not (a_mat and b_mat) or a.shape != b.shape:
            return "failed", f"shapes differ: {getattr(a, 'shape', 'scalar')} vs {getattr(b, 'shape', 'scalar')}"
        diffs = [x - y for x, y in zip(a, b, strict=True)]
    else:
        diffs = [a - b]
    statuses = []
    for d in diffs:
        status, detail = _is_zero(d)
        if status in ("failed", "undecided"):
            return status, detail
        statuses.append(status)
    return ("numeric" if "numeric" in statuses else "symbolic"), ""


def _proportional(a: Any, b: Any) -> tuple[Status, str]:
    """Whether equation residual ``b`` is a nonzero constant multiple of residual ``a``."""
    if sp.simplify(a) == 0 or sp.simplify(b) == 0:
        return _equal(a, b)
    ratio = sp.simplify(b / a)
    if ratio.free_symbols or ratio == 0 or ratio.has(sp.zoo, sp.nan):
        status, detail = _is_zero(a - b)
        if status in ("symbolic", "numeric"):
            return status, ""
        return "failed", f"not an equivalent equation: (new residual)/(old residual) = {ratio}"
    return "symbolic", ""


def _is_zero(d: Any) -> tuple[Status, str]:
    try:
        # doit() evaluates unevaluated Derivative/Sum objects so that "d/dx f = f'" steps can be proved
        d = sp.simplify(d.doit())
    except Exception:  # noqa: BLE001 - sympy raises many types on exotic input; numbers decide instead
        pass
    if d == 0 or d.is_zero:  # is_zero also catches Float(0.0), which is != 0 since sympy 1.13
        return "symbolic", ""
    return _numeric_zero(d)


def _numeric_zero(d: Any) -> tuple[Status, str]:
    if d.atoms(sp.core.function.AppliedUndef):
        return "undecided", f"sympy could not simplify {d} to 0, and it has undefined functions to evaluate"
    symbols = sorted(d.free_symbols, key=str)
    rng = random.Random(0)
    checked = 0
    for _ in range(_NUMERIC_POINTS * 3):
        point = {s: rng.uniform(0.1, 2.0) * (1 if _positive(s) else rng.choice((-1, 1))) for s in symbols}
        try:
            v = complex(d.evalf(subs=point))
        except (TypeError, ValueError, ZeroDivisionError):
            continue  # a pole or an expression sympy cannot evaluate here: try another point
        if v != v or abs(v) == float("inf"):  # NaN or infinite here: a pole, not evidence either way
            continue
        if abs(v) > _NUMERIC_TOL:
            where = ", ".join(f"{s}={x:.3g}" for s, x in point.items())
            return "failed", f"previous minus this step is {d}, which is {v.real if not v.imag else v:.4g} at {where}"
        checked += 1
        if checked >= _NUMERIC_POINTS:
            return "numeric", f"equal at {checked} random points; sympy could not simplify the difference to 0"
    return "undecided", f"sympy could not simplify {d} to 0, and it could not be evaluated at enough points"


def _positive(s: sp.Symbol) -> bool:
    return bool(s.is_positive) or bool(s.is_nonnegative)


def _latex_step(s: Step, prev: Step | None, names: dict[Any, sp.Symbol]) -> str:
    e = _shown(s.expr, names)
    if isinstance(e, sp.Equality):
        same_lhs = prev is not None and isinstance(prev.expr, sp.Equality) and prev.expr.lhs == s.expr.lhs
        if same_lhs:
            return rf"&= {sp.latex(e.rhs)}"
        return rf"{sp.latex(e.lhs)} &= {sp.latex(e.rhs)}"
    if prev is None or s.given:
        return rf"&{sp.latex(e)}"
    return rf"&= {sp.latex(e)}"


_LATEX_ESCAPES = str.maketrans({"\\": r"\textbackslash ", "{": r"\{", "}": r"\}", "_": r"\_", "&": r"\&",
                                "#": r"\#", "%": r"\%", "$": r"\$"})


# "J^T", "||^2", "(...)^-2": MathJax refuses ^ inside \text, so an exponent leaves the text as a real superscript
_EXPONENT = re.compile(r"\^(-?\w+|\{[^}]*\}|\([^)]*\))?")


def _escape(text: str) -> str:
    """``text`` for \\text{...}: LaTeX's special characters escaped, each ``^x`` a superscript."""
    parts, last = [], 0
    for m in _EXPONENT.finditer(text):
        parts.append(text[last:m.start()].translate(_LATEX_ESCAPES))
        power = (m.group(1) or "").strip("{}")
        parts.append(f"}}^{{\\text{{{power.translate(_LATEX_ESCAPES)}}}}}\\text{{" if power else r"}{}^{\wedge}\text{")
        last = m.end()
    parts.append(text[last:].translate(_LATEX_ESCAPES))
    return "".join(parts)
