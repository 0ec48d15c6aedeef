"""Predict, then reveal on screen: giveaway numbers hidden until answered; keys; screen directives;
what-if swapping the app's trace; the rendered-screen check."""

from __future__ import annotations

import pytest
from rich.text import Text

from tapeviz.lessons.model import Precision
from tapeviz.lessons.progress import ProgressStore
from tapeviz.lessons.questions import Secret
from tapeviz.ui import lesson_check
from tapeviz.ui.conceal import NO_SECRET, Concealer
from tapeviz.ui.lesson_pane import AnswerInput
from tapeviz.ui.lesson_screen import LessonScreen, lesson_app
from tests.lessons.helpers import open_lesson as lesson


async def settle(pilot, app) -> None:  # noqa: ANN001
    await lesson_check._settle(pilot, app)


def test_concealer_masks_only_giveaways_and_keeps_widths() -> None:
    hide = Concealer(Secret((6.0,), Precision("sf", 3)))
    assert hide("gradients x: 6.000  y: 9  shape 3×6") == "gradients x: ?????  y: 9  shape 3×?"
    assert hide("5.996 and 6.01 and 6.004") == "????? and 6.01 and ?????"
    text = Text("loss 6.0 here")
    text.stylize("bold", 5, 8)
    masked = hide.text(text)
    assert masked.plain == "loss ??? here" and masked.spans == text.spans
    assert NO_SECRET("x: 6") == "x: 6" and not NO_SECRET


async def test_answer_hidden_on_screen_until_revealed() -> None:
    run = lesson("1")
    q = next(s for s in run.steps if s.question is not None and s.question.kind == "number")
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await settle(pilot, app)
        screen.enter_step(q.index)
        app.index = len(app.trace) - 1  # the end: every gradient computed and on show
        await settle(pilot, app)
        secret = run.secret(q)
        assert secret is not None
        assert secret.found_in(lesson_check.screen_text(screen)) == []
        assert "?" in app.frame.conceal("gradients x: " + Precision("sf", 3).text(secret.values[0]))
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assert app.session.concealer is NO_SECRET
        assert secret.found_in(lesson_check.screen_text(screen))  # revealed: the numbers are back


async def test_letters_reach_the_answer_box_and_ctrl_keys_move_steps() -> None:
    run = lesson("1")
    q = next(s for s in run.steps if s.question is not None and s.question.kind == "number")
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await settle(pilot, app)
        screen.enter_step(q.index)
        await settle(pilot, app)
        box = screen.query_one(AnswerInput)
        assert app.focused is box
        await pilot.press("n", "o", "p", "e")
        assert box.value == "nope" and screen.step_index == q.index
        await pilot.press("ctrl+p")  # from inside the box
        await pilot.pause()
        assert screen.step_index == q.index - 1
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.step_index == q.index


async def test_what_if_swaps_the_apps_trace() -> None:
    run = lesson("1")
    step = next(s for s in run.steps if s.what_if is not None)
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await settle(pilot, app)
        first = app.trace
        screen.enter_step(step.index)
        await settle(pilot, app)
        await pilot.press(*str(step.what_if.trial), "enter")
        await settle(pilot, app)
        assert app.trace is run.trace and app.trace is not first
        assert app.frame.trace is run.trace


def test_screen_check_fails_when_nothing_is_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    run = lesson("1")
    assert lesson_check.check_screen(run.lesson, run).ok
    monkeypatch.setattr(Concealer, "__call__", lambda self, text: text)
    monkeypatch.setattr(Concealer, "strip", lambda self, strip: strip)
    result = lesson_check.check_screen(run.lesson)
    assert not result.ok and "rendered screen" in result.message
