"""helpers.capacity_training: data, the torch network against the symbolic logit, training recovers a construction."""

import numpy as np
import pytest
import sympy as sp
import torch

from helpers import capacity, capacity_training
from helpers.validation import DivergenceError


def test_sample_product_data_shapes_values_and_seeding():
    x, y = capacity_training.sample_product_data(-1.0, 2.0, n=300, random_state=0)
    assert x.shape == (300, 2) and y.shape == (300,) and np.all(np.abs(x) <= 2)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-(-1.0 + 2.0 * x[:, 0] * x[:, 1]))))
    again, _ = capacity_training.sample_product_data(-1.0, 2.0, n=300, random_state=np.random.default_rng(0))
    np.testing.assert_array_equal(x, again)
    _, labels = capacity_training.sample_product_data(-1.0, 2.0, n=300, random_state=0, hard=True)
    assert set(np.unique(labels)) == {0.0, 1.0}


def test_network_equals_the_symbolic_logit_for_random_weights():
    rng = np.random.default_rng(1)
    w = {"W1": rng.normal(size=(2, 2)), "b1": rng.normal(size=2), "v": rng.normal(size=2), "c": rng.normal()}
    net = capacity_training.TwoUnitNet(0).set_weights(**w)
    formula = sp.lambdify((capacity.X1, capacity.X2), capacity.network_logit(w["W1"], w["b1"], w["v"], w["c"]))
    x = rng.normal(size=(50, 2))
    with torch.no_grad():
        got = net.logit(torch.from_numpy(x)).numpy()
        prob = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, formula(x[:, 0], x[:, 1]), rtol=1e-10)
    np.testing.assert_allclose(prob, 1 / (1 + np.exp(-got)), rtol=1e-12)
    for name, value in net.weights().items():
        np.testing.assert_array_equal(value, np.asarray(w[name]))


def test_the_construction_as_a_torch_module_matches_the_closed_form():
    w = capacity.two_unit_construction(0.5, -3).numpy()
    net = capacity_training.TwoUnitNet().set_weights(**w)
    x = np.random.default_rng(0).normal(size=(50, 2))
    got = net(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, 1 / (1 + np.exp(-(0.5 - 3 * x[:, 0] * x[:, 1]))), rtol=1e-12)


@pytest.mark.parametrize("construction", [
    capacity.two_unit_construction(-1.0, 2.0),
    capacity.Construction([[1, 1], [1, -1]], [-1, -1], [0.5, -0.5], -1.0, lambda a: (a + 1) ** 2),
    capacity.Construction([[3, 3], [3, -3]], [0, 0], [0.5, -0.5], -1.0, lambda a: (a / 3) ** 2,
                          lambda t: 1 / (1 + sp.exp(-t))),
], ids=["square", "shifted", "scaled-with-formula-output"])
def test_a_construction_becomes_a_torch_module_with_its_own_activations(construction):
    net = capacity_training.TwoUnitNet.from_construction(construction, random_state=3)
    x = np.random.default_rng(0).normal(size=(50, 2))
    with torch.no_grad():
        got = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, 1 / (1 + np.exp(-(-1 + 2 * x[:, 0] * x[:, 1]))), rtol=1e-12)
    np.testing.assert_array_equal(net.weights()["W1"], np.array(construction.W1.tolist(), dtype=np.float64))


def test_relu_and_constant_activations_translate_to_torch():
    relu = capacity_training.TwoUnitNet.from_construction(capacity.Construction(np.eye(2), [0, 0], [1, 1], 0, "relu"))
    x = torch.tensor([[1.0, -2.0], [-3.0, 4.0]], dtype=torch.float64)
    np.testing.assert_array_equal(relu.logit(x).detach().numpy(), [1.0, 4.0])
    constant = capacity.Construction(np.eye(2), [0, 0], [1, 1], 0.5, lambda a: sp.Integer(2), "linear")
    np.testing.assert_array_equal(capacity_training.TwoUnitNet.from_construction(constant)(x).detach().numpy(),
                                  [4.5, 4.5])


def test_from_construction_refuses_what_torch_cannot_compute():
    with pytest.raises(TypeError, match="construction must be a capacity.Construction"):
        capacity_training.TwoUnitNet.from_construction({"W1": np.eye(2)})
    with pytest.raises(ValueError, match=r"hidden_activation g\(t\) = besselj\(0, t\) has no torch translation"):
        capacity_training.TwoUnitNet.from_construction(
            capacity.Construction(np.eye(2), [0, 0], [1, 1], 0, lambda a: sp.besselj(0, a)))
    with pytest.raises(ValueError, match="symbolic weights"):
        capacity_training.TwoUnitNet.from_construction(capacity.two_unit_construction(sp.Symbol("b"), 1))
    with pytest.raises(TypeError, match="hidden_activation must be a function on tensors"):
        capacity_training.TwoUnitNet(hidden_activation="square")


def test_initialisation_is_seeded_without_touching_torchs_global_generator():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, b = capacity_training.TwoUnitNet(7).weights(), capacity_training.TwoUnitNet(7).weights()
    assert torch.rand(1) == before
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
        assert np.all(np.abs(a[name]) <= 1 / np.sqrt(2))
    assert not np.array_equal(a["W1"], capacity_training.TwoUnitNet(8).weights()["W1"])


def test_training_recovers_an_equivalent_construction():
    x, y = capacity_training.sample_product_data(-1.0, 2.0, n=300, random_state=0)
    net, losses = capacity_training.train_two_unit_net(x, y, epochs=400, learning_rate=0.05, random_state=0)
    assert losses.shape == (400,) and losses[-1] < losses[0]
    w = net.weights()
    assert capacity.check_construction(w["W1"], w["b1"], w["v"], w["c"], "square", "sigmoid", -1, 2, tolerance=0.05).ok


def test_a_huge_learning_rate_is_reported_as_divergence():
    x, y = capacity_training.sample_product_data(-1.0, 2.0, n=50, random_state=0)
    with pytest.raises(DivergenceError, match="try a smaller learning rate"):
        capacity_training.train_two_unit_net(x, y, epochs=5, learning_rate=1e150)


X, Y = np.zeros((5, 2)), np.full(5, 0.5)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: capacity_training.sample_product_data(0, 1, n=0), ValueError, "n must be a positive integer"),
        (lambda: capacity_training.sample_product_data(0, 1, n=2.0), TypeError, "pass 2 without a decimal point"),
        (lambda: capacity_training.sample_product_data(np.nan, 1), ValueError, "beta0 must be a finite number"),
        (lambda: capacity_training.sample_product_data(0, "1"), TypeError, "beta1 must be a real number"),
        (lambda: capacity_training.sample_product_data(0, 1, hard="yes"), TypeError, "hard must be True"),
        (lambda: capacity_training.sample_product_data(0, 1, random_state="0"), TypeError, "random_state must be"),
        (lambda: capacity_training.train_two_unit_net(np.zeros((5, 3)), Y), ValueError, r"x must have shape \(N, 2\)"),
        (lambda: capacity_training.train_two_unit_net(X.T, Y), ValueError, r"transposed\? pass x.T"),
        (lambda: capacity_training.train_two_unit_net(X, np.zeros(4)), ValueError, "x and y must have the same number"),
        (lambda: capacity_training.train_two_unit_net(X, np.full(5, 2.0)), ValueError, r"y\[0\] = 2.0.*not the logit"),
        (lambda: capacity_training.train_two_unit_net(np.full((5, 2), np.nan), Y), ValueError,
         r"x contains NaN at index \(0, 0\)"),
        (lambda: capacity_training.train_two_unit_net(X, ["a"] * 5), TypeError, "y must be an array of real numbers"),
        (lambda: capacity_training.train_two_unit_net(X, Y, epochs=0), ValueError, "epochs must be a positive integer"),
        (lambda: capacity_training.train_two_unit_net(X, Y, learning_rate=-1), ValueError,
         "learning_rate must be a positive number"),
        (lambda: capacity_training.train_two_unit_net(X, Y, learning_rate="0.1"), TypeError, "convert text first"),
        (lambda: capacity_training.TwoUnitNet(-1), ValueError, "random_state must be a non-negative seed"),
        (lambda: capacity_training.TwoUnitNet().set_weights(np.eye(3), [0, 0], [1, 1], 0), ValueError,
         r"W1 must have shape \(2, 2\)"),
        (lambda: capacity_training.TwoUnitNet().set_weights(np.eye(2), [0, 0], [1, 1], [0, 1]), ValueError,
         r"c must have shape \(\), got \(2,\)"),
        (lambda: capacity_training.TwoUnitNet().set_weights(np.eye(2), [0, np.nan], [1, 1], 0), ValueError,
         r"b1 contains NaN at index \(1,\)"),
    ],
)
def test_bad_input_names_the_argument_and_what_to_pass(call, error, match):
    with pytest.raises(error, match=match):
        call()
