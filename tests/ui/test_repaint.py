"""A step repaints only what changed: no layout pass of the whole screen, the graph scrolled in the same step."""

from __future__ import annotations

from pathlib import Path

from tapeviz.ui.graph_pane import GraphPane
from tests.support.ui_helpers import make_app, settle

SIZE = (120, 40)


async def test_stepping_needs_no_layout_pass(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        layouts = []
        original = screen._refresh_layout  # noqa: SLF001

        def counting(*args: object, **kwargs: object) -> None:
            layouts.append(app.index)
            original(*args, **kwargs)

        screen._refresh_layout = counting  # type: ignore[method-assign]  # noqa: SLF001
        for key in ["right"] * 12 + ["left"] * 5:
            await pilot.press(key)
            await pilot.pause()
        assert app.index == 7
        assert layouts == []  # status, loss, notice and inspector change without reflowing the screen


async def test_graph_is_scrolled_to_the_current_event_within_the_step(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        graph = app.screen.query_one("#graph", GraphPane)
        for _ in range(15):
            before = graph.scroll_offset
            app.action_next_event()  # no pause: the scroll must already be where the step puts it
            during = graph.scroll_offset
            await pilot.pause()
            await pilot.pause()
            assert graph.scroll_offset == during, (before, during)
