"""The smallest drawing of a graph: one line per computed node, its inputs named after an arrow.

When even name-only boxes cannot fit a pane (a ten-op chain needs about fifty rows as boxes), the
graph is listed like a program: ``x = relu 32×5 ← add``, indented under the scope it belongs to.
Every node is still there, each with its own style key, so a UI colours it as it does boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import Box, TerminalLayout
from .rasterize import Canvas

ARROW = " ← "


@dataclass(frozen=True)
class OutlineRow:
    """One line: a scope's header (``node`` empty, ``scope`` set) or a node with its inputs."""

    indent: int
    text: str
    node: str = ""
    scope: str = ""
    args: tuple[tuple[str, str], ...] = ()  # (node id, text) of each input, in input order


def layout_outline(rows: Sequence[OutlineRow]) -> tuple[TerminalLayout, Canvas]:
    """Lay ``rows`` out one per line; a node named only as an input gets the cell of its first
    mention as its box, so clicking and following it work as for a box."""
    cells: list[list[tuple[str, str]]] = []
    nodes: dict[str, Box] = {}
    starts: dict[str, tuple[int, int]] = {}  # scope -> (first row, indent)
    for y, row in enumerate(rows):
        line: list[tuple[str, str]] = [(" ", "")] * (2 * row.indent)
        if not row.node:
            starts[row.scope] = (y, row.indent)
            line += [(ch, f"cluster-title:{row.scope}") for ch in "▾ " + row.text]
            cells.append(line)
            continue
        nodes.setdefault(row.node, Box(len(line), y, max(1, len(row.text)), 1))
        line += [(ch, f"label:{row.node}") for ch in row.text]
        for k, (arg, text) in enumerate(row.args):
            line += [(ch, "") for ch in (ARROW if k == 0 else ", ")]
            nodes.setdefault(arg, Box(len(line), y, max(1, len(text)), 1))
            line += [(ch, f"label:{arg}") for ch in text]
        cells.append(line)
    width = max((len(line) for line in cells), default=0)
    for line in cells:
        line.extend([(" ", "")] * (width - len(line)))
    clusters: dict[str, Box] = {}
    for scope, (y0, indent) in starts.items():
        inside = [y for y, row in enumerate(rows) if y > y0 and row.indent > indent]
        last = y0
        for y in inside:  # the scope's rows are the ones after its header, until the indent drops
            if y != last + 1:
                break
            last = y
        clusters[scope] = Box(2 * indent, y0, max(1, width - 2 * indent), last - y0 + 1)
    layout = TerminalLayout(width, len(cells), "TB", "outline", nodes, (), clusters)
    return layout, Canvas(cells)
