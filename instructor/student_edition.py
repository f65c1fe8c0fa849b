"""Build the student edition: a self-contained folder an instructor can publish as the students' repository.

Usage: python -m instructor.student_edition [--out student]   (``make student``)

The solution notebooks in ``notebooks/`` are the only source. nbgrader's ``generate_assignment`` turns them into
the student notebooks (solution regions replaced by stubs, hidden tests and outputs removed, check cells locked,
widget state and execution metadata cleared). ``helpers`` is copied without its solution regions
(``instructor.solutions``). The folder also gets the dependency files and the students' README, Makefile and
answer checker from ``instructor/student_files/``. The output folder is replaced as a whole: a failed build
leaves the previous one in place. The gradebook (solutions, hidden tests) is never copied.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

import nbformat

from instructor.assignment import generate
from instructor.solutions import copy_student_helpers

ROOT = Path(__file__).resolve().parent.parent
STUDENT_FILES = Path(__file__).resolve().parent / "student_files"
# What only the instructor needs (grading) or only the workbook's own tests need stays out of the students' set-up.
INSTRUCTOR_ONLY = {"nbgrader", "dask", "distributed"}

__all__ = ["build", "clean_metadata", "student_pyproject", "student_environment"]

NOTEBOOK_KEYS = ("kernelspec", "language_info")
CELL_KEYS = ("nbgrader", "editable", "deletable", "tags")


def clean_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep only the metadata a student's notebook needs: kernel, language, nbgrader's keys, locks and tags.

    Widget state (the solution's pictures and values), execution timings and any other front-end metadata go.
    """
    nb.metadata = nbformat.NotebookNode({k: v for k, v in nb.metadata.items() if k in NOTEBOOK_KEYS})
    for cell in nb.cells:
        cell.metadata = nbformat.NotebookNode({k: v for k, v in cell.metadata.items() if k in CELL_KEYS})
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.pop("attachments", None)
    return nb


def _requirement_name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def _student_dependencies() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [d for d in project["dependencies"] if _requirement_name(d) not in INSTRUCTOR_ONLY]


def student_pyproject() -> str:
    """The students' pyproject.toml: the workbook's runtime dependencies, installing their ``helpers``."""
    deps = "".join(f'    "{d}",\n' for d in _student_dependencies())
    return ("[build-system]\nrequires = [\"setuptools>=77\"]\nbuild-backend = \"setuptools.build_meta\"\n\n"
            "[project]\nname = \"dl-workbook-student\"\nversion = \"0.1.0\"\n"
            "description = \"The student edition of a deep-learning course workbook.\"\n"
            f"requires-python = \">=3.11\"\ndependencies = [\n{deps}]\n\n"
            "[tool.setuptools.packages.find]\ninclude = [\"helpers*\"]\n")


def student_environment() -> str:
    """The students' environment.yml for conda: the same packages, torch, TensorFlow and Keras through pip."""
    pip_only = {"torch", "tensorflow", "keras"}
    deps = _student_dependencies()
    conda = "".join(f"  - {d}\n" for d in deps if _requirement_name(d) not in pip_only)
    pip = "".join(f"      - {d}\n" for d in deps if _requirement_name(d) in pip_only)
    return ("# conda env create -f environment.yml && conda activate dl-workbook-student\n"
            "name: dl-workbook-student\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pip\n"
            f"{conda}  - pip:\n{pip}      - -e .\n")


def build(out: Path) -> Path:
    """Build the student edition into ``out`` (replacing it) and return its path."""
    out = out.resolve()
    if out == ROOT or ROOT.is_relative_to(out) or not out.parent.is_dir():
        raise SystemExit(f"refusing to write the student edition to {out}: pass a new folder such as student/.")
    with tempfile.TemporaryDirectory(prefix=".student-edition-", dir=out.parent) as tmp:
        work = Path(tmp)
        target = work / "student"
        (target / "notebooks").mkdir(parents=True)
        released = generate(work).release
        for path in sorted(released.glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            nbformat.write(clean_metadata(nb), target / "notebooks" / path.name)
        copy_student_helpers(target)
        (target / "pyproject.toml").write_text(student_pyproject(), encoding="utf-8")
        (target / "environment.yml").write_text(student_environment(), encoding="utf-8")
        for path in sorted(STUDENT_FILES.iterdir()):
            shutil.copy2(path, target / path.name)
        (target / "figures").mkdir()
        (target / "figures" / ".gitkeep").write_text("")
        if out.exists():  # swap: the old edition moves into the scratch folder that is deleted next
            os.replace(out, work / "previous")
        os.replace(target, out)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor.student_edition", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "student", help="output folder (default: student/)")
    out = build(parser.parse_args(argv).out)
    n = len(list((out / "notebooks").glob("*.ipynb")))
    print(f"student edition written to {out}: {n} notebooks, helpers without solutions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
