"""Terminal graph layout: boxes, rectilinear edges and cluster frames on a character grid.

A directed graph whose node sizes are given in terminal cells is laid out either from Graphviz's
``dot -Tjson`` output (:func:`layout_from_dot_json`, :func:`layout_with_dot`) or by a small
pure-Python layered layout (:func:`layout_layered`). Both feed one router that gives every edge a
rectilinear polyline in cell coordinates (y grows downward). :func:`rasterize` draws the result
into a grid of ``(char, style_key)`` cells, so a UI can re-colour each step without re-laying-out.

Everything here is pure (numbers in, numbers out) except :func:`layout_with_dot`, which runs dot.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import math
import shutil
import subprocess
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CELL_HEIGHT_IN",
    "CELL_WIDTH_IN",
    "Box",
    "Canvas",
    "EdgeRoute",
    "LayoutNode",
    "LayoutUnavailable",
    "TerminalLayout",
    "dot_source",
    "edge_style",
    "layout_auto",
    "layout_from_dot_json",
    "layout_key",
    "layout_layered",
    "layout_with_dot",
    "rasterize",
]

CELL_WIDTH_IN = 0.1
"""Width of one terminal cell in inches, as told to dot (a cell is twice as tall as wide)."""
CELL_HEIGHT_IN = 0.2
"""Height of one terminal cell in inches, as told to dot."""
_POINTS_PER_INCH = 72.0
_CELL_W_PT = CELL_WIDTH_IN * _POINTS_PER_INCH
_CELL_H_PT = CELL_HEIGHT_IN * _POINTS_PER_INCH
# Room dot keeps between a cluster's nodes and its box: 3 cells across (TB), 1.5 rows (LR), so
# that frames drawn 2 cells (TB) / 1 row (LR) around the members never touch each other.
_CLUSTER_MARGIN_PT = 21.6
_LAYOUT_VERSION = 1  # bump when the geometry for the same input changes (cache keys follow)
RANKDIRS = ("TB", "LR")

Edge = tuple[str, str]
Point = tuple[int, int]
Clusters = Mapping[str, Sequence[str]]


class LayoutUnavailable(RuntimeError):
    """Graphviz's ``dot`` could not be run (missing or failed); use :func:`layout_layered`."""


# --------------------------------------------------------------------------------------------
# Public data model
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Input checking and the shared graph model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spacing:
    """Blank cells kept around things; ``u`` is the axis along a rank, ``v`` across ranks."""

    node_gap: int  # between neighbouring boxes (and cluster frames) in a rank
    virtual_gap: int  # next to an edge that passes through a rank
    cluster_margin: int  # between a cluster frame and what it holds, along a rank
    channel_gap: int  # between a rank and the first edge track below it
    frame_gap: int  # between a rank and the closing frame of a cluster below/right of it


_SPACING = {"TB": _Spacing(2, 1, 1, 1, 0), "LR": _Spacing(1, 1, 0, 2, 1)}


@dataclass
class _Graph:
    """Validated input with integer indices and the cluster tree."""

    ids: list[str]
    width: list[int]
    height: list[int]
    edges: list[tuple[int, int]]
    rankdir: str
    cluster_names: list[str]
    cluster_parent: list[int | None]
    cluster_children: list[list[int]]
    cluster_nodes: list[list[int]]  # direct members (not those of nested clusters)
    node_cluster: list[int | None]  # innermost cluster of each node
    cluster_path: list[tuple[int, ...]]  # outermost ancestor ... the cluster itself

    def usize(self, i: int) -> int:
        """Extent of node ``i`` along a rank (width in TB, height in LR)."""
        return self.width[i] if self.rankdir == "TB" else self.height[i]

    def vsize(self, i: int) -> int:
        """Extent of node ``i`` across ranks (height in TB, width in LR)."""
        return self.height[i] if self.rankdir == "TB" else self.width[i]

    def postorder(self) -> list[int]:
        """Clusters with children before their parents."""
        out: list[int] = []

        def visit(c: int) -> None:
            for ch in self.cluster_children[c]:
                visit(ch)
            out.append(c)

        for c, parent in enumerate(self.cluster_parent):
            if parent is None:
                visit(c)
        return out


def _as_node(node: LayoutNode | Sequence[Any]) -> LayoutNode:
    """Accept ``LayoutNode`` or a plain ``(id, width, height)`` tuple."""
    return node if isinstance(node, LayoutNode) else LayoutNode(*node)


def _prepare(
    nodes: Iterable[LayoutNode],
    edges: Iterable[Edge],
    clusters: Clusters | None,
    rankdir: str,
) -> _Graph:
    """Check the input and index it; raise ``ValueError`` with a clear message on bad input."""
    rd = str(rankdir).upper()
    if rd not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, not {rankdir!r}")
    node_list = [_as_node(n) for n in nodes]
    index: dict[str, int] = {}
    for i, node in enumerate(node_list):
        if node.id in index:
            raise ValueError(f"duplicate node id {node.id!r}")
        if node.width < 3 or node.height < 3:
            raise ValueError(
                f"node {node.id!r} is {node.width}x{node.height} cells; boxes need at least 3x3"
            )
        index[node.id] = i
    edge_list: list[tuple[int, int]] = []
    for tail, head in edges:
        if tail not in index or head not in index:
            raise ValueError(f"edge {tail!r} -> {head!r} names an unknown node")
        edge_list.append((index[tail], index[head]))

    names: list[str] = []
    sets: list[frozenset[int]] = []
    for name, members in (clusters or {}).items():
        ids = set()
        for m in members:
            if m not in index:
                raise ValueError(f"cluster {name!r} names an unknown node {m!r}")
            ids.add(index[m])
        if ids:  # an empty cluster has nothing to frame
            names.append(str(name))
            sets.append(frozenset(ids))
    for a in range(len(sets)):
        for b in range(a + 1, len(sets)):
            sa, sb = sets[a], sets[b]
            if sa & sb and not (sa <= sb or sb <= sa):
                raise ValueError(
                    f"clusters {names[a]!r} and {names[b]!r} share nodes without one holding "
                    "the other; clusters must nest or be disjoint"
                )
    parent: list[int | None] = []
    for b, sb in enumerate(sets):
        best: int | None = None
        for a, sa in enumerate(sets):
            if a == b or not sb <= sa or (sa == sb and a > b):
                continue  # equal sets nest in list order: the earlier one is outside
            if (
                best is None
                or len(sa) < len(sets[best])
                or (len(sa) == len(sets[best]) and a > best)
            ):
                best = a
        parent.append(best)
    children: list[list[int]] = [[] for _ in sets]
    for c, p in enumerate(parent):
        if p is not None:
            children[p].append(c)
    node_cluster: list[int | None] = [None] * len(node_list)
    for c, s in enumerate(sets):
        for i in s:
            cur = node_cluster[i]
            if cur is None or len(s) < len(sets[cur]) or (len(s) == len(sets[cur]) and c > cur):
                node_cluster[i] = c
    direct: list[list[int]] = [[] for _ in sets]
    for i, c in enumerate(node_cluster):
        if c is not None:
            direct[c].append(i)
    paths: list[tuple[int, ...]] = []
    for c in range(len(sets)):
        chain = []
        cur: int | None = c
        while cur is not None:
            chain.append(cur)
            cur = parent[cur]
        paths.append(tuple(reversed(chain)))
    return _Graph(
        ids=[n.id for n in node_list],
        width=[n.width for n in node_list],
        height=[n.height for n in node_list],
        edges=edge_list,
        rankdir=rd,
        cluster_names=names,
        cluster_parent=parent,
        cluster_children=children,
        cluster_nodes=direct,
        node_cluster=node_cluster,
        cluster_path=paths,
    )


def layout_key(
    nodes: Iterable[LayoutNode],
    edges: Iterable[Edge],
    clusters: Clusters | None = None,
    rankdir: str = "TB",
) -> str:
    """A stable hash of the graph's structure and sizes, to cache layouts by."""
    payload = [
        _LAYOUT_VERSION,
        str(rankdir).upper(),
        [[n.id, n.width, n.height] for n in map(_as_node, nodes)],
        [[t, h] for t, h in edges],
        [[name, list(members)] for name, members in (clusters or {}).items()],
    ]
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# --------------------------------------------------------------------------------------------
# DOT text and dot's JSON
# --------------------------------------------------------------------------------------------


def _quote(text: str) -> str:
    """A DOT double-quoted ID (backslashes and quotes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def dot_source(
    nodes: Iterable[LayoutNode],
    edges: Iterable[Edge],
    clusters: Clusters | None = None,
    rankdir: str = "TB",
) -> str:
    """DOT text with fixed-size boxes (cells converted to inches) for dot to lay out.

    Nodes are declared first in input order, so dot's object order matches the input even for
    ids it would spell differently. Edges use polyline splines: only the points where an edge
    crosses a rank are used, and the router draws the rest rectilinearly.
    """
    g = _prepare(nodes, edges, clusters, rankdir)
    out = [
        "digraph tapeviz {",
        (
            f"  graph [rankdir={g.rankdir}, newrank=true, splines=polyline, nodesep=0.3, ranksep=0.4,"
            " margin=0];"
        ),
        '  node [shape=box, fixedsize=true, label="", margin=0];',
        "  edge [arrowhead=none];",
    ]
    for i, nid in enumerate(g.ids):
        w = _num(g.width[i] * CELL_WIDTH_IN)
        h = _num(g.height[i] * CELL_HEIGHT_IN)
        out.append(f"  {_quote(nid)} [width={w}, height={h}];")

    def emit(c: int, indent: str) -> None:
        name = g.cluster_names[c]
        out.append(f"{indent}subgraph {_quote('cluster_' + name)} {{")
        out.append(f"{indent}  graph [margin={_CLUSTER_MARGIN_PT}];")
        for ch in g.cluster_children[c]:
            emit(ch, indent + "  ")
        for i in g.cluster_nodes[c]:
            out.append(f"{indent}  {_quote(g.ids[i])};")
        out.append(f"{indent}}}")

    for c, parent in enumerate(g.cluster_parent):
        if parent is None:
            emit(c, "  ")
    for t, h in g.edges:
        out.append(f"  {_quote(g.ids[t])} -> {_quote(g.ids[h])};")
    out.append("}")
    return "\n".join(out) + "\n"


def _floats(text: str) -> list[float]:
    return [float(v) for v in str(text).split(",")]


def _round(value: float) -> int:
    """Round half up (Python's ``round`` goes to even, which is not translation-invariant)."""
    return math.floor(value + 0.5)


def _spline_samples(edge_obj: Mapping[str, Any]) -> list[tuple[float, float]]:
    """Points along an edge's B-spline (from ``pos``, else from the ``_draw_`` bezier op)."""
    ctrl: list[tuple[float, float]] = []
    pos = edge_obj.get("pos")
    if isinstance(pos, str) and pos.strip():
        for token in pos.split(";")[0].split():
            if token.startswith(("e,", "s,")):
                continue
            x, y = _floats(token)[:2]
            ctrl.append((x, y))
    else:
        for op in edge_obj.get("_draw_", ()) or ():
            if op.get("op") in ("b", "B"):
                ctrl = [(float(p[0]), float(p[1])) for p in op.get("points", ())]
                break
    if len(ctrl) < 4 or (len(ctrl) - 1) % 3:
        return ctrl  # not a cubic B-spline: use the points as a polyline
    out = [ctrl[0]]
    for k in range(0, len(ctrl) - 3, 3):
        p0, p1, p2, p3 = ctrl[k : k + 4]
        for step in range(1, 9):
            t = step / 8
            s = 1 - t
            a, b, c, d = s * s * s, 3 * s * s * t, 3 * s * t * t, t * t * t
            out.append(
                (
                    a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                    a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1],
                )
            )
    return out


def _crossing(samples: Sequence[tuple[float, float]], level: float) -> float | None:
    """The u coordinate where a sampled (rank, u) polyline crosses rank coordinate ``level``."""
    for (r0, u0), (r1, u1) in itertools.pairwise(samples):
        if r0 == r1:
            if r0 == level:
                return (u0 + u1) / 2
            continue
        if min(r0, r1) <= level <= max(r0, r1):
            return u0 + (u1 - u0) * (level - r0) / (r1 - r0)
    return None


def layout_from_dot_json(
    dot_json: str | bytes | Mapping[str, Any],
    nodes: Iterable[LayoutNode],
    edges: Iterable[Edge],
    clusters: Clusters | None = None,
    rankdir: str | None = None,
) -> TerminalLayout:
    """Convert ``dot -Tjson`` output for :func:`dot_source`'s text into a terminal layout.

    dot decides ranks, the order within ranks and positions along ranks (points, y upward);
    this keeps those, rounds them to cells, and re-spaces ranks so that edge tracks and
    cluster frames get whole rows. ``rankdir`` defaults to the one recorded in the JSON.
    """
    data = json.loads(dot_json) if isinstance(dot_json, (str, bytes, bytearray)) else dot_json
    g = _prepare(nodes, edges, clusters, rankdir or str(data.get("rankdir", "TB")))
    n = len(g.ids)
    if n == 0:
        return _empty_layout(g.rankdir, "dot")
    bb = _floats(data.get("bb", "0,0,0,0"))
    tb = g.rankdir == "TB"

    def to_rank_u(x: float, y: float) -> tuple[float, float]:
        """dot points -> (rank coordinate growing away from the first rank, u in cells)."""
        if tb:
            return -y, (x - bb[0]) / _CELL_W_PT
        return x, (bb[3] - y) / _CELL_H_PT

    objects = data.get("objects", []) or []
    by_name: dict[str, Mapping[str, Any]] = {}
    in_order: list[Mapping[str, Any]] = []
    for obj in objects:
        if "pos" in obj and "nodes" not in obj:
            by_name.setdefault(str(obj.get("name")), obj)
            in_order.append(obj)
    gvid_to_node: dict[int, int] = {}
    rank_coord: list[float] = []
    u_center: list[float] = []
    for i, nid in enumerate(g.ids):
        obj = by_name.get(nid) or by_name.get(nid.replace("\\", "\\\\"))
        if obj is None and len(in_order) == n:  # dot_source declares nodes in input order
            obj = in_order[i]
        if obj is None:
            raise ValueError(
                f"dot output has no node {nid!r}; was it made from dot_source() of this graph?"
            )
        gvid_to_node[int(obj.get("_gvid", -1))] = i
        rc, u = to_rank_u(*_floats(obj["pos"])[:2])
        rank_coord.append(rc)
        u_center.append(u)

    levels: list[float] = []
    for value in sorted(rank_coord):
        if not levels or value - levels[-1] > 1.0:
            levels.append(value)
    rank = [min(range(len(levels)), key=lambda k: abs(levels[k] - rc)) for rc in rank_coord]
    left = [_round(u_center[i] - g.usize(i) / 2) for i in range(n)]
    _separate_in_ranks(g, rank, left)

    splines: dict[tuple[int, int], deque[list[tuple[float, float]]]] = defaultdict(deque)
    for edge_obj in data.get("edges", []) or []:
        t = gvid_to_node.get(int(edge_obj.get("tail", -1)))
        h = gvid_to_node.get(int(edge_obj.get("head", -1)))
        if t is not None and h is not None:
            samples = [to_rank_u(x, y) for x, y in _spline_samples(edge_obj)]
            splines[(t, h)].append(samples)
    waypoints: list[list[int]] = []
    for t, h in g.edges:
        queue = splines.get((t, h))
        samples = queue.popleft() if queue else []
        lo, hi = sorted((rank[t], rank[h]))
        upper, lower = (t, h) if rank[t] <= rank[h] else (h, t)
        cols = []
        for r in range(lo + 1, hi):
            u = _crossing(samples, levels[r])
            if u is None:  # no spline: interpolate between the two centres
                f = (r - lo) / (hi - lo)
                u = u_center[upper] + (u_center[lower] - u_center[upper]) * f
            cols.append(math.floor(u))
        waypoints.append(cols)

    # Cluster frames are drawn around their members rather than from dot's "bb": dot lets
    # sibling cluster boxes touch, and the margin asked for in dot_source() leaves room.
    return _route(g, rank, left, waypoints, {}, "dot")


def _separate_in_ranks(g: _Graph, rank: list[int], left: list[int]) -> None:
    """Push boxes apart along each rank so neighbours keep one blank cell (rounding safety)."""
    by_rank: dict[int, list[int]] = defaultdict(list)
    for i, r in enumerate(rank):
        by_rank[r].append(i)
    for members in by_rank.values():
        members.sort(key=lambda i: (left[i] + g.usize(i) / 2, i))
        for a, b in itertools.pairwise(members):
            left[b] = max(left[b], left[a] + g.usize(a) + 1)


def _run_dot(source: str, executable: str, timeout: float) -> bytes:
    """Run dot on ``source`` and return its JSON bytes, or raise :class:`LayoutUnavailable`."""
    exe = shutil.which(executable)
    if exe is None:
        raise LayoutUnavailable(
            f"Graphviz {executable!r} was not found on PATH; install Graphviz "
            "(apt-get install graphviz | brew install graphviz) or use layout_layered()"
        )
    try:
        done = subprocess.run(
            [exe, "-Tjson"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LayoutUnavailable(f"Graphviz dot could not lay out the graph: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit status {done.returncode}"
        raise LayoutUnavailable(f"Graphviz dot failed: {detail}")
    return done.stdout


def layout_with_dot(
    nodes: Iterable[LayoutNode],
    edges: Iterable[Edge],
    clusters: Clusters | None = None,
    rankdir: str = "TB",
    *,
    executable: str = "dot",
    timeout: float = 20.0,
) -> TerminalLayout:
    """Lay out with Graphviz dot; raises :class:`LayoutUnavailable` when dot is missing or fails."""
    node_list = list(nodes)
    edge_list = list(edges)
    source = dot_source(node_list, edge_list, clusters, rankdir)
    raw = _run_dot(source, executable, timeout)
    return layout_from_dot_json(raw, node_list, edge_list, clusters, rankdir)


def layout_auto(
    nodes: Iterable[LayoutNode],
    edges: Iterable[Edge],
    clusters: Clusters | None = None,
    rankdir: str = "TB",
) -> TerminalLayout:
    """Lay out with dot when it can run, else with :func:`layout_layered` (see ``.engine``)."""
    node_list = list(nodes)
    edge_list = list(edges)
    try:
        return layout_with_dot(node_list, edge_list, clusters, rankdir)
    except LayoutUnavailable:
        return layout_layered(node_list, edge_list, clusters, rankdir)


# --------------------------------------------------------------------------------------------
# The router: ranks + positions along ranks -> cells, ports, tracks, polylines
# --------------------------------------------------------------------------------------------


def _empty_layout(rankdir: str, engine: str) -> TerminalLayout:
    return TerminalLayout(0, 0, rankdir, engine, {}, (), {})


def _free_column(col: int, blocked: set[int], taken: set[int]) -> int:
    """The nearest column to ``col`` that is neither blocked nor taken (ties go right)."""
    if col not in blocked and col not in taken:
        return col
    d = 1
    while True:
        for cand in (col + d, col - d):
            if cand not in blocked and cand not in taken:
                return cand
        d += 1


def _assign_tracks(segs: list[tuple[int, int, tuple[int, ...], tuple[int, ...]]]) -> list[int]:
    """Constrained left-edge channel routing: a track per horizontal segment.

    A segment is ``(lo, hi, top_pins, bottom_pins)``. Segments on one track never share a
    column, and a segment that drops from above into column c sits above one that leaves
    column c downward, so their vertical runs do not overlap (unless the constraints cycle).
    """
    n = len(segs)
    above: list[set[int]] = [set() for _ in range(n)]
    tops: dict[int, list[int]] = defaultdict(list)
    bottoms: dict[int, list[int]] = defaultdict(list)
    for i, (_, _, tp, bp) in enumerate(segs):
        for c in tp:
            tops[c].append(i)
        for c in bp:
            bottoms[c].append(i)
    for c, upper in tops.items():
        for j in bottoms.get(c, ()):
            for i in upper:
                if i != j:
                    above[j].add(i)
    order = sorted(range(n), key=lambda i: (segs[i][0], segs[i][1], i))
    track = [-1] * n
    left_to_place = n
    t = 0
    while left_to_place:
        last_hi = -math.inf
        placed = False
        for i in order:
            if track[i] != -1 or segs[i][0] <= last_hi:
                continue
            if all(track[p] != -1 and track[p] < t for p in above[i]):
                track[i] = t
                last_hi = segs[i][1]
                left_to_place -= 1
                placed = True
        if not placed:  # the constraints form a cycle: break it at the leftmost segment
            i = next(i for i in order if track[i] == -1)
            track[i] = t
            left_to_place -= 1
        t += 1
    return track


def _simplify(points: list[Point]) -> tuple[Point, ...]:
    """Drop repeated points and the middle of straight runs."""
    out: list[Point] = []
    for p in points:
        if out and out[-1] == p:
            continue
        if len(out) >= 2:
            a, b = out[-2], out[-1]
            if (a[0] == b[0] == p[0]) or (a[1] == b[1] == p[1]):
                out[-1] = p
                continue
        out.append(p)
    return tuple(out)


def _route(
    g: _Graph,
    rank: list[int],
    left: list[int],
    waypoints: list[list[int]],
    cluster_u: Mapping[int, tuple[int, int]],
    engine: str,
) -> TerminalLayout:
    """Turn ranks, positions along ranks and per-rank edge crossings into a TerminalLayout."""
    if not g.ids:
        return _empty_layout(g.rankdir, engine)
    return _Router(g, rank, left, cluster_u).run(waypoints, engine)


class _Router:
    """Cells for boxes, frames and rectilinear edges, given ranks and positions along ranks.

    Works in a rank-normalised frame: ``u`` runs along a rank, ``v`` across ranks (TB: u=x,
    v=y; LR: u=y, v=x). Ranks are stacked with channels between them; a channel holds the
    closing frames of clusters above it, edge tracks, the opening frames of clusters below it
    and an arrow row, so no line or frame ever crosses a box. Channel r lies after rank r;
    channel -1 lies before rank 0.
    """

    def __init__(
        self,
        g: _Graph,
        rank: list[int],
        left: list[int],
        cluster_u: Mapping[int, tuple[int, int]],
    ) -> None:
        self.g = g
        self.sp = _SPACING[g.rankdir]
        self.rank = rank
        self.left = left
        n = len(g.ids)
        self.n_ranks = max(rank) + 1
        self.usz = [g.usize(i) for i in range(n)]
        self.vsz = [g.vsize(i) for i in range(n)]
        self.center = [left[i] + (self.usz[i] - 1) / 2 for i in range(n)]
        self.by_rank: list[list[int]] = [[] for _ in range(self.n_ranks)]
        for i in range(n):
            self.by_rank[rank[i]].append(i)
        self._cluster_frames(cluster_u)

    def run(self, waypoints: list[list[int]], engine: str) -> TerminalLayout:
        """All the steps, in order."""
        self._place_crossings(waypoints)
        self._assign_ports()
        self._assign_tracks()
        self._stack_ranks()
        return self._to_screen(self._polylines(), engine)

    def _cluster_frames(self, given: Mapping[int, tuple[int, int]]) -> None:
        """Frame extents along u (members plus margin, widened to ``given``) and rank spans."""
        g, n_cl = self.g, len(self.g.cluster_names)
        self.span: list[tuple[int, int]] = [(0, 0)] * n_cl
        self.cl_u: list[tuple[int, int]] = [(0, 0)] * n_cl
        self.top_k = [0] * n_cl  # clusters nested inside that open on the same rank
        self.bot_k = [0] * n_cl  # ... and that close on the same rank
        for c in g.postorder():
            kids = g.cluster_children[c]
            direct = g.cluster_nodes[c]
            los = [self.left[i] for i in direct] + [self.cl_u[k][0] for k in kids]
            his = [self.left[i] + self.usz[i] - 1 for i in direct] + [self.cl_u[k][1] for k in kids]
            lo = min(los) - 1 - self.sp.cluster_margin
            hi = max(his) + 1 + self.sp.cluster_margin
            if c in given:
                lo, hi = min(lo, given[c][0]), max(hi, given[c][1])
            self.cl_u[c] = (lo, hi)
            ranks = [self.rank[i] for i in direct] + [r for k in kids for r in self.span[k]]
            self.span[c] = (min(ranks), max(ranks))
            first, last = self.span[c]
            self.top_k[c] = max(
                (self.top_k[k] + 1 for k in kids if self.span[k][0] == first), default=0
            )
            self.bot_k[c] = max(
                (self.bot_k[k] + 1 for k in kids if self.span[k][1] == last), default=0
            )

    def _place_crossings(self, waypoints: list[list[int]]) -> None:
        """Columns where edges cross intermediate ranks: free, and one edge per column."""
        rank = self.rank
        blocked: list[set[int]] = [set() for _ in range(self.n_ranks)]
        for i, r in enumerate(rank):  # a box and the cells beside it
            blocked[r].update(range(self.left[i] - 1, self.left[i] + self.usz[i] + 1))
        for c, (first, last) in enumerate(self.span):  # cluster frames
            for r in range(first, last + 1):
                blocked[r].update(self.cl_u[c])
        taken: list[set[int]] = [set() for _ in range(self.n_ranks)]
        self.wps: list[list[int]] = []
        for e, (t, h) in enumerate(self.g.edges):
            lo, hi = sorted((rank[t], rank[h]))
            given = list(waypoints[e]) if e < len(waypoints) else []
            if len(given) != max(0, hi - lo - 1):  # none given: interpolate the centres
                upper, lower = (t, h) if rank[t] <= rank[h] else (h, t)
                cu, cl = self.center[upper], self.center[lower]
                given = [
                    math.floor(cu + (cl - cu) * (r - lo) / (hi - lo)) for r in range(lo + 1, hi)
                ]
            cols = []
            for k, col in enumerate(given):
                r = lo + 1 + k
                col = _free_column(col, blocked[r], taken[r])
                taken[r].add(col)
                cols.append(col)
            self.wps.append(cols)

    def _assign_ports(self) -> None:
        """Where each edge meets its boxes: spread along the side, ordered by where it goes.

        Side 0 of a box faces the previous rank, side 1 the next. Forward edges leave side 1
        and enter side 0, backward edges (cycles) the other way round, and edges within a rank
        (self-loops included) use side 0 of both boxes.
        """
        rank, center, wps = self.rank, self.center, self.wps
        attach: dict[tuple[int, int], list[tuple[float, int, int]]] = defaultdict(list)
        for e, (t, h) in enumerate(self.g.edges):
            wp = wps[e]
            if t == h:
                attach[(t, 0)].append((center[t] - 0.25, e, 0))
                attach[(t, 0)].append((center[t] + 0.25, e, 1))
            elif rank[t] == rank[h]:
                attach[(t, 0)].append((center[h], e, 0))
                attach[(h, 0)].append((center[t], e, 1))
            elif rank[t] < rank[h]:
                attach[(t, 1)].append((wp[0] if wp else center[h], e, 0))
                attach[(h, 0)].append((wp[-1] if wp else center[t], e, 1))
            else:
                attach[(t, 0)].append((wp[-1] if wp else center[h], e, 0))
                attach[(h, 1)].append((wp[0] if wp else center[t], e, 1))
        self.port: dict[tuple[int, int], int] = {}  # (edge, 0 tail / 1 head) -> column
        for (node, _side), items in attach.items():
            items.sort()
            k, inner, base = len(items), self.usz[node] - 2, self.left[node] + 1
            for idx, (_, e, end) in enumerate(items):
                if k <= inner:
                    self.port[(e, end)] = base + ((2 * idx + 1) * inner) // (2 * k)
                else:  # more edges than cells on this side: some share a port
                    self.port[(e, end)] = base + (idx * inner) // k
        for want_end in (1, 0):  # a lone edge on a side lines up with its other end: no jog
            for (node, _side), items in sorted(attach.items()):
                _, e, end = items[0]
                if len(items) != 1 or end != want_end:
                    continue
                col = self._next_column(e, end)
                if self.left[node] + 1 <= col <= self.left[node] + self.usz[node] - 2:
                    self.port[(e, end)] = col

    def _next_column(self, e: int, end: int) -> int:
        """The next column along edge ``e`` seen from its ``end`` (0 tail, 1 head)."""
        t, h = self.g.edges[e]
        wp = self.wps[e]
        if self.rank[t] == self.rank[h] or not wp:
            return self.port[(e, 1 - end)]
        at_upper = (end == 0) == (self.rank[t] < self.rank[h])
        return wp[0] if at_upper else wp[-1]

    def _assign_tracks(self) -> None:
        """Columns along each edge, and a track (row offset) for each of its channel hops."""
        rank = self.rank
        segs: dict[int, list[tuple[int, int, tuple[int, ...], tuple[int, ...]]]] = defaultdict(list)
        self.hop: dict[tuple[int, int], tuple[int, int]] = {}  # (edge, hop) -> (channel, seg)
        self.seqs: list[list[int]] = []
        for e, (t, h) in enumerate(self.g.edges):
            if rank[t] == rank[h]:  # up into the channel before the rank, across, down
                a, b = self.port[(e, 0)], self.port[(e, 1)]
                ch = rank[t] - 1
                self.hop[(e, 0)] = (ch, len(segs[ch]))
                segs[ch].append((min(a, b), max(a, b), (), (a, b)))
                self.seqs.append([a, b])
                continue
            forward = rank[t] < rank[h]
            seq = [self.port[(e, 1 - forward)], *self.wps[e], self.port[(e, int(forward))]]
            self.seqs.append(seq)
            first = min(rank[t], rank[h])
            for k, (a, b) in enumerate(itertools.pairwise(seq)):
                if a != b:  # a jog: a horizontal hop in channel first + k
                    ch = first + k
                    self.hop[(e, k)] = (ch, len(segs[ch]))
                    segs[ch].append((min(a, b), max(a, b), (a,), (b,)))
        self.tracks = {ch: _assign_tracks(s) for ch, s in segs.items()}
        self.n_tracks = {ch: max(tr) + 1 for ch, tr in self.tracks.items() if tr}

    def _stack_ranks(self) -> None:
        """Rows (TB) or columns (LR) for every rank band and channel."""
        sp, n_ranks = self.sp, self.n_ranks
        opens = [0] * n_ranks  # frame rows needed before rank r
        closes = [0] * n_ranks  # frame rows needed after rank r
        for c, (first, last) in enumerate(self.span):
            opens[first] = max(opens[first], self.top_k[c] + 1)
            closes[last] = max(closes[last], self.bot_k[c] + 1 + sp.frame_gap)
        self.band_h = [max(self.vsz[i] for i in members) for members in self.by_rank]
        self.band_top = [0] * n_ranks
        self.track_base: dict[int, int] = {-1: 0}
        v = self.n_tracks.get(-1, 0) + opens[0]
        if v:
            v += 1  # the arrow row above rank 0
        for r in range(n_ranks):
            self.band_top[r] = v
            v += self.band_h[r]
            if r < n_ranks - 1:
                self.track_base[r] = v + closes[r] + sp.channel_gap
                v = self.track_base[r] + self.n_tracks.get(r, 0) + opens[r + 1] + 1
            else:
                v += closes[r]
        self.total_v = v
        self.vtop = [
            self.band_top[r] + (self.band_h[r] - self.vsz[i]) // 2 for i, r in enumerate(self.rank)
        ]

    def _row(self, e: int, k: int) -> int:
        ch, idx = self.hop[(e, k)]
        return self.track_base[ch] + self.tracks[ch][idx]

    def _polylines(self) -> list[list[Point]]:
        """Each edge from a port on its tail's border to the cell before its head's border."""
        rank, vtop, vsz = self.rank, self.vtop, self.vsz
        routes: list[list[Point]] = []
        for e, (t, h) in enumerate(self.g.edges):
            seq = self.seqs[e]
            if rank[t] == rank[h]:
                row = self._row(e, 0)
                routes.append(
                    [(seq[0], vtop[t]), (seq[0], row), (seq[1], row), (seq[1], vtop[h] - 1)]
                )
                continue
            forward = rank[t] < rank[h]
            upper, lower = (t, h) if forward else (h, t)
            pts: list[Point] = [(seq[0], vtop[upper] + vsz[upper] - 1)]
            for k, (a, b) in enumerate(itertools.pairwise(seq)):
                if a != b:
                    row = self._row(e, k)
                    pts += [(a, row), (b, row)]
            pts.append((seq[-1], vtop[lower]))
            if not forward:
                pts.reverse()
            # end on the cell just outside the head box: one step back toward the previous point
            (u1, v1), (u0, v0) = pts[-1], pts[-2]
            pts[-1] = (u1 + (u0 > u1) - (u0 < u1), v1 + (v0 > v1) - (v0 < v1))
            routes.append(pts)
        return routes

    def _to_screen(self, routes: list[list[Point]], engine: str) -> TerminalLayout:
        """Back to x/y, shifted so that every coordinate is >= 0."""
        g, n = self.g, len(self.g.ids)
        usz, vsz, left = self.usz, self.vsz, self.left
        cl_v = [
            (
                self.band_top[first] - 2 - self.top_k[c],
                self.band_top[last] + self.band_h[last] + self.bot_k[c] + self.sp.frame_gap,
            )
            for c, (first, last) in enumerate(self.span)
        ]
        us = [p[0] for pts in routes for p in pts]
        min_u = min([*left, *(lo for lo, _ in self.cl_u), *us])
        max_u = max([*(left[i] + usz[i] - 1 for i in range(n)), *(hi for _, hi in self.cl_u), *us])
        tb = g.rankdir == "TB"

        def to_xy(u: int, v: int) -> Point:
            return (u - min_u, v) if tb else (v, u - min_u)

        def box(u0: int, v0: int, u_size: int, v_size: int) -> Box:
            x, y = to_xy(u0, v0)
            return Box(x, y, u_size, v_size) if tb else Box(x, y, v_size, u_size)

        nodes = {g.ids[i]: box(left[i], self.vtop[i], usz[i], vsz[i]) for i in range(n)}
        edges = tuple(
            EdgeRoute(g.ids[t], g.ids[h], _simplify([to_xy(u, v) for u, v in routes[e]]))
            for e, (t, h) in enumerate(g.edges)
        )
        clusters = {
            name: box(
                self.cl_u[c][0],
                cl_v[c][0],
                self.cl_u[c][1] - self.cl_u[c][0] + 1,
                cl_v[c][1] - cl_v[c][0] + 1,
            )
            for c, name in enumerate(g.cluster_names)
        }
        extent_u = max_u - min_u + 1
        width, height = (extent_u, self.total_v) if tb else (self.total_v, extent_u)
        return TerminalLayout(width, height, g.rankdir, engine, nodes, edges, clusters)


# --------------------------------------------------------------------------------------------
# Pure-Python layered layout (used when dot is missing)
# --------------------------------------------------------------------------------------------


def _rank_nodes(n: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """Longest-path ranks after reversing DFS back edges; sources sit just above their uses."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for e, (t, h) in enumerate(edges):
        if t != h:
            out[t].append((h, e))
    reversed_edges: set[int] = set()
    state = [0] * n  # 0 unseen, 1 on the DFS stack, 2 finished
    for s in range(n):
        if state[s]:
            continue
        state[s] = 1
        stack = [(s, 0)]
        while stack:
            v, k = stack[-1]
            if k < len(out[v]):
                stack[-1] = (v, k + 1)
                w, e = out[v][k]
                if state[w] == 1:
                    reversed_edges.add(e)
                elif state[w] == 0:
                    state[w] = 1
                    stack.append((w, 0))
            else:
                state[v] = 2
                stack.pop()
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for e, (t, h) in enumerate(edges):
        if t == h:
            continue
        a, b = (h, t) if e in reversed_edges else (t, h)
        succ[a].append(b)
        indeg[b] += 1
    has_pred = [d > 0 for d in indeg]
    rank = [0] * n
    heap = [v for v in range(n) if indeg[v] == 0]
    heapq.heapify(heap)
    while heap:
        v = heapq.heappop(heap)
        for w in succ[v]:
            rank[w] = max(rank[w], rank[v] + 1)
            indeg[w] -= 1
            if indeg[w] == 0:
                heapq.heappush(heap, w)
    for v in range(n):
        if not has_pred[v] and succ[v]:
            rank[v] = min(rank[w] for w in succ[v]) - 1
    used = sorted(set(rank))
    remap = {r: k for k, r in enumerate(used)}
    return [remap[r] for r in rank]


class _Layered:
    """Sugiyama-style layering: virtual items for long edges, ordering sweeps, placement."""

    ORDER_ITERATIONS = 10
    PLACE_ITERATIONS = 6

    def __init__(self, g: _Graph, rank: list[int]) -> None:
        self.g = g
        self.sp = _SPACING[g.rankdir]
        n = len(g.ids)
        self.n_ranks = max(rank) + 1
        # items: 0..n-1 are the nodes, then virtual items of long edges, then cluster fillers
        self.size = [g.usize(i) for i in range(n)]
        self.rank = list(rank)
        self.cluster: list[int | None] = list(g.node_cluster)
        self.is_node = [True] * n
        self.up: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        self.down: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        self.chains: list[list[int]] = []
        for t, h in g.edges:
            if t == h or rank[t] == rank[h]:
                self.chains.append([])
                continue
            upper, lower = (t, h) if rank[t] < rank[h] else (h, t)
            common = self._common_cluster(self.cluster[t], self.cluster[h])
            chain = [self._new_item(r, common, False) for r in range(rank[upper] + 1, rank[lower])]
            self.chains.append(chain)
            path = [upper, *chain, lower]
            for a, b in itertools.pairwise(path):
                # as in dot: pieces of long edges pull harder, so those edges run straight
                weight = (8.0, 2.0, 1.0)[self.is_node[a] + self.is_node[b]]
                self.down[a].append((b, weight))
                self.up[b].append((a, weight))
        self._add_cluster_fillers()
        self.path = [g.cluster_path[c] if c is not None else () for c in self.cluster]
        self.rank_items: list[list[int]] = [[] for _ in range(self.n_ranks)]
        for it in range(len(self.size)):
            self.rank_items[self.rank[it]].append(it)
        self.pos = [0] * len(self.size)

    def _new_item(self, r: int, cluster: int | None, is_node: bool) -> int:
        self.size.append(1)
        self.rank.append(r)
        self.cluster.append(cluster)
        self.is_node.append(is_node)
        self.up.append([])
        self.down.append([])
        return len(self.size) - 1

    def _common_cluster(self, a: int | None, b: int | None) -> int | None:
        if a is None or b is None:
            return None
        pa, pb = self.g.cluster_path[a], self.g.cluster_path[b]
        common = None
        for x, y in zip(pa, pb):
            if x != y:
                break
            common = x
        return common

    def _add_cluster_fillers(self) -> None:
        """Give every cluster an item in each rank it spans, so its frame stays a rectangle."""
        g = self.g
        ranks_of: list[set[int]] = [set() for _ in g.cluster_names]
        for it, c in enumerate(self.cluster):
            if c is not None:
                for anc in g.cluster_path[c]:
                    ranks_of[anc].add(self.rank[it])
        for c in g.postorder():
            if not ranks_of[c]:
                continue
            for r in range(min(ranks_of[c]), max(ranks_of[c]) + 1):
                if r not in ranks_of[c]:
                    self._new_item(r, c, False)
                    for anc in g.cluster_path[c]:
                        ranks_of[anc].add(r)

    # ---- ordering -------------------------------------------------------------------------

    def order(self) -> None:
        """Barycentre sweeps down and up; keep the ordering with the fewest crossings."""
        n = len(self.g.ids)
        initial = [it if it < n else n + it for it in range(len(self.size))]
        for r in range(self.n_ranks):
            self.rank_items[r].sort(key=lambda it: initial[it])
            self._set_positions(r)
        if self.g.cluster_names:  # group every rank by cluster before anything is compared
            gkey = self._cluster_keys()
            for r in range(self.n_ranks):
                keys = {it: float(self.pos[it]) for it in self.rank_items[r]}
                self.rank_items[r] = self._cluster_sort(self.rank_items[r], keys, gkey, 0)
                self._set_positions(r)
        # Sweeps cover every rank (an end rank keeps its keys) so that all ranks are sorted
        # with the same cluster order, which keeps sibling clusters in one order everywhere.
        self._sweep(range(self.n_ranks), self.up)
        best = [list(items) for items in self.rank_items]
        best_cross = self._crossings()
        for _ in range(self.ORDER_ITERATIONS):
            if best_cross == 0:
                break
            self._sweep(range(self.n_ranks - 1, -1, -1), self.down)
            self._sweep(range(self.n_ranks), self.up)
            cross = self._crossings()
            if cross < best_cross:
                best_cross = cross
                best = [list(items) for items in self.rank_items]
        self.rank_items = best
        for r in range(self.n_ranks):
            self._set_positions(r)

    def _set_positions(self, r: int) -> None:
        for k, it in enumerate(self.rank_items[r]):
            self.pos[it] = k

    def _sweep(self, ranks: Iterable[int], neighbours: list[list[tuple[int, float]]]) -> None:
        gkey = self._cluster_keys() if self.g.cluster_names else []
        for r in ranks:
            keys: dict[int, float] = {}
            for it in self.rank_items[r]:
                nbs = neighbours[it]
                if nbs:
                    total = sum(w for _, w in nbs)
                    keys[it] = sum(self.pos[b] * w for b, w in nbs) / total
                else:
                    keys[it] = float(self.pos[it])
            if gkey:
                self.rank_items[r] = self._cluster_sort(self.rank_items[r], keys, gkey, 0)
            else:
                self.rank_items[r].sort(key=lambda it: (keys[it], self.pos[it]))
            self._set_positions(r)

    def _cluster_keys(self) -> list[float]:
        """Each cluster's mean relative position pull; sibling clusters keep this order in all ranks."""
        sums = [0.0] * len(self.g.cluster_names)
        counts = [0] * len(self.g.cluster_names)
        for it, path in enumerate(self.path):
            if not path:
                continue
            nbs = self.up[it] + self.down[it]
            if nbs:
                val = sum(
                    (self.pos[b] + 0.5) / len(self.rank_items[self.rank[b]]) for b, _ in nbs
                ) / len(nbs)
            else:
                val = (self.pos[it] + 0.5) / len(self.rank_items[self.rank[it]])
            for c in path:
                sums[c] += val
                counts[c] += 1
        return [s / k if k else 0.0 for s, k in zip(sums, counts)]

    def _cluster_sort(
        self, items: list[int], keys: Mapping[int, float], gkey: list[float], depth: int
    ) -> list[int]:
        """Sort by key while keeping each cluster's items contiguous (recursively)."""
        groups: dict[int, list[int]] = {}
        entries: list[tuple[float, int, int, int]] = []  # (key, tie, is_group, payload)
        for it in items:
            path = self.path[it]
            if len(path) > depth:
                groups.setdefault(path[depth], []).append(it)
            else:
                entries.append((keys[it], self.pos[it], 0, it))
        for c, members in groups.items():
            k = sum(keys[m] for m in members) / len(members)
            entries.append((k, min(self.pos[m] for m in members), 1, c))
        entries.sort(key=lambda e: (e[0], e[1]))
        slots = [k for k, e in enumerate(entries) if e[2]]
        ordered = sorted((entries[k][3] for k in slots), key=lambda c: (gkey[c], c))
        out: list[int] = []
        fill = iter(ordered)
        for e in entries:
            if e[2]:
                out.extend(self._cluster_sort(groups[next(fill)], keys, gkey, depth + 1))
            else:
                out.append(e[3])
        return out

    def _crossings(self) -> int:
        """Edge crossings between all neighbouring ranks (inversion count with a Fenwick tree)."""
        total = 0
        for r in range(self.n_ranks - 1):
            pairs = sorted(
                (self.pos[a], self.pos[b]) for a in self.rank_items[r] for b, _ in self.down[a]
            )
            size = len(self.rank_items[r + 1])
            tree = [0] * (size + 1)
            for seen, (_, pb) in enumerate(pairs):
                k, not_greater = pb + 1, 0
                while k > 0:
                    not_greater += tree[k]
                    k -= k & -k
                total += seen - not_greater
                k = pb + 1
                while k <= size:
                    tree[k] += 1
                    k += k & -k
        return total

    # ---- placement ------------------------------------------------------------------------

    def _separation(self, a: int, b: int) -> tuple[int, list[int], list[int]]:
        """Blank cells needed between neighbours ``a`` < ``b``, and the frames between them."""
        pa, pb = self.path[a], self.path[b]
        common = 0
        while common < min(len(pa), len(pb)) and pa[common] == pb[common]:
            common += 1
        closing = list(reversed(pa[common:]))  # innermost first
        opening = list(pb[common:])  # outermost first
        if closing or opening or self.is_node[a] and self.is_node[b]:
            gap = self.sp.node_gap
        else:
            gap = self.sp.virtual_gap
        sep = gap + (1 + self.sp.cluster_margin) * (len(closing) + len(opening))
        return sep, closing, opening

    def place(self) -> tuple[list[int], list[list[int]], dict[int, tuple[int, int]]]:
        """Positions along ranks: balanced per rank (isotonic regression), then made legal."""
        n_items = len(self.size)
        x = [0.0] * n_items  # centres
        seps: list[list[int]] = []
        for items in self.rank_items:
            row_seps = [self._separation(a, b)[0] for a, b in itertools.pairwise(items)]
            seps.append(row_seps)
            cursor = 0.0
            for k, it in enumerate(items):
                x[it] = cursor + self.size[it] / 2
                cursor += self.size[it] + (row_seps[k] if k < len(row_seps) else 0)
        for _ in range(self.PLACE_ITERATIONS):
            for r in range(1, self.n_ranks):
                self._balance(r, x, seps[r], self.up)
            for r in range(self.n_ranks - 2, -1, -1):
                self._balance(r, x, seps[r], self.down)
        both = [u + d for u, d in zip(self.up, self.down)]
        for r in range(self.n_ranks):
            self._balance(r, x, seps[r], both)
        left = [_round(x[it] - self.size[it] / 2) for it in range(n_items)]
        left = self._legalize(left)
        shift = min(left)
        left = [v - shift for v in left]

        cluster_u: dict[int, tuple[int, int]] = {}
        m = self.sp.cluster_margin
        direct: dict[int, list[int]] = defaultdict(list)
        for it, c in enumerate(self.cluster):
            if c is not None:
                direct[c].append(it)
        for c in self.g.postorder():
            los = [left[it] for it in direct[c]] + [
                cluster_u[k][0] for k in self.g.cluster_children[c]
            ]
            his = [left[it] + self.size[it] - 1 for it in direct[c]] + [
                cluster_u[k][1] for k in self.g.cluster_children[c]
            ]
            cluster_u[c] = (min(los) - 1 - m, max(his) + 1 + m)
        n = len(self.g.ids)
        waypoints = [[left[v] for v in chain] for chain in self.chains]
        return left[:n], waypoints, cluster_u

    def _balance(
        self, r: int, x: list[float], seps: list[int], neighbours: list[list[tuple[int, float]]]
    ) -> None:
        """Move rank ``r`` toward its neighbours' barycentres, keeping order and gaps (PAVA)."""
        items = self.rank_items[r]
        if not items:
            return
        offsets = [0.0]
        for k in range(len(items) - 1):
            a, b = items[k], items[k + 1]
            offsets.append(offsets[-1] + self.size[a] / 2 + seps[k] + self.size[b] / 2)
        blocks: list[list[float]] = []  # [weighted sum, weight, count]
        for k, it in enumerate(items):
            nbs = neighbours[it]
            if nbs:
                w = sum(wt for _, wt in nbs)
                target = sum(x[b] * wt for b, wt in nbs) / w
            else:
                w, target = 0.01, x[it]
            blocks.append([(target - offsets[k]) * w, w, 1])
            while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
                s, wt, c = blocks.pop()
                blocks[-1][0] += s
                blocks[-1][1] += wt
                blocks[-1][2] += c
        k = 0
        for s, wt, c in blocks:
            z = s / wt
            for _ in range(c):
                x[items[k]] = z + offsets[k]
                k += 1

    def _legalize(self, left: list[int]) -> list[int]:
        """Push items right as little as needed so gaps and cluster frames all hold."""
        n_items = len(self.size)
        n_cl = len(self.g.cluster_names)
        m = self.sp.cluster_margin
        n_vars = n_items + 2 * n_cl  # cluster c: left frame n_items + 2c, right frame + 1
        succ: list[list[tuple[int, int]]] = [[] for _ in range(n_vars)]

        def need(a: int, b: int, d: int) -> None:  # value[b] >= value[a] + d
            succ[a].append((b, d))

        for items in self.rank_items:
            for a, b in itertools.pairwise(items):
                sep, closing, opening = self._separation(a, b)
                if not closing and not opening:
                    need(a, b, self.size[a] + sep)
                    continue
                prev, d = a, self.size[a] + m
                for c in closing:
                    need(prev, n_items + 2 * c + 1, d)
                    prev, d = n_items + 2 * c + 1, 1 + m
                d = (1 + self.sp.node_gap) if closing else (self.size[a] + self.sp.node_gap)
                for c in opening:
                    need(prev, n_items + 2 * c, d)
                    prev, d = n_items + 2 * c, 1 + m
                need(prev, b, d)
        for it, c in enumerate(self.cluster):
            if c is not None:
                need(n_items + 2 * c, it, 1 + m)
                need(it, n_items + 2 * c + 1, self.size[it] + m)
        for c, parent in enumerate(self.g.cluster_parent):
            if parent is not None:
                need(n_items + 2 * parent, n_items + 2 * c, 1 + m)
                need(n_items + 2 * c + 1, n_items + 2 * parent + 1, 1 + m)

        low = -(10**9)
        value = list(left) + [low] * (2 * n_cl)
        indeg = [0] * n_vars
        for outs in succ:
            for b, _ in outs:
                indeg[b] += 1
        queue = deque(v for v in range(n_vars) if indeg[v] == 0)
        done = 0
        while queue:
            a = queue.popleft()
            done += 1
            for b, d in succ[a]:
                value[b] = max(value[b], value[a] + d)
                indeg[b] -= 1
                if indeg[b] == 0:
                    queue.append(b)
        if done == n_vars:
            return value[:n_items]
        # Cyclic frame constraints should not happen; keep at least the boxes apart.
        out = list(left)
        for items in self.rank_items:
            for a, b in itertools.pairwise(items):
                out[b] = max(out[b], out[a] + self.size[a] + self._separation(a, b)[0])
        return out


def layout_layered(
    nodes: Iterable[LayoutNode],
    edges: Iterable[Edge],
    clusters: Clusters | None = None,
    rankdir: str = "TB",
) -> TerminalLayout:
    """Pure-Python layered layout (no Graphviz): same geometry rules as the dot path."""
    g = _prepare(nodes, edges, clusters, rankdir)
    if not g.ids:
        return _empty_layout(g.rankdir, "layered")
    rank = _rank_nodes(len(g.ids), g.edges)
    layered = _Layered(g, rank)
    layered.order()
    left, waypoints, cluster_u = layered.place()
    return _route(g, rank, left, waypoints, cluster_u, "layered")


# --------------------------------------------------------------------------------------------
# Rasterizing
# --------------------------------------------------------------------------------------------

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

    titles = cluster_titles or {}
    for name, b in sorted(layout.clusters.items(), key=lambda kv: -kv[1].w * kv[1].h):
        style = f"cluster:{name}"
        for x in range(b.x + 1, b.right):
            put(x, b.y, "┄", style)
            put(x, b.bottom, "┄", style)
        for y in range(b.y + 1, b.bottom):
            put(b.x, y, "┆", style)
            put(b.right, y, "┆", style)
        for (x, y), ch in (((b.x, b.y), "╭"), ((b.right, b.y), "╮"), ((b.x, b.bottom), "╰"),
                           ((b.right, b.bottom), "╯")):  # fmt: skip
            put(x, y, ch, style)
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
        border, inside = f"node:{nid}", f"label:{nid}"
        for x in range(b.x + 1, b.right):
            put(x, b.y, "─", border)
            put(x, b.bottom, "─", border)
        for y in range(b.y + 1, b.bottom):
            put(b.x, y, "│", border)
            put(b.right, y, "│", border)
            for x in range(b.x + 1, b.right):
                put(x, y, " ", inside)
        put(b.x, b.y, "┌", border)
        put(b.right, b.y, "┐", border)
        put(b.x, b.bottom, "└", border)
        put(b.right, b.bottom, "┘", border)
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
