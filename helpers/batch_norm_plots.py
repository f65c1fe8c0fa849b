"""Pictures and a widget for batch normalisation: the mean term of its gradient, and the experiments on why it helps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator, NullLocator

from helpers import validation
from helpers.batch_norm import compare_paired, large_batch_gap_table, mean_only_backward_autograd
from helpers.figure_widgets import figure_explorer

__all__ = ["BATCH_SIZES", "comparison_rows", "plot_covariate_shift", "plot_learning_rate_sweep", "mean_term_view",
           "mean_term_explorer"]

# the batch sizes the widget offers, from a batch of one to one far larger than any mini-batch
BATCH_SIZES = (1, 2, 3, 5, 10, 30, 100, 300, 1000, 3000, 10_000)


def comparison_rows(measures: dict[str, tuple[Any, Any]], labels: tuple[str, str] = ("no BN", "BN")) -> list[dict]:
    """One table row per measure: mean +- sd without and with, in how many seeds b is lower, p and the verdict.

    ``measures`` maps a name to paired per-seed values (a, b), each (n_seeds,); the columns are named by ``labels``
    and the verdict (lower, higher, no clear effect) is that of ``compare_paired`` for b against a.
    """
    if not measures:
        raise ValueError("measures is empty: pass {name: (values without, values with)}, one value per seed.")
    rows = []
    for name, (a, b) in measures.items():
        c = compare_paired(a, b)
        rows.append({"measure": name, labels[0]: f"{c['mean a']:.3f} ± {c['sd a']:.3f}",
                     labels[1]: f"{c['mean b']:.3f} ± {c['sd b']:.3f}",
                     f"{labels[1]} lower in": f"{c['b lower']} of {len(np.atleast_1d(a))} seeds",
                     "sign test p": round(c["p"], 3), f"{labels[1]} is": c["verdict"]})
    return rows


def _band(ax: plt.Axes, curves: np.ndarray, style: str, color: str, label: str) -> None:
    """The mean over runs as a line, and the range from the lowest to the highest run as a band."""
    steps = np.arange(curves.shape[1])
    ax.plot(steps, curves.mean(axis=0), style, color=color, label=label)
    ax.fill_between(steps, curves.min(axis=0), curves.max(axis=0), color=color, alpha=0.15, lw=0)


def plot_covariate_shift(plain: Sequence[dict], with_bn: Sequence[dict], axes: Sequence[plt.Axes]) -> None:
    """Training loss, and the mean and std of each hidden layer's input, per step: mean over runs and min-max band.

    ``plain`` and ``with_bn`` are lists of results of ``covariate_shift_experiment`` (one per seed); ``axes``: 3 Axes.
    """
    if len(axes) != 3:
        raise ValueError(f"axes must be three matplotlib Axes (e.g. plt.subplots(1, 3)[1]), got {len(axes)}.")
    if not plain or not with_bn:
        raise ValueError("plain and with_bn must each hold at least one result of covariate_shift_experiment.")
    for runs, style, name in ((plain, "-", "no BN"), (with_bn, "--", "BN")):
        # a running mean over 10 steps makes the trend of a noisy mini-batch loss readable
        loss = np.array([np.convolve(r["loss"], np.ones(10) / 10, mode="valid") for r in runs])
        _band(axes[0], loss, style, "tab:blue" if name == "no BN" else "tab:red", name)
        for layer in range(runs[0]["mean"].shape[1]):
            label = f"{name}, input of layer {layer + 2}"
            _band(axes[1], np.array([r["mean"][:, layer] for r in runs]), style, f"C{layer + 1}", label)
            _band(axes[2], np.array([r["std"][:, layer] for r in runs]), style, f"C{layer + 1}", label)
    axes[0].set(title="training loss (running mean of 10 steps)", xlabel="step", ylabel="cross-entropy")
    axes[1].set(title="mean of a hidden layer's input", xlabel="step")
    axes[2].set(title="std of a hidden layer's input", xlabel="step")
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].legend()
    axes[2].legend(fontsize=7)


def plot_learning_rate_sweep(rows: Sequence[dict], ax: plt.Axes, metric: str = "test accuracy") -> None:
    """``metric`` against the learning rate (log scale) per normalisation: mean over seeds, bars from min to max.

    ``rows`` are the rows of ``learning_rate_sweep``; a learning rate at which every seed diverged is marked with x.
    """
    if not rows:
        raise ValueError("rows is empty: pass the rows returned by learning_rate_sweep.")
    validation.one_of(metric, ("test accuracy", "train accuracy", "train loss"), "metric")
    names = list(dict.fromkeys(r["normalization"] for r in rows))
    for k, name in enumerate(names):
        rates = sorted({r["learning rate"] for r in rows if r["normalization"] == name})
        values = [np.array([r[metric] for r in rows if r["normalization"] == name and r["learning rate"] == lr])
                  for lr in rates]
        ok = [np.isfinite(v).any() for v in values]
        mean = np.array([np.nanmean(v) if good else np.nan for v, good in zip(values, ok, strict=True)])
        low = np.array([np.nanmin(v) if good else np.nan for v, good in zip(values, ok, strict=True)])
        high = np.array([np.nanmax(v) if good else np.nan for v, good in zip(values, ok, strict=True)])
        ax.errorbar(rates, mean, yerr=[mean - low, high - mean], marker="o", capsize=3, color=f"C{k}", label=name)
        failed = [lr for lr, good in zip(rates, ok, strict=True) if not good]
        if failed:
            bottom = np.nanmin(low) if np.isfinite(low).any() else 0.0
            ax.plot(failed, [bottom] * len(failed), "x", ms=10, color=f"C{k}", label=f"{name}: diverged")
    ax.set_xscale("log")
    ax.set(xlabel="learning rate", ylabel=metric)
    ax.legend(fontsize=8)


def mean_term_view(n: int, grad_mean: float, gamma: float = 1.5, random_state: Any = 0) -> tuple[plt.Figure, str]:
    """Upstream gradients g ~ N(grad_mean, 1) for a batch of n: dL/dx_i against gamma g_i, and the gap against n."""
    n = validation.positive_int(n, "n")
    grad_mean, gamma = validation.finite_number(grad_mean, "grad_mean"), validation.finite_number(gamma, "gamma")
    g = validation.as_rng(random_state).normal(grad_mean, 1.0, size=n)
    dx = mean_only_backward_autograd(g, gamma)
    shift = gamma * g.mean()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"wspace": 0.3})
    left.plot(gamma * g, dx, ".", ms=3 if n > 300 else 6, alpha=0.5 if n > 300 else 1.0, rasterized=True,
              label="(γ gᵢ, ∂L/∂xᵢ)")
    span = np.array([min(gamma * g.min(), -1.0), max(gamma * g.max(), 1.0)])
    left.plot(span, span, "k:", label="published limit ∂L/∂xᵢ = γ gᵢ")
    left.plot(span, span - shift, "-", color="tab:red", lw=1, label="exact: γ gᵢ − γ ḡ")
    # plain Unicode labels: matplotlib's mathtext would double the time of a redraw
    left.set(xlabel="γ ∂L/∂yᵢ", ylabel="∂L/∂xᵢ", title=f"batch of n = {n}")
    left.legend(fontsize=7, loc="upper left")
    sizes = (1, 3, 10, 30, 100, 300, 1000, 3000, 10_000, 30_000, 100_000)
    table = large_batch_gap_table(sizes, gamma=gamma, grad_mean=grad_mean, random_state=random_state)
    right.semilogx(sizes, [row["gap"] for row in table], "o-", label="gap γ |ḡ|, one batch per n")
    right.axhline(abs(gamma * grad_mean), color="tab:red", lw=1, label="limit γ |E[∂L/∂y]|")
    right.axhline(0, color="k", ls=":", label="published limit 0")
    right.plot([n], [abs(shift)], "s", color="tab:orange", ms=9, label=f"this batch (n = {n})")
    right.set(xlabel="batch size n", ylabel="|∂L/∂xᵢ − γ gᵢ|", title="the mean term against n")
    right.set_xticks(sizes[::2], [f"{s:,}" for s in sizes[::2]])
    right.xaxis.set_minor_locator(NullLocator())
    right.legend(fontsize=7)
    size = float(np.abs(gamma * g).mean())
    message = (f"n = {n}: every dL/dx_i is gamma dL/dy_i shifted by gamma * mean(g) = {shift:.3f}, "
               f"{abs(shift) / size:.0%} of the mean |gamma dL/dy_i| = {size:.3f}; as n grows the shift tends to "
               f"gamma * E[dL/dy] = {gamma * grad_mean:.3f}"
               + (", zero here only because E[dL/dy] = 0." if abs(grad_mean) < 1e-9 else ", not to 0."))
    return fig, message


def mean_term_explorer(gamma: float = 1.5, random_state: Any = 0) -> Any:  # -> ipywidgets.VBox
    """A slider for the batch size n and one for E[dL/dy], redrawing ``mean_term_view``."""
    import ipywidgets as w

    return figure_explorer({
        "n": w.Dropdown(options=BATCH_SIZES, value=100, description="batch size n"),
        "grad_mean": w.FloatSlider(value=0.7, min=-1.0, max=1.0, step=0.1, description="E[dL/dy]",
                                   continuous_update=False),
    }, lambda n, grad_mean: mean_term_view(n, grad_mean, gamma, random_state))
