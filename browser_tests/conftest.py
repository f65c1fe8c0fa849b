"""Fixtures for the browser tests: a private JupyterLab on a copy of the notebooks, headless Debian Chromium,
and a guard that the session leaves the working tree exactly as it found it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_page import PROBE_JS, VIEWPORTS
from lab_server import ROOT, Lab, copy_notebooks, running_lab, tree_changes, working_tree_state

SCREENSHOTS_DIR = ROOT / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
]


@pytest.fixture(scope="session", autouse=True)
def working_tree_unchanged() -> Iterator[None]:
    """Fail the run if the session changed anything git sees (or the content of a file it lists, or of any file
    under notebooks/ and figures/)."""
    before = working_tree_state()
    yield
    changes = tree_changes(before, working_tree_state())
    if changes:
        pytest.fail("the browser suite changed the working tree:\n  " + "\n  ".join(changes[:40]), pytrace=False)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a temporary copy of notebooks/, writing figures to a temporary folder."""
    work = tmp_path_factory.mktemp("workbook")
    with running_lab(copy_notebooks(work), work / "jupyter", work / "figures") as server:
        yield server


@pytest.fixture(scope="session")
def student_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a freshly built student edition, its kernels importing the edition's stripped helpers."""
    from instructor.student_edition import build

    work = tmp_path_factory.mktemp("student")
    edition = build(work / "student")
    with running_lab(edition / "notebooks", work / "jupyter", work / "figures", pythonpath=(edition,)) as server:
        yield server


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """Headless Debian Chromium driven by Playwright, with a fresh user-data dir and the suite's page probe."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).is_file():
        pytest.exit(
            f"Chromium not found at {CHROMIUM}. Install it with `sudo apt-get install chromium` (Debian/Ubuntu), "
            "or point CHROMIUM=/path/to/chromium at another build, then run `make test-browser` again.",
            returncode=1,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport=VIEWPORTS["default"],
        )
        context.add_init_script(PROBE_JS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def lab_tab(browser, lab):
    """One JupyterLab tab per worker, loaded once: each test opens its notebook in it (loading JupyterLab again
    for every notebook would cost seconds of CPU each time)."""
    page = browser.new_page()
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    page.goto(lab.lab_url())
    page.wait_for_function("() => !!window.jupyterapp", timeout=120_000)
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    yield page
    page.close()


@pytest.fixture
def page(lab_tab, lab):
    """The worker's JupyterLab tab at the default width, cleared of errors; the test's kernels shut down after."""
    lab_tab.set_viewport_size(VIEWPORTS["default"])
    lab_tab.page_errors.clear()
    yield lab_tab
    lab.shut_down_kernels(wait=False)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS_DIR.mkdir(exist_ok=True)
    return SCREENSHOTS_DIR


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Each notebook's summary (times, redraws, controls), also when the tests ran in parallel workers."""
    lines = []
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", None) == "call":
                lines += [str(v) for k, v in report.user_properties if k == "summary"]
    if lines:
        terminalreporter.section("notebooks in JupyterLab")
        for line in sorted(lines):
            terminalreporter.line(line)
