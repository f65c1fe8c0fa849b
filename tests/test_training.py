"""helpers.networks.training: one train() for the three networks, widths typed as text, progress lines, bad input."""

import threading

import numpy as np
import pytest

from helpers.mnist import MnistSplit
from helpers.networks import training


@pytest.fixture(scope="module")
def tiny(small_mnist):
    s = small_mnist
    return MnistSplit(s.x_train[:300], s.y_train[:300], s.x_val[:100], s.y_val[:100], "tiny")


def _with(split, **changes):
    fields = dict(x_train=split.x_train, y_train=split.y_train, x_val=split.x_val, y_val=split.y_val, source="test")
    fields.update(changes)
    return MnistSplit(**fields)


@pytest.mark.parametrize("implementation", training.IMPLEMENTATIONS)
def test_train_each_implementation_with_hooks(small_mnist, implementation):
    epochs, batches = [], []
    net, history = training.train(implementation, small_mnist, [16], learning_rate=1.0, batch_size=32, epochs=2,
                                  verbose=False, progress=False, on_epoch_end=lambda e, h: epochs.append(e),
                                  on_batch_end=lambda e, b, n: batches.append((e, b, n)))
    assert epochs == [1, 2] and batches[-1] == (2, 32, 32) and len(batches) == 64  # 1,000 images in batches of 32
    assert set(history) == {"accuracy", "val_accuracy", "loss", "val_loss"} and len(history["val_accuracy"]) == 2
    assert history["val_accuracy"][-1] > 0.3  # chance is 0.1
    assert net.count_parameters() == 784 * 16 + 16 + 16 * 10 + 10


def test_train_builds_exactly_the_widths_asked_for(tiny):
    net, _ = training.train("scratch", tiny, [12], epochs=1, verbose=False)
    assert net.layer_shapes == [784, 12, 10]  # not [784, 1, 2, 10]
    net, _ = training.train("scratch", tiny, [], epochs=1, verbose=False)
    assert net.layer_shapes == [784, 10]  # an explicit empty list: no hidden layer


def test_train_builds_the_classes_passed_in(tiny):
    from helpers.networks.scratch import NeuralNetwork
    from helpers.networks.torch_net import NeuralNetworkTorch

    class MyScratch(NeuralNetwork):
        pass

    class MyTorch(NeuralNetworkTorch):
        pass

    net, _ = training.train("scratch", tiny, [8], epochs=1, verbose=False, classes={"scratch": MyScratch})
    assert type(net) is MyScratch
    net, history = training.train("torch", tiny, [8], epochs=1, verbose=False, classes={"scratch": MyScratch,
                                                                                         "torch": MyTorch})
    assert type(net) is MyTorch and len(history["val_accuracy"]) == 1
    assert type(training.train("scratch", tiny, [8], epochs=1, verbose=False)[0]) is NeuralNetwork


@pytest.mark.parametrize("classes, error, words", [
    ([("scratch", object)], TypeError, ["classes", "dict"]),
    ({"jax": object}, ValueError, ["unknown keys ['jax']", "'scratch'"]),
    ({"scratch": "NeuralNetwork"}, TypeError, ["classes['scratch']", "network class"]),
])
def test_train_refuses_classes_that_cannot_be_used(tiny, classes, error, words):
    with pytest.raises(error) as info:
        training.train("scratch", tiny, [8], epochs=1, verbose=False, classes=classes)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_train_accepts_integer_labels(tiny):
    as_integers = _with(tiny, y_train=tiny.y_train.argmax(1), y_val=tiny.y_val.argmax(1))
    one_hot = training.train("scratch", tiny, [8], epochs=1, verbose=False)[1]
    integer = training.train("scratch", as_integers, [8], epochs=1, verbose=False)[1]
    assert one_hot == integer


def test_train_stops_on_request(tiny):
    stop = threading.Event()
    stop.set()  # already set: the first batch is the last
    _, history = training.train("torch", tiny, [8], epochs=3, verbose=False, stop=stop)
    assert history["val_accuracy"] == []


def _nan(split):
    x = split.x_train.copy()
    x[0, 0] = np.nan
    return _with(split, x_train=x)


@pytest.mark.parametrize("call, error, words", [
    (lambda s: training.train("jax", s), ValueError, ["implementation", "'scratch'"]),
    (lambda s: training.train("scratch", s, "12"), TypeError, ["hidden", "[128]", "parse_hidden_widths('12')"]),
    (lambda s: training.train("scratch", s, 128), TypeError, ["hidden", "pass [128]"]),
    (lambda s: training.train("scratch", s, [0]), ValueError, ["hidden[0]", "positive integer"]),
    (lambda s: training.train("scratch", s, [10_000]), ValueError, ["hidden", "at most"]),
    (lambda s: training.train("scratch", s, epochs=0), ValueError, ["epochs", "positive integer"]),
    (lambda s: training.train("scratch", s, learning_rate="0.1"), TypeError, ["learning_rate", "float('0.1')"]),
    (lambda s: training.train("scratch", s, batch_size=0), ValueError, ["batch_size"]),
    (lambda s: training.train("torch", s, loss="mse"), ValueError, ["loss='mse'", "scratch", "cross_entropy"]),
    (lambda s: training.train("scratch", (s.x_train, s.y_train)), TypeError, ["split", "MnistSplit"]),
    (lambda s: training.train("scratch", _nan(s)), ValueError, ["x_train", "NaN", "(0, 0)"]),
    (lambda s: training.train("scratch", _with(s, x_train=s.x_train[:0], y_train=s.y_train[:0])), ValueError,
     ["x_train", "empty"]),
    (lambda s: training.train("keras", _with(s, x_val=s.x_val[:0], y_val=s.y_val[:0])), ValueError,
     ["x_val", "empty"]),
    (lambda s: training.train("torch", _with(s, y_train=s.y_train.argmax(1) + 3)), ValueError, ["y_train", "0..9"]),
    (lambda s: training.train("scratch", _with(s, y_train=s.y_train[:-1])), ValueError, ["x_train", "y_train"]),
])
def test_train_refuses_bad_input_before_training(tiny, call, error, words):
    with pytest.raises(error) as info:
        call(tiny)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    assert "diverged" not in str(info.value)


@pytest.mark.parametrize("text, widths", [("128", [128]), ("128,64", [128, 64]), (" 32 , 16 ", [32, 16]),
                                          ("+8", [8])])
def test_parse_hidden_widths(text, widths):
    assert training.parse_hidden_widths(text) == widths


@pytest.mark.parametrize("text, words", [
    ("", ["empty"]), ("  ", ["empty"]), ("128,,64", ["empty entry"]), ("128,", ["empty entry"]),
    ("0", ["at least 1", "got 0"]), ("-1", ["at least 1", "got -1"]), ("abc", ["'abc'", "whole number"]),
    ("1e9", ["'1e9'", "whole number"]), ("12.5", ["'12.5'"]), ("99999", ["at most 4096"]), ("１２", ["whole number"]),
])
def test_parse_hidden_widths_refuses_with_a_message_for_the_reader(text, words):
    with pytest.raises(ValueError) as info:
        training.parse_hidden_widths(text)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    assert "128,64" in message or "128 or 256" in message  # says what to type instead


def test_progress_text():
    assert training.progress_text(1, 5, 10, 2, 10.0) == "epoch 1 of 2, batch 5 of 10 · about 30 s left"
    assert training.progress_text(2, 10, 10, 2, 10.0) == "epoch 2 of 2, batch 10 of 10 · about 0 s left"
    assert training.progress_text(1, 1, 100, 30, 2.0).endswith("about 100 min left")
    assert training.progress_text(1, 0, 10, 2, 0.0) == "epoch 1 of 2, batch 0 of 10"


@pytest.mark.parametrize("args, words", [((1, 1, 10, 0, 1.0), "epochs"), ((1, 1, 0, 2, 1.0), "n_batches"),
                                         ((1, -1, 10, 2, 1.0), "batch"), ((1, 1, 10, 2, float("nan")), "elapsed")])
def test_progress_text_refuses_what_is_not_a_position_in_a_run(args, words):
    with pytest.raises((TypeError, ValueError), match=words):
        training.progress_text(*args)
