import pytest
import sympy as sp

from helpers.derivation import Derivation

x, y, z = sp.symbols("x y z", real=True)


def test_chain_of_equal_expressions_is_verified_symbolically():
    d = Derivation("expand a square")
    d.step((x + y) ** 2, "start")
    d.step(x**2 + 2 * x * y + y**2, "binomial formula")
    result = d.verify()
    assert result.ok
    assert [c.status for c in result.checks] == ["given", "symbolic"]


def test_wrong_step_is_caught_and_named_with_the_difference():
    d = Derivation("a slip")
    d.step((x + y) ** 2, "start").step(x**2 + y**2, "forgot the cross term").step(x**2 + y**2, "nothing")
    result = d.verify()
    assert not result.ok
    assert result.first_failure.index == 1
    assert "2*x*y" in result.first_failure.detail.replace(" ", "")
    with pytest.raises(AssertionError, match="step 2 does not follow"):
        result.raise_if_failed()


def test_equations_with_same_lhs_compare_right_hand_sides():
    f = x**2 * y
    d = Derivation("partial derivative")
    d.step(sp.Eq(sp.Derivative(f, x), sp.Derivative(f, x), evaluate=False), "definition", given=True)
    d.step(sp.Eq(sp.Derivative(f, x), 2 * x * y), "power rule")
    assert d.verify().ok
    d.step(sp.Eq(sp.Derivative(f, x), 3 * x * y), "wrong power rule")
    assert d.verify().first_failure.index == 2


def test_rearranged_and_scaled_equation_follows():
    d = Derivation("solve for y")
    d.step(sp.Eq(2 * x + 4 * y, 8), "given")
    d.step(sp.Eq(y, 2 - x / 2), "divide by 4 and move x across")
    assert d.verify().ok
    bad = Derivation("slip").step(sp.Eq(2 * x + 4 * y, 8), "given").step(sp.Eq(y, 2 - x), "forgot to divide x")
    assert not bad.verify().ok


def test_substitution_step_uses_the_given_substitution():
    # the A2 pitfall: substituting y = 6 - 2x into x^2 + 2xy - 6x = 0
    d = Derivation("substitute")
    d.step(sp.Eq(x**2 + 2 * x * y - 6 * x, 0), "df/dy = 0")
    d.step(sp.Eq(-3 * x**2 + 6 * x, 0), "substitute y = 6 - 2x", subs={y: 6 - 2 * x})
    assert d.verify().ok
    slip = Derivation("slip").step(sp.Eq(x**2 + 2 * x * y - 6 * x, 0), "df/dy = 0")
    slip.step(sp.Eq(-3 * x**2 + 9 * x / 2, 0), "substitute y = 6 - 2x", subs={y: 6 - 2 * x})
    assert not slip.verify().ok


def test_matrices_compare_entrywise():
    d = Derivation("hessian").step(sp.hessian(x**2 * y, (x, y)), "Hessian")
    d.step(sp.Matrix([[2 * y, 2 * x], [2 * x, 0]]), "differentiate twice")
    assert d.verify().ok
    d.step(sp.Matrix([[2 * y, 2 * x]]), "wrong shape")
    assert "shapes differ" in d.verify().first_failure.detail


def test_step_sympy_cannot_simplify_is_checked_numerically_and_reported_as_such():
    # simplify does not prove this identity (principal branches), but it holds for x > 0
    p = sp.Symbol("p", positive=True)
    lhs = sp.atan(p) + sp.atan(1 / p)
    d = Derivation("arctan identity").step(lhs, "start").step(sp.pi / 2, "identity for p > 0")
    result = d.verify()
    assert result.ok
    assert result.checks[1].status in ("symbolic", "numeric")


def test_undecidable_step_is_not_reported_as_verified():
    f = sp.Function("f")
    d = Derivation("unknown function").step(f(x) * f(y), "start").step(f(x + y), "Cauchy's equation, not an identity")
    result = d.verify()
    assert not result.ok
    assert result.checks[1].status == "undecided"


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="title"):
        Derivation("")
    d = Derivation("t")
    with pytest.raises(ValueError, match="sympy expression"):
        d.step("x + 1", "a string is not an expression")
    with pytest.raises(ValueError, match="evaluate=False"):
        d.step(sp.Eq(x, x), "sympy turns this into True")
    with pytest.raises(ValueError, match="justification"):
        d.step(x, "")
    with pytest.raises(ValueError, match="no steps"):
        Derivation("empty").verify()


def test_latex_and_stepper_show_each_step_with_its_justification():
    d = Derivation("square").step((x + 1) ** 2, "start").step(x**2 + 2 * x + 1, "expand")
    tex = d.latex()
    assert tex.startswith(r"\begin{aligned}") and r"\text{expand}" in tex
    widget = d.stepper()
    html, buttons, label = widget.children[1:]
    prev_btn, next_btn = buttons.children
    assert label.value.startswith("step 1 of 2") and "expand" not in html.value
    next_btn.click()
    assert label.value.startswith("step 2 of 2") and r"\text{expand}" in html.value and next_btn.disabled
    prev_btn.click()
    assert label.value.startswith("step 1 of 2")


def test_an_exponent_in_a_justification_becomes_a_superscript_outside_the_text():
    # MathJax refuses ^ inside \text{...}: "J^T" must leave the text
    tex = Derivation("t").step(x, "chain rule: J^T g, |e|^2 & 5% of x_1", given=True).latex()
    assert r"\text{chain rule: J}^{\text{T}}\text{ g, |e|}^{\text{2}}\text{ \& 5\% of x\_1}" in tex


def test_unevaluated_derivatives_and_float_zero_are_proved_symbolically():
    d = Derivation("derivative").step(sp.Derivative(x**3 * sp.sin(y), x), "what we want")
    d.step(3 * x**2 * sp.sin(y), "power rule")
    assert [c.status for c in d.verify().checks] == ["given", "symbolic"]
    f = Derivation("float").step(sp.Float(0.5) * x, "start").step(x / 2, "same number")
    assert f.verify().checks[1].status == "symbolic"


def test_an_equation_after_an_expression_must_keep_the_chains_left_hand_side():
    loophole = Derivation("y = 0?").step(sp.Eq(x * y, 0), "given", given=True).step(sp.Eq(x, 0), "first factor",
                                                                                       given=True)
    loophole.step(sp.Integer(0), "x = 0").step(sp.Eq(y, 0), "any equation with right-hand side 0")
    check = loophole.verify().first_failure
    assert check is not None and check.index == 3 and "left-hand side y" in check.detail
    named = Derivation("named").step(sp.Eq(x, 0), "given", given=True).step(sp.Integer(0), "x = 0")
    assert named.step(sp.Eq(sp.Symbol("result"), 0), "a new name for the result").verify().ok
    chain = Derivation("d/dx x^2").step(sp.Derivative(x**2, x), "want", given=True).step(2 * x, "power rule")
    assert chain.step(sp.Eq(sp.Derivative(x**2, x), 2 * x), "so").verify().ok


def test_a_substitution_that_makes_the_previous_equation_an_identity_fails_instead_of_crashing():
    d = Derivation("identity").step(sp.Eq(x - 2, 0), "given", given=True)
    d.step(sp.Eq(x, 1), "substitute x = 3", subs={x: 3})  # 1 = 0 after the substitution: nothing follows
    assert d.verify().first_failure.index == 1
    d = Derivation("identity").step(sp.Eq(x - 2, 0), "given", given=True)
    d.step(sp.Eq(x - 2, 0), "substitute x = 2", subs={x: 2})  # 0 = 0 proves nothing about x
    assert not d.verify().ok


def test_given_must_be_a_bool_so_a_truthy_string_cannot_skip_the_check():
    with pytest.raises(TypeError, match="given must be True or False"):
        Derivation("t").step(x, "start").step(x + 1, "wrong", given="no")


@pytest.mark.parametrize("args, error", [(("", 2, 2), TypeError), ((3, 2, 2), TypeError), (("W", 0, 2), ValueError),
                                         (("W", 2, 2.5), TypeError)])
def test_symbol_matrix_refuses_what_is_not_a_name_and_a_size(args, error):
    from helpers.derivation import symbol_matrix

    with pytest.raises(error):
        symbol_matrix(*args)
