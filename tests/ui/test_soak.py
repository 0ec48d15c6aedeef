"""Key-mash and resize soak for the terminal UI, driven by Textual's Pilot.

Random keys (every key the app and its screens bind, plus keys nobody binds), random clicks
anywhere on the screen, and a resize to a random size between 80×24 and 200×60 before every
burst. After each burst the app must still be running with no exception, and its state must be
consistent: the cursor inside the trace, the cursor model in step with the trace's length, and
the status line naming the phase and event number of the event under the cursor.

``make test`` runs a quick profile per screen; ``make soak`` (``-m soak``) runs longer ones with
more seeds. Keys that leave the app on purpose (q, ctrl+q, ctrl+c) and the command palette
(whose "Quit" entry a random Enter could pick) are left out.
"""

from __future__ import annotations

import importlib
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual import events
from textual.keys import REPLACED_KEYS, _get_unicode_name_from_key

from tapeviz.examples import EXAMPLES
from tapeviz.ui import TapevizApp

LEAVE = {"q", "ctrl+q", "ctrl+c", "ctrl+p", "super+c"}
JUNK = [
    "a", "z", "x", "k", "j", "0", "7", "enter", "escape", "up", "down", "pageup", "pagedown", "insert",
    "delete", "backspace", "f1", "f5", "ctrl+x", "ctrl+a", "shift+right", "shift+left", "ctrl+right",
    "comma", "full_stop", "slash", "asterisk", "exclamation_mark", "left_square_bracket", "space", "tab",
    "at", "equals_sign", "minus", "left_parenthesis", "1", "2",
]
MIN_SIZE, MAX_SIZE = (80, 24), (200, 60)


def bound_keys(*owners: type) -> list[str]:
    """Every key bound by these classes' BINDINGS (a binding may list several, comma-separated)."""
    keys: list[str] = []
    for owner in owners:
        for binding in getattr(owner, "BINDINGS", []):
            key = binding.key if hasattr(binding, "key") else binding[0]
            keys += [k.strip() for k in key.split(",") if k.strip() not in LEAVE]
    return sorted(set(keys))


@dataclass
class Profile:
    bursts: int
    per_burst: int
    seed: int

    @property
    def actions(self) -> int:
        return self.bursts * self.per_burst


async def quiesce(app: TapevizApp, pilot) -> None:
    """Stop playing, close pushed screens (help), and wait for training, export and layout."""
    if app.playing:
        app.action_play()
    base = 1
    while len(app.screen_stack) > base:
        app.pop_screen()
        await pilot.pause()
    for _ in range(500):
        await pilot.pause()
        busy = getattr(app, "training", False) or app._exporting or app._refresh_retry is not None
        if not busy and not app.workers._workers:
            break
        await pilot.pause(0.02)
    await app.workers.wait_for_complete()
    await pilot.pause()
    if app.screen.query("#status"):
        app.refresh_view()  # the same refresh a key press makes; the state must already agree
    await pilot.pause()


def status_text(app: TapevizApp) -> str:
    widget = app.screen.query_one("#status")
    text = getattr(widget, "last_text", None)
    return text if isinstance(text, str) else str(widget.render())


def check_consistent(app: TapevizApp, where: str) -> None:
    assert app.is_running, f"{where}: the app stopped"
    assert app._exception is None, f"{where}: {app._exception!r}"
    trace, index = app.trace, app.index
    n = len(trace)
    assert 0 <= index < n, f"{where}: cursor {index} outside 0..{n - 1}"
    assert app.cursor.length == n, f"{where}: cursor thinks the trace has {app.cursor.length} events, it has {n}"
    status = status_text(app)
    phase = trace.phase(index)
    assert status.strip().startswith(phase), f"{where}: status {status!r} but event {index} is {phase}"
    assert f"event {index + 1}/{n}" in status, f"{where}: status {status!r} but the cursor is at {index} of {n}"
    assert f"iteration {trace.iteration(index) + 1}/{trace.iteration_count}" in status, f"{where}: {status!r}"


def send_keys(app: TapevizApp, keys: list[str]) -> None:
    """Queue key events the way a terminal delivers a fast typist's (or a held key's) input:
    all at once, without waiting for the app between them. Pilot.press waits for the app to go
    idle after every key (~40 ms each), which would make a soak of thousands of keys take minutes."""
    for key in keys:
        event = events.Key(key, key_character(key))
        event.set_sender(app)
        app._driver.send_message(event)


def key_character(key: str) -> str | None:
    """The character a key types ("left_square_bracket" → "["), as Pilot.press computes it, so
    that junk typed into the lesson's answer box is real text."""
    try:
        return unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        return key if len(key) == 1 else None


async def mash(app: TapevizApp, pilot, keys: list[str], profile: Profile, extra_check=None) -> dict[str, int]:
    rng = random.Random(profile.seed)
    counts = {"keys": 0, "clicks": 0, "resizes": 0}
    for burst in range(profile.bursts):
        width = rng.randint(MIN_SIZE[0], MAX_SIZE[0])
        height = rng.randint(MIN_SIZE[1], MAX_SIZE[1])
        await pilot.resize_terminal(width, height)
        await pilot.pause()
        counts["resizes"] += 1
        done = 0
        while done < profile.per_burst:
            if rng.random() < 0.06:
                await pilot.click(offset=(rng.randrange(width), rng.randrange(height)))
                counts["clicks"] += 1
                done += 1
                continue
            group = [rng.choice(keys) for _ in range(min(rng.randint(1, 12), profile.per_burst - done))]
            send_keys(app, group)
            await pilot.pause()
            counts["keys"] += len(group)
            done += len(group)
        await quiesce(app, pilot)
        where = f"seed {profile.seed}, burst {burst} at {width}×{height}"
        check_consistent(app, where)
        if extra_check is not None:
            extra_check(app, where)
    return counts


# --------------------------------------------------------------------------------------------
# main screen


async def soak_main(tmp_path: Path, profile: Profile, example: str, engine: str) -> dict[str, int]:
    from tapeviz.ui.help_screen import HelpScreen

    app = TapevizApp(EXAMPLES[example].build(), source=example, out_dir=tmp_path, layout_engine=engine)
    keys = bound_keys(TapevizApp, type(app.get_default_screen()), HelpScreen) + JUNK
    assert {"right", "left", "home", "end", "t", "c", "g", "tab", "space"} <= set(keys)
    async with app.run_test(size=MAX_SIZE) as pilot:
        await quiesce(app, pilot)
        check_consistent(app, "start")
        counts = await mash(app, pilot, keys, profile)
        events = len(app.trace)
    counts["events"] = events
    return counts


async def test_main_screen_key_mash_quick(tmp_path: Path) -> None:
    counts = await soak_main(tmp_path, Profile(bursts=10, per_burst=100, seed=1), "seed", "layered")
    assert counts["keys"] + counts["clicks"] == 1000 and counts["resizes"] == 10


@pytest.mark.soak
@pytest.mark.parametrize("seed", [11, 12, 13])
async def test_main_screen_key_mash_soak(tmp_path: Path, seed: int) -> None:
    counts = await soak_main(tmp_path, Profile(bursts=25, per_burst=200, seed=seed), "seed", "auto")
    assert counts["keys"] + counts["clicks"] == 5000


# --------------------------------------------------------------------------------------------
# lesson screen


async def soak_lesson(tmp_path: Path, profile: Profile, lesson: str) -> dict[str, int]:
    lesson_screen = importlib.import_module("tapeviz.ui.lesson_screen")
    lessons = importlib.import_module("tapeviz.lessons")
    from tapeviz.lessons.progress import ProgressStore
    from tapeviz.ui.help_screen import HelpScreen

    entry = lessons.find_entry(lessons.discover(lessons.lesson_folder_default()), lesson)
    assert entry.lesson is not None, entry.error
    run = lessons.LessonRun.open(entry.lesson)
    app = lesson_screen.LessonApp(run, ProgressStore(), out_dir=tmp_path, layout_engine="layered")
    keys = bound_keys(TapevizApp, lesson_screen.LessonScreen, HelpScreen) + JUNK
    assert {"n", "p", "enter", "escape"} <= set(keys)

    def lesson_state(app: TapevizApp, where: str) -> None:
        screen = app.screen
        assert isinstance(screen, lesson_screen.LessonScreen), f"{where}: on {type(screen).__name__}"
        assert 0 <= screen.step_index < len(run.steps), f"{where}: step {screen.step_index}"

    async with app.run_test(size=MAX_SIZE) as pilot:
        await quiesce(app, pilot)
        check_consistent(app, "start")
        counts = await mash(app, pilot, keys, profile, lesson_state)
    return counts




async def test_lesson_screen_key_mash_quick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    counts = await soak_lesson(tmp_path, Profile(bursts=5, per_burst=100, seed=2), "1")
    assert counts["keys"] + counts["clicks"] == 500


@pytest.mark.soak
@pytest.mark.parametrize("lesson, seed", [("1", 21), ("7", 22), ("12", 23)])
async def test_lesson_screen_key_mash_soak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lesson: str, seed: int) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    counts = await soak_lesson(tmp_path, Profile(bursts=20, per_burst=150, seed=seed), lesson)
    assert counts["keys"] + counts["clicks"] == 3000
