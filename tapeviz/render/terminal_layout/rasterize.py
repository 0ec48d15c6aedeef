"""Drawing a layout into a grid of ``(char, style_key)`` cells with box-drawing characters.

Style keys name what each cell belongs to, so a UI re-colours a step without re-laying-out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .model import Box, Edge, Point, TerminalLayout, edge_style

_N, _E, _S, _W = 1, 2, 4, 8
_LINE_CHARS = {
    _N: "│", _S: "│", _N | _S: "│",
    _E: "─", _W: "─", _E | _W: "─",
    _S | _E: "┌", _S | _W: "┐", _N | _E: "└", _N | _W: "┘",
    _N | _S | _E: "├", _N | _S | _W: "┤", _E | _W | _S: "┬", _E | _W | _N: "┴",
    _N | _E | _S | _W: "┼",
}  # fmt: skip


@dataclass
class Canvas:
    """A grid of ``(char, style_key)`` cells; an empty style key means background.

    Style keys: ``node:<id>`` (box border), ``label:<id>`` (inside the box, text and blanks),
    ``edge:<tail>-><head>`` (lines, port and arrowhead), ``cluster:<name>`` (frame) and
    ``cluster-title:<name>`` (the name on the frame).
    """

    rows: list[list[tuple[str, str]]]

    @property
    def width(self) -> int:
        """Number of columns."""
        return len(self.rows[0]) if self.rows else 0

    @property
    def height(self) -> int:
        """Number of rows."""
        return len(self.rows)

    def text(self) -> list[str]:
        """The characters only, one string per row."""
        return ["".join(ch for ch, _ in row) for row in self.rows]

    def runs(self, y: int) -> list[tuple[str, str]]:
        """Row ``y`` as ``(text, style_key)`` runs of equal style (for a Line-API widget)."""
        out: list[tuple[str, str]] = []
        for ch, style in self.rows[y]:
            if out and out[-1][1] == style:
                out[-1] = (out[-1][0] + ch, style)
            else:
                out.append((ch, style))
        return out

    def __str__(self) -> str:
        return "\n".join(self.text())


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, with an ellipsis when cut."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


def rasterize(
    layout: TerminalLayout,
    labels: Mapping[str, Sequence[str]] | None = None,
    *,
    cluster_titles: Mapping[str, str] | None = None,
    emphasis: Iterable[Edge] = (),
) -> Canvas:
    """Draw a layout into a :class:`Canvas` of box-drawing characters and style keys.

    ``labels`` maps node ids to text lines (default: the id), centred and cut to fit the box.
    Edges in ``emphasis`` are drawn last, so they keep their style where lines share cells.
    """
    width, height = layout.width, layout.height
    chars = [[" "] * width for _ in range(height)]
    styles = [[""] * width for _ in range(height)]

    def put(x: int, y: int, ch: str, style: str) -> None:
        if 0 <= x < width and 0 <= y < height:
            chars[y][x] = ch
            styles[y][x] = style

    def outline(b: Box, pieces: str, style: str) -> None:
        """The frame of box ``b`` drawn with ``pieces``: horizontal, vertical, then the corners
        top-left, top-right, bottom-left, bottom-right (``"─│┌┐└┘"``)."""
        horizontal, vertical, top_left, top_right, bottom_left, bottom_right = pieces
        for x in range(b.x + 1, b.right):
            put(x, b.y, horizontal, style)
            put(x, b.bottom, horizontal, style)
        for y in range(b.y + 1, b.bottom):
            put(b.x, y, vertical, style)
            put(b.right, y, vertical, style)
        put(b.x, b.y, top_left, style)
        put(b.right, b.y, top_right, style)
        put(b.x, b.bottom, bottom_left, style)
        put(b.right, b.bottom, bottom_right, style)

    titles = cluster_titles or {}
    for name, b in sorted(layout.clusters.items(), key=lambda kv: -kv[1].w * kv[1].h):
        outline(b, "┄┆╭╮╰╯", f"cluster:{name}")
        title = _fit(titles.get(name, name), b.w - 5)
        if title:
            for k, ch in enumerate(f" {title} "):
                put(b.x + 2 + k, b.y, ch, f"cluster-title:{name}")

    emphasised = {tuple(e) for e in emphasis}
    ordered = [r for r in layout.edges if (r.tail, r.head) not in emphasised]
    ordered += [r for r in layout.edges if (r.tail, r.head) in emphasised]
    mask: dict[Point, int] = {}
    owner: dict[Point, str] = {}
    for route in ordered:
        style = edge_style(route.tail, route.head)
        for (x0, y0), (x1, y1) in zip(route.points, route.points[1:]):
            if x0 == x1:
                fwd, back = (_S, _N) if y1 > y0 else (_N, _S)
                cells = [
                    (x0, y) for y in range(y0, y1 + (1 if y1 > y0 else -1), 1 if y1 > y0 else -1)
                ]
            else:
                fwd, back = (_E, _W) if x1 > x0 else (_W, _E)
                cells = [
                    (x, y0) for x in range(x0, x1 + (1 if x1 > x0 else -1), 1 if x1 > x0 else -1)
                ]
            last = len(cells) - 1
            for k, cell in enumerate(cells):
                bits = (fwd if k < last else 0) | (back if k > 0 else 0)
                mask[cell] = mask.get(cell, 0) | bits
                owner[cell] = style
    for (x, y), bits in mask.items():
        put(x, y, _LINE_CHARS.get(bits, "┼"), owner[(x, y)])

    for nid, b in layout.nodes.items():
        inside = f"label:{nid}"
        outline(b, "─│┌┐└┘", f"node:{nid}")
        for y in range(b.y + 1, b.bottom):
            for x in range(b.x + 1, b.right):
                put(x, y, " ", inside)
        lines = list(labels.get(nid, [nid]) if labels is not None else [nid])[: b.h - 2]
        row = b.y + 1 + (b.h - 2 - len(lines)) // 2
        for k, line in enumerate(lines):
            text = _fit(line, b.w - 2)
            start = b.x + 1 + (b.w - 2 - len(text)) // 2
            for j, ch in enumerate(text):
                put(start + j, row + k, ch, inside)

    for route in ordered:
        if len(route.points) < 2:
            continue
        style = edge_style(route.tail, route.head)
        tb = layout.nodes[route.tail]
        x, y = route.points[0]
        if y == tb.bottom:
            put(x, y, "┬", style)
        elif y == tb.y:
            put(x, y, "┴", style)
        elif x == tb.right:
            put(x, y, "├", style)
        elif x == tb.x:
            put(x, y, "┤", style)
        hb = layout.nodes[route.head]
        x, y = route.points[-1]
        if y == hb.y - 1:
            arrow = "▼"
        elif y == hb.bottom + 1:
            arrow = "▲"
        elif x == hb.x - 1:
            arrow = "►"
        else:
            arrow = "◄"
        put(x, y, arrow, style)

    return Canvas([list(zip(chars[y], styles[y])) for y in range(height)])
