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

from .model import CheckResult, LessonEntry, LessonError, Step
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
    questions = actions = what_ifs = 0
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
        + (f"{what_ifs} what-ifs, " if what_ifs else "") + f"{len(run.trace)} events",
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
