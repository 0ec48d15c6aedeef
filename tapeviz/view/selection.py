"""Which events a command works on: ``--iteration N``, ``--phase P``, ``--events A..B`` and ``--at``.

``tapeviz export`` (images, GIFs, frames) and ``tapeviz events`` choose events the same way, so
the words are defined once here. People count events and iterations from 1 (as the UI and
``tapeviz events`` show them); the result is a list of 0-based indices into ``trace.events``.
The filters combine: ``--iteration 3 --phase backward`` is the backward pass of iteration 3.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.errors import TapevizError
from ..trace import PHASES, Trace
from .events import event_index


class SelectionError(TapevizError):
    """A choice of events that names nothing in the trace (one line, for the command line)."""


@dataclass(frozen=True)
class Selection:
    """What the user asked for; None means "not asked"."""

    iteration: int | None = None  # from 1; negative counts from the end
    phase: str | None = None  # forward | backward | update
    events: tuple[int | None, int | None] | None = None  # event numbers A..B, either end open

    @property
    def empty(self) -> bool:
        return self.iteration is None and self.phase is None and self.events is None

    def describe(self) -> str:
        parts = []
        if self.iteration is not None:
            parts.append(f"iteration {self.iteration}")
        if self.phase is not None:
            parts.append(f"{self.phase} phase")
        if self.events is not None:
            a, b = self.events
            parts.append(f"events {'' if a is None else a}..{'' if b is None else b}")
        return ", ".join(parts) or "every event"


def parse_events(text: str) -> tuple[int | None, int | None]:
    """``A..B``, ``A..``, ``..B`` or ``A`` (event numbers from 1; negative counts from the end)."""
    raw = text.strip()
    first, sep, last = raw.partition("..")
    try:
        a = int(first) if first.strip() else None
        b = (int(last) if last.strip() else None) if sep else a
    except ValueError:
        raise SelectionError(f"invalid --events {text!r}: give A..B with event numbers, like 14..26 (or 14.. or ..26)") from None
    if a is None and b is None:
        raise SelectionError(f"invalid --events {text!r}: give at least one end, like 14..26")
    if 0 in (a, b):
        raise SelectionError(f"invalid --events {text!r}: events are numbered from 1")
    return a, b


def parse_phase(text: str) -> str:
    word = text.strip().lower()
    if word not in PHASES:
        raise SelectionError(f"invalid --phase {text!r}: give one of {', '.join(PHASES)}")
    return word


def select_events(trace: Trace, selection: Selection) -> list[int]:
    """The list indices ``selection`` names, in order; SelectionError when that is none at all."""
    n = len(trace)
    if n == 0:
        raise SelectionError("the trace has no events")
    indices = range(n)
    if selection.iteration is not None:
        count = trace.iteration_count
        it = selection.iteration
        chosen = it - 1 if 0 < it <= count else count + it if -count <= it < 0 else None
        if chosen is None:
            raise SelectionError(f"iteration {it} is out of range: the trace has {count} iteration(s), numbered 1..{count}")
        indices = trace.iteration_range(chosen)
    if selection.events is not None:
        a, b = selection.events
        lo = 0 if a is None else event_index(a, n)
        hi = n - 1 if b is None else event_index(b, n)
        for number, index in ((a, lo), (b, hi)):
            if index is None:
                raise SelectionError(f"event {number} is out of range: the trace has {n} events, numbered 1..{n}")
        assert lo is not None and hi is not None
        if lo > hi:
            raise SelectionError(f"--events {a}..{b} is empty: the first event comes after the last")
        indices = range(max(indices.start, lo), min(indices.stop, hi + 1))
    chosen_list = list(indices)
    if selection.phase is not None:
        phases = trace.phases
        chosen_list = [i for i in chosen_list if phases[i] == selection.phase]
    if not chosen_list:
        raise SelectionError(f"no events match {selection.describe()} (the trace has {n} events)")
    return chosen_list


__all__ = ["Selection", "SelectionError", "parse_events", "parse_phase", "select_events"]
