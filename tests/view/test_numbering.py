"""One event numbering for people (from 1); ``trace.events[i]`` stays a 0-based list index."""

from __future__ import annotations

from io import StringIO

import pytest
from rich.console import Console

from tapeviz.cli.report import print_events
from tapeviz.examples import EXAMPLES
from tapeviz.render import RenderError, dot_source, resolve_at
from tapeviz.view import build_scene, event_index, event_number


def test_event_number_and_index_are_inverse() -> None:
    n = 7
    for i in range(n):
        assert event_index(event_number(i), n) == i
        assert event_index(-(n - i), n) == i  # negative numbers count from the end
    assert event_index(0, n) is None and event_index(n + 1, n) is None and event_index(-n - 1, n) is None


def test_every_place_a_person_reads_says_the_same_number() -> None:
    trace = EXAMPLES["square"].build()
    n = len(trace)
    for index in range(n):
        number = event_number(index)
        assert resolve_at(trace, number) == resolve_at(trace, str(number)) == index
        assert f"event {number} of {n}" in build_scene(trace, index).title["headline"]
        assert f"event {number} of {n}" in dot_source(trace, number)
    with pytest.raises(RenderError, match="numbered 1"):
        dot_source(trace, 0)


def test_events_table_counts_from_one() -> None:
    trace = EXAMPLES["square"].build()
    out = StringIO()
    print_events(trace, console=Console(file=out, width=200))
    rows = [line for line in out.getvalue().splitlines() if line.startswith("│")]
    numbers = [row.split("│")[1].strip() for row in rows]
    assert numbers == [str(k) for k in range(1, len(trace) + 1)]


def test_frames_take_list_indices_and_say_so_when_one_is_wrong() -> None:
    from tapeviz.render.frames import plan_frames

    trace = EXAMPLES["square"].build()
    with pytest.raises(RenderError, match=r"event index 4 is out of range: .* \(indices 0\.\.3\)"):
        plan_frames(trace, [0, len(trace)])
