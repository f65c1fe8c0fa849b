"""Pictures of training: accuracy against epoch, and the Train panel that runs ``training.train`` live.

The panel trains in a background thread so the kernel stays free to receive the Stop click: the curves are
redrawn after every epoch, a line says where the run is and how long is left, Stop ends training after the
current batch (keeping the curves so far), and Train is disabled while a run is going. Everything the panel
shows goes into its widgets' state (``figure_widgets.show_in``), never into the cell's output, and every
error becomes a one-line message that replaces what was shown before.
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

import ipywidgets as w
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from helpers import validation
from helpers.figure_widgets import controls_row, message_for, show_in
from helpers.networks import training

__all__ = ["plot_history", "PANEL_DEFAULTS", "BATCH_SIZES", "TrainPanel"]

PANEL_DEFAULTS = {"implementation": "scratch", "hidden": "64", "learning_rate": 1.0, "batch_size": 32, "epochs": 5}
_NAMES = {"scratch": "NumPy from scratch", "torch": "PyTorch", "keras": "Keras"}
_STATUS_EVERY_S = 0.5  # how often the progress line is refreshed


def plot_history(history: dict[str, list[float]], ax: Any, title: str = "", chance: float = 0.1, *,
                 epochs: int | None = None) -> Any:
    """Training and validation accuracy (lists, one value per epoch) against the epoch number (integer ticks) on ax.

    ``epochs`` fixes the x-axis to 1..epochs (a run still going); ``chance`` draws the level of guessing.
    """
    if not isinstance(history, dict) or not {"accuracy", "val_accuracy"} <= set(history):
        raise ValueError(f"history must be a dict with 'accuracy' and 'val_accuracy' lists, got "
                         f"{validation.describe(history)}.")
    accuracy = validation.float_array(history["accuracy"], "history['accuracy']", allow_empty=True)
    val_accuracy = validation.float_array(history["val_accuracy"], "history['val_accuracy']", allow_empty=True)
    validation.same_length(accuracy=accuracy, val_accuracy=val_accuracy)
    x = np.arange(1, len(accuracy) + 1)
    ax.plot(x, accuracy, "o-", label="training")
    ax.plot(x, val_accuracy, "s--", label="validation")
    ax.axhline(chance, color="grey", lw=0.8, ls=":", label="chance")
    ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1), title=title)
    last = validation.positive_int(epochs, "epochs") if epochs is not None else max(len(x), 1)
    ax.set_xlim(0.5, last + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.legend(loc="lower right")
    return ax


def _message(err: BaseException, settings: dict[str, Any]) -> str:
    """The panel's line for an error: an unwritten method (an exercise) is named as such, not as an internal error."""
    if isinstance(err, NotImplementedError):
        return (f"The {_NAMES[settings['implementation']]} network is not finished: a method it needs still raises "
                f"NotImplementedError ({' '.join(str(err).split()) or 'an exercise not answered yet'}).")
    if isinstance(err, AssertionError) and str(err):  # the exercises' feedback (finish an exercise first)
        return " ".join(str(err).split())
    return message_for(err)


BATCH_SIZES = (1, 8, 16, 32, 64, 128)  # the panel's choices


def _check_defaults(settings: dict[str, Any]) -> None:
    """The panel's starting values, each one its control can show (a slider would silently clamp the others)."""
    validation.one_of(settings["implementation"], training.IMPLEMENTATIONS, "default['implementation']")
    if not isinstance(settings["hidden"], str):
        raise TypeError(f"default['hidden'] must be text such as '128,64', got "
                        f"{validation.describe(settings['hidden'])}.")
    training.parse_hidden_widths(settings["hidden"])
    rate = validation.positive_number(settings["learning_rate"], "default['learning_rate']")
    if not 1e-3 <= rate <= 10:
        raise ValueError(f"default['learning_rate'] must be between 0.001 and 10 (the slider's range), got {rate:g}.")
    validation.one_of(settings["batch_size"], BATCH_SIZES, "default['batch_size']")
    if not 1 <= validation.positive_int(settings["epochs"], "default['epochs']") <= 30:
        raise ValueError(f"default['epochs'] must be between 1 and 30 (the slider's range), got {settings['epochs']}.")


class TrainPanel(w.VBox):
    """Controls (network, hidden widths, learning rate, batch size, epochs) above Train/Stop, progress and the curves.

    Built with a first, short run of the ``default`` settings (done in the calling thread, so an executed
    notebook stores a real curve in the widget state); each Train click then runs in a background thread.
    ``classes`` ({"scratch": MyNetwork, ...}) trains other network classes than helpers' (``training.train``).
    """

    def __init__(self, split: Any, default: dict[str, Any] | None = None,
                 classes: dict[str, type] | None = None) -> None:
        self.classes = training.check_classes(classes)  # the networks to train (default: helpers' three)
        settings = dict(PANEL_DEFAULTS)
        unknown = set(default or {}) - set(PANEL_DEFAULTS)
        if unknown:
            raise ValueError(f"default has unknown keys {sorted(unknown)}: use {sorted(PANEL_DEFAULTS)}.")
        settings.update(default or {})
        _check_defaults(settings)
        training.split_arrays(split)  # a bad split fails here, loudly, not in the first click
        self.split = split
        self.implementation = w.Dropdown(options=[(_NAMES[k], k) for k in training.IMPLEMENTATIONS],
                                         value=settings["implementation"], description="network")
        # continuous_update (the default) keeps the value current, so a click on Train sees what was typed
        self.hidden = w.Text(value=settings["hidden"], description="hidden widths", placeholder="e.g. 128,64")
        self.learning_rate = w.FloatLogSlider(value=settings["learning_rate"], base=10, min=-3, max=1, step=0.1,
                                              description="learning rate", readout_format=".3g",
                                              continuous_update=False)
        self.batch_size = w.Dropdown(options=list(BATCH_SIZES), value=settings["batch_size"],
                                     description="batch size")
        self.epochs = w.IntSlider(value=settings["epochs"], min=1, max=30, description="epochs",
                                  continuous_update=False)
        self.train_button = w.Button(description="Train", button_style="primary", icon="play",
                                     tooltip="train a new network with these settings")
        self.stop_button = w.Button(description="Stop", icon="stop", disabled=True,
                                    tooltip="end training after the current batch, keeping the curves so far")
        self.status_label = w.HTML(value="")  # HTML wraps a long message; a Label would cut it
        self.output = w.Output()
        super().__init__([controls_row([self.implementation, self.hidden, self.learning_rate, self.batch_size,
                                        self.epochs]),
                          controls_row([self.train_button, self.stop_button, self.status_label]),
                          self.output])
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self.train_button.on_click(lambda _: self.start_training())
        self.stop_button.on_click(lambda _: self.request_stop())
        self._run(self.settings(), raise_errors=True)

    # --------------------------------------------------------------------------------------------- settings
    def settings(self) -> dict[str, Any]:
        """The controls' values as train() arguments; ValueError (from parse_hidden_widths) for unusable text."""
        return {"implementation": self.implementation.value, "hidden": training.parse_hidden_widths(self.hidden.value),
                "learning_rate": float(self.learning_rate.value), "batch_size": int(self.batch_size.value),
                "epochs": int(self.epochs.value)}

    @property
    def running(self) -> bool:
        """True while a background run is going."""
        return self._thread is not None and self._thread.is_alive()

    # --------------------------------------------------------------------------------------------- actions
    def start_training(self) -> bool:
        """Start a background run with the current settings; False (with a message shown) if it cannot start."""
        with self._lock:
            if self.running:
                return False
            try:
                settings = self.settings()
            except (ValueError, TypeError) as err:
                show_in(self.output, None, message_for(err))
                self._status("")
                return False
            self._stop_event.clear()
            show_in(self.output)  # the last run's curves or message go: this run's replace them
            self.train_button.disabled, self.stop_button.disabled = True, False
            self._status("starting...")
            self._thread = threading.Thread(target=self._run_in_background, args=(settings,), daemon=True)
            self._thread.start()
        return True

    def request_stop(self) -> None:
        """Ask the running training to end after its current batch."""
        self._stop_event.set()
        self.stop_button.disabled = True
        self._status("stopping after the current batch...")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the background run ends (for tests and scripts); True if it has ended."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    # --------------------------------------------------------------------------------------------- running
    def _run_in_background(self, settings: dict[str, Any]) -> None:
        try:
            self._run(settings, raise_errors=False)
        finally:
            with self._lock:
                self.train_button.disabled, self.stop_button.disabled = False, True

    def _status(self, text: str) -> None:
        self.status_label.value = html.escape(text)

    def _figure(self, history: dict[str, list[float]], settings: dict[str, Any]) -> Figure:
        fig = Figure(figsize=(6, 3.4))  # not pyplot: safe to draw from the training thread
        widths = "-".join(map(str, [784, *settings["hidden"], 10]))
        title = (f"{_NAMES[settings['implementation']]}: {widths}, learning rate {settings['learning_rate']:.3g}, "
                 f"batch {settings['batch_size']}")
        plot_history(history, fig.add_subplot(), title, epochs=settings["epochs"])
        return fig

    def _run(self, settings: dict[str, Any], *, raise_errors: bool) -> None:
        """Train with settings, drawing the curves after every epoch; the outcome (or error) ends up in the panel."""
        start = time.perf_counter()
        last_status = [-np.inf]
        so_far: dict[str, list[float]] = {}

        def on_batch_end(epoch: int, batch: int, n_batches: int) -> None:
            now = time.perf_counter()
            if now - last_status[0] >= _STATUS_EVERY_S:
                last_status[0] = now
                self._status(training.progress_text(epoch, batch, n_batches, settings["epochs"], now - start))

        def on_epoch_end(epoch: int, history: dict[str, list[float]]) -> None:
            so_far.update({k: list(v) for k, v in history.items()})
            show_in(self.output, self._figure(so_far, settings))

        try:
            _, history = training.train(settings["implementation"], self.split, settings["hidden"],
                                        learning_rate=settings["learning_rate"], batch_size=settings["batch_size"],
                                        epochs=settings["epochs"], verbose=False, progress=False,
                                        on_epoch_end=on_epoch_end, on_batch_end=on_batch_end, stop=self._stop_event,
                                        classes=self.classes)
        except Exception as err:
            if raise_errors:
                raise
            show_in(self.output, self._figure(so_far, settings) if so_far else None, _message(err, settings))
            self._status("training ended with an error (see below)")
            return
        seconds = time.perf_counter() - start
        done = len(history["val_accuracy"])
        if self._stop_event.is_set():
            if not done:
                show_in(self.output, None, "Stopped during the first epoch: no epoch was completed, so there is no "
                                           "curve to draw yet.")
            self._status(f"stopped after {done} of {settings['epochs']} epochs ({seconds:.0f} s); "
                         "the curves so far are kept")
        else:
            self._status(f"done: {done} epochs in {seconds:.0f} s, validation accuracy "
                         f"{history['val_accuracy'][-1]:.1%}")
