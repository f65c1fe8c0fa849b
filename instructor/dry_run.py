"""Try one notebook as a student's submission: the solution as handed in, or the student version untouched.

Usage: python -m instructor.dry_run notebooks/NN_topic.ipynb --mode solutions|untouched

``solutions`` submits the solution notebook unchanged and ``untouched`` the student version that nbgrader releases;
both are graded exactly as ``make grade`` grades a student (``instructor.grading.grade_student``: a fresh folder,
the student edition's helpers). Prints every exercise with its status and the errors of the other cells, and
exits 1 when the result is not what the mode expects (solutions: everything passed; untouched: everything not
answered, and no other cell failing except with an answer stub or a message naming an exercise to finish first).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from instructor.assignment import generate
from instructor.grading import grade_student, make_kit
from instructor.submissions import Submission

EXPECTED_ERRORS = ("NotImplementedError", "FinishFirst", "NotAnswered")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor.dry_run", description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--mode", choices=("solutions", "untouched"), required=True)
    parser.add_argument("--fast", action="store_true", help="shorter training runs, as make grade --fast")
    args = parser.parse_args(argv)
    name = args.notebook.stem
    if args.mode == "solutions":
        data = args.notebook.read_bytes()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            data = (generate(Path(tmp)).release / args.notebook.name).read_bytes()
    kit = make_kit(fast=args.fast)
    result = grade_student(kit, Submission("dry-run", {name: data}, {}, "dry-run"))
    rows = [r for r in result.rows if r.notebook == name]
    for r in rows:
        print(f"{r.exercise:<36} {r.status:<14} {r.points:g}/{r.max_points:g}  {r.feedback}")
    errors = result.errors.get(name, [])
    for cell, ename, line in errors:
        print(f"  cell {cell}: {ename}: {line}")
    if args.mode == "solutions":
        ok = bool(rows) and all(r.status == "passed" for r in rows)
    else:
        ok = bool(rows) and all(r.status == "not answered" for r in rows) and all(
            e in EXPECTED_ERRORS for _, e, _ in errors)
    if not ok:
        print("NOT as expected for", args.mode, "\nnbgrader's log ends with:\n" + result.log[-2000:])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
