"""helpers.mnist_plots: the digit grid and the class-balance bars, and what they refuse."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import mnist_plots


def test_show_digits_draws_one_titled_image_per_digit(small_mnist):
    fig = mnist_plots.show_digits(small_mnist.x_train[:12], [str(i) for i in range(12)], n_cols=5)
    assert len(fig.axes) == 15  # 3 rows of 5
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == 12 and [ax.get_title() for ax in drawn] == [str(i) for i in range(12)]
    np.testing.assert_array_equal(drawn[3].images[0].get_array(), small_mnist.x_train[3].reshape(28, 28))
    plt.close(fig)


def test_class_balance_counts_each_digit(small_mnist):
    fig, ax = plt.subplots()
    mnist_plots.plot_class_balance(small_mnist.y_train, small_mnist.y_val.argmax(1), ax)  # one-hot and integers
    heights = [p.get_height() for p in ax.patches]
    assert heights[:10] == list(np.bincount(small_mnist.y_train.argmax(1), minlength=10))
    assert sum(heights[10:]) == len(small_mnist.y_val)
    plt.close(fig)


@pytest.mark.parametrize("call, error, words", [
    (lambda s: mnist_plots.show_digits(s.x_train[:3], ["a", "b"]), ValueError, ["titles", "3"]),
    (lambda s: mnist_plots.show_digits(s.x_train[:3].reshape(3, 28, 28), ["a"] * 3), ValueError, ["x", "(n, 784)"]),
    (lambda s: mnist_plots.show_digits(s.x_train[:3], ["a"] * 3, n_cols=0), ValueError, ["n_cols"]),
    (lambda s: mnist_plots.plot_class_balance(s.y_train[:5] * 0.5, s.y_val, plt.gca()), ValueError,
     ["y_train", "one-hot"]),
    (lambda s: mnist_plots.plot_class_balance(s.y_train, np.array([3, 11]), plt.gca()), ValueError, ["y_val", "0..9"]),
])
def test_bad_inputs_name_the_argument(small_mnist, call, error, words):
    with pytest.raises(error) as info:
        call(small_mnist)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    plt.close("all")
