"""A notebook opened in JupyterLab in the browser: what the suite reads from it and does to it.

One class per kind of page. ``NotebookPage`` opens a notebook of the workbook with its stored outputs and
runs chosen cells; another kind (e.g. a generated student notebook) subclasses it and overrides
``cells_to_run`` or the checks it needs.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from lab_server import Lab
from notebook_cells import StoredNotebook, stand_in

__all__ = ["PROBE_JS", "VIEWPORTS", "NotebookPage", "ScratchNotebookPage"]

PROBE_JS = (Path(__file__).resolve().parent / "widget_probe.js").read_text()
# JupyterLab's default layout (file browser open) in a laptop-sized window, and a narrow window.
VIEWPORTS = {"default": {"width": 1280, "height": 800}, "narrow": {"width": 800, "height": 800}}
# An error a cell printed: a traceback, or a line starting with an exception name.
ERROR_TEXT = re.compile(r"Traceback \(most recent call last\)|^\w+(Error|Exception)\b", re.M)


class NotebookPage:
    """A notebook of the workbook in a JupyterLab tab: its stored outputs first, then the cells it runs."""

    def __init__(self, page, lab: Lab, name: str) -> None:
        self.page, self.lab, self.name = page, lab, name
        self.stored = StoredNotebook(lab.root / name)
        self.panel = page.locator(".jp-NotebookPanel:visible")

    # ------------------------------------------------------------------------------------------ opening
    def open(self, timeout_s: float = 60) -> None:
        """Open the notebook in the JupyterLab tab (closing what was open, unsaved), wait for its cells, its kernel
        and its stored widgets to be drawn."""
        self.page.evaluate("""async (path) => {
          const app = window.jupyterapp;
          for (const widget of ['main', 'down'].flatMap(area => Array.from(app.shell.widgets(area)))) {
            if (widget.context) widget.context.model.dirty = false;  // never ask to save: nothing is saved
            widget.dispose();
          }
          await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
        }""", self.name)
        self.panel.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=timeout_s * 1000)
        self.page.wait_for_function("() => window.__wb && window.__wb.install()", timeout=timeout_s * 1000,
                                    polling=250)
        deadline = time.monotonic() + timeout_s
        while len(self.widget_areas()) < self.stored.widget_views and time.monotonic() < deadline:
            self.page.wait_for_timeout(250)

    def cells_to_run(self) -> list[int]:
        """Code cells (indices among code cells) the widget checks need; nbval has run all of them."""
        return self.stored.cells_for_widgets()

    def run_cells(self, indices: list[int], timeout_s: float) -> bool:
        """Run these code cells, in order, in the page's kernel (a cell that only checks exercises is replaced by
        its ``stand_in``, sent to the kernel directly); True if every one succeeded."""
        segments: list[list[int] | str] = []
        for i in indices:
            code = stand_in(self.stored.cells[i])
            if code:
                segments.append(code)
            elif segments and isinstance(segments[-1], list):
                segments[-1].append(i)
            else:
                segments.append([i])
        return self.page.evaluate("""async ([segments, timeoutMs]) => {
          const app = window.jupyterapp, panel = app.shell.currentWidget, nb = panel.content;
          await panel.sessionContext.ready;
          const code = nb.widgets.filter(c => c.model.type === 'code');
          const run = async segment => {
            if (typeof segment === 'string') {
              const reply = await panel.sessionContext.session.kernel.requestExecute(
                {code: segment, store_history: false}).done;
              return reply.content.status === 'ok';
            }
            nb.deselectAll();
            nb.activeCellIndex = nb.widgets.indexOf(code[segment[0]]);
            segment.forEach(i => nb.select(code[i]));
            return await app.commands.execute('notebook:run-cell');
          };
          const all = (async () => {
            for (const segment of segments) if (!(await run(segment))) return false;
            return true;
          })();
          const timeout = new Promise(resolve => setTimeout(() => resolve('timeout'), timeoutMs));
          return await Promise.race([all, timeout]);
        }""", [segments, timeout_s * 1000]) is True

    def wait_for_widgets(self, cells: list[int], timeout_s: float = 60) -> None:
        """Wait until the widget views of these code cells are drawn again (after running them)."""
        deadline = time.monotonic() + timeout_s
        expected = sum(self.stored.cells[i].widget_views for i in cells)
        while time.monotonic() < deadline:
            drawn = [a for a in self.widget_areas() if a["cell"] in cells]
            if len(drawn) >= expected:
                break
            self.page.wait_for_timeout(200)
        self.page.wait_for_timeout(300)  # MathJax typesets after the first draw

    # ------------------------------------------------------------------------------------------ reading
    def widget_areas(self) -> list[dict]:
        """Every drawn widget view in the notebook: {"cell": code-cell index, "text": its first words}."""
        return self.page.evaluate("() => window.__wb.areas()")

    def output_problems(self) -> list[str]:
        """Error outputs and widgets not drawn as widgets, in the whole notebook."""
        problems = []
        for kind in ("error", "stderr"):
            texts = self.panel.locator(f'.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.{kind}"]')
            problems += [f"{kind} output: {t[:1500]}" for t in texts.all_inner_texts()
                         if kind == "error" or ERROR_TEXT.search(t)]
        broken = re.compile(r"Error displaying widget|^(interactive|[HV]?Box|Output|Tab|Accordion|\w+Slider|Dropdown|"
                            r"Button|TrainPanel)\(", re.M)
        texts = self.panel.locator(".jp-OutputArea-output").all_inner_texts()
        problems += [f"widget not drawn as a widget: {t[:200]}" for t in texts if broken.search(t)]
        for i, _ in enumerate(self.widget_areas()):
            problems += self.page.evaluate("i => window.__wb.drawingProblems(i)", i)
        return problems

    def log_console(self) -> list[str]:
        """The entries JupyterLab's log console shows for this notebook (it opens the console: call it last)."""
        return self.page.evaluate("() => window.__wb.logConsole()")

    def set_width(self, viewport: str) -> None:
        self.page.set_viewport_size(VIEWPORTS[viewport])
        self.page.wait_for_timeout(400)  # Lumino lays the panels out again

    def screenshot_area(self, index: int, path: Path) -> None:
        area = self.page.locator(f'[data-wb-area="{index}"]')
        area.scroll_into_view_if_needed()
        area.screenshot(path=str(path))


class ScratchNotebookPage(NotebookPage):
    """A notebook the suite writes itself into the served folder, without stored outputs: every cell is run."""

    def cells_to_run(self) -> list[int]:
        return [c.index for c in self.stored.cells]
