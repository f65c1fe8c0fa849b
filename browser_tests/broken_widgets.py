"""A notebook of deliberately broken widgets: the suite's own checks must find every fault in it.

Each widget breaks one rule the notebooks of the workbook are held to; ``FAULTS`` lists, per widget, the
words of the problem the suite must report for it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

__all__ = ["NAME", "FAULTS", "LOG_CONSOLE_FAULT", "write_notebook"]

NAME = "broken_widgets_for_the_suite.ipynb"
CELLS = [
    """import time
import ipywidgets as w
from IPython.display import display""",
    # 1: a traceback shown inside the widget's Output
    """traceback_out = w.Output()
traceback_slider = w.IntSlider(description="traceback in output", min=0, max=5, tooltip="raises")
def _raise_in_output(change):
    with traceback_out:
        raise ValueError("raised inside the Output widget")
traceback_slider.observe(_raise_in_output, "value")
display(w.VBox([traceback_slider, traceback_out]))""",
    # 2: an exception outside any Output: only JupyterLab's log console shows it
    """log_slider = w.IntSlider(description="raises", min=0, max=5, tooltip="raises")
def _raise(change):
    raise RuntimeError("raised in a callback, outside any Output")
log_slider.observe(_raise, "value")
display(w.VBox([log_slider, w.Output()]))""",
    # 3: a redraw slower than a second
    """slow_out = w.Output()
slow_slider = w.IntSlider(description="slow", min=0, max=5, tooltip="slow")
def _slow(change):
    time.sleep(1.3)
    slow_out.outputs = ()
    slow_out.append_stdout(f"value {change['new']}\\n")
slow_slider.observe(_slow, "value")
display(w.VBox([slow_slider, slow_out]))""",
    # 4: layout and rendering faults, and controls that drive nothing
    """dead = w.IntSlider(description="drives nothing", tooltip="nothing")
cut = w.Dropdown(options=["an option far too long for a box this narrow"], layout=w.Layout(width="120px"))
label = w.Label("a Label much longer than its box", layout=w.Layout(width="60px"))
cover = w.HTML('<div style="position: relative; height: 0"><div style="position: absolute; bottom: 0; left: 0; '
               'width: 2000px; height: 40px; background: white; z-index: 10"></div></div>')
math = w.HTMLMath(r"$\\text{x^2}$")
no_tooltip = w.SelectionSlider(options=["a", "b", "c"], description="no tooltip")
display(w.VBox([w.HBox([dead]), w.HBox([cut, label]), cover, math, no_tooltip]))""",
]
# widget index -> words that must appear in one of the problems the suite reports for it
FAULTS = {
    0: ["traceback in the widget"],
    1: ["callback raised or wrote to stderr", "did not respond"],
    2: ["redraw took"],
    3: ["covered by", "text cut", "is cut", 'tooltip "null"', "LaTeX not typeset", "did not respond",
        "the readout shows 'abc'"],
}
LOG_CONSOLE_FAULT = "raised in a callback, outside any Output"


def write_notebook(folder: Path) -> str:
    """Write the notebook into folder (the JupyterLab root); return its name."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / NAME)
    return NAME
