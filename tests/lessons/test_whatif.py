"""What if: change one input of a lesson's program, record again, and the text follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tapeviz.lessons.model import LessonError
from tapeviz.lessons.whatif import WhatIfError, changed_source, find_slot, parse_value

from .helpers import open_lesson, write_lesson


def test_lesson_one_with_another_x() -> None:
    run = open_lesson("1")
    step = next(s for s in run.steps if s.what_if is not None)
    assert run.what_if_value(step) == 3.0
    before = run.trace
    said = run.what_if(step, "5")
    assert said.startswith("x = 5.0 (was 3.0)")
    assert run.trace is not before
    x = float(run.evaluator.evaluate('value("x")'))
    assert x == 5.0
    assert float(run.evaluator.evaluate('grad("x")')) == pytest.approx(2 * x)
    assert f"x = {x:g}" in run.text(step)
    # every later step reads the new recording too
    recap = run.steps[-1]
    assert f"{2 * x:g}" in run.text(recap)


def test_lesson_eight_learning_rate_changes_every_later_number() -> None:
    run = open_lesson("8")
    step = next(s for s in run.steps if s.what_if is not None)
    old_after = float(run.evaluator.evaluate('after("w")'))
    run.what_if(step, "0.1")
    lr = float(run.evaluator.evaluate('program("lr")'))
    w0, g = float(run.evaluator.evaluate('before("w")')), float(run.evaluator.evaluate('grad("w")'))
    assert lr == 0.1
    assert float(run.evaluator.evaluate('after("w")')) == pytest.approx(w0 - lr * g, rel=1e-5)
    assert float(run.evaluator.evaluate('after("w")')) != pytest.approx(old_after)
    assert run.trace.iteration_count == run.lesson.iterations


def test_bad_values_are_one_line_errors() -> None:
    run = open_lesson("6")
    step = next(s for s in run.steps if s.what_if is not None)
    with pytest.raises(LessonError, match="same shape"):
        run.what_if(step, "[1.0, 2.0]")
    with pytest.raises(LessonError, match="not a value"):
        run.what_if(step, "import os")
    run.what_if(step, "[0.0, 0.5, 1.0]")
    assert run.evaluator.evaluate('value("b")').tolist() == [0.0, 0.5, 1.0]


def test_booleans_and_slots() -> None:
    assert parse_value("false", True, "from_logits") is False
    with pytest.raises(WhatIfError):
        parse_value("maybe", True, "from_logits")
    source = 'import x\nlr = 0.05   # rate\nv = tf.Variable(\n    3.0, name="v")\nprint(v)\n'
    slot = find_slot(source, "v")
    assert slot.value == 3.0
    changed = changed_source(source, find_slot(source, "lr"), 0.2)
    assert changed.splitlines()[1] == "lr = 0.2   # rate"
    changed = changed_source(source, slot, 4.5)
    assert len(changed.splitlines()) == len(source.splitlines())
    with pytest.raises(WhatIfError, match="no top-level assignment"):
        find_slot(source, "nothing")


def test_what_if_must_name_a_program_input(tmp_path: Path) -> None:
    text = ("---\ntitle: T\nprogram: program.py\n---\n## Change\n@what-if: rate | 2\n@ask: x?\n@answer: value(\"x\") | 3 sf\n"
            "rate is {{ program(\"rate\") }}\n")
    program = "import tapeviz.tf as tf\nx = tf.Variable(1.0)\nwith tf.GradientTape() as t:\n    y = x * x\nt.gradient(y, x)\n"
    run = write_lesson(tmp_path, text, program)
    with pytest.raises(LessonError, match="no top-level assignment"):
        run.what_if(run.steps[0], "2")


def test_what_if_trace_names_the_lesson_program() -> None:
    run = open_lesson("8")
    step = next(s for s in run.steps if s.what_if is not None)
    run.what_if(step, "0.02")
    assert run.trace.meta["source"] == str(run.lesson.program)
    assert run.trace.meta["what_if"] == {"lr": "0.02"}


def test_a_what_if_asks_for_a_prediction_first(tmp_path: Path) -> None:
    text = "---\ntitle: T\nprogram: program.py\n---\n## Change\n@what-if: rate | 2\nrate is {{ program(\"rate\") }}\n"
    program = "import tapeviz.tf as tf\nrate = 1\nx = tf.Variable(1.0)\nwith tf.GradientTape() as t:\n    y = x * x\nt.gradient(y, x)\n"
    with pytest.raises(LessonError, match="@what-if asks for a prediction first"):
        write_lesson(tmp_path, text, program)
