"""@view and @graph: a step says what the graph shows (values or gradients, fit or detail)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tapeviz.lessons.loader import parse_lesson
from tapeviz.lessons.model import LessonError
from tests.lessons.helpers import write_lesson


def test_view_and_graph_directives_parse_and_reject_other_words(tmp_path: Path) -> None:
    body = "---\ntitle: t\nexample: square\n---\n\n## A\n\n@goto: end\n@view: gradients\n@graph: fit\n\nText.\n"
    file = tmp_path / "lesson.md"
    lesson = parse_lesson(body, file, "01-t", 1, "t")
    assert (lesson.steps[0].view, lesson.steps[0].graph) == ("gradients", "fit")
    with pytest.raises(LessonError, match="@view is one of values, gradients"):
        parse_lesson(body.replace("@view: gradients", "@view: grads"), file, "01-t", 1, "t")


SELECT_LESSON = """---
title: t
program: program.py
---

## Look at x

@goto: end of forward
@select: {pointer}

Text.
"""
SELECT_PROGRAM = """import tapeviz.tf as tf

x = tf.Variable(3.0, name="x")
with tf.GradientTape() as tape:
    y = x * x + x
tape.gradient(y, x)
"""


@pytest.mark.parametrize(
    ("pointer", "name"), [("x", "x"), ("backward of add", "add"), ("input 0 of add", "multiply")],
)
def test_select_names_a_node_as_other_pointers_do(tmp_path: Path, pointer: str, name: str) -> None:
    run = write_lesson(tmp_path, SELECT_LESSON.format(pointer=pointer), SELECT_PROGRAM)
    node = run.selection(run.steps[0])
    assert node is not None and run.trace.graph.nodes[node].name == name


def test_select_of_an_unknown_node_fails_when_the_lesson_opens_with_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(LessonError, match="no node named 'z'") as caught:
        write_lesson(tmp_path, SELECT_LESSON.format(pointer="z"), SELECT_PROGRAM)
    assert caught.value.line == 9 and caught.value.file.name == "lesson.md"


def test_select_of_a_bare_event_fails_at_load_time(tmp_path: Path) -> None:
    with pytest.raises(LessonError, match="@select names a node") as caught:
        write_lesson(tmp_path, SELECT_LESSON.format(pointer="end of forward"), SELECT_PROGRAM)
    assert caught.value.line == 9


def test_order_numbers_the_boxes_by_each_walk_and_rejects_unknown_walks(tmp_path: Path) -> None:
    program = (
        'import tapeviz.tf as tf\n\nx = tf.Variable(3.0, name="x")\nwith tf.GradientTape() as tape:\n'
        "    a = x * x\n    b = a + x\n    c = a * b\ntape.gradient(c, x)\n"
    )
    lesson = "---\ntitle: t\nprogram: program.py\n---\n\n## Walks\n\n@goto: end\n@order: order, right\n\nText.\n"
    run = write_lesson(tmp_path, lesson, program)
    step = run.steps[0]
    assert step.order == ("order", "right")
    marks = run.visit_badges(step)
    a, b, c = sorted(marks, key=lambda n: run.trace.graph.nodes[n].event)  # the ops as recorded
    # the tape visits c, b, a (reverse recording); breadth-first from c reaches a before b
    assert (marks[c], marks[b], marks[a]) == ("bfs 1 tape 1", "bfs 3 tape 2", "bfs 2 tape 3")
    with pytest.raises(LessonError, match="@order names walks"):
        write_lesson(tmp_path / "bad", lesson.replace("order, right", "sideways"), program)
