"""Three implementations of one MNIST classifier (NumPy from scratch, PyTorch, Keras) and what they share.

All three take ``sizes = [784, hidden..., 10]`` (sigmoid hidden layers, softmax output) and exchange
weights as a list with one ``(W, b)`` per layer, ``W: (out, in)``, ``b: (out,)`` NumPy arrays, so they can
start from identical weights (``initial_weights``) and be compared batch for batch.

What the three fits share lives here: checking sizes, images and labels at the boundary (so that a NaN
which appears during training can only be divergence), the per-epoch bookkeeping with its printed line,
and the two hooks a live display needs: ``on_batch_end(epoch, batch, n_batches)`` after every batch and a
``stop`` event that ends training cleanly after the current batch.

The submodules are imported on use: ``from helpers.networks.scratch import NeuralNetwork`` does not import
torch or TensorFlow.
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from helpers import validation
from helpers.modules import glorot_uniform

__all__ = [
    "initial_weights",
    "check_sizes",
    "check_weights",
    "image_batch",
    "one_hot_labels",
    "labelled_images",
    "default_progress",
    "EpochReporter",
    "check_epochs_and_rate",
    "scratch",
    "torch_net",
    "keras_net",
    "training",
    "training_plots",
    "checks",
]

Weights = list[tuple[np.ndarray, np.ndarray]]
EpochCallback = Callable[[int, dict], Any]
BatchCallback = Callable[[int, int, int], Any]
_SUBMODULES = ("scratch", "torch_net", "keras_net", "training", "training_plots", "checks")


def __getattr__(name: str) -> ModuleType:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'helpers.networks' has no attribute {name!r}")


def check_sizes(sizes: Any) -> list[int]:
    """[784, hidden..., 10] -> list of ints: at least the input and output widths, every one positive."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
        raise TypeError(f"sizes must be a list of layer widths such as [784, 128, 10], got "
                        f"{validation.describe(sizes)}.")
    if len(sizes) < 2:
        raise ValueError(f"sizes must hold at least two widths [inputs, ..., classes] such as [784, 10], "
                         f"got {list(sizes)}.")
    return [validation.positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]


def initial_weights(sizes: Sequence[int], random_state: Any = 1, dtype: Any = np.float64) -> Weights:
    """Glorot-uniform W: (out, in) and zero b: (out,) per layer, as Keras' Dense initializes them."""
    sizes = check_sizes(sizes)
    rng = validation.as_rng(random_state)  # one generator, drawn layer after layer: one seed fixes all
    return [(glorot_uniform(n_in, n_out, rng, dtype), np.zeros(n_out, dtype=dtype))
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]


def check_weights(weights: Weights, sizes: Sequence[int]) -> None:
    """Raise ValueError unless weights is [(W: (out, in), b: (out,)), ...] matching sizes."""
    expected = [((o, i), (o,)) for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
    try:
        got = [(np.shape(W), np.shape(b)) for W, b in weights]
    except (TypeError, ValueError):
        raise TypeError(f"weights must be a list of (W, b) pairs, one per layer, got {validation.describe(weights)}.") \
            from None
    if got != expected:
        raise ValueError(f"weights do not fit sizes {list(sizes)}: expected (W, b) shapes {expected}, got {got}.")
    for k, (W, b) in enumerate(weights):
        validation.float_array(W, f"weights[{k}][0] (W)")
        validation.float_array(b, f"weights[{k}][1] (b)")


def image_batch(x: Any, n_features: int, name: str = "x") -> tuple[np.ndarray, bool]:
    """One image (784,) or a batch (N, 784) (or (N, 28, 28), flattened) -> (batch (N, 784), whether x was one image).

    Values must be finite numbers; a shape that is neither gets a ValueError naming the shape passed.
    """
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    a = validation.float_array(x, name)
    if a.ndim == 1 and a.shape[0] == n_features:
        return a[None, :], True
    if a.ndim >= 2 and int(np.prod(a.shape[1:])) == n_features:
        return a.reshape(len(a), n_features), False
    hint = ""
    if a.ndim == 2 and a.shape[0] * a.shape[1] == n_features:
        hint = f" (one image? pass {name}.reshape({n_features}))"
    raise ValueError(f"{name} must be one image of shape ({n_features},) or a batch of shape (N, {n_features}), "
                     f"got shape {a.shape}{hint}.")


def one_hot_labels(y: Any, n_classes: int, name: str = "y", dtype: Any = np.float32) -> np.ndarray:
    """Labels as one-hot rows (N, n_classes) in dtype, from integer labels (N,) or one-hot rows (N, n_classes)."""
    return np.eye(n_classes, dtype=dtype)[validation.class_labels(y, n_classes, name)]


def labelled_images(x: Any, y: Any, n_features: int, n_classes: int, names: tuple[str, str] = ("x", "y"),
                    dtype: Any = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """A labelled set, checked: images (N, 784) or (N, 28, 28), labels (N,) or one-hot (N, 10) -> (N, 784), (N, 10).

    Refuses, with the argument's name: text, NaN or infinity, an empty set, a single image, labels outside
    0..n_classes-1 or rows that are not one-hot, and images and labels of different lengths.
    """
    X, single = image_batch(x, n_features, names[0])
    if single:
        raise ValueError(f"{names[0]} must be a set of images of shape (N, {n_features}), got one image of shape "
                         f"{np.shape(x)}: pass {names[0]}[None] for a set of one.")
    T = one_hot_labels(y, n_classes, names[1], dtype)
    validation.same_length(**{names[0]: X, names[1]: T})
    return X.astype(dtype, copy=False), T


def default_progress() -> bool:
    """Show batch progress bars only in an interactive terminal (stderr is a TTY).

    In a notebook pass ``progress=True``: the executed, stored notebooks stay free of bars that way.
    """
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class EpochReporter:
    """Per-epoch bookkeeping shared by the fits: timing, history, printed line, callbacks, stop, divergence check."""

    def __init__(self, epochs: int, learning_rate: Any, verbose: bool = True,
                 on_epoch_end: EpochCallback | None = None, on_batch_end: BatchCallback | None = None,
                 stop: threading.Event | None = None) -> None:
        for hook, name in ((on_epoch_end, "on_epoch_end"), (on_batch_end, "on_batch_end")):
            if hook is not None and not callable(hook):
                raise TypeError(f"{name} must be a function or None, got {validation.describe(hook)}.")
        if stop is not None and not callable(getattr(stop, "is_set", None)):
            raise TypeError(f"stop must be a threading.Event or None, got {validation.describe(stop)}.")
        self.epochs, self.learning_rate, self.verbose = epochs, learning_rate, verbose
        self.on_epoch_end, self.on_batch_end, self.stop = on_epoch_end, on_batch_end, stop
        self.history: dict[str, list[float]] = {"accuracy": [], "val_accuracy": [], "loss": [], "val_loss": []}
        self.epoch_seconds: list[float] = []
        self.stopped = False
        self._start = 0.0

    def start_epoch(self) -> None:
        """Start the epoch's clock."""
        self._start = time.perf_counter()

    def check_batch_loss(self, epoch: int, batch: int, loss: float) -> None:
        """DivergenceError if a batch's loss (on checked, finite data) is NaN or infinite; epoch and batch from 1."""
        validation.check_loss_finite(float(loss), f"in epoch {epoch}, batch {batch}", self.learning_rate)

    def end_batch(self, epoch: int, batch: int, n_batches: int) -> bool:
        """After a batch's update (both counted from 1): call on_batch_end; True if a stop was requested."""
        if self.on_batch_end is not None:
            self.on_batch_end(epoch, batch, n_batches)
        if self.stop is not None and self.stop.is_set():
            self.stopped = True
        return self.stopped

    def end_epoch(self, epoch: int, loss: float, accuracy: float, val_loss: float, val_accuracy: float) -> None:
        """epoch counts from 1; prints "Epoch 3/10 - 0.42 s - loss ... - val_accuracy: 91.3%"."""
        seconds = time.perf_counter() - self._start
        validation.check_loss_finite(loss, f"in epoch {epoch}", self.learning_rate)
        self.epoch_seconds.append(seconds)
        for key, value in (("loss", loss), ("accuracy", accuracy), ("val_loss", val_loss),
                           ("val_accuracy", val_accuracy)):
            self.history[key].append(float(value))
        if self.verbose:
            print(f"Epoch {epoch}/{self.epochs} - {seconds:.2f} s - loss: {loss:.4f} - "
                  f"accuracy: {100 * accuracy:.1f}% - val_loss: {val_loss:.4f} - "
                  f"val_accuracy: {100 * val_accuracy:.1f}%", flush=True)
        if self.on_epoch_end is not None:
            self.on_epoch_end(epoch, self.history)

    def diverged(self, epoch: int) -> None:
        """Raise DivergenceError: the weights overflowed to inf/NaN during epoch (data were checked finite)."""
        validation.check_loss_finite(float("nan"), f"in epoch {epoch} (the weights overflowed)", self.learning_rate)


def check_epochs_and_rate(epochs: Any, learning_rate: Any) -> tuple[int, float]:
    """Validate epochs (a positive int) and learning_rate (a positive finite number)."""
    return validation.positive_int(epochs, "epochs"), validation.positive_number(learning_rate, "learning_rate")
