"""The lesson pane: one step's text, its question and answer box, feedback and explanation.

The pane only shows what it is given (``show``) and reports the learner's typed answer up
with an ``AnswerSubmitted`` message; the lesson screen decides what it means. Feedback comes
as ready lines (``Hint: …``, ``Why: …``, ``Right: …``). Before display the step's Markdown is
made to fit a narrow pane: code lines wrap, a matrix on a line of its own becomes an aligned
grid, and tables become lists so no cell is cut.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Markdown, Static, TextArea

from ..lessons.limits import MAX_TYPED

# **bold**, *emphasis* and `code` marks (not the * of "2 * x" or "2*x")
EMPHASIS_RE = re.compile(r"\*\*|`|(?<![\w*])\*(?=[^\s*])|(?<=[^\s*])\*(?![\w*])")


@dataclass
class StepView:
    """Everything the pane shows for one step, already rendered to text."""

    lesson_title: str
    number: int  # 1-based
    total: int
    title: str
    text: str
    prompt: str = ""
    choices: list[str] = field(default_factory=list)
    numeric: bool = True
    answered: bool = False  # answered correctly (box closed)
    feedback: str = ""
    feedback_ok: bool = False
    explanation: str = ""  # shown when not empty
    action: str = ""  # "step until …" text, empty if none
    action_done: bool = False
    complete: bool = False  # may go on to the next step
    finished: bool = False  # the whole lesson is done
    hint: str = ""
    lines: list[str] = field(default_factory=list)  # feedback lines from the lesson runtime (Hint:/Why:/Right:)
    what_if: str = ""  # "NAME = VALUE": the program input the learner may change in this step
    trying: bool = False  # a what-if value was recorded: the prompt asks for the prediction
    write: str = ""  # "@write" step: the rule's name; the editor is shown
    table: str = ""  # "@table" step: the table so far (a code block); rows are typed in the answer box


class AnswerInput(Input):
    """The answer box: every letter typed reaches it (ctrl+n / ctrl+p move between steps)."""


class LessonPane(VerticalScroll, can_focus=False):
    """The right-hand column of the lesson screen.

    | key | action |
    |-----|--------|
    | PageUp / PageDown | scroll the pane (from anywhere but the rule editor, which pages its code) |
    """

    _rendering: list[AwaitComplete] = []  # the Markdown renders the last ``show`` started (replaced, never appended to here)

    BINDINGS = [
        Binding("pageup", "page_up", "scroll up", show=False),
        Binding("pagedown", "page_down", "scroll down", show=False),
    ]

    class AnswerSubmitted(Message):
        """The learner pressed Enter in the answer box."""

        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    def compose(self) -> ComposeResult:
        yield Static("", id="lesson-header")
        yield Markdown("", id="lesson-text")
        yield Markdown("", id="lesson-question")
        yield TextArea.code_editor("", id="lesson-code", soft_wrap=True, tab_behavior="indent")
        yield AnswerInput(placeholder="your answer, then Enter", id="lesson-answer", max_length=MAX_TYPED)
        yield Static("", id="lesson-feedback")
        yield Static("", id="lesson-action")  # after the question: predict first, then step
        yield Markdown("", id="lesson-explanation")
        yield Static("", id="lesson-nav")

    def show(self, view: StepView, reset_scroll: bool = False) -> None:
        """Display ``view``; ``reset_scroll`` scrolls back to the top (a new step)."""
        self.view = view
        header = self.query_one("#lesson-header", Static)
        header.update(Content(f"{view.lesson_title}\nstep {view.number}/{view.total} · {view.title}"))
        width = max(24, self.scrollable_content_region.width - 2) if self.is_mounted else 44
        self._rendering = [self.query_one("#lesson-text", Markdown).update(fit_markdown(view.text, width))]
        action = self.query_one("#lesson-action", Static)
        if view.action:
            mark = "✓ done" if view.action_done else "→ step forward until"
            action.update(Content(f"{mark}: {view.action}"))
            action.display = True
            action.set_class(view.action_done, "-done")
        else:
            action.display = False
        question = self.query_one("#lesson-question", Markdown)
        answer = self.query_one("#lesson-answer", Input)
        code = self.query_one("#lesson-code", TextArea)
        code.display = bool(view.write)
        if view.write:
            self._rendering.append(question.update(
                f"**Write it.** Edit `{view.write}` below, then press **ctrl+t** to check it and "
                "train with it (Tab indents, Esc leaves the editor)."))
            question.display = True
            answer.display = False
        elif view.table:
            ask = "**Every row is filled in.**" if view.answered else f"**Fill in the next row** (▸): {view.prompt}"
            # the ask above the table, the box right under it: on a short pane the box and the
            # rows (▸ the next) stay on screen together
            self._rendering.append(question.update(f"{ask}\n\n{view.table}"))  # reveal_feedback waits for it
            answer.placeholder = "upstream, local, sent, then Enter"
            question.display = True
            answer.display = not view.answered
            answer.disabled = view.answered
        elif view.what_if and not view.prompt:
            again = "another value to try again" if view.feedback else "another value"
            self._rendering.append(question.update(f"**What if?** The program has `{view.what_if}`. Type {again} and press Enter; "
                            "you predict what it changes, then it runs again."))
            answer.placeholder = "a new value, then Enter"
            question.display = True
            answer.display = True
            answer.disabled = False
        elif view.prompt:
            lines = [f"**Predict** (`{view.what_if}`, not run yet). {view.prompt}" if view.trying
                     else f"**Question.** {view.prompt}"]
            if view.choices:
                lines.append("")
                lines += [f"- **{chr(97 + k)})** {label}" for k, label in enumerate(view.choices)]
                answer.placeholder = "type a letter, then Enter"
            else:
                answer.placeholder = "type a number, then Enter"
            self._rendering.append(question.update("\n".join(lines)))
            question.display = True
            answer.display = True
            answer.disabled = view.answered
        else:
            question.display = False
            answer.display = False
        feedback = self.query_one("#lesson-feedback", Static)
        if view.lines:  # lesson Markdown in these lines shows as plain text: drop its **, * and `
            text = "\n".join(EMPHASIS_RE.sub("", line) for line in view.lines)
        else:
            text = view.feedback
            if view.hint and view.feedback and not view.feedback_ok:
                text += f"\nHint: {view.hint}"
        feedback.update(Content(text))  # echoes what the learner typed: never markup
        feedback.display = bool(text)
        feedback.set_class(view.feedback_ok, "-right")
        feedback.set_class(not view.feedback_ok, "-wrong")
        explanation = self.query_one("#lesson-explanation", Markdown)
        shown_in_lines = any(line.startswith("Why:") for line in view.lines)
        self._rendering.append(explanation.update(fit_markdown(view.explanation, width) if not shown_in_lines else ""))
        explanation.display = bool(view.explanation) and not shown_in_lines
        nav = self.query_one("#lesson-nav", Static)
        if view.finished:
            nav.update("Lesson complete. p or ctrl+p: previous step · q: quit")
        elif view.complete:
            last = view.number == view.total
            # a what-if keeps its box open for another value: n would be typed into it
            keys = ("ctrl+n", "ctrl+p") if answer.display and not answer.disabled else ("n or ctrl+n", "p or ctrl+p")
            nav.update(f"{keys[0]}: {'finish the lesson' if last else 'next step'} · {keys[1]}: previous step")
        elif view.write:
            nav.update("ctrl+t checks your rule · Esc leaves the editor · ctrl+p: previous step")
        elif view.table:
            nav.update("Type a row and press Enter (ctrl+r shows the row) · ctrl+p: previous step")
        elif view.what_if and not view.prompt:
            nav.update("Type a value and press Enter (Esc leaves the box) · ctrl+p: previous step")
        elif view.prompt and not view.answered:
            nav.update("Answer to go on (Enter submits; ctrl+r reveals; Esc leaves the box) · ctrl+p: previous step")
        else:
            nav.update("Step with → / ← to do the action · p or ctrl+p: previous step")
        nav.set_class(view.complete or view.finished, "-ready")
        if reset_scroll:
            self.scroll_home(animate=False)

    def reveal_feedback(self) -> None:
        """Scroll so the feedback that just appeared (Hint:, Right:, Why:) is on screen: its top
        line first, and as much of it and of the explanation below as the pane can hold.

        The Markdown above and below it renders after ``show`` returns and moves it (in a short
        pane, past the fold): this waits for those renders, then scrolls."""
        self._after_renders(self._scroll_to_feedback)

    def _after_renders(self, scroll: Callable[[], None]) -> None:
        """Run ``scroll`` once the Markdown updates ``show`` started have rendered (before, the
        widgets below them are not where they will be)."""
        pending = [update for update in self._rendering if not update.is_done]
        if not pending:
            scroll()
            return

        async def when_rendered() -> None:
            for update in pending:
                await update
            self.call_after_refresh(scroll)

        self.run_worker(when_rendered, group="pane-scroll", exclusive=True, exit_on_error=False)  # made when it runs: a worker cancelled first leaves no coroutine behind

    def _scroll_to_feedback(self) -> None:
        feedback = self.query_one("#lesson-feedback", Static)
        explanation = self.query_one("#lesson-explanation", Markdown)
        action = self.query_one("#lesson-action", Static)
        if feedback.display:
            target = feedback
        elif action.display and action.has_class("-done"):  # "✓ done: …", then its explanation
            target = action
        elif explanation.display:
            target = explanation
        else:
            return
        bottom = explanation if explanation.display else target
        visible = self.scrollable_content_region.height
        top_y = target.virtual_region.y
        end_y = bottom.virtual_region.bottom
        # as low as needed to show the end, never so low that the feedback's first line is cut
        # (nor left below it: a short pane may already be scrolled past the feedback's top)
        y = min(max(self.scroll_y, end_y - visible), top_y)
        self.scroll_to(y=y, animate=False, immediate=True)

    def feedback_visible(self) -> bool:
        """Whether the feedback's first line is inside the pane's visible part (the check asks)."""
        feedback = self.query_one("#lesson-feedback", Static)
        if not feedback.display:
            return True
        top = feedback.virtual_region.y - self.scroll_y
        return 0 <= top < self.scrollable_content_region.height

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.AnswerSubmitted(event.value))

    # ---- what is below the fold -----------------------------------------------------------
    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._mark_below()

    def watch_virtual_size(self) -> None:
        self._mark_below()

    def on_resize(self) -> None:
        self._mark_below()

    def on_descendant_focus(self) -> None:
        self._mark_below()

    def on_descendant_blur(self) -> None:
        self._mark_below()

    def _mark_below(self) -> None:
        """The pane's bottom border says when the step goes on below the fold, and the key that
        scrolls there. In a short pane (80×24) a question's choices and its answer box often
        start there, and a scrollbar alone is easy to miss. The rule editor keeps PageDown for
        itself: from there it takes Esc first."""
        below = self.max_scroll_y - self.scroll_y >= 1
        editing = self.is_mounted and self.app.focused is self.query_one("#lesson-code", TextArea)
        said = ("▼ more below: Esc, then PageDown" if editing else "▼ more below: PageDown") if below else ""
        if self.border_subtitle != said:
            self.border_subtitle = said

    def on_input_changed(self, event: Input.Changed) -> None:
        """What the learner types is on screen. A step opens at its top, so that its text is read
        first; in a short pane (80×24) the answer box is then below the fold, and the first key
        typed into it scrolls it up into view, the question just above it."""
        box = event.input
        if box.id != "lesson-answer" or not event.value:
            return
        top = box.virtual_region.y - self.scroll_y
        if top < 0 or top + box.virtual_region.height > self.scrollable_content_region.height:
            self.scroll_to_widget(box, animate=False, immediate=True)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def show_work(self) -> None:
        """Scroll so what the learner works in is on screen: a @table step's table (with the
        box under it), a @write step's editor (at 80×24 both start below the fold)."""
        self._after_renders(self._scroll_to_work)

    def _scroll_to_work(self) -> None:
        code = self.query_one("#lesson-code", TextArea)
        question = self.query_one("#lesson-question", Markdown)
        if code.display:
            self.scroll_to_widget(code, animate=False, immediate=True)
        elif self.view.table and question.display:
            # the ask and the table from the top if they fit with the box under them; else the
            # box at the bottom, the table's rows above it
            answer = self.query_one("#lesson-answer", Input)
            bottom = answer.virtual_region.bottom if answer.display else question.virtual_region.bottom
            y = max(question.virtual_region.y, bottom - self.scrollable_content_region.height)
            self.scroll_to(y=y, animate=False, immediate=True)

    def set_code(self, text: str) -> None:
        """Put ``text`` in the rule editor (when a @write step opens: not on every refresh)."""
        self.query_one("#lesson-code", TextArea).load_text(text)

    def code(self) -> str:
        return self.query_one("#lesson-code", TextArea).text

    def focus_code(self, line: int | None = None) -> bool:
        """Give the rule editor focus, its cursor on ``line`` (1-based: an error's line)."""
        editor = self.query_one("#lesson-code", TextArea)
        if not editor.display:
            return False
        editor.focus()
        if line is not None and 1 <= line <= editor.document.line_count:
            editor.cursor_location = (line - 1, len(editor.document.get_line(line - 1)))  # its end
        return True

    def clear_answer(self) -> None:
        self.query_one("#lesson-answer", Input).value = ""

    def focus_answer(self) -> bool:
        """Give the answer box focus if it is open; False when there is none to type in."""
        answer = self.query_one("#lesson-answer", Input)
        if answer.display and not answer.disabled:
            answer.focus()
            return True
        return False


FENCE_RE = re.compile(r"^(```|~~~)")
INDENTED_RE = re.compile(r"^ {4}\S")
MATRIX_RE = re.compile(r"^\s*\[\s*\[.*\]\s*\]\s*$")
TABLE_RULE_RE = re.compile(r":?-{3,}:?")


def fit_markdown(text: str, width: int) -> str:
    """Step Markdown made to fit a pane ``width`` cells wide (see the module docstring)."""
    out: list[str] = []
    fence = False
    table: list[list[str]] = []
    for line in text.splitlines():
        is_row = not fence and line.strip().startswith("|") and line.strip().endswith("|")
        if table and not is_row:
            out.extend(_table_as_list(table))
            table = []
        if FENCE_RE.match(line.strip()):
            fence = not fence
            out.append(line)
            continue
        if fence:
            out.extend(_wrap_code(line, width - 2))
            continue
        if INDENTED_RE.match(line) and (not out or not out[-1].strip() or INDENTED_RE.match(out[-1])):
            # an indented code block (a rule set apart, as in lesson 13): wrap, never cut; the
            # wrapped parts keep the 4-space indent that makes them code
            out.extend("    " + part for part in _wrap_plain(line[4:], width - 6))
            continue
        if is_row:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(TABLE_RULE_RE.fullmatch(c) for c in cells):
                table.append(cells)
            continue
        if MATRIX_RE.match(line):
            grid = matrix_grid(line.strip())
            if grid:
                out += ["```", *grid, "```"]
                continue
        out.append(line)
    if table:
        out.extend(_table_as_list(table))
    return "\n".join(out)


def _wrap_code(line: str, width: int) -> list[str]:
    """A code line that fits: a trailing comment moves above the code, then long code wraps
    at spaces with a ``↪`` marker (never losing a character)."""
    if len(line) <= width:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    code, comment = _split_comment(line)
    if comment:
        return [*_wrap_plain(indent + comment, width), *_wrap_code(code.rstrip(), width)]
    return _wrap_plain(line, width)


def _wrap_plain(line: str, width: int) -> list[str]:
    if len(line) <= width:
        return [line]
    indent = line[: len(line) - len(line.lstrip())][: max(width // 2, 0)]
    room = max(width - len(indent) - 2, 8)
    parts = textwrap.wrap(line.strip(), room, break_long_words=True, break_on_hyphens=False)
    return [indent + parts[0]] + [indent + "↪ " + p for p in parts[1:]]


def _split_comment(line: str) -> tuple[str, str]:
    """(code, "# comment") of a Python line; the comment is empty when there is none."""
    quote = ""
    for k, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return (line[:k], line[k:]) if line[:k].strip() else (line, "")
    return line, ""


def _table_as_list(rows: list[list[str]]) -> list[str]:
    """A Markdown table as a list: one item per row, ``header: cell`` pairs, nothing cut."""
    head, body = rows[0], rows[1:]
    if not body:
        return ["- " + " · ".join(head)]
    return ["- " + " · ".join(f"{h}: {c}" if h else c for h, c in zip(head, row)) for row in body] + [""]


def matrix_grid(text: str) -> list[str] | None:
    """``[[1, -2.5], [3, 4]]`` as right-aligned rows, or None when it is not a matrix of numbers."""
    try:
        rows = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    if not rows or not all(isinstance(r, list) and len(r) == len(rows[0]) for r in rows):
        return None
    cells = [[f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in r] for r in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(cells[0]))]
    return ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
