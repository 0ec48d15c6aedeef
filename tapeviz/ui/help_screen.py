"""The help screen: every key of the screen it opened over, and what the colours in the graph mean
(in the theme's colours). The keys and their words come from the bindings (see keys.py)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .keys import OTHER_KEYS, key_rows
from .palette import Colours

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


def help_rows(*layers: Iterable[object], palette: tuple[str, str] | None = None) -> list[tuple[str, str]]:
    """``(keys, what they do)``: the bindings of ``layers`` (the front one first), then the keys
    Textual provides."""
    rows = [(keys, what) for keys, _title, what in key_rows(*layers)]
    return [*rows, *OTHER_KEYS, *([palette] if palette else [])]


def help_renderable(colours: Colours, rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style=colours.fg("grad", bold=True), no_wrap=True)
    table.add_column()
    table.add_row(Text("Keys", style=Style(bold=True, underline=True)), "")
    for key, what in rows:
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

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(help_renderable(getattr(self.app, "colours", None) or Colours.default(), self.rows), id="help-body")

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = "tapeviz help"

    def action_dismiss_help(self) -> None:
        if self.is_active:  # a second Esc queued before the first closed it: already gone
            self.dismiss(None)
