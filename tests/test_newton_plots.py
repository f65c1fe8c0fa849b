"""helpers.newton_plots: Newton's tangent steps, the explorer's one-line verdicts, and bad input."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import newton_plots


@pytest.mark.parametrize(
    "name, x0, steps, message",
    [
        ("arctan(x)", 1.0, 6, "iterates: 1, -0.5708, 0.1169, -0.001061, 7.963e-10, 0, 0; "
                              "at the root 0 (to within 1e-9) from step 4 on"),
        ("x^2 - 2", 0.0, 6, "Newton's method stops at iterate 0 (x = 0): f'(x) = 0"),
        ("x^3 - 2x + 2", 0.0, 6, "iterates: 0, 1, 0, 1, 0, 1, 0; caught in a cycle: the iterates alternate between 1 "
                                 "and 0"),
        ("x^3 - 2x + 2", -2.5, 6, "iterates: -2.5, -1.985, -1.797, -1.77, -1.769, -1.769, -1.769; "
                                  "at the root -1.76929"),
        ("arctan(x)", 1.5, 4, "iterates: 1.5, -1.694, 2.321, -5.114, 32.3; moving away from the root so far"),
        ("arctan(x)", 2.5, 12, "Newton's method diverged at iterate 5"),
        ("x^2 - 2", 1.0, 2, "iterates: 1, 1.5, 1.417; not at a root after 2 steps (|f(x)| = 0.0069)"),
    ],
)
def test_view_says_where_the_iterates_went(name, x0, steps, message):
    fig, text = newton_plots.newton_view(name, x0, steps)
    assert text.startswith(message) and "\n" not in text
    assert len(fig.axes[0].lines) >= 3
    plt.close(fig)


def test_the_real_roots_are_roots():
    for name, (f, _, _, roots) in newton_plots.NEWTON_EXAMPLES.items():
        assert roots and all(abs(f(r)) < 1e-12 for r in roots), name


def test_explorer_every_example_at_the_slider_ends():
    box = newton_plots.newton_explorer()
    pick, start, steps = box.children[0].children
    out = box.children[1]
    assert [c.description for c in (pick, start, steps)] == ["function", "start x0", "steps"]
    assert pick.layout.width == f"{max(map(len, newton_plots.NEWTON_EXAMPLES)) + 14}ch"
    assert out.outputs[0]["text"].startswith("iterates: 1.3")
    for name in pick.options:
        pick.value = name
        for x0 in (start.min, start.max, 0.0):
            start.value = x0
            for n in (steps.min, steps.max):
                steps.value = n
                texts = [o["text"] for o in out.outputs if "text" in o]
                assert len(texts) == 1 and "Traceback" not in texts[0] and "Internal error" not in texts[0]
                assert any("image/png" in o.get("data", {}) for o in out.outputs)
    plt.close("all")


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: newton_plots.newton_view("tan", 1.0), ValueError, "unknown example 'tan': pass one of"),
        (lambda: newton_plots.newton_view("arctan(x)", np.nan), ValueError, "x0 must be a finite number"),
        (lambda: newton_plots.newton_view("arctan(x)", 1.0, 0), ValueError, "steps must be a positive integer"),
    ],
)
def test_bad_input_errors_say_what_to_fix(call, error, message):
    with pytest.raises(error, match=message):
        call()
