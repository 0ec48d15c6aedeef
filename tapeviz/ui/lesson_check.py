"""The rendered-screen part of ``tapeviz lessons --check``: is a question's answer on the screen?

For each lesson the lesson app runs headless (``App.run_test``) at 120×40 and 80×24 and walks the
steps as a learner would (each step opened with its pointer and view, each ``@do`` stepped to,
a ``@what-if`` step recorded again with its trial value); at every
number question, before it is answered, the screen is rendered once the graph is laid out and
its text is searched with the question's ``Secret.found_in``. What is searched is what the trace
puts on screen — graph, inspector, timeline rows, the status line's loss, the loss curve,
notices and toasts. Not searched: the lesson pane (the text check in ``tapeviz.lessons.check``
reads its prose), the footer, counters that are positions rather than values (event and
iteration numbers, the timeline's first columns), and the givens (``Secret.givens``): what the
learner works the answer out from, which may equal it: the values of variables and constants
(the second share of ``x·x``'s gradient is ``x``) and the ops' derivative rules, and for a
gradient question every forward value (backprop multiplies them). A question that asks for a
value has no given values.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING

from textual.geometry import Region
from textual.widgets import Footer

from .conceal import INDEX_RE, NUMBER_RE, Concealer
from .lesson_pane import LessonPane
from .lesson_screen import LessonScreen, lesson_app
from .timeline import Timeline

if TYPE_CHECKING:
    from ..lessons.model import CheckResult, Lesson
    from ..lessons.runtime import LessonRun

SIZES = ((120, 40), (80, 24))
COUNTERS_RE = re.compile(r"\bevent \d+(?:/\d+)?|\b(?:iteration|it) \d+/\d+|\b(?:\d+ of )?\d+ iterations?\b")
LAYOUT_WAIT_S = 10.0


def numbers_in(text: str) -> list[str]:
    return NUMBER_RE.findall(text)


def screen_text(screen: LessonScreen) -> str:
    """The rendered screen as text, without the lesson pane, the footer and position counters."""
    lines = [list(strip.text) for strip in screen._compositor.render_strips()]
    blank: list[Region] = [w.region for w in (*screen.query(LessonPane), *screen.query(Footer))]
    for timeline in screen.query(Timeline):
        r = timeline.content_region
        blank.append(Region(r.x, r.y, min(timeline.label_width, r.width), r.height))
    for region in blank:
        for y in range(region.y, min(region.bottom, len(lines))):
            row = lines[y]
            for x in range(region.x, min(region.right, len(row))):
                row[x] = " "
    text = COUNTERS_RE.sub("", "\n".join("".join(row) for row in lines))
    return INDEX_RE.sub(lambda m: "[" + " " * (len(m.group(0)) - 2) + "]", text)  # indices name entries


async def _settle(pilot, app) -> None:  # noqa: ANN001
    """Wait until the graph at the cursor is laid out and the workers are done."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LAYOUT_WAIT_S
    await pilot.pause()
    while not (app.layout_ready and app.idle) and loop.time() < deadline:
        await pilot.pause(0.02)
    await pilot.pause()


async def _leaks_at(run: LessonRun, size: tuple[int, int], store_dir: Path) -> tuple[int, str] | None:
    """The first question step whose answer is on screen at ``size``: (step number, what was found)."""
    from ..lessons.progress import ProgressStore

    app = lesson_app(run, ProgressStore(store_dir / f"progress-{size[0]}x{size[1]}.json"))  # a new learner per size
    async with app.run_test(size=size) as pilot:
        found = await _walk(run, app, pilot)
        # let the lesson pane's Markdown updates finish: quitting in the middle of one left
        # "CancelledError ... exception was never retrieved" tracebacks on stderr
        await _settle(pilot, app)
        await pilot.pause(0.05)
    return found


async def _walk(run: LessonRun, app, pilot) -> tuple[int, str] | None:  # noqa: ANN001
    """Open every step of ``run`` in ``app`` as a learner would; the first leak found."""
    await _settle(pilot, app)
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    for step in run.steps:
        screen.enter_step(step.index)  # its @goto, @select, @view and @graph, as a learner opens it
        if step.what_if is not None:
            screen._what_if(str(step.what_if.trial))  # recorded; the prediction is asked before it shows
        if step.question is not None and step.question.kind == "number":
            secret = app.session.concealer.secret
            if secret is not None:  # search what is not given (SecretLike.givens)
                app.conceal(Concealer(secret, also=secret.givens))
            await _settle(pilot, app)
            secret = run.secret(step)
            text = screen_text(screen)
            found = secret.found_in(text) if secret is not None else []
            if found:
                return step.number, ", ".join(dict.fromkeys(found))
            # nor one step away: a sum, difference or 2·mean − min of numbers of the asked tensor
            derived = secret.derivations(numbers_in(text), run.asked_numbers(step)) if secret is not None else []
            if derived:
                return step.number, "it follows from " + ", ".join(dict.fromkeys(derived))
        if step.table is not None:
            found = await _fill_table(pilot, app, screen, run, step)
            if found:
                return step.number, found
        if step.write is not None:
            found = await _write_rule(pilot, app, screen, run, step)
            if found:
                return step.number, found
        if step.question is not None:
            await _settle(pilot, app)
            below = await _answer_wrong_then_reveal(pilot, app, screen, run, step)
            if below:
                return step.number, below
        action = run.action(step)
        if action is not None:
            app.goto(action.event)  # the learner steps until the action is done
    return None


async def _fill_table(pilot, app, screen: LessonScreen, run: LessonRun, step) -> str:  # noqa: ANN001
    """A @table step as a learner fills it in: before each row, no gradient of a row still to
    come is on screen (beyond the givens); a wrong row's feedback is on screen; then the row
    typed right. Returns what was wrong, or an empty string."""
    rows = run.table_rows(step)
    for k, row in enumerate(rows):
        secret = run.table_secret(step)
        if secret is not None:
            app.conceal(Concealer(secret, also=secret.givens))
            await _settle(pilot, app)
            found = secret.found_in(screen_text(screen))
            if found:
                return (f"the table's row {row.label} is on the rendered screen before it is entered: "
                        + ", ".join(dict.fromkeys(found)))
        if k == 0:  # once wrong, as a stuck learner: the Not quite/Hint must be in view
            screen.on_lesson_pane_answer_submitted(LessonPane.AnswerSubmitted(
                " ".join(str(round(v) + 7) for v in row.cells)))
            await _settle(pilot, app)
            if not screen.query_one(LessonPane).feedback_visible():
                return "a wrong table row's feedback is below the lesson pane's fold"
        screen.on_lesson_pane_answer_submitted(LessonPane.AnswerSubmitted(
            ", ".join(repr(v) for v in row.cells)))
        await _settle(pilot, app)
    if not screen.is_complete(step.index):
        return "every row was typed right but the table step is not done"
    return ""


async def _write_rule(pilot, app, screen: LessonScreen, run: LessonRun, step) -> str:  # noqa: ANN001
    """A @write step as a learner does it: a known-wrong rule first (its points and Hint: must
    be in view, the step not done), then the reference rule (the step done)."""
    from ..lessons.check import _rule_source

    pane = screen.query_one(LessonPane)
    wrong, _ = step.write.wrong[0]
    for expression, done in ((wrong, False), (step.write.reference, True)):
        pane.set_code(_rule_source(step.write.rule, expression))
        screen.action_run_rule()
        await _settle(pilot, app)
        if not pane.feedback_visible():
            return "the rule check's result is below the lesson pane's fold"
        if screen.is_complete(step.index) != done:
            return f"the rule {expression!r} {'did not complete' if done else 'completed'} the step"
    return ""


def _wrong_answer(run: LessonRun, step) -> str:  # noqa: ANN001
    """An answer the learner could type that is wrong (a letter for a choice)."""
    if step.question.kind == "choice":
        right = run.correct_choices(step)
        return next(chr(97 + k) for k in range(len(step.question.choices)) if k not in right)
    secret = run.secret(step)
    value = secret.values[0] if secret is not None else 0.0
    wrong = float(round(value)) + 7.0
    return str(int(wrong)) if wrong.is_integer() else str(wrong)


async def _answer_wrong_then_reveal(pilot, app, screen: LessonScreen, run: LessonRun, step) -> str:  # noqa: ANN001
    """Answer wrong once (a Hint: appears), then reveal (Answer: and Why:), as a learner stuck
    on it would; each time the feedback's first line must be on screen without scrolling by
    hand. Returns what was below the fold, or an empty string."""
    for what in ("the Hint: after a wrong answer", "the Answer: and Why: after a reveal"):
        if what.startswith("the Hint"):
            screen.on_lesson_pane_answer_submitted(LessonPane.AnswerSubmitted(_wrong_answer(run, step)))
        else:
            screen.action_reveal()  # later steps start from here, as after an answer
        await _settle(pilot, app)
        if not screen.query_one(LessonPane).feedback_visible():
            return f"{what} is below the lesson pane's fold"
    return ""


def check_screen(lesson: Lesson, first: LessonRun | None = None) -> CheckResult:
    """Render every number question of ``lesson`` at each size in SIZES and look for its answer.

    Each size walks a fresh run (answers and what-ifs change a run); ``first``, a run nobody
    has walked yet, saves recording the program once more."""
    from ..lessons.model import CheckResult
    from ..lessons.runtime import LessonRun

    with TemporaryDirectory(prefix="tapeviz-check-") as tmp:
        for k, size in enumerate(SIZES):
            run = first if k == 0 and first is not None else LessonRun.open(lesson)
            leak = asyncio.run(_leaks_at(run, size, Path(tmp)))
            if leak is not None:
                number, found = leak
                step = run.steps[number - 1]
                q = step.question
                where = q.where if q is not None else (step.table or step.write).where
                plain = "fold" in found or q is None
                said = (f"at {size[0]}×{size[1]} {found}" if plain else
                        f"the answer is on the rendered screen at {size[0]}×{size[1]} before it is answered: {found}")
                return CheckResult(run.lesson.id, False, f"{said} ({where.file}:{where.line})", number)
    return CheckResult(lesson.id, True, "")
