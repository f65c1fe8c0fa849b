"""helpers.second_order_checks: the right answers pass, and every known wrong answer fails with its own message.

Each planted answer is a mistake a student makes (or a published answer made): the test asserts that the check
fails AND that the feedback names that mistake. The stub is "not answered", and answers of the wrong type get a
message that says what to give instead.
"""

import numpy as np
import pytest
import sympy as sp
import torch
from scipy.special import expit, softmax

from helpers import batch_norm, exercises, gaussian_dropout, logistic_regression
from helpers import second_order_checks as checks
from helpers.derivation import Derivation
from helpers.exercises import ExerciseFailed, NotAnswered


def _stub(*args):
    raise NotImplementedError()


def _fails(check, answer, *words):
    with pytest.raises(ExerciseFailed) as info:
        check(answer)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"
    return str(info.value)


# ------------------------------------------------------------------------------------------ logistic Hessian
def _weighted(theta, x, weight):
    return np.array([[np.sum(weight * x * x), np.sum(weight * x)], [np.sum(weight * x), np.sum(weight)]])


def _right_logistic(theta, x, y):
    y_hat = expit(theta[0] * x + theta[1])
    return _weighted(theta, x, y_hat * (1 - y_hat))


def test_the_logistic_hessian_of_helpers_passes_and_the_stub_is_not_answered():
    assert "agrees with torch autograd" in checks.check_logistic_hessian(logistic_regression.logistic_hessian)
    assert "agrees" in checks.check_logistic_hessian(_right_logistic)
    with pytest.raises(NotAnswered, match="replace `raise NotImplementedError\\(\\)` in logistic_hessian"):
        checks.check_logistic_hessian(_stub)
    with pytest.raises(NotAnswered, match="not answered yet"):
        checks.check_logistic_hessian(None)


LOGISTIC_MISTAKES = [
    # (planted answer, words the feedback must contain)
    (lambda t, x, y: _weighted(t, x, np.ones_like(x)), ["without the weights y_hat_n(1 - y_hat_n)"]),
    (lambda t, x, y: _weighted(t, x, expit(t[0] * x + t[1]) - y), ["labels", "drop out"]),  # the residual as weight
    (lambda t, x, y: _weighted(t, x, expit(t[0] * x + t[1]) * (1 - y)), ["labels are flipped", "drop out"]),
    (lambda t, x, y: _weighted(t, x, np.full_like(x, 0.25)), ["does not change with theta"]),
    (lambda t, x, y: _right_logistic(t, x, y) / len(x), ["exactly 1/N = 1/12 times", "a sum over the data"]),
    (lambda t, x, y: -_right_logistic(t, x, y), ["exactly -1 times"]),
    (lambda t, x, y: _right_logistic(t, x, y) * np.array([[1, 2], [1, 1]]), ["not symmetric", "d²E/dw db"]),
    (lambda t, x, y: _right_logistic(t, x, y) + np.array([[0, 0], [0, 0.1]]), ["d²E/db² is", "autograd gives"]),
    (lambda t, x, y: np.diag(_right_logistic(t, x, y)), ["shape (2,)", "only the diagonal?"]),
    (lambda t, x, y: None, ["returned None", "forget the `return`"]),
    (lambda t, x, y: "H", ["returned 'H' (str)", "array of shape (2, 2)"]),
    (lambda t, x, y: np.full((2, 2), np.nan), ["NaN or infinity"]),
    (lambda t, x, y: 1 / 0, ["logistic_hessian raised ZeroDivisionError"]),
]


@pytest.mark.parametrize("answer, words", LOGISTIC_MISTAKES, ids=range(len(LOGISTIC_MISTAKES)))
def test_each_wrong_logistic_hessian_gets_its_own_feedback(answer, words):
    _fails(checks.check_logistic_hessian, answer, *words)


def test_an_answer_that_is_not_a_function_is_named():
    _fails(checks.check_logistic_hessian, np.eye(2), "logistic_hessian must be a function", "array of shape (2, 2)")


def test_the_outputs_check_rebuilds_the_cases_from_the_seed():
    cases = checks.logistic_cases(5)
    good = checks.outputs_of(_right_logistic, cases, "logistic_hessian")
    assert "agrees" in checks.check_logistic_hessian_outputs(good, 5)
    with pytest.raises(ExerciseFailed):  # outputs for other inputs (a tampered case generator) do not pass
        checks.check_logistic_hessian_outputs(good, 6)
    with pytest.raises(ExerciseFailed, match="expected the 4 results"):
        checks.check_logistic_hessian_outputs(good[:2], 5)
    np.testing.assert_array_equal(cases[0][1], checks.logistic_cases(5)[0][1])  # outputs_of worked on copies


def test_outputs_of_gives_the_student_copies():
    cases = checks.logistic_cases(0)

    def in_place(theta, x, y):
        x -= 100.0
        return _right_logistic(theta, x + 100.0, y)

    checks.outputs_of(in_place, cases, "logistic_hessian")
    np.testing.assert_array_equal(cases[0][1], checks.logistic_cases(0)[0][1])


# ------------------------------------------------------------------------------------------ PSD derivation
@pytest.fixture(scope="module")
def psd():
    """The problem as the answer cell states it, and the pieces of a correct derivation."""
    w, b, v_1, v_2, x_1, x_2, y_1, y_2 = checks.PSD_SYMBOLS.values()
    pairs = [(1 / (1 + sp.exp(-(w * x + b))), x) for x in (x_1, x_2)]
    return {
        "start": checks.psd_quadratic_form(),
        "expanded": sum(s * (1 - s) * (v_1**2 * x**2 + 2 * v_1 * v_2 * x + v_2**2) for s, x in pairs),
        "squares": sum(s * (1 - s) * (v_1 * x + v_2) ** 2 for s, x in pairs),
        "no cross term": sum(s * (1 - s) * (v_1**2 * x**2 + v_2**2) for s, x in pairs),
        "swapped square": sum(s * (1 - s) * (v_1 + v_2 * x) ** 2 for s, x in pairs),
        "unweighted": sum((v_1 * x + v_2) ** 2 for _, x in pairs),
    }


def _derivation(*steps, given=()):
    d = Derivation("the logistic Hessian is positive semi-definite")
    for k, (expr, why) in enumerate(steps):
        d.step(expr, why, given=k == 0 or k in given)
    return d


def test_a_correct_derivation_passes_here_and_in_a_fresh_process(psd):
    right = _derivation((psd["start"], "v^T H v"), (psd["expanded"], "multiply out H"),
                        (psd["squares"], "complete the squares"))
    assert "all 3 steps follow" in checks.check_psd_derivation(right)
    assert "positive semi-definite" in exercises.fresh_check(checks.check_psd_derivation, right)


def test_the_derivation_may_start_from_the_evaluated_hessian(psd):
    evaluated = _derivation((psd["start"].doit(), "v^T H v"), (psd["squares"], "complete the squares"))
    assert "all 2 steps follow" in checks.check_psd_derivation(evaluated)


def test_a_step_that_drops_the_cross_term_is_named_with_where_it_fails(psd):
    wrong = _derivation((psd["start"], "v^T H v"), (psd["no cross term"], "multiply out H"),
                        (psd["squares"], "complete the squares"))
    message = _fails(checks.check_psd_derivation, wrong, "step 2 ('multiply out H') does not follow from step 1",
                     "not 0: it is")
    assert len(message) < 300


def test_a_wrong_square_is_named(psd):
    wrong = _derivation((psd["start"], "v^T H v"), (psd["expanded"], "multiply out H"),
                        (psd["swapped square"], "complete the squares"))
    _fails(checks.check_psd_derivation, wrong, "step 3 ('complete the squares') does not follow from step 2")


def test_stopping_before_the_squares_is_not_a_proof(psd):
    short = _derivation((psd["start"], "v^T H v"), (psd["expanded"], "multiply out H"))
    _fails(checks.check_psd_derivation, short, "not visibly >= 0", "v_1**2*x_1**2 + 2*v_1*v_2*x_1 + v_2**2",
           "a weight that is >= 0 times a square")


def test_starting_from_the_hessian_without_weights_is_named(psd):
    w, b, v_1, v_2, x_1, x_2, *_ = checks.PSD_SYMBOLS.values()
    unweighted_form = sum(v_1**2 * x**2 + 2 * v_1 * v_2 * x + v_2**2 for x in (x_1, x_2))
    wrong = _derivation((unweighted_form, "v^T H v"), (psd["unweighted"], "complete the squares"))
    _fails(checks.check_psd_derivation, wrong, "step 1 is not v^T H v for the Hessian H of E")


def test_a_later_step_given_or_substituted_or_assumed_is_refused(psd):
    given = _derivation((psd["start"], "v^T H v"), (psd["squares"], "complete the squares"), given=(1,))
    _fails(checks.check_psd_derivation, given, "step 2 ('complete the squares') is marked given=True")
    t = sp.Symbol("t", nonnegative=True)
    substituted = Derivation("psd").step(psd["start"], "v^T H v", given=True).step(t, "call it t",
                                                                                   subs={psd["start"]: t})
    _fails(checks.check_psd_derivation, substituted, "uses subs=")
    absolute = _derivation((psd["start"], "v^T H v"), (sp.Abs(psd["start"]), "it is its absolute value"))
    _fails(checks.check_psd_derivation, absolute, "uses Abs", "assumes the sign instead of showing it")
    new_symbol = _derivation((psd["start"], "v^T H v"), (sp.Symbol("s_1", nonnegative=True), "call it s_1"))
    _fails(checks.check_psd_derivation, new_symbol, "uses s_1, which the problem does not have")


def test_non_derivations_get_a_clear_message(psd):
    with pytest.raises(NotAnswered, match="set psd_derivation to a Derivation"):
        checks.check_psd_derivation(None)
    _fails(checks.check_psd_derivation, psd["squares"], "psd_derivation must be a Derivation", "(Add)")
    _fails(checks.check_psd_derivation, _derivation((psd["start"], "v^T H v")), "has only its first step")
    equation = Derivation("psd").step(psd["start"], "v^T H v", given=True).step(
        sp.Eq(psd["start"], psd["squares"], evaluate=False), "equal")
    _fails(checks.check_psd_derivation, equation, "step 2 ('equal') is an equation", "one expression")


# ------------------------------------------------------------------------------------------ softmax Hessian
def _right_softmax(z):
    y_hat = softmax(z)
    return np.diag(y_hat) - np.outer(y_hat, y_hat)


def test_the_softmax_hessian_passes_for_every_class_and_the_stub_is_not_answered():
    assert "for every class c" in checks.check_softmax_hessian(_right_softmax)
    with pytest.raises(NotAnswered, match="in softmax_hessian"):
        checks.check_softmax_hessian(_stub)


SOFTMAX_MISTAKES = [
    (lambda z: np.diag(softmax(z)), ["diag(y_hat) alone", "-y_hat_i y_hat_j are missing"]),
    (lambda z: np.outer(softmax(z), softmax(z)) - np.diag(softmax(z)), ["wrong sign", "not positive semi-definite"]),
    (lambda z: np.diag(softmax(z) * (1 - softmax(z))), ["only the diagonal", "off-diagonal entries"]),
    (lambda z: np.diag(z) - np.outer(z, z), ["uses the logits z where the softmax outputs"]),
    (lambda z: np.triu(_right_softmax(z)), ["not symmetric"]),
    (lambda z: _right_softmax(z) - 0.5 * np.eye(len(z)), ["not positive semi-definite", "covariance matrix"]),
    (lambda z: 2 * _right_softmax(z), ["entry (2, 2)", "autograd gives", "-log softmax(z)_0"]),
    (lambda z: softmax(z), ["shape (3,)", "(3, 3)"]),
    (lambda z: torch.tensor(_right_softmax(z)), []),  # a tensor is accepted: not a mistake
]


@pytest.mark.parametrize("answer, words", SOFTMAX_MISTAKES, ids=range(len(SOFTMAX_MISTAKES)))
def test_each_wrong_softmax_hessian_gets_its_own_feedback(answer, words):
    if not words:
        assert "agrees" in checks.check_softmax_hessian(answer)
        return
    _fails(checks.check_softmax_hessian, answer, *words)


def test_the_hidden_check_cannot_be_fooled_by_patching_autograd_in_the_kernel(monkeypatch):
    def wrong(z):
        return 2 * _right_softmax(z)

    def patched_hessian(f, t):
        y_hat = torch.softmax(t, 0)
        return 2 * (torch.diag(y_hat) - torch.outer(y_hat, y_hat))

    monkeypatch.setattr(torch.autograd.functional, "hessian", patched_hessian)
    assert "agrees" in checks.check_softmax_hessian(wrong)  # the visible check, fooled in this process
    outputs = checks.outputs_of(wrong, checks.softmax_cases(3), "softmax_hessian")
    with pytest.raises(ExerciseFailed, match="autograd gives"):
        exercises.fresh_check(checks.check_softmax_hessian_outputs, outputs, 3)


# ------------------------------------------------------------------------------------------ batch norm
def test_the_batch_norm_backward_passes_and_the_stub_is_not_answered():
    assert "agrees with torch autograd" in checks.check_batch_norm_backward(batch_norm.mean_only_backward)
    with pytest.raises(NotAnswered, match="in batch_norm_backward"):
        checks.check_batch_norm_backward(_stub)


def published_large_batch_gradient(grad_y, gamma):
    """The published large-batch limit: dL/dx_i = gamma dL/dy_i, as if the mean term vanished."""
    return gamma * np.asarray(grad_y)


BATCH_NORM_MISTAKES = [
    (published_large_batch_gradient, ["you dropped the mean term gamma * mean(dL/dy)", "does not vanish as n grows"]),
    (lambda g, gamma: g - g.mean(), ["you forgot the factor gamma"]),
    (lambda g, gamma: gamma * (g + g.mean()), ["the mean term has the wrong sign"]),
    (lambda g, gamma: gamma * (g - g.sum()), ["the sum of dL/dy, not its mean"]),
    (lambda g, gamma: gamma * (g - g.mean()) + (len(g) == 1) * 0.3, ["batch of one", "dL/dx = 0"]),
    (lambda g, gamma: 2 * gamma * (g - g.mean()), ["exactly 2 times autograd's gradient"]),
    (lambda g, gamma: gamma * (g - np.median(g)), ["dL/dx_", "autograd gives"]),
    (lambda g, gamma: float(gamma), ["returned an array of shape ()", "shape (6,)"]),
    (lambda g, gamma: gamma * (g - g.mean())[:, None], ["shape (6, 1)"]),
]


@pytest.mark.parametrize("answer, words", BATCH_NORM_MISTAKES, ids=range(len(BATCH_NORM_MISTAKES)))
def test_each_wrong_batch_norm_backward_gets_its_own_feedback(answer, words):
    _fails(checks.check_batch_norm_backward, answer, *words)


# ------------------------------------------------------------------------------------------ dropout penalty
SIGMA, X_K, W_K = sp.symbols("sigma x_k W_k", real=True)


def test_the_penalty_coefficient_passes_in_any_equivalent_form_and_the_stub_is_not_answered():
    assert "as sympy.stats finds" in checks.check_dropout_penalty(SIGMA**2 * X_K**2 / 2)
    assert "as sympy.stats finds" in checks.check_dropout_penalty(sp.Rational(1, 2) * (SIGMA * X_K) ** 2)
    positive = sp.Symbol("sigma", positive=True)  # other assumptions on a symbol of the same name are fine
    assert "as sympy.stats finds" in checks.check_dropout_penalty(positive**2 * X_K**2 / 2)
    with pytest.raises(NotAnswered, match="set penalty_coefficient to a sympy expression"):
        checks.check_dropout_penalty(None)


PENALTY_MISTAKES = [
    (SIGMA**2 / 2, ["does not depend on x_k", "weighted by the input's square"]),
    (SIGMA**2 * X_K**2, ["exactly twice", "the 1/2 of J1"]),
    (SIGMA * X_K**2 / 2, ["sigma where sigma² belongs"]),
    (X_K**2 / 2, ["does not depend on sigma"]),
    (-(SIGMA**2) * X_K**2 / 2, ["exactly -1 times"]),
    (SIGMA**2 * X_K / 2, ["at sigma = 1/2 and x_k = 3 your coefficient is 3/8", "9/8"]),
    (SIGMA**2 * X_K**2 * W_K**2 / 2, ["contains W_k", "only the factor in front of W_k²"]),
    (SIGMA**2 * sp.Symbol("y_d") / 2, ["uses y_d", "sigma and x_k only"]),
    ("sigma**2 * x_k**2 / 2", ["is the text", "without quotes"]),
    (sp.Matrix([SIGMA**2 / 2]), ["must be a sympy expression", "MutableDenseMatrix"]),
    (0.5, ["does not depend on sigma"]),
]


@pytest.mark.parametrize("answer, words", PENALTY_MISTAKES, ids=range(len(PENALTY_MISTAKES)))
def test_each_wrong_penalty_coefficient_gets_its_own_feedback(answer, words):
    _fails(checks.check_dropout_penalty, answer, *words)


def test_the_hidden_penalty_check_cannot_be_fooled_by_patching_sympy_in_the_kernel(monkeypatch):
    monkeypatch.setattr(sp, "simplify", lambda expr, *a, **k: sp.Integer(0))
    assert "as sympy.stats finds" in checks.check_dropout_penalty(SIGMA**2 / 2)  # fooled here
    with pytest.raises(ExerciseFailed, match="does not depend on x_k"):
        exercises.fresh_check(checks.check_dropout_penalty, SIGMA**2 / 2)


# ------------------------------------------------------------------------------------------ dropout gradient
def _plain(W, x, y_d):
    return (W @ x - y_d) * x


def test_the_expected_gradient_passes_and_the_stub_is_not_answered():
    assert "agrees with sympy.stats" in checks.check_dropout_expected_gradient(gaussian_dropout.expected_gradient)
    with pytest.raises(NotAnswered, match="in expected_gradient"):
        checks.check_dropout_expected_gradient(_stub)


DROPOUT_MISTAKES = [
    (lambda W, x, y_d, s: _plain(W, x, y_d), ["the plain gradient", "the noise adds a term"]),
    (lambda W, x, y_d, s: _plain(W, x, y_d) + s**2 * W, ["sigma² W_i in your answer", "weighted by x_i²"]),
    (lambda W, x, y_d, s: _plain(W, x, y_d) + s * x**2 * W, ["sigma where sigma² belongs"]),
    (lambda W, x, y_d, s: _plain(W, x, y_d) + 2 * s**2 * x**2 * W, ["twice the penalty's gradient"]),
    (lambda W, x, y_d, s: _plain(W, x, y_d) + s**2 * x**2 * W / 2, ["half the penalty's gradient"]),
    (lambda W, x, y_d, s: _plain(W, x, y_d) + s**2 * x**2 * W + (s == 0), ["sigma = 0.0: entry 0", "sympy.stats"]),
    (lambda W, x, y_d, s: gaussian_dropout.gradient_samples(W, x, y_d, s, 1, 0)[0], ["entry", "expectation"]),
    (lambda W, x, y_d, s: np.sum(_plain(W, x, y_d)), ["shape ()", "shape (3,)"]),
]


@pytest.mark.parametrize("answer, words", DROPOUT_MISTAKES, ids=range(len(DROPOUT_MISTAKES)))
def test_each_wrong_expected_gradient_gets_its_own_feedback(answer, words):
    _fails(checks.check_dropout_expected_gradient, answer, *words)


def test_every_check_module_function_is_safe_for_fresh_check():
    for outputs_check, cases, answer in (
            (checks.check_batch_norm_backward_outputs, checks.batch_norm_cases(9), batch_norm.mean_only_backward),
            (checks.check_dropout_expected_gradient_outputs, checks.dropout_cases(9),
             gaussian_dropout.expected_gradient)):
        outputs = checks.outputs_of(answer, cases, "answer")
        assert "agrees" in exercises.fresh_check(outputs_check, outputs, 9)
