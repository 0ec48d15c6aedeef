"""Issue 16: no order of keys, commands and timing may pop the app's last screen.

The command palette runs its selection once per queued Enter: a second Enter typed before the
palette has closed (a fast typist, a held key) selects again, and Textual's palette then calls
``dismiss()`` a second time, which pops whatever screen is on top — the main or lesson screen,
the last one, so the app died with ``ScreenStackError``. These tests queue the keys together
(``App.simulate_key`` posts them without waiting, as a terminal delivers them) and then wait
for the app to handle them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.screen import Screen

from tapeviz.examples import EXAMPLES
from tapeviz.lessons import LessonRun, discover, find_entry, lesson_folder_default
from tapeviz.lessons.progress import ProgressStore
from tapeviz.ui import TapevizApp
from tapeviz.ui.help_screen import HelpScreen
from tapeviz.ui.lesson_screen import LessonScreen, lesson_app
from tests.support.ui_helpers import settle

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def main_app(tmp_path: Path) -> TapevizApp:
    trace = EXAMPLES["seed"].build()
    trace.meta.pop("warnings", None)
    return TapevizApp(trace, source="seed", out_dir=tmp_path, layout_engine="layered")


def open_lesson(tmp_path: Path) -> TapevizApp:
    entry = find_entry(discover(lesson_folder_default()), "1")
    assert entry.lesson is not None
    return lesson_app(LessonRun.open(entry.lesson), ProgressStore(), out_dir=tmp_path, layout_engine="layered")


APPS = {"main": main_app, "lesson": open_lesson}


async def open_palette(pilot, query: str) -> CommandPalette:  # noqa: ANN001
    """Open the palette, type ``query`` and wait until its matches are listed and one is highlighted."""
    app = pilot.app
    await pilot.press(app.COMMAND_PALETTE_BINDING)  # ctrl+p, or ctrl+k in a lesson (ctrl+p is a step back there)
    await settle(pilot)
    palette = app.screen
    assert isinstance(palette, CommandPalette)
    await pilot.press(*query)
    matches = palette.query_one(CommandList)
    for _ in range(500):  # the palette gathers matches in a task: wait for it, not for a clock
        if matches.option_count:
            break
        await pilot.pause()
    assert matches.option_count, f"no command matches {query!r}"
    await pilot.press("down")
    await settle(pilot)
    assert matches.highlighted is not None
    return palette


def assert_alive(app: TapevizApp, base: type[Screen]) -> None:
    assert app.is_running and app.return_code is None, "the app stopped"
    assert isinstance(app.screen_stack[0], base) and len(app.screen_stack) >= 1


@pytest.mark.parametrize("kind", sorted(APPS))
async def test_second_enter_in_the_command_palette_does_not_pop_the_last_screen(tmp_path: Path, kind: str) -> None:
    app = APPS[kind](tmp_path)
    base = LessonScreen if kind == "lesson" else Screen
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        start = app.index
        await open_palette(pilot, "Next event")
        app.simulate_key("enter")  # selects "Next event": the palette closes and runs it
        app.simulate_key("enter")  # typed before the palette closed: selects again
        await settle(pilot)
        assert_alive(app, base)
        assert not isinstance(app.screen, CommandPalette)
        assert app.screen is app.screen_stack[0]
        assert app.index == start + 1  # the command ran once
        await pilot.press("right")  # and the app still answers keys
        assert app.index == start + 2


@pytest.mark.parametrize("kind", sorted(APPS))
async def test_second_enter_does_not_close_the_screen_the_command_opened(tmp_path: Path, kind: str) -> None:
    app = APPS[kind](tmp_path)
    base = LessonScreen if kind == "lesson" else Screen
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_palette(pilot, "Help")
        app.simulate_key("enter")
        app.simulate_key("enter")
        await settle(pilot)
        assert_alive(app, base)
        assert isinstance(app.screen, HelpScreen)  # the help the learner asked for stays open
        app.simulate_key("escape")
        app.simulate_key("escape")  # a second Esc before help has closed
        await settle(pilot)
        assert_alive(app, base)
        assert app.screen is app.screen_stack[0]


async def test_closing_help_in_a_lesson_leaves_the_keys_to_the_lesson(tmp_path: Path) -> None:
    """Textual focuses the first focusable widget when a screen resumes: in a lesson that was
    the answer box even while hidden, so after help or the palette closed, g, t, q… were typed
    into it instead of acting."""
    app = open_lesson(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.step.question is None and app.focused is None
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and app.focused is None
        await pilot.press("g")
        assert app.mode == "grads"
