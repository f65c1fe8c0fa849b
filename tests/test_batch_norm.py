"""helpers.batch_norm and its pictures: the mean-only gradient, its large-batch limit, the experiments, bad input."""

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from helpers import autograd_reference, batch_norm, batch_norm_plots, gradcheck
from helpers.validation import DivergenceError


def test_mean_only_backward_matches_autograd_and_is_zero_for_a_batch_of_one():
    r = np.random.default_rng(0)
    x, g = r.normal(size=7), r.normal(size=7)
    upstream = torch.tensor(g)
    _, grads = autograd_reference.autograd_gradients(lambda v: ((1.5 * (v - v.mean()) + 0.2) * upstream).sum(),
                                                     {"v": x})
    assert gradcheck.relative_error(batch_norm.mean_only_backward(g, 1.5), grads["v"]) < 1e-12
    np.testing.assert_allclose(batch_norm.mean_only_forward(x, 1.5, 0.2), 1.5 * (x - x.mean()) + 0.2)
    assert batch_norm.mean_only_backward([3.0], 2.0)[0] == 0
    assert batch_norm.mean_only_forward([3.0], 2.0, 0.5)[0] == 0.5


@pytest.mark.parametrize("n, gamma", [(1, 2.0), (7, 1.5), (1000, -0.3)])
def test_the_autograd_reference_agrees_with_the_formula(n, gamma):
    g = np.random.default_rng(n).normal(0.7, 1.0, size=n)
    reference = batch_norm.mean_only_backward_autograd(g, gamma)
    assert reference.shape == (n,) and reference.dtype == np.float64
    assert gradcheck.relative_error(batch_norm.mean_only_backward(g, gamma), reference) < 1e-12 or n == 1
    assert n > 1 or reference[0] == 0


def test_large_batch_gap_tends_to_gamma_times_the_mean_not_zero():
    rows = batch_norm.large_batch_gap_table([1, 10, 1000, 100_000], gamma=1.5, grad_mean=0.7)
    assert rows[-1]["gap"] == pytest.approx(1.5 * 0.7, rel=0.01)
    assert all(abs(row["gap"] - 1.5 * abs(row["mean of dL/dy"])) < 1e-9 for row in rows)
    assert rows[0]["relative gap"] == pytest.approx(1.0)  # a batch of one: the whole gradient is the mean term
    centred = batch_norm.large_batch_gap_table([100_000], grad_mean=0.0)
    assert centred[0]["gap"] < 0.02  # the published limit holds only when E[dL/dy] = 0


def test_derivation_verifies_for_several_batch_sizes():
    for n in (1, 2, 4):
        d = batch_norm.mean_only_derivation(n)
        d.verify().raise_if_failed()
        assert "F3" not in d.title


def test_covariate_shift_experiment_is_reproducible_and_shaped():
    a = batch_norm.covariate_shift_experiment("mini-batch", steps=20, depth=3)
    b = batch_norm.covariate_shift_experiment("mini-batch", steps=20, depth=3)
    np.testing.assert_array_equal(a["loss"], b["loss"])
    assert a["mean"].shape == (20, 2) and a["std"].shape == (20, 2) and a["drift"].shape == (2,)
    plain = batch_norm.covariate_shift_experiment("none", steps=20, depth=3, random_state=1)
    assert not np.array_equal(plain["loss"], a["loss"])


def test_covariate_shift_with_an_absurd_learning_rate_is_reported_as_divergence():
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        batch_norm.covariate_shift_experiment("none", steps=30, depth=2, learning_rate=1e38)


def test_generalization_experiment_is_reproducible_and_in_range():
    for normalization in batch_norm.NORMALIZATIONS:
        a = batch_norm.generalization_experiment(normalization, 0.3, random_state=3, steps=15)
        b = batch_norm.generalization_experiment(normalization, 0.3, random_state=3, steps=15)
        assert a == b
        assert 0 <= a["test accuracy"] <= 1 and 0 <= a["train accuracy"] <= 1 and a["train loss"] > 0


def test_full_batch_statistics_remove_the_noise_of_the_batch_drawn():
    # with a learning rate too small to move anything, the two normalisations differ only through their statistics;
    # the training-set statistics are what both use at evaluation, so their evaluations agree
    a = batch_norm.generalization_experiment("mini-batch", 1e-12, random_state=0, steps=2)
    b = batch_norm.generalization_experiment("full-batch", 1e-12, random_state=0, steps=2)
    assert a["test accuracy"] == b["test accuracy"]
    assert a["train loss"] == pytest.approx(b["train loss"], rel=1e-5)


def test_sweep_marks_a_diverged_run_and_keeps_the_others():
    rows = batch_norm.learning_rate_sweep(["none"], [0.1, 1e38], [0], steps=10)
    assert [r["diverged"] for r in rows] == [False, True]
    assert np.isnan(rows[1]["test accuracy"]) and np.isfinite(rows[0]["test accuracy"])


def test_compare_paired_gives_a_verdict_only_when_every_seed_agrees_enough():
    a = np.arange(8.0)
    lower = batch_norm.compare_paired(a, a - 1)
    assert (lower["b lower"], lower["verdict"]) == (8, "lower") and lower["p"] == pytest.approx(2 / 2**8)
    assert batch_norm.compare_paired(a, a + 1)["verdict"] == "higher"
    mixed = batch_norm.compare_paired(a, a + np.array([1, -1] * 4))
    assert mixed["verdict"] == "no clear effect" and mixed["p"] == 1.0
    assert batch_norm.compare_paired(a, a)["verdict"] == "no clear effect"
    assert batch_norm.compare_paired(a[:3], a[:3] - 1)["verdict"] == "no clear effect"  # 3 of 3 is not enough


def test_comparison_rows_format_the_paired_summary():
    a = np.arange(8.0)
    (row,) = batch_norm_plots.comparison_rows({"loss": (a, a - 1)}, labels=("plain", "normalized"))
    assert row == {"measure": "loss", "plain": "3.500 ± 2.449", "normalized": "2.500 ± 2.449",
                   "normalized lower in": "8 of 8 seeds", "sign test p": 0.008, "normalized is": "lower"}
    with pytest.raises(ValueError, match="measures is empty"):
        batch_norm_plots.comparison_rows({})


def test_plot_covariate_shift_draws_every_layer_for_both_runs_with_integer_ticks():
    plain = [batch_norm.covariate_shift_experiment("none", steps=15, depth=3, random_state=s) for s in (0, 1)]
    bn = [batch_norm.covariate_shift_experiment("mini-batch", steps=15, depth=3, random_state=s) for s in (0, 1)]
    fig, axes = plt.subplots(1, 3)
    batch_norm_plots.plot_covariate_shift(plain, bn, axes)
    assert len(axes[1].lines) == 4 and len(axes[1].collections) == 4  # mean lines and min-max bands
    assert all(float(t).is_integer() for t in axes[0].get_xticks())
    with pytest.raises(ValueError, match="three matplotlib Axes"):
        batch_norm_plots.plot_covariate_shift(plain, bn, axes[:2])
    plt.close(fig)


def test_plot_learning_rate_sweep_marks_diverged_rates():
    rows = batch_norm.learning_rate_sweep(["none"], [0.1, 1e38], [0, 1], steps=10)
    fig, ax = plt.subplots()
    batch_norm_plots.plot_learning_rate_sweep(rows, ax)
    assert any(line.get_label() == "none: diverged" for line in ax.lines)
    plt.close(fig)


@pytest.mark.parametrize("n", batch_norm_plots.BATCH_SIZES)
def test_mean_term_view_is_true_at_every_batch_size(n):
    fig, message = batch_norm_plots.mean_term_view(n, 0.7)
    g = np.random.default_rng(0).normal(0.7, 1.0, size=n)
    assert f"{1.5 * g.mean():.3f}" in message and "not to 0" in message
    plt.close(fig)


def test_explorer_draws_a_picture_at_the_ends_of_every_control():
    box = batch_norm_plots.mean_term_explorer()
    n, grad_mean = box.children[0].children
    out = box.children[1]
    assert isinstance(n, w.Dropdown)  # a SelectionSlider's readout accepts typed text it then ignores
    for control, values in ((n, (n.options[0], n.options[-1])), (grad_mean, (grad_mean.min, 0.0, grad_mean.max))):
        for value in values:
            control.value = value
            texts = [o.get("text", "") for o in out.outputs]
            assert any("image/png" in o.get("data", {}) for o in out.outputs), texts
            assert not any("Internal error" in t or "Traceback" in t for t in texts)
    assert "zero here only because E[dL/dy] = 0" not in out.outputs[0]["text"]
    grad_mean.value = 0.0
    assert "zero here only because E[dL/dy] = 0" in out.outputs[0]["text"]


BAD_INPUTS = [
    # (function, arguments, keyword arguments, error type, words the message must contain)
    (batch_norm.mean_only_backward, (np.ones((2, 2)), 1.0), {}, ValueError, ["grad_y must have shape (n,)"]),
    (batch_norm.mean_only_backward, ([], 1.0), {}, ValueError, ["grad_y is empty"]),
    (batch_norm.mean_only_backward, ([1.0, np.nan], 1.0), {}, ValueError, ["grad_y contains NaN"]),
    (batch_norm.mean_only_backward, ([1.0, 2.0], "1.5"), {}, TypeError, ["gamma", "float('0.1')"]),
    (batch_norm.mean_only_backward_autograd, (np.ones((2, 2)), 1.0), {}, ValueError, ["grad_y must have shape (n,)"]),
    (batch_norm.mean_only_backward_autograd, ([1.0, 2.0], np.nan), {}, ValueError, ["gamma"]),
    (batch_norm.mean_only_forward, (["a", "b"], 1.0, 0.0), {}, TypeError, ["x must be an array of real numbers"]),
    (batch_norm.large_batch_gap_table, ([0],), {}, ValueError, ["each batch size in ns", "positive integer"]),
    (batch_norm.large_batch_gap_table, ([10.5],), {}, TypeError, ["each batch size in ns"]),
    (batch_norm.large_batch_gap_table, ([],), {}, ValueError, ["ns is empty"]),
    (batch_norm.mean_only_derivation, (0,), {}, ValueError, ["n must be a positive integer"]),
    (batch_norm.covariate_shift_experiment, (True,), {}, ValueError, ["normalization", "'none', 'mini-batch'"]),
    (batch_norm.covariate_shift_experiment, ("none",), {"steps": 0}, ValueError, ["steps", "positive integer"]),
    (batch_norm.covariate_shift_experiment, ("none",), {"learning_rate": np.inf}, ValueError,
     ["learning_rate", "finite"]),
    (batch_norm.covariate_shift_experiment, ("none",), {"depth": 1}, ValueError, ["depth must be at least 2"]),
    (batch_norm.covariate_shift_experiment, ("none",), {"random_state": "0"}, TypeError, ["random_state", "int seed"]),
    (batch_norm.generalization_experiment, ("batch", 0.1), {}, ValueError, ["normalization", "'full-batch'"]),
    (batch_norm.generalization_experiment, ("none", -0.1), {}, ValueError, ["learning_rate", "positive"]),
    (batch_norm.generalization_experiment, ("none", 1e40), {}, ValueError, ["learning_rate", "largest float32"]),
    (batch_norm.generalization_experiment, ("none", 0.1), {"n_train": 1797}, ValueError,
     ["n_train", "fewer than 1797"]),
    (batch_norm.generalization_experiment, ("none", 0.1), {"batch_size": 1}, ValueError, ["batch_size", "at least 2"]),
    (batch_norm.compare_paired, ([1.0, 2.0], [1.0]), {}, ValueError, ["b must have shape (2,)"]),
    (batch_norm.compare_paired, ([1.0, np.nan], [1.0, 2.0]), {}, ValueError, ["a contains NaN"]),
    (batch_norm_plots.mean_term_view, (0, 0.7), {}, ValueError, ["n must be a positive integer"]),
    (batch_norm_plots.plot_learning_rate_sweep, ([], None), {}, ValueError, ["rows is empty"]),
]


@pytest.mark.parametrize("function, args, kwargs, error, words", BAD_INPUTS,
                         ids=[f"{f.__name__}-{i}" for i, (f, *_) in enumerate(BAD_INPUTS)])
def test_bad_input_gets_the_right_error_and_a_message_that_says_what_to_pass(function, args, kwargs, error, words):
    with pytest.raises(error) as info:
        function(*args, **kwargs)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"
