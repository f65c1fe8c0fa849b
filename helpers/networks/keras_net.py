"""G3/G4: the MNIST classifier in Keras 3 (TensorFlow backend), the original template's bugs, and the schedule.

``NeuralNetworkTf`` is the fixed template: ``Input(sizes[0])`` then one sigmoid ``Dense`` per hidden width
``sizes[1:-1]`` and a softmax ``Dense(sizes[-1])``, trained with ``CategoricalCrossentropy`` and SGD inside
Keras' compiled ``tf.function`` (no forced eager mode). ``OriginalNetworkTf`` rebuilds the original template
with each of its three bugs switchable (``BUGS``) so they can be shown one at a time, and
``forced_eager_mode()`` switches on its ``tf.config.run_functions_eagerly(True)`` for a measured while.

dtype: layers use ``dtype`` when given, else ``keras.config.floatx()`` at construction (float32 by
default); pass ``dtype="float64"`` for gradient comparisons. Nothing global is changed.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
import warnings
from typing import Any, Collection, Iterator, Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's C++ start-up chatter out of outputs
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file-descriptor-level stderr: TensorFlow's C++ start-up notes (CUDA not found) ignore
    TF_CPP_MIN_LOG_LEVEL and would land in notebook outputs with timestamps."""
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (some embedded interpreters): nothing to silence
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


with _quiet_stderr():
    import keras  # noqa: E402
    import tensorflow as tf  # noqa: E402

from helpers.networks import (DivergenceError, EpochCallback, Weights, check_epochs_and_rate,  # noqa: E402
                              check_sizes, check_weights, default_progress, initial_weights)

__all__ = ["NeuralNetworkTf", "TimeBasedLearningRate", "OriginalNetworkTf", "BUGS", "forced_eager_mode",
           "EpochProgress", "describe_layers", "train_briefly"]

BUGS = ("extra_layer", "swapped_activations", "binary_loss")


# ----------------------------------------------------------------------------------------- G4 schedule
@keras.saving.register_keras_serializable(package="helpers")
class TimeBasedLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """lr(step) = max(initial_learning_rate - step, 1): drops by 1 per optimizer step until it reaches 1."""

    def __init__(self, initial_learning_rate: int) -> None:
        if isinstance(initial_learning_rate, (bool, np.bool_)) or not isinstance(initial_learning_rate,
                                                                                   (int, np.integer)):
            raise TypeError(f"initial_learning_rate must be a positive integer such as 5, got "
                            f"{initial_learning_rate!r} ({type(initial_learning_rate).__name__}).")
        if initial_learning_rate <= 0:
            raise ValueError(f"initial_learning_rate must be a positive integer such as 5, got "
                             f"{initial_learning_rate}.")
        self.initial_learning_rate = int(initial_learning_rate)

    def __call__(self, step: Any) -> Any:
        # keras.ops keeps this a graph op, so it works on the optimizer's int64 `iterations` variable.
        step = keras.ops.cast(step, "float32")
        return keras.ops.maximum(float(self.initial_learning_rate) - step, 1.0)

    def get_config(self) -> dict[str, int]:
        return {"initial_learning_rate": self.initial_learning_rate}


# ----------------------------------------------------------------------------------------- callbacks
class EpochProgress(keras.callbacks.Callback):
    """Per-epoch line like the other networks ("Epoch 3/10 - 0.42 s - loss ..."), optional tqdm bar, NaN stop.

    The batch hook only *records* a non-finite loss and sets ``stop_training`` (it is marked async-safe, so
    Keras keeps dispatching steps without waiting for it); the epoch hook then raises ``DivergenceError``
    naming the learning rate, instead of Keras' ``TerminateOnNaN`` stopping silently.
    """

    async_safe = True

    def __init__(self, epochs: int, learning_rate: Any, verbose: bool = True, progress: bool = False,
                 on_epoch_end: EpochCallback | None = None) -> None:
        super().__init__()
        self.epochs, self.learning_rate, self.verbose, self.progress = epochs, learning_rate, verbose, progress
        self.user_callback = on_epoch_end
        self.history: dict[str, list[float]] = {}
        self.epoch_seconds: list[float] = []
        self.diverged: tuple[int, float] | None = None
        self._start, self._bar = 0.0, None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()
        if self.progress:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.params.get("steps"), desc=f"epoch {epoch + 1}", leave=False)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = float((logs or {}).get("loss", 0.0))
        if self.diverged is None and not math.isfinite(loss):
            self.diverged = (batch + 1, loss)
            self.model.stop_training = True
        if self._bar is not None:
            self._bar.update(1)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        seconds = time.perf_counter() - self._start
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        logs = dict(logs or {})
        loss = float(logs.get("loss", math.nan))
        if self.diverged is not None or not math.isfinite(loss):
            step, bad = self.diverged or (self.params.get("steps"), loss)
            rate = self.learning_rate
            hint = f" (e.g. {rate / 10:g})" if isinstance(rate, (int, float)) else ""
            raise DivergenceError(
                f"the loss became {bad} in epoch {epoch + 1} (batch {step}): training diverged with "
                f"learning_rate={rate!r}; try a smaller learning rate{hint}.")
        self.epoch_seconds.append(seconds)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        if self.verbose:
            parts = [f"Epoch {epoch + 1}/{self.epochs}", f"{seconds:.2f} s", f"loss: {loss:.4f}"]
            for key in ("accuracy", "val_loss", "val_accuracy"):
                if key in logs:
                    value = float(logs[key])
                    parts.append(f"{key}: {100 * value:.1f}%" if "accuracy" in key else f"{key}: {value:.4f}")
            print(" - ".join(parts), flush=True)
        if self.user_callback is not None:
            self.user_callback(epoch + 1, self.history)


def _check_rate(learning_rate: Any, epochs: int) -> Any:
    """A positive finite float or a LearningRateSchedule (e.g. TimeBasedLearningRate)."""
    if isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        return learning_rate
    return check_epochs_and_rate(epochs, learning_rate)[1]


def _fit(model: keras.Model, x_train: Any, y_train: Any, *, epochs: int, learning_rate: Any, batch_size: int,
         validation_data: Any, verbose: bool, progress: bool | None,
         on_epoch_end: EpochCallback | None) -> keras.callbacks.History:
    """model.fit with the workbook's epoch lines, optional tqdm bar and NaN check; model already compiled."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    show = default_progress() if progress is None else progress
    reporter = EpochProgress(epochs, learning_rate, verbose, show, on_epoch_end)
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=int(batch_size),
                        validation_data=validation_data, verbose=0, callbacks=[reporter])
    model.epoch_seconds = reporter.epoch_seconds
    return history


# ----------------------------------------------------------------------------------------- G3 fixed
class NeuralNetworkTf(keras.Sequential):
    """sizes [784, hidden..., 10]: Input(784) -> Dense(h, sigmoid) per hidden width -> Dense(10, softmax)."""

    def __init__(self, sizes: Sequence[int], random_state: int = 1, *, dtype: str | None = None) -> None:
        sizes = check_sizes(sizes)
        dtype = dtype or keras.config.floatx()
        # Seeds Python, NumPy and TensorFlow; determinism makes reruns (and nbval) give identical numbers.
        keras.utils.set_random_seed(random_state)
        tf.config.experimental.enable_op_determinism()
        layers: list[Any] = [keras.Input(shape=(sizes[0],), dtype=dtype)]
        layers += [keras.layers.Dense(width, activation="sigmoid", dtype=dtype) for width in sizes[1:-1]]
        layers.append(keras.layers.Dense(sizes[-1], activation="softmax", dtype=dtype))
        super().__init__(layers, name="neural_network_tf")
        self.sizes, self.random_state, self.float_dtype = sizes, random_state, dtype
        self.epoch_seconds: list[float] = []
        # The same Glorot-uniform draw as the scratch and PyTorch networks, so all three can start equal.
        self.set_parameters(initial_weights(sizes, random_state))

    def compile_and_fit(self, x_train: Any, y_train: Any, epochs: int = 50, learning_rate: Any = 0.01,
                        batch_size: int = 1, validation_data: Any = None, *, verbose: bool = True,
                        progress: bool | None = None,
                        on_epoch_end: EpochCallback | None = None) -> keras.callbacks.History:
        """SGD on mean categorical cross-entropy; x: (N, 784), y: one-hot (N, 10); -> Keras History.

        ``learning_rate`` is a positive number or a schedule (``TimeBasedLearningRate``). Per epoch it prints
        time, loss and accuracies; a tqdm bar over batches appears when ``progress`` (default: interactive
        terminal). Raises ``DivergenceError`` when the loss becomes NaN or infinite.
        """
        learning_rate = _check_rate(learning_rate, epochs)
        self.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                     loss=keras.losses.CategoricalCrossentropy(dtype=self.float_dtype), metrics=["accuracy"])
        return _fit(self, x_train, y_train, epochs=epochs, learning_rate=learning_rate, batch_size=batch_size,
                    validation_data=validation_data, verbose=verbose, progress=progress,
                    on_epoch_end=on_epoch_end)

    # ------------------------------------------------------------------------------------------ weights
    @property
    def dense_layers(self) -> list[keras.layers.Dense]:
        return [layer for layer in self.layers if isinstance(layer, keras.layers.Dense)]

    def set_parameters(self, weights: Weights) -> None:
        """weights: [(W: (out, in), b: (out,)), ...]; Keras kernels are (in, out), hence the transpose."""
        check_weights(weights, self.sizes)
        for layer, (W, b) in zip(self.dense_layers, weights):
            layer.set_weights([np.asarray(W).T, np.asarray(b)])

    def get_parameters(self) -> Weights:
        """-> [(W: (out, in), b: (out,)), ...] as NumPy copies."""
        return [(kernel.T.copy(), bias.copy()) for kernel, bias in
                (layer.get_weights() for layer in self.dense_layers)]

    def count_parameters(self) -> int:
        return int(self.count_params())

    def loss_and_gradients(self, x: np.ndarray, y_one_hot: np.ndarray) -> tuple[float, Weights]:
        """Mean categorical cross-entropy on the batch x: (N, 784), y: (N, 10) and [(dW, db), ...] (no update)."""
        x = tf.convert_to_tensor(np.asarray(x), dtype=self.float_dtype)
        y = tf.convert_to_tensor(np.asarray(y_one_hot), dtype=self.float_dtype)
        # The loss has its own dtype policy (float32 by default): keep it in the network's dtype.
        loss_fn = keras.losses.CategoricalCrossentropy(dtype=self.float_dtype)
        with tf.GradientTape() as tape:
            loss = loss_fn(y, self(x, training=True))
        variables = [v for layer in self.dense_layers for v in (layer.kernel, layer.bias)]
        grads = [g.numpy() for g in tape.gradient(loss, variables)]
        return float(loss), [(grads[i].T.copy(), grads[i + 1].copy()) for i in range(0, len(grads), 2)]

    def predict_classes(self, x: np.ndarray) -> np.ndarray:
        """x: (N, 784) -> class indices (N,)."""
        return np.argmax(self.predict(np.asarray(x), verbose=0), axis=1)

    def compute_accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Fraction predicted right; y one-hot (N, 10) or integer (N,)."""
        y = np.asarray(y)
        return float(np.mean(self.predict_classes(x) == (y.argmax(axis=1) if y.ndim == 2 else y)))


# ----------------------------------------------------------------------------------------- G3 original
class OriginalNetworkTf(keras.Sequential):
    """The original template, its three bugs on unless named in ``fixed`` (a subset of ``BUGS``).

    extra_layer: the layer loop starts at 0, adding Dense(sizes[0]) as a first hidden layer;
    swapped_activations: softmax on hidden layers, sigmoid on the output;
    binary_loss: BinaryCrossentropy. Standalone Keras 2 and tf.keras before TF 2.2 then turned the string
    "accuracy" into *binary* accuracy (each of the 10 outputs thresholded at 0.5 against the one-hot row:
    answering "no" everywhere already scores 90%). tf.keras since 2.2 and Keras 3 pick the metric from the
    output shape instead (categorical accuracy for 10 outputs). ``legacy_metric=True`` (default) reproduces
    the older rule so the inflated number can be shown; ``False`` uses Keras 3's.
    """

    def __init__(self, sizes: Sequence[int], random_state: int = 1, *, fixed: Collection[str] = (),
                 legacy_metric: bool = True) -> None:
        sizes = check_sizes(sizes)
        unknown = set(fixed) - set(BUGS)
        if isinstance(fixed, str) or unknown:
            raise ValueError(f"fixed must be a collection of bug names from {BUGS}, got {fixed!r}.")
        keras.utils.set_random_seed(random_state)
        tf.config.experimental.enable_op_determinism()
        hidden, output = ("sigmoid", "softmax") if "swapped_activations" in fixed else ("softmax", "sigmoid")
        first = 1 if "extra_layer" in fixed else 0  # the original's `for i in range(0, len(sizes))`
        layers: list[Any] = [keras.Input(shape=(sizes[0],))]
        layers += [keras.layers.Dense(width, activation=hidden) for width in sizes[first:-1]]
        layers.append(keras.layers.Dense(sizes[-1], activation=output))
        super().__init__(layers, name="original_network_tf")
        self.sizes, self.fixed, self.legacy_metric = sizes, frozenset(fixed), legacy_metric
        self.epoch_seconds: list[float] = []

    def compile_and_fit(self, x_train: Any, y_train: Any, epochs: int = 50, learning_rate: Any = 0.01,
                        batch_size: int = 1, validation_data: Any = None, *, verbose: bool = True,
                        progress: bool | None = None,
                        on_epoch_end: EpochCallback | None = None) -> keras.callbacks.History:
        """As the original: SGD, its loss (binary unless fixed), metrics=["accuracy"]; -> Keras History."""
        learning_rate = _check_rate(learning_rate, epochs)
        loss = (keras.losses.CategoricalCrossentropy() if "binary_loss" in self.fixed
                else keras.losses.BinaryCrossentropy())
        metric: Any = "accuracy"
        if self.legacy_metric and "binary_loss" not in self.fixed:
            # older Keras resolved "accuracy" by the loss: binary cross-entropy -> binary accuracy.
            metric = keras.metrics.BinaryAccuracy(name="accuracy")
        self.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss=loss, metrics=[metric])
        return _fit(self, x_train, y_train, epochs=epochs, learning_rate=learning_rate, batch_size=batch_size,
                    validation_data=validation_data, verbose=verbose, progress=progress,
                    on_epoch_end=on_epoch_end)


@contextlib.contextmanager
def forced_eager_mode(enabled: bool = True) -> Iterator[None]:
    """Inside: tf.function (and so Keras' train step) runs op by op, as the original forced; restored after."""
    before = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(enabled)
    try:
        with warnings.catch_warnings():
            # tf.data says the switch does not reach its input pipeline: true, and not what is measured here.
            warnings.filterwarnings("ignore", message="Even though the `tf.config.experimental_run_functions")
            yield
    finally:
        tf.config.run_functions_eagerly(before)


def describe_layers(model: keras.Model) -> list[tuple[str, int, str, int]]:
    """-> one (layer name, units, activation, parameter count) per Dense layer: the model summary in brief."""
    return [(layer.name, layer.units, layer.activation.__name__, int(layer.count_params()))
            for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def train_briefly(sizes: Sequence[int], fixed: Collection[str], x_train: np.ndarray, y_train: np.ndarray,
                  x_val: np.ndarray, y_val: np.ndarray, *, epochs: int = 2, learning_rate: float = 0.5,
                  batch_size: int = 32, random_state: int = 1, legacy_metric: bool = True) -> dict[str, Any]:
    """Train OriginalNetworkTf(fixed) briefly -> what Keras reports vs the argmax (true) accuracy.

    Returns {"fixed", "parameters", "metric" (Keras' name for "accuracy"), "reported_val_accuracy",
    "true_val_accuracy", "history"}; y_*: one-hot (N, 10).
    """
    model = OriginalNetworkTf(sizes, random_state, fixed=fixed, legacy_metric=legacy_metric)
    history = model.compile_and_fit(x_train, y_train, epochs=epochs, learning_rate=learning_rate,
                                    batch_size=batch_size, validation_data=(x_val, y_val), verbose=False,
                                    progress=False)
    predicted = np.argmax(model.predict(np.asarray(x_val), verbose=0), axis=1)
    metric = _accuracy_metric_name(model)
    return {"fixed": tuple(b for b in BUGS if b in model.fixed), "parameters": int(model.count_params()),
            "metric": metric, "reported_val_accuracy": float(history.history["val_accuracy"][-1]),
            "true_val_accuracy": float(np.mean(predicted == np.argmax(y_val, axis=1))),
            "history": history.history}


def _accuracy_metric_name(model: keras.Model) -> str:
    """Which metric class Keras built for metrics=["accuracy"] (BinaryAccuracy, CategoricalAccuracy, ...)."""
    for metrics_list in getattr(model._compile_metrics, "_flat_metrics", None) or []:
        for metric in getattr(metrics_list, "metrics", []):
            return type(metric).__name__
    return "unbuilt"
