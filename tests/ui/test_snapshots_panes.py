"""SVG snapshots of the source pane (o) and the messages panel (m) at 120×40 and 80×24.

The layered layout keeps the pictures free of Graphviz versions. Update with
``--snapshot-update`` only after looking at the new SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tapeviz.examples import EXAMPLES
from tapeviz.trace import run_program
from tapeviz.ui import TapevizApp
from tests.support.ui_helpers import settle
from tests.ui.test_panes import PROGRAM

SIZES = {"120x40": (120, 40), "80x24": (80, 24)}


def _press_after_ready(keys: list[str], index_of=None):  # noqa: ANN001, ANN202
    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        app = pilot.app
        if index_of is not None:
            app.goto(index_of(app.trace))
            await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_source_pane(snap_compare, size: str) -> None:  # noqa: ANN001
    trace = EXAMPLES["seed"].build()
    trace.meta.pop("warnings", None)  # the one-line toast is the messages snapshot's subject
    app = TapevizApp(trace, source="seed", layout_engine="layered")
    mid_backward = lambda t: t.first_of("backward") + 3  # noqa: E731
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_press_after_ready(["o"], mid_backward))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_messages_panel(snap_compare, tmp_path: Path, size: str) -> None:  # noqa: ANN001
    path = tmp_path / "prog.py"
    path.write_text(PROGRAM)
    app = TapevizApp(run_program(path).trace, source="prog.py", layout_engine="layered")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_press_after_ready(["m"]))
