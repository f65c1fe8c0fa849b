"""helpers.critical_points: exact critical points, their classification, the time limit, and bad input."""

import threading
import time

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import critical_points as c
from helpers.descent import saddle_expression

x, y, z = sp.symbols("x y z")
THREE = x**2 + y**2 + z**2 - x * y * z  # five critical points
TWO = x**2 * y + x * y**2 - 6 * x * y  # four critical points, solved by cases


def test_function_of_three_variables():
    points = c.critical_points(THREE, (x, y, z))
    assert [p.point for p in points] == [(-2, -2, 2), (-2, 2, -2), (0, 0, 0), (2, -2, -2), (2, 2, 2)]
    for p in points:
        if p.point == (0, 0, 0):
            assert p.eigenvalues == [2, 2, 2] and p.kind == "minimum" and p.hessian == 2 * sp.eye(3)
        else:
            assert p.eigenvalues == [-2, 4, 4] and p.kind == "saddle"
    assert c.hessian(THREE, (x, y, z)) == sp.Matrix([[2, -z, -y], [-z, 2, -x], [-y, -x, 2]])
    assert c.gradient(THREE, (x, y, z)) == sp.Matrix([2 * x - y * z, 2 * y - x * z, 2 * z - x * y])


def test_function_of_two_variables_from_a_string_with_caret():
    points = c.critical_points("x^2*y + x*y^2 - 6*x*y", ["x", "y"])
    assert [p.point for p in points] == [(0, 0), (0, 6), (2, 2), (6, 0)]
    for p in points:
        if p.point == (2, 2):
            assert p.kind == "minimum" and p.hessian == sp.Matrix([[4, 2], [2, 4]]) and p.eigenvalues == [2, 6]
        else:
            assert p.kind == "saddle" and p.hessian.det() == -36


def test_published_wrong_point_is_rejected_with_the_nonzero_partial():
    for point in [(sp.Rational(3, 2), 3), (1.5, 3), ("3/2", "3"), np.array([1.5, 3.0])]:
        check = c.check_critical_point(TWO, (x, y), point)
        assert not check.is_critical
        assert check.nonzero == {"y": sp.Rational(9, 4)}
        assert check.gradient == (0, sp.Rational(9, 4))
    assert c.check_critical_point(TWO, (x, y), (2, 2)).is_critical
    with pytest.raises(ValueError, match="not a critical point"):
        c.classify_point(TWO, (x, y), (sp.Rational(3, 2), 3))
    assert c.classify_point(TWO, (x, y), (2, 2)).kind == "minimum"


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
        (x**4 - 2 * x**2 + y**2 + x * y, [((-3 * sp.sqrt(2) / 4, 3 * sp.sqrt(2) / 8), "minimum"), ((0, 0), "saddle"),
                                          ((3 * sp.sqrt(2) / 4, -3 * sp.sqrt(2) / 8), "minimum")]),
        (x**3 / 3 + x + y**2, []),  # x^2 + 1 = 0 has only complex roots
        (saddle_expression(x, y), [((0, -1), "minimum"), ((0, 0), "saddle"), ((0, 1), "minimum")]),
    ],
)
def test_other_polynomials_including_irrational_points(f, expected):
    points = c.critical_points(f, (x, y))
    found = [(tuple(sp.simplify(v) for v in p.point), p.kind) for p in points]
    assert found == [(tuple(sp.simplify(v) for v in e), k) for e, k in expected]
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
    # the exact point against numpy's float solve: an absolute tolerance, since an exact 0 meets a rounded 1e-16
    np.testing.assert_allclose([float(t) for t in p.point], np.linalg.solve(A, [-u, -v]), rtol=1e-12, atol=1e-12)
    lam = np.linalg.eigvalsh(A)
    assert p.kind == ("minimum" if lam.min() > 0 else "maximum" if lam.max() < 0 else "saddle")


def test_symbols_with_assumptions_are_matched_by_name():
    xr, yr = sp.symbols("x y", real=True)
    points = c.critical_points(xr**2 + yr**2, ["x", "y"])
    assert [(p.point, p.eigenvalues, p.kind) for p in points] == [((0, 0), [2, 2], "minimum")]


def test_decimals_in_a_formula_are_read_exactly():
    (p,) = c.critical_points("0.1*x^2 + y^2 - 0.2*x", ["x", "y"])
    assert p.point == (1, 0) and p.eigenvalues == [sp.Rational(1, 5), 2]


def test_classify_eigenvalues_rule():
    assert c.classify_eigenvalues([1, 2]) == "minimum"
    assert c.classify_eigenvalues([-1, -2.5]) == "maximum"
    assert c.classify_eigenvalues([-1, 0, 3]) == "saddle"
    assert c.classify_eigenvalues([0, 3]) == "inconclusive"
    # exact signs, even 5e-17 away from zero where float rounding cannot tell
    assert c.classify_eigenvalues([sp.sqrt(2) - sp.Rational(14142135623730950, 10**16)]) == "minimum"
    assert c.classify_eigenvalues([sp.sqrt(2) - sp.Rational(99, 70), -1]) == "maximum"
    assert c.classify_eigenvalues([sp.sqrt(2) ** 2 - 2]) == "inconclusive"


def test_classify_hessian_accepts_arrays_and_finds_exact_roots_without_radicals():
    assert c.classify_hessian(np.array([[2, 0], [0, -1]])) == ([-1, 2], "saddle")
    H = sp.Matrix([[1, 2, 0, 0, 0], [2, 3, 1, 0, 0], [0, 1, 4, 1, 0], [0, 0, 1, 5, 1], [0, 0, 0, 1, 7]])
    eigenvalues, kind = c.classify_hessian(H)  # irreducible quintic characteristic polynomial
    np.testing.assert_allclose([float(e) for e in eigenvalues], np.linalg.eigvalsh(np.array(H, dtype=float)))
    assert kind == "saddle"


def test_hessian_is_jacobian_of_gradient_for_a_generic_function():
    g = sp.Function("g")(x, y, z)
    H, J = c.hessian(g, (x, y, z)), c.jacobian_of_gradient(g, (x, y, z))
    assert (H - J) == sp.zeros(3, 3) and H == H.T
    f = sp.exp(x * y) * sp.sin(z) + x**3 * z
    assert sp.simplify(c.hessian(f, (x, y, z)) - c.jacobian_of_gradient(f, (x, y, z))) == sp.zeros(3, 3)


def test_symbolic_gradient_and_hessian_match_torch_autograd():
    grad = sp.lambdify((x, y, z), list(c.gradient(THREE, (x, y, z))), "math")
    hess = sp.lambdify((x, y, z), c.hessian(THREE, (x, y, z)), "numpy")

    def f(w):
        return w[0] ** 2 + w[1] ** 2 + w[2] ** 2 - w[0] * w[1] * w[2]

    for point in np.random.default_rng(0).normal(size=(5, 3)):
        w = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        f(w).backward()
        np.testing.assert_allclose(np.array(grad(*point), dtype=float).ravel(), w.grad.numpy(), rtol=1e-12)
        H = torch.autograd.functional.hessian(f, torch.tensor(point, dtype=torch.float64)).numpy()
        np.testing.assert_allclose(np.array(hess(*point), dtype=float), H, rtol=1e-12, atol=1e-12)


def test_allow_incomplete_returns_what_sympy_finds():
    points = c.critical_points(sp.sin(x) + y**2, ["x", "y"], allow_incomplete=True)
    assert [p.point for p in points] == [(sp.pi / 2, 0), (3 * sp.pi / 2, 0)]
    assert [p.kind for p in points] == ["saddle", "minimum"]


# -- the time limit ------------------------------------------------------------------------------
SLOW = "x^5 + y^5 - 5*x*y"  # about 2 s: sympy finds all 16 complex solutions in radicals


def test_time_limit_gives_up_with_a_message_saying_how_to_wait_longer():
    start = time.monotonic()
    with pytest.raises(c.TimeLimitError, match=r"time_limit=0.2 seconds: its gradient equations have degrees 4, 4, "
                                               r"so up to 16 complex solutions.*time_limit=None") as info:
        c.critical_points(SLOW, ["x", "y"], time_limit=0.2)
    assert time.monotonic() - start < 1.5
    assert isinstance(info.value, ValueError) and info.value.seconds == 0.2 and "degrees 4, 4" in info.value.detail
    # the alarm is switched off afterwards: a later, quick computation is not interrupted
    time.sleep(0.3)
    assert len(c.critical_points(TWO, (x, y), time_limit=0.2 + 10)) == 4


def test_time_limit_outside_the_main_thread_uses_a_worker_thread():
    caught = []

    def run():
        try:
            c.critical_points(SLOW, ["x", "y"], time_limit=0.2)
        except c.TimeLimitError as err:
            caught.append(str(err))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(5)
    assert caught and "finishes in the background" in caught[0]


def test_time_limit_none_and_errors_inside_the_limit_pass_through():
    assert len(c.critical_points(TWO, (x, y), time_limit=None)) == 4
    with pytest.raises(ValueError, match="not isolated"):
        c.critical_points((x - y) ** 2, ["x", "y"], time_limit=5)


# -- the second-order necessary condition --------------------------------------------------------
def test_directional_derivatives_of_a_generic_function_verify():
    for n in (1, 2, 3):
        d = c.directional_derivatives_derivation(n)
        d.verify().raise_if_failed()
        assert len(d) == 4


def test_necessary_condition_derivation_verifies_and_is_refused_when_tampered():
    d = c.necessary_condition_derivation()
    d.verify().raise_if_failed()
    t = sp.Symbol("t", real=True)
    wrong = c.necessary_condition_derivation()
    last = wrong.steps[-1].expr
    wrong.step(sp.Eq(last.lhs, t * last.rhs), "a wrong power of t")
    assert not wrong.verify().ok


# -- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: c.critical_points("x**", ["x"]), ValueError, r"could not read 'x\*\*' as a formula.*powers with"),
        (lambda: c.critical_points("2x + y", ["x", "y"]), ValueError, "write products with \\*"),
        (lambda: c.critical_points("x^2 + y^2 = 1", ["x", "y"]), ValueError, "without '= ...'"),
        (lambda: c.critical_points("", ["x", "y"]), ValueError, "f is empty: type a formula"),
        (lambda: c.critical_points("x < y", ["x", "y"]), ValueError, "relation x < y: write only the function"),
        (lambda: c.critical_points("gamma", ["x"]), ValueError, "names a sympy function or object"),
        (lambda: c.critical_points("x + a*y", ["x", "y"]), ValueError, "contains a, which is not among the variables"),
        (lambda: c.critical_points("x*I + y", ["x", "y"]), ValueError, "not a finite real function"),
        (lambda: c.critical_points(x * y, [1, 2]), TypeError, "sympy Symbol or a name"),
        (lambda: c.critical_points(x * y, "x y"), ValueError, "pass \\['x', 'y'\\], not 'x y'"),
        (lambda: c.critical_points(x * y, {"x": 1}), TypeError, "variables must be a list"),
        (lambda: c.critical_points(x * y, []), ValueError, "variables is empty"),
        (lambda: c.critical_points(x * y, ["x", "x"]), ValueError, "distinct"),
        (lambda: c.critical_points(lambda t: t, ["x"]), TypeError, "f must be a formula such as"),
        (lambda: c.critical_points(True, ["x"]), TypeError, "f must be a formula such as"),
        (lambda: c.critical_points(float("nan"), ["x"]), ValueError, "f must be finite"),
        (lambda: c.critical_points((x - y) ** 2, ["x", "y"]), ValueError, "not isolated"),
        (lambda: c.critical_points(x**2 * y**2, ["x", "y"]), ValueError, "not isolated"),
        (lambda: c.critical_points(sp.Integer(3), ["x"]), ValueError, "constant"),
        (lambda: c.critical_points(sp.sin(x) + y**2, ["x", "y"]), ValueError, "allow_incomplete=True"),
        (lambda: c.critical_points(x**2, ["x"], allow_incomplete="yes"), TypeError, "True or False"),
        (lambda: c.critical_points(x**2, ["x"], time_limit=0), ValueError, "time_limit .* must be a positive number"),
        (lambda: c.critical_points(x**2, ["x"], time_limit="30"), TypeError, "time_limit .*convert text first"),
        (lambda: c.check_critical_point(TWO, (x, y), (1, 2, 3)), ValueError, "has 3 coordinates but there are 2"),
        (lambda: c.check_critical_point(TWO, (x, y), 5), TypeError, "tuple of 2 numbers"),
        (lambda: c.check_critical_point(TWO, (x, y), "2, 2"), TypeError, "tuple of 2 numbers"),
        (lambda: c.check_critical_point(TWO, (x, y), (x, 1)), ValueError, "must not contain symbols"),
        (lambda: c.check_critical_point(TWO, (x, y), (float("nan"), 1)), ValueError, "finite coordinates"),
        (lambda: c.check_critical_point(TWO, (x, y), (True, 1)), TypeError, "must be a number"),
        (lambda: c.check_critical_point(TWO, (x, y), ("abc(", 1)), ValueError, "is not a number: pass numbers"),
        (lambda: c.check_critical_point(1 / x, ["x"], (0,)), ValueError, "not finite at \\(0,\\)"),
        (lambda: c.classify_hessian(sp.Matrix([[x, 0], [0, 1]])), ValueError, "substitute the point first"),
        (lambda: c.classify_hessian(sp.Matrix([[1, 2], [0, 1]])), ValueError, "must be symmetric"),
        (lambda: c.classify_hessian(np.ones((2, 3))), ValueError, r"must be square \(n, n\), got shape \(2, 3\)"),
        (lambda: c.classify_hessian(sp.zeros(0, 0)), ValueError, "H is empty"),
        (lambda: c.classify_hessian("[[1]]"), TypeError, "square symmetric matrix"),
        (lambda: c.classify_hessian([[sp.oo]]), ValueError, "finite real numbers"),
        (lambda: c.classify_eigenvalues([]), ValueError, "eigenvalues is empty"),
        (lambda: c.classify_eigenvalues(3), TypeError, "list of real numbers"),
        (lambda: c.classify_eigenvalues(["1"]), TypeError, "each eigenvalue must be a real number"),
        (lambda: c.classify_eigenvalues([1j]), TypeError, "each eigenvalue must be a real number"),
        (lambda: c.classify_eigenvalues([float("nan")]), ValueError, "finite real number"),
        (lambda: c.directional_derivatives_derivation(0), ValueError, "n_variables must be a positive integer"),
    ],
)
def test_bad_input_errors_say_what_to_fix(call, error, message):
    with pytest.raises(error, match=message):
        call()
