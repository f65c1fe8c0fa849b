"""helpers.figure_widgets: the explorer renders its default at once and redraws on change."""

import matplotlib

matplotlib.use("Agg")
import ipywidgets as w
import matplotlib.pyplot as plt
import pytest

from helpers import figure_widgets


def _draw(a):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, a])
    return fig


def test_explorer_renders_default_and_redraws():
    calls = []
    slider = w.FloatSlider(value=1.0)
    box = figure_widgets.figure_explorer({"a": slider}, lambda a: calls.append(a) or _draw(a))
    out = box.children[1]
    assert calls == [1.0] and len(out.outputs) == 1 and "image/png" in out.outputs[0]["data"]
    slider.value = 2.0
    assert calls == [1.0, 2.0] and len(out.outputs) == 1
    assert plt.get_fignums() == []  # figures are closed after rendering


def test_png_bytes_are_stable():
    assert figure_widgets.figure_png(_draw(1.0)) == figure_widgets.figure_png(_draw(1.0))


def test_bad_input():
    with pytest.raises(ValueError, match="controls must be"):
        figure_widgets.figure_explorer({}, _draw)
    with pytest.raises(ValueError, match="draw must be a function"):
        figure_widgets.figure_explorer({"a": w.FloatSlider()}, None)
    with pytest.raises(ValueError, match="must return a matplotlib Figure"):
        figure_widgets.figure_explorer({"a": w.FloatSlider()}, lambda a: None)


def test_show_in_replaces_content_with_message_and_picture():
    out = w.Output()
    figure_widgets.show_in(out, _draw(1.0), "first")
    figure_widgets.show_in(out, None, "only a message")
    assert len(out.outputs) == 1 and out.outputs[0]["text"] == "only a message\n"
    figure_widgets.show_in(out, _draw(2.0))
    assert len(out.outputs) == 1 and "image/png" in out.outputs[0]["data"]


def test_explorer_shows_a_message_when_draw_returns_one():
    slider = w.IntSlider(value=3)
    box = figure_widgets.figure_explorer({"k": slider}, lambda k: (_draw(k), f"k is {k}"))
    out = box.children[1]
    assert out.outputs[0]["text"] == "k is 3\n" and "image/png" in out.outputs[1]["data"]
    slider.value = 4
    assert out.outputs[0]["text"] == "k is 4\n" and len(out.outputs) == 2


def test_explorer_shows_only_a_message_when_there_is_nothing_to_draw():
    slider = w.IntSlider(value=1)
    box = figure_widgets.figure_explorer({"k": slider}, lambda k: (_draw(k), "ok") if k < 5 else (None, "k too large"))
    slider.value = 9
    out = box.children[1]
    assert len(out.outputs) == 1 and out.outputs[0]["text"] == "k too large\n"


def test_an_error_while_redrawing_becomes_a_one_line_message_and_the_next_value_replaces_it():
    slider = w.IntSlider(value=1, min=-5, max=5)

    def draw(k):
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}:\n pass a value from 0 to 5.")
        if k == 0:
            raise ZeroDivisionError("division by zero")
        return _draw(k)

    box = figure_widgets.figure_explorer({"k": slider}, draw)
    out = box.children[1]
    slider.value = -2
    assert [o["text"] for o in out.outputs] == ["k must be >= 0, got -2: pass a value from 0 to 5.\n"]
    slider.value = 0
    assert out.outputs[0]["text"].startswith("Internal error (ZeroDivisionError: division by zero)")
    slider.value = 3
    assert len(out.outputs) == 1 and "image/png" in out.outputs[0]["data"]
    assert plt.get_fignums() == []


def test_controls_show_full_labels_and_real_tooltips_and_wrap():
    slider = w.FloatSlider(description="learning rate")
    row = figure_widgets.controls_row([slider, w.Button(description="Train")])
    assert slider.style.description_width == "initial" and slider.tooltip == "learning rate"
    assert row.layout.flex_flow == "row wrap"


def test_message_for_keeps_the_readers_words():
    assert figure_widgets.message_for(TypeError("n must be an integer")) == "n must be an integer"
    assert "Internal error (KeyError" in figure_widgets.message_for(KeyError("W"))


def test_messages_for_a_readers_unfinished_or_failing_function():
    from helpers.exercises import ExerciseFailed

    assert figure_widgets.message_for(NotImplementedError()).startswith("not answered yet")
    assert figure_widgets.message_for(ExerciseFailed("rule raised KeyError: 3")) == "rule raised KeyError: 3"
    assert figure_widgets.message_for(ZeroDivisionError("x")).startswith("Internal error")
