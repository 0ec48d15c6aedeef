"""Lesson 17's @table step: every cell from the trace, rows judged as typed, the gradients of rows
still to come hidden and those entered known."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tapeviz.lessons.check import check_entry
from tapeviz.lessons.loader import discover
from tests.lessons.helpers import open_lesson, write_lesson

LESSON_17 = Path(__file__).resolve().parents[2] / "lessons" / "17-fill-in-the-table"


def _table():  # noqa: ANN202
    run = open_lesson("17")
    step = next(s for s in run.steps if s.table is not None)
    return run, step


def test_every_cell_is_the_traces_number() -> None:
    run, step = _table()
    rows = run.table_rows(step)
    a, b, c = (float(run.evaluator.evaluate(f'value("{n}")')) for n in "abc")
    s = a * b + c  # the program's numbers, worked out by hand: f = s², s = m + c, m = a·b
    expected = [
        ("f → s", 1.0, 2 * s, 2 * s), ("s → m", 2 * s, 1.0, 2 * s), ("s → c", 2 * s, 1.0, 2 * s),
        ("m → a", 2 * s, b, 2 * s * b), ("m → b", 2 * s, a, 2 * s * a),
    ]
    assert [r.label for r in rows] == [e[0] for e in expected]
    assert [(r.upstream, r.local, r.sent) for r in rows] == [pytest.approx(e[1:]) for e in expected]
    ops = {"f": "square", "s": "add", "m": "multiply"}
    for row in rows:
        assert row.sent == pytest.approx(float(run.evaluator.evaluate(f"sent({ops[row.op]!r}, {row.k})")))
        assert row.upstream == pytest.approx(float(run.evaluator.evaluate(f"upstream({ops[row.op]!r})")))


def test_rows_are_judged_as_typed() -> None:
    run, step = _table()
    state = run.enter_row(step, "1 2")
    assert state.done == 0 and "three numbers" in state.message
    state = run.enter_row(step, "1, 2, 2")
    assert state.done == 0 and state.message == "Not quite: local, sent are off." and state.tries == 1
    state = run.enter_row(step, "1 5 5")
    assert state.done == 1 and state.right and "upstream 1 × local 5 = sent 5" in state.message
    run.enter_row(step, "0 0 0")
    state = run.enter_row(step, "0 0 0")  # wrong twice: the row is shown and counts as done
    assert state.done == 2 and "The row is upstream 5 × local 1 = sent 5" in state.message
    assert not run.table_done(step)
    for text in ("5 1 5", "5 -2 -10", "5 1.5 7.5"):
        run.enter_row(step, text)
    assert run.table_done(step)


def test_the_rows_to_come_are_hidden_and_those_entered_known() -> None:
    run, step = _table()
    secret = run.table_secret(step)
    assert secret is not None and secret.kind == "gradient"
    assert secret.shows("-10") and secret.shows("7.5") and secret.shows("10")  # |−10|: a norm shows it too
    assert not secret.shows("1.5")  # a forward value: not a gradient, and a given
    run.enter_row(step, "1 5 5")
    secret = run.table_secret(step)
    assert not secret.shows("5") and not secret.shows("1") and secret.shows("-10")


def test_the_cursor_follows_the_rows() -> None:
    run, step = _table()
    assert run.table_cursor(step) is None
    run.enter_row(step, "1 5 5")
    square = run.resolver.resolve("backward of square").event
    assert run.table_cursor(step) == square
    run.enter_row(step, "5 1 5")
    assert run.table_cursor(step) == square  # add has a second row still to fill in
    run.enter_row(step, "5 1 5")
    assert run.table_cursor(step) == run.resolver.resolve("backward of add").event


def test_the_checker_passes_lesson_17() -> None:
    result = check_entry(next(e for e in discover(LESSON_17.parent) if e.number == 17))
    assert result.ok and "1 tables" in result.message, result.message


def test_a_table_of_tensors_is_refused(tmp_path: Path) -> None:
    run = write_lesson(tmp_path, "---\ntitle: t\nprogram: program.py\n---\n## T\n@goto: end\n@table: multiply\n",
                       "import tapeviz.tf as tf\nw = tf.Variable([1.0, 2.0], name='w')\n"
                       "with tf.GradientTape() as tape:\n    y = tf.reduce_sum(w * w)\ng = tape.gradient(y, w)\n")
    from tapeviz.lessons.check import check_run

    result = check_run(run)
    assert not result.ok and "a table row holds one number" in result.message


def test_the_checker_compares_with_the_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table whose local derivative were wrong (here: the engine's rule replaced) fails the check."""
    from tapeviz.engine.registry import REGISTRY
    from tapeviz.lessons import check

    folder = tmp_path / "17-fill-in-the-table"
    shutil.copytree(LESSON_17, folder)
    square = REGISTRY["square"]
    import dataclasses

    monkeypatch.setitem(REGISTRY, "square", dataclasses.replace(square, local=lambda x, out: (3 * x,)))
    result = check.check_entry(discover(tmp_path)[0])
    assert not result.ok and "f → s" in result.message and "in the trace" in result.message
