"""Key-mash and resize soak for the terminal UI, driven by Textual's Pilot.

Random keys (every key the app and its screens bind, plus keys nobody binds), random clicks
anywhere on the screen, and a resize to a random size between 80×24 and 200×60 before every
burst. After each burst the app must still be running with no exception, and its state must be
consistent: the cursor inside the trace, the cursor model in step with the trace's length, and
the status line naming the phase and event number of the event under the cursor.

``make test`` runs a quick profile per screen; ``make soak`` (``-m soak``) runs longer ones with
more seeds. Keys that leave the app on purpose (q, ctrl+q, ctrl+c) and the command palette
(whose "Quit" entry a random Enter could pick) are left out.

Every burst is planned from the seed before it is played (its terminal size, key groups and
clicks), so a failure is reported with the seed, the burst and the exact sequence that was
played, and the whole run up to the failing burst is written to a JSON file. Replay it with
``TAPEVIZ_SOAK_REPLAY=that-file.json pytest tests/test_ui_soak.py -k replay``.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual import events
from textual.keys import REPLACED_KEYS, _get_unicode_name_from_key

from tapeviz.examples import EXAMPLES
from tapeviz.lessons import LessonRun, discover, find_entry, lesson_folder_default
from tapeviz.lessons.progress import ProgressStore
from tapeviz.ui import TapevizApp
from tapeviz.ui.help_screen import HelpScreen
from tapeviz.ui.lesson_screen import LessonScreen, lesson_app
from tapeviz.ui.main_screen import MainScreen

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
        for binding in (b for cls in owner.__mro__ for b in cls.__dict__.get("BINDINGS", [])):
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
    """Stop playing, close pushed screens (help, the palette), and wait for every worker."""
    if app.playing:
        app.action_play()
    while len(app.screen_stack) > 1:
        app.pop_screen()
        await pilot.pause()
    for _ in range(500):
        await pilot.pause()
        if app.idle:
            break
        await pilot.pause(0.02)
    await app.workers.wait_for_complete()
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
    iteration = f"{trace.iteration(index) + 1}/{trace.iteration_count}"
    assert f"iteration {iteration}" in status or f"it {iteration}" in status, f"{where}: {status!r}"  # short when narrow


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


def plan(keys: list[str], profile: Profile) -> list[dict]:
    """Every burst of a soak, drawn from its seed before anything is played."""
    rng = random.Random(profile.seed)
    bursts = []
    for _ in range(profile.bursts):
        size = [rng.randint(MIN_SIZE[0], MAX_SIZE[0]), rng.randint(MIN_SIZE[1], MAX_SIZE[1])]
        steps: list[list] = []
        done = 0
        while done < profile.per_burst:
            if rng.random() < 0.06:
                steps.append(["click", rng.randrange(size[0]), rng.randrange(size[1])])
                done += 1
                continue
            group = [rng.choice(keys) for _ in range(min(rng.randint(1, 12), profile.per_burst - done))]
            steps.append(["keys", *group])
            done += len(group)
        bursts.append({"size": size, "steps": steps})
    return bursts


def burst_text(burst: dict) -> str:
    """One burst as a person reads it: the size, then each key group (sent together) and click."""
    parts = [f"resize {burst['size'][0]}×{burst['size'][1]}"]
    for step in burst["steps"]:
        parts.append(f"click ({step[1]}, {step[2]})" if step[0] == "click" else " ".join(step[1:]))
    return " | ".join(parts)


async def play(app: TapevizApp, pilot, bursts: list[dict], what: dict, extra_check=None) -> dict[str, int]:
    """Play planned bursts; a failing burst raises with the seed, its sequence and a replay file."""
    counts = {"keys": 0, "clicks": 0, "resizes": 0}
    for number, burst in enumerate(bursts):
        where = f"seed {what['seed']}, burst {number} at {burst['size'][0]}×{burst['size'][1]}"
        try:
            await pilot.resize_terminal(*burst["size"])
            await pilot.pause()
            counts["resizes"] += 1
            for step in burst["steps"]:
                if step[0] == "click":
                    await pilot.click(offset=(step[1], step[2]))
                    counts["clicks"] += 1
                else:
                    send_keys(app, step[1:])
                    counts["keys"] += len(step) - 1
                await pilot.pause()
            await quiesce(app, pilot)
            check_consistent(app, where)
            if extra_check is not None:
                extra_check(app, where)
        except Exception as exc:
            out = Path(os.environ.get("TAPEVIZ_SOAK_OUT", tempfile.gettempdir()))
            replay = out / f"tapeviz-soak-seed{what['seed']}-burst{number}.json"
            replay.write_text(json.dumps({**what, "bursts": bursts[: number + 1]}))
            raise AssertionError(
                f"{where}: {exc}\nkeys of burst {number}: {burst_text(burst)}\n"
                f"replay the run up to it: TAPEVIZ_SOAK_REPLAY={replay} pytest tests/test_ui_soak.py -k replay"
            ) from exc
    return counts


# --------------------------------------------------------------------------------------------
# main screen


def main_keys() -> list[str]:
    keys = bound_keys(TapevizApp, MainScreen, HelpScreen) + JUNK
    assert {"right", "left", "home", "end", "t", "c", "g", "tab", "space"} <= set(keys)
    return keys


async def soak_main(tmp_path: Path, what: dict, bursts: list[dict]) -> dict[str, int]:
    app = TapevizApp(EXAMPLES[what["example"]].build(), source=what["example"], out_dir=tmp_path,
                     layout_engine=what["engine"])
    async with app.run_test(size=MAX_SIZE) as pilot:
        await quiesce(app, pilot)
        check_consistent(app, "start")
        counts = await play(app, pilot, bursts, what)
        events = len(app.trace)
    counts["events"] = events
    return counts


async def run_main(tmp_path: Path, profile: Profile, example: str, engine: str) -> dict[str, int]:
    what = {"screen": "main", "example": example, "engine": engine, "seed": profile.seed}
    return await soak_main(tmp_path, what, plan(main_keys(), profile))


async def test_main_screen_key_mash_quick(tmp_path: Path) -> None:
    counts = await run_main(tmp_path, Profile(bursts=10, per_burst=100, seed=1), "seed", "layered")
    assert counts["keys"] + counts["clicks"] == 1000 and counts["resizes"] == 10


@pytest.mark.soak
@pytest.mark.parametrize("seed", [11, 12, 13])
async def test_main_screen_key_mash_soak(tmp_path: Path, seed: int) -> None:
    counts = await run_main(tmp_path, Profile(bursts=25, per_burst=200, seed=seed), "seed", "auto")
    assert counts["keys"] + counts["clicks"] == 5000


# --------------------------------------------------------------------------------------------
# lesson screen


LESSON_KEYS = bound_keys(TapevizApp, LessonScreen, HelpScreen) + JUNK


async def soak_lesson(tmp_path: Path, what: dict, bursts: list[dict]) -> dict[str, int]:
    entry = find_entry(discover(lesson_folder_default()), what["lesson"])
    assert entry.lesson is not None, entry.error
    run = LessonRun.open(entry.lesson)
    app = lesson_app(run, ProgressStore(), out_dir=tmp_path, layout_engine="layered")
    assert {"n", "p", "enter", "escape"} <= set(LESSON_KEYS)

    def lesson_state(app: TapevizApp, where: str) -> None:
        screen = app.screen
        assert isinstance(screen, LessonScreen), f"{where}: on {type(screen).__name__}"
        assert 0 <= screen.step_index < len(run.steps), f"{where}: step {screen.step_index}"

    async with app.run_test(size=MAX_SIZE) as pilot:
        await quiesce(app, pilot)
        check_consistent(app, "start")
        counts = await play(app, pilot, bursts, what, lesson_state)
    return counts


async def run_lesson(tmp_path: Path, profile: Profile, lesson: str) -> dict[str, int]:
    what = {"screen": "lesson", "lesson": lesson, "seed": profile.seed}
    return await soak_lesson(tmp_path, what, plan(LESSON_KEYS, profile))


async def test_lesson_screen_key_mash_quick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    counts = await run_lesson(tmp_path, Profile(bursts=5, per_burst=100, seed=2), "1")
    assert counts["keys"] + counts["clicks"] == 500


@pytest.mark.soak
@pytest.mark.parametrize("lesson, seed", [("1", 21), ("7", 22), ("12", 23)])
async def test_lesson_screen_key_mash_soak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lesson: str, seed: int) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    counts = await run_lesson(tmp_path, Profile(bursts=20, per_burst=150, seed=seed), lesson)
    assert counts["keys"] + counts["clicks"] == 3000


def test_a_burst_plan_is_the_same_for_the_same_seed() -> None:
    profile = Profile(bursts=3, per_burst=40, seed=5)
    first, again = plan(main_keys(), profile), plan(main_keys(), profile)
    assert first == again and first != plan(main_keys(), Profile(bursts=3, per_burst=40, seed=6))
    assert sum(len(step) - 1 if step[0] == "keys" else 1 for burst in first for step in burst["steps"]) == 120
    assert burst_text(first[0]).startswith(f"resize {first[0]['size'][0]}×")


REPLAY = os.environ.get("TAPEVIZ_SOAK_REPLAY")


@pytest.mark.skipif(not REPLAY, reason="set TAPEVIZ_SOAK_REPLAY to a file a failing soak wrote")
async def test_replay_soak_bursts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Play a failed soak again, burst for burst, key group for key group."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    recorded = json.loads(Path(str(REPLAY)).read_text())
    bursts = recorded.pop("bursts")
    run = soak_lesson if recorded["screen"] == "lesson" else soak_main
    await run(tmp_path, recorded, bursts)
