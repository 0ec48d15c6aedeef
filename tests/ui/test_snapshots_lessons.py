"""SVG snapshots of lessons that talk about the graph, at 120×40 and 80×24, as a learner opens
them (nothing pressed but the step keys): the graph is drawn as boxes with their values (at 80×24
across the whole width, the lesson pane under it), in lesson 14 each op's box carries its place
in the tape's walk and in the breadth-first walk, and in lesson 15 the custom gradient's box
names its gradient function.

Update with ``--snapshot-update`` only after looking at the new SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tapeviz.lessons.progress import ProgressStore
from tapeviz.ui.lesson_screen import lesson_app
from tests.lessons.helpers import open_lesson
from tests.support.ui_helpers import settle

SIZES = {"120x40": (120, 40), "80x24": (80, 24)}


def _app(ident: str, tmp_path: Path):  # noqa: ANN202
    return lesson_app(open_lesson(ident), ProgressStore(tmp_path / "progress.json"))


def _on_step(index: int):  # noqa: ANN202
    async def run_before(pilot) -> None:  # noqa: ANN001
        app = pilot.app
        await settle(pilot)
        app.screen.enter_step(index)
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_lesson_1_first_tape(snap_compare, tmp_path: Path, size: str) -> None:  # noqa: ANN001
    assert snap_compare(_app("1", tmp_path), terminal_size=SIZES[size], run_before=_on_step(0))


@pytest.mark.parametrize("size", SIZES)
def test_lesson_14_wrong_order_numbers_the_boxes(snap_compare, tmp_path: Path, size: str) -> None:  # noqa: ANN001
    assert snap_compare(_app("14", tmp_path), terminal_size=SIZES[size], run_before=_on_step(2))


@pytest.mark.parametrize("size", SIZES)
def test_lesson_13_backprop_by_hand(snap_compare, tmp_path: Path, size: str) -> None:  # noqa: ANN001
    """Step 3 (dL/dc): the backward pass has started, c is selected, every box on screen."""
    assert snap_compare(_app("13", tmp_path), terminal_size=SIZES[size], run_before=_on_step(2))


@pytest.mark.parametrize("size", SIZES)
def test_lesson_15_box_names_its_gradient_function(snap_compare, tmp_path: Path, size: str) -> None:  # noqa: ANN001
    assert snap_compare(_app("15", tmp_path), terminal_size=SIZES[size], run_before=_on_step(1))


@pytest.mark.parametrize("size", SIZES)
def test_lesson_16_rule_editor(snap_compare, tmp_path: Path, size: str) -> None:  # noqa: ANN001
    """The @write step as it opens: the step's text, the editor with its starting text, ctrl+t."""
    assert snap_compare(_app("16", tmp_path), terminal_size=SIZES[size], run_before=_on_step(2))


@pytest.mark.parametrize("size", SIZES)
def test_lesson_17_table_before_the_first_row(snap_compare, tmp_path: Path, size: str) -> None:  # noqa: ANN001
    """The @table step as it opens: the rows to fill in, the graph's gradients hidden."""
    assert snap_compare(_app("17", tmp_path), terminal_size=SIZES[size], run_before=_on_step(2))
