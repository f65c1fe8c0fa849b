"""helpers.networks (shared checks), scratch and torch_net: gradients vs autograd and finite differences,
three-way equivalence, learning, the original interfaces, stop and progress hooks, and a table of bad inputs."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from helpers import gradcheck, modules
from helpers.networks import check_sizes, image_batch, initial_weights, labelled_images
from helpers.networks.scratch import NeuralNetwork
from helpers.networks.torch_net import NeuralNetworkTorch, make_loaders
from helpers.validation import DivergenceError

torch.set_num_threads(1)  # tiny matrices: thread hand-offs cost more than they save

SIZES = [12, 7, 5, 4]
TOL = 1e-10  # float64: the three implementations agree to rounding error


def _batch(n=6, sizes=SIZES, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, sizes[0]))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    return x, y


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


# ---------------------------------------------------------------------------------------------- shared
def test_initial_weights_are_modules_glorot_drawn_from_one_generator():
    w = initial_weights([784, 16, 10], random_state=3, dtype=np.float32)
    assert [(W.shape, b.shape) for W, b in w] == [((16, 784), (16,)), ((10, 16), (10,))]
    assert w[0][0].dtype == np.float32 and np.all(w[0][1] == 0)
    rng = np.random.default_rng(3)
    expected = [modules.glorot_uniform(784, 16, rng, np.float32), modules.glorot_uniform(16, 10, rng, np.float32)]
    for (W, _), E in zip(w, expected, strict=True):
        np.testing.assert_array_equal(W, E)
    limit = np.sqrt(6 / 800)
    assert limit >= np.abs(w[0][0]).max() > 0.9 * limit
    assert not np.array_equal(w[0][0], initial_weights([784, 16, 10], 4, np.float32)[0][0])


def test_image_batch_accepts_one_image_a_batch_and_image_shaped_batches():
    x = np.random.default_rng(0).random((3, 784))
    assert image_batch(x[0], 784)[1] is True and image_batch(x[0], 784)[0].shape == (1, 784)
    assert image_batch(x, 784)[1] is False
    np.testing.assert_array_equal(image_batch(x.reshape(3, 28, 28), 784)[0], x)
    np.testing.assert_array_equal(image_batch(torch.tensor(x), 784)[0], x)


def test_labelled_images_converts_integer_labels_to_one_hot():
    x, t = labelled_images(np.zeros((3, 4)), [2, 0, 1], 4, 3)
    np.testing.assert_array_equal(t, np.eye(3)[[2, 0, 1]])
    assert x.dtype == t.dtype == np.float32


def _nan_images():
    x = np.ones((4, 784))
    x[2, 5] = np.nan
    return x


@pytest.mark.parametrize("call, error, words", [
    (lambda: check_sizes("784,10"), TypeError, ["sizes", "[784, 128, 10]"]),
    (lambda: check_sizes([784]), ValueError, ["sizes", "at least two"]),
    (lambda: check_sizes([784, 0, 10]), ValueError, ["sizes[1]", "positive integer"]),
    (lambda: check_sizes([784, 2.5, 10]), TypeError, ["sizes[1]", "integer"]),
    (lambda: image_batch("abc", 784), TypeError, ["x", "real numbers"]),
    (lambda: image_batch(np.zeros((28, 28)), 784), ValueError, ["(28, 28)", "x.reshape(784)"]),
    (lambda: image_batch(np.zeros(12), 784), ValueError, ["(12,)", "(N, 784)"]),
    (lambda: image_batch(_nan_images(), 784), ValueError, ["x", "NaN", "(2, 5)"]),
    (lambda: labelled_images(np.zeros((0, 784)), np.zeros((0, 10)), 784, 10, ("x_train", "y_train")),
     ValueError, ["x_train", "empty"]),
    (lambda: labelled_images(np.zeros((4, 784)), np.eye(10)[:3], 784, 10, ("x_train", "y_train")),
     ValueError, ["x_train", "y_train", "same number"]),
    (lambda: labelled_images(np.zeros((3, 784)), [0, 1, 12], 784, 10, ("x_train", "y_train")),
     ValueError, ["y_train", "0..9", "12"]),
    (lambda: labelled_images(np.zeros(784), [1], 784, 10, ("x_train", "y_train")), ValueError,
     ["x_train", "one image", "x_train[None]"]),
    (lambda: labelled_images(np.zeros((2, 784)), np.full((2, 10), 0.1), 784, 10), ValueError, ["y", "one-hot"]),
])
def test_shared_checks_name_the_argument_and_what_to_pass(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


# ---------------------------------------------------------------------------------------------- construction
def test_set_get_parameters_round_trip_and_shape_error():
    w = initial_weights(SIZES, 5)
    for net in (NeuralNetwork(SIZES, dtype=np.float64), NeuralNetworkTorch(SIZES, dtype=torch.float64)):
        net.set_parameters(w)
        for (W, b), (W2, b2) in zip(w, net.get_parameters(), strict=True):
            np.testing.assert_array_equal(W, W2)
            np.testing.assert_array_equal(b, b2)
        with pytest.raises(ValueError, match="do not fit"):
            net.set_parameters(w[:-1])
        with pytest.raises(ValueError, match="do not fit"):
            net.set_parameters([(W.T, b) for W, b in w])  # transposed weights
    assert NeuralNetwork(SIZES).count_parameters() == NeuralNetworkTorch(SIZES).count_parameters() == \
        12 * 7 + 7 + 7 * 5 + 5 + 5 * 4 + 4


@pytest.mark.parametrize("cls", [NeuralNetwork, NeuralNetworkTorch])
@pytest.mark.parametrize("kwargs, error, words", [
    ({"epochs": 0}, ValueError, ["epochs", "positive integer"]),
    ({"epochs": 2.0}, TypeError, ["epochs", "pass 2"]),
    ({"learning_rate": -1.0}, ValueError, ["learning_rate", "positive"]),
    ({"learning_rate": float("nan")}, ValueError, ["learning_rate", "finite"]),
    ({"learning_rate": "0.1"}, TypeError, ["learning_rate", "float('0.1')"]),
    ({"random_state": "0"}, TypeError, ["random_state"]),
])
def test_constructor_bad_arguments(cls, kwargs, error, words):
    with pytest.raises(error) as info:
        cls(SIZES, **kwargs)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"batch_size": 0}, ValueError, "batch_size"), ({"loss": "hinge"}, ValueError, "unknown loss"),
    ({"dtype": np.int64}, TypeError, "float"),
])
def test_scratch_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        NeuralNetwork(SIZES, **kwargs)


class _Untouchable(np.ndarray):
    """An array that refuses to take part in any computation: stands in for W1 after the forward pass."""

    def __array_ufunc__(self, *args, **kwargs):
        raise AssertionError("backward used W1: it computed the gradient with respect to the input images")


def test_scratch_first_layer_skips_the_input_gradient():
    net = NeuralNetwork(SIZES, dtype=np.float64)
    x, y = _batch()
    net.forward(x)
    W1, b1 = net.weights[0]
    net.weights[0] = (W1.view(_Untouchable), b1)  # dL/dX = delta @ W1 would touch it; dL/dW1 does not
    net.backward(y)
    assert net.grads[0][0].shape == (7, 12) and np.all(np.isfinite(net.grads[0][0]))


def test_scratch_forward_keeps_what_backward_needs():
    net = NeuralNetwork(SIZES, dtype=np.float64)
    x, _ = _batch()
    y = net.forward(x)
    assert [a.shape for a in net.cache["inputs"]] == [(6, 12), (6, 7), (6, 5)] and net.cache["y"] is y
    np.testing.assert_allclose(y.sum(axis=1), 1.0)


def test_scratch_softmax_does_not_overflow_for_large_logits():
    net = NeuralNetwork(SIZES, dtype=np.float64)
    W, b = net.weights[-1]
    net.weights[-1] = (W * 1e4, b)
    with np.errstate(over="raise", invalid="raise"):
        y = net.forward(_batch()[0])
    assert np.all(np.isfinite(y)) and np.allclose(y.sum(axis=1), 1.0)


def test_scratch_update_moves_every_parameter_by_minus_learning_rate_times_its_gradient():
    net = NeuralNetwork(SIZES, learning_rate=0.3, dtype=np.float64)
    before = net.get_parameters()
    rng = np.random.default_rng(0)
    net.grads = [(rng.normal(size=W.shape), rng.normal(size=b.shape)) for W, b in before]
    net.update()
    for (W, b), (W0, b0), (dW, db) in zip(net.weights, before, net.grads, strict=True):
        np.testing.assert_allclose(W, W0 - 0.3 * dW)
        np.testing.assert_allclose(b, b0 - 0.3 * db)


def test_scratch_backward_before_forward_update_before_backward_and_wrong_label_count_raise():
    with pytest.raises(RuntimeError, match="forward"):
        NeuralNetwork(SIZES).backward(np.eye(4)[:2])
    with pytest.raises(RuntimeError, match="before backward"):
        NeuralNetwork(SIZES).update()
    net = NeuralNetwork(SIZES)
    net.forward(np.zeros((3, 12), dtype=np.float32))
    with pytest.raises(ValueError, match="one label per image"):
        net.backward(np.eye(4)[:2])


# ---------------------------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_scratch_gradients_match_torch_autograd(loss):
    w = initial_weights(SIZES, 2)
    x, y = _batch()
    net = NeuralNetwork(SIZES, dtype=np.float64)
    net.set_parameters(w)
    value, grads = net.loss_and_gradients(x, y, loss=loss)
    ref_value, ref_grads = _torch_reference(w, x, y, loss)
    assert abs(value - ref_value) < TOL
    named = {f"{i}.{k}": a for i, pair in enumerate(grads) for k, a in zip("Wb", pair, strict=True)}
    reference = {f"{i}.{k}": r for i, pair in enumerate(ref_grads) for k, r in zip("Wb", pair, strict=True)}
    assert gradcheck.relative_error(named, reference) < 1e-9


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_scratch_gradients_match_finite_differences(loss):
    x, y = _batch(n=4, seed=1)
    net = NeuralNetwork(SIZES, dtype=np.float64, random_state=4)
    _, grads = net.loss_and_gradients(x, y, loss=loss)
    for (W, b), (dW, db) in zip(net.weights, grads, strict=True):  # the arrays themselves, nudged in place
        numeric = {name: gradcheck.numerical_gradient(lambda: net.loss_and_gradients(x, y, loss=loss)[0], param)
                   for name, param in (("W", W), ("b", b))}
        assert gradcheck.relative_error({"W": dW, "b": db}, numeric) < 1e-6


def test_loss_and_gradients_leaves_the_networks_loss_as_it_was():
    net = NeuralNetwork(SIZES, dtype=np.float64, loss="mse")
    x, y = _batch()
    net.loss_and_gradients(x, y, loss="cross_entropy")
    assert net.loss == "mse"
    with pytest.raises(ValueError, match="unknown loss"):
        net.loss_and_gradients(x, y, loss="hinge")
    assert net.loss == "mse"


@pytest.mark.parametrize("sizes", [SIZES, [784, 16, 10]])
def test_three_way_equivalence_from_identical_weights(sizes):
    """Same weights, same batch -> same cross-entropy and gradients in float64, to rounding error."""
    from helpers.networks.keras_net import NeuralNetworkTf

    w = initial_weights(sizes, 7)
    x, y = _batch(n=8, sizes=sizes, seed=3)
    nets = [NeuralNetwork(sizes, dtype=np.float64), NeuralNetworkTorch(sizes, dtype=torch.float64),
            NeuralNetworkTf(sizes, dtype="float64")]
    results = []
    for net in nets:
        net.set_parameters(w)
        results.append(net.loss_and_gradients(x, y))
    ref_value, ref_grads = results[0]
    for value, grads in results[1:]:
        assert abs(value - ref_value) < TOL
        for (dW, db), (rW, rb) in zip(grads, ref_grads, strict=True):
            np.testing.assert_allclose(dW, rW, rtol=0, atol=TOL)
            np.testing.assert_allclose(db, rb, rtol=0, atol=TOL)


# ---------------------------------------------------------------------------------------------- learning
def test_scratch_learns_well_above_chance(small_mnist, capsys):
    s = small_mnist
    net = NeuralNetwork([784, 32, 10], epochs=5, learning_rate=1.0, batch_size=32, loss="cross_entropy")
    h = net.fit(s.x_train, s.y_train, s.x_val, s.y_val)
    assert h["val_accuracy"][-1] > 0.6 and len(h["accuracy"]) == 5  # chance is 0.1
    out = capsys.readouterr().out
    assert "Epoch 5/5" in out and " s - " in out and "val_accuracy" in out


def test_scratch_fit_accepts_integer_labels(small_mnist):
    s = small_mnist
    kwargs = dict(epochs=1, learning_rate=0.5, batch_size=32, loss="cross_entropy")
    one_hot = NeuralNetwork([784, 8, 10], **kwargs).fit(s.x_train[:200], s.y_train[:200], s.x_val, s.y_val,
                                                         verbose=False)
    integer = NeuralNetwork([784, 8, 10], **kwargs).fit(s.x_train[:200], s.y_train[:200].argmax(1), s.x_val,
                                                         s.y_val.argmax(1), verbose=False)
    assert one_hot == integer


def test_torch_learns_well_above_chance_with_image_shaped_batches(small_mnist):
    s = small_mnist
    images = s.x_train.reshape(-1, 1, 28, 28)
    tl, vl = make_loaders(images, s.y_train, s.x_val.reshape(-1, 28, 28), s.y_val, batch_size=32)
    net = NeuralNetworkTorch([784, 32, 10], epochs=5, learning_rate=1.0)
    h = net.fit(tl, vl, verbose=False)
    assert h["val_accuracy"][-1] > 0.6  # chance is 0.1
    assert net.compute_accuracy(s.x_val, s.y_val) == pytest.approx(h["val_accuracy"][-1])


def test_hooks_report_every_batch_and_epoch(small_mnist):
    s = small_mnist
    batches, epochs = [], []
    net = NeuralNetwork([784, 8, 10], epochs=2, learning_rate=0.5, batch_size=64)
    net.fit(s.x_train[:200], s.y_train[:200], s.x_val, s.y_val, verbose=False,
            on_epoch_end=lambda epoch, history: epochs.append((epoch, len(history["val_accuracy"]))),
            on_batch_end=lambda epoch, batch, n: batches.append((epoch, batch, n)))
    assert epochs == [(1, 1), (2, 2)]
    assert batches == [(e, b, 4) for e in (1, 2) for b in (1, 2, 3, 4)]


@pytest.mark.parametrize("implementation", ["scratch", "torch"])
def test_stop_ends_training_after_the_current_batch_and_keeps_completed_epochs(small_mnist, implementation):
    s = small_mnist
    stop = threading.Event()
    seen = []

    def on_batch_end(epoch, batch, n):
        seen.append((epoch, batch))
        if (epoch, batch) == (2, 3):
            stop.set()

    if implementation == "scratch":
        net = NeuralNetwork([784, 8, 10], epochs=5, learning_rate=0.5, batch_size=32)
        history = net.fit(s.x_train[:320], s.y_train[:320], s.x_val, s.y_val, verbose=False,
                          on_batch_end=on_batch_end, stop=stop)
    else:
        loaders = make_loaders(s.x_train[:320], s.y_train[:320], s.x_val, s.y_val, batch_size=32)
        history = NeuralNetworkTorch([784, 8, 10], epochs=5, learning_rate=0.5).fit(
            *loaders, verbose=False, on_batch_end=on_batch_end, stop=stop)
    assert seen[-1] == (2, 3) and len(seen) == 13  # 10 batches of epoch 1, then 3
    assert len(history["val_accuracy"]) == 1


def test_fit_is_reproducible(small_mnist):
    s = small_mnist
    runs = [NeuralNetwork([784, 8, 10], epochs=1, batch_size=16, learning_rate=0.5)
            .fit(s.x_train[:300], s.y_train[:300], s.x_val, s.y_val, verbose=False) for _ in range(2)]
    assert runs[0] == runs[1]


def test_divergence_is_reported_only_for_a_loss_that_became_non_finite_from_finite_data(small_mnist):
    s = small_mnist
    net = NeuralNetwork([784, 8, 10], epochs=3, learning_rate=1e38, batch_size=16, loss="cross_entropy")
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        net.fit(s.x_train[:200], s.y_train[:200], s.x_val, s.y_val, verbose=False)
    tl, vl = make_loaders(s.x_train[:200], s.y_train[:200], s.x_val, s.y_val)
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        NeuralNetworkTorch([784, 8, 10], epochs=3, learning_rate=1e38).fit(tl, vl, verbose=False)
    x = s.x_train[:200].copy()
    x[7, 300] = np.nan  # a bad normalisation, not a bad learning rate
    with pytest.raises(ValueError, match="x_train contains NaN") as info:
        NeuralNetwork([784, 8, 10], epochs=1).fit(x, s.y_train[:200], s.x_val, s.y_val, verbose=False)
    assert not isinstance(info.value, DivergenceError)


# ---------------------------------------------------------------------------------------------- bad data
def _scratch_fit(x, y, xv, yv):
    return NeuralNetwork([784, 4, 10], epochs=1).fit(x, y, xv, yv, verbose=False)


@pytest.mark.parametrize("make, error, words", [
    (lambda s: (s.x_train[:0], s.y_train[:0], s.x_val, s.y_val), ValueError, ["x_train", "empty"]),
    (lambda s: (s.x_train[:10], s.y_train[:10], s.x_val[:0], s.y_val[:0]), ValueError, ["x_val", "empty"]),
    (lambda s: (s.x_train[:10], s.y_train[:9], s.x_val, s.y_val), ValueError, ["x_train", "y_train", "same number"]),
    (lambda s: (s.x_train[:10], s.y_train[:10].argmax(1) + 5, s.x_val, s.y_val), ValueError, ["y_train", "0..9"]),
    (lambda s: (s.x_train[:10], s.y_train[:10].astype(float) * 0.5, s.x_val, s.y_val), ValueError,
     ["y_train", "one-hot"]),
    (lambda s: (s.x_train[:10].T, s.y_train[:10], s.x_val, s.y_val), ValueError, ["x_train", "(784, 10)"]),
    (lambda s: ("images", s.y_train[:10], s.x_val, s.y_val), TypeError, ["x_train"]),
])
def test_scratch_fit_refuses_bad_data_with_its_true_cause(small_mnist, make, error, words):
    with pytest.raises(error) as info:
        _scratch_fit(*make(small_mnist))
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_torch_fit_refuses_bad_loaders(small_mnist):
    s = small_mnist
    net = NeuralNetworkTorch([784, 4, 10], epochs=1)
    with pytest.raises(TypeError, match="make_loaders"):
        net.fit(s.x_train, s.x_val, verbose=False)
    from torch.utils.data import DataLoader, TensorDataset

    def loader(x, labels):
        return DataLoader(TensorDataset(torch.tensor(x), torch.tensor(labels)), batch_size=32)

    good = loader(s.x_val[:64], s.y_val[:64].argmax(1))
    with pytest.raises(ValueError, match=r"labels must be classes 0\.\.9, got 12"):
        net.fit(loader(s.x_train[:64], np.full(64, 12)), good, verbose=False)
    x = s.x_train[:64].copy()
    x[3, 3] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity") as info:
        net.fit(loader(x, s.y_train[:64].argmax(1)), good, verbose=False)
    assert not isinstance(info.value, DivergenceError)
    with pytest.raises(ValueError, match="val_loader yielded no images"):
        net.fit(good, loader(s.x_val[:0], s.y_val[:0].argmax(1)), verbose=False)
    with pytest.raises(ValueError, match="train_loader yielded no images"):
        net.fit(loader(s.x_val[:0], s.y_val[:0].argmax(1)), good, verbose=False)
    with pytest.raises(ValueError, match="x_train"):
        make_loaders(s.x_train[:5], s.y_train[:4], s.x_val, s.y_val)
    for rows in (np.zeros((64, 10)), np.full((64, 10), 0.1), np.eye(3)[np.arange(64) % 3]):
        with pytest.raises(ValueError, match="2-D labels must be one-hot rows of width 10"):
            net.fit(loader(s.x_train[:64], rows), good, verbose=False)


# ---------------------------------------------------------------------------------------------- predict
@pytest.mark.parametrize("cls", [NeuralNetwork, NeuralNetworkTorch])
def test_predict_takes_one_image_or_a_batch_and_names_a_wrong_shape(small_mnist, cls):
    net = cls([784, 8, 10])
    x = small_mnist.x_val[:5]
    one = net.predict(x[0])
    assert isinstance(one, int) and one == net.predict(x)[0]
    assert net.predict(x).shape == (5,) and net.predict(x).dtype.kind == "i"
    assert net.predict_proba(x[0]).shape == (10,) and net.predict_proba(x).shape == (5, 10)
    with pytest.raises(ValueError, match=r"got shape \(28, 28\)"):
        net.predict(x[0].reshape(28, 28))
    with pytest.raises(ValueError, match=r"got shape \(5, 392\)"):
        net.predict(x[:, :392])


def original_compute_accuracy(self, x_val, y_val):
    """The original assignment template's compute_accuracy, unchanged: one image at a time."""
    predictions = []

    for x, y in zip(x_val, y_val):  # noqa: B905 - the template's code, unchanged
        pred = self.predict(x)
        predictions.append(pred == np.argmax(y))

    return np.mean(predictions)


def test_original_assignment_usage_runs_unchanged(small_mnist, capsys):
    """As the assignment notebook calls them: positional args, fit signatures, history keys, its accuracy loop."""
    s = small_mnist
    x_train, y_train, x_val, y_val = s.x_train[:400], s.y_train[:400], s.x_val, s.y_val
    nn_scratch = NeuralNetwork([784, 32, 10], 2, 1.5, 1)
    history = nn_scratch.fit(x_train, y_train, x_val, y_val)
    assert set(history) >= {"accuracy", "val_accuracy"} and len(history["accuracy"]) == 2
    assert original_compute_accuracy(nn_scratch, x_val, y_val) == nn_scratch.compute_accuracy(x_val, y_val)
    assert nn_scratch.compute_accuracy(x_val[0], y_val[0]) in (0.0, 1.0)

    from torch.utils.data import DataLoader, TensorDataset

    train_loader = DataLoader(TensorDataset(torch.tensor(x_train), torch.tensor(y_train.argmax(1))), batch_size=32)
    val_loader = DataLoader(TensorDataset(torch.tensor(x_val), torch.tensor(y_val.argmax(1))), batch_size=32)
    nn_torch = NeuralNetworkTorch([784, 32, 10], 2, 0.5, 1)
    assert len(list(nn_torch.optimizer.param_groups[0]["params"])) == 4  # the optimizer holds the layers
    history = nn_torch.fit(train_loader, val_loader)
    assert set(history) >= {"accuracy", "val_accuracy"} and len(history["val_accuracy"]) == 2
    assert original_compute_accuracy(nn_torch, x_val, y_val) == pytest.approx(history["val_accuracy"][-1])
    assert nn_torch.predict(torch.tensor(x_val)).shape == (len(x_val),)
    assert "Epoch 2/2" in capsys.readouterr().out
