"""helpers.modules: every layer and chains of them against torch autograd (float64), plus the checks."""

import numpy as np
import pytest
import torch

from helpers import modules as M

F = torch.nn.functional


def _torch_layer(layer, t):
    """The same computation as ``layer`` in torch, using its current parameters and masks."""
    if isinstance(layer, M.Sequential):
        for sub in layer.layers:
            t = _torch_layer(sub, t)
        return t
    if isinstance(layer, M.Linear):
        return t @ layer._torch["W"].T + layer._torch["b"]
    if isinstance(layer, M.Dropout):
        return t * torch.tensor(layer.mask)
    return {
        M.ReLU: torch.relu,
        M.Sigmoid: torch.sigmoid,
        M.Tanh: torch.tanh,
        M.Softmax: lambda u: torch.softmax(u, dim=-1),
    }.get(type(layer), lambda u: F.leaky_relu(u, getattr(layer, "alpha", 0.0)))(t)


def _attach_torch_params(layer):
    subs = layer.layers if isinstance(layer, M.Sequential) else [layer]
    for sub in subs:
        sub._torch = {k: torch.tensor(v, requires_grad=True) for k, v in sub.params.items()}
    return subs


CASES = {
    "linear": lambda r, d: M.Linear(d, 3, rng=r),
    "relu": lambda r, d: M.ReLU(),
    "leaky_relu": lambda r, d: M.LeakyReLU(alpha=0.1),
    "sigmoid": lambda r, d: M.Sigmoid(),
    "tanh": lambda r, d: M.Tanh(),
    "softmax": lambda r, d: M.Softmax(),
    "dropout_inverted": lambda r, d: M.Dropout(0.4, rng=r),
    "dropout_unscaled": lambda r, d: M.Dropout(0.4, rng=r, scale=False),
    "mlp_relu_softmax": lambda r, d: M.Sequential(M.Linear(d, 5, rng=r), M.ReLU(), M.Linear(5, 4, rng=r), M.Softmax()),
    "mlp_sigmoid_dropout": lambda r, d: M.Sequential(
        M.Linear(d, 6, rng=r), M.Sigmoid(), M.Dropout(0.3, rng=r), M.Linear(6, 3, rng=r), M.LeakyReLU(0.2)
    ),
    "mlp_tanh": lambda r, d: M.Sequential(M.Linear(d, 4, rng=r), M.Tanh(), M.Linear(4, 2, rng=r)),
}
LOSSES = {
    "softmax_cross_entropy": (M.SoftmaxCrossEntropy, lambda z, t: -(t * torch.log_softmax(z, dim=1)).sum() / z.shape[0]),
    "mse": (M.MSE, lambda p, t: 0.5 * ((p - t) ** 2).sum() / p.shape[0]),
}


def _rel(a, b):
    return np.abs(a - b).max() / max(np.abs(b).max(), 1e-300)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(CASES) + list(LOSSES))
def test_layer_matches_torch_autograd(name, seed):
    r = np.random.default_rng(seed)
    n, d = int(r.integers(1, 6)), int(r.integers(2, 6))
    x = r.normal(size=(n, d))
    xt = torch.tensor(x, requires_grad=True)
    if name in LOSSES:
        layer_cls, torch_loss = LOSSES[name]
        layer = layer_cls()
        t = np.eye(d)[r.integers(0, d, size=n)]
        value = layer.forward(x, t)
        ref = torch_loss(xt, torch.tensor(t))
        ref.backward()
        assert abs(value - ref.item()) <= 1e-12 * max(1.0, abs(ref.item()))
        assert _rel(layer.backward(), xt.grad.numpy()) < 1e-6
        assert layer.grads == {} == layer.params
        return
    layer = CASES[name](r, d)
    subs = _attach_torch_params(layer)
    y = layer.forward(x)
    g = r.normal(size=y.shape)
    yt = _torch_layer(layer, xt)
    (yt * torch.tensor(g)).sum().backward()
    assert _rel(y, yt.detach().numpy()) < 1e-12
    dx = layer.backward(g)
    assert dx.shape == x.shape and _rel(dx, xt.grad.numpy()) < 1e-6
    assert set(layer.grads) == set(layer.params)
    for sub in subs:
        assert set(sub.grads) == set(sub.params)
        for k in sub.params:
            assert sub.grads[k].shape == sub.params[k].shape
            assert _rel(sub.grads[k], sub._torch[k].grad.numpy()) < 1e-6
    # and the same layer passes the finite-difference check
    assert M.gradient_check(layer, x).ok(1e-6)


@pytest.mark.parametrize("name", ["linear", "sigmoid", "softmax", "dropout_inverted", "mlp_relu_softmax"])
def test_float32_in_float32_out(name):
    r = np.random.default_rng(0)
    layer = CASES[name](r, 4)
    x = r.normal(size=(3, 4)).astype(np.float32)
    y = layer.forward(x)
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32
    loss = M.SoftmaxCrossEntropy()
    loss.forward(x, np.eye(4, dtype=np.float32)[[0, 1, 2]])
    assert loss.backward().dtype == np.float32


def test_linear_float32_parameters_keep_their_dtype():
    lin = M.Linear(3, 2, rng=0, dtype=np.float32)
    assert lin.params["W"].dtype == np.float32
    lin.forward(np.ones((4, 3), dtype=np.float32))
    lin.backward(np.ones((4, 2), dtype=np.float32))
    assert lin.grads["W"].dtype == np.float32 and lin.grads["b"].dtype == np.float32


def test_gradient_check_reports_worst_entry_and_catches_a_wrong_backward():
    class WrongLinear(M.Linear):
        def backward(self, grad_output):
            dx = super().backward(grad_output)
            self.grads["W"] = self.grads["W"] * 2  # deliberately wrong
            return dx

    x = np.random.default_rng(0).normal(size=(4, 3))
    good = M.gradient_check(M.Linear(3, 2, rng=1), x)
    assert good.ok() and good.max_rel_error < 1e-8
    bad = M.gradient_check(WrongLinear(3, 2, rng=1), x)
    assert not bad.ok() and bad.worst_name == "W"
    assert bad.errors["x"] < 1e-8 and abs(bad.errors["W"] - 0.5) < 1e-6
    assert abs(bad.worst_analytic - 2 * bad.worst_numeric) < 1e-6
    assert "worst entry W" in str(bad)


def test_gradient_check_on_a_quadratic_is_exact():
    """The check on itself: for MSE the central difference of a quadratic has no truncation error."""
    r = np.random.default_rng(3)
    p, t = r.normal(size=(5, 3)), r.normal(size=(5, 3))
    res = M.gradient_check(M.MSE(), p, t, eps=1e-3)
    assert res.max_rel_error < 1e-9


def test_gradient_check_needs_target_for_losses():
    with pytest.raises(ValueError, match="pass target"):
        M.gradient_check(M.MSE(), np.ones((2, 2)))


def test_dropout_train_and_eval_with_and_without_scaling():
    x = np.ones((2000, 50))
    inv = M.Dropout(0.25, rng=0)
    y = inv.forward(x)
    assert set(np.unique(y)) == {0.0, 1 / 0.75}
    assert abs((y == 0).mean() - 0.25) < 0.01 and abs(y.mean() - 1) < 0.01
    np.testing.assert_array_equal(inv.backward(x), y)  # dL/dX = g * mask / (1 - p)
    inv.eval()
    np.testing.assert_array_equal(inv.forward(x), x)
    plain = M.Dropout(0.25, rng=0, scale=False)
    y = plain.forward(x)
    assert set(np.unique(y)) == {0.0, 1.0}
    np.testing.assert_array_equal(plain.backward(x * 3), 3 * y)
    plain.eval()
    np.testing.assert_allclose(plain.forward(x), 0.75 * x)
    np.testing.assert_allclose(plain.backward(x), 0.75 * x)
    model = M.Sequential(M.Linear(50, 2, rng=0), M.Dropout(0.5))
    assert not model.eval().layers[1].training and model.train().layers[1].training
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        M.Dropout(1.0)


def test_backward_before_forward_is_a_clear_error():
    for layer in [M.Linear(2, 2), M.ReLU(), M.Softmax(), M.Dropout(0.1), M.MSE(), M.SoftmaxCrossEntropy()]:
        with pytest.raises(RuntimeError, match="before forward"):
            layer.backward(np.ones((1, 2))) if not getattr(layer, "is_loss", False) else layer.backward()
    with pytest.raises(RuntimeError, match="before forward"):
        M.Sequential(M.ReLU()).backward(np.ones((1, 2)))


def test_shape_mismatches_say_expected_and_got():
    lin = M.Linear(3, 2)
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 3\), got \(4, 5\)"):
        lin.forward(np.ones((4, 5)))
    lin.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"expected \(4, 2\), got \(4, 3\)"):
        lin.backward(np.ones((4, 3)))
    relu = M.ReLU()
    relu.forward(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"expected \(2, 2\), got \(2,\)"):
        relu.backward(np.ones(2))
    with pytest.raises(ValueError, match=r"prediction \(2, 3\) and target \(2,\)"):
        M.SoftmaxCrossEntropy().forward(np.ones((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match="same shape"):
        M.MSE().forward(np.ones((2, 3)), np.ones((2, 4)))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="positive integer"):
        M.Linear(0, 3)
    with pytest.raises(TypeError, match="rng"):
        M.Linear(2, 3, rng="seed")
    with pytest.raises(TypeError, match="float array"):
        M.ReLU().forward(np.array(["a"]))
    with pytest.raises(TypeError, match="loss outside"):
        M.Sequential(M.Linear(2, 2), M.MSE())
    with pytest.raises(TypeError, match="layers"):
        M.Sequential(np.tanh)


def test_sequential_training_reduces_the_loss_and_exposes_params():
    r = np.random.default_rng(0)
    x = r.normal(size=(64, 2))
    t = np.eye(2)[(x[:, 0] * x[:, 1] > 0).astype(int)]
    model = M.Sequential(M.Linear(2, 16, rng=r), M.Tanh(), M.Linear(16, 2, rng=r))
    assert set(model.params) == {"0.W", "0.b", "2.W", "2.b"}
    loss = M.SoftmaxCrossEntropy()
    first = loss.forward(model.forward(x), t)
    for _ in range(300):
        loss.forward(model.forward(x), t)
        model.backward(loss.backward())
        model.sgd_step(0.5)
    assert loss.forward(model.forward(x), t) < 0.5 * first
    assert model.params["0.W"] is model.layers[0].params["W"]
    with pytest.raises(ValueError, match="learning rate"):
        model.sgd_step(float("nan"))
