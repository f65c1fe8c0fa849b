"""Early stopping: the rule on a validation curve, and a small PyTorch network trained with it.

The rule is that of ``keras.callbacks.EarlyStopping(monitor="val_loss", patience, min_delta,
restore_best_weights=True)``: an epoch improves when its validation loss is below the best so far by more
than ``min_delta``; training stops after ``patience`` epochs in a row without improvement, and the weights of
the best epoch are restored. ``early_stopping_epochs`` applies it to a recorded curve, ``train_with_early_stopping``
inside a training loop; ``record_losses`` trains for a fixed number of epochs and records the loss on several
sets, so that one run can be stopped by several validation sets after the fact (training is deterministic under
its seed, so a stopped run is a prefix of the full one). ``helpers.early_stopping_plots`` draws the curves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from helpers import validation

__all__ = ["EpochCurve", "ACTIVATIONS", "OPTIMIZERS", "early_stopping_epochs", "train_with_early_stopping",
           "record_losses"]

ACTIVATIONS = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}
OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}


@dataclass
class EpochCurve:
    """Loss and error rate per epoch (E epochs actually run): train_loss, val_loss, train_error, val_error (E,)."""

    train_loss: np.ndarray
    val_loss: np.ndarray
    train_error: np.ndarray
    val_error: np.ndarray
    best_epoch: int  # 1-based epoch whose weights were restored (smallest monitored validation loss)
    stopped_epoch: int  # 1-based last epoch run; equals max_epochs when patience never ran out
    patience: int
    test_loss: float  # of the restored weights, on data used neither for training nor for stopping
    test_error: float

    @property
    def epochs(self) -> np.ndarray:
        """1, 2, ..., stopped_epoch: (E,)."""
        return np.arange(1, len(self.val_loss) + 1)


def early_stopping_epochs(val_loss: np.ndarray | Sequence[float], patience: int,
                          min_delta: float = 0.0) -> tuple[int, int]:
    """Keras' EarlyStopping rule on a validation curve val_loss (E,): (best_epoch, stopped_epoch), both 1-based."""
    val_loss = validation.float_array(val_loss, "val_loss", shape=("E",))
    patience = validation.positive_int(patience, "patience")
    min_delta = validation.positive_number(min_delta, "min_delta", allow_zero=True)
    ### BEGIN SOLUTION
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(val_loss, start=1):
        if loss < best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(val_loss)
    ### END SOLUTION


# ------------------------------------------------------------------------------------------------ checks
def _check_set(x: Any, y: Any, name: str, n_inputs: int | str, n_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = validation.float_array(x, f"x_{name}", shape=("N", n_inputs), dtype=np.float32)
    y = validation.class_labels(y, n_classes, f"y_{name}")
    validation.same_length(**{f"x_{name}": x, f"y_{name}": y})
    return torch.from_numpy(x), torch.from_numpy(y)


def _check_hidden(hidden: Any) -> tuple[int, ...]:
    if not isinstance(hidden, (tuple, list)):
        raise TypeError(f"hidden must be a tuple of layer widths such as (128,) or (64, 32), got "
                        f"{validation.describe(hidden)}; pass () for no hidden layer.")
    return tuple(validation.positive_int(h, f"hidden[{i}]") for i, h in enumerate(hidden))


def _torch_seed(random_state: Any) -> int:
    """An int seed for torch: the int itself, or one drawn from a Generator (or fresh entropy for None)."""
    rng = validation.as_rng(random_state)
    return int(random_state) if isinstance(random_state, (int, np.integer)) else int(rng.integers(2**62))


# ------------------------------------------------------------------------------------------ the training loop
def _epochs(x_train: torch.Tensor, y_train: torch.Tensor, *, hidden: tuple[int, ...], activation: str,
            n_classes: int, learning_rate: float, batch_size: int, optimizer: str, init_scale: float | None,
            seed: int) -> Iterator[torch.nn.Module]:
    """Train an MLP one epoch at a time, yielding it (in eval mode) after every epoch."""
    torch.manual_seed(seed)
    sizes = [x_train.shape[1], *hidden, n_classes]
    layers: list[torch.nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    model = torch.nn.Sequential(*layers)
    if init_scale is not None:  # tiny weights put the network near a saddle: a plateau before learning
        with torch.no_grad():
            for p in model.parameters():
                p.normal_(0.0, init_scale)
    opt = OPTIMIZERS[optimizer](model.parameters(), lr=learning_rate)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    while True:
        model.train()
        for idx in torch.randperm(len(x_train), generator=gen).split(batch_size):
            opt.zero_grad()
            loss_fn(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
        model.eval()
        yield model


def _evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy loss and error rate of ``model`` on one set."""
    with torch.no_grad():
        logits = model(x)
        return float(torch.nn.functional.cross_entropy(logits, y)), float((logits.argmax(1) != y).float().mean())


def _check_training(x_train: Any, y_train: Any, hidden: Any, activation: str, n_classes: Any, learning_rate: Any,
                    batch_size: Any, optimizer: str, init_scale: Any, random_state: Any) -> tuple[Any, dict]:
    n_classes = validation.positive_int(n_classes, "n_classes", minimum=2)
    train = _check_set(x_train, y_train, "train", "D", n_classes)
    settings = dict(hidden=_check_hidden(hidden), activation=validation.one_of(activation, ACTIVATIONS, "activation"),
                    n_classes=n_classes, learning_rate=validation.positive_number(learning_rate, "learning_rate"),
                    batch_size=validation.positive_int(batch_size, "batch_size"),
                    optimizer=validation.one_of(optimizer, OPTIMIZERS, "optimizer"),
                    init_scale=None if init_scale is None else validation.positive_number(init_scale, "init_scale"),
                    seed=_torch_seed(random_state))
    return train, settings


def train_with_early_stopping(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                              x_test: np.ndarray, y_test: np.ndarray, *, hidden: Sequence[int] = (128,),
                              activation: str = "relu", n_classes: int = 10, max_epochs: int = 60, patience: int = 5,
                              min_delta: float = 0.0, learning_rate: float = 1e-3, batch_size: int = 50,
                              optimizer: str = "adam", init_scale: float | None = None,
                              random_state: Any = 0) -> EpochCurve:
    """Train an MLP on x_train (N, D), y_train (N,) labels (or one-hot (N, n_classes)), stop by the loss on x_val
    (M, D), y_val, and report the restored weights' loss on x_test (T, D), y_test.

    The same logic as ``keras.callbacks.EarlyStopping(monitor="val_loss", patience, min_delta,
    restore_best_weights=True)``; tests check it against ``early_stopping_epochs``, and that against Keras.
    """
    (xt, yt), settings = _check_training(x_train, y_train, hidden, activation, n_classes, learning_rate, batch_size,
                                         optimizer, init_scale, random_state)
    xv, yv = _check_set(x_val, y_val, "val", xt.shape[1], settings["n_classes"])
    xs, ys = _check_set(x_test, y_test, "test", xt.shape[1], settings["n_classes"])
    max_epochs = validation.positive_int(max_epochs, "max_epochs")
    patience = validation.positive_int(patience, "patience")
    min_delta = validation.positive_number(min_delta, "min_delta", allow_zero=True)

    history: list[tuple[float, float, float, float]] = []
    best, best_epoch, best_state, wait = np.inf, 0, None, 0
    for epoch, model in enumerate(_epochs(xt, yt, **settings), start=1):
        history.append((*_evaluate(model, xt, yt), *_evaluate(model, xv, yv)))
        # the inputs were checked finite, so a non-finite loss can only be divergence
        validation.check_loss_finite(history[-1][0], f"on the training set at epoch {epoch}", learning_rate)
        val_loss = validation.check_loss_finite(history[-1][2], f"on the validation set at epoch {epoch}",
                                                learning_rate)
        if val_loss < best - min_delta:
            best, best_epoch, wait = val_loss, epoch, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            wait += 1
        if wait >= patience or epoch == max_epochs:
            break
    model.load_state_dict(best_state)
    test_loss, test_error = _evaluate(model, xs, ys)
    h = np.array(history)
    return EpochCurve(h[:, 0], h[:, 2], h[:, 1], h[:, 3], best_epoch, len(h), patience, test_loss, test_error)


def record_losses(x_train: np.ndarray, y_train: np.ndarray, monitored: dict[str, tuple[np.ndarray, np.ndarray]], *,
                  epochs: int, hidden: Sequence[int] = (128,), activation: str = "relu", n_classes: int = 10,
                  learning_rate: float = 1e-3, batch_size: int = 50, optimizer: str = "adam",
                  init_scale: float | None = None, random_state: Any = 0) -> dict[str, np.ndarray]:
    """Train as ``train_with_early_stopping`` does, for ``epochs`` epochs without stopping; the mean loss per epoch
    (epochs,) on x_train (N, D), y_train (N,) (key "train") and on each monitored set name -> (x (M, D), y (M,)).

    With the same settings and seed, ``train_with_early_stopping`` stopped by the set ``name`` restores epoch
    ``early_stopping_epochs(losses[name], patience)[0]``, whose losses on the other sets are in this record.
    """
    (xt, yt), settings = _check_training(x_train, y_train, hidden, activation, n_classes, learning_rate, batch_size,
                                         optimizer, init_scale, random_state)
    epochs = validation.positive_int(epochs, "epochs")
    if not isinstance(monitored, dict) or not monitored or "train" in monitored:
        raise ValueError("monitored must be a non-empty dict of name -> (x, y) such as {'val': (x_val, y_val)}, "
                         "with no set named 'train' (that name is the training set's).")
    sets = {"train": (xt, yt)} | {name: _check_set(*_pair(pair, name), name, xt.shape[1], settings["n_classes"])
                                  for name, pair in monitored.items()}
    losses = {name: np.empty(epochs) for name in sets}
    for epoch, model in zip(range(epochs), _epochs(xt, yt, **settings), strict=False):
        for name, (x, y) in sets.items():
            losses[name][epoch] = validation.check_loss_finite(
                _evaluate(model, x, y)[0], f"on the set {name!r} at epoch {epoch + 1}", learning_rate)
    return losses


def _pair(pair: Any, name: str) -> tuple[Any, Any]:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"monitored[{name!r}] must be a pair (x, y), got {validation.describe(pair)}.")
    return pair[0], pair[1]
