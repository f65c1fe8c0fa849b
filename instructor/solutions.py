"""``helpers`` without its solutions: the same markers, and the same rule, as nbgrader applies to notebooks.

A region between a line containing ``BEGIN SOLUTION`` and a line containing ``END SOLUTION`` is replaced by a stub
that raises ``NotImplementedError`` at the region's indentation, naming the function it sits in.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "BEGIN SOLUTION", "END SOLUTION"

__all__ = ["strip_solutions", "solution_lines", "copy_student_helpers"]


def _owner(tree: ast.AST, line: int) -> str:
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inner = max((f for f in functions if f.lineno <= line <= (f.end_lineno or 0)), key=lambda f: f.lineno, default=None)
    return f"{inner.name}()" if inner else "this part of helpers"


def strip_solutions(source: str, where: str = "<source>") -> str:
    """Python source with each solution region replaced by ``raise NotImplementedError(...)``; still valid Python."""
    tree = ast.parse(source)
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.split("\n"), start=1):
        if BEGIN in line:
            if inside:
                raise ValueError(f"{where}:{number}: {BEGIN} inside another solution region")
            inside = True
            what = _owner(tree, number)
            indent = re.match(r"\s*", line).group(0)
            out.append(f"{indent}# The solution is not in the student edition: {what} is one of the exercises.")
            out.append(f'{indent}raise NotImplementedError("{what} is an exercise: answer it in its notebook first.")')
        elif END in line:
            if not inside:
                raise ValueError(f"{where}:{number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: {BEGIN} without {END}")
    stripped = "\n".join(out)
    ast.parse(stripped, filename=where)  # a stub at the wrong place would break the module: fail the build instead
    return stripped


def solution_lines(source: str) -> list[str]:
    """The non-blank lines inside solution regions (what must never reach a student)."""
    lines, inside = [], False
    for line in source.split("\n"):
        if BEGIN in line:
            inside = True
        elif END in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def copy_student_helpers(target: Path) -> Path:
    """Write ``target/helpers/``: every module of ``helpers`` with its solution regions stubbed, no caches."""
    dest_root = target / "helpers"
    if dest_root.exists():
        shutil.rmtree(dest_root)
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        rel = path.relative_to(ROOT)
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(strip_solutions(path.read_text(encoding="utf-8"), str(rel)), encoding="utf-8")
    return dest_root
