"""Graphviz's side: DOT text for the graph, running ``dot -Tjson``, and reading its answer.

dot decides ranks, the order within ranks and positions along ranks; the router then turns
those into cells. :func:`layout_auto` falls back to the pure-Python layered layout.
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
import subprocess
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .graph import LayoutGraph, prepare_graph, round_half_up
from .layered import layout_layered
from .model import (
    CELL_HEIGHT_IN,
    CELL_WIDTH_IN,
    LayoutInput,
    LayoutUnavailable,
    TerminalLayout,
    empty_layout,
)
from .router import route_edges

_POINTS_PER_INCH = 72.0
_CELL_W_PT = CELL_WIDTH_IN * _POINTS_PER_INCH
_CELL_H_PT = CELL_HEIGHT_IN * _POINTS_PER_INCH
# Room dot keeps between a cluster's nodes and its box: 3 cells across (TB), 1.5 rows (LR), so
# that frames drawn 2 cells (TB) / 1 row (LR) around the members never touch each other.
_CLUSTER_MARGIN_PT = 21.6


def _quote(text: str) -> str:
    """A DOT double-quoted ID (backslashes and quotes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def dot_source(graph: LayoutInput) -> str:
    """DOT text with fixed-size boxes (cells converted to inches) for dot to lay out.

    Nodes are declared first in input order, so dot's object order matches the input even for
    ids it would spell differently. Edges use polyline splines: only the points where an edge
    crosses a rank are used, and the router draws the rest rectilinearly.
    """
    g = prepare_graph(graph)
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


def layout_from_dot_json(dot_json: str | bytes | Mapping[str, Any], graph: LayoutInput) -> TerminalLayout:
    """Convert ``dot -Tjson`` output for :func:`dot_source`'s text of ``graph`` into a terminal layout.

    dot decides ranks, the order within ranks and positions along ranks (points, y upward);
    this keeps those, rounds them to cells, and re-spaces ranks so that edge tracks and
    cluster frames get whole rows. Without ``graph.rankdir`` the one recorded in the JSON is used.
    """
    data = json.loads(dot_json) if isinstance(dot_json, (str, bytes, bytearray)) else dot_json
    if not graph.rankdir:
        graph = replace(graph, rankdir=str(data.get("rankdir", "TB")))
    g = prepare_graph(graph)
    n = len(g.ids)
    if n == 0:
        return empty_layout(g.rankdir, "dot")
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
    left = [round_half_up(u_center[i] - g.usize(i) / 2) for i in range(n)]
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
    return route_edges(g, rank, left, waypoints, {}, "dot")


def _separate_in_ranks(g: LayoutGraph, rank: list[int], left: list[int]) -> None:
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


def layout_with_dot(graph: LayoutInput, *, executable: str = "dot", timeout: float = 20.0) -> TerminalLayout:
    """Lay out with Graphviz dot; raises :class:`LayoutUnavailable` when dot is missing or fails."""
    raw = _run_dot(dot_source(graph), executable, timeout)
    return layout_from_dot_json(raw, graph)


def layout_auto(graph: LayoutInput) -> TerminalLayout:
    """Lay out with dot when it can run, else with :func:`layout_layered` (see ``.engine``)."""
    try:
        return layout_with_dot(graph)
    except LayoutUnavailable:
        return layout_layered(graph)
