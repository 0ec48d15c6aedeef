"""The view's scene graph as the terminal graph pane needs it (no Textual import).

``build_spec`` turns one iteration's ``tapeviz.view.SceneGraph`` into layout input keyed by
each box's ``key`` (the same in every iteration, so one layout serves them all), with scopes as
clusters and collapsed scopes as single boxes. ``node_states``/``edge_states`` say how each box
and edge looks at a snapshot and ``summary`` gives the one changing line inside a box — all
read off the same view functions the images use; stepping only recomputes these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..render.terminal_layout import LayoutInput, LayoutNode, OutlineRow, layout_key
from ..trace import Snapshot, Trace
from ..view import (
    GROUP_PREFIX,
    SceneGraph,
    SceneNode,
    box_line,
    build_graph,
    edge_word,
    inlined_leaves,
    node_state,
    scope_chain,
)
from ..view.failure import FAILED_BOX, ProgramFailure, failed_box_lines, program_failure
from ..view.numbers import counted

SUMMARY_WIDTH = 13  # characters kept free in every box for the changing summary line
DETAILS = ("full", "compact", "tiny", "outline", "brief")
"""Graphviz-style drawings, most detailed first: boxes with name, shape and the changing summary line; boxes with name and
shape on one line; boxes with the name alone; one line per op with its inputs named (no boxes);
the same without shapes and with long names cut. The fit view picks the first that fits the pane."""
OUTLINES = ("outline", "brief")
BOXES = ("boxes", "boxes-narrow", "boxes-thin")
"""The terminal-native drawings (``layout_flow``): every op a box holding its inputs as named
lines (``← kernel 10×5``) and its value as a small heatmap with its range; ``boxes-thin`` the
same with a one-row value; ``boxes-narrow`` and ``boxes-thin`` put a long title on two lines. Sized for the pane: laid out in columns no taller than it."""
SCALAR_WIDTH = 9  # the value line of a one-number box: "∇ -0.0312"
SMALL_GRAPH = 8  # up to this many tensors in the iteration, each is drawn as its own box, inputs too
SMALL_OP_WIDTH = 14  # an op box of a small graph: room on its border for a lesson's marks ("bfs 3 tape 4")
HEAT_CELLS = 8  # most heatmap cells across a box
HEAT_ROWS = 2  # text rows of a box's heatmap (two tensor rows each)
TITLE_WIDTH = 16  # a longer box title takes two lines
WIDE_TITLE = 26  # a one-line box title is cut to this
BRIEF_NAME = 14  # characters kept of a name in the brief outline

__all__ = [
    "BOXES", "DETAILS", "GROUP_PREFIX", "inlined_leaves", "GraphSpec", "SUMMARY_WIDTH", "build_spec", "min_size", "outline_rows", "edge_states", "node_states", "scope_chain", "summary",
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
    detail: str = "full"  # one of DETAILS or BOXES
    max_height: int | None = None  # BOXES: the tallest column the pane holds (None: one column)
    max_width: int | None = None  # BOXES: the pane's width (wide ranks stack to fit it)
    inputs: dict[str, list[str]] = field(default_factory=dict)  # BOXES: op lid -> leaf lids drawn inside it
    host: dict[str, str] = field(default_factory=dict)  # BOXES: inlined leaf lid -> the op box holding it
    value_rows: dict[str, int] = field(default_factory=dict)  # BOXES: rows of a box's value (0: none)
    title_rows: dict[str, int] = field(default_factory=dict)  # BOXES: rows of a box's title (1 or 2)
    failed: tuple[str, tuple[str, ...]] | None = None  # post-mortem: the failed op's title and its inputs' layout ids
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
            if self.detail in BOXES:
                key = f"{key}:{self.detail}:{self.max_height}x{self.max_width}"
            elif self.detail != "full":
                key = f"{key}:{self.detail}"
            self._key = key
        return self._key


def build_spec(
    trace: Trace, iteration: int, collapsed: frozenset[str] = frozenset(), detail: str = "full",
    max_height: int | None = None, inline: bool = True, expanded: frozenset[int] = frozenset(),
    max_width: int | None = None, inline_small: bool = False,
) -> GraphSpec:
    """Layout input for ``iteration`` with the ``collapsed`` scope paths as one box each, boxes
    sized for ``detail`` (see ``DETAILS`` and ``BOXES``). In ``BOXES`` drawings ``inline`` puts
    each leaf that feeds one op inside that op's box, except the trace nodes in ``expanded``;
    a small graph (``SMALL_GRAPH``) keeps every input a box of its own unless ``inline_small``."""
    scene = build_graph(trace, iteration, collapsed, backward_ops=False)
    if detail in BOXES:
        spec = _boxes_spec(trace, scene, iteration, collapsed, detail, max_height, inline, expanded, inline_small)
        spec.max_width = max_width
        spec._key = spec._min_size = None  # (cached before the spec was complete, if at all)
        return spec
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
    failure = failed_here(trace, iteration)
    if failure is not None:  # the outline's last row (the other drawings are the detail view's)
        spec.failed = failed_box_lines(failure)[0], tuple(dict.fromkeys(
            spec.lid_of[t] for t in failure.tensors if t and t in spec.lid_of))
        spec.kinds[FAILED_BOX] = "failed"
    return spec


def _value_rows(trace: Trace, box: SceneNode) -> int:
    """Rows a box keeps for its value: one for a scalar (or nothing to show), else HEAT_ROWS."""
    node = trace.graph.nodes.get(box.output)
    size = int(np.prod(node.shape)) if node is not None and node.shape else 1
    return 1 if size <= 1 else HEAT_ROWS


def _title_lines(title: str, group: bool, wrap: bool = True) -> list[str]:
    """A box's title in one line, or two when longer than ``TITLE_WIDTH`` (``predictions =`` over
    ``softmax 32×2``; a name over its shape), a name still too long cut with an ellipsis;
    without ``wrap`` one line of at most ``WIDE_TITLE`` (a long op name cut, its shape kept)."""
    if not wrap:
        if len(title) <= WIDE_TITLE:
            return [title]
        if group:
            name, _, count = title.partition(" ▸ ")
            return [f"{name[: max(4, WIDE_TITLE - len(count) - 4)]}… ▸ {count}"]
        name, _, tail = title.rpartition(" ")
        return [f"{name[: max(4, WIDE_TITLE - len(tail) - 2)]}… {tail}" if name else title[: WIDE_TITLE - 1] + "…"]
    if len(title) <= TITLE_WIDTH:
        return [title]
    head, bracket, tail = title.partition(" [∇ ")
    if bracket:  # a custom gradient's op: its name over the gradient function it names
        return [_cut(head, TITLE_WIDTH + 2), _cut("[∇ " + tail, TITLE_WIDTH + 2)]
    if group:
        name, _, count = title.partition(" ▸ ")
        return [_cut(name), f"▸ {count}"]
    user, eq, rest = title.partition(" = ")
    if eq:
        return [_cut(user + " ="), _cut(rest)]
    name, _, shape = title.rpartition(" ")
    return [_cut(name), shape] if name else [_cut(title)]


def _cut(text: str, width: int = TITLE_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _boxes_spec(
    trace: Trace, scene: SceneGraph, iteration: int, collapsed: frozenset[str], detail: str,
    max_height: int | None, inline: bool, expanded: frozenset[int], inline_small: bool = False,
) -> GraphSpec:
    spec = GraphSpec(iteration, collapsed, [], [], {}, {}, {}, {}, {}, detail=detail, max_height=max_height)
    # a lesson's few tensors (folded or not): each a box of its own, while that fits
    small = len(scene.node_of) <= SMALL_GRAPH and not inline_small
    failure = failed_here(trace, iteration)
    if failure is not None:  # the failed op's inputs are drawn as boxes, with edges into it
        expanded = expanded | {t for t in failure.tensors if t}
    inside = inlined_leaves(trace, scene, expanded) if inline and not small else {}
    for box in scene.nodes:
        spec.boxes[box.key] = box
        spec.order.append(box.key)
        spec.kinds[box.key] = box.kind
        spec.members[box.key] = list(box.members)
    for bid, head in inside.items():
        leaf, host = scene.by_id[bid].key, scene.by_id[head].key
        spec.host[leaf] = host
        spec.inputs.setdefault(host, []).append(leaf)
    spec.lid_of = {nid: spec.host.get(scene.by_id[bid].key, scene.by_id[bid].key) for nid, bid in scene.node_of.items()}
    # a leaf no op of the drawing reads (a constant a gradient function made) has no box here:
    # the outline and the timeline list it
    linked = {e.src for e in scene.edges} | {e.dst for e in scene.edges}
    drawn = [b for b in scene.nodes if b.key not in spec.host and (b.is_op or b.id in linked or len(scene.nodes) == 1)]
    for box in [b for b in drawn if b.kind != "group"] + [b for b in drawn if b.kind == "group"]:
        title = box.label if box.kind != "group" else f"{box.name} ▸ {counted(len(box.ops), 'op')}"
        title = title.removesuffix(" scalar") or title  # a scalar's value line says it is one number
        titles = _title_lines(title, box.kind == "group", wrap=detail != "boxes")
        lines = [*titles] + [
            "← " + (spec.boxes[leaf].label.removesuffix(" scalar") or spec.boxes[leaf].label)
            for leaf in spec.inputs.get(box.key, ())
        ]
        spec.labels[box.key] = lines
        spec.title_rows[box.key] = len(titles)
        for s in scope_chain(box.cluster):
            spec.clusters.setdefault(s, []).append(box.key)
    for box in drawn:
        rows = 1 if detail == "boxes-thin" else _value_rows(trace, box)
        spec.value_rows[box.key] = rows
        lines = spec.labels[box.key]
        width = max(
            [*(len(t) for t in lines[: spec.title_rows[box.key]]),
             HEAT_CELLS + 1 + 6 if rows > 1 else SCALAR_WIDTH if _value_rows(trace, box) == 1 else SUMMARY_WIDTH,
             SMALL_OP_WIDTH if small and box.is_op else 0]
            + [len(t) for t in lines[1:]]
        )
        # inputs read left-aligned, the value rows are filled in at every step
        n = spec.title_rows[box.key]
        spec.labels[box.key] = lines[:n] + [t.ljust(width) for t in lines[n:]] + [" " * width] * rows
        spec.nodes.append(LayoutNode(box.key, width + 2, len(lines) + rows + 2))
    for edge in scene.edges:
        t, h = scene.by_id[edge.src].key, scene.by_id[edge.dst].key
        if t in spec.host:
            continue
        spec.edges.append((t, h))
        spec.edge_members.setdefault((t, h), []).extend(edge.pairs)
    if failure is not None:
        _add_failed_box(spec, failure)
    return spec


def failed_here(trace: Trace, iteration: int) -> ProgramFailure | None:
    """Post-mortem: the op the program failed at, when it failed in ``iteration`` (the last one)."""
    failure = program_failure(trace)
    if failure is None or failure.op is None or not len(trace) or trace.iteration(len(trace) - 1) != iteration:
        return None
    return failure


def _add_failed_box(spec: GraphSpec, failure: ProgramFailure) -> None:
    """The op the program failed at, as a box of its own (``FAILED_BOX``, kind ``failed``): ✗,
    the op and line, its inputs' names and shapes, the error's one line; an edge into it from
    each input the drawing has. It stands for no trace node: nothing selects or steps to it."""
    title, inputs, reason = failed_box_lines(failure)
    lines = [title, *inputs, *reason]
    width = max(len(line) for line in lines)
    spec.labels[FAILED_BOX] = [title.center(width)] + [line.ljust(width) for line in lines[1:]]
    spec.kinds[FAILED_BOX] = "failed"
    spec.title_rows[FAILED_BOX] = 1
    spec.value_rows[FAILED_BOX] = 0
    spec.nodes.append(LayoutNode(FAILED_BOX, width + 2, len(lines) + 2))
    inputs = tuple(dict.fromkeys(spec.lid_of[t] for t in failure.tensors if t and t in spec.lid_of))
    spec.edges.extend((lid, FAILED_BOX) for lid in inputs)
    spec.failed = title, inputs


def node_states(spec: GraphSpec, snap: Snapshot) -> dict[str, str]:
    """State of every box: current, updated, grad, done or pending. A box holding inputs is
    current while the event is about one of them (its gradient arrives, it is updated), and
    updated once one of them is."""
    states = {lid: node_state(box, snap).word for lid, box in spec.boxes.items()}
    for leaf, host in spec.host.items():
        inner = states.get(leaf)
        if inner == "current" or (inner == "updated" and states.get(host) != "current"):
            states[host] = inner
    return states


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
    if spec.failed is not None:  # post-mortem: the op the program failed at, after the ops it did run
        title, inputs = spec.failed
        args = tuple((t, _clip(spec.boxes[t].name or spec.boxes[t].label, brief)) for t in inputs)
        rows.append(OutlineRow(0, title, node=FAILED_BOX, args=args))
    return rows


def _clip(text: str, brief: bool) -> str:
    return text if not brief or len(text) <= BRIEF_NAME else text[: BRIEF_NAME - 1] + "…"


def min_size(spec: GraphSpec) -> tuple[int, int]:
    """A lower bound of the (width, height) any drawing of ``spec`` needs. Box drawings in
    columns (``BOXES``): the widest and the tallest box. Others: the widest box, and the longest
    chain of boxes with a blank row between ranks (walked iteratively, no recursion). Computed
    once per spec."""
    if spec._min_size is None:
        spec._min_size = _min_size(spec)
    return spec._min_size


def _min_size(spec: GraphSpec) -> tuple[int, int]:
    if not spec.nodes:
        return 0, 0
    width = max(n.width for n in spec.nodes)
    if spec.detail in BOXES:
        return width, max(n.height for n in spec.nodes)
    height = {n.id: n.height for n in spec.nodes}
    heads: dict[str, list[str]] = {}
    indeg = {n.id: 0 for n in spec.nodes}
    for t, h in spec.edges:
        heads.setdefault(t, []).append(h)
        indeg[h] += 1
    order = [lid for lid, d in indeg.items() if d == 0]
    k = 0
    while k < len(order):  # a topological order (a tape has no cycles)
        for h in heads.get(order[k], ()):
            indeg[h] -= 1
            if indeg[h] == 0:
                order.append(h)
        k += 1
    depth: dict[str, int] = {}
    for lid in reversed(order):  # rows from the top of ``lid`` to the bottom of its last consumer
        depth[lid] = height[lid] + max((2 + depth.get(h, 0) for h in heads.get(lid, ())), default=0)
    return width, max(depth.values(), default=0)
