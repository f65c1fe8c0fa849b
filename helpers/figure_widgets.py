"""Widgets that redraw a figure when their controls change: the one mechanism every notebook uses.

A widget's callback never lets an exception escape (ipywidgets would send it to JupyterLab's log console,
where a student does not look, and leave the old picture standing). ``figure_explorer`` turns what the
drawing function raises into one line in the widget itself: ``ValueError`` and ``TypeError`` carry
messages written for the reader by ``helpers.validation``; anything else is reported as an internal error.
Every redraw replaces what the widget showed before, message and picture alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt

from helpers.exercises import Feedback
from helpers.figures import figure_png

__all__ = ["show_in", "message_for", "figure_explorer", "controls_row"]


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


def message_for(err: BaseException) -> str:
    """One line for the reader: the message of a ValueError/TypeError, or a plain note for anything else."""
    text = " ".join(str(err).split()) or type(err).__name__
    if isinstance(err, (ValueError, TypeError, Feedback)):
        return text  # written for the reader (helpers.validation, an exercise's check); a name keeps its case
    if isinstance(err, NotImplementedError):
        return "not answered yet: a function this picture calls still raises NotImplementedError; write it first."
    return f"Internal error ({type(err).__name__}: {text}); please report it."


def controls_row(controls: list[Any]) -> Any:  # -> ipywidgets.HBox
    """Controls side by side, wrapping onto new lines in a narrow window, with full labels and tooltips."""
    import ipywidgets as w

    for c in controls:
        if hasattr(c, "style") and hasattr(c.style, "description_width"):
            c.style.description_width = "initial"  # never cut a label ("learning r...")
        if getattr(c, "description", "") and not getattr(c, "tooltip", None):
            c.tooltip = c.description  # without one, JupyterLab shows the tooltip "null"
    return w.HBox(controls, layout=w.Layout(flex_flow="row wrap", align_items="center"))


def figure_explorer(controls: dict[str, Any], draw: Callable[..., Any]) -> Any:  # -> ipywidgets.VBox
    """Controls (name -> ipywidget with .value) above an Output showing draw(**values), redrawn on change.

    ``draw`` returns a matplotlib Figure, or a pair (Figure, message) to show a line of text above it; a pair
    (None, message) shows only the message (e.g. why there is nothing to draw for these values). An
    exception raised by ``draw`` is shown as a message (see the module docstring), never as a traceback.
    """
    import ipywidgets as w

    if not isinstance(controls, dict) or not controls or not all(
            hasattr(c, "value") and hasattr(c, "observe") for c in controls.values()):
        raise ValueError("controls must be a non-empty dict of name -> ipywidget, e.g. {'b': FloatSlider()}.")
    if not callable(draw):
        raise ValueError("draw must be a function of the control values returning a matplotlib Figure.")
    out = w.Output()

    def render(_: Any = None) -> None:
        try:
            with plt.ioff():  # a figure drawn in a callback is shown only as our PNG, never by the inline backend
                drawn = draw(**{name: c.value for name, c in controls.items()})
            fig, message = drawn if isinstance(drawn, tuple) else (drawn, "")
            if not isinstance(fig, plt.Figure) and not (fig is None and message):
                raise RuntimeError(f"draw returned {type(fig).__name__}, not a matplotlib Figure")
        except Exception as err:  # noqa: BLE001 - a widget callback must never raise: the reader gets a message
            plt.close("all")
            fig, message = None, message_for(err)
        show_in(out, fig, message)

    first = draw(**{name: c.value for name, c in controls.items()})  # the default must work: fail loudly here
    fig, message = first if isinstance(first, tuple) else (first, "")
    if not isinstance(fig, plt.Figure) and not (fig is None and message):
        raise ValueError(
            f"draw must return a matplotlib Figure (or a (Figure, message) pair), got {type(fig).__name__}.")
    show_in(out, fig, message)
    for c in controls.values():
        c.observe(render, names="value")
    return w.VBox([controls_row(list(controls.values())), out])
