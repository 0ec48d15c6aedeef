"""A timeline cursor over a trace's events: a plain model with no Textual import.

Like a browser history (a list plus a position), the cursor only moves over events that were
already recorded; stepping back never re-runs anything. It caches the trace's length and phase
boundaries, and only re-reads them when told the trace grew (``sync``), so a training worker
appending events cannot change what the cursor sees half-way through a key press.
"""

from __future__ import annotations

import bisect
from typing import Protocol


class TraceLike(Protocol):
    def __len__(self) -> int: ...

    def phase_boundaries(self) -> list[int]: ...


class TimelineCursor:
    """An index into ``0 .. length-1`` with the moves the UI offers."""

    def __init__(self, trace: TraceLike, index: int = 0) -> None:
        self._trace = trace
        self.length = 0
        self.boundaries: list[int] = []
        self.index = 0
        self.sync()
        self.move_to(index)

    def sync(self) -> None:
        """Re-read the trace's length and phase boundaries (after it grew)."""
        self.length = len(self._trace)
        self.boundaries = list(self._trace.phase_boundaries()) if self.length else []
        if self.length:
            self.index = min(self.index, self.length - 1)

    @property
    def at_start(self) -> bool:
        return self.index == 0

    @property
    def at_end(self) -> bool:
        return self.index >= self.length - 1

    def move_to(self, index: int) -> bool:
        """Move to ``index`` (clamped to the recorded events); True if the cursor moved."""
        if not self.length:
            return False
        new = max(0, min(int(index), self.length - 1))
        moved = new != self.index
        self.index = new
        return moved

    def step(self, delta: int) -> bool:
        return self.move_to(self.index + delta)

    def first(self) -> bool:
        return self.move_to(0)

    def last(self) -> bool:
        return self.move_to(self.length - 1)

    def next_boundary(self) -> bool:
        """Jump to the first event of the next phase (or the last event if none is left)."""
        pos = bisect.bisect_right(self.boundaries, self.index)
        target = self.boundaries[pos] if pos < len(self.boundaries) else self.length - 1
        return self.move_to(target)

    def prev_boundary(self) -> bool:
        """Jump to the start of this phase, or of the previous one when already at a start."""
        pos = bisect.bisect_left(self.boundaries, self.index)
        target = self.boundaries[pos - 1] if pos > 0 else 0
        return self.move_to(target)
