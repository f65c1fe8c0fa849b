"""helpers.descent: the saddle and smooth convex test functions, gradient descent, escape times, and bad input."""

import numpy as np
import pytest
import torch

from helpers import descent
from helpers.validation import DivergenceError


def _saddle_torch(w):
    return w[0] ** 2 / 2 + w[1] ** 4 / 4 - w[1] ** 2 / 2


def _convex_torch(w):
    return torch.exp(w[0] + 3 * w[1] - 0.1) + torch.exp(w[0] - 3 * w[1] - 0.1) + torch.exp(-w[0] - 0.1)


@pytest.mark.parametrize("point", [[0.3, -0.7], [1.2, 0.4], [-0.5, 1.3]])
def test_saddle_gradient_matches_autograd_and_finite_differences(point):
    w = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    _saddle_torch(w).backward()
    np.testing.assert_allclose(descent.saddle_gradient(point), w.grad.numpy(), rtol=1e-12)
    h, p = 1e-6, np.array(point)
    fd = [(descent.saddle_function(p + h * e) - descent.saddle_function(p - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(descent.saddle_gradient(p), fd, atol=1e-9)


def test_saddle_functions_work_on_grids():
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 4)), axis=-1)  # (4, 5, 2)
    assert descent.saddle_function(grid).shape == (4, 5) and descent.saddle_gradient(grid).shape == (4, 5, 2)
    assert descent.saddle_function([0, 1]) == -0.25


def test_smooth_convex_function_derivatives_and_minimum():
    point = [0.3, -0.2]
    w = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    _convex_torch(w).backward()
    np.testing.assert_allclose(descent.smooth_convex_gradient(point), w.grad.numpy(), rtol=1e-12)
    H = torch.autograd.functional.hessian(_convex_torch, torch.tensor(point, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(descent.smooth_convex_hessian(point), H, rtol=1e-12)
    assert descent.smooth_convex_function(point) == pytest.approx(float(_convex_torch(w.detach())), rel=1e-14)
    np.testing.assert_allclose(descent.smooth_convex_gradient(descent.SMOOTH_CONVEX_MINIMUM), 0, atol=1e-15)
    assert np.all(np.linalg.eigvalsh(descent.smooth_convex_hessian(descent.SMOOTH_CONVEX_MINIMUM)) > 0)
    path = descent.gradient_descent(descent.smooth_convex_gradient, [-1.0, 0.5], 0.05, 2000)
    np.testing.assert_allclose(path[-1], descent.SMOOTH_CONVEX_MINIMUM, atol=1e-8)


def test_gradient_descent_path_and_divergence():
    A = np.diag([1.0, 4.0])
    path = descent.gradient_descent(lambda w: A @ w, [1.0, 1.0], learning_rate=0.4, steps=60)
    assert path.shape == (61, 2) and np.linalg.norm(path[-1]) < 1e-5
    np.testing.assert_allclose(path[1], [0.6, -0.6])
    with pytest.raises(DivergenceError, match=r"step \d+: \|w\[1\]\| = .*too large.*2/lambda_max = 0.5"):
        descent.gradient_descent(lambda w: A @ w, [1.0, 1.0], learning_rate=0.6, steps=200, lambda_max=4.0)
    short = descent.gradient_descent(lambda w: A @ w, [1.0, 1.0], 0.6, 200, stop_on_divergence=True)
    assert 1 < len(short) < 201 and np.all(np.abs(short) <= 1e8)
    integer_start = descent.gradient_descent(lambda w: A @ w, [1, 1], 0.4, 3)  # ints become floats
    np.testing.assert_allclose(integer_start, path[:4])


def test_descent_near_the_saddle_escapes_to_a_minimum_unless_on_the_stable_manifold():
    path = descent.gradient_descent(descent.saddle_gradient, [1.0, 1e-4], 0.1, 400)
    np.testing.assert_allclose(path[-1], [0.0, 1.0], atol=1e-6)
    stuck = descent.gradient_descent(descent.saddle_gradient, [1.0, 0.0], 0.1, 400)
    np.testing.assert_allclose(stuck[-1], [0.0, 0.0], atol=1e-12)


def test_escape_time_follows_the_linearized_law():
    offsets = np.logspace(-10, -3, 8)
    measured = descent.escape_times(offsets, learning_rate=0.1, threshold=0.1)
    predicted = descent.linearized_escape_time(offsets, learning_rate=0.1, threshold=0.1)
    assert measured.shape == predicted.shape == (8,)
    assert np.all(np.abs(measured - predicted) <= 2)
    assert np.all(np.diff(measured) < 0)  # smaller offsets escape later
    assert descent.escape_times(1e-3, 0.1, max_steps=3)[0] == np.inf  # not within the allowed steps
    np.testing.assert_array_equal(descent.escape_times([-1e-3], 0.1), descent.escape_times([1e-3], 0.1))


# -- saddle_run: what the explorer says ----------------------------------------------------------
def test_small_learning_rate_settles_and_a_short_run_is_not_blamed_on_the_learning_rate():
    run = descent.saddle_run(0.1, 1e-3)
    assert run.outcome == "settled" and run.escape_step == 67 and run.summary.startswith("escaped the saddle")
    assert run.summary.endswith("settled in the minimum (0, +1).")
    short = descent.saddle_run(0.01, 1e-3, steps=150)
    assert short.outcome == "not yet escaped" and short.escape_step is None
    assert "not yet escaped after 150 steps" in short.summary and "overshoot" not in short.summary
    assert "predicts escape at step 625" in short.summary
    longer = descent.saddle_run(0.01, 1e-3, steps=2000)
    assert longer.escape_step == 639 and longer.outcome in ("settled", "approaching")
    negative = descent.saddle_run(0.1, -1e-3)
    assert negative.outcome == "settled" and "(0, -1)" in negative.summary


def test_learning_rate_one_and_a_half_does_not_settle():
    # At the minima the curvature is 2: each step multiplies the distance from the minimum by 1 - 2 * 1.5 = -2.
    y = 1 + 1e-6
    distances = []
    for _ in range(8):
        y = y - 1.5 * (y**3 - y)
        distances.append(y - 1)
    ratios = np.array(distances[1:]) / np.array(distances[:-1])
    np.testing.assert_allclose(ratios[:4], -2, rtol=1e-3)  # the minimum repels: it cannot be settled in
    run = descent.saddle_run(1.5, 1e-3)
    assert run.outcome == "overshooting" and "has not settled after 150 steps" in run.summary
    assert "1 - 2 learning_rate = -2.00" in run.summary
    # the 150th iterate happens to pass close to y = 1, but the iterates around it are far from it
    assert np.abs(run.path[-10:, 1] - 1).max() > 0.1


@pytest.mark.parametrize("eta", [1.0, 1.3, 1.9, 2.0])
def test_learning_rates_from_one_to_two_stay_bounded_without_settling(eta):
    run = descent.saddle_run(eta, 1e-3, steps=2000)
    assert run.outcome == "overshooting" and np.abs(run.path).max() < 1.5
    assert ("x does not converge" in run.summary) == (eta >= 2)


@pytest.mark.parametrize("eta", [2.01, 2.2, 2.5])
def test_learning_rates_above_two_diverge_in_y(eta):
    run = descent.saddle_run(eta, 1e-3, steps=2000)
    assert run.outcome == "diverged" and "(|y| passed 1e+08)" in run.summary and len(run.path) < 2001


def test_learning_rate_just_below_one_is_still_approaching():
    run = descent.saddle_run(0.99, 1e-3, steps=150)
    assert run.outcome == "approaching" and "still on its way to the minimum (0, +1)" in run.summary


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: descent.saddle_function([1.0, 2.0, 3.0]), ValueError, r"shape \(2,\) or \(\.\.\., 2\)"),
        (lambda: descent.saddle_gradient([[1.0, np.nan]]), ValueError, "w contains NaN at index"),
        (lambda: descent.saddle_gradient("1, 2"), TypeError, "w must be an array of real numbers"),
        (lambda: descent.saddle_expression("x", "y"), TypeError, "sympy Symbols"),
        (lambda: descent.gradient_descent("grad", [1.0], 0.1, 5), TypeError, "grad must be a function"),
        (lambda: descent.gradient_descent(lambda w: w, [1.0], -0.1, 5), ValueError,
         "learning_rate must be a positive number"),
        (lambda: descent.gradient_descent(lambda w: w, [1.0], 0, 5), ValueError, "learning_rate must be a positive"),
        (lambda: descent.gradient_descent(lambda w: w, [1.0], "0.1", 5), TypeError, "learning_rate .*convert text"),
        (lambda: descent.gradient_descent(lambda w: w, [1.0], np.inf, 5), ValueError, "learning_rate must be a finite"),
        (lambda: descent.gradient_descent(lambda w: w, [1.0], 0.1, 0), ValueError, "steps must be a positive integer"),
        (lambda: descent.gradient_descent(lambda w: w, [1.0], 0.1, 5.0), TypeError, "pass 5 without a decimal point"),
        (lambda: descent.gradient_descent(lambda w: w, [[1.0]], 0.1, 5), ValueError, r"w0 must have shape \(d,\)"),
        (lambda: descent.gradient_descent(lambda w: w, [], 0.1, 5), ValueError, "w0 is empty"),
        (lambda: descent.gradient_descent(lambda w: w, [np.nan], 0.1, 5), ValueError, "w0 contains NaN"),
        (lambda: descent.gradient_descent(lambda w: w[:1], [1.0, 2.0], 0.1, 5), ValueError,
         r"grad\(w\) must have shape \(2,\)"),
        (lambda: descent.gradient_descent(lambda w: w * np.nan, [1.0], 0.1, 5), ValueError,
         r"grad\(w\) is not finite at step 1"),
        (lambda: descent.gradient_descent(lambda w: w, [1.0], 0.1, 5, lambda_max=0), ValueError,
         "lambda_max must be a positive number"),
        (lambda: descent.escape_times([0.0], 0.1), ValueError, "stable manifold"),
        (lambda: descent.escape_times([0.9], 0.1, threshold=0.5), ValueError, "below threshold = 0.5"),
        (lambda: descent.escape_times([0.1], 0.1, threshold=1.5), ValueError, "threshold must lie between 0 and 1"),
        (lambda: descent.escape_times([[1e-3]], 0.1), ValueError, "1-D list"),
        (lambda: descent.escape_times([1e-3], 0.1, max_steps=0), ValueError, "max_steps must be a positive"),
        (lambda: descent.linearized_escape_time([np.nan], 0.1), ValueError, "offsets contains NaN"),
        (lambda: descent.linearized_escape_time([1e-3], -1), ValueError, "learning_rate must be a positive"),
        (lambda: descent.saddle_run(0.1, 0.0), ValueError, "stable manifold"),
        (lambda: descent.saddle_run(0.1, "1e-3"), TypeError, "offset must be a real number"),
        (lambda: descent.saddle_run(0.1, 1e-3, steps=-5), ValueError, "steps must be a positive integer"),
        (lambda: descent.smooth_convex_function([1.0, 2.0, 3.0]), ValueError, r"w must have shape \(2,\)"),
        (lambda: descent.smooth_convex_gradient([np.inf, 0.0]), ValueError, "w contains infinity"),
        (lambda: descent.smooth_convex_hessian(None), TypeError, "w must be an array of real numbers"),
    ],
)
def test_bad_input_errors_say_what_to_fix(call, error, message):
    with pytest.raises(error, match=message):
        call()
