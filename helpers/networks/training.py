"""One ``train()`` for the three MNIST networks, and the plain functions behind a live training display.

``train(implementation, split, hidden, ...)`` checks everything first (the implementation's name, the widths,
the settings, and the split's images and labels), then builds and fits the NumPy, PyTorch or Keras network
on the same data. ``parse_hidden_widths`` reads widths typed as text ("128,64"), and ``progress_text``
says where a run is ("epoch 3 of 10 ... about 12 s left"); both are what a panel needs, tested without one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from helpers import validation
from helpers.mnist import MnistSplit
from helpers.networks import BatchCallback, EpochCallback, labelled_images
from helpers.networks.scratch import NeuralNetwork

__all__ = ["IMPLEMENTATIONS", "MAX_WIDTH", "parse_hidden_widths", "hidden_widths", "split_arrays",
           "check_classes", "train", "progress_text"]

IMPLEMENTATIONS = ("scratch", "torch", "keras")
MAX_WIDTH = 4096  # wider hidden layers train too slowly to watch (784 x 4096 weights per step)
_N_CLASSES = 10


def hidden_widths(hidden: Any) -> list[int]:
    """A list of hidden-layer widths such as [128] or [128, 64] (an empty list: no hidden layer), checked."""
    if isinstance(hidden, str):
        raise TypeError(f"hidden must be a list of widths such as [128] or [128, 64], got the text {hidden!r}: "
                        f"for text typed by a reader use parse_hidden_widths({hidden!r}).")
    if not isinstance(hidden, (Sequence, np.ndarray)):
        hint = f": pass [{hidden}] for one hidden layer" if isinstance(hidden, (int, np.integer)) else ""
        raise TypeError(f"hidden must be a list of widths such as [128] or [128, 64], got "
                        f"{validation.describe(hidden)}{hint}.")
    widths = [validation.positive_int(h, f"hidden[{i}]") for i, h in enumerate(hidden)]
    too_wide = [h for h in widths if h > MAX_WIDTH]
    if too_wide:
        raise ValueError(f"hidden widths must be at most {MAX_WIDTH}, got {too_wide[0]}: try 128 or 256.")
    return widths


def parse_hidden_widths(text: str) -> list[int]:
    """Widths typed as text, "128" or "128, 64" -> [128] or [128, 64]; anything else -> ValueError saying why."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string such as '128,64', got {validation.describe(text)}.")
    example = "type one width such as 128, or several separated by commas such as 128,64"
    parts = [p.strip() for p in text.split(",")]
    if parts == [""]:
        raise ValueError(f"hidden widths are empty: {example}.")
    if "" in parts:
        raise ValueError(f"hidden widths {text!r} have an empty entry between commas: {example}.")
    widths = []
    for p in parts:
        if not re.fullmatch(r"[+-]?[0-9]+", p):
            raise ValueError(f"hidden widths {text!r}: {p!r} is not a whole number written in digits; {example}.")
        value = int(p)
        if value < 1:
            raise ValueError(f"hidden widths {text!r}: every width must be at least 1, got {value}; {example}.")
        widths.append(value)
    return hidden_widths(widths)


def split_arrays(split: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A MnistSplit -> x_train (N, 784), one-hot y_train (N, 10), x_val (M, 784), one-hot y_val (M, 10), all checked.

    Labels may be integers (``load_mnist(one_hot=False)``) or one-hot rows; images must be finite and non-empty.
    """
    if not isinstance(split, MnistSplit):
        raise TypeError(f"split must be a MnistSplit from helpers.mnist.load_mnist, got {validation.describe(split)}.")
    n_features = int(np.prod(np.shape(split.x_train)[1:])) if np.ndim(split.x_train) >= 2 else 784
    n_classes = np.shape(split.y_train)[1] if np.ndim(split.y_train) == 2 else _N_CLASSES
    x_train, y_train = labelled_images(split.x_train, split.y_train, n_features, n_classes, ("x_train", "y_train"))
    x_val, y_val = labelled_images(split.x_val, split.y_val, n_features, n_classes, ("x_val", "y_val"))
    return x_train, y_train, x_val, y_val


def check_classes(classes: Mapping[str, type] | None) -> dict[str, type]:
    """{implementation: network class} replacing helpers' own, checked; None -> {} (helpers' three classes).

    A class given for "scratch" is built and fitted like ``scratch.NeuralNetwork``, for "torch" like
    ``torch_net.NeuralNetworkTorch`` and for "keras" like ``keras_net.NeuralNetworkTf`` (subclasses fit).
    """
    if classes is None:
        return {}
    if not isinstance(classes, Mapping):
        raise TypeError(f"classes must be a dict such as {{'scratch': MyNetwork}}, got {validation.describe(classes)}.")
    unknown = sorted(map(str, set(classes) - set(IMPLEMENTATIONS)))
    if unknown:
        raise ValueError(f"classes has unknown keys {unknown}: use some of {list(IMPLEMENTATIONS)}.")
    for name, cls in classes.items():
        if not isinstance(cls, type):
            raise TypeError(f"classes[{name!r}] must be a network class, got {validation.describe(cls)}.")
    return dict(classes)


def _network_class(implementation: str, classes: dict[str, type]) -> type:
    """The class given for an implementation, else helpers' (imported only when needed: TensorFlow is slow)."""
    if implementation in classes:
        return classes[implementation]
    if implementation == "scratch":
        return NeuralNetwork
    if implementation == "torch":
        from helpers.networks import torch_net

        return torch_net.NeuralNetworkTorch
    from helpers.networks import keras_net

    return keras_net.NeuralNetworkTf


def train(implementation: str, split: MnistSplit, hidden: Sequence[int] = (128,), *, learning_rate: float = 1.0,
          batch_size: int = 32, epochs: int = 15, random_state: int = 1, loss: str = "cross_entropy",
          verbose: bool = True, progress: bool | None = None, on_epoch_end: EpochCallback | None = None,
          on_batch_end: BatchCallback | None = None, stop: threading.Event | None = None,
          classes: Mapping[str, type] | None = None) -> tuple[Any, dict[str, list[float]]]:
    """Build and fit one implementation on a split -> (network, history: accuracy/val_accuracy/loss/val_loss per epoch).

    ``loss="mse"`` (on the softmax output) exists for the scratch network only. ``on_epoch_end(epoch, history)``
    and ``on_batch_end(epoch, batch, n_batches)`` report progress; when ``stop`` is set, training ends after
    the current batch and the history holds the epochs completed before it. ``classes`` replaces helpers'
    network classes by others with the same interface (see ``check_classes``).
    """
    implementation = validation.one_of(implementation, IMPLEMENTATIONS, "implementation")
    cls = _network_class(implementation, check_classes(classes))
    widths = hidden_widths(hidden)
    learning_rate = validation.positive_number(learning_rate, "learning_rate")
    batch_size = validation.positive_int(batch_size, "batch_size")
    epochs = validation.positive_int(epochs, "epochs")
    random_state = validation.positive_int(random_state, "random_state", minimum=0)
    loss = validation.one_of(loss, ("cross_entropy", "mse"), "loss")
    if loss == "mse" and implementation != "scratch":
        raise ValueError(f"loss='mse' is offered by the scratch network only; the {implementation} network trains "
                         f"with cross-entropy: pass loss='cross_entropy'.")
    x_train, y_train, x_val, y_val = split_arrays(split)
    sizes = [x_train.shape[1], *widths, y_train.shape[1]]
    hooks: dict[str, Any] = dict(verbose=verbose, progress=progress, on_epoch_end=on_epoch_end,
                                 on_batch_end=on_batch_end, stop=stop)
    if implementation == "scratch":
        net = cls(sizes, epochs, learning_rate, random_state, batch_size=batch_size, loss=loss)
        history = net.fit(x_train, y_train, x_val, y_val, **hooks)
    elif implementation == "torch":
        from helpers.networks import torch_net

        loaders = torch_net.make_loaders(x_train, y_train, x_val, y_val, batch_size, random_state)
        net = cls(sizes, epochs, learning_rate, random_state)
        history = net.fit(*loaders, **hooks)
    else:
        net = cls(sizes, random_state=random_state)
        history = net.compile_and_fit(x_train, y_train, epochs, learning_rate, batch_size, (x_val, y_val),
                                      **hooks).history
    return net, {k: [float(v) for v in values] for k, values in history.items()}


def progress_text(epoch: int, batch: int, n_batches: int, epochs: int, elapsed: float) -> str:
    """Where a run is: "epoch 3 of 10, batch 40 of 125 · about 12 s left" (batches and epochs counted from 1)."""
    epochs, n_batches = validation.positive_int(epochs, "epochs"), validation.positive_int(n_batches, "n_batches")
    epoch, batch = validation.positive_int(epoch, "epoch"), validation.positive_int(batch, "batch", minimum=0)
    elapsed = validation.finite_number(elapsed, "elapsed")
    done = ((epoch - 1) * n_batches + batch) / (epochs * n_batches)
    left = elapsed * (1 - done) / done if done > 0 else float("nan")
    if not np.isfinite(left):
        estimate = ""
    elif left < 60:
        estimate = f" · about {left:.0f} s left"
    else:
        estimate = f" · about {left / 60:.0f} min left"
    return f"epoch {epoch} of {epochs}, batch {batch} of {n_batches}{estimate}"

