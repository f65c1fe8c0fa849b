"""Every notebook, opened in JupyterLab in a real browser, runs cleanly and its widgets work.

nbval proves that the kernel runs a notebook; this proves what a student sees: no error outputs,
every widget drawn as a widget (not "Error displaying widget", not a text repr), and at least one
control per notebook that, changed in the page, changes the output it drives. New notebooks are
covered by existing in notebooks/.
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from playwright.sync_api import expect

from conftest import NOTEBOOKS_DIR, SCREENSHOTS_DIR

NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
RUN_TIMEOUT_S = int(os.environ.get("NOTEBOOK_RUN_TIMEOUT_S", "900"))
# How long a changed control may take to redraw what it drives (some re-run an experiment).
CONTROL_WAIT_S = 20
# What a widget looks like when the front end could not draw it: an error or its Python repr.
BROKEN_WIDGET = re.compile(r"Error displaying widget|^(interactive|VBox|HBox|Box|Output|Tab|Accordion|\w+Slider|Dropdown|Button)\(", re.M)

# In the browser: a fingerprint of what the widgets draw, leaving out the controls' own state
# (slider readouts, input values), so that it changes only when a driven output changes.
FINGERPRINT_JS = """
(root) => {
  const parts = [];
  root.querySelectorAll('img').forEach(img => parts.push(img.src.length + ':' + img.src.slice(-200)));
  root.querySelectorAll('.widget-output, .widget-html-content, .widget-htmlmath, .widget-label, svg, canvas')
      .forEach(el => parts.push(el.tagName === 'CANVAS' ? el.toDataURL().slice(-200) : el.innerHTML.length + ':' + el.textContent));
  return parts.join('|');
}
"""
# Controls to try, in order of preference: the reader's first moves, before buttons that start work.
CONTROLS = [
    ("slider", ".widget-slider .noUi-handle"),
    ("dropdown", ".widget-dropdown select"),
    ("text", ".widget-text input[type=text], .widget-text input[type=number]"),
    ("toggle", ".widget-toggle-buttons button:not(.mod-active)"),
    ("button", "button.jupyter-button"),
]


@pytest.fixture
def page(browser, lab):
    page = browser.new_page()
    yield page
    page.close()
    lab.shut_down_kernels()


def _stored_widget_outputs(name: str) -> int:
    """How many widget views the executed notebook displays (its stored outputs say)."""
    cells = json.loads((NOTEBOOKS_DIR / name).read_text())["cells"]
    return sum(
        "application/vnd.jupyter.widget-view+json" in out.get("data", {})
        for c in cells if c["cell_type"] == "code" for out in c.get("outputs", [])
    )


def _assert_no_tracebacks(panel, where: str) -> None:
    errors = panel.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or re.search(r"^\w+Error\b", t, re.M)]
    assert not tracebacks, f"{where}: error output in the page:\n{tracebacks[0][:2000]}"


def _menu(page, top: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def _wait_until_all_cells_ran(page, n_code_cells: int) -> None:
    prompts = page.locator(".jp-NotebookPanel:visible .jp-CodeCell .jp-InputPrompt")
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        texts = [t.strip() for t in prompts.all_inner_texts()]
        if len(texts) == n_code_cells and all(re.fullmatch(r"\[\d+\]:", t) for t in texts):
            return
        page.wait_for_timeout(1000)
    pytest.fail(f"cells did not finish within {RUN_TIMEOUT_S} s; prompts: {texts}")


def _change(page, kind: str, control) -> None:
    if kind == "slider":
        control.focus()
        control.press("ArrowRight")
        control.press("ArrowRight")
    elif kind == "dropdown":
        options = control.locator("option").all_inner_texts()
        current = control.input_value()
        values = control.evaluate("s => Array.from(s.options).map(o => o.value)")
        other = next(v for v in values if v != current) if len(options) > 1 else None
        if other is None:
            raise LookupError("dropdown has one option")
        control.select_option(other)
    elif kind == "text":
        control.fill("")
        control.type("1" if control.get_attribute("type") == "number" else "x**2 - y**2")
        control.press("Enter")
    else:
        control.click()


def _drive_one_control(page, widgets) -> str:
    """Change controls until one changes a driven output; return a description of it."""
    tried = []
    for kind, selector in CONTROLS:
        for w in range(widgets.count()):
            area = widgets.nth(w)
            for c in range(min(area.locator(selector).count(), 3)):
                control = area.locator(selector).nth(c)
                if not control.is_visible() or control.is_disabled():
                    continue
                before = area.evaluate(FINGERPRINT_JS)
                try:
                    _change(page, kind, control)
                except LookupError:
                    continue
                deadline = time.monotonic() + CONTROL_WAIT_S
                while time.monotonic() < deadline:
                    page.wait_for_timeout(500)
                    if area.evaluate(FINGERPRINT_JS) != before:
                        return f"{kind} #{c} in widget {w}"
                tried.append(f"{kind} #{c} in widget {w}")
    pytest.fail(f"no control changed any output it drives; tried: {tried or 'none found'}")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_its_widgets_work_in_jupyterlab(page, lab, name):
    page.goto(lab.notebook_url(name))
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=120_000)
    # wait for the kernel before running: the status shows the kernel's name once connected
    page.locator(".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator, .jp-NotebookPanel:visible .jp-KernelName").first.wait_for(timeout=120_000)
    n_code = sum(c["cell_type"] == "code" for c in json.loads((NOTEBOOKS_DIR / name).read_text())["cells"])
    expect(panel.locator(".jp-CodeCell")).to_have_count(n_code, timeout=120_000)
    _menu(page, "Edit", "Clear Outputs of All Cells")
    _menu(page, "Run", "Run All Cells")
    _wait_until_all_cells_ran(page, n_code)
    page.wait_for_timeout(2000)  # let the last widgets render

    _assert_no_tracebacks(panel, name)

    texts = panel.locator(".jp-OutputArea-output").all_inner_texts()
    broken = [t[:200] for t in texts if BROKEN_WIDGET.search(t)]
    assert not broken, f"{name}: widgets not drawn as widgets: {broken}"

    # A widget view is a mime-less output panel holding a drawn .jupyter-widgets element.
    widgets = panel.locator(".jp-OutputArea-output:not([data-mime-type])")
    n_widgets = widgets.count()
    expected = _stored_widget_outputs(name)
    assert n_widgets >= expected > 0, f"{name}: {n_widgets} widgets drawn, the notebook displays {expected}"
    for w in range(n_widgets):
        assert widgets.nth(w).locator(".jupyter-widgets").count() > 0, f"{name}: widget output {w} is not drawn"

    stem = name.removesuffix(".ipynb")
    SCREENSHOTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS_DIR / f"{stem}.png"))
    for w in range(n_widgets):  # the notebook scrolls inside the page: one picture per widget
        widgets.nth(w).screenshot(path=str(SCREENSHOTS_DIR / f"{stem}_widget{w + 1}.png"))
    driven = _drive_one_control(page, widgets)
    _assert_no_tracebacks(panel, f"{name}, after changing a control")
    print(f"{name}: {n_code} code cells, {n_widgets} widgets, changed output via {driven}")
