"""Tests for helpers.curves and helpers.curve_plots: shapes, the measured shapes of the curves, bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import curve_plots, curves


@pytest.fixture(scope="module")
def size_curve():
    fig, curve = curve_plots.size_curve_figure(noise=0.3, max_size=120, n_repeats=6)
    plt.close(fig)
    return curve


@pytest.fixture(scope="module")
def complexity_curve():
    fig, curve = curve_plots.complexity_curve_figure(noise=0.3, degrees=(1, 10), n_repeats=10)
    plt.close(fig)
    return curve


def test_noisy_sine_is_seeded_and_shaped():
    x, y = curves.make_noisy_sine(50, 0.2, random_state=3)
    assert x.shape == (50, 1) and y.shape == (50,)
    x2, y2 = curves.make_noisy_sine(50, 0.2, random_state=3)
    np.testing.assert_array_equal(y, y2)
    # noise 0 gives the clean sine exactly
    x0, y0 = curves.make_noisy_sine(20, 0.0)
    np.testing.assert_allclose(y0, np.sin(2 * np.pi * x0[:, 0]))


def test_size_curve_shapes_and_training_error_rises_with_size(size_curve):
    r, s = size_curve.train_error.shape
    assert size_curve.test_error.shape == (r, s) and size_curve.sizes.shape == (s,) and r == 6
    train, test = size_curve.train_centre, size_curve.test_centre
    # harder to memorize more points: non-decreasing within a small tolerance on this fixed seed
    assert np.all(np.diff(train) > -0.005)
    assert train[-1] > train[0]
    assert test[-1] < test[0]
    assert size_curve.gap[-1] < size_curve.gap[0]
    assert np.all(size_curve.train_error >= 0)


def test_complexity_curve_best_is_strictly_inside(complexity_curve):
    c = complexity_curve
    assert c.train_error.shape == c.test_error.shape == (10, 10)
    assert c.best_is_inside and 0 < c.best_index < len(c.values) - 1
    train = c.train_centre
    # nested least-squares models: training error never rises with the degree (same split, tiny rounding)
    assert np.all(np.diff(train) <= 1e-9)
    assert c.test_centre[-1] > c.test_centre[c.best_index]


def test_knn_complexity_on_small_data_uses_effective_parameters():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 1, (60, 25)), rng.normal(0.8, 1, (60, 25))])
    y = np.repeat([0, 1], 60)
    ks = np.array([45, 15, 5, 1])
    c = curves.error_vs_complexity(curves.make_model("knn", n_components=5), x, y, "kneighborsclassifier__n_neighbors",
                                   ks, complexity=84 / ks, scoring="accuracy", n_repeats=3)
    assert c.train_error.shape == (3, 4)
    # 1-NN memorizes its training set
    np.testing.assert_array_equal(c.train_error[:, -1], 0.0)


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
    assert curves.early_stopping_epochs(val_loss, patience) == expected


def test_early_stopping_min_delta_ignores_tiny_improvements():
    assert curves.early_stopping_epochs([1.0, 0.999, 0.998, 0.997], 2, min_delta=0.01) == (1, 3)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 10), min_size=1, max_size=40), st.integers(1, 8))
def test_early_stopping_properties(val_loss, patience):
    best, stopped = curves.early_stopping_epochs(val_loss, patience)
    assert 1 <= best <= stopped <= len(val_loss)
    # the restored epoch is the first minimum of what was seen
    seen = np.asarray(val_loss[:stopped])
    assert best == int(np.argmin(seen)) + 1
    # it stopped early only after exactly `patience` epochs without improvement
    assert stopped == len(val_loss) or stopped - best == patience


def test_train_with_early_stopping_matches_the_rule_and_restores_best():
    rng = np.random.default_rng(0)
    # a small, learnable synthetic problem: class = argmax of the first 10 features
    x = rng.normal(size=(300, 20)).astype(np.float32)
    y = x[:, :10].argmax(1)
    args = (x[:100], y[:100], x[100:200], y[100:200], x[200:], y[200:])
    full = curves.train_with_early_stopping(*args, hidden=(32,), max_epochs=25, patience=25)
    stopped = curves.train_with_early_stopping(*args, hidden=(32,), max_epochs=25, patience=3)
    assert full.val_loss.shape == full.train_loss.shape == full.val_error.shape == (full.stopped_epoch,)
    assert (stopped.best_epoch, stopped.stopped_epoch) == curves.early_stopping_epochs(full.val_loss, 3)
    # same seed, same trajectory until it stopped
    np.testing.assert_allclose(stopped.val_loss, full.val_loss[: stopped.stopped_epoch])
    assert full.train_loss[-1] < full.train_loss[0]
    assert 0 <= stopped.test_error <= 1


def test_plots_start_at_zero_and_have_labels(size_curve, complexity_curve):
    fig, axes = plt.subplots(1, 2)
    curve_plots.plot_size_curve(size_curve, axes[0])
    curve_plots.plot_complexity_curve(complexity_curve, axes[1])
    for ax in axes:
        assert ax.get_ylim()[0] == 0.0 and ax.get_ylim()[1] > 0
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
        assert not ax.yaxis_inverted() and not ax.xaxis_inverted()
    best_line = [ln for ln in axes[1].lines if ln.get_linestyle() == "--"][0]
    lo, hi = complexity_curve.complexity[[0, -1]]
    assert lo < best_line.get_xdata()[0] < hi
    plt.close(fig)


def test_epoch_curve_figure_marks_stop_and_minimum():
    val = np.array([2.0, 1.5, 1.2, 1.1, 1.15, 1.2, 1.3, 1.4])
    curve = curves.EpochCurve(val * 0.8, val, val / 10, val / 10, 4, 8, 8, 1.0, 0.1)
    fig, stop = curve_plots.epoch_curve_figure(curve, patience=2)
    assert stop == (4, 6)
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == 0.0
    assert any("stopped at epoch 6" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: curves.make_model("svm"), ValueError),
        (lambda: curves.make_noisy_sine(0), ValueError),
        (lambda: curves.make_noisy_sine(10, noise=-1.0), ValueError),
        (lambda: curves.make_noisy_sine(2.5), TypeError),
        (lambda: curves.early_stopping_epochs([], 2), ValueError),
        (lambda: curves.early_stopping_epochs([1.0, 2.0], 0), ValueError),
        (lambda: curves.early_stopping_epochs([1.0, np.nan], 2), ValueError),
        (lambda: curves.early_stopping_epochs([1.0], 1, min_delta=-1), ValueError),
        (lambda: curve_plots.complexity_curve_figure(degrees=(3, 4)), ValueError),
        (lambda: curve_plots.size_curve_figure(max_size=0), ValueError),
        (lambda: curve_plots.size_curve_figure(max_size=6), ValueError),
    ],
)
def test_bad_input_raises(call, error):
    with pytest.raises(error):
        call()


def _xy():
    return curves.make_noisy_sine(60, 0.3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"sizes": [0, 10]}, "positive"),
        ({"sizes": [-5, 10]}, "positive"),
        ({"sizes": []}, "non-empty"),
        ({"sizes": [20, 10]}, "increasing"),
        ({"sizes": [10, 100]}, "exceeds"),
        ({"sizes": [10, 20], "scoring": "r2"}, "scoring"),
        ({"sizes": [10, 20], "n_repeats": 0}, "n_repeats"),
    ],
)
def test_size_curve_bad_input(kwargs, match):
    x, y = _xy()
    with pytest.raises(ValueError, match=match):
        curves.error_vs_training_size(curves.make_model("polynomial"), x, y, **kwargs)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (("polynomialfeatures__degree", []), {}, "at least 3"),
        (("polynomialfeatures__degree", [1, 2]), {}, "at least 3"),
        (("degree", [1, 2, 3]), {}, "no parameter"),
        (("polynomialfeatures__degree", [1, 2, 3]), {"complexity": [3, 2, 1]}, "increase"),
    ],
)
def test_complexity_curve_bad_input(args, kwargs, match):
    x, y = _xy()
    with pytest.raises(ValueError, match=match):
        curves.error_vs_complexity(curves.make_model("polynomial"), x, y, *args, **kwargs)


def test_shape_mismatch_and_bad_training_input():
    x, y = _xy()
    with pytest.raises(ValueError, match="same N"):
        curves.error_vs_training_size(curves.make_model("polynomial"), x, y[:-1], [5, 10])
    z = np.zeros((10, 4), np.float32)
    labels = np.zeros(10, int)
    with pytest.raises(ValueError, match="activation"):
        curves.train_with_early_stopping(z, labels, z, labels, z, labels, activation="swish")
    with pytest.raises(ValueError, match="optimizer"):
        curves.train_with_early_stopping(z, labels, z, labels, z, labels, optimizer="lbfgs")
    with pytest.raises(ValueError, match="y_val"):
        curves.train_with_early_stopping(z, labels, z, labels[:3], z, labels)


def test_least_squares_training_mse_matches_sigma2_times_1_minus_p_over_n():
    for n in (6, 20, 80):
        assert curves.least_squares_training_mse(n, 4, sigma=0.5, n_repeats=3000) == pytest.approx(0.25 * (1 - 4 / n), rel=0.05)
    with pytest.raises(ValueError, match="n > p"):
        curves.least_squares_training_mse(3, 4)


def test_explorers_render_a_default_and_redraw_on_change():
    val = np.array([2.0, 1.5, 1.2, 1.1, 1.15, 1.2, 1.3, 1.4])
    curve = curves.EpochCurve(val * 0.8, val, val / 10, val / 10, 4, 8, 8, 1.0, 0.1)
    box = curve_plots.patience_explorer(curve)
    slider, out = box.children[0].children[0], box.children[1]
    assert slider.continuous_update is False
    assert "stops after epoch 8" in out.outputs[0]["text"]  # default patience 10 > 8 epochs: never stops
    slider.value = 2
    assert "stops after epoch 6, restores epoch 4" in out.outputs[0]["text"]
    assert out.outputs[1]["output_type"] == "display_data"


def test_early_stopping_rule_agrees_with_keras_early_stopping():
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    keras = pytest.importorskip("keras")

    def keras_rule(val_loss, patience, min_delta):
        callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, min_delta=min_delta)
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        callback.set_model(model)
        model.stop_training = False
        callback.on_train_begin()
        for epoch, loss in enumerate(val_loss):
            callback.on_epoch_end(epoch, {"val_loss": float(loss)})
            if model.stop_training:
                return callback.best_epoch + 1, epoch + 1  # Keras counts epochs from 0
        return callback.best_epoch + 1, len(val_loss)

    rng = np.random.default_rng(0)
    for _ in range(100):
        val_loss = rng.uniform(0, 1, rng.integers(1, 30))
        patience, min_delta = int(rng.integers(1, 6)), float(rng.choice([0.0, 0.05]))
        assert curves.early_stopping_epochs(val_loss, patience, min_delta) == keras_rule(val_loss, patience, min_delta)
