"""The timeline: one row per event, with the cursor, phase boundaries and iteration numbers.

Virtualised with the Line API: only the rows on screen are described and drawn, so a trace of
many thousands of events scrolls and steps as fast as a short one.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..engine.events import Event
from ..trace import Trace
from ..view import describe_event, event_number
from . import palette as P


class Timeline(ScrollView, can_focus=False):
    """Every recorded event; the row at the cursor is highlighted."""

    class EventClicked(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, trace: Trace, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.trace = trace
        self.cursor = 0
        self.length = 0
        # List references taken under the app's trace lock; rows below ``length`` never change.
        self._events: Sequence[Event] = []
        self._phases: Sequence[str] = []
        self._iterations: Sequence[int] = []
        self._texts: dict[int, str] = {}

    def on_mount(self) -> None:
        self.sync()

    def on_resize(self) -> None:
        self.virtual_size = Size(max(self.size.width, 60), self.length)

    def sync(self) -> None:
        """Re-read the trace (call with the trace lock held, after it grew)."""
        self._events = self.trace.events
        self._phases = self.trace.phases
        self._iterations = self.trace.iterations
        self.length = len(self._events)
        self.virtual_size = Size(max(self.size.width, 60), self.length)
        self.refresh()

    def set_cursor(self, index: int) -> None:
        old, self.cursor = self.cursor, index
        self.refresh_line(old)
        self.refresh_line(index)
        # The scroll position depends on the index alone, so stepping back shows the same rows.
        height = self.scrollable_content_region.height or self.size.height
        if height:
            self.scroll_to(y=max(0, index - height // 2), animate=False, immediate=True)

    def row_text(self, i: int) -> str:
        text = self._texts.get(i)
        if text is None:
            what, where, numbers = describe_event(self.trace, self._events[i])
            where = f" [{where}]" if where else ""
            text = f"{what}{where}  {numbers}"
            self._texts[i] = text
        return text

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        i = y + scroll_y
        if i >= self.length:
            return Strip.blank(width, base)
        phase = self._phases[i]
        it = self._iterations[i]
        boundary = i == 0 or phase != self._phases[i - 1] or it != self._iterations[i - 1]
        colour = P.PHASE_COLOURS.get(phase, P.COLOURS["muted"])
        on_cursor = i == self.cursor
        row_style = base + (Style(reverse=True, bold=True) if on_cursor else Style())
        marker = "▶" if on_cursor else ("┏" if boundary else "┃")
        label = f"it {it + 1:<3} {phase:<8}" if boundary or on_cursor else " " * 15
        segments = [
            Segment(f"{marker}", base + Style(color=colour, bold=True)),
            Segment(f"{event_number(i):>6} ", row_style + P.fg("muted")),
            Segment(label + " ", row_style + Style(color=colour, bold=boundary)),
            Segment(self.row_text(i), row_style),
        ]
        strip = Strip(segments).crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width, row_style if on_cursor else base)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y + int(self.scroll_offset.y)
        if 0 <= index < self.length:
            event.stop()
            self.post_message(self.EventClicked(index))
