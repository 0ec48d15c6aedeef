"""The edge router: ranks and positions along ranks become boxes, frames and edge polylines.

Both layout engines end here, so the dot path and the layered fallback share one set of
geometry rules (ports spread along box sides, one track per horizontal hop, frames in the
channels between ranks).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Mapping

from .channels import assign_tracks, free_column, simplify_polyline
from .graph import SPACING, LayoutGraph
from .model import Box, EdgeRoute, Point, TerminalLayout, empty_layout


def route_edges(
    g: LayoutGraph,
    rank: list[int],
    left: list[int],
    waypoints: list[list[int]],
    cluster_u: Mapping[int, tuple[int, int]],
    engine: str,
) -> TerminalLayout:
    """Turn ranks, positions along ranks and per-rank edge crossings into a TerminalLayout."""
    if not g.ids:
        return empty_layout(g.rankdir, engine)
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
        g: LayoutGraph,
        rank: list[int],
        left: list[int],
        cluster_u: Mapping[int, tuple[int, int]],
    ) -> None:
        self.g = g
        self.sp = SPACING[g.rankdir]
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
                col = free_column(col, blocked[r], taken[r])
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
        self.tracks = {ch: assign_tracks(s) for ch, s in segs.items()}
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
            EdgeRoute(g.ids[t], g.ids[h], simplify_polyline([to_xy(u, v) for u, v in routes[e]]))
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
