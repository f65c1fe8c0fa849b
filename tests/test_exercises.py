"""helpers.exercises: one-line feedback, progress, and the shared comparisons behind every check."""

import numpy as np
import pytest
import sympy as sp

from helpers import exercises as ex

x, y = sp.symbols("x y", real=True)


def test_feedback_renders_as_one_line_without_a_traceback():
    err = ex.ExerciseFailed("(3/2, 3) is not a critical point:\n  df/dy = 9/4 there")
    assert str(err) == "(3/2, 3) is not a critical point: df/dy = 9/4 there"
    assert err._render_traceback_() == ["✗ (3/2, 3) is not a critical point: df/dy = 9/4 there"]
    assert ex.NotAnswered("not answered yet")._render_traceback_()[0].startswith("…")
    assert issubclass(ex.FinishFirst, AssertionError)


def test_stub_answers_are_not_answered():
    for stub in (None, ...):
        with pytest.raises(ex.NotAnswered, match="not answered yet: set answer to a number"):
            ex.answer_given(stub, "answer", "a number")
    assert ex.answer_given(0, "answer", "a number") == 0


def test_call_answer_turns_the_stub_and_errors_into_feedback():
    def stub(_):
        raise NotImplementedError()

    with pytest.raises(ex.NotAnswered, match="replace `raise NotImplementedError\\(\\)` in forward"):
        ex.call_answer(stub, 1, name="forward")
    with pytest.raises(ex.ExerciseFailed, match="forward raised ZeroDivisionError: division by zero"):
        ex.call_answer(lambda v: v / 0, 1, name="forward")
    with pytest.raises(ex.NotAnswered, match="define forward"):
        ex.call_answer(None, name="forward")
    assert ex.call_answer(lambda v: v + 1, 1, name="f") == 2


def test_progress_records_and_reports(capsys):
    progress = ex.Progress("points", "kinds", "newton")
    progress.check("points", lambda: "all four found")
    with pytest.raises(ex.ExerciseFailed):
        progress.check("kinds", lambda: (_ for _ in ()).throw(ex.ExerciseFailed("(2, 2) is a minimum")))
    with pytest.raises(ex.NotAnswered):
        progress.check("newton", ex.answer_given, None, "step", "a number")
    assert "✓ points: all four found" in capsys.readouterr().out
    assert progress.report() == {"points": "passed", "kinds": "failed", "newton": "not answered"}
    assert "1 of 3 exercises passed" in capsys.readouterr().out
    progress.require("points")
    with pytest.raises(ex.FinishFirst, match="finish the exercise 'kinds' first"):
        progress.require("points", "kinds")
    with pytest.raises(ValueError, match="unknown exercise 'typo'"):
        progress.check("typo", lambda: "")
    with pytest.raises(ValueError, match="distinct names"):
        ex.Progress("a", "a")


def test_check_expression_names_a_factor_a_sign_or_the_leftover():
    assert "is right" in ex.check_expression(2 * x * y + y**2, y * (2 * x + y), "dfdx")
    with pytest.raises(ex.ExerciseFailed, match="exactly 2 times"):
        ex.check_expression(4 * x, 2 * x, "g")
    with pytest.raises(ex.ExerciseFailed, match="wrong sign"):
        ex.check_expression(-x**2, x**2, "g")
    with pytest.raises(ex.ExerciseFailed, match="minus the correct one is y"):
        ex.check_expression(x + y, x, "g")
    with pytest.raises(ex.ExerciseFailed, match="must be a sympy expression"):
        ex.check_expression(object(), x, "g")
    with pytest.raises(ex.NotAnswered):
        ex.check_expression(None, x, "g")


def test_check_matrix_names_the_first_wrong_entry():
    H = sp.Matrix([[2, -y], [-y, 2]])
    assert "is right" in ex.check_matrix([[2, -y], [-y, 2]], H, "H")
    with pytest.raises(ex.ExerciseFailed, match=r"entry \(row, column\) = \(0, 1\) of H is y.*wrong sign"):
        ex.check_matrix([[2, y], [y, 2]], H, "H")
    with pytest.raises(ex.ExerciseFailed, match="must be 2x2, got 1x2"):
        ex.check_matrix([[2, y]], H, "H")


def test_check_arrays_says_how_many_times_too_large_with_a_hint():
    ref = np.array([[0.1, -0.2], [0.3, 0.05]])
    assert "agrees with autograd" in ex.check_arrays(ref + 1e-12, ref, "dL/dZ")
    with pytest.raises(ex.ExerciseFailed, match="exactly 4 times autograd: did you forget the 1/S"):
        ex.check_arrays(4 * ref, ref, "dL/dZ", hints={4.0: "did you forget the 1/S of the mean?"})
    with pytest.raises(ex.ExerciseFailed, match="must hold the same arrays|shape"):
        ex.check_arrays(np.zeros(3), ref, "dL/dZ")


def test_check_choice_explains_the_wrong_option():
    why = {"falls": "the training error rises: more points are harder to fit"}
    assert "is right" in ex.check_choice("rises", ("rises", "falls"), "rises", "trend", why)
    with pytest.raises(ex.ExerciseFailed, match="more points are harder to fit"):
        ex.check_choice("falls", ("rises", "falls"), "rises", "trend", why)
    with pytest.raises(ex.ExerciseFailed, match="must be one of 'rises', 'falls'"):
        ex.check_choice("up", ("rises", "falls"), "rises", "trend", why)


def test_fresh_check_runs_in_a_new_process_untouched_by_monkeypatching(monkeypatch):
    assert "is right" in ex.fresh_check(ex.check_expression, 2 * x, 2 * x, "g")
    monkeypatch.setattr(sp, "simplify", lambda e: 0)  # a student's tampering: every difference "simplifies" to 0
    assert "is right" in ex.check_expression(3 * x, 2 * x, "g")  # the visible check is fooled ...
    with pytest.raises(ex.ExerciseFailed, match="exactly 3/2 times"):
        ex.fresh_check(ex.check_expression, 3 * x, 2 * x, "g")  # ... the fresh one is not
    with pytest.raises(TypeError, match="module-level function of helpers"):
        ex.fresh_check(lambda: "ok")


def test_grading_fast_follows_the_environment(monkeypatch):
    monkeypatch.delenv("WORKBOOK_GRADING_FAST", raising=False)
    assert not ex.grading_fast()
    monkeypatch.setenv("WORKBOOK_GRADING_FAST", "1")
    assert ex.grading_fast()


@pytest.mark.parametrize("answer", [sp.Eq(sp.Symbol("x"), 2), True, sp.Symbol("x") > 1])
def test_an_equation_or_truth_value_where_an_expression_belongs_is_named(answer):
    with pytest.raises(ex.ExerciseFailed, match="not an equation or a truth value"):
        ex.check_expression(answer, sp.Symbol("x"), "e")


def test_progress_check_needs_a_check_function():
    progress = ex.Progress("a")
    with pytest.raises(TypeError, match="checker must be the check function"):
        progress.check("a", "not a function", 1)
