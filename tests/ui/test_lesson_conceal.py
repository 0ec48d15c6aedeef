"""Predict, then reveal on screen: giveaway numbers hidden until answered; keys; screen directives;
what-if swapping the app's trace; the rendered-screen check."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from rich.text import Text

from tapeviz.lessons.model import Precision
from tapeviz.lessons.progress import ProgressStore
from tapeviz.lessons.questions import Secret, quantity_of
from tapeviz.ui import lesson_check
from tapeviz.ui.conceal import NO_SECRET, SHAPE_TUPLE_RE, Concealer
from tapeviz.ui.lesson_pane import AnswerInput
from tapeviz.ui.lesson_screen import LessonScreen, lesson_app
from tapeviz.view.shown import Shown
from tests.lessons.helpers import open_lesson as lesson
from tests.support.ui_helpers import settle


@contextlib.asynccontextmanager
async def opened_at(run, index: int) -> AsyncIterator[tuple]:  # noqa: ANN001
    """The lesson app at 120×40, settled on step ``index`` as a learner opens it: (app, screen, pilot)."""
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await settle(pilot)
        screen.enter_step(index)
        await settle(pilot)
        yield app, screen, pilot


def test_rows_ahead_of_the_cursor_lose_their_numbers_not_their_shapes() -> None:
    hide = Concealer(Secret((6.0,), Precision("sf", 3)))
    row = "multiply (y (2,), y (2,)) → (16, 128) = min 0.176 · max 6  None"
    assert hide.ahead_of_cursor(row) == "multiply (y (2,), y (2,)) → (16, 128) = min ····· · max ·  ····"


def test_concealer_masks_only_giveaways_and_keeps_widths() -> None:
    hide = Concealer(Secret((6.0,), Precision("sf", 3)))  # kind "any": every position
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
    async with opened_at(run, q.index) as (app, screen, pilot):
        app.index = len(app.trace) - 1  # the end: every gradient computed and on show
        await settle(pilot)
        secret = run.secret(q)
        assert secret is not None
        assert secret.found_in(lesson_check.screen_text(screen)) == []
        assert "?" in app.frame.conceal("gradients x: " + Precision("sf", 3).text(secret.values[0]))
        await pilot.press("ctrl+r")
        await settle(pilot)
        shown = "gradients x: " + Precision("sf", 3).text(secret.values[0])
        assert app.frame.conceal(shown) == shown  # revealed: shown (a later question's answer may still hide)
        assert secret.found_in(lesson_check.screen_text(screen))  # revealed: the numbers are back


async def test_letters_reach_the_answer_box_and_ctrl_keys_move_steps() -> None:
    run = lesson("1")
    q = next(s for s in run.steps if s.question is not None and s.question.kind == "number")
    async with opened_at(run, q.index) as (app, screen, pilot):
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
        await settle(pilot)
        first = app.trace
        screen.enter_step(step.index)
        await settle(pilot)
        await pilot.press(*str(step.what_if.trial), "enter")
        await settle(pilot)
        assert app.trace is first  # recorded, but not on screen before the prediction
        await pilot.press("1", "enter")  # the prediction (wrong: it still completes the try)
        await settle(pilot)
        assert app.trace is run.trace and app.trace is not first
        assert app.frame.trace is run.trace


def test_screen_check_fails_when_nothing_is_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    run = lesson("1")
    assert lesson_check.check_screen(run.lesson, run).ok
    monkeypatch.setattr(Concealer, "__call__", lambda self, text, shown=None: text)
    monkeypatch.setattr(Concealer, "strip", lambda self, strip, shown=None: strip)
    monkeypatch.setattr(Concealer, "ahead_of_cursor", lambda self, text: text)  # rows ahead of the cursor too
    result = lesson_check.check_screen(run.lesson)
    assert not result.ok and "rendered screen" in result.message


def test_a_gradient_question_hides_gradients_not_the_input_value() -> None:
    hide = Concealer(Secret((3.0,), Precision("sf", 3), kind="gradient"))
    assert hide("3.0000", Shown.INPUT) == "3.0000"  # x = 3, which the learner works from
    assert hide("3.0000", Shown.VALUE) == "3.0000"
    assert hide("∇ 3", Shown.GRADIENT) == "∇ ?"
    assert hide("∂ multiply  sent 3.0000", Shown.OTHER) == "∂ multiply  sent ??????"
    assert hide("loss 3.000", Shown.LOSS) == "loss 3.000"
    assert hide("shape 3×2", Shown.SHAPE) == "shape 3×2"


def test_a_count_hides_structure_and_mixed_text_only() -> None:
    hide = Concealer(Secret((3.0,), Precision("exact"), kind="count"))
    assert hide("3.0000", Shown.INPUT) == "3.0000" and hide("∇ 3", Shown.GRADIENT) == "∇ 3"
    assert hide("x 4×3", Shown.SHAPE) == "x 4×?"
    assert Concealer(Secret((3.0,), Precision("exact"), kind="loss"))("3", Shown.LOSS) == "?"


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ('grad("x")', "gradient"), ('sent("multiply", 1)', "gradient"), ('grad("w")[1, 1]', "gradient"),
        ('sqrt(sum(upstream("clip_gradients") ** 2))', "gradient"), ('value("dense_1/softmax")[2, 0]', "value"),
        ('after("w")', "value"), ("loss(1)", "loss"), ('uses("x")', "count"), ('shape(value("add"))[0]', "count"),
        ('count(sent("relu", 0) == 0)', "count"), ("loss(1) / loss(2)", "any"),
        ('before("w") - 2 * program("lr") * grad("w")', "any"), ("returned(1)[0]", "gradient"), ("1 +", "any"),
    ],
)
def test_the_kind_of_an_answer_comes_from_its_expression(expression: str, kind: str) -> None:
    assert quantity_of(expression) == kind


async def test_lesson_3_shows_x_while_its_count_question_is_open() -> None:
    run = lesson("3")
    step = next(s for s in run.steps if s.question is not None and s.question.answer == 'uses("x")')
    async with opened_at(run, step.index) as (app, screen, pilot):
        x = run.resolver.node("x").id
        assert app.selected == x  # @select: x
        text = lesson_check.screen_text(screen)
        assert "3.0000" in text and "?" not in text.split("timeline")[0]  # x's value, unmasked


async def test_select_moves_the_selection_when_the_step_opens() -> None:
    run = lesson("3")
    recap = run.steps[-1]
    assert recap.select is not None and recap.select.text == "x"
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await settle(pilot)
        predict = next(s for s in run.steps if s.title == "Predict")
        assert predict.select is None
        screen.enter_step(predict.index)  # without @select: the @goto event's node
        await settle(pilot)
        before = app.selected
        screen.enter_step(recap.index)
        await settle(pilot)
        assert app.selected == run.resolver.node("x").id != before
        assert app.frame.node == app.selected and app.mode == "grads"  # inspector on x, @view: gradients


async def test_the_graph_is_drawn_when_the_fit_view_comes_back_to_a_laid_out_spec() -> None:
    """Lesson 13 at 120×40: the fit view tried another detail (its message dropped the canvas)
    and came back to a spec laid out before; the pane kept saying "laying out the graph…"."""
    from tapeviz.ui.graph_pane import GraphPane

    run = lesson("13")
    app = lesson_app(run, ProgressStore())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(GraphPane)
        assert app.frame.layout is not None and pane.canvas is not None
        assert "laying out" not in lesson_check.screen_text(app.screen)


def test_an_op_recorded_during_a_backward_pass_shows_a_gradient() -> None:
    from tapeviz.ui.graph_pane import summary_shows

    assert summary_shows("27", "op", in_backward=True) is Shown.GRADIENT  # lesson 10: dy/dx as an op's value
    assert summary_shows("27", "op") is Shown.VALUE and summary_shows("3", "variable") is Shown.INPUT
    assert summary_shows("∇ 6", "variable") is Shown.GRADIENT and summary_shows("Δ 0.1", "parameter") is Shown.OTHER


async def test_no_look_ahead_and_no_mean_of_the_asked_tensor() -> None:
    """Lesson 15 asks for the second entry of a 2-entry gradient: its mean is hidden with it, and
    the timeline's rows after the cursor keep their names but show no numbers."""
    run = lesson("15")
    q = next(s for s in run.steps if s.question is not None and s.question.answer == 'sent("clip_gradients", 0)[1]')
    async with opened_at(run, q.index) as (app, screen, pilot):
        secret = run.secret(q)
        assert secret is not None and secret.derived  # the mean and sum of the sent gradient
        text = lesson_check.screen_text(screen)
        assert secret.found_in(text) == []
        assert secret.derivations(lesson_check.numbers_in(text), run.asked_numbers(q)) == []
        timeline = screen.query_one(lesson_check.Timeline)
        ahead = [timeline.conceal.ahead_of_cursor(timeline.row_text(i)) for i in range(app.index + 1, len(app.trace))]
        assert ahead and not any(ch.isdigit() for row in ahead for ch in SHAPE_TUPLE_RE.sub("", row))  # shapes stay
        assert any(ch.isalpha() for row in ahead for ch in row)  # names stay


async def test_an_answered_number_is_not_hidden_again() -> None:
    """Lesson 13: the seed (1) answered, the next question's answer is 1 too: the seed stays shown."""
    run = lesson("13")
    seed = next(s for s in run.steps if s.question is not None and s.question.answer == 'grad("subtract")')
    async with opened_at(run, seed.index) as (app, screen, pilot):
        screen.query_one(AnswerInput).value = "1"
        await pilot.press("enter")
        await settle(pilot)
        screen.enter_step(seed.index + 1)
        await settle(pilot)
        assert app.frame.conceal("∇ 1", Shown.GRADIENT) == "∇ 1"


def test_hiding_leaves_rules_and_indices_legible() -> None:
    """Only the number goes: ∂L/∂add[1, 0] keeps its index, a rule keeps its numbers."""
    hide = Concealer(Secret((0.0,), Precision("sf", 3), kind="any"))
    assert hide("∂L/∂add[1, 0] = 0.0000", Shown.OTHER) == "∂L/∂add[1, 0] = ??????"
    assert hide("∂out/∂a = 1 where a > 0 else 0", Shown.RULE) == "∂out/∂a = 1 where a > 0 else 0"


def test_screen_check_fails_when_feedback_is_below_the_fold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lesson 14 at 80×24: the Hint: after a wrong answer lies below the pane's fold unless the
    pane scrolls to it when it appears."""
    from tapeviz.ui.lesson_pane import LessonPane

    run = lesson("14")
    assert lesson_check.check_screen(run.lesson, run).ok
    monkeypatch.setattr(LessonPane, "reveal_feedback", lambda self: None)
    result = lesson_check.check_screen(run.lesson)
    assert not result.ok and "80×24" in result.message and "below the lesson pane's fold" in result.message


async def test_answering_a_step_does_not_show_the_next_answer() -> None:
    """Lesson 13: with dL/dc answered and its action done (the cursor on the backward step of
    subtract), the next question's dL/db must not be on screen yet — the timeline used to show
    the next rows with their numbers as soon as a step was answered."""
    run = lesson("13")
    c = next(s for s in run.steps if s.question is not None and s.question.answer == 'grad("multiply#1")')
    b = next(s for s in run.steps if s.question is not None and s.question.answer == 'grad("add")')
    async with opened_at(run, c.index) as (app, screen, pilot):
        screen.query_one(AnswerInput).value = "1"
        await pilot.press("enter")
        await settle(pilot)
        assert c.index in screen.answered
        app.index = run.action(c).event  # the learner steps forward to the step's action
        await settle(pilot)
        secret = run.secret(b)
        assert secret is not None
        assert secret.found_in(lesson_check.screen_text(screen)) == []
        timeline = screen.query_one(lesson_check.Timeline)
        ahead = [timeline.conceal.ahead_of_cursor(timeline.row_text(i)) for i in range(app.index + 1, len(app.trace))]
        assert ahead and not any(ch.isdigit() for row in ahead for ch in SHAPE_TUPLE_RE.sub("", row))  # shapes stay


async def test_the_programs_printed_output_hides_the_open_answer() -> None:
    """Lesson 13's program prints dL/dx and dL/dy: while the x question is open, m (the program's
    output) must not answer it."""
    from tapeviz.ui.messages_pane import MessagesPane

    run = lesson("13")
    x = next(s for s in run.steps if s.question is not None and s.question.answer == 'grad("x")')
    async with opened_at(run, x.index) as (app, screen, pilot):
        screen.set_focus(None)
        await pilot.press("m")
        await settle(pilot)
        said = screen.query_one(MessagesPane).text
        secret = run.secret(x)
        assert secret is not None and "dL/dx =" in said
        assert secret.found_in(said) == []


async def test_the_full_matrix_view_hides_the_open_answer() -> None:
    """v (every number of the selected tensor) hides the open question's answer as the inspector does."""
    from tapeviz.ui.matrix_screen import MatrixScreen

    run = lesson("13")
    x = next(s for s in run.steps if s.question is not None and s.question.answer == 'grad("x")')
    async with opened_at(run, x.index) as (app, screen, pilot):
        app.index = len(app.trace) - 1  # the end: x's gradient computed
        await settle(pilot)
        screen.set_focus(None)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, MatrixScreen) and "gradient ∂L/∂x" in app.screen.text
        secret = run.secret(x)
        assert secret is not None and secret.found_in(app.screen.text) == []


async def test_no_image_or_trace_file_while_a_question_is_open(tmp_path) -> None:  # noqa: ANN001
    """e, E and s would write the numbers the screen hides into a file: they wait for the answer."""
    run = lesson("1")
    q = next(s for s in run.steps if s.question is not None and s.question.kind == "number")
    async with opened_at(run, q.index) as (app, screen, pilot):
        app.session.out_dir = tmp_path
        for action in ("export", "export_iteration", "save"):  # (the keys type into the answer box)
            await app.run_action(action)
            await settle(pilot)
        assert not app._exporting and not list(tmp_path.iterdir())
        warnings = [n.message for n in app._notifications]
        assert sum("would show a number this lesson asks you to work out" in m for m in warnings) == 3
        screen.enter_step(len(run.steps) - 1)  # no question ahead: nothing hidden, files may be made
        await settle(pilot)
        assert not app.session.concealer
        await app.run_action("export")
        for _ in range(200):
            await pilot.pause(0.05)
            if not app._exporting and list(tmp_path.iterdir()):
                break
        assert [p.suffix for p in tmp_path.iterdir()] == [".png"]


def test_a_heatmap_is_hidden_only_where_it_could_show_the_answer() -> None:
    """Lesson 7's x, kernel and bias boxes were '????????' while p₀ was asked: only the tensor the
    question names, or one holding the answer, loses its picture."""
    hide = Concealer(Secret((0.7926,), Precision("sf", 3), nodes=frozenset({5}), kind="value"))
    assert not hide.hides_picture([[0.1, -2.0], [3.0, 0.4]], Shown.VALUE, node=3)
    assert hide.hides_picture([[0.1, -2.0]], Shown.VALUE, node=5)  # the asked tensor
    assert hide.hides_picture([[0.1, 0.79261]], Shown.VALUE, node=3)  # holds the answer
    assert not hide.hides_picture([[0.79261]], Shown.GRADIENT, node=5)  # a value question leaves gradients
    assert not NO_SECRET.hides_picture([[0.79261]], Shown.VALUE, node=5)


def test_a_chain_rule_product_with_one_number_hidden_hides_all_three() -> None:
    """Lesson 10: ``upstream ? × local 6 = sent 6`` gave the hidden upstream as 6 / 6."""
    hide = Concealer(Secret((1.0,), Precision("sf", 3)))
    assert hide("∂L/∂v[0]: upstream 1 × local 6 = sent 6") == "∂L/∂v[0]: upstream ? × local ? = sent ?"
    assert hide("∂L/∂v[0]: upstream 2 × local 3 = sent 6") == "∂L/∂v[0]: upstream 2 × local 3 = sent 6"
