"""The headless check: run every lesson without a UI and prove it can be taken.

For each lesson: its program records; every step's text, question, choices and explanation
render (every placeholder computes); every pointer resolves; every number answer is one finite
number; exactly one choice of each multiple-choice question is right; and every required
action lies ahead of where the cursor stands when the step opens, so stepping forward reaches it.
Every number question declares its precision, and its answer at that precision is written
nowhere in what the step shows before it is answered (title, text, question, choices, hint).
A ``@what-if`` step records the program again with its trial value, and the steps after it are
checked against that recording, as a learner who tried it would see them.
"""

from __future__ import annotations

import numpy as np

from ..engine.events import OpRecorded
from ..engine.registry import REGISTRY
from .model import CheckResult, LessonEntry, LessonError, Step, Where
from .questions import Secret, numbers_in, prose
from .runtime import LessonRun


def check_entry(entry: LessonEntry) -> CheckResult:
    """Check one lesson folder; never raises for a lesson's own problems."""
    if entry.lesson is None:
        err = entry.error
        return CheckResult(entry.id, False, str(err), None)
    lesson = entry.lesson
    try:
        run = LessonRun.open(lesson)
    except LessonError as exc:
        return CheckResult(entry.id, False, str(exc), None)
    return check_run(run)


def check_run(run: LessonRun) -> CheckResult:
    """Walk a recorded lesson's steps in order, as a learner would."""
    lesson = run.lesson
    cursor = 0
    questions = actions = what_ifs = writes = tables = 0
    for step in lesson.steps:
        try:
            run.title(step)
            run.text(step)
            target = run.goto(step)
            if target is not None:
                cursor = target.event
            run.selection(step)
            if step.what_if is not None:
                what_ifs += 1
                run.what_if(step, step.what_if.trial)
                run.text(step)
            if step.question is not None:
                questions += 1
                run.prompt(step)
                if step.question.kind == "number":
                    run.correct_number(step)
                    _check_hidden(run, step)
                else:
                    run.choices(step)
                    right = run.correct_choices(step)
                    if len(right) != 1:
                        said = "none" if not right else ", ".join(chr(97 + k) for k in right)
                        where = step.question.where
                        raise LessonError(
                            f"exactly one choice must be right, but the trace makes {said} true",
                            where.file, where.line,
                        )
            if step.write is not None:
                writes += 1
                _check_write(run, step)
                run.text(step)
            if step.table is not None:
                tables += 1
                _check_table(run, step)
            action = run.action(step)
            if action is not None:
                actions += 1
                if action.event <= cursor:
                    where = step.action.where  # type: ignore[union-attr]
                    raise LessonError(
                        f"@do {step.action.text!r} is event {action.event}, but the cursor already stands at "  # type: ignore[union-attr]
                        f"event {cursor} when the step opens: nothing to step to",
                        where.file, where.line,
                    )
                cursor = action.event
            run.explanation(step)
            run.hint(step)
        except LessonError as exc:
            return CheckResult(lesson.id, False, str(exc), step.number)
    return CheckResult(
        lesson.id, True,
        f"{len(lesson.steps)} steps, {questions} questions, {actions} actions, "
        + (f"{what_ifs} what-ifs, " if what_ifs else "")
        + (f"{writes} rules written, " if writes else "") + (f"{tables} tables, " if tables else "")
        + f"{len(run.trace)} events",
    )


def _check_hidden(run: LessonRun, step: Step) -> None:
    """A number question states its precision and its answer is not on show before it is answered."""
    q = step.question
    assert q is not None
    if q.precision is None:
        raise LessonError(
            "a number question states its precision: '@answer: EXPR | 3 sf' (or '| 4 dp', '| exact')",
            (q.answer_where or q.where).file, (q.answer_where or q.where).line,
        )
    secret = run.secret(step)
    assert secret is not None
    prompt = run.evaluator.render(q.prompt)  # without the precision phrase the prompt gains
    # an action names an event, not a number; a what-if's text is shown after the prediction
    text = run.text(step) if step.what_if is None else ""
    shown = [run.title(step), text, prompt, run.hint(step)]
    found = [n for text in shown for n in secret.found_in(prose(text))]
    answer = f"the answer {q.precision.text(secret.values[0])} ({q.precision.describe()})"
    if found:
        raise LessonError(
            f"{answer} is on show before it is answered: {', '.join(dict.fromkeys(found))} in the step's text, "
            "question or hint" + _derived_note(secret, found),
            q.where.file, q.where.line,
        )
    numbers = [n for text in shown for n in numbers_in(prose(text))]
    derivations = secret.derivations(numbers, run.asked_numbers(step))
    if derivations:
        raise LessonError(
            f"{answer} follows in one step from numbers of the asked tensor the step shows: "
            f"{', '.join(dict.fromkeys(derivations))} in the step's text, question or hint",
            q.where.file, q.where.line,
        )


def _rule_source(name: str, expression: str) -> str:
    return f"def {name}(x, dy):\n    return {expression}\n"


def _check_write(run: LessonRun, step: Step) -> None:
    """A @write step can be done, and its check is real: the reference rule (``@rule``) passes
    the finite-difference check and trains the loss down; every known-wrong rule (``@wrong``)
    runs, fails the check, and ends training at a higher loss than the reference (a wrong rule
    shows in the loss curve). The editor's starting text is refused as it stands. The run keeps
    the reference's recording, so the steps after it are checked as a learner who wrote it sees them."""
    w = step.write
    assert w is not None
    start = run.try_rule(step, run.rule_template(step))
    if not start.error:
        raise LessonError("the editor's starting text runs as a rule: it should ask for the learner's formula",
                          w.where.file, w.where.line)
    finals: list[tuple[float, Where]] = []
    for expression, where in w.wrong:
        outcome = run.try_rule(step, _rule_source(w.rule, expression))
        if outcome.error:
            raise LessonError(f"the wrong rule {expression!r} does not run ({outcome.error}): a wrong rule the "
                              "check should catch must run", where.file, where.line)
        if outcome.check.ok:
            raise LessonError(f"the wrong rule {expression!r} passes the finite-difference check: the check cannot "
                              "tell it from a right one", where.file, where.line)
        if outcome.losses:
            finals.append((outcome.losses[-1], where))
    ref_where = w.reference_where or w.where
    outcome = run.try_rule(step, run.reference_source(step))
    if outcome.error:
        raise LessonError(f"the reference rule does not run: {outcome.error}", ref_where.file, ref_where.line)
    if not outcome.check.ok:
        p = outcome.check.first_wrong
        raise LessonError(f"the reference rule fails the finite-difference check at point {p.number}: "
                          f"{p.yours:.6g} where finite differences give {p.expected:.6g}", ref_where.file, ref_where.line)
    if len(outcome.losses) > 1 and not outcome.losses[-1] < outcome.losses[0]:
        raise LessonError(f"training with the reference rule does not lower the loss ({outcome.losses[0]:.4g} → "
                          f"{outcome.losses[-1]:.4g})", ref_where.file, ref_where.line)
    for final, where in finals:
        if outcome.losses and not final > outcome.losses[-1]:
            raise LessonError(f"training with this wrong rule ends at loss {final:.4g}, not above the reference's "
                              f"{outcome.losses[-1]:.4g}: the loss curve would not show it is wrong",
                              where.file, where.line)


def _check_table(run: LessonRun, step: Step) -> None:
    """Every cell of a @table step is the trace's number: upstream and sent are what the op's
    backward step recorded (read again through the lesson functions ``upstream`` and ``sent``),
    upstream is the op's total gradient (``grad``), local is the derivative of the op's own
    forward function at the recorded inputs (central finite differences), and upstream × local
    = sent. Each row can be answered (its three numbers are finite) and is judged like a typed one."""
    from .table import PRECISION, judge_row

    t = step.table
    assert t is not None
    where = t.where
    try:
        rows = run.table_rows(step)
    except LessonError:
        raise
    for pointer in t.ops:
        event = run.trace.events[run.resolver.resolve(pointer).event]
        assert isinstance(event, OpRecorded)
        opdef = REGISTRY[event.op]
        arrays = [np.asarray(r.value, dtype=float) for r in event.inputs]
        attrs = dict(event.attrs)
        upstream = float(np.asarray(run.evaluator.evaluate(f"upstream({pointer!r})")).ravel()[0])
        total = float(np.asarray(run.evaluator.evaluate(f"grad({pointer!r})")).ravel()[0])
        for row in (r for r in rows if r.op_node == event.output.id):
            sent = float(np.asarray(run.evaluator.evaluate(f"sent({pointer!r}, {row.k})")).ravel()[0])
            up, down = [a.copy() for a in arrays], [a.copy() for a in arrays]
            h = 1e-6
            up[row.k] = up[row.k] + h
            down[row.k] = down[row.k] - h
            local = float(np.ravel((opdef.forward(*up, **attrs) - opdef.forward(*down, **attrs)) / (2 * h))[0])
            checks = {
                "upstream": (row.upstream, upstream), "upstream (the op's total gradient)": (row.upstream, total),
                "sent": (row.sent, sent), "local (finite differences of the op)": (row.local, local),
                "upstream × local = sent": (row.upstream * row.local, row.sent),
            }
            for what, (cell, trace_number) in checks.items():
                if not np.isclose(cell, trace_number, rtol=1e-5, atol=1e-7):
                    raise LessonError(f"@table row {row.label}: {what} is {cell:.6g} in the table but "
                                      f"{trace_number:.6g} in the trace", where.file, where.line)
            if not all(np.isfinite(row.cells)) or not all(judge_row(row, list(row.cells), PRECISION)):
                raise LessonError(f"@table row {row.label} cannot be answered: {row.cells}", where.file, where.line)


def _derived_note(secret: Secret, found: list[str]) -> str:
    """`` (…gives it in one step)`` when what was found is a derived number, not the answer."""
    if all(secret.equals(float(n.replace("−", "-"))) for n in found):
        return ""
    return " (a mean, sum or norm of the asked tensor, or a sum of gradient shares with it, gives the answer in one step)"


def format_result(result: CheckResult) -> str:
    """One line per lesson, as ``tapeviz lessons --check`` prints it."""
    if result.ok:
        return f"ok    {result.id}: {result.message}"
    step = f" step {result.step}" if result.step else ""
    return f"FAIL  {result.id}{step}: {result.message}"
