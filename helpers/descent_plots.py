"""Pictures and a widget for gradient descent near a saddle: paths over contours, and what each run did."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from helpers import descent
from helpers.critical_points_plots import KIND_COLOURS
from helpers.figure_widgets import figure_explorer
from helpers.validation import describe, float_array, same_length

__all__ = ["plot_saddle_paths", "saddle_descent_view", "saddle_descent_explorer"]

_X, _Y = np.meshgrid(np.linspace(-1.3, 1.3, 121), np.linspace(-1.4, 1.4, 121))
_Z = descent.saddle_function(np.stack([_X, _Y], axis=-1))  # the contours do not depend on the run: computed once


def plot_saddle_paths(paths: list[Any], labels: list[str], ax: plt.Axes | None = None) -> plt.Axes:
    """Gradient-descent paths, each of shape (steps + 1, 2), over contours of descent.saddle_function."""
    if not isinstance(paths, (list, tuple)) or not isinstance(labels, (list, tuple)):
        raise TypeError(f"paths and labels must be lists, got {describe(paths)} and {describe(labels)}.")
    same_length(paths=paths, labels=labels)
    arrays = [float_array(p, f"paths[{i}]", shape=(None, 2)) for i, p in enumerate(paths)]
    if ax is None:
        ax = plt.subplots(figsize=(5.0, 4.2))[1]
    ax.contour(_X, _Y, _Z, levels=20, cmap="viridis", linewidths=0.7)
    for path, label in zip(arrays, labels, strict=True):
        ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, label=str(label))
    ax.scatter([0, 0, 0], [0, 1, -1], c=[KIND_COLOURS["saddle"], KIND_COLOURS["minimum"], KIND_COLOURS["minimum"]],
               s=70, edgecolor="k", zorder=3)
    ax.set(xlabel="x", ylabel="y", title=r"$f = x^2/2 + y^4/4 - y^2/2$", xlim=(-1.3, 1.3), ylim=(-1.4, 1.4))
    if arrays:
        ax.legend(fontsize=8, loc="lower right")
    return ax


def saddle_descent_view(learning_rate: float, offset: float, steps: int = 150,
                        threshold: float = 0.5) -> tuple[plt.Figure, str]:
    """The descent widget's picture: the path from (1, offset), and one line on what the run did."""
    run = descent.saddle_run(learning_rate, offset, steps, threshold)
    fig, ax = plt.subplots(figsize=(5.0, 4.2))
    plot_saddle_paths([run.path], [f"learning rate {run.learning_rate:g}, offset {run.offset:.2g}"], ax=ax)
    if run.escape_step is not None:
        ax.plot(*run.path[run.escape_step], "k*", ms=10, zorder=4)  # where |y| first passed the threshold
    return fig, run.summary


def saddle_descent_explorer() -> Any:  # -> ipywidgets.VBox
    """Sliders for the learning rate, the starting offset and the number of steps; redraws the path and its summary."""
    import ipywidgets as w

    return figure_explorer({
        "learning_rate": w.FloatSlider(value=0.1, min=0.01, max=2.5, step=0.01, description="learning rate",
                                       continuous_update=False),
        "offset": w.FloatLogSlider(value=1e-3, base=10, min=-8, max=-0.5, step=0.25, description="offset from x-axis",
                                   readout_format=".1e", continuous_update=False),
        "steps": w.IntSlider(value=150, min=10, max=2000, step=10, description="steps", continuous_update=False),
    }, saddle_descent_view)

