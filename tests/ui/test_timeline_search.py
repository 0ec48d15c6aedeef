"""Search in the timeline (``/``, ``n``/``N``, F3, Esc) and the palette's "go to event…",
driven as a learner would; in a lesson, ``n`` stays the lesson's next step."""

from __future__ import annotations

from pathlib import Path

from tapeviz.lessons.progress import ProgressStore
from tapeviz.ui.lesson_screen import LessonScreen, lesson_app
from tapeviz.ui.timeline import Timeline
from tests.support.ui_helpers import make_app, settle
from tests.ui.test_lesson_screen import lesson_one

SIZE = (120, 40)


def matching(app, word: str) -> list[int]:  # noqa: ANN001
    """Indices of the rows whose words contain ``word``, from the trace itself (not the widget)."""
    from tapeviz.view import describe_event

    trace = app.trace
    out = []
    for i, event in enumerate(trace.events):
        what, where, numbers = describe_event(trace, event)
        scope = getattr(event, "scope", "") or getattr(event, "name", "")
        if word in f"{what} [{where.rsplit('/', 1)[-1]}]  {numbers} {scope} {trace.phase(i)}".lower():
            out.append(i)
    return out


async def test_search_moves_incrementally_and_n_N_walk_the_matches(tmp_path: Path) -> None:
    app = make_app("two-layer", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        await pilot.press("slash")
        assert timeline.typing and app.focused is timeline
        hits = matching(app, "relu")
        assert hits, "two-layer has a relu"
        for key in "rel":  # each letter searches again: "l" is typed, not "next event"
            await pilot.press(key)
        await pilot.pause()
        assert timeline.query == "rel" and app.index == matching(app, "rel")[0]
        await pilot.press("u", "enter")
        await pilot.pause()
        assert app.index == hits[0] and not timeline.typing and timeline.query == "relu"
        assert f"1 of {len(hits)}" in str(timeline.border_subtitle)
        await pilot.press("n")
        await pilot.pause()
        assert app.index == (hits[1] if len(hits) > 1 else hits[0])
        await pilot.press("N")
        await pilot.pause()
        assert app.index == hits[0]
        await pilot.press("f3")
        await pilot.pause()
        assert app.index == (hits[1] if len(hits) > 1 else hits[0])
        await pilot.press("escape")
        await pilot.pause()
        assert timeline.query == "" and not timeline.border_subtitle
        index = app.index
        await pilot.press("n")  # without a search, n is the app's "next node" again: no jump
        await pilot.pause()
        assert app.index == index


async def test_search_by_phase_scope_and_name_marks_the_rows(tmp_path: Path) -> None:
    app = make_app("two-layer", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        update = [i for i in range(len(app.trace)) if app.trace.phase(i) == "update"]
        await pilot.press("slash", *"update", "enter")
        await pilot.pause()
        assert app.index == update[0]
        assert all(timeline.matches(i) for i in update)
        line = "".join(seg.text for seg in timeline.render_line(app.index - int(timeline.scroll_offset.y)))
        assert line.lstrip().startswith("▶")
        await pilot.press("escape", "slash", *"layer2/b", "enter")
        await pilot.pause()
        assert "layer2/b" in timeline.haystack(app.index)
        await pilot.press("escape", "slash", *"nothing-like-this")
        await pilot.pause()
        assert "no match" in str(timeline.border_subtitle)


async def test_go_to_event_from_the_palette(tmp_path: Path) -> None:
    app = make_app("two-layer", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = {c.title for c in app.get_system_commands(app.screen)}
        assert "Go to event…" in commands and "Search the timeline" in commands
        go_to = next(c for c in app.get_system_commands(app.screen) if c.title == "Go to event…")
        await go_to.callback()  # what the palette runs
        await pilot.pause()
        await pilot.press("2", "0", "enter")
        await pilot.pause()
        assert app.index == 19  # event 20, as the timeline numbers it
        await pilot.press("escape", "slash", "9", "9", "9")
        await pilot.pause()
        assert app.index == 19 and "no event 999" in str(app.screen.query_one(Timeline).border_subtitle)


async def test_in_a_lesson_n_stays_next_step_and_f3_finds(tmp_path: Path) -> None:
    app = lesson_app(lesson_one(), ProgressStore())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        timeline = screen.query_one(Timeline)
        await pilot.press("slash", *"backward", "enter")
        await pilot.pause()
        assert timeline.query == "backward" and not timeline.typing
        assert len(matching(app, "backward")) >= 2
        step = screen.step_index
        index = app.index
        await pilot.press("f3")
        await pilot.pause()
        assert app.index != index and timeline.matches(app.index) and screen.step_index == step
        await pilot.press("n")
        await pilot.pause()
        assert screen.step_index == step + 1  # the lesson's next step, not the next match
