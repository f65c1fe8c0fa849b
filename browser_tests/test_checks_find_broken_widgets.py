"""The suite's checks can fail: on a notebook of deliberately broken widgets, each check finds its fault."""

from __future__ import annotations

from broken_widgets import FAULTS, LOG_CONSOLE_FAULT, write_notebook
from lab_page import ScratchNotebookPage
from widget_pass import ControlPass


def test_checks_find_every_fault_of_a_broken_notebook(page, lab):
    nb = ScratchNotebookPage(page, lab, write_notebook(lab.root))
    nb.open()
    assert nb.run_cells(nb.cells_to_run(), 120)
    nb.wait_for_widgets([])
    page.wait_for_timeout(500)
    areas = nb.widget_areas()
    assert len(areas) == len(FAULTS), areas
    missed = []
    for i, expected in FAULTS.items():
        found = page.evaluate("i => window.__wb.visibility(i)", i) + nb.output_problems()
        found += [p for change in ControlPass(nb, i, f"broken widget {i + 1}").run() for p in change.problems]
        missed += [f"widget {i + 1}: no problem mentions {words!r}; found {found}" for words in expected
                   if not any(words in p for p in found)]
    log = nb.log_console()
    if not any(LOG_CONSOLE_FAULT in entry for entry in log):
        missed.append(f"the log console check missed the callback's error; the console shows {log}")
    assert not missed, "\n".join(missed)
