"""The pure-Python layered layout used when Graphviz is missing (Sugiyama style).

Ranks by longest path, virtual items for edges that span ranks, filler items that keep
cluster frames rectangular; :mod:`.ordering` orders each rank, :mod:`.placement` places it.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence

from .graph import SPACING, LayoutGraph, prepare_graph
from .model import LayoutInput, TerminalLayout, empty_layout
from .ordering import order_ranks
from .placement import place_items
from .router import route_edges


def rank_nodes(n: int, edges: Sequence[tuple[int, int]]) -> list[int]:
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


class LayeredItems:
    """Sugiyama-style layering: virtual items for long edges, ordering sweeps, placement."""

    def __init__(self, g: LayoutGraph, rank: list[int]) -> None:
        self.g = g
        self.sp = SPACING[g.rankdir]
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


def layout_layered(graph: LayoutInput) -> TerminalLayout:
    """Pure-Python layered layout (no Graphviz): same geometry rules as the dot path."""
    g = prepare_graph(graph)
    if not g.ids:
        return empty_layout(g.rankdir, "layered")
    rank = rank_nodes(len(g.ids), g.edges)
    layered = LayeredItems(g, rank)
    order_ranks(layered)
    left, waypoints, cluster_u = place_items(layered)
    return route_edges(g, rank, left, waypoints, cluster_u, "layered")
