"""The lesson pane: one step's text, its question and answer box, feedback and explanation.

The pane only shows what it is given (``show``) and reports the learner's typed answer up
with an ``AnswerSubmitted`` message; the lesson screen decides what it means.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Markdown, Static


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


class AnswerInput(Input):
    """The answer box. Answers are numbers or choice letters (a, b, c, ...), never n or p, so
    those two keys stay the lesson's next/previous step even while the box has focus."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if character in ("n", "p"):
            return False
        return super().check_consume_key(key, character)


class LessonPane(VerticalScroll, can_focus=False):
    """The right-hand column of the lesson screen."""

    class AnswerSubmitted(Message):
        """The learner pressed Enter in the answer box."""

        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    def compose(self) -> ComposeResult:
        yield Static("", id="lesson-header")
        yield Markdown("", id="lesson-text")
        yield Markdown("", id="lesson-question")
        yield AnswerInput(placeholder="your answer, then Enter", id="lesson-answer")
        yield Static("", id="lesson-feedback")
        yield Static("", id="lesson-action")  # after the question: predict first, then step
        yield Markdown("", id="lesson-explanation")
        yield Static("", id="lesson-nav")

    def show(self, view: StepView, reset_scroll: bool = False) -> None:
        """Display ``view``; ``reset_scroll`` scrolls back to the top (a new step)."""
        self.view = view
        header = self.query_one("#lesson-header", Static)
        header.update(Content(f"{view.lesson_title}\nstep {view.number}/{view.total} · {view.title}"))
        self.query_one("#lesson-text", Markdown).update(view.text)
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
        if view.prompt:
            lines = [f"**Question.** {view.prompt}"]
            if view.choices:
                lines.append("")
                lines += [f"- **{chr(97 + k)})** {label}" for k, label in enumerate(view.choices)]
                answer.placeholder = "type a letter, then Enter"
            else:
                answer.placeholder = "type a number, then Enter"
            question.update("\n".join(lines))
            question.display = True
            answer.display = True
            answer.disabled = view.answered
        else:
            question.display = False
            answer.display = False
        feedback = self.query_one("#lesson-feedback", Static)
        text = view.feedback
        if view.hint and view.feedback and not view.feedback_ok:
            text += f"\nHint: {view.hint}"
        feedback.update(Content(text))  # echoes what the learner typed: never markup
        feedback.display = bool(text)
        feedback.set_class(view.feedback_ok, "-right")
        feedback.set_class(not view.feedback_ok, "-wrong")
        explanation = self.query_one("#lesson-explanation", Markdown)
        explanation.update(view.explanation)
        explanation.display = bool(view.explanation)
        nav = self.query_one("#lesson-nav", Static)
        if view.finished:
            nav.update("Lesson complete. p: previous step · q: quit")
        elif view.complete:
            last = view.number == view.total
            nav.update(f"n: {'finish the lesson' if last else 'next step'} · p: previous step")
        elif view.prompt and not view.answered:
            nav.update("Answer to go on (Enter submits; Esc leaves the box) · p: previous step")
        else:
            nav.update("Step with → / ← to do the action · p: previous step")
        nav.set_class(view.complete or view.finished, "-ready")
        if reset_scroll:
            self.scroll_home(animate=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.AnswerSubmitted(event.value))

    def clear_answer(self) -> None:
        self.query_one("#lesson-answer", Input).value = ""

    def focus_answer(self) -> None:
        answer = self.query_one("#lesson-answer", Input)
        if answer.display and not answer.disabled:
            answer.focus()
