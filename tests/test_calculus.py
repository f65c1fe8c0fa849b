import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import calculus as c
from helpers import calculus_plots as cp
from helpers.plotting import KIND_COLOURS

x, y, z = sp.symbols("x y z")
A1 = x**2 + y**2 + z**2 - x * y * z
A2 = x**2 * y + x * y**2 - 6 * x * y


def summary(points):
    return [(p.point, p.eigenvalues, p.kind) for p in points]


# -- symbolic ----------------------------------------------------------------------------------
def test_a1_catalogue_values():
    points = c.critical_points(A1, (x, y, z))
    assert [p.point for p in points] == [(-2, -2, 2), (-2, 2, -2), (0, 0, 0), (2, -2, -2), (2, 2, 2)]
    for p in points:
        if p.point == (0, 0, 0):
            assert p.eigenvalues == [2, 2, 2] and p.kind == "minimum" and p.hessian == 2 * sp.eye(3)
        else:
            assert p.eigenvalues == [-2, 4, 4] and p.kind == "saddle"
    assert c.hessian(A1, (x, y, z)) == sp.Matrix([[2, -z, -y], [-z, 2, -x], [-y, -x, 2]])


def test_a2_catalogue_values_from_a_string_with_caret():
    points = c.critical_points("x^2*y + x*y^2 - 6*x*y", ["x", "y"])
    assert [p.point for p in points] == [(0, 0), (0, 6), (2, 2), (6, 0)]
    for p in points:
        if p.point == (2, 2):
            assert p.kind == "minimum" and p.hessian == sp.Matrix([[4, 2], [2, 4]]) and p.eigenvalues == [2, 6]
        else:
            assert p.kind == "saddle" and p.hessian.det() == -36


def test_published_wrong_point_is_rejected_with_the_nonzero_partial():
    for point in [(sp.Rational(3, 2), 3), (1.5, 3), ("3/2", "3")]:
        check = c.check_critical_point(A2, (x, y), point)
        assert not check.is_critical
        assert check.nonzero == {"y": sp.Rational(9, 4)}
        assert check.gradient == (0, sp.Rational(9, 4))
    assert c.check_critical_point(A2, (x, y), (2, 2)).is_critical
    with pytest.raises(ValueError, match="not a critical point"):
        c.classify_point(A2, (x, y), (sp.Rational(3, 2), 3))


def test_degenerate_points_are_inconclusive_never_minimum_or_saddle():
    for f in (x**4 + y**4, x**3 - 3 * x * y**2, -(x**4) - y**4, x**4 - y**4):
        (p,) = c.critical_points(f, (x, y))
        assert p.point == (0, 0) and p.eigenvalues == [0, 0] and p.kind == "inconclusive"
    # a zero eigenvalue with a sign change is still a saddle
    (p,) = c.critical_points(x**2 - y**2 + z**4, (x, y, z))
    assert p.eigenvalues == [-2, 0, 2] and p.kind == "saddle"
    (p,) = c.critical_points(x**2 + z**4, (x, z))
    assert p.kind == "inconclusive"


@pytest.mark.parametrize(
    "f, expected",
    [
        (x**3 - 3 * x + y**2, [((-1, 0), "saddle"), ((1, 0), "minimum")]),
        (x**3 - 6 * x + y**2, [((-sp.sqrt(2), 0), "saddle"), ((sp.sqrt(2), 0), "minimum")]),
        (-(x**2) - y**2 + x * y + x, [((sp.Rational(2, 3), sp.Rational(1, 3)), "maximum")]),
        (x**4 - 2 * x**2 + y**2 + x * y, [((-3 * sp.sqrt(2) / 4, 3 * sp.sqrt(2) / 8), "minimum"), ((0, 0), "saddle"), ((3 * sp.sqrt(2) / 4, -3 * sp.sqrt(2) / 8), "minimum")]),
        (x**3 / 3 + x + y**2, []),  # x^2 + 1 = 0 has only complex roots
        (c.saddle_expression(x, y), [((0, -1), "minimum"), ((0, 0), "saddle"), ((0, 1), "minimum")]),
    ],
)
def test_other_polynomials_including_irrational_points(f, expected):
    points = c.critical_points(f, (x, y))
    assert [(tuple(sp.simplify(v) for v in p.point), p.kind) for p in points] == [(tuple(sp.simplify(v) for v in e), k) for e, k in expected]
    for p in points:
        assert c.check_critical_point(f, (x, y), p.point).is_critical
        numeric = np.linalg.eigvalsh(np.array(p.hessian.evalf(), dtype=float))
        np.testing.assert_allclose(sorted(float(e) for e in p.eigenvalues), numeric, atol=1e-12)


@settings(max_examples=12, deadline=None)
@given(st.lists(st.integers(-4, 4), min_size=5, max_size=5))
def test_quadratic_forms_classified_like_numpy(coeffs):
    a, b, d, u, v = coeffs
    A = np.array([[a, b], [b, d]], dtype=float)
    f = sp.Rational(a, 2) * x**2 + b * x * y + sp.Rational(d, 2) * y**2 + u * x + v * y
    if abs(np.linalg.det(A)) < 0.5:
        return  # singular: no isolated critical point, covered by the error tests
    (p,) = c.critical_points(f, (x, y))
    np.testing.assert_allclose([float(t) for t in p.point], np.linalg.solve(A, [-u, -v]))
    lam = np.linalg.eigvalsh(A)
    expected = "minimum" if lam.min() > 0 else "maximum" if lam.max() < 0 else "saddle"
    assert p.kind == expected


def test_symbols_with_assumptions_are_matched_by_name():
    xr, yr = sp.symbols("x y", real=True)
    assert summary(c.critical_points(xr**2 + yr**2, ["x", "y"])) == [((0, 0), [2, 2], "minimum")]


def test_classify_eigenvalues_rule():
    assert c.classify_eigenvalues([1, 2]) == "minimum"
    assert c.classify_eigenvalues([-1, -2.5]) == "maximum"
    assert c.classify_eigenvalues([-1, 0, 3]) == "saddle"
    assert c.classify_eigenvalues([0, 3]) == "inconclusive"
    # exact signs, even 5e-17 away from zero where float rounding cannot tell
    assert c.classify_eigenvalues([sp.sqrt(2) - sp.Rational(14142135623730950, 10**16)]) == "minimum"
    assert c.classify_eigenvalues([sp.sqrt(2) - sp.Rational(99, 70), -1]) == "maximum"
    assert c.classify_eigenvalues([sp.sqrt(2) ** 2 - 2]) == "inconclusive"


def test_hessian_is_jacobian_of_gradient_for_a_generic_function():
    g = sp.Function("g")(x, y, z)
    H, J = c.hessian(g, (x, y, z)), c.jacobian_of_gradient(g, (x, y, z))
    assert (H - J) == sp.zeros(3, 3) and H == H.T
    f = sp.exp(x * y) * sp.sin(z) + x**3 * z
    assert sp.simplify(c.hessian(f, (x, y, z)) - c.jacobian_of_gradient(f, (x, y, z))) == sp.zeros(3, 3)


def test_symbolic_gradient_matches_torch_autograd():
    grad = sp.lambdify((x, y, z), list(c.gradient(A1, (x, y, z))), "math")
    rng = np.random.default_rng(0)
    for point in rng.normal(size=(5, 3)):
        w = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        (w[0] ** 2 + w[1] ** 2 + w[2] ** 2 - w[0] * w[1] * w[2]).backward()
        np.testing.assert_allclose(np.array(grad(*point), dtype=float).ravel(), w.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: c.critical_points("x**", ["x"]), "Could not parse"),
        (lambda: c.critical_points("x + a*y", ["x", "y"]), "contains a, which is not among"),
        (lambda: c.critical_points(x * y, [1, 2]), "sympy Symbol or a name"),
        (lambda: c.critical_points(x * y, []), "non-empty list"),
        (lambda: c.critical_points(x * y, ["x", "x"]), "distinct"),
        (lambda: c.critical_points(lambda t: t, ["x"]), "sympy expression or a string"),
        (lambda: c.critical_points((x - y) ** 2, ["x", "y"]), "not isolated"),
        (lambda: c.critical_points(x**2 * y**2, ["x", "y"]), "not isolated"),
        (lambda: c.critical_points(sp.Integer(3), ["x"]), "constant"),
        (lambda: c.critical_points(sp.sin(x) + y**2, ["x", "y"]), "allow_incomplete=True"),
        (lambda: c.check_critical_point(A2, (x, y), (1, 2, 3)), "has 3 coordinates but there are 2"),
        (lambda: c.check_critical_point(A2, (x, y), 5), "tuple of 2 numbers"),
        (lambda: c.check_critical_point(A2, (x, y), (x, 1)), "must not contain symbols"),
        (lambda: c.classify_hessian(sp.Matrix([[x, 0], [0, 1]])), "substitute the point"),
        (lambda: c.classify_eigenvalues([]), "at least one"),
    ],
)
def test_bad_input_errors_say_what_to_fix(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_allow_incomplete_returns_what_sympy_finds():
    points = c.critical_points(sp.sin(x) + y**2, ["x", "y"], allow_incomplete=True)
    assert [p.point for p in points] == [(sp.pi / 2, 0), (3 * sp.pi / 2, 0)]
    assert [p.kind for p in points] == ["saddle", "minimum"]


# -- saddle statistics -------------------------------------------------------------------------
def test_coin_flip_probability_and_errors():
    assert c.coin_flip_saddle_probability(1) == 0.0
    assert c.coin_flip_saddle_probability(3) == 0.75
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="positive integer"):
            c.coin_flip_saddle_probability(bad)


def test_goe_statistics_are_seeded_symmetric_and_minima_are_rare():
    m = c.goe_matrices(4, 10, np.random.default_rng(0))
    assert m.shape == (10, 4, 4) and np.allclose(m, np.swapaxes(m, 1, 2))
    stats = c.goe_spectrum_fractions([1, 2, 6], trials=20_000, seed=1)
    again = c.goe_spectrum_fractions([1, 2, 6], trials=20_000, seed=1)
    assert np.array_equal(stats.mixed, again.mixed)
    np.testing.assert_allclose(stats.all_positive + stats.all_negative + stats.mixed, 1.0)
    assert abs(stats.all_positive[0] - 0.5) < 0.02 and stats.mixed[0] == 0
    assert stats.all_positive[2] < 2.0**-6 / 10  # far rarer than a coin flip
    assert stats.mixed[2] > c.coin_flip_saddle_probability(6)


# -- gradient descent --------------------------------------------------------------------------
def test_saddle_gradient_matches_finite_differences():
    w = np.array([0.3, -0.7])
    h = 1e-6
    fd = [(c.saddle_function(w + h * e) - c.saddle_function(w - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(c.saddle_gradient(w), fd, atol=1e-9)


def test_gradient_descent_path_and_divergence_message():
    A = np.diag([1.0, 4.0])
    path = c.gradient_descent(lambda w: A @ w, [1.0, 1.0], lr=0.4, steps=60)
    assert path.shape == (61, 2) and np.linalg.norm(path[-1]) < 1e-5
    with pytest.raises(ValueError, match=r"too large.*2/lambda_max = 0.5"):
        c.gradient_descent(lambda w: A @ w, [1.0, 1.0], lr=0.6, steps=200, lambda_max=4.0)
    with pytest.raises(ValueError, match="positive number"):
        c.gradient_descent(lambda w: A @ w, [1.0, 1.0], lr=-0.1, steps=5)
    with pytest.raises(ValueError, match="1-D"):
        c.gradient_descent(lambda w: A @ w, [[1.0]], lr=0.1, steps=5)


def test_gd_near_saddle_escapes_to_a_minimum():
    path = c.gradient_descent(c.saddle_gradient, [1.0, 1e-4], lr=0.1, steps=400)
    np.testing.assert_allclose(path[-1], [0.0, 1.0], atol=1e-6)
    stuck = c.gradient_descent(c.saddle_gradient, [1.0, 0.0], lr=0.1, steps=400)
    np.testing.assert_allclose(stuck[-1], [0.0, 0.0], atol=1e-12)


def test_escape_time_follows_the_linearized_law():
    offsets = np.logspace(-10, -3, 8)
    measured = c.escape_times(offsets, lr=0.1, threshold=0.1)
    predicted = c.linearized_escape_time(offsets, lr=0.1, threshold=0.1)
    assert np.all(np.abs(measured - predicted) <= 2)
    assert np.all(np.diff(measured) < 0)  # smaller offsets escape later
    with pytest.raises(ValueError, match="stable manifold"):
        c.escape_times([0.0], lr=0.1)
    with pytest.raises(ValueError, match="threshold"):
        c.escape_times([0.9], lr=0.1, threshold=0.5)


# -- Newton ------------------------------------------------------------------------------------
def test_newton_root_doubles_correct_digits():
    mpmath.mp.dps = 80
    try:
        xs = c.newton_root(lambda t: t**2 - 2, lambda t: 2 * t, mpmath.mpf(1), 6)
        digits = c.correct_digits(xs, mpmath.sqrt(2), cap=70)
    finally:
        mpmath.mp.dps = 15
    assert np.all(digits[3:6] / digits[2:5] > 1.8)
    assert digits[6] > 45


def test_newton_failure_modes():
    with pytest.raises(ValueError, match=r"f'\(x\) = 0"):
        c.newton_root(lambda t: t**2 - 2, lambda t: 2 * t, 0.0, 5)
    cycle = c.newton_root(lambda t: t**3 - 2 * t + 2, lambda t: 3 * t**2 - 2, 0.0, 6)
    assert cycle == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    far = c.newton_root(math.atan, lambda t: 1 / (1 + t * t), 1.5, 4)
    assert all(abs(b) > abs(a) for a, b in zip(far, far[1:]))
    with pytest.raises(ValueError, match="diverged"):
        c.newton_root(math.atan, lambda t: 1 / (1 + t * t), 1.5, 30)
    with pytest.raises(ValueError, match=r"g''\(x\) = 0"):
        c.newton_minimize(lambda t: t**3, lambda t: 3 * t**2, 0.0, 3)


def test_newton_minimize_1d_and_2d():
    xs = c.newton_minimize(lambda t: math.cos(t) + 0.5, lambda t: -math.sin(t), 2.0, 6)  # g = sin(t) + t/2
    assert abs(xs[-1] - 2 * math.pi / 3) < 1e-12
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    path = c.newton_minimize_nd(lambda w: A @ w - 1, lambda w: A, [5.0, -5.0], 1)
    np.testing.assert_allclose(path[-1], np.linalg.solve(A, [1.0, 1.0]))
    with pytest.raises(ValueError, match="singular"):
        c.newton_minimize_nd(lambda w: w, lambda w: np.zeros((2, 2)), [1.0, 1.0], 2)


# -- plots and widgets (no display needed) -----------------------------------------------------
def test_contour_plot_marks_points_coloured_by_kind():
    ax = cp.plot_critical_points(A2, (x, y))
    scatters = [col for col in ax.collections if col.get_label() in KIND_COLOURS]
    assert {s.get_label(): len(s.get_offsets()) for s in scatters} == {"minimum": 1, "saddle": 3}
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="exactly two"):
        cp.plot_critical_points(A1, (x, y, z))


def test_function_view_returns_message_instead_of_raising():
    fig, message = cp.function_view("x^2 - y^2")
    assert fig is not None and "saddle" in message
    plt.close(fig)
    fig, message = cp.function_view("x + b")
    assert fig is None and "b, which is not among" in message


def test_statistics_and_descent_figures():
    stats = c.goe_spectrum_fractions([1, 2, 3], trials=500, seed=0)
    fig = cp.plot_saddle_statistics(stats)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2
    plt.close(fig)
    fig, message = cp.saddle_descent_view(0.1, 1e-3)
    assert fig is not None and message.startswith("escape (|y| > 0.5) at step 67;")
    assert message.endswith("settles in a minimum")
    plt.close(fig)
    fig, message = cp.saddle_descent_view(1.5, 1e-3)
    assert "does not settle" in message
    plt.close(fig)
    fig, message = cp.saddle_descent_view(5.0, 1e-3)
    assert fig is None and "too large" in message and "2/lambda_max = 2" in message


def test_explorer_widgets_build():
    box = cp.critical_point_explorer({"A2": "x^2*y + x*y^2 - 6*x*y", "bad": "x +"})
    assert box.children[0].children[1].value.startswith("x^2*y")
    out = box.children[1]
    assert out.outputs[0]["text"].startswith("(0, 0): saddle") and "image/png" in out.outputs[1]["data"]
    box.children[0].children[0].label = "bad"  # pick the example; its formula "x +" goes to the Text box
    assert len(out.outputs) == 1 and out.outputs[0]["text"].startswith("Cannot analyse this function: Could not parse")
    box2 = cp.saddle_descent_explorer()
    assert box2.children[0].children[0].continuous_update is False
    box2.children[0].children[0].value = 5.0  # diverging learning rate: the message, no figure
    assert len(box2.children[1].outputs) == 1 and "too large" in box2.children[1].outputs[0]["text"]
    plt.close("all")


def test_critical_point_table_lists_every_point():
    tex = cp.critical_point_table(c.critical_points(A2, (x, y)), (x, y))
    assert tex.startswith(r"\begin{array}") and tex.count(r"\text{saddle}") == 3 and r"\text{minimum}" in tex
    assert "-36" in tex


def test_eigenvalues_without_radicals_are_exact_root_objects():
    H = sp.Matrix([[1, 2, 0, 0, 0], [2, 3, 1, 0, 0], [0, 1, 4, 1, 0], [0, 0, 1, 5, 1], [0, 0, 0, 1, 7]])
    eigenvalues, kind = c.classify_hessian(H)  # irreducible quintic characteristic polynomial
    np.testing.assert_allclose([float(e) for e in eigenvalues], np.linalg.eigvalsh(np.array(H, dtype=float)))
    assert kind == "saddle"


def test_newton_view_and_explorer():
    fig, message = cp.newton_view("arctan(x)", 1.0)
    assert message.startswith("iterates: 1, -0.5708") and len(fig.axes[0].lines) >= 3
    plt.close(fig)
    fig, message = cp.newton_view("x^2 - 2", 0.0)
    assert "f'(x) = 0" in message
    plt.close(fig)
    fig, message = cp.newton_view("x^3 - 2x + 2", 0.0)
    assert message == "iterates: 0, 1, 0, 1, 0, 1, 0"
    plt.close(fig)
    with pytest.raises(ValueError, match="pick one of"):
        cp.newton_view("tan", 1.0)
    box = cp.newton_explorer()
    assert box.children[1].outputs[0]["text"].startswith("iterates: 1.3")
    box.children[0].children[1].value = 1.5  # past the arctan threshold ~1.39: runs away
    assert "-1.694" in box.children[1].outputs[0]["text"]
    plt.close("all")
