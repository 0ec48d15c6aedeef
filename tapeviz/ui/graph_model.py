"""The view's scene graph as the terminal graph pane needs it (no Textual import).

``build_spec`` turns one iteration's ``tapeviz.view.SceneGraph`` into layout input keyed by
each box's ``key`` (the same in every iteration, so one layout serves them all), with scopes as
clusters and collapsed scopes as single boxes. ``node_states``/``edge_states`` say how each box
and edge looks at a snapshot and ``summary`` gives the one changing line inside a box — all
read off the same view functions the images use; stepping only recomputes these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..render.terminal_layout import LayoutInput, LayoutNode, OutlineRow, layout_key
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
DETAILS = ("full", "compact", "tiny", "outline", "brief")
"""Most detailed first: boxes with name, shape and the changing summary line; boxes with name and
shape on one line; boxes with the name alone; one line per op with its inputs named (no boxes);
the same without shapes and with long names cut. The fit view picks the first that fits the pane."""
OUTLINES = ("outline", "brief")
BRIEF_NAME = 14  # characters kept of a name in the brief outline

__all__ = [
    "DETAILS", "GROUP_PREFIX", "GraphSpec", "SUMMARY_WIDTH", "build_spec", "min_size", "outline_rows", "edge_states", "node_states", "scope_chain", "summary",
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
    detail: str = "full"  # one of DETAILS
    # computed once (a spec is not changed after build_spec): both walk every box and edge,
    # which on a long chain costs more than a step
    _key: str | None = field(default=None, init=False, repr=False, compare=False)
    _min_size: tuple[int, int] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def layout_input(self) -> LayoutInput:
        return LayoutInput(self.nodes, self.edges, self.clusters)

    @property
    def key(self) -> str:
        if self._key is None:
            key = layout_key(self.layout_input)
            self._key = key if self.detail == "full" else f"{key}:{self.detail}"
        return self._key


def build_spec(
    trace: Trace, iteration: int, collapsed: frozenset[str] = frozenset(), detail: str = "full",
) -> GraphSpec:
    """Layout input for ``iteration`` with the ``collapsed`` scope paths as one box each, boxes
    sized for ``detail`` (see ``DETAILS``)."""
    scene = build_graph(trace, iteration, collapsed, backward_ops=False)
    spec = GraphSpec(iteration, collapsed, [], [], {}, {}, {}, {}, {}, detail=detail)
    for box in scene.nodes:
        spec.boxes[box.key] = box
        spec.order.append(box.key)
        spec.kinds[box.key] = box.kind
        spec.members[box.key] = list(box.members)
    spec.lid_of = {nid: scene.by_id[bid].key for nid, bid in scene.node_of.items()}
    # tensors first, then collapsed scopes (the layout reads clusters in this order); every
    # enclosing scope lists the box, and a collapsed scope's box sits in its parent's scopes
    for box in [b for b in scene.nodes if b.kind != "group"] + [b for b in scene.nodes if b.kind == "group"]:
        spec.labels[box.key] = [box.name or box.label] if detail in ("tiny", *OUTLINES) else [box.label]
        for s in scope_chain(box.cluster):
            spec.clusters.setdefault(s, []).append(box.key)
    for lid in spec.order:
        lines = [*spec.labels[lid], " " * SUMMARY_WIDTH] if detail == "full" else spec.labels[lid]
        spec.nodes.append(LayoutNode.for_label(lid, lines, min_width=5 if detail == "full" else 3))
    for edge in scene.edges:  # one route per scene edge: ``x * x`` draws two arrows, as images do
        t, h = scene.by_id[edge.src].key, scene.by_id[edge.dst].key
        spec.edges.append((t, h))
        spec.edge_members.setdefault((t, h), []).extend(edge.pairs)
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


def outline_rows(spec: GraphSpec) -> list[OutlineRow]:
    """The ``outline`` drawing of ``spec``: scope headers, then one row per op (or collapsed
    scope) as recorded, ``name shape ← its inputs``; a leaf no op reads gets a row of its own.
    The ``brief`` one leaves out shapes and cuts long names."""
    brief = spec.detail == "brief"
    inputs: dict[str, list[str]] = {}
    for t, h in spec.edges:
        inputs.setdefault(h, []).append(t)
    read = {t for t, _ in spec.edges}
    rows: list[OutlineRow] = []
    open_scopes: list[str] = []
    def recorded(lid: str) -> int:  # a collapsed scope sits where its first op was recorded
        box = spec.boxes[lid]
        return min(box.ops) if box.ops else box.output

    for lid in sorted(spec.order, key=recorded):
        box = spec.boxes[lid]
        if not box.is_op and lid in read:
            continue
        chain = scope_chain(box.cluster)
        keep = 0
        while keep < min(len(chain), len(open_scopes)) and chain[keep] == open_scopes[keep]:
            keep += 1
        open_scopes = chain
        for depth in range(keep, len(chain)):
            rows.append(OutlineRow(depth, chain[depth].rsplit("/", 1)[-1], scope=chain[depth]))
        args = tuple((t, _clip(spec.boxes[t].name or spec.boxes[t].label, brief)) for t in inputs.get(lid, ()))
        text = box.label
        if brief and box.kind != "group":
            user, _, op = box.title.removesuffix(" (loss)").rpartition(" = ")
            text = f"{_clip(user, True)} = {_clip(op, True)}" if user else _clip(op, True)
        rows.append(OutlineRow(len(chain), text, node=lid, args=args))
    return rows


def _clip(text: str, brief: bool) -> str:
    return text if not brief or len(text) <= BRIEF_NAME else text[: BRIEF_NAME - 1] + "…"


def min_size(spec: GraphSpec) -> tuple[int, int]:
    """A lower bound of the (width, height) any top-to-bottom box layout of ``spec`` needs: the
    widest box, and the longest chain of boxes with a blank row between ranks."""
    if spec._min_size is None:
        spec._min_size = _min_size(spec)
    return spec._min_size


def _min_size(spec: GraphSpec) -> tuple[int, int]:
    if not spec.nodes:
        return 0, 0
    height = {n.id: n.height for n in spec.nodes}
    heads: dict[str, list[str]] = {}
    for t, h in spec.edges:
        heads.setdefault(t, []).append(h)
    # rows from the top of a box to the bottom of its last consumer, consumers first: a loop
    # over a reverse topological order, so a chain of 100,000 ops needs no recursion depth
    depth: dict[str, int] = {}
    for lid in reversed(_topological(list(height), heads)):
        depth[lid] = height[lid] + max((2 + depth.get(h, 0) for h in heads.get(lid, ())), default=0)
    return max(n.width for n in spec.nodes), max(depth.values())


def _topological(ids: list[str], heads: dict[str, list[str]]) -> list[str]:
    """``ids`` with every box before the boxes it feeds (Kahn's algorithm; a box on a cycle,
    which a tape never has, goes last, in the given order)."""
    indegree = dict.fromkeys(ids, 0)
    for t, hs in heads.items():
        for h in hs:
            if h in indegree and t in indegree:
                indegree[h] += 1
    ready = [i for i in ids if indegree[i] == 0]
    order: list[str] = []
    while ready:
        lid = ready.pop()
        order.append(lid)
        for h in heads.get(lid, ()):
            if h in indegree:
                indegree[h] -= 1
                if indegree[h] == 0:
                    ready.append(h)
    seen = set(order)
    return order + [i for i in ids if i not in seen]
