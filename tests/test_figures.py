"""helpers.figures: one PNG path for figures/ and for widgets, stable bytes, atomic writes."""

import importlib

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import figures


def _figure(a: float = 1.0) -> plt.Figure:
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, a])
    return fig


def test_png_bytes_are_stable_and_the_figure_is_closed():
    first, second = figures.figure_png(_figure()), figures.figure_png(_figure())
    assert first == second and first.startswith(b"\x89PNG") and plt.get_fignums() == []
    fig = _figure()
    figures.figure_png(fig, close=False)
    assert plt.get_fignums() == [fig.number]
    plt.close(fig)


def test_save_figure_writes_into_the_configured_folder_atomically(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_FIGURES_DIR", str(tmp_path / "figs"))
    reloaded = importlib.reload(figures)
    try:
        fig = _figure()
        path = reloaded.save_figure(fig, "curve")
        assert path == tmp_path / "figs" / "curve.png" and path.read_bytes().startswith(b"\x89PNG")
        assert [p.name for p in path.parent.iterdir()] == ["curve.png"]  # no temporary file left behind
        assert plt.fignum_exists(fig.number)  # the caller may still show it
        plt.close(fig)
    finally:
        monkeypatch.delenv("WORKBOOK_FIGURES_DIR")
        importlib.reload(figures)


@pytest.mark.parametrize("name", ["", "curve.png", "sub/curve", "../curve", None])
def test_save_figure_wants_a_bare_stem(name):
    with pytest.raises(ValueError, match="name must be a bare file stem such as 'learning_curve'"):
        figures.save_figure(_figure(), name)
    plt.close("all")


def test_only_a_figure_becomes_a_png():
    with pytest.raises(TypeError, match="must be a matplotlib Figure"):
        figures.figure_png("plot")
    with pytest.raises(TypeError, match="must be a matplotlib Figure"):
        figures.save_figure(None, "plot")


def test_show_matrix_writes_every_entry_in_its_cell():
    fig, ax = plt.subplots()
    figures.show_matrix(ax, np.array([[1.0, -2.0], [0.0, 0.5]]), lim=2.0)
    texts = {(t.get_position(), t.get_text(), t.get_color()) for t in ax.texts}
    assert texts == {((0, 0), "1", "black"), ((1, 0), "-2", "white"), ((0, 1), "0", "black"),
                     ((1, 1), "0.5", "black")}
    assert ax.images[0].get_clim() == (-2.0, 2.0)
    plt.close(fig)
