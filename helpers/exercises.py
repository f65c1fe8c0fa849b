"""Exercises: feedback a student can act on, the progress of a notebook, and checks that survive tampering.

A check never fails with a bare ``AssertionError``. It raises

* ``ExerciseFailed`` with a message in the problem's own terms ("(3/2, 3) is not a critical point: df/dy = 9/4
  there"), or
* ``NotAnswered`` ("not answered yet: ...") when the answer is still the stub, or
* ``FinishFirst`` from a later cell that needs an exercise the student has not done yet, naming it.

All three are ``Feedback``: Jupyter shows them as one line, without a traceback, in the notebook and in nbgrader's
feedback pages. ``Progress`` runs a notebook's checks, remembers each result and lists them all at the end.
``fresh_check`` repeats a check in a new Python process, so a student who replaced a library function in their
kernel (say ``sympy.diff``) cannot make it pass; hidden tests use it.

The companion modules ``*_checks`` hold the checks of each topic; this module holds what they share.
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from helpers import gradcheck

__all__ = [
    "Feedback",
    "ExerciseFailed",
    "NotAnswered",
    "FinishFirst",
    "answer_given",
    "call_answer",
    "Progress",
    "check_expression",
    "check_matrix",
    "check_arrays",
    "check_choice",
    "fresh_check",
    "grading_fast",
]

PASSED, FAILED, NOT_ANSWERED, NOT_RUN = "passed", "failed", "not answered", "not run yet"


class Feedback(AssertionError):  # noqa: N818 - students read this name: it is feedback, not an error
    """A message for the student; shown as one line (no traceback) by IPython and in nbgrader's feedback."""

    mark = "✗"

    def __str__(self) -> str:
        return " ".join(super().__str__().split())

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback into the student's notebook
        return [f"{self.mark} {self}"]


class ExerciseFailed(Feedback):
    """The answer is wrong; the message says how, in the problem's terms."""


class NotAnswered(Feedback):
    """The answer is still the stub the student received."""

    mark = "…"


class FinishFirst(Feedback):
    """A cell needs the answer to an earlier exercise that has not passed its check yet."""

    mark = "→"


def answer_given(value: Any, name: str, what: str) -> Any:
    """``value`` unless it is still the stub (None or ...), in which case NotAnswered says what to write."""
    if value is None or value is Ellipsis:
        raise NotAnswered(f"not answered yet: set {name} to {what} in the answer cell above, then run it.")
    return value


def call_answer(fn: Callable[..., Any], *args: Any, name: str, **kwargs: Any) -> Any:
    """Run the student's function; its stub (NotImplementedError) is NotAnswered, any other error is named."""
    if fn is None or not callable(fn):
        raise NotAnswered(f"not answered yet: define {name} in the answer cell above, then run it.")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise NotAnswered(f"not answered yet: replace `raise NotImplementedError()` in {name} by your code.") from None
    except Feedback:
        raise
    except Exception as err:  # noqa: BLE001 - a student's code may raise anything; say what, in one line
        raise ExerciseFailed(f"{name} raised {type(err).__name__}: {err}") from None


class Progress:
    """The exercises of one notebook, in order: runs their checks and reports passed / failed / not answered."""

    def __init__(self, *exercises: str) -> None:
        if not exercises or len(set(exercises)) != len(exercises) or not all(isinstance(e, str) for e in exercises):
            raise ValueError("Progress needs the distinct names of the notebook's exercises, e.g. Progress('a', 'b').")
        self.status: dict[str, str] = dict.fromkeys(exercises, NOT_RUN)

    def _known(self, exercise: str) -> str:
        if exercise not in self.status:
            raise ValueError(f"unknown exercise {exercise!r}: this notebook's exercises are {list(self.status)}.")
        return exercise

    def check(self, exercise: str, checker: Callable[..., str], *args: Any, **kwargs: Any) -> None:
        """Run ``checker(*args, **kwargs)``; print its success message, or record the failure and re-raise it."""
        self._known(exercise)
        if not callable(checker):
            raise TypeError(f"checker must be the check function, as in progress.check({exercise!r}, check_..., "
                            f"answer), got {checker!r:.60}.")
        try:
            message = checker(*args, **kwargs)
        except NotAnswered:
            self.status[exercise] = NOT_ANSWERED
            raise
        except Feedback:
            self.status[exercise] = FAILED
            raise
        self.status[exercise] = PASSED
        print(f"✓ {exercise}: {message}")

    def require(self, *exercises: str) -> None:
        """Raise FinishFirst unless every named exercise has passed its check in this session."""
        missing = [e for e in map(self._known, exercises) if self.status[e] != PASSED]
        if missing:
            names = ", ".join(f"'{e}'" for e in missing)
            raise FinishFirst(f"finish the exercise {names} first: this cell uses your answer to it "
                              f"(its check has {'not passed yet' if len(missing) == 1 else 'not all passed yet'}).")

    def report(self) -> dict[str, str]:
        """Print every exercise with its status and return {exercise: status}."""
        width = max(map(len, self.status))
        done = sum(s == PASSED for s in self.status.values())
        print(f"{done} of {len(self.status)} exercises passed")
        for exercise, status in self.status.items():
            print(f"  {exercise:<{width}}  {status}")
        return dict(self.status)


# ------------------------------------------------------------------------------------------ comparisons
def _sympify(value: Any, name: str) -> Any:
    # True, Eq(x, 2), x > 1, And(...): not expressions (a Symbol is a sympy Boolean too, so name the kinds)
    logical = (bool, sp.logic.boolalg.BooleanAtom, sp.logic.boolalg.BooleanFunction, sp.core.relational.Relational)
    if isinstance(value, logical):
        raise ExerciseFailed(f"{name} must be an expression, not an equation or a truth value (got {value!r:.60}): "
                             f"give the right-hand side only.")
    if isinstance(value, (sp.Basic, sp.MatrixBase)):
        return value
    try:
        return sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError, SyntaxError):
        raise ExerciseFailed(f"{name} must be a sympy expression built from the given symbols, got "
                             f"{type(value).__name__}: {value!r:.60}") from None


def _difference_text(answer: sp.Expr, expected: sp.Expr) -> str:
    """How an answer differs from the expected expression: a constant factor, a sign, or the leftover terms."""
    ratio = sp.simplify(answer / expected) if expected != 0 else None
    if ratio is not None and not ratio.free_symbols and ratio != 0:
        if ratio == -1:
            return "it has the wrong sign"
        return f"it is exactly {ratio} times the correct one"
    return f"your answer minus the correct one is {sp.simplify(answer - expected)}, not 0"


def check_expression(answer: Any, expected: Any, name: str) -> str:
    """A sympy expression equal to ``expected`` for all values of its symbols; ExerciseFailed says how it differs."""
    answer = _sympify(answer_given(answer, name, "a sympy expression"), name)
    if isinstance(answer, sp.MatrixBase):
        raise ExerciseFailed(f"{name} must be a single expression, got a {answer.shape[0]}x{answer.shape[1]} Matrix.")
    if sp.simplify(answer - expected) == 0:
        return f"{name} = {answer} is right"
    raise ExerciseFailed(f"{name} is not right: {_difference_text(answer, expected)}.")


def check_matrix(answer: Any, expected: sp.MatrixBase, name: str, *, index_names: str = "row, column") -> str:
    """A sympy Matrix equal to ``expected`` entry by entry; ExerciseFailed names the first wrong entry."""
    answer = answer_given(answer, name, f"a {expected.shape[0]}x{expected.shape[1]} sympy Matrix")
    try:
        answer = sp.Matrix(answer)
    except (TypeError, ValueError, sp.SympifyError):
        raise ExerciseFailed(f"{name} must be a sympy Matrix or a list of rows, got {type(answer).__name__}.") from None
    if answer.shape != expected.shape:
        hint = " (transposed?)" if answer.shape == expected.shape[::-1] else ""
        raise ExerciseFailed(f"{name} must be {expected.shape[0]}x{expected.shape[1]}, got "
                             f"{answer.shape[0]}x{answer.shape[1]}{hint}.")
    for (i, j), want in np.ndenumerate(np.array(expected.tolist(), dtype=object)):
        got = _sympify(answer[i, j], f"entry ({i}, {j}) of {name}")
        if sp.simplify(got - want) != 0:
            raise ExerciseFailed(f"entry ({index_names}) = ({i}, {j}) of {name} is {got}, but it should not be: "
                                 f"{_difference_text(got, want)}.")
    return f"{name} is right"


def check_arrays(answer: Any, reference: Any, name: str, *, tol: float = 1e-6, hints: dict[float, str] | None = None,
                 reference_name: str = "autograd") -> str:
    """Arrays (or dicts of arrays) equal to ``reference`` to a relative error ``tol`` (``helpers.gradcheck``).

    A constant factor between answer and reference is named, with the hint ``hints[factor]`` if one is given
    (e.g. ``{4.0: "did you forget the 1/S of the mean?"}``).
    """
    answer = answer_given(answer, name, "your result")
    try:
        comparison = gradcheck.compare(answer, reference)
    except (TypeError, ValueError) as err:
        raise ExerciseFailed(f"{name}: {err}") from None
    if comparison.ok(tol):
        return f"{name} agrees with {reference_name} (relative error {comparison.error:.1e})"
    hint = ""
    if comparison.factor is not None and hints:
        hint = next((f": {h}" for f, h in hints.items() if np.isclose(comparison.factor, f, rtol=1e-6)), "")
    raise ExerciseFailed(comparison.explain(what=name, reference=reference_name) + hint + ".")


def check_choice(answer: Any, options: Iterable[Any], correct: Any, name: str, why: dict[Any, str]) -> str:
    """One of ``options`` equal to ``correct``; a wrong option gets ``why[option]``, the reason it is wrong."""
    options = tuple(options)
    answer = answer_given(answer, name, "one of " + ", ".join(map(repr, options)))
    if answer not in options:
        raise ExerciseFailed(f"{name} must be one of {', '.join(map(repr, options))}, got {answer!r}.")
    if answer != correct:
        raise ExerciseFailed(f"{name} = {answer!r} is not right: {why.get(answer, 'look again at the curve')}.")
    return f"{name} = {answer!r} is right"


def grading_fast() -> bool:
    """True when the grader asked for shorter training runs (``WORKBOOK_GRADING_FAST=1``); checks stay the same."""
    return os.environ.get("WORKBOOK_GRADING_FAST") == "1"


# ------------------------------------------------------------------------------------------ tamper-proof re-checks
def fresh_check(checker: Callable[..., Any], *args: Any, timeout: float = 120.0) -> str:
    """Run ``checker(*args)`` again in a new Python process and return its message; re-raise its Feedback here.

    ``checker`` must be a module-level function of ``helpers`` and ``args`` picklable (numbers, arrays, sympy
    objects): the new process imports everything afresh, so nothing the student changed in their kernel applies.
    """
    module, qualname = getattr(checker, "__module__", ""), getattr(checker, "__qualname__", "")
    if not module.startswith("helpers") or "." in qualname or "<" in qualname:
        raise TypeError(f"fresh_check needs a module-level function of helpers, got {checker!r}.")
    payload = pickle.dumps((module, qualname, args))
    code = (
        "import pickle, sys\n"
        "from importlib import import_module\n"
        "module, name, args = pickle.loads(sys.stdin.buffer.read())\n"
        "from helpers.exercises import Feedback\n"
        "try:\n"
        "    result = ('ok', getattr(import_module(module), name)(*args))\n"
        "except Feedback as err:\n"
        "    result = (type(err).__name__, str(err))\n"
        "sys.stdout.buffer.write(pickle.dumps(result))\n"
    )
    root = str(Path(importlib.import_module("helpers").__file__).resolve().parent.parent)
    done = subprocess.run([sys.executable, "-c", code], input=payload, capture_output=True, timeout=timeout,
                          cwd=root, check=False)
    if done.returncode != 0:
        raise ExerciseFailed(f"the check could not run in a fresh process: {done.stderr.decode()[-300:]}")
    kind, message = pickle.loads(done.stdout)
    if kind == "ok":
        return message
    raise {"NotAnswered": NotAnswered, "FinishFirst": FinishFirst}.get(kind, ExerciseFailed)(message)
