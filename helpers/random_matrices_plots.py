"""Pictures of the saddle statistics: the coin-flip model against sampled random symmetric matrices."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt

from helpers import random_matrices
from helpers.validation import describe

__all__ = ["plot_saddle_statistics"]


def plot_saddle_statistics(stats: random_matrices.SpectrumStats, axes: Any = None) -> plt.Figure:
    """Left: P(saddle) coin-flip vs GOE mixed fraction; right: all-positive fraction vs 2^-n (log axis)."""
    if not isinstance(stats, random_matrices.SpectrumStats):
        raise TypeError(f"stats must be the result of random_matrices.goe_spectrum_fractions, got {describe(stats)}.")
    if axes is None:
        axes = plt.subplots(1, 2, figsize=(10, 3.8))[1]
    if len(axes) != 2:
        raise ValueError(f"axes must be two matplotlib Axes side by side, got {len(axes)}.")
    fig = axes[0].figure
    n = stats.n
    coin = [random_matrices.coin_flip_saddle_probability(int(k)) for k in n]
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
