"""The main screen: status line, graph pane, inspector, source pane, messages, timeline, loss, footer.

A screen that shows the main widgets (this one, the lesson screen) watches the app's ``frame``
reactive and draws each new frame into them with :func:`show_frame`: the app never reaches into
a screen's widgets, and a screen under the help or the command palette stays up to date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..trace import Trace
from .graph_pane import GraphPane
from .inspector import Inspector
from .keys import PAN_BINDINGS
from .loss_curve import LossCurve
from .messages_pane import MessagesPane
from .palette import Colours
from .source_pane import SOURCE_MIN_WIDTH, SourcePane
from .status_line import StatusLine
from .timeline import Timeline

if TYPE_CHECKING:
    from .session import Frame

BORDER_TITLES = {"#graph": "graph", "#inspector": "inspector", "#timeline": "timeline", "#loss": "loss",
                 "#source": "source (o)", "#messages": "messages (m)"}


def compose_main_widgets(trace: Trace, panels: bool = False) -> ComposeResult:
    """The reusable widgets, in order; a lesson screen can yield these inside its own layout.

    ``panels``: also the source pane and the messages panel (the main screen's; hidden until
    shown). Tab moves the focus in this order: graph, inspector, source, messages, timeline.
    """
    yield StatusLine("", id="status")
    yield Static("", id="notice")
    with Horizontal(id="body"):
        graph = GraphPane(id="graph")
        graph.can_focus = True  # Tab reaches every pane; the focused one scrolls with ↑↓ PageUp/PageDown
        yield graph
        yield Inspector(id="inspector")
        if panels:
            yield SourcePane(id="source")
    if panels:
        with VerticalScroll(id="messages"):
            yield MessagesPane(id="messages-body")
    with Horizontal(id="bottom"):
        timeline = Timeline(trace, id="timeline")
        timeline.can_focus = True
        yield timeline
        yield LossCurve("", id="loss")


def show_frame(root: DOMNode, frame: Frame | None, colours: Colours) -> None:
    """Draw ``frame`` into the main widgets under ``root`` (None: nothing to draw yet)."""
    if frame is None:
        return
    root.query_one(GraphPane).show(frame, colours)
    root.query_one(Inspector).show(frame, colours)
    root.query_one(Timeline).show(frame, colours)
    root.query_one(StatusLine).show(frame, colours)
    root.query_one(LossCurve).show(frame, colours)
    for source in root.query(SourcePane):
        if source.display:  # a hidden pane catches up when it is shown
            source.show(frame, colours)
    notice = root.query_one("#notice", Static)
    if notice.has_class("-shown") != bool(frame.notice) or (frame.notice and notice.content != frame.notice):
        notice.update(frame.notice)  # only on change: no layout pass per step
        notice.set_class(bool(frame.notice), "-shown")


def watch_frames(screen: Screen) -> None:
    """Keep ``screen``'s main widgets drawing the app's current frame (call from on_mount)."""
    for selector, title in BORDER_TITLES.items():
        for widget in screen.query(selector):
            widget.border_title = title
    app = screen.app
    _mark_failure(screen, app.trace)  # type: ignore[attr-defined]
    screen.watch(app, "frame", lambda frame: show_frame(screen, frame, app.colours))  # type: ignore[attr-defined]


def _mark_failure(screen: Screen, trace: Trace) -> None:
    """Post-mortem: the op the program failed at, under the graph (what it would have drawn next)."""
    from ..view.failure import failure_mark

    said = failure_mark(trace)
    if said:
        for graph in screen.query("#graph"):
            graph.border_subtitle = Content(said)  # the learner's error text, literally


class TraceScreen(Screen[None]):
    """A screen that shows the main widgets (the main screen, a lesson): it owns the graph pane's
    keys, so they work whichever pane has the focus."""

    BINDINGS = PAN_BINDINGS

    def action_pan(self, dx: int, dy: int) -> None:
        """Scroll the graph a quarter pane (the next step scrolls back to its event)."""
        for pane in self.query(GraphPane):
            pane.pan(dx, dy)

    def action_search_timeline(self) -> None:
        """Search the timeline's rows by name, op, scope or phase (``/``; see timeline.py)."""
        for timeline in self.query(Timeline):
            timeline.start_search()
            return

    def action_go_to_event(self) -> None:
        """The palette's "go to event…": the same prompt, which takes an event number."""
        self.action_search_timeline()

    def action_toggle_graph_max(self) -> None:
        """``f``: the graph pane alone on the screen (the fit view redraws for its new size), or back."""
        self.toggle_class("-graph-max")

    # ``o`` and ``m``: the source pane and the messages panel, on every screen that composes
    # them (``compose_main_widgets(panels=True)``: the main screen and a lesson)
    @property
    def source_shown(self) -> bool:
        return bool(self.query(SourcePane)) and self.query_one(SourcePane).display

    def _show_source(self, shown: bool) -> None:
        pane = self.query_one(SourcePane)
        if pane.display == shown:
            return
        pane.display = shown
        self.set_class(shown, "-source")
        if shown:
            show_frame_part(pane, self.app)

    def action_toggle_source(self) -> None:
        self.toggle_source()

    def action_toggle_messages(self) -> None:
        self.toggle_messages()

    def toggle_source(self) -> bool:
        """``o``: show or hide the source pane; returns whether it is shown now."""
        if not self.query(SourcePane):
            return False
        shown = not self.source_shown
        self.app.session.source_shown = shown  # type: ignore[attr-defined]
        self._show_source(shown)
        return shown

    def toggle_messages(self) -> bool:
        """``m``: show or hide the messages panel (it takes the focus while shown)."""
        if not self.query("#messages"):
            return False
        panel = self.query_one("#messages", VerticalScroll)
        panel.display = not panel.display
        if panel.display:
            app = self.app
            self.query_one(MessagesPane).show(app.trace, app.colours, app.session.concealer)  # type: ignore[attr-defined]
            panel.focus()
        elif self.focused is None or self.focused is panel:
            self.query_one(Inspector).focus()
        return panel.display


class MainScreen(TraceScreen):
    """The screen a bare ``tapeviz`` opens.

    The source pane shows by default on terminals at least ``SOURCE_MIN_WIDTH`` columns wide;
    ``o`` shows or hides it (the learner's choice then holds at every size), ``m`` the messages.
    """

    AUTO_FOCUS = "#inspector"

    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    def __init__(self, trace: Trace) -> None:
        super().__init__(id="main")
        self.trace = trace

    def compose(self) -> ComposeResult:
        yield from compose_main_widgets(self.trace, panels=True)
        yield Footer()

    def on_mount(self) -> None:
        watch_frames(self)
        self.query_one(MessagesPane).show(self.trace, self.app.colours)  # type: ignore[attr-defined]
        session = self.app.session  # type: ignore[attr-defined]
        if "failure" in self.trace.meta and session.source_shown is None:
            session.source_shown = True  # post-mortem: the failing line shows at once
        self._place_source()

    def on_resize(self) -> None:
        self._place_source()

    def _place_source(self) -> None:
        """Show the source pane as the learner chose, else when the terminal is wide enough."""
        if self.has_class("-graph-max"):
            return
        chosen = self.app.session.source_shown  # type: ignore[attr-defined]
        shown = chosen if chosen is not None else self.app.size.width >= SOURCE_MIN_WIDTH
        self._show_source(shown)

    def action_toggle_graph_max(self) -> None:
        super().action_toggle_graph_max()
        if self.has_class("-graph-max"):
            self.query_one(SourcePane).display = False  # shown by code, so hidden by code too
            self.set_class(False, "-source")
        else:
            self._place_source()


def show_frame_part(pane: SourcePane, app: object) -> None:
    """Draw the app's current frame into one pane that was just shown."""
    frame = getattr(app, "frame", None)
    if frame is not None:
        pane.show(frame, app.colours)  # type: ignore[attr-defined]
