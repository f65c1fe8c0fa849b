"""Grade one student with nbgrader, in a fresh folder, against the student edition's helpers, within limits.

A ``GradingKit`` carries everything grading needs as bytes (the gradebook with the solution cells blanked, the
student edition's ``helpers`` as a zip, the limits), so a Dask worker on another machine needs no shared files.
``grade_student`` writes a new nbgrader course folder in a temporary directory holding only that student's
notebooks, the gradebook and the stripped ``helpers``, runs ``nbgrader autograde`` and ``generate_feedback`` in one
process group with a memory limit and a time limit, reads the scores from the gradebook and the messages from the
autograded notebooks, and deletes the folder. Statuses come from those signals, never from a score of 0 alone:

passed, failed, not answered, missing notebook, timed out, kernel died, tampered check, not a notebook.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from instructor.assignment import ASSIGNMENT, ROOT, blank_solutions, generate, nbgrader_config, nbgrader_path
from instructor.solutions import copy_student_helpers
from instructor.submissions import Submission

__all__ = ["STATUSES", "GradingKit", "ExerciseResult", "StudentResult", "make_kit", "grade_student"]

STATUSES = ("passed", "failed", "not answered", "missing notebook", "timed out", "kernel died", "tampered check",
            "not a notebook")
KERNEL_ARGUMENTS = ("--InteractiveShell.xmode=Minimal", "--HistoryManager.enabled=False")


@dataclass(frozen=True)
class GradingKit:
    """What a grading process needs: gradebook and student helpers (bytes), the exercises, and the limits."""

    gradebook: bytes
    helpers_zip: bytes
    exercises: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # (notebook, ((exercise, max points), ...))
    cell_timeout: int = 600
    student_timeout: int = 3600
    memory_mb: int = 6144
    fast: bool = True
    sources: str = ""  # a hash of the solution notebooks and helpers the kit was made from

    @property
    def key(self) -> str:
        """A hash of everything that decides a grade, so cached results are reused only for the same kit."""
        settings = [self.sources, self.exercises, self.cell_timeout, self.student_timeout, self.memory_mb, self.fast]
        return hashlib.sha256(json.dumps(settings).encode()).hexdigest()


@dataclass(frozen=True)
class ExerciseResult:
    """One row of grades.csv."""

    student: str
    notebook: str
    exercise: str
    points: float
    max_points: float
    status: str
    feedback: str


@dataclass
class StudentResult:
    """All rows of one student, their feedback pages (notebook -> HTML), the errors raised by cells that are not
    checks (notebook -> [(cell index, error name, first line)]) and the tail of nbgrader's log."""

    student: str
    rows: list[ExerciseResult] = field(default_factory=list)
    feedback: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    log: str = ""

    def to_json(self) -> str:
        """The result as JSON (the grader's cache)."""
        return json.dumps({"student": self.student, "rows": [asdict(r) for r in self.rows],
                           "feedback": self.feedback, "errors": self.errors, "log": self.log})

    @classmethod
    def from_json(cls, text: str) -> StudentResult:
        """Inverse of ``to_json``."""
        data = json.loads(text)
        errors = {k: [tuple(e) for e in v] for k, v in data["errors"].items()}
        return cls(data["student"], [ExerciseResult(**r) for r in data["rows"]], data["feedback"], errors,
                   data["log"])


def _zip_folder(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*.py")):
            z.write(path, path.relative_to(folder.parent).as_posix())
    return buf.getvalue()


def _exercises(gradebook: Path) -> tuple[tuple[str, tuple[tuple[str, float], ...]], ...]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gradebook}") as gb:
        assignment = gb.find_assignment(ASSIGNMENT)
        return tuple((nb.name, tuple((c.name, float(c.max_score)) for c in sorted(nb.grade_cells, key=_name)))
                     for nb in sorted(assignment.notebooks, key=_name))


def _name(item: object) -> str:
    return item.name


def make_kit(*, cell_timeout: int = 600, student_timeout: int = 3600, memory_mb: int = 6144, fast: bool = True,
             notebooks: Path | None = None) -> GradingKit:
    """Build the gradebook from the solution notebooks (default ``notebooks/``) and the student edition's helpers."""
    with tempfile.TemporaryDirectory(prefix="grading-kit-") as tmp:
        work = Path(tmp)
        gradebook = generate(work, notebooks).gradebook
        exercises = _exercises(gradebook)
        blank_solutions(gradebook)
        helpers = copy_student_helpers(work / "lib")
        return GradingKit(gradebook.read_bytes(), _zip_folder(helpers), exercises, cell_timeout, student_timeout,
                          memory_mb, fast, _sources_hash(notebooks or ROOT / "notebooks"))


def _sources_hash(notebooks: Path) -> str:
    """The grader's inputs: solution notebooks and helpers (the gradebook itself differs from run to run)."""
    h = hashlib.sha256()
    for path in sorted(notebooks.glob("*.ipynb")) + sorted((ROOT / "helpers").rglob("*.py")):
        h.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _limits(memory_mb: int):
    def apply() -> None:
        os.setsid()  # one process group: a timeout kills nbgrader and every kernel it started
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def _environment(tmp: Path, lib: Path, fast: bool) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "TZ", "SYSTEMROOT")}
    env = dict(keep, PATH=nbgrader_path(), HOME=str(tmp / "home"), PYTHONPATH=str(lib),
               WORKBOOK_FIGURES_DIR=str(tmp / "figures"), MPLCONFIGDIR=str(tmp / "mpl"),
               IPYTHONDIR=str(tmp / "ipython"), MPLBACKEND="Agg",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0",
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"))
    if fast:
        env["WORKBOOK_GRADING_FAST"] = "1"
    for name in ("home", "figures", "mpl", "ipython", "runtime", "jupyter-config"):
        (tmp / name).mkdir()
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float, memory_mb: int) -> tuple[int | None, str]:
    """Run a command in its own process group; (exit code or None if it timed out, combined output)."""
    with subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          preexec_fn=_limits(memory_mb)) as proc:
        try:
            out, _ = proc.communicate(timeout=timeout)
            return proc.returncode, out.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            return None, out.decode("utf-8", "replace")


def _first_line(cell: dict) -> tuple[str, str | None]:
    """(first line of the cell's message, error name or None) from an autograded check cell."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            text = out.get("evalue") or out.get("ename", "")
            return (text.strip().splitlines() or [""])[0][:300], out.get("ename")
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            lines = out.get("text", "").strip().splitlines()
            return (lines[-1][:300] if lines else ""), None
    return "", None


def _grade_cells(nb: dict) -> dict[str, dict]:
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb.get("cells", [])
            if c.get("metadata", {}).get("nbgrader", {}).get("grade") and c["cell_type"] == "code"}


def _other_errors(nb: dict) -> list[tuple[int, str, str]]:
    """Errors raised by cells that are not check cells: (cell index, error name, first line of the message)."""
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code" or cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append((i, out.get("ename", ""), (out.get("evalue", "").strip().splitlines() or [""])[0][:200]))
    return found


def _scores(gradebook: Path, student: str) -> dict[tuple[str, str], float | None]:
    from nbgrader.api import Gradebook, MissingEntry

    scores: dict[tuple[str, str], float | None] = {}
    with Gradebook(f"sqlite:///{gradebook}") as gb:
        try:
            submission = gb.find_submission(ASSIGNMENT, student)
        except MissingEntry:
            return scores
        for nb in submission.notebooks:
            for grade in nb.grades:
                scores[(nb.name, grade.name)] = grade.auto_score
    return scores


def _status(ename: str | None, score: float | None, max_points: float) -> str:
    if ename in ("NotAnswered",):
        return "not answered"
    if ename in ("KeyboardInterrupt", "CellTimeoutError", "TimeoutError"):
        return "timed out"
    if ename == "DeadKernelError":
        return "kernel died"
    if score is not None and score >= max_points and ename is None:
        return "passed"
    return "failed"


def grade_student(kit: GradingKit, submission: Submission) -> StudentResult:
    """Grade one student's submission in a fresh temporary folder; see the module docstring."""
    result = StudentResult(submission.student)
    with tempfile.TemporaryDirectory(prefix="grading-") as tmp:
        tmp_path = Path(tmp)
        course = tmp_path / "course"
        submitted = course / "submitted" / submission.student / ASSIGNMENT
        submitted.mkdir(parents=True)
        (course / "source" / ASSIGNMENT).mkdir(parents=True)
        (course / "gradebook.db").write_bytes(kit.gradebook)
        (course / "nbgrader_config.py").write_text(nbgrader_config(cell_timeout=kit.cell_timeout,
                                                                   kernel_arguments=KERNEL_ARGUMENTS))
        lib = tmp_path / "lib"
        with zipfile.ZipFile(io.BytesIO(kit.helpers_zip)) as z:
            z.extractall(lib)
        for notebook, data in submission.notebooks.items():
            (submitted / f"{notebook}.ipynb").write_bytes(data)
        env = _environment(tmp_path, lib, kit.fast)
        code, log = None, ""
        if submission.notebooks:
            code, log = _run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--student",
                              submission.student, "--force"], course, env, kit.student_timeout, kit.memory_mb)
            if code is not None:
                _, feedback_log = _run([sys.executable, "-m", "nbgrader", "generate_feedback", ASSIGNMENT,
                                        "--student", submission.student, "--force"], course, env, 300, kit.memory_mb)
                log += feedback_log
        result.log = log[-4000:]
        scores = _scores(course / "gradebook.db", submission.student)
        autograded = course / "autograded" / submission.student / ASSIGNMENT
        feedback = course / "feedback" / submission.student / ASSIGNMENT
        for notebook, exercises in kit.exercises:
            result.rows += _notebook_rows(kit, submission, notebook, exercises, scores, course, code, log)
            page = feedback / f"{notebook}.html"
            if page.is_file():
                result.feedback[notebook] = page.read_text(encoding="utf-8")
            graded = autograded / f"{notebook}.ipynb"
            if graded.is_file():
                result.errors[notebook] = _other_errors(nbformat.read(graded, as_version=4))
    return result


def _regions(nb: dict) -> dict[str, list[dict]]:
    """For each check cell (by grade id): the cells from just after the previous check cell up to it, inclusive."""
    regions, current = {}, []
    for cell in nb.get("cells", []):
        current.append(cell)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("grade"):
            regions[meta["grade_id"]] = current
            current = []
    return regions


def _region_problem(cells: list[dict], memory_mb: int, cell_timeout: int) -> tuple[str, str] | None:
    """(status, feedback) when a cell of the exercise ran too long or out of memory, else None."""
    for cell in cells:
        names = {o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"}
        if names & {"CellTimeoutError", "KeyboardInterrupt"}:
            return "timed out", f"a cell of this exercise ran longer than the {cell_timeout} s limit and was stopped"
        if "MemoryError" in names:
            return "failed", f"a cell of this exercise ran out of memory (the limit is {memory_mb} MB)"
    return None


def _without_hidden_tests(source: str) -> str:
    return re.sub(r"[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", "", source, flags=re.S).strip()


def _check_sources(gradebook: Path) -> dict[tuple[str, str], str]:
    """(notebook, grade id) -> the source of each locked check cell as released (hidden tests removed)."""
    with sqlite3.connect(gradebook) as db:
        rows = db.execute("SELECT notebook.name, source_cell.name, source_cell.source FROM source_cell "
                          "JOIN notebook ON source_cell.notebook_id = notebook.id WHERE source_cell.locked = 1")
        return {(nb, name): _without_hidden_tests(src or "") for nb, name, src in rows}


def _notebook_rows(kit: GradingKit, submission: Submission, notebook: str, exercises: tuple[tuple[str, float], ...],
                   scores: dict, course: Path, code: int | None, log: str) -> list[ExerciseResult]:
    student = submission.student

    def row(exercise: str, max_points: float, status: str, feedback: str, points: float = 0.0) -> ExerciseResult:
        return ExerciseResult(student, notebook, exercise, points, max_points, status, feedback)

    if notebook in submission.invalid:
        return [row(e, m, "not a notebook", submission.invalid[notebook]) for e, m in exercises]
    if notebook not in submission.notebooks:
        return [row(e, m, "missing notebook", f"{notebook}.ipynb was not handed in") for e, m in exercises]
    handed_in = _grade_cells(nbformat.reads(submission.notebooks[notebook].decode("utf-8"), as_version=4))
    path = course / "autograded" / student / ASSIGNMENT / f"{notebook}.ipynb"
    if code is None and not path.is_file():
        return [row(e, m, "timed out", f"grading took longer than the {kit.student_timeout} s limit")
                for e, m in exercises]
    graded = nbformat.read(path, as_version=4) if path.is_file() else {}
    cells, regions = _grade_cells(graded), _regions(graded)
    originals = _check_sources(course / "gradebook.db")
    unscored = all(scores.get((notebook, e)) is None for e, _ in exercises)
    died = not path.is_file() or ("DeadKernelError" in log and unscored)
    rows = []
    for exercise, max_points in exercises:
        score = scores.get((notebook, exercise))
        if exercise not in handed_in:
            rows.append(row(exercise, max_points, "tampered check", "the locked check cell was deleted"))
            continue
        if died and score is None:
            rows.append(row(exercise, max_points, "kernel died", "the notebook's kernel died before this check ran"))
            continue
        line, ename = _first_line(cells.get(exercise, {}))
        status = _status(ename, score, max_points)
        problem = _region_problem(regions.get(exercise, []), kit.memory_mb, kit.cell_timeout)
        if problem and status != "passed":
            status, line = problem
        original = originals.get((notebook, exercise))
        if original is not None and _without_hidden_tests(handed_in[exercise]["source"]) != original:
            line += " (the locked check cell had been edited; the original was run)"
        rows.append(row(exercise, max_points, status, line, float(score or 0.0) if status == "passed" else 0.0))
    return rows
