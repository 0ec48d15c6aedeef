"""PageDown right after opening the command palette in a lesson (issue 27: KeyError: 0)."""

from __future__ import annotations

from textual.command import CommandList

from tapeviz.lessons.progress import ProgressStore
from tapeviz.ui.command_palette import ClosingOnceCommandPalette
from tapeviz.ui.lesson_screen import PALETTE_KEY, lesson_app
from tests.ui.test_lesson_screen import lesson_one


async def test_page_keys_before_the_command_list_is_laid_out_do_not_crash() -> None:
    app = lesson_app(lesson_one(), ProgressStore())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press(PALETTE_KEY)
        palette = app.screen
        assert isinstance(palette, ClosingOnceCommandPalette)
        commands = palette.query_one(CommandList)
        # what a fast PageDown meets: options just added and highlighted, their lines not yet
        # laid out (Textual computes them on the next refresh)
        commands.clear_options()
        commands.add_options(["one", "two", "three"])
        commands.highlighted = 0
        palette._action_command_list("page_down")
        palette._action_command_list("page_up")
        await pilot.pause()
        palette._action_command_list("page_down")  # laid out now: pages as usual
        await pilot.press("escape")
        await pilot.pause()
    assert app._exception is None

