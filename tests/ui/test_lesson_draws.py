"""Lessons that talk about the graph draw it as boxes at 80×24 and 120×40 with nothing pressed
(issue 21, item 5): the lesson layout gives the graph the main column's width (under 110
columns the whole width, the lesson pane under it, the inspector on ``i``); lesson 14's boxes
carry both walks' visiting order, lesson 15's custom-gradient box names its gradient function,
and feedback that appears in the short lesson pane is scrolled into view (issue 23, item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tapeviz.lessons.progress import ProgressStore
from tapeviz.ui.graph_model import BOXES
from tapeviz.ui.graph_pane import GraphPane
from tapeviz.ui.inspector import Inspector
from tapeviz.ui.lesson_pane import LessonPane
from tapeviz.ui.lesson_screen import lesson_app
from tapeviz.ui.loss_curve import LossCurve
from tapeviz.ui.timeline import Timeline
from tests.lessons.helpers import open_lesson
from tests.support.ui_helpers import settle

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
# (lesson, step index): a step whose text talks about the graph. At 80×24 two do not fit with every
# input a box of its own, and keep their inputs inside their op's box rather than becoming an
# outline: 9, 4 (a small graph, "the graph draws all three") and 15, 4 (w selected).
STEPS = [("1", 0), ("3", 0), ("9", 4), ("13", 0), ("13", 2), ("14", 1), ("14", 2), ("15", 1), ("15", 4)]


def _graph_text(app) -> str:  # noqa: ANN001
    """The graph pane as drawn on screen (its visible rows)."""
    pane = app.screen.query_one(GraphPane)
    return "\n".join(pane.render_line(y).text for y in range(pane.size.height))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("ident", "index"), STEPS)
async def test_the_graph_is_drawn_as_boxes_that_fit_the_pane(tmp_path: Path, ident: str, index: int, size: str) -> None:
    app = lesson_app(open_lesson(ident), ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=SIZES[size]) as pilot:
        await settle(pilot)
        app.screen.enter_step(index)
        await settle(pilot)
        spec, pane = app.session.spec, app.screen.query_one(GraphPane)
        assert spec is not None and spec.detail in BOXES, f"lesson {ident} at {size}: {spec and spec.detail}"
        layout = app.session._layouts[spec.key][0]
        assert layout.width <= pane.size.width and layout.height <= pane.size.height  # all of it on screen
        text = _graph_text(app)
        assert "┌" in text and "┘" in text  # boxes, not the outline's lines
        if ident == "14" and index == 2:  # both walks' visiting order on every op's box
            for walk in ("bfs 1 tape 1", "bfs 2 tape 2", "bfs 3 tape 4", "bfs 4 tape 3"):
                assert walk in text
        if ident == "15":  # "its box names its gradient function"
            assert "clip_gradients" in text and "[∇ backward]" in text


async def test_on_a_narrow_terminal_i_shows_the_inspector_then_the_timeline_in_the_graphs_place(tmp_path: Path) -> None:
    app = lesson_app(open_lesson("8"), ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        graph, inspector, pane = screen.query_one(GraphPane), screen.query_one(Inspector), screen.query_one(LessonPane)
        timeline, loss = screen.query_one(Timeline), screen.query_one(LossCurve)
        assert graph.region.width == 80 and not inspector.region.area  # the graph across the width, alone
        assert not timeline.region.area and not loss.region.area
        assert pane.region.y > graph.region.bottom - 1 and pane.region.width == 80  # the lesson under it
        await pilot.press("i")
        await settle(pilot)
        assert inspector.region.width == 80 and not graph.region.area
        await pilot.press("i")
        await settle(pilot)
        assert timeline.region.area and loss.region.area and not graph.region.area and not inspector.region.area
        assert timeline.region.bottom <= pane.region.y  # above the lesson pane, which stays
        await pilot.press("i")
        await settle(pilot)
        assert graph.region.area and not inspector.region.area and not timeline.region.area


async def test_at_120x40_the_inspector_is_under_the_graph_and_wide_enough_to_read(tmp_path: Path) -> None:
    app = lesson_app(open_lesson("14"), ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.enter_step(2)  # "The inspector shows b."
        await settle(pilot)
        graph, inspector = app.screen.query_one(GraphPane), app.screen.query_one(Inspector)
        assert inspector.region.y >= graph.region.bottom and inspector.region.width == graph.region.width >= 60
        await pilot.press("i")  # only narrow terminals swap them
        await settle(pilot)
        assert graph.region.area and inspector.region.area


@pytest.mark.parametrize(("ident", "index"), [("14", 2), ("1", 2), ("13", 4)])
async def test_feedback_is_scrolled_into_the_short_lesson_pane(tmp_path: Path, ident: str, index: int) -> None:
    run = open_lesson(ident)
    app = lesson_app(run, ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.enter_step(index)
        await settle(pilot)
        assert run.steps[index].question is not None
        screen.on_lesson_pane_answer_submitted(LessonPane.AnswerSubmitted("123456"))  # wrong: a Hint:
        await settle(pilot)
        pane = screen.query_one(LessonPane)
        assert pane.query_one("#lesson-feedback").display and pane.feedback_visible()
        screen.action_reveal()  # the Answer: and Why:
        await settle(pilot)
        assert pane.feedback_visible()


@pytest.mark.parametrize("size", SIZES)
async def test_lesson_15s_gradient_function_ops_are_on_screen_or_one_c_away_as_its_text_says(tmp_path: Path, size: str) -> None:
    """Step 4 says the timeline lists the ops ``backward(dy)`` ran, and that a pane too small for
    them folds them into the box clip_gradients.backward, which Esc then c opens."""
    app = lesson_app(open_lesson("15"), ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=SIZES[size]) as pilot:
        await settle(pilot)
        screen = app.screen
        step = screen.run.steps[3]
        assert "The ops the gradient function ran" in step.title and "Esc, then\n`c`, opens it" in step.text
        screen.enter_step(3)
        await settle(pilot)
        text = _graph_text(app)
        if "clip_gradients.backward" in app.session.spec.collapsed:
            assert "clip_gradients.…" in text and "▸" in text and "sqrt" not in text  # one folded box
            await pilot.press("escape", "c")
            await settle(pilot)
            assert not app.session.spec.collapsed
            text = _graph_text(app)
        assert "sqrt" in text and "maximum" in text  # the ops the gradient function ran


async def test_at_80x24_the_first_key_typed_brings_the_answer_box_into_view(tmp_path: Path) -> None:
    """A step opens at its top (its text first); at 80×24 the answer box is then below the fold,
    and what the learner types must not go into a box they cannot see."""
    from textual.widgets import Input

    app = lesson_app(open_lesson("11"), ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=SIZES["80x24"]) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.enter_step(2)  # "An estimate with h = …": a number to type
        await settle(pilot)
        pane = screen.query_one(LessonPane)
        box = pane.query_one("#lesson-answer", Input)
        visible = pane.scrollable_content_region.height

        def rows_of_box() -> tuple[float, float]:
            top = box.virtual_region.y - pane.scroll_y
            return top, top + box.virtual_region.height

        assert app.focused is box and rows_of_box()[1] > visible  # below the fold, the text on screen
        await pilot.press("3")
        await settle(pilot)
        top, bottom = rows_of_box()
        assert box.value == "3" and 0 <= top and bottom <= visible
        question = pane.query_one("#lesson-question")
        assert question.virtual_region.bottom - pane.scroll_y > 0  # the question's end just above it


async def test_the_lesson_pane_says_when_the_step_goes_on_below_the_fold(tmp_path: Path) -> None:
    app = lesson_app(open_lesson("1"), ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=SIZES["80x24"]) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(LessonPane)
        assert pane.max_scroll_y >= 1 and "more below" in str(pane.border_subtitle)
        pane.scroll_end(animate=False, immediate=True)
        await settle(pilot)
        assert pane.scroll_y == pane.max_scroll_y and not str(pane.border_subtitle)
        await pilot.press("pageup")
        await settle(pilot)
        assert "more below" in str(pane.border_subtitle)
    app = lesson_app(open_lesson("1"), ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=(160, 60)) as pilot:  # all of the first step fits: no cue
        await settle(pilot)
        pane = app.screen.query_one(LessonPane)
        assert pane.max_scroll_y < 1 and not str(pane.border_subtitle)


async def test_from_the_rule_editor_the_cue_says_esc_first(tmp_path: Path) -> None:
    """The rule editor keeps PageDown for itself (a page of code): the cue says to leave it first.
    After Esc the graph pane has the focus, and PageDown still scrolls the lesson, not the graph."""
    from textual.widgets import TextArea

    app = lesson_app(open_lesson("16"), ProgressStore(tmp_path / "progress.json"))
    async with app.run_test(size=SIZES["120x40"]) as pilot:
        await settle(pilot)
        screen = app.screen
        write = next(i for i, step in enumerate(screen.run.steps) if step.write is not None)
        screen.enter_step(write)
        await settle(pilot)
        pane = screen.query_one(LessonPane)
        assert isinstance(app.focused, TextArea) and pane.max_scroll_y >= 1
        assert str(pane.border_subtitle) == "▼ more below: Esc, then PageDown"
        editor = app.focused
        row = editor.cursor_location[0]
        await pilot.press("pagedown")  # in the editor: a page of code down, the pane stays
        await settle(pilot)
        assert editor.cursor_location[0] > row and pane.scroll_y == 0
        await pilot.press("escape")
        await settle(pilot)
        assert str(pane.border_subtitle) == "▼ more below: PageDown"
        await pilot.press("pagedown")
        await settle(pilot)
        assert pane.scroll_y > 0 and not str(pane.border_subtitle)
        await pilot.press("pageup")
        await settle(pilot)
        assert pane.scroll_y == 0
