"""helpers.linear_layer and its plots: the symbolic derivations, and each gradient as a sum of per-sample terms."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import gradcheck, modules
from helpers import linear_layer as lin
from helpers import linear_layer_plots as plots


def test_derivations_verify_and_a_transposed_answer_fails():
    for d in lin.gradient_derivations(2, 2, 3).values():
        d.verify().raise_if_failed()
        assert "E2" not in d.title
    wrong = lin.gradient_derivations(2, 3, 2)["W"]
    wrong.step(wrong.steps[-1].expr.T, "transposed by mistake")
    assert "shapes differ" in wrong.verify().first_failure.detail
    square = lin.gradient_derivations(2, 2, 2)["W"]
    square.step(square.steps[-1].expr.T, "transposed by mistake")
    assert square.verify().first_failure.status == "failed"


def test_the_three_derivations_start_from_the_same_symbols_and_end_in_the_matrix_products():
    X, W, b, G, L = lin.layer_symbols(2, 3, 2)
    assert (X.shape, W.shape, b.shape, G.shape) == ((2, 3), (2, 3), (1, 2), (2, 2))
    ends = {"W": G.T * X, "b": sp.ones(1, 2) * G, "X": G * W}
    for wrt, d in lin.gradient_derivations(2, 3, 2).items():
        assert sp.simplify(d.steps[-1].expr - ends[wrt]) == sp.zeros(*ends[wrt].shape)
        assert len(d) == 3 and d.steps[0].given
    assert lin.input_gradient_derivation(2, 3, 2).verify().ok
    wrong = lin.input_gradient_derivation(2, 3, 2)
    wrong.step(G.T * X, "dL/dX = G^T X by mistake")
    assert wrong.verify().first_failure.index == 3


@settings(max_examples=20)
@given(n=st.integers(1, 6), n_in=st.integers(1, 5), n_out=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_per_sample_terms_sum_to_the_linear_modules_gradients(n, n_in, n_out, seed):
    r = np.random.default_rng(seed)
    X, W, G = r.normal(size=(n, n_in)), r.normal(size=(n_out, n_in)), r.normal(size=(n, n_out))
    layer = modules.Linear(n_in, n_out)
    layer.params["W"][...] = W
    layer.forward(X)
    dX = layer.backward(G)
    expected = {"W": layer.grads["W"], "b": layer.grads["b"], "X": dX}
    shapes = {"W": (n, n_out, n_in), "b": (n, n_out), "X": (n, n, n_in)}
    for wrt in lin.GRADIENTS:
        terms = lin.batch_terms(X, W, G, wrt)
        assert terms.shape == shapes[wrt]
        assert gradcheck.relative_error(terms.sum(axis=0), expected[wrt]) < 1e-12
        assert gradcheck.relative_error(plots.layer_gradient(X, W, G, wrt), expected[wrt]) < 1e-12
    # sample s changes only row s of dL/dX
    terms = lin.batch_terms(X, W, G, "X")
    assert all(np.all(terms[s][np.arange(n) != s] == 0) for s in range(n))


def test_plot_batch_sum_reaches_the_layer_gradient_at_the_full_batch():
    r = np.random.default_rng(0)
    X, W, G = r.normal(size=(5, 4)), r.normal(size=(3, 4)), r.normal(size=(5, 3))
    for wrt in lin.GRADIENTS:
        fig = plots.plot_batch_sum(X, W, G, wrt, 5)
        assert len(fig.axes) == 3 and "the sum equals the layer's gradient" in fig.texts[0].get_text()
        plt.close(fig)
    fig = plots.plot_batch_sum(X, W, G, "W", 2)
    assert "2 of 5 samples summed; relative error" in fig.texts[0].get_text()
    plt.close(fig)


r0 = np.random.default_rng(0)
X0, W0, G0 = r0.normal(size=(4, 3)), r0.normal(size=(2, 3)), r0.normal(size=(4, 2))

BAD_INPUTS = [
    (lambda: lin.gradient_derivations(0), ValueError, ["n", "positive integer"]),
    (lambda: lin.gradient_derivations(2, "3"), TypeError, ["n_in", "int('5')"]),
    (lambda: lin.gradient_derivations(2, 3, 2.0), TypeError, ["n_out", "without a decimal point"]),
    (lambda: lin.batch_terms(X0, W0, G0, "w"), ValueError, ["wrt", "'W', 'b', 'X'"]),
    (lambda: lin.batch_terms(X0, W0.T, G0, "W"), ValueError, ["W", "(out, 3)", "W.T"]),
    (lambda: lin.batch_terms(X0, W0, G0.T, "W"), ValueError, ["G", "(4, 2)", "G.T"]),
    (lambda: lin.batch_terms(X0[0], W0, G0, "W"), ValueError, ["X", "(N, in)", "X[None]"]),
    (lambda: lin.batch_terms(X0 * np.nan, W0, G0, "b"), ValueError, ["X", "NaN"]),
    (lambda: lin.batch_terms([["a", "b", "c"]], W0, G0, "b"), TypeError, ["X", "real numbers"]),
    (lambda: plots.layer_gradient(X0, W0, G0[:3], "X"), ValueError, ["G", "(4, 2)"]),
    (lambda: plots.plot_batch_sum(X0, W0, G0, "W", 0), ValueError, ["n_summed", "positive integer"]),
    (lambda: plots.plot_batch_sum(X0, W0, G0, "W", 5), ValueError, ["n_summed", "at most the batch size 4"]),
    (lambda: plots.plot_batch_sum(X0, W0, G0, "W", "2"), TypeError, ["n_summed", "int('5')"]),
]


@pytest.mark.parametrize("call, error, words", BAD_INPUTS, ids=[f"bad{i}" for i in range(len(BAD_INPUTS))])
def test_bad_inputs_are_refused_with_a_message_that_says_what_to_pass(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"
