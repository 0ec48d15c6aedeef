"""Where a picture is taken: the event a user names (``--at``, ``at=``) as a list index.

People number events from 1, as the UI and ``tapeviz events`` show them; ``trace.events[i]``
and everything that takes an ``index`` count from 0. This is the one place that converts.
"""

from __future__ import annotations

import numpy as np

from ..engine.events import VariableAssigned
from ..trace import Trace
from ..view import event_index
from .errors import RenderError

AT_WORDS: tuple[str, ...] = ("forward", "backward", "update", "end")


def resolve_at(trace: Trace, at: int | str | None) -> int:
    """The list index of the event ``at`` names.

    ``at`` is an event number as people see it (1 is the first event; negative counts from the
    end, -1 the last), the same as a digit string, or ``forward`` (the last event of the first
    forward pass), ``backward`` (the middle event of the first backward pass), ``update`` (the
    last parameter assignment of the first update: every parameter updated) or ``end`` / None
    (the last event of the trace).
    """
    n = len(trace)
    if n == 0:
        raise RenderError("the trace has no events to draw")
    if at is None or at == "end":
        return n - 1
    if isinstance(at, str):
        word = at.strip().lower()
        if word.lstrip("-").isdigit():
            return resolve_at(trace, int(word))
        if word in ("forward", "backward", "update"):
            return _phase_event(trace, word)
        raise RenderError(f"cannot place the cursor at {at!r}: give an event number 1..{n} or one of {', '.join(AT_WORDS)}")
    if isinstance(at, (bool, float)) or not isinstance(at, (int, np.integer)):
        raise RenderError(f"cannot place the cursor at {at!r}: give an event number 1..{n} or one of {', '.join(AT_WORDS)}")
    index = event_index(int(at), n)
    if index is None:
        raise RenderError(f"event {at} is out of range: the trace has {n} events, numbered 1..{n}")
    return index


def _phase_event(trace: Trace, word: str) -> int:
    first, last = trace.first_of(word, 0), trace.last_of(word, 0)
    if first is None or last is None:
        raise RenderError(f"the trace has no {word} phase in its first iteration (events 1..{len(trace)})")
    if word == "update":  # the last parameter assignment (an optimizer's own counter comes after)
        events = trace.events
        last = max(
            (i for i in range(first, last + 1) if isinstance(events[i], VariableAssigned) and events[i].trainable),
            default=last,
        )
    return (first + last) // 2 if word == "backward" else last


def check_index(trace: Trace, index: int) -> int:
    """``index`` itself when it is a list index of the trace's events; RenderError otherwise."""
    n = len(trace)
    if isinstance(index, (bool, float)) or not isinstance(index, (int, np.integer)) or not 0 <= index < n:
        raise RenderError(f"event index {index!r} is out of range: the trace has {n} events (indices 0..{n - 1})")
    return int(index)


__all__ = ["AT_WORDS", "check_index", "resolve_at"]
