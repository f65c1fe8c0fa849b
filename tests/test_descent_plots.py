"""helpers.descent_plots: descent paths over the saddle, the explorer's picture and message, and bad input."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import descent, descent_plots


def test_paths_are_drawn_over_contours():
    paths = [descent.gradient_descent(descent.saddle_gradient, [1.0, d], 0.1, 50) for d in (1e-1, 1e-3)]
    ax = descent_plots.plot_saddle_paths(paths, ["a", "b"])
    assert [line.get_label() for line in ax.lines] == ["a", "b"] and len(ax.lines[0].get_xdata()) == 51
    plt.close(ax.figure)


@pytest.mark.parametrize(
    "learning_rate, offset, steps, outcome",
    [(0.1, 1e-3, 150, "escaped the saddle (|y| > 0.5) at step 67; "), (0.01, 1e-3, 150, "not yet escaped after 150"),
     (1.5, 1e-3, 150, "escaped"), (2.5, 10**-0.5, 2000, "diverged at step")],
)
def test_view_draws_the_run_and_says_what_it_did(learning_rate, offset, steps, outcome):
    fig, message = descent_plots.saddle_descent_view(learning_rate, offset, steps)
    run = descent.saddle_run(learning_rate, offset, steps)
    assert fig is not None and message == run.summary and message.replace(" (linearised law: 65.2)", "").startswith(
        outcome) and "\n" not in message
    assert len(fig.axes[0].lines[0].get_xdata()) == len(run.path)
    plt.close(fig)


def test_small_learning_rate_is_never_blamed_for_overshooting():
    for steps in (10, 150, 600):
        fig, message = descent_plots.saddle_descent_view(0.01, 1e-3, steps)
        assert "overshoot" not in message and "not yet escaped" in message
        plt.close(fig)


def test_explorer_controls_at_their_extremes_give_pictures_and_one_line_messages():
    box = descent_plots.saddle_descent_explorer()
    rate, offset, steps = box.children[0].children
    out = box.children[1]
    assert [c.description for c in (rate, offset, steps)] == ["learning rate", "offset from x-axis", "steps"]
    assert all(c.style.description_width == "initial" and c.continuous_update is False for c in (rate, offset, steps))
    for control, values in ((rate, (rate.max, rate.min, 1.0, 2.0)), (offset, (offset.max, 10**offset.min)),
                            (steps, (steps.min, steps.max))):
        for value in values:
            control.value = value
            texts = [o["text"] for o in out.outputs if "text" in o]
            assert len(texts) == 1 and "\n" not in texts[0].strip() and "Traceback" not in texts[0]
            assert any("image/png" in o.get("data", {}) for o in out.outputs)
    plt.close("all")


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: descent_plots.plot_saddle_paths([np.zeros((3, 3))], ["a"]), ValueError,
         r"paths\[0\] must have shape \(any, 2\)"),
        (lambda: descent_plots.plot_saddle_paths([np.zeros((3, 2))], []), ValueError, "same number"),
        (lambda: descent_plots.plot_saddle_paths(np.zeros((3, 2)), ["a"]), TypeError, "must be lists"),
        (lambda: descent_plots.saddle_descent_view(0.1, 0.9), ValueError, "below threshold"),
        (lambda: descent_plots.saddle_descent_view("0.1", 1e-3), TypeError, "learning_rate must be a real number"),
    ],
)
def test_bad_input_errors_say_what_to_fix(call, error, message):
    with pytest.raises(error, match=message):
        call()
    plt.close("all")
