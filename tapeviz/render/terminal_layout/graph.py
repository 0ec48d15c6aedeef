"""Checked, indexed layout input shared by both layout engines: nodes by index, the cluster tree.

Both the dot reader and the layered fallback start from :func:`prepare_graph`, so they reject
the same bad input with the same messages.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .model import RANKDIRS, LayoutInput, LayoutNode

_LAYOUT_VERSION = 1  # bump when the geometry for the same input changes (cache keys follow)


@dataclass(frozen=True)
class Spacing:
    """Blank cells kept around things; ``u`` is the axis along a rank, ``v`` across ranks."""

    node_gap: int  # between neighbouring boxes (and cluster frames) in a rank
    virtual_gap: int  # next to an edge that passes through a rank
    cluster_margin: int  # between a cluster frame and what it holds, along a rank
    channel_gap: int  # between a rank and the first edge track below it
    frame_gap: int  # between a rank and the closing frame of a cluster below/right of it


SPACING = {"TB": Spacing(2, 1, 1, 1, 0), "LR": Spacing(1, 1, 0, 2, 1)}


@dataclass
class LayoutGraph:
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


def as_layout_node(node: LayoutNode | Sequence[Any]) -> LayoutNode:
    """Accept ``LayoutNode`` or a plain ``(id, width, height)`` tuple."""
    return node if isinstance(node, LayoutNode) else LayoutNode(*node)


def prepare_graph(graph: LayoutInput) -> LayoutGraph:
    """Check the input and index it; raise ``ValueError`` with a clear message on bad input."""
    rd = str("TB" if graph.rankdir is None else graph.rankdir).upper()
    if rd not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, not {graph.rankdir!r}")
    node_list = [as_layout_node(n) for n in graph.nodes]
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
    for tail, head in graph.edges:
        if tail not in index or head not in index:
            raise ValueError(f"edge {tail!r} -> {head!r} names an unknown node")
        edge_list.append((index[tail], index[head]))

    names: list[str] = []
    sets: list[frozenset[int]] = []
    for name, members in (graph.clusters or {}).items():
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
    return LayoutGraph(
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


def layout_key(graph: LayoutInput) -> str:
    """A stable hash of the graph's structure and sizes, to cache layouts by."""
    payload = [
        _LAYOUT_VERSION,
        str("TB" if graph.rankdir is None else graph.rankdir).upper(),
        [[n.id, n.width, n.height] for n in map(as_layout_node, graph.nodes)],
        [[t, h] for t, h in graph.edges],
        [[name, list(members)] for name, members in (graph.clusters or {}).items()],
    ]
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def round_half_up(value: float) -> int:
    """Round half up (Python's ``round`` goes to even, which is not translation-invariant)."""
    return math.floor(value + 0.5)
