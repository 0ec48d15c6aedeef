"""@view and @graph: a step says what the graph shows (values or gradients, fit or detail)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tapeviz.lessons.loader import parse_lesson
from tapeviz.lessons.model import LessonError


def test_view_and_graph_directives_parse_and_reject_other_words(tmp_path: Path) -> None:
    body = "---\ntitle: t\nexample: square\n---\n\n## A\n\n@goto: end\n@view: gradients\n@graph: fit\n\nText.\n"
    file = tmp_path / "lesson.md"
    lesson = parse_lesson(body, file, "01-t", 1, "t")
    assert (lesson.steps[0].view, lesson.steps[0].graph) == ("gradients", "fit")
    with pytest.raises(LessonError, match="@view is one of values, gradients"):
        parse_lesson(body.replace("@view: gradients", "@view: grads"), file, "01-t", 1, "t")
