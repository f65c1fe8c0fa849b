"""A picture and a widget for Newton's method: tangent steps towards a root, and where they fail."""

from __future__ import annotations

import itertools
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from helpers import newton
from helpers.figure_widgets import figure_explorer
from helpers.validation import finite_number, one_of, positive_int

__all__ = ["NEWTON_EXAMPLES", "newton_view", "newton_explorer"]


# name -> (f, f', formula in LaTeX, the real roots)
NEWTON_EXAMPLES = {
    "arctan(x)": (np.arctan, lambda t: 1.0 / (1.0 + t * t), r"\arctan x", (0.0,)),
    "x^3 - 2x + 2": (lambda t: t**3 - 2 * t + 2, lambda t: 3 * t**2 - 2, r"x^3 - 2x + 2",
                     tuple(float(r.real) for r in np.roots([1, 0, -2, 2]) if abs(r.imag) < 1e-12)),
    "x^2 - 2": (lambda t: t**2 - 2, lambda t: 2 * t, r"x^2 - 2", (-np.sqrt(2), np.sqrt(2))),
}


def _verdict(xs: list[float], roots: tuple[float, ...], f: Any) -> str:
    """One true sentence on where the iterates went."""
    near = [min(abs(v - r) for r in roots) < 1e-9 for v in xs]
    if near[-1]:
        k = next(i for i in range(len(xs)) if all(near[i:]))
        root = min(roots, key=lambda r: abs(xs[-1] - r))
        return f"at the root {root:.6g} (to within 1e-9) from step {k} on"
    if len(xs) >= 3 and xs[-1] == xs[-3] and xs[-1] != xs[-2]:
        return f"caught in a cycle: the iterates alternate between {xs[-2]:.4g} and {xs[-1]:.4g}"
    if len(xs) >= 3 and all(abs(b) > abs(a) for a, b in itertools.pairwise(xs)):
        return "moving away from the root so far: |x| grew at every step"
    return f"not at a root after {len(xs) - 1} steps (|f(x)| = {abs(f(xs[-1])):.2g})"


def newton_view(name: str, x0: float, steps: int = 6) -> tuple[plt.Figure, str]:
    """Newton's tangent steps for one of NEWTON_EXAMPLES from x0: the figure and one line on the iterates."""
    f, fprime, formula, roots = NEWTON_EXAMPLES[one_of(name, NEWTON_EXAMPLES, "example")]
    x0, steps = finite_number(x0, "x0"), positive_int(steps, "steps")
    try:
        xs = [float(v) for v in newton.newton_root(f, fprime, x0, steps)]
        message = "iterates: " + ", ".join(f"{v:.4g}" for v in xs) + "; " + _verdict(xs, roots, f)
    except ValueError as err:  # f'(x) = 0 or divergence: the message says which and where
        xs, message = [x0], str(err)
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    shown = [v for v in xs if abs(v) < 10]  # keep the axes readable when the iterates run away
    lo, hi = min([*shown, -3.0]), max([*shown, 3.0])
    grid = np.linspace(lo, hi, 400)
    ax.plot(grid, f(grid), "k-", lw=1.2, label=f"${formula}$")
    ax.axhline(0, color="gray", lw=0.6)
    for a, b in itertools.pairwise(xs):
        if abs(a) < 10:
            # the tangent at x_k meets the axis at x_{k+1}
            ax.plot([a, a, b], [0, f(a), 0], "-", color="tab:blue", lw=0.9)
    ax.plot(shown, [0] * len(shown), "o", color="tab:red", ms=4, label="iterates")
    ax.set(xlim=(lo, hi), ylim=(-3, 3), xlabel="x", title=f"Newton from $x_0 = {x0:g}$")
    ax.legend(fontsize=8, loc="upper left")
    return fig, message


def newton_explorer() -> Any:  # -> ipywidgets.VBox
    """A Dropdown of functions and sliders for x0 and the number of steps; draws the tangent steps."""
    import ipywidgets as w

    longest = max(len(name) for name in NEWTON_EXAMPLES)
    return figure_explorer({
        "name": w.Dropdown(options=list(NEWTON_EXAMPLES), value="arctan(x)", description="function",
                           layout=w.Layout(width=f"{longest + 14}ch")),
        "x0": w.FloatSlider(value=1.3, min=-2.5, max=2.5, step=0.05, description="start x0", continuous_update=False),
        "steps": w.IntSlider(value=6, min=1, max=12, description="steps", continuous_update=False),
    }, newton_view)
