"""Widgets that redraw a figure when their controls change: the one mechanism every notebook uses."""

from __future__ import annotations

import io
from typing import Any, Callable

import matplotlib.pyplot as plt

__all__ = ["figure_png", "show_in", "figure_explorer"]


def figure_png(fig: plt.Figure) -> bytes:
    """The figure as PNG bytes (no software metadata, so the bytes are stable); closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def show_in(out: Any, fig: plt.Figure | None = None, message: str = "") -> None:
    """Replace an Output widget's content by ``message`` (if any) and a PNG of ``fig`` (then closed).

    Setting ``outputs`` directly, instead of printing inside ``with out:``, keeps the content in the widget's
    state only, so re-running the notebook (nbval) sees no stray stdout or clear_output messages.
    """
    from IPython.display import Image

    out.outputs = ()
    if message:
        out.append_stdout(message + "\n")
    if fig is not None:
        out.append_display_data(Image(data=figure_png(fig), format="png"))


def figure_explorer(controls: dict[str, Any], draw: Callable[..., Any]):  # -> ipywidgets.VBox
    """Controls (name -> ipywidget with .value) above an Output showing draw(**values), redrawn on change.

    ``draw`` returns a matplotlib Figure, or a pair (Figure, message) to show a line of text above it; a pair
    (None, message) shows only the message (e.g. why there is nothing to draw for these values).
    """
    import ipywidgets as w

    if not controls or not all(hasattr(c, "value") and hasattr(c, "observe") for c in controls.values()):
        raise ValueError("controls must be a non-empty dict of name -> ipywidget, e.g. {'b': FloatSlider()}.")
    if not callable(draw):
        raise ValueError("draw must be a function of the control values returning a matplotlib Figure.")
    out = w.Output()

    def render(_: Any = None) -> None:
        drawn = draw(**{name: c.value for name, c in controls.items()})
        fig, message = drawn if isinstance(drawn, tuple) else (drawn, "")
        if not isinstance(fig, plt.Figure) and not (fig is None and message):
            raise ValueError(f"draw must return a matplotlib Figure (or a (Figure, message) pair), got {type(fig).__name__}.")
        show_in(out, fig, message)

    for c in controls.values():
        c.observe(render, names="value")
    render()
    return w.VBox([w.HBox(list(controls.values())), out])
