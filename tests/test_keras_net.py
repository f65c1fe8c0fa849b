"""helpers.networks.keras_net: the schedule, the fixed Keras network, its gradients, the original's bugs, bad inputs."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from helpers.networks import initial_weights
from helpers.networks.keras_net import (
    BUGS,
    NeuralNetworkTf,
    OriginalNetworkTf,
    TimeBasedLearningRate,
    accuracy_metric_name,
    describe_layers,
    forced_eager_mode,
    logit_gradient,
    output_logits,
    summary_text,
    train_briefly,
)
from helpers.quiet_tensorflow import keras, tf
from helpers.validation import DivergenceError

SIZES = [784, 32, 10]


# ---------------------------------------------------------------------------------------------- schedule
def test_schedule_values_python_and_tensor_steps():
    lr = TimeBasedLearningRate(5)
    assert [float(lr(step)) for step in range(8)] == [5, 4, 3, 2, 1, 1, 1, 1]
    steps = tf.constant([0, 2, 4, 100], dtype=tf.int64)
    np.testing.assert_array_equal(lr(steps).numpy(), [5, 3, 1, 1])
    assert float(tf.function(lr)(tf.constant(1, tf.int64))) == 4


def test_schedule_inside_compiled_optimizer_steps():
    """SGD with the schedule inside tf.function: w moves by 5+4+3+2+1+1 for six unit gradients."""
    optimizer = keras.optimizers.SGD(learning_rate=TimeBasedLearningRate(5))
    w = keras.Variable([0.0])

    @tf.function
    def step():
        optimizer.apply_gradients([(tf.constant([1.0]), w)])

    for _ in range(6):
        step()
    assert float(w.numpy()[0]) == -16.0
    assert float(optimizer.learning_rate) == 1.0  # = schedule(6)


def test_schedule_config_round_trip():
    lr = TimeBasedLearningRate(7)
    assert lr.get_config() == {"initial_learning_rate": 7}
    assert float(TimeBasedLearningRate.from_config(lr.get_config())(3)) == 4
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(lr))
    assert isinstance(restored, TimeBasedLearningRate) and restored.initial_learning_rate == 7
    optimizer = keras.optimizers.SGD.from_config(keras.optimizers.SGD(learning_rate=lr).get_config())
    assert float(optimizer.learning_rate) == 7.0  # the schedule at step 0, so it was restored with its value


@pytest.mark.parametrize("bad, error", [(True, TypeError), (2.0, TypeError), (2.5, TypeError), ("5", TypeError),
                                        (None, TypeError), (0, ValueError), (-3, ValueError)])
def test_schedule_rejects_anything_but_positive_integers(bad, error):
    with pytest.raises(error, match="initial_learning_rate must be a positive integer"):
        TimeBasedLearningRate(bad)


def test_schedule_accepts_numpy_integers():
    assert float(TimeBasedLearningRate(np.int64(3))(0)) == 3


# ---------------------------------------------------------------------------------------------- network
def test_architecture_activations_and_loss(small_mnist):
    net = NeuralNetworkTf([784, 32, 16, 10])
    assert [(units, act) for _, units, act, _ in describe_layers(net)] == [(32, "sigmoid"), (16, "sigmoid"),
                                                                          (10, "softmax")]
    assert net.count_parameters() == 785 * 32 + 33 * 16 + 17 * 10
    net.compile_and_fit(small_mnist.x_train[:64], small_mnist.y_train[:64], epochs=1, batch_size=32, verbose=False)
    assert isinstance(net.loss, keras.losses.CategoricalCrossentropy)
    assert isinstance(net.optimizer, keras.optimizers.SGD)
    assert not net.run_eagerly and not tf.config.functions_run_eagerly()
    assert accuracy_metric_name(net) == "CategoricalAccuracy"


def test_summary_text_is_plain():
    text = summary_text(OriginalNetworkTf([784, 64, 10]))
    assert "\x1b[" not in text and "Total parameters: 666,330" in text and "(None, 784)" in text


def test_parameters_round_trip_transposed_and_checked():
    net = NeuralNetworkTf([6, 4, 3], dtype="float64")
    w = initial_weights([6, 4, 3], 5)
    net.set_parameters(w)
    np.testing.assert_array_equal(net.dense_layers[0].kernel.numpy(), w[0][0].T)  # Keras kernel: (in, out)
    for (W, b), (W2, b2) in zip(w, net.get_parameters(), strict=True):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
    with pytest.raises(ValueError, match="do not fit"):
        net.set_parameters(initial_weights([6, 5, 3]))


def test_seeded_initial_weights_match_the_shared_draw():
    w = initial_weights(SIZES, 3, np.float32)
    np.testing.assert_array_equal(NeuralNetworkTf(SIZES, random_state=3).get_parameters()[0][0], w[0][0])


@pytest.mark.parametrize("sizes", [[5, 4, 3], [7, 6, 5, 4]])
def test_loss_and_gradients_match_torch_autograd_float64(sizes):
    """Independent reference: the same forward pass written in torch float64, differentiated by autograd."""
    rng = np.random.default_rng(1)
    x = rng.random((8, sizes[0]))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 8)]
    w = initial_weights(sizes, 2)
    net = NeuralNetworkTf(sizes, dtype="float64")
    net.set_parameters(w)
    loss, grads = net.loss_and_gradients(x, y)

    params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in w]
    h = torch.tensor(x)
    for i, (W, b) in enumerate(params):
        z = h @ W.T + b
        h = torch.sigmoid(z) if i < len(params) - 1 else z
    ref = -(torch.tensor(y) * torch.log_softmax(h, dim=1)).sum(dim=1).mean()
    ref.backward()
    assert abs(loss - ref.item()) < 1e-12
    for (dW, db), (W, b) in zip(grads, params, strict=True):
        assert dW.shape == W.shape and db.shape == b.shape
        np.testing.assert_allclose(dW, W.grad.numpy(), rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(db, b.grad.numpy(), rtol=1e-9, atol=1e-13)


def test_learns_well_above_chance_and_prints_progress(small_mnist, capsys):
    s = small_mnist
    net = NeuralNetworkTf(SIZES)
    history = net.compile_and_fit(s.x_train, s.y_train, epochs=3, learning_rate=0.5, batch_size=32,
                                  validation_data=(s.x_val, s.y_val))
    assert history.history["val_accuracy"][-1] > 0.6  # chance is 0.1
    assert len(history.history["accuracy"]) == 3 and len(net.epoch_seconds) == 3
    out = capsys.readouterr().out
    assert "Epoch 3/3" in out and " s - loss: " in out and "val_accuracy: " in out
    assert net.compute_accuracy(s.x_val, s.y_val) == pytest.approx(history.history["val_accuracy"][-1])
    one = net.predict(s.x_val[0])
    assert isinstance(one, int) and one == net.predict(s.x_val[:4])[0] and net.predict(s.x_val[:4]).shape == (4,)
    np.testing.assert_allclose(net.predict_proba(s.x_val[:4]).sum(axis=1), 1, rtol=1e-5)
    with pytest.raises(ValueError, match=r"got shape \(28, 28\)"):
        net.predict(s.x_val[0].reshape(28, 28))

    def original_compute_accuracy(self, x_val, y_val):  # the assignment template's loop, unchanged
        predictions = []

        for x, y in zip(x_val, y_val):  # noqa: B905 - the template's code, unchanged
            pred = self.predict(x)
            predictions.append(pred == np.argmax(y))

        return np.mean(predictions)

    x50, y50 = s.x_val[:50], s.y_val[:50]
    assert original_compute_accuracy(net, x50, y50) == net.compute_accuracy(x50, y50)


def test_training_is_reproducible_and_accepts_integer_labels(small_mnist):
    s = small_mnist
    runs = [NeuralNetworkTf(SIZES).compile_and_fit(s.x_train[:256], labels, epochs=1, learning_rate=0.5,
                                                     batch_size=32, verbose=False)
            for labels in (s.y_train[:256], s.y_train[:256], s.y_train[:256].argmax(1))]
    assert runs[0].history["loss"] == runs[1].history["loss"] == runs[2].history["loss"]


def test_schedule_trains_through_compile_and_fit(small_mnist):
    net = NeuralNetworkTf([784, 8, 10])
    net.compile_and_fit(small_mnist.x_train[:64], small_mnist.y_train[:64], epochs=1, batch_size=32,
                        learning_rate=TimeBasedLearningRate(3), verbose=False)
    assert float(net.optimizer.learning_rate) == 1.0  # two steps: 3 -> 2 -> 1


def test_stop_ends_after_the_current_batch_and_keeps_completed_epochs(small_mnist):
    s = small_mnist
    stop, seen = threading.Event(), []

    def on_batch_end(epoch, batch, n):
        seen.append((epoch, batch, n))
        if (epoch, batch) == (2, 3):
            stop.set()

    net = NeuralNetworkTf([784, 8, 10])
    history = net.compile_and_fit(s.x_train[:320], s.y_train[:320], epochs=5, learning_rate=0.5, batch_size=32,
                                  validation_data=(s.x_val, s.y_val), verbose=False, on_batch_end=on_batch_end,
                                  stop=stop)
    assert seen[-1] == (2, 3, 10) and len(seen) == 13
    assert len(history.history["val_accuracy"]) == 1 and history.epoch == [0]


def test_divergence_raises_a_clear_error_and_nan_data_do_not(small_mnist, capsys):
    s = small_mnist
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        NeuralNetworkTf(SIZES).compile_and_fit(s.x_train[:320], s.y_train[:320], epochs=3, learning_rate=1e38,
                                               batch_size=32)
    assert "Epoch 1/3" not in capsys.readouterr().out  # stopped inside the first epoch
    x = s.x_train[:64].copy()
    x[1, 2] = np.nan
    with pytest.raises(ValueError, match="x_train contains NaN") as info:
        NeuralNetworkTf(SIZES).compile_and_fit(x, s.y_train[:64], epochs=1, verbose=False)
    assert not isinstance(info.value, DivergenceError)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"batch_size": 0}, ValueError, ["batch_size"]), ({"batch_size": 2.0}, TypeError, ["batch_size", "pass 2"]),
    ({"learning_rate": -1.0}, ValueError, ["learning_rate"]), ({"learning_rate": float("nan")}, ValueError, ["finite"]),
    ({"epochs": 0}, ValueError, ["epochs"]),
    ({"x_train": np.zeros((0, 784))}, ValueError, ["x_train", "empty"]),
    ({"y_train": np.eye(10)[:7]}, ValueError, ["x_train", "y_train", "same number"]),
    ({"y_train": np.full(8, 10)}, ValueError, ["y_train", "0..9"]),
    ({"validation_data": np.zeros((8, 784))}, TypeError, ["validation_data", "(x_val, y_val)"]),
    ({"validation_data": (np.zeros((0, 784)), np.zeros((0, 10)))}, ValueError, ["validation_data[0]", "empty"]),
    ({"x_train": np.zeros((8, 28))}, ValueError, ["x_train", "(8, 28)"]),
])
def test_bad_fit_arguments_name_the_argument(small_mnist, kwargs, error, words):
    args = {"x_train": small_mnist.x_train[:8], "y_train": small_mnist.y_train[:8], **kwargs}
    with pytest.raises(error) as info:
        NeuralNetworkTf([784, 4, 10]).compile_and_fit(verbose=False, **args)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


@pytest.mark.parametrize("kwargs, error", [({"sizes": "784,10"}, TypeError), ({"sizes": [784, 0, 10]}, ValueError),
                                           ({"dtype": "int32"}, ValueError), ({"random_state": -1}, ValueError)])
def test_bad_constructor_arguments(kwargs, error):
    args = {"sizes": SIZES, **kwargs}
    with pytest.raises(error):
        NeuralNetworkTf(**args)


# ---------------------------------------------------------------------------------------------- the original
def test_bug_1_extra_layer_and_bug_2_swapped_activations_in_the_summary():
    sizes = [784, 128, 64, 10]
    original = describe_layers(OriginalNetworkTf(sizes))
    assert [(u, a) for _, u, a, _ in original] == [(784, "softmax"), (128, "softmax"), (64, "softmax"),
                                                   (10, "sigmoid")]
    assert original[0][3] == 785 * 784  # the extra layer alone has 615,440 parameters
    one_fixed = describe_layers(OriginalNetworkTf(sizes, fixed=("extra_layer",)))
    assert [u for _, u, _, _ in one_fixed] == [128, 64, 10]
    fixed = OriginalNetworkTf(sizes, fixed=BUGS)
    assert [(u, a) for _, u, a, _ in describe_layers(fixed)] == \
        [(u, a) for _, u, a, _ in describe_layers(NeuralNetworkTf(sizes))]


def test_bug_3_binary_loss_keras_3_reports_categorical_accuracy_and_the_emulation_binary(small_mnist):
    s = small_mnist
    data = (s.x_train, s.y_train, s.x_val, s.y_val)
    only_loss = ("extra_layer", "swapped_activations")
    binary = train_briefly(OriginalNetworkTf(SIZES, fixed=only_loss), *data)
    assert binary["metric"] == "CategoricalAccuracy"  # Keras 3 (and tf.keras since TF 2.2): from the output shape
    assert binary["reported_val_accuracy"] == pytest.approx(binary["true_val_accuracy"])
    assert binary["fixed"] == only_loss and binary["parameters"] == 785 * 32 + 33 * 10
    emulated = train_briefly(OriginalNetworkTf(SIZES, fixed=only_loss, emulate_keras_2_3_accuracy=True), *data)
    assert emulated["metric"] == "BinaryAccuracy"  # Keras <= 2.3: from the binary loss
    assert emulated["reported_val_accuracy"] - emulated["true_val_accuracy"] > 0.1
    fixed = train_briefly(OriginalNetworkTf(SIZES, fixed=BUGS), *data)
    assert fixed["metric"] == "CategoricalAccuracy"
    assert fixed["true_val_accuracy"] > binary["true_val_accuracy"] + 0.05 and fixed["true_val_accuracy"] > 0.6
    with pytest.raises(TypeError, match="OriginalNetworkTf"):
        train_briefly(NeuralNetworkTf(SIZES), *data)


def test_output_logits_are_what_the_softmax_turns_into_the_output(small_mnist):
    model = OriginalNetworkTf([784, 16, 10], fixed=("extra_layer", "swapped_activations"))
    z = output_logits(model, small_mnist.x_train[:5])
    p = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(p / p.sum(axis=1, keepdims=True), model(small_mnist.x_train[:5]).numpy(), atol=1e-6)


def test_binary_loss_gradient_is_a_shrunk_version_of_the_categorical_one():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(8, 10))
    t = np.eye(10)[rng.integers(0, 10, 8)]
    categorical = logit_gradient("categorical", z, t)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(categorical, (p - t) / 8, atol=1e-12)
    binary = logit_gradient("binary", z, t)
    cosine = np.sum(binary * categorical) / np.linalg.norm(binary) / np.linalg.norm(categorical)
    ratio = np.linalg.norm(binary) / np.linalg.norm(categorical)
    assert cosine > 0.9 and 0.05 < ratio < 0.3  # nearly the same direction, about a tenth of the size
    with pytest.raises(ValueError, match="unknown loss"):
        logit_gradient("hinge", z, t)
    with pytest.raises(ValueError, match="targets must have shape"):
        logit_gradient("binary", z, t[:, :5])


def test_keras_3_resolves_accuracy_from_the_output_shape_not_the_loss(small_mnist):
    model = OriginalNetworkTf([784, 8, 10])
    assert accuracy_metric_name(model) == "unbuilt"
    model.compile_and_fit(small_mnist.x_train[:32], small_mnist.y_train[:32], epochs=1, batch_size=32, verbose=False)
    assert isinstance(model.loss, keras.losses.BinaryCrossentropy)
    assert accuracy_metric_name(model) == "CategoricalAccuracy"


def test_unknown_bug_names_raise():
    with pytest.raises(ValueError, match="bug names"):
        OriginalNetworkTf(SIZES, fixed=("softmax",))
    with pytest.raises(ValueError, match="bug names"):
        OriginalNetworkTf(SIZES, fixed="binary_loss")


def test_forced_eager_mode_is_restored_even_after_an_error():
    assert not tf.config.functions_run_eagerly()
    with pytest.raises(RuntimeError):
        with forced_eager_mode():
            assert tf.config.functions_run_eagerly()
            raise RuntimeError("boom")
    assert not tf.config.functions_run_eagerly()


def test_forced_eager_training_runs_without_path_warnings(small_mnist):
    import warnings

    net = NeuralNetworkTf([784, 8, 10])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with forced_eager_mode():
            net.compile_and_fit(small_mnist.x_train[:64], small_mnist.y_train[:64], epochs=1, batch_size=32,
                                verbose=False)
    assert not [w for w in caught if "eagerly" in str(w.message)]
    assert not tf.config.functions_run_eagerly()
