"""A number grid that elides columns keeps the ones a lesson question asks about (lesson 6's dead
unit is column 2 of a 4×3 matrix, which the inspector used to cut behind "… +1"), and the
inspector opens on those numbers (under the graph it is 10 rows tall: the event's explanation
above the node pushed the grid out of sight)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tapeviz.lessons.progress import ProgressStore
from tapeviz.ui.lesson_check import screen_text
from tapeviz.ui.lesson_screen import lesson_app
from tapeviz.ui.number_grid import grid
from tapeviz.ui.palette import Colours
from tests.lessons.helpers import open_lesson
from tests.support.ui_helpers import settle

M = np.array([[1.0, 2.0, -3.0, 4.0], [5.0, 6.0, -7.0, 8.0]])


def test_without_keep_the_last_columns_are_elided() -> None:
    text = grid(M, Colours.default(), max_cols=2).plain
    assert "… +2" in text and "-3.0000" not in text


def test_a_kept_column_follows_below_named() -> None:
    text = grid(M, Colours.default(), max_cols=2, keep_cols={2}).plain
    lines = text.splitlines()
    assert lines[:2] == [" 1.0000  2.0000 … +1", " 5.0000  6.0000 … +1"]
    assert lines[2:] == ["[:, 2]", "-3.0000 ", "-7.0000 "]
    assert "8.0000" not in text  # the column nobody asked about stays elided


def test_kept_columns_inside_the_first_block_change_nothing() -> None:
    assert grid(M, Colours.default(), max_cols=3, keep_cols={0, 1}).plain == grid(M, Colours.default(), max_cols=3).plain


async def test_lesson_6_dead_unit_column_is_on_screen(tmp_path: Path) -> None:
    lesson = open_lesson("6")
    step = next(s for s in lesson.steps if s.title == "A dead unit")
    add = lesson.resolver.node("add").id
    assert lesson.asked_columns(step) == {add: frozenset({0, 1, 2})}
    column = np.asarray(lesson.evaluator.evaluate('value("add")'))[:, 2]
    app = lesson_app(lesson, ProgressStore(tmp_path / "p.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for k in (step.index - 1, step.index):  # as a learner comes to it: the step before sets the cursor
            app.screen.enter_step(k)
            await settle(pilot)
        app.select_node(add)
        await settle(pilot)
        text = screen_text(app.screen)
    assert "… +1" not in text or "[:, 2]" in text  # whole, or the asked column below the first block
    for v in column:
        assert f"{v:.4f}" in text  # every entry of the asked column is on screen
