"""helpers.critical_points_checks: right answers pass; every known wrong answer fails with a message naming it."""

import math

import numpy as np
import pytest
import sympy as sp

from helpers import critical_points_checks as cc
from helpers import exercises
from helpers.derivation import Derivation
from helpers.exercises import ExerciseFailed, NotAnswered

x, y, z = sp.symbols("x y z", real=True)
F2 = x**2 * y + x * y**2 - 6 * x * y
F1 = x**2 + y**2 + z**2 - x * y * z
HALF = sp.Rational(3, 2)
POINTS = [((0, 0), "saddle"), ((6, 0), "saddle"), ((0, 6), "saddle"), ((2, 2), "minimum")]
PUBLISHED = POINTS[:3] + [((HALF, 3), "minimum")]  # the published fourth point, from an algebra slip
HESSIAN = sp.Matrix([[2, -z, -y], [-z, 2, -x], [-y, -x, 2]])
CASE = ("x + 2*y - 6", "2*x + y - 6", "x^2 + 2*x*y - 6*x", "2*x*y + y^2 - 6*y")  # the fourth case's equations
DEGENERATE = ("x^2 - y^4", ("x", "y"), (0, 0))


def fails(check, *args, match):
    with pytest.raises(ExerciseFailed, match=match) as info:
        check(*args)
    return str(info.value)


# -- the critical points of x^2 y + x y^2 - 6xy --------------------------------------------------
@pytest.mark.parametrize("answer", [
    POINTS,
    list(reversed(POINTS)),
    dict(POINTS),
    [((0.0, 0), "Saddle"), ((6, 0), "saddle point"), ((0, 6.0), " saddle"), ((2.0, 2.0), "local minimum")],
    [(sp.Matrix([0, 0]), "saddle"), (np.array([6, 0]), "saddle"), ([0, 6], "saddle"), ((2, 2), "minimum")],
])
def test_the_critical_points_pass_in_every_reasonable_spelling(answer):
    assert cc.check_critical_points(answer, F2, (x, y)) == (
        "all 4 critical points found and classified (1 minimum and 3 saddles)")
    assert "all 4" in cc.check_critical_points(answer, "x^2*y + x*y^2 - 6*x*y", ("x", "y"))


def test_the_published_point_is_not_critical_and_the_message_gives_the_partial_derivative():
    message = fails(cc.check_critical_points, PUBLISHED, F2, (x, y), match="not a critical point")
    assert message == "(3/2, 3) is not a critical point: ∂f/∂y = 9/4 there."
    assert "not a critical point: ∂f/∂y = 9/4" in fails(cc.check_critical_points, [((1.5, 3), "minimum")], F2,
                                                        (x, y), match="3/2, 3")
    assert "∂f/∂x = 8 and ∂f/∂y = 8" in fails(cc.check_critical_points, [((2, 4), "saddle")], F2, (x, y),
                                                 match="not a critical point")


def test_a_missing_point_is_counted_but_not_named():
    message = fails(cc.check_critical_points, POINTS[:3], F2, (x, y), match="you found 3 of the 4 critical points")
    assert "one is missing" in message and "(2, 2)" not in message
    assert "2 are missing" in fails(cc.check_critical_points, POINTS[:2], F2, (x, y), match="found 2 of the 4")


@pytest.mark.parametrize("point, wrong, message", [
    ((2, 2), "saddle", "(2, 2) is a minimum, not a saddle: its Hessian has eigenvalues 2 and 6, both positive."),
    ((0, 0), "minimum", "(0, 0) is a saddle, not a minimum: its Hessian has eigenvalues -6 and 6, one negative and "
                        "one positive."),
    ((6, 0), "maximum", "(6, 0) is a saddle, not a maximum: its Hessian has eigenvalues 6 - 6*sqrt(2) and "
                        "6 + 6*sqrt(2), one negative and one positive."),
    ((2, 2), "inconclusive", "(2, 2) is a minimum, not 'inconclusive': its Hessian has eigenvalues 2 and 6"),
])
def test_a_wrong_kind_is_named_with_the_eigenvalues_that_decide_it(point, wrong, message):
    answer = [(p, wrong if p == point else kind) for p, kind in POINTS]
    assert message in fails(cc.check_critical_points, answer, F2, (x, y), match="not")


def test_an_inconclusive_point_is_reported_as_such():
    message = fails(cc.check_critical_points, [((0, 0), "minimum")], "x^4 + y^4", ("x", "y"), match="inconclusive")
    assert message.startswith("the second-derivative test is inconclusive at (0, 0), not 'minimum'")


def test_a_duplicate_is_named():
    assert fails(cc.check_critical_points, POINTS + [((2.0, 2), "minimum")], F2, (x, y), match="listed twice") == (
        "(2, 2) is listed twice: list each critical point once.")


@pytest.mark.parametrize("answer, match", [
    ([("(0, 0)", "saddle")], r"entry 1 of critical_points_answer: the point '\(0, 0\)' is a string: write it as a "
                             r"tuple of numbers such as \(0, 0\), without quotes"),
    ([(("3/2", "3"), "minimum")], r"the coordinates of \('3/2', '3'\) are strings: write numbers such as 3, 1.5 or "
                                  r"sp.Rational\(3, 2\)"),
    ([(0, 0), (6, 0)], r"entry 1 of critical_points_answer is \(0, 0\), a point without its kind"),
    ("[((0, 0), 'saddle')]", r"must be a list of \(point, kind\) pairs such as \[\(\(0, 0\), 'saddle'\), ...\], got"),
    (4, r"must be a list of \(point, kind\) pairs"),
    ([], "is empty: list every critical point"),
    ([((0, 0), "saddle", "x")], r"entry 1 of critical_points_answer must be a pair \(point, kind\)"),
    ([((0, 0), "min")], r"the kind in entry 1 of critical_points_answer must be one of 'minimum', 'maximum', "
                        r"'saddle', 'inconclusive', got 'min'"),
    ([((0, 0), 1)], r"entry 1 of critical_points_answer must be a pair \(point, kind\)"),
    ([((0, 0, 0), "saddle")], r"point \(0, 0, 0\) has 3 coordinates but there are 2 variables"),
    ([((0, x), "saddle")], "not a finite real number"),
])
def test_answers_of_the_wrong_shape_or_type_get_a_message_that_says_what_to_write(answer, match):
    fails(cc.check_critical_points, answer, F2, (x, y), match=match)


@pytest.mark.parametrize("stub", [None, ...])
def test_the_stub_is_not_answered(stub):
    with pytest.raises(NotAnswered, match="not answered yet: set critical_points_answer to a list of"):
        cc.check_critical_points(stub, F2, (x, y))


def test_the_function_of_three_variables_works_too():
    answer = [((0, 0, 0), "minimum")] + [(p, "saddle") for p in ((2, 2, 2), (-2, -2, 2), (2, -2, -2), (-2, 2, -2))]
    assert "all 5 critical points" in cc.check_critical_points(answer, F1, (x, y, z))
    assert "(2, 2, 2) is a saddle, not a minimum: its Hessian has eigenvalues -2, 4 and 4, of both signs" in fails(
        cc.check_critical_points, [((2, 2, 2), "minimum")], F1, (x, y, z), match="not a minimum")


# -- the Hessian of x^2 + y^2 + z^2 - xyz ----------------------------------------------------------
X, Y, Z = sp.symbols("x y z")  # the same names without assumptions, as a student may define them


@pytest.mark.parametrize("answer", [
    HESSIAN,
    HESSIAN.tolist(),
    sp.Matrix([[2.0, -Z, -Y], [-Z, 2, -X], [-Y, -X, 2]]),
    sp.ImmutableMatrix(HESSIAN),
    np.array(HESSIAN.tolist(), dtype=object),
])
def test_the_hessian_passes_as_any_matrix_in_symbols_of_the_same_names(answer):
    assert cc.check_hessian(answer, F1, (x, y, z)) == (
        "hessian_answer is right: every entry is the second derivative sympy finds")
    assert "is right" in cc.check_hessian(answer, "x**2 + y**2 + z**2 - x*y*z", ("x", "y", "z"))


def test_a_sign_error_off_the_diagonal_is_named_with_its_entry_and_derivative():
    symmetric = HESSIAN.subs({z: -z}, simultaneous=True).copy()
    symmetric[2, 2], symmetric[0, 0], symmetric[1, 1] = 2, 2, 2
    wrong = sp.Matrix([[2, z, -y], [z, 2, -x], [-y, -x, 2]])
    message = fails(cc.check_hessian, wrong, F1, (x, y, z), match="wrong sign")
    assert message == ("entry (row, column) = (0, 1) of hessian_answer is z, but it should not be: it has the wrong "
                       "sign. That entry is ∂²f/∂x∂y.")
    one_sided = HESSIAN.copy()
    one_sided[1, 2] = x
    message = fails(cc.check_hessian, one_sided, F1, (x, y, z), match=r"\(1, 2\) of hessian_answer is x")
    assert "That entry is ∂²f/∂y∂z. Your matrix is not symmetric" in message


def test_other_entry_mistakes_are_named():
    doubled = HESSIAN.copy()
    doubled[0, 0] = 4
    assert "exactly 2 times the correct one. That entry is ∂²f/∂x²." in fails(
        cc.check_hessian, doubled, F1, (x, y, z), match=r"\(0, 0\)")


@pytest.mark.parametrize("answer, match", [
    (sp.Matrix([2 * x - y * z, 2 * y - x * z, 2 * z - x * y]), "must be 3x3, got 3x1"),  # the gradient
    (HESSIAN[:2, :], "must be 3x3, got 2x3"),
    ("Matrix([[2, -z, -y], [-z, 2, -x], [-y, -x, 2]])", r"must be a 3x3 sympy Matrix, sp.Matrix\(\[\[...\], \[...\], "
                                                       r"...\]\) with one list per row, got 'Matrix"),
    (2, "must be a 3x3 sympy Matrix"),
    ([[1, 2], [3]], "must be a 3x3 sympy Matrix"),
    (HESSIAN + sp.Matrix(3, 3, lambda i, j: sp.Symbol("w") if i == j == 2 else 0),
     "contains w, which is not among the variables x, y, z"),
])
def test_a_hessian_of_the_wrong_shape_or_type_gets_a_message(answer, match):
    fails(cc.check_hessian, answer, F1, (x, y, z), match=match)
    with pytest.raises(NotAnswered, match="set hessian_answer to the 3x3 Hessian as a sympy Matrix"):
        cc.check_hessian(None, F1, (x, y, z))


# -- a degenerate critical point ------------------------------------------------------------------
def test_the_degenerate_point_is_inconclusive_and_a_saddle():
    assert cc.check_degenerate_point("inconclusive", "saddle", *DEGENERATE) == (
        "the test is inconclusive at (0, 0) (eigenvalues 0 and 2), and f along 360 directions shows a saddle")
    assert "shows a saddle" in cc.check_degenerate_point("Inconclusive", "saddle point", *DEGENERATE)
    # the notebook's two examples: both inconclusive, one a minimum and one a saddle
    assert "shows a minimum" in cc.check_degenerate_point("inconclusive", "minimum", "x^4 + y^4", ("x", "y"), (0, 0))
    assert "shows a saddle" in cc.check_degenerate_point("inconclusive", "saddle", "x^3 - 3*x*y^2", ("x", "y"),
                                                         (0, 0))


@pytest.mark.parametrize("f", ["x^2 - y^4", "x^3 - 3*x*y^2"])
def test_the_no_negative_eigenvalue_shortcut_is_named(f):
    message = fails(cc.check_degenerate_point, "minimum", "minimum", f, ("x", "y"), (0, 0),
                    match="the second-derivative test does not say 'minimum' at \\(0, 0\\)")
    assert "with a zero eigenvalue and no negative one the test is inconclusive" in message
    assert "'No negative eigenvalue, so a minimum' is a shortcut that a zero eigenvalue breaks" in message


def test_a_wrong_kind_is_refuted_by_the_values_of_f_along_directions():
    message = fails(cc.check_degenerate_point, "inconclusive", "minimum", *DEGENERATE, match="is not a minimum")
    assert message == ("(0, 0) is not a minimum: along the direction (0, 1), f(0, 0.0001) - f(0, 0) = -1e-16, while "
                       "along the direction (1, 0), f(0.0001, 0) - f(0, 0) = 1e-08. f is lower and higher "
                       "arbitrarily close to it: a saddle.")
    message = fails(cc.check_degenerate_point, "inconclusive", "maximum", *DEGENERATE, match="is not a maximum")
    assert message.startswith("(0, 0) is not a maximum: along the direction (1, 0), f(0.0001, 0) - f(0, 0) = 1e-08")
    message = fails(cc.check_degenerate_point, "inconclusive", "saddle", "x^4 + y^4", ("x", "y"), (0, 0),
                    match="is a minimum, not a saddle")
    assert "along all 360 directions tried, f is higher than at (0, 0) at distances 1e-2, 1e-3 and 1e-4" in message


@pytest.mark.parametrize("verdict, kind, match", [
    ("saddle", "saddle", "the second-derivative test cannot see a saddle at \\(0, 0\\): its Hessian has eigenvalues "
                         "0 and 2, with no sign change, so the test is inconclusive"),
    ("maximum", "saddle", "does not say 'maximum'"),
    ("inconclusive", "inconclusive", "degenerate_kind_answer asks what \\(0, 0\\) really is, 'minimum', 'maximum' or "
                                     "'saddle'; 'inconclusive' is only what the test says"),
    ("unclear", "saddle", "degenerate_test_answer must be one of 'minimum', 'maximum', 'saddle', 'inconclusive', got "
                          "'unclear'"),
    (True, "saddle", "degenerate_test_answer must be one of .* got True \\(bool\\)"),
    ("inconclusive", 0, "degenerate_kind_answer must be one of"),
])
def test_other_wrong_answers_about_the_degenerate_point(verdict, kind, match):
    fails(cc.check_degenerate_point, verdict, kind, *DEGENERATE, match=match)


def test_a_decided_point_says_what_the_test_says():
    assert "the test says saddle at (0, 0) (eigenvalues -2 and 2)" in cc.check_degenerate_point(
        "saddle", "saddle", "x^2 - y^2", ("x", "y"), (0, 0))
    fails(cc.check_degenerate_point, "inconclusive", "saddle", "x^2 - y^2", ("x", "y"), (0, 0),
          match="the second-derivative test says 'saddle' at \\(0, 0\\), not 'inconclusive': its Hessian has "
                "eigenvalues -2 and 2, one negative and one positive")


def test_the_degenerate_point_stubs_are_not_answered():
    with pytest.raises(NotAnswered, match="set degenerate_test_answer"):
        cc.check_degenerate_point(None, None, *DEGENERATE)
    with pytest.raises(NotAnswered, match="set degenerate_kind_answer"):
        cc.check_degenerate_point("inconclusive", None, *DEGENERATE)
    with pytest.raises(ValueError, match="function of two variables"):
        cc.check_degenerate_point("minimum", "minimum", "x^2 + y^2 + z^2", ("x", "y", "z"), (0, 0, 0))


# -- the derivation of the fourth critical point ---------------------------------------------------
def derivation(*steps):
    d = Derivation("the fourth critical point")
    for expr, why, options in steps:
        d.step(expr, why, **options)
    return d


START = (sp.Eq(x + 2 * y - 6, 0), "second factor of df/dy", {"given": True})
SUBSTITUTE = (sp.Eq(6 - 3 * x, 0), "substitute y = 6 - 2x", {"subs": {y: 6 - 2 * x}})
SOLVE = (sp.Eq(x, 2), "solve for x", {})
BACK = (sp.Eq(y, 6 - 2 * x), "back to y = 6 - 2x", {"given": True})
WITH_X = (sp.Eq(y, 2), "with x = 2", {"subs": {x: 2}})
RIGHT = derivation(START, SUBSTITUTE, SOLVE, BACK, WITH_X)


def test_the_derivation_passes_as_a_derivation_or_as_its_steps_in_symbols_of_the_same_names():
    message = "every step of fourth_point_derivation follows, from x + 2*y - 6 = 0 to x = 2 and y = 2"
    assert cc.check_substitution_derivation(RIGHT, CASE, ("x", "y")) == message
    assert cc.check_substitution_derivation(list(RIGHT.steps), CASE, (X, Y)) == message
    other_route = derivation((sp.Eq(2 * x + y, 6), "first factor", {"given": True}),
                             (sp.Eq(3 * y - 6, 0), "x = 6 - 2y", {"subs": {x: 6 - 2 * y}}),
                             (sp.Eq(y, 2), "divide by 3", {}),
                             (sp.Eq(2 * x + y, 6), "first factor again", {"given": True}),
                             (sp.Eq(2 * x + 2, 6), "y = 2", {"subs": {y: 2}}),
                             (sp.Eq(x, 2), "solve", {}))
    assert "to x = 2 and y = 2" in cc.check_substitution_derivation(other_route, CASE, ("x", "y"))


def test_the_published_slip_is_named_as_the_step_that_does_not_follow():
    slip = derivation((sp.Eq(x**2 + 2 * x * y - 6 * x, 0), "df/dy = 0", {"given": True}),
                      (sp.Eq(2 * x * (2 * x - 3), 0), "substitute y = 6 - 2x (as published)", {"subs": {y: 6 - 2 * x}}),
                      (sp.Eq(x, HALF), "x is not 0", {}))
    message = fails(cc.check_substitution_derivation, slip, CASE, ("x", "y"), match="step 2")
    assert message == ("step 2 of fourth_point_derivation (“substitute y = 6 - 2x (as published)”) does not follow "
                       "from step 1 after substituting y = 6 - 2*x: not an equivalent equation: (new residual)/(old "
                       "residual) = 2*(3 - 2*x)/(3*(x - 2)).")


def test_dividing_by_a_variable_is_caught_with_the_ratio():
    divided = derivation((sp.Eq(x**2 + 2 * x * y - 6 * x, 0), "df/dy = 0", {"given": True}),
                         (sp.Eq(-3 * x**2 + 6 * x, 0), "substitute y = 6 - 2x", {"subs": {y: 6 - 2 * x}}),
                         (sp.Eq(x, 2), "divide by x", {}))
    fails(cc.check_substitution_derivation, divided, CASE, ("x", "y"),
          match=r"step 3 .*“divide by x”.* does not follow from step 2: .* = -1/\(3\*x\)")


def test_a_derivation_that_stops_at_x_is_told_to_go_back_to_y():
    message = fails(cc.check_substitution_derivation, derivation(START, SUBSTITUTE, SOLVE), CASE, ("x", "y"),
                    match="reaches x = 2 but does not reach a value of y")
    assert "none reads sp.Eq(y, ...)" in message
    rearranged = derivation(START, (sp.Eq(x + 2 * y, 6), "move 6 across", {}))
    fails(cc.check_substitution_derivation, rearranged, CASE, ("x", "y"), match="does not reach a value of x and y")


@pytest.mark.parametrize("steps, match", [
    ((START, (sp.Eq(x, 2), "I know it", {"given": True})),
     r"step 2 of fourth_point_derivation, x = 2, is marked given, but it is not one of the equations you may start "
     r"from \(x \+ 2\*y - 6 = 0, 2\*x \+ y - 6 = 0"),
    (((sp.Eq(x, 2), "start", {}), SUBSTITUTE), "step 1 of fourth_point_derivation, x = 2, is marked given"),
    ((START, (sp.Eq(x - 2, 0), "with y = 2", {"subs": {y: 2}})),
     "step 2 of fourth_point_derivation substitutes y = 2, which nothing before it establishes"),
    ((START, (6 - 3 * x, "substitute", {"subs": {y: 6 - 2 * x}})), "step 2 of fourth_point_derivation is the "
                                                                   r"expression 6 - 3\*x, not an equation"),
    ((START, (sp.Eq(6 + 3 * x, 0), "substitute", {"subs": {y: 6 - 2 * x}})), "step 2 .* does not follow from step 1"),
    ((START, SUBSTITUTE, SOLVE, (sp.Eq(y, 2), "so y = 2", {"subs": {x: 2}})),
     "step 4 .* does not follow from step 3 after substituting x = 2: the substitution turns the step before "
     "into True"),
])
def test_shortcuts_through_the_derivation_are_refused(steps, match):
    fails(cc.check_substitution_derivation, derivation(*steps), CASE, ("x", "y"), match=match)


@pytest.mark.parametrize("answer, match", [
    ([sp.Eq(x + 2 * y, 6), sp.Eq(x, 2)], "must be a Derivation \\(from helpers.derivation import Derivation\\), "
                                         "built with .step\\(...\\), got \\[Eq"),
    ("x = 2", "must be a Derivation"),
    (derivation(START), "has 1 step: start from the given equation"),
])
def test_a_derivation_of_the_wrong_type_gets_a_message(answer, match):
    fails(cc.check_substitution_derivation, answer, CASE, ("x", "y"), match=match)
    with pytest.raises(NotAnswered, match="set fourth_point_derivation to a Derivation"):
        cc.check_substitution_derivation(None, CASE, ("x", "y"))


# -- one Newton step --------------------------------------------------------------------------------
def newton_step(f, fprime, x):
    return x - f(x) / fprime(x)


def wrong_sign_step(f, fprime, x):
    return x + f(x) / fprime(x)


def divided_by_f_step(f, fprime, x):
    return x - fprime(x) / f(x)


def undivided_step(f, fprime, x):
    return x - f(x)


def stub_step(f, fprime, x):
    raise NotImplementedError()


def test_a_newton_step_passes_and_converges_quadratically():
    message = cc.check_newton_step(newton_step)
    assert message.startswith("newton_step lands where the tangent crosses zero for 4 functions, and on x^2 - 2 from 1 "
                              "its errors fall quadratically: 4.1e-01, 8.6e-02, 2.5e-03, 2.1e-06, 1.6e-12")


@pytest.mark.parametrize("step, message", [
    (wrong_sign_step, "for f(x) = x^2 - 2 from x = 1: your step goes the wrong way: at your new x = 0.5 the tangent at "
                      "x = 1 is -2 = 2 f(x) instead of 0. It crosses zero at x - f(x)/f'(x): subtract f(x)/f'(x), do "
                      "not add it."),
    (divided_by_f_step, "for f(x) = x^2 - 2 from x = 1: the tangent at x = 1 takes the value 3 at your new x = 3, not "
                        "0. Your step is -f'(x)/f(x): the fraction is upside down; divide f(x) by f'(x)."),
    (undivided_step, "Your step is -f(x): divide it by the slope f'(x)."),
    (lambda f, fprime, x: x, "your newton_step returned x itself"),
    (lambda f, fprime, x: x - 0.5 * f(x) / fprime(x), "the tangent at x = 1 takes the value -0.5 at your new x = 1.25"),
])
def test_the_known_wrong_steps_are_named(step, message):
    assert message in fails(cc.check_newton_step, step, match="for f\\(x\\) = x\\^2 - 2 from x = 1")


def test_a_step_right_only_at_the_tested_starts_fails_the_convergence_run():
    def memorised(f, fprime, x):
        return newton_step(f, fprime, x) if x in (0.0, 1.0) else x - 0.1 * f(x)

    fails(cc.check_newton_step, memorised, match="does not converge quadratically on x\\^2 - 2 from x = 1")


@pytest.mark.parametrize("step, error, match", [
    (stub_step, NotAnswered, "replace `raise NotImplementedError\\(\\)` in newton_step by your code"),
    (None, NotAnswered, "define newton_step in the answer cell above"),
    (lambda f, fprime, x: None, ExerciseFailed, "newton_step\\(f, fprime, 1\\) for f\\(x\\) = x\\^2 - 2 returned None: "
                                                "end newton_step with `return` and the new x"),
    (lambda f, fprime, x: np.array([newton_step(f, fprime, x)]), ExerciseFailed,
     "returned an array of shape \\(1,\\): return one number"),
    (lambda f, fprime, x: "1.5", ExerciseFailed, "returned '1.5' \\(str\\), not a number"),
    (lambda f, fprime, x: 1 / 0, ExerciseFailed, "newton_step raised ZeroDivisionError: division by zero"),
    (lambda f, fprime, x: float("nan"), ExerciseFailed, "returned nan"),
    (lambda f, fprime, x: complex(x, 1), ExerciseFailed, "not a real number"),
])
def test_a_newton_step_that_is_not_a_function_returning_a_number_gets_a_message(step, error, match):
    with pytest.raises(error, match=match):
        cc.check_newton_step(step)


def test_the_hidden_newton_check_judges_outputs_on_further_functions():
    cases = [("atan(x)", 1.0), ("log(x)", 2.0), ("x^3 - 2*x + 2", 0.5), ("exp(x) - 3", 0.5)]
    assert cc.newton_outputs(newton_step, cases) == [newton_step(*fs, x0) for fs, x0 in (
        ((math.atan, lambda s: 1 / (1 + s * s)), 1.0), ((math.log, lambda s: 1 / s), 2.0),
        ((lambda s: s**3 - 2 * s + 2, lambda s: 3 * s**2 - 2), 0.5), ((lambda s: math.exp(s) - 3, math.exp), 0.5))]
    assert cc.check_newton_outputs(cases, cc.newton_outputs(newton_step, cases)) == (
        "newton_step lands where the tangent crosses zero for all 4 functions")
    fails(cc.check_newton_outputs, cases, cc.newton_outputs(wrong_sign_step, cases),
          match="for f\\(x\\) = atan\\(x\\) from x = 1: your step goes the wrong way")
    fails(cc.check_newton_outputs, cases, cc.newton_outputs(newton_step, cases)[:3] + ["a"],
          match="returned 'a' \\(str\\), not a number")
    with pytest.raises(ValueError, match="outputs has 1 values for 4 cases"):
        cc.check_newton_outputs(cases, [1.0])


# -- the constant of Newton's error law ----------------------------------------------------------
ROOT = sp.cbrt(2)  # the root of x^3 - 2; f''(r)/(2 f'(r)) = 6r / (6 r^2) = 1/r


@pytest.mark.parametrize("answer", [1 / ROOT, ROOT**2 / 2, float(1 / ROOT), np.float64(1 / ROOT.evalf())])
def test_the_newton_coefficient_passes_exact_or_as_a_float(answer):
    assert "matches the ratios e_(n+1)/e_n^2 measured on Newton's iterates for f(x) = x^3 - 2 from x0 = 1.5" in (
        cc.check_newton_coefficient(answer, "x^3 - 2", 1.5))


def test_the_published_sign_of_the_newton_coefficient_is_named():
    message = fails(cc.check_newton_coefficient, -1 / ROOT, "x^3 - 2", 1.5, match="has the wrong sign")
    assert message == ("newton_coefficient_answer = -2**(2/3)/2 ≈ -0.7937 has the wrong sign: the ratios e_(n+1)/e_n^2 "
                       "measured on Newton's iterates for f(x) = x^3 - 2 from x0 = 1.5 settle at a positive value. "
                       "With e_n = x_n - r the coefficient is +f''(r)/(2 f'(r)), not -f''(r)/(2 f'(r)).")
    # where f''/f' < 0 the right sign is negative, and the published one positive
    fails(cc.check_newton_coefficient, sp.Rational(1, 2), "log(x)", 2, match="settle at a negative value")
    assert "matches" in cc.check_newton_coefficient(-sp.Rational(1, 2), "log(x)", 2)


@pytest.mark.parametrize("answer, match", [
    (2 / ROOT, "is exactly 2 times the limit .*: did you forget the 1/2 of the Taylor term"),
    (1 / (2 * ROOT), "is exactly 0.5 times the limit"),
    (0.79, "newton_coefficient_answer = 0.79 does not match .*: they settle at a larger positive value"),
    (1.0, "they settle at a smaller positive value"),
    ("0.79", "must be a number \\(a sympy expression or a float\\), got '0.79' \\(str\\)"),
    (sp.Symbol("r") / 2, "contains r: substitute the value of the root"),
    (1j, "got 1j \\(complex\\)"),
    (sp.I, "is not a finite real number"),
    ([0.79], "must be a number"),
])
def test_other_wrong_newton_coefficients_get_a_message(answer, match):
    fails(cc.check_newton_coefficient, answer, "x^3 - 2", 1.5, match=match)
    with pytest.raises(NotAnswered, match="set newton_coefficient_answer to a number"):
        cc.check_newton_coefficient(None, "x^3 - 2", 1.5)


# -- the hidden checks run in a fresh process ------------------------------------------------------
def test_the_hidden_checks_give_the_same_verdicts_in_a_fresh_process():
    assert "all 4" in exercises.fresh_check(cc.check_critical_points, POINTS, "x^2*y + x*y^2 - 6*x*y", ("x", "y"))
    with pytest.raises(ExerciseFailed, match="\\(3/2, 3\\) is not a critical point: ∂f/∂y = 9/4 there"):
        exercises.fresh_check(cc.check_critical_points, PUBLISHED, "x^2*y + x*y^2 - 6*x*y", ("x", "y"))
    assert "y = 2" in exercises.fresh_check(cc.check_substitution_derivation, RIGHT, CASE, ("x", "y"))
