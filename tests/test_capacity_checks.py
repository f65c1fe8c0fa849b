"""helpers.capacity_checks: right answers pass, stubs are "not answered", and every known wrong answer is named."""

import numpy as np
import pytest
import sympy as sp

from helpers import capacity, capacity_checks, exercises
from helpers.derivation import Derivation

X1, X2 = capacity.X1, capacity.X2
BETA0, BETA1 = capacity_checks.BETA0, capacity_checks.BETA1


def _fails(check, *args, match: str) -> str:
    """The check fails with ExerciseFailed (never a bare AssertionError) whose message matches ``match``."""
    with pytest.raises(exercises.ExerciseFailed, match=match) as info:
        check(*args)
    assert type(info.value) is exercises.ExerciseFailed
    return str(info.value)


def _not_answered(check, *args) -> None:
    with pytest.raises(exercises.NotAnswered, match="not answered yet"):
        check(*args)


# ------------------------------------------------------------------------------------------ the identity
def _identity(*steps):
    d = Derivation("identity")
    d.step((X1 + X2) ** 2 - (X1 - X2) ** 2, "what we start from", given=True)
    for expr, why, *given in steps:
        d.step(expr, why, given=bool(given))
    return d


def _unevaluated_difference(a, b):
    return sp.Add(a, sp.Mul(-1, b, evaluate=False), evaluate=False)


EXPANDED = _unevaluated_difference(X1**2 + 2 * X1 * X2 + X2**2, X1**2 - 2 * X1 * X2 + X2**2)


def test_a_derivation_that_expands_the_squares_passes_here_and_in_a_fresh_process():
    d = _identity((EXPANDED, "expand both squares"), (4 * X1 * X2, "collect"))
    assert "all 3 steps follow" in capacity_checks.check_product_identity(d)
    assert "all 3 steps follow" in exercises.fresh_check(capacity_checks.check_product_identity, list(d.steps))
    # the shortest honest answer, and symbols the student made without real=True
    x1, x2 = sp.symbols("x1 x2")
    short = Derivation("short").step((x1 + x2) ** 2 - (x1 - x2) ** 2, "start").step(4 * x1 * x2, "expand")
    assert "all 2 steps follow" in capacity_checks.check_product_identity(short)


def test_the_forgotten_cross_term_is_named_as_the_step_that_does_not_follow():
    forgot = _unevaluated_difference(X1**2 + X2**2, X1**2 + X2**2)
    message = _fails(capacity_checks.check_product_identity, _identity((forgot, "expand both squares"),
                                                                       (4 * X1 * X2, "collect")),
                     match=r"step 2 \('expand both squares'\) does not follow from step 1")
    assert "previous minus this step is 4*x1*x2" in message


def test_a_slip_in_the_last_step_is_named_with_the_difference():
    half = _identity((EXPANDED, "expand"), (2 * X1 * X2, "collect"))
    message = _fails(capacity_checks.check_product_identity, half, match=r"step 3 \('collect'\) does not follow")
    assert "is not 2·x1·x2" in message


def test_stopping_early_assuming_a_step_or_changing_the_start_is_explained():
    _fails(capacity_checks.check_product_identity, _identity((EXPANDED, "expand")),
           match=r"every step follows, but the derivation stops at .*continue until the last step is 4·x1·x2")
    _fails(capacity_checks.check_product_identity, _identity((4 * X1 * X2, "trust me", True)),
           match=r"step 2 is marked given=True, so nothing checks it")
    wrong_start = Derivation("d").step((X1 + X2) ** 2, "start").step(X1**2 + 2 * X1 * X2 + X2**2, "expand")
    _fails(capacity_checks.check_product_identity, wrong_start, match=r"step 1 must be what the derivation starts from")


def test_the_identity_stub_and_non_answers():
    _not_answered(capacity_checks.check_product_identity, _identity())  # the student edition's given first step
    _not_answered(capacity_checks.check_product_identity, None)
    _fails(capacity_checks.check_product_identity, "4*x1*x2", match=r"must be a helpers.derivation.Derivation")


# ------------------------------------------------------------------------------------------ the network
def _network(W1=((1, 1), (1, -1)), b1=(0, 0), v=lambda b: (b / 4, -b / 4), c=lambda b: b, hidden="square",
             output="sigmoid"):
    """A student's two_unit_construction built from parts; v and c are functions of beta1 and beta0."""
    def two_unit_construction(beta0, beta1):
        return capacity.Construction(sp.Matrix(W1), sp.Matrix(b1), sp.Matrix(v(beta1)), c(beta0), hidden, output)
    return two_unit_construction


def _outputs(fn, betas=capacity_checks.HIDDEN_BETAS):
    return capacity_checks.construction_outputs(fn, betas)


@pytest.mark.parametrize("fn", [
    _network(),
    _network(W1=((sp.Rational(3, 2), 2), (sp.Rational(3, 2), -2)), v=lambda b: (b / 12, -b / 12)),  # rows (a, ±b)
    _network(W1=((1, -1), (1, 1)), v=lambda b: (-b / 4, b / 4)),  # units swapped
    _network(b1=(-1, -1), hidden=lambda a: (a + 1) ** 2),  # (a + 1)^2 with biases -1, as a callable
    _network(output=lambda t: 1 / (1 + sp.exp(-t))),  # the sigmoid written out
], ids=["textbook", "rescaled", "swapped", "shifted-square", "sigmoid-formula"])
def test_every_right_network_passes_for_every_pair_of_betas(fn):
    assert "your network outputs sigma(beta0 + beta1·x1·x2)" in capacity_checks.check_two_unit_construction(fn)
    assert "at beta0 = 0.5, beta1 = -3.0" in capacity_checks.check_construction_outputs(_outputs(fn))


def test_the_hidden_check_passes_a_right_network_in_a_fresh_process():
    shifted = _network(b1=(-1, -1), hidden=lambda a: (a + 1) ** 2)
    message = exercises.fresh_check(capacity_checks.check_construction_outputs, _outputs(shifted))
    assert "at beta0 = 3/2, beta1 = 1/4; at beta0 = 2, beta1 = 0" in message


def test_the_helpers_construction_is_a_right_answer():
    assert capacity_checks.check_two_unit_construction(capacity.two_unit_construction)


def test_the_published_linear_answer_is_named():
    message = _fails(capacity_checks.check_two_unit_construction, capacity.published_construction,
                     match=r"which has no x1·x2 term: a linear hidden unit cannot make a product")
    assert message.startswith("for symbolic beta0, beta1")
    # with numbers for the unit's weights, as a student would type the published answer
    numeric = _network(W1=((1, 1), (0, 0)), b1=(BETA0, 0), v=lambda b: (1, 0), c=lambda b: 0, hidden="linear")
    _fails(capacity_checks.check_two_unit_construction, numeric, match=r"a linear hidden unit cannot make a product")


def test_right_weights_with_relu_units_are_blamed_on_the_activation():
    _fails(capacity_checks.check_two_unit_construction, _network(hidden="relu"),
           match=r"not a polynomial in x1, x2 \(the hidden activation relu \(g\(a\) = Max\(0, a\)\) is not one\)")


def test_output_weights_off_by_two_name_the_factor():
    message = _fails(capacity_checks.check_two_unit_construction, _network(v=lambda b: (b / 2, -b / 2)),
                     match=r"the x1·x2 coefficient is 2·beta1, not beta1")
    assert "exactly 2 times beta1" in message and "4·x1·x2" in message
    _fails(capacity_checks.check_two_unit_construction, _network(v=lambda b: (b, -b)), match=r"exactly 4 times beta1")


def test_a_tanh_output_is_not_a_logistic_regression():
    _fails(capacity_checks.check_two_unit_construction, _network(output="tanh"),
           match=r"the output activation tanh \(g\(t\) = tanh\(t\)\) is not the sigmoid")


def test_numbers_instead_of_the_betas_are_caught_for_symbolic_betas():
    hard_coded = _network(v=lambda b: (0.5, -0.5), c=lambda b: -1)
    message = _fails(capacity_checks.check_two_unit_construction, hard_coded,
                     match=r"Your weights do not use beta0 and beta1")
    assert "the constant term is -1, not beta0" in message


def test_the_construction_stub_and_non_answers():
    def stub(beta0, beta1):
        raise NotImplementedError()

    _not_answered(capacity_checks.check_two_unit_construction, stub)
    _not_answered(capacity_checks.check_two_unit_construction, None)
    _fails(capacity_checks.check_two_unit_construction, lambda beta0, beta1: (1, 2),
           match=r"must return capacity.Construction\(W1, b1, v, c, hidden_activation, output_activation\), got tuple")
    _fails(capacity_checks.check_two_unit_construction, _network(b1=(0,)),
           match=r"two_unit_construction raised ValueError: b1 must have shape \(2,\)")
    _fails(capacity_checks.check_two_unit_construction, _network(hidden=lambda a: np.maximum(a, 0)),
           match=r"two_unit_construction raised ValueError: hidden_activation does not work on sympy expressions")
    _fails(capacity_checks.check_two_unit_construction, _network(hidden="cube"),
           match=r"unknown hidden_activation 'cube': pass one of 'square'")
    _fails(capacity_checks.check_construction_outputs, (), match=r"no output of two_unit_construction")


def test_the_hidden_check_is_not_fooled_by_a_patched_checker(monkeypatch):
    wrong = _network(hidden="linear")
    outputs = _outputs(wrong)  # picklable: the activations are names or sympy Lambdas
    monkeypatch.setattr(capacity, "check_construction",
                        lambda *args, **kwargs: capacity.CheckResult(True, "patched in the kernel"))
    assert capacity_checks.check_construction_outputs(outputs)  # the student's kernel is fooled
    with pytest.raises(exercises.ExerciseFailed, match="a linear hidden unit cannot make a product"):
        exercises.fresh_check(capacity_checks.check_construction_outputs, outputs)


def test_callable_activations_reach_the_fresh_process_as_sympy_formulas():
    outputs = _outputs(_network(b1=(-1, -1), hidden=lambda a: (a + 1) ** 2), capacity_checks.VISIBLE_BETAS)
    hidden = outputs[0][6]
    assert isinstance(hidden, sp.Lambda) and sp.expand(hidden(X1) - (X1 + 1) ** 2) == 0
    assert outputs[1][:2] == (-1, 2) and outputs[0][7] == "sigmoid"


# ------------------------------------------------------------------------------------------ the decision boundary
@pytest.mark.parametrize("answer", [1 / (2 * X1), sp.Rational(1, 2) / X1, 0.5 / X1, -BETA0 / (BETA1 * X1),
                                    1 / (2 * sp.Symbol("x1"))])
def test_the_boundary_passes_in_any_equivalent_form(answer):
    assert "the logit 2·x1·x2 - 1 is 0" in capacity_checks.check_decision_boundary(answer)


def test_the_boundary_passes_and_fails_the_same_in_a_fresh_process():
    assert "is 0" in exercises.fresh_check(capacity_checks.check_decision_boundary, 1 / (2 * X1))
    with pytest.raises(exercises.ExerciseFailed, match="The sign is wrong"):
        exercises.fresh_check(capacity_checks.check_decision_boundary, BETA0 / (BETA1 * X1))


def test_the_boundary_with_the_sign_wrong_is_named():
    message = _fails(capacity_checks.check_decision_boundary, BETA0 / (BETA1 * X1), match=r"The sign is wrong")
    assert "the logit 2·x1·x2 - 1 is -2, not 0" in message
    assert "sign" not in _fails(capacity_checks.check_decision_boundary, 2 / X1, match=r"is 3, not 0")
    _fails(capacity_checks.check_decision_boundary, sp.Rational(1, 2), match=r"the logit 2·x1·x2 - 1 is x1 - 1, not 0")


def test_boundary_non_answers():
    _not_answered(capacity_checks.check_decision_boundary, None)
    _fails(capacity_checks.check_decision_boundary, sp.Eq(X2, 1 / (2 * X1)), match=r"not the equation")
    _fails(capacity_checks.check_decision_boundary, 1 / (2 * X2), match=r"contains x2")
    _fails(capacity_checks.check_decision_boundary, sp.Symbol("t") / X1, match=r"contains t: the only variable")
    _fails(capacity_checks.check_decision_boundary, "1/(2*x1)", match=r"must be a sympy expression in x1, got str")
    _fails(capacity_checks.check_decision_boundary, lambda x: 1 / (2 * x), match=r"got function")


# ------------------------------------------------------------------------------------------ linear hidden units
GENERIC = capacity.generic_construction("linear")
(W11, W12), (W21, W22) = GENERIC.W1.tolist()
(B_1, B_2), (V1, V2), C = list(GENERIC.b1), list(GENERIC.v), GENERIC.c
UNIT1, UNIT2 = W11 * X1 + W12 * X2 + B_1, W21 * X1 + W22 * X2 + B_2


def test_the_linear_logit_passes_in_any_form():
    for answer in (C + V1 * UNIT1 + V2 * UNIT2, sp.expand(C + V1 * UNIT1 + V2 * UNIT2)):
        assert "is the network's logit" in capacity_checks.check_linear_logit(answer)
    plain = sp.sympify("c + v1*(w11*x1 + w12*x2 + b1) + v2*(w21*x1 + w22*x2 + b2)")  # symbols without real=True
    assert capacity_checks.check_linear_logit(plain)
    assert exercises.fresh_check(capacity_checks.check_linear_logit, C + V1 * UNIT1 + V2 * UNIT2)


def test_a_forgotten_unit_squared_units_and_swapped_weights_are_named_without_giving_the_answer():
    message = _fails(capacity_checks.check_linear_logit, C + V1 * UNIT1,
                     match=r"wrong in yours: the constant term b1·v1 \+ c, the x1 coefficient v1·w11, the x2 "
                           r"coefficient v1·w12: w21, w22, b2, v2 do not appear, but every weight and bias")
    assert "v2·w21" not in message  # the right coefficient would be the answer
    _fails(capacity_checks.check_linear_logit, C + V1 * UNIT1**2 + V2 * UNIT2**2,
           match=r"the x1·x2 coefficient 2·v1·w11·w12 \+ 2·v2·w21·w22.*so nothing multiplies x1 by x2 or squares an")
    transposed = C + V1 * (W11 * X1 + W21 * X2 + B_1) + V2 * (W12 * X1 + W22 * X2 + B_2)
    _fails(capacity_checks.check_linear_logit, transposed,
           match=r"the x1 coefficient v1·w11 \+ v2·w12, the x2 coefficient v1·w21 \+ v2·w22: check which weight "
                 r"multiplies which input")
    _fails(capacity_checks.check_linear_logit, sp.Integer(0), match=r"wrong in yours: the constant term 0")
    _fails(capacity_checks.check_linear_logit, C + V1 * sp.tanh(UNIT1) + V2 * UNIT2, match=r"is not a polynomial")


def test_linear_logit_non_answers():
    _not_answered(capacity_checks.check_linear_logit, None)
    _fails(capacity_checks.check_linear_logit, C + sp.Symbol("w13") * X1, match=r"uses w13, which are not inputs or w")
    _fails(capacity_checks.check_linear_logit, sp.Matrix([C, V1]), match=r"got MutableDenseMatrix")
    _fails(capacity_checks.check_linear_logit, True, match=r"must be a sympy expression .*got bool")


def test_the_linear_product_choice_explains_why_no_weights_help():
    assert "the x1·x2 coefficient of the logit is 0 whatever the weights" in capacity_checks.check_linear_product(False)
    message = _fails(capacity_checks.check_linear_product, True,
                     match=r"affine again: the logit's x1·x2 coefficient is 0 for every choice of the nine weights")
    assert "v1·w11" not in message  # the logit itself is the answer to the exercise before
    _fails(capacity_checks.check_linear_product, "no", match=r"must be one of True, False, got 'no'")
    _not_answered(capacity_checks.check_linear_product, None)
    assert "is right" in exercises.fresh_check(capacity_checks.check_linear_product, False)
