"""helpers.backprop_checks: right answers pass, stubs are "not answered", and every known wrong answer is named.

Each planted answer below is a mistake students make (or a published solution made): the check must fail it AND its
message must name that mistake, in the problem's terms.
"""

import numpy as np
import pytest
import sympy as sp

from helpers import activations, exercises, gradcheck, linear_layer, modules
from helpers import backprop_checks as checks
from helpers import two_hidden_layer_net as net
from helpers.derivation import Derivation


def _stub(*args):
    raise NotImplementedError()


def _failure(check, answer) -> str:
    with pytest.raises(exercises.ExerciseFailed) as info:
        check(answer)
    return str(info.value)


# ------------------------------------------------------------------------------------------ delta3
def delta3(f, y):
    # the sum over l, vectorised: delta3_k = f_k ((f - y).f ... ) written as J^T (f - y)
    return (f - y) * f - f * np.dot(f - y, f)


def _through_jacobian(dL_df, f):
    return (np.diag(f) - np.outer(f, f)) @ dL_df


DELTA3_SLIPS = [
    # (student's delta3, words its feedback must contain)
    (lambda f, y: f - y, ["your delta3 is f - y", "you treated the softmax derivative as 1", "sum_l (f_l - y_l)"]),
    (lambda f, y: 2 * (y - f), ["2(y - f)", "softmax derivative as 1", "f_l - y_l"]),
    (lambda f, y: _through_jacobian(2 * (y - f), f), ["exactly -2 times", "derivative of 1/2 (f_l - y_l)^2"]),
    (lambda f, y: _through_jacobian(y - f, f), ["wrong sign", "not y_l - f_l"]),
    (lambda f, y: (f - y) * f * (1 - f), ["only the term l = k", "diagonal", "count too"]),
    (lambda f, y: delta3(f, y)[:, None], ["shape (K,)", "got (3, 1)"]),
    (lambda f, y: "f - y", ["must be an array of real numbers"]),
    (lambda f, y: None, ["is None", "return"]),
    (lambda f, y: f / 0 if f.sum() > 2 else 1 / 0, ["delta3 raised ZeroDivisionError"]),
]


def test_delta3_passes_and_a_stub_is_not_answered():
    assert "agrees with torch autograd on all 4 problems" in checks.check_delta3(delta3)
    for stub in (_stub, None):
        with pytest.raises(exercises.NotAnswered, match="not answered yet"):
            checks.check_delta3(stub)


@pytest.mark.parametrize("answer, words", DELTA3_SLIPS, ids=[f"slip{i}" for i in range(len(DELTA3_SLIPS))])
def test_delta3_slips_are_named(answer, words):
    message = _failure(checks.check_delta3, answer)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


# ------------------------------------------------------------------------------------------ the two-hidden-layer net
def gradients(params, X, Y):
    return net.gradients_matrix_form(params, X, Y)


def _published(slip):
    return lambda params, x, y: net.published_gradients(params, x, y, slip)


SLIP_WORDS = {
    "softmax_as_identity": ["you treated the softmax derivative as 1", "delta3 = f - y"],
    "loss_derivative_sign_and_factor": ["2(y - f)", "f_l - y_l"],
    "relu_derivative_as_one": ["ReLU'(a) as 1 everywhere", "off"],
    "collapsed_hidden_sums": ["collapsed the sum", "sum_k w3_km delta3_k"],
}


@pytest.mark.parametrize("check", [checks.check_index_form, checks.check_gradients])
def test_both_forms_pass_and_stubs_are_not_answered(check):
    assert "agrees with torch autograd" in check(gradients)
    with pytest.raises(exercises.NotAnswered, match="replace `raise NotImplementedError\\(\\)`"):
        check(_stub)


@pytest.mark.parametrize("check", [checks.check_index_form, checks.check_gradients])
@pytest.mark.parametrize("slip", list(net.PUBLISHED_SLIPS))
def test_every_published_slip_is_named(check, slip):
    message = _failure(check, _published(slip))
    for word in SLIP_WORDS[slip]:
        assert word in message, f"{word!r} not in {message!r}"


def _edited(change):
    def answer(params, x, y):
        g = gradients(params, x, y)
        change(g, params, x)
        return g
    return answer


NETWORK_MISTAKES = [
    (_edited(lambda g, p, x: g.update({k: v * len(x) for k, v in g.items()})), checks.check_gradients,
     ["exactly 6 times", "MEAN over the N = 6 samples"]),
    (_edited(lambda g, p, x: g.update(W2=g["W2"].T)), checks.check_gradients,
     ["dL/dW2 must have shape", "transposed?"]),
    (_edited(lambda g, p, x: g.pop("b3")), checks.check_index_form, ["lacks ['b3']"]),
    (_edited(lambda g, p, x: g.update(W2=2 * g["W2"] + 0.1)), checks.check_gradients,
     ["dL/dW3, dL/db3 agree with autograd, but your dL/dW2", "the error enters at delta2"]),
    (_edited(lambda g, p, x: g.update(b1=-g["b1"])), checks.check_index_form,
     ["dL/dW2, dL/db2, dL/dW3, dL/db3 agree", "your dL/db1 is exactly -1 times", "delta1"]),
    (lambda p, x, y: tuple(gradients(p, x, y).values()), checks.check_gradients, ["must return a dict"]),
]


@pytest.mark.parametrize("answer, check, words", NETWORK_MISTAKES, ids=[f"m{i}" for i in range(len(NETWORK_MISTAKES))])
def test_network_mistakes_are_located(answer, check, words):
    message = _failure(check, answer)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


# ------------------------------------------------------------------------------------------ the linear layer
def linear_backward(X, W, G):
    return G @ W, G.T @ X, G.sum(axis=0)


LINEAR_MISTAKES = [
    (lambda X, W, G: (G @ W, X.T @ G, G.sum(axis=0)), ["your dL/dW is X^T G", "W is (out, in)"]),
    (lambda X, W, G: (G @ W, G.T @ X, G.sum(axis=1)), ["dL/db has shape (N,)", "sum over the batch (axis 0)"]),
    (lambda X, W, G: (G @ W.T, G.T @ X, G.sum(axis=0)), ["your dL/dX is G W^T", "without a transpose"]),
    (lambda X, W, G: (G @ W, G.T @ X / len(X), G.sum(axis=0)), ["exactly 1/4 times", "a sum over the samples"]),
    (lambda X, W, G: (G @ W, G.T @ X, G.mean(axis=0)), ["your dL/db is exactly 1/4 times", "not a mean"]),
    (lambda X, W, G: (G @ W, G.T @ X), ["must return three arrays (dX, dW, db)"]),
    (lambda X, W, G: (None, G.T @ X, G.sum(axis=0)), ["the dX that linear_backward returns is None"]),
    (lambda X, W, G: (X, G.T @ X, G.sum(axis=0)), ["your dL/dX differs from autograd", "largest at"]),
]


def test_linear_backward_passes_and_a_stub_is_not_answered():
    assert "on all 3 problems" in checks.check_linear_backward(linear_backward)
    with pytest.raises(exercises.NotAnswered):
        checks.check_linear_backward(_stub)


@pytest.mark.parametrize("answer, words", LINEAR_MISTAKES, ids=[f"m{i}" for i in range(len(LINEAR_MISTAKES))])
def test_linear_mistakes_are_named(answer, words):
    message = _failure(checks.check_linear_backward, answer)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_a_transposed_weight_gradient_on_a_rectangular_layer_is_named_by_its_shape():
    outputs = checks.answer_outputs("linear_backward", linear_backward)
    dX, dW, db = outputs[1]
    outputs[1] = (dX, dW.T, db)
    with pytest.raises(exercises.ExerciseFailed, match=r"dL/dW has shape \(in, out\) = \(4, 2\); W is \(out, in\) = "
                                                       r"\(2, 4\): transpose it"):
        checks.check_outputs("linear_backward", outputs)


# ------------------------------------------------------------------------------------------ softmax + cross-entropy
def softmax_cross_entropy_backward(Z, T):
    return (activations.softmax(Z) - T) / len(Z)


class WrongSoftmaxCrossEntropy(modules.SoftmaxCrossEntropy):
    """The notebook's pitfall: the per-sample gradient Y - T returned for the mean loss."""

    def backward(self, grad_output=1.0):
        self.grads = {}
        return self.cache["y"] - self.cache["t"]


def _wrong_layer(Z, T):
    layer = WrongSoftmaxCrossEntropy()
    layer.forward(Z, T)
    return layer.backward()


CROSS_ENTROPY_MISTAKES = [
    (_wrong_layer, ["exactly 4 times autograd", "S times too large: did you forget the 1/S of the mean?"]),
    (lambda Z, T: activations.softmax(Z) - T, ["did you forget the 1/S of the mean?"]),
    (lambda Z, T: (activations.softmax(Z) - T) / Z.size, ["exactly 1/5 times", "divided by S K"]),
    (lambda Z, T: (activations.softmax(Z) - T) / Z.shape[1], ["number of classes K instead of the number of samples"]),
    (lambda Z, T: (Z - T) / len(Z), ["uses the logits Z", "Y = softmax(Z)"]),
    (lambda Z, T: (activations.softmax(Z, axis=0) - T) / len(Z), ["runs over the samples (axis 0)"]),
    (lambda Z, T: (T - activations.softmax(Z)) / len(Z), ["exactly -1 times", "the wrong sign", "y - t, not t - y"]),
    (lambda Z, T: softmax_cross_entropy_backward(Z, T).T, ["dL/dZ must have shape (S, K) = (4, 5)", "transposed?"]),
]


def test_softmax_cross_entropy_passes_and_a_stub_is_not_answered():
    assert "on both problems" in checks.check_softmax_cross_entropy_backward(softmax_cross_entropy_backward)
    with pytest.raises(exercises.NotAnswered):
        checks.check_softmax_cross_entropy_backward(_stub)


@pytest.mark.parametrize("answer, words", CROSS_ENTROPY_MISTAKES,
                         ids=[f"m{i}" for i in range(len(CROSS_ENTROPY_MISTAKES))])
def test_softmax_cross_entropy_mistakes_are_named(answer, words):
    message = _failure(checks.check_softmax_cross_entropy_backward, answer)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


# ------------------------------------------------------------------------------------------ dropout and LeakyReLU
def _dropout(backward_mask, slope=None, transpose=False):
    def answer(W1, W2, x, y, mask, alpha=0.01):
        z1 = W1 @ x
        h = activations.leaky_relu(z1, alpha) * mask
        y_hat = activations.softmax(W2 @ h)
        g = (W2.T @ (y_hat - y)) * backward_mask(mask) * np.where(z1 > 0, 1.0, alpha if slope is None else slope)
        return np.outer(x, g) if transpose else np.outer(g, x)
    return answer


DROPOUT_MISTAKES = [
    # the notebook's pitfall: the forward pass scales by 1/(1-p), the backward pass multiplies by the 0/1 pattern
    (_dropout(lambda m: (m != 0).astype(float)), ["exactly 1/2 times autograd", "1 - p times the correct one",
                                                  "the same scaled mask as the forward pass"]),
    (_dropout(lambda m: np.ones_like(m)), ["left the mask out of the backward pass"]),
    (_dropout(lambda m: m, slope=0.0), ["you used ReLU'", "alpha there"]),
    (_dropout(lambda m: m, slope=1.0), ["you left out LeakyReLU'(z1)"]),
    (_dropout(lambda m: m * m), ["multiplied by the mask twice"]),
    (_dropout(lambda m: m, transpose=True), ["shape (D, H) = (4, 6)", "delta x^T"]),
]


def test_dropout_backward_passes_and_a_stub_is_not_answered():
    assert "on all 3 problems" in checks.check_dropout_backward(_dropout(lambda m: m))
    with pytest.raises(exercises.NotAnswered):
        checks.check_dropout_backward(_stub)


@pytest.mark.parametrize("answer, words", DROPOUT_MISTAKES, ids=[f"m{i}" for i in range(len(DROPOUT_MISTAKES))])
def test_dropout_mistakes_are_named(answer, words):
    message = _failure(checks.check_dropout_backward, answer)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_the_unscaled_mask_is_right_for_the_original_dropout_and_wrong_for_the_inverted_one():
    outputs = checks.answer_outputs("dropout_backward", _dropout(lambda m: (m != 0).astype(float)))
    right = checks.answer_outputs("dropout_backward", _dropout(lambda m: m))
    # problem 3 uses the original dropout, whose mask is already 0/1: there the two agree
    assert gradcheck.relative_error(outputs[2], right[2]) == 0
    with pytest.raises(exercises.ExerciseFailed, match="p = 0.25.*exactly 0.75 times"):
        checks.check_outputs("dropout_backward", [right[0], outputs[1], right[2]])


# ------------------------------------------------------------------------------------------ the derivation
X, W, B, G, L = linear_layer.layer_symbols(2, 3, 2)
ENTRIES = sp.Matrix(2, 3, lambda s, c: sp.diff(L, X[s, c]))
INDEX_SUM = sp.Matrix(2, 3, lambda s, c: sp.Add(*[G[s, i] * W[i, c] for i in range(2)], evaluate=False))


def _derivation(*steps, first=ENTRIES):
    d = Derivation("dL/dX for Y = X W^T + b").step(first, "entries dL/dx_sc", given=True)
    for expr, given in steps:
        d.step(expr, "my step", given=given)
    return d


DERIVATION_MISTAKES = [
    (_derivation((INDEX_SUM, False), (G.T * X, False)), ["step 3 ('my step') does not follow from step 2",
                                                          "that is G^T X, the form of dL/dW"]),
    (_derivation((INDEX_SUM, False), ((G * W).T, False)), ["step 3", "shapes differ", "(G W)^T"]),
    (_derivation((sp.Matrix(2, 3, lambda s, c: G[s, 0] * W[0, c]), False), (G * W, False)),
     ["step 2 ('my step') does not follow from step 1", "previous minus this step is"]),
    (_derivation((INDEX_SUM, False), (2 * G * W, True)), ["step 3 is marked given=True"]),
    (_derivation((G * W, False)), ["jumps from the entries to the result in one step"]),
    (_derivation((G * W, False), (G * W, False), first=G.T * X), ["step 1 must be the entries dL/dx_sc"]),
    ("G W", ["must be a helpers.derivation.Derivation", "'G W' (str)"]),
]


def test_the_derivation_passes_when_every_step_follows():
    assert "all 3 steps follow" in checks.check_linear_input_derivation(linear_layer.input_gradient_derivation())
    assert "all 4 steps follow" in checks.check_linear_input_derivation(
        _derivation((INDEX_SUM, False), (G * W, False), (sp.Eq(sp.Symbol("dL/dX"), G * W, evaluate=False), False)))
    for unanswered in (None, _derivation()):
        with pytest.raises(exercises.NotAnswered, match="not answered yet"):
            checks.check_linear_input_derivation(unanswered)


@pytest.mark.parametrize("answer, words", DERIVATION_MISTAKES,
                         ids=[f"m{i}" for i in range(len(DERIVATION_MISTAKES))])
def test_the_first_step_that_does_not_follow_is_named(answer, words):
    message = _failure(checks.check_linear_input_derivation, answer)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


# ------------------------------------------------------------------------------------------ hidden re-checks
def test_outputs_of_another_problem_set_are_refused():
    with pytest.raises(exercises.ExerciseFailed, match="do not belong to the 4 problems"):
        checks.check_outputs("delta3", checks.answer_outputs("delta3", delta3)[:2])
    with pytest.raises(ValueError, match="exercise"):
        checks.check_outputs("delta4", [])


def test_a_fresh_process_is_not_fooled_by_a_tampered_kernel(monkeypatch):
    wrong = checks.answer_outputs("softmax_cross_entropy_backward", _wrong_layer, 1)
    monkeypatch.setattr(gradcheck.Comparison, "ok", lambda self, tol=1e-6: True)  # a student's tampering
    assert "agrees" in checks.check_outputs("softmax_cross_entropy_backward", wrong, 1)  # the visible check is fooled
    with pytest.raises(exercises.ExerciseFailed, match="did you forget the 1/S of the mean"):
        exercises.fresh_check(checks.check_outputs, "softmax_cross_entropy_backward", wrong, 1)
    with pytest.raises(exercises.ExerciseFailed, match="does not follow"):
        exercises.fresh_check(checks.check_linear_input_derivation, DERIVATION_MISTAKES[0][0])
