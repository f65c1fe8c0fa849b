"""helpers.random_matrices_plots: the saddle-statistics figure, and bad input."""

import matplotlib.pyplot as plt
import pytest

from helpers import random_matrices, random_matrices_plots


def test_statistics_figure_has_both_panels_and_both_curves():
    stats = random_matrices.goe_spectrum_fractions([1, 2, 3], trials=500, random_state=0)
    fig = random_matrices_plots.plot_saddle_statistics(stats)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2
    assert fig.axes[1].get_yscale() == "log" and len(fig.axes[1].lines) == 3  # coin flip, GOE, 1/trials
    plt.close(fig)
    fig, axes = plt.subplots(1, 2)
    assert random_matrices_plots.plot_saddle_statistics(stats, axes) is fig
    plt.close(fig)


def test_bad_input():
    with pytest.raises(TypeError, match="result of random_matrices.goe_spectrum_fractions"):
        random_matrices_plots.plot_saddle_statistics({"n": [1]})
    stats = random_matrices.goe_spectrum_fractions([1], trials=10, random_state=0)
    fig, ax = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="two matplotlib Axes"):
        random_matrices_plots.plot_saddle_statistics(stats, ax)
    plt.close("all")
