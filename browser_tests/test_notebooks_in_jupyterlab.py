"""Every notebook, opened in JupyterLab in a real browser, shows what a student should see, and its widgets hold.

nbval proves that the kernel runs every cell and reproduces the stored outputs; this suite proves what a
student sees, without re-doing nbval's work:

1. The stored outputs, opened as they are: no error output, every widget drawn as a widget (from the
   widget state stored with the notebook), no LaTeX that MathJax could not typeset.
2. Only the cells the widgets need are run (``notebook_cells``), in the page's kernel; the widgets are
   then live: every control is moved to its ends and fed what students type (``widget_pass``), each
   change must redraw (or show a message) within 1 s for an explorer, with no traceback anywhere and nothing
   in JupyterLab's log console; the Train panel must give messages for bad input, train, show progress
   and stop cleanly.
3. Every control, its readout and its label can be seen and read (not covered, clipped, zero-size or cut)
   at JupyterLab's default width and in a narrow window; screenshots go to screenshots/ (each notebook, the
   Train panel at both widths, and with BROWSER_WIDGET_SCREENSHOTS=1 every widget).

``make test-browser`` runs one notebook at a time (``BROWSER_JOBS=2``: two workers, each with its own JupyterLab and
browser).
"""

from __future__ import annotations

import os
import re
import time

import pytest
from lab_page import VIEWPORTS, NotebookPage
from lab_server import NOTEBOOKS_DIR
from notebook_cells import StoredNotebook
from widget_pass import ControlPass, TrainPanelPass, log_console_sources, redraw_summary

RUN_TIMEOUT_S = int(os.environ.get("NOTEBOOK_RUN_TIMEOUT_S", "600"))
# One picture per widget as well as per notebook (and the Train panel's): BROWSER_WIDGET_SCREENSHOTS=1 (slower).
WIDGET_SCREENSHOTS = os.environ.get("BROWSER_WIDGET_SCREENSHOTS") == "1"


def _has_train_panel(nb: StoredNotebook) -> bool:
    return any("TrainPanel(" in c.source for c in nb.cells)


def _cost(path) -> tuple:
    nb = StoredNotebook(path)
    return (_has_train_panel(nb), len(nb.cells_for_widgets()) + nb.widget_views)


# The most work first, so that parallel workers (BROWSER_JOBS=2) finish together.
NOTEBOOKS = [p.name for p in sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"), key=_cost, reverse=True)]


# Where a problem was seen; the same problem seen again elsewhere is reported once.
CONTEXT = (r"^(stored outputs|after running|after the control pass): "
           r"|, (default|narrow) width(, after the control pass)?")


def _once(problems: list[str]) -> list[str]:
    """Each problem once, where it was first seen (a LaTeX error is in the stored outputs and after running)."""
    seen, kept = set(), []
    for p in problems:
        core = re.sub(CONTEXT, "", p)
        if core not in seen:
            seen.add(core)
            kept.append(p)
    return kept


def _is_train_panel(page, area: int) -> bool:
    labels = page.evaluate("i => window.__wb.controls(i).map(c => c.label)", area)
    return {"Train", "Stop"} <= set(labels)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_in_jupyterlab(page, lab, screenshots, record_property, name):
    started = time.monotonic()
    stem = name.removesuffix(".ipynb")
    nb = NotebookPage(page, lab, name)
    problems: list[str] = []

    # 1. the stored outputs, as a student opens the notebook
    if not nb.stored.widget_views:
        pytest.fail(f"{name} stores no widget output: execute it (make execute NB=notebooks/{name}); the suite finds "
                    "a notebook's widgets in its stored outputs", pytrace=False)
    nb.open()
    drawn = len(nb.widget_areas())
    if drawn != nb.stored.widget_views:
        problems.append(f"stored outputs: {drawn} widgets drawn, the notebook stores {nb.stored.widget_views}")
    problems += [f"stored outputs: {p}" for p in nb.output_problems()]
    opened_s = time.monotonic() - started

    # 2. run what the widgets need, then drive every control
    cells = nb.cells_to_run()
    run_start = time.monotonic()
    if not nb.run_cells(cells, RUN_TIMEOUT_S):
        problems.append(f"running code cells {[c + 1 for c in cells]} did not succeed")
    nb.wait_for_widgets(nb.stored.widget_cells)
    run_s = time.monotonic() - run_start
    problems += [f"after running: {p}" for p in nb.output_problems()]
    areas = nb.widget_areas()
    if len(areas) != nb.stored.widget_views:
        problems.append(f"after running: {len(areas)} widgets drawn, the notebook displays {nb.stored.widget_views}")
    where = [f"{stem} widget {i + 1} (code cell {a['cell'] + 1}: {a['text'][:40]!r})" for i, a in enumerate(areas)]
    for i in range(len(areas)):
        problems += [f"{where[i]}, default width: {p}" for p in page.evaluate("i => window.__wb.visibility(i)", i)]

    pass_start = time.monotonic()
    changes = []
    train_panels = [i for i in range(len(areas)) if _is_train_panel(page, i)]
    for i in range(len(areas)):
        driver = TrainPanelPass if i in train_panels else ControlPass
        changes += driver(nb, i, where[i]).run()
    pass_s = time.monotonic() - pass_start
    problems += [str(c) for c in changes if c.problems]
    problems += [f"after the control pass: {p}" for p in nb.output_problems()]

    # 3. after the pass: still visible and readable at the default width and in a narrow window
    for viewport in VIEWPORTS:
        nb.set_width(viewport)
        for i in range(len(areas)):
            problems += [f"{where[i]}, {viewport} width, after the control pass: {p}"
                         for p in page.evaluate("i => window.__wb.visibility(i)", i)]
        for i in train_panels:
            nb.screenshot_area(i, screenshots / f"{stem[:2]}_train_panel_{viewport}.png")
    nb.set_width("default")
    shots_start = time.monotonic()
    page.screenshot(path=str(screenshots / f"{stem}.png"))
    if WIDGET_SCREENSHOTS:
        for i in range(len(areas)):
            nb.screenshot_area(i, screenshots / f"{stem}_widget{i + 1}.png")
    shots_s = time.monotonic() - shots_start

    problems += [f"{stem}: JupyterLab's log console shows: {entry}"
                 for entry in log_console_sources(nb.log_console(), changes)]
    problems += [f"{stem}: JavaScript error in the page: {err[:500]}" for err in page.page_errors]

    summary = (f"{stem}: {len(areas)} widgets, {len(changes)} changes; {redraw_summary(changes)}; "
               f"open {opened_s:.0f} s, ran {len(cells)} of {len(nb.stored.cells)} code cells in {run_s:.0f} s, "
               f"control pass {pass_s:.0f} s, screenshots {shots_s:.0f} s, total {time.monotonic() - started:.0f} s")
    record_property("summary", summary)
    print(summary)
    for c in changes:
        print(" ", c, f"-> {c.output[-120:]!r}" if c.output else "")
    problems = _once(problems)
    if problems:
        pytest.fail(f"{name}: {len(problems)} problem(s):\n  " + "\n  ".join(problems), pytrace=False)
