"""helpers.capacity and helpers.capacity_plots: the construction, the checker's verdicts and messages, the pictures."""

import time

import matplotlib.pyplot as plt
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import capacity, capacity_plots

X1, X2 = capacity.X1, capacity.X2
nonzero = st.floats(min_value=0.2, max_value=5.0).flatmap(lambda a: st.sampled_from([a, -a]))
betas = st.integers(min_value=-5, max_value=5)
GOOD = {"W1": [[1, 1], [1, -1]], "b1": [0, 0], "v": [sp.Rational(1, 2), -sp.Rational(1, 2)], "c": -1,
        "hidden_activation": "square", "output_activation": "sigmoid", "beta0": -1, "beta1": 2}


def _check(**changes):
    return capacity.check_construction(**{**GOOD, **changes})


# -- the construction --------------------------------------------------------------------------
def test_canonical_construction_is_accepted_exactly_and_symbolically():
    con = capacity.two_unit_construction(-1, 2)
    assert con.W1 == sp.Matrix([[1, 1], [1, -1]]) and con.v == sp.Matrix([sp.Rational(1, 2), -sp.Rational(1, 2)])
    res = con.check(-1, 2)
    assert res.ok and bool(res) and sp.expand(res.logit - (2 * X1 * X2 - 1)) == 0
    assert str(res).startswith("accepted: the output's logit 2·x1·x2 - 1 equals the target logit 2·x1·x2 - 1")
    b0, b1 = sp.symbols("beta0 beta1")
    assert capacity.two_unit_construction(b0, b1).check(b0, b1).ok
    # a symbol is known by its name, whatever its assumptions or whether it was typed as text
    assert capacity.two_unit_construction("beta0", "beta1").check(sp.Symbol("beta0", real=True), b1).ok


def test_numpy_weights_of_the_construction():
    w = capacity.two_unit_construction(0.5, -3).numpy()
    assert w["W1"].shape == (2, 2) and w["b1"].shape == (2,) and w["v"].shape == (2,) and w["c"].shape == ()
    np.testing.assert_array_equal(w["v"], [-0.75, 0.75])
    with pytest.raises(ValueError, match="symbolic weights.*two_unit_construction\\(-1, 2\\)"):
        capacity.two_unit_construction(sp.Symbol("b"), 1).numpy()


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
    assert capacity.check_construction(W1, [0, 0], v, b0, "square", "sigmoid", b0, b1).ok
    # a wrong output weight is caught, with the coefficient named
    bad = capacity.check_construction(W1, [0, 0], [v[0], 2 * v[1] + 1], b0, "square", "sigmoid", b0, b1)
    assert not bad.ok and "coefficient is" in bad.reason


def test_other_valid_activations_whose_extra_terms_cancel():
    con = capacity.two_unit_construction(1, 3)
    # (a + 1)^2 with biases -1 is a^2 again
    assert capacity.check_construction(con.W1, [-1, -1], con.v, 1, lambda a: (a + 1) ** 2, "sigmoid", 1, 3).ok
    # a^2 + 5: the constants cancel because v sums to zero
    assert capacity.check_construction(con.W1, [0, 0], con.v, 1, lambda a: a**2 + 5, "sigmoid", 1, 3).ok
    # the output sigmoid written another way
    assert capacity.check_construction(con.W1, [0, 0], con.v, 1, "square", lambda t: sp.exp(t) / (1 + sp.exp(t)),
                                       1, 3).ok
    # weights written as formula strings
    assert _check(v=["1/2", "-0.5"], c="-1").ok


# -- why a linear unit cannot make a product ----------------------------------------------------
def test_linear_hidden_activation_is_rejected_in_the_problems_terms():
    res = capacity.check_construction([[2, 0], [0, 3]], [0, 1], [1, 1], 0, "linear", "sigmoid", 1, 2)
    assert not res.ok
    assert res.reason.startswith("the output's logit is 2·x1 + 3·x2 + 1, which has no x1·x2 term: "
                                 "a linear hidden unit cannot make a product")
    res = _check(hidden_activation=lambda a: 2 * a + 1)
    assert not res.ok and "the affine activation g(a) = 2·a + 1 cannot make a product" in res.reason


def test_published_answer_is_rejected_whatever_weights_its_unit_gets():
    con = capacity.published_construction(-1, 2)
    assert con.hidden_activation == "linear" and list(con.W1.row(1)) == [0, 0] and list(con.b1) == [-1, 0]
    assert list(con.v) == [1, 0] and con.c == 0
    res = con.check(-1, 2)
    assert not res.ok
    assert res.reason.startswith("the output's logit is w11·x1 + w12·x2 - 1, which has no x1·x2 term: "
                                 "a linear hidden unit cannot make a product")
    b0, b1 = sp.symbols("beta0 beta1")
    assert "no x1·x2 term" in capacity.published_construction(b0, b1).check(b0, b1).reason
    # without a product to make (beta1 = 0) the same network with zero input weights is right
    assert capacity.published_construction(-1, 0, (0, 0)).check(-1, 0).ok


@settings(max_examples=20, deadline=None)
@given(w11=st.integers(-5, 5), w12=st.integers(-5, 5), b0=betas, b1=betas.filter(lambda b: b != 0))
def test_published_answer_with_numeric_unit_weights_always_lacks_the_product(w11, w12, b0, b1):
    res = capacity.published_construction(b0, b1, (w11, w12)).check(b0, b1)
    assert not res.ok and "no x1·x2 term: a linear hidden unit cannot make a product" in res.reason


def test_generic_weights_linear_units_never_make_a_product_but_squares_do():
    linear = capacity.generic_construction("linear").logit()
    assert capacity.product_coefficient(linear) == 0 and sp.diff(linear, X1, X2) == 0
    assert sp.Poly(linear, X1, X2).total_degree() == 1
    w11, w12, w21, w22, v1, v2 = sp.symbols("w11 w12 w21 w22 v1 v2", real=True)
    square = capacity.generic_construction("square").logit()
    assert sp.expand(capacity.product_coefficient(square) - 2 * (v1 * w11 * w12 + v2 * w21 * w22)) == 0


def test_product_coefficient_needs_a_polynomial_logit():
    assert capacity.product_coefficient(3 * X1 * X2 + X1) == 3
    with pytest.raises(ValueError, match="not a polynomial in x1, x2.*'square' or 'linear'"):
        capacity.product_coefficient(sp.Max(X1, 0))
    with pytest.raises(TypeError, match="logit must be a sympy expression"):
        capacity.product_coefficient("x1*x2")


# -- specific reasons for the other wrong answers ------------------------------------------------
def test_wrong_output_activation_and_non_polynomial_hidden_units_are_explained():
    res = _check(output_activation="tanh")
    assert not res.ok and "the output activation tanh (g(t) = tanh(t)) is not the sigmoid" in res.reason
    res = _check(output_activation="linear")
    assert not res.ok and "linear (g(t) = t) is not the sigmoid" in res.reason
    res = _check(hidden_activation="relu")
    assert not res.ok and "not a polynomial in x1, x2 (the hidden activation relu" in res.reason
    assert "differs from the target logit 2·x1·x2 - 1 by" in res.reason
    res = _check(c=0)
    assert res.reason == "the output's logit is 2·x1·x2: the constant term is 0, not -1 (off by 1)"


def test_square_units_without_a_product_say_what_each_unit_contributes():
    res = _check(W1=[[1, 0], [0, 1]])
    assert not res.ok
    assert "which has no x1·x2 term, but the target needs 2·x1·x2" in res.reason
    assert "unit 1 contributes 0·x1·x2 and unit 2 contributes 0·x1·x2" in res.reason


def test_extra_terms_are_named_with_their_coefficients():
    res = _check(W1=[[1, 1], [1, 0]])  # (x1 + x2)^2/2 - x1^2/2 = x1 x2 + x2^2/2
    assert not res.ok
    assert "the x1·x2 coefficient is 1, not 2 (off by -1)" in res.reason
    assert "the x2^2 coefficient is 1/2, not 0 (off by 1/2)" in res.reason


def test_undefined_hidden_unit_is_reported_as_such():
    res = _check(W1=[[0, 0], [1, -1]], hidden_activation=lambda a: 1 / a)
    assert not res.ok and res.reason.startswith("hidden unit 1 is undefined") and "zoo" in res.reason


def test_float_round_off_is_forgiven_but_exact_numbers_must_cancel_exactly():
    a, b = 1.5, -2.0 / 3.0  # 4ab and beta1 / (4ab) are not exact in binary
    v = [2.0 / (4 * a * b), -2.0 / (4 * a * b)]
    assert capacity.check_construction([[a, b], [a, -b]], [0, 0], v, -1.0, "square", "sigmoid", -1, 2).ok
    exact_off = [sp.Rational(1, 2) + sp.Rational(1, 10**12), -sp.Rational(1, 2)]
    assert not _check(v=exact_off, tolerance=1e-3).ok


def test_tolerance_accepts_nearly_right_float_weights_only():
    W1 = np.array([[1.0, 1.0], [1.0, -1.0]]) + 1e-4
    v = np.array([0.5, -0.5])
    assert not _check(W1=W1, b1=np.zeros(2), v=v, c=-1.0).ok
    assert _check(W1=W1, b1=np.zeros(2), v=v, c=-1.0, tolerance=1e-3).ok
    assert not _check(W1=W1 + 0.3, b1=np.zeros(2), v=v, c=-1.0, tolerance=1e-3).ok


def test_float_weights_give_readable_numbers():
    res = _check(W1=np.array([[1.0, 1.0], [1.0, -1.0]]), b1=np.zeros(2), v=np.array([0.4, -0.4]), c=-1.0,
                 beta0=-1.0, beta1=2.0)
    assert not res.ok and "the x1·x2 coefficient is 1.6, not 2 (off by -0.4)" in res.reason
    assert "1.600" not in res.reason and "2.0000" not in res.reason


# -- bad input: the true cause, named, with what to pass instead ---------------------------------
@pytest.mark.parametrize(
    "changes, error, match",
    [
        ({"W1": [[np.nan, 1], [1, -1]]}, ValueError, r"W1\[0, 0\] is NaN: check the computation"),
        ({"v": np.array([0.5, np.nan])}, ValueError, r"v\[1\] is NaN"),
        ({"c": float("inf")}, ValueError, "c is oo, not a finite number"),
        ({"beta0": float("nan")}, ValueError, "beta0 is NaN"),
        ({"W1": [[1, 1]]}, ValueError, r"W1 must have shape \(2, 2\) \(one row of input weights per hidden unit\), "
                                       r"got \(1, 2\)"),
        ({"W1": [[1, 1], [1]]}, ValueError, r"W1 must have shape \(2, 2\) .*got rows of different lengths"),
        ({"W1": "[[1, 1], [1, -1]]"}, TypeError, r"W1 must be a \(2, 2\) array"),
        ({"b1": [0, 0, 0]}, ValueError, r"b1 must have shape \(2,\) \(one bias per hidden unit\), got \(3,\)"),
        ({"v": [[1, 2], [3, 4]]}, ValueError, r"v must have shape \(2,\) \(one output weight per hidden unit\)"),
        ({"c": [1, 2]}, ValueError, r"c must be a single number \(a scalar, the output bias\), got shape \(2,\)"),
        ({"W1": [["x1+", 1], [1, -1]]}, ValueError, r"W1\[0, 0\] = 'x1\+' is not a formula sympy can read.*'1/2'"),
        ({"W1": [[None, 1], [1, -1]]}, TypeError, r"W1\[0, 0\] must be a number, a sympy expression"),
        ({"W1": [[True, 1], [1, -1]]}, TypeError, r"W1\[0, 0\].*True and False are not numbers"),
        ({"W1": [[1j, 1], [1, -1]]}, TypeError, r"W1\[0, 0\] must be a real number.*imaginary"),
        ({"b1": [sp.I, 0]}, ValueError, r"b1\[0\] = I is not real"),
        ({"W1": [[X1, 1], [1, -1]]}, ValueError, r"W1\[0, 0\] = x1 depends on the input x1.*symbol such as beta1"),
        ({"hidden_activation": "cube"}, ValueError, "unknown hidden_activation 'cube': pass one of 'square'"),
        ({"hidden_activation": None}, TypeError, "hidden_activation must be a name such as 'square'"),
        ({"hidden_activation": np.tanh}, ValueError, "hidden_activation does not work on sympy"),
        ({"hidden_activation": lambda a: sp.nan}, ValueError, "hidden_activation gives nan"),
        ({"output_activation": 3}, TypeError, "output_activation must be a name such as 'square' or a callable"),
        ({"output_activation": lambda t: [t]}, ValueError, "output_activation must return a sympy expression"),
        ({"beta1": None}, TypeError, r"beta1 must be a number, a sympy expression such as sp.Symbol\('beta1'\)"),
        ({"beta1": [1, 2]}, TypeError, "beta1 must be a number"),
        ({"beta0": "2 +"}, ValueError, "beta0 = '2 \\+' is not a formula sympy can read"),
        ({"beta0": sp.zoo}, ValueError, "beta0 is zoo, not a finite number"),
        ({"tolerance": -1}, ValueError, "tolerance must be a number >= 0, got -1"),
        ({"tolerance": "0.1"}, TypeError, "tolerance must be a real number.*convert text first"),
    ],
)
def test_bad_input_names_the_argument_and_what_to_pass(changes, error, match):
    with pytest.raises(error, match=match):
        _check(**changes)


def test_a_nan_weight_is_never_blamed_on_the_activation():
    for hidden in ("linear", "square"):
        with pytest.raises(ValueError, match="NaN") as info:
            _check(W1=[[np.nan, 0], [0, 1]], hidden_activation=hidden)
        assert "linear" not in str(info.value) and "activation" not in str(info.value)


def test_a_construction_stores_checked_sympy_weights_whatever_it_was_given():
    con = capacity.Construction([[1, 1], [1, -1]], np.array([0, 0]), ("beta1/4", "-beta1/4"), [-1], lambda a: a**2)
    assert con.W1 == sp.Matrix([[1, 1], [1, -1]]) and con.b1 == sp.zeros(2, 1) and con.c == -1
    assert con.v == sp.Matrix([sp.Symbol("beta1", real=True) / 4, -sp.Symbol("beta1", real=True) / 4])
    assert con.check(-1, sp.Symbol("beta1")).ok
    for changes, error, match in [
        ({"W1": [[1, 1]]}, ValueError, r"W1 must have shape \(2, 2\) \(one row of input weights per hidden unit\)"),
        ({"b1": [0]}, ValueError, r"b1 must have shape \(2,\)"),
        ({"v": [np.nan, 1]}, ValueError, r"v\[0\] is NaN"),
        ({"c": [1, 2]}, ValueError, r"c must be a single number"),
        ({"hidden_activation": "cube"}, ValueError, r"unknown hidden_activation 'cube'"),
        ({"output_activation": 3}, TypeError, r"output_activation must be a name such as 'square' or a callable"),
    ]:
        parts = {"W1": np.eye(2), "b1": [0, 0], "v": [1, 1], "c": 0, **changes}
        with pytest.raises(error, match=match):
            capacity.Construction(**parts)


def test_bad_input_to_the_builders():
    with pytest.raises(ValueError, match=r"unit_weights must be hidden unit 1's two input weights"):
        capacity.published_construction(-1, 2, (1, 2, 3))
    with pytest.raises(ValueError, match=r"unit_weights\[1\] is NaN"):
        capacity.published_construction(-1, 2, (1, np.nan))
    with pytest.raises(TypeError, match="beta1 must be a number"):
        capacity.two_unit_construction(-1, None)
    with pytest.raises(ValueError, match="unknown hidden_activation 'cube'"):
        capacity.generic_construction("cube")
    with pytest.raises(ValueError, match=r"b1 must have shape \(2,\)"):
        capacity.network_logit([[1, 1], [1, -1]], [0], [1, 1], 0)


# -- the pictures ------------------------------------------------------------------------------------
def test_decision_boundary_is_where_the_probability_is_one_half():
    x1 = np.array([-2.0, 0.5, 3.0])
    x2 = capacity_plots.decision_boundary(-1.0, 2.0, x1)
    np.testing.assert_allclose(-1.0 + 2.0 * x1 * x2, 0.0, atol=1e-12)
    assert np.isnan(capacity_plots.decision_boundary(1.0, 1.0, np.array([0.0]))[0])
    with pytest.raises(ValueError, match="beta1 != 0"):
        capacity_plots.decision_boundary(1.0, 0.0, np.ones(2))
    with pytest.raises(TypeError, match="beta0 must be a real number"):
        capacity_plots.decision_boundary("1", 1.0, np.ones(2))


SLIDER = np.round(np.arange(-3, 3.01, 0.25), 2)


def test_boundary_message_is_true_at_every_slider_value():
    grid = np.linspace(-3, 3, 61)
    G1, G2 = np.meshgrid(grid, grid)
    for b0 in SLIDER:
        for b1 in SLIDER:
            message, p = capacity_plots.boundary_message(b0, b1), 1 / (1 + np.exp(-(b0 + b1 * G1 * G2)))
            if b1 == 0:  # constant probability, and the message gives its value and the label
                assert np.ptp(p) == 0 and "at every x" in message
                assert (f"{p[0, 0]:.3g}" in message) if b0 != 0 else "1/2" in message
                assert b0 == 0 or f"labelled {int(p[0, 0] > 0.5)}" in message
            elif b0 == 0:  # both axes are on the boundary, and the label-1 quadrants are the ones named
                assert np.allclose(p[:, 30], 0.5) and np.allclose(p[30, :], 0.5)
                assert ("first and third" in message) == (p[-1, -1] > 0.5)
            else:
                assert message == ""


@pytest.mark.parametrize("b0, b1", [(-1.0, 2.0), (1.0, -2.0), (0.0, 2.0), (0.0, -0.25), (-1.0, 0.0), (0.0, 0.0),
                                    (3.0, 3.0), (-3.0, -3.0)])
def test_explorer_picture_at_the_extremes_and_the_special_values(b0, b1):
    fig, message = capacity_plots.product_logistic_figure(b0, b1)
    ax = fig.axes[0]
    assert ax.get_title() == f"sigma({b0:.3g} {'-' if b1 < 0 else '+'} {abs(b1):.3g} x1 x2)"
    lines = ax.get_lines()
    if b1 == 0:
        assert not lines and ax.get_legend() is None and "no boundary" in message.replace("no decision boundary",
                                                                                            "no boundary")
    elif b0 == 0:
        xs = {tuple(line.get_xdata()) for line in lines}
        assert (0, 0) in xs and ax.get_legend().get_texts()[0].get_text() == "x1 x2 = 0 (both axes)"
    else:
        assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"x1 x2 = {-b0 / b1:.3g}"]
        for line in lines:
            x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
            if x.size:
                np.testing.assert_allclose(b0 + b1 * x * y, 0.0, atol=1e-9)
    plt.close(fig)


def test_explorer_shows_the_message_alone_redraws_fast_and_never_a_traceback():
    box = capacity_plots.product_logistic_explorer(-1.0, 2.0)
    sliders, out = box.children[0].children, box.children[1]
    assert [s.description for s in sliders] == ["beta0 (constant term)", "beta1 (x1 x2 coefficient)"]
    times = []
    for value in (0.0, 3.0, -3.0, 2.0):
        start = time.process_time()  # CPU time: the machine's other jobs do not count against the widget
        sliders[1].value = value
        times.append(time.process_time() - start)
        texts = "".join(o.get("text", "") for o in out.outputs)
        assert "Traceback" not in texts and "Internal error" not in texts
        assert ("no decision boundary" in texts) == (value == 0.0)
        assert any(o["output_type"] == "display_data" for o in out.outputs)
    assert sorted(times)[len(times) // 2] < 0.5, times  # well under the 1 s a slider may take
    plt.close("all")


def test_plot_validation_and_the_loss_curve():
    with pytest.raises(ValueError, match="extent must be a positive number"):
        capacity_plots.plot_product_logistic(0, 1, extent=0)
    with pytest.raises(TypeError, match="beta1 must be a real number"):
        capacity_plots.product_logistic_figure(0.0, "2")
    ax = capacity_plots.plot_training_loss(np.array([0.7, 0.5, 0.4]))
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2, 3] and ax.get_ylim()[0] == 0
    assert all(float(t).is_integer() for t in ax.get_xticks())
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="losses contains NaN"):
        capacity_plots.plot_training_loss([0.7, np.nan])
