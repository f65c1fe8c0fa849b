"""What grading produces: grades.csv, one feedback page per student and notebook, and a summary of the class.

The summary is printed and saved as ``summary.png``: the distribution of total scores, the fraction of the class
that passed each exercise, and, for the hardest exercises, the most frequent feedback lines (the common wrong
answers). Everything is sorted, so the same results give the same files.
"""

from __future__ import annotations

import csv
import html
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from instructor.grading import ExerciseResult, StudentResult

__all__ = ["COLUMNS", "write_csv", "write_feedback", "summary_text", "save_summary_figure"]

COLUMNS = ("student", "notebook", "exercise", "points", "max_points", "status", "feedback")


def _rows(results: Iterable[StudentResult]) -> list[ExerciseResult]:
    return sorted((r for res in results for r in res.rows), key=lambda r: (r.student, r.notebook, r.exercise))


def write_csv(results: Iterable[StudentResult], path: Path) -> Path:
    """One row per student and exercise, in the order student, notebook, exercise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for r in _rows(results):
            writer.writerow([r.student, r.notebook, r.exercise, f"{r.points:g}", f"{r.max_points:g}", r.status,
                             r.feedback])
    return path


def write_feedback(results: Iterable[StudentResult], folder: Path) -> list[Path]:
    """``folder/<student>/<notebook>.html``: nbgrader's page, or a short page saying why there is none."""
    written = []
    for res in sorted(results, key=lambda r: r.student):
        by_notebook: dict[str, list[ExerciseResult]] = defaultdict(list)
        for row in res.rows:
            by_notebook[row.notebook].append(row)
        for notebook, rows in sorted(by_notebook.items()):
            page = res.feedback.get(notebook) or _fallback_page(res.student, notebook, rows)
            path = folder / res.student / f"{notebook}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(page, encoding="utf-8")
            written.append(path)
    return written


def _fallback_page(student: str, notebook: str, rows: list[ExerciseResult]) -> str:
    items = "".join(f"<li><b>{html.escape(r.exercise)}</b>: {html.escape(r.status)} "
                    f"({r.points:g}/{r.max_points:g}) {html.escape(r.feedback)}</li>" for r in rows)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(notebook)}</title></head><body>"
            f"<h1>{html.escape(notebook)}: feedback for {html.escape(student)}</h1><ul>{items}</ul></body></html>")


def _totals(rows: list[ExerciseResult]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for r in rows:
        totals[r.student] += r.points
    return dict(totals)


def _pass_rates(rows: list[ExerciseResult]) -> dict[tuple[str, str], float]:
    groups: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for r in rows:
        groups[(r.notebook, r.exercise)].append(r.status == "passed")
    return {k: sum(v) / len(v) for k, v in sorted(groups.items())}


def summary_text(results: Iterable[StudentResult], hardest: int = 5, common: int = 3) -> str:
    """Score distribution, pass rate per exercise and the most frequent wrong answers of the hardest exercises."""
    rows = _rows(results)
    if not rows:
        return "no submissions graded"
    totals = _totals(rows)
    max_total = sum(r.max_points for r in rows if r.student == rows[0].student)
    scores = sorted(totals.values())
    median = statistics.median(scores)
    lines = [f"{len(totals)} students, {len(rows)} graded exercises; total score: median {median:g} of {max_total:g}, "
             f"lowest {scores[0]:g}, highest {scores[-1]:g}"]
    statuses = Counter(r.status for r in rows)
    lines.append("statuses: " + ", ".join(f"{s} {n}" for s, n in sorted(statuses.items())))
    rates = _pass_rates(rows)
    lines.append("hardest exercises (fraction of the class that passed):")
    for (notebook, exercise), rate in sorted(rates.items(), key=lambda kv: (kv[1], kv[0]))[:hardest]:
        wrong = Counter(r.feedback for r in rows if (r.notebook, r.exercise) == (notebook, exercise)
                        and r.status == "failed" and r.feedback)
        lines.append(f"  {notebook} / {exercise}: {rate:.0%}")
        for text, n in sorted(wrong.items(), key=lambda kv: (-kv[1], kv[0]))[:common]:
            lines.append(f"      {n} x {text}")
    return "\n".join(lines)


def save_summary_figure(results: Iterable[StudentResult], path: Path) -> Path:
    """Left: histogram of total scores; right: fraction passed per exercise (hardest at the top)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = _rows(results)
    rates = sorted(_pass_rates(rows).items(), key=lambda kv: (-kv[1], kv[0]))
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, max(3.5, 0.22 * len(rates) + 1)),
                                      gridspec_kw={"width_ratios": [1, 1.4]})
    totals = list(_totals(rows).values())
    left.hist(totals, bins=min(20, max(5, len(set(totals)))), color="tab:blue", edgecolor="white")
    left.set(title="total score per student", xlabel="points", ylabel="students")
    labels = [f"{nb[:2]} {ex}" for (nb, ex), _ in rates]
    right.barh(range(len(rates)), [r for _, r in rates], color="tab:green")
    right.set_yticks(range(len(rates)), labels, fontsize=7)
    right.set(xlim=(0, 1), title="fraction of the class that passed", xlabel="passed")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path
