"""Number questions state their precision, and any answer that rounds right at it is right."""

from __future__ import annotations

from pathlib import Path

import pytest

from tapeviz.lessons.model import LessonError, Precision, Where
from tapeviz.lessons.options import precision_option

from .helpers import write_lesson

W = Where(Path("lesson.md"), 1)


@pytest.mark.parametrize(("given", "correct", "precision", "right"), [
    (-0.0024, -0.002379, Precision("sf", 2), True),  # the two cases
    (0.78, 0.7839, Precision("sf", 3), False),
    (0.784, 0.7839, Precision("sf", 3), True),
    (0.7839, 0.78390002, Precision("sf", 3), True),  # a float32 answer
    (10.0, 9.996, Precision("sf", 3), True),  # 9.996 rounds up to 10.0
    (9.99, 9.996, Precision("sf", 3), False),
    (6, 6.0000002, Precision("sf", 3), True),
    (0.1235, 0.12345, Precision("dp", 4), True),  # half away from zero, on the decimal digits
    (0.1234, 0.12345, Precision("dp", 4), False),
    (0.0, 3.1e-8, Precision("dp", 7), True),
    (27, 27.0, Precision("exact"), True),
    (26, 27.0, Precision("exact"), False),
])
def test_rounding_decides(given: float, correct: float, precision: Precision, right: bool) -> None:
    assert precision.same(given, correct) is right


@pytest.mark.parametrize(("text", "expected", "phrase"), [
    ("3 sf", Precision("sf", 3), "to 3 significant figures"),
    ("2 s.f.", Precision("sf", 2), "to 2 significant figures"),
    ("4 dp", Precision("dp", 4), "to 4 decimal places"),
    ("1 decimal place", Precision("dp", 1), "to 1 decimal place"),
    ("exact", Precision("exact"), "as a whole number"),
])
def test_precision_spellings(text: str, expected: Precision, phrase: str) -> None:
    p = precision_option(text, W)
    assert p == expected and p.describe() == phrase


def test_bad_precision_names_the_line() -> None:
    with pytest.raises(LessonError, match="lesson.md:1: precision 'three'"):
        precision_option("three", W)


LESSON = """---
title: T
example: square
---
## Ask
@goto: start of backward
@ask: What is dy/dx?
@answer: grad("x") | 2 sf
@hint: the power rule
@explain: 2x = {{ grad("x") }}.
"""


def test_prompt_states_the_precision_and_judging_uses_it(tmp_path: Path) -> None:
    run = write_lesson(tmp_path, LESSON)
    step = run.steps[0]
    assert run.prompt(step) == "What is dy/dx? (answer to 2 significant figures)"
    correct = run.correct_number(step)
    assert run.judge(step, f"{correct:.2g}").correct
    assert run.judge(step, f"{correct * 1.2:.2g}").correct is False
