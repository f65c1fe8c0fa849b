"""Shared plotting conventions and figure output for the notebooks."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt

# Figures go to the repository's figures/ folder whatever the notebook's working directory.
FIGURES_DIR = Path(os.environ.get("WORKBOOK_FIGURES_DIR", Path(__file__).resolve().parent.parent / "figures"))

KIND_COLOURS = {"minimum": "tab:green", "maximum": "tab:red", "saddle": "tab:orange", "inconclusive": "tab:gray"}


def save_figure(fig: plt.Figure, name: str) -> Path:
    """Write ``fig`` as ``figures/<name>.png`` (stable name, fixed size and dpi) and return the path."""
    if not name or Path(name).name != name or name.endswith(".png"):
        raise ValueError(f"Pass a bare file stem such as 'learning_curve', not {name!r}.")
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    path = FIGURES_DIR / f"{name}.png"
    # metadata without the software version keeps the PNG byte-stable across matplotlib releases
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    return path
