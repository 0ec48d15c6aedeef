"""The timeline: one row per event, with the cursor, phase boundaries and iteration numbers.

Virtualised with the Line API: only the rows on screen are described and drawn, so a trace of
many thousands of events scrolls and steps as fast as a short one.

Search (``/``): the rows whose words (name, op, scope, phase, as the row shows them) contain
what is typed are marked, and the cursor goes to the first at or after where the search began,
as each letter is typed; Enter keeps the search, ``n``/``N`` (F3/Shift+F3 anywhere, and in a
lesson, whose screen uses ``n`` for its next step) go to the next/previous match, Esc clears.
A number alone (``/42``) goes to that event: the palette's "go to event…" opens the same prompt.
Matching reads rows lazily from the cursor on, so a search in a long trace costs what it scans.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.actions import SkipAction
from textual.binding import Binding
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

COUNT_LIMIT = 20_000
"""Rows scanned at most to count the matches ("3 of 12"); longer traces say "3 of many"."""


class Timeline(ScrollView, can_focus=False):
    """Every recorded event; the row at the cursor is highlighted.

    | Key | Does |
    |---|---|
    | ``/`` | search the rows (typed letters narrow it; Enter keeps it; Esc clears) |
    | ``n`` / ``N`` | next / previous match (while a search is kept; a screen that uses ``n`` keeps it) |
    | ``F3`` / ``Shift+F3`` | next / previous match, on every screen |
    | ``Esc`` | clear the search |
    """

    BINDINGS = [
        Binding("slash", "search", "search", key_display="/"),
        Binding("n", "next_match('n')", "next match", show=False),
        Binding("N", "prev_match('N')", "previous match", show=False),
        Binding("f3", "next_match", "next match", show=False),
        Binding("shift+f3", "prev_match", "previous match", show=False),
        Binding("escape", "clear_search", "clear the search", show=False),
    ]

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
        self.query = ""  # the search, lower case ("" none)
        self.typing = False  # the prompt takes the keys
        self._origin = 0  # where the search began: each letter searches again from here
        self._matches: dict[int, bool] = {}

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
            self._matches.clear()
            self.virtual_size = Size(max(self.size.width, 60), self.length)
            self.refresh()
        old, self.cursor = self.cursor, frame.index
        self.refresh_line(old)
        self.refresh_line(frame.index)
        if self.query or self.typing:
            self._say()  # "3 of 12" follows the cursor
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
        found = bool(self.query) and self.matches(i)
        row_style = base + (Style(reverse=True, bold=True) if on_cursor else Style())
        marker = "▶" if on_cursor else ("●" if found else "┏" if boundary else "┃")
        label = f"it {it + 1:<3} {phase:<8}" if boundary or on_cursor else " " * 15
        segments = [
            Segment(f"{marker}", base + c.fg(role, bold=True)),
            Segment(f"{event_number(i):>{len(str(self.length)) + 1}} ", row_style + c.fg("muted")),
            Segment(label + " ", row_style + c.fg(role, bold=boundary)),
            *self._text_segments(i, row_style),
        ]
        strip = Strip(segments).crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width, row_style if on_cursor else base)

    def _text_segments(self, i: int, row_style: Style) -> list[Segment]:
        """The row's words (names, shapes and numbers: Shown.OTHER), the search's hits marked."""
        text = self.conceal(self.row_text(i))
        if not self.query or self._number_query() is not None:
            return [Segment(text, row_style)]
        mark = row_style + self.colours.on("current") + Style(underline=True)
        out, at, low, q = [], 0, text.lower(), self.query
        while (hit := low.find(q, at)) >= 0:
            out += [Segment(text[at:hit], row_style), Segment(text[hit:hit + len(q)], mark)]
            at = hit + len(q)
        out.append(Segment(text[at:], row_style))
        return out

    # ---- search ---------------------------------------------------------------------------
    def haystack(self, i: int) -> str:
        """What a search looks in: the row as shown (names, op, layer, numbers), the full scope, the phase."""
        event = self._events[i]
        scope = getattr(event, "scope", "") or getattr(event, "name", "")
        return f"{self.conceal(self.row_text(i))} {scope} {self._phases[i]}".lower()

    def matches(self, i: int) -> bool:
        found = self._matches.get(i)
        if found is None:
            number = self._number_query()
            found = self._matches[i] = (i == number) if number is not None else self.query in self.haystack(i)
        return found

    def _number_query(self) -> int | None:
        """The event index a query of digits names (``42``: event 42), else None."""
        q = self.query.strip().lstrip("#")
        if q.isdigit():
            index = int(q) - 1
            return index if 0 <= index < self.length else -1
        return None

    def find(self, start: int, step: int) -> int | None:
        """The first match from ``start`` (included) going ``step`` (±1), wrapping round once."""
        n = self.length
        if not self.query or n <= 0:
            return None
        for k in range(n):
            i = (start + step * k) % n
            if self.matches(i):
                return i
        return None

    def count(self) -> tuple[int, int] | None:
        """(the cursor's place among the matches, how many) when the trace is short enough to count."""
        if self.length > COUNT_LIMIT:
            return None
        hits = [i for i in range(self.length) if self.matches(i)]
        before = sum(1 for i in hits if i <= self.cursor)
        return before, len(hits)

    def start_search(self, query: str = "") -> None:
        """Open the prompt (the palette's "go to event…" and ``/``)."""
        self.typing = True
        self._origin = self.cursor
        self._set_query(query)
        self.focus()

    def _set_query(self, query: str) -> None:
        self.query = query.lower()
        self._matches.clear()
        if self.query:
            found = self.find(self._origin, 1)
            # no match (yet): back where the search began, as an editor's incremental search does
            target = found if found is not None else self._origin
            if target != self.cursor:
                self.post_message(self.EventClicked(target))
        self.refresh()
        self._say()

    def _say(self) -> None:
        """The prompt and the count, in the bottom border."""
        if not self.query and not self.typing:
            self.border_subtitle = ""
            return
        prompt = f"/{self.query}" + ("▏" if self.typing else "")
        if not self.query:
            self.border_subtitle = f"{prompt}  type a name, op, scope, phase or event number · Esc closes"
            return
        number = self._number_query()
        if number is not None:
            said = f"event {self.query.lstrip('#')}" if number >= 0 else f"no event {self.query} (1..{self.length})"
        elif (counted := self.count()) is not None:
            said = f"{counted[0]} of {counted[1]}" if counted[1] else "no match"
        else:
            said = "match" if self.find(self.cursor, 1) is not None else "no match"
        keys = "Enter keeps · Esc clears" if self.typing else "n/N or F3 next/prev · Esc clears"
        self.border_subtitle = f"{prompt}  {said} · {keys}"

    def _go(self, step: int) -> None:
        found = self.find(self.cursor + step, step)
        if found is None:
            self.app.bell()
            return
        self.post_message(self.EventClicked(found))

    def action_search(self) -> None:
        """Search the rows (``/``)."""
        self.start_search()

    def _screen_binds(self, key: str) -> bool:
        """The screen binds ``key`` itself (a lesson's ``n``, next step): it keeps the key."""
        for binding in getattr(self.screen, "BINDINGS", ()):
            keys = binding.key if isinstance(binding, Binding) else binding[0]
            if key in (k.strip() for k in keys.split(",")):
                return True
        return False

    def action_next_match(self, key: str = "") -> None:
        """Go to the next row that matches the search."""
        if not self.query or (key and self._screen_binds(key)):
            raise SkipAction()  # n without a search: the app's own n (next node); a lesson's next step
        self._go(1)

    def action_prev_match(self, key: str = "") -> None:
        """Go to the previous row that matches the search."""
        if not self.query or (key and self._screen_binds(key)):
            raise SkipAction()
        self._go(-1)

    def action_clear_search(self) -> None:
        """Forget the search (Esc); without one, Esc means what the screen makes it mean."""
        if not self.query and not self.typing:
            raise SkipAction()
        self.typing = False
        self._set_query("")

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """While the prompt is open, every letter (``l`` and ``h`` too, which step elsewhere) is typed."""
        if not self.typing:
            return False
        return key in ("enter", "backspace", "escape") or bool(character and character.isprintable())

    def on_key(self, event: events.Key) -> None:
        """While the prompt is open, letters go into it; Enter keeps the search; Esc clears it."""
        if not self.typing:
            return
        if event.key == "escape":
            self.typing = False
            self._set_query("")
        elif event.key == "enter":
            self.typing = False
            self._say()
        elif event.key == "backspace":
            self._origin = self.cursor if not self.query[:-1] else self._origin
            self._set_query(self.query[:-1])
        elif event.is_printable and event.character:
            self._set_query(self.query + event.character)
        else:
            return  # arrows and the app's priority keys work as ever
        event.stop()
        event.prevent_default()

    def on_blur(self) -> None:
        if self.typing:  # the prompt closes when the focus leaves; what was typed stays
            self.typing = False
            self._say()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y + int(self.scroll_offset.y)
        if 0 <= index < self.length:
            event.stop()
            self.post_message(self.EventClicked(index))
