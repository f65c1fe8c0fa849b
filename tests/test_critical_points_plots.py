"""helpers.critical_points_plots: contours with the points by kind, the table, the explorer, and bad input."""

import matplotlib.pyplot as plt
import pytest
import sympy as sp

from helpers import critical_points, critical_points_plots
from helpers.critical_points_plots import KIND_COLOURS

x, y, z = sp.symbols("x y z")
TWO = x**2 * y + x * y**2 - 6 * x * y


def test_contour_plot_marks_points_coloured_by_kind():
    ax = critical_points_plots.plot_critical_points(TWO, (x, y))
    scatters = [col for col in ax.collections if col.get_label() in KIND_COLOURS]
    assert {s.get_label(): len(s.get_offsets()) for s in scatters} == {"minimum": 1, "saddle": 3}
    plt.close(ax.figure)
    points = critical_points.critical_points(TWO, (x, y))
    ax = critical_points_plots.plot_critical_points(TWO, (x, y), extent=(-1, 7, -1, 7), points=points)
    assert ax.get_xlim() == (-1, 7)
    plt.close(ax.figure)


def test_contours_survive_overflow_without_warnings(recwarn):
    ax = critical_points_plots.plot_critical_points("x^400 + y^2", ("x", "y"), extent=(-20, 20, -2, 2))
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    plt.close(ax.figure)


def test_table_lists_every_point():
    tex = critical_points_plots.critical_point_table(critical_points.critical_points(TWO, (x, y)), (x, y))
    assert tex.startswith(r"\begin{array}") and tex.count(r"\text{saddle}") == 3 and r"\text{minimum}" in tex
    assert "-36" in tex


@pytest.mark.parametrize(
    "text, start",
    [
        ("x^2 - y^2", "(0, 0): saddle, Hessian eigenvalues -2, 2"),
        ("x", "no real critical points"),
        ("x + b", "Cannot analyse this function: f contains b, which is not among the variables x, y"),
        ("", "Cannot analyse this function: f is empty"),
        ("x +", "Cannot analyse this function: could not read 'x +' as a formula"),
        ("sin(x) + y^2", "Cannot analyse this function: the explorer analyses polynomials"),
        ("(x - y)^2", "Cannot analyse this function: the critical points of (x - y)**2 are not isolated"),
        ("7", "Cannot analyse this function: f = 7 is constant"),
    ],
)
def test_function_view_returns_a_picture_or_a_one_line_message(text, start):
    fig, message = critical_points_plots.function_view(text)
    assert message.startswith(start) and "Traceback" not in message
    assert (fig is not None) == (not message.startswith("Cannot"))
    if "\n" in message:  # one line per critical point, never a multi-line error
        assert not message.startswith("Cannot")
    plt.close("all")


def test_function_view_gives_up_on_slow_systems(monkeypatch):
    monkeypatch.setattr(critical_points_plots, "EXPLORER_TIME_LIMIT", 0.2)
    fig, message = critical_points_plots.function_view("x^5 + y^5 - 5*x*y")
    assert fig is None and message.startswith("Cannot analyse this function within 0.2 seconds (its gradient equations "
                                              "have degrees 4, 4")
    assert "time_limit=None" in message


def test_explorer_shows_points_and_messages_and_the_longest_example_in_full():
    examples = {"the function of section 2: x^2 y + x y^2 - 6xy": "x^2*y + x*y^2 - 6*x*y", "bad": "x +"}
    box = critical_points_plots.critical_point_explorer(examples)
    pick, text = box.children[0].children
    out = box.children[1]
    assert text.value.startswith("x^2*y") and pick.layout.width == f"{len(max(examples, key=len)) + 12}ch"
    assert pick.style.description_width == "initial" and pick.tooltip == "example"
    assert out.outputs[0]["text"].startswith("(0, 0): saddle") and "image/png" in out.outputs[1]["data"]
    pick.label = "bad"  # pick the example; its formula "x +" goes to the Text box
    assert len(out.outputs) == 1 and out.outputs[0]["text"].startswith("Cannot analyse this function: could not read")
    text.value = "x^2 + y^2"  # a valid formula replaces the message
    assert out.outputs[0]["text"].startswith("(0, 0): minimum") and len(out.outputs) == 2
    plt.close("all")


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: critical_points_plots.plot_critical_points(x * y * z, (x, y, z)), ValueError, "exactly two"),
        (lambda: critical_points_plots.plot_critical_points(TWO, (x, y), extent=(1, 0, 0, 1)), ValueError,
         "xmin < xmax"),
        (lambda: critical_points_plots.plot_critical_points(TWO, (x, y), extent="wide"), TypeError, "four numbers"),
        (lambda: critical_points_plots.critical_point_table([(0, 0)], (x, y)), TypeError, "list returned by"),
        (lambda: critical_points_plots.function_view(3), TypeError, "text must be a formula"),
        (lambda: critical_points_plots.critical_point_explorer({}), TypeError, "non-empty dict"),
        (lambda: critical_points_plots.critical_point_explorer(["x^2"]), TypeError, "non-empty dict"),
    ],
)
def test_bad_input_errors_say_what_to_fix(call, error, message):
    with pytest.raises(error, match=message):
        call()
    plt.close("all")
