"""Thin plotting and widget layers over helpers.calculus (contours, saddle statistics, descent paths)."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from helpers import calculus
from helpers.figure_widgets import figure_explorer, show_in
from helpers.plotting import KIND_COLOURS


def _new_ax(ax: plt.Axes | None, size: tuple[float, float] = (5.0, 4.2)) -> plt.Axes:
    return ax if ax is not None else plt.subplots(figsize=size)[1]


def plot_critical_points(f: Any, variables: Any = ("x", "y"), ax: plt.Axes | None = None, extent: tuple | None = None) -> plt.Axes:
    """Contours of a two-variable f with its critical points marked and coloured by kind; ValueError on bad f."""
    if len(calculus._symbols(variables)) != 2:
        raise ValueError("plot_critical_points draws functions of exactly two variables, e.g. ('x', 'y').")
    vs = calculus._symbols(variables)
    expr = calculus._expression(f, vs)
    points = calculus.critical_points(expr, vs)
    xy = np.array([[float(sp.N(c)) for c in p.point] for p in points]).reshape(-1, 2)
    if extent is None:
        lo, hi = (xy.min(axis=0), xy.max(axis=0)) if len(xy) else (np.zeros(2), np.zeros(2))
        pad = np.maximum(0.5 * (hi - lo), 1.5)
        extent = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    X, Y = np.meshgrid(np.linspace(extent[0], extent[1], 161), np.linspace(extent[2], extent[3], 161))
    Z = np.broadcast_to(sp.lambdify(vs, expr, "numpy")(X, Y), X.shape)
    ax = _new_ax(ax)
    # quantile levels keep the picture readable for quartic growth at the edges
    levels = np.unique(np.quantile(Z, np.linspace(0.02, 0.98, 25)))
    ax.contour(X, Y, Z, levels=levels if len(levels) > 1 else 10, cmap="viridis", linewidths=0.8)
    for kind in calculus.KINDS:
        sel = [i for i, p in enumerate(points) if p.kind == kind]
        if sel:
            ax.scatter(xy[sel, 0], xy[sel, 1], s=70, color=KIND_COLOURS[kind], edgecolor="k", zorder=3, label=kind)
    ax.set(xlabel=vs[0].name, ylabel=vs[1].name, title=f"${sp.latex(expr)}$")
    if points:
        ax.legend(loc="best", fontsize=8)
    return ax


def function_view(text: str) -> tuple[plt.Figure | None, str]:
    """What the function-explorer widget shows for a typed formula in x, y: (figure or None, message)."""
    try:
        points = calculus.critical_points(text, ("x", "y"))
        fig, ax = plt.subplots(figsize=(5.0, 4.2))
        plot_critical_points(text, ("x", "y"), ax=ax)
    except ValueError as err:
        return None, f"Cannot analyse this function: {err}"
    lines = [f"({', '.join(map(str, p.point))}): {p.kind}, Hessian eigenvalues {', '.join(map(str, p.eigenvalues))}" for p in points]
    return fig, "\n".join(lines) or "no real critical points"


def critical_point_explorer(examples: dict[str, str]):  # -> ipywidgets.VBox
    """A Dropdown of example formulas plus a Text box; shows contours, points and kinds, or the error."""
    import ipywidgets as w

    pick = w.Dropdown(options=list(examples.items()), description="example")
    text = w.Text(value=pick.value, description="f(x, y) =", continuous_update=False, layout=w.Layout(width="60%"))
    out = w.Output()

    def render(_: Any = None) -> None:
        show_in(out, *function_view(text.value))

    pick.observe(lambda change: setattr(text, "value", change["new"]), names="value")
    text.observe(render, names="value")
    render()
    return w.VBox([w.HBox([pick, text]), out])


def plot_saddle_statistics(stats: calculus.SpectrumStats, axes: Any = None) -> plt.Figure:
    """Left: P(saddle) coin-flip vs GOE mixed fraction; right: all-positive fraction vs 2^-n (log axis)."""
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    fig = axes[0].figure
    n = stats.n
    coin = [calculus.coin_flip_saddle_probability(int(k)) for k in n]
    axes[0].plot(n, coin, "o-", label=r"coin flip $1 - 2^{1-n}$")
    axes[0].plot(n, stats.mixed, "s--", label="GOE: mixed signs")
    axes[0].set(xlabel="dimension n", ylabel="P(saddle)", title="critical points that are saddles")
    seen = stats.all_positive > 0
    axes[1].semilogy(n, 2.0 ** -n.astype(float), "o-", label=r"coin flip $2^{-n}$")
    axes[1].semilogy(n[seen], stats.all_positive[seen], "s--", label="GOE: all eigenvalues > 0")
    axes[1].axhline(1 / stats.trials, color="gray", lw=0.8, ls=":", label="1/trials (none seen below)")
    axes[1].set(xlabel="dimension n", ylabel="P(minimum)", title="critical points that are minima")
    for ax in axes:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_saddle_paths(paths: list[np.ndarray], labels: list[str], ax: plt.Axes | None = None) -> plt.Axes:
    """Gradient-descent paths: each (steps + 1, 2), over contours of calculus.saddle_function."""
    ax = _new_ax(ax)
    X, Y = np.meshgrid(np.linspace(-1.3, 1.3, 121), np.linspace(-1.4, 1.4, 121))
    ax.contour(X, Y, calculus.saddle_function(np.stack([X, Y], axis=-1)), levels=20, cmap="viridis", linewidths=0.7)
    for path, label in zip(paths, labels):
        ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, label=label)
    ax.scatter([0, 0, 0], [0, 1, -1], c=[KIND_COLOURS["saddle"], KIND_COLOURS["minimum"], KIND_COLOURS["minimum"]], s=70, edgecolor="k", zorder=3)
    ax.set(xlabel="x", ylabel="y", title=r"$f = x^2/2 + y^4/4 - y^2/2$", xlim=(-1.3, 1.3), ylim=(-1.4, 1.4))
    ax.legend(fontsize=8, loc="lower right")
    return ax


def saddle_descent_view(lr: float, offset: float, steps: int = 150, threshold: float = 0.5) -> tuple[plt.Figure, str]:
    """The descent widget's picture: path from (1, offset) and its escape step (or the divergence message)."""
    fig, ax = plt.subplots(figsize=(5.0, 4.2))
    try:
        # the x-direction (curvature 1) is what blows up first, for lr > 2/1
        path = calculus.gradient_descent(calculus.saddle_gradient, [1.0, offset], lr, steps, lambda_max=1.0)
    except ValueError as err:
        plt.close(fig)
        return None, str(err)
    plot_saddle_paths([path], [f"lr={lr:g}, offset={offset:g}"], ax=ax)
    t = calculus.escape_times([offset], lr, threshold)[0] if 0 < abs(offset) < threshold else np.inf
    predicted = calculus.linearized_escape_time([offset], lr, threshold)[0] if offset else np.inf
    settled = np.allclose(np.abs(path[-1]), [0.0, 1.0], atol=1e-3)
    end = "settles in a minimum" if settled else "does not settle in a minimum (lr > 1 overshoots: curvature 2 there)"
    return fig, f"escape (|y| > {threshold}) at step {t:g}; linearized prediction {predicted:.1f}; {end}"


def saddle_descent_explorer():  # -> ipywidgets.VBox
    """Sliders for the learning rate and the starting offset; redraws the path and the escape step."""
    import ipywidgets as w

    return figure_explorer({
        "lr": w.FloatSlider(value=0.1, min=0.01, max=2.5, step=0.01, description="lr", continuous_update=False),
        "offset": w.FloatLogSlider(value=1e-3, base=10, min=-8, max=-0.5, step=0.25, description="offset",
                                   continuous_update=False),
    }, saddle_descent_view)


def critical_point_table(points: list[calculus.CriticalPoint], variables: Any) -> str:
    """A LaTeX array: one row per critical point with its Hessian, eigenvalues and kind (for IPython Math)."""
    vs = calculus._symbols(variables)
    head = rf"({', '.join(v.name for v in vs)}) & H & \det H & \text{{eigenvalues}} & \text{{kind}}"
    rows = [
        rf"{sp.latex(sp.Tuple(*p.point))} & {sp.latex(p.hessian)} & {sp.latex(p.hessian.det())} & "
        rf"{', '.join(sp.latex(e) for e in p.eigenvalues)} & \text{{{p.kind}}}"
        for p in points
    ]
    return r"\begin{array}{ccccc}" + head + r" \\ \hline " + r" \\ ".join(rows) + r"\end{array}"


# name -> (f, f', formula): the Newton examples of A7
NEWTON_EXAMPLES = {
    "arctan(x)": (np.arctan, lambda t: 1.0 / (1.0 + t * t), r"\arctan x"),
    "x^3 - 2x + 2": (lambda t: t**3 - 2 * t + 2, lambda t: 3 * t**2 - 2, r"x^3 - 2x + 2"),
    "x^2 - 2": (lambda t: t**2 - 2, lambda t: 2 * t, r"x^2 - 2"),
}


def newton_view(name: str, x0: float, steps: int = 6) -> tuple[plt.Figure, str]:
    """Newton's tangent steps for one of NEWTON_EXAMPLES from x0: the figure and the iterates (or the error)."""
    if name not in NEWTON_EXAMPLES:
        raise ValueError(f"Unknown example {name!r}; pick one of {list(NEWTON_EXAMPLES)}.")
    f, fprime, formula = NEWTON_EXAMPLES[name]
    try:
        xs = calculus.newton_root(f, fprime, float(x0), steps)
        message = "iterates: " + ", ".join(f"{v:.4g}" for v in xs)
    except ValueError as err:
        xs, message = [float(x0)], str(err)
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    shown = [v for v in xs if abs(v) < 10]  # keep the axes readable when the iterates run away
    lo, hi = min(shown + [-3.0]), max(shown + [3.0])
    grid = np.linspace(lo, hi, 400)
    ax.plot(grid, f(grid), "k-", lw=1.2, label=f"${formula}$")
    ax.axhline(0, color="gray", lw=0.6)
    for a, b in zip(xs, xs[1:]):
        if abs(a) < 10:
            # the tangent at x_k meets the axis at x_{k+1}
            ax.plot([a, a, b], [0, f(a), 0], "-", color="tab:blue", lw=0.9)
    ax.plot(shown, [0] * len(shown), "o", color="tab:red", ms=4, label="iterates")
    ax.set(xlim=(lo, hi), ylim=(-3, 3), xlabel="x", title=f"Newton from $x_0 = {x0:g}$")
    ax.legend(fontsize=8, loc="upper left")
    return fig, message


def newton_explorer():  # -> ipywidgets.VBox
    """A Dropdown of functions and a slider for x0; draws Newton's tangent steps and lists the iterates."""
    import ipywidgets as w

    return figure_explorer({
        "name": w.Dropdown(options=list(NEWTON_EXAMPLES), value="arctan(x)", description="f"),
        "x0": w.FloatSlider(value=1.3, min=-2.5, max=2.5, step=0.05, description="x0", continuous_update=False),
    }, newton_view)

