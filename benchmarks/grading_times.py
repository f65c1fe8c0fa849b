"""Time the grader: a synthetic class with 1 and 2 workers, one complete submission, and a projection.

Usage: python benchmarks/grading_times.py   (``make benchmark-grading``; not part of ``make test``)

1. A class of 8 students handing in notebooks 01 and 04 (perfect, empty and partly answered) is graded with one and
   with two local Dask workers; the seconds per submission and the speed-up are printed (target: at least 1.5x with
   two workers on an otherwise idle 2-core machine). The two CSVs must be identical.
2. One complete seven-notebook submission (the solutions) is graded on one worker and compared with executing the
   seven solution notebooks in a plain kernel (target: grading takes at most about 1.2x as long).
3. A projection for a class of 300 on this machine and on a cluster of 20 workers.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from instructor.grade import grade_class  # noqa: E402 - the repository root must be importable first
from instructor.synthetic_class import SyntheticClass  # noqa: E402

SMALL = ["01_critical_points_and_hessians", "04_network_capacity"]
MIX = ["solutions", "untouched", "partly", "solutions", "partly", "untouched", "solutions", "partly"]


def _grade(subs: Path, out: Path, workers: int, fast: bool = True) -> float:
    start = time.perf_counter()
    grade_class(subs, out, workers=workers, fast=fast, log=lambda _: None)
    return time.perf_counter() - start


def _execute_solutions(fast: bool) -> float:
    """Seconds to execute the seven solution notebooks in a fresh kernel each (what nbval or make execute do)."""
    import os

    import nbformat
    from nbclient import NotebookClient

    if fast:
        os.environ["WORKBOOK_GRADING_FAST"] = "1"
    start = time.perf_counter()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["WORKBOOK_FIGURES_DIR"] = tmp
            NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main() -> int:
    planted = SyntheticClass()
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as tmp:
        work = Path(tmp)
        students = {f"student{i:02d}": dict.fromkeys(SMALL, kind) for i, kind in enumerate(MIX)}
        subs = planted.write(work / "class", students)
        one = _grade(subs, work / "one", workers=1)
        two = _grade(subs, work / "two", workers=2)
        same = (work / "one" / "grades.csv").read_bytes() == (work / "two" / "grades.csv").read_bytes()
        full = planted.write(work / "full", {"complete": {p.stem: "solutions" for p in
                                                          sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))}})
        complete = _grade(full, work / "complete", workers=1)
    planted.close()
    plain = _execute_solutions(fast=True)
    n = len(MIX)
    print("| measurement | seconds | per submission |\n|---|---:|---:|")
    print(f"| {n} students x notebooks 01 and 04, 1 worker | {one:.1f} | {one / n:.1f} |")
    print(f"| {n} students x notebooks 01 and 04, 2 workers | {two:.1f} | {two / n:.1f} |")
    print(f"| one complete submission (7 notebooks), 1 worker | {complete:.1f} | {complete:.1f} |")
    print(f"| executing the 7 solution notebooks, plain kernel (same short runs) | {plain:.1f} | |")
    speedup = one / two
    print(f"\nspeed-up with 2 workers: {speedup:.2f}x ({'PASS' if speedup >= 1.5 else 'MISS'}: target >= 1.5x); "
          f"identical CSVs: {same}")
    ratio = complete / plain
    print(f"grading a complete submission takes {ratio:.2f}x executing its notebooks "
          f"({'PASS' if ratio <= 1.2 else 'MISS'}: target <= 1.2x)")
    print(f"projection, 300 complete submissions: {300 * complete / 2 / 3600:.1f} h on this machine (2 workers), "
          f"{300 * complete / 20 / 60:.0f} min on a cluster of 20 workers")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
