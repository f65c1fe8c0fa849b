"""helpers.activation_plots: values, gradients against autograd, the plots, and every widget at every value its
controls can take."""

import statistics
import time

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from helpers import activation_plots, activations, gradcheck


@pytest.mark.parametrize("x, w, b", [(1.5, 0.7, -0.2), (-2.0, 0.3, -1.0), (0.5, -1.0, 0.5), (2.0, -1.0, 2.0)])
def test_relu_gradient_matches_autograd_including_the_kink(x, w, b):
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


# (what a student writes, the error type, a pattern naming the argument and what to pass instead)
BAD_INPUT = [
    (lambda: activation_plots.plot_activation_and_derivative("swish"), ValueError,
     r"unknown activation 'swish': pass one of 'leaky_relu', 'relu', 'sigmoid', 'tanh'"),
    (lambda: activation_plots.plot_activation_and_derivative("relu", extent=0), ValueError,
     r"extent must be a positive number, got 0"),
    (lambda: activation_plots.plot_relu_gradient(1, 1, 1, extent=-1), ValueError, r"extent must be a positive number"),
    (lambda: activation_plots.plot_relu_gradient("1", 1, 1), TypeError, r"x must be a real number such as 0.5, .*"),
    (lambda: activation_plots.relu_affine_value_and_grad(1, float("nan"), 1), ValueError,
     r"w must be a finite number, got nan"),
    (lambda: activation_plots.compare_elementwise_backward("softplus"), ValueError,
     r"unknown activation 'softplus': pass one of 'leaky_relu', 'relu', 'sigmoid', 'tanh'"),
    (lambda: activation_plots.compare_elementwise_backward("relu", (2.0, 2.0)), ValueError,
     r"limits must have low < high, got \(2, 2\): drag the two handles apart"),
    (lambda: activation_plots.compare_elementwise_backward("relu", (3.0, -1.0)), ValueError,
     r"limits must have low < high"),
    (lambda: activation_plots.compare_elementwise_backward("relu", n=1), ValueError,
     r"n must be an integer of at least 2, got 1"),
    (lambda: activation_plots.compare_elementwise_backward("relu", n="5"), TypeError, r"n must be"),
    (lambda: activation_plots.compare_elementwise_backward("relu", 4.0), TypeError,
     r"limits must be a pair \(low, high\) such as \(-4, 4\), got 4.0"),
    (lambda: activation_plots.compare_elementwise_backward("relu", ("a", 1)), TypeError,
     r"the low end of limits must be a real number"),
    (lambda: activation_plots.activation_explorer("swish"), ValueError, r"unknown activation 'swish': pass one of"),
    (lambda: activation_plots.plot_relu_gradient(1, 1, 1, gradient=(1.0, 1.0)), TypeError,
     r"gradient must be a function, got \(1.0, 1.0\) \(tuple\): pass the function itself, without calling it"),
    (lambda: activation_plots.activation_explorer("relu", derivatives={"swish": np.cos}), ValueError,
     r"unknown activation in derivatives 'swish'"),
    (lambda: activation_plots.activation_explorer("relu", derivatives=[np.cos]), TypeError,
     r"derivatives must be a dict such as \{'sigmoid': sigmoid_grad\}"),
    (lambda: activation_plots.elementwise_backward_explorer(backward="g * h'(X)"), TypeError,
     r"backward must be a function"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUT, ids=[f"case{i}" for i in range(len(BAD_INPUT))])
def test_bad_input_names_the_argument_and_what_to_pass(call, error, message):
    with pytest.raises(error, match=message):
        call()
    plt.close("all")


def test_the_kink_line_at_x_zero_and_a_point_on_the_kink():
    ax = activation_plots.plot_relu_gradient(0.0, 1.0, 0.5)
    kink = [line for line in ax.lines if "kink" in line.get_label()]
    assert len(kink) == 1 and set(kink[0].get_xdata()) == {0.0}  # the line b = 0
    plt.close(ax.figure)
    ax = activation_plots.plot_relu_gradient(1.5, 0.2, -0.3)  # b + x w = 5.6e-17 in floating point
    assert ax.get_title().endswith("on the kink, no gradient")
    assert any("f = 0," in t.get_text() or t.get_text().endswith("f = 0") for t in ax.get_legend().get_texts())
    assert any("0 ≤ θ ≤ 1" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(ax.figure)


@pytest.mark.parametrize("name", list(activation_plots.ELEMENTWISE_LAYERS))
@pytest.mark.parametrize("limits", [(-4.0, 4.0), (-10.0, -9.5), (0.0, 10.0), (-1e-3, 1e-3)])
def test_elementwise_backward_is_upstream_times_derivative_and_matches_autograd(name, limits):
    r = activation_plots.compare_elementwise_backward(name, limits)
    x = r["x"]
    assert x[0] == limits[0] and x[-1] == limits[1] and x.shape == (201,)
    np.testing.assert_array_equal(r["upstream"], activations.ACTIVATIONS[name][0](x) - 1)  # dL/dY = Y - 1
    np.testing.assert_allclose(r["backward"], r["upstream"] * activations.ACTIVATIONS[name][1](x), rtol=1e-15)
    np.testing.assert_array_equal(r["derivative"], activations.ACTIVATIONS[name][1](x))
    assert r["comparison"].error == gradcheck.relative_error(r["backward"], r["autograd"]) and r["message"] == ""
    # 1 - tanh^2 and sigma (1 - sigma) lose digits where h' is 1e-8 small, in torch as in helpers
    assert r["comparison"].ok(1e-12 if limits[1] - limits[0] > 1 else 1e-7)


def test_plot_elementwise_backward_draws_module_and_autograd():
    fig = activation_plots.plot_elementwise_backward("tanh", (-3.0, 3.0))
    left, right = fig.axes
    labels = [line.get_label() for line in right.lines if not line.get_label().startswith("_")]
    assert labels == ["dL/dY = Y - 1  (L = ½ Σ (Y - 1)²)", "dL/dY * h'(X): module backward", "torch autograd"]
    assert right.get_title().startswith("dL/dX, module vs autograd: ")
    plt.close(fig)


def _outputs(box):
    """What the widget shows: ('message', text) and ('image', None) items, in order."""
    shown = []
    for item in box.children[1].outputs:
        if item["output_type"] == "stream":
            shown.append(("message", item["text"]))
        else:
            assert "image/png" in item["data"]
            shown.append(("image", None))
    return shown


def _set_and_time(control, value, box):
    start = time.perf_counter()
    control.value = value
    seconds = time.perf_counter() - start
    shown = _outputs(box)
    assert shown, f"nothing shown for {control.description} = {value!r}"
    for kind, text in shown:
        assert kind == "image" or ("Traceback" not in text and "Internal error" not in text and text.count("\n") == 1)
    return seconds, shown


def test_every_widget_at_every_value_shows_a_picture_or_a_one_line_message_quickly():
    """Issue: no traceback for any value a control can take, and a redraw well under a second."""
    times = []
    relu = activation_plots.relu_gradient_explorer()
    for slider in relu.children[0].children:
        for value in (slider.min, slider.max):
            seconds, shown = _set_and_time(slider, value, relu)
            times.append(seconds)
            assert shown == [("image", None)]
    dropdown = activation_plots.activation_explorer()
    choice = dropdown.children[0].children[0]
    for option in choice.options:
        if option != choice.value:
            times.append(_set_and_time(choice, option, dropdown)[0])
    box = activation_plots.elementwise_backward_explorer()
    choice, span = box.children[0].children
    for limits in ((span.min, span.max), (span.max - span.step, span.max)):
        seconds, shown = _set_and_time(span, limits, box)
        times.append(seconds)
        assert shown == [("image", None)]
    for option in choice.options:
        if option != choice.value:
            seconds, shown = _set_and_time(choice, option, box)
            times.append(seconds)
            assert shown == [("image", None)]
    _, shown = _set_and_time(span, (1, 1), box)  # both handles on one value
    assert shown == [("message", "limits must have low < high, got (1, 1): drag the two handles apart.\n")]
    assert _set_and_time(span, (-2.0, 2.0), box)[1] == [("image", None)]  # the message goes with the next picture
    assert statistics.median(times) < 1.0 and plt.get_fignums() == []


# ------------------------------------------------------------------------------------------ a reader's own functions
def _not_written(*_args):
    raise NotImplementedError()  # what nbgrader leaves in an answer cell


def _reader_backward(grad_output, X, h_prime):
    return grad_output * h_prime(X)


def test_relu_gradient_uses_the_readers_function_and_leaves_the_arrow_out_until_it_is_written():
    def mine(b, w, x):
        return (1.0, x) if b + x * w > 0 else (0.0, 0.0)

    ax = activation_plots.plot_relu_gradient(1.5, 0.5, 0.3, gradient=mine)
    assert any(t.get_text().startswith("mine: (1, 1.5)") for t in ax.get_legend().get_texts())
    plt.close(ax.figure)
    ax = activation_plots.plot_relu_gradient(1.5, 0.5, 0.3, gradient=_not_written)
    assert len(ax.collections) == 1  # the heatmap, no arrow
    assert any("_not_written is not written yet" in t.get_text().replace("\n", " ") for t in ax.texts)
    plt.close(ax.figure)
    ax = activation_plots.plot_relu_gradient(1.5, 0.5, 0.3, gradient=lambda b, w, x: None)
    assert any("<lambda> returned None: did you forget to `return`" in t.get_text().replace("\n", " ")
               for t in ax.texts)
    plt.close(ax.figure)


def test_the_derivative_panel_says_why_it_is_empty():
    fig = activation_plots.plot_activation_and_derivative("sigmoid", derivative=_not_written)
    assert fig.axes[1].lines[:1] == [] or all(line.get_label().startswith("_") for line in fig.axes[1].lines)
    assert "not written yet" in fig.axes[1].texts[0].get_text().replace("\n", " ")
    plt.close(fig)
    fig = activation_plots.plot_activation_and_derivative("sigmoid", derivative=lambda z: z[:3])
    assert "returned shape (3,), expected (401,)" in fig.axes[1].texts[0].get_text().replace("\n", " ")
    plt.close(fig)
    fig = activation_plots.plot_activation_and_derivative("tanh", derivative=lambda z: 1 / 0)
    assert "<lambda> raised ZeroDivisionError: division by zero" in fig.axes[1].texts[0].get_text().replace("\n", " ")
    plt.close(fig)


def test_compare_elementwise_backward_with_the_readers_backward_and_derivative():
    r = activation_plots.compare_elementwise_backward("tanh", backward=_reader_backward,
                                                      derivative=lambda z: 1 - np.tanh(z) ** 2)
    assert r["message"] == "" and r["comparison"].ok(1e-12)
    r = activation_plots.compare_elementwise_backward("tanh", backward=_not_written)
    assert r["backward"] is None and r["comparison"] is None and "_not_written is not written yet" in r["message"]
    r = activation_plots.compare_elementwise_backward("sigmoid", backward=_reader_backward, derivative=_not_written)
    assert r["derivative"] is None and r["backward"] is None and r["message"].startswith("_not_written is not")
    r = activation_plots.compare_elementwise_backward("relu", backward=lambda g, X, h: g @ h(X))
    assert r["message"] == "<lambda> returned shape (), expected (201,)."  # the dot product of two vectors


def test_explorers_with_the_readers_functions_show_a_picture_and_a_message_for_every_value():
    box = activation_plots.relu_gradient_explorer(gradient=_not_written)
    assert [kind for kind, _ in _outputs(box)] == ["message", "image"]
    for slider in box.children[0].children:
        _set_and_time(slider, slider.min, box)
    box = activation_plots.activation_explorer("sigmoid", derivatives={"sigmoid": _not_written, "tanh": np.cos})
    choice = box.children[0].children[0]
    for option in choice.options:
        assert _set_and_time(choice, option, box)[1] == [("image", None)]
    box = activation_plots.elementwise_backward_explorer("relu", backward=_not_written,
                                                         derivatives={"sigmoid": _not_written})
    choice, span = box.children[0].children
    for option in choice.options:
        if option != choice.value:
            shown = _set_and_time(choice, option, box)[1]
            assert shown[0][0] == "message" and "not written yet" in shown[0][1] and shown[1] == ("image", None)
    box = activation_plots.elementwise_backward_explorer("tanh", backward=_reader_backward,
                                                         derivatives={"tanh": lambda z: 1 - np.tanh(z) ** 2})
    assert _outputs(box) == [("image", None)]
    assert plt.get_fignums() == []
