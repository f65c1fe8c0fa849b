"""Pictures of MNIST data: a grid of digits with titles, and the number of images per digit in each split."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from helpers import validation
from helpers.mnist import N_CLASSES

__all__ = ["show_digits", "plot_class_balance"]


def show_digits(x: np.ndarray, titles: Sequence[str], n_cols: int = 10, size: float = 1.1) -> plt.Figure:
    """x: (n, 784) images in [0, 1] -> a Figure with a grid of them, one title each (n titles)."""
    x = validation.float_array(x, "x", shape=("n", 784))
    if isinstance(titles, str) or len(titles) != len(x):
        raise ValueError(f"titles must be a list of {len(x)} strings, one per image, got "
                         f"{validation.describe(titles)}.")
    n_cols = validation.positive_int(n_cols, "n_cols")
    size = validation.positive_number(size, "size")
    n_rows = -(-len(x) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols, 1.25 * size * n_rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, img, title in zip(axes.ravel(), x, titles, strict=False):  # the last row may have empty axes
        ax.imshow(img.reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(str(title), fontsize=8)
    fig.tight_layout()
    return fig


def plot_class_balance(y_train: np.ndarray, y_val: np.ndarray, ax: Any) -> Any:
    """Images per digit in each split as grouped bars on ax; labels one-hot (n, 10) or integers (n,)."""
    counts = [np.bincount(validation.class_labels(y, N_CLASSES, name), minlength=N_CLASSES)
              for y, name in ((y_train, "y_train"), (y_val, "y_val"))]
    digits = np.arange(N_CLASSES)
    ax.bar(digits - 0.2, counts[0], width=0.4, label=f"training ({counts[0].sum()})")
    ax.bar(digits + 0.2, counts[1], width=0.4, label=f"validation ({counts[1].sum()})")
    ax.set(xticks=digits, xlabel="digit", ylabel="images")
    ax.legend()
    return ax
