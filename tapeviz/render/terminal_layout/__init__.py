"""Terminal graph layout: boxes, rectilinear edges and cluster frames on a character grid.

A directed graph whose node sizes are given in terminal cells is laid out either from Graphviz's
``dot -Tjson`` output (:func:`layout_from_dot_json`, :func:`layout_with_dot`) or by a small
pure-Python layered layout (:func:`layout_layered`). Both feed one router that gives every edge a
rectilinear polyline in cell coordinates (y grows downward). :func:`rasterize` draws the result
into a grid of ``(char, style_key)`` cells, so a UI can re-colour each step without re-laying-out.

Modules, in the order data flows through them:

- :mod:`.model` — the public data: :class:`LayoutNode` and :class:`LayoutInput` in; :class:`Box`,
  :class:`EdgeRoute`, :class:`TerminalLayout` out.
- :mod:`.graph` — input checking and the indexed graph with its cluster tree.
- :mod:`.dot_json` — DOT text for dot, running it, reading ``dot -Tjson``.
- :mod:`.layered`, :mod:`.ordering`, :mod:`.placement` — the fallback layered layout.
- :mod:`.router` (with :mod:`.channels`) — ranks and positions to cells, ports and polylines.
- :mod:`.rasterize` — the layout drawn into a :class:`Canvas`.
- :mod:`.flow` — the terminal-native layout: ranks one row apart in columns that fit a pane,
  edges found by a small grid search (:func:`layout_flow`; no Graphviz).
- :mod:`.outline` — the smallest drawing: one line per node, its inputs named (no router).

Everything is pure (numbers in, numbers out) except :func:`layout_with_dot`, which runs dot.
"""

from __future__ import annotations

from .dot_json import dot_source, layout_auto, layout_from_dot_json, layout_with_dot
from .flow import layout_flow
from .graph import layout_key
from .layered import layout_layered
from .model import (
    CELL_HEIGHT_IN,
    CELL_WIDTH_IN,
    RANKDIRS,
    Box,
    EdgeRoute,
    LayoutInput,
    LayoutNode,
    LayoutUnavailable,
    TerminalLayout,
    edge_style,
)
from .outline import OutlineRow, layout_outline
from .rasterize import Canvas, rasterize

__all__ = [
    "CELL_HEIGHT_IN",
    "CELL_WIDTH_IN",
    "RANKDIRS",
    "Box",
    "Canvas",
    "EdgeRoute",
    "LayoutInput",
    "LayoutNode",
    "LayoutUnavailable",
    "OutlineRow",
    "TerminalLayout",
    "dot_source",
    "edge_style",
    "layout_auto",
    "layout_from_dot_json",
    "layout_flow",
    "layout_key",
    "layout_layered",
    "layout_outline",
    "layout_with_dot",
    "rasterize",
]
