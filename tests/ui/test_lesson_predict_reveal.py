"""Lesson mode: reveal, what-if from the answer box, and PageUp/PageDown on the pane."""

from __future__ import annotations

from textual.widgets import Input, Markdown, Static

from tapeviz.lessons.progress import ProgressStore
from tapeviz.ui.lesson_pane import LessonPane
from tapeviz.ui.lesson_screen import LessonScreen, lesson_app
from tests.lessons.helpers import open_lesson as lesson
from tests.support.ui_helpers import settle


def text_of(screen: LessonScreen, selector: str) -> str:
    widget = screen.query_one(selector)
    return widget.source if isinstance(widget, Markdown) else str(widget.render()) if isinstance(widget, Static) else ""


async def go_to(pilot, screen: LessonScreen, index: int) -> None:  # noqa: ANN001
    await settle(pilot)  # let the screen open its saved step first
    screen.enter_step(index)
    await settle(pilot)


async def test_reveal_shows_answer_and_why_and_lets_the_learner_go_on() -> None:
    run = lesson("1")
    q = next(s for s in run.steps if s.question is not None and s.question.kind == "number")
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await go_to(pilot, screen, q.index)
        await pilot.press("ctrl+r")
        await pilot.pause()
        feedback = text_of(screen, "#lesson-feedback")
        assert feedback.startswith("Answer: ") and "\nWhy: " in feedback
        assert screen.is_complete(q.index)
        assert screen.progress.first_try == {q.index: False}


async def test_what_if_from_the_answer_box_changes_the_text() -> None:
    run = lesson("1")
    step = next(s for s in run.steps if s.what_if is not None)
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await go_to(pilot, screen, step.index)
        assert "x = 3.0" in text_of(screen, "#lesson-question")
        assert isinstance(app.focused, Input)
        await pilot.press("5", "enter")
        await pilot.pause()
        # predict first: the question about the new run, its text not shown yet
        assert "Predict" in text_of(screen, "#lesson-question") and "x = 5" in text_of(screen, "#lesson-question")
        assert "x = 5" not in text_of(screen, "#lesson-explanation")
        assert screen.query_one("#lesson-answer", Input).value == ""
        await pilot.press("9", "enter")  # wrong: 2·5 = 10
        await pilot.pause()
        feedback = text_of(screen, "#lesson-feedback")
        assert "You predicted 9" in feedback and "10" in feedback
        assert "not what you predicted" in feedback  # (it read "…gives 10: not what happened")
        assert "x = 5" in text_of(screen, "#lesson-explanation") and "x = 5.0" in text_of(screen, "#lesson-question")
        await pilot.press("2", "enter")  # try again with another value
        await pilot.pause()
        assert "Predict" in text_of(screen, "#lesson-question") and "x = 2" in text_of(screen, "#lesson-question")


async def test_page_keys_scroll_the_lesson_pane() -> None:
    run = lesson("7")
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await go_to(pilot, screen, 0)
        pane = screen.query_one(LessonPane)
        screen.set_focus(None)
        assert pane.max_scroll_y > 0 and pane.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert pane.scroll_y > 0
        await pilot.press("pageup")
        await pilot.pause()
        assert pane.scroll_y == 0


async def test_the_loss_pane_keeps_each_try() -> None:
    """Lesson 8's learning-rate what-if: after two tries the loss pane lists the earlier runs."""
    from tapeviz.ui.loss_curve import LossCurve

    run = lesson("8")
    step = next(s for s in run.steps if s.what_if is not None)
    first_last = run.trace.losses[-1]
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await go_to(pilot, screen, step.index)
        for value in ("0.1", "0.2"):
            await pilot.press(*value, "enter")
            await pilot.pause()
            await pilot.press("a", "enter")  # the prediction
            await pilot.pause()
        assert [said for said, _ in app.session.tries] == ["first run", "lr=0.1"]
        assert app.session.tries[0][1][-1] == first_last
        await pilot.pause()
        shown = str(screen.query_one(LossCurve).render())
        assert "earlier runs" in shown and "lr=0.1" in shown and "first run" in shown
