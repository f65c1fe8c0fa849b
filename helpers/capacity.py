"""Capacity of a 2-2-1 network: can two hidden units produce the logit beta0 + beta1 * x1 * x2?

The network is ``sigma_out(c + v . g(W1 x + b1))`` with ``x = (x1, x2)``, ``W1: (2, 2)``, ``b1: (2,)``,
``v: (2,)`` and a scalar ``c``. ``two_unit_construction`` returns the textbook answer (square hidden
activation, since ``(x1 + x2)^2 - (x1 - x2)^2 = 4 x1 x2``); ``check_construction`` decides symbolically
whether ANY proposed weights and activations give ``sigma(beta0 + beta1 x1 x2)`` for all inputs and says
why not when they do not. Training code (torch) is imported only when used.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import sympy as sp

__all__ = [
    "X1",
    "X2",
    "SYMPY_ACTIVATIONS",
    "Construction",
    "CheckResult",
    "two_unit_construction",
    "resolve_activation",
    "network_logit",
    "check_construction",
    "sample_product_data",
    "TwoUnitNet",
    "train_two_unit_net",
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


@dataclass(frozen=True)
class Construction:
    """Weights of the 2-2-1 network: W1 (2, 2), b1 (2,), v (2,), c scalar (sympy, exact) and activation names."""

    W1: sp.Matrix
    b1: sp.Matrix
    v: sp.Matrix
    c: sp.Expr
    hidden_activation: str = "square"
    output_activation: str = "sigmoid"

    def numpy(self) -> dict[str, np.ndarray]:
        """The weights as float64 arrays {"W1": (2, 2), "b1": (2,), "v": (2,), "c": ()}; needs numeric betas."""
        try:
            return {
                "W1": np.array(self.W1.tolist(), dtype=np.float64),
                "b1": np.array(list(self.b1), dtype=np.float64),
                "v": np.array(list(self.v), dtype=np.float64),
                "c": np.array(float(self.c)),
            }
        except TypeError as exc:
            raise ValueError("The construction has symbolic weights: build it with numbers for beta0, beta1.") from exc


@dataclass(frozen=True)
class CheckResult:
    """Whether a proposed network equals sigma(beta0 + beta1 x1 x2) for all x, and why (not)."""

    ok: bool
    reason: str
    logit: sp.Expr | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return f"{'accepted' if self.ok else 'rejected'}: {self.reason}"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def two_unit_construction(beta0: Any, beta1: Any) -> Construction:
    """g(a) = a^2, W1 = [[1, 1], [1, -1]], b1 = 0, v = (beta1/4, -beta1/4), c = beta0, sigmoid output."""
    b0, b1_ = sp.sympify(beta0), sp.sympify(beta1)
    return Construction(
        W1=sp.Matrix([[1, 1], [1, -1]]),
        b1=sp.zeros(2, 1),
        v=sp.Matrix([b1_ / 4, -b1_ / 4]),
        c=b0,
    )


def resolve_activation(activation: Any, role: str = "hidden_activation") -> Callable[[sp.Expr], sp.Expr]:
    """A name from SYMPY_ACTIVATIONS or a callable on sympy expressions -> a checked sympy callable."""
    if isinstance(activation, str):
        try:
            return SYMPY_ACTIVATIONS[activation]
        except KeyError:
            raise ValueError(
                f"Unknown {role} {activation!r}: use one of {', '.join(sorted(SYMPY_ACTIVATIONS))} "
                "or a callable on sympy expressions such as lambda a: a**2."
            ) from None
    if not callable(activation):
        raise ValueError(f"{role} must be a name or a callable on sympy expressions, got {type(activation).__name__}.")
    try:
        probe = activation(_T)
    except Exception as exc:  # NumPy ufuncs and array helpers fail on sympy symbols in many ways
        raise ValueError(
            f"{role} does not work on sympy expressions ({type(exc).__name__}: {exc}); pass a sympy-friendly "
            "callable such as lambda a: a**2 or 1 / (1 + sp.exp(-a)), or a name like 'square' or 'sigmoid'."
        ) from None
    try:
        probe = sp.sympify(probe, strict=True)
    except (sp.SympifyError, TypeError):
        probe = None
    if not isinstance(probe, sp.Expr):
        raise ValueError(f"{role} must return a sympy expression, got {type(activation(_T)).__name__}.")
    return activation


def _matrix(value: Any, shape: tuple[int, ...], name: str) -> sp.Matrix:
    arr = np.asarray(value.tolist() if isinstance(value, sp.MatrixBase) else value, dtype=object)
    if arr.shape != shape and not (len(shape) == 1 and arr.shape == (shape[0], 1)):
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}.")
    try:
        flat = [sp.sympify(_plain(e), strict=True) for e in arr.ravel()]
    except (sp.SympifyError, TypeError) as exc:
        raise ValueError(f"{name} must contain numbers or sympy expressions: {exc}") from None
    return sp.Matrix(*shape, flat) if len(shape) == 2 else sp.Matrix(flat)


def _plain(e: Any) -> Any:
    """NumPy scalars as Python numbers so sympify accepts them."""
    return e.item() if isinstance(e, np.generic) else e


def network_logit(W1: Any, b1: Any, v: Any, c: Any, hidden_activation: Any = "square") -> sp.Expr:
    """The logit c + v . g(W1 x + b1) as a sympy expression in X1, X2 (expanded)."""
    W = _matrix(W1, (2, 2), "W1")
    b = _matrix(b1, (2,), "b1")
    vv = _matrix(v, (2,), "v")
    cc = _matrix([c] if np.ndim(c) == 0 else c, (1,), "c")[0]
    g = resolve_activation(hidden_activation)
    pre = W * sp.Matrix([X1, X2]) + b
    return sp.expand(cc + sum(vv[i] * g(pre[i]) for i in range(2)))


def _is_sigmoid(f: Callable[[sp.Expr], sp.Expr]) -> bool:
    diff = f(_T) - _SIGMOID(_T)
    if sp.simplify(diff.rewrite(sp.exp)).is_zero:
        return True
    return all(abs(complex(diff.evalf(subs={_T: t}))) < 1e-12 for t in (-3.1, -0.7, 0.0, 0.4, 2.3))


def _short(e: sp.Expr) -> sp.Expr:
    """Floats shown with 4 significant digits and round-off below 1e-6 dropped; exact numbers untouched."""
    return e.xreplace({f: (sp.Float(f, 4) if abs(f) >= 1e-6 else sp.Integer(0)) for f in e.atoms(sp.Float)})


def _coefficient_zero(d: sp.Expr, tolerance: float) -> bool:
    """Exact numbers must cancel exactly; float coefficients (rounded or learned weights) up to ``tolerance``."""
    d = sp.simplify(d)
    if d.is_zero:  # not ``d == 0``: sympy >= 1.13 says Float(0.0) != 0
        return True
    if d.free_symbols or not d.has(sp.Float):
        return False
    return abs(complex(d)) <= tolerance


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

    Shapes: W1 (2, 2), b1 (2,), v (2,), c scalar. With a polynomial logit each coefficient of
    ``logit - (beta0 + beta1 x1 x2)`` must vanish: exactly for exact numbers and symbols, up to the absolute
    ``tolerance`` where floats are involved (the default only forgives round-off; learned weights need more).
    """
    if not (isinstance(tolerance, (int, float)) and tolerance >= 0 and np.isfinite(tolerance)):
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}.")
    out = resolve_activation(output_activation, "output_activation")
    logit = network_logit(W1, b1, v, c, hidden_activation)
    target = sp.expand(sp.sympify(beta0) + sp.sympify(beta1) * X1 * X2)
    shown = _short(logit)

    if not _is_sigmoid(out):
        # sigma is one-to-one, so with a sigmoid output only the logit matters; anything else must match as is
        if sp.simplify(out(logit) - _SIGMOID(target)).is_zero:
            return CheckResult(True, f"the output {_short(out(logit))} equals sigma({target}) even without a sigmoid output unit", logit)
        return CheckResult(
            False,
            f"the output activation is not the sigmoid (it maps t to {out(_T)}), so the output "
            f"{_short(out(logit))} is not sigma({target}); a logistic-regression output needs sigma",
            logit,
        )

    if logit.is_polynomial(X1, X2):
        poly = sp.Poly(logit - target, X1, X2)
        wrong = [(m, co) for m, co in zip(poly.monoms(), poly.coeffs()) if not _coefficient_zero(co, tolerance)]
        if not wrong:
            within = f" (every coefficient within {tolerance:g})" if logit.atoms(sp.Float) else ""
            return CheckResult(True, f"the output's logit {shown} equals the target logit {_short(target)}{within}, "
                               "so the output is the logistic regression on x1*x2 for all inputs", logit)
        cross = sp.Poly(logit, X1, X2).coeff_monomial(X1 * X2)
        if _coefficient_zero(cross, 0.0):
            affine = " (the logit is affine in x: with a linear hidden activation the network is sigma(affine(x)))" if sp.Poly(logit, X1, X2).total_degree() <= 1 else ""
            return CheckResult(False, f"the output's logit is {shown}, which has no x1*x2 term{affine}", logit)
        parts = []
        for monom, co in wrong:
            term = sp.Mul(*(s**k for s, k in zip((X1, X2), monom)))
            have = sp.Poly(logit, X1, X2).coeff_monomial(term)
            want = sp.Poly(target, X1, X2).coeff_monomial(term)
            name = "the constant term" if term == 1 else f"the {term} coefficient"
            parts.append(f"{name} is {_short(sp.sympify(have))}, not {_short(sp.sympify(want))}")
        return CheckResult(False, f"the output's logit is {shown}: " + "; ".join(parts), logit)

    # not a polynomial (relu, tanh, sigmoid hidden units): try to prove equality, else find a counterexample
    diff = logit - target
    if sp.simplify(diff).is_zero:
        return CheckResult(True, f"the output's logit {shown} simplifies to {target}", logit)
    rng = random.Random(0)
    for _ in range(200):
        point = {X1: rng.uniform(-3, 3), X2: rng.uniform(-3, 3)}
        gap = complex(diff.evalf(subs=point))
        if abs(gap) > max(tolerance, 1e-9):
            where = f"x1={point[X1]:.3g}, x2={point[X2]:.3g}"
            return CheckResult(
                False,
                f"the output's logit is {shown}, which is not a polynomial in x1, x2 and differs from "
                f"{target} by {gap.real:.3g} at {where}",
                logit,
            )
    return CheckResult(False, f"could not decide whether {shown} equals {target}: sympy cannot simplify the difference and 200 random points agree", logit)


# ---- learning the construction (go further) --------------------------------------------------------
def sample_product_data(
    beta0: float, beta1: float, n: int = 2000, seed: int = 0, *, hard: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """x: (n, 2) uniform on [-2, 2]^2; y: (n,) = sigma(beta0 + beta1 x1 x2), or 0/1 draws from it if ``hard``."""
    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=(n, 2))
    p = 1 / (1 + np.exp(-(beta0 + beta1 * x[:, 0] * x[:, 1])))
    # soft labels make the construction the exact minimiser of the cross-entropy, so training can recover it
    return x, ((rng.uniform(size=n) < p).astype(np.float64) if hard else p)


def _torch():
    import torch

    return torch


def _two_unit_class():
    torch = _torch()

    class _TwoUnitNet(torch.nn.Module):
        """x: (N, 2) -> P(y = 1): (N,), with hidden activation a -> a**2 and a sigmoid output."""

        def __init__(self) -> None:
            super().__init__()
            self.hidden = torch.nn.Linear(2, 2, dtype=torch.float64)
            self.out = torch.nn.Linear(2, 1, dtype=torch.float64)

        def logit(self, x: "torch.Tensor") -> "torch.Tensor":
            return self.out(self.hidden(x) ** 2).squeeze(-1)

        def forward(self, x: "torch.Tensor") -> "torch.Tensor":
            return torch.sigmoid(self.logit(x))

        def set_weights(self, W1: Any, b1: Any, v: Any, c: Any) -> "_TwoUnitNet":
            """Overwrite the weights: W1 (2, 2), b1 (2,), v (2,), c scalar."""
            with torch.no_grad():
                self.hidden.weight.copy_(torch.as_tensor(np.asarray(W1, dtype=np.float64).reshape(2, 2)))
                self.hidden.bias.copy_(torch.as_tensor(np.asarray(b1, dtype=np.float64).reshape(2)))
                self.out.weight.copy_(torch.as_tensor(np.asarray(v, dtype=np.float64).reshape(1, 2)))
                self.out.bias.copy_(torch.as_tensor(np.asarray(c, dtype=np.float64).reshape(1)))
            return self

        def weights(self) -> dict[str, np.ndarray]:
            """{"W1": (2, 2), "b1": (2,), "v": (2,), "c": ()} as float64 arrays."""
            return {
                "W1": self.hidden.weight.detach().numpy().copy(),
                "b1": self.hidden.bias.detach().numpy().copy(),
                "v": self.out.weight.detach().numpy().reshape(2).copy(),
                "c": self.out.bias.detach().numpy().reshape(()).copy(),
            }

    return _TwoUnitNet


def TwoUnitNet(seed: int = 0):  # noqa: N802 - reads like the class it builds
    """A torch 2-2-1 network with square hidden activation and sigmoid output, float64, seeded init."""
    torch = _torch()
    torch.manual_seed(seed)
    return _two_unit_class()()


def train_two_unit_net(x: np.ndarray, y: np.ndarray, epochs: int = 600, lr: float = 0.05, seed: int = 0):
    """Full-batch Adam on the mean binary cross-entropy; x: (N, 2), y: (N,) in [0, 1] -> (net, losses)."""
    torch = _torch()
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"Pass x: (N, 2) and y: (N,), got x {x.shape} and y {y.shape}.")
    if not isinstance(epochs, (int, np.integer)) or epochs <= 0:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}.")
    net = TwoUnitNet(seed)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()  # on the logit: stable for large |logit|
    losses = []
    for _ in range(epochs):
        opt.zero_grad()
        loss = loss_fn(net.logit(xt), yt)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if not np.isfinite(losses[-1]):
            raise ValueError(f"training diverged (loss {losses[-1]}): lower lr, currently {lr}.")
    return net, np.array(losses)
