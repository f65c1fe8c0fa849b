"""Tests for helpers.early_stopping and helpers.early_stopping_plots: the rule (synthetic curves, properties, Keras'
own callback), the training loop and the recorder that must agree with it, the pictures, the patience explorer at
every slider value, and a table of bad input."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import early_stopping, early_stopping_checks, early_stopping_plots
from helpers.exercises import NotAnswered
from helpers.validation import DivergenceError


@pytest.mark.parametrize(
    "val_loss, patience, expected",
    [
        ([5, 4, 3, 2, 1], 2, (5, 5)),  # always improving: runs to the end
        ([3, 2, 1, 2, 3, 4, 5], 3, (3, 6)),  # minimum at 3, three bad epochs, stops at 6
        ([3, 2, 1, 2, 3, 4, 5], 1, (3, 4)),
        ([1, 1, 1, 1], 2, (1, 3)),  # equal is not an improvement
        ([3, 2, 2.5, 1.9, 2, 2, 2], 2, (4, 6)),
    ],
)
def test_early_stopping_epochs_on_synthetic_curves(val_loss, patience, expected):
    assert early_stopping.early_stopping_epochs(val_loss, patience) == expected


def test_early_stopping_min_delta_ignores_tiny_improvements():
    assert early_stopping.early_stopping_epochs([1.0, 0.999, 0.998, 0.997], 2, min_delta=0.01) == (1, 3)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 10), min_size=1, max_size=40), st.integers(1, 8))
def test_early_stopping_properties(val_loss, patience):
    best, stopped = early_stopping.early_stopping_epochs(val_loss, patience)
    assert 1 <= best <= stopped <= len(val_loss)
    seen = np.asarray(val_loss[:stopped])
    assert best == int(np.argmin(seen)) + 1  # the restored epoch is the first minimum of what was seen
    # it stopped early only after exactly `patience` epochs without improvement
    assert stopped == len(val_loss) or stopped - best == patience


def test_early_stopping_rule_agrees_with_keras_early_stopping():
    # Keras' own callback, replayed epoch by epoch (Keras imported only through helpers.quiet_tensorflow)
    rng = np.random.default_rng(0)
    for _ in range(100):
        val_loss = rng.uniform(0, 1, rng.integers(1, 30))
        patience, min_delta = int(rng.integers(1, 6)), float(rng.choice([0.0, 0.05]))
        assert early_stopping.early_stopping_epochs(val_loss, patience, min_delta) == \
            early_stopping_checks.keras_early_stopping_epochs(val_loss, patience, min_delta)


def _problem():
    """A small, learnable synthetic problem: class = argmax of the first 10 of 20 features."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 20)).astype(np.float32)
    y = x[:, :10].argmax(1)
    return x[:100], y[:100], x[100:200], y[100:200], x[200:], y[200:]


def test_train_with_early_stopping_matches_the_rule_and_restores_best():
    args = _problem()
    full = early_stopping.train_with_early_stopping(*args, hidden=(32,), max_epochs=25, patience=25)
    stopped = early_stopping.train_with_early_stopping(*args, hidden=(32,), max_epochs=25, patience=3)
    assert full.val_loss.shape == full.train_loss.shape == full.val_error.shape == (full.stopped_epoch,)
    assert (stopped.best_epoch, stopped.stopped_epoch) == early_stopping.early_stopping_epochs(full.val_loss, 3)
    np.testing.assert_allclose(stopped.val_loss, full.val_loss[: stopped.stopped_epoch])  # same seed, same path
    assert full.train_loss[-1] < full.train_loss[0]
    assert 0 <= stopped.test_error <= 1


def test_record_losses_gives_what_a_stopped_run_restores():
    x_train, y_train, x_val, y_val, x_test, y_test = _problem()
    losses = early_stopping.record_losses(x_train, y_train, {"val": (x_val, y_val), "test": (x_test, y_test)},
                                          epochs=15, hidden=(32,), random_state=4)
    assert set(losses) == {"train", "val", "test"} and all(v.shape == (15,) for v in losses.values())
    run = early_stopping.train_with_early_stopping(x_train, y_train, x_val, y_val, x_test, y_test, hidden=(32,),
                                                   max_epochs=15, patience=2, random_state=4)
    best, stopped = early_stopping.early_stopping_epochs(losses["val"], 2)
    assert (run.best_epoch, run.stopped_epoch) == (best, stopped)
    np.testing.assert_allclose(run.val_loss, losses["val"][:stopped], rtol=1e-6)
    np.testing.assert_allclose(run.train_loss, losses["train"][:stopped], rtol=1e-6)
    assert run.test_loss == pytest.approx(losses["test"][best - 1], rel=1e-6)


def test_one_hot_labels_and_a_generator_seed_are_accepted():
    x_train, y_train, x_val, y_val, x_test, y_test = _problem()
    kwargs = dict(hidden=[16], max_epochs=3, patience=3)
    ints = early_stopping.train_with_early_stopping(x_train, y_train, x_val, y_val, x_test, y_test, **kwargs)
    one_hot = early_stopping.train_with_early_stopping(x_train, np.eye(10)[y_train], x_val, y_val, x_test, y_test,
                                                       **kwargs)
    np.testing.assert_array_equal(ints.val_loss, one_hot.val_loss)
    a, b = (early_stopping.train_with_early_stopping(x_train, y_train, x_val, y_val, x_test, y_test,
                                                     random_state=np.random.default_rng(7), **kwargs) for _ in range(2))
    np.testing.assert_array_equal(a.val_loss, b.val_loss)  # a Generator seeded alike gives the same run


def test_a_diverging_run_is_reported_as_divergence_with_a_smaller_learning_rate():
    with pytest.raises(DivergenceError, match=r"smaller learning rate \(e.g. 1e\+09 instead of 1e\+10\)"):
        early_stopping.train_with_early_stopping(*_problem(), hidden=(32,), max_epochs=5, optimizer="sgd",
                                                 learning_rate=1e10)


def _curve():
    val = np.array([2.0, 1.5, 1.2, 1.1, 1.15, 1.2, 1.3, 1.4])
    return early_stopping.EpochCurve(val * 0.8, val, val / 10, val / 10, 4, 8, 8, 1.0, 0.1)


def test_epoch_curve_figure_marks_stop_and_minimum_on_integer_epochs():
    fig, stop = early_stopping_plots.epoch_curve_figure(_curve(), patience=2)
    assert stop == (4, 6)
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == 0.0
    assert "loss" in ax.get_title().lower() and "error" not in ax.get_title().lower()
    assert ax.get_ylabel() == "cross-entropy loss" and ax.get_xlabel() == "epoch"
    assert any("stopped at epoch 6" in t.get_text() for t in ax.get_legend().get_texts())
    fig.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    plt.close(fig)


@pytest.mark.parametrize("patience, expected", [
    (1, "patience 1: stops after epoch 5, restores epoch 4"),
    (4, "patience 4: stops after epoch 8, restores epoch 4"),  # runs out exactly at the last epoch
    (5, "patience 5: never runs out in the 8 epochs run; training ends there and restores epoch 4"),
    (30, "patience 30: never runs out in the 8 epochs run; training ends there and restores epoch 4"),
])
def test_patience_view_says_what_the_rule_does_at_every_kind_of_value(patience, expected):
    fig, text = early_stopping_plots.patience_view(_curve(), patience)
    assert text == expected
    plt.close(fig)


def test_the_figure_view_and_explorer_use_the_rule_they_are_given():
    calls = []

    def own_rule(val_loss, patience, min_delta=0.0):  # a reader's own function, e.g. the notebook's
        calls.append((len(val_loss), patience, min_delta))
        return 2, 3

    fig, stop = early_stopping_plots.epoch_curve_figure(_curve(), patience=1, rule=own_rule)
    assert stop == (2, 3) and calls == [(8, 1, 0.0)]
    assert any("stopped at epoch 3" in t.get_text() for t in fig.axes[0].get_legend().get_texts())
    plt.close(fig)
    fig, text = early_stopping_plots.patience_view(_curve(), 1, rule=own_rule)
    assert text == "patience 1: stops after epoch 3, restores epoch 2"
    plt.close(fig)
    box = early_stopping_plots.patience_explorer(_curve(), rule=own_rule)
    assert "restores epoch 2" in box.children[1].outputs[0]["text"]


def test_patience_explorer_renders_a_default_and_redraws_on_change():
    box = early_stopping_plots.patience_explorer(_curve())
    slider, out = box.children[0].children[0], box.children[1]
    assert slider.continuous_update is False and (slider.min, slider.max) == (1, 30)
    assert "never runs out in the 8 epochs run" in out.outputs[0]["text"]  # default patience 10 > 8 epochs
    slider.value = 2
    assert "stops after epoch 6, restores epoch 4" in out.outputs[0]["text"]
    assert out.outputs[1]["output_type"] == "display_data"


X, Y = _problem()[:2]
NAN_X = X.copy()
NAN_X[3, 5] = np.nan


def _train(**changes):
    args = dict(zip(["x_train", "y_train", "x_val", "y_val", "x_test", "y_test"], _problem(), strict=True))
    settings = {**args, "hidden": (8,), "max_epochs": 2, **changes}
    return lambda: early_stopping.train_with_early_stopping(**settings)


# (call, error type, words the message must contain: the argument's name and what to pass instead)
BAD_INPUT = [
    (lambda: early_stopping.early_stopping_epochs([], 2), ValueError, ["val_loss is empty"]),
    (lambda: early_stopping.early_stopping_epochs([1.0, 2.0], 0), ValueError, ["patience", "positive integer"]),
    (lambda: early_stopping.early_stopping_epochs([1.0, 2.0], 2.0), TypeError, ["patience", "without a decimal"]),
    (lambda: early_stopping.early_stopping_epochs([1.0, 2.0], "3"), TypeError, ["patience", "int('5')"]),
    (lambda: early_stopping.early_stopping_epochs([1.0, np.nan], 2), ValueError, ["val_loss contains NaN", "(1,)"]),
    (lambda: early_stopping.early_stopping_epochs([[1.0, 2.0]], 2), ValueError, ["val_loss must have shape (E,)"]),
    (lambda: early_stopping.early_stopping_epochs([1.0], 1, min_delta=-1), ValueError, ["min_delta", ">= 0"]),
    # NaN in the data is reported as such, not as divergence
    (_train(x_train=NAN_X), ValueError, ["x_train contains NaN", "(3, 5)"]),
    # an empty validation set, mismatched lengths, a different number of inputs
    (_train(x_val=np.zeros((0, 20)), y_val=np.zeros(0, int)), ValueError, ["x_val is empty"]),
    (_train(y_val=_problem()[3][:3]), ValueError, ["x_val and y_val must have the same number of rows", "y_val has 3"]),
    (_train(x_test=X[:, :10]), ValueError, ["x_test must have shape (N, 20)"]),
    (_train(x_train=X[0]), ValueError, ["x_train must have shape (N, D)", "x_train[None]"]),
    # labels
    (_train(y_train=Y + 5), ValueError, ["y_train must hold classes 0..9"]),
    (_train(y_train=Y + 0.5), ValueError, ["y_train must hold whole class numbers"]),
    (_train(y_train=Y.astype(str)), TypeError, ["y_train", "real numbers"]),
    # settings, including strings as a widget or a text box would send them
    (_train(hidden="12"), TypeError, ["hidden", "(64, 32)"]),
    (_train(hidden=(0,)), ValueError, ["hidden[0]", "positive integer"]),
    (_train(activation="swish"), ValueError, ["activation", "'relu'"]),
    (_train(optimizer="lbfgs"), ValueError, ["optimizer", "'adam'"]),
    (_train(learning_rate="0.1"), TypeError, ["learning_rate", "float('0.1')"]),
    (_train(learning_rate=0.0), ValueError, ["learning_rate", "positive number"]),
    (_train(max_epochs=0), ValueError, ["max_epochs", "positive integer"]),
    (_train(patience=1.5), TypeError, ["patience", "positive integer"]),
    (_train(batch_size=-1), ValueError, ["batch_size", "positive integer"]),
    (_train(init_scale=0.0), ValueError, ["init_scale", "positive number"]),
    (_train(n_classes=1), ValueError, ["n_classes", "at least 2"]),
    (_train(random_state="0"), TypeError, ["random_state", "int seed"]),
    (lambda: early_stopping.record_losses(X, Y, {}, epochs=2), ValueError, ["monitored", "non-empty dict"]),
    (lambda: early_stopping.record_losses(X, Y, {"val": X}, epochs=2), TypeError, ["monitored['val']", "(x, y)"]),
    (lambda: early_stopping.record_losses(X, Y, {"train": (X, Y)}, epochs=2), ValueError, ["no set named 'train'"]),
    (lambda: early_stopping.record_losses(X, Y, {"val": (X, Y)}, epochs=0), ValueError, ["epochs", "positive"]),
    (lambda: early_stopping_plots.patience_view(_curve(), "3"), TypeError, ["patience", "int('5')"]),
]


@pytest.mark.parametrize("call, error, words", BAD_INPUT, ids=[", ".join(w) for _, _, w in BAD_INPUT])
def test_bad_input_is_refused_with_a_message_that_names_it(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error  # not a DivergenceError, not a TypeError reported as a ValueError
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"


def _stub_rule(val_loss, patience, min_delta=0.0):
    raise NotImplementedError()


@pytest.mark.parametrize("rule, error, words", [
    (lambda v, p, d=0.0: None, ValueError, "returned None"),
    (lambda v, p, d=0.0: 3, ValueError, "must return a pair of epochs"),
    (lambda v, p, d=0.0: (5, 12), ValueError, "both must be epochs 1..8"),
    (lambda v, p, d=0.0: (6, 4), ValueError, "with best <= stopped"),
    (_stub_rule, NotAnswered, "not answered yet"),
    ("early_stopping_epochs", TypeError, "rule must be a function"),
])
def test_a_readers_rule_that_returns_nonsense_is_named(rule, error, words):
    with pytest.raises(error, match=words):
        early_stopping_plots.epoch_curve_figure(_curve(), patience=1, rule=rule)


def test_the_curve_must_be_a_recorded_run():
    with pytest.raises(TypeError, match="curve must be an early_stopping.EpochCurve"):
        early_stopping_plots.epoch_curve_figure([1.0, 0.5], patience=1)
