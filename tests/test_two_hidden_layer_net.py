"""helpers.two_hidden_layer_net and its plots: index and matrix gradients against autograd, published slips failing."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import gradcheck
from helpers import two_hidden_layer_net as net
from helpers import two_hidden_layer_plots as plots


def _problem(sizes, seed, n=None):
    r = np.random.default_rng(seed)
    p = net.init_params(sizes, random_state=seed)
    shape = (sizes[0],) if n is None else (n, sizes[0])
    labels = r.integers(sizes[3], size=() if n is None else n)
    return p, r.normal(size=shape), np.eye(sizes[3])[labels]


@settings(max_examples=15)
@given(sizes=st.tuples(*[st.integers(1, 6)] * 3, st.integers(2, 6)), seed=st.integers(0, 2**16))
def test_index_and_matrix_forms_equal_autograd(sizes, seed):
    p, x, y = _problem(sizes, seed)
    reference = net.gradients_autograd(p, x, y)
    assert gradcheck.relative_error(net.gradients_index_form(p, x, y), reference) < 1e-10
    assert gradcheck.relative_error(net.gradients_matrix_form(p, x, y), reference) < 1e-10
    p, X, Y = _problem(sizes, seed, n=7)
    assert gradcheck.relative_error(net.gradients_matrix_form(p, X, Y), net.gradients_autograd(p, X, Y)) < 1e-10


def test_gradients_equal_central_differences_of_the_loss():
    p, X, Y = _problem((3, 4, 4, 3), 5, n=4)
    g = net.gradients_matrix_form(p, X, Y)
    for name in net.PARAMETER_NAMES:
        numeric = gradcheck.numerical_gradient(lambda: net.loss(p, X, Y), p[name])
        assert gradcheck.relative_error(g[name], numeric) < 1e-7, name


@pytest.mark.parametrize("slip", list(net.PUBLISHED_SLIPS))
@pytest.mark.parametrize("seed", range(5))
def test_every_published_slip_fails_the_autograd_check(slip, seed):
    # a batch of 8, so that no layer is dead for every sample (a dead layer would hide the collapsed sums)
    sizes = tuple(int(s) for s in np.random.default_rng(seed).integers(2, 7, size=4))
    p, x, y = _problem(sizes, seed, n=8)
    comparison = gradcheck.compare(net.published_gradients(p, x, y, slip), net.gradients_autograd(p, x, y))
    assert comparison.error > 0.1, slip
    if slip == "loss_derivative_sign_and_factor":
        assert comparison.factor == -2 and "exactly -2 times" in comparison.explain()


def _hand_written_slip(p, X, Y, slip):
    """The published derivation's backward pass written out by hand, with one slip (the reference for autograd's)."""
    c = net.forward(p, X)
    f, n = c["f"], X.shape[0]
    dL_df = 2 * (Y - f) if slip == "loss_derivative_sign_and_factor" else f - Y
    d3 = dL_df if slip == "softmax_as_identity" else f * (dL_df - np.sum(dL_df * f, axis=1, keepdims=True))

    def relu_grad(a):
        return np.ones_like(a) if slip == "relu_derivative_as_one" else (a > 0).astype(float)

    def down(delta, W):
        if slip != "collapsed_hidden_sums":
            return delta @ W
        out, m = np.zeros((n, W.shape[1])), min(W.shape)
        out[:, :m] = delta[:, :m] * np.diag(W)[:m]
        return out

    d2 = down(d3, p["W3"]) * relu_grad(c["a2"])
    d1 = down(d2, p["W2"]) * relu_grad(c["a1"])
    return {"W1": d1.T @ X / n, "b1": d1.mean(0), "W2": d2.T @ c["h1"] / n, "b2": d2.mean(0),
            "W3": d3.T @ c["h2"] / n, "b3": d3.mean(0)}


@pytest.mark.parametrize("slip", list(net.PUBLISHED_SLIPS))
def test_autograd_runs_each_slip_exactly_as_the_hand_written_derivation(slip):
    # K > H2 and H2 > K both occur, so the collapsed sum meets units with and without a unit of the same index above
    for seed, sizes in enumerate([(3, 4, 2, 5), (4, 5, 6, 3), (2, 3, 3, 3)]):
        p, X, Y = _problem(sizes, seed, n=6)
        hand = _hand_written_slip(p, X, Y, slip)
        assert gradcheck.relative_error(net.published_gradients(p, X, Y, slip), hand) < 1e-12


def test_a_slip_changes_nothing_where_its_assumption_holds():
    # every ReLU unit on: taking ReLU' = 1 everywhere is then harmless, so the check isolates that one slip
    p, x, y = _problem((3, 4, 3, 3), 0)
    for name in ("b1", "b2"):
        p[name] = p[name] + 100.0
    assert (net.forward(p, x)["a1"] > 0).all() and (net.forward(p, x)["a2"] > 0).all()
    right = net.gradients_matrix_form(p, x, y)
    assert gradcheck.relative_error(net.published_gradients(p, x, y, "relu_derivative_as_one"), right) == 0


def test_random_problem_is_seeded_and_shaped():
    params, x, y = net.random_problem(3)
    assert x.shape == (params["W1"].shape[1],) and y.shape == (params["W3"].shape[0],) and y.sum() == 1
    params2, X, Y = net.random_problem(3, batch_size=5, max_units=3)
    assert X.shape[0] == Y.shape[0] == 5 and all(2 <= v.shape[0] <= 3 for v in params2.values())
    np.testing.assert_array_equal(net.random_problem(3)[1], x)


def test_forward_and_loss_by_hand():
    p, x, y = _problem((3, 4, 3, 2), 1)
    c = net.forward(p, x)
    h1 = np.maximum(p["W1"] @ x + p["b1"], 0)
    h2 = np.maximum(p["W2"] @ h1 + p["b2"], 0)
    a3 = p["W3"] @ h2 + p["b3"]
    f = np.exp(a3) / np.exp(a3).sum()
    np.testing.assert_allclose(c["f"], f, rtol=1e-12)
    assert net.loss(p, x, y) == pytest.approx(0.5 * np.sum((f - y) ** 2), rel=1e-12)
    assert net.forward(p, x[None])["f"].shape == (1, 2)


def test_backward_steps_and_plots():
    p, x, y = _problem((3, 4, 3, 2), 1)
    steps = net.backward_steps(p, x, y, learning_rate=0.1)
    assert [s.layer for s in steps] == [3, 2, 1]
    g = net.gradients_autograd(p, x, y)
    for s in steps:
        np.testing.assert_allclose(s.weight_gradient, g[f"W{s.layer}"], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(s.weights_after, s.weights_before - 0.1 * s.weight_gradient)
        np.testing.assert_allclose(s.delta, g[f"b{s.layer}"], rtol=1e-10, atol=1e-14)
    fig = plt.figure()
    assert plots.plot_backward_step(steps[0], fig) is fig and len(fig.axes) == 4
    plt.close(fig)
    for layer in plots.LAYERS:
        fig = plots.plot_backward_layer(p, x, y, layer, 2.0)
        assert f"layer {layer}" in fig.texts[0].get_text()
        plt.close(fig)


def test_delta3_derivation_verifies_and_shows_named_softmax_outputs():
    d = net.delta3_derivation(3)
    d.verify().raise_if_failed()
    latex = d.latex()
    assert "f_{1}" in latex and r"\partial L" in latex and "e^{" not in latex
    wrong = net.delta3_derivation(2)
    wrong.step(wrong.steps[-1].expr.applyfunc(lambda e: -e), "sign flipped by mistake")
    assert not wrong.verify().ok


P = net.init_params((3, 4, 3, 2))
X1, Y1 = np.ones(3), np.array([0.0, 1.0])

BAD_INPUTS = [
    # (call, error type, words the message must contain)
    (lambda: net.init_params((3, 4)), ValueError, ["sizes", "four positive integers"]),
    (lambda: net.init_params((3, 0, 2, 2)), ValueError, ["sizes[1]", "positive integer"]),
    (lambda: net.init_params((3, 4.5, 2, 2)), TypeError, ["sizes[1]"]),
    (lambda: net.init_params("3422"), ValueError, ["sizes", "(4, 5, 3, 3)"]),
    (lambda: net.init_params((3, 4, 3, 2), random_state="0"), TypeError, ["random_state", "seed"]),
    (lambda: net.forward([1, 2], X1), TypeError, ["params", "init_params"]),
    (lambda: net.random_problem(0, batch_size=0), ValueError, ["batch_size", "positive integer"]),
    (lambda: net.random_problem(0, max_units=1), ValueError, ["max_units", "at least 2"]),
    (lambda: net.gradients_matrix_form({"W1": P["W1"]}, X1, Y1), ValueError, ["missing", "b1", "init_params"]),
    (lambda: net.gradients_matrix_form({**P, "W2": P["W2"].T}, X1, Y1), ValueError, ["params['W2']", ".T"]),
    (lambda: net.gradients_matrix_form({**P, "b3": np.ones(3)}, X1, Y1), ValueError, ["params['b3']", "(2,)"]),
    (lambda: net.gradients_matrix_form({**P, "W1": P["W1"] * np.nan}, X1, Y1), ValueError, ["params['W1']", "NaN"]),
    (lambda: net.gradients_matrix_form(P, np.ones(4), Y1), ValueError, ["x", "(3,)"]),
    (lambda: net.gradients_matrix_form(P, "1 2 3", Y1), TypeError, ["x"]),
    (lambda: net.gradients_matrix_form(P, np.ones((2, 3)), Y1), ValueError, ["y", "(2, 2)"]),
    (lambda: net.gradients_matrix_form(P, np.ones((2, 3)), np.array([0, 1])), ValueError, ["y", "np.eye(2)[y]"]),
    (lambda: net.gradients_matrix_form(P, X1, 1), ValueError, ["y", "np.eye(2)[y]"]),
    (lambda: net.gradients_matrix_form(P, X1, np.array([0.5, 0.5])), ValueError, ["y", "one-hot"]),
    (lambda: net.gradients_matrix_form(P, np.array([1.0, np.nan, 0.0]), Y1), ValueError, ["x", "NaN"]),
    (lambda: net.gradients_index_form(P, np.ones((2, 3)), np.eye(2)), ValueError,
     ["one sample", "gradients_matrix_form"]),
    (lambda: net.published_gradients(P, X1, Y1, "softmax"), ValueError, ["slip", "softmax_as_identity"]),
    (lambda: net.backward_steps(P, X1, Y1, learning_rate=-1.0), ValueError, ["learning_rate", "positive"]),
    (lambda: net.backward_steps(P, X1, Y1, learning_rate="0.5"), TypeError, ["learning_rate", "float('0.1')"]),
    (lambda: net.backward_steps(P, X1, Y1, learning_rate=np.inf), ValueError, ["learning_rate", "finite"]),
    (lambda: net.backward_steps(P, np.ones((2, 3)), np.eye(2)), ValueError, ["one sample", "x[0]"]),
    (lambda: net.delta3_derivation(1), ValueError, ["k", "at least 2"]),
    (lambda: plots.plot_backward_step("layer 3"), TypeError, ["step", "backward_steps"]),
    (lambda: plots.plot_backward_layer(P, X1, Y1, 4, 0.5), ValueError, ["layer", "3, 2, 1"]),
    (lambda: plots.plot_backward_layer(P, X1, Y1, "abc", 0.5), TypeError, ["layer", "int("]),
]


@pytest.mark.parametrize("call, error, words", BAD_INPUTS, ids=[f"bad{i}" for i in range(len(BAD_INPUTS))])
def test_bad_inputs_are_refused_with_a_message_that_says_what_to_pass(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"
