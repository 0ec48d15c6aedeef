"""A program that raises still opens: the events before the error, the failing op with its
inputs' shapes, the program's traceback, the source pane on the failing line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tapeviz.cli import main
from tapeviz.engine.errors import ProgramError
from tapeviz.trace import run_program
from tapeviz.ui import load_app
from tapeviz.ui.messages_pane import MessagesPane, plain_text, program_messages
from tapeviz.ui.source_pane import SourcePane, event_spot
from tapeviz.view import event_sentence
from tapeviz.view.failure import failure_mark, program_failure

CRASH = Path(__file__).resolve().parents[1] / "data" / "programs" / "crash.py"


def _crashed():
    with pytest.raises(ProgramError) as caught:
        run_program(CRASH)
    return caught.value


def test_the_events_before_the_error_and_the_failing_op_are_kept() -> None:
    error = _crashed()
    assert str(error).endswith("crash.py:13: InvalidArgumentError: matmul: (4, 2) @ (3, 2): inner dimensions 2 and 3 differ")
    trace = error.trace
    assert [e.op for e in trace.events] == ["matmul", "relu", "multiply", "add"]  # the four ops before it
    failure = program_failure(trace)
    assert failure is not None and failure.op == "matmul" and failure.line == 13
    assert failure.inputs == [("t", (4, 2)), ("w", (3, 2))]  # by the program's names, with shapes
    assert failure.traceback[1].strip() == f'File "{CRASH}", line 13, in <module>'
    assert failure_mark(trace) == "✗ matmul(t 4×2, w 3×2) failed · line 13"
    assert event_sentence(trace, len(trace) - 1).startswith("✗ then matmul(t (4, 2), w (3, 2)) failed (line 13)")
    spot = event_spot(trace, len(trace) - 1)
    assert spot.site.line == 13 and spot.why.startswith("✗ the program failed here")
    assert event_spot(trace, 0).site.line == 9  # the other events keep their own lines
    messages = program_messages(trace)
    assert messages["failure"] == failure.traceback


def test_tapeviz_events_prints_the_events_then_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", str(CRASH)]) == 2
    out, err = capsys.readouterr()
    assert "crash.py: 4 events" in out and "t = add" in out
    assert err.splitlines()[0].startswith("tapeviz: error: ") and "InvalidArgumentError: matmul" in err.splitlines()[0]
    assert "Traceback (most recent call last)" not in err


def test_a_program_that_records_nothing_before_failing_still_says_so_only(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("1 / 0\n")
    with pytest.raises(ProgramError, match="ZeroDivisionError"):
        load_app(str(bad))


async def test_tapeviz_open_on_a_crash_opens_on_the_last_event_with_the_failure_shown() -> None:
    app = load_app(str(CRASH))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.index == len(app.trace) - 1
        graph = app.screen.query_one("#graph")
        assert graph.border_subtitle == "✗ matmul(t 4×2, w 3×2) failed · line 13"
        source = app.screen.query_one(SourcePane)
        assert source.display and "line 13" in str(source.border_subtitle)
        await pilot.press("m")
        await pilot.pause()
        assert app.screen.query_one("#messages").display
        text = plain_text(app.screen.query_one(MessagesPane).content)
        assert "The program failed (your program's traceback) (4)" in text and "bad = tf.matmul(t, w)" in text


def test_tapeviz_open_on_a_program_that_raised_after_recording_starts_the_ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tapeviz.ui import app as app_module

    program = tmp_path / "raises.py"
    program.write_text("import tapeviz.tf as tf\nx = tf.Variable(2.0)\nwith tf.GradientTape():\n"
                       "    y = x * x\n    raise ValueError('the learner broke it')\n")
    opened = []
    monkeypatch.setattr(app_module.TapevizApp, "run", lambda self, *a, **k: opened.append(self) or 0)
    assert main(["open", str(program)]) == 0
    (app,) = opened
    assert app.trace.meta["failure"]["error"].endswith("raises.py:5: ValueError: the learner broke it")
    assert app.session.index == len(app.trace) - 1 == 0
