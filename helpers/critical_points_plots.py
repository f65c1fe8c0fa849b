"""Pictures and widgets for critical points: contours with the points coloured by kind, a table, an explorer."""

from __future__ import annotations

import functools
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from helpers import critical_points
from helpers.figure_widgets import controls_row, figure_explorer
from helpers.validation import describe

__all__ = ["KIND_COLOURS", "EXPLORER_TIME_LIMIT", "plot_critical_points", "critical_point_table", "function_view",
           "critical_point_explorer"]

KIND_COLOURS = {"minimum": "tab:green", "maximum": "tab:red", "saddle": "tab:orange", "inconclusive": "tab:gray"}
EXPLORER_TIME_LIMIT = 5.0  # seconds the explorer lets sympy work before it shows a message instead


def plot_critical_points(f: Any, variables: Any = ("x", "y"), ax: plt.Axes | None = None, extent: Any = None,
                         *, points: list[critical_points.CriticalPoint] | None = None) -> plt.Axes:
    """Contours of a two-variable f with its critical points marked and coloured by kind.

    ``extent`` is (xmin, xmax, ymin, ymax), by default a margin around the points; ``points`` are the
    critical points if already computed (otherwise ``critical_points.critical_points`` finds them).
    """
    vs = critical_points.parse_variables(variables)
    if len(vs) != 2:
        raise ValueError(f"plot_critical_points draws functions of exactly two variables, e.g. ('x', 'y'); "
                         f"got {len(vs)}.")
    expr = critical_points.parse_function(f, vs)
    if points is None:
        points = critical_points.critical_points(expr, vs)
    xy = np.array([[float(sp.N(c)) for c in p.point] for p in points]).reshape(-1, 2)
    if extent is None:
        lo, hi = (xy.min(axis=0), xy.max(axis=0)) if len(xy) else (np.zeros(2), np.zeros(2))
        pad = np.maximum(0.5 * (hi - lo), 1.5)
        extent = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    extent = _extent(extent)
    X, Y = np.meshgrid(np.linspace(extent[0], extent[1], 161), np.linspace(extent[2], extent[3], 161))
    with np.errstate(all="ignore"):  # overflow or a pole shows as a gap in the contours, not as a warning
        Z = np.broadcast_to(np.asarray(sp.lambdify(vs, expr, "numpy")(X, Y), dtype=float), X.shape)
    finite = np.isfinite(Z)
    ax = ax if ax is not None else plt.subplots(figsize=(5.0, 4.2))[1]
    if finite.any():
        # quantile levels keep the picture readable for quartic growth at the edges
        levels = np.unique(np.quantile(Z[finite], np.linspace(0.02, 0.98, 25)))
        if len(levels) > 1:
            ax.contour(X, Y, np.ma.masked_invalid(Z), levels=levels, cmap="viridis", linewidths=0.8)
    for kind in critical_points.KINDS:
        sel = [i for i, p in enumerate(points) if p.kind == kind]
        if sel:
            ax.scatter(xy[sel, 0], xy[sel, 1], s=70, color=KIND_COLOURS[kind], edgecolor="k", zorder=3, label=kind)
    ax.set(xlabel=vs[0].name, ylabel=vs[1].name, title=f"${sp.latex(expr)}$", xlim=extent[:2], ylim=extent[2:])
    if points:
        ax.legend(loc="best", fontsize=8)
    return ax


def _extent(extent: Any) -> tuple[float, float, float, float]:
    try:
        values = tuple(float(v) for v in extent)
    except (TypeError, ValueError):
        raise TypeError(f"extent must be four numbers (xmin, xmax, ymin, ymax), got {describe(extent)}.") from None
    if len(values) != 4 or not np.all(np.isfinite(values)) or values[0] >= values[1] or values[2] >= values[3]:
        raise ValueError(f"extent must be four finite numbers (xmin, xmax, ymin, ymax) with xmin < xmax and "
                         f"ymin < ymax, got {extent}.")
    return values  # type: ignore[return-value]


def critical_point_table(points: list[critical_points.CriticalPoint], variables: Any) -> str:
    """A LaTeX array: one row per critical point with its Hessian, eigenvalues and kind (for IPython Math)."""
    vs = critical_points.parse_variables(variables)
    if not isinstance(points, (list, tuple)) or not all(isinstance(p, critical_points.CriticalPoint) for p in points):
        raise TypeError(f"points must be the list returned by critical_points.critical_points, got {describe(points)}.")
    if any(len(p.point) != len(vs) for p in points):
        raise ValueError(f"points have {len(points[0].point)} coordinates but there are {len(vs)} variables.")
    head = rf"({', '.join(v.name for v in vs)}) & H & \det H & \text{{eigenvalues}} & \text{{kind}}"
    rows = [
        rf"{sp.latex(sp.Tuple(*p.point))} & {sp.latex(p.hessian)} & {sp.latex(p.hessian.det())} & "
        rf"{', '.join(sp.latex(e) for e in p.eigenvalues)} & \text{{{p.kind}}}"
        for p in points
    ]
    return r"\begin{array}{ccccc}" + head + r" \\ \hline " + r" \\ ".join(rows) + r"\end{array}"


@functools.lru_cache(maxsize=64)
def _analyse(text: str) -> tuple[sp.Expr, tuple[critical_points.CriticalPoint, ...]]:
    vs = critical_points.parse_variables(("x", "y"))
    expr = critical_points.parse_function(text, vs)
    if not all(sp.diff(expr, v).is_polynomial(*vs) for v in vs):
        raise ValueError(f"the explorer analyses polynomials in x and y only, and the gradient of {expr} is not "
                         "polynomial (sympy's solve could miss critical points).")
    return expr, tuple(critical_points.critical_points(expr, vs, time_limit=EXPLORER_TIME_LIMIT))


def function_view(text: str) -> tuple[plt.Figure | None, str]:
    """What the function explorer shows for a formula in x and y: (figure, one line per point) or (None, why not)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a formula such as 'x^2 - y^2', got {describe(text)}.")
    try:
        expr, points = _analyse(text)
    except critical_points.TimeLimitError as err:
        why = f" ({err.detail})" if err.detail else ""
        return None, (f"Cannot analyse this function within {err.seconds:g} seconds{why}: call "
                      "critical_points.critical_points(f, ['x', 'y'], time_limit=None) in a cell to wait longer.")
    except (ValueError, TypeError) as err:
        return None, "Cannot analyse this function: " + " ".join(str(err).split())  # one line, whatever sympy wrote
    fig, ax = plt.subplots(figsize=(5.0, 4.2))
    plot_critical_points(expr, ("x", "y"), ax=ax, points=list(points))
    lines = [f"({', '.join(map(str, p.point))}): {p.kind}, Hessian eigenvalues {', '.join(map(str, p.eigenvalues))}"
             for p in points]
    return fig, "\n".join(lines) or "no real critical points"


def critical_point_explorer(examples: dict[str, str]) -> Any:  # -> ipywidgets.VBox
    """A Dropdown of example formulas plus a Text box for any formula; shows contours, points and kinds, or why not."""
    import ipywidgets as w

    if not isinstance(examples, dict) or not examples or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in examples.items()):
        raise TypeError(f"examples must be a non-empty dict of label -> formula, e.g. {{'saddle': 'x^2 - y^2'}}, "
                        f"got {describe(examples)}.")
    longest = max(len(label) for label in examples)
    pick = w.Dropdown(options=list(examples.items()), description="example",
                      layout=w.Layout(width=f"{longest + 12}ch"))  # the longest label in full, plus the arrow
    text = w.Text(value=pick.value, description="f(x, y) =", continuous_update=False,
                  layout=w.Layout(width=f"{max(len(v) for v in examples.values()) + 16}ch"))
    pick.observe(lambda change: setattr(text, "value", change["new"]), names="value")
    box = figure_explorer({"text": text}, function_view)
    box.children = (controls_row([pick, text]), *box.children[1:])
    return box
