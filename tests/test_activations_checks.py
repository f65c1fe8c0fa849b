"""helpers.activations_checks: right answers pass, stubs are "not answered", and every known wrong answer fails with
a message that names that mistake."""

import pickle

import numpy as np
import pytest
import sympy as sp
from scipy.special import expit

from helpers import activation_plots, activations, exercises
from helpers import activations_checks as checks
from helpers.derivation import Derivation

z = sp.Symbol("z", real=True)
SIG = 1 / (1 + sp.exp(-z))


def _stub(*_args, **_kwargs):
    raise NotImplementedError()  # what nbgrader leaves in a student's answer cell


# ------------------------------------------------------------------------------------------ right answers
def relu_gradient(b, w, x):
    if b + x * w > 0:
        return 1.0, x
    return 0.0, 0.0


def sigmoid_grad(z):
    s = expit(z)
    return s * (1 - s)


def tanh_grad(z):
    t = np.tanh(z)
    return 1 - t * t


def leaky_relu_grad(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha)


def softmax_jacobian(y):
    return np.diag(y) - np.outer(y, y)


def elementwise_backward(grad_output, X, h_prime):
    return grad_output * h_prime(X)


def _derivation(*steps):
    d = Derivation("sigmoid'")
    for i, (expr, why) in enumerate(steps):
        d.step(expr, why, given=i == 0)
    return d


RIGHT_DERIVATION = _derivation(
    (sp.Derivative(SIG, z), "sigma = 1 / (1 + exp(-z))"),
    (sp.exp(-z) / (1 + sp.exp(-z)) ** 2, "chain rule"),
    (1 / (1 + sp.exp(-z)) * (sp.exp(-z) / (1 + sp.exp(-z))), "split the fraction"),
    (SIG * (1 - SIG), "exp(-z) / (1 + exp(-z)) = 1 - sigma"),
)


def test_right_answers_pass_with_messages_in_the_problems_terms():
    assert "θ (1, x) with θ = 0" in checks.check_relu_gradient(relu_gradient)
    assert "agree with torch autograd on 60 values" in checks.check_activation_derivatives(
        sigmoid_grad, tanh_grad, leaky_relu_grad)
    assert "K = 3, 4, 10, 5 (to 1e-09)" in checks.check_softmax_jacobian(softmax_jacobian)
    assert "h = sin and softplus" in checks.check_elementwise_backward(elementwise_backward)
    assert "all 4 steps of sigmoid_derivation follow" in checks.check_sigmoid_derivation(RIGHT_DERIVATION)


def test_helpers_own_functions_pass_the_checks():
    """The workbook's solutions (helpers, full version) are right by the same checks the students get."""
    checks.check_relu_gradient(activation_plots.relu_gradient)
    checks.check_activation_derivatives(activations.sigmoid_grad, activations.tanh_grad, activations.leaky_relu_grad)
    checks.check_softmax_jacobian(activations.softmax_jacobian)


def test_the_checks_need_no_solution_from_helpers(monkeypatch):
    """In the student edition the derivatives in helpers are stubs: the checks must judge without them."""
    for module, name in [(activations, "sigmoid_grad"), (activations, "tanh_grad"), (activations, "leaky_relu_grad"),
                         (activations, "softmax_jacobian"), (activations, "relu_grad"),
                         (activation_plots, "relu_gradient")]:
        monkeypatch.setattr(module, name, _stub)
    checks.check_relu_gradient(relu_gradient)
    checks.check_activation_derivatives(sigmoid_grad, tanh_grad, leaky_relu_grad)
    checks.check_softmax_jacobian(softmax_jacobian)
    checks.check_elementwise_backward(elementwise_backward)
    checks.check_sigmoid_derivation(RIGHT_DERIVATION)


def test_a_kink_answer_with_theta_one_is_a_valid_subgradient_too():
    """The published answer puts the kink into the (1, x) branch (theta = 1, as torch.clamp): that is right too."""
    message = checks.check_relu_gradient(lambda b, w, x: (1.0, x) if b + x * w >= 0 else (0.0, 0.0))
    assert "θ = 1" in message


def test_the_transposed_jacobian_passes_because_the_softmax_jacobian_is_symmetric():
    """J[k, i] = y_k (delta_ki - y_i) = J[i, k]: a student who builds J^T has built J."""
    assert "agrees" in checks.check_softmax_jacobian(lambda y: softmax_jacobian(y).T)
    for y in checks.softmax_outputs_for_check():
        np.testing.assert_array_equal(softmax_jacobian(y), softmax_jacobian(y).T)


# ------------------------------------------------------------------------------------------ stubs
@pytest.mark.parametrize("check, answer", [
    (checks.check_relu_gradient, (_stub,)),
    (checks.check_relu_gradient, (None,)),
    (checks.check_activation_derivatives, (_stub, _stub, _stub)),
    (checks.check_activation_derivatives, (sigmoid_grad, tanh_grad, _stub)),
    (checks.check_softmax_jacobian, (_stub,)),
    (checks.check_elementwise_backward, (_stub,)),
    (checks.check_sigmoid_derivation, (None,)),
], ids=["relu", "relu-None", "derivatives", "leaky-only", "softmax", "elementwise", "derivation"])
def test_the_stub_is_not_answered_yet(check, answer):
    with pytest.raises(exercises.NotAnswered, match="not answered yet"):
        check(*answer)


# ------------------------------------------------------------------------------------------ known wrong answers
def _kink_theta(theta):
    def gradient(b, w, x):
        u = b + x * w
        return (1.0, x) if u > 0 else (theta, theta * x) if u == 0 else (0.0, 0.0)
    return gradient


WRONG_SIGMOID_STEP = _derivation(
    (sp.Derivative(SIG, z), "sigma = 1 / (1 + exp(-z))"),
    (-sp.exp(-z) / (1 + sp.exp(-z)) ** 2, "chain rule, without the minus of d(-z)/dz"),
    (SIG * (1 - SIG), "rewrite"),
)
WRONG_LAST_STEP = _derivation(
    (sp.Derivative(SIG, z), "sigma = 1 / (1 + exp(-z))"),
    (sp.exp(-z) / (1 + sp.exp(-z)) ** 2, "chain rule"),
    (SIG * (1 + SIG), "rewrite with a plus"),
)
NOT_IN_SIGMA = _derivation(
    (sp.Derivative(SIG, z), "sigma = 1 / (1 + exp(-z))"),
    (sp.exp(-z) / (1 + sp.exp(-z)) ** 2, "chain rule"),
    (sp.exp(z) / (1 + sp.exp(z)) ** 2, "times exp(2z) / exp(2z)"),
)
TOO_SHORT = _derivation((sp.Derivative(SIG, z), "sigma"), (SIG * (1 - SIG), "by magic"))
GIVEN_IN_THE_MIDDLE = Derivation("sigmoid'").step(sp.Derivative(SIG, z), "sigma", given=True).step(
    sp.exp(-z) / (1 + sp.exp(-z)) ** 3, "chain rule, claimed", given=True).step(SIG * (1 - SIG), "rewrite")

# (checker, the student's answer, a pattern the message must contain: the mistake named)
PLANTED = [
    # ReLU(b + x w): (1, x) everywhere, the entries swapped, and a kink answer that is no subgradient
    (checks.check_relu_gradient, (lambda b, w, x: (1.0, x),),
     r"b \+ x w = -?[\d.]+ < 0, your gradient is \(1, x\).*ReLU is flat.*the case b \+ x w < 0 is missing"),
    (checks.check_relu_gradient, (lambda b, w, x: (x, 1.0) if b + x * w > 0 else (0.0, 0.0),),
     r"= \(x, 1\), but df/db = 1 and df/dw = x: the two entries are swapped"),
    (checks.check_relu_gradient, (_kink_theta(1.5),),
     r"at b \+ x w = 0, .* your gradient \(1\.5, -?[\d.]+\) is not a subgradient: θ = 1\.5 > 1"),
    (checks.check_relu_gradient, (_kink_theta(-0.5),), r"is not a subgradient: θ = -0\.5 < 0"),
    (checks.check_relu_gradient, (lambda b, w, x: (1.0, x) if b + x * w > 0 else (0.0, 0.0) if b + x * w < 0
                                  else (1.0, 0.0),),
     r"at the kink .* your gradient \(1, 0\) is not of the form θ \(1, x\)"),
    (checks.check_relu_gradient, (lambda b, w, x: (1.0, 2 * x) if b + x * w > 0 else (0.0, 0.0),),
     r"your gradient is \(1, -?[\d.]+\), but torch autograd gives \(1, -?[\d.]+\)"),
    # the derivatives: sigma (1 + sigma), 1 - tanh (not squared), 1 at 0 for LeakyReLU, and their relatives
    (checks.check_activation_derivatives, (lambda z: expit(z) * (1 + expit(z)), tanh_grad, leaky_relu_grad),
     r"sigmoid_grad is not right: that is σ\(1 \+ σ\).*σ\(1 - σ\), with a minus"),
    (checks.check_activation_derivatives, (sigmoid_grad, lambda z: 1 - np.tanh(z), leaky_relu_grad),
     r"tanh_grad is not right: that is 1 - tanh\(z\): the derivative is 1 - tanh²\(z\), the square is missing"),
    (checks.check_activation_derivatives, (sigmoid_grad, tanh_grad, lambda z, alpha=0.01: np.where(z >= 0, 1.0, alpha)),
     r"leaky_relu_grad is not right: at z = 0 it gives 1: a valid subgradient, but PyTorch and TensorFlow .* take α"),
    (checks.check_activation_derivatives, (sigmoid_grad, tanh_grad, lambda z, alpha=0.01: np.where(z > 0, 1.0, 0.01)),
     r"for z < 0 it gives 0\.01, whatever alpha is passed: use the argument alpha \(here 0\.1\)"),
    (checks.check_activation_derivatives, (sigmoid_grad, tanh_grad, lambda z, alpha=0.01: np.where(z > 0, 1.0, 0.0)),
     r"that is ReLU's derivative: for z < 0 LeakyReLU has slope α"),
    (checks.check_activation_derivatives, (lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, tanh_grad, leaky_relu_grad),
     r"sigmoid_grad raised FloatingPointError: overflow .* \|z\| up to 800, .* scipy\.special\.expit"),
    (checks.check_activation_derivatives, (sigmoid_grad, lambda z: 4 / (np.exp(z) + np.exp(-z)) ** 2, leaky_relu_grad),
     r"tanh_grad raised FloatingPointError: overflow"),
    (checks.check_activation_derivatives, (expit, tanh_grad, leaky_relu_grad),
     r"sigmoid_grad is not right: that is σ itself, not its derivative"),
    (checks.check_activation_derivatives, (sigmoid_grad, lambda z: 1 - np.tanh(z) ** 3, leaky_relu_grad),
     r"tanh_grad differs from torch autograd: at z = -?[\d.]+ it gives -?[\d.]+ instead of -?[\d.]+"),
    # the softmax Jacobian: only the diagonal (as a matrix or as a vector), the sign, the softmax applied twice
    (checks.check_softmax_jacobian, (lambda y: np.diag(y * (1 - y)),),
     r"you returned only the diagonal y_k \(1 - y_k\): every output depends on every logit through the shared "
     r"normaliser"),
    (checks.check_softmax_jacobian, (lambda y: y * (1 - y),),
     r"must return a \(3, 3\) matrix: you returned only the diagonal"),
    (checks.check_softmax_jacobian, (lambda y: np.outer(y, y) - np.diag(y),), r"it has the wrong sign everywhere"),
    (checks.check_softmax_jacobian, (lambda y: -np.outer(y, y),), r"the diagonal lacks its y_k δ_ki term"),
    (checks.check_softmax_jacobian, (lambda y: softmax_jacobian(activations.softmax(y)),),
     r"y is already the softmax OUTPUT, so use it as it is"),
    (checks.check_softmax_jacobian, (lambda y: softmax_jacobian(y)[:2],),
     r"must return the \(3, 3\) matrix J\[k, i\] = dy_k/dz_i, got shape \(2, 3\)"),
    # the element-wise backward: a matrix product, dL/dY forgotten, h instead of h'
    (checks.check_elementwise_backward, (lambda g, X, h_prime: g @ h_prime(X),),
     r"you multiplied dL/dY and h'\(X\) as matrices \(@ or np\.dot\).*entry by entry, dL/dY \* h'\(X\)"),
    (checks.check_elementwise_backward, (lambda g, X, h_prime: np.dot(g, h_prime(X)),),
     r"you multiplied dL/dY and h'\(X\) as matrices"),
    (checks.check_elementwise_backward, (lambda g, X, h_prime: h_prime(X),),
     r"you returned h'\(X\) alone: the chain rule multiplies it by the upstream gradient dL/dY"),
    (checks.check_elementwise_backward, (lambda g, X, h_prime: g,), r"you returned dL/dY unchanged"),
    (checks.check_elementwise_backward, (lambda g, X, h_prime: g * np.logaddexp(0, X),),
     r"you multiplied dL/dY by h\(X\), not by its derivative h'\(X\)"),
    # the derivation: a wrong step is named with the difference sympy found
    (checks.check_sigmoid_derivation, (WRONG_SIGMOID_STEP,),
     r"step 2 \(chain rule, without the minus of d\(-z\)/dz\) does not follow from step 1: previous minus this step"),
    (checks.check_sigmoid_derivation, (WRONG_LAST_STEP,),
     r"step 3 \(rewrite with a plus\) does not follow from step 2"),
    (checks.check_sigmoid_derivation, (NOT_IN_SIGMA,),
     r"every step follows, but the last one, .* is not yet written as σ\(1 - σ\)"),
    (checks.check_sigmoid_derivation, (TOO_SHORT,),
     r"has 2 step\(s\): write the derivative, at least one intermediate"),
    (checks.check_sigmoid_derivation, (GIVEN_IN_THE_MIDDLE,),
     r"step 2 uses given=True, so it is not checked against the step before"),
]


@pytest.mark.parametrize("check, answer, message", PLANTED, ids=[f"planted{i}" for i in range(len(PLANTED))])
def test_every_known_wrong_answer_fails_and_the_message_names_the_mistake(check, answer, message):
    with pytest.raises(exercises.ExerciseFailed, match=message):
        check(*answer)


# ------------------------------------------------------------------------------------------ answers of the wrong type
WRONG_TYPE = [
    (checks.check_relu_gradient, ((1.0, 2.0),), r"relu_gradient must be a function relu_gradient\(b, w, x\), got"),
    (checks.check_relu_gradient, (lambda b, w, x: None,), r"returned None: did you forget to `return`"),
    (checks.check_relu_gradient, (lambda b, w, x: "1, x",), r"must return the pair \(df/db, df/dw\), got '1, x'"),
    (checks.check_relu_gradient, (lambda b, w, x: (1.0, x, 0.0),), r"must return the pair .* got shape \(3,\)"),
    (checks.check_relu_gradient, (lambda b, w: (1.0, 0.0),), r"relu_gradient raised TypeError"),
    (checks.check_activation_derivatives, (lambda z: 0.25, tanh_grad, leaky_relu_grad),
     r"sigmoid_grad must return an array of z's shape \(6, 10\) .* got shape \(\)"),
    (checks.check_activation_derivatives, (lambda z: float(expit(z)), tanh_grad, leaky_relu_grad),
     r"sigmoid_grad raised TypeError: .*write it with NumPy"),
    (checks.check_activation_derivatives, (sigmoid_grad, tanh_grad, lambda z, alpha: 1.0 if z > 0 else alpha),
     r"leaky_relu_grad raised ValueError: The truth value of an array .*write it with NumPy"),
    (checks.check_activation_derivatives, (sigmoid_grad, tanh_grad, "np.where(z > 0, 1, alpha)"),
     r"leaky_relu_grad must be a function leaky_relu_grad\(z, alpha\)"),
    (checks.check_softmax_jacobian, (lambda y: "diag(y) - y y^T",),
     r"softmax_jacobian must return the \(K, K\) matrix"),
    (checks.check_softmax_jacobian, (lambda y: np.full((len(y), len(y)), np.nan),), r"returned NaN or infinity"),
    (checks.check_elementwise_backward, (lambda g, X, h_prime: (g * h_prime(X)).sum(),),
     r"must return dL/dX of X's shape \(4, 4\), got \(\)"),
    (checks.check_sigmoid_derivation, (SIG * (1 - SIG),), r"sigmoid_derivation must be a Derivation .* got"),
    (checks.check_sigmoid_derivation, ("sigma (1 - sigma)",), r"sigmoid_derivation must be a Derivation"),
    (checks.check_sigmoid_derivation, (Derivation("s").step(SIG, "sigma").step(SIG, "same").step(SIG, "again"),),
     r"step 1 must be the derivative to compute, sp.Derivative\(sig, z\)"),
    (checks.check_sigmoid_derivation, (_derivation((sp.Derivative(sp.tanh(z), z), "tanh"),
                                                   (1 - sp.tanh(z) ** 2, "known"), (1 - sp.tanh(z) ** 2, "same")),),
     r"step 1 must differentiate σ\(z\) = 1/\(1 \+ exp\(-z\)\), but it differentiates tanh\(z\)"),
]


@pytest.mark.parametrize("check, answer, message", WRONG_TYPE, ids=[f"type{i}" for i in range(len(WRONG_TYPE))])
def test_an_answer_of_the_wrong_type_gets_a_clear_message(check, answer, message):
    with pytest.raises(exercises.ExerciseFailed, match=message):
        check(*answer)


# ------------------------------------------------------------------------------------------ robustness
def test_checks_write_nothing_to_stderr_even_when_the_answer_overflows(capfd):
    """nbgrader gives 0 points to a check cell with stderr output: numerical warnings become named errors."""
    with pytest.raises(exercises.ExerciseFailed):
        checks.check_activation_derivatives(lambda z: 1 / (1 + np.exp(-z)) * (1 - 1 / (1 + np.exp(-z))), tanh_grad,
                                            leaky_relu_grad)
    checks.check_activation_derivatives(sigmoid_grad, tanh_grad, leaky_relu_grad)
    assert capfd.readouterr().err == ""


def test_an_answer_that_changes_its_input_in_place_does_not_disturb_the_other_checks():
    def in_place(z, alpha=0.01):
        positive = z > 0
        z[positive], z[~positive] = 1.0, alpha
        return z

    def sigmoid_in_place(z):
        z[:] = sigmoid_grad(z)
        return z

    assert "agree" in checks.check_activation_derivatives(sigmoid_in_place, tanh_grad, in_place)


def test_the_hidden_inputs_differ_and_the_value_checkers_take_only_picklable_data():
    """Hidden tests call the *_values checkers in a fresh process on other inputs (random_state=1)."""
    assert not np.array_equal(checks.relu_gradient_points(0), checks.relu_gradient_points(1))
    z0, a0 = checks.activation_inputs(0)
    z1, a1 = checks.activation_inputs(1)
    assert not np.array_equal(z0, z1) and a0 != a1 and np.any(z1 == 0) and np.abs(z1).max() == 800
    points = checks.relu_gradient_points(1)
    payloads = [
        (checks.check_relu_gradient_values, (points, checks.relu_gradient_outputs(relu_gradient, points))),
        (checks.check_activation_derivative_values,
         (z1, a1, checks.activation_derivative_outputs(sigmoid_grad, tanh_grad, leaky_relu_grad, z1, a1))),
        (checks.check_softmax_jacobian_values,
         (checks.softmax_outputs_for_check(1),
          checks.softmax_jacobian_outputs(softmax_jacobian, checks.softmax_outputs_for_check(1)))),
        (checks.check_elementwise_backward_values,
         (checks.elementwise_cases(1), checks.elementwise_backward_outputs(elementwise_backward,
                                                                            checks.elementwise_cases(1)))),
        (checks.check_sigmoid_derivation, (checks.derivation_steps(RIGHT_DERIVATION),)),
    ]
    for checker, args in payloads:
        assert checker(*pickle.loads(pickle.dumps(args)))


def test_the_kink_points_are_exactly_on_the_kink_and_the_others_on_both_sides():
    for seed in (0, 1):
        b, w, x = checks.relu_gradient_points(seed).T
        u = b + x * w
        assert np.sum(u == 0) == 4 and np.all(x[u == 0] != 0)
        assert np.sum(u > 0.1) >= 10 and np.sum(u < -0.1) >= 10


def test_fresh_check_repeats_a_judgement_in_a_new_process():
    points = checks.relu_gradient_points(1)
    wrong = checks.relu_gradient_outputs(lambda b, w, x: (1.0, x), points)
    with pytest.raises(exercises.ExerciseFailed, match="the case b \\+ x w < 0 is missing"):
        exercises.fresh_check(checks.check_relu_gradient_values, points, wrong)
