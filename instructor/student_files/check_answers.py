"""Check your answers: run your notebooks as the grader will and list every exercise with its result.

Usage: python check_answers.py [NOTEBOOK ...]   (``make check``; default: every notebook in notebooks/)

Each notebook is run top to bottom in a fresh kernel, on a copy: your notebooks are not changed. For every check
cell the result is passed, failed (with the first line of what is wrong) or not answered.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
CELL_TIMEOUT_S = 900


def _first_line(cell) -> str:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            text = out.get("evalue") or out.get("ename", "")
            return (text.strip().splitlines() or [""])[0]
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            return out["text"].strip().splitlines()[-1] if out["text"].strip() else ""
    return ""


def check(path: Path) -> list[tuple[str, str, float, str]]:
    """Run one notebook on a copy; -> (exercise, result, points, first line) per check cell."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copy2(path, copy)
        nb = nbformat.read(copy, as_version=4)
        NotebookClient(nb, timeout=CELL_TIMEOUT_S, allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    rows = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not errors:
            result = "passed"
        elif errors[0].get("ename") == "NotAnswered":
            result = "not answered"
        else:
            result = "failed"
        rows.append((meta.get("grade_id", "?"), result, float(meta.get("points", 0)), _first_line(cell)))
    return rows


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((HERE / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"No such notebook: {', '.join(missing)}; pass paths such as notebooks/01_topic.ipynb.")
        return 2
    total = earned = 0.0
    for path in paths:
        print(f"{path.name}:", flush=True)
        for exercise, result, points, line in check(path):
            total += points
            earned += points if result == "passed" else 0.0
            mark = {"passed": "✓", "failed": "✗"}.get(result, "…")
            print(f"  {mark} {exercise:<32} {result:<13} {line}")
    print(f"{earned:g} of {total:g} points")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
