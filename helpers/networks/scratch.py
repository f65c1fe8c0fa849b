"""G1: the MNIST classifier from scratch in NumPy, built from the workbook's layers (helpers.modules).

The network is ``Linear -> Sigmoid -> ... -> Linear -> Softmax``. The assignment's loss is the mean
squared error on the softmax output, averaged over the batch *and* the K classes as ``torch.nn.MSELoss``
and Keras' ``MeanSquaredError`` do (= 2/K times ``modules.MSE``, which halves a sum over classes; this is
the scale the original learning rate of 1.5 was tuned for), so backpropagation goes through the *full* softmax Jacobian
``diag(y) - y y^T`` (``modules.Softmax.backward``), not just its diagonal. ``loss="cross_entropy"`` uses
``modules.SoftmaxCrossEntropy`` instead, whose gradient with respect to the logits is simply ``(y - t) / S``.
Everything is vectorized over the mini-batch; ``batch_size=1`` is the original per-sample SGD.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from helpers import modules
from helpers.networks import (EpochCallback, EpochReporter, Weights, check_epochs_and_rate, check_finite,
                              check_sizes, check_weights, default_progress, initial_weights)

__all__ = ["NeuralNetwork", "LOSSES"]

LOSSES = ("mse", "cross_entropy")


def _one_hot_targets(y: Any, n_classes: int, dtype: Any) -> np.ndarray:
    """y: (N, K) one-hot or (N,) integer labels -> (N, K) one-hot in dtype."""
    y = np.asarray(y)
    if y.ndim == 1 and y.dtype.kind in "iu":
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"integer labels must lie in 0..{n_classes - 1}.")
        return np.eye(n_classes, dtype=dtype)[y]
    if y.ndim != 2 or y.shape[1] != n_classes:
        raise ValueError(f"labels must be one-hot (N, {n_classes}) or integers (N,), got shape {y.shape}.")
    return y.astype(dtype, copy=False)


class NeuralNetwork:
    """Fully connected classifier: sizes [784, hidden..., 10], sigmoid hidden layers, softmax output.

    Original interface: ``NeuralNetwork(layer_shapes, epochs=50, learning_rate=0.01, random_state=1)``;
    extra keywords: ``batch_size`` (1 = per-sample SGD), ``loss`` ("mse" on the softmax output, or
    "cross_entropy"), ``dtype`` (float32 for speed, float64 for gradient checks), ``shuffle``.
    """

    def __init__(self, layer_shapes: Sequence[int], epochs: int = 50, learning_rate: float = 0.01,
                 random_state: int = 1, *, batch_size: int = 1, loss: str = "mse", dtype: Any = np.float32,
                 shuffle: bool = True) -> None:
        self.layer_shapes = check_sizes(layer_shapes)
        self.epochs, self.learning_rate = check_epochs_and_rate(epochs, learning_rate)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}: pass one of {LOSSES}.")
        self.batch_size, self.loss, self.random_state, self.shuffle = int(batch_size), loss, random_state, shuffle
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"dtype must be a float type (np.float32 or np.float64), got {self.dtype}.")
        layers: list[modules.Module] = []
        for i, (n_in, n_out) in enumerate(zip(self.layer_shapes[:-1], self.layer_shapes[1:])):
            layers.append(modules.Linear(n_in, n_out, dtype=self.dtype))
            if i < len(self.layer_shapes) - 2:
                layers.append(modules.Sigmoid())
        self.model = modules.Sequential(*layers)  # outputs the logits z
        self.softmax = modules.Softmax()
        self.mse, self.cross_entropy = modules.MSE(), modules.SoftmaxCrossEntropy()
        self.set_parameters(initial_weights(self.layer_shapes, random_state, self.dtype))
        self.epoch_seconds: list[float] = []
        self._logits: np.ndarray | None = None

    # ------------------------------------------------------------------------------------------ weights
    @property
    def linears(self) -> list[modules.Linear]:
        return [layer for layer in self.model.layers if isinstance(layer, modules.Linear)]

    def set_parameters(self, weights: Weights) -> None:
        """weights: [(W: (out, in), b: (out,)), ...] -> copied into the layers."""
        check_weights(weights, self.layer_shapes)
        for layer, (W, b) in zip(self.linears, weights):
            layer.params["W"][...] = W
            layer.params["b"][...] = b

    def get_parameters(self) -> Weights:
        """-> [(W: (out, in), b: (out,)), ...], copies."""
        return [(layer.params["W"].copy(), layer.params["b"].copy()) for layer in self.linears]

    def count_parameters(self) -> int:
        return sum(W.size + b.size for W, b in self.get_parameters())

    # ------------------------------------------------------------------------------------------ passes
    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, 784) -> softmax probabilities (N, 10)."""
        self._logits = self.model.forward(np.asarray(x, dtype=self.dtype).reshape(len(x), -1))
        return self.softmax.forward(self._logits)

    def backward(self, y: np.ndarray, loss: str | None = None) -> float:
        """After forward: loss against one-hot y: (N, 10); fills every layer's .grads, returns the loss."""
        loss = loss or self.loss
        if self._logits is None:
            raise RuntimeError("backward was called before forward: run forward(x) first.")
        t = _one_hot_targets(y, self.layer_shapes[-1], self.dtype)
        if loss == "mse":
            scale = 2.0 / t.shape[1]  # mean over classes = (2/K) * (1/2 sum over classes)
            value = scale * self.mse.forward(self.softmax._cached()["y"], t)
            self.model.backward(self.softmax.backward(self.mse.backward(scale)))
        elif loss == "cross_entropy":
            value = self.cross_entropy.forward(self._logits, t)
            self.model.backward(self.cross_entropy.backward())
        else:
            raise ValueError(f"unknown loss {loss!r}: pass one of {LOSSES}.")
        return value

    def update(self) -> None:
        """One SGD step: every parameter -= learning_rate * its gradient."""
        self.model.sgd_step(self.learning_rate)

    def loss_and_gradients(self, x: np.ndarray, y_one_hot: np.ndarray,
                           loss: str = "cross_entropy") -> tuple[float, Weights]:
        """Mean loss on the batch and [(dW, db), ...] (no update); cross-entropy by default (the contract)."""
        self.forward(x)
        value = self.backward(y_one_hot, loss)
        return value, [(layer.grads["W"].copy(), layer.grads["b"].copy()) for layer in self.linears]

    # ------------------------------------------------------------------------------------------ use
    def predict(self, x: np.ndarray) -> np.ndarray:
        """x: (N, 784) -> class indices (N,)."""
        return self.forward(x).argmax(axis=1)

    def compute_accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Fraction of x whose predicted class matches y (one-hot (N, 10) or integer (N,))."""
        y = np.asarray(y)
        labels = y.argmax(axis=1) if y.ndim == 2 else y
        return float(np.mean(self.predict(x) == labels))

    def _evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        probs = self.forward(x)
        t = _one_hot_targets(y, self.layer_shapes[-1], self.dtype)
        if self.loss == "mse":
            value = float(((probs - t) ** 2).mean())
        else:
            value = float(-(t * np.log(np.clip(probs, 1e-12, None))).sum() / len(t))
        return value, float(np.mean(probs.argmax(1) == t.argmax(1)))

    def fit(self, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, *,
            verbose: bool = True, progress: bool | None = None,
            on_epoch_end: EpochCallback | None = None) -> dict[str, list[float]]:
        """Mini-batch SGD for self.epochs; -> {"accuracy", "val_accuracy", "loss", "val_loss"} per epoch.

        x_*: (N, 784), y_*: one-hot (N, 10). Accuracy and loss are measured on the whole sets after each
        epoch. ``on_epoch_end(epoch, history)`` is called after every epoch (live plots).
        """
        from tqdm.auto import tqdm

        x_train = np.asarray(x_train, dtype=self.dtype).reshape(len(x_train), -1)
        t_train = _one_hot_targets(y_train, self.layer_shapes[-1], self.dtype)
        if x_train.shape[1] != self.layer_shapes[0] or len(x_train) != len(t_train):
            raise ValueError(f"x_train must be (N, {self.layer_shapes[0]}) with N one-hot rows in y_train; "
                             f"got {x_train.shape} and {t_train.shape}.")
        rng = np.random.default_rng(self.random_state)
        report = EpochReporter(self.epochs, self.learning_rate, verbose, on_epoch_end)
        show = default_progress() if progress is None else progress
        self.model.train()
        n = len(x_train)
        for epoch in range(1, self.epochs + 1):
            report.start_epoch()
            order = rng.permutation(n) if self.shuffle else np.arange(n)
            starts = range(0, n, self.batch_size)
            for start in tqdm(starts, desc=f"epoch {epoch}", leave=False, disable=not show):
                idx = order[start:start + self.batch_size]
                # a diverging run overflows: check_finite reports it clearly instead of NumPy warnings
                with np.errstate(over="ignore", invalid="ignore"):
                    self.forward(x_train[idx])
                    loss = self.backward(t_train[idx])
                check_finite(loss, epoch, self.learning_rate)
                self.update()
            loss, acc = self._evaluate(x_train, t_train)
            val_loss, val_acc = self._evaluate(x_val, y_val)
            report.end_epoch(epoch, loss, acc, val_loss, val_acc)
        self.epoch_seconds = report.epoch_seconds
        self.history = report.history
        return report.history
