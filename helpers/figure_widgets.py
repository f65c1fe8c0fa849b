"""A widget that redraws a figure when its controls change (used by notebooks 02 and 04)."""

from __future__ import annotations

import io
from typing import Any, Callable

import matplotlib.pyplot as plt

__all__ = ["figure_png", "figure_explorer"]


def figure_png(fig: plt.Figure) -> bytes:
    """The figure as PNG bytes (no software metadata, so the bytes are stable); closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def figure_explorer(controls: dict[str, Any], draw: Callable[..., plt.Figure]):  # -> ipywidgets.VBox
    """Controls (name -> ipywidget with .value) above an Output showing draw(**values), redrawn on change.

    The Output's content is set directly rather than printed inside ``with out:``, so executing the notebook
    leaves the picture in the widget state only and re-runs (nbval) see no stray outputs.
    """
    import ipywidgets as w
    from IPython.display import Image

    if not controls or not all(hasattr(c, "value") and hasattr(c, "observe") for c in controls.values()):
        raise ValueError("controls must be a non-empty dict of name -> ipywidget, e.g. {'b': FloatSlider()}.")
    if not callable(draw):
        raise ValueError("draw must be a function of the control values returning a matplotlib Figure.")
    out = w.Output()

    def render(_: Any = None) -> None:
        fig = draw(**{name: c.value for name, c in controls.items()})
        if not isinstance(fig, plt.Figure):
            raise ValueError(f"draw must return a matplotlib Figure, got {type(fig).__name__}.")
        out.outputs = ()
        out.append_display_data(Image(data=figure_png(fig), format="png"))

    for c in controls.values():
        c.observe(render, names="value")
    render()
    return w.VBox([w.HBox(list(controls.values())), out])
