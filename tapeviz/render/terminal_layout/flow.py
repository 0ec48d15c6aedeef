"""A layout made for a terminal pane: ranks of boxes one row apart, in columns that fit a height.

Graphviz's layout (and the layered fallback, which follows its rules) spaces ranks for curves
and labels; on a terminal that costs three to five rows per rank, and a chain of nine ops never
fits 40 rows. This layout works in cells from the start:

1. ranks by longest path (sources just above their first use), boxes of a rank side by side
   in the order the graph gives them, nudged under the boxes that feed them;
2. consecutive ranks stacked into a column while they fit ``max_height``; a longer graph
   continues in the next column to the right (preferring to break where the outermost scope
   changes, so a layer stays in one column);
3. one blank row between ranks; every edge routed on the grid by a small A* search (turns and
   crossings cost extra, an edge may share its own tail's lines, never another's). Where an edge
   finds no way, the rows between the ranks it spans grow by one and routing starts again.

A scope whose boxes all sit in one column, with nothing else inside its rectangle, gets a frame.
Everything is pure and iterative (no recursion): a 100,000-node chain lays out without a stack.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from .graph import LayoutGraph, prepare_graph
from .layered import rank_nodes
from .model import Box, EdgeRoute, LayoutInput, Point, TerminalLayout, empty_layout

NODE_GAP = 2  # blank columns between boxes of a rank
COLUMN_GAP = 3  # blank columns between two columns of ranks
MARGIN = 2  # blank cells around everything while routing (cropped afterwards)
MAX_TRIES = 3  # rounds of "grow the rows an unroutable edge spans, route again"
_DIRS = ((0, -1), (1, 0), (0, 1), (-1, 0))  # N E S W
EXPANSIONS = 6000  # states one edge's search may expand before it gives up
_TURN = 3.0
_CROSS = 6.0
_SHARE = 0.2
_NEAR_BOX = 0.5


def layout_flow(
    graph: LayoutInput, max_height: int | None = None, max_width: int | None = None,
) -> TerminalLayout:
    """Lay ``graph`` out top to bottom in columns no taller than ``max_height`` rows (None: one
    column). When the result is wider than ``max_width``, the widest rank's boxes go one under
    the other, and again, while that helps. When nothing fits, the same again with one blank
    column between boxes instead of two (a pane a few columns short). Raises ``ValueError`` on
    bad input."""
    g = prepare_graph(graph)
    n = len(g.ids)
    if not n:
        return empty_layout("TB", "flow")
    rank = rank_nodes(n, g.edges)
    best = _flow(g, rank, max_height, max_width, NODE_GAP)
    if (max_width or max_height) and not _fits(best, max_width, max_height):
        tight = _flow(g, rank, max_height, max_width, 1)
        if _better(tight, best, max_width, max_height):
            return tight
    return best


def _fits(layout: TerminalLayout, max_width: int | None, max_height: int | None) -> bool:
    return (max_width is None or layout.width <= max_width) and (max_height is None or layout.height <= max_height)


def _flow(g: LayoutGraph, rank: list[int], max_height: int | None, max_width: int | None,
          node_gap: int) -> TerminalLayout:
    """``layout_flow``'s search with ``node_gap`` blank columns between the boxes of a rank."""
    n = len(g.ids)
    ranks = _order_ranks(g, rank)
    limit = max_height
    best: TerminalLayout | None = None
    for _ in range(8):
        row_of = [0] * n
        for r, members in enumerate(ranks):
            for i in members:
                row_of[i] = r
        layout = _estimate(g, ranks, limit, node_gap) if max_width or max_height else None
        if layout is None or _fits(layout, max_width, max_height):  # routing is the slow part: only for a placement that may fit
            layout = _lay_rows(g, row_of, ranks, limit, node_gap)
        if best is None or _better(layout, best, max_width, max_height):
            best = layout
        too_tall = max_height is not None and layout.height > max_height
        too_wide = max_width is not None and layout.width > max_width
        if not too_tall and not too_wide:
            return layout
        if too_wide:  # stack the boxes of the widest row
            wide = [r for r, m in enumerate(ranks) if len(m) > 1]
            if not wide:
                break
            r = max(wide, key=lambda k: sum(g.width[i] for i in ranks[k]))
            ranks[r:r + 1] = [[i] for i in ranks[r]]
        elif limit is not None:
            limit -= max(1, layout.height - max_height)  # type: ignore[operator]
            if limit < 3:
                break
    assert best is not None
    return best


def _estimate(g: LayoutGraph, ranks: list[list[int]], limit: int | None, node_gap: int = NODE_GAP) -> TerminalLayout:
    """The boxes placed without routing (edges drawn as plain lines): a quick lower bound of
    the drawing's size, to skip routing placements that cannot fit."""
    band_h = [max(g.height[i] for i in members) for members in ranks]
    columns = _pack_columns(g, ranks, band_h, limit)
    boxes, col_of_rank = _place(g, ranks, band_h, columns, {r: 1 for r in range(len(ranks))}, node_gap)
    routes = [  # a point on the tail's border: the estimate is never drawn, only measured
        [(boxes[t].x + boxes[t].w // 2, boxes[t].bottom)] * 2 for t, _ in g.edges
    ]
    return _finish(g, boxes, routes, ranks, col_of_rank, columns)


def _better(a: TerminalLayout, b: TerminalLayout, max_width: int | None, max_height: int | None) -> bool:
    """Does ``a`` overflow the pane less than ``b``?"""
    def over(t: TerminalLayout) -> int:
        return max(0, t.width - (max_width or t.width)) + max(0, t.height - (max_height or t.height))
    return over(a) < over(b)


def _lay_rows(
    g: LayoutGraph, rank: list[int], ranks: list[list[int]], max_height: int | None, node_gap: int = NODE_GAP,
) -> TerminalLayout:
    band_h = [max(g.height[i] for i in members) for members in ranks]
    columns = _pack_columns(g, ranks, band_h, max_height)
    gaps = {r: 1 for r in range(len(ranks))}  # blank rows after rank r (inside a column)
    for _ in range(MAX_TRIES):
        boxes, col_of_rank = _place(g, ranks, band_h, columns, gaps, node_gap)
        routes, failed = _route_all(g, rank, boxes)
        if not failed:
            return _finish(g, boxes, routes, ranks, col_of_rank, columns)
        grown = False
        for e in failed:
            t, h = g.edges[e]
            lo, hi = sorted((rank[t], rank[h]))
            for r in range(lo, max(hi, lo + 1)):
                if col_of_rank[r] == col_of_rank.get(r + 1, -1) and gaps[r] < 4:
                    gaps[r] += 1
                    grown = True
        if not grown:  # more rows do not help: widen the gaps between the boxes of a column
            break
    boxes, col_of_rank = _place(g, ranks, band_h, columns, gaps, node_gap=node_gap + 2)
    routes, failed = _route_all(g, rank, boxes, last_resort=True)
    return _finish(g, boxes, routes, ranks, col_of_rank, columns)


# ---- ranks and columns -------------------------------------------------------------------------
def _order_ranks(g: LayoutGraph, rank: list[int]) -> list[list[int]]:
    """Boxes of each rank, left to right: by the mean position of their inputs, then as given."""
    n_ranks = max(rank) + 1
    ranks: list[list[int]] = [[] for _ in range(n_ranks)]
    for i in range(len(g.ids)):
        ranks[rank[i]].append(i)
    preds: list[list[int]] = [[] for _ in g.ids]
    for t, h in g.edges:
        if rank[t] < rank[h]:
            preds[h].append(t)
    pos = {i: k for k, i in enumerate(ranks[0])}
    for r in range(1, n_ranks):
        def key(i: int) -> tuple[float, int]:
            ps = [pos[p] for p in preds[i] if p in pos]
            return (sum(ps) / len(ps) if ps else float(len(ranks[r - 1])), i)
        ranks[r].sort(key=key)
        for k, i in enumerate(ranks[r]):
            pos[i] = k
    return ranks


def _outer_scope(g: LayoutGraph, members: list[int]) -> frozenset[int]:
    """The scopes (by cluster index) directly holding a rank's boxes: where a layer begins."""
    return frozenset(g.node_cluster[i] for i in members if g.node_cluster[i] is not None)


def _pack_columns(
    g: LayoutGraph, ranks: list[list[int]], band_h: list[int], max_height: int | None,
) -> list[list[int]]:
    """Ranks grouped into columns no taller than ``max_height`` (counting one row between
    ranks); a column breaks where the scope changes if that keeps it at least half full."""
    if max_height is None:
        return [list(range(len(ranks)))]
    limit = max(3, max_height)  # rows for an edge to come in above the column and go out below
    columns: list[list[int]] = [[]]
    used = 0
    for r, h in enumerate(band_h):
        col = columns[-1]
        need = h if not col else used + 1 + h
        if col and need > limit:
            # break at the last scope change in the back half of the column, if there is one
            cut = len(col)
            for k in range(len(col) - 1, 0, -1):
                if _outer_scope(g, ranks[col[k]]) != _outer_scope(g, ranks[col[k - 1]]):
                    height_before = sum(band_h[x] for x in col[:k]) + k - 1
                    if height_before * 2 >= limit:
                        cut = k
                    break
            moved = col[cut:]
            del col[cut:]
            columns.append(moved)
            col = columns[-1]
            used = sum(band_h[x] for x in col) + max(0, len(col) - 1)
            need = h if not col else used + 1 + h
        col.append(r)
        used = need
    return columns


def _place(
    g: LayoutGraph,
    ranks: list[list[int]],
    band_h: list[int],
    columns: list[list[int]],
    gaps: dict[int, int],
    node_gap: int = NODE_GAP,
) -> tuple[list[Box], dict[int, int]]:
    """Boxes on the routing grid (margins included): rank rows within each column, and each
    rank placed under the centre of what feeds it."""
    n = len(g.ids)
    boxes: list[Box | None] = [None] * n
    col_of_rank: dict[int, int] = {}
    preds: list[list[int]] = [[] for _ in range(n)]
    for t, h in g.edges:
        preds[h].append(t)
    x0 = MARGIN + 1
    for c, col in enumerate(columns):
        widths = [sum(g.width[i] for i in ranks[r]) + node_gap * (len(ranks[r]) - 1) for r in col]
        col_w = max(widths) if widths else 0
        y = MARGIN + 1
        for r, row_w in zip(col, widths):
            col_of_rank[r] = c
            members = ranks[r]
            # where the boxes feeding this rank are centred (those already placed)
            centres = [
                boxes[p].x + (boxes[p].w - 1) / 2  # type: ignore[union-attr]
                for i in members for p in preds[i] if boxes[p] is not None
            ]
            if centres:
                want = sum(centres) / len(centres) - (row_w - 1) / 2
                left = int(min(max(x0, round(want)), x0 + col_w - row_w))
            else:
                left = x0 + (col_w - row_w) // 2
            top = y
            for i in members:
                boxes[i] = Box(left, top + (band_h[r] - g.height[i]) // 2, g.width[i], g.height[i])
                left += g.width[i] + node_gap
            y += band_h[r] + gaps[r]
        x0 += col_w + COLUMN_GAP
    return [b for b in boxes if b is not None], col_of_rank


# ---- routing ------------------------------------------------------------------------------------
class _Grid:
    """What occupies each cell while routing: boxes, and the lines of edges routed so far."""

    def __init__(self, width: int, height: int, boxes: Sequence[Box]) -> None:
        self.w, self.h = width, height
        self.box = bytearray(width * height)  # 1 inside or on a box
        self.near = bytearray(width * height)  # 1 next to a box's side
        for b in boxes:
            for y in range(b.y, b.bottom + 1):
                row = y * width
                self.box[row + b.x: row + b.right + 1] = b"\x01" * b.w
                for x in (b.x - 1, b.right + 1):
                    if 0 <= x < width:
                        self.near[row + x] = 1
        self.owner: dict[int, int] = {}  # cell -> tail box index of the edge using it
        self.axis: dict[int, int] = {}  # cell -> 1 vertical, 2 horizontal, 3 both or a corner
        self.arrows: set[int] = set()  # arrowhead cells (nothing else may pass)

    def mark(self, pts: list[Point], tail: int) -> None:
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            ax = 1 if x0 == x1 else 2
            dx, dy = (x1 > x0) - (x1 < x0), (y1 > y0) - (y1 < y0)
            x, y = x0, y0
            while True:
                c = y * self.w + x
                if not self.box[c]:
                    self.owner[c] = tail
                    self.axis[c] = self.axis.get(c, 0) | ax
                if (x, y) == (x1, y1):
                    break
                x, y = x + dx, y + dy
        for (x, y) in pts[1:-1]:  # corners: nothing may cross them
            c = y * self.w + x
            if not self.box[c]:
                self.axis[c] = 3


def _route_all(
    g: LayoutGraph, rank: list[int], boxes: list[Box], last_resort: bool = False,
) -> tuple[list[list[Point]], list[int]]:
    """A route per edge (tail border cell ... the cell where its arrowhead goes), and the edges
    that found none (a last resort routes those as a plain straight line)."""
    width = max(b.right for b in boxes) + MARGIN + 2
    height = max(b.bottom for b in boxes) + MARGIN + 2
    grid = _Grid(width, height, boxes)
    routes: list[list[Point]] = [[] for _ in g.edges]
    failed: list[int] = []

    def length(e: int) -> tuple[int, int]:
        t, h = g.edges[e]
        bt, bh = boxes[t], boxes[h]
        return (abs(bt.x + bt.w // 2 - bh.x - bh.w // 2) + abs(bh.y - bt.bottom), e)

    for e in sorted(range(len(g.edges)), key=length):
        t, h = g.edges[e]
        pts = _search(grid, boxes[t], boxes[h], t) if t != h else None
        if pts is None:
            if not last_resort and t != h:
                failed.append(e)
                continue
            bt, bh = boxes[t], boxes[h]
            x = bt.x + bt.w // 2
            pts = [(x, bt.bottom), (x, bt.bottom + 1)] if t == h else [
                (x, bt.bottom), (x, bt.bottom + 1), (bh.x + bh.w // 2, bt.bottom + 1), (bh.x + bh.w // 2, bh.y - 1)
            ]
        routes[e] = pts
        grid.mark(pts, t)
        x, y = pts[-1]
        grid.arrows.add(y * width + x)
    return routes, failed


def _search(grid: _Grid, tail: Box, head: Box, tail_id: int) -> list[Point] | None:
    """The cheapest rectilinear way from below ``tail`` to just above ``head`` (arriving
    downward), or None. States are (cell, direction); turning, crossing another edge and running
    beside a box cost extra, running along the tail's own earlier lines costs little."""
    w, h = grid.w, grid.h
    box, near, owner, axis, arrows = grid.box, grid.near, grid.owner, grid.axis, grid.arrows
    ty = head.y - 1
    may_rise = head.y <= tail.bottom  # the head is in a later column, higher up
    tx_lo, tx_hi = head.x + 1, head.right - 1
    t_centre = tail.x + (tail.w - 1) // 2
    h_centre = head.x + (head.w - 1) // 2

    side_x = head.x - 1  # a head in a later column may also be entered from its left side
    sy_lo, sy_hi = head.y + 1, head.bottom - 1

    def heuristic(x: int, y: int) -> float:  # weighted: a good way soon beats the best way late
        dx = tx_lo - x if x < tx_lo else (x - tx_hi if x > tx_hi else 0)
        best_h = dx + abs(ty - y)
        if may_rise:
            dy = sy_lo - y if y < sy_lo else (y - sy_hi if y > sy_hi else 0)
            best_h = min(best_h, abs(side_x - x) + dy)
        return 1.5 * best_h

    heap: list[tuple[float, float, int, int]] = []
    best: dict[tuple[int, int], float] = {}
    parent: dict[tuple[int, int], tuple[int, int] | None] = {}
    y0 = tail.bottom + 1
    if y0 >= h:
        return None
    for x in range(tail.x + 1, tail.right):
        c = y0 * w + x
        if box[c] or c in arrows:
            continue
        if c in owner and owner[c] != tail_id:
            continue
        cost = 0.4 * abs(x - t_centre) + (0.0 if c in owner else 0.01)
        state = (c, 2)
        if cost < best.get(state, 1e18):
            best[state] = cost
            parent[state] = None
            heapq.heappush(heap, (cost + heuristic(x, y0), cost, c, 2))
    if may_rise and tail.right + 1 < w:  # toward a later column: out of the right side too
        for y in range(tail.y + 1, tail.bottom):
            c = y * w + tail.right + 1
            if box[c] or c in arrows or (c in owner and owner[c] != tail_id):
                continue
            state = (c, 1)
            cost = 0.5 + 0.1 * abs(y - (tail.y + tail.bottom) // 2)
            if cost < best.get(state, 1e18):
                best[state] = cost
                parent[state] = None
                heapq.heappush(heap, (cost + heuristic(tail.right + 1, y), cost, c, 1))
    limit = 4 * (w + h) + 200
    budget = EXPANSIONS
    while heap:
        budget -= 1
        if budget < 0:
            break
        f, cost, c, d = heapq.heappop(heap)
        if cost > best.get((c, d), 1e18):
            continue
        x, y = c % w, c // w
        if c not in owner and c not in arrows and (
            (y == ty and tx_lo <= x <= tx_hi and d == 2)
            or (may_rise and x == side_x and sy_lo <= y <= sy_hi and d == 1)
        ):
            return _unwind(parent, (c, d), w, tail)
        if cost > limit:
            break
        crossing = c in owner and owner[c] != tail_id
        for nd, (dx, dy) in enumerate(_DIRS):
            if nd == (d + 2) % 4:
                continue
            if crossing and nd != d:
                continue  # straight through another edge's line, no turning on it
            if dy < 0 and not may_rise:
                continue
            nx, ny = x + dx, y + dy
            if not (0 <= nx < w and 0 <= ny < h):
                continue
            nc = ny * w + nx
            if box[nc] or nc in arrows:
                continue
            step = 1.0 + (_TURN if nd != d else 0.0)
            other = owner.get(nc)
            if other is not None and other != tail_id:
                ax = axis.get(nc, 0)
                if ax == 3 or ax == (1 if dx == 0 else 2):
                    continue  # along another edge, or through its corner
                step += _CROSS
            elif other == tail_id:
                step = _SHARE + (_TURN if nd != d else 0.0)
            if near[nc]:
                step += _NEAR_BOX
            if ny == ty and tx_lo <= nx <= tx_hi:
                step += 0.1 * abs(nx - h_centre)
            ncost = cost + step
            state = (nc, nd)
            if ncost < best.get(state, 1e18):
                best[state] = ncost
                parent[state] = (c, d)
                heapq.heappush(heap, (ncost + heuristic(nx, ny), ncost, nc, nd))
    return None


def _unwind(parent: dict, state: tuple[int, int], w: int, tail: Box) -> list[Point]:
    cells: list[Point] = []
    cur: tuple[int, int] | None = state
    while cur is not None:
        c = cur[0]
        cells.append((c % w, c // w))
        cur = parent[cur]
    cells.reverse()
    x0, y0 = cells[0]
    # the port on the tail's border: its bottom, or its right side
    cells.insert(0, (x0, tail.bottom) if y0 == tail.bottom + 1 else (tail.right, y0))
    pts: list[Point] = [cells[0]]
    for k in range(1, len(cells) - 1):  # keep the corners only
        (ax, ay), (bx, by), (cx, cy) = cells[k - 1], cells[k], cells[k + 1]
        if (bx - ax, by - ay) != (cx - bx, cy - by):
            pts.append(cells[k])
    pts.append(cells[-1])
    return pts


# ---- the result ---------------------------------------------------------------------------------
def _finish(
    g: LayoutGraph,
    boxes: list[Box],
    routes: list[list[Point]],
    ranks: list[list[int]],
    col_of_rank: dict[int, int],
    columns: list[list[int]],
) -> TerminalLayout:
    """Frames for the scopes that sit whole in one column, then everything shifted so the
    drawing starts at (0, 0) and cropped to what is drawn."""
    n = len(g.ids)
    rank_of = {i: r for r, members in enumerate(ranks) for i in members}
    frames: dict[str, Box] = {}
    members_of: list[list[int]] = [[] for _ in g.cluster_names]
    for i in range(n):
        c = g.node_cluster[i]
        if c is not None:
            for anc in g.cluster_path[c]:
                members_of[anc].append(i)
    # innermost first, so an outer frame can grow around the inner ones
    order = sorted(range(len(g.cluster_names)), key=lambda c: -len(g.cluster_path[c]))
    for c in order:
        mem = members_of[c]
        if not mem or len({col_of_rank[rank_of[i]] for i in mem}) != 1:
            continue
        inner = [frames[g.cluster_names[k]] for k in range(len(g.cluster_names))
                 if g.cluster_names[k] in frames and c in g.cluster_path[k] and k != c]
        x0 = min([boxes[i].x for i in mem] + [b.x for b in inner]) - 1
        x1 = max([boxes[i].right for i in mem] + [b.right for b in inner]) + 1
        y0 = min([boxes[i].y for i in mem] + [b.y for b in inner]) - 1
        y1 = max([boxes[i].bottom for i in mem] + [b.bottom for b in inner]) + 1
        frame = Box(x0, y0, x1 - x0 + 1, y1 - y0 + 1)
        inside = set(mem)
        if any(frame.overlaps(boxes[j]) for j in range(n) if j not in inside):
            continue
        if any(f.overlaps(frame) and not frame.encloses(f) and not f.encloses(frame) for f in frames.values()):
            continue
        frames[g.cluster_names[c]] = frame
    xs = [b.x for b in boxes] + [b.x for b in frames.values()] + [p[0] for pts in routes for p in pts]
    ys = [b.y for b in boxes] + [b.y for b in frames.values()] + [p[1] for pts in routes for p in pts]
    xe = [b.right for b in boxes] + [b.right for b in frames.values()] + [p[0] for pts in routes for p in pts]
    ye = [b.bottom for b in boxes] + [b.bottom for b in frames.values()] + [p[1] for pts in routes for p in pts]
    dx, dy = min(xs), min(ys)

    def moved(b: Box) -> Box:
        return Box(b.x - dx, b.y - dy, b.w, b.h)

    nodes = {g.ids[i]: moved(boxes[i]) for i in range(n)}
    edges = tuple(
        EdgeRoute(g.ids[t], g.ids[h], tuple((x - dx, y - dy) for x, y in routes[e]))
        for e, (t, h) in enumerate(g.edges)
    )
    clusters = {name: moved(b) for name, b in frames.items()}
    return TerminalLayout(max(xe) - dx + 1, max(ye) - dy + 1, "TB", "flow", nodes, edges, clusters)
