"""The student edition: built by nbgrader from the solution notebooks, complete, and free of every solution.

The grading runs (solutions score everything, untouched notebooks score nothing) are in tests/test_grading.py.
"""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from instructor import solutions
from instructor.student_edition import build

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    return build(tmp_path_factory.mktemp("edition") / "student")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def test_the_edition_holds_what_a_student_needs(edition):
    names = {p.name for p in edition.iterdir()}
    assert {"notebooks", "helpers", "README.md", "Makefile", "pyproject.toml", "environment.yml",
            "check_answers.py", "figures"} <= names
    assert sorted(p.name for p in (edition / "notebooks").glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    assert not list(edition.rglob("__pycache__")) and not list(edition.rglob("*.pyc"))
    assert not list(edition.rglob("gradebook.db")) and not list(edition.rglob(".ipynb_checkpoints"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_at_least_three_exercises_in_nbgraders_format(path):
    cells = _cells(path)
    grades = [_nbgrader(c) for c in cells if _nbgrader(c).get("grade")]
    answers = [_nbgrader(c) for c in cells if _nbgrader(c).get("solution")]
    assert len(grades) >= 3, f"{path.name} has {len(grades)} graded exercises; the course needs at least 3"
    ids = [m["grade_id"] for m in grades + answers]
    assert len(ids) == len(set(ids)), f"{path.name}: grade_ids must be unique: {ids}"
    for c in cells:
        meta = _nbgrader(c)
        if meta:
            assert meta.get("schema_version") == 3 and meta.get("grade_id"), f"{path.name}: incomplete metadata"
        if meta.get("grade"):
            assert c["cell_type"] == "code" and meta.get("locked") and meta.get("points", 0) > 0
        source = "".join(c["source"])
        if "BEGIN SOLUTION" in source:
            assert meta.get("solution"), f"{path.name}: a solution region outside an answer cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_progress_lists_exactly_the_notebooks_checks_and_reports_at_the_end(path):
    cells = _cells(path)
    checks = [_nbgrader(c)["grade_id"] for c in cells if _nbgrader(c).get("grade")]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    declared = re.search(r"Progress\(([^)]*)\)", code)
    assert declared, f"{path.name}: the set-up cell must create progress = exercises.Progress(...)"
    names = re.findall(r"[\"']([\w-]+)[\"']", declared.group(1))
    assert names == checks, f"{path.name}: Progress lists {names}, the check cells are {checks}"
    last_code = [c for c in cells if c["cell_type"] == "code"][-1]
    assert "progress.report()" in "".join(last_code["source"])


def _solution_code(paths) -> set[str]:
    lines = set()
    for path in paths:
        for cell in _cells(path):
            lines.update(solutions.solution_lines("".join(cell["source"])))
    return lines


def test_every_solution_in_helpers_is_also_in_a_notebook_so_students_can_have_it():
    in_notebooks = _solution_code(NOTEBOOKS)
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        lines = solutions.solution_lines(path.read_text(encoding="utf-8"))
        missing = [line for line in lines if line not in in_notebooks]
        assert not missing, (f"{path.relative_to(ROOT)} has solution lines that no notebook's answer cell holds "
                             f"(a student could never have them): {missing[:3]}")


def _forbidden_texts() -> list[str]:
    """Solution lines (notebooks and helpers), hidden tests and stored outputs of the source notebooks."""
    texts = set(_solution_code(NOTEBOOKS))
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        texts.update(solutions.solution_lines(path.read_text(encoding="utf-8")))
    for path in NOTEBOOKS:
        for cell in _cells(path):
            for hidden in HIDDEN.findall("".join(cell["source"])):
                texts.update(line.strip() for line in hidden.splitlines() if line.strip())
            for out in cell.get("outputs", []):
                for value in [out.get("text", "")] + list(out.get("data", {}).values()):
                    text = "".join(value) if isinstance(value, list) else str(value)
                    texts.update(line.strip() for line in text.splitlines() if len(line.strip()) >= 25)
    # very short or generic lines ("return y", "pass") would match ordinary code: keep the distinctive ones
    generic = re.compile(r"[\W\d_]*|(return|pass|else|try|break)\b.*")
    return sorted(t for t in texts if len(t) >= 12 and not generic.fullmatch(t))


def test_no_solution_hidden_test_or_stored_output_reaches_the_student_edition(edition):
    forbidden = _forbidden_texts()
    assert len(forbidden) > 50  # the search itself must have something to look for
    for path in sorted(p for p in edition.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", "replace")
        if path.suffix == ".ipynb":  # JSON escapes quotes and backslashes: search the decoded cells too
            text += "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
        found = next((t for t in forbidden if t in text), None)
        assert found is None, f"{path.relative_to(edition)} contains {found!r}, which must not reach students"


def test_student_notebooks_carry_no_widget_state_outputs_or_execution_metadata(edition):
    for path in sorted((edition / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert set(nb.metadata) <= {"kernelspec", "language_info"}
        for cell in nb.cells:
            assert set(cell.metadata) <= {"nbgrader", "editable", "deletable", "tags"}
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


def test_student_helpers_import_and_raise_a_clear_message_for_every_removed_solution(edition):
    code = ("import importlib, pkgutil, sys\n"
            "import helpers\n"
            "for m in pkgutil.walk_packages(helpers.__path__, 'helpers.'):\n"
            "    importlib.import_module(m.name)\n"
            "print(helpers.__file__)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=edition, capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(edition), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().startswith(str(edition))
    stubs = 0
    for path in sorted((edition / "helpers").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and "is an exercise: answer it in its notebook first" in ast.unparse(node):
                stubs += 1
    assert stubs >= 5, "helpers should lose the solutions of the exercises"


def test_stripping_is_nbgraders_rule_and_keeps_valid_python():
    source = ("def f(x):\n    \"\"\"Square.\"\"\"\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION\n\n"
              "class A:\n    def g(self):\n        ### BEGIN SOLUTION\n        return 1\n        ### END SOLUTION\n")
    stripped = solutions.strip_solutions(source)
    ast.parse(stripped)
    assert "x * x" not in stripped and "return 1" not in stripped
    assert 'raise NotImplementedError("f() is an exercise' in stripped
    assert 'raise NotImplementedError("g() is an exercise' in stripped
    assert solutions.solution_lines(source) == ["return x * x", "return 1"]
    for broken in ("### BEGIN SOLUTION\nx = 1\n", "x = 1\n### END SOLUTION\n",
                   "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n"):
        with pytest.raises(ValueError):
            solutions.strip_solutions(broken)


def test_a_failed_build_leaves_the_previous_edition_in_place(tmp_path, monkeypatch):
    out = tmp_path / "student"
    out.mkdir()
    (out / "keep.txt").write_text("previous edition")
    monkeypatch.setattr("instructor.student_edition.generate", lambda work: (_ for _ in ()).throw(RuntimeError("x")))
    with pytest.raises(RuntimeError):
        build(out)
    assert (out / "keep.txt").read_text() == "previous edition"
    with pytest.raises(SystemExit, match="refusing to write"):
        build(ROOT)
