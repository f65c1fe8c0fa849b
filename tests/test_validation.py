"""helpers.validation: the same mistake gets the same error type and wording everywhere."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import validation as v


@pytest.mark.parametrize("value", [1, 5, np.int64(7), 10**12])
def test_positive_int_accepts_whole_numbers(value):
    assert v.positive_int(value, "n") == int(value) and type(v.positive_int(value, "n")) is int


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (0, ValueError, "n must be a positive integer such as 5, got 0"),
        (-3, ValueError, "got -3"),
        (2.5, TypeError, "got 2.5 (float)"),
        (3.0, TypeError, "pass 3 without a decimal point"),
        ("5", TypeError, "convert text first"),
        (True, TypeError, "True and False are not numbers"),
        (None, TypeError, "got None (NoneType)"),
        (math.nan, TypeError, "got nan"),
    ],
)
def test_positive_int_refuses_with_the_argument_named(value, error, words):
    with pytest.raises(error, match="^n must be") as info:
        v.positive_int(value, "n")
    assert words in str(info.value)


def test_positive_int_with_a_minimum():
    assert v.positive_int(10, "n_train", minimum=10) == 10
    with pytest.raises(ValueError, match="n_train must be an integer of at least 10, got 9"):
        v.positive_int(9, "n_train", minimum=10)


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (-0.1, ValueError), (math.inf, ValueError),
                                              (math.nan, ValueError), ("0.1", TypeError), (False, TypeError),
                                              (1j, TypeError), ([0.1], TypeError)])
def test_positive_number_refuses_zero_negative_non_finite_and_non_numbers(value, error):
    with pytest.raises(error, match="learning_rate must be"):
        v.positive_number(value, "learning_rate")


def test_positive_number_and_finite_number_accept_numbers_of_every_numeric_type():
    assert v.positive_number(np.float32(0.5), "lr") == 0.5
    assert v.positive_number(0, "tol", allow_zero=True) == 0.0
    assert v.finite_number(-2, "x") == -2.0
    with pytest.raises(ValueError, match="tol must be a number >= 0, got -1"):
        v.positive_number(-1, "tol", allow_zero=True)


def test_probability():
    assert v.probability(0, "p") == 0 and v.probability(0.99, "p") == 0.99
    assert v.probability(1, "p", allow_one=True) == 1
    for bad in (1, 1.5, -0.1):
        with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\)"):
            v.probability(bad, "p")


def test_one_of_flag_and_axis():
    assert v.one_of("mse", ("mse", "cross_entropy"), "loss") == "mse"
    with pytest.raises(ValueError, match="unknown loss 'mae': pass one of 'mse', 'cross_entropy'"):
        v.one_of("mae", ("mse", "cross_entropy"), "loss")
    with pytest.raises(ValueError, match="unknown loss"):
        v.one_of(["unhashable"], ("mse",), "loss")
    assert v.flag(np.bool_(True), "scale") is True
    with pytest.raises(TypeError, match="scale must be True or False, got 1 \\(int\\)"):
        v.flag(1, "scale")
    assert v.axis(-1, 2) == -1
    with pytest.raises(ValueError, match="axis must be between -2 and 1 for an array with 2 axes, got 2"):
        v.axis(2, 2)
    with pytest.raises(TypeError, match="axis must be an integer"):
        v.axis(1.0, 2)


def test_as_rng():
    g = np.random.default_rng(0)
    assert v.as_rng(g) is g
    assert v.as_rng(3).random() == np.random.default_rng(3).random()
    assert isinstance(v.as_rng(None), np.random.Generator)
    with pytest.raises(ValueError, match="non-negative seed"):
        v.as_rng(-1)
    with pytest.raises(TypeError, match="random_state must be an int seed"):
        v.as_rng("0")
    with pytest.raises(TypeError, match="seed must be"):
        v.as_rng(np.random.RandomState(0), "seed")


def test_float_array_converts_integers_and_keeps_float32():
    assert v.float_array([1, 2], "x").dtype == np.float64
    assert v.float_array(np.ones(2, np.float32), "x").dtype == np.float32
    assert v.float_array([True, False], "mask").dtype == np.float64
    assert v.float_array([1, 2], "x", dtype=np.float32).dtype == np.float32
    assert v.float_array(3.0, "x").shape == ()


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        ([[1, 2], [3]], TypeError, "rows of equal length"),
        (["a", "b"], TypeError, "np.asarray(x, dtype=float)"),
        ("1.5", TypeError, "convert text first"),
        ([1 + 2j], TypeError, "complex numbers"),
        ([], ValueError, "x is empty (shape (0,))"),
        ([1.0, np.nan, 3.0], ValueError, "x contains NaN at index (1,) (1 of 3 entries are not finite)"),
        ([[1.0, np.inf]], ValueError, "x contains infinity at index (0, 1)"),
        ([None, 1.0], TypeError, "dtype object"),
    ],
)
def test_float_array_refuses_with_what_and_where(value, error, words):
    with pytest.raises(error) as info:
        v.float_array(value, "x")
    assert words in str(info.value) and str(info.value).startswith("x ")


def test_float_array_may_allow_non_finite_and_empty():
    assert np.isnan(v.float_array([np.nan], "x", finite=False)[0])
    assert v.float_array([], "x", allow_empty=True).size == 0


@pytest.mark.parametrize(
    ("shape", "value_shape", "words"),
    [
        (("N", 784), (784, 1), "x must have shape (N, 784), got (784, 1) (transposed? pass x.T)"),
        (("N", 784), (784,), "(one sample? pass x[None] or x.reshape(1, -1) for a batch of one)"),
        ((2, 2), (2, 3), "x must have shape (2, 2), got (2, 3)."),
        (("N", "N"), (2, 3), "x must have shape (N, N), got (2, 3)"),
        ((3,), (1, 3), "x must have shape (3,), got (1, 3)"),
    ],
)
def test_float_array_names_the_expected_shape(shape, value_shape, words):
    with pytest.raises(ValueError) as info:
        v.float_array(np.zeros(value_shape), "x", shape=shape)
    assert words in str(info.value)


def test_float_array_accepts_named_and_free_sizes():
    assert v.float_array(np.zeros((5, 784)), "x", shape=("N", 784)).shape == (5, 784)
    assert v.float_array(np.zeros((3, 3)), "H", shape=("n", "n")).shape == (3, 3)
    assert v.float_array(np.zeros((3, 7)), "x", shape=(3, None)).shape == (3, 7)


def test_same_length():
    assert v.same_length(x=np.zeros(3), y=[1, 2, 3]) == 3
    with pytest.raises(ValueError, match="x and y must have the same number of rows .*: x has 3, y has 2"):
        v.same_length(x=np.zeros(3), y=[1, 2])


def test_class_labels_from_integers_floats_and_one_hot():
    assert v.class_labels([0, 9, 3], 10).tolist() == [0, 9, 3]
    assert v.class_labels(np.array([1.0, 2.0]), 3).dtype == np.int64
    assert v.class_labels(np.eye(4)[[2, 0]], 4).tolist() == [2, 0]


@pytest.mark.parametrize(
    ("labels", "words"),
    [
        ([0, 10], "y must hold classes 0..9, but y[1] = 10"),
        ([-1], "but y[0] = -1"),
        ([0.5], "whole class numbers 0..9, but y[0] = 0.5"),
        (np.full((2, 10), 0.1), "y row 0 is not one-hot"),
        (np.zeros((2, 3)), "one-hot rows (N, 10), got shape (2, 3)"),
        (np.zeros((2, 2, 2)), "got shape (2, 2, 2)"),
        ([np.nan], "contains NaN"),
    ],
)
def test_class_labels_refuses_clearly(labels, words):
    with pytest.raises(ValueError) as info:
        v.class_labels(labels, 10)
    assert words in str(info.value)


def test_check_loss_finite_is_divergence_with_a_learning_rate_hint():
    assert v.check_loss_finite(0.5, "in epoch 1") == 0.5
    with pytest.raises(v.DivergenceError, match=r"the loss became nan in epoch 3; try a smaller learning rate "
                                                r"\(e.g. 0.1 instead of 1\)"):
        v.check_loss_finite(math.nan, "in epoch 3", learning_rate=1.0)
    assert issubclass(v.DivergenceError, ValueError)


def test_describe_shortens_long_values():
    assert v.describe("x" * 100).endswith("... (str)") and len(v.describe("x" * 100)) < 80
    assert v.describe(np.zeros((2, 3))) == "an array of shape (2, 3) and dtype float64"


@given(st.integers(min_value=1, max_value=10**9))
def test_every_positive_int_passes_through_unchanged(n):
    assert v.positive_int(n, "n") == n


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_positive_number_either_returns_a_positive_finite_float_or_raises_value_error(x):
    try:
        out = v.positive_number(x, "rate")
    except ValueError:
        assert not (math.isfinite(x) and x > 0)
    else:
        assert out == x and math.isfinite(out) and out > 0
