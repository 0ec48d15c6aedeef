"""The help screen: every key, and what the colours in the graph mean (in the theme's colours)."""

from __future__ import annotations

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .palette import Colours

KEYS: list[tuple[str, str]] = [
    ("→ / l", "next event"),
    ("← / h", "previous event (shows exactly what was shown before)"),
    ("Home / End", "first / last event"),
    ("] / [", "next / previous phase boundary (forward, backward, update)"),
    ("space", "play / pause: step automatically"),
    ("+ / -", "play faster / slower"),
    ("t", "train one more iteration (forward, backward, SGD update) and append it"),
    ("g", "graph boxes show values or gradients (by itself: gradients in the backward pass, until you press g)"),
    ("c", "collapse / expand the scope (layer, loss) of the selected node"),
    ("z", "fit view (the whole graph, as small as the pane needs) / detail view (full boxes)"),
    ("Shift+arrows", "pan the graph (the next step scrolls back to its event)"),
    ("n / N", "select the next / previous node (a mouse click selects too)"),
    ("Tab / Shift+Tab", "move the keyboard focus: graph → inspector → source → messages → timeline"),
    ("↑ ↓ PgUp PgDn", "scroll the focused pane (the inspector has the focus first)"),
    ("v", "the selected tensor's full matrix (value and gradient), scrollable"),
    ("o", "show / hide the program's source with the event's line highlighted"),
    ("m", "messages: the program's warnings, printed output, NaN/inf findings"),
    ("e", "export the current view as a PNG image"),
    ("s", "save the trace to a file (open it again with tapeviz open FILE)"),
    ("ctrl+p", "command palette: every action by name"),
    ("?", "this help"),
    ("q", "quit"),
]

LEGEND: list[tuple[str, str]] = [
    ("current", "the node(s) the event at the cursor is about"),
    ("parameter", "a trainable variable (a weight)"),
    ("constant", "an input or constant"),
    ("loss", "the loss, the target of tape.gradient()"),
    ("grad", "a gradient has reached this node / flows along this edge"),
    ("update", "the optimizer changed this weight (Δ = largest change)"),
    ("pending", "not computed yet at this point of the timeline"),
    ("selected", "border: the node shown in the inspector"),
]


def help_renderable(colours: Colours, extra_keys: list[tuple[str, str]] | None = None) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style=colours.fg("grad", bold=True), no_wrap=True)
    table.add_column()
    table.add_row(Text("Keys", style=Style(bold=True, underline=True)), "")
    for key, what in [*(extra_keys or []), *KEYS]:  # a lesson's keys first
        table.add_row(key, what)
    table.add_row("", "")
    table.add_row(Text("Colours", style=Style(bold=True, underline=True)), "")
    for name, what in LEGEND:
        table.add_row(Text("■■", style=colours.on(name) if name == "current" else colours.fg(name)), what)
    table.add_row("", "")
    table.add_row("", Text("A box shows: op and shape, then its value range (or ∇ gradient with g).",
                           style=colours.fg("muted")))
    table.add_row("", Text("Press ? or Esc to close.", style=colours.fg("muted")))
    return table


class HelpScreen(ModalScreen[None]):
    """A modal list of keys and colours."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss_help", "close", show=True),
    ]

    def __init__(self, extra_keys: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.extra_keys = extra_keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(help_renderable(getattr(self.app, "colours", None) or Colours.default(), self.extra_keys), id="help-body")

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = "tapeviz help"

    def action_dismiss_help(self) -> None:
        if self.is_active:  # a second Esc queued before the first closed it: already gone
            self.dismiss(None)
