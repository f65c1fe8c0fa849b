"""helpers.newton: root finding, minimisation, correct digits, the generic error derivation, and bad input."""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from helpers import newton
from helpers.validation import DivergenceError


def test_newton_root_doubles_correct_digits():
    with mpmath.workdps(80):
        xs = newton.newton_root(lambda t: t**2 - 2, lambda t: 2 * t, mpmath.mpf(1), 6)
        digits = newton.correct_digits(xs, mpmath.sqrt(2), cap=70)
    assert digits.shape == (7,)
    assert np.all(digits[3:6] / digits[2:5] > 1.8)
    assert digits[6] > 45


def test_newton_failure_modes():
    with pytest.raises(ValueError, match=r"f'\(x\) = 0, the tangent is horizontal"):
        newton.newton_root(lambda t: t**2 - 2, lambda t: 2 * t, 0.0, 5)
    cycle = newton.newton_root(lambda t: t**3 - 2 * t + 2, lambda t: 3 * t**2 - 2, 0.0, 6)
    assert cycle == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    far = newton.newton_root(math.atan, lambda t: 1 / (1 + t * t), 1.5, 4)
    assert all(abs(b) > abs(a) for a, b in zip(far, far[1:], strict=False))
    with pytest.raises(DivergenceError, match="diverged at iterate 7"):
        newton.newton_root(math.atan, lambda t: 1 / (1 + t * t), 1.5, 30)
    with pytest.raises(ValueError, match=r"g''\(x\) = 0"):
        newton.newton_minimize(lambda t: t**3, lambda t: 3 * t**2, 0.0, 3)
    with pytest.raises(ValueError, match=r"f\(x\) cannot be evaluated at x = -.*outside the domain"):
        newton.newton_root(math.log, lambda t: 1 / t, 3.0, 5)  # 3 - 3 ln 3 < 0
    with pytest.raises(ValueError, match=r"f\(x\) is nan at x = .*not a finite real number"):
        newton.newton_root(lambda t: np.sqrt(t) - 1 if t > 0 else np.nan, lambda t: 1.0, -1.0, 2)


def test_newton_accepts_numpy_and_mpmath_numbers():
    xs = newton.newton_root(np.arctan, lambda t: 1 / (1 + t**2), np.float64(1.0), 6)
    assert abs(xs[-1]) < 1e-12
    xs = newton.newton_minimize(lambda t: mpmath.exp(t) - 2, mpmath.exp, mpmath.mpf("1.5"), 7)
    assert isinstance(xs[-1], mpmath.mpf) and abs(xs[-1] - mpmath.log(2)) < 1e-14


def test_newton_minimize_1d_and_2d():
    xs = newton.newton_minimize(lambda t: math.cos(t) + 0.5, lambda t: -math.sin(t), 2.0, 6)  # g = sin(t) + t/2
    assert abs(xs[-1] - 2 * math.pi / 3) < 1e-12
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    path = newton.newton_minimize_nd(lambda w: A @ w - 1, lambda w: A, [5.0, -5.0], 1)
    assert path.shape == (2, 2)
    np.testing.assert_allclose(path[-1], np.linalg.solve(A, [1.0, 1.0]))
    with pytest.raises(ValueError, match="singular"):
        newton.newton_minimize_nd(lambda w: w, lambda w: np.zeros((2, 2)), [1.0, 1.0], 2)


def test_newton_on_the_smooth_convex_function_converges_quadratically():
    from helpers import descent

    path = newton.newton_minimize_nd(descent.smooth_convex_gradient, descent.smooth_convex_hessian, [-1.0, 0.5], 8)
    errors = np.linalg.norm(path - descent.SMOOTH_CONVEX_MINIMUM, axis=1)
    assert errors[-1] < 1e-14
    assert all(errors[k + 1] < 3 * errors[k] ** 2 for k in range(1, 4))  # until rounding (1e-16) is reached


def test_correct_digits_caps_exact_hits_and_uses_absolute_error_at_zero():
    np.testing.assert_allclose(newton.correct_digits([1.1, 1.0], 1.0, cap=20), [1.0, 20.0])
    np.testing.assert_allclose(newton.correct_digits([1e-3, 0.5], 0.0), [3.0, -np.log10(0.5)])
    assert newton.correct_digits([5.0], 1.0)[0] == 0.0  # no negative digits


def test_error_derivation_is_generic_and_verified():
    d = newton.error_derivation()
    d.verify().raise_if_failed()
    e, d1, d2, R, S = sp.symbols("e_n f'(r) f''(r) R_n S_n", real=True)
    last = d.steps[-1].expr.rhs
    # the e_n^2 coefficient is +f''(r)/(2 f'(r)), and what remains is e_n^3 times something finite at e_n = 0
    assert sp.simplify(sp.series(last, e, 0, 3).removeO() - d2 / (2 * d1) * e**2) == 0
    rest = sp.simplify((last - d2 / (2 * d1) * e**2) / e**3)
    assert sp.simplify(rest.subs(e, 0) - ((S - R) / d1 - d2**2 / (2 * d1**2))) == 0
    assert not any(s.name in ("r",) for s in last.free_symbols)  # no particular f: only its derivatives at r


def test_error_derivation_predicts_signed_errors_of_real_iterations():
    with mpmath.workdps(60):
        for f, fp, fpp, x0, root in [(lambda t: t**2 - 2, lambda t: 2 * t, lambda t: 2, mpmath.mpf(1), mpmath.sqrt(2)),
                                     (mpmath.log, lambda t: 1 / t, lambda t: -1 / t**2, mpmath.mpf(2), mpmath.mpf(1))]:
            xs = newton.newton_root(f, fp, x0, 6)
            e = [x - root for x in xs]
            coefficient = fpp(root) / (2 * fp(root))
            for k in range(2, 5):
                assert abs(e[k + 1] / e[k] ** 2 - coefficient) < 2 * abs(e[k])  # + sign, O(e) correction


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: newton.newton_root("f", lambda t: 1, 1.0, 3), TypeError, "f must be a function of one number"),
        (lambda: newton.newton_root(lambda t: t, None, 1.0, 3), TypeError, "fprime must be a function"),
        (lambda: newton.newton_root(lambda t: t, lambda t: 1, "1.5", 3), TypeError, "x0 must be a real number.*float"),
        (lambda: newton.newton_root(lambda t: t, lambda t: 1, True, 3), TypeError, "x0 must be a real number"),
        (lambda: newton.newton_root(lambda t: t, lambda t: 1, 1 + 2j, 3), TypeError, "x0 must be a real number"),
        (lambda: newton.newton_root(lambda t: t, lambda t: 1, math.nan, 3), ValueError, "x0 must be a finite number"),
        (lambda: newton.newton_root(lambda t: t, lambda t: 1, 1.0, 0), ValueError, "steps must be a positive integer"),
        (lambda: newton.newton_root(lambda t: t, lambda t: 1, 1.0, 2.0), TypeError, "pass 2 without a decimal point"),
        (lambda: newton.newton_root(lambda t: t, lambda t: 1, 1.0, 3, blow_up=-1), ValueError, "blow_up must be"),
        (lambda: newton.newton_root(lambda t: t, lambda t: 1j, 1.0, 3), ValueError, "not a finite real number"),
        (lambda: newton.newton_minimize_nd(lambda w: w, lambda w: np.eye(2), [1.0, 2.0, 3.0], 2), ValueError,
         r"hess\(w\) must have shape \(3, 3\)"),
        (lambda: newton.newton_minimize_nd(lambda w: w, lambda w: np.eye(2), [[1.0, 2.0]], 2), ValueError,
         r"w0 must have shape \(d,\)"),
        (lambda: newton.newton_minimize_nd(lambda w: w[:1], lambda w: np.eye(2), [1.0, 2.0], 2), ValueError,
         r"grad\(w\) must have shape \(2,\)"),
        (lambda: newton.newton_minimize_nd(lambda w: w * np.nan, lambda w: np.eye(2), [1.0, 2.0], 2), ValueError,
         "not finite at iterate 0"),
        (lambda: newton.newton_minimize_nd(lambda w: w, "H", [1.0, 2.0], 2), TypeError, "hess must be a function"),
        (lambda: newton.correct_digits([], 1.0), ValueError, "iterates is empty"),
        (lambda: newton.correct_digits(1.0, 1.0), TypeError, "iterates must be a list of numbers"),
        (lambda: newton.correct_digits([1.0, "2"], 1.0), TypeError, r"iterates\[1\] must be a real number"),
        (lambda: newton.correct_digits([1.0], math.inf), ValueError, "root must be a finite number"),
        (lambda: newton.correct_digits([1.0], 1.0, cap=0), ValueError, "cap must be a positive number"),
    ],
)
def test_bad_input_errors_say_what_to_fix(call, error, message):
    with pytest.raises(error, match=message):
        call()
