"""From a trace's iteration to what the graph pane draws (no Textual import).

``build_spec`` turns one iteration's nodes into layout input keyed by ``Node.key`` (the same in
every iteration, so one layout serves them all), with scopes as clusters and collapsed scopes as
single boxes. ``node_states``/``edge_states`` say how each box and edge looks at a snapshot, and
``summary`` gives the one changing line inside a box; stepping only recomputes these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..render.terminal_layout import LayoutNode, layout_key
from ..trace import Snapshot, Trace, loss_node

SUMMARY_WIDTH = 13  # characters kept free in every box for the changing summary line
GROUP_PREFIX = "scope:"


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

    @property
    def key(self) -> str:
        return layout_key(self.nodes, self.edges, self.clusters)


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape) if shape else "scalar"


def scope_chain(scope: str) -> list[str]:
    """``a/b/c`` → ``["a", "a/b", "a/b/c"]``."""
    parts = [p for p in scope.split("/") if p]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _collapsed_scope(scope: str, collapsed: frozenset[str]) -> str | None:
    for s in scope_chain(scope):  # outermost collapsed scope wins
        if s in collapsed:
            return s
    return None


def build_spec(trace: Trace, iteration: int, collapsed: frozenset[str] = frozenset()) -> GraphSpec:
    graph = trace.graph
    ids = [i for i in graph.iteration_nodes(iteration) if not graph.nodes[i].in_backward]
    loss = loss_node(trace, iteration)
    spec = GraphSpec(iteration, collapsed, [], [], {}, {}, {}, {}, {})
    seen: set[str] = set()
    for nid in ids:
        node = graph.nodes[nid]
        group = _collapsed_scope(node.scope, collapsed)
        if group is not None:
            lid = GROUP_PREFIX + group
            spec.members.setdefault(lid, []).append(nid)
            spec.lid_of[nid] = lid
            if lid not in seen:
                seen.add(lid)
                spec.kinds[lid] = "group"
                spec.order.append(lid)
            continue
        lid = node.key
        spec.lid_of[nid] = lid
        spec.members[lid] = [nid]
        seen.add(lid)
        spec.order.append(lid)
        if nid == loss:
            kind = "loss"
        elif node.kind == "variable":
            kind = "parameter" if node.trainable else "variable"
        else:
            kind = node.kind
        spec.kinds[lid] = kind
        spec.labels[lid] = [f"{node.label} {shape_text(node.shape)}"]
        for s in scope_chain(node.scope):
            if _collapsed_scope(s, collapsed) is None:
                spec.clusters.setdefault(s, []).append(lid)
    for lid in spec.order:
        if spec.kinds[lid] == "group":
            scope = lid[len(GROUP_PREFIX):]
            ops = sum(1 for m in spec.members[lid] if graph.nodes[m].kind == "op")
            spec.labels[lid] = [f"{scope.rsplit('/', 1)[-1]} ▸ {ops} ops"]
            parent = scope.rsplit("/", 1)[0] if "/" in scope else ""
            for s in scope_chain(parent):
                spec.clusters.setdefault(s, []).append(lid)
        lines = spec.labels[lid]
        spec.nodes.append(LayoutNode.for_label(lid, [*lines, " " * SUMMARY_WIDTH]))
    for nid in ids:
        node = graph.nodes[nid]
        for src in node.inputs:
            if src not in spec.lid_of:
                continue
            t, h = spec.lid_of[src], spec.lid_of[nid]
            if t == h:
                continue
            if (t, h) not in spec.edge_members:
                spec.edges.append((t, h))
                spec.edge_members[(t, h)] = []
            spec.edge_members[(t, h)].append((src, nid))
    return spec


# ---------------------------------------------------------------------------------------------
# per-step states


def node_states(spec: GraphSpec, snap: Snapshot) -> dict[str, str]:
    """State of every box: current, updated, grad, done or pending."""
    states: dict[str, str] = {}
    rank = {"pending": 0, "done": 1, "grad": 2, "updated": 3, "current": 4}
    for lid, members in spec.members.items():
        best = "pending"
        for nid in members:
            if nid in snap.current:
                s = "current"
            elif nid in snap.updates:
                s = "updated"
            elif nid in snap.grads or nid in snap.backward_done:
                s = "grad"
            elif nid in snap.forward_done or (nid in snap.values and spec.kinds.get(lid) != "op" and not _is_op(spec, lid)):
                s = "done"
            else:
                s = "pending"
            if rank[s] > rank[best]:
                best = s
        states[lid] = best
    return states


def _is_op(spec: GraphSpec, lid: str) -> bool:
    return spec.kinds.get(lid) in ("op", "loss", "group")


def edge_states(spec: GraphSpec, snap: Snapshot) -> dict[tuple[str, str], str]:
    """State of every edge: current, grad, done or pending."""
    states: dict[tuple[str, str], str] = {}
    for edge, pairs in spec.edge_members.items():
        state = "pending"
        for src, dst in pairs:
            if (src, dst) in snap.current_edges:
                state = "current"
                break
            if (src, dst) in snap.grad_edges:
                state = "grad"
            elif state == "pending" and dst in snap.forward_done:
                state = "done"
        states[edge] = state
    return states


def compact(x: float) -> str:
    """A number in at most 6 characters."""
    x = float(x)
    if x != x:
        return "nan"
    if x == 0:
        return "0"
    a = abs(x)
    if a >= 1000 or a < 0.001:
        return f"{x:.0e}"
    text = f"{x:.3g}" if a < 1 else f"{x:.4g}"
    return text[:6]


def summary(spec: GraphSpec, snap: Snapshot, lid: str, mode: str) -> str:
    """The changing line of a box: its value range, or its gradient in ``mode == "grads"``."""
    members = spec.members.get(lid, [])
    if not members:
        return ""
    nid = members[-1]  # a collapsed scope shows its last op (its output)
    if mode == "grads":
        g = snap.grads.get(nid)
        return "∇ ·" if g is None else "∇ " + _range(np.asarray(g))
    if nid in snap.updates:
        before, after = snap.updates[nid]
        delta = np.asarray(after, np.float64) - np.asarray(before, np.float64)
        return "Δ " + compact(float(np.max(np.abs(delta)))) if delta.size else "Δ"
    value = snap.values.get(nid)
    if value is None or (_is_op(spec, lid) and nid not in snap.forward_done):
        return "·"
    return _range(np.asarray(value))


def _range(a: np.ndarray) -> str:
    if a.size == 0:
        return "[]"
    if a.dtype.kind == "b":
        return f"{int(a.sum())}/{a.size} true"
    if a.size == 1:
        return compact(float(a.reshape(())))
    return f"{compact(float(a.min()))}‥{compact(float(a.max()))}"
