"""helpers.softmax_cross_entropy and its plots: the logit gradient derivation, the Hessian, and the missing 1/S."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from helpers import gradcheck, modules
from helpers import softmax_cross_entropy as sce
from helpers import softmax_cross_entropy_plots as plots
from helpers.exercises import NotAnswered


class WrongSoftmaxCrossEntropy(modules.SoftmaxCrossEntropy):
    """The per-sample gradient Y - T used for the mean loss."""

    def backward(self, grad_output=1.0):
        self.grads = {}
        return self.cache["y"] - self.cache["t"]


def test_gradient_derivation_verifies_and_displays_named_quantities():
    d = sce.logit_gradient_derivation(2, 3, (0, 2))
    d.verify().raise_if_failed()
    latex = d.latex()
    assert r"\hat y_{11}" in latex and r"\alpha" in latex and r"\partial L" in latex and "e^{" not in latex
    assert "E3" not in d.title
    wrong = sce.logit_gradient_derivation(2, 2, (0, 1))
    wrong.step(wrong.steps[-1].expr * 2, "alpha dropped (the per-sample formula)")
    assert wrong.verify().first_failure.status == "failed"


@pytest.mark.parametrize("k", [2, 3, 6])
def test_logit_hessian_matches_autograd_and_has_the_ones_null_direction(k):
    z = np.random.default_rng(k).normal(size=k)
    for c in range(k):
        ref = torch.autograd.functional.hessian(lambda t, c=c: -torch.log_softmax(t, 0)[c], torch.tensor(z)).numpy()
        np.testing.assert_allclose(sce.logit_hessian(z), ref, rtol=1e-10, atol=1e-14)
    H = sce.logit_hessian(z)
    np.testing.assert_allclose(H @ np.ones(k), 0, atol=1e-14)
    assert np.linalg.eigvalsh(H).min() > -1e-14


def test_hessian_derivations_verify_and_show_y_hat():
    for d in sce.logit_hessian_derivations(3):
        d.verify().raise_if_failed()
        assert r"\hat y_{1}" in d.latex() and "e^{" not in d.latex() and "F2" not in d.title


@pytest.mark.parametrize("S", [1, 4, 32])
def test_the_module_matches_autograd_and_the_per_sample_formula_is_exactly_batch_size_times_too_large(S):
    Z, T = sce.random_batch(S, 5, random_state=S)
    Zt = torch.tensor(Z, requires_grad=True)
    torch.nn.functional.cross_entropy(Zt, torch.tensor(T.argmax(1))).backward()
    right, wrong = modules.SoftmaxCrossEntropy(), WrongSoftmaxCrossEntropy()
    right.forward(Z, T)
    wrong.forward(Z, T)
    assert gradcheck.relative_error(right.backward(), Zt.grad.numpy()) < 1e-12
    comparison = gradcheck.compare(wrong.backward(), Zt.grad.numpy())
    if S == 1:
        assert comparison.ok()
    else:
        assert comparison.factor == S and f"exactly {S} times" in comparison.explain()
        assert not gradcheck.check_layer(wrong, Z, T).ok()


def test_random_batch_is_seeded_and_one_hot():
    Z, T = sce.random_batch(7, 4, random_state=0)
    assert Z.shape == T.shape == (7, 4) and np.all(T.sum(axis=1) == 1)
    np.testing.assert_array_equal(Z, sce.random_batch(7, 4, random_state=0)[0])


def test_plot_says_how_many_times_too_large_the_wrong_gradient_is():
    layers = {"(Y - T)/S": modules.SoftmaxCrossEntropy(), "Y - T": WrongSoftmaxCrossEntropy()}
    fig = plots.plot_logit_gradients(layers, 8)
    text = fig.texts[0].get_text()
    assert "(Y - T)/S equals autograd's gradient" in text and "Y - T is exactly 8 times autograd's gradient" in text
    plt.close(fig)


BAD_INPUTS = [
    (lambda: sce.logit_gradient_derivation(2, 3, (0,)), ValueError, ["classes", "one class in 0..2 per sample"]),
    (lambda: sce.logit_gradient_derivation(2, 3, (0, 3)), ValueError, ["classes", "0..2"]),
    (lambda: sce.logit_gradient_derivation(2, 3, (0, -1)), ValueError, ["classes", "0..2"]),
    (lambda: sce.logit_gradient_derivation(2, 3, (0, 1.5)), ValueError, ["classes", "whole class numbers"]),
    (lambda: sce.logit_gradient_derivation(2, 3, "02"), ValueError, ["classes", "per sample"]),
    (lambda: sce.logit_gradient_derivation(0, 3, ()), ValueError, ["s", "positive integer"]),
    (lambda: sce.logit_gradient_derivation(2, 1, (0, 0)), ValueError, ["k", "at least 2"]),
    (lambda: sce.logit_hessian(np.ones((2, 2))), ValueError, ["z", "(K,)"]),
    (lambda: sce.logit_hessian([1.0, np.inf]), ValueError, ["z", "infinity"]),
    (lambda: sce.logit_hessian("1 2"), TypeError, ["z"]),
    (lambda: sce.logit_hessian_derivations(1), ValueError, ["k", "at least 2"]),
    (lambda: sce.random_batch(0), ValueError, ["batch_size", "positive integer"]),
    (lambda: sce.random_batch("8"), TypeError, ["batch_size", "int('5')"]),
    (lambda: sce.random_batch(8, 1), ValueError, ["n_classes", "at least 2"]),
    (lambda: plots.plot_logit_gradients({}, 4), TypeError, ["layers", "SoftmaxCrossEntropy"]),
    (lambda: plots.plot_logit_gradients({"relu": modules.ReLU()}, 4), TypeError, ["layers", "loss layer"]),
]


@pytest.mark.parametrize("call, error, words", BAD_INPUTS, ids=[f"bad{i}" for i in range(len(BAD_INPUTS))])
def test_bad_inputs_are_refused_with_a_message_that_says_what_to_pass(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"


class _NoReturn(modules.SoftmaxCrossEntropy):
    def backward(self, grad_output=1.0):
        super().backward(grad_output)  # forgets to return


class _Stub(modules.SoftmaxCrossEntropy):
    def backward(self, grad_output=1.0):
        raise NotImplementedError()


@pytest.mark.parametrize("layer, error, words", [(_NoReturn(), ValueError, "returned None"),
                                                  (_Stub(), NotAnswered, "not answered yet")])
def test_a_readers_unfinished_loss_layer_is_named(layer, error, words):
    with pytest.raises(error, match=words):
        plots.plot_logit_gradients({"mine": layer}, 4)
