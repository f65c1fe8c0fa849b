"""A picture and a widget for Gaussian dropout: sampled gradients against the expected gradient, as sigma changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from helpers import validation
from helpers.exercises import call_answer
from helpers.figure_widgets import figure_explorer
from helpers.gaussian_dropout import gradient_samples, plain_gradient

__all__ = ["dropout_gradient_view", "dropout_explorer"]


def dropout_gradient_view(sigma: float, W: Any, x: Any, y_d: float, n_samples: int = 20_000, random_state: Any = 0,
                          expected_gradient: Callable[..., Any] | None = None) -> tuple[plt.Figure, str]:
    """Plain and sampled dJ1/dW_i per weight, and a histogram of the samples of dJ1/dW_1; W, x: (K,).

    The sampled gradients are shown by their mean over n_samples draws, with bars of +- 2 standard errors.
    ``expected_gradient(W, x, y_d, sigma)``, if given (the reader's own, once it is written), is drawn beside them
    and compared with the sample mean.
    """
    samples = gradient_samples(W, x, y_d, sigma, n_samples, random_state)
    plain = plain_gradient(W, x, y_d)
    mc = samples.mean(axis=0)
    se = samples.std(axis=0) / np.sqrt(len(samples))
    expected = None
    if expected_gradient is not None:
        if not callable(expected_gradient):
            raise TypeError(f"expected_gradient must be a function (W, x, y_d, sigma) -> (K,) array, got "
                            f"{validation.describe(expected_gradient)}.")
        value = call_answer(expected_gradient, W, x, y_d, sigma, name="expected_gradient")
        if value is None:
            raise ValueError("expected_gradient returned None: return the (K,) array of expected gradients "
                             "(did you forget `return`?).")
        expected = validation.float_array(value, "expected_gradient's result", shape=plain.shape, finite=False)
    k = np.arange(len(plain))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4), gridspec_kw={"wspace": 0.3})
    left.bar(k - 0.27, plain, 0.27, color="0.6", label="plain gradient (no dropout)")
    if expected is not None:
        left.bar(k, expected, 0.27, color="tab:blue", label="expected gradient (formula)")
    left.bar(k + 0.27, mc, 0.27, yerr=2 * se, capsize=3, color="tab:orange", label=f"mean of {len(samples):,} samples")
    left.axhline(0, color="k", lw=0.6)
    left.set_xticks(k, [f"W{i + 1}" for i in k])  # plain text: mathtext would slow every redraw
    left.set(ylabel="∂J₁/∂Wᵢ", title=f"σ = {sigma:.2g}")
    left.legend(fontsize=7)
    right.hist(samples[:, 0], bins=60, color="tab:orange", alpha=0.6)
    if expected is not None:
        right.axvline(expected[0], color="tab:blue", lw=2, label="expected gradient")
    right.axvline(mc[0], color="tab:orange", lw=2, ls="-.", label="mean of the samples")
    right.axvline(plain[0], color="0.4", ls="--", label="plain gradient")
    right.set(xlabel="sampled ∂J₁/∂W₁", ylabel="count", title="one sample per dropout draw")
    right.legend(fontsize=7)
    if np.ptp(samples, axis=0).max() <= 1e-12 * max(1.0, np.abs(plain).max()):  # sigma = 0: no noise at all
        return fig, "sigma = 0: no dropout noise, every sample equals the plain gradient and the penalty term is 0."
    shift = ", ".join(f"{v:.3g}" for v in mc - plain)
    message = (f"sigma = {sigma:.2g}: the samples' mean exceeds the plain gradient by {shift}, "
               "an estimate of the penalty's gradient")
    if expected is None:
        return fig, message + "; pass expected_gradient to compare it with a formula."
    z = np.abs(mc - expected) / se
    return fig, message + f"; the sample mean is within {z.max():.1f} standard errors of the expected gradient."


def dropout_explorer(W: Any, x: Any, y_d: float, random_state: Any = 0,
                     expected_gradient: Callable[..., Any] | None = None) -> Any:  # -> ipywidgets.VBox
    """A slider for sigma (0 to 2) redrawing ``dropout_gradient_view`` for the unit W, x: (K,) and target y_d."""
    import ipywidgets as w

    plain_gradient(W, x, y_d)  # a wrong unit is reported here, when the widget is built
    return figure_explorer(
        {"sigma": w.FloatSlider(value=0.8, min=0.0, max=2.0, step=0.05, description="sigma", continuous_update=False)},
        lambda sigma: dropout_gradient_view(sigma, W, x, y_d, random_state=random_state,
                                            expected_gradient=expected_gradient))
