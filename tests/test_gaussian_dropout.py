"""helpers.gaussian_dropout and its pictures: the expected gradient by Monte Carlo and autograd, the penalty."""

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from helpers import autograd_reference, gaussian_dropout, gaussian_dropout_plots, gradcheck
from helpers.validation import DivergenceError

W, X_UNIT, Y_D = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.3, -0.7]), 0.4


def _regression(n=100):
    r = np.random.default_rng(0)
    X = r.normal(size=(n, 3))
    return X, X @ np.array([1.0, -2.0, 0.5]) + 0.1 * r.normal(size=n)


def test_expected_gradient_by_monte_carlo_and_each_sample_by_autograd():
    sigma = 0.8
    samples = gaussian_dropout.gradient_samples(W, X_UNIT, Y_D, sigma, 200_000, random_state=1)
    se = samples.std(axis=0) / np.sqrt(len(samples))
    assert np.all(np.abs(samples.mean(axis=0) - gaussian_dropout.expected_gradient(W, X_UNIT, Y_D, sigma)) < 5 * se)
    plain = gaussian_dropout.expected_gradient(W, X_UNIT, Y_D, 0.0)
    assert np.any(np.abs(samples.mean(axis=0) - plain) > 20 * se)  # the sigma^2 term is really there
    delta = np.random.default_rng(1).normal(1.0, sigma, size=(1, 3))[0]  # the first draw of the same generator
    _, grads = autograd_reference.autograd_gradients(
        lambda W: 0.5 * (Y_D - (torch.tensor(delta) * W * torch.tensor(X_UNIT)).sum()) ** 2, {"W": W})
    assert gradcheck.relative_error(samples[0], grads["W"]) < 1e-12


def test_training_with_dropout_lands_on_the_penalty_solution():
    X, y = _regression()
    w_pen = gaussian_dropout.penalty_solution(X, y, 0.7)
    w_ols = gaussian_dropout.penalty_solution(X, y, 0.0)
    np.testing.assert_allclose(w_ols, np.linalg.lstsq(X, y, rcond=None)[0])
    w_drop = gaussian_dropout.train_with_dropout(X, y, 0.7, learning_rate=0.05, steps=4000)
    assert np.linalg.norm(w_drop - w_pen) < 0.1 * np.linalg.norm(w_pen - w_ols)


def test_the_penalty_is_the_expected_loss_of_the_data_set():
    # the gradient of the mean penalised loss at any W equals the mean expected dropout gradient over the data
    X, y = _regression(20)
    sigma, W0 = 0.6, np.array([0.3, -0.2, 1.1])
    mean_expected = np.mean([gaussian_dropout.expected_gradient(W0, x, t, sigma)
                             for x, t in zip(X, y, strict=True)], axis=0)
    penalised = (X.T @ (X @ W0 - y) + sigma**2 * (X**2).sum(axis=0) * W0) / len(y)
    np.testing.assert_allclose(mean_expected, penalised, rtol=1e-12)
    # and the penalty solution is where that gradient vanishes
    W_pen = gaussian_dropout.penalty_solution(X, y, sigma)
    zero = np.mean([gaussian_dropout.expected_gradient(W_pen, x, t, sigma) for x, t in zip(X, y, strict=True)], axis=0)
    np.testing.assert_allclose(zero, 0, atol=1e-12)


def test_a_learning_rate_that_overflows_is_reported_as_divergence():
    X, y = _regression()
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        gaussian_dropout.train_with_dropout(X, y, 0.7, learning_rate=1e300, steps=20)


def test_derivation_verifies():
    d = gaussian_dropout.expected_gradient_derivation(2)
    d.verify().raise_if_failed()
    assert "F4" not in d.title


@pytest.mark.parametrize("sigma", [0.0, 0.05, 0.8, 2.0])
@pytest.mark.parametrize("with_formula", [True, False])
def test_view_draws_and_says_something_true_at_every_sigma(sigma, with_formula):
    formula = gaussian_dropout.expected_gradient if with_formula else None
    fig, message = gaussian_dropout_plots.dropout_gradient_view(sigma, W, X_UNIT, Y_D, expected_gradient=formula)
    assert isinstance(fig, plt.Figure)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert ("expected gradient (formula)" in labels) == with_formula and len(labels) == (3 if with_formula else 2)
    if sigma == 0:
        assert "every sample equals the plain gradient" in message
    else:
        samples = gaussian_dropout.gradient_samples(W, X_UNIT, Y_D, sigma, 20_000, 0)
        shift = samples.mean(axis=0) - gaussian_dropout.plain_gradient(W, X_UNIT, Y_D)
        assert f"{shift[0]:.3g}" in message
        assert ("standard errors" in message) == with_formula
    plt.close(fig)


def test_plain_gradient_is_the_expected_gradient_without_noise():
    np.testing.assert_allclose(gaussian_dropout.plain_gradient(W, X_UNIT, Y_D),
                               gaussian_dropout.expected_gradient(W, X_UNIT, Y_D, 0.0))


@pytest.mark.parametrize("formula", [None, gaussian_dropout.expected_gradient])
def test_explorer_draws_a_picture_at_both_ends_of_its_slider(formula):
    box = gaussian_dropout_plots.dropout_explorer(W, X_UNIT, Y_D, expected_gradient=formula)
    slider, out = box.children[0].children[0], box.children[1]
    assert isinstance(slider, w.FloatSlider)
    for value in (slider.min, slider.max):
        slider.value = value
        texts = [o.get("text", "") for o in out.outputs]
        assert any("image/png" in o.get("data", {}) for o in out.outputs), texts
        assert not any("Internal error" in t or "Traceback" in t for t in texts)


X_REG, Y_REG = _regression(10)

BAD_INPUTS = [
    # (function, arguments, keyword arguments, error type, words the message must contain)
    (gaussian_dropout.expected_gradient, (W, X_UNIT[:2], Y_D, 0.5), {}, ValueError, ["W and x", "(K,)"]),
    (gaussian_dropout.plain_gradient, (W, X_UNIT[:2], Y_D), {}, ValueError, ["W and x", "(K,)"]),
    (gaussian_dropout.plain_gradient, (W, X_UNIT, "0.4"), {}, TypeError, ["y_d", "float('0.1')"]),
    (gaussian_dropout.expected_gradient, (W[None], X_UNIT, Y_D, 0.5), {}, ValueError, ["W must have shape (K,)"]),
    (gaussian_dropout.expected_gradient, (W, X_UNIT, Y_D, -0.5), {}, ValueError, ["sigma must be a number >= 0"]),
    (gaussian_dropout.expected_gradient, (W, X_UNIT, "0.4", 0.5), {}, TypeError, ["y_d", "float('0.1')"]),
    (gaussian_dropout.expected_gradient, (W, [1.0, np.nan, 0.0], Y_D, 0.5), {}, ValueError, ["x contains NaN"]),
    (gaussian_dropout.gradient_samples, (W, X_UNIT, Y_D, 0.5, 0), {}, ValueError, ["n_samples", "positive integer"]),
    (gaussian_dropout.gradient_samples, (W, X_UNIT, Y_D, 0.5, 10), {"random_state": 1.5}, TypeError, ["random_state"]),
    (gaussian_dropout.penalty_solution, (X_REG, Y_REG[:5], 0.5), {}, ValueError, ["X and y", "same number"]),
    (gaussian_dropout.penalty_solution, (X_REG.T, Y_REG, 0.5), {}, ValueError, ["X and y", "same number"]),
    (gaussian_dropout.penalty_solution, (X_REG[:, 0], Y_REG, 0.5), {}, ValueError, ["X must have shape (N, K)"]),
    (gaussian_dropout.penalty_solution, (np.zeros((10, 3)), Y_REG, 0.5), {}, ValueError, ["singular", "column of X"]),
    (gaussian_dropout.train_with_dropout, (X_REG, Y_REG, 0.5), {"steps": 0}, ValueError, ["steps", "positive integer"]),
    (gaussian_dropout.train_with_dropout, (X_REG, Y_REG, 0.5), {"learning_rate": 0}, ValueError, ["learning_rate"]),
    (gaussian_dropout.expected_gradient_derivation, (0,), {}, ValueError, ["k must be a positive integer"]),
    (gaussian_dropout_plots.dropout_explorer, (W, X_UNIT[:2], Y_D), {}, ValueError, ["W and x"]),
]


@pytest.mark.parametrize("function, args, kwargs, error, words", BAD_INPUTS,
                         ids=[f"{f.__name__}-{i}" for i, (f, *_) in enumerate(BAD_INPUTS)])
def test_bad_input_gets_the_right_error_and_a_message_that_says_what_to_pass(function, args, kwargs, error, words):
    with pytest.raises(error) as info:
        function(*args, **kwargs)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"


@pytest.mark.parametrize("expected_gradient, error, words", [
    (lambda W, x, y_d, sigma: None, ValueError, "expected_gradient returned None"),
    (lambda W, x, y_d, sigma: np.zeros(7), ValueError, "expected_gradient's result"),
    ("formula", TypeError, "expected_gradient must be a function"),
])
def test_a_readers_expected_gradient_that_returns_nonsense_is_named(expected_gradient, error, words):
    W, x = np.array([0.5, -0.3, 0.8]), np.array([1.0, 2.0, -1.0])
    with pytest.raises(error, match=words):
        gaussian_dropout_plots.dropout_gradient_view(0.5, W, x, 1.0, n_samples=100,
                                                     expected_gradient=expected_gradient)
