"""Answer and what-if boxes and lesson expressions have bounded cost (issue 27, items 6 and 8)."""

from __future__ import annotations

import time

import pytest

from tapeviz.examples import EXAMPLES
from tapeviz.lessons import limits
from tapeviz.lessons.answers import Evaluator
from tapeviz.lessons.values import ExpressionError, parse_number
from tapeviz.lessons.whatif import WhatIfError, parse_value

PASTES = {
    "10k-minus": "-" * 10_000 + "1",
    "10k-plus": "1+" * 5_000 + "1",
    "deep-parens": "(" * 200 + "1" + ")" * 200,
    "just-too-long": "1" * (limits.MAX_TYPED + 1),
}


@pytest.mark.parametrize("name", sorted(PASTES))
def test_a_pasted_monster_answer_is_one_clear_error(name: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_number(PASTES[name])
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


@pytest.mark.parametrize("name", sorted(PASTES))
def test_a_pasted_monster_what_if_value_is_one_clear_error(name: str) -> None:
    with pytest.raises(WhatIfError) as caught:
        parse_value(PASTES[name], 0.01, "learning_rate")
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


def test_ordinary_answers_still_parse() -> None:
    assert parse_number("2*3") == 6.0 and parse_number("−0.25") == -0.25 and parse_number("((1e-3))") == 0.001
    assert parse_value("0.5", 0.01, "lr") == 0.5 and parse_value("[1, 2]", [3, 4], "x") == [1, 2]


@pytest.fixture(scope="module")
def evaluator() -> Evaluator:
    return Evaluator(EXAMPLES["square"].build())


@pytest.mark.parametrize("expression, words", [
    ("9**9**9**9", "too large a number"),
    ('len("a"*10**10)', "too long"),
    ("[0]*10**9", "too long"),
    ("10**3000 * 10**3000", "too large a number"),
    ("2**(10**6)", "too large a number"),
    ('fmt(1, ".99999999f")', "up to 999"),
    ("-" * 10_000 + "1", "characters long"),
    ("-" * 100 + "1", "nested"),
])
def test_lesson_expressions_refuse_huge_work_before_doing_it(evaluator: Evaluator, expression: str, words: str) -> None:
    started = time.monotonic()
    with pytest.raises(ExpressionError, match=words) as caught:
        evaluator.evaluate(expression)
    assert "\n" not in str(caught.value)
    assert time.monotonic() - started < 60  # generous: it was forever (9**9**9**9) before


def test_ordinary_lesson_expressions_still_work(evaluator: Evaluator) -> None:
    assert evaluator.evaluate("2**100") == 2**100
    assert evaluator.evaluate('"ab" * 3') == "ababab"
    assert float(evaluator.evaluate('2 * value("x")')) == 2 * float(evaluator.evaluate('value("x")'))


def test_an_evaluation_past_its_time_budget_stops(evaluator: Evaluator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_SECONDS", -1.0)  # every check is already late
    with pytest.raises(ExpressionError, match="took longer than"):
        evaluator.evaluate("1 + 1")


async def test_the_answer_box_takes_at_most_max_typed_characters() -> None:
    from tapeviz.lessons.progress import ProgressStore
    from tapeviz.ui.lesson_pane import AnswerInput
    from tapeviz.ui.lesson_screen import lesson_app
    from tests.ui.test_lesson_screen import lesson_one

    app = lesson_app(lesson_one(), ProgressStore())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        box = app.screen.query_one(AnswerInput)
        box.insert_text_at_cursor("-" * 10_000 + "1")  # a paste: Textual refuses what does not fit
        await pilot.pause()
        assert len(box.value) <= limits.MAX_TYPED
        box.insert_text_at_cursor("6" * (limits.MAX_TYPED + 5))
        await pilot.pause()
        assert len(box.value) <= limits.MAX_TYPED
