"""What students handed in: one sub-folder per student, holding any subset of the workbook's notebooks.

Two layouts are accepted: an LMS download (``<folder>/<student>/<notebook>.ipynb``) and nbgrader's ``submitted/``
tree (``<folder>/<student>/workbook/<notebook>.ipynb``). A file is matched to a notebook by its name
(``01_critical_points_and_hessians.ipynb``), or, as LMS downloads rename files, by its leading two-digit number
when that is unambiguous. Every file is read and validated here, before any grading: a file that is not valid
JSON or not a notebook gets the reason, and is never executed. Nothing in the folder is ever written.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = ["Submission", "discover", "folder_checksums"]

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")


@dataclass(frozen=True)
class Submission:
    """One student's files: valid notebooks by id, refused files by id with the reason, and a content hash."""

    student: str
    notebooks: dict[str, bytes] = field(default_factory=dict)
    invalid: dict[str, str] = field(default_factory=dict)
    digest: str = ""


def _candidates(folder: Path, assignment: str) -> list[Path]:
    inner = folder / assignment
    where = inner if inner.is_dir() else folder
    return sorted(p for p in where.iterdir() if p.is_file() and p.suffix == ".ipynb")


def _match(path: Path, notebook_ids: list[str]) -> str | None:
    if path.stem in notebook_ids:
        return path.stem
    number = re.match(r"^(\d\d)", path.stem)
    hits = [n for n in notebook_ids if number and n.startswith(number.group(1) + "_")]
    return hits[0] if len(hits) == 1 else None


def _problem(data: bytes) -> str | None:
    """Why ``data`` is not a notebook nbgrader can grade, or None."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        return f"not valid JSON ({err.__class__.__name__}: {str(err)[:120]})"
    if not isinstance(raw, dict) or "cells" not in raw:
        return "valid JSON but not a notebook (no cells)"
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # noqa: BLE001 - nbformat raises several types for a malformed notebook
        return f"not a valid notebook ({err.__class__.__name__}: {str(err).splitlines()[0][:120]})"
    return None


def discover(folder: Path, notebook_ids: list[str], assignment: str = "workbook") -> list[Submission]:
    """Every student sub-folder of ``folder``, sorted by student id, with its notebooks read and checked."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no submissions folder at {folder}: pass a folder with one sub-folder per student.")
    out = []
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not STUDENT_ID.match(student_dir.name):
            raise ValueError(f"{student_dir.name!r} is not a usable student id: use letters, digits, _, ., @ or -.")
        notebooks: dict[str, bytes] = {}
        invalid: dict[str, str] = {}
        digest = hashlib.sha256()
        for path in _candidates(student_dir, assignment):
            notebook = _match(path, notebook_ids)
            if notebook is None or notebook in notebooks or notebook in invalid:
                continue  # not one of the workbook's notebooks, or a second copy: the first one counts
            data = path.read_bytes()
            digest.update(notebook.encode() + b"\0" + hashlib.sha256(data).digest())
            problem = _problem(data)
            if problem:
                invalid[notebook] = problem
            else:
                notebooks[notebook] = data
        out.append(Submission(student_dir.name, notebooks, invalid, digest.hexdigest()))
    return out


def folder_checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` by relative path (to prove that grading changed nothing)."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
