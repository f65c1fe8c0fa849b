"""helpers.backprop: E1 gradients (index, matrix, published) and E4 against torch autograd."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import backprop as bp
from helpers import modules as M


@pytest.mark.parametrize("seed", range(4))
def test_index_and_matrix_forms_equal_autograd(seed):
    r = np.random.default_rng(seed)
    sizes = tuple(int(s) for s in r.integers(2, 6, size=4))
    p = bp.init_e1(sizes, seed=seed)
    x = r.normal(size=sizes[0])
    y = np.eye(sizes[3])[r.integers(sizes[3])]
    ref = bp.e1_grads_torch(p, x, y)
    assert bp.relative_error(bp.e1_grads_index(p, x, y), ref) < 1e-10
    assert bp.relative_error(bp.e1_grads_matrix(p, x, y), ref) < 1e-10
    X = r.normal(size=(7, sizes[0]))
    Y = np.eye(sizes[3])[r.integers(sizes[3], size=7)]
    assert bp.relative_error(bp.e1_grads_matrix(p, X, Y), bp.e1_grads_torch(p, X, Y)) < 1e-10


def test_published_softmax_as_identity_is_wrong():
    p = bp.init_e1((4, 5, 3, 3), seed=0)
    x, y = np.random.default_rng(0).normal(size=4), np.eye(3)[1]
    err = bp.relative_error(bp.e1_grads_published(p, x, y), bp.e1_grads_torch(p, x, y))
    assert err > 0.5


def test_finite_difference_on_the_loss():
    p = bp.init_e1((3, 4, 4, 3), seed=5)
    x, y = np.array([0.3, -1.2, 0.8]), np.eye(3)[2]
    g = bp.e1_grads_index(p, x, y)
    h = 1e-6
    for name in ("W1", "b3"):
        e = np.zeros_like(p[name])
        e.flat[0] = h
        plus = bp.e1_loss({**p, name: p[name] + e}, x, y)
        minus = bp.e1_loss({**p, name: p[name] - e}, x, y)
        assert abs((plus - minus) / (2 * h) - g[name].flat[0]) < 1e-8


def test_backward_steps_and_plot():
    p = bp.init_e1((3, 4, 3, 2), seed=1)
    x, y = np.array([1.0, -0.5, 2.0]), np.array([0.0, 1.0])
    steps = bp.backward_steps(p, x, y, lr=0.1)
    assert [s.layer for s in steps] == [3, 2, 1]
    g = bp.e1_grads_torch(p, x, y)
    for s in steps:
        np.testing.assert_allclose(s.grad_W, g[f"W{s.layer}"], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(s.W_after, s.W_before - 0.1 * s.grad_W)
        np.testing.assert_allclose(s.delta, g[f"b{s.layer}"], rtol=1e-10, atol=1e-14)
    fig = plt.figure()
    assert bp.plot_backward_step(steps[0], fig) is fig and len(fig.axes) == 4
    plt.close(fig)
    with pytest.raises(ValueError, match="lr"):
        bp.backward_steps(p, x, y, lr=-1.0)
    with pytest.raises(ValueError, match="one sample"):
        bp.backward_steps(p, np.ones((2, 3)), np.ones((2, 2)))


def test_bad_inputs():
    p = bp.init_e1((3, 4, 3, 2))
    with pytest.raises(ValueError, match="four positive integers"):
        bp.init_e1((3, 4))
    with pytest.raises(ValueError, match=r"x must be \(\.\.\., 3\)"):
        bp.e1_grads_matrix(p, np.ones(4), np.ones(2))
    with pytest.raises(ValueError, match="missing"):
        bp.e1_grads_matrix({"W1": p["W1"]}, np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="one sample"):
        bp.e1_grads_index(p, np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="same keys"):
        bp.relative_error({"a": np.ones(1)}, {"b": np.ones(1)})


@pytest.mark.parametrize("scale", [True, False])
def test_e4_formula_matches_autograd_and_modules(scale):
    r = np.random.default_rng(2)
    D, H, K, p_drop, alpha = 4, 6, 3, 0.5, 0.1
    W1, W2 = r.normal(size=(H, D)), r.normal(size=(K, H))
    x, y = r.normal(size=D), np.eye(K)[0]
    drop = M.Dropout(p_drop, rng=3, scale=scale)
    model = M.Sequential(M.Linear(D, H), M.LeakyReLU(alpha), drop, M.Linear(H, K))
    model.layers[0].params["W"][...] = W1
    model.layers[0].params["b"][...] = 0
    model.layers[3].params["W"][...] = W2
    model.layers[3].params["b"][...] = 0
    loss = M.SoftmaxCrossEntropy()
    value = loss.forward(model.forward(x[None]), y[None])
    model.backward(loss.backward())
    mask = drop.mask[0]
    assert set(np.unique(mask)) <= ({0.0, 2.0} if scale else {0.0, 1.0})
    ours = bp.e4_forward_backward(W1, W2, x, y, mask, alpha)
    ref = bp.e4_grads_torch(W1, W2, x, y, mask, alpha)
    assert abs(ours["loss"] - value) < 1e-12
    np.testing.assert_allclose(ours["dW1"], ref["dW1"], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(ours["dW2"], ref["dW2"], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(model.layers[0].grads["W"], ours["dW1"], rtol=1e-10, atol=1e-14)
    with pytest.raises(ValueError, match="need W1"):
        bp.e4_forward_backward(W1.T, W2, x, y, mask)


def test_derivations_verify_and_a_wrong_step_fails():
    import sympy as sp

    for d in bp.e2_derivations(2, 2, 2).values():
        d.verify().raise_if_failed()
    bp.e3_derivation(2, 2, (0, 1)).verify().raise_if_failed()
    bp.e1_delta3_derivation(2).verify().raise_if_failed()
    wrong = bp.e2_derivations(2, 2, 2)["W"]
    wrong.step(wrong.steps[-1].expr.T, "transposed by mistake")
    assert not wrong.verify().ok
    with pytest.raises(ValueError, match="one class"):
        bp.e3_derivation(2, 3, (0,))
