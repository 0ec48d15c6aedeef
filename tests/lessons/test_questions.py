"""Predict, then reveal: Hint: after one wrong answer, Why: after two or a reveal (headless)."""

from __future__ import annotations

from tapeviz.lessons.runtime import LessonRun

from .helpers import open_lesson


def number_question(run: LessonRun):  # noqa: ANN201
    return next(s for s in run.steps if s.question is not None and s.question.kind == "number")


def test_wrong_then_wrong_then_right() -> None:
    run = open_lesson("1")
    step = number_question(run)
    right = run.correct_number(step)
    assert run.unanswered(step) and run.attempts(step) == 0 and run.feedback(step) == []

    first = run.answer(step, str(right + 1))
    assert not first.correct and first.first and first.attempt == 1
    assert len(first.lines) == 1 and first.lines[0].startswith("Hint: ")
    assert all(not line.startswith("Why:") for line in first.lines)
    assert run.unanswered(step)

    second = run.answer(step, str(right + 2))
    assert not second.first and second.attempt == 2
    assert [line[:4] for line in second.lines] == ["Hint", "Why:"]

    third = run.answer(step, str(right))
    assert third.correct and not run.unanswered(step)
    assert third.lines[0].startswith("Right: ") and third.lines[-1].startswith("Why: ")
    assert run.state(step).first_try is False


def test_not_a_number_is_not_an_attempt() -> None:
    run = open_lesson("1")
    step = number_question(run)
    fb = run.answer(step, "xy")
    assert not fb.valid and run.attempts(step) == 0 and run.state(step).first_try is None
    assert not any(line.startswith(("Hint:", "Why:")) for line in fb.lines)


def test_reveal_shows_the_answer_and_why_and_counts_as_not_first_try() -> None:
    run = open_lesson("1")
    step = number_question(run)
    fb = run.reveal(step)
    assert not run.unanswered(step)
    assert fb.lines[0].startswith("Answer: ") and fb.lines[-1].startswith("Why: ")
    assert run.state(step).first_try is False


def test_right_at_first_try() -> None:
    run = open_lesson("13")
    step = number_question(run)
    fb = run.answer(step, run.correct_text(step))
    assert fb.correct and fb.first and run.state(step).first_try is True


def test_secret_names_the_answer_and_its_nodes() -> None:
    run = open_lesson("1")
    step = number_question(run)
    secret = run.secret(step)
    assert secret is not None
    x = run.resolver.node("x").id
    assert x in secret.nodes
    right = run.correct_number(step)
    assert secret.gives_away(right) and not secret.gives_away(right + 1)
    assert secret.found_in(f"gradients x: {right:g}") == [f"{right:g}"]
    assert secret.found_in("w[0] is step 2") == [] or right == 2


def test_prose_leaves_out_listings_and_subscripts() -> None:
    from tapeviz.lessons.questions import numbers_in, prose

    text = "w[0, 1] is 2.5\n```python\nx = 6.0\n```\nthen −0.25 and 1e-3"
    assert numbers_in(prose(text)) == ["2.5", "−0.25", "1e-3"]


def test_a_count_is_given_away_only_by_the_whole_number() -> None:
    from tapeviz.lessons.model import Precision
    from tapeviz.lessons.questions import Secret

    secret = Secret((3.0,), Precision("exact"))
    assert secret.gives_away(3) and secret.gives_away(3.0)
    assert not secret.gives_away(2.5) and not secret.gives_away(4)


def test_a_number_as_written_is_the_value_at_the_digits_it_shows() -> None:
    from tapeviz.lessons.questions import written_as

    assert written_as("0.3219", 0.321875) and written_as("45.00", 45.0) and written_as("−0.5", -0.5)
    assert not written_as("0.3219", 0.3225) and not written_as("6", 6.4) and written_as("6", 6.0)


def test_derived_numbers_are_hidden_and_one_step_derivations_found() -> None:
    """A 2-entry gradient [0.1756, 0.4682] asked for its max: its mean gives it (2·mean − min)."""
    from tapeviz.lessons.model import Precision
    from tapeviz.lessons.questions import Secret

    entries = (0.17558, 0.46816)
    mean, total = sum(entries) / 2, sum(entries)
    secret = Secret((0.46816,), Precision("sf", 3), kind="gradient", derived=(mean, total))
    assert secret.found_in("min 0.1756 · mean 0.3219 · max ?????") == ["0.3219"]
    assert secret.derivations(["0.1756", "0.3219"], ((mean, total), entries)) == ["2·0.3219 − 0.1756"]
    assert secret.derivations(["0.1756", "0.9"], ((mean, total), entries)) == []
    # a number the learner already answered is never hidden again, nor used against a question
    known = Secret((0.46816,), Precision("sf", 3), kind="gradient", derived=(mean,), known=(mean,))
    assert known.found_in("mean 0.3219") == [] and known.derivations(["0.1756", "0.3219"], ((mean,), entries)) == []


def test_the_rest_of_an_asked_probability_row_is_hidden_too() -> None:
    """Lesson 7 asks for p₀ of a two-class softmax row: p₁ on screen gives it as 1 − p₁."""
    run = open_lesson("7")
    step = next(s for s in run.steps if s.question is not None and "p₀" in s.question.prompt)
    secret = run.secret(step)
    probabilities = run.evaluator.evaluate('value("dense_1/softmax")[2]')
    p0, p1 = (float(v) for v in probabilities)
    assert secret.equals(p0) and any(abs(d - p1) < 1e-6 for d in secret.derived)


def test_an_asked_update_hides_its_change_too() -> None:
    """Lesson 8: 'before 0.5 → after ????? (change 1.375)' gave the asked w as 0.5 + 1.375."""
    run = open_lesson("8")
    step = next(s for s in run.steps if s.question is not None and s.question.answer == 'after("w")')
    secret = run.secret(step)
    change = float(run.evaluator.evaluate('after("w")')) - float(run.evaluator.evaluate('before("w")'))
    assert any(abs(d - abs(change)) < 1e-6 for d in secret.derived)
