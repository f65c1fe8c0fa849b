"""helpers.regularization: mean-only batch norm (F3), the covariate-shift experiment, Gaussian dropout (F4)."""

import numpy as np
import pytest
import torch

from helpers import regularization as rg


def test_bn_mean_backward_matches_autograd_and_is_zero_for_n_equal_1():
    r = np.random.default_rng(0)
    x, g = r.normal(size=7), r.normal(size=7)
    xt = torch.tensor(x, requires_grad=True)
    (1.5 * (xt - xt.mean()) + 0.2).mul(torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(rg.bn_mean_backward(g, 1.5), xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rg.bn_mean_forward(x, 1.5, 0.2), 1.5 * (x - x.mean()) + 0.2)
    assert rg.bn_mean_backward([3.0], 2.0)[0] == 0
    with pytest.raises(ValueError, match="1-D"):
        rg.bn_mean_backward(np.ones((2, 2)), 1.0)


def test_bn_limit_gap_tends_to_gamma_times_mean_not_zero():
    rows = rg.bn_limit_table([1, 10, 1000, 100_000], gamma=1.5, grad_mean=0.7)
    gap = "gap |dL/dx_i - gamma dL/dy_i|"
    assert rows[-1][gap] == pytest.approx(1.5 * 0.7, rel=0.01)
    assert all(abs(row[gap] - 1.5 * abs(row["mean of dL/dy"])) < 1e-9 for row in rows)
    with pytest.raises(ValueError, match="positive integers"):
        rg.bn_limit_table([0])


def test_covariate_shift_experiment_is_reproducible_and_shaped():
    a = rg.covariate_shift_experiment(True, steps=20, depth=3)
    b = rg.covariate_shift_experiment(True, steps=20, depth=3)
    np.testing.assert_array_equal(a["loss"], b["loss"])
    assert a["mean"].shape == (20, 2) and a["std"].shape == (20, 2) and a["drift"].shape == (2,)
    with pytest.raises(ValueError, match="steps"):
        rg.covariate_shift_experiment(False, steps=0)


def test_dropout_expected_gradient_by_monte_carlo_and_autograd():
    W, x, y_d, sigma = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.3, -0.7]), 0.4, 0.8
    samples = rg.dropout_grad_samples(W, x, y_d, sigma, 200_000, seed=1)
    se = samples.std(axis=0) / np.sqrt(len(samples))
    assert np.all(np.abs(samples.mean(axis=0) - rg.dropout_expected_grad(W, x, y_d, sigma)) < 5 * se)
    # one sample against autograd
    delta = np.random.default_rng(1).normal(1.0, sigma, size=(1, 3))
    Wt = torch.tensor(W, requires_grad=True)
    (0.5 * (y_d - (torch.tensor(delta[0]) * Wt * torch.tensor(x)).sum()) ** 2).backward()
    np.testing.assert_allclose(samples[0], Wt.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="same shape"):
        rg.dropout_expected_grad(W, x[:2], y_d, sigma)


def test_training_with_dropout_lands_on_the_penalty_solution():
    r = np.random.default_rng(0)
    X = r.normal(size=(100, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * r.normal(size=100)
    w_pen = rg.penalty_solution(X, y, 0.7)
    w_ols = rg.penalty_solution(X, y, 0.0)
    w_drop = rg.train_gaussian_dropout(X, y, 0.7, lr=0.05, steps=4000)
    assert np.linalg.norm(w_drop - w_pen) < 0.1 * np.linalg.norm(w_pen - w_ols)
    with pytest.raises(ValueError, match="lr"):
        rg.train_gaussian_dropout(X, y, 0.7, lr=-1.0)


def test_derivations_verify():
    rg.f3_derivation(3).verify().raise_if_failed()
    rg.f4_derivation(2).verify().raise_if_failed()


def test_plot_covariate_shift():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = rg.covariate_shift_experiment(False, steps=15, depth=3)
    b = rg.covariate_shift_experiment(True, steps=15, depth=3)
    fig, axes = plt.subplots(1, 3)
    rg.plot_covariate_shift(a, b, axes)
    assert len(axes[1].lines) == 4
    with pytest.raises(ValueError, match="three"):
        rg.plot_covariate_shift(a, b, axes[:2])
    plt.close(fig)
