"""helpers.modules: one parametrised test over every layer (torch autograd in float64 and central differences),
then what is particular to some layers, and a table of the mistakes a student makes."""

import numpy as np
import pytest
import torch

from helpers import autograd_reference, gradcheck, modules

F = torch.nn.functional

# every layer, built from a seed and the input width d; Sequential counts as a layer
LAYERS = {
    "linear": lambda r, d: modules.Linear(d, 3, random_state=r),
    "linear_without_input_gradient": lambda r, d: modules.Linear(d, 3, random_state=r, input_grad=False),
    "relu": lambda r, d: modules.ReLU(),
    "leaky_relu": lambda r, d: modules.LeakyReLU(alpha=0.1),
    "sigmoid": lambda r, d: modules.Sigmoid(),
    "tanh": lambda r, d: modules.Tanh(),
    "softmax": lambda r, d: modules.Softmax(),
    "dropout_inverted": lambda r, d: modules.Dropout(0.4, random_state=r),
    "dropout_unscaled": lambda r, d: modules.Dropout(0.4, random_state=r, scale=False),
    "dropout_eval": lambda r, d: modules.Dropout(0.4, random_state=r, scale=False).eval(),
    "mlp_relu_softmax": lambda r, d: modules.Sequential(
        modules.Linear(d, 5, random_state=r), modules.ReLU(), modules.Linear(5, 4, random_state=r), modules.Softmax()),
    "mlp_sigmoid_dropout": lambda r, d: modules.Sequential(
        modules.Linear(d, 6, random_state=r), modules.Sigmoid(), modules.Dropout(0.3, random_state=r),
        modules.Linear(6, 3, random_state=r), modules.LeakyReLU(0.2)),
    "mlp_tanh": lambda r, d: modules.Sequential(
        modules.Linear(d, 4, random_state=r), modules.Tanh(), modules.Linear(4, 2, random_state=r)),
}
LOSSES = {
    "softmax_cross_entropy": (modules.SoftmaxCrossEntropy,
                              lambda z, t: -(t * torch.log_softmax(z, dim=1)).sum() / z.shape[0]),
    "mse": (modules.MSE, lambda p, t: 0.5 * ((p - t) ** 2).sum() / p.shape[0]),
}


def _torch_forward(layer, t, params):
    """The computation of ``layer`` in torch, with its parameters given as tensors and Dropout's mask as used."""
    if isinstance(layer, modules.Sequential):
        for i, sub in enumerate(layer.layers):
            t = _torch_forward(sub, t, {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith(f"{i}.")})
        return t
    if isinstance(layer, modules.Linear):
        return t @ params["W"].T + params["b"]
    if isinstance(layer, modules.Dropout):
        return t * torch.tensor(layer.cache["mask"])
    if isinstance(layer, modules.LeakyReLU):
        return F.leaky_relu(t, layer.alpha)
    functions = {modules.ReLU: torch.relu, modules.Sigmoid: torch.sigmoid, modules.Tanh: torch.tanh,
                 modules.Softmax: lambda u: torch.softmax(u, dim=-1)}
    return functions[type(layer)](t)


def _name(key):
    return "p_" + key.replace(".", "_")  # "0.W" -> "p_0_W", a keyword argument


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_matches_autograd_and_central_differences(name, seed):
    """The UvA contract: forward, backward, fixed-key params and grads; random shapes under a seed."""
    r = np.random.default_rng(seed)
    n, d = int(r.integers(1, 6)), int(r.integers(2, 6))
    x, layer = r.normal(size=(n, d)), LAYERS[name](r, d)
    y = layer.forward(x)
    assert layer.cache  # what backward needs, kept by forward
    G = r.normal(size=y.shape)
    params = dict(layer.params)
    inputs = {"x": x, **{_name(k): v for k, v in params.items()}}

    def torch_loss(x, **tensors):
        out = _torch_forward(layer, x, {k: tensors[_name(k)] for k in params})
        return (out * torch.tensor(G)).sum()

    ref_value, ref = autograd_reference.autograd_gradients(torch_loss, inputs)
    assert abs(float(np.sum(y * G)) - ref_value) <= 1e-12 * max(1.0, abs(ref_value))
    dx = layer.backward(G)
    assert set(layer.grads) == set(layer.params)
    ours = {_name(k): g for k, g in layer.grads.items()}
    first = layer.layers[0] if isinstance(layer, modules.Sequential) else layer
    if getattr(first, "input_grad", True):
        ours["x"] = dx
    else:
        assert dx is None
        ref.pop("x")
    assert gradcheck.compare(ours, ref).ok(1e-10), gradcheck.compare(ours, ref).explain("backward", "autograd")
    assert gradcheck.check_layer(layer, x).ok(1e-6)
    layer.clear_cache()
    with pytest.raises(RuntimeError, match="before forward: run forward"):
        layer.backward(G)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_matches_autograd_and_central_differences(name, seed):
    r = np.random.default_rng(seed)
    n, k = int(r.integers(1, 6)), int(r.integers(2, 6))
    x, t = r.normal(size=(n, k)), np.eye(k)[r.integers(0, k, size=n)]
    layer_cls, torch_loss = LOSSES[name]
    layer = layer_cls()
    value = layer.forward(x, t)
    ref_value, ref = autograd_reference.autograd_gradients(lambda z: torch_loss(z, torch.tensor(t)), {"z": x})
    assert abs(value - ref_value) <= 1e-12 * max(1.0, abs(ref_value))
    assert gradcheck.relative_error(layer.backward(), ref["z"]) < 1e-12
    assert gradcheck.relative_error(layer.backward(-2.0), -2 * ref["z"]) < 1e-12  # an upstream factor
    assert layer.grads == {} == layer.params
    assert gradcheck.check_layer(layer, x, t).ok(1e-6)


@pytest.mark.parametrize("name", ["linear", "sigmoid", "softmax", "dropout_inverted", "mlp_relu_softmax"])
def test_float32_in_float32_out(name):
    r = np.random.default_rng(0)
    layer = LAYERS[name](r, 4)
    x = r.normal(size=(3, 4)).astype(np.float32)
    y = layer.forward(x)
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32
    loss = modules.SoftmaxCrossEntropy()
    loss.forward(x, np.eye(4, dtype=np.float32)[[0, 1, 2]])
    assert loss.backward().dtype == np.float32


def test_linear_float32_parameters_keep_their_dtype_and_integer_dtypes_are_refused():
    lin = modules.Linear(3, 2, random_state=0, dtype=np.float32)
    assert lin.params["W"].dtype == np.float32
    lin.forward(np.ones((4, 3), dtype=np.float32))
    lin.backward(np.ones((4, 2), dtype=np.float32))
    assert lin.grads["W"].dtype == np.float32 and lin.grads["b"].dtype == np.float32
    for dtype in (np.int64, int, "int32", np.bool_):
        with pytest.raises(TypeError, match=r"dtype must be a float type \(np.float32 or np.float64\)"):
            modules.Linear(3, 2, dtype=dtype)


def test_glorot_uniform_scale_shape_and_seed():
    W = modules.glorot_uniform(300, 100, random_state=0)
    limit = np.sqrt(6 / 400)
    assert W.shape == (100, 300) and np.abs(W).max() <= limit and np.abs(W).max() > 0.99 * limit
    assert W.var() == pytest.approx(limit**2 / 3, rel=0.03)  # the variance of U(-limit, limit)
    np.testing.assert_array_equal(W, modules.glorot_uniform(300, 100, random_state=0))
    np.testing.assert_array_equal(modules.Linear(300, 100, random_state=0).params["W"], W)


def test_dropout_train_and_eval_with_and_without_scaling():
    x = np.ones((2000, 50))
    inv = modules.Dropout(0.25, random_state=0)
    y = inv.forward(x)
    assert set(np.unique(y)) == {0.0, 1 / 0.75}
    assert abs((y == 0).mean() - 0.25) < 0.01 and abs(y.mean() - 1) < 0.01
    np.testing.assert_array_equal(inv.cache["mask"], y)
    np.testing.assert_array_equal(inv.backward(x), y)  # dL/dX = g * mask / (1 - p)
    inv.eval()
    np.testing.assert_array_equal(inv.forward(x), x)
    plain = modules.Dropout(0.25, random_state=0, scale=False)
    y = plain.forward(x)
    assert set(np.unique(y)) == {0.0, 1.0}
    np.testing.assert_array_equal(plain.backward(x * 3), 3 * y)
    plain.eval()
    np.testing.assert_allclose(plain.forward(x), 0.75 * x)
    np.testing.assert_allclose(plain.backward(x), 0.75 * x)
    model = modules.Sequential(modules.Linear(50, 2, random_state=0), modules.Dropout(0.5))
    assert not model.eval().layers[1].training and model.train().layers[1].training


def test_a_first_layer_without_input_gradient_returns_none_and_still_fills_its_grads():
    r = np.random.default_rng(0)
    x, G = r.normal(size=(4, 3)), r.normal(size=(4, 2))
    full, first = modules.Linear(3, 2, random_state=0), modules.Linear(3, 2, random_state=0, input_grad=False)
    full.forward(x), first.forward(x)
    assert full.backward(G) is not None and first.backward(G) is None
    assert gradcheck.relative_error(first.grads, full.grads) == 0.0


def test_softmax_cross_entropy_takes_labels_one_hot_rows_or_probabilities():
    r = np.random.default_rng(0)
    z, labels = r.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])
    loss = modules.SoftmaxCrossEntropy()
    one_hot_value = loss.forward(z, np.eye(4)[labels])
    one_hot_grad = loss.backward()
    assert loss.forward(z, labels) == one_hot_value and loss.forward(z, labels.astype(float)) == one_hot_value
    np.testing.assert_array_equal(loss.backward(), one_hot_grad)
    soft = np.full((5, 4), 0.25)
    ref_value, ref = autograd_reference.autograd_gradients(
        lambda z: -(torch.tensor(soft) * torch.log_softmax(z, dim=1)).sum() / 5, {"z": z})
    assert loss.forward(z, soft) == pytest.approx(ref_value, rel=1e-14)
    assert gradcheck.relative_error(loss.backward(), ref["z"]) < 1e-12


def test_sgd_step_needs_a_backward_pass_and_changes_nothing_when_it_fails():
    model = modules.Sequential(modules.Linear(2, 3, random_state=0), modules.ReLU(),
                               modules.Linear(3, 1, random_state=1))
    before = {k: v.copy() for k, v in model.params.items()}
    with pytest.raises(RuntimeError, match=r"has no gradient for 'W': run forward and backward before sgd_step"):
        model.sgd_step(0.1)
    model.forward(np.ones((4, 2)))
    with pytest.raises(RuntimeError, match="run forward and backward before sgd_step"):
        model.sgd_step(0.1)  # forward alone is not enough
    model.layers[0].grads = {"W": np.ones((3, 2)), "b": np.ones(3)}  # a half-finished backward
    with pytest.raises(RuntimeError, match=r"layer 2 \(Linear\(3, 1\)\) has no gradient"):
        model.sgd_step(0.1)
    assert all(np.array_equal(before[k], v) for k, v in model.params.items())


def test_clear_cache_and_backward_before_forward():
    for layer in [modules.Linear(2, 2), modules.ReLU(), modules.Softmax(), modules.Dropout(0.1), modules.MSE(),
                  modules.SoftmaxCrossEntropy()]:
        assert layer.cache == {}
        with pytest.raises(RuntimeError, match=f"{type(layer).__name__}.backward was called before forward"):
            layer.backward() if layer.is_loss else layer.backward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="Sequential.backward was called before forward"):
        modules.Sequential(modules.ReLU()).backward(np.ones((1, 2)))
    model = modules.Sequential(modules.Linear(2, 2), modules.Tanh())
    model.forward(np.ones((1, 2)))
    model.clear_cache()
    assert all(layer.cache == {} for layer in model.layers)


def test_sequential_training_reduces_the_loss_and_exposes_params():
    r = np.random.default_rng(0)
    x = r.normal(size=(64, 2))
    t = np.eye(2)[(x[:, 0] * x[:, 1] > 0).astype(int)]
    model = modules.Sequential(modules.Linear(2, 16, random_state=r), modules.Tanh(),
                               modules.Linear(16, 2, random_state=r))
    assert set(model.params) == {"0.W", "0.b", "2.W", "2.b"}
    loss = modules.SoftmaxCrossEntropy()
    first = loss.forward(model.forward(x), t)
    for _ in range(300):
        loss.forward(model.forward(x), t)
        model.backward(loss.backward())
        model.sgd_step(learning_rate=0.5)
    assert loss.forward(model.forward(x), t) < 0.5 * first
    assert model.params["0.W"] is model.layers[0].params["W"]


def _forwarded(layer, x):
    layer.forward(x)
    return layer


# (what a student writes, the error type, a pattern naming the argument and what to pass instead)
BAD_INPUT = [
    (lambda: modules.Linear(0, 3), ValueError, r"in_features must be a positive integer such as 5, got 0"),
    (lambda: modules.Linear(2.0, 3), TypeError, r"in_features must be a positive integer .* pass 2 without a decimal"),
    (lambda: modules.Linear(2, "3"), TypeError, r"out_features must be a positive integer .* convert text first"),
    (lambda: modules.Linear(2, 3, random_state="seed"), TypeError, r"random_state must be an int seed such as 0"),
    (lambda: modules.Linear(2, 3, random_state=-1), ValueError, r"random_state must be a non-negative seed"),
    (lambda: modules.Linear(2, 3, dtype="banana"), TypeError, r"dtype must be np.float32 or np.float64"),
    (lambda: modules.Linear(2, 3, input_grad="no"), TypeError, r"input_grad must be True or False, got 'no'"),
    (lambda: modules.Linear(3, 2).forward(np.ones((4, 5))), ValueError, r"x must have shape \(N, 3\), got \(4, 5\)\."),
    (lambda: modules.Linear(4, 2).forward(np.ones((4, 3))), ValueError,
     r"x must have shape \(N, 4\), got \(4, 3\) \(transposed\? pass x\.T\)"),
    (lambda: modules.Linear(3, 2).forward(np.ones(3)), ValueError,
     r"x must have shape \(N, 3\), got \(3,\) \(one sample\? pass x\[None\]"),
    (lambda: modules.Linear(3, 2).forward(np.ones((0, 3))), ValueError, r"x is empty .* pass at least one value"),
    (lambda: modules.Linear(3, 2).forward([["1", "2", "3"]]), TypeError,
     r"x must be an array of real numbers, got values of dtype <U1"),
    (lambda: modules.Linear(3, 2).forward(np.array([[1.0, 2.0, 3.0], [0.0, np.nan, 1.0]])), ValueError,
     r"x contains NaN at index \(1, 1\) .* normalisation"),
    (lambda: modules.Linear(3, 2).forward([[1, 2], [3]]), TypeError, r"x must be an array of numbers \(rows of equal"),
    (lambda: _set_weights(modules.Linear(3, 2), np.ones((3, 2))).forward(np.ones((1, 3))), ValueError,
     r"params\['W'\] must have shape \(2, 3\), got \(3, 2\) \(transposed\? pass params\['W'\]\.T\)"),
    (lambda: _forwarded(modules.Linear(3, 2), np.ones((4, 3))).backward(np.ones((4, 3))), ValueError,
     r"grad_output must have the shape of the forward output: expected \(4, 2\), got \(4, 3\)"),
    (lambda: _forwarded(modules.ReLU(), np.ones((2, 2))).backward(np.ones(2)), ValueError,
     r"grad_output must have the shape .* expected \(2, 2\), got \(2,\)"),
    (lambda: _forwarded(modules.Tanh(), np.ones(2)).backward(np.array([np.inf, 0.0])), ValueError,
     r"grad_output contains infinity at index \(0,\)"),
    (lambda: modules.ReLU().forward("1.0"), TypeError, r"x must be an array of real numbers, .* convert text first"),
    (lambda: modules.Sigmoid().forward([]), ValueError, r"x is empty"),
    (lambda: modules.LeakyReLU(alpha="0.1"), TypeError, r"alpha must be a real number such as 0.5, .* convert text"),
    (lambda: modules.LeakyReLU(alpha=-0.1), ValueError, r"alpha must be a number >= 0, got -0.1"),
    (lambda: modules.Softmax().forward(3.0), ValueError, r"x must have a last axis of classes, shape \(\.\.\., K\)"),
    (lambda: modules.Dropout(1.0), ValueError, r"p must be a probability in \[0, 1\), got 1.0"),
    (lambda: modules.Dropout("0.5"), TypeError, r"p must be a real number .* convert text first"),
    (lambda: modules.Dropout(0.5, scale="yes"), TypeError, r"scale must be True or False, got 'yes'"),
    (lambda: modules.SoftmaxCrossEntropy().forward(np.ones((2, 3)), [0, 5]), ValueError,
     r"target must hold classes 0..2, but target\[1\] = 5"),
    (lambda: modules.SoftmaxCrossEntropy().forward(np.ones((2, 3)), [0.5, 1.0]), ValueError,
     r"target must hold whole class numbers 0..2, but target\[0\] = 0.5"),
    (lambda: modules.SoftmaxCrossEntropy().forward(np.ones((2, 3)), np.ones((2, 3))), ValueError,
     r"target row 0 is \[1.0, 1.0, 1.0\], not a distribution over the 3 classes: pass one-hot rows"),
    (lambda: modules.SoftmaxCrossEntropy().forward(np.ones((2, 3)), np.eye(3)[[0, 1]].T), ValueError,
     r"target must have the shape of the prediction \(S, K\) = \(2, 3\), got \(3, 2\) \(transposed\? pass target\.T\)"),
    (lambda: modules.SoftmaxCrossEntropy().forward(np.ones((2, 3)), np.eye(3)), ValueError,
     r"got \(3, 3\) \(one target row per prediction row\)"),
    (lambda: modules.MSE().forward(np.ones((2, 3)), [0, 1]), ValueError,
     r"got \(2,\) \(class labels\? pass one-hot rows np.eye\(3\)\[labels\]\)"),
    (lambda: modules.MSE().forward(np.ones((2, 1)), [0.0, 1.0]), ValueError, r"\(pass target.reshape\(-1, 1\)\)"),
    (lambda: modules.MSE().forward(np.ones(3), np.ones(3)), ValueError,
     r"pred must have shape \(S, K\), got \(3,\) \(one sample\? pass pred\[None\]"),
    (lambda: modules.MSE().forward(np.ones((2, 2)), np.array([[1.0, np.nan], [0.0, 0.0]])), ValueError,
     r"target contains NaN at index \(0, 1\)"),
    (lambda: _forwarded_loss(modules.MSE()).backward("1"), TypeError, r"grad_output must be a real number"),
    (lambda: modules.Sequential(), ValueError, r"Sequential needs at least one layer, e.g. Sequential\(Linear"),
    (lambda: modules.Sequential(np.tanh), TypeError, r"Sequential takes layers \(Module instances\); item 0 is"),
    (lambda: modules.Sequential(modules.Linear(2, 2), modules.MSE()), TypeError, r"Put the loss outside Sequential"),
    (lambda: _trained(modules.Sequential(modules.Linear(2, 2))).sgd_step("0.1"), TypeError,
     r"learning_rate must be a real number such as 0.5, .* convert text first"),
    (lambda: _trained(modules.Sequential(modules.Linear(2, 2))).sgd_step(float("nan")), ValueError,
     r"learning_rate must be a finite number, got nan"),
    (lambda: _trained(modules.Sequential(modules.Linear(2, 2))).sgd_step(-0.1), ValueError,
     r"learning_rate must be a positive number, got -0.1"),
    (lambda: modules.glorot_uniform(0, 3), ValueError, r"n_in must be a positive integer such as 5, got 0"),
]


def _set_weights(layer, W):
    layer.params["W"] = W
    return layer


def _forwarded_loss(loss):
    loss.forward(np.ones((2, 2)), np.eye(2))
    return loss


def _trained(model):
    model.forward(np.ones((3, 2)))
    model.backward(np.ones((3, 2)))
    return model


@pytest.mark.parametrize("call, error, message", BAD_INPUT, ids=[f"case{i}" for i in range(len(BAD_INPUT))])
def test_bad_input_names_the_argument_and_what_to_pass(call, error, message):
    with pytest.raises(error, match=message):
        call()
