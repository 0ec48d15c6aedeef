"""Lesson mode in the terminal UI, driven by Textual's Pilot as a learner would."""

from __future__ import annotations

import json
import os
from pathlib import Path

from textual.widgets import Input, Markdown, Static

from tapeviz.lessons import LessonRun, discover, find_entry, lesson_folder_default
from tapeviz.lessons.progress import ProgressStore
from tapeviz.ui.lesson_pane import LessonPane
from tapeviz.ui.lesson_screen import LessonScreen, lesson_app
from tests.support.ui_helpers import settle

SIZE = (120, 40)


def lesson_one() -> LessonRun:
    entry = find_entry(discover(lesson_folder_default()), "1")
    assert entry.lesson is not None
    return LessonRun.open(entry.lesson)


def progress_file() -> dict:
    """The saved progress, from the private state folder conftest gives every test."""
    return json.loads((Path(os.environ["XDG_STATE_HOME"]) / "tapeviz" / "progress.json").read_text())["lessons"]


def pane_text(screen: LessonScreen, selector: str) -> str:
    widget = screen.query_one(selector)
    if isinstance(widget, Markdown):
        return widget.source
    assert isinstance(widget, Static)
    return str(widget.render())


async def test_take_lesson_one_wrong_then_right_to_the_end_and_resume(tmp_path: Path) -> None:
    run = lesson_one()
    steps = run.lesson.steps
    question = next(s for s in steps if s.question and s.question.kind == "number")
    action_step = next(s for s in steps if s.action and not s.question)
    choice = next(s for s in steps if s.question and s.question.kind == "choice")
    right_number = run.correct_text(question)

    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.step_index == 0
        assert "step 1/" in pane_text(screen, "#lesson-header")

        while screen.step_index < question.index:  # intro steps: nothing to do but go on
            await pilot.press("ctrl+n")
            await settle(pilot)
        goto = run.goto(question)
        assert goto is not None and app.index == goto.event  # the graph follows the step's pointer
        assert isinstance(app.focused, Input)  # the answer box waits for the prediction

        await pilot.press("escape")
        await settle(pilot)
        assert any("Enter goes back to the answer box" in n.message for n in app._notifications)
        await pilot.press("n")  # cannot skip the question
        await settle(pilot)
        assert screen.step_index == question.index
        assert isinstance(app.focused, Input)  # n put the learner back into the answer box

        await pilot.press("5", "enter")  # wrong: a hint only, and an empty box for the retry
        await settle(pilot)
        assert question.index not in screen.answered
        feedback = pane_text(screen, "#lesson-feedback")
        assert feedback.startswith("Hint:") and "Why:" not in feedback and right_number not in feedback
        assert not screen.query_one("#lesson-explanation").display
        assert screen.query_one("#lesson-answer", Input).value == ""
        assert progress_file()[run.lesson.id]["first_try"] == {str(question.index): False}

        await pilot.press("7", "enter")  # wrong again: now the worked explanation
        await settle(pilot)
        assert "Why:" in pane_text(screen, "#lesson-feedback")

        await pilot.press(*right_number, "enter")  # right
        await settle(pilot)
        assert question.index in screen.answered
        assert pane_text(screen, "#lesson-feedback").startswith("Right")
        assert progress_file()[run.lesson.id]["done"][-1] == question.index
        assert progress_file()[run.lesson.id]["first_try"] == {str(question.index): False}

        while screen.step_index < action_step.index:
            await pilot.press("ctrl+n")
            await settle(pilot)
        target = run.action(action_step)
        assert target is not None and app.index < target.event
        await pilot.press("ctrl+n")  # the action is not done yet
        await settle(pilot)
        assert screen.step_index == action_step.index
        for _ in range(target.event - app.index):
            await pilot.press("right")
            await settle(pilot)
        assert app.index == target.event
        assert action_step.index in screen.reached
        assert "✓ done" in pane_text(screen, "#lesson-action")

        while screen.step_index < choice.index:
            await pilot.press("ctrl+n")
            await settle(pilot)
        right = run.correct_choices(choice)[0]
        wrong = next(k for k in range(len(choice.question.choices)) if k != right)
        screen.query_one(LessonPane).focus_answer()
        await pilot.press(chr(97 + wrong), "enter")
        await settle(pilot)
        assert pane_text(screen, "#lesson-feedback").startswith("Hint:")
        await pilot.press(chr(97 + right), "enter")
        await settle(pilot)
        assert choice.index in screen.answered

        while screen.step_index < len(steps) - 1:
            step = steps[screen.step_index]
            if step.what_if is not None and step.index not in screen.answered:  # predict, then see
                await pilot.press(*str(step.what_if.trial), "enter")
                await settle(pilot)
                await pilot.press("1", "enter")
                await settle(pilot)
                assert "You predicted 1" in pane_text(screen, "#lesson-feedback")
            await pilot.press("ctrl+n")
            await settle(pilot)
        await pilot.press("ctrl+n")  # finish
        await settle(pilot)
        assert screen.finished
        assert "Lesson complete" in pane_text(screen, "#lesson-nav")

    saved = progress_file()[run.lesson.id]
    assert saved["completed"] is True and saved["step"] == len(steps) - 1
    assert sorted(saved["done"]) == list(range(len(steps)))

    # reopened: a finished lesson starts again at step 1 for review, with nothing to answer again
    app = lesson_app(lesson_one(), ProgressStore())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.step_index == 0 and screen.finished
        for _ in range(len(steps) - 1):
            await pilot.press("ctrl+n")
            await settle(pilot)
        assert screen.step_index == len(steps) - 1
        assert "Lesson complete" in pane_text(screen, "#lesson-nav")
    assert progress_file()[run.lesson.id]["completed"] is True


async def test_progress_resumes_mid_lesson(tmp_path: Path) -> None:
    run = lesson_one()
    question = next(s for s in run.lesson.steps if s.question and s.question.kind == "number")
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        while screen.step_index < question.index:
            await pilot.press("ctrl+n")
            await settle(pilot)
        await pilot.press(*run.correct_text(question), "enter")
        await settle(pilot)
        assert question.index in screen.answered
    saved = progress_file()[run.lesson.id]
    assert saved["step"] == question.index and not saved["completed"]

    app = lesson_app(lesson_one(), ProgressStore())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.step_index == question.index
        assert question.index in screen.answered  # no need to answer again
        assert screen.query_one("#lesson-answer", Input).disabled
        goto = run.goto(question)
        assert goto is not None and app.index == goto.event
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.step_index == question.index + 1


async def test_invalid_answer_is_not_counted(tmp_path: Path) -> None:
    run = lesson_one()
    question = next(s for s in run.lesson.steps if s.question and s.question.kind == "number")
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        while screen.step_index < question.index:
            await pilot.press("ctrl+n")
            await settle(pilot)
        await pilot.press("x", "y", "enter")
        await settle(pilot)
        assert "not a number" in pane_text(screen, "#lesson-feedback")
        assert question.index not in screen.revealed  # no explanation for a non-answer
        assert not screen.query_one("#lesson-explanation").display


async def test_ctrl_n_and_ctrl_p_move_between_steps_while_the_answer_box_has_focus() -> None:
    run = lesson_one()
    first_question = next(i for i, s in enumerate(run.lesson.steps) if s.question is not None)
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        for _ in range(first_question):
            await pilot.press("ctrl+n")
            await settle(pilot)
        assert screen.step_index == first_question
        answer = screen.query_one("#lesson-answer", Input)
        answer.focus()
        await settle(pilot)
        await pilot.press("n")  # a letter typed into the box stays there
        await settle(pilot)
        assert screen.step_index == first_question and answer.value == "n"
        await pilot.press("ctrl+n")  # not answered yet: stays
        await settle(pilot)
        assert screen.step_index == first_question
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert screen.step_index == first_question - 1


async def test_o_and_m_show_the_source_and_messages_in_a_lesson() -> None:
    """The toast says "press m to read it": in a lesson m opens the messages, o the source."""
    from textual.containers import VerticalScroll

    from tapeviz.lessons.progress import ProgressStore
    from tapeviz.ui.lesson_screen import LessonScreen, lesson_app
    from tapeviz.ui.source_pane import SourcePane
    from tests.lessons.helpers import open_lesson

    app = lesson_app(open_lesson("9"), ProgressStore())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        screen.set_focus(None)  # outside the answer box, where letters are keys
        assert not screen.query_one(SourcePane).display
        await pilot.press("o")
        await pilot.pause()
        assert screen.query_one(SourcePane).display
        await pilot.press("m")
        await pilot.pause()
        assert screen.query_one("#messages", VerticalScroll).display
        assert "warning" in screen.query_one("#messages-body").text.lower()  # type: ignore[attr-defined]


def test_an_indented_rule_wraps_instead_of_being_cut() -> None:
    """Lesson 13's rule, an indented code block, at a narrow pane: every word kept, no line too wide."""
    from tapeviz.ui.lesson_pane import fit_markdown

    rule = "    gradient sent to an input = upstream gradient × local derivative"
    out = fit_markdown(f"the rule:\n\n{rule}\n\nthen", 36).splitlines()
    code = [line for line in out if line.startswith("    ")]
    assert len(code) > 1 and all(len(line) <= 36 for line in code)
    assert " ".join(line.strip().removeprefix("↪ ") for line in code) == rule.strip()


async def test_a_refused_next_step_says_how_many_presses_are_left(tmp_path: Path) -> None:
    """Lesson 7: "Step forward (→) until: backward of simple_model/dense_1/add" was cut at the
    screen's edge, and said nothing of how far that is."""
    from tests.lessons.helpers import open_lesson

    run = open_lesson("7")
    step = next(s for s in run.steps if s.action is not None and s.action.text.endswith("dense_1/add"))
    app = lesson_app(run, ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.enter_step(step.index)
        await settle(pilot)
        left = run.action(step).event - app.index
        assert left > 1
        assert screen._steps_to_go(step) == f"Press → {left} more times to reach: backward of dense_1/add"
        app.index = run.action(step).event - 1
        await settle(pilot)
        assert screen._steps_to_go(step) == "Press → once more to reach: backward of dense_1/add"
