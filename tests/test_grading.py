"""Grading a class: statuses for every kind of submission, the outputs, isolation, parallel = serial, re-runs.

A small notebook with two exercises keeps the hostile class fast; the workbook's own notebooks are graded at the end
(the solutions score everything, the untouched student edition nothing).
"""

import csv
import json
import subprocess
from pathlib import Path

import nbformat
import pytest

from instructor.grade import grade_class
from instructor.grading import STATUSES
from instructor.submissions import discover, folder_checksums
from instructor.synthetic_class import HOSTILE_CODE, SyntheticClass

ROOT = Path(__file__).resolve().parent.parent
DEMO = "90_demo"
TIMEOUT = 40  # per cell: the infinite loop waits this long; generous for a loaded 2-core machine


def _demo_notebook() -> nbformat.NotebookNode:
    def code(source, **nbgrader):
        cell = nbformat.v4.new_code_cell(source)
        if nbgrader:
            cell.metadata["nbgrader"] = {"schema_version": 3, "task": False, **nbgrader}
        return cell

    def check(name):
        return (f"progress.check({name!r}, lambda: exercises.check_arrays("
                f"exercises.call_answer({name}, 3.0, name={name!r}), {name}_of_3, '{name}(3)'))\n"
                f"### BEGIN HIDDEN TESTS\nassert {name}(5.0) == 5.0 ** {2 if name == 'square' else 3}  # secret\n"
                "### END HIDDEN TESTS")

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 90 · Demo"),
        code("from helpers import exercises\nprogress = exercises.Progress('square', 'cube')\n"
             "square_of_3, cube_of_3 = 9.0, 27.0"),
        code("square = None  # a function\n### BEGIN SOLUTION\ndef square(v):\n    return v * v  # SOLUTION-SQUARE\n"
             "### END SOLUTION", grade=False, grade_id="square_answer", locked=False, solution=True),
        code(check("square"), grade=True, grade_id="square", locked=True, points=2, solution=False),
        code("cube = None  # a function\n### BEGIN SOLUTION\ndef cube(v):\n    return v ** 3  # SOLUTION-CUBE\n"
             "### END SOLUTION", grade=False, grade_id="cube_answer", locked=False, solution=True),
        code(check("cube"), grade=True, grade_id="cube", locked=True, points=1, solution=False),
        code("progress.report()"),
    ]
    return nb


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-notebooks")
    nbformat.write(_demo_notebook(), folder / f"{DEMO}.ipynb")
    return folder


@pytest.fixture(scope="module")
def synthetic(demo):
    planted = SyntheticClass(demo)
    yield planted
    planted.close()


CLASS = {kind: {DEMO: kind} for kind in ["solutions", "untouched", "partly", "edited_check", "deleted_check",
                                          "not_json", "not_a_notebook", *HOSTILE_CODE]}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, synthetic, demo):
    """The hostile class, graded once with two workers."""
    root = tmp_path_factory.mktemp("class")
    subs = synthetic.write(root / "submissions", {**CLASS, "absent": {}})
    synthetic.write(root / "submissions", {"nbgrader_tree": {DEMO: "solutions"}}, nbgrader_layout=True)
    before = folder_checksums(subs)
    git_before = _git_status()
    grade_class(subs, root / "grades", workers=2, cell_timeout=TIMEOUT, memory_mb=4096, notebooks=demo,
                log=lambda _: None)
    return {"root": root, "subs": subs, "out": root / "grades", "before": before, "git_before": git_before}


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout


def _rows(out: Path) -> dict[tuple[str, str], dict]:
    with (out / "grades.csv").open(encoding="utf-8") as f:
        return {(r["student"], r["exercise"]): r for r in csv.DictReader(f)}


EXPECTED = {  # student -> (status of square, status of cube); square is the exercise the planted code goes into
    "solutions": ("passed", "passed"),
    "nbgrader_tree": ("passed", "passed"),
    "untouched": ("not answered", "not answered"),
    "partly": ("not answered", "passed"),
    "edited_check": ("passed", "passed"),
    "deleted_check": ("tampered check", "passed"),
    "not_json": ("not a notebook", "not a notebook"),
    "not_a_notebook": ("not a notebook", "not a notebook"),
    "absent": ("missing notebook", "missing notebook"),
    "infinite_loop": ("timed out", "passed"),
    "kernel_death": ("kernel died", "kernel died"),
    "memory_hog": ("failed", "passed"),
    "huge_output": ("passed", "passed"),
    "escape": ("passed", "passed"),
    "reads_solutions": ("passed", "passed"),
}


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_every_kind_of_submission_gets_its_status_and_only_its_own(graded, student):
    rows = _rows(graded["out"])
    square, cube = rows[(student, "square")], rows[(student, "cube")]
    assert (square["status"], cube["status"]) == EXPECTED[student], (square, cube)
    for row in (square, cube):
        assert row["status"] in STATUSES and row["feedback"]
        assert float(row["points"]) == (float(row["max_points"]) if row["status"] == "passed" else 0.0)


def test_the_reasons_say_what_happened(graded):
    rows = _rows(graded["out"])
    assert "not answered yet" in rows[("untouched", "square")]["feedback"]
    assert "ran longer than the 40 s limit" in rows[("infinite_loop", "square")]["feedback"]
    assert "ran out of memory" in rows[("memory_hog", "square")]["feedback"]
    assert "deleted" in rows[("deleted_check", "square")]["feedback"]
    assert "had been edited; the original was run" in rows[("edited_check", "square")]["feedback"]
    assert "not valid JSON" in rows[("not_json", "square")]["feedback"]
    assert "kernel died" in rows[("kernel_death", "cube")]["feedback"]
    assert rows[("solutions", "square")]["feedback"].startswith("✓ square")


def test_the_csv_has_one_row_per_student_and_exercise_in_a_stable_order(graded):
    lines = (graded["out"] / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "student,notebook,exercise,points,max_points,status,feedback"
    keys = [tuple(line.split(",")[:3]) for line in lines[1:]]
    assert keys == sorted(keys) and len(keys) == 2 * len(EXPECTED)


def test_feedback_pages_explain_and_never_show_hidden_tests_or_solutions(graded):
    pages = sorted((graded["out"] / "feedback").rglob("*.html"))
    assert {p.parent.name for p in pages} == set(EXPECTED)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if page.parent.name != "reads_solutions":  # which prints the gradebook: see the test below
            assert "# secret" not in text and "BEGIN HIDDEN TESTS" not in text, page
    partly = (graded["out"] / "feedback" / "partly" / f"{DEMO}.html").read_text(encoding="utf-8")
    assert "not answered yet" in partly


def test_a_hostile_submission_cannot_read_the_solutions(graded):
    page = (graded["out"] / "feedback" / "reads_solutions" / f"{DEMO}.html").read_text(encoding="utf-8")
    leaked = page.split("LEAKED", 1)[1].split("END-LEAK", 1)[0]  # what the hostile code found and printed
    assert "SOLUTION-SQUARE" not in leaked and "SOLUTION-CUBE" not in leaked  # no solution in the gradebook
    assert ".ipynb" not in leaked  # and no notebook in or above its folder
    # (it can print the hidden tests of the gradebook: nbgrader needs them there; README says so)


def test_nothing_outside_a_students_folder_changes(graded):
    assert folder_checksums(graded["subs"]) == graded["before"]
    assert _git_status() == graded["git_before"]
    assert not list(graded["root"].rglob("escaped.txt"))


def test_summary_is_printed_saved_and_names_the_common_wrong_answers(graded):
    summary = (graded["out"] / "summary.txt").read_text(encoding="utf-8")
    assert f"{len(EXPECTED)} students" in summary and "hardest exercises" in summary
    assert (graded["out"] / "summary.png").read_bytes().startswith(b"\x89PNG")


def test_one_worker_gives_the_same_results_and_a_rerun_reuses_them(graded, synthetic, demo, tmp_path):
    few = {name: CLASS[name] for name in ("solutions", "untouched", "partly")}
    subs = synthetic.write(tmp_path / "few", few)
    messages = []
    grade_class(subs, tmp_path / "serial", workers=1, cell_timeout=TIMEOUT, memory_mb=4096, notebooks=demo,
                log=messages.append)
    serial, parallel = _rows(tmp_path / "serial"), _rows(graded["out"])
    assert serial == {k: v for k, v in parallel.items() if k[0] in few}
    first = (tmp_path / "serial" / "grades.csv").read_text(encoding="utf-8").splitlines()
    messages.clear()
    synthetic.write(subs, {"late": {DEMO: "solutions"}})
    grade_class(subs, tmp_path / "serial", workers=1, cell_timeout=TIMEOUT, memory_mb=4096, notebooks=demo,
                log=messages.append)
    assert "grading 1 new or changed submission(s)" in messages[0] and "reusing 3" in messages[0]
    again = (tmp_path / "serial" / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert [line for line in again if not line.startswith("late,")] == first
    assert sum(line.startswith("late,") for line in again) == 2


def test_discover_accepts_lms_downloads_and_nbgraders_tree_and_refuses_bad_ids(tmp_path, synthetic):
    synthetic.write(tmp_path / "lms", {"ann": {DEMO: "solutions"}})
    synthetic.write(tmp_path / "nbg", {"ann": {DEMO: "solutions"}}, nbgrader_layout=True)
    for folder in ("lms", "nbg"):
        (sub,) = discover(tmp_path / folder, [DEMO])
        assert sub.student == "ann" and list(sub.notebooks) == [DEMO] and not sub.invalid
    renamed = tmp_path / "renamed" / "bob"
    renamed.mkdir(parents=True)
    (renamed / "90_demo (1).ipynb").write_bytes(synthetic.notebook(DEMO, "solutions"))
    assert list(discover(tmp_path / "renamed", [DEMO])[0].notebooks) == [DEMO]
    (tmp_path / "bad" / "../etc").mkdir(parents=True, exist_ok=True)
    (tmp_path / "weird" / "a b").mkdir(parents=True)
    with pytest.raises(ValueError, match="not a usable student id"):
        discover(tmp_path / "weird", [DEMO])
    with pytest.raises(FileNotFoundError, match="no submissions folder"):
        discover(tmp_path / "nowhere", [DEMO])


def test_the_command_line_refuses_bad_options(tmp_path):
    from instructor.grade import main

    with pytest.raises(SystemExit):
        main([str(tmp_path), "--workers", "0"])
    assert main([str(tmp_path / "nowhere")]) == 2


def test_the_workbooks_solutions_score_everything_and_its_untouched_student_edition_nothing(tmp_path):
    """Every source notebook, submitted unchanged, scores full points against the student edition's helpers; every
    untouched student notebook scores 0, each check saying "not answered yet", and no other cell fails except
    with the answer stubs' NotImplementedError or a message naming the exercise to finish first."""
    planted = SyntheticClass()
    try:
        ids = [p.stem for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
        subs = planted.write(tmp_path / "subs", {"solution": dict.fromkeys(ids, "solutions"),
                                                 "untouched": dict.fromkeys(ids, "untouched")})
    finally:
        planted.close()
    results = {r.student: r for r in grade_class(subs, tmp_path / "grades", workers=2, log=lambda _: None)}
    solution, untouched = results["solution"], results["untouched"]
    assert {r.notebook for r in solution.rows} == set(ids)
    failed = [(r.notebook, r.exercise, r.status, r.feedback) for r in solution.rows if r.status != "passed"]
    assert not failed, failed
    wrong = [(r.notebook, r.exercise, r.status, r.feedback) for r in untouched.rows if r.status != "not answered"]
    assert not wrong, wrong
    unexpected = [(nb, e) for nb, errors in untouched.errors.items() for e in errors
                  if e[1] not in ("NotImplementedError", "NotAnswered", "FinishFirst")]
    assert not unexpected, unexpected
    assert not any(solution.errors.values()), solution.errors
    assert json.loads(solution.to_json())["student"] == "solution"
