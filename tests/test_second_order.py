"""helpers.second_order: logistic regression (F1), softmax-CE Hessian (F2), Newton derivation and test function."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.linear_model import LogisticRegression

from helpers import calculus
from helpers import second_order as so


def _torch_loss(theta, x, y):
    z = theta[0] * torch.tensor(x) + theta[1]
    return torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(y), reduction="sum")


def test_logistic_gradient_and_hessian_match_autograd_and_finite_differences():
    x, y = so.logistic_data(30, seed=1)
    theta = np.array([0.7, -0.3])
    t = torch.tensor(theta, requires_grad=True)
    _torch_loss(t, x, y).backward()
    np.testing.assert_allclose(so.logistic_grad(theta, x, y), t.grad.numpy(), rtol=1e-10)
    H = torch.autograd.functional.hessian(lambda u: _torch_loss(u, x, y), torch.tensor(theta)).numpy()
    np.testing.assert_allclose(so.logistic_hessian(theta, x, y), H, rtol=1e-10)
    assert abs(so.logistic_loss(theta, x, y) - _torch_loss(torch.tensor(theta), x, y).item()) < 1e-10
    h = 1e-6
    fd = [(so.logistic_loss(theta + e, x, y) - so.logistic_loss(theta - e, x, y)) / (2 * h) for e in np.eye(2) * h]
    np.testing.assert_allclose(so.logistic_grad(theta, x, y), fd, rtol=1e-6)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-50, 50)),
       st.floats(-20, 20), st.floats(-20, 20), st.integers(0, 2**20))
def test_logistic_hessian_is_psd_for_any_data(x, w, b, seed):
    y = (np.random.default_rng(seed).random(x.size) < 0.5).astype(float)
    H = so.logistic_hessian((w, b), x, y)
    np.testing.assert_allclose(H, H.T)
    assert np.linalg.eigvalsh(H).min() >= -1e-9 * max(1.0, np.abs(H).max())


def test_gradient_descent_reaches_sklearns_unpenalized_fit():
    x, y = so.logistic_data(200)
    L = np.linalg.eigvalsh(so.logistic_hessian((0, 0), x, y)).max()
    theta = so.logistic_gd(x, y, 1 / L, 500)[-1]
    sk = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(x[:, None], y)
    np.testing.assert_allclose(theta, [sk.coef_[0, 0], sk.intercept_[0]], rtol=1e-5)


def test_logistic_bad_inputs():
    x, y = so.logistic_data(10)
    with pytest.raises(ValueError, match="same nonzero length"):
        so.logistic_grad((0, 0), x, y[:5])
    with pytest.raises(ValueError, match="0/1"):
        so.logistic_grad((0, 0), x, y + 2)
    with pytest.raises(ValueError, match="lr"):
        so.logistic_gd(x, y, 0.0, 10)
    with pytest.raises(ValueError, match="steps"):
        so.logistic_gd(x, y, 0.1, 0)
    with pytest.raises(ValueError, match="positive integer"):
        so.logistic_data(0)


def test_plot_logistic_gd_draws_a_decreasing_curve():
    x, y = so.logistic_data(50)
    fig, ax = plt.subplots()
    so.plot_logistic_gd(x, y, 0.02, ax, steps=20)
    gaps = ax.lines[0].get_ydata()
    assert gaps[-1] < gaps[0]
    plt.close(fig)


@pytest.mark.parametrize("k", [2, 3, 6])
def test_softmax_ce_hessian_matches_autograd_and_has_the_ones_null_direction(k):
    z = np.random.default_rng(k).normal(size=k)
    for c in range(k):
        ref = torch.autograd.functional.hessian(lambda t: -torch.log_softmax(t, 0)[c], torch.tensor(z)).numpy()
        np.testing.assert_allclose(so.softmax_ce_hessian(z), ref, rtol=1e-10, atol=1e-14)
    H = so.softmax_ce_hessian(z)
    np.testing.assert_allclose(H @ np.ones(k), 0, atol=1e-14)
    assert np.linalg.eigvalsh(H).min() > -1e-14
    with pytest.raises(ValueError, match="one vector"):
        so.softmax_ce_hessian(np.ones((2, 2)))


def test_boyd_function_derivatives_and_minimum():
    w = torch.tensor([0.3, -0.2], dtype=torch.float64, requires_grad=True)
    f = torch.exp(w[0] + 3 * w[1] - 0.1) + torch.exp(w[0] - 3 * w[1] - 0.1) + torch.exp(-w[0] - 0.1)
    f.backward()
    np.testing.assert_allclose(so.boyd_grad([0.3, -0.2]), w.grad.numpy(), rtol=1e-12)
    H = torch.autograd.functional.hessian(
        lambda u: torch.exp(u[0] + 3 * u[1] - 0.1) + torch.exp(u[0] - 3 * u[1] - 0.1) + torch.exp(-u[0] - 0.1),
        torch.tensor([0.3, -0.2], dtype=torch.float64)).numpy()
    np.testing.assert_allclose(so.boyd_hessian([0.3, -0.2]), H, rtol=1e-12)
    np.testing.assert_allclose(so.boyd_grad(so.BOYD_MINIMUM), 0, atol=1e-15)
    path = calculus.newton_minimize_nd(so.boyd_grad, so.boyd_hessian, [-1.0, 0.5], 8)
    assert np.linalg.norm(path[-1] - so.BOYD_MINIMUM) < 1e-14


def test_derivations_verify():
    for d in so.f1_derivations(2).values():
        d.verify().raise_if_failed()
    for d in so.f2_derivation(3):
        d.verify().raise_if_failed()
    so.newton_error_derivation().verify().raise_if_failed()
