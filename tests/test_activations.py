"""helpers.activations against torch autograd (float64) and central finite differences."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers import activations as act

RNG = np.random.default_rng(0)

ELEMENTWISE = {
    "relu": (act.relu, act.relu_grad, torch.relu),
    "leaky_relu": (act.leaky_relu, act.leaky_relu_grad, lambda t: torch.nn.functional.leaky_relu(t, 0.01)),
    "sigmoid": (act.sigmoid, act.sigmoid_grad, torch.sigmoid),
    "tanh": (act.tanh, act.tanh_grad, torch.tanh),
}


def _no_warnings():
    """Overflow, invalid (NaN) and division problems become errors; underflow to 0 is harmless."""
    return np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")


def _autograd_elementwise(torch_f, z):
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    torch_f(t).sum().backward()
    return torch_f(t.detach()).numpy(), t.grad.numpy()


@pytest.mark.parametrize("name", list(ELEMENTWISE))
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5)])
def test_elementwise_matches_autograd_and_finite_differences(name, shape):
    f, f_grad, torch_f = ELEMENTWISE[name]
    z = RNG.normal(scale=3.0, size=shape)
    z[np.abs(z) < 1e-3] = 0.5  # keep finite differences away from the kink of relu
    with _no_warnings():
        value, grad = f(z), f_grad(z)
    ref_value, ref_grad = _autograd_elementwise(torch_f, z)
    np.testing.assert_allclose(value, ref_value, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-14)
    h = 1e-6
    fd = (f(z + h) - f(z - h)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


def test_activations_registry_has_the_contract_names():
    assert set(act.ACTIVATIONS) == {"relu", "leaky_relu", "sigmoid", "tanh"}
    for name, (f, g) in act.ACTIVATIONS.items():
        assert f is ELEMENTWISE[name][0] and g is ELEMENTWISE[name][1]


def test_convention_at_zero_matches_pytorch():
    """relu_grad(0) = 0 and leaky_relu_grad(0) = alpha, as torch.relu and F.leaky_relu (notebook: TensorFlow too)."""
    z = np.zeros(3)
    assert np.all(act.relu_grad(z) == 0)
    assert np.all(act.leaky_relu_grad(z, alpha=0.2) == 0.2)
    _, torch_grad = _autograd_elementwise(torch.relu, z)
    np.testing.assert_array_equal(act.relu_grad(z), torch_grad)
    _, torch_leaky = _autograd_elementwise(lambda t: torch.nn.functional.leaky_relu(t, 0.2), z)
    np.testing.assert_array_equal(act.leaky_relu_grad(z, 0.2), torch_leaky)


def test_leaky_relu_alpha_is_used():
    z = np.array([-2.0, 3.0])
    np.testing.assert_array_equal(act.leaky_relu(z, alpha=0.1), [-0.2, 3.0])
    np.testing.assert_array_equal(act.leaky_relu_grad(z, alpha=0.1), [0.1, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_dtype_is_preserved(name, dtype):
    f, f_grad, _ = ELEMENTWISE[name]
    z = RNG.normal(size=(4, 3)).astype(dtype)
    assert f(z).dtype == dtype and f_grad(z).dtype == dtype
    assert act.softmax(z).dtype == dtype
    assert act.softmax_jacobian(act.softmax(z)).dtype == dtype


def test_integers_become_float64():
    assert act.relu(np.array([1, -2])).dtype == np.float64


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                  elements=st.floats(-1e3, 1e3)), st.floats(-1e3, 1e3))
def test_softmax_is_a_distribution_and_ignores_a_shift(z, c):
    y = act.softmax(z)
    assert np.all(y >= 0) and np.allclose(y.sum(axis=-1), 1)
    np.testing.assert_allclose(act.softmax(z + c), y, rtol=1e-9, atol=1e-12)


# (what a student writes, the error type, a pattern naming the argument and what to pass instead)
BAD_INPUT = [
    (lambda: act.softmax([]), ValueError, r"z is empty \(shape \(0,\)\): pass at least one value"),
    (lambda: act.softmax(np.ones((3, 0))), ValueError, r"z is empty"),
    (lambda: act.softmax([1.0, 2.0], axis=1), ValueError,
     r"axis must be between -1 and 0 for z of shape \(2,\), got 1: pass -1 for the last axis"),
    (lambda: act.softmax(np.ones((2, 3)), axis=-3), ValueError, r"axis must be between -2 and 1"),
    (lambda: act.softmax([1.0, 2.0], axis="1"), TypeError, r"axis must be an integer such as -1"),
    (lambda: act.softmax([1.0, 2.0], axis=1.0), TypeError, r"axis must be an integer such as -1"),
    (lambda: act.softmax(3.0), ValueError, r"z is a single number .* pass an array such as \[1.0, 2.0, 0.5\]"),
    (lambda: act.softmax("1, 2, 3"), TypeError, r"z must be an array of real numbers, .*: convert text first"),
    (lambda: act.sigmoid(np.array(["a"])), TypeError, r"z must be an array of real numbers"),
    (lambda: act.relu([1 + 2j]), TypeError, r"z must be an array of real numbers, got complex numbers"),
    (lambda: act.tanh(np.array([0.0, np.nan])), ValueError, r"z contains NaN at index \(1,\) .* normalisation"),
    (lambda: act.relu_grad(np.array([[0.0], [-np.inf]])), ValueError, r"z contains infinity at index \(1, 0\)"),
    (lambda: act.leaky_relu([1.0], alpha="0.1"), TypeError, r"alpha must be a real number such as 0.5, .* convert"),
    (lambda: act.leaky_relu_grad([1.0], alpha=-0.1), ValueError, r"alpha must be a number >= 0, got -0.1"),
    (lambda: act.softmax_backward(np.array([2.0, -1.0]), np.ones(2)), ValueError,
     r"y must be the softmax OUTPUT .* sum to 1: pass softmax\(z\), not the logits z"),
    (lambda: act.softmax_jacobian(np.array([[0.2, 0.2], [0.5, 0.5]])), ValueError,
     r"y must be the softmax OUTPUT .* sum to between 0.4 and 1: pass softmax\(z\)"),
    (lambda: act.softmax_backward(np.ones((2, 3)) / 3, np.ones((3, 2))), ValueError,
     r"grad_y must have the shape of the softmax output y: expected \(2, 3\), got \(3, 2\)"),
    (lambda: act.softmax_backward(np.ones((2, 3)) / 3, np.ones((2, 3)), axis=2), ValueError,
     r"axis must be between -2 and 1 for y of shape \(2, 3\)"),
    (lambda: act.softmax_backward(np.full(2, 0.5), ["a", "b"]), TypeError, r"grad_y must be an array of real numbers"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUT, ids=[f"case{i}" for i in range(len(BAD_INPUT))])
def test_bad_input_names_the_argument_and_what_to_pass(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_softmax_do_not_overflow_for_large_inputs(dtype):
    z = np.array([-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4], dtype=dtype)
    with _no_warnings(), warnings.catch_warnings():
        warnings.simplefilter("error")
        s = act.sigmoid(z)
        sg = act.sigmoid_grad(z)
        y = act.softmax(np.stack([z, -z]), axis=-1)
        yy = act.softmax(np.stack([z, -z]), axis=0)
    for a in (s, sg, y, yy):
        assert np.all(np.isfinite(a))
    assert s[0] == 0 and s[-1] == 1 and s[3] == 0.5
    np.testing.assert_allclose(y.sum(axis=-1), 1, rtol=1e-6)
    np.testing.assert_allclose(yy.sum(axis=0), 1, rtol=1e-6)
    ref = torch.sigmoid(torch.tensor(z, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(s, ref, rtol=1e-6, atol=0)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_over_any_axis_matches_torch(axis):
    z = RNG.normal(scale=5.0, size=(3, 4, 5))
    ref = torch.softmax(torch.tensor(z), dim=axis).numpy()
    np.testing.assert_allclose(act.softmax(z, axis=axis), ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("batch_shape", [(), (3,), (2, 3)])
def test_softmax_jacobian_matches_autograd(batch_shape):
    k = 4
    z = RNG.normal(size=batch_shape + (k,))
    y = act.softmax(z)
    jac = act.softmax_jacobian(y)
    assert jac.shape == batch_shape + (k, k)
    flat_z = z.reshape(-1, k)
    for row, zi in zip(jac.reshape(-1, k, k), flat_z, strict=True):
        ref = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim=-1), torch.tensor(zi)).numpy()
        np.testing.assert_allclose(row, ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(jac, np.swapaxes(jac, -1, -2))  # symmetric


def test_softmax_jacobian_along_another_axis_moves_it_last():
    z = RNG.normal(size=(4, 3))
    jac0 = act.softmax_jacobian(act.softmax(z, axis=0), axis=0)
    np.testing.assert_allclose(jac0, act.softmax_jacobian(act.softmax(z.T)))


@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_backward_is_jacobian_transpose_times_g_and_matches_autograd(axis):
    z = RNG.normal(size=(5, 6))
    g = RNG.normal(size=(5, 6))
    y = act.softmax(z, axis=axis)
    got = act.softmax_backward(y, g, axis=axis)
    jac = act.softmax_jacobian(y, axis=axis)
    g_last = np.moveaxis(g, axis, -1)
    via_jac = np.moveaxis(np.einsum("...ki,...k->...i", jac, g_last), -1, axis)
    np.testing.assert_allclose(got, via_jac, rtol=1e-12, atol=1e-15)
    t = torch.tensor(z, requires_grad=True)
    (torch.softmax(t, dim=axis) * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-10, atol=1e-14)
    # finite differences of <softmax(z), g>
    h = 1e-6
    e = np.zeros_like(z)
    e[2, 3] = h
    fd = ((act.softmax(z + e, axis) - act.softmax(z - e, axis)) * g).sum() / (2 * h)
    assert abs(fd - got[2, 3]) < 1e-8
