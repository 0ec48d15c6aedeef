"""The full-matrix view (key ``v``): every number of the selected tensor, aligned and scrollable.

The inspector shows as many columns as fit beside the graph; this screen shows them all (its
value at the cursor, and its gradient once one has reached it), in both directions of scrolling.
"""

from __future__ import annotations

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.screen import ModalScreen
from textual.widgets import Static

from ..view.names import display_name, node_short
from ..view.numbers import shape_cross, stats_line
from ..view.shown import Shown
from .messages_pane import plain_text
from .number_grid import grid
from .palette import Colours
from .session import Frame

MAX_CELLS = 200_000  # beyond this the view shows the first rows only (a terminal cannot show more)


def matrix_renderable(frame: Frame, colours: Colours) -> RenderableType:
    """The selected node's value and gradient at ``frame``, every column and row."""
    trace, snap, node_id = frame.trace, frame.snap, frame.node
    node = trace.graph.nodes.get(node_id) if node_id is not None else None
    if node is None:
        return Text("No node is selected (n selects one).")
    parts: list[RenderableType] = [Text(f"{display_name(trace, node.id)}  (scope {node.scope or '(top)'})", style=colours.fg("op", bold=True))]
    computed = node.kind != "op" or node.id in snap.forward_done
    shows = Shown.INPUT if node.kind != "op" else Shown.GRADIENT if node.in_backward else Shown.VALUE  # as the inspector
    arrays = []
    if node.id in snap.updates:
        arrays.append(("updated value", np.asarray(snap.updates[node.id][1]), "update", shows))
    elif computed and snap.values.get(node.id) is not None:
        arrays.append(("value", np.asarray(snap.values[node.id]), "forward", shows))
    if snap.grads.get(node.id) is not None:
        arrays.append((f"gradient ∂L/∂{node_short(trace, node.id)}", np.asarray(snap.grads[node.id]), "backward",
                       Shown.GRADIENT))
    if not arrays:
        parts.append(Text("nothing computed for this node yet at this event", style=colours.fg("muted")))
    hide = frame.conceal  # a lesson's open question: its answer stays hidden here as in the inspector
    for title, array, role, shown in arrays:
        columns = array.shape[-1] if array.ndim >= 2 else min(array.size, 12) or 1
        rows = max(1, min(MAX_CELLS // max(1, columns), array.size))
        heading = Text(f"{title} {shape_cross(array.shape)}: {stats_line(array)}", style=colours.fg(role, bold=True))
        parts += [Text(""), hide.text(heading, shown),
                  hide.text(grid(array, colours, max_rows=rows, max_cols=max(1, columns)), shown)]
    return Group(*parts)


class MatrixScreen(ModalScreen[None]):
    """A modal, scrollable view of the selected tensor's numbers."""

    BINDINGS = [Binding("escape,v,q", "close", "close", show=True)]

    def __init__(self, frame: Frame, colours: Colours) -> None:
        super().__init__()
        self._body = matrix_renderable(frame, colours)
        self.text = plain_text(self._body, width=10_000)  # for tests

    def compose(self) -> ComposeResult:
        with ScrollableContainer(id="matrix-box"):
            yield Static(self._body, id="matrix-body")

    def on_mount(self) -> None:
        box = self.query_one("#matrix-box")
        box.border_title = "full matrix (↑↓←→ PageUp/PageDown scroll · Esc closes)"
        box.focus()

    def action_close(self) -> None:
        if self.is_active:
            self.dismiss(None)
