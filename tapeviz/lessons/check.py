"""The headless check: run every lesson without a UI and prove it can be taken.

For each lesson: its program records; every step's text, question, choices and explanation
render (every placeholder computes); every pointer resolves; every number answer is one finite
number; exactly one choice of each multiple-choice question is right; and every required
action lies ahead of where the cursor stands when the step opens, so stepping forward reaches it.
"""

from __future__ import annotations

from pathlib import Path

from .loader import discover
from .model import CheckResult, LessonEntry, LessonError
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
    questions = actions = 0
    for step in lesson.steps:
        try:
            run.title(step)
            run.text(step)
            target = run.goto(step)
            if target is not None:
                cursor = target.event
            run.selection(step)
            if step.question is not None:
                questions += 1
                run.prompt(step)
                if step.question.kind == "number":
                    run.correct_number(step)
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
        f"{len(lesson.steps)} steps, {questions} questions, {actions} actions, {len(run.trace)} events",
    )


def check_all(directory: Path | str) -> list[CheckResult]:
    return [check_entry(e) for e in discover(directory)]


def format_result(result: CheckResult) -> str:
    """One line per lesson, as ``tapeviz lessons --check`` prints it."""
    if result.ok:
        return f"ok    {result.id}: {result.message}"
    step = f" step {result.step}" if result.step else ""
    return f"FAIL  {result.id}{step}: {result.message}"
