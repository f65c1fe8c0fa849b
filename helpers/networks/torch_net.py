"""G2: the MNIST classifier in PyTorch, with the original template's two pitfalls fixed.

* The layers are built from ``sizes`` in ``__init__`` *before* the optimizer is created: an optimizer made
  from ``self.parameters()`` while the model has no layers holds an empty parameter list and never
  changes anything.
* The output is a softmax over 10 classes, so the loss is categorical: ``forward`` returns the logits z and
  ``nn.CrossEntropyLoss`` applies log-softmax and the negative log-likelihood in one fused, numerically
  stable step (its gradient with respect to z is (softmax(z) - t) / N). Putting an ``nn.Softmax`` layer in
  front of it would apply softmax twice; ``BCEWithLogitsLoss`` (the template's choice) treats the 10 outputs
  as 10 independent yes/no sigmoids and ignores that exactly one class is true. ``predict_proba`` applies
  the softmax for the probabilities.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import torch
from torch import nn

from helpers.networks import (EpochCallback, EpochReporter, Weights, check_epochs_and_rate, check_finite,
                              check_sizes, check_weights, default_progress, initial_weights)

__all__ = ["NeuralNetworkTorch", "make_loaders"]


def make_loaders(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                 batch_size: int = 32, random_state: int = 0) -> tuple[Any, Any]:
    """NumPy arrays (labels one-hot or integer) -> seeded shuffling train loader and a val loader."""
    from torch.utils.data import DataLoader, TensorDataset

    def dataset(x: np.ndarray, y: np.ndarray) -> TensorDataset:
        y = np.asarray(y)
        labels = y.argmax(axis=1) if y.ndim == 2 else y
        return TensorDataset(torch.as_tensor(np.asarray(x, dtype=np.float32)), torch.as_tensor(labels, dtype=torch.long))

    generator = torch.Generator().manual_seed(random_state)
    return (DataLoader(dataset(x_train, y_train), batch_size=batch_size, shuffle=True, generator=generator),
            DataLoader(dataset(x_val, y_val), batch_size=1024))


class NeuralNetworkTorch(nn.Module):
    """sizes [784, hidden..., 10]: Linear + Sigmoid hidden layers, softmax output (logits + CrossEntropyLoss)."""

    def __init__(self, sizes: Sequence[int], epochs: int = 10, learning_rate: float = 0.01, random_state: int = 1,
                 *, dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.sizes = check_sizes(sizes)
        self.epochs, self.learning_rate = check_epochs_and_rate(epochs, learning_rate)
        self.random_state, self.dtype = random_state, dtype
        torch.manual_seed(random_state)
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            layers.append(nn.Linear(n_in, n_out, dtype=dtype))
            if i < len(self.sizes) - 2:
                layers.append(nn.Sigmoid())
        self.layers = nn.Sequential(*layers)
        self.set_parameters(initial_weights(self.sizes, random_state))
        self.loss_fn = nn.CrossEntropyLoss()
        # Only now do parameters exist for the optimizer to hold.
        self.optimizer = torch.optim.SGD(self.parameters(), lr=self.learning_rate)
        self.epoch_seconds: list[float] = []

    # ------------------------------------------------------------------------------------------ weights
    @property
    def linears(self) -> list[nn.Linear]:
        return [m for m in self.layers if isinstance(m, nn.Linear)]

    def set_parameters(self, weights: Weights) -> None:
        """weights: [(W: (out, in), b: (out,)), ...] NumPy -> copied into the layers."""
        check_weights(weights, self.sizes)
        with torch.no_grad():
            for layer, (W, b) in zip(self.linears, weights):
                layer.weight.copy_(torch.as_tensor(np.asarray(W)))
                layer.bias.copy_(torch.as_tensor(np.asarray(b)))

    def get_parameters(self) -> Weights:
        """-> [(W: (out, in), b: (out,)), ...] as NumPy copies."""
        return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in self.linears]

    def count_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # ------------------------------------------------------------------------------------------ passes
    def _inputs(self, x: Any) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
        x = x.reshape(len(x), -1).to(self.dtype)
        if x.shape[1] != self.sizes[0]:
            raise ValueError(f"inputs must flatten to {self.sizes[0]} features per image, got {x.shape[1]}.")
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, ...) flattening to (N, 784) -> logits (N, 10)."""
        return self.layers(self._inputs(x))

    @staticmethod
    def _labels(y: Any) -> torch.Tensor:
        y = torch.as_tensor(np.asarray(y) if not isinstance(y, torch.Tensor) else y)
        # accept one-hot rows too, as the original template's loaders yielded
        return (y.argmax(dim=1) if y.ndim == 2 else y).long()

    def loss_and_gradients(self, x: np.ndarray, y_one_hot: np.ndarray) -> tuple[float, Weights]:
        """Mean cross-entropy on the batch and [(dW, db), ...] from autograd (no update)."""
        self.zero_grad()
        target = torch.as_tensor(np.asarray(y_one_hot), dtype=self.dtype)  # class probabilities
        loss = self.loss_fn(self(x), target)
        loss.backward()
        return loss.item(), [(m.weight.grad.numpy().copy(), m.bias.grad.numpy().copy()) for m in self.linears]

    # ------------------------------------------------------------------------------------------ use
    @torch.no_grad()
    def predict_proba(self, x: Any) -> np.ndarray:
        """x: (N, 784) -> softmax probabilities (N, 10) as NumPy."""
        return torch.softmax(self(x), dim=1).numpy()

    def predict(self, x: Any) -> np.ndarray:
        """x: (N, 784) (array or tensor) -> class indices (N,) as NumPy."""
        return self.predict_proba(x).argmax(axis=1)

    def compute_accuracy(self, x: Any, y: Any) -> float:
        """Fraction predicted right; y one-hot (N, 10) or integer (N,)."""
        return float(np.mean(self.predict(x) == self._labels(y).numpy()))

    @torch.no_grad()
    def evaluate(self, loader: Iterable) -> tuple[float, float]:
        """Mean loss and accuracy over every batch of a loader."""
        self.eval()
        total_loss, correct, n = 0.0, 0, 0
        for x, y in loader:
            logits, labels = self(x), self._labels(y)
            total_loss += float(self.loss_fn(logits, labels)) * len(labels)
            correct += int((logits.argmax(dim=1) == labels).sum())
            n += len(labels)
        return total_loss / n, correct / n

    def fit(self, train_loader: Iterable, val_loader: Iterable, *, verbose: bool = True,
            progress: bool | None = None, on_epoch_end: EpochCallback | None = None) -> dict[str, list[float]]:
        """SGD over train_loader batches (images, integer labels) -> per-epoch accuracy/val_accuracy/loss."""
        from tqdm.auto import tqdm

        report = EpochReporter(self.epochs, self.learning_rate, verbose, on_epoch_end)
        show = default_progress() if progress is None else progress
        for epoch in range(1, self.epochs + 1):
            report.start_epoch()
            self.train()
            for x, y in tqdm(train_loader, desc=f"epoch {epoch}", leave=False, disable=not show):
                self.optimizer.zero_grad()
                loss = self.loss_fn(self(x), self._labels(y))
                check_finite(loss.item(), epoch, self.learning_rate)
                loss.backward()
                self.optimizer.step()
            loss, acc = self.evaluate(train_loader)
            val_loss, val_acc = self.evaluate(val_loader)
            report.end_epoch(epoch, loss, acc, val_loss, val_acc)
        self.epoch_seconds = report.epoch_seconds
        self.history = report.history
        return report.history
