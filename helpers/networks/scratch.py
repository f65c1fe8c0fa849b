"""The MNIST classifier from scratch in NumPy: a self-contained network, vectorized over mini-batches.

The weights are a list ``[(W, b), ...]``, one pair per layer, ``W: (out, in)``, ``b: (out,)``; hidden layers
are sigmoid, the output a softmax. Four methods do the work, as in the original assignment:

* ``forward(X)``: images ``(N, 784)`` -> probabilities ``(N, 10)``; keeps in ``self.cache`` what backward needs:
  ``"inputs"``, the input of every layer ``[X, h1, ..., h_{L-1}]``, and ``"y"``, the softmax output;
* ``backward(T)``: one-hot targets ``(N, 10)`` -> the mean loss; fills ``self.grads = [(dW, db), ...]``. The
  assignment's loss is the mean squared error on the softmax output, averaged over the batch *and* the K
  classes as ``torch.nn.MSELoss`` and Keras' ``MeanSquaredError`` do (the scale the original learning rate of
  1.5 was tuned for), so its gradient goes through the *full* softmax Jacobian ``diag(y) - y y^T``;
  ``loss="cross_entropy"`` has the logit gradient ``(y - t) / N``. The first layer skips dL/dX: nothing
  uses the gradient with respect to the pixels, and it would cost a third of a step's work;
* ``update()``: one SGD step in place; ``predict(x)``: one image ``(784,)`` -> its class (an int), a batch -> ``(N,)``.

Inputs are checked at the boundary: ``fit``, ``predict``, ``predict_proba``, ``compute_accuracy`` and
``loss_and_gradients`` check what they are given, once; ``forward``, ``backward`` and ``update``, which run
once per mini-batch on data already checked, do not check their arrays again.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import expit

from helpers import validation
from helpers.networks import (
    BatchCallback,
    EpochCallback,
    EpochReporter,
    Weights,
    check_epochs_and_rate,
    check_sizes,
    check_weights,
    default_progress,
    image_batch,
    initial_weights,
    labelled_images,
)

__all__ = ["NeuralNetwork", "LOSSES", "sigmoid"]

LOSSES = ("mse", "cross_entropy")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) element-wise: same shape and dtype as z, no overflow for large |z| (scipy's expit)."""
    return expit(z)


class NeuralNetwork:
    """Fully connected classifier: sizes [784, hidden..., 10], sigmoid hidden layers, softmax output.

    Original interface: ``NeuralNetwork(layer_shapes, epochs=50, learning_rate=0.01, random_state=1)``;
    extra keywords: ``batch_size`` (1 = per-sample SGD), ``loss`` ("mse" on the softmax output, or
    "cross_entropy"), ``dtype`` (float32 for speed, float64 for gradient checks), ``shuffle``.
    """

    def __init__(self, layer_shapes: Sequence[int], epochs: int = 50, learning_rate: float = 0.01,
                 random_state: Any = 1, *, batch_size: int = 1, loss: str = "mse", dtype: Any = np.float32,
                 shuffle: bool = True) -> None:
        self.layer_shapes = check_sizes(layer_shapes)
        self.epochs, self.learning_rate = check_epochs_and_rate(epochs, learning_rate)
        self.batch_size = validation.positive_int(batch_size, "batch_size")
        self.loss = validation.one_of(loss, LOSSES, "loss")
        validation.as_rng(random_state)  # refuse a bad seed now, not at fit time
        self.random_state, self.shuffle = random_state, validation.flag(shuffle, "shuffle")
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype!r}.") from None
        if self.dtype.kind != "f":
            raise TypeError(f"dtype must be a float type (np.float32 or np.float64), got {self.dtype}.")
        self.weights: Weights = []
        self.set_parameters(initial_weights(self.layer_shapes, random_state, self.dtype))
        self.cache: dict[str, Any] = {}
        self.grads: Weights = []
        self.epoch_seconds: list[float] = []
        self.history: dict[str, list[float]] = {}

    # ------------------------------------------------------------------------------------------ weights
    def set_parameters(self, weights: Weights) -> None:
        """weights: [(W: (out, in), b: (out,)), ...] -> copied, in the network's dtype, into self.weights."""
        check_weights(weights, self.layer_shapes)
        self.weights = [(np.array(W, dtype=self.dtype), np.array(b, dtype=self.dtype)) for W, b in weights]

    def get_parameters(self) -> Weights:
        """-> [(W: (out, in), b: (out,)), ...], copies."""
        return [(W.copy(), b.copy()) for W, b in self.weights]

    def count_parameters(self) -> int:
        """Number of weights and biases."""
        return sum(W.size + b.size for W, b in self.weights)

    # ------------------------------------------------------------------------------------------ the four methods
    def forward(self, X: np.ndarray) -> np.ndarray:
        """X: (N, 784) -> softmax probabilities y: (N, 10); self.cache = {"inputs": [X, h1, ...], "y": y}."""
        ### BEGIN SOLUTION
        inputs = [X]
        for W, b in self.weights[:-1]:
            inputs.append(sigmoid(inputs[-1] @ W.T + b))
        W, b = self.weights[-1]
        z = inputs[-1] @ W.T + b
        e = np.exp(z - z.max(axis=1, keepdims=True))  # shifted by the row's largest logit: exp cannot overflow
        y = e / e.sum(axis=1, keepdims=True)
        self.cache = {"inputs": inputs, "y": y}
        return y
        ### END SOLUTION

    def backward(self, T: np.ndarray) -> float:
        """After forward: T one-hot (N, 10) -> the mean loss (self.loss); fills self.grads = [(dW, db), ...]."""
        self._check_targets(T)
        ### BEGIN SOLUTION
        inputs, y = self.cache["inputs"], self.cache["y"]
        if self.loss == "mse":
            value = np.mean((y - T) ** 2)
            g = 2 * (y - T) / T.size  # dL/dy: the mean runs over all N K entries
            delta = y * (g - np.sum(g * y, axis=1, keepdims=True))  # dL/dz = J^T g with J = diag(y) - y y^T
        else:
            value = -np.mean(np.log(np.sum(T * y, axis=1)))
            delta = (y - T) / len(T)  # dL/dz of a softmax followed by the cross-entropy
        self.grads = [None] * len(self.weights)
        for k in reversed(range(len(self.weights))):
            a = inputs[k]
            self.grads[k] = (delta.T @ a, delta.sum(axis=0))
            if k > 0:  # no dL/dX for the first layer: nothing uses the gradient with respect to the pixels
                delta = (delta @ self.weights[k][0]) * a * (1 - a)  # sigmoid'(z) = a (1 - a)
        return float(value)
        ### END SOLUTION

    def update(self) -> None:
        """One SGD step, in place: every W and b moves by -learning_rate times its gradient in self.grads."""
        if len(self.grads) != len(self.weights):
            raise RuntimeError("update was called before backward: run forward(X), then backward(T), then update().")
        ### BEGIN SOLUTION
        for (W, b), (dW, db) in zip(self.weights, self.grads, strict=True):
            W -= self.learning_rate * dW
            b -= self.learning_rate * db
        ### END SOLUTION

    def predict(self, x: np.ndarray) -> int | np.ndarray:
        """One image (784,) -> its class index (an int); a batch (N, 784) -> class indices (N,)."""
        x = self.checked_images(x)
        ### BEGIN SOLUTION
        if x.ndim == 1:  # one image: a batch of one, and its class as an int
            return int(np.argmax(self.forward(x[None, :])))
        return np.argmax(self.forward(x), axis=1)
        ### END SOLUTION

    # ------------------------------------------------------------------------------------------ checked entry points
    def checked_images(self, x: Any) -> np.ndarray:
        """x checked, in the network's dtype: one image (784,) stays; a batch (N, 784) or (N, 28, 28) -> (N, 784).

        Text, NaN or infinity, and any other shape are refused with a ValueError naming the shape passed.
        """
        batch, single = image_batch(x, self.layer_shapes[0])
        batch = batch.astype(self.dtype, copy=False)
        return batch[0] if single else batch

    def _check_targets(self, T: Any) -> None:
        if not self.cache:
            raise RuntimeError("backward was called before forward: run forward(X) first.")
        expected = np.shape(self.cache["y"])
        if np.shape(T) != expected:
            raise ValueError(f"T must hold one one-hot row per image of the last forward pass, shape {expected}, got "
                             f"shape {np.shape(T)}: pass one label per image.")

    def loss_and_gradients(self, x: np.ndarray, y_one_hot: np.ndarray,
                           loss: str = "cross_entropy") -> tuple[float, Weights]:
        """Mean loss on the batch x: (N, 784), y: (N, 10) and [(dW, db), ...] (no update); cross-entropy by default."""
        X, T = labelled_images(x, y_one_hot, self.layer_shapes[0], self.layer_shapes[-1], ("x", "y_one_hot"),
                               self.dtype)
        chosen = validation.one_of(loss, LOSSES, "loss")
        kept, self.loss = self.loss, chosen
        try:
            self.forward(X)
            value = self.backward(T)
        finally:
            self.loss = kept
        return value, [(dW.copy(), db.copy()) for dW, db in self.grads]

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """One image (784,) -> probabilities (10,); a batch (N, 784) -> (N, 10)."""
        x = self.checked_images(x)
        probs = self.forward(x.reshape(-1, self.layer_shapes[0]))
        return probs.reshape(x.shape[:-1] + probs.shape[-1:])

    def compute_accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Fraction of x: (N, 784) whose predicted class matches y: one-hot (N, 10) or integers (N,)."""
        X, single = image_batch(x, self.layer_shapes[0])
        y = np.asarray(y)
        if single and (y.ndim == 0 or y.shape == (self.layer_shapes[-1],)):
            y = y[None]  # the label of the one image
        labels = validation.class_labels(y, self.layer_shapes[-1], "y")
        validation.same_length(x=X, y=labels)
        return float(np.mean(self.forward(X.astype(self.dtype, copy=False)).argmax(axis=1) == labels))

    # ------------------------------------------------------------------------------------------ training
    def _evaluate(self, X: np.ndarray, T: np.ndarray) -> tuple[float, float]:
        """Mean loss and accuracy on a checked set X: (N, 784), T: one-hot (N, 10)."""
        probs = self.forward(X)
        squared = float(((probs - T) ** 2).mean())
        cross_entropy = float(-np.log(np.clip((probs * T).sum(axis=1), 1e-12, None)).mean())
        accuracy = float(np.mean(probs.argmax(axis=1) == T.argmax(axis=1)))
        return squared if self.loss == "mse" else cross_entropy, accuracy

    def fit(self, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, *,
            verbose: bool = True, progress: bool | None = None, on_epoch_end: EpochCallback | None = None,
            on_batch_end: BatchCallback | None = None,
            stop: threading.Event | None = None) -> dict[str, list[float]]:
        """Mini-batch SGD for self.epochs; -> {"accuracy", "val_accuracy", "loss", "val_loss"} per epoch.

        x_*: (N, 784), y_*: one-hot (N, 10) or integers (N,), checked before training starts. Accuracy and
        loss are measured on the whole sets after each epoch. ``on_epoch_end(epoch, history)`` runs after
        every epoch and ``on_batch_end(epoch, batch, n_batches)`` after every batch (live displays); when
        ``stop`` is set, training ends after the current batch, keeping the epochs completed so far.
        """
        from tqdm.auto import tqdm

        d, k = self.layer_shapes[0], self.layer_shapes[-1]
        X, T = labelled_images(x_train, y_train, d, k, ("x_train", "y_train"), self.dtype)
        X_val, T_val = labelled_images(x_val, y_val, d, k, ("x_val", "y_val"), self.dtype)
        rng = validation.as_rng(self.random_state)
        report = EpochReporter(self.epochs, self.learning_rate, verbose, on_epoch_end, on_batch_end, stop)
        show = default_progress() if progress is None else progress
        n = len(X)
        n_batches = math.ceil(n / self.batch_size)
        for epoch in range(1, self.epochs + 1):
            report.start_epoch()
            order = rng.permutation(n) if self.shuffle else np.arange(n)
            starts = range(0, n, self.batch_size)
            for batch, start in enumerate(tqdm(starts, desc=f"epoch {epoch}", leave=False, disable=not show), 1):
                idx = order[start:start + self.batch_size]
                # The data are finite (checked above): a NaN or infinity can only come from the weights, that is
                # from divergence, which check_batch_loss reports with the learning rate.
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    self.forward(X[idx])
                    loss = self.backward(T[idx])
                report.check_batch_loss(epoch, batch, loss)
                self.update()
                if report.end_batch(epoch, batch, n_batches):
                    break
            if report.stopped:
                break
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                train_loss, train_acc = self._evaluate(X, T)
                val_loss, val_acc = self._evaluate(X_val, T_val)
            if not all(np.all(np.isfinite(W)) for W, _ in self.weights):
                report.diverged(epoch)
            report.end_epoch(epoch, train_loss, train_acc, val_loss, val_acc)
        self.epoch_seconds = report.epoch_seconds
        self.history = report.history
        return report.history
