"""helpers.networks.checks: every known wrong answer of the MNIST exercises fails its check, and the message names
the mistake; the right answers (helpers' own) pass, stubs are "not answered", and answers of the wrong kind get a
clear message. Each run_/judge_ pair is also judged on the hidden case, and once in a fresh process."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from torch import nn

from helpers import exercises
from helpers.exercises import ExerciseFailed, NotAnswered
from helpers.networks import checks, initial_weights, keras_checks
from helpers.networks.scratch import NeuralNetwork, sigmoid
from helpers.networks.torch_net import NeuralNetworkTorch, TorchClassifier

torch.set_num_threads(1)


def _fails(check, answer, *words):
    with pytest.raises(ExerciseFailed) as info:
        check(answer)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    assert not isinstance(info.value, NotAnswered)
    return message


def _stub(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------------------------- scratch_forward
def _forward_with(output, hidden=sigmoid, cache=True):
    def forward(self, X):
        inputs = [X]
        for W, b in self.weights[:-1]:
            inputs.append(hidden(inputs[-1] @ W.T + b))
        z = inputs[-1] @ self.weights[-1][0].T + self.weights[-1][1]
        y = output(z)
        if cache:
            self.cache = {"inputs": inputs, "y": y}
        return y
    return forward


def _naive_softmax(z):
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


def _stable_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("case", ["visible", "hidden"])
def test_forward_right_answers_pass(case):
    for forward in (NeuralNetwork.forward, _forward_with(_stable_softmax)):
        assert "matches torch" in checks.judge_scratch_forward(case, checks.run_scratch_forward(forward, case))


@pytest.mark.parametrize("forward, words", [
    (_forward_with(lambda z: z), ["returned the logits", "apply the softmax"]),
    (_forward_with(lambda z: 1 / (1 + np.exp(-z))), ["sigmoid", "must be the softmax"]),
    (_forward_with(lambda z: np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)), ["over the batch", "axis=1"]),
    (_forward_with(_naive_softmax), ["large logits", "overflows", "largest logit"]),
    (_forward_with(_stable_softmax, hidden=lambda z: np.maximum(z, 0)), ["hidden layer 1", "sigmoid(h W1^T + b1)"]),
    (_forward_with(_stable_softmax, cache=False), ["self.cache", "'inputs'", "'y'"]),
    (_forward_with(lambda z: _stable_softmax(z).T), ["shape (10, 6)", "transposed"]),
    (lambda self, X: None, ["returned None", "return"]),
    (lambda X: X, ["scratch_forward raised TypeError"]),
])
def test_forward_mistakes_are_named(forward, words):
    _fails(checks.check_scratch_forward, forward, *words)


def test_forward_without_bias_is_caught():
    def no_bias(self, X):
        inputs = [X]
        for W, _ in self.weights[:-1]:
            inputs.append(sigmoid(inputs[-1] @ W.T))
        y = _stable_softmax(inputs[-1] @ self.weights[-1][0].T)
        self.cache = {"inputs": inputs, "y": y}
        return y
    _fails(checks.check_scratch_forward, no_bias, "hidden layer 1")


# ---------------------------------------------------------------------------------------------- scratch_backward
def _backward_with(jacobian="full", mean="right", sigmoid_prime=lambda a: a * (1 - a), transpose=False, value=True):
    """A backward pass with one planted mistake (or none)."""
    def backward(self, T):
        inputs, y = self.cache["inputs"], self.cache["y"]
        n = len(T) if mean == "right" else 1
        if self.loss == "mse":
            g = 2 * (y - T) / (n * T.shape[1])
            delta = y * (1 - y) * g if jacobian == "diagonal" else y * (g - np.sum(g * y, axis=1, keepdims=True))
            loss = np.mean((y - T) ** 2)
        else:
            delta = (y - T) / n
            loss = -np.mean(np.log(np.sum(T * y, axis=1)))
        self.grads = [None] * len(self.weights)
        for k in reversed(range(len(self.weights))):
            a = inputs[k]
            self.grads[k] = ((a.T @ delta) if transpose else (delta.T @ a), delta.sum(axis=0))
            if k:
                delta = (delta @ self.weights[k][0]) * sigmoid_prime(a)
        return float(loss) if value else None
    return backward


@pytest.mark.parametrize("case", ["visible", "hidden"])
def test_backward_right_answers_pass(case):
    for backward in (NeuralNetwork.backward, _backward_with()):
        produced = checks.run_scratch_backward(backward, case)
        assert "match torch autograd" in checks.judge_scratch_backward(case, produced)


@pytest.mark.parametrize("backward, words", [
    (_backward_with(jacobian="diagonal"), ["loss='mse'", "only the diagonal y(1 - y)", "diag(y) - y y^T"]),
    (_backward_with(mean="missing"), ["exactly 6 times", "1/N of the mean over the N = 6 images"]),
    (_backward_with(transpose=True), ["dW1 has shape (784, 16)", "transpose", "dW = delta^T a"]),
    (_backward_with(sigmoid_prime=lambda a: a * (1 + a)), ["a(1 + a)", "a(1 - a)"]),
    (_backward_with(value=False), ["must also return the mean loss"]),
    (_backward_with(sigmoid_prime=lambda a: 1.0), ["output layer are right", "carried back"]),
])
def test_backward_mistakes_are_named(backward, words):
    _fails(checks.check_scratch_backward, backward, *words)


def test_backward_mse_means_over_the_classes_too():
    def per_image_mean(self, T):
        if self.loss != "mse":
            return _backward_with()(self, T)
        y = self.cache["y"]
        g = 2 * (y - T) / len(T)  # forgets the 1/K of the mean over the classes
        delta = y * (g - np.sum(g * y, axis=1, keepdims=True))
        self.grads = [None] * len(self.weights)
        for k in reversed(range(len(self.weights))):
            a = self.cache["inputs"][k]
            self.grads[k] = (delta.T @ a, delta.sum(axis=0))
            if k:
                delta = (delta @ self.weights[k][0]) * a * (1 - a)
        return float(np.mean((y - T) ** 2))

    _fails(checks.check_scratch_backward, per_image_mean, "loss='mse'", "exactly 10 times", "K = 10 classes")


@pytest.mark.parametrize("grads, words", [
    (lambda net: None, ["self.grads must be a list", "3 pairs"]),
    (lambda net: [(np.zeros(1), np.zeros(1))] * 2, ["3 pairs", "got 2 entries"]),
    (lambda net: [W for W, _ in net.weights], ["self.grads[0] must be a pair"]),
    (lambda net: list(reversed([(np.zeros_like(W), np.zeros_like(b)) for W, b in net.weights])),
     ["dW1 has shape (10, 12)", "input layer first"]),
])
def test_backward_grads_of_the_wrong_kind_get_a_clear_message(grads, words):
    def backward(self, T):
        self.grads = grads(self)
        return 0.0
    _fails(checks.check_scratch_backward, backward, *words)


# ---------------------------------------------------------------------------------------------- scratch_update
def _plus(self):
    for (W, b), (dW, db) in zip(self.weights, self.grads, strict=True):
        W += self.learning_rate * dW
        b += self.learning_rate * db


def _copy(self):
    for (W, b), (dW, db) in zip(self.weights, self.grads, strict=True):
        W = W - self.learning_rate * dW  # the mistake: a new array; the network's own stays as it was
        b = b - self.learning_rate * db


def _weights_only(self):
    for (W, _), (dW, _) in zip(self.weights, self.grads, strict=True):
        W -= self.learning_rate * dW


def _no_rate(self):
    for (W, b), (dW, db) in zip(self.weights, self.grads, strict=True):
        W -= dW
        b -= db


def _stored_back(self):
    self.weights = [(W - self.learning_rate * dW, b - self.learning_rate * db)
                    for (W, b), (dW, db) in zip(self.weights, self.grads, strict=True)]


@pytest.mark.parametrize("case", ["visible", "hidden"])
def test_update_right_answers_pass(case):
    for update in (NeuralNetwork.update, _stored_back):
        assert "moved by -learning_rate" in checks.judge_scratch_update(case, checks.run_scratch_update(update, case))


@pytest.mark.parametrize("update, words", [
    (_plus, ["+learning_rate", "climbs the loss", "W -= learning_rate * dW"]),
    (_copy, ["did not change self.weights", "new array", "in place"]),
    (_weights_only, ["b1, b2, b3 did not move"]),
    (_no_rate, ["whole gradient", "learning rate"]),
    (lambda self: setattr(self, "weights", None), ["self.weights must be a list"]),
])
def test_update_mistakes_are_named(update, words):
    _fails(checks.check_scratch_update, update, *words)


# ---------------------------------------------------------------------------------------------- scratch_predict
def _predict_right(self, x):
    x = np.asarray(x)
    return int(np.argmax(self.forward(x[None]))) if x.ndim == 1 else self.forward(x).argmax(axis=1)


@pytest.mark.parametrize("case", ["visible", "hidden"])
def test_predict_right_answers_pass(case):
    for predict in (NeuralNetwork.predict, _predict_right):
        assert "largest probability" in checks.judge_scratch_predict(case, checks.run_scratch_predict(predict, case))


@pytest.mark.parametrize("predict, words", [
    (lambda self, x: self.forward(np.atleast_2d(x)), ["shape (6, 10), the probabilities", "argmax"]),
    (lambda self, x: np.argmax(self.forward(x), axis=1),
     ["failed on one image of shape (784,)", "forward takes a batch", "one image at a time"]),
    (lambda self, x: np.argmax(self.forward(np.atleast_2d(x)), axis=0), ["returned shape (10,)", "axis 1"]),
    (lambda self, x: np.argmax(self.forward(np.atleast_2d(x)), axis=1), ["class as an int", "ndarray of shape (1,)"]),
    (lambda self, x: np.argmin(self.forward(np.atleast_2d(x)), axis=1), ["largest probability is for class"]),
    (lambda self, x: np.argmax(self.forward(np.atleast_2d(x)), axis=1).astype(float), ["integers"]),
])
def test_predict_mistakes_are_named(predict, words):
    _fails(checks.check_scratch_predict, predict, *words)


# ---------------------------------------------------------------------------------------------- torch_constructor
class _OriginalOptimizerFirst(TorchClassifier):
    """The original template: the optimizer is created before the layers."""

    def __init__(self, sizes, epochs=10, learning_rate=0.01, random_state=1, *, dtype=torch.float32):
        super().__init__(sizes, epochs, learning_rate, random_state, dtype=dtype)
        self.optimizer = torch.optim.SGD(self.parameters(), lr=self.learning_rate)
        self.layers = nn.Sequential(*[m for a, b in zip(self.sizes[:-1], self.sizes[1:], strict=True)
                                      for m in (nn.Linear(a, b, dtype=dtype), nn.Sigmoid())][:-1])


def _constructor(ending=(), hidden=nn.Sigmoid, optimizer_after=None, lr_factor=1.0, as_list=False, opt=None):
    class Built(TorchClassifier):
        def __init__(self, sizes, epochs=10, learning_rate=0.01, random_state=1, *, dtype=torch.float32):
            super().__init__(sizes, epochs, learning_rate, random_state, dtype=dtype)
            layers = []
            for i, (a, b) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True)):
                layers.append(nn.Linear(a, b, dtype=dtype))
                if i < len(self.sizes) - 2:
                    layers.append(hidden())
                if optimizer_after == i:
                    self.optimizer = torch.optim.SGD(nn.Sequential(*layers).parameters(), lr=learning_rate)
            layers += [m() for m in ending]
            self.layers = layers if as_list else nn.Sequential(*layers)
            if optimizer_after is None:
                make = opt or torch.optim.SGD
                self.optimizer = make(self.parameters(), lr=learning_rate * lr_factor)
            self.set_parameters(initial_weights(self.sizes, self.random_state))
    return Built


@pytest.mark.parametrize("case", ["visible", "hidden"])
def test_torch_constructor_right_answers_pass(case):
    for cls in (NeuralNetworkTorch, _constructor()):
        message = checks.judge_torch_constructor(case, checks.run_torch_constructor(cls, case))
        assert "SGD holds all" in message


@pytest.mark.parametrize("cls, words", [
    (_OriginalOptimizerFirst, ["optimizer holds no parameters", "no registered layers", "Build the layers first"]),
    (_constructor(as_list=True), ["optimizer holds no parameters", "Build the layers first"]),
    (_constructor(optimizer_after=0), ["holds 2 of the network's 6 parameter tensors", "after all the layers"]),
    (_constructor(ending=(functools.partial(nn.Softmax, dim=1),)), ["ends with a softmax", "logits", "twice"]),
    (_constructor(hidden=nn.ReLU), ["ReLU", "sigmoid"]),
    (_constructor(hidden=nn.Identity), ["no activation between the Linear layers"]),
    (_constructor(lr_factor=2.0), ["learning rate is 1", "(0.5)"]),
    (_constructor(opt=torch.optim.Adam), ["plain SGD", "not Adam"]),
    (functools.partial(NeuralNetworkTorch, random_state=None), ["raised TypeError", "random_state"]),
    (3, ["must be the class NeuralNetworkTorch", "int"]),
])
def test_torch_constructor_mistakes_are_named(cls, words):
    _fails(checks.check_torch_constructor, cls, *words)


# ---------------------------------------------------------------------------------------------- torch_training_loop
def _step_with(zero_grad=True, loss="cross_entropy", step=True, value=True):
    def training_step(self, x, labels):
        if zero_grad:
            self.optimizer.zero_grad()
        logits = self(x)
        if loss == "binary":
            out = nn.BCEWithLogitsLoss()(logits, nn.functional.one_hot(labels, logits.shape[1]).to(logits.dtype))
        elif loss == "softmax_twice":
            out = nn.CrossEntropyLoss()(torch.softmax(logits, dim=1), labels)
        else:
            out = nn.CrossEntropyLoss()(logits, labels)
        out.backward()
        if step:
            self.optimizer.step()
        return out.item() if value else None
    return training_step


def test_torch_training_loop_right_answers_pass():
    for step in (NeuralNetworkTorch.training_step, _step_with()):
        message = checks.check_torch_training_loop(step)
        assert "two steps are SGD" in message and "validation accuracy from" in message
    hidden = checks.judge_torch_training_loop("hidden", checks.run_torch_training_loop(_step_with(), "hidden"))
    assert "two steps are SGD" in hidden


@pytest.mark.parametrize("step, words", [
    (_step_with(zero_grad=False), ["sum of both batches' gradients", "zero_grad()"]),
    (_step_with(loss="binary"), ["binary loss (BCEWithLogitsLoss)", "independent yes/no questions"]),
    (_step_with(loss="softmax_twice"), ["softmax(logits)", "pass it the logits"]),
    (_step_with(step=False), ["did not change the weights", "optimizer.step()"]),
    (_step_with(value=False), ["must return the batch's loss", "loss.item()"]),
])
def test_torch_training_loop_mistakes_are_named(step, words):
    _fails(checks.check_torch_training_loop, step, *words)


# ---------------------------------------------------------------------------------------------- keras_bugs
@pytest.fixture(scope="module")
def keras_net():
    from helpers.networks import keras_net

    return keras_net


def test_keras_fixed_network_passes(keras_net):
    for case in ("visible", "hidden"):
        produced = keras_checks.run_keras_bugs(keras_net.NeuralNetworkTf, case)
        assert "three bugs are fixed" in checks.judge_keras_bugs(case, produced)


@pytest.mark.parametrize("fixed, count, words", [
    ((), 3, ["3 problems remain", "starts at 0", "615,440", "swapped", "binary (BinaryCrossentropy)"]),
    (("swapped_activations", "binary_loss"), 1, ["1 problem remains", "loop starts at 0", "sizes[1:]"]),
    (("extra_layer", "binary_loss"), 1, ["1 problem remains", "activations are swapped", "output sigmoid"]),
    (("extra_layer", "swapped_activations"), 1, ["1 problem remains", "independent yes/no questions",
                                                 "CategoricalCrossentropy"]),
])
def test_keras_each_bug_left_in_is_named(keras_net, fixed, count, words):
    message = _fails(keras_checks.check_keras_bugs, functools.partial(keras_net.OriginalNetworkTf, fixed=fixed), *words)
    assert message.count("; (") == count - 1


def test_keras_other_mistakes_are_named(keras_net):
    class ReluHidden(keras_net.NeuralNetworkTf):
        def add_layers(self, sizes):
            for width in sizes[1:-1]:
                self.add(keras_net.keras.layers.Dense(width, activation="relu"))
            self.add(keras_net.keras.layers.Dense(sizes[-1], activation="softmax"))

    class MeanSquared(keras_net.NeuralNetworkTf):
        def loss_function(self):
            return "mean_squared_error"

    class NoLoss(keras_net.NeuralNetworkTf):
        loss_function = None

    _fails(keras_checks.check_keras_bugs, ReluHidden, "hidden Dense layer 1 uses relu")
    _fails(keras_checks.check_keras_bugs, MeanSquared, "where the categorical cross-entropy is")
    _fails(keras_checks.check_keras_bugs, NoLoss, "no method loss_function")


def test_keras_stub_is_not_answered(keras_net):
    class Stub(keras_net.NeuralNetworkTf):
        def add_layers(self, sizes):
            raise NotImplementedError()

    with pytest.raises(NotAnswered, match="write add_layers"):
        keras_checks.check_keras_bugs(Stub)


# ---------------------------------------------------------------------------------------------- learning_rate_schedule
def _schedule(call, check=True):
    from helpers.networks.keras_net import keras

    class Schedule(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self, initial_learning_rate):
            if check and (not isinstance(initial_learning_rate, int) or initial_learning_rate < 1):
                raise ValueError("a positive integer, please")
            self.initial_learning_rate = initial_learning_rate

        def __call__(self, step):
            return call(self.initial_learning_rate, step)
    return Schedule


def _keras_ops():
    from helpers.networks.keras_net import keras

    return keras.ops


def test_schedule_right_answers_pass(keras_net):
    assert "also on int64 tensors" in keras_checks.check_learning_rate_schedule(keras_net.TimeBasedLearningRate)
    ops = _keras_ops()
    right = _schedule(lambda n, step: ops.maximum(n - step, 1))
    produced = keras_checks.run_learning_rate_schedule(right, "hidden")
    assert "refused" in checks.judge_learning_rate_schedule("hidden", produced)


def test_schedule_mistakes_are_named(keras_net):
    ops = _keras_ops()
    _fails(keras_checks.check_learning_rate_schedule, _schedule(lambda n, step: ops.cast(n, "float32") - ops.cast(step,
                                                                                                             "float32")),
           "must stop at 1", "below 1")
    _fails(keras_checks.check_learning_rate_schedule, _schedule(lambda n, step: ops.maximum(n - step, 1), check=False),
           "TimeBasedLearningRate(0.5) was accepted", "positive integer")
    _fails(keras_checks.check_learning_rate_schedule, _schedule(lambda n, step: max(n - step, 1)),
           "compiled optimizer step", "keras.ops.maximum")
    _fails(keras_checks.check_learning_rate_schedule, _schedule(lambda n, step: ops.maximum(n - 2 * step, 1)),
           "lr(1) = 6", "max(8 - 1, 1) = 7")

    class Plain:
        def __init__(self, initial_learning_rate):
            self.n = initial_learning_rate

    _fails(keras_checks.check_learning_rate_schedule, Plain,
           "must subclass keras.optimizers.schedules.LearningRateSchedule")


def test_schedule_accepting_zero_but_not_fractions_is_caught(keras_net):
    ops = _keras_ops()
    cls = _schedule(lambda n, step: ops.maximum(n - step, 1), check=False)

    class RefusesFractionsOnly(cls):
        def __init__(self, initial_learning_rate):
            if not isinstance(initial_learning_rate, int):
                raise TypeError("an integer, please")
            super().__init__(initial_learning_rate)

    _fails(keras_checks.check_learning_rate_schedule, RefusesFractionsOnly, "TimeBasedLearningRate(0) was accepted",
           "not positive")


# ---------------------------------------------------------------------------------------------- every exercise
ALL = [(checks.check_scratch_forward, "scratch_forward(self, X)"), (checks.check_scratch_backward, "scratch_backward"),
       (checks.check_scratch_update, "scratch_update"), (checks.check_scratch_predict, "scratch_predict"),
       (checks.check_torch_constructor, "NeuralNetworkTorch"),
       (checks.check_torch_training_loop, "torch_training_step"), (keras_checks.check_keras_bugs, "NeuralNetworkTf"),
       (keras_checks.check_learning_rate_schedule, "TimeBasedLearningRate")]


@pytest.mark.parametrize("check, name", ALL, ids=[c.__name__ for c, _ in ALL])
def test_stubs_and_none_are_not_answered(check, name):
    with pytest.raises(NotAnswered, match="not answered yet"):
        check(None)
    stub = _stub
    if "NeuralNetwork" in name or "TimeBased" in name:
        stub = type("Stub", (), {"__init__": _stub})
    with pytest.raises(NotAnswered, match="not answered yet"):
        check(stub)


@pytest.mark.parametrize("check, name", ALL, ids=[c.__name__ for c, _ in ALL])
def test_an_answer_of_the_wrong_kind_gets_a_clear_message(check, name):
    with pytest.raises(ExerciseFailed, match=f"must be (the|a) .*{name.split('(')[0]}.*got 'oops' \\(str\\)"):
        check("oops")


def test_a_judge_runs_in_a_fresh_process_and_keeps_its_feedback():
    produced = checks.run_scratch_update(_plus, "hidden")
    with pytest.raises(ExerciseFailed, match="climbs the loss"):
        exercises.fresh_check(checks.judge_scratch_update, "hidden", produced)
    right = checks.run_scratch_update(NeuralNetwork.update, "hidden")
    assert "learning_rate = 0.3" in exercises.fresh_check(checks.judge_scratch_update, "hidden", right)


def test_check_cells_write_nothing_to_stderr(capfd):
    with pytest.raises(ExerciseFailed):
        checks.check_scratch_forward(_forward_with(_naive_softmax))  # overflows in exp: no RuntimeWarning shown
    assert capfd.readouterr().err == ""
