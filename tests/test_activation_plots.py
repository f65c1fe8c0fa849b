"""helpers.activation_plots and helpers.capacity_plots: values, gradients, and that the plots draw."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers import activation_plots, capacity_plots  # noqa: E402


@pytest.mark.parametrize("x, w, b", [(1.5, 0.7, -0.2), (-2.0, 0.3, -1.0), (0.5, -1.0, 0.5), (2.0, -1.0, 2.0)])
def test_relu_affine_gradient_matches_autograd_including_the_kink(x, w, b):
    wb = torch.tensor([b, w], dtype=torch.float64, requires_grad=True)
    out = torch.relu(wb[0] + x * wb[1])
    out.backward()
    value, grad = activation_plots.relu_affine_value_and_grad(x, w, b)
    assert value == pytest.approx(out.item())
    np.testing.assert_allclose(grad, wb.grad.numpy())


def test_plots_draw_the_point_arrow_and_curves():
    ax = activation_plots.plot_relu_gradient(1.0, 1.0, 0.5)
    assert len(ax.collections) >= 2  # heatmap + arrow
    plt.close(ax.figure)
    fig = activation_plots.plot_activation_and_derivative("sigmoid")
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata().max(), 0.25, atol=1e-4)
    plt.close(fig)
    ax = capacity_plots.plot_product_logistic(-1.0, 2.0)
    assert any("x1 x2 = 0.5" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(ax.figure)


def test_decision_boundary_is_where_the_probability_is_one_half():
    x1 = np.array([-2.0, 0.5, 3.0])
    x2 = capacity_plots.decision_boundary(-1.0, 2.0, x1)
    np.testing.assert_allclose(-1.0 + 2.0 * x1 * x2, 0.0, atol=1e-12)
    assert np.isnan(capacity_plots.decision_boundary(1.0, 1.0, np.array([0.0]))[0])


def test_bad_input():
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        activation_plots.plot_activation_and_derivative("swish")
    with pytest.raises(ValueError, match="beta1 != 0"):
        capacity_plots.decision_boundary(1.0, 0.0, np.ones(2))
    with pytest.raises(ValueError, match="extent must be positive"):
        capacity_plots.plot_product_logistic(0, 1, extent=0)
    with pytest.raises(ValueError, match="extent must be positive"):
        activation_plots.plot_relu_gradient(1, 1, 1, extent=-1)


def test_title_shows_the_sign_of_beta1():
    ax = capacity_plots.plot_product_logistic(1.0, -2.0)
    assert ax.get_title() == "sigma(1 - 2 x1 x2)"
    plt.close(ax.figure)
