"""Grade a class: one command from a folder of submissions to scores, feedback pages and a summary.

Usage:
    python -m instructor.grade SUBMISSIONS [--out grades] [--workers N | --scheduler tcp://host:8786]
                               [--timeout SECONDS] [--memory MB] [--full-runs]
(``make grade SUBMISSIONS=... [WORKERS=N] [SCHEDULER=...] [TIMEOUT=...]``)

Each student is graded by ``instructor.grading.grade_student`` in a fresh temporary folder; students are graded in
parallel on Dask: a local cluster with one single-threaded worker process per core (``--workers``), or an existing
cluster (``--scheduler``). The results are the same whatever the number of workers. Results are cached in
``<out>/.cache`` by the content of each student's notebooks and of the grader, so a re-run grades only new or
changed submissions and says how many it reused. The submissions folder is only ever read; its checksums are
compared before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from instructor import report
from instructor.assignment import notebook_ids
from instructor.grading import GradingKit, StudentResult, grade_student, make_kit
from instructor.submissions import Submission, discover, folder_checksums

__all__ = ["grade_class", "main"]


def _cache_key(kit: GradingKit, submission: Submission) -> str:
    return hashlib.sha256(f"{kit.key}:{submission.student}:{submission.digest}:{sorted(submission.invalid.items())}"
                          .encode()).hexdigest()


def _on_dask(kit: GradingKit, todo: list[Submission], workers: int | None, scheduler: str | None,
             log: Callable[[str], None]) -> list[StudentResult]:
    from dask.distributed import Client, LocalCluster, as_completed

    if scheduler:
        client, cluster = Client(scheduler), None
    else:
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               memory_limit=0, dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        shared = client.scatter(kit, broadcast=True)
        futures = client.map(grade_student, [shared] * len(todo), todo, pure=False,
                             key=[f"grade-{s.student}" for s in todo])
        results, started = [], time.perf_counter()
        for i, future in enumerate(as_completed(futures), start=1):
            result = future.result()
            results.append(result)
            log(f"  [{i}/{len(todo)}] {result.student} graded ({time.perf_counter() - started:.0f} s so far)")
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def grade_class(submissions: Path, out: Path, *, workers: int | None = None, scheduler: str | None = None,
                cell_timeout: int = 600, memory_mb: int = 6144, fast: bool = True, notebooks: Path | None = None,
                log: Callable[[str], None] = print) -> list[StudentResult]:
    """Grade every student under ``submissions`` into ``out`` (grades.csv, feedback/, summary.png); see above."""
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    if out == submissions or out.is_relative_to(submissions):
        raise ValueError(f"the output folder {out} must not be inside the submissions folder {submissions}.")
    before = folder_checksums(submissions)
    students = discover(submissions, notebook_ids(notebooks))
    kit = make_kit(cell_timeout=cell_timeout, student_timeout=max(3600, 8 * cell_timeout), memory_mb=memory_mb,
                   fast=fast, notebooks=notebooks)
    cache = out / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    results, todo = [], []
    for sub in students:
        cached = cache / f"{sub.student}.json"
        key = _cache_key(kit, sub)
        if cached.is_file() and cached.read_text(encoding="utf-8").startswith(key):
            results.append(StudentResult.from_json(cached.read_text(encoding="utf-8")[len(key) + 1:]))
        else:
            todo.append(sub)
    where = f"the Dask cluster at {scheduler}" if scheduler else f"{workers or os.cpu_count()} local worker(s)"
    log(f"{len(students)} students: grading {len(todo)} new or changed submission(s) on {where}, "
        f"reusing {len(students) - len(todo)} graded before")
    fresh = _on_dask(kit, todo, workers, scheduler, log) if todo else []
    for res in fresh:
        sub = next(s for s in todo if s.student == res.student)
        (cache / f"{res.student}.json").write_text(_cache_key(kit, sub) + "\n" + res.to_json(), encoding="utf-8")
    results = sorted(results + fresh, key=lambda r: r.student)
    report.write_csv(results, out / "grades.csv")
    report.write_feedback(results, out / "feedback")
    report.save_summary_figure(results, out / "summary.png")
    summary = report.summary_text(results)
    (out / "summary.txt").write_text(summary + "\n", encoding="utf-8")
    log(summary)
    if folder_checksums(submissions) != before:
        raise RuntimeError(f"the submissions folder {submissions} changed during grading: report this as a bug.")
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor.grade", description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, help="a folder with one sub-folder per student")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="output folder (default: grades/)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    group.add_argument("--scheduler", help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a single cell may run (default 600)")
    parser.add_argument("--memory", type=int, default=6144, help="MB of memory per grading process (default 6144)")
    parser.add_argument("--full-runs", action="store_true",
                        help="run the notebooks' demonstrations at full length (default: shorter runs, same checks)")
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error(f"--workers must be at least 1, got {args.workers}")
    if args.timeout < 1 or args.memory < 256:
        parser.error("--timeout must be at least 1 second and --memory at least 256 MB")
    try:
        grade_class(args.submissions, args.out, workers=args.workers, scheduler=args.scheduler,
                    cell_timeout=args.timeout, memory_mb=args.memory, fast=not args.full_runs)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
