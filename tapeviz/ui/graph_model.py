"""The view's scene graph as the terminal graph pane needs it (no Textual import).

``build_spec`` turns one iteration's ``tapeviz.view.SceneGraph`` into layout input keyed by
each box's ``key`` (the same in every iteration, so one layout serves them all), with scopes as
clusters and collapsed scopes as single boxes. ``node_states``/``edge_states`` say how each box
and edge looks at a snapshot and ``summary`` gives the one changing line inside a box — all
read off the same view functions the images use; stepping only recomputes these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..render.terminal_layout import LayoutNode, layout_key
from ..trace import Snapshot, Trace
from ..view import (
    GROUP_PREFIX,
    SceneNode,
    box_line,
    build_graph,
    edge_word,
    node_state,
    scope_chain,
)

SUMMARY_WIDTH = 13  # characters kept free in every box for the changing summary line

__all__ = [
    "GROUP_PREFIX", "GraphSpec", "SUMMARY_WIDTH", "build_spec", "edge_states", "node_states", "scope_chain", "summary",
]


@dataclass
class GraphSpec:
    """Layout input plus the maps between layout ids and trace node ids for one iteration."""

    iteration: int
    collapsed: frozenset[str]
    nodes: list[LayoutNode]
    edges: list[tuple[str, str]]
    clusters: dict[str, list[str]]
    labels: dict[str, list[str]]
    kinds: dict[str, str]  # layout id -> parameter | variable | constant | op | loss | group
    members: dict[str, list[int]]  # layout id -> trace node ids it stands for
    lid_of: dict[int, str]  # trace node id -> layout id
    edge_members: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # Tab order: leaves first, then ops as recorded
    boxes: dict[str, SceneNode] = field(default_factory=dict)  # layout id -> the view's box

    @property
    def key(self) -> str:
        return layout_key(self.nodes, self.edges, self.clusters)


def build_spec(trace: Trace, iteration: int, collapsed: frozenset[str] = frozenset()) -> GraphSpec:
    """Layout input for ``iteration`` with the ``collapsed`` scope paths as one box each."""
    scene = build_graph(trace, iteration, collapsed, backward_ops=False)
    spec = GraphSpec(iteration, collapsed, [], [], {}, {}, {}, {}, {})
    for box in scene.nodes:
        spec.boxes[box.key] = box
        spec.order.append(box.key)
        spec.kinds[box.key] = box.kind
        spec.members[box.key] = list(box.members)
    spec.lid_of = {nid: scene.by_id[bid].key for nid, bid in scene.node_of.items()}
    # tensors first, then collapsed scopes (the layout reads clusters in this order); every
    # enclosing scope lists the box, and a collapsed scope's box sits in its parent's scopes
    for box in [b for b in scene.nodes if b.kind != "group"] + [b for b in scene.nodes if b.kind == "group"]:
        spec.labels[box.key] = [box.label]
        for s in scope_chain(box.cluster):
            spec.clusters.setdefault(s, []).append(box.key)
    for lid in spec.order:
        spec.nodes.append(LayoutNode.for_label(lid, [*spec.labels[lid], " " * SUMMARY_WIDTH]))
    for edge in scene.edges:
        t, h = scene.by_id[edge.src].key, scene.by_id[edge.dst].key
        if (t, h) not in spec.edge_members:
            spec.edges.append((t, h))
            spec.edge_members[(t, h)] = []
        spec.edge_members[(t, h)].extend(edge.pairs)
    return spec


def node_states(spec: GraphSpec, snap: Snapshot) -> dict[str, str]:
    """State of every box: current, updated, grad, done or pending."""
    return {lid: node_state(box, snap).word for lid, box in spec.boxes.items()}


def edge_states(spec: GraphSpec, snap: Snapshot) -> dict[tuple[str, str], str]:
    """State of every edge: current, grad, done or pending."""
    return {edge: edge_word(pairs, snap) for edge, pairs in spec.edge_members.items()}


def summary(spec: GraphSpec, snap: Snapshot, lid: str, mode: str) -> str:
    """The changing line of a box: its value range, or its gradient in ``mode == "grads"``."""
    box = spec.boxes.get(lid)
    return box_line(box, snap, mode) if box is not None else ""
