"""nbgrader's view of the workbook: one assignment, ``workbook``, whose notebooks are the solution notebooks.

``generate`` runs ``nbgrader generate_assignment`` in a scratch course folder and returns the released (student)
notebooks and the gradebook. The gradebook holds the solutions and the hidden tests; it is used for grading only
and never copied into the student edition. ``nbgrader_config`` is the one place where nbgrader is configured.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "workbook"
COURSE_ID = "workbook"

__all__ = ["ASSIGNMENT", "Assignment", "notebook_ids", "nbgrader_config", "nbgrader_path", "generate",
           "blank_solutions"]


def notebook_ids(notebooks: Path | None = None) -> list[str]:
    """The notebooks (default: the workbook's) by nbgrader id, the file name without .ipynb, in order."""
    return [p.stem for p in sorted((notebooks or ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]


def nbgrader_path(path: str | None = None) -> str:
    """PATH with this interpreter's scripts folder first: nbgrader runs its helper ``alembic`` from PATH."""
    return os.pathsep.join([str(Path(sys.executable).parent), path if path is not None else os.environ.get("PATH", "")])


def nbgrader_config(*, cell_timeout: int = 600, kernel_arguments: tuple[str, ...] = ()) -> str:
    """nbgrader_config.py for a course folder: metadata hygiene, execution limits, feedback without hidden tests."""
    return f"""\
c = get_config()
c.CourseDirectory.course_id = {COURSE_ID!r}
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# Widget state, timings and other front-end metadata never reach students; nbgrader's own keys stay.
c.ClearMetadataPreprocessor.enabled = True
c.ClearMetadataPreprocessor.preserve_cell_metadata_mask = {{"nbgrader", "editable", "deletable", "tags"}}
c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = {{"kernelspec", "language_info"}}
# Grading: a per-cell limit (a cell that runs longer is interrupted, later cells still run), bounded output.
c.Execute.timeout = {int(cell_timeout)}
c.Execute.interrupt_on_timeout = True
c.Execute.extra_arguments = {list(kernel_arguments)!r}
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
# Feedback pages show grades and messages, never the hidden tests (nbgrader issue 917).
from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
"""


@dataclass(frozen=True)
class Assignment:
    """The released notebooks (folder) and the gradebook (file) of one ``generate`` run."""

    release: Path
    gradebook: Path


def generate(work: Path, notebooks: Path | None = None) -> Assignment:
    """Run ``nbgrader generate_assignment`` on the solution notebooks in a new course folder under ``work``."""
    course = work / "course"
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for nb in sorted((notebooks or ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shutil.copy2(nb, source / nb.name)
    (course / "nbgrader_config.py").write_text(nbgrader_config())
    done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force"],
                          cwd=course, capture_output=True, text=True, check=False,
                          env=dict(os.environ, PATH=nbgrader_path()))
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return Assignment(course / "release" / ASSIGNMENT, course / "gradebook.db")


def blank_solutions(gradebook: Path) -> None:
    """Empty the stored source of every unlocked cell (the solution cells): grading needs only the locked ones."""
    with sqlite3.connect(gradebook) as db:
        db.execute("UPDATE source_cell SET source = '' WHERE locked = 0")
