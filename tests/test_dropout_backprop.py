"""helpers.dropout_backprop and its plots: the gradient through dropout and LeakyReLU against autograd and modules."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import dropout_backprop as drop
from helpers import dropout_backprop_plots as plots
from helpers import gradcheck, modules

D, H, K = 4, 6, 3


def _problem(seed=2):
    r = np.random.default_rng(seed)
    return r.normal(size=(H, D)), r.normal(size=(K, H)), r.normal(size=D), np.eye(K)[0]


@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize("p", [0.0, 0.5, 0.8])
def test_formula_matches_autograd_and_the_modules_network(scale, p):
    W1, W2, x, y = _problem()
    alpha = 0.1
    dropout = modules.Dropout(p, random_state=3, scale=scale)
    model = modules.Sequential(modules.Linear(D, H), modules.LeakyReLU(alpha), dropout, modules.Linear(H, K))
    for i, W in ((0, W1), (3, W2)):
        model.layers[i].params["W"][...] = W
    loss = modules.SoftmaxCrossEntropy()
    value = loss.forward(model.forward(x[None]), y[None])
    model.backward(loss.backward())
    mask = dropout.cache["mask"][0]
    assert set(np.unique(mask)) <= ({0.0, 1 / (1 - p)} if scale else {0.0, 1.0})
    ours = drop.forward_backward(W1, W2, x, y, mask, alpha)
    reference = drop.gradients_autograd(W1, W2, x, y, mask, alpha)
    assert ours["loss"] == pytest.approx(value, rel=1e-12)
    assert gradcheck.relative_error({k: ours[k] for k in ("dW1", "dW2")}, reference) < 1e-12
    assert gradcheck.relative_error(model.layers[0].grads["W"], ours["dW1"]) < 1e-12
    np.testing.assert_array_equal(drop.dropout_mask(H, p, scale=scale, random_state=3), mask)


def test_masks_are_nested_in_p_and_dropped_rows_have_no_gradient():
    W1, W2, x, y = _problem()
    masks = [drop.dropout_mask(H, p, random_state=0) for p in (0.0, 0.3, 0.6, 0.9)]
    dropped = [set(np.flatnonzero(m == 0)) for m in masks]
    assert all(a <= b for a, b in zip(dropped, dropped[1:], strict=False)) and not dropped[0]
    g = drop.forward_backward(W1, W2, x, y, masks[2])["dW1"]
    assert np.all(g[masks[2] == 0] == 0)


def test_a_backward_with_the_unscaled_mask_is_exactly_1_minus_p_times_too_small():
    class WrongDropout(modules.Dropout):
        def backward(self, grad_output):
            self.grads = {}
            return grad_output * (self.cache["mask"] != 0)

    x = np.random.default_rng(0).normal(size=(3, 8))
    assert gradcheck.check_layer(modules.Dropout(0.5, random_state=1), x).ok()
    wrong = gradcheck.check_layer(WrongDropout(0.5, random_state=1), x)
    assert not wrong.ok() and "exactly 1/2 times" in wrong.explain()


def test_plot_shows_the_mask_and_both_gradients():
    W1, W2, x, y = _problem()
    fig = plots.plot_dropout_gradient(W1, W2, x, y, 0.5, alpha=0.1, random_state=0)
    assert len(fig.axes) == 3 and "1/(1-p) = 2" in fig.texts[0].get_text()
    plt.close(fig)
    fig = plots.plot_dropout_gradient(W1, W2, x, y, 0.0, scale=False)
    assert "0 of 6 units dropped" in fig.texts[0].get_text()
    plt.close(fig)


W1_, W2_, x_, y_ = _problem()
M_ = np.ones(H)

BAD_INPUTS = [
    (lambda: drop.forward_backward(W1_.T, W2_, x_, y_, M_), ValueError, ["W2", "(K, 4)"]),
    (lambda: drop.forward_backward(W1_, W2_.T, x_, y_, M_), ValueError, ["W2", "W2.T"]),
    (lambda: drop.forward_backward(W1_, W2_, x_[:3], y_, M_), ValueError, ["x", "(4,)"]),
    (lambda: drop.forward_backward(W1_, W2_, x_, 0, M_), ValueError, ["y", "np.eye(3)[y]"]),
    (lambda: drop.forward_backward(W1_, W2_, x_, np.array([0.2, 0.8, 0.0]), M_), ValueError, ["y", "one-hot"]),
    (lambda: drop.forward_backward(W1_, W2_, x_, y_, M_[:4]), ValueError, ["mask", "(6,)"]),
    (lambda: drop.forward_backward(W1_, W2_, x_, y_, -M_), ValueError, ["mask", "1/(1-p)"]),
    (lambda: drop.forward_backward(W1_, W2_, x_ * np.nan, y_, M_), ValueError, ["x", "NaN"]),
    (lambda: drop.forward_backward(W1_, W2_, x_, y_, M_, alpha=-0.1), ValueError, ["alpha", ">= 0"]),
    (lambda: drop.gradients_autograd(W1_, W2_, x_, y_, M_, alpha="0.1"), TypeError, ["alpha", "float('0.1')"]),
    (lambda: drop.dropout_mask(0, 0.5), ValueError, ["n_units", "positive integer"]),
    (lambda: drop.dropout_mask(6, 1.0), ValueError, ["p", "[0, 1)"]),
    (lambda: drop.dropout_mask(6, 0.5, random_state=-1), ValueError, ["random_state", "seed"]),
    (lambda: plots.plot_dropout_gradient(W1_, W2_, x_, y_, "0.5"), TypeError, ["p", "float('0.1')"]),
]


@pytest.mark.parametrize("call, error, words", BAD_INPUTS, ids=[f"bad{i}" for i in range(len(BAD_INPUTS))])
def test_bad_inputs_are_refused_with_a_message_that_says_what_to_pass(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"
