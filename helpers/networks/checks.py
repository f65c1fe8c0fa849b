"""Checks of the MNIST exercises: the from-scratch network's four methods, the PyTorch constructor and training
step, the fixed Keras template and the time-based learning-rate schedule.

Every exercise is checked in two halves, so that the reference can be computed where a student's kernel
cannot reach it:

* ``run_<exercise>(answer, case)`` calls the student's code on a probe built for the case ("visible" or
  "hidden": other sizes and data) and returns plain data (arrays, numbers, text): what the code produced. A
  stub is ``NotAnswered``; a crash or a result of the wrong kind is ``ExerciseFailed`` saying so.
* ``judge_<exercise>(case, produced)`` compares that with references computed here from first principles
  (torch autograd in float64 for forward and backward passes, the SGD rule, argmax, NumPy formulas for
  activations and losses) and returns a one-line success message, or raises ``ExerciseFailed`` naming the
  mistake in the problem's terms (the diagonal-only softmax Jacobian, the missing 1/N, a transposed dW, an
  optimizer built before its layers, a binary loss on a softmax, each bug of the Keras template, ...).

``check_<exercise>(answer)`` is ``judge(run(answer, "visible"))`` (plus, for the training step, a short run
on real digits). A notebook's hidden test calls ``exercises.fresh_check(judge_<exercise>, "hidden",
run_<exercise>(answer, "hidden"))``: the judging happens in a new Python process. The two Keras ``run_``
functions live in ``helpers.networks.keras_checks``, so that judging in a fresh process never imports TensorFlow.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn

from helpers import gradcheck, validation
from helpers.exercises import ExerciseFailed, NotAnswered, call_answer
from helpers.networks import initial_weights
from helpers.networks.scratch import NeuralNetwork
from helpers.networks.torch_net import TorchClassifier, make_loaders

__all__ = [
    "CASES", "Case",
    "run_scratch_forward", "judge_scratch_forward", "check_scratch_forward",
    "run_scratch_backward", "judge_scratch_backward", "check_scratch_backward",
    "run_scratch_update", "judge_scratch_update", "check_scratch_update",
    "run_scratch_predict", "judge_scratch_predict", "check_scratch_predict",
    "run_torch_constructor", "judge_torch_constructor", "check_torch_constructor",
    "run_torch_training_loop", "judge_torch_training_loop", "check_torch_training_loop",
    "judge_keras_bugs", "judge_learning_rate_schedule",
    "get_case", "answer_callable", "call_quietly", "quiet", "as_array", "as_number", "ACTIVATION_PROBE", "loss_probe",
]

TOL = 1e-6  # relative error (helpers.gradcheck) under which float64 results agree
LARGE = 1e4  # the output layer's weights times this give logits in the thousands: exp(z) overflows beyond 709


class Case(NamedTuple):
    """One probe: layer sizes, batch size, seed, learning rate, Keras sizes and the schedule's initial rate."""

    sizes: tuple[int, ...]
    n: int
    seed: int
    learning_rate: float
    keras_sizes: tuple[int, ...]
    initial_rate: int


CASES = {"visible": Case((784, 16, 12, 10), 6, 0, 0.5, (784, 24, 10), 8),
         "hidden": Case((784, 20, 10), 5, 1, 0.3, (784, 20, 12, 10), 5)}


def get_case(case: str) -> Case:
    """The probe named ``case`` ("visible" or "hidden")."""
    return CASES[validation.one_of(case, tuple(CASES), "case")]


# ----------------------------------------------------------------------------------------------- probes and data
def _batch(c: Case, seed_offset: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images X: (n, 784) in [0, 1), one-hot targets T: (n, 10) and their labels (n,), float64, seeded."""
    rng = np.random.default_rng(1000 + c.seed + seed_offset)
    labels = rng.permutation(np.arange(c.n) % c.sizes[-1])
    return rng.random((c.n, c.sizes[0])), np.eye(c.sizes[-1])[labels], labels


def _weights(c: Case, last_scale: float = 1.0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Glorot weights with nonzero biases (a forgotten + b must show), float64; the last W times last_scale."""
    rng = np.random.default_rng(2000 + c.seed)
    weights = [(W, rng.normal(0.0, 0.1, size=b.shape)) for W, b in initial_weights(c.sizes, c.seed)]
    W, b = weights[-1]
    weights[-1] = (W * last_scale, b)
    return weights


def _gradient_like(c: Case) -> list[tuple[np.ndarray, np.ndarray]]:
    """Arrays shaped like the weights, for update(): random, seeded."""
    rng = np.random.default_rng(3000 + c.seed)
    return [(rng.normal(size=W.shape), rng.normal(size=b.shape)) for W, b in _weights(c)]


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No warnings from the student's code reach stderr (nbgrader gives a check cell with stderr output 0 points)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def call_quietly(fn: Callable[..., Any], *args: Any, name: str) -> Any:
    """``fn(*args)`` with warnings silenced; a crash becomes ``ExerciseFailed`` naming ``name``."""
    with quiet():
        return call_answer(fn, *args, name=name)


def answer_callable(answer: Any, name: str, what: str) -> Callable[..., Any]:
    """The student's function or class ``answer``; ``NotAnswered`` if missing, ``ExerciseFailed`` if not callable."""
    if answer is None or answer is Ellipsis:
        raise NotAnswered(f"not answered yet: define {what} in the answer cell above, then run it.")
    if not callable(answer):
        raise ExerciseFailed(f"{name} must be {what}, got {validation.describe(answer)}.")
    return answer


def as_array(value: Any, what: str) -> np.ndarray:
    """``value`` (array, tensor or nested list; any shape) as a float64 array, or ``ExerciseFailed`` saying why not."""
    if value is None:
        raise ExerciseFailed(f"{what} returned None: return the result (did you forget `return`?).")
    try:
        a = np.asarray(value.detach() if isinstance(value, torch.Tensor) else value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseFailed(f"{what} must be a NumPy array of numbers, got {validation.describe(value)}.") from None
    return a


def as_number(value: Any, what: str) -> float:
    """``value`` as one float (an array of shape () or (1,)), or ``ExerciseFailed`` saying why not."""
    a = as_array(value, what)
    if a.size != 1:
        raise ExerciseFailed(f"{what} must be one number (the mean loss), got an array of shape {a.shape}.")
    return float(a.reshape(()))


def _close(a: np.ndarray, b: np.ndarray, tol: float = TOL) -> bool:
    return np.shape(a) == np.shape(b) and gradcheck.relative_error(a, b) < tol


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ----------------------------------------------------------------------------------------------- torch references
class _DiagonalSoftmax(torch.autograd.Function):
    """softmax whose backward keeps only the diagonal y(1 - y) of its Jacobian: the common wrong shortcut."""

    @staticmethod
    def forward(ctx: Any, z: torch.Tensor) -> torch.Tensor:
        y = torch.softmax(z, dim=1)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


class _PlusSigmoid(torch.autograd.Function):
    """sigmoid whose backward uses s(1 + s) instead of s(1 - s): a sign slip in the derivative."""

    @staticmethod
    def forward(ctx: Any, z: torch.Tensor) -> torch.Tensor:
        s = torch.sigmoid(z)
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (s,) = ctx.saved_tensors
        return grad * s * (1 + s)


def _softmax_dim1(z: torch.Tensor) -> torch.Tensor:
    return torch.softmax(z, dim=1)


def _torch_pass(weights: list, X: np.ndarray, sigmoid: Callable = torch.sigmoid,
                softmax: Callable = _softmax_dim1) -> tuple[list, list, torch.Tensor, torch.Tensor]:
    """The network in torch float64: (parameters, inputs of every layer, logits z, output softmax(z))."""
    params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in weights]
    h = torch.tensor(X)
    inputs = [h]
    for k, (W, b) in enumerate(params):
        z = h @ W.T + b
        if k < len(params) - 1:
            h = sigmoid(z)
            inputs.append(h)
    return params, inputs, z, softmax(z)


def _forward_reference(weights: list, X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """(inputs of every layer [X, h1, ...], logits z, probabilities y) as NumPy float64."""
    with torch.no_grad():
        _, inputs, z, y = _torch_pass(weights, X)
    return [a.numpy() for a in inputs], z.numpy(), y.numpy()


def _loss_and_gradients(weights: list, X: np.ndarray, T: np.ndarray, loss: str, **functions: Callable) -> tuple:
    """The mean loss ("mse" on softmax(z) over N and K, or "cross_entropy") and {"dW1", "db1", ...} by autograd."""
    params, _, z, y = _torch_pass(weights, X, **functions)
    t = torch.tensor(T)
    value = ((y - t) ** 2).mean() if loss == "mse" else -(t * torch.log_softmax(z, dim=1)).sum(dim=1).mean()
    value.backward()
    grads = {}
    for k, (W, b) in enumerate(params, 1):
        grads[f"dW{k}"], grads[f"db{k}"] = W.grad.numpy(), b.grad.numpy()
    return value.item(), grads


# ----------------------------------------------------------------------------------------------- scratch: helpers
def _scratch_probe(c: Case, methods: dict[str, Callable], loss: str = "cross_entropy",
                   weights: list | None = None) -> NeuralNetwork:
    """helpers' NeuralNetwork for the case, float64, with some methods replaced (the student's, or references)."""
    net = type("ScratchProbe", (NeuralNetwork,), dict(methods))(
        list(c.sizes), learning_rate=c.learning_rate, random_state=c.seed, dtype=np.float64, loss=loss)
    net.set_parameters(_weights(c) if weights is None else weights)
    return net


def _pairs(value: Any, c: Case, what: str, names: str = "(dW, db)") -> list[tuple[np.ndarray, np.ndarray]]:
    """A list of one pair of arrays per layer, as float64 copies; ExerciseFailed describing what is wrong."""
    layers = len(c.sizes) - 1
    if not isinstance(value, (list, tuple)) or len(value) != layers:
        got = f"{len(value)} entries" if isinstance(value, (list, tuple)) else validation.describe(value)
        raise ExerciseFailed(f"{what} must be a list with one {names} pair per layer, input layer first: {layers} "
                             f"pairs for sizes {list(c.sizes)}, got {got}.")
    out = []
    for k, pair in enumerate(value):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ExerciseFailed(f"{what}[{k}] must be a pair {names}, got {validation.describe(pair)}.")
        out.append((as_array(pair[0], f"{what}[{k}][0]").copy(), as_array(pair[1], f"{what}[{k}][1]").copy()))
    return out


def _check_pair_shapes(pairs: list, c: Case, what: str, letters: tuple[str, str]) -> None:
    """Each pair has the shapes of the layer's (W, b); a transposed gradient is named as such."""
    for k, ((A, a), (W, b)) in enumerate(zip(pairs, _weights(c), strict=True), 1):
        for got, want, name in ((A, W, f"{letters[0]}{k}"), (a, b, f"{letters[1]}{k}")):
            if got.shape == want.shape:
                continue
            param = name.removeprefix("d")
            how = ""
            if got.ndim == 2 and got.shape == want.shape[::-1]:
                how = f", the transpose of {param}'s"
                if name.startswith("d"):
                    how += (": with delta (N, out) and the layer's input a (N, in), dW = delta^T a has the shape "
                            "(out, in) of W")
            raise ExerciseFailed(f"{what}: {name} has shape {got.shape}, but {param} has shape {want.shape}{how} "
                                 f"(layers are listed input layer first).")


# ----------------------------------------------------------------------------------------------- scratch_forward
def run_scratch_forward(forward: Any, case: str = "visible") -> dict[str, Any]:
    """The student's forward(self, X) on the case's batch, with ordinary and with very large output logits."""
    c = get_case(case)
    fn = answer_callable(forward, "scratch_forward", "the function scratch_forward(self, X)")
    X, _, _ = _batch(c)
    produced: dict[str, Any] = {}
    for key, scale in (("y", 1.0), ("y_large", LARGE)):
        net = _scratch_probe(c, {"forward": fn}, weights=_weights(c, scale))
        produced[key] = as_array(call_quietly(net.forward, X.copy(), name="scratch_forward"), "scratch_forward(X)")
        if key == "y":
            cache = getattr(net, "cache", None)
            if not isinstance(cache, dict) or not isinstance(cache.get("inputs"), (list, tuple)) or "y" not in cache:
                keys = sorted(map(str, cache)) if isinstance(cache, dict) else validation.describe(cache)
                raise ExerciseFailed(f"forward must keep what backward needs in self.cache: 'inputs', the list of "
                                     f"every layer's input [X, h1, ...], and 'y', the output; self.cache holds {keys}.")
            produced["inputs"] = [as_array(a, "self.cache['inputs'] entry") for a in cache["inputs"]]
            produced["cache_y"] = as_array(cache["y"], "self.cache['y']")
    return produced


def judge_scratch_forward(case: str, produced: dict[str, Any]) -> str:
    """Is produced (from run_scratch_forward) torch's forward pass? Names the usual slips of the output layer."""
    c = get_case(case)
    X, _, _ = _batch(c)
    inputs, z, y = _forward_reference(_weights(c), X)
    got = produced["y"]
    if got.shape != y.shape:
        hint = " (one row per image, please: it is transposed)" if got.shape == y.shape[::-1] else ""
        raise ExerciseFailed(f"forward(X) with X of shape {X.shape} must return probabilities of shape {y.shape}, "
                             f"got shape {got.shape}{hint}.")
    if not _close(got, y):
        if _close(got, z):
            raise ExerciseFailed("forward returned the logits z = h W^T + b of the output layer: apply the softmax, "
                                 "exp(z) / (sum of exp(z) over the classes), to return probabilities.")
        if _close(got, _sigmoid(z)):
            raise ExerciseFailed("the output layer applies a sigmoid: it must be the softmax over the 10 classes "
                                 "(each row of probabilities sums to 1).")
        if _close(got, _softmax(z, axis=0)):
            raise ExerciseFailed("your softmax normalises over the batch (each column sums to 1): normalise over the "
                                 "classes, axis=1, so that each image's row sums to 1.")
        for k, (mine, ref) in enumerate(zip(produced["inputs"][1:], inputs[1:], strict=False), 1):
            if not _close(mine, ref):
                how = (gradcheck.compare(mine, ref).explain("yours", "torch") if mine.shape == ref.shape
                       else f"shape {mine.shape} instead of {ref.shape}")
                raise ExerciseFailed(f"the output of hidden layer {k} (self.cache['inputs'][{k}]) is not "
                                     f"sigmoid(h W{k}^T + b{k}): {how}.")
        raise ExerciseFailed(f"forward's output is not softmax(z) of the output layer: "
                             f"{gradcheck.compare(got, y).explain('yours', 'torch')}.")
    if len(produced["inputs"]) != len(inputs) or not all(
            _close(mine, ref) for mine, ref in zip(produced["inputs"], inputs, strict=False)):
        raise ExerciseFailed(f"the output is right, but self.cache['inputs'] must be the input of every layer, "
                             f"[X, h1, ...]: {len(inputs)} arrays of shapes {[a.shape for a in inputs]}, got "
                             f"{[a.shape for a in produced['inputs']]} (or other values).")
    if not _close(produced["cache_y"], got):
        raise ExerciseFailed("self.cache['y'] must be the probabilities forward returns.")
    _, z_large, y_large = _forward_reference(_weights(c, LARGE), X)
    if not np.all(np.isfinite(produced["y_large"])) or not _close(produced["y_large"], y_large):
        raise ExerciseFailed(f"with large logits (up to {np.abs(z_large).max():.0f}) your softmax gives NaN or wrong "
                             f"values: exp(z) overflows. Subtract each row's largest logit first: softmax(z) = "
                             f"softmax(z - max z).")
    return (f"forward matches torch's forward through layers {list(c.sizes)}, keeps what backward needs, and stays "
            f"finite for logits as large as {np.abs(z_large).max():.0f}")


def check_scratch_forward(forward: Any) -> str:
    """The scratch network's forward(self, X), judged against torch on the visible case."""
    return judge_scratch_forward("visible", run_scratch_forward(forward, "visible"))


# ----------------------------------------------------------------------------------------------- scratch_backward
def run_scratch_backward(backward: Any, case: str = "visible") -> dict[str, Any]:
    """The student's backward(self, T) for both losses, after a forward pass whose cache the check fills itself."""
    c = get_case(case)
    fn = answer_callable(backward, "scratch_backward", "the function scratch_backward(self, T)")
    X, T, _ = _batch(c)
    produced = {}
    for loss in ("mse", "cross_entropy"):
        net = _scratch_probe(c, {"backward": fn}, loss=loss)
        inputs, _, y = _forward_reference(_weights(c), X)
        net.cache = {"inputs": inputs, "y": y}
        value = call_quietly(net.backward, T.copy(), name="scratch_backward")
        produced[loss] = {"value": None if value is None else as_number(value, "scratch_backward(T)"),
                          "grads": _pairs(getattr(net, "grads", None), c, "self.grads")}
    return produced


def _factor_hint(factor: float | None, c: Case, loss: str) -> str:
    if factor is None:
        return ""
    n, k = c.n, c.sizes[-1]
    hints = {float(n): f"did you forget the 1/N of the mean over the N = {n} images?",
             -1.0: "the wrong sign: the gradient of the loss, not of its negative (y - t, not t - y)"}
    if loss == "mse":
        hints.update({float(k): f"the loss averages over the K = {k} classes too: dL/dy = 2 (y - t) / (N K)",
                      float(n * k): f"dL/dy = 2 (y - t) / (N K): the mean runs over all N K = {n * k} entries",
                      0.5: "the derivative of (y - t)^2 is 2 (y - t): the factor 2 is missing",
                      2.0: "the factor 2 of the derivative of (y - t)^2 is there twice"})
    return next((f": {h}" for f, h in hints.items() if np.isclose(factor, f, rtol=1e-6)), "")


def judge_scratch_backward(case: str, produced: dict[str, Any]) -> str:
    """Are the gradients and loss (from run_scratch_backward) torch autograd's, for both losses?"""
    c = get_case(case)
    X, T, _ = _batch(c)
    weights = _weights(c)
    for loss in ("mse", "cross_entropy"):
        value, reference = _loss_and_gradients(weights, X, T, loss)
        pairs = produced[loss]["grads"]
        _check_pair_shapes(pairs, c, f"for loss={loss!r}", ("dW", "db"))
        mine = {}
        for k, (dW, db) in enumerate(pairs, 1):
            mine[f"dW{k}"], mine[f"db{k}"] = dW, db
        if not _close(mine, reference):
            diagonal = _loss_and_gradients(weights, X, T, loss, softmax=_DiagonalSoftmax.apply)[1]
            if loss == "mse" and _close(mine, diagonal):
                raise ExerciseFailed("for loss='mse' your dL/dz keeps only the diagonal y(1 - y) of the softmax "
                                     "Jacobian, as if each output depended on its own logit alone: the full Jacobian "
                                     "diag(y) - y y^T adds -y (g . y), so dL/dz = y * (g - (g . y) 1).")
            if _close(mine, _loss_and_gradients(weights, X, T, loss, sigmoid=_PlusSigmoid.apply)[1]):
                raise ExerciseFailed(f"for loss={loss!r} the gradients through the hidden layers use sigmoid'(z) = "
                                     f"a(1 + a): the derivative of the sigmoid is a(1 - a).")
            comparison = gradcheck.compare(mine, reference)
            hint = _factor_hint(comparison.factor, c, loss)
            last = len(pairs)
            layer_hint = ""
            if not hint and all(comparison.errors[f"{p}{last}"] < TOL for p in ("dW", "db")):
                layer_hint = (f" (dW{last} and db{last} of the output layer are right: the error enters where delta "
                              f"is carried back through W{last} and the sigmoid)")
            raise ExerciseFailed(f"for loss={loss!r}: {comparison.explain('your gradient', 'autograd')}"
                                 f"{hint}{layer_hint}.")
        got = produced[loss]["value"]
        if got is None:
            raise ExerciseFailed("the gradients are right, but backward must also return the mean loss (a float).")
        if not np.isclose(got, value, rtol=TOL, atol=0):
            ratio = got / value if value else None
            raise ExerciseFailed(f"the gradients are right, but for loss={loss!r} backward returned the loss {got:.6g} "
                                 f"instead of {value:.6g}{_factor_hint(ratio, c, loss)}.")
    return ("the gradients and the loss match torch autograd for loss='mse' (through the full softmax Jacobian) and "
            "loss='cross_entropy'")


def check_scratch_backward(backward: Any) -> str:
    """The scratch network's backward(self, T), judged against torch autograd on the visible case."""
    return judge_scratch_backward("visible", run_scratch_backward(backward, "visible"))


# ----------------------------------------------------------------------------------------------- scratch_update
def run_scratch_update(update: Any, case: str = "visible") -> dict[str, Any]:
    """The weights after the student's update(self), from the case's weights and made-up gradients."""
    c = get_case(case)
    fn = answer_callable(update, "scratch_update", "the function scratch_update(self)")
    net = _scratch_probe(c, {"update": fn})
    net.grads = [(dW.copy(), db.copy()) for dW, db in _gradient_like(c)]
    call_quietly(net.update, name="scratch_update")
    return {"weights": _pairs(getattr(net, "weights", None), c, "self.weights", "(W, b)")}


def judge_scratch_update(case: str, produced: dict[str, Any]) -> str:
    """Did every parameter move by -learning_rate times its gradient?"""
    c = get_case(case)
    before, grads = _weights(c), _gradient_like(c)
    after = produced["weights"]
    _check_pair_shapes(after, c, "after update, self.weights", ("W", "b"))
    moved, step = {}, {}
    for k, ((W, b), (W0, b0), (dW, db)) in enumerate(zip(after, before, grads, strict=True), 1):
        moved[f"W{k}"], moved[f"b{k}"] = W - W0, b - b0
        step[f"W{k}"], step[f"b{k}"] = -c.learning_rate * dW, -c.learning_rate * db
    comparison = gradcheck.compare(moved, step)
    if comparison.ok(1e-9):
        return f"every W and b moved by -learning_rate x its gradient (learning_rate = {c.learning_rate})"
    if all(np.all(a == 0) for a in moved.values()):
        raise ExerciseFailed("update did not change self.weights: `W = W - ...` makes a new array and leaves the "
                             "network's own weights as they were. Change them in place (W -= ...) or store the new "
                             "arrays back in self.weights.")
    unmoved = [name for name, a in moved.items() if np.all(a == 0)]
    if unmoved:
        raise ExerciseFailed(f"{', '.join(unmoved)} did not move: every parameter, weights and biases, takes a step.")
    if comparison.factor is not None and np.isclose(comparison.factor, -1.0):
        raise ExerciseFailed("every parameter moved by +learning_rate x its gradient: that climbs the loss. Gradient "
                             "descent subtracts: W -= learning_rate * dW.")
    if comparison.factor is not None and np.isclose(comparison.factor, 1 / c.learning_rate):
        raise ExerciseFailed("every parameter moved by minus its whole gradient: multiply the step by the learning "
                             "rate, self.learning_rate.")
    raise ExerciseFailed(f"the step is not -learning_rate x the gradient: "
                         f"{comparison.explain('your change of the weights', '-learning_rate x gradient')}.")


def check_scratch_update(update: Any) -> str:
    """The scratch network's update(self), judged by the SGD rule on the visible case."""
    return judge_scratch_update("visible", run_scratch_update(update, "visible"))


# ----------------------------------------------------------------------------------------------- scratch_predict
def _forward_for_predict(self: NeuralNetwork, X: np.ndarray) -> np.ndarray:
    """A correct forward for the predict probe (torch's), taking batches (N, 784) only, as the exercise states."""
    if np.ndim(X) != 2:
        raise ValueError(f"forward takes a batch of images X of shape (N, {self.layer_shapes[0]}), got shape "
                         f"{np.shape(X)}.")
    return _forward_reference(self.weights, np.asarray(X, dtype=np.float64))[2]


def run_scratch_predict(predict: Any, case: str = "visible") -> dict[str, Any]:
    """What the student's predict(self, x) returns for a batch and for one image (with a correct forward)."""
    c = get_case(case)
    fn = answer_callable(predict, "scratch_predict", "the function scratch_predict(self, x)")
    X, _, _ = _batch(c)
    net = _scratch_probe(c, {"forward": _forward_for_predict, "predict": fn})
    batch = call_quietly(net.predict, X.copy(), name="scratch_predict")
    try:
        one = call_quietly(net.predict, X[0].copy(), name="scratch_predict")
    except ExerciseFailed as err:
        raise ExerciseFailed(f"predict(x) failed on one image of shape {X[0].shape}: {err} The template's "
                             f"compute_accuracy calls predict with one image at a time.") from None
    is_int = isinstance(one, (int, np.integer)) and not isinstance(one, (bool, np.bool_))
    return {"batch": as_array(batch, "predict(X)"), "batch_kind": np.asarray(batch).dtype.kind,
            "one": as_array(one, "predict(x)"), "one_is_int": is_int, "one_type": type(one).__name__}


def judge_scratch_predict(case: str, produced: dict[str, Any]) -> str:
    """Does predict return the argmax class: an integer array for a batch, an int for one image?"""
    c = get_case(case)
    X, _, _ = _batch(c)
    probs = _forward_reference(_weights(c), X)[2]
    classes = probs.argmax(axis=1)
    got = produced["batch"]
    if got.shape == probs.shape:
        raise ExerciseFailed(f"predict(X) returned an array of shape {got.shape}, the probabilities: return each "
                             f"image's class, the index of its largest probability (np.argmax over axis 1).")
    if got.shape == probs.shape[1:]:
        raise ExerciseFailed(f"predict(X) for a batch of {len(X)} images returned shape {got.shape}: take the argmax "
                             f"over the classes (axis 1), one class per image.")
    if got.shape != classes.shape:
        raise ExerciseFailed(f"predict(X) for a batch of {len(X)} images must return {len(X)} classes, got shape "
                             f"{got.shape}.")
    if produced["batch_kind"] not in "iu":
        raise ExerciseFailed("predict(X) must return class indices as integers (np.argmax gives them).")
    wrong = np.flatnonzero(got != classes)
    if wrong.size:
        i = int(wrong[0])
        raise ExerciseFailed(f"predict(X) gives class {got[i]:g} for image {i}, but its largest probability is for "
                             f"class {classes[i]}.")
    one = produced["one"]
    if not produced["one_is_int"]:
        if one.shape == probs.shape[1:]:
            raise ExerciseFailed("for one image predict returned 10 probabilities: return its class, an int.")
        raise ExerciseFailed(f"for one image predict must return its class as an int, got {produced['one_type']} of "
                             f"shape {one.shape} (e.g. int(np.argmax(...)) gives an int).")
    if int(one) != classes[0]:
        raise ExerciseFailed(f"for one image predict returned class {int(one)}, but its largest probability is for "
                             f"class {classes[0]}.")
    return "predict returns the class of largest probability: an integer array for a batch, an int for one image"


def check_scratch_predict(predict: Any) -> str:
    """The scratch network's predict(self, x), judged by argmax on the visible case."""
    return judge_scratch_predict("visible", run_scratch_predict(predict, "visible"))


# ----------------------------------------------------------------------------------------------- torch_constructor
def run_torch_constructor(cls: Any, case: str = "visible") -> dict[str, Any]:
    """Build the student's class (float64) and report its optimizer's parameters, learning rate and logits."""
    c = get_case(case)
    cls = answer_callable(cls, "NeuralNetworkTorch", "the class NeuralNetworkTorch")
    call = f"NeuralNetworkTorch({list(c.sizes)}, epochs=2, learning_rate={c.learning_rate})"
    try:
        with quiet():
            net = cls(list(c.sizes), 2, c.learning_rate, c.seed, dtype=torch.float64)
    except NotImplementedError:
        raise NotAnswered("not answered yet: write the constructor NeuralNetworkTorch.__init__ in the answer cell "
                          "above (replace `raise NotImplementedError()`), then run it.") from None
    except ValueError as err:
        if "empty parameter list" in str(err):
            raise ExerciseFailed(f"the optimizer holds no parameters: {call} created it from self.parameters() "
                                 f"while the network had no registered layers (PyTorch refuses: '{err}'). Build the "
                                 f"layers first, in an nn.Sequential so that self.parameters() finds them, then create "
                                 f"the optimizer.") from None
        raise ExerciseFailed(f"{call} raised ValueError: {err}") from None
    except Exception as err:  # noqa: BLE001 - the student's constructor may raise anything: say what, in one line
        raise ExerciseFailed(f"{call} raised {type(err).__name__}: {err}") from None
    layers, optimizer = getattr(net, "layers", None), getattr(net, "optimizer", None)
    if not isinstance(layers, nn.Module):
        raise ExerciseFailed(f"self.layers must be an nn.Sequential of the network's layers, got "
                             f"{validation.describe(layers)}.")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ExerciseFailed(f"self.optimizer must be a torch optimizer (torch.optim.SGD), got "
                             f"{validation.describe(optimizer)}.")
    own = {id(p) for p in net.parameters()}
    held = [p for group in optimizer.param_groups for p in group["params"]]
    X, _, _ = _batch(c)
    try:
        with quiet(), torch.no_grad():
            logits = net(torch.tensor(X))
        weights = net.get_parameters()
    except Exception as err:  # noqa: BLE001 - as above
        raise ExerciseFailed(f"the network built by {call} fails on a batch of shape {X.shape}: "
                             f"{type(err).__name__}: {err}") from None
    return {"optimizer": type(optimizer).__name__, "rates": [float(g["lr"]) for g in optimizer.param_groups],
            "held": sum(id(p) in own for p in held), "foreign": sum(id(p) not in own for p in held),
            "parameters": len(own), "logits": as_array(logits, "the network's forward"),
            "weights": [(as_array(W, "W"), as_array(b, "b")) for W, b in weights]}


def _numpy_logits(weights: list, X: np.ndarray, hidden: Callable[[np.ndarray], np.ndarray] = _sigmoid) -> np.ndarray:
    h = X
    for k, (W, b) in enumerate(weights):
        h = h @ np.asarray(W).T + b
        if k < len(weights) - 1:
            h = hidden(h)
    return h


def judge_torch_constructor(case: str, produced: dict[str, Any]) -> str:
    """Does the optimizer hold every parameter, with the learning rate, and do the layers compute the logits?"""
    c = get_case(case)
    X, _, _ = _batch(c)
    held, total = produced["held"], produced["parameters"]
    if held == 0:
        raise ExerciseFailed("the optimizer holds none of the network's parameters: build the layers first (in an "
                             "nn.Sequential, so that self.parameters() finds them), then create the optimizer.")
    if held < total:
        raise ExerciseFailed(f"the optimizer holds {held} of the network's {total} parameter tensors: create it after "
                             f"all the layers exist, from self.parameters().")
    if produced["foreign"]:
        raise ExerciseFailed("the optimizer holds tensors that are not the network's parameters: create it from "
                             "self.parameters().")
    if produced["optimizer"] != "SGD":
        raise ExerciseFailed(f"the assignment trains with plain SGD (torch.optim.SGD), not {produced['optimizer']}.")
    if any(not np.isclose(r, c.learning_rate) for r in produced["rates"]):
        raise ExerciseFailed(f"the optimizer's learning rate is {produced['rates'][0]:g}, not the learning_rate "
                             f"passed to the constructor ({c.learning_rate:g}).")
    weights, logits = produced["weights"], produced["logits"]
    expected = _numpy_logits(weights, X)
    if not _close(logits, expected):
        variants = {
            "the network ends with a softmax: forward must return the logits, because the cross-entropy applies "
            "log-softmax itself (a Softmax layer would apply it twice)": _softmax(expected, axis=1),
            "the network ends with a sigmoid: forward must return the logits of the Linear output layer":
                _sigmoid(expected),
            "the hidden layers use ReLU: the assignment's hidden layers are sigmoid (nn.Sigmoid)":
                _numpy_logits(weights, X, lambda z: np.maximum(z, 0.0)),
            "there is no activation between the Linear layers: put an nn.Sigmoid after every hidden Linear layer":
                _numpy_logits(weights, X, lambda z: z),
        }
        why = next((text for text, value in variants.items() if _close(logits, value)), None)
        if why is None:
            why = (f"the layers do not compute Linear, Sigmoid, ..., Linear: "
                   f"{gradcheck.compare(logits, expected).explain('your logits', 'the reference')}")
        raise ExerciseFailed(why + ".")
    widths = " -> ".join(f"Linear({a}, {b})" for a, b in zip(c.sizes[:-1], c.sizes[1:], strict=True))
    return (f"{widths} with sigmoids between give the logits, and SGD holds all {total} parameter tensors with "
            f"learning rate {c.learning_rate:g}")


def check_torch_constructor(cls: Any) -> str:
    """NeuralNetworkTorch's constructor, judged on the visible case."""
    return judge_torch_constructor("visible", run_torch_constructor(cls, "visible"))


# ----------------------------------------------------------------------------------------------- torch_training_loop
def _torch_stack(sizes: tuple[int, ...] | list[int], dtype: torch.dtype) -> nn.Sequential:
    """Linear and Sigmoid modules alternating, ending with a Linear: the probe's own layers."""
    modules: list[nn.Module] = []
    for k in range(len(sizes) - 1):
        modules += [nn.Linear(sizes[k], sizes[k + 1], dtype=dtype), nn.Sigmoid()]
    return nn.Sequential(*modules[:-1])


class _TorchProbe(TorchClassifier):
    """A TorchClassifier with layers and optimizer made here, so a training step is checked on its own."""

    def __init__(self, sizes: list[int], epochs: int, learning_rate: float, random_state: int, *,
                 dtype: torch.dtype = torch.float64) -> None:
        super().__init__(sizes, epochs, learning_rate, random_state, dtype=dtype)
        self.layers = _torch_stack(self.sizes, self.dtype)
        self.optimizer = torch.optim.SGD(params=list(self.layers.parameters()), lr=learning_rate)
        self.set_parameters(initial_weights(self.sizes, self.random_state))


def _step_probe(step: Callable, sizes: list[int], epochs: int, learning_rate: float, dtype: torch.dtype) -> Any:
    return type("TrainingStepProbe", (_TorchProbe,), {"training_step": step})(sizes, epochs, learning_rate, 0,
                                                                              dtype=dtype)


def run_torch_training_loop(step: Any, case: str = "visible") -> dict[str, Any]:
    """Two calls of the student's training_step(self, x, labels) on two batches: the losses and the weights."""
    c = get_case(case)
    fn = answer_callable(step, "torch_training_step", "the function torch_training_step(self, x, labels)")
    net = _step_probe(fn, list(c.sizes), 1, c.learning_rate, torch.float64)
    net.set_parameters(_weights(c))
    produced: dict[str, Any] = {"losses": [], "weights": []}
    for offset in (0, 1):
        X, _, labels = _batch(c, offset)
        loss = call_quietly(net.training_step, torch.tensor(X), torch.tensor(labels), name="torch_training_step")
        produced["losses"].append(None if loss is None else as_number(loss, "training_step(x, labels)"))
        produced["weights"].append([(as_array(W, "W"), as_array(b, "b")) for W, b in net.get_parameters()])
    return produced


def _sgd_gradients(weights: list, X: np.ndarray, labels: np.ndarray, kind: str = "cross_entropy") -> dict:
    """{"W1", "b1", ...}: the gradient of a loss of the logits, by autograd (kinds: the right one and mistakes)."""
    params, _, z, _ = _torch_pass(weights, X)
    t = torch.nn.functional.one_hot(torch.tensor(labels), z.shape[1]).double()
    losses = {"cross_entropy": lambda: nn.functional.cross_entropy(z, torch.tensor(labels)),
              "binary": lambda: nn.functional.binary_cross_entropy_with_logits(z, t),
              "softmax_twice": lambda: nn.functional.cross_entropy(torch.softmax(z, dim=1), torch.tensor(labels))}
    losses[kind]().backward()
    grads = {}
    for k, (W, b) in enumerate(params, 1):
        grads[f"W{k}"], grads[f"b{k}"] = W.grad.numpy(), b.grad.numpy()
    return grads


def _difference(after: list, before: list) -> dict:
    out = {}
    for k, ((W, b), (W0, b0)) in enumerate(zip(after, before, strict=True), 1):
        out[f"W{k}"], out[f"b{k}"] = np.asarray(W) - W0, np.asarray(b) - b0
    return out


def _scaled(grads: dict, factor: float) -> dict:
    return {k: factor * v for k, v in grads.items()}


def _as_weights(flat: dict, layers: int) -> list:
    return [(flat[f"W{k}"], flat[f"b{k}"]) for k in range(1, layers + 1)]


def judge_torch_training_loop(case: str, produced: dict[str, Any]) -> str:
    """Are the two steps SGD on the mean cross-entropy (with the gradients zeroed in between)?"""
    c = get_case(case)
    layers, lr = len(c.sizes) - 1, c.learning_rate
    w0 = _weights(c)
    (X1, _, l1), (X2, _, l2) = _batch(c, 0), _batch(c, 1)
    w1, w2 = produced["weights"]
    moved = _difference(w1, w0)
    if all(np.all(v == 0) for v in moved.values()):
        raise ExerciseFailed("training_step did not change the weights: compute the loss, call loss.backward() for "
                             "the gradients, then self.optimizer.step() to apply them.")
    g1 = _sgd_gradients(w0, X1, l1)
    first = gradcheck.compare(moved, _scaled(g1, -lr))
    if not first.ok(TOL):
        mistakes = {
            "binary": "the step follows a binary loss (BCEWithLogitsLoss): it treats the 10 outputs as independent "
                      "yes/no questions; the softmax output needs the categorical cross-entropy "
                      "(nn.functional.cross_entropy of the logits and the labels)",
            "softmax_twice": "the step applies the cross-entropy to softmax(logits): cross_entropy applies log-softmax "
                             "itself, so pass it the logits",
        }
        for kind, text in mistakes.items():
            if _close(moved, _scaled(_sgd_gradients(w0, X1, l1, kind), -lr)):
                raise ExerciseFailed(text + ".")
        if first.factor is not None and np.isclose(first.factor, -1.0):
            raise ExerciseFailed("the weights moved up the gradient: the optimizer's step subtracts "
                                 "learning_rate x gradient of the loss itself, not of its negative.")
        raise ExerciseFailed(f"the first step is not SGD on the mean cross-entropy: "
                             f"{first.explain('your change of the weights', '-learning_rate x autograd gradient')}.")
    reference_w1 = [(W - lr * g1[f"W{k}"], b - lr * g1[f"b{k}"]) for k, (W, b) in enumerate(w0, 1)]
    g2 = _sgd_gradients(reference_w1, X2, l2)
    second_moved = _difference(w2, w1)
    second = gradcheck.compare(second_moved, _scaled(g2, -lr))
    if not second.ok(TOL):
        accumulated = {k: -lr * (g1[k] + g2[k]) for k in g2}
        if _close(second_moved, accumulated):
            raise ExerciseFailed("the second step used the sum of both batches' gradients: .grad accumulates until it "
                                 "is zeroed, so call self.optimizer.zero_grad() before loss.backward() in every step.")
        raise ExerciseFailed(f"the first step is right but the second is not: "
                             f"{second.explain('your change of the weights', '-learning_rate x autograd gradient')}.")
    expected_loss = nn.functional.cross_entropy(torch.tensor(_numpy_logits(w0, X1)), torch.tensor(l1)).item()
    got = produced["losses"][0]
    if got is None or not np.isclose(got, expected_loss, rtol=TOL):
        raise ExerciseFailed(f"the steps are right, but training_step must return the batch's loss as a float "
                             f"(loss.item()): {expected_loss:.6g}, got {got!r}.")
    return ("two steps are SGD on the mean cross-entropy, with the gradients zeroed in between, and return the "
            f"batch's loss ({layers} layers, learning rate {lr:g})")


def check_torch_training_loop(step: Any) -> str:
    """training_step judged against autograd on the visible case, then a short run on real digits."""
    message = judge_torch_training_loop("visible", run_torch_training_loop(step, "visible"))
    from helpers.mnist import load_mnist

    split = load_mnist(600, 200, random_state=0)
    net = _step_probe(step, [784, 32, 10], 2, 0.5, torch.float32)
    loaders = make_loaders(split.x_train, split.y_train, split.x_val, split.y_val, batch_size=32, random_state=0)
    start_loss, start_accuracy = net.evaluate(loaders[1])
    with quiet():
        history = call_answer(net.fit, *loaders, verbose=False, progress=False, name="fit with your training_step")
    if not (history["val_loss"][-1] < start_loss and history["val_accuracy"][-1] > 0.5):
        raise ExerciseFailed(f"two epochs on 600 digits with your training_step took the validation loss from "
                             f"{start_loss:.3f} to {history['val_loss'][-1]:.3f} and the accuracy to "
                             f"{history['val_accuracy'][-1]:.0%}: the network does not learn.")
    return (f"{message}; two epochs on 600 digits took the validation accuracy from {start_accuracy:.0%} to "
            f"{history['val_accuracy'][-1]:.0%}")


# ----------------------------------------------------------------------------------------------- keras_bugs
ACTIVATION_PROBE = np.array([[-2.0, -0.5, 0.0, 1.0, 3.0], [0.3, -1.2, 2.2, 0.1, -0.7]])


def loss_probe() -> tuple[np.ndarray, np.ndarray]:
    """Probabilities p: (4, 10) (softmax rows) and one-hot targets t: (4, 10), fixed."""
    rng = np.random.default_rng(7)
    return _softmax(rng.normal(0.0, 2.0, size=(4, 10)), axis=1), np.eye(10)[[3, 0, 9, 5]]


def _activation_name(values: np.ndarray) -> str:
    z = ACTIVATION_PROBE
    known = {"sigmoid": _sigmoid(z), "softmax": _softmax(z, axis=-1), "linear": z, "relu": np.maximum(z, 0.0),
             "tanh": np.tanh(z)}
    return next((name for name, ref in known.items() if values.shape == ref.shape and np.allclose(values, ref,
                                                                                                   atol=1e-5)), "other")


def judge_keras_bugs(case: str, produced: dict[str, Any]) -> str:
    """Every remaining bug of the Keras template, named: the extra layer, the swapped activations, the binary loss."""
    c = get_case(case)
    sizes = list(c.keras_sizes)
    units, names = produced["units"], [_activation_name(a) for a in produced["activations"]]
    problems = []
    if units == sizes:
        problems.append(f"the layer loop starts at 0, so the first Dense layer has width {sizes[0]} = sizes[0], the "
                        f"input size: an extra hidden layer of {sizes[0] * (sizes[0] + 1):,} parameters. One Dense "
                        f"layer per width after the input, sizes[1:]")
    elif units != sizes[1:]:
        problems.append(f"the Dense layers have widths {units}; sizes {sizes} needs {sizes[1:]}, one per width after "
                        f"the input")
    if produced["others"]:
        problems.append(f"the network holds other layers ({', '.join(produced['others'])}): the template needs only "
                        f"Dense layers")
    if names:
        hidden, output = names[:-1], names[-1]
        if hidden and output == "sigmoid" and all(h == "softmax" for h in hidden):
            problems.append("the activations are swapped: the hidden layers use softmax (their units compete for a "
                            "total of 1) and the output sigmoid; hidden layers are sigmoid, the output the softmax "
                            "over the classes")
        else:
            problems += [f"hidden Dense layer {i + 1} uses {name}: the assignment's hidden layers are sigmoid"
                         for i, name in enumerate(hidden) if name != "sigmoid"]
            if output != "softmax":
                problems.append(f"the output layer uses {_name_or(output)}: it must be the softmax over the classes")
    p, t = loss_probe()
    categorical = float(-np.mean(np.sum(t * np.log(p), axis=1)))
    binary = float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))
    if np.isclose(produced["loss"], binary, rtol=1e-4):
        problems.append("the loss is binary (BinaryCrossentropy): it treats the 10 outputs as independent yes/no "
                        "questions; a softmax over the classes needs CategoricalCrossentropy")
    elif not np.isclose(produced["loss"], categorical, rtol=1e-4):
        problems.append(f"loss_function's loss is {produced['loss']:.4g} on a test batch, where the categorical "
                        f"cross-entropy is {categorical:.4g}")
    if problems:
        count = "1 problem remains" if len(problems) == 1 else f"{len(problems)} problems remain"
        raise ExerciseFailed(f"{count}: " + "; ".join(f"({i}) {text}" for i, text in enumerate(problems, 1)) + ".")
    layers = " -> ".join(f"Dense({u}, {n})" for u, n in zip(units, names, strict=True))
    return f"{layers} with the categorical cross-entropy: the template's three bugs are fixed"


def _name_or(activation: str) -> str:
    """An activation's name for a message ("other" becomes a description)."""
    return "an activation that is neither sigmoid nor softmax" if activation == "other" else activation


# ----------------------------------------------------------------------------------------------- learning_rate_schedule
def judge_learning_rate_schedule(case: str, produced: dict[str, Any]) -> str:
    """lr(step) = max(initial - step, 1) at every step, also compiled; 0.5, 0 and -2 refused."""
    c = get_case(case)
    initial = c.initial_rate
    for step, value in zip(produced["steps"], produced["values"], strict=True):
        expected = max(initial - step, 1)
        if value != expected:
            if value < 1 and np.isclose(value, initial - step):
                raise ExerciseFailed(f"lr({step}) = {value:g}: the rate must stop at 1, lr(step) = max(initial - step, "
                                     f"1), but yours keeps decreasing below 1.")
            raise ExerciseFailed(f"TimeBasedLearningRate({initial}) gives lr({step}) = {value:g}; it should be "
                                 f"max({initial} - {step}, 1) = {expected}.")
    if produced["graph_error"]:
        raise ExerciseFailed(f"your schedule works for Python ints but fails inside a compiled optimizer step, where "
                             f"the step is an int64 tensor in a tf.function ({produced['graph_error']}): use keras.ops "
                             f"(e.g. keras.ops.maximum) instead of Python's max or if.")
    for step, value in zip(produced["graph_steps"], produced["graph_values"], strict=True):
        if value != max(initial - step, 1):
            raise ExerciseFailed(f"inside a compiled step your schedule gives lr({step}) = {value:g} instead of "
                                 f"{max(initial - step, 1)}.")
    for bad, error in produced["refusals"].items():
        if error is None:
            reason = "a fraction" if bad == "0.5" else "not positive"
            raise ExerciseFailed(f"TimeBasedLearningRate({bad}) was accepted, but the initial learning rate must be a "
                                 f"positive integer and {bad} is {reason}: raise a TypeError or ValueError.")
    return (f"lr(step) = max({initial} - step, 1) for steps 0..{produced['steps'][-1]}, also on int64 tensors in a "
            f"compiled step, and 0.5, 0 and -2 are refused")
