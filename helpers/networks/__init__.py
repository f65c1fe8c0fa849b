"""Three implementations of one MNIST classifier (NumPy from scratch, PyTorch, Keras) and what they share.

All three take ``sizes = [784, hidden..., 10]`` (sigmoid hidden layers, softmax output) and exchange
weights as a list with one ``(W, b)`` per layer, ``W: (out, in)``, ``b: (out,)`` NumPy arrays, so they can
start from identical weights (``initial_weights``) and be compared batch for batch.

The submodules are imported on use: ``from helpers.networks.scratch import NeuralNetwork`` does not import
torch or TensorFlow.
"""

from __future__ import annotations

import importlib
import math
import sys
import time
from types import ModuleType
from typing import Any, Callable, Sequence

import numpy as np

__all__ = [
    "initial_weights",
    "check_sizes",
    "check_weights",
    "DivergenceError",
    "check_finite",
    "default_progress",
    "EpochReporter",
    "scratch",
    "torch_net",
    "keras_net",
]

Weights = list[tuple[np.ndarray, np.ndarray]]
EpochCallback = Callable[[int, dict], Any]


def __getattr__(name: str) -> ModuleType:
    if name in ("scratch", "torch_net", "keras_net"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'helpers.networks' has no attribute {name!r}")


def check_sizes(sizes: Sequence[int]) -> list[int]:
    """[784, hidden..., 10] -> list of ints; at least input and output, all positive."""
    try:
        out = [int(s) for s in sizes]
    except TypeError as err:
        raise TypeError(f"sizes must be a list of layer widths like [784, 128, 10], got {sizes!r}.") from err
    if len(out) < 2 or any(s <= 0 or s != v for s, v in zip(out, sizes)) or any(isinstance(v, bool) for v in sizes):
        raise ValueError(f"sizes must hold at least two positive integers [inputs, ..., classes], got {list(sizes)}.")
    return out


def initial_weights(sizes: Sequence[int], random_state: int = 1, dtype: Any = np.float64) -> Weights:
    """Glorot-uniform W: (out, in) and zero b: (out,) per layer, as Keras' Dense initializes them."""
    sizes = check_sizes(sizes)
    rng = np.random.default_rng(random_state)
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        # Glorot: keeps the variance of activations and gradients of order one whatever the width.
        limit = math.sqrt(6.0 / (n_in + n_out))
        weights.append((rng.uniform(-limit, limit, size=(n_out, n_in)).astype(dtype), np.zeros(n_out, dtype=dtype)))
    return weights


def check_weights(weights: Weights, sizes: Sequence[int]) -> None:
    """Raise ValueError unless weights is [(W: (out, in), b: (out,)), ...] matching sizes."""
    expected = [((o, i), (o,)) for i, o in zip(sizes[:-1], sizes[1:])]
    got = [(np.shape(W), np.shape(b)) for W, b in weights]
    if got != expected:
        raise ValueError(f"weights do not fit sizes {list(sizes)}: expected (W, b) shapes {expected}, got {got}.")


class DivergenceError(ValueError):
    """Training produced a NaN or infinite loss."""


def check_finite(loss: float, epoch: int, learning_rate: float) -> None:
    """Raise DivergenceError (suggesting a smaller learning rate) if loss is NaN or infinite."""
    if not math.isfinite(loss):
        raise DivergenceError(
            f"the loss became {loss} in epoch {epoch}: training diverged with learning_rate={learning_rate}; "
            f"try a smaller learning rate (e.g. {learning_rate / 10:g})."
        )


def default_progress() -> bool:
    """Show batch progress bars only in an interactive terminal (stderr is a TTY).

    In a notebook pass ``progress=True``: the executed, stored notebooks stay free of bars that way.
    """
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class EpochReporter:
    """Per-epoch bookkeeping shared by the fits: timing, history, printed line, callback, NaN check."""

    def __init__(self, epochs: int, learning_rate: float, verbose: bool = True,
                 on_epoch_end: EpochCallback | None = None) -> None:
        self.epochs, self.learning_rate, self.verbose, self.on_epoch_end = epochs, learning_rate, verbose, on_epoch_end
        self.history: dict[str, list[float]] = {"accuracy": [], "val_accuracy": [], "loss": [], "val_loss": []}
        self.epoch_seconds: list[float] = []
        self._start = 0.0

    def start_epoch(self) -> None:
        self._start = time.perf_counter()

    def end_epoch(self, epoch: int, loss: float, accuracy: float, val_loss: float, val_accuracy: float) -> None:
        """epoch counts from 1; prints "Epoch 3/10 - 0.42 s - loss ... - val_accuracy: 91.3%"."""
        seconds = time.perf_counter() - self._start
        check_finite(loss, epoch, self.learning_rate)
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


def check_epochs_and_rate(epochs: Any, learning_rate: Any) -> tuple[int, float]:
    """Validate the constructor's epochs (positive int) and learning_rate (positive finite)."""
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs <= 0:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}.")
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float, np.floating)) \
            or not math.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be a positive finite number, got {learning_rate!r}.")
    return int(epochs), float(learning_rate)
