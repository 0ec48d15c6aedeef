"""The layout's public data: node sizes in, boxes and rectilinear edge routes out (in cells).

Coordinates are terminal cells with ``x`` growing right and ``y`` growing down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CELL_WIDTH_IN = 0.1
"""Width of one terminal cell in inches, as told to dot (a cell is twice as tall as wide)."""
CELL_HEIGHT_IN = 0.2
"""Height of one terminal cell in inches, as told to dot."""
RANKDIRS = ("TB", "LR")

Edge = tuple[str, str]
Point = tuple[int, int]
Clusters = Mapping[str, Sequence[str]]


class LayoutUnavailable(RuntimeError):
    """Graphviz's ``dot`` could not be run (missing or failed); use :func:`layout_layered`."""


@dataclass(frozen=True)
class LayoutNode:
    """A node to place: its id and its box size in terminal cells, border included (>= 3 x 3)."""

    id: str
    width: int
    height: int

    @classmethod
    def for_label(cls, id: str, lines: Sequence[str], *, min_width: int = 5) -> LayoutNode:
        """Size a box so that ``lines`` fit inside with one blank column on each side."""
        text_w = max((len(line) for line in lines), default=0)
        return cls(id, max(min_width, text_w + 4), max(3, len(lines) + 2))


@dataclass(frozen=True)
class LayoutInput:
    """A graph to lay out, as every layout function takes it.

    ``nodes`` are :class:`LayoutNode` boxes (or plain ``(id, width, height)`` tuples), ``edges``
    ``(tail id, head id)`` pairs, ``clusters`` map a name to its member ids (clusters nest or are
    disjoint), and ranks run top to bottom (``TB``) or left to right (``LR``). ``rankdir`` None
    means ``TB``, except that :func:`layout_from_dot_json` then reads it from dot's JSON.
    Nodes and edges are kept as tuples, so one input can be laid out twice (dot, then the fallback).
    """

    nodes: Sequence[LayoutNode | Sequence[Any]]
    edges: Sequence[Edge]
    clusters: Clusters | None = None
    rankdir: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "edges", tuple(self.edges))


@dataclass(frozen=True)
class Box:
    """A rectangle of cells: top-left ``(x, y)``, ``w`` columns by ``h`` rows."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        """Last column inside the box."""
        return self.x + self.w - 1

    @property
    def bottom(self) -> int:
        """Last row inside the box."""
        return self.y + self.h - 1

    def contains_point(self, x: int, y: int) -> bool:
        """True when cell ``(x, y)`` lies inside the box or on its border."""
        return self.x <= x <= self.right and self.y <= y <= self.bottom

    def on_border(self, x: int, y: int) -> bool:
        """True when cell ``(x, y)`` is one of the box's border cells."""
        return self.contains_point(x, y) and (
            x in (self.x, self.right) or y in (self.y, self.bottom)
        )

    def overlaps(self, other: Box) -> bool:
        """True when the two boxes share at least one cell."""
        return not (
            other.x > self.right
            or other.right < self.x
            or other.y > self.bottom
            or other.bottom < self.y
        )

    def encloses(self, other: Box) -> bool:
        """True when ``other`` lies strictly inside this box (not touching its border)."""
        return (
            self.x < other.x
            and other.right < self.right
            and self.y < other.y
            and other.bottom < self.bottom
        )


@dataclass(frozen=True)
class EdgeRoute:
    """One edge as a rectilinear polyline of cell points (the corners).

    The first point lies on the tail box's border; the last point is the cell just outside the
    head box where the arrowhead goes.
    """

    tail: str
    head: str
    points: tuple[Point, ...]

    @property
    def key(self) -> str:
        """The edge's name in style keys: ``"<tail>-><head>"``."""
        return f"{self.tail}->{self.head}"

    def cells(self) -> list[Point]:
        """Every cell the polyline passes through, in order from tail to head."""
        out: list[Point] = [self.points[0]] if self.points else []
        for (x0, y0), (x1, y1) in zip(self.points, self.points[1:]):
            dx = (x1 > x0) - (x1 < x0)
            dy = (y1 > y0) - (y1 < y0)
            x, y = x0, y0
            while (x, y) != (x1, y1):
                x, y = x + dx, y + dy
                out.append((x, y))
        return out


@dataclass(frozen=True)
class TerminalLayout:
    """Node, edge and cluster geometry in cells; ``edges`` follow the input edge order."""

    width: int
    height: int
    rankdir: str
    engine: str  # "dot" or "layered"
    nodes: Mapping[str, Box]
    edges: tuple[EdgeRoute, ...]
    clusters: Mapping[str, Box]


def edge_style(tail: str, head: str) -> str:
    """The style key of an edge's cells in a :class:`Canvas`."""
    return f"edge:{tail}->{head}"


def empty_layout(rankdir: str, engine: str) -> TerminalLayout:
    """The layout of a graph with no nodes."""
    return TerminalLayout(0, 0, rankdir, engine, {}, (), {})
