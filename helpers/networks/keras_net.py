"""The MNIST classifier in Keras 3 (TensorFlow backend), the original template's bugs, and the schedule.

``NeuralNetworkTf`` is the fixed template: ``Input(sizes[0])`` then one sigmoid ``Dense`` per hidden width
``sizes[1:-1]`` and a softmax ``Dense(sizes[-1])``, trained with ``CategoricalCrossentropy`` and SGD inside
Keras' compiled ``tf.function`` (no forced eager mode). ``OriginalNetworkTf`` rebuilds the original template
with each of its three bugs switchable (``BUGS``) so they can be shown one at a time, and
``forced_eager_mode()`` switches on its ``tf.config.run_functions_eagerly(True)`` for a measured while.

dtype: layers use ``dtype`` when given, else ``keras.config.floatx()`` at construction (float32 by
default); pass ``dtype="float64"`` for gradient comparisons. Nothing global is changed. TensorFlow and
Keras come from ``helpers.quiet_tensorflow``.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
import warnings
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import numpy as np

from helpers import validation
from helpers.networks import (
    BatchCallback,
    EpochCallback,
    Weights,
    check_epochs_and_rate,
    check_sizes,
    check_weights,
    default_progress,
    image_batch,
    initial_weights,
    labelled_images,
)
from helpers.quiet_tensorflow import keras, tf

__all__ = ["NeuralNetworkTf", "TimeBasedLearningRate", "OriginalNetworkTf", "BUGS", "forced_eager_mode",
           "EpochProgress", "describe_layers", "summary_text", "accuracy_metric_name", "train_briefly",
           "output_logits", "logit_gradient", "tf", "keras"]

BUGS = ("extra_layer", "swapped_activations", "binary_loss")


# ----------------------------------------------------------------------------------------- schedule
@keras.saving.register_keras_serializable(package="helpers")
class TimeBasedLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """lr(step) = max(initial_learning_rate - step, 1): drops by 1 per optimizer step until it reaches 1."""

    def __init__(self, initial_learning_rate: int) -> None:
        ### BEGIN SOLUTION
        self.initial_learning_rate = validation.positive_int(initial_learning_rate, "initial_learning_rate")
        ### END SOLUTION

    def __call__(self, step: Any) -> Any:
        """The learning rate at ``step`` (a Python int, or the optimizer's int64 step counter inside tf.function)."""
        ### BEGIN SOLUTION
        step = keras.ops.cast(step, "float32")  # keras.ops, not Python's max: it runs inside the compiled step
        return keras.ops.maximum(float(self.initial_learning_rate) - step, 1.0)
        ### END SOLUTION

    def get_config(self) -> dict[str, int]:
        """{"initial_learning_rate": int}, for saving and from_config."""
        return {"initial_learning_rate": self.initial_learning_rate}


# ----------------------------------------------------------------------------------------- callbacks
class EpochProgress(keras.callbacks.Callback):
    """Per-epoch line like the other networks ("Epoch 3/10 - 0.42 s - loss ..."), optional tqdm bar, NaN stop.

    The batch hook records a non-finite loss and sets ``stop_training``; the epoch hook then raises
    ``DivergenceError`` naming the learning rate, instead of Keras' ``TerminateOnNaN`` stopping silently.
    Without ``on_batch_end`` or ``stop`` the callback is marked async-safe, so Keras keeps dispatching steps
    without waiting for it; with them it runs after every step, so a stop takes effect after the current batch.
    An epoch cut short by ``stop`` is not recorded.
    """

    def __init__(self, epochs: int, learning_rate: Any, verbose: bool = True, progress: bool = False,
                 on_epoch_end: EpochCallback | None = None, on_batch_end: BatchCallback | None = None,
                 stop: threading.Event | None = None) -> None:
        super().__init__()
        self.epochs, self.learning_rate, self.verbose, self.progress = epochs, learning_rate, verbose, progress
        self.user_callback, self.on_batch_hook, self.stop = on_epoch_end, on_batch_end, stop
        self.async_safe = on_batch_end is None and stop is None
        self.history: dict[str, list[float]] = {}
        self.epoch_seconds: list[float] = []
        self.diverged: tuple[int, float] | None = None
        self.stopped = False
        self._start, self._bar, self._epoch = 0.0, None, 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Start the clock (and the bar)."""
        self._start, self._epoch = time.perf_counter(), epoch + 1
        if self.progress:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.params.get("steps"), desc=f"epoch {epoch + 1}", leave=False)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Record a non-finite loss, report the batch, honour a stop request."""
        loss = float((logs or {}).get("loss", 0.0))
        if self.diverged is None and not math.isfinite(loss):
            self.diverged = (batch + 1, loss)
            self.model.stop_training = True
        if self._bar is not None:
            self._bar.update(1)
        if self.on_batch_hook is not None:
            self.on_batch_hook(self._epoch, batch + 1, self.params.get("steps"))
        if self.stop is not None and self.stop.is_set():
            self.stopped = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Raise DivergenceError, or record and print the epoch."""
        seconds = time.perf_counter() - self._start
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        logs = dict(logs or {})
        loss = float(logs.get("loss", math.nan))
        if self.diverged is not None or not math.isfinite(loss):
            step, bad = self.diverged or (self.params.get("steps"), loss)
            validation.check_loss_finite(bad, f"in epoch {epoch + 1}, batch {step}", self.learning_rate)
        if self.stopped:
            return
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


def _check_rate(learning_rate: Any, epochs: Any) -> tuple[int, Any]:
    """(epochs, learning_rate): a positive int, and a positive finite float or a LearningRateSchedule."""
    if isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        return validation.positive_int(epochs, "epochs"), learning_rate
    return check_epochs_and_rate(epochs, learning_rate)


def _fit(model: keras.Model, sizes: list[int], dtype: str, x_train: Any, y_train: Any, *, epochs: int,
         learning_rate: Any, batch_size: Any, validation_data: Any, verbose: bool, progress: bool | None,
         on_epoch_end: EpochCallback | None, on_batch_end: BatchCallback | None,
         stop: threading.Event | None) -> keras.callbacks.History:
    """Check the data, then model.fit with the workbook's epoch lines, hooks and NaN check; model already compiled."""
    batch_size = validation.positive_int(batch_size, "batch_size")
    x, y = labelled_images(x_train, y_train, sizes[0], sizes[-1], ("x_train", "y_train"), dtype)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError(f"validation_data must be a pair (x_val, y_val), got "
                            f"{validation.describe(validation_data)}.")
        validation_data = labelled_images(*validation_data, sizes[0], sizes[-1],
                                          ("validation_data[0]", "validation_data[1]"), dtype)
    show = default_progress() if progress is None else progress
    reporter = EpochProgress(epochs, learning_rate, verbose, show, on_epoch_end, on_batch_end, stop)
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data, verbose=0,
                        callbacks=[reporter])
    # Keras also records an epoch cut short by a stop; keep only the completed ones, as the reporter does.
    completed = len(reporter.epoch_seconds)
    history.history = {k: v[:completed] for k, v in history.history.items()}
    history.epoch = history.epoch[:completed]
    model.epoch_seconds = reporter.epoch_seconds
    return history


# ----------------------------------------------------------------------------------------- fixed network
@contextlib.contextmanager
def _dtype_policy(dtype: str) -> Iterator[None]:
    """Inside: Keras layers created without a dtype use ``dtype``; the global policy is restored after."""
    before = keras.config.dtype_policy()
    keras.config.set_dtype_policy(dtype)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(before)


class NeuralNetworkTf(keras.Sequential):
    """sizes [784, hidden..., 10]: Input(784) -> Dense(h, sigmoid) per hidden width -> Dense(10, softmax).

    The original template's two buggy places are methods: ``add_layers`` (its layer loop) and
    ``loss_function`` (its loss); the constructor and ``compile_and_fit`` call them.
    """

    def __init__(self, sizes: Sequence[int], random_state: int = 1, *, dtype: str | None = None) -> None:
        sizes = check_sizes(sizes)
        random_state = validation.positive_int(random_state, "random_state", minimum=0)
        dtype = validation.one_of(dtype or keras.config.floatx(), ("float32", "float64"), "dtype")
        # Seeds Python, NumPy and TensorFlow; determinism makes reruns (and nbval) give identical numbers.
        keras.utils.set_random_seed(random_state)
        tf.config.experimental.enable_op_determinism()
        super().__init__(name="neural_network_tf")
        self.sizes, self.random_state, self.float_dtype = sizes, random_state, dtype
        self.epoch_seconds: list[float] = []
        self.add(keras.Input(shape=(sizes[0],), dtype=dtype))
        with _dtype_policy(dtype):  # the layers add_layers creates compute in dtype without being told
            self.add_layers(sizes)
        # The same Glorot-uniform draw as the scratch and PyTorch networks, so all three can start equal. Layers of
        # other widths (a mistake in add_layers) keep Keras' own initial weights, so the mistake can be inspected.
        expected = [(n_out, n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
        if [np.shape(W) for W, _ in self.get_parameters()] == expected:
            self.set_parameters(initial_weights(sizes, random_state))

    def add_layers(self, sizes: list[int]) -> None:
        """Add one Dense layer per width after the input, sizes[1:]: sigmoid hidden layers, a softmax output."""
        ### BEGIN SOLUTION
        for width in sizes[1:-1]:
            self.add(keras.layers.Dense(width, activation="sigmoid"))
        self.add(keras.layers.Dense(sizes[-1], activation="softmax"))
        ### END SOLUTION

    def loss_function(self) -> Any:
        """The loss compile_and_fit trains with (a Keras loss): the one for a softmax over classes."""
        ### BEGIN SOLUTION
        return keras.losses.CategoricalCrossentropy()
        ### END SOLUTION

    def compile_and_fit(self, x_train: Any, y_train: Any, epochs: int = 50, learning_rate: Any = 0.01,
                        batch_size: int = 1, validation_data: Any = None, *, verbose: bool = True,
                        progress: bool | None = None, on_epoch_end: EpochCallback | None = None,
                        on_batch_end: BatchCallback | None = None,
                        stop: threading.Event | None = None) -> keras.callbacks.History:
        """SGD on mean categorical cross-entropy; x: (N, 784), y: one-hot (N, 10) or integers (N,); -> Keras History.

        ``learning_rate`` is a positive number or a schedule (``TimeBasedLearningRate``). Per epoch it prints
        time, loss and accuracies; a tqdm bar over batches appears when ``progress`` (default: interactive
        terminal). ``on_batch_end(epoch, batch, n_batches)`` runs after every batch; when ``stop`` is set,
        training ends after the current batch. Raises ``DivergenceError`` when the loss becomes NaN or infinite.
        """
        epochs, learning_rate = _check_rate(learning_rate, epochs)
        self.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss=self.loss_function(),
                     metrics=["accuracy"])
        return _fit(self, self.sizes, self.float_dtype, x_train, y_train, epochs=epochs, learning_rate=learning_rate,
                    batch_size=batch_size, validation_data=validation_data, verbose=verbose, progress=progress,
                    on_epoch_end=on_epoch_end, on_batch_end=on_batch_end, stop=stop)

    # ------------------------------------------------------------------------------------------ weights
    @property
    def dense_layers(self) -> list[keras.layers.Dense]:
        """The Dense layers, input first."""
        return [layer for layer in self.layers if isinstance(layer, keras.layers.Dense)]

    def set_parameters(self, weights: Weights) -> None:
        """weights: [(W: (out, in), b: (out,)), ...]; Keras kernels are (in, out), hence the transpose."""
        check_weights(weights, self.sizes)
        for layer, (W, b) in zip(self.dense_layers, weights, strict=True):
            layer.set_weights([np.asarray(W).T, np.asarray(b)])

    def get_parameters(self) -> Weights:
        """-> [(W: (out, in), b: (out,)), ...] as NumPy copies."""
        return [(kernel.T.copy(), bias.copy()) for kernel, bias in
                (layer.get_weights() for layer in self.dense_layers)]

    def count_parameters(self) -> int:
        """Number of weights and biases."""
        return int(self.count_params())

    def loss_and_gradients(self, x: np.ndarray, y_one_hot: np.ndarray) -> tuple[float, Weights]:
        """Mean categorical cross-entropy on the batch x: (N, 784), y: (N, 10) and [(dW, db), ...] (no update)."""
        X, T = labelled_images(x, y_one_hot, self.sizes[0], self.sizes[-1], ("x", "y_one_hot"), self.float_dtype)
        # The loss has its own dtype policy (float32 by default): keep it in the network's dtype.
        loss_fn = keras.losses.CategoricalCrossentropy(dtype=self.float_dtype)
        with tf.GradientTape() as tape:
            loss = loss_fn(tf.constant(T), self(tf.constant(X), training=True))
        variables = [v for layer in self.dense_layers for v in (layer.kernel, layer.bias)]
        grads = [g.numpy() for g in tape.gradient(loss, variables)]
        return float(loss), [(grads[i].T.copy(), grads[i + 1].copy()) for i in range(0, len(grads), 2)]

    # ------------------------------------------------------------------------------------------ use
    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """One image (784,) -> probabilities (10,); a batch (N, 784) -> (N, 10)."""
        X, single = image_batch(x, self.sizes[0])
        # Calling the model directly: Keras' predict() builds an input pipeline per call, far slower per image.
        probs = np.concatenate([self(tf.constant(X[i:i + 4096].astype(self.float_dtype)), training=False).numpy()
                                for i in range(0, len(X), 4096)])
        return probs[0] if single else probs

    def predict(self, x: np.ndarray, *args: Any, **kwargs: Any) -> int | np.ndarray:
        """One image (784,) -> its class index (an int); a batch (N, 784) -> class indices (N,).

        Unlike ``keras.Model.predict`` (probabilities), this returns classes, as the other two networks do;
        ``predict_proba`` gives the probabilities.
        """
        X, single = image_batch(x, self.sizes[0])
        classes = self.predict_proba(X).argmax(axis=1)
        return int(classes[0]) if single else classes

    def compute_accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Fraction of x: (N, 784) predicted right; y one-hot (N, 10) or integer (N,)."""
        X, single = image_batch(x, self.sizes[0])
        y = np.asarray(y)
        if single and (y.ndim == 0 or y.shape == (self.sizes[-1],)):
            y = y[None]
        labels = validation.class_labels(y, self.sizes[-1], "y")
        validation.same_length(x=X, y=labels)
        return float(np.mean(self.predict(X) == labels))


# ----------------------------------------------------------------------------------------- the original
class OriginalNetworkTf(keras.Sequential):
    """The original template, its three bugs on unless named in ``fixed`` (a subset of ``BUGS``).

    extra_layer: the layer loop starts at 0, adding Dense(sizes[0]) as a first hidden layer;
    swapped_activations: softmax on hidden layers, sigmoid on the output;
    binary_loss: BinaryCrossentropy. Keras 3 (like tf.keras since TF 2.2) turns metrics=["accuracy"] into
    categorical accuracy for 10 outputs whatever the loss. ``emulate_keras_2_3_accuracy=True`` emulates
    standalone Keras <= 2.3 and tf.keras <= TF 2.1 instead, which chose *binary* accuracy from a binary loss
    (each of the 10 outputs thresholded at 0.5 against the one-hot row).
    """

    def __init__(self, sizes: Sequence[int], random_state: int = 1, *, fixed: Collection[str] = (),
                 emulate_keras_2_3_accuracy: bool = False) -> None:
        sizes = check_sizes(sizes)
        random_state = validation.positive_int(random_state, "random_state", minimum=0)
        if isinstance(fixed, str) or not isinstance(fixed, Collection) or set(fixed) - set(BUGS):
            raise ValueError(f"fixed must be a collection of bug names from {BUGS}, got {fixed!r}.")
        keras.utils.set_random_seed(random_state)
        tf.config.experimental.enable_op_determinism()
        hidden, output = ("sigmoid", "softmax") if "swapped_activations" in fixed else ("softmax", "sigmoid")
        first = 1 if "extra_layer" in fixed else 0  # the original's `for i in range(0, len(sizes))`
        layers: list[Any] = [keras.Input(shape=(sizes[0],))]
        layers += [keras.layers.Dense(width, activation=hidden) for width in sizes[first:-1]]
        layers.append(keras.layers.Dense(sizes[-1], activation=output))
        super().__init__(layers, name="original_network_tf")
        self.sizes, self.fixed = sizes, frozenset(fixed)
        self.emulate_keras_2_3_accuracy = validation.flag(emulate_keras_2_3_accuracy, "emulate_keras_2_3_accuracy")
        self.epoch_seconds: list[float] = []

    def loss_function(self) -> Any:
        """The template's loss: BinaryCrossentropy (CategoricalCrossentropy once binary_loss is fixed)."""
        if "binary_loss" in self.fixed:
            return keras.losses.CategoricalCrossentropy()
        return keras.losses.BinaryCrossentropy()

    def compile_and_fit(self, x_train: Any, y_train: Any, epochs: int = 50, learning_rate: Any = 0.01,
                        batch_size: int = 1, validation_data: Any = None, *, verbose: bool = True,
                        progress: bool | None = None, on_epoch_end: EpochCallback | None = None,
                        on_batch_end: BatchCallback | None = None,
                        stop: threading.Event | None = None) -> keras.callbacks.History:
        """As the original: SGD, its loss (binary unless fixed), metrics=["accuracy"]; x: (N, 784) -> Keras History."""
        epochs, learning_rate = _check_rate(learning_rate, epochs)
        loss = self.loss_function()
        metric: Any = "accuracy"
        if self.emulate_keras_2_3_accuracy and "binary_loss" not in self.fixed:
            metric = keras.metrics.BinaryAccuracy(name="accuracy")  # the old rule: binary loss -> binary accuracy
        self.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss=loss, metrics=[metric])
        return _fit(self, self.sizes, keras.config.floatx(), x_train, y_train, epochs=epochs,
                    learning_rate=learning_rate, batch_size=batch_size, validation_data=validation_data,
                    verbose=verbose, progress=progress, on_epoch_end=on_epoch_end, on_batch_end=on_batch_end,
                    stop=stop)


@contextlib.contextmanager
def forced_eager_mode(enabled: bool = True) -> Iterator[None]:
    """Inside: tf.function (and so Keras' train step) runs op by op, as the original forced; restored after."""
    enabled = validation.flag(enabled, "enabled")
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


def summary_text(model: keras.Model) -> str:
    """What Keras' model.summary() lists, as a plain-text table: no colour codes, nothing sent to a display."""
    rows = [("layer (type)", "output shape", "parameters")]
    rows += [(f"{layer.name} ({type(layer).__name__})", str(tuple(layer.output.shape)), f"{layer.count_params():,}")
             for layer in model.layers]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f'Model: "{model.name}"']
    lines += [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}" for a, b, c in rows]
    lines.insert(2, "-" * (sum(widths) + 4))
    lines.append(f"Total parameters: {model.count_params():,}")
    return "\n".join(lines)


def accuracy_metric_name(model: keras.Model) -> str:
    """Which metric class Keras built for metrics=["accuracy"] (BinaryAccuracy, CategoricalAccuracy, ...).

    Read from the public ``model.metrics`` after the model has been trained or evaluated once; "unbuilt" before.
    """
    for metric in model.metrics:
        for inner in getattr(metric, "metrics", None) or []:  # the container of what compile(metrics=...) built
            return type(inner).__name__
    return "unbuilt"


def train_briefly(model: OriginalNetworkTf, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
                  y_val: np.ndarray, *, epochs: int = 2, learning_rate: float = 0.5,
                  batch_size: int = 32) -> dict[str, Any]:
    """Train an OriginalNetworkTf on x_*: (N, 784), y_*: one-hot (N, 10) -> Keras' reported vs the true accuracy.

    Returns {"fixed", "parameters", "metric" (Keras' class for "accuracy"), "reported_val_accuracy",
    "true_val_accuracy" (largest output = right digit), "history"}.
    """
    if not isinstance(model, OriginalNetworkTf):
        raise TypeError(f"model must be an OriginalNetworkTf, got {validation.describe(model)}.")
    history = model.compile_and_fit(x_train, y_train, epochs=epochs, learning_rate=learning_rate,
                                    batch_size=batch_size, validation_data=(x_val, y_val), verbose=False,
                                    progress=False)
    probs = model(tf.constant(np.asarray(x_val, dtype=keras.config.floatx())), training=False).numpy()
    true = float(np.mean(probs.argmax(axis=1) == validation.class_labels(y_val, model.sizes[-1], "y_val")))
    return {"fixed": tuple(b for b in BUGS if b in model.fixed), "parameters": int(model.count_params()),
            "metric": accuracy_metric_name(model), "reported_val_accuracy": float(history.history["val_accuracy"][-1]),
            "true_val_accuracy": true, "history": history.history}


def output_logits(model: keras.Sequential, x: np.ndarray) -> np.ndarray:
    """The output layer's input to its activation, z = h W + b, for images x: (N, 784) -> (N, K)."""
    X, _ = image_batch(x, model.input_shape[-1])
    h = tf.constant(X.astype(model.layers[0].compute_dtype))
    *hidden, last = model.layers
    for layer in hidden:
        h = layer(h, training=False)
    return (h @ last.kernel + last.bias).numpy()


def logit_gradient(loss: str, logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """dL/dz of Keras' loss on the softmax output softmax(z), by autograd in float64; logits, targets: (N, K) -> (N, K).

    ``loss`` is "categorical" (CategoricalCrossentropy, whose gradient is (softmax(z) - t) / N) or "binary"
    (BinaryCrossentropy, the original template's, a mean over the N*K outputs treated as yes/no questions).
    """
    loss = validation.one_of(loss, ("categorical", "binary"), "loss")
    z = validation.float_array(logits, "logits", shape=("N", "K"), dtype=np.float64)
    t = validation.float_array(targets, "targets", shape=z.shape, dtype=np.float64)
    loss_fn = (keras.losses.CategoricalCrossentropy(dtype="float64") if loss == "categorical"
               else keras.losses.BinaryCrossentropy(dtype="float64"))
    z_var = tf.Variable(z)
    with tf.GradientTape() as tape:
        value = loss_fn(tf.constant(t), tf.nn.softmax(z_var, axis=1))
    return tape.gradient(value, z_var).numpy()
