"""helpers.networks.keras_net: the schedule, the fixed Keras network, its gradients, and the original's bugs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.data import load_mnist
from helpers.networks import DivergenceError, initial_weights
from helpers.networks.keras_net import (BUGS, NeuralNetworkTf, OriginalNetworkTf, TimeBasedLearningRate,
                                        describe_layers, forced_eager_mode, train_briefly)

import keras  # noqa: E402  (after keras_net, which sets the quiet TensorFlow environment)
import tensorflow as tf  # noqa: E402

SIZES = [784, 32, 10]


@pytest.fixture(scope="module")
def small():
    return load_mnist(1000, 300, random_state=0)


# ---------------------------------------------------------------------------------------------- schedule
def test_schedule_values_python_and_tensor_steps():
    lr = TimeBasedLearningRate(5)
    assert [float(lr(step)) for step in range(8)] == [5, 4, 3, 2, 1, 1, 1, 1]
    steps = tf.constant([0, 2, 4, 100], dtype=tf.int64)
    np.testing.assert_array_equal(lr(steps).numpy(), [5, 3, 1, 1])
    assert float(tf.function(lr)(tf.constant(1, tf.int64))) == 4


def test_schedule_inside_compiled_optimizer_steps():
    """SGD with the schedule inside tf.function: w moves by 5+4+3+2+1+1 for six unit gradients."""
    schedule = TimeBasedLearningRate(5)
    optimizer = keras.optimizers.SGD(learning_rate=schedule)
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
    again = TimeBasedLearningRate.from_config(lr.get_config())
    assert float(again(3)) == 4
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(lr))
    assert isinstance(restored, TimeBasedLearningRate) and restored.initial_learning_rate == 7
    optimizer = keras.optimizers.SGD.from_config(keras.optimizers.SGD(learning_rate=lr).get_config())
    assert isinstance(optimizer._learning_rate, TimeBasedLearningRate)
    assert optimizer._learning_rate.initial_learning_rate == 7


@pytest.mark.parametrize("bad, error", [(True, TypeError), (2.0, TypeError), (2.5, TypeError), ("5", TypeError),
                                        (None, TypeError), (0, ValueError), (-3, ValueError)])
def test_schedule_rejects_anything_but_positive_integers(bad, error):
    with pytest.raises(error, match="positive integer"):
        TimeBasedLearningRate(bad)


def test_schedule_accepts_numpy_integers():
    assert float(TimeBasedLearningRate(np.int64(3))(0)) == 3


# ---------------------------------------------------------------------------------------------- network
def test_architecture_activations_and_loss(small):
    net = NeuralNetworkTf([784, 32, 16, 10])
    assert [(units, act) for _, units, act, _ in describe_layers(net)] == [(32, "sigmoid"), (16, "sigmoid"),
                                                                          (10, "softmax")]
    assert net.count_parameters() == 785 * 32 + 33 * 16 + 17 * 10
    net.compile_and_fit(small.x_train[:64], small.y_train[:64], epochs=1, batch_size=32, verbose=False)
    assert isinstance(net.loss, keras.losses.CategoricalCrossentropy)
    assert isinstance(net.optimizer, keras.optimizers.SGD)
    assert not net.run_eagerly and not tf.config.functions_run_eagerly()


def test_parameters_round_trip_transposed_and_checked():
    net = NeuralNetworkTf([6, 4, 3], dtype="float64")
    w = initial_weights([6, 4, 3], 5)
    net.set_parameters(w)
    np.testing.assert_array_equal(net.dense_layers[0].kernel.numpy(), w[0][0].T)  # Keras kernel: (in, out)
    for (W, b), (W2, b2) in zip(w, net.get_parameters()):
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
    for (dW, db), (W, b) in zip(grads, params):
        assert dW.shape == W.shape and db.shape == b.shape
        np.testing.assert_allclose(dW, W.grad.numpy(), rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(db, b.grad.numpy(), rtol=1e-9, atol=1e-13)


def test_learns_well_above_chance_and_prints_progress(small, capsys):
    net = NeuralNetworkTf(SIZES)
    history = net.compile_and_fit(small.x_train, small.y_train, epochs=3, learning_rate=0.5, batch_size=32,
                                  validation_data=(small.x_val, small.y_val))
    assert history.history["val_accuracy"][-1] > 0.6  # chance is 0.1
    assert len(history.history["accuracy"]) == 3 and len(net.epoch_seconds) == 3
    out = capsys.readouterr().out
    assert "Epoch 3/3" in out and " s - loss: " in out and "val_accuracy: " in out
    assert net.compute_accuracy(small.x_val, small.y_val) == pytest.approx(history.history["val_accuracy"][-1])
    assert net.predict_classes(small.x_val[:4]).shape == (4,)


def test_training_is_reproducible(small):
    runs = [NeuralNetworkTf(SIZES).compile_and_fit(small.x_train[:256], small.y_train[:256], epochs=1,
                                                     learning_rate=0.5, batch_size=32, verbose=False)
            for _ in range(2)]
    assert runs[0].history["loss"] == runs[1].history["loss"]


def test_schedule_trains_through_compile_and_fit(small):
    net = NeuralNetworkTf([784, 8, 10])
    net.compile_and_fit(small.x_train[:64], small.y_train[:64], epochs=1, batch_size=32,
                        learning_rate=TimeBasedLearningRate(3), verbose=False)
    assert float(net.optimizer.learning_rate) == 1.0  # two steps: 3 -> 2 -> 1


def test_divergence_raises_a_clear_error(small, capsys):
    net = NeuralNetworkTf(SIZES)
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        net.compile_and_fit(small.x_train[:320], small.y_train[:320], epochs=3, learning_rate=1e38,
                            batch_size=32)
    assert "Epoch 1/3" not in capsys.readouterr().out  # stopped inside the first epoch


@pytest.mark.parametrize("kwargs, match", [({"batch_size": 0}, "batch_size"), ({"batch_size": 2.0}, "batch_size"),
                                           ({"learning_rate": -1.0}, "learning_rate"),
                                           ({"learning_rate": float("nan")}, "learning_rate"),
                                           ({"epochs": 0}, "epochs")])
def test_bad_fit_arguments_raise(small, kwargs, match):
    with pytest.raises(ValueError, match=match):
        NeuralNetworkTf([784, 4, 10]).compile_and_fit(small.x_train[:8], small.y_train[:8], **kwargs)


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


def test_bug_3_binary_loss_inflates_the_reported_accuracy(small):
    data = (small.x_train, small.y_train, small.x_val, small.y_val)
    buggy = train_briefly(SIZES, (), *data)
    assert buggy["metric"] == "BinaryAccuracy"
    assert buggy["reported_val_accuracy"] >= 0.89 and buggy["true_val_accuracy"] < 0.2  # 90% "accuracy" at chance
    only_loss = train_briefly(SIZES, ("extra_layer", "swapped_activations"), *data)
    assert only_loss["reported_val_accuracy"] - only_loss["true_val_accuracy"] > 0.3
    fixed = train_briefly(SIZES, BUGS, *data)
    assert fixed["metric"] == "CategoricalAccuracy"
    assert fixed["reported_val_accuracy"] == pytest.approx(fixed["true_val_accuracy"])
    assert fixed["true_val_accuracy"] > only_loss["true_val_accuracy"] + 0.1 and fixed["true_val_accuracy"] > 0.6


def test_keras_3_resolves_accuracy_from_the_output_shape_not_the_loss(small):
    model = OriginalNetworkTf([784, 8, 10], legacy_metric=False)
    model.compile_and_fit(small.x_train[:32], small.y_train[:32], epochs=1, batch_size=32, verbose=False)
    assert isinstance(model.loss, keras.losses.BinaryCrossentropy)
    assert type(model._compile_metrics._flat_metrics[0].metrics[0]).__name__ == "CategoricalAccuracy"


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


def test_forced_eager_training_runs_without_path_warnings(small):
    import warnings

    net = NeuralNetworkTf([784, 8, 10])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with forced_eager_mode():
            net.compile_and_fit(small.x_train[:64], small.y_train[:64], epochs=1, batch_size=32, verbose=False)
    assert not [w for w in caught if "eagerly" in str(w.message)]
    assert not tf.config.functions_run_eagerly()
