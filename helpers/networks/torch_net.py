"""The MNIST classifier in PyTorch, with the original template's two pitfalls fixed.

* The layers are built from ``sizes`` in the constructor *before* the optimizer is created: an optimizer
  made from ``self.parameters()`` while the model has no layers holds an empty parameter list (PyTorch
  refuses it) and could never change anything.
* The output is a softmax over 10 classes, so the loss is categorical: ``forward`` returns the logits z and
  ``nn.functional.cross_entropy`` applies log-softmax and the negative log-likelihood in one fused,
  numerically stable step (its gradient with respect to z is (softmax(z) - t) / N). Putting an ``nn.Softmax``
  layer in front of it would apply softmax twice; ``BCEWithLogitsLoss`` (the template's choice) treats the 10
  outputs as 10 independent yes/no sigmoids and ignores that exactly one class is true. ``predict_proba``
  applies the softmax for the probabilities.

``TorchClassifier`` holds what does not depend on those choices (settings, weights, evaluation, ``fit``,
``predict``); ``NeuralNetworkTorch`` adds the constructor's layers and optimizer and the training step.
``fit`` takes loaders yielding (images, labels) batches; each batch is checked as it arrives (finite
pixels, 784 values per image, labels in 0..9), so a NaN loss during training can only be divergence.
The loss and accuracy recorded per epoch are the mean cross-entropy and the accuracy on the whole sets.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

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

__all__ = ["TorchClassifier", "NeuralNetworkTorch", "make_loaders"]


def make_loaders(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                 batch_size: int = 32, random_state: int = 0) -> tuple[DataLoader, DataLoader]:
    """x_*: (N, 784), y_*: one-hot (N, 10) or integers (N,), checked -> a seeded shuffling train loader, val loader."""
    batch_size = validation.positive_int(batch_size, "batch_size")
    seed = validation.positive_int(random_state, "random_state", minimum=0)

    def dataset(x: Any, y: Any, names: tuple[str, str]) -> TensorDataset:
        n_classes = np.shape(y)[1] if np.ndim(y) == 2 else 10
        X, T = labelled_images(x, y, int(np.prod(np.shape(x)[1:])) if np.ndim(x) >= 2 else 784, n_classes, names)
        return TensorDataset(torch.as_tensor(X), torch.as_tensor(T.argmax(axis=1), dtype=torch.long))

    generator = torch.Generator().manual_seed(seed)
    return (DataLoader(dataset(x_train, y_train, ("x_train", "y_train")), batch_size=batch_size, shuffle=True,
                       generator=generator),
            DataLoader(dataset(x_val, y_val, ("x_val", "y_val")), batch_size=1024))


class TorchClassifier(nn.Module):
    """Everything the PyTorch classifier needs besides its layers, optimizer and training step.

    Settings, weights in the exchange format, evaluation, ``fit``, ``predict``. A subclass builds, in its
    constructor, ``self.layers`` (an ``nn.Sequential``: Linear + Sigmoid per hidden width, then a Linear output
    giving the logits) and then ``self.optimizer`` over ``self.parameters()``, and defines
    ``training_step(x, labels)``: ``NeuralNetworkTorch`` is that subclass.
    """

    def __init__(self, sizes: Sequence[int], epochs: int = 10, learning_rate: float = 0.01, random_state: int = 1,
                 *, dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.sizes = check_sizes(sizes)
        self.epochs, self.learning_rate = check_epochs_and_rate(epochs, learning_rate)
        if dtype not in (torch.float32, torch.float64):
            raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}.")
        self.random_state = validation.positive_int(random_state, "random_state", minimum=0)
        self.dtype = dtype
        torch.manual_seed(self.random_state)
        self.epoch_seconds: list[float] = []
        self.history: dict[str, list[float]] = {}

    def training_step(self, x: torch.Tensor, labels: torch.Tensor) -> float:
        """One SGD step on one batch, x: (N, 784), labels: (N,) -> the batch's loss; defined by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} has no training_step: define training_step(x, labels).")

    # ------------------------------------------------------------------------------------------ weights
    @property
    def linears(self) -> list[nn.Linear]:
        """The Linear layers, input first."""
        return [m for m in self.layers if isinstance(m, nn.Linear)]

    def set_parameters(self, weights: Weights) -> None:
        """weights: [(W: (out, in), b: (out,)), ...] NumPy -> copied into the layers."""
        check_weights(weights, self.sizes)
        with torch.no_grad():
            for layer, (W, b) in zip(self.linears, weights, strict=True):
                layer.weight.copy_(torch.as_tensor(np.asarray(W)))
                layer.bias.copy_(torch.as_tensor(np.asarray(b)))

    def get_parameters(self) -> Weights:
        """-> [(W: (out, in), b: (out,)), ...] as NumPy copies."""
        return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in self.linears]

    def count_parameters(self) -> int:
        """Number of weights and biases."""
        return sum(p.numel() for p in self.parameters())

    # ------------------------------------------------------------------------------------------ passes
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, ...) flattening to (N, 784) -> logits (N, 10); a tensor, for autograd (no checks: see predict)."""
        return self.layers(x.reshape(len(x), -1).to(self.dtype))

    def _batch(self, x: Any, y: Any, where: str) -> tuple[torch.Tensor, torch.Tensor]:
        """One (images, labels) batch from a loader, checked: -> images (N, 784), integer labels (N,)."""
        x = torch.as_tensor(x)
        y = torch.as_tensor(y)
        if len(x) != len(y):
            raise ValueError(f"{where} holds {len(x)} images but {len(y)} labels: pass one label per image.")
        x = x.reshape(len(x), -1)
        if x.shape[1] != self.sizes[0]:
            raise ValueError(f"{where}: images must flatten to {self.sizes[0]} values each, got {x.shape[1]}.")
        if not torch.isfinite(x).all():
            raise ValueError(f"{where}: images contain NaN or infinity: check the data, or the normalisation "
                             f"that produced it.")
        if y.ndim == 2:  # one-hot rows: exactly one 1 per row, in a row as wide as the output layer
            width = self.sizes[-1]
            one_hot = y.shape[1] == width and bool(((y == 0) | (y == 1)).all() and (y.sum(dim=1) == 1).all())
            if not one_hot:
                raise ValueError(f"{where}: 2-D labels must be one-hot rows of width {self.sizes[-1]} (a single 1 per "
                                 f"row), got shape {tuple(y.shape)}: pass one-hot rows or class numbers (N,).")
        labels = y.argmax(dim=1) if y.ndim == 2 else y
        if labels.dtype.is_floating_point and not torch.equal(labels, labels.round()):
            raise ValueError(f"{where}: labels must be whole class numbers 0..{self.sizes[-1] - 1} or one-hot rows.")
        labels = labels.long()
        if len(labels) and (labels.min() < 0 or labels.max() >= self.sizes[-1]):
            bad = int(labels[(labels < 0) | (labels >= self.sizes[-1])][0])
            raise ValueError(f"{where}: labels must be classes 0..{self.sizes[-1] - 1}, got {bad}.")
        return x, labels

    def loss_and_gradients(self, x: np.ndarray, y_one_hot: np.ndarray) -> tuple[float, Weights]:
        """Mean cross-entropy on the batch x: (N, 784), y: (N, 10) and [(dW, db), ...] from autograd (no update)."""
        X, _ = image_batch(x, self.sizes[0])
        labels = validation.class_labels(y_one_hot, self.sizes[-1], "y_one_hot")
        validation.same_length(x=X, y_one_hot=labels)
        value = nn.functional.cross_entropy(self(torch.as_tensor(X)), torch.as_tensor(labels))
        grads = torch.autograd.grad(value, [p for m in self.linears for p in (m.weight, m.bias)])
        return value.item(), [(grads[i].numpy().copy(), grads[i + 1].numpy().copy()) for i in range(0, len(grads), 2)]

    # ------------------------------------------------------------------------------------------ use
    @torch.no_grad()
    def predict_proba(self, x: Any) -> np.ndarray:
        """One image (784,) -> probabilities (10,); a batch (N, 784) (array or tensor) -> (N, 10), as NumPy."""
        X, single = image_batch(x, self.sizes[0])
        probs = torch.softmax(self(torch.as_tensor(X)), dim=1).numpy()
        return probs[0] if single else probs

    def predict(self, x: Any) -> int | np.ndarray:
        """One image (784,) -> its class index (an int); a batch (N, 784) (array or tensor) -> class indices (N,)."""
        X, single = image_batch(x, self.sizes[0])
        classes = self.predict_proba(X).argmax(axis=1)
        return int(classes[0]) if single else classes

    def compute_accuracy(self, x: Any, y: Any) -> float:
        """Fraction of x: (N, 784) predicted right; y one-hot (N, 10) or integer (N,)."""
        X, single = image_batch(x, self.sizes[0])
        y = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y)
        if single and (y.ndim == 0 or y.shape == (self.sizes[-1],)):
            y = y[None]
        labels = validation.class_labels(y, self.sizes[-1], "y")
        validation.same_length(x=X, y=labels)
        return float(np.mean(self.predict(X) == labels))

    @torch.no_grad()
    def evaluate(self, loader: Iterable, name: str = "loader") -> tuple[float, float]:
        """Mean loss and accuracy over every (images, labels) batch of a loader."""
        self.eval()
        total_loss, correct, n = 0.0, 0, 0
        for i, batch in enumerate(_batches(loader, name), 1):
            x, labels = self._batch(*batch, where=f"{name} batch {i}")
            logits = self(x)
            total_loss += float(nn.functional.cross_entropy(logits, labels, reduction="sum"))
            correct += int((logits.argmax(dim=1) == labels).sum())
            n += len(labels)
        if n == 0:
            raise ValueError(f"{name} yielded no images: pass a loader over a non-empty set.")
        return total_loss / n, correct / n

    def fit(self, train_loader: Iterable, val_loader: Iterable, *, verbose: bool = True,
            progress: bool | None = None, on_epoch_end: EpochCallback | None = None,
            on_batch_end: BatchCallback | None = None,
            stop: threading.Event | None = None) -> dict[str, list[float]]:
        """SGD over train_loader's (images, labels) batches -> per-epoch accuracy/val_accuracy/loss/val_loss.

        ``on_epoch_end(epoch, history)`` runs after every epoch and ``on_batch_end(epoch, batch, n_batches)``
        after every batch; when ``stop`` is set, training ends after the current batch.
        """
        from tqdm.auto import tqdm

        report = EpochReporter(self.epochs, self.learning_rate, verbose, on_epoch_end, on_batch_end, stop)
        show = default_progress() if progress is None else progress
        try:
            n_batches = len(train_loader)  # type: ignore[arg-type]
        except TypeError:
            n_batches = math.nan
        for epoch in range(1, self.epochs + 1):
            report.start_epoch()
            self.train()
            seen = 0
            for batch, pair in enumerate(tqdm(_batches(train_loader, "train_loader"), desc=f"epoch {epoch}",
                                              leave=False, disable=not show), 1):
                x, labels = self._batch(*pair, where=f"train_loader batch {batch}")
                loss = self.training_step(x, labels)
                report.check_batch_loss(epoch, batch, loss.item() if isinstance(loss, torch.Tensor) else loss)
                seen += len(labels)
                if report.end_batch(epoch, batch, n_batches):
                    break
            if seen == 0:
                raise ValueError("train_loader yielded no images: pass a loader over a non-empty training set.")
            if report.stopped:
                break
            loss, acc = self.evaluate(train_loader, "train_loader")
            val_loss, val_acc = self.evaluate(val_loader, "val_loader")
            report.end_epoch(epoch, loss, acc, val_loss, val_acc)
        self.epoch_seconds = report.epoch_seconds
        self.history = report.history
        return report.history


class NeuralNetworkTorch(TorchClassifier):
    """sizes [784, hidden..., 10]: Linear + Sigmoid hidden layers and a Linear output (logits), trained by SGD.

    ``training_step`` trains on the categorical cross-entropy of the softmax of the logits.
    """

    def __init__(self, sizes: Sequence[int], epochs: int = 10, learning_rate: float = 0.01, random_state: int = 1,
                 *, dtype: torch.dtype = torch.float32) -> None:
        super().__init__(sizes, epochs, learning_rate, random_state, dtype=dtype)
        ### BEGIN SOLUTION
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True)):
            layers.append(nn.Linear(n_in, n_out, dtype=self.dtype))
            if i < len(self.sizes) - 2:  # every layer but the output is followed by a sigmoid
                layers.append(nn.Sigmoid())
        self.layers = nn.Sequential(*layers)
        # Only now do parameters exist for the optimizer to hold.
        self.optimizer = torch.optim.SGD(self.parameters(), lr=self.learning_rate)
        ### END SOLUTION
        self.set_parameters(initial_weights(self.sizes, self.random_state))

    def training_step(self, x: torch.Tensor, labels: torch.Tensor) -> float:
        """One SGD step on the batch x: (N, 784), labels: (N,) integers -> the batch's mean cross-entropy."""
        ### BEGIN SOLUTION
        self.optimizer.zero_grad()  # .grad accumulates: clear the last batch's gradients
        loss = nn.functional.cross_entropy(self(x), labels)  # log-softmax and the negative log-likelihood, fused
        loss.backward()  # the mean loss's gradient lands in every parameter's .grad
        self.optimizer.step()  # every parameter -= learning_rate * its .grad
        return loss.item()
        ### END SOLUTION


def _batches(loader: Any, name: str) -> Iterable:
    """Iterate a loader of (images, labels) pairs; arrays or text passed instead get a TypeError saying what to pass."""
    if isinstance(loader, (np.ndarray, torch.Tensor, str, bytes)) or not isinstance(loader, Iterable):
        raise TypeError(f"{name} must be a DataLoader yielding (images, labels) batches, got "
                        f"{validation.describe(loader)}: for arrays use make_loaders(x_train, y_train, x_val, y_val).")
    for batch in loader:
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise TypeError(f"{name} must yield (images, labels) pairs, got {validation.describe(batch)}.")
        yield batch
