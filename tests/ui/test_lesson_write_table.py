"""Lessons 16 and 17 in the lesson screen: the rule editor and the table, as a learner uses them."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, TextArea

from tapeviz.lessons.progress import ProgressStore
from tapeviz.ui.lesson_check import screen_text
from tapeviz.ui.lesson_pane import LessonPane
from tapeviz.ui.lesson_screen import lesson_app
from tests.lessons.helpers import open_lesson
from tests.support.ui_helpers import settle


def _pane_text(screen) -> str:  # noqa: ANN001
    pane = screen.query_one(LessonPane)
    return "\n".join(str(w.render()) for w in pane.query("Static"))


async def test_writing_a_rule_wrong_then_right(tmp_path: Path) -> None:
    run = open_lesson("16")
    k = next(s.index for s in run.steps if s.write is not None)
    app = lesson_app(run, ProgressStore(tmp_path / "p.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.enter_step(k)
        await settle(pilot)
        editor = screen.query_one("#lesson-code", TextArea)
        assert editor.display and app.focused is editor and "return ..." in editor.text
        index = app.index
        await pilot.press("down", "end", "left", "home")  # the editor's cursor moves, not the events'
        assert app.index == index and editor.cursor_location[0] == 1
        # a mistake: shown with its line, the editor's cursor goes there, nothing recorded
        editor.load_text("def softplus_backward(x, dy):\n    s = 1\n    return sigmod(x) * dy\n")
        await pilot.press("ctrl+t")
        await settle(pilot)
        said = _pane_text(screen)
        assert "line 3: NameError" in said and "sigmod" in said and "Hint:" in said
        assert editor.cursor_location[0] == 2 and not screen.is_complete(k)
        # a wrong rule: every point, the first wrong one with both numbers, the training, the box marked
        editor.load_text("def softplus_backward(x, dy):\n    return 1 / (1 + np.exp(-x))\n")
        await pilot.press("ctrl+t")
        await settle(pilot)
        said = _pane_text(screen)
        outcome = run.rules[k]
        wrong = outcome.check.first_wrong
        assert f"✗ point {wrong.number}" in said and f"finite differences {wrong.expected:.6g}" in said
        assert f"Trained with your rule: loss {outcome.losses[0]:.4g} → {outcome.losses[-1]:.4g}" in said
        assert app.index == len(run.trace) - 1  # the whole run: the loss curve shows every iteration
        assert list(app.session.badges.values()) == [f"rule ✗ x={wrong.x:.3g}"]
        assert not screen.is_complete(k)
        # ctrl+r puts a right rule in the editor; ctrl+t checks it and the step is done
        await pilot.press("ctrl+r")
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert screen.is_complete(k) and "Right: your rule agrees" in _pane_text(screen)
        assert list(app.session.badges.values()) == ["rule ✓"]


async def test_filling_in_the_table_fills_the_graph(tmp_path: Path) -> None:
    run = open_lesson("17")
    k = next(s.index for s in run.steps if s.table is not None)
    app = lesson_app(run, ProgressStore(tmp_path / "p.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.enter_step(k)
        await settle(pilot)
        assert isinstance(app.focused, Input)
        text = screen_text(screen)
        assert "-10" not in text and "7.5" not in text  # the rows to come: nothing to read off

        async def row(typed: str) -> None:
            screen.on_lesson_pane_answer_submitted(LessonPane.AnswerSubmitted(typed))
            await settle(pilot)

        await row("1 2 2")
        assert "Not quite: local, sent are off." in _pane_text(screen) and "Hint:" in _pane_text(screen)
        for typed in ("1 5 5", "5 1 5", "5 1 5"):
            await row(typed)
        assert app.index == run.resolver.resolve("backward of add").event  # the graph is as far as the rows
        assert "-10" not in screen_text(screen)
        await row("5 -2 -10")
        await row("5 1.5 7.5")
        text = screen_text(screen)
        assert "∇ -10" in text and "∇ 7.5" in text  # filled in on the graph
        view = screen.query_one(LessonPane).view
        assert screen.is_complete(k) and view.answered and "m → b" in view.table


async def test_a_later_sitting_writes_the_rule_again_and_keeps_the_table(tmp_path: Path) -> None:
    """A written rule is not kept between sittings (the recording is the program's own again), so
    its step waits for it and the lesson resumes there; a table filled in stays filled in."""
    store = ProgressStore(tmp_path / "p.json")
    run16 = open_lesson("16")
    k = next(s.index for s in run16.steps if s.write is not None)
    progress = store.get(run16.lesson.id)
    progress.done = set(range(len(run16.steps)))
    progress.step = len(run16.steps) - 1
    run17 = open_lesson("17")
    t = next(s.index for s in run17.steps if s.table is not None)
    store.get(run17.lesson.id).done = {0, 1, t}
    store.save()
    app = lesson_app(run16, ProgressStore(tmp_path / "p.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.step_index == k and not app.screen.is_complete(k)
    app = lesson_app(run17, ProgressStore(tmp_path / "p.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.enter_step(t)
        await settle(pilot)
        assert app.screen.is_complete(t) and run17.table_done(run17.steps[t])
        assert not app.session.concealer  # nothing hidden: every row was entered before
