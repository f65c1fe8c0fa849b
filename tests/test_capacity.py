"""helpers.capacity: the construction, the symbolic checker (accepts every valid network), training."""

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import capacity as cap

nonzero = st.floats(min_value=0.2, max_value=5.0).flatmap(lambda a: st.sampled_from([a, -a]))
betas = st.integers(min_value=-5, max_value=5)


def _check(con, b0, b1, **kw):
    return cap.check_construction(con.W1, con.b1, con.v, con.c, con.hidden_activation, con.output_activation, b0, b1, **kw)


def test_canonical_construction_is_accepted_exactly_and_symbolically():
    con = cap.two_unit_construction(-1, 2)
    assert con.W1 == sp.Matrix([[1, 1], [1, -1]]) and con.v == sp.Matrix([sp.Rational(1, 2), -sp.Rational(1, 2)])
    res = _check(con, -1, 2)
    assert res.ok and bool(res) and sp.expand(res.logit - (2 * cap.X1 * cap.X2 - 1)) == 0
    b0, b1 = sp.symbols("beta0 beta1")
    assert _check(cap.two_unit_construction(b0, b1), b0, b1).ok


def test_numpy_weights_and_torch_module_match_the_closed_form():
    w = cap.two_unit_construction(0.5, -3).numpy()
    assert w["W1"].shape == (2, 2) and w["v"].shape == (2,) and w["c"].shape == ()
    net = cap.TwoUnitNet().set_weights(w["W1"], w["b1"], w["v"], w["c"])
    x = np.random.default_rng(0).normal(size=(50, 2))
    got = net(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, 1 / (1 + np.exp(-(0.5 - 3 * x[:, 0] * x[:, 1]))), rtol=1e-12)
    with pytest.raises(ValueError, match="symbolic"):
        cap.two_unit_construction(sp.Symbol("b"), 1).numpy()


@settings(max_examples=25, deadline=None)
@given(a=nonzero, b=nonzero, swap=st.booleans(), flip=st.booleans(), b0=betas, b1=betas)
def test_every_rescaled_permuted_construction_is_accepted(a, b, swap, flip, b0, b1):
    # rows (a, b) and (a, -b): (a x1 + b x2)^2 - (a x1 - b x2)^2 = 4ab x1 x2
    a, b = sp.nsimplify(a), sp.nsimplify(b)
    W1 = [[a, b], [a, -b]]
    v = [b1 / (4 * a * b), -b1 / (4 * a * b)]
    if flip:  # a square is even, so negating a row changes nothing
        W1[0] = [-a, -b]
    if swap:
        W1, v = W1[::-1], v[::-1]
    assert cap.check_construction(W1, [0, 0], v, b0, "square", "sigmoid", b0, b1).ok
    # a wrong output weight is caught, with the coefficient named
    bad = cap.check_construction(W1, [0, 0], [v[0], 2 * v[1] + 1], b0, "square", "sigmoid", b0, b1)
    assert not bad.ok and ("coefficient" in bad.reason or "no x1*x2 term" in bad.reason)


def test_other_valid_activations_whose_extra_terms_cancel():
    con = cap.two_unit_construction(1, 3)
    # (a + 1)^2 with biases -1 is a^2 again
    assert cap.check_construction(con.W1, [-1, -1], con.v, 1, lambda a: (a + 1) ** 2, "sigmoid", 1, 3).ok
    # a^2 + 5: the constants cancel because v sums to zero
    assert cap.check_construction(con.W1, [0, 0], con.v, 1, lambda a: a**2 + 5, "sigmoid", 1, 3).ok
    # output sigmoid written another way
    assert cap.check_construction(con.W1, [0, 0], con.v, 1, "square", lambda t: sp.exp(t) / (1 + sp.exp(t)), 1, 3).ok


def test_linear_hidden_activation_is_rejected_with_the_reason():
    res = cap.check_construction([[2, 0], [0, 3]], [0, 1], [1, 1], 0, "linear", "sigmoid", 1, 2)
    assert not res.ok
    assert "the output's logit is 2*x1 + 3*x2 + 1, which has no x1*x2 term" in res.reason
    assert "sigma(affine(x))" in res.reason


def test_wrong_output_activation_and_non_polynomial_hidden_units_are_explained():
    con = cap.two_unit_construction(-1, 2)
    res = cap.check_construction(con.W1, con.b1, con.v, con.c, "square", "tanh", -1, 2)
    assert not res.ok and "not the sigmoid" in res.reason
    res = cap.check_construction(con.W1, con.b1, con.v, con.c, "relu", "sigmoid", -1, 2)
    assert not res.ok and "not a polynomial" in res.reason and "differs" in res.reason
    res = cap.check_construction(con.W1, con.b1, con.v, 0, "square", "sigmoid", -1, 2)
    assert not res.ok and "the constant term is 0, not -1" in res.reason


def test_float_round_off_is_forgiven_but_exact_numbers_must_cancel_exactly():
    a, b = 1.5, -2.0 / 3.0  # 4ab and beta1 / (4ab) are not exact in binary
    v = [2.0 / (4 * a * b), -2.0 / (4 * a * b)]
    assert cap.check_construction([[a, b], [a, -b]], [0, 0], v, -1.0, "square", "sigmoid", -1, 2).ok
    exact_off = [sp.Rational(1, 2) + sp.Rational(1, 10**12), -sp.Rational(1, 2)]
    assert not cap.check_construction([[1, 1], [1, -1]], [0, 0], exact_off, -1, "square", "sigmoid", -1, 2, tolerance=1e-3).ok


def test_tolerance_accepts_nearly_right_float_weights_only():
    W1 = np.array([[1.0, 1.0], [1.0, -1.0]]) + 1e-4
    v = np.array([0.5, -0.5])
    assert not cap.check_construction(W1, np.zeros(2), v, -1.0, "square", "sigmoid", -1, 2).ok
    assert cap.check_construction(W1, np.zeros(2), v, -1.0, "square", "sigmoid", -1, 2, tolerance=1e-3).ok
    assert not cap.check_construction(W1 + 0.3, np.zeros(2), v, -1.0, "square", "sigmoid", -1, 2, tolerance=1e-3).ok


def test_training_recovers_an_equivalent_construction():
    torch.set_num_threads(1)
    x, y = cap.sample_product_data(-1.0, 2.0, n=300, seed=0)
    assert x.shape == (300, 2) and y.shape == (300,) and np.all((y > 0) & (y < 1))
    net, losses = cap.train_two_unit_net(x, y, epochs=400, lr=0.05, seed=0)
    assert losses[-1] < losses[0]
    w = net.weights()
    assert cap.check_construction(w["W1"], w["b1"], w["v"], w["c"], "square", "sigmoid", -1, 2, tolerance=0.05).ok


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"W1": [[1, 1]]}, r"W1 must have shape \(2, 2\)"),
        ({"b1": [0, 0, 0]}, r"b1 must have shape \(2,\)"),
        ({"v": [[1, 2], [3, 4]]}, r"v must have shape \(2,\)"),
        ({"W1": [["a", None], [1, 1]]}, "numbers or sympy"),
        ({"hidden_activation": "cube"}, "Unknown hidden_activation 'cube'"),
        ({"hidden_activation": np.tanh}, "does not work on sympy"),
        ({"output_activation": 3}, "output_activation must be a name or a callable"),
        ({"output_activation": lambda t: [t]}, "must return a sympy expression"),
        ({"tolerance": -1}, "tolerance must be"),
    ],
)
def test_bad_input_raises_a_clear_value_error(kwargs, match):
    args = {"W1": [[1, 1], [1, -1]], "b1": [0, 0], "v": [0.5, -0.5], "c": -1, "hidden_activation": "square",
            "output_activation": "sigmoid", "beta0": -1, "beta1": 2}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        cap.check_construction(**args)


def test_bad_training_input_raises():
    with pytest.raises(ValueError, match="positive integer"):
        cap.sample_product_data(0, 1, n=0)
    with pytest.raises(ValueError, match=r"x: \(N, 2\)"):
        cap.train_two_unit_net(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="epochs"):
        cap.train_two_unit_net(np.zeros((5, 2)), np.zeros(5), epochs=0)


def test_float_betas_and_float_weights_give_readable_reasons():
    res = cap.check_construction([[1, 0], [0, 1]], [0, 0], [1, 1], -1.0, "linear", "sigmoid", -1.0, 2.0)
    assert not res.ok and "no x1*x2 term" in res.reason
    W1 = np.array([[1.0, 1.0], [1.0, -1.0]])
    res = cap.check_construction(W1, np.zeros(2), np.array([0.4, -0.4]), -1.0, "square", "sigmoid", -1.0, 2.0)
    assert not res.ok and "the x1*x2 coefficient is 1.600, not 2.000" in res.reason and "2.00000000" not in res.reason
