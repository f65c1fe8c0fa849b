"""helpers.gradcheck: the one relative error, the constant-factor diagnosis, central differences, layers, autograd."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from helpers import autograd_reference, gradcheck, modules

RNG = np.random.default_rng(0)


# -- the relative error ------------------------------------------------------------------------
def test_relative_error_is_the_largest_difference_over_the_largest_reference_entry():
    reference = np.array([[1.0, -4.0], [2.0, 0.5]])
    actual = np.array([[1.5, -4.0], [2.0, 0.0]])
    assert gradcheck.relative_error(actual, reference) == 0.5 / 4.0
    assert gradcheck.relative_error(reference, reference) == 0.0


def test_for_dicts_the_scale_is_the_largest_reference_entry_of_all_arrays():
    reference = {"W": np.array([10.0, 0.0]), "b": np.array([1.0])}
    actual = {"W": np.array([10.0, 0.0]), "b": np.array([2.0])}
    c = gradcheck.compare(actual, reference)
    assert c.error == 1.0 / 10.0  # the whole comparison: measured against max |reference| = 10
    assert c.errors == {"W": 0.0, "b": 1.0}  # per array: against that array's own size
    assert (c.worst_name, c.worst_index, c.worst_actual, c.worst_reference) == ("b", (0,), 2.0, 1.0)


def test_zero_reference():
    zero = np.zeros((2, 3))
    assert gradcheck.relative_error(zero, zero) == 0.0
    c = gradcheck.compare(np.array([[0, 0, 0], [0, 3e-9, 0]]), zero)
    assert c.error == math.inf and not c.ok()
    assert c.factor is None and c.worst_index == (1, 1)
    assert c.explain() == "your gradient is nonzero where the reference is zero: 3e-09 at entry[1, 1]"


def test_non_finite_actual_is_infinitely_wrong_and_says_where():
    reference = {"W": np.ones((2, 2)), "b": np.ones(2)}
    actual = {"W": np.array([[1.0, 1.0], [np.nan, 1.0]]), "b": np.ones(2)}
    c = gradcheck.compare(actual, reference)
    assert c.error == math.inf and c.errors["W"] == math.inf and c.errors["b"] == 0.0
    assert c.factor is None and not c.ok(1e300)
    assert c.explain("dW") == "dW is nan at W[1, 0], where the reference is 1"


def test_explain_wording_for_equal_and_differing_gradients():
    r = np.array([1.0, 2.0, 4.0])
    assert gradcheck.compare(r.copy(), r).explain() == "your gradient equals the reference exactly"
    assert str(gradcheck.compare(r.copy(), r)) == "your gradient equals the reference exactly"
    c = gradcheck.compare(np.array([1.0, 2.5, 4.0]), r)
    assert c.factor is None
    assert c.explain("backward", "autograd") == (
        "backward differs from autograd: relative error 0.12, largest at entry[1] (2.5 instead of 2)")
    d = gradcheck.compare({"W": np.array([[1.0, 2.0]])}, {"W": np.array([[1.0, 3.0]])})
    assert "largest at W[0, 1] (2 instead of 3)" in d.explain()


# -- the constant factor behind "exactly S times" ----------------------------------------------
@pytest.mark.parametrize("factor, text", [(2.0, "2"), (64.0, "64"), (-1.0, "-1"), (0.5, "1/2"), (1 / 64, "1/64"),
                                          (-1 / 3, "-1/3"), (0.3, "0.3"), (2.5, "2.5")])
def test_a_constant_factor_is_named(factor, text):
    reference = {"W": RNG.normal(size=(3, 4)), "b": RNG.normal(size=4)}
    actual = {k: factor * v for k, v in reference.items()}
    c = gradcheck.compare(actual, reference)
    assert c.factor == pytest.approx(factor, rel=1e-8)  # rounded to 9 significant digits
    assert c.explain() == f"your gradient is exactly {text} times the reference"
    assert c.error == pytest.approx(abs(factor - 1), rel=1e-9)


@given(st.integers(2, 10_000), st.integers(0, 2**32 - 1), st.booleans())
def test_an_integer_factor_or_its_inverse_is_found_for_any_reference(S, seed, inverse):
    reference = np.random.default_rng(seed).normal(size=(5, 3))
    c = gradcheck.compare(reference / S if inverse else reference * S, reference)
    assert c.explain().endswith(f"exactly {'1/' if inverse else ''}{S} times the reference")


def test_zero_factor_and_no_factor():
    r = RNG.normal(size=5)
    assert gradcheck.compare(np.zeros(5), r).factor == 0.0
    assert gradcheck.compare(np.zeros(5), r).explain() == "your gradient is zero where the reference is not"
    noisy = 2 * r + 1e-6 * RNG.normal(size=5)  # proportional only to 1e-6: not a constant factor
    assert gradcheck.compare(noisy, r).factor is None
    assert gradcheck.compare(2 * r + 1e-13, r).factor == 2.0  # rounding noise is still "exactly 2"
    mixed = {"W": 2 * r, "b": 3 * r}  # a factor per array is not one constant
    assert gradcheck.compare(mixed, {"W": r, "b": r}).factor is None


def test_ok_uses_the_tolerance():
    c = gradcheck.compare(np.array([1.0 + 1e-7]), np.array([1.0]))
    assert c.ok() and not c.ok(1e-8)


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, message", [
    (lambda: gradcheck.compare(np.ones((2, 3)), np.ones((3, 2))), ValueError,
     r"actual has shape \(2, 3\), reference \(3, 2\) \(transposed\? compare actual\.T\)"),
    (lambda: gradcheck.compare(np.ones(3), np.ones(4)), ValueError, r"compare arrays of the same shape"),
    (lambda: gradcheck.compare({"W": np.ones(2)}, {"b": np.ones(2)}), ValueError,
     r"same arrays: actual has keys \['W'\], reference \['b'\]"),
    (lambda: gradcheck.compare({"W": np.ones(2)}, np.ones(2)), TypeError,
     r"actual is a dict and reference is an array"),
    (lambda: gradcheck.compare({}, {}), ValueError, r"actual is an empty dict: pass arrays"),
    (lambda: gradcheck.compare(np.ones(2), np.array([1.0, np.nan])), ValueError,
     r"reference contains NaN at index \(1,\)"),
    (lambda: gradcheck.compare(["a", "b"], np.ones(2)), TypeError, r"actual must be an array of real numbers"),
    (lambda: gradcheck.compare(np.ones(1), np.ones(1)).ok("1e-6"), TypeError, r"tol must be a real number"),
    (lambda: gradcheck.compare(np.ones(1), np.ones(1)).ok(-1), ValueError, r"tol must be a positive number"),
    (lambda: gradcheck.numerical_gradient(lambda: 0.0, np.ones(2, dtype=np.float32)), TypeError,
     r"x must be a writeable float64 NumPy array .* np\.array\(x, dtype=np\.float64\)"),
    (lambda: gradcheck.numerical_gradient(lambda: 0.0, [1.0, 2.0]), TypeError, r"x must be a writeable float64"),
    (lambda: gradcheck.numerical_gradient(lambda: np.ones(2), np.ones(2)), TypeError, r"f must return one number"),
    (lambda: gradcheck.numerical_gradient("f", np.ones(2)), TypeError, r"f must be a function of no arguments"),
    (lambda: gradcheck.numerical_gradient(lambda: 0.0, np.ones(2), eps=0), ValueError,
     r"eps must be a positive number"),
    (lambda: gradcheck.check_layer(modules.MSE(), np.ones((2, 2))), ValueError, r"MSE is a loss: pass target="),
    (lambda: gradcheck.check_layer(modules.ReLU(), np.ones((2, 2)), np.ones((2, 2))), ValueError,
     r"ReLU is not a loss: call check_layer\(layer, x\) without target"),
    (lambda: gradcheck.check_layer(np.tanh, np.ones((2, 2))), TypeError,
     r"layer must have forward, backward and params"),
    (lambda: gradcheck.check_layer(modules.Linear(2, 2, 0, np.float32), np.ones((1, 2))), TypeError,
     r"check_layer needs float64 parameters .* build the layer with dtype=np\.float64"),
    (lambda: gradcheck.check_layer(modules.ReLU(), np.array([[np.inf, 1.0]])), ValueError, r"x contains infinity"),
    (lambda: autograd_reference.autograd_gradients("f", {"z": np.ones(2)}), TypeError, r"loss_fn must be a function"),
    (lambda: autograd_reference.autograd_gradients(lambda z: z.sum(), np.ones(2)), TypeError,
     r"inputs must be a non-empty dict of name -> array"),
    (lambda: autograd_reference.autograd_gradients(lambda z: z.sum(), {"0.W": np.ones(2)}), ValueError,
     r"must be names such as 'z', got \['0.W'\]"),
    (lambda: autograd_reference.autograd_gradients(lambda z: z, {"z": np.ones(2)}), TypeError,
     r"loss_fn must return a scalar torch tensor"),
    (lambda: autograd_reference.autograd_gradients(lambda z: torch.tensor(float(z.detach().numpy().sum())),
                                                   {"z": np.ones(2)}),
     TypeError, r"compute it with torch functions of the tensors it receives"),
    (lambda: autograd_reference.autograd_gradients(lambda z: z.sum(), {"z": np.array([1.0, np.nan])}), ValueError,
     r"z contains NaN at index \(1,\)"),
])
def test_bad_input_is_named_with_what_to_pass(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- central differences -------------------------------------------------------------------------
def test_numerical_gradient_of_a_quadratic_is_exact_and_restores_x():
    A = RNG.normal(size=(4, 4))
    x = RNG.normal(size=4)
    before = x.copy()
    grad = gradcheck.numerical_gradient(lambda: float(x @ A @ x), x, eps=1e-3)
    np.testing.assert_allclose(grad, (A + A.T) @ x, rtol=1e-9)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_matches_a_known_derivative_in_any_shape():
    x = RNG.normal(size=(2, 3))
    grad = gradcheck.numerical_gradient(lambda: float(np.sin(x).sum()), x)
    assert gradcheck.relative_error(grad, np.cos(x)) < 1e-8


# -- layers --------------------------------------------------------------------------------------
class WrongLinear(modules.Linear):
    """dL/dW twice too large: the bug check_layer must catch."""

    def backward(self, grad_output):
        dx = super().backward(grad_output)
        self.grads["W"] = 2 * self.grads["W"]
        return dx


class ScaledReLU(modules.ReLU):
    """A backward that is right up to a factor 3 everywhere."""

    def backward(self, grad_output):
        return 3 * super().backward(grad_output)


class ForgetfulLinear(modules.Linear):
    """Forgets the bias gradient."""

    def backward(self, grad_output):
        dx = super().backward(grad_output)
        del self.grads["b"]
        return dx


def test_check_layer_passes_a_right_layer_and_catches_a_wrong_one():
    x = RNG.normal(size=(4, 3))
    good = gradcheck.check_layer(modules.Linear(3, 2, random_state=1), x)
    assert good.ok(1e-8) and set(good.errors) == {"x", "W", "b"}
    bad = gradcheck.check_layer(WrongLinear(3, 2, random_state=1), x)
    assert not bad.ok() and bad.worst_name == "W" and bad.factor is None
    assert bad.errors["x"] < 1e-8 and bad.errors["b"] < 1e-8 and bad.errors["W"] == pytest.approx(1.0, rel=1e-6)
    assert bad.worst_actual == pytest.approx(2 * bad.worst_reference, rel=1e-6)
    assert bad.explain().startswith("your gradient differs from the reference: relative error")
    scaled = gradcheck.check_layer(ScaledReLU(), x + 0.5 * np.sign(x))  # away from the kink
    assert scaled.explain() == "your gradient is exactly 3 times the reference"


def test_check_layer_reports_a_missing_gradient():
    with pytest.raises(ValueError, match=r"ForgetfulLinear.backward did not fill grads for \['b'\]"):
        gradcheck.check_layer(ForgetfulLinear(3, 2, random_state=0), np.ones((2, 3)))


def test_check_layer_on_a_loss_a_random_layer_and_a_first_layer():
    p, t = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    assert gradcheck.check_layer(modules.MSE(), p, t, eps=1e-3).error < 1e-9  # a quadratic: no truncation error
    drop = modules.Dropout(0.5, random_state=0)
    assert gradcheck.check_layer(drop, RNG.normal(size=(6, 4))).ok(1e-8)  # the same mask in every evaluation
    first = gradcheck.check_layer(modules.Linear(3, 2, random_state=0, input_grad=False), RNG.normal(size=(4, 3)))
    assert set(first.errors) == {"W", "b"} and first.ok(1e-8)


def test_check_layer_leaves_the_cache_at_the_unperturbed_input():
    x = RNG.normal(size=(3, 2))
    layer = modules.Tanh()
    gradcheck.check_layer(layer, x)
    np.testing.assert_array_equal(layer.cache["x"], x)


# -- autograd ------------------------------------------------------------------------------------
def test_autograd_gradients_value_and_gradients():
    W, x = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    value, grads = autograd_reference.autograd_gradients(lambda W, x, unused: ((W @ x) ** 2).sum(),
                                                {"W": W, "x": x, "unused": np.ones(4)})
    assert value == pytest.approx(float(((W @ x) ** 2).sum()), rel=1e-15)
    np.testing.assert_allclose(grads["W"], 2 * np.outer(W @ x, x), rtol=1e-13)
    np.testing.assert_allclose(grads["x"], 2 * W.T @ W @ x, rtol=1e-13)
    np.testing.assert_array_equal(grads["unused"], np.zeros(4))
    assert all(g.dtype == np.float64 for g in grads.values())
    # integers become float64
    _, ints = autograd_reference.autograd_gradients(lambda z: (z**3).sum(), {"z": np.array([1, 2])})
    np.testing.assert_array_equal(ints["z"], [3.0, 12.0])
