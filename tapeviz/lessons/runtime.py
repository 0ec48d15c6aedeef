"""A lesson made live: its program recorded, its pointers resolved, its answers computed.

``LessonRun.open(lesson)`` records the lesson's program (or built-in example) once. The UI and
the headless checker both go through this class, so what the checker accepts is exactly what
the learner will see. Every failure becomes a LessonError naming the lesson file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.errors import TapevizError
from ..trace import Trace, event_node, run_program
from .answers import Evaluator, ExpressionError, as_scalar, format_value, parse_number, truth
from .model import Lesson, LessonError, Pointer, Precision, Step, Where
from .questions import Feedback, QuestionState, Secret, feedback_lines, quantity_of
from .resolve import ResolveError, Resolver, Target
from .walks import walk, walk_functions
from .whatif import WhatIfError, find_slot, parse_value, run_with

ORDER_WORDS = {"right": "tape ", "order": "bfs ", "assign": "= "}  # a walk's mark on a box (@order)

DEFAULT_PRECISION = Precision("sf", 3)
SMALL_TENSOR = 3  # entries: an aggregate of a tensor this small gives an asked entry in one step


@dataclass(frozen=True)
class Verdict:
    """How a typed answer was judged. ``valid`` is False when it was not an answer at all."""

    correct: bool
    message: str
    valid: bool = True


def record_lesson(lesson: Lesson, overrides: dict[str, Any] | None = None,
                  rule: tuple[str, Any] | None = None) -> tuple[Trace, dict[str, Any] | None, str]:
    """Record what the lesson names: (trace, program namespace or None, program output).

    ``overrides`` gives some of the program's inputs new values (the what-if directive);
    ``rule`` (name, function) puts a learner's backward rule in place of the program's
    ``def name`` (the write directive)."""
    where = lesson.program_where or Where(lesson.file, 1)
    namespace: dict[str, Any] | None = None
    output = ""
    if lesson.example is not None:
        from ..examples import EXAMPLES

        if lesson.example not in EXAMPLES:
            raise LessonError(
                f"no built-in example {lesson.example!r} (examples: {', '.join(sorted(EXAMPLES))})",
                where.file, where.line,
            )
        try:
            trace = EXAMPLES[lesson.example].build()
        except TapevizError as exc:
            raise LessonError(f"example {lesson.example!r} failed: {exc}", where.file, where.line) from None
    else:
        assert lesson.program is not None
        try:
            if rule is not None:
                from .rules import run_with_rule

                run = run_with_rule(lesson.program, rule[0], rule[1], overrides)
            elif overrides:
                run = run_with(lesson.program, overrides)
            else:
                run = run_program(lesson.program)
        except TapevizError as exc:
            raise LessonError(f"the lesson's program failed: {exc}", where.file, where.line) from None
        trace, namespace, output = run.trace, run.namespace, run.output
    missing = lesson.iterations - trace.iteration_count
    if missing > 0:
        if trace.trainer is None:
            raise LessonError(
                f"iterations: {lesson.iterations}, but {lesson.source_name} records "
                f"{trace.iteration_count} and defines no train_step() to run more",
                lesson.file, 1,
            )
        trace.train_more(missing)
    return trace, namespace, output


@dataclass
class RuleOutcome:
    """One try of a written rule: the error in it, or its check and the run trained with it."""

    source: str
    error: str = ""
    error_line: int | None = None
    check: Any = None  # rules.RuleCheck
    losses: tuple[float, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.error and self.check is not None and self.check.ok


@dataclass
class TableState:
    """What the learner entered in a @table step: the rows done, the last try of the next one."""

    done: int = 0  # rows entered right, in order
    tries: int = 0  # wrong tries of the current row
    message: str = ""
    right: bool = False


class WriteAndFill:
    """The @write and @table steps of a LessonRun (mixed into it)."""

    lesson: Lesson
    trace: Trace
    namespace: dict[str, Any] | None
    resolver: Resolver
    rules: dict[int, RuleOutcome]
    tables: dict[int, TableState]
    first_losses: tuple[float, ...]

    def _losses(self) -> tuple[float, ...]:
        try:
            return tuple(float(v) for v in self.evaluator.evaluate("losses()"))  # type: ignore[attr-defined]
        except (ExpressionError, ResolveError, TypeError, ValueError):
            return ()

    # ---- @write --------------------------------------------------------------------------
    def rule_template(self, step: Step) -> str:
        from .rules import template

        assert step.write is not None
        outcome = self.rules.get(step.index)
        return outcome.source if outcome is not None else template(step.write.rule)

    def reference_source(self, step: Step) -> str:
        """The lesson's right rule (``@rule``) as the editor shows it (ctrl+r reveals it)."""
        assert step.write is not None
        return f"def {step.write.rule}(x, dy):\n    return {step.write.reference}\n"

    def custom_event(self, step: Step, last: bool = False) -> int:
        """The index of the first (or ``last``) recorded call of the step's custom-gradient function."""
        assert step.write is not None
        events = list(enumerate(self.trace.events))
        for k, event in reversed(events) if last else events:
            if type(event).__name__ == "OpRecorded" and event.op == "custom_gradient" \
                    and dict(event.attrs).get("f") == step.write.function:
                return k
        where = step.write.where
        raise LessonError(f"the program records no @tf.custom_gradient function {step.write.function!r}",
                          where.file, where.line)

    def rule_shape(self, step: Step) -> tuple[int, ...]:
        event = self.trace.events[self.custom_event(step)]
        return tuple(np.shape(event.inputs[0].value))

    def rule_forward(self, step: Step) -> Any:
        """The custom-gradient function's forward pass on a float64 array (for finite differences)."""
        assert step.write is not None
        function = (self.namespace or {}).get(step.write.function)
        where = step.write.where
        if not callable(function):
            raise LessonError(f"the program defines no function {step.write.function!r}", where.file, where.line)
        import tapeviz.tf as tf

        def forward(x: np.ndarray) -> np.ndarray:
            return np.asarray(function(tf.constant(np.asarray(x, dtype=np.float64))).numpy(), dtype=np.float64)

        return forward

    def try_rule(self, step: Step, source: str, seed: int = 0) -> RuleOutcome:
        """Compile the learner's rule, check it against finite differences at random points,
        then record the program again with it (training as the program does). Every mistake in
        the learner's code becomes the outcome's ``error`` (with its line), never an exception."""
        from .rules import RuleError, check_rule, compile_rule

        assert step.write is not None
        outcome = RuleOutcome(source)
        try:
            rule = compile_rule(source, step.write.rule)
            outcome.check = check_rule(rule, self.rule_forward(step), self.rule_shape(step), seed)
        except RuleError as exc:
            outcome.error, outcome.error_line = str(exc), exc.line
        except LessonError:
            raise  # the lesson's own program or @write is broken: the checker names its line
        except Exception as exc:  # anything else the learner's result did: theirs, never a crash
            outcome.error = f"the rule's result could not be used: {type(exc).__name__}: {exc}"
        if not outcome.error:
            try:
                trace, namespace, output = record_lesson(self.lesson, self.overrides,  # type: ignore[attr-defined]
                                                         rule=(step.write.rule, rule))
            except LessonError as exc:  # the rule failed on a value training reached
                failed = rule.failed
                outcome.error = str(failed) if failed is not None else str(exc)
                outcome.error_line = failed.line if failed is not None else None
            else:
                self._use(trace, namespace, output)  # type: ignore[attr-defined]
                outcome.losses = self._losses()
        self.rules[step.index] = outcome
        return outcome

    def rule_lines(self, step: Step) -> list[str]:
        """What the pane says about the last try: the error, or the verdict, the training and
        each point, in that order (a short pane shows the first lines without scrolling)."""
        outcome = self.rules.get(step.index)
        if outcome is None:
            return []
        if outcome.error:
            return [f"Your rule did not run: {outcome.error}"]
        check = outcome.check
        wrong = check.first_wrong
        if wrong is None:
            lines = [f"Right: your rule agrees with finite differences at all {len(check.points)} points."]
        else:
            lines = [f"Not yet: at point {wrong.number} your rule gives {wrong.yours:.6g} where finite "
                     f"differences give {wrong.expected:.6g}."]
        if outcome.losses:
            first = f" (the program's own placeholder: {_loss_run(self.first_losses)})" if self.first_losses else ""
            lines.append(f"Trained with your rule: {_loss_run(outcome.losses)}{first}.")
        return lines + [p.line() for p in check.points]

    def rule_node(self, step: Step) -> int | None:
        """The node of the step's custom-gradient function (its first call) in the recording."""
        try:
            return event_node(self.trace, self.custom_event(step, last=True))
        except LessonError:
            return None

    def rule_badges(self, step: Step) -> dict[int, str]:
        """The mark on the custom-gradient function's box: ✓, or where the rule disagreed."""
        outcome = self.rules.get(step.index)
        if outcome is None or step.write is None:
            return {}
        node = self.rule_node(step)
        if node is None:
            return {}
        if outcome.error:
            mark = "rule: error"
        elif outcome.check.ok:
            mark = "rule ✓"
        else:
            p = outcome.check.first_wrong
            mark = f"rule ✗ x={p.x:.3g}"
        return {node: mark}

    # ---- @table --------------------------------------------------------------------------
    def table_rows(self, step: Step) -> list[Any]:
        from .table import table_rows

        assert step.table is not None
        try:
            return table_rows(self.trace, self.resolver, step.table)
        except ResolveError as exc:
            raise LessonError(str(exc), step.table.where.file, step.table.where.line) from None

    def table_state(self, step: Step) -> TableState:
        return self.tables.setdefault(step.index, TableState())

    def table_done(self, step: Step) -> bool:
        return step.table is not None and self.table_state(step).done >= len(self.table_rows(step))

    def enter_row(self, step: Step, text: str) -> TableState:
        """Judge the typed row (upstream, local, sent) of the next row to fill in."""
        from .table import CELLS, judge_row, parse_row

        state = self.table_state(step)
        rows = self.table_rows(step)
        if state.done >= len(rows):
            return state
        row = rows[state.done]
        values = parse_row(text)
        if isinstance(values, str):
            state.message, state.right = values, False
            return state
        verdict = judge_row(row, values)
        if all(verdict):
            state.done += 1
            state.tries = 0
            state.message, state.right = f"Right: {row.label}: {_row_text(row)}.", True
        else:
            state.tries += 1
            wrong = ", ".join(name for name, ok in zip(CELLS, verdict) if not ok)
            state.message, state.right = f"Not quite: {wrong} {'is' if wrong.count(',') == 0 else 'are'} off.", False
            if state.tries >= 2:
                state.message += f" The row is {_row_text(row)}."
                state.done += 1
                state.tries = 0
        return state

    def table_cursor(self, step: Step) -> int | None:
        """Where the cursor stands as the table fills in: the backward step of the last op whose
        rows are all entered (so the graph shows the gradients it sent, and nothing after it);
        None before the first op is done (the step's @goto)."""
        assert step.table is not None
        rows = self.table_rows(step)
        done = self.table_state(step).done
        event = None
        for pointer in step.table.ops:
            node = self.resolver.node(pointer).id
            mine = [k for k, r in enumerate(rows) if r.op_node == node]
            if mine and max(mine) < done:
                event = self.resolver.resolve(f"backward of {pointer}").event
        return event

    def table_focus(self, step: Step) -> int:
        """The node to select as the table fills in: the op of the next row (whose upstream the
        learner reads), or the last row's input once every row is in."""
        rows = self.table_rows(step)
        done = self.table_state(step).done
        return rows[done].op_node if done < len(rows) else rows[-1].input_node

    def fill_table(self, step: Step) -> TableState:
        """Every row entered (a table done in an earlier sitting)."""
        state = self.table_state(step)
        state.done = len(self.table_rows(step))
        return state

    def reveal_row(self, step: Step) -> TableState:
        """Show the next row's numbers (the learner gave up on it); it counts as filled in."""
        state = self.table_state(step)
        rows = self.table_rows(step)
        if state.done < len(rows):
            row = rows[state.done]
            state.message, state.right = f"The row {row.label} is {_row_text(row)}.", False
            state.done += 1
            state.tries = 0
        return state

    def table_text(self, step: Step) -> str:
        """The table as a code block: entered rows with their numbers, the others as ``?``."""
        rows = self.table_rows(step)
        state = self.table_state(step)
        names = [r.label for r in rows]
        width = max(len(n) for n in names)
        lines = [f"{'':{width}}  upstream  local  sent"]
        for k, row in enumerate(rows):
            if k < state.done:
                cells = [_cell(v) for v in row.cells]
            else:
                cells = ["▸" if k == state.done else "", "", ""]
            lines.append(f"{row.label:{width}}  {cells[0]:>8}  {cells[1]:>5}  {cells[2]:>4}")
        return "```\n" + "\n".join(lines) + "\n```"

    def table_secret(self, step: Step) -> Secret | None:
        """The gradients of the rows not entered yet, hidden on screen (each kind ``gradient``:
        forward values, what a row is worked out from, stay); the rows entered are known."""
        from .table import PRECISION

        rows = self.table_rows(step)
        state = self.table_state(step)
        hidden = tuple(dict.fromkeys(v for r in rows[state.done:] for v in (r.upstream, r.sent)))
        if not hidden:
            return None
        known = tuple(v for r in rows[: state.done] for v in r.cells)
        nodes = frozenset(r.input_node for r in rows[state.done:])
        derived = tuple(abs(v) for v in hidden if v < 0)  # a norm or max |g| shows the size
        return Secret(hidden, PRECISION, nodes, "gradient", derived, known)


def _row_text(row: Any) -> str:
    return f"upstream {_cell(row.upstream)} × local {_cell(row.local)} = sent {_cell(row.sent)}"


def _cell(value: float) -> str:
    return format_value(value)


def _loss_run(losses: tuple[float, ...]) -> str:
    if len(losses) < 2:
        return f"loss {losses[0]:.4g}" if losses else "no loss"
    return f"loss {losses[0]:.4g} → {losses[-1]:.4g} over {len(losses)} iterations"


class LessonRun(WriteAndFill):
    """One lesson with its recorded trace; renders steps and judges answers."""

    def __init__(self, lesson: Lesson, trace: Trace, namespace: dict[str, Any] | None = None, output: str = "") -> None:
        self.lesson = lesson
        self.overrides: dict[str, Any] = {}  # what-if values in force, by program name
        self._states: dict[int, QuestionState] = {}
        self.rules: dict[int, Any] = {}  # @write steps: the learner's last RuleOutcome
        self.tables: dict[int, TableState] = {}  # @table steps: what the learner entered
        self._use(trace, namespace, output)
        self.first_losses = self._losses()  # the program's own run, before any rule was written
        self._lines = lesson.file.read_text(encoding="utf-8").splitlines() if lesson.file.exists() else []

    def _use(self, trace: Trace, namespace: dict[str, Any] | None, output: str) -> None:
        self.trace = trace
        self.namespace = namespace
        self.output = output
        self.resolver = Resolver(trace)
        self.evaluator = Evaluator(trace, self.resolver, namespace)
        self.evaluator.functions.update(walk_functions(trace, self.resolver))

    def visit_badges(self, step: Step) -> dict[int, str]:
        """The step's @order as marks on the graph's boxes: node id -> its place in each walk
        (``bfs 2 tape 3``: visited second breadth-first, third by the tape), over the first
        gradient call of iteration 1."""
        if not step.order:
            return {}
        calls = self.resolver.calls(0)
        if not calls:
            return {}
        marks: dict[int, list[str]] = {}
        for how in step.order:
            for k, nid in enumerate(walk(self.trace, how, calls[0].start, calls[0].end).order, 1):
                marks.setdefault(nid, []).append(f"{ORDER_WORDS[how]}{k}")
        return {nid: " ".join(found) for nid, found in marks.items()}

    @classmethod
    def open(cls, lesson: Lesson) -> LessonRun:
        """Record the lesson; a @select naming no node of the recording fails here, with its line."""
        trace, namespace, output = record_lesson(lesson)
        run = cls(lesson, trace, namespace, output)
        for step in lesson.steps:
            if step.select is not None:
                run.selection(step)
        return run

    @property
    def steps(self) -> tuple[Step, ...]:
        return self.lesson.steps

    # ---- errors with a place -------------------------------------------------------------
    def _fail(self, exc: Exception, where: Where) -> LessonError:
        return LessonError(str(exc), where.file, where.line)

    def _where_of(self, step: Step, needle: str, default: Where) -> Where:
        """The line of ``needle`` inside ``step`` (placeholders do not keep their own line)."""
        end = len(self._lines)
        nxt = [s.where.line for s in self.steps if s.where.line > step.where.line]
        if nxt:
            end = min(nxt) - 1
        for i in range(max(step.where.line - 1, 0), end):
            if needle in self._lines[i]:
                return Where(self.lesson.file, i + 1)
        return default

    def _render(self, step: Step, text: str, default: Where) -> str:
        try:
            return self.evaluator.render(text)
        except (ExpressionError, ResolveError) as exc:
            bad = next(
                (p for p in self.evaluator.placeholders(text) if _fails(self.evaluator, p)), None
            )
            where = self._where_of(step, bad.strip(), default) if bad else default
            raise self._fail(exc, where) from None

    # ---- pointers ------------------------------------------------------------------------
    def _resolve(self, pointer: Pointer) -> Target:
        try:
            return self.resolver.resolve(pointer.text)
        except (ResolveError, ExpressionError) as exc:
            raise self._fail(exc, pointer.where) from None

    def goto(self, step: Step) -> Target | None:
        """Where the cursor goes when the step opens (None: leave it where it is)."""
        return self._resolve(step.goto) if step.goto else None

    def selection(self, step: Step) -> int | None:
        """The node to select for the step: @select, else the @goto pointer's node.

        @select reads a pointer as the other directives do, for the node it names: ``x``,
        ``multiply#1``, ``input 0 of add``, ``backward of add`` (the add op)."""
        if step.select is not None:
            try:
                return self.resolver.node_in(step.select.text)[0].id
            except ResolveError as exc:
                raise self._fail(exc, step.select.where) from None
        target = self.goto(step)
        if target is None:
            return None
        return target.node if target.node is not None else event_node(self.trace, target.event)

    def action(self, step: Step) -> Target | None:
        """The event the learner must step to, if the step asks for an action."""
        return self._resolve(step.action) if step.action else None

    def action_done(self, step: Step, cursor: int) -> bool:
        target = self.action(step)
        return target is None or cursor >= target.event

    # ---- text ----------------------------------------------------------------------------
    def title(self, step: Step) -> str:
        return self._render(step, step.title, step.where)

    def text(self, step: Step) -> str:
        return self._render(step, step.text, step.where)

    def prompt(self, step: Step) -> str:
        """The question's text; a number question ends by stating its precision."""
        assert step.question is not None
        text = self._render(step, step.question.prompt, step.question.where)
        if step.question.kind == "number" and step.question.precision is not None:
            text = f"{text} (answer {step.question.precision.describe()})"
        return text

    def precision(self, step: Step) -> Precision:
        q = step.question
        return q.precision if q is not None and q.precision is not None else DEFAULT_PRECISION

    def choices(self, step: Step) -> list[str]:
        assert step.question is not None
        return [self._render(step, c.label, c.where) for c in step.question.choices]

    def explanation(self, step: Step) -> str:
        return self._render(step, step.explain, step.explain_where or step.where) if step.explain else ""

    def hint(self, step: Step) -> str:
        return self._render(step, step.hint, step.where) if step.hint else ""

    def action_label(self, step: Step) -> str:
        return step.action.text if step.action else ""

    # ---- answers -------------------------------------------------------------------------
    def correct_number(self, step: Step) -> float:
        q = step.question
        assert q is not None and q.answer is not None
        try:
            return as_scalar(self.evaluator.evaluate(q.answer))
        except (ExpressionError, ResolveError) as exc:
            raise self._fail(exc, q.answer_where or q.where) from None

    def correct_choices(self, step: Step) -> list[int]:
        """Indexes of the choices whose condition holds (the checker demands exactly one)."""
        q = step.question
        assert q is not None
        right = []
        for k, c in enumerate(q.choices):
            try:
                if truth(self.evaluator.evaluate(c.condition)):
                    right.append(k)
            except (ExpressionError, ResolveError) as exc:
                raise self._fail(exc, c.where) from None
        return right

    def correct_text(self, step: Step) -> str:
        q = step.question
        assert q is not None
        if q.kind == "number":
            return format_value(self.correct_number(step))
        labels = self.choices(step)
        return ", ".join(f"{chr(97 + k)}) {labels[k]}" for k in self.correct_choices(step))

    def judge(self, step: Step, given: str) -> Verdict:
        """Judge a typed answer: a number, or a choice letter (a, b, …) or number (1, 2, …)."""
        q = step.question
        assert q is not None
        given = given.strip()
        if q.kind == "number":
            try:
                value = parse_number(given)
            except ExpressionError as exc:
                return Verdict(False, f"{exc}: type a number such as 6, -0.25 or 1/4", valid=False)
            correct = self.correct_number(step)
            if (q.precision.same(value, correct) if q.precision else q.tolerance.accepts(value, correct)):
                return Verdict(True, f"Right: {format_value(correct)}.")
            return Verdict(False, f"Not quite: you said {format_value(value)}.")
        n = len(q.choices)
        pick = _choice_index(given, n)
        if pick is None:
            letters = ", ".join(chr(97 + k) for k in range(n))
            return Verdict(False, f"answer with one of {letters} (or 1-{n})", valid=False)
        right = self.correct_choices(step)
        label = self.choices(step)[pick]
        if pick in right:
            return Verdict(True, f"Right: {chr(97 + pick)}) {label}.")
        return Verdict(False, f"Not quite: {chr(97 + pick)}) {label} is not it.")


    # ---- predict, then reveal (what the UI asks) ------------------------------------------
    def state(self, step: Step) -> QuestionState:
        """This sitting's history of the step's question (created on first use)."""
        return self._states.setdefault(step.index, QuestionState())

    def unanswered(self, step: Step) -> bool:
        """The step has a question not yet answered right or revealed: hide its giveaways."""
        return step.question is not None and self.state(step).open

    def attempts(self, step: Step) -> int:
        return self.state(step).attempts if step.question is not None else 0

    def answer(self, step: Step, given: str) -> Feedback:
        """Judge a typed answer and remember it; the feedback carries the lines to show."""
        state = self.state(step)
        if state.correct:
            return Feedback(True, True, state.attempts, tuple(self.feedback(step)))
        verdict = self.judge(step, given)
        state.invalid = "" if verdict.valid else verdict.message
        if verdict.valid:
            state.attempts += 1
            state.last_given = given.strip()
            if state.first_try is None:
                state.first_try = verdict.correct
            if verdict.correct:
                state.correct = True
            else:
                state.wrong += 1
        return Feedback(verdict.correct, verdict.valid, state.attempts, tuple(self.feedback(step)))

    def reveal(self, step: Step) -> Feedback:
        """Give up on the question: show the answer and the worked explanation."""
        state = self.state(step)
        if step.question is not None and not state.correct:
            state.revealed = True
            if state.first_try is None:
                state.first_try = False
        return Feedback(state.correct, True, state.attempts, tuple(self.feedback(step)))

    def feedback(self, step: Step) -> list[str]:
        """The Hint:/Why:/Right: lines for the step's question as things stand."""
        if step.question is None:
            return []
        state = self.state(step)
        if state.attempts == 0 and not state.revealed:
            return [state.invalid] if state.invalid else []
        return feedback_lines(state, self.correct_text(step), self.hint(step), self.explanation(step))

    def secret(self, step: Step, answered: Collection[int] = ()) -> Secret | None:
        """The numbers and nodes that would give the question away (None: nothing to hide)."""
        q = step.question
        if q is None:
            return None
        values: tuple[float, ...] = ()
        sources = [c.condition for c in q.choices]
        if q.kind == "number":
            values = (self.correct_number(step),)
            sources = [q.answer or ""]
        nodes: set[int] = set()
        for text in sources:
            for name in _pointers_named(text):
                try:
                    nodes.add(self.resolver.node(name).id)
                except ResolveError:
                    pass  # a pointer naming no node (an event or a call) adds no node to hide
        kind = quantity_of(q.answer) if q.kind == "number" and q.answer else "any"
        if q.kind == "number":
            derived = self._derived(q.answer, values[0], kind) if q.answer and kind in ("gradient", "value", "loss") else ()
        else:
            derived, kind = self._evidence(q)
        known = tuple(self._known(step, answered))  # never hidden again, even where one equals this answer
        return Secret(values, self.precision(step), frozenset(nodes), kind, derived, known)

    def asked_columns(self, step: Step) -> dict[int, frozenset[int]]:
        """The matrix columns the step's question reads (``value("add")[:, 2]`` → add's column 2,
        ``sent("relu", 0)[:, 2]`` → column 2 of relu's input), by node id: a number grid that
        elides columns keeps these, so the column a question is about is never cut."""
        q = step.question
        if q is None:
            return {}
        found: dict[int, set[int]] = {}
        for text in [q.answer or "", *(c.condition for c in q.choices)]:
            for pointer, col in _column_reads(text):
                try:
                    found.setdefault(self.resolver.node(pointer).id, set()).add(col)
                except ResolveError:
                    continue
        return {node: frozenset(cols) for node, cols in found.items()}

    def asked_numbers(self, step: Step) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The numbers of the small tensors a number question's answer reads (``grad("w")`` of
        ``grad("w")[1]``, at most ``SMALL_TENSOR`` entries) as a screen shows them: (their mean
        and sum, their entries with min and max). ``Secret.derivations`` looks for the answer
        among the first's sums and differences with the second (2·mean − min is a max)."""
        aggregates: list[float] = []
        entries: list[float] = []
        for flat in self.asked_tensors(step):
            if 1 < flat.size <= SMALL_TENSOR:
                aggregates += [float(flat.mean()), float(flat.sum())]
                entries += flat.tolist()
        return tuple(v for v in aggregates if np.isfinite(v)), tuple(v for v in entries if np.isfinite(v))

    def asked_tensors(self, step: Step) -> list[Any]:
        """The tensors a number question's answer reads, flattened."""
        q = step.question
        if q is None or q.kind != "number" or not q.answer:
            return []
        out = []
        for call in _quantity_calls(q.answer):
            try:
                value = self.evaluator.evaluate(call)
            except (ExpressionError, ResolveError):
                continue
            if value is None:
                continue
            try:
                out.append(np.asarray(value, dtype=float).ravel())
            except (TypeError, ValueError):
                continue
        return out

    def _evidence(self, question: Any) -> tuple[tuple[float, ...], str]:
        """A choice question's evidence: the gradients its conditions read (``sent("power", 0)``),
        to hide like an answer, and what kind of quantity they are (``quantity_of``). A question
        about values or losses reads what the learner is meant to look at: nothing is hidden."""
        calls = [call for c in question.choices for call in _quantity_calls(c.condition)]
        kinds = {quantity_of(call) for call in calls}
        kind = kinds.pop() if len(kinds) == 1 else "any"
        if kind != "gradient":
            return (), kind
        numbers: list[float] = []
        for call in dict.fromkeys(calls):
            try:
                value = self.evaluator.evaluate(call)
                flat = np.asarray(value, dtype=float).ravel() if value is not None else np.zeros(0)
            except (ExpressionError, ResolveError, TypeError, ValueError):
                continue
            if flat.size <= 12:  # a small tensor's entries; a large one shows as statistics
                numbers += flat.tolist()
            else:
                numbers += [flat.min(), flat.mean(), flat.max()]
        given = self._given_numbers(kind)
        return tuple(dict.fromkeys(
            float(v) for v in numbers if np.isfinite(v) and not np.isclose(given, v, rtol=1e-4, atol=1e-9).any()
        )), kind

    def _given_numbers(self, kind: str) -> np.ndarray:
        """The numbers a learner works an answer of ``kind`` out from (``questions.GIVEN``): the
        values of the variables and constants, and for a gradient every forward value."""
        outputs: set[int] = set()
        given: list[np.ndarray] = []
        for event in self.trace.events:
            if type(event).__name__ != "OpRecorded" or event.in_backward or event.grad_fn_of:
                continue
            for ref in event.inputs:
                if ref.id not in outputs:
                    given.append(np.asarray(ref.value, dtype=float).ravel())
            outputs.add(event.output.id)
            if kind == "gradient":
                given.append(np.asarray(event.output.value, dtype=float).ravel())
        return np.concatenate(given) if given else np.zeros(0)

    def _derived(self, answer: str, value: float, kind: str) -> tuple[float, ...]:
        """Numbers that give ``value`` (the answer of ``answer``) in one step; see ``Secret.derived``.
        A number the learner is given anyway (``_given_numbers``) is left out: it may coincide."""
        found: list[float] = []
        for call in _quantity_calls(answer):
            try:
                tensor = self.evaluator.evaluate(call)
                flat = np.asarray(tensor, dtype=float).ravel()
            except (ExpressionError, ResolveError, TypeError, ValueError):
                continue
            if flat.size == 0:
                continue
            entry = np.flatnonzero(np.isclose(flat, value, rtol=1e-6, atol=1e-12))
            if 1 < flat.size <= SMALL_TENSOR and entry.size:
                # an entry of a small tensor is asked: its mean, sum or norm gives it with the
                # others in one step (max = 2·mean − min of two entries)
                found += [flat.mean(), flat.sum()]
            found += _rest_of_probability_row(np.asarray(tensor, dtype=float), entry, value)
            if call.startswith("after("):  # an update's result: its change, beside the value before, gives it
                try:
                    change = flat - np.asarray(self.evaluator.evaluate("before(" + call[len("after("):]), dtype=float).ravel()
                    found += [float(d) for d in change[entry]] + [float(abs(d)) for d in change[entry]]
                except (ExpressionError, ResolveError, TypeError, ValueError):
                    pass  # no value before (a variable first made in that update): no change to hide
            # gradient shares: a sum that includes the asked share, and the last share of an asked sum
            for event in self.trace.events:
                if type(event).__name__ != "GradientAccumulated":
                    continue
                before, added, total = (np.asarray(getattr(event, k), dtype=float).ravel()
                                        for k in ("before", "added", "total"))
                if before.shape != flat.shape or added.shape != flat.shape:
                    continue
                for k in entry if entry.size else range(0):
                    if np.isclose(added[k], flat[k]) or np.isclose(before[k], flat[k]):
                        found.append(total[k])
                    if np.isclose(total[k], flat[k]) and np.allclose(total, flat):
                        found.append(added[k])
        given = self._given_numbers(kind)
        return tuple(dict.fromkeys(
            float(v) for v in found
            if np.isfinite(v) and not np.isclose(v, value) and not np.isclose(given, v, rtol=1e-4, atol=1e-9).any()
        ))

    def _known(self, step: Step, answered: Collection[int] = ()) -> list[float]:
        """The answers of the questions before ``step`` that the learner has answered or seen
        (answered right, revealed, shown by the Why: after two wrong answers, or in ``answered``:
        steps the UI knows are done, from an earlier sitting)."""
        known = []
        for earlier in self.steps[: step.index]:
            q = earlier.question
            if q is None or q.kind != "number":
                continue
            state = self.state(earlier)
            if state.open and not state.shows_why and earlier.index not in answered:
                continue
            try:
                known.append(self.correct_number(earlier))
            except LessonError:
                continue
        return known

    # ---- what if -------------------------------------------------------------------------
    def what_if_value(self, step: Step) -> Any:
        """The value the step's what-if input has now (the program's own unless changed)."""
        assert step.what_if is not None and self.lesson.program is not None
        name = step.what_if.name
        if name in self.overrides:
            return self.overrides[name]
        return find_slot(self.lesson.program.read_text(encoding="utf-8"), name).value

    def what_if(self, step: Step, given: str) -> str:
        """Give the what-if input a new value and record the program again; one line says what changed.

        Everything rendered afterwards (this step's text and every later step) uses the new trace.
        """
        wi = step.what_if
        if wi is None:
            raise LessonError(f"step {step.number} has no @what-if", step.where.file, step.where.line)
        if self.lesson.program is None:
            raise LessonError("@what-if needs a lesson program (program: file.py)", wi.where.file, wi.where.line)
        try:
            old = self.what_if_value(step)
            new = parse_value(given, old, wi.name)
        except WhatIfError as exc:
            raise self._fail(exc, wi.where) from None
        overrides = {**self.overrides, wi.name: new}
        trace, namespace, output = record_lesson(self.lesson, overrides)
        self.overrides = overrides
        self._use(trace, namespace, output)
        self._states.clear()  # the answers belong to the numbers they were given for
        return f"{wi.name} = {new!r} (was {old!r}); the program ran again and the text below uses it"


def _column_reads(expression: str) -> list[tuple[str, int]]:
    """(node pointer, column) for each ``f("P")[..., K]`` in an expression whose last index is a
    whole number after a slice or index: ``value("add")[:, 2]``, ``grad("w")[0, 1]``. ``sent("P",
    k)`` reads input k of P, where the gradient it sent is shown."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return []
    out = []
    for n in ast.walk(tree):
        if not (isinstance(n, ast.Subscript) and isinstance(n.value, ast.Call) and isinstance(n.value.func, ast.Name)):
            continue
        call = n.value
        args = call.args
        if call.func.id not in ("value", "grad", "sent", "upstream", "before", "after") or not args \
                or not isinstance(args[0], ast.Constant) or not isinstance(args[0].value, str):
            continue
        index = n.slice
        if not isinstance(index, ast.Tuple) or len(index.elts) < 2:
            continue
        last = index.elts[-1]
        if not (isinstance(last, ast.Constant) and isinstance(last.value, int)):
            continue
        pointer = args[0].value
        if call.func.id == "sent":
            k = args[1].value if len(args) > 1 and isinstance(args[1], ast.Constant) else 0
            pointer = f"input {k} of {pointer}"
        out.append((pointer, int(last.value)))
    return out


def _pointers_named(expression: str) -> list[str]:
    """The string arguments of calls in an expression: the nodes it reads (``grad("x")`` → x)."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return []
    return [
        a.value for n in ast.walk(tree) if isinstance(n, ast.Call)
        for a in n.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
    ]


def _rest_of_probability_row(tensor: np.ndarray, entries: np.ndarray, value: float) -> list[float]:
    """The other entries of the rows holding the asked ``entries`` (flat indexes) when such a row
    is a probability distribution (a softmax's: non-negative, summing to 1): one minus the
    others gives the asked one."""
    if tensor.ndim == 0 or tensor.shape[-1] < 2:
        return []
    rows = tensor.reshape(-1, tensor.shape[-1])
    found: list[float] = []
    for k in entries:
        row = rows[int(k) // tensor.shape[-1]]
        if np.all(row >= 0) and np.isclose(row.sum(), 1.0, atol=1e-5):
            found += [float(v) for v in row if not np.isclose(v, value)]
    return found


def _quantity_calls(expression: str) -> list[str]:
    """The source of each quantity call in an answer expression (``grad("w")`` of
    ``grad("w")[1] * 2``): what it reads, without the index that picks entries."""
    from .questions import QUANTITIES

    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return []
    return [
        ast.unparse(n) for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and QUANTITIES.get(n.func.id) in ("gradient", "value", "loss")
    ]


def _choice_index(given: str, n: int) -> int | None:
    g = given.strip().lower().rstrip(")").strip()
    if len(g) == 1 and "a" <= g <= "z":
        k = ord(g) - 97
    elif g.isdigit():
        k = int(g) - 1
    else:
        return None
    return k if 0 <= k < n else None


def _fails(evaluator: Evaluator, expression: str) -> bool:
    try:
        evaluator.evaluate(expression)
    except (ExpressionError, ResolveError):
        return True
    return False


def lesson_folder_default() -> Path:
    """``$TAPEVIZ_LESSONS``, else the lessons shipped with tapeviz (in a wheel or the clone)."""
    from ..sources import lessons_folder

    return lessons_folder()
