"""helpers.networks.training_plots: the accuracy plot and the Train panel (first run, messages, runs, Stop)."""

import time

import matplotlib.pyplot as plt
import pytest

from helpers.mnist import MnistSplit
from helpers.networks import training_plots
from helpers.networks.training_plots import TrainPanel


@pytest.fixture(scope="module")
def tiny(small_mnist):
    s = small_mnist
    return MnistSplit(s.x_train[:320], s.y_train[:320], s.x_val[:50], s.y_val[:50], "tiny")


def _texts(panel):
    return [o.get("text", "") for o in panel.output.outputs]


def _images(panel):
    return [o for o in panel.output.outputs if "image/png" in o.get("data", {})]


def test_plot_history_uses_integer_epoch_ticks():
    fig, ax = plt.subplots()
    training_plots.plot_history({"accuracy": [0.5, 0.8, 0.9], "val_accuracy": [0.4, 0.7, 0.8]}, ax, "t", epochs=5)
    assert len(ax.lines) == 3 and ax.get_title() == "t" and ax.get_xlim() == (0.5, 5.5)
    fig.canvas.draw()
    ticks = [t for t in ax.get_xticks() if 0.5 <= t <= 5.5]
    assert ticks and all(float(t).is_integer() for t in ticks)
    with pytest.raises(ValueError, match="history"):
        training_plots.plot_history({"loss": [1.0]}, ax)
    with pytest.raises(ValueError, match="same number"):
        training_plots.plot_history({"accuracy": [0.5], "val_accuracy": []}, ax)
    plt.close(fig)


def test_first_render_is_a_real_run_stored_in_the_widget(tiny):
    panel = TrainPanel(tiny, default={"epochs": 2})
    assert len(_images(panel)) == 1 and _texts(panel) == [""]
    assert panel.status_label.value.startswith("done: 2 epochs")
    assert not panel.train_button.disabled and panel.stop_button.disabled
    labels = [c.description for row in panel.children[:2] for c in row.children if hasattr(c, "description")]
    assert labels[:5] == ["network", "hidden widths", "learning rate", "batch size", "epochs"]
    assert panel.children[2] is panel.output  # controls above the plot
    with pytest.raises(ValueError, match="unknown keys"):
        TrainPanel(tiny, default={"lr": 1})
    for bad, words in (({"epochs": 50}, "between 1 and 30"), ({"learning_rate": 0.0}, "learning_rate"),
                       ({"batch_size": 5}, "batch_size"), ({"hidden": 64}, "text such as"),
                       ({"hidden": "64,x"}, "hidden"), ({"implementation": "jax"}, "implementation")):
        with pytest.raises((TypeError, ValueError), match=words):
            TrainPanel(tiny, default=bad)


@pytest.mark.parametrize("text", ["0", "-1", "", "128,,64", "abc", "1e9"])
def test_bad_hidden_text_gives_one_message_and_no_run(tiny, text):
    panel = TrainPanel(tiny, default={"epochs": 1})
    panel.hidden.value = text
    assert panel.start_training() is False and not panel.running
    assert len(panel.output.outputs) == 1 and "Traceback" not in _texts(panel)[0]
    assert _texts(panel)[0].startswith("hidden widths") and "128,64" in _texts(panel)[0]
    panel.hidden.value = "8"  # the next valid run replaces the message
    assert panel.start_training() and panel.wait(60)
    assert _texts(panel) == [""] and len(_images(panel)) == 1


def test_background_run_disables_train_and_stop_keeps_the_curves_so_far(tiny):
    panel = TrainPanel(tiny, default={"epochs": 1})
    panel.batch_size.value, panel.epochs.value = 1, 30
    assert panel.start_training()
    assert panel.train_button.disabled and not panel.stop_button.disabled
    assert panel.start_training() is False  # one run at a time
    deadline = time.monotonic() + 120
    while not _images(panel) and time.monotonic() < deadline:  # the first epoch's curve is drawn
        time.sleep(0.05)
    assert _images(panel) and panel.running and "epoch" in panel.status_label.value
    panel.request_stop()
    assert panel.wait(60)
    assert not panel.train_button.disabled and panel.stop_button.disabled
    assert panel.status_label.value.startswith("stopped after ") and "of 30 epochs" in panel.status_label.value
    assert len(_images(panel)) == 1 and _texts(panel) == [""]


def test_a_diverging_run_ends_with_a_message_not_a_traceback(tiny, monkeypatch):
    panel = TrainPanel(tiny, default={"epochs": 1})

    def diverging(*args, **kwargs):
        from helpers.validation import DivergenceError

        raise DivergenceError("training diverged: the loss became nan in epoch 1; try a smaller learning rate.")

    monkeypatch.setattr(training_plots.training, "train", diverging)
    assert panel.start_training() and panel.wait(30)
    assert _texts(panel) == ["training diverged: the loss became nan in epoch 1; try a smaller learning rate.\n"]
    assert "error" in panel.status_label.value and not panel.train_button.disabled


def test_the_panel_trains_the_classes_passed_in_and_names_an_unfinished_one(tiny):
    from helpers.networks.scratch import NeuralNetwork

    built = []

    class Mine(NeuralNetwork):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    class Unfinished(NeuralNetwork):
        def backward(self, T):
            raise NotImplementedError()

    panel = TrainPanel(tiny, default={"epochs": 1}, classes={"scratch": Mine})
    assert len(built) == 1 and len(_images(panel)) == 1
    panel.classes = {"scratch": Unfinished}
    assert panel.start_training() and panel.wait(30)
    assert _texts(panel)[0].startswith("The NumPy from scratch network is not finished")
    assert "Internal error" not in _texts(panel)[0] and "error" in panel.status_label.value
    with pytest.raises(ValueError, match="unknown keys"):
        TrainPanel(tiny, classes={"jax": Mine})
