"""Lesson mode: a screen of the tapeviz app with the graph, inspector and timeline and a lesson
pane beside them (``tapeviz lesson N`` opens the app with this as its first screen).

The screen walks a lesson's steps: entering a step moves the cursor and the selection to the
step's pointer; a question must be answered (the answer is judged against the trace); a
required action is done when the cursor reaches its event. Progress is saved after every
change and resumed next time. The lesson objects come from ``tapeviz.lessons`` (a higher layer),
so this module only receives them; it never imports that package at run time.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, TextArea

from ..engine.errors import TapevizError
from .app import TapevizApp
from .conceal import NO_SECRET, Concealer
from .keys import key
from .lesson_pane import LessonPane, StepView
from .main_screen import TraceScreen, compose_main_widgets, watch_frames

if TYPE_CHECKING:
    from ..lessons.model import Step
    from ..lessons.progress import LessonProgress, ProgressStore
    from ..lessons.runtime import LessonRun


PALETTE_KEY = "ctrl+k"  # the command palette in a lesson: ctrl+p is the previous step
class LessonScreen(TraceScreen):
    """Graph, inspector, timeline and the lesson pane; ctrl+n/ctrl+p (n/p outside the answer box) move between steps."""

    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    # No focus on resume (after help or the palette): Textual would give it to the first
    # focusable widget, the answer box even while it is hidden, which then swallowed q, g, t…
    AUTO_FOCUS = ""  # (None would fall back to the app's "*")

    BINDINGS = [
        # ctrl+n / ctrl+p work from anywhere; plain n / p only when no box has focus (the
        # answer box takes every letter typed into it)
        key("ctrl+n", "next_step", "next step", "Next lesson step",
            "next lesson step, from anywhere (also while typing an answer)", key_display="^n", priority=True),
        key("ctrl+p", "prev_step", "previous step", "Previous lesson step",
            "previous lesson step, from anywhere", key_display="^p", priority=True),
        key("n", "next_step", "next step", "Next lesson step (n)",
            "next lesson step when the answer box does not have the focus", show=False),
        key("p", "prev_step", "previous step", "Previous lesson step (p)",
            "previous lesson step when the answer box does not have the focus", show=False),
        key("enter", "focus_answer", "answer", "Answer", "go to the answer box", show=False),
        key("escape", "leave_answer", "leave the answer box", "Leave the answer box",
            "leave the answer box (the other keys work again)", show=False),
        key("ctrl+r", "reveal", "reveal the answer", "Reveal the answer",
            "reveal the answer and its explanation (counts as not right at the first try)"),
        key("ctrl+t", "run_rule", "check your rule", "Check your rule",
            "check the backward rule you wrote against finite differences and train with it (a write step)",
            key_display="^t", priority=True),
        key("question_mark", "lesson_help", "help", "Help", "help: keys and colours", key_display="?"),
        key("i", "cycle_top", "panes", "Inspector or timeline in the graph's place",
            "narrow terminals: the graph's place shows the inspector, then the timeline and loss, then the graph again"),
        # priority: the graph pane (focused after Esc) would page itself; the rule editor still
        # pages its code (``action_pane_page``)
        key("pageup", "pane_page(-1)", "scroll the lesson", "Scroll the lesson up", "scroll the lesson pane up",
            show=False, priority=True),
        key("pagedown", "pane_page(1)", "scroll the lesson", "Scroll the lesson down",
            "scroll the lesson pane down", show=False, priority=True),
    ]

    def __init__(self, run: LessonRun, store: ProgressStore) -> None:
        super().__init__(id="lesson")
        self.run = run
        self.store = store
        self.progress: LessonProgress = store.get(run.lesson.id)
        self.progress.steps = len(run.steps)
        # a finished lesson reopens at the start for review (every step stays done); otherwise resume
        start = 0 if self.progress.completed else self.progress.step
        self.step_index = min(max(start, 0), len(run.steps) - 1)
        self.feedback: dict[int, tuple[str, bool, bool]] = {}  # step -> (message, correct, a real answer)
        self.revealed: set[int] = set()  # steps whose explanation is shown
        self.answered: set[int] = set()  # steps whose question was answered correctly
        self.reached: set[int] = set()  # steps whose action was done
        self.trying: dict[int, str] = {}  # what-if steps recorded with a new value, prediction open
        self.finished = self.progress.completed
        for i in self.progress.done:  # resumed: what was done stays done
            self.answered.add(i)
            self.reached.add(i)
            self.revealed.add(i)
        for i in list(self.progress.done):
            step = run.steps[i] if i < len(run.steps) else None
            if step is not None and step.write is not None:
                # a written rule is not kept between sittings: the recording is the program's own
                # again, so the step (and what the later steps say about training) waits for it
                self.progress.done.discard(i)
                self.answered.discard(i)
                self.reached.discard(i)
                self.revealed.discard(i)
                self.progress.completed = self.finished = False
                self.step_index = min(self.step_index, i)  # resume there, not after it
            elif step is not None and step.table is not None:
                try:
                    run.fill_table(step)  # every row as entered before
                except TapevizError:
                    pass  # saved rows that no longer fit the recording: the table starts empty
        # hide the first step's giveaways before anything is drawn or notified (the program's
        # warnings are shown as toasts when the app mounts)
        self.tapeviz.session.concealer = self.concealer()

    # ---- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="lesson-layout"):
            with Vertical(id="lesson-main"):
                yield from compose_main_widgets(self.run.trace, panels=True)  # o and m work here too (hidden until asked for)
            yield LessonPane(id="lesson-pane")
        yield Footer()

    def on_mount(self) -> None:
        watch_frames(self)
        self.query_one("#lesson-pane").border_title = "lesson"
        self.watch(self.app, "index", self.cursor_moved, init=False)
        self.call_after_refresh(self.enter_step, self.step_index)

    @property
    def tapeviz(self) -> TapevizApp:
        app = self.app
        assert isinstance(app, TapevizApp)
        return app

    @property
    def step(self) -> Any:
        return self.run.steps[self.step_index]

    # ---- state --------------------------------------------------------------------------
    def _action_reached(self, i: int) -> bool:
        step = self.run.steps[i]
        if step.action is None or i in self.reached:
            return True
        with self.tapeviz.session.lock:
            return self.run.action_done(step, self.tapeviz.index)

    def is_complete(self, i: int) -> bool:
        step = self.run.steps[i]
        if step.write is not None or step.table is not None:  # written right, or every row filled in
            return i in self.answered
        asked = step.question is None or i in self.answered
        return asked and self._action_reached(i)

    def _save(self) -> None:
        self.progress.step = self.step_index
        self.progress.steps = len(self.run.steps)
        try:
            self.store.save()
        except OSError as exc:
            self.notify(f"could not save progress: {exc}", severity="warning", timeout=5)

    def _mark(self) -> None:
        i = self.step_index
        if self.is_complete(i) and i not in self.progress.done:
            self.progress.done.add(i)
            self._save()

    # ---- predict, then reveal -----------------------------------------------------------
    def concealer(self) -> Concealer:
        """``_hiding()``, with the matrix columns the step's question reads kept in view
        (``LessonRun.asked_columns``: a grid that elides columns never cuts the asked one)."""
        hiding = self._hiding()
        try:
            with self.tapeviz.session.lock:
                keep = self.run.asked_columns(self.step)
        except TapevizError:
            keep = {}
        if not keep:
            return hiding
        return Concealer(hiding.secret, hiding.also, hiding.ahead, keep=keep)

    def _hiding(self) -> Concealer:
        """What to hide on screen now: the giveaway numbers of the next open number question
        (this step's or one ahead, so the steps leading to it do not show its answer either),
        until it is answered right, answered wrong twice, or revealed; and those of the open
        number question after it (its answer is often on screen already). A step answered
        does not end the hiding: the next open question's answer stays hidden on the way to it
        (lesson 13 showed each next gradient as soon as the one before was answered). Numbers
        the learner has answered are never hidden again (``Secret.known``)."""
        secrets = []
        for step in self.run.steps[self.step_index:]:
            if step.table is not None:  # the rows not filled in yet hide their gradients
                try:
                    with self.tapeviz.session.lock:
                        secret = None if step.index in self.answered else self.run.table_secret(step)
                except TapevizError:
                    secret = None
                if secret is None:
                    continue
                secrets.append(secret)
                if len(secrets) == 2:
                    break
                continue
            q = step.question
            if q is not None and q.kind == "choice" and step.index == self.step_index and step.index not in self.answered:
                # this step's open choice question: its evidence (the numbers its conditions
                # read) is hidden like a number, and nothing after the cursor is shown
                try:
                    with self.tapeviz.session.lock:
                        secret = self.run.secret(step, self.answered) if self.run.unanswered(step) else None
                except TapevizError:
                    secret = None
                return Concealer(secret) if secret is not None else NO_SECRET
            if q is None or q.kind != "number":
                continue
            if step.index in self.answered:
                continue  # answered, wrong twice or revealed (or done in an earlier sitting): the next one counts
            try:
                with self.tapeviz.session.lock:
                    if not self.run.unanswered(step) or self.run.state(step).shows_why:
                        continue
                    secret = self.run.secret(step, self.answered)
            except TapevizError:
                if not secrets:
                    return NO_SECRET  # a broken step shows its error in the pane
                break
            if secret is not None:
                secrets.append(secret)
            if len(secrets) == 2:
                break
        if not secrets:
            return NO_SECRET
        return Concealer(secrets[0], ahead=tuple(secrets[1:]))

    def conceal(self) -> None:
        self.tapeviz.conceal(self.concealer())

    # ---- showing ------------------------------------------------------------------------
    def build_view(self) -> StepView:
        i, run, step = self.step_index, self.run, self.step
        try:
            view = StepView(
                lesson_title=run.lesson.title, number=step.number, total=len(run.steps),
                title=run.title(step), text=run.text(step),
            )
            if step.question is not None:
                view.prompt = run.prompt(step)
                view.choices = run.choices(step) if step.question.kind == "choice" else []
                view.numeric = step.question.kind == "number"
                view.answered = i in self.answered
                view.hint = run.hint(step)
                view.lines = run.feedback(step)  # Hint: after a wrong answer, Why: after two or a reveal
            message, ok, valid = self.feedback.get(i, ("", False, False))
            view.feedback, view.feedback_ok = message, ok
            if not valid:
                view.hint = ""
            if step.write is not None:
                self._write_view(view, i)
            if step.table is not None:
                self._table_view(view, i)
            if step.what_if is not None:
                view.what_if = f"{step.what_if.name} = {run.what_if_value(step)!r}"
                self._what_if_view(view, i)
            if step.action is not None:
                view.action = run.action_label(step)
                view.action_done = self._action_reached(i)
            reveal = i in self.revealed or (step.question is None and step.action is not None and view.action_done)
            if reveal and (step.question is None or not view.lines) and not view.explanation:
                view.explanation = run.explanation(step)
        except TapevizError as exc:  # a lesson the checker would reject: show it, do not crash
            view = StepView(run.lesson.title, step.number, len(run.steps), step.title, f"**This step is broken:** {exc}")
        view.complete = self.is_complete(i)
        view.finished = self.finished and i == len(run.steps) - 1
        return view

    def _write_view(self, view: StepView, i: int) -> None:
        """A @write step: the editor, then each try's verdict, with Hint: under it after a wrong
        try, its training and points, Why: once the rule is right."""
        step = self.step
        view.write = step.write.rule
        outcome = self.run.rules.get(i)
        lines = self.run.rule_lines(step)
        if outcome is not None and not outcome.ok and step.hint:
            lines.insert(1, f"Hint: {self.run.hint(step)}")
        if i in self.answered and step.explain:
            lines.append(f"Why: {self.run.explanation(step)}")
        view.lines = lines
        view.feedback_ok = outcome is not None and outcome.ok

    def _table_view(self, view: StepView, i: int) -> None:
        """A @table step: the table so far and the next row to type; each row's verdict."""
        step = self.step
        rows = self.run.table_rows(step)
        state = self.run.table_state(step)
        view.table = self.run.table_text(step)
        view.answered = state.done >= len(rows)
        if not view.answered:
            row = rows[state.done]
            view.prompt = (f"row {state.done + 1} of {len(rows)}, **{row.label}**: type its upstream, local "
                           "and sent gradients (3 significant figures)")
        lines = [state.message] if state.message else []
        if state.tries and step.hint:
            lines.append(f"Hint: {self.run.hint(step)}")
        if view.answered and step.explain:
            lines.append(f"Why: {self.run.explanation(step)}")
        view.lines = lines
        view.feedback_ok = state.right

    def _what_if_view(self, view: StepView, i: int) -> None:
        """A what-if in three phases: type a new value (the step's text waits: it describes the
        new run); predict (the question, on the new recording, which is not on screen yet); see
        the result beside the prediction, with the text, and type another value to try again."""
        if i in self.trying:  # recorded, prediction open
            view.text = ""
            view.trying = True
            return
        view.prompt, view.choices, view.lines = "", [], []
        if i not in self.answered:  # no value tried yet in this sitting
            view.text = ""
            view.feedback = ""
        elif view.text:  # the result: under the prediction beside it, then the worked explanation
            why = self.run.explanation(self.step) if i in self.revealed else ""
            view.explanation = "\n\n".join(part for part in (view.text, why) if part)
            view.text = ""

    def refresh_pane(self, reset_scroll: bool = False) -> None:
        with self.tapeviz.session.lock:  # a training worker may be appending to the trace
            view = self.build_view()
        self.query_one(LessonPane).show(view, reset_scroll)

    def enter_step(self, i: int) -> None:
        """Open step ``i``: move the cursor and selection to its pointer and show it."""
        self.step_index = max(0, min(i, len(self.run.steps) - 1))
        step = self.step
        try:
            with self.tapeviz.session.lock:
                target = self.run.goto(step)
                node = self.run.selection(step)
                self.tapeviz.session.badges = self.run.visit_badges(step) or self.run.rule_badges(step)  # @order / @write
            self.conceal()  # before the cursor moves: the new event is drawn already hidden
            if step.table is not None:  # the graph shows the backward pass as far as the rows go
                with self.tapeviz.session.lock:
                    filled = self.run.table_cursor(step)
                    node = self.run.table_focus(step)  # and centres the op of the next row
                if filled is not None:
                    self.tapeviz.goto(filled)
                    target = None
            if target is not None:
                self.tapeviz.goto(target.event)
            if node is not None:
                self.tapeviz.select_node(node)
        except TapevizError as exc:
            self.notify(str(exc), severity="error", timeout=8)
        self.show_as_said(step)
        self._save()
        self._mark()
        self.refresh_pane(reset_scroll=True)
        pane = self.query_one(LessonPane)
        if step.write is not None:
            pane.set_code(self.run.rule_template(step))
            pane.focus_code()
            self.call_after_refresh(pane.show_work)
        elif step.table is not None and self.step_index not in self.answered:
            pane.clear_answer()
            pane.focus_answer()
            self.call_after_refresh(pane.show_work)
        elif (step.question is not None and self.step_index not in self.answered) or step.what_if is not None:
            pane.clear_answer()
            pane.focus_answer()
        else:
            self.set_focus(None)

    def show_as_said(self, step: Any) -> None:
        """The step's @view and @graph: what its text talks about is what the graph shows."""
        if step.view is not None:
            self.tapeviz.mode = "grads" if step.view == "gradients" else "values"
        if step.graph is not None:
            self.tapeviz.fit_graph(step.graph == "fit")

    # ---- events -------------------------------------------------------------------------
    def on_lesson_pane_answer_submitted(self, message: LessonPane.AnswerSubmitted) -> None:
        i, step = self.step_index, self.step
        if step.table is not None:
            self._row_entered(message.value)
            return
        if step.what_if is not None:
            if i in self.trying:
                self._predicted(message.value)
            else:
                self._what_if(message.value)
            return
        if step.question is None or i in self.answered:
            return
        try:
            with self.tapeviz.session.lock:
                verdict = self.run.answer(step, message.value)
        except TapevizError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        self.feedback[i] = ("\n".join(verdict.lines), verdict.correct, verdict.valid)
        if verdict.first and self.progress.record_first_try(i, verdict.correct):
            self._save()
        if not verdict.correct:
            self.query_one(LessonPane).clear_answer()  # the retry starts from an empty box
        if verdict.correct:
            self.answered.add(i)
            self._mark()
            self.set_focus(None)
        self.conceal()  # right, or wrong twice: the numbers show again
        self.refresh_pane()
        self.call_after_refresh(self.query_one(LessonPane).reveal_feedback)  # below the fold at 80×24

    def _row_entered(self, value: str | None) -> None:
        """A typed table row (None: ctrl+r shows it): judged against the trace; a right row
        fills in on the graph."""
        i, step = self.step_index, self.step
        if i in self.answered:
            return
        try:
            with self.tapeviz.session.lock:
                if value is None:
                    self.run.reveal_row(step)
                else:
                    self.run.enter_row(step, value)
                done = self.run.table_done(step)
        except TapevizError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        self.query_one(LessonPane).clear_answer()
        if done:
            self.answered.add(i)
            self._mark()
            self.set_focus(None)
        self.conceal()  # the rows entered are known now: their gradients show on the graph
        with self.tapeviz.session.lock:
            filled = self.run.table_cursor(step)
            node = self.run.table_focus(step)
        if filled is not None and filled != self.tapeviz.index:
            self.tapeviz.goto(filled)  # the op whose rows are all in: the graph shows what it sent
        self.tapeviz.select_node(node)  # the op of the next row, centred
        self.refresh_pane()
        self.call_after_refresh(self.query_one(LessonPane).reveal_feedback)

    def action_run_rule(self) -> None:
        """ctrl+t on a @write step: check the learner's rule and train with it; a mistake in it
        is shown with its line (the editor's cursor goes there), never raised."""
        i, step = self.step_index, self.step
        if step.write is None:
            return
        pane = self.query_one(LessonPane)
        try:
            with self.tapeviz.session.lock:
                before = self.run.trace
                outcome = self.run.try_rule(step, pane.code())
                self.tapeviz.session.badges = {}
        except TapevizError as exc:  # the lesson's own program broke: say so, keep going
            self.notify(getattr(exc, "bare", None) or str(exc), severity="error", timeout=8)
            return
        if self.run.trace is not before:  # recorded again with the rule: show that run
            self.tapeviz.use_trace(self.run.trace)
        with self.tapeviz.session.lock:
            self.tapeviz.session.badges = self.run.rule_badges(step)
            node = self.run.rule_node(step)
            last = len(self.run.trace) - 1
        if self.run.trace is not before:  # the whole run: the loss curve shows every iteration
            self.tapeviz.goto(last)
        if node is not None:
            self.tapeviz.select_node(node)  # the function the rule belongs to, marked on its box
        if outcome.ok:
            self.answered.add(i)
            self.revealed.add(i)
            self._mark()
        self.conceal()
        self.refresh_pane()
        if outcome.error_line is not None:
            pane.focus_code(outcome.error_line)
        self.call_after_refresh(pane.reveal_feedback)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ctrl+t only where there is a rule to check (it is then in the footer too)."""
        if action == "run_rule":
            return self.step.write is not None
        return True

    def cursor_moved(self, index: int) -> None:
        """The app's cursor moved (by a key, a click, playing): is the step's action done?"""
        i, step = self.step_index, self.step
        if step.action is None or i in self.reached:
            return
        with self.tapeviz.session.lock:
            done = self.run.action_done(step, index)
        if done:
            self.reached.add(i)
            if step.question is None:
                self.revealed.add(i)
            self._mark()
            self.refresh_pane()
            self.call_after_refresh(self.query_one(LessonPane).reveal_feedback)  # "✓ done" and why, at 80×24 too

    # ---- keys ---------------------------------------------------------------------------
    def action_next_step(self) -> None:
        i = self.step_index
        if not self.is_complete(i):
            step = self.step
            if step.question is not None and i not in self.answered:
                self.notify("Answer the question first: type it in the box and press Enter.", timeout=4)
                self.query_one(LessonPane).focus_answer()
            else:
                self.notify(self._steps_to_go(step), timeout=4)
            return
        if i == len(self.run.steps) - 1:
            self.finished = True
            self.progress.completed = True
            self._save()
            self.notify(f"Lesson complete: {self.run.lesson.title}", title="well done", timeout=6)
            self.refresh_pane()
            return
        self.enter_step(i + 1)

    def _steps_to_go(self, step: Step) -> str:
        """What the step's action still asks: how many → presses, and to which event (scope
        paths shortened to their last two parts, so the toast wraps instead of being cut)."""
        label = re.sub(r"\S*/(\S+/\S+)", r"\1", self.run.action_label(step))
        try:
            with self.tapeviz.session.lock:
                target = self.run.action(step)
        except TapevizError:
            target = None
        left = target.event - self.tapeviz.index if target is not None else 0
        if left <= 0:
            return f"Step to: {label}"
        return f"Press → {'once more' if left == 1 else f'{left} more times'} to reach: {label}"

    def action_prev_step(self) -> None:
        if self.step_index > 0:
            self.enter_step(self.step_index - 1)

    TOP_PANES = ("", "-inspector", "-timeline")  # what the graph's place shows on a narrow terminal (a screen class)

    def action_cycle_top(self) -> None:
        """``i`` on a narrow terminal: the graph's place shows the inspector, then the timeline
        and the loss, then the graph again (wider terminals show them all; there it does nothing)."""
        if not self.has_class("-narrow"):
            return
        now = next((c for c in self.TOP_PANES[1:] if self.has_class(c)), "")
        after = self.TOP_PANES[(self.TOP_PANES.index(now) + 1) % len(self.TOP_PANES)]
        for name in self.TOP_PANES[1:]:
            self.set_class(name == after, name)

    def action_lesson_help(self) -> None:
        self.tapeviz.action_help()

    def action_focus_answer(self) -> None:
        """Enter: to the answer box; with no box to type in (answered or revealed), say what
        comes next instead of doing nothing."""
        pane = self.query_one(LessonPane)
        if pane.focus_answer() or pane.focus_code():
            return
        i, step = self.step_index, self.step
        if not self._action_reached(i):
            self.notify(self._steps_to_go(step), timeout=4)
        elif i < len(self.run.steps) - 1:
            self.notify("This step is done: n (or ctrl+n) goes to the next step.", timeout=4)

    def action_leave_answer(self) -> None:
        """Esc: the keys move through the trace again; a typed digit no longer reaches the box."""
        had_box = isinstance(self.focused, Input) and self.focused.id == "lesson-answer"
        self.set_focus(None)
        if had_box:
            self.notify("Keys step through the trace now: Enter goes back to the answer box.", timeout=3)

    def action_reveal(self) -> None:
        """Give up on the question: the runtime shows the answer and its Why: line."""
        i, step = self.step_index, self.step
        if step.write is not None and i not in self.answered:  # a right rule in the editor, to run with ctrl+t
            if self.progress.record_first_try(i, False):
                self._save()
            self.query_one(LessonPane).set_code(self.run.reference_source(step))
            self.notify("A right rule is in the editor now: ctrl+t checks it and trains with it.", timeout=6)
            return
        if step.table is not None and i not in self.answered:  # show the next row: it counts as done
            if self.progress.record_first_try(i, False):
                self._save()
            self._row_entered(None)
            return
        if step.question is None or i in self.answered:
            return
        with self.tapeviz.session.lock:
            self.run.reveal(step)
        if self.progress.record_first_try(i, False):
            self._save()
        self.answered.add(i)
        self._mark()
        self.set_focus(None)
        self.conceal()
        self.refresh_pane()
        self.call_after_refresh(self.query_one(LessonPane).reveal_feedback)

    def _what_if(self, value: str) -> None:
        """Record the lesson's program again with the learner's value: the pane's text, the
        graph, the timeline and the inspector all follow the new recording."""
        try:
            with self.tapeviz.session.lock:
                said = self.run.what_if(self.step, value)
        except TapevizError as exc:
            # a learner's typing mistake: the message alone, not the lesson file's path and line
            self.notify(getattr(exc, "bare", None) or str(exc), severity="warning", timeout=6)
            return
        i = self.step_index
        self.trying[i] = said  # the new recording waits until the learner has predicted
        self.answered.discard(i)
        self.revealed.discard(i)
        self.feedback.pop(i, None)
        self.query_one(LessonPane).clear_answer()
        self.conceal()
        self.refresh_pane()
        self.query_one(LessonPane).focus_answer()

    def _predicted(self, value: str) -> None:
        """The prediction of a what-if: judged on the new recording, which is shown now, with
        the prediction beside the result (right or not, one prediction per try)."""
        i, step = self.step_index, self.step
        try:
            with self.tapeviz.session.lock:
                verdict = self.run.answer(step, value)
                right = self.run.correct_text(step)
        except TapevizError as exc:
            self.notify(getattr(exc, "bare", None) or str(exc), severity="error", timeout=8)
            return
        if not verdict.valid:  # not an answer at all: say so and keep asking
            self.feedback[i] = ("\n".join(verdict.lines), False, False)
            self.query_one(LessonPane).clear_answer()
            self.refresh_pane()
            return
        if verdict.first and self.progress.record_first_try(i, verdict.correct):
            self._save()
        said = self.trying.pop(i)
        outcome = "your prediction was right" if verdict.correct else "not what you predicted"
        # what changed and the verdict in the pane (a toast saying it covered the pane at 80×24)
        self.feedback[i] = (f"{said}; so do the graph, timeline and inspector.\n"
                            f"You predicted {value.strip()}. The new run gives {right}: {outcome}.", verdict.correct, True)
        self.answered.add(i)
        self.revealed.add(i)
        self._mark()
        self.query_one(LessonPane).clear_answer()
        self.tapeviz.use_trace(self.run.trace)
        self.conceal()
        self.refresh_pane()
        self.call_after_refresh(self.query_one(LessonPane).reveal_feedback)

    def action_pane_page(self, direction: int) -> None:
        """PageUp/PageDown scroll the lesson pane from anywhere, except in the rule editor, where
        they page through the learner's code."""
        focused = self.focused
        if isinstance(focused, TextArea):
            focused.action_cursor_page_down() if direction > 0 else focused.action_cursor_page_up()
            return
        pane = self.query_one(LessonPane)
        pane.action_page_down() if direction > 0 else pane.action_page_up()


def lesson_app(run: LessonRun, store: ProgressStore, **options: Any) -> TapevizApp:
    """The tapeviz app opened on a lesson's trace, with the lesson screen as its first screen."""
    options.setdefault("palette_key", PALETTE_KEY)
    return TapevizApp(run.trace, source=f"lesson {run.lesson.id}", first_screen=lambda: LessonScreen(run, store), **options)


def run_lesson_app(run: LessonRun, store: ProgressStore) -> int:
    """Run the lesson UI until the learner quits; returns the exit code."""
    from .crash import run_reporting

    return run_reporting(lesson_app(run, store))
