"""A step repaints only what changed: no layout pass of the whole screen, the graph scrolled in the same step."""

from __future__ import annotations

from pathlib import Path

from textual import messages
from textual.message import Message

from tapeviz.ui.graph_pane import GraphPane
from tests.support.ui_helpers import make_app, settle

SIZE = (120, 40)


async def test_stepping_needs_no_layout_pass(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    layouts: list[int] = []
    at_start: list[Message] = []
    stepping = [False]

    def hook(message: Message) -> None:  # every message any widget sends, seen through Pilot's public hook
        if isinstance(message, messages.Layout):
            (layouts.append(app.index) if stepping[0] else at_start.append(message))

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        assert at_start  # the hook does see layout passes: the first one, when the screen was built
        stepping[0] = True
        for key in ["right"] * 12 + ["left"] * 5:
            await pilot.press(key)
            await pilot.pause()
        stepping[0] = False
        assert app.index == 7
        assert layouts == []  # status, loss, notice and inspector change without reflowing the screen


async def test_graph_is_scrolled_to_the_current_event_within_the_step(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        graph = app.screen.query_one("#graph", GraphPane)
        for _ in range(15):
            before = graph.scroll_offset
            app.action_next_event()  # no pause: the scroll must already be where the step puts it
            during = graph.scroll_offset
            await pilot.pause()
            await pilot.pause()
            assert graph.scroll_offset == during, (before, during)
