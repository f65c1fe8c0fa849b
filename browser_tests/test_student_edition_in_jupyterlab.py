"""A student's first exercise in the student edition, in JupyterLab: type an answer, run the check, read the feedback.

The edition is built afresh (``instructor.student_edition``) and served by its own JupyterLab, whose kernels import the
edition's ``helpers`` (solutions removed), exactly what a student opens after ``make lab`` in ``student/``.
"""

from __future__ import annotations

from lab_page import NotebookPage

NOTEBOOK = "04_network_capacity.ipynb"
ANSWER_CELL = "linear_product_possible = None"  # the stub the student replaces
WRONG, RIGHT = "linear_product_possible = True", "linear_product_possible = False"


CHECK_CELL_COUNT = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const i = nb.widgets.findIndex(c => c.node.getAttribute('data-wb-check') === '1');
  return nb.widgets[i].model.executionCount;
}"""


def _answer_and_check(page, answer: str) -> str:
    """Type ``answer`` into the answer cell like a student (click, select all, type), run it and the check cell
    below it with Shift+Enter, and return the text the check cell shows once it has run."""
    before = page.evaluate(CHECK_CELL_COUNT)
    page.locator('[data-wb-answer="1"] .cm-content').click()
    page.keyboard.press("Control+A")
    page.keyboard.type(answer)
    page.keyboard.press("Shift+Enter")  # runs the answer cell and moves to the check cell
    page.keyboard.press("Shift+Enter")  # runs the check cell
    page.wait_for_function(f"() => {{ const n = ({CHECK_CELL_COUNT})(); return n !== null && n !== {before or 0}; }}",
                           timeout=120_000, polling=200)
    page.wait_for_timeout(300)  # the output is drawn after the count arrives
    return "\n".join(page.locator('[data-wb-check="1"] .jp-OutputArea-output').all_inner_texts())


def test_a_student_types_an_answer_runs_the_check_and_reads_the_feedback(browser, student_lab, screenshots):
    page = browser.new_page()
    try:
        page.goto(student_lab.lab_url())
        page.wait_for_function("() => !!window.jupyterapp", timeout=120_000)
        page.evaluate("async () => { await window.jupyterapp.restored; }")
        nb = NotebookPage(page, student_lab, NOTEBOOK)
        nb.open()
        assert nb.run_cells([0], timeout_s=300), "the student notebook's set-up cell did not run"
        found = page.evaluate("""(stub) => {
          const nb = window.jupyterapp.shell.currentWidget.content;
          const i = nb.widgets.findIndex(c => c.model.type === 'code' && c.model.sharedModel.source.includes(stub));
          if (i < 0 || i + 1 >= nb.widgets.length) return false;
          nb.widgets[i].node.setAttribute('data-wb-answer', '1');
          nb.widgets[i + 1].node.setAttribute('data-wb-check', '1');
          return true;
        }""", ANSWER_CELL)
        assert found, f"{NOTEBOOK} in the student edition has no answer cell with {ANSWER_CELL!r}"

        wrong = _answer_and_check(page, WRONG)
        page.locator('[data-wb-check="1"]').scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / "student_04_feedback.png"))
        assert "✗" in wrong and "is not right" in wrong and "affine" in wrong, wrong
        assert "Traceback" not in wrong, f"the feedback shows a traceback instead of one line: {wrong}"

        right = _answer_and_check(page, RIGHT)
        assert "✓" in right and "is right" in right, right
        assert "Traceback" not in right and "✗" not in right, right
        problems = [p for p in nb.output_problems() if "not answered yet" not in p and "finish the exercise" not in p]
        assert not problems, problems
    finally:
        page.close()
        student_lab.shut_down_kernels(wait=False)
