"""The main screen: status line, graph pane, inspector, timeline, loss curve and footer.

A screen that shows the main widgets (this one, the lesson screen) watches the app's ``frame``
reactive and draws each new frame into them with :func:`show_frame`: the app never reaches into
a screen's widgets, and a screen under the help or the command palette stays up to date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..trace import Trace
from .graph_pane import GraphPane
from .inspector import Inspector
from .loss_curve import LossCurve
from .palette import Colours
from .status_line import StatusLine
from .timeline import Timeline

if TYPE_CHECKING:
    from .session import Frame

BORDER_TITLES = {"#graph": "graph", "#inspector": "inspector", "#timeline": "timeline", "#loss": "loss"}


def compose_main_widgets(trace: Trace) -> ComposeResult:
    """The reusable widgets, in order; a lesson screen can yield these inside its own layout."""
    yield StatusLine("", id="status")
    yield Static("", id="notice")
    with Horizontal(id="body"):
        yield GraphPane(id="graph")
        yield Inspector(id="inspector")
    with Horizontal(id="bottom"):
        yield Timeline(trace, id="timeline")
        yield LossCurve("", id="loss")


def show_frame(root: DOMNode, frame: Frame | None, colours: Colours) -> None:
    """Draw ``frame`` into the main widgets under ``root`` (None: nothing to draw yet)."""
    if frame is None:
        return
    root.query_one(GraphPane).show(frame, colours)
    root.query_one(Inspector).show(frame, colours)
    root.query_one(Timeline).show(frame, colours)
    root.query_one(StatusLine).show(frame, colours)
    root.query_one(LossCurve).show(frame.losses, frame.snap.iteration, colours, frame.conceal)
    notice = root.query_one("#notice", Static)
    if notice.has_class("-shown") != bool(frame.notice) or (frame.notice and notice.content != frame.notice):
        notice.update(frame.notice)  # only on change: no layout pass per step
        notice.set_class(bool(frame.notice), "-shown")


def watch_frames(screen: Screen) -> None:
    """Keep ``screen``'s main widgets drawing the app's current frame (call from on_mount)."""
    for selector, title in BORDER_TITLES.items():
        screen.query_one(selector).border_title = title
    app = screen.app
    screen.watch(app, "frame", lambda frame: show_frame(screen, frame, app.colours))  # type: ignore[attr-defined]


class MainScreen(Screen[None]):
    """The screen a bare ``tapeviz`` opens."""

    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    def __init__(self, trace: Trace) -> None:
        super().__init__(id="main")
        self.trace = trace

    def compose(self) -> ComposeResult:
        yield from compose_main_widgets(self.trace)
        yield Footer()

    def on_mount(self) -> None:
        watch_frames(self)
