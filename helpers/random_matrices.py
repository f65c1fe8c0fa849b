"""Random symmetric matrices and the signs of their eigenvalues: why critical points in high dimension are saddles.

Under the coin-flip model each of the n eigenvalue signs at a critical point is an independent fair coin;
real spectra are correlated, and for GOE matrices an all-positive spectrum is far rarer than 2^-n.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.validation import as_rng, describe, positive_int

__all__ = ["coin_flip_saddle_probability", "SpectrumStats", "goe_matrices", "goe_spectrum_fractions"]


def coin_flip_saddle_probability(n: int) -> float:
    """P(mixed signs) when each of n eigenvalue signs is an independent fair coin: 1 - 2**(1 - n)."""
    n = positive_int(n, "n")
    return 1.0 - 2.0 ** (1 - n)


@dataclass(frozen=True)
class SpectrumStats:
    """Fractions of sampled GOE matrices of each size n: arrays of shape (len(n),), summing to 1 per n."""

    n: np.ndarray
    all_positive: np.ndarray
    all_negative: np.ndarray
    mixed: np.ndarray
    trials: int


def goe_matrices(n: int, trials: int, random_state: Any = None) -> np.ndarray:
    """``trials`` GOE matrices: (trials, n, n), symmetric, off-diagonal variance 1/2, diagonal variance 1."""
    n, trials = positive_int(n, "n"), positive_int(trials, "trials")
    a = as_rng(random_state).standard_normal((trials, n, n))
    return (a + np.swapaxes(a, 1, 2)) / 2.0


def goe_spectrum_fractions(ns: Iterable[int], trials: int = 20_000, random_state: Any = 0) -> SpectrumStats:
    """Monte Carlo over GOE matrices of each size in ``ns``: fractions all-positive / all-negative / mixed."""
    if isinstance(ns, (str, bytes)) or not isinstance(ns, Iterable):
        raise TypeError(f"ns must be a list of matrix sizes such as range(1, 11), got {describe(ns)}.")
    sizes = [positive_int(n, "each size in ns") for n in ns]
    if not sizes:
        raise ValueError("ns is empty: pass at least one matrix size, e.g. range(1, 11).")
    trials = positive_int(trials, "trials")
    rng = as_rng(random_state)
    rows = []
    for n in sizes:
        lam = np.linalg.eigvalsh(goe_matrices(n, trials, rng))  # (trials, n), one vectorised call
        pos, neg = np.all(lam > 0, axis=1).mean(), np.all(lam < 0, axis=1).mean()
        rows.append((pos, neg, 1.0 - pos - neg))
    pos, neg, mixed = (np.array(c) for c in zip(*rows, strict=True))
    return SpectrumStats(np.array(sizes), pos, neg, mixed, trials)
