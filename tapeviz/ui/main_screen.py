"""The main screen: status line, graph pane, inspector, timeline, loss curve and footer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..trace import Trace
from .graph_pane import GraphPane
from .inspector import Inspector
from .loss_curve import LossCurve
from .status_line import StatusLine
from .timeline import Timeline


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
        self.query_one("#graph").border_title = "graph"
        self.query_one("#inspector").border_title = "inspector"
        self.query_one("#timeline").border_title = "timeline"
        self.query_one("#loss").border_title = "loss"
        refresh = getattr(self.app, "refresh_view", None)
        if refresh is not None:
            self.call_after_refresh(refresh)
