"""Synthetic classes for testing and timing the grader: perfect, empty, partly right and hostile submissions.

Every submission is made from the solution notebooks and from the student versions that nbgrader releases, so it
matches the exercises whatever they are: ``solutions`` hands in the solution notebook, ``untouched`` the student
version as released, ``partly`` the solution with its first answer cell back to the stub. The hostile kinds put code
into the first answer cell (an infinite loop, killing the kernel, a huge allocation, megabytes of output, escaping the
working directory, reading the solutions), or tamper with the first check cell, or hand in a file that is not a
notebook.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from instructor.assignment import generate

__all__ = ["KINDS", "HOSTILE_CODE", "SyntheticClass"]

HOSTILE_CODE = {
    "infinite_loop": "while True:\n    pass\n",
    "kernel_death": "import os\nos._exit(1)\n",
    "memory_hog": "blob = bytearray(64 * 2**30)\n",
    "huge_output": "print('x' * 5_000_000)\nfor _ in range(20_000):\n    print('another line of output')\n",
    "escape": ("import pathlib, shutil\n"
               "for up in range(1, 5):\n"
               "    target = pathlib.Path('../' * up)\n"
               "    (target / 'escaped.txt').write_text('written outside the working directory')\n"
               "shutil.rmtree('../../../source', ignore_errors=True)\n"),
    "reads_solutions": ("import pathlib, sqlite3\n"
                        "found = [str(p) for up in range(1, 6) for p in pathlib.Path('../' * up).glob('*.ipynb')]\n"
                        "rows = sqlite3.connect('../../../gradebook.db').execute('select source from source_cell')\n"
                        "print('LEAKED', found, [r[0] for r in rows.fetchall()], 'END-LEAK')\n"),
}
KINDS = ("solutions", "untouched", "partly", "edited_check", "deleted_check", "not_json", "not_a_notebook",
         *HOSTILE_CODE)


class SyntheticClass:
    """Planted submissions for the notebooks in ``notebooks`` (default: the workbook's own)."""

    def __init__(self, notebooks: Path | None = None) -> None:
        from instructor.assignment import ROOT

        self.source_dir = notebooks or ROOT / "notebooks"
        self._tmp = tempfile.TemporaryDirectory(prefix="synthetic-class-")
        self.release_dir = generate(Path(self._tmp.name), self.source_dir).release

    def notebook(self, notebook: str, kind: str) -> bytes:
        """One planted notebook file of ``kind`` (see KINDS) for ``notebook`` (an id such as 04_network_capacity)."""
        if kind == "not_json":
            return b'{"cells": [ this is not JSON'
        if kind == "not_a_notebook":
            return json.dumps({"title": "my homework", "answer": 42}).encode()
        source = json.loads((self.source_dir / f"{notebook}.ipynb").read_text(encoding="utf-8"))
        released = json.loads((self.release_dir / f"{notebook}.ipynb").read_text(encoding="utf-8"))
        if kind == "untouched":
            return json.dumps(released).encode()
        nb = source
        answer = next(i for i, c in enumerate(nb["cells"]) if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
        check = next(i for i, c in enumerate(nb["cells"]) if c.get("metadata", {}).get("nbgrader", {}).get("grade"))
        if kind == "partly":
            nb["cells"][answer]["source"] = released["cells"][answer]["source"]
        elif kind == "edited_check":
            nb["cells"][check]["source"] = "pass  # the check, edited away\n"
        elif kind == "deleted_check":
            del nb["cells"][check]
        elif kind in HOSTILE_CODE:
            nb["cells"][answer]["source"] = HOSTILE_CODE[kind] + "".join(nb["cells"][answer]["source"])
        elif kind != "solutions":
            raise ValueError(f"unknown kind {kind!r}: pass one of {KINDS}")
        return json.dumps(nb).encode()

    def write(self, folder: Path, students: dict[str, dict[str, str]], *, nbgrader_layout: bool = False) -> Path:
        """Write ``folder/<student>/[workbook/]<notebook>.ipynb`` for {student: {notebook: kind}}; returns folder."""
        for student, notebooks in students.items():
            where = folder / student / ("workbook" if nbgrader_layout else "")
            where.mkdir(parents=True, exist_ok=True)
            for notebook, kind in notebooks.items():
                (where / f"{notebook}.ipynb").write_bytes(self.notebook(notebook, kind))
        return folder

    def close(self) -> None:
        """Delete the scratch folder with the released notebooks."""
        self._tmp.cleanup()
