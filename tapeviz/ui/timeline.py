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
from .conceal import NO_SECRET
from .palette import Colours
from .session import Frame


class Timeline(ScrollView, can_focus=False):
    """Every recorded event; the row at the cursor is highlighted."""

    class EventClicked(Message):
        """A row was clicked; ``index`` is its event."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, trace: Trace, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.trace = trace
        self.cursor = 0
        self.length = 0
        self.colours = Colours.default()
        # List references taken under the session's trace lock; rows below ``length`` never change.
        self._events: Sequence[Event] = []
        self._phases: Sequence[str] = []
        self._iterations: Sequence[int] = []
        self._texts: dict[int, str] = {}
        self.conceal = NO_SECRET

    def on_resize(self) -> None:
        self.virtual_size = Size(max(self.size.width, 60), self.length)

    def show(self, frame: Frame, colours: Colours) -> None:
        """Move the highlight to ``frame``'s event; re-read the rows when the trace grew."""
        if frame.trace is not self.trace:  # another recording (a lesson's what-if)
            self.trace, self.length = frame.trace, -1
            self._texts.clear()
        if frame.length != self.length or colours is not self.colours or frame.conceal is not self.conceal:
            self.conceal = frame.conceal
            self._events, self._phases, self._iterations = frame.events, frame.phases, frame.iterations_of
            self.length, self.colours = frame.length, colours
            self.virtual_size = Size(max(self.size.width, 60), self.length)
            self.refresh()
        old, self.cursor = self.cursor, frame.index
        if self.conceal and old != frame.index:
            self.refresh()  # the rows ahead of the cursor are drawn without their numbers
        else:
            self.refresh_line(old)
            self.refresh_line(frame.index)
        # The scroll position depends on the index alone, so stepping back shows the same rows.
        height = self.scrollable_content_region.height or self.size.height
        if height:
            self.scroll_to(y=max(0, frame.index - height // 2), animate=False, immediate=True)

    def row_text(self, i: int) -> str:
        text = self._texts.get(i)
        if text is None:
            what, where, numbers = describe_event(self.trace, self._events[i])
            where = f" [{where.rsplit('/', 1)[-1]}]" if where else ""  # the layer; the inspector has the path
            text = f"{what}{where}  {numbers}"
            self._texts[i] = text
        return text

    @property
    def label_width(self) -> int:
        """Cells before a row's text: the marker, the event number and "it N phase"."""
        return 1 + len(str(self.length)) + 2 + 16

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        i = y + scroll_y
        if i >= self.length:
            return Strip.blank(width, base)
        c = self.colours
        phase = self._phases[i]
        it = self._iterations[i]
        boundary = i == 0 or phase != self._phases[i - 1] or it != self._iterations[i - 1]
        role = phase if phase in ("forward", "backward", "update") else "muted"
        on_cursor = i == self.cursor
        row_style = base + (Style(reverse=True, bold=True) if on_cursor else Style())
        marker = "▶" if on_cursor else ("┏" if boundary else "┃")
        label = f"it {it + 1:<3} {phase:<8}" if boundary or on_cursor else " " * 15
        segments = [
            Segment(f"{marker}", base + c.fg(role, bold=True)),
            Segment(f"{event_number(i):>{len(str(self.length)) + 1}} ", row_style + c.fg("muted")),
            Segment(label + " ", row_style + c.fg(role, bold=boundary)),
            # names, shapes and numbers: Shown.OTHER; while a question is open the rows ahead
            # of the cursor keep their names and lose their numbers (no look-ahead)
            Segment(self.conceal(self.row_text(i)) if i <= self.cursor else self.conceal.ahead_of_cursor(self.row_text(i)),
                    row_style),
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
