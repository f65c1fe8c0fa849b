"""Figures as PNG: written to ``figures/`` for the README and slides, or as bytes for a widget.

Both go through one function, ``figure_png``, which leaves out matplotlib's version metadata so the bytes
of a figure do not change from one matplotlib release to the next.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["FIGURES_DIR", "figure_png", "save_figure", "show_matrix"]

# Figures go to the repository's figures/ folder whatever the notebook's working directory;
# WORKBOOK_FIGURES_DIR redirects them (the grader points it at a scratch folder).
FIGURES_DIR = Path(os.environ.get("WORKBOOK_FIGURES_DIR", Path(__file__).resolve().parent.parent / "figures"))


def _check_figure(fig: Any) -> None:
    if not isinstance(fig, plt.Figure):
        raise TypeError(f"fig must be a matplotlib Figure (e.g. from plt.subplots()), got {type(fig).__name__}.")


def figure_png(fig: plt.Figure, dpi: int = 80, *, close: bool = True) -> bytes:
    """The figure as PNG bytes (no software metadata, so the bytes are stable); closes it unless ``close=False``."""
    _check_figure(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    if close:
        plt.close(fig)
    return buf.getvalue()


def save_figure(fig: plt.Figure, name: str) -> Path:
    """Write ``fig`` as ``figures/<name>.png`` (fixed dpi, atomically) and return the path; the figure stays open."""
    _check_figure(fig)
    if not isinstance(name, str) or not name or Path(name).name != name or name.endswith(".png"):
        raise ValueError(f"name must be a bare file stem such as 'learning_curve', got {name!r}.")
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    path = FIGURES_DIR / f"{name}.png"
    # a temporary file in the same folder, renamed when complete: a crash never leaves half a PNG
    fd, tmp = tempfile.mkstemp(dir=FIGURES_DIR, prefix=f".{name}.", suffix=".png")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(figure_png(fig, dpi=110, close=False))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def show_matrix(ax: Any, m: np.ndarray, lim: float, fmt: Callable[[float], str] = "{:.2g}".format) -> None:
    """A matrix m: (rows, cols) as a red-blue heat map on [-lim, lim] with every entry written in its cell."""
    ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim)
    for (r, c), v in np.ndenumerate(m):
        ax.text(c, r, fmt(v), ha="center", va="center", fontsize=7, color="white" if abs(v) > 0.6 * lim else "black")
