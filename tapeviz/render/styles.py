"""Colours and shapes per node kind and state, shared by the Graphviz renderer and the terminal UI.

Every colour is a ``#rrggbb`` string so that Graphviz attributes, Textual CSS and Rich styles
can all use the same palette. A drawing reads at a glance when each meaning keeps one colour:
green is a parameter, blue an input or constant, red the loss, orange a gradient, purple an
update, yellow the event at the cursor, grey what the timeline has not reached yet.
"""

from __future__ import annotations

from typing import Final

PALETTE: Final[dict[str, str]] = {
    # node fills and borders by kind
    "parameter.fill": "#dff0d8",
    "parameter.border": "#3d7a32",
    "variable.fill": "#eeeeee",  # a non-trainable variable
    "variable.border": "#6b6b6b",
    "constant.fill": "#dde8f6",
    "constant.border": "#41679c",
    "op.fill": "#ffffff",
    "op.border": "#3a3a3a",
    "loss.fill": "#fadbd8",
    "loss.border": "#a93226",
    "group.fill": "#f3ecdc",  # a collapsed scope
    "group.border": "#8a6d3b",
    # states
    "pending.fill": "#f6f6f6",  # not computed yet at the cursor
    "pending.border": "#c4c4c4",
    "pending.text": "#a6a6a6",
    "current.fill": "#fff2a8",  # the event at the cursor
    "current.border": "#d68910",
    # text and edges
    "text": "#1b1b1b",
    "muted": "#666666",
    "forward.edge": "#4d4d4d",
    "grad": "#d9480f",  # gradients: edges, labels and summaries
    "update": "#7b2f9e",  # parameter before -> after
    "slot": "#1f6f8b",  # an optimizer's state next to its weight (momentum; Adam's m and v)
    "cluster.fill": "#fafafa",
    "cluster.border": "#b5b5b5",
    "cluster.text": "#7a7a7a",
    "background": "#ffffff",
    "nonfinite": "#e6007e",  # a NaN or infinity in the node's value or gradient
}

# Graphviz shape per node kind: parameters are stored state (a cylinder), inputs and constants
# are data handed in (a note), ops are rounded boxes, a collapsed scope is a folder-like tab.
SHAPES: Final[dict[str, str]] = {
    "parameter": "cylinder",
    "variable": "cylinder",
    "constant": "note",
    "op": "box",
    "loss": "box",
    "group": "tab",
}

# A short word for each kind, used in legends and by the terminal UI.
KIND_NAMES: Final[dict[str, str]] = {
    "parameter": "parameter",
    "variable": "variable (not trainable)",
    "constant": "input / constant",
    "op": "op",
    "loss": "loss",
    "group": "collapsed scope",
}

FONT: Final[str] = "DejaVu Sans,Helvetica,Arial,sans-serif"


def fill(kind: str) -> str:
    """The fill colour of a node kind."""
    return PALETTE[f"{kind}.fill"]


def border(kind: str) -> str:
    """The border colour of a node kind."""
    return PALETTE[f"{kind}.border"]


__all__ = ["FONT", "KIND_NAMES", "PALETTE", "SHAPES", "border", "fill"]
