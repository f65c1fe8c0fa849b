"""helpers.logistic_regression and its pictures: gradient and Hessian against autograd, convexity, descent."""

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.linear_model import LogisticRegression

from helpers import autograd_reference, gradcheck, logistic_regression, logistic_regression_plots
from helpers.validation import DivergenceError


def _torch_loss(theta, x, y):
    z = theta[0] * torch.tensor(x) + theta[1]
    return torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(y), reduction="sum")


def test_gradient_and_hessian_match_autograd_and_finite_differences():
    x, y = logistic_regression.logistic_data(30, random_state=1)
    theta = np.array([0.7, -0.3])
    loss, grads = autograd_reference.autograd_gradients(lambda theta: _torch_loss(theta, x, y), {"theta": theta})
    assert logistic_regression.logistic_loss(theta, x, y) == pytest.approx(loss, rel=1e-12)
    assert gradcheck.relative_error(logistic_regression.logistic_gradient(theta, x, y), grads["theta"]) < 1e-12
    H = torch.autograd.functional.hessian(lambda u: _torch_loss(u, x, y), torch.tensor(theta)).numpy()
    assert gradcheck.relative_error(logistic_regression.logistic_hessian(theta, x, y), H) < 1e-12
    probe = theta.copy()
    fd = gradcheck.numerical_gradient(lambda: logistic_regression.logistic_loss(probe, x, y), probe)
    assert gradcheck.relative_error(logistic_regression.logistic_gradient(theta, x, y), fd) < 1e-7


@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-50, 50)),
       st.floats(-20, 20), st.floats(-20, 20), st.integers(0, 2**20))
def test_hessian_is_psd_and_at_most_the_hessian_at_zero_for_any_data(x, w_, b, seed):
    y = (np.random.default_rng(seed).random(x.size) < 0.5).astype(float)
    H = logistic_regression.logistic_hessian((w_, b), x, y)
    scale = max(1.0, np.abs(logistic_regression.logistic_hessian((0, 0), x, y)).max())
    np.testing.assert_allclose(H, H.T)
    assert np.linalg.eigvalsh(H).min() >= -1e-9 * scale
    # every H(theta) <= H(0) in the PSD order, so L = lambda_max(H(0)) bounds the curvature everywhere
    gap = logistic_regression.logistic_hessian((0, 0), x, y) - H
    assert np.linalg.eigvalsh(gap).min() >= -1e-9 * scale
    assert np.linalg.eigvalsh(H).max() <= logistic_regression.largest_curvature(x, y) * (1 + 1e-9) + 1e-12


def test_gradient_descent_reaches_sklearns_unpenalized_fit():
    x, y = logistic_regression.logistic_data(200)
    L = logistic_regression.largest_curvature(x, y)
    path = logistic_regression.logistic_gradient_descent(x, y, 1 / L, 500)
    sk = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(x[:, None], y)
    np.testing.assert_allclose(path[-1], [sk.coef_[0, 0], sk.intercept_[0]], rtol=1e-5)
    assert path.shape == (501, 2)
    np.testing.assert_allclose(logistic_regression_plots.optimum(x, y), path[-1], rtol=1e-6)


def test_a_step_far_beyond_any_bound_is_reported_as_divergence():
    x, y = logistic_regression.logistic_data(50)
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        logistic_regression.logistic_gradient_descent(x, y, 1e308, 5)


def test_largest_curvature_is_the_largest_eigenvalue_of_the_hessian_at_zero():
    x, y = logistic_regression.logistic_data(40, random_state=3)
    H0 = logistic_regression.logistic_hessian((0.0, 0.0), x, y)
    assert logistic_regression.largest_curvature(x, y) == pytest.approx(np.linalg.eigvalsh(H0).max(), rel=1e-12)


def test_derivations_verify_and_show_short_names():
    derivations = logistic_regression.logistic_derivations(2)
    assert set(derivations) == {"gradient", "hessian"}  # that the Hessian is PSD is the reader's exercise
    for d in derivations.values():
        d.verify().raise_if_failed()
        assert r"\hat y_{1}" in d.latex() and "e^{" not in d.latex()
        assert not any(code in d.title for code in ("F1", "F2"))


def test_plot_draws_a_decreasing_gap_with_integer_step_ticks():
    x, y = logistic_regression.logistic_data(50)
    fig, ax = plt.subplots()
    gaps = logistic_regression_plots.plot_gradient_descent_gap(x, y, 0.02, ax, steps=20)
    assert gaps.shape == (21,) and gaps[-1] < gaps[0]
    assert all(float(t).is_integer() for t in ax.get_xticks())
    plt.close(fig)


@pytest.mark.parametrize("learning_rate, words", [(0.001, "guaranteed"), (0.05, "attracts"), (0.2, "repels")])
def test_view_names_the_regime_of_the_learning_rate(learning_rate, words):
    x, y = logistic_regression.logistic_data(200)
    fig, message = logistic_regression_plots.gradient_descent_view(x, y, learning_rate)
    assert words in message and isinstance(fig, plt.Figure)
    plt.close(fig)


def test_view_finds_the_local_bound_without_the_hessian_function(monkeypatch):
    x, y = logistic_regression.logistic_data(200)
    theta_star = logistic_regression_plots.optimum(x, y)
    local = 2 / np.linalg.eigvalsh(logistic_regression.logistic_hessian(theta_star, x, y)).max()

    def stub(*args):
        raise NotImplementedError("logistic_hessian() is an exercise")

    monkeypatch.setattr(logistic_regression, "logistic_hessian", stub)  # as in the student edition
    fig, message = logistic_regression_plots.gradient_descent_view(x, y, 0.06, theta_star)
    assert f"{local:.3g}" in fig.axes[0].get_title() and f"and {local:.3g}: no guarantee" in message
    plt.close(fig)


def test_explorer_draws_a_picture_at_both_ends_of_its_slider():
    x, y = logistic_regression.logistic_data(100)
    box = logistic_regression_plots.gradient_descent_explorer(x, y)
    slider, out = box.children[0].children[0], box.children[1]
    assert isinstance(slider, w.FloatLogSlider)
    for value in (10**slider.min, 10**slider.max):
        slider.value = value
        texts = [o.get("text", "") for o in out.outputs]
        assert any("image/png" in o.get("data", {}) for o in out.outputs), texts
        assert not any("Internal error" in t or "Traceback" in t for t in texts)


X10, Y10 = logistic_regression.logistic_data(10)

BAD_INPUTS = [
    # (function, arguments, error type, words the message must contain)
    (logistic_regression.logistic_gradient, ((0, 0), X10, Y10[:5]), ValueError, ["x and y", "same number"]),
    (logistic_regression.logistic_gradient, ((0, 0), X10, Y10 + 2), ValueError, ["y must hold classes 0..1"]),
    (logistic_regression.logistic_gradient, ((0, 0), X10, Y10 / 2), ValueError, ["y must hold whole class numbers"]),
    (logistic_regression.logistic_gradient, ((0, 0), X10[:, None], Y10), ValueError, ["x must have shape (N,)"]),
    (logistic_regression.logistic_gradient, ((0, 0), np.where(X10 > 0, np.nan, X10), Y10), ValueError, ["x", "NaN"]),
    (logistic_regression.logistic_gradient, ((0, 0), ["a"] * 10, Y10), TypeError, ["x", "real numbers"]),
    (logistic_regression.logistic_gradient, ((0, 0, 0), X10, Y10), ValueError, ["theta must have shape (2,)"]),
    (logistic_regression.logistic_loss, ((0, 0), [], []), ValueError, ["x is empty"]),
    (logistic_regression.logistic_gradient_descent, (X10, Y10, 0.0, 10), ValueError, ["learning_rate", "positive"]),
    (logistic_regression.logistic_gradient_descent, (X10, Y10, "0.1", 10), TypeError,
     ["learning_rate", "float('0.1')"]),
    (logistic_regression.logistic_gradient_descent, (X10, Y10, 0.1, 0), ValueError, ["steps", "positive integer"]),
    (logistic_regression.logistic_gradient_descent, (X10, Y10, 0.1, 5.0), TypeError, ["steps", "without a decimal"]),
    (logistic_regression.logistic_data, (0,), ValueError, ["n must be a positive integer"]),
    (logistic_regression.logistic_data, (10, 2.0, -0.5, -1), ValueError, ["random_state", "non-negative"]),
    (logistic_regression.logistic_derivations, (0,), ValueError, ["n must be a positive integer"]),
    (logistic_regression_plots.gradient_descent_view, (X10, Y10, -1.0), ValueError, ["learning_rate", "positive"]),
]


@pytest.mark.parametrize("function, args, error, words", BAD_INPUTS,
                         ids=[f"{f.__name__}-{i}" for i, (f, *_) in enumerate(BAD_INPUTS)])
def test_bad_input_gets_the_right_error_and_a_message_that_says_what_to_pass(function, args, error, words):
    with pytest.raises(error) as info:
        function(*args)
    assert type(info.value) is error or issubclass(type(info.value), error)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"
