"""helpers.networks: scratch vs torch autograd vs finite differences, three-way equivalence, learning, interfaces."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from helpers.data import load_mnist
from helpers.networks import DivergenceError, initial_weights
from helpers.networks.scratch import NeuralNetwork
from helpers.networks.torch_net import NeuralNetworkTorch, make_loaders

torch.set_num_threads(1)  # tiny matrices: thread hand-offs cost more than they save


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """NumPy's multi-threaded BLAS spins on a busy shared machine; one thread is faster for these sizes."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield
SIZES = [12, 7, 5, 4]
TOL = 1e-10  # float64: scratch and torch agree to rounding error
# Keras' loss objects compute in keras.config.floatx() (float32) unless given a dtype, so a float64 Keras model
# still agrees only to float32 rounding (observed ~4e-8 on the loss, ~8e-9 on the gradients).
KERAS_TOL = 1e-6


def _batch(n=6, sizes=SIZES, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, sizes[0]))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    return x, y


@pytest.fixture(scope="module")
def small():
    return load_mnist(1000, 300, random_state=0)


# ---------------------------------------------------------------------------------------------- weights
def test_initial_weights_shapes_seed_and_dtype():
    w = initial_weights([784, 16, 10], random_state=3, dtype=np.float32)
    assert [(W.shape, b.shape) for W, b in w] == [((16, 784), (16,)), ((10, 16), (10,))]
    assert w[0][0].dtype == np.float32 and np.all(w[0][1] == 0)
    limit = np.sqrt(6 / 800)
    assert np.abs(w[0][0]).max() <= limit and np.abs(w[0][0]).max() > 0.9 * limit
    np.testing.assert_array_equal(w[0][0], initial_weights([784, 16, 10], 3, np.float32)[0][0])
    assert not np.array_equal(w[0][0], initial_weights([784, 16, 10], 4, np.float32)[0][0])


@pytest.mark.parametrize("sizes", [[784], [784, 0, 10], [784, -3], [784, 2.5, 10]])
def test_bad_sizes_raise(sizes):
    with pytest.raises(ValueError, match="sizes"):
        initial_weights(sizes)


def test_set_get_parameters_round_trip_and_shape_error():
    w = initial_weights(SIZES, 5)
    for net in (NeuralNetwork(SIZES, dtype=np.float64), NeuralNetworkTorch(SIZES, dtype=torch.float64)):
        net.set_parameters(w)
        for (W, b), (W2, b2) in zip(w, net.get_parameters()):
            np.testing.assert_array_equal(W, W2)
            np.testing.assert_array_equal(b, b2)
        with pytest.raises(ValueError, match="do not fit"):
            net.set_parameters(w[:-1])
    assert NeuralNetwork(SIZES).count_parameters() == NeuralNetworkTorch(SIZES).count_parameters() == 12*7+7+7*5+5+5*4+4


@pytest.mark.parametrize("kwargs, match", [
    ({"epochs": 0}, "epochs"), ({"learning_rate": -1.0}, "learning_rate"), ({"learning_rate": float("nan")}, "learning_rate"),
    ({"batch_size": 0}, "batch_size"), ({"loss": "hinge"}, "unknown loss"),
])
def test_scratch_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NeuralNetwork(SIZES, **kwargs)


def test_torch_bad_arguments_and_input_width():
    with pytest.raises(ValueError, match="learning_rate"):
        NeuralNetworkTorch(SIZES, learning_rate=0)
    with pytest.raises(ValueError, match="flatten to 12"):
        NeuralNetworkTorch(SIZES).predict(np.zeros((2, 5)))


def test_scratch_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="forward"):
        NeuralNetwork(SIZES).backward(np.eye(4)[:2])


# ---------------------------------------------------------------------------------------------- gradients
def _torch_reference(weights, x, y, loss):
    """The same network written directly in torch float64, loss by hand; autograd gradients."""
    params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in weights]
    h = torch.tensor(x)
    for i, (W, b) in enumerate(params):
        h = h @ W.T + b
        if i < len(params) - 1:
            h = torch.sigmoid(h)
    t = torch.tensor(y)
    if loss == "mse":
        value = ((torch.softmax(h, 1) - t) ** 2).mean()  # mean over batch and classes (torch MSELoss)
    else:
        value = -(t * torch.log_softmax(h, 1)).sum(1).mean()
    value.backward()
    return value.item(), [(W.grad.numpy(), b.grad.numpy()) for W, b in params]


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_scratch_gradients_match_torch_autograd(loss):
    w = initial_weights(SIZES, 2)
    x, y = _batch()
    net = NeuralNetwork(SIZES, dtype=np.float64)
    net.set_parameters(w)
    value, grads = net.loss_and_gradients(x, y, loss=loss)
    ref_value, ref_grads = _torch_reference(w, x, y, loss)
    assert abs(value - ref_value) < TOL
    for (dW, db), (rW, rb) in zip(grads, ref_grads):
        np.testing.assert_allclose(dW, rW, rtol=1e-9, atol=TOL)
        np.testing.assert_allclose(db, rb, rtol=1e-9, atol=TOL)


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_scratch_gradients_match_finite_differences(loss):
    x, y = _batch(n=4, seed=1)
    net = NeuralNetwork(SIZES, dtype=np.float64, random_state=4)
    _, grads = net.loss_and_gradients(x, y, loss=loss)
    eps = 1e-6
    for layer, (dW, db) in zip(net.linears, grads):
        for name, analytic in (("W", dW), ("b", db)):
            p = layer.params[name]
            numeric = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + eps
                plus = net.loss_and_gradients(x, y, loss=loss)[0]
                p[idx] = old - eps
                minus = net.loss_and_gradients(x, y, loss=loss)[0]
                p[idx] = old
                numeric[idx] = (plus - minus) / (2 * eps)
            rel = np.abs(numeric - analytic).max() / max(np.abs(numeric).max(), 1e-12)
            assert rel < 1e-6, (name, rel)


def test_mse_uses_full_softmax_jacobian_not_its_diagonal():
    """The diagonal-only shortcut gives a different (wrong) gradient; ours matches autograd (above)."""
    w = initial_weights(SIZES, 2)
    x, y = _batch()
    net = NeuralNetwork(SIZES, dtype=np.float64)
    net.set_parameters(w)
    _, grads = net.loss_and_gradients(x, y, loss="mse")
    probs = net.forward(x)
    diag_only = (2 / y.shape[1]) * (probs - y) / len(y) * probs * (1 - probs)
    h = net.model.layers[-1]._cache["x"]
    assert not np.allclose(diag_only.T @ h, grads[-1][0], atol=1e-6)


def _keras_available():
    return importlib.util.find_spec("helpers.networks.keras_net") is not None


@pytest.mark.parametrize("sizes", [SIZES, [784, 16, 10]])
def test_three_way_equivalence_from_identical_weights(sizes):
    """Same weights, same batch -> same cross-entropy and gradients (float64; TOL for torch, KERAS_TOL for Keras)."""
    w = initial_weights(sizes, 7)
    x, y = _batch(n=8, sizes=sizes, seed=3)
    scratch = NeuralNetwork(sizes, dtype=np.float64)
    torch_net = NeuralNetworkTorch(sizes, dtype=torch.float64)
    nets = [scratch, torch_net]
    for net in nets:
        net.set_parameters(w)
    results = [net.loss_and_gradients(x, y) for net in nets]
    if _keras_available():
        from helpers.networks.keras_net import NeuralNetworkTf

        tf_net = NeuralNetworkTf(sizes, dtype="float64")
        tf_net.set_parameters(w)
        results.append(tf_net.loss_and_gradients(x, y))
    ref_value, ref_grads = results[0]
    for k, (value, grads) in enumerate(results[1:], start=1):
        tol = TOL if k == 1 else KERAS_TOL
        assert abs(value - ref_value) < tol
        for (dW, db), (rW, rb) in zip(grads, ref_grads):
            np.testing.assert_allclose(dW, rW, rtol=0, atol=tol)
            np.testing.assert_allclose(db, rb, rtol=0, atol=tol)


# ---------------------------------------------------------------------------------------------- learning
def test_scratch_learns_well_above_chance(small, capsys):
    net = NeuralNetwork([784, 32, 10], epochs=5, learning_rate=1.0, batch_size=32, loss="cross_entropy")
    h = net.fit(small.x_train, small.y_train, small.x_val, small.y_val)
    assert h["val_accuracy"][-1] > 0.6 and len(h["accuracy"]) == 5  # chance is 0.1
    out = capsys.readouterr().out
    assert "Epoch 5/5" in out and " s - " in out and "val_accuracy" in out
    assert net.predict(small.x_val[:5]).shape == (5,)


def test_torch_learns_well_above_chance_with_image_shaped_batches(small):
    images = small.x_train.reshape(-1, 1, 28, 28)
    tl, vl = make_loaders(images, small.y_train, small.x_val.reshape(-1, 28, 28), small.y_val, batch_size=32)
    net = NeuralNetworkTorch([784, 32, 10], epochs=5, learning_rate=1.0)
    h = net.fit(tl, vl, verbose=False)
    assert h["val_accuracy"][-1] > 0.6  # chance is 0.1
    assert net.compute_accuracy(small.x_val, small.y_val) == pytest.approx(h["val_accuracy"][-1])


def test_on_epoch_end_is_called_each_epoch(small):
    seen = []
    net = NeuralNetwork([784, 8, 10], epochs=2, learning_rate=0.5, batch_size=64)
    net.fit(small.x_train[:200], small.y_train[:200], small.x_val, small.y_val, verbose=False,
            on_epoch_end=lambda epoch, history: seen.append((epoch, len(history["val_accuracy"]))))
    assert seen == [(1, 1), (2, 2)]


def test_fit_is_reproducible(small):
    runs = [NeuralNetwork([784, 8, 10], epochs=1, batch_size=16, learning_rate=0.5)
            .fit(small.x_train[:300], small.y_train[:300], small.x_val, small.y_val, verbose=False) for _ in range(2)]
    assert runs[0] == runs[1]


def test_divergence_raises_clear_error(small):
    net = NeuralNetwork([784, 8, 10], epochs=3, learning_rate=1e38, batch_size=16, loss="cross_entropy")
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        net.fit(small.x_train[:200], small.y_train[:200], small.x_val, small.y_val, verbose=False)
    tl, vl = make_loaders(small.x_train[:200], small.y_train[:200], small.x_val, small.y_val)
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        NeuralNetworkTorch([784, 8, 10], epochs=3, learning_rate=1e38).fit(tl, vl, verbose=False)


# ---------------------------------------------------------------------------------------------- original usage
def test_original_assignment_usage_runs_unchanged(small, capsys):
    """G1/G2 as the assignment notebook calls them: positional args, fit signatures, history keys."""
    x_train, y_train, x_val, y_val = small.x_train[:400], small.y_train[:400], small.x_val, small.y_val
    nn_scratch = NeuralNetwork([784, 32, 10], 2, 1.5, 1)
    history = nn_scratch.fit(x_train, y_train, x_val, y_val)
    assert set(history) >= {"accuracy", "val_accuracy"} and len(history["accuracy"]) == 2
    assert 0 <= nn_scratch.compute_accuracy(x_val, y_val) <= 1
    assert nn_scratch.predict(x_val).dtype.kind == "i"

    from torch.utils.data import DataLoader, TensorDataset

    train_loader = DataLoader(TensorDataset(torch.tensor(x_train), torch.tensor(y_train.argmax(1))), batch_size=32)
    val_loader = DataLoader(TensorDataset(torch.tensor(x_val), torch.tensor(y_val.argmax(1))), batch_size=32)
    nn_torch = NeuralNetworkTorch([784, 32, 10], 2, 0.5, 1)
    assert len(list(nn_torch.optimizer.param_groups[0]["params"])) == 4  # the optimizer holds the layers
    history = nn_torch.fit(train_loader, val_loader)
    assert set(history) >= {"accuracy", "val_accuracy"} and len(history["val_accuracy"]) == 2
    assert nn_torch.predict(torch.tensor(x_val)).shape == (len(x_val),)
    assert "Epoch 2/2" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------- workbench
@pytest.mark.parametrize("implementation", ["scratch", "torch", "keras"])
def test_workbench_train_each_implementation(small, implementation):
    if implementation == "keras" and not _keras_available():
        pytest.skip("keras_net not present")
    from helpers.networks import workbench

    seen = []
    net, history = workbench.train(implementation, small, [16], learning_rate=1.0, batch_size=32, epochs=2,
                                   verbose=False, progress=False, on_epoch_end=lambda e, h: seen.append(e))
    assert seen == [1, 2] and len(history["val_accuracy"]) == 2 and history["val_accuracy"][-1] > 0.3
    assert net.count_parameters() == 784 * 16 + 16 + 16 * 10 + 10


def test_workbench_rejects_unknown_implementation(small):
    from helpers.networks import workbench

    with pytest.raises(ValueError, match="unknown implementation"):
        workbench.train("jax", small)


def test_workbench_plots_and_panel(small):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.data import MnistSplit
    from helpers.networks import workbench

    fig, ax = plt.subplots()
    workbench.plot_history({"accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7]}, ax, "t")
    assert len(ax.lines) == 3 and ax.get_title() == "t"
    workbench.plot_class_balance(small.y_train, small.y_val, ax)
    grid = workbench.show_digits(small.x_train[:12], [str(i) for i in range(12)], n_cols=5)
    assert len(grid.axes) == 15
    plt.close("all")
    tiny = MnistSplit(small.x_train[:200], small.y_train[:200], small.x_val[:50], small.y_val[:50], "tiny")
    panel = workbench.train_panel(tiny, default={"epochs": 2})
    out = panel.children[1]
    assert len(out.outputs) == 1 and "image/png" in out.outputs[0]["data"]  # the default curve is drawn
