"""The structure a picture of one iteration shows: boxes, forward edges, scope clusters.

``build_graph(trace, iteration, collapsed)`` gives a ``SceneNode`` per tensor (or one per
collapsed scope), the forward ``SceneEdge``s between them and the scopes as clusters. It does
not change while the cursor moves within the iteration, so callers cache it; how each box looks
at an event is ``tapeviz.view.scene``'s job. Images and the terminal graph both draw this.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import numpy as np

from ..engine.registry import REGISTRY
from ..trace import Trace, loss_node
from ..trace.graph import Node
from .custom import CUSTOM_OP, custom_names, grad_fn_outputs
from .names import display_name, leaf_names
from .numbers import counted, shape_cross, shape_text

GROUP_PREFIX = "scope:"


def scope_chain(scope: str) -> list[str]:
    """``a/b/c`` → ``["a", "a/b", "a/b/c"]``."""
    parts = [p for p in scope.split("/") if p]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _parent(scope: str) -> str:
    return scope.rsplit("/", 1)[0] if "/" in scope else ""


def scope_prefixes(scopes: Iterable[str]) -> list[str]:
    """Every scope path and each of its ancestors, sorted."""
    return sorted({p for s in scopes if s for p in scope_chain(s)})


def outermost(scopes: Iterable[str]) -> list[str]:
    """The scopes not inside another of ``scopes``, outermost first (by depth, then name)."""
    outer: list[str] = []
    for r in sorted(set(scopes), key=lambda p: (p.count("/"), p)):
        if not any(r == o or r.startswith(o + "/") for o in outer):
            outer.append(r)
    return outer


# ---- structure -----------------------------------------------------------------------------
@dataclass
class SceneNode:
    """One box: a tensor of the trace, or a collapsed scope standing for all its tensors."""

    id: str  # in this iteration's drawing: n<trace id>, or s<k> for the k-th collapsed scope
    key: str  # the same in every iteration: the trace node's key, or scope:<path>
    kind: str  # parameter, variable, constant, op, loss, group
    title: str  # first row: op or variable name, input/constant, a scope's name
    detail: str  # second row: shape (with the kind of a variable), or a scope's op count
    label: str  # the one-line label of a narrow (terminal) box
    cluster: str  # scope path of the cluster it sits in ("" = top level)
    members: list[int]  # trace node ids it stands for
    output: int  # the member whose value and gradient it shows
    ops: list[int] = field(default_factory=list)  # the members that are ops
    name: str = ""  # the shortest name: the learner's (``logits``), else the op or variable name
    dashed: bool = False  # a non-trainable variable, or an op recorded during a backward pass
    tooltip: str = ""

    @property
    def is_op(self) -> bool:
        """Computed by the forward pass (an op, the loss, or a scope of ops)."""
        return self.kind in ("op", "loss", "group")


@dataclass
class SceneEdge:
    """A forward edge between two boxes; ``pairs`` are the trace's (src, dst) edges it draws."""

    id: str
    src: str
    dst: str
    pairs: list[tuple[int, int]]
    spine: bool = False  # op -> op: the main chain of ops
    long: bool = False  # op -> op across clusters


@dataclass
class SceneGraph:
    """One iteration's boxes, edges and clusters, with trace ids mapped to box ids."""

    iteration: int
    collapsed: tuple[str, ...]  # the collapsed scopes, outermost only
    nodes: list[SceneNode]
    edges: list[SceneEdge]
    clusters: dict[str, str]  # scope path -> cluster label, parents before children
    node_of: dict[int, str]  # trace node id -> box id
    loss: int | None
    by_id: dict[str, SceneNode] = field(default_factory=dict)


def build_graph(
    trace: Trace, iteration: int, collapsed: Collection[str] = (), backward_ops: bool = True,
) -> SceneGraph:
    """The boxes of ``iteration``; ``collapsed`` scope paths become one box each (the outermost
    wins); ``backward_ops=False`` leaves out ops an outer tape recorded during a backward pass."""
    gnodes = trace.graph.nodes
    ids = trace.graph.iteration_nodes(iteration)
    if not backward_ops:  # (a custom gradient function's ops stay: the program wrote them, drawn in its cluster)
        ids = [i for i in ids if not gnodes[i].in_backward or _grad_fn_op(trace, i)]
    roots = outermost(collapsed)
    loss = loss_node(trace, iteration)
    out = SceneGraph(iteration, tuple(roots), [], [], {}, {}, loss)
    groups: dict[str, SceneNode] = {}
    names = leaf_names(trace, ids)
    inner = grad_fn_outputs(trace)  # what custom gradient functions computed: their inputs go by the learner's names

    def add_cluster(scope: str) -> None:
        if scope and scope not in out.clusters:
            add_cluster(_parent(scope))
            out.clusters[scope] = scope.rsplit("/", 1)[-1]

    for nid in ids:
        node = gnodes[nid]
        scope = _drawn_scope(trace, nid)
        root = next((r for r in roots if scope == r or scope.startswith(r + "/")), None)
        if root is not None:
            if root not in groups:
                add_cluster(_parent(root))
                groups[root] = SceneNode(
                    f"s{roots.index(root)}", GROUP_PREFIX + root, "group", root.rsplit("/", 1)[-1], "", "",
                    _parent(root), [], nid, name=root.rsplit("/", 1)[-1], tooltip=f"scope {root} (collapsed)",
                )
                out.nodes.append(groups[root])
            groups[root].members.append(nid)
            out.node_of[nid] = groups[root].id
            continue
        add_cluster(scope)
        name = names.get(nid) or display_name(trace, nid)
        if node.op == CUSTOM_OP and node.event is not None:  # the box names its gradient function
            name += f" [∇ {custom_names(trace.events[node.event].attrs)[1]}]"
        if node.kind == "op":
            kind = "loss" if nid == loss else "op"
            title, detail = name + (" (loss)" if kind == "loss" else ""), shape_text(node.shape, node.dtype)
            extra = _box_text(trace, node)
            if extra:  # what the op's definition says about its box (a convolution's kernel)
                detail = f"{detail} · {extra}"
            if node.off_tape:  # seen in a tape's block, but no tape recorded it: no gradient
                detail = f"{detail} · not on the tape"
        elif node.kind == "variable":
            kind = "parameter" if node.trainable else "variable"
            title, detail = name, f"{kind} {shape_text(node.shape, node.dtype)}"
        else:
            kind = "constant"
            scalar = int(np.prod(node.shape)) == 1 if node.shape else True
            title = name if name != node.label else ("constant" if scalar else "input")
            detail = shape_text(node.shape, node.dtype)
            if inner and trace.graph.user_name(nid) and any(c in inner for c in trace.graph.consumers(nid)):
                title = name = trace.graph.user_name(nid)  # e.g. the upstream ``dy`` a gradient function was given
        out.nodes.append(SceneNode(
            f"n{nid}", node.key, kind, title, detail, f"{name} {shape_cross(node.shape)}", scope, [nid], nid,
            name=(trace.graph.user_name(nid) if node.kind != "variable" else "") or names.get(nid) or name,
            dashed=(node.kind == "variable" and not node.trainable) or node.in_backward or node.off_tape,
            ops=[nid] if node.kind == "op" else [], tooltip=f"{node.name} · {detail}",
        ))
        out.node_of[nid] = f"n{nid}"
    out.by_id = {n.id: n for n in out.nodes}
    if groups:
        _describe_groups(trace, out, groups)
    _add_edges(trace, out)
    return out


def _box_text(trace: Trace, node: Node) -> str | None:
    """``OpDef.box`` of the node's op, from its recorded attributes and input shapes."""
    op = REGISTRY.get(node.op or "")
    if op is None or op.box is None or node.event is None:
        return None
    event = trace.events[node.event]
    try:
        return op.box(dict(event.attrs), tuple(tuple(r.value.shape) for r in event.inputs))  # type: ignore[attr-defined]
    except Exception:  # a box text must never stop a drawing
        return None


def inlined_leaves(trace: Trace, scene: SceneGraph, expanded: frozenset[int] = frozenset()) -> dict[str, str]:
    """Leaf box id -> the op box id it is drawn inside: a variable, constant or label read by
    exactly one op box. The program's input (a constant the program named, like ``x``, read by
    the first op recorded: where the drawing starts), a leaf several ops read, and the
    ``expanded`` trace nodes stay boxes of their own; named data read later (``labels``, read
    by the loss) goes inside its op as a weight does."""
    readers: dict[str, set[str]] = {}
    for edge in scene.edges:
        readers.setdefault(edge.src, set()).add(edge.dst)
    first = min((b for b in scene.nodes if b.is_op and b.ops), key=lambda b: min(b.ops), default=None)
    out: dict[str, str] = {}
    for box in scene.nodes:
        if box.is_op or box.output in expanded:
            continue
        heads = readers.get(box.id, set())
        if len(heads) != 1:
            continue
        head = next(iter(heads))
        if box.kind == "constant" and trace.graph.user_name(box.output) and first is not None and head == first.id:
            continue  # the program's own input, by its name
        if scene.by_id[head].is_op:
            out[box.id] = head
    return out


_CACHE: weakref.WeakKeyDictionary[Trace, dict[tuple, tuple[int, SceneGraph]]] = weakref.WeakKeyDictionary()


def cached_graph(
    trace: Trace, iteration: int, collapsed: Collection[str] = (), backward_ops: bool = True,
) -> SceneGraph:
    """``build_graph``, built once per iteration and options while the trace does not grow
    (every frame of an animation, every event of one iteration share it). Do not modify it."""
    key = (iteration, tuple(outermost(collapsed)), backward_ops)
    found = _CACHE.setdefault(trace, {}).get(key)
    if found is not None and found[0] == len(trace):
        return found[1]
    graph = build_graph(trace, iteration, collapsed, backward_ops)
    _CACHE[trace][key] = (len(trace), graph)
    return graph


def _grad_fn_op(trace: Trace, nid: int) -> bool:
    """Did a custom gradient function run this op (not an outer tape recording a backward pass)?"""
    event = trace.graph.nodes[nid].event
    return event is not None and bool(getattr(trace.events[event], "grad_fn_of", 0))


def _drawn_scope(trace: Trace, nid: int) -> str:
    """The cluster a box is drawn in: its scope, except the program's own named data (``x``,
    ``labels``), which the program made outside any layer, so it is drawn outside them too."""
    node = trace.graph.nodes[nid]
    if node.kind == "constant" and node.scope and trace.graph.user_name(nid) and not any(
            trace.graph.nodes[c].in_backward for c in trace.graph.consumers(nid)):
        return ""
    return node.scope


def _describe_groups(trace: Trace, out: SceneGraph, groups: dict[str, SceneNode]) -> None:
    """A collapsed scope's rows, and the op whose output it hands on (what it shows)."""
    gnodes = trace.graph.nodes
    consumers: dict[int, list[int]] = {}
    for e in trace.graph.iteration_edges(out.iteration):
        consumers.setdefault(e.src, []).append(e.dst)
    for group in groups.values():
        ops = group.ops = [i for i in group.members if gnodes[i].kind == "op"]
        params = [i for i in group.members if gnodes[i].kind == "variable"]
        inside = set(group.members)
        leaving = [i for i in ops if any(c not in inside for c in consumers.get(i, ()))]
        group.output = leaving[-1] if leaving else (ops[-1] if ops else group.members[-1])
        group.detail = f"{counted(len(ops), 'op')} · {counted(len(params), 'parameter')}"
        group.label = f"{group.title} ▸ {counted(len(ops), 'op')}"


def _add_edges(trace: Trace, out: SceneGraph) -> None:
    gnodes = trace.graph.nodes
    seen: dict[tuple[str, str, int], SceneEdge] = {}
    for e in trace.graph.iteration_edges(out.iteration):
        s, d = out.node_of.get(e.src), out.node_of.get(e.dst)
        if s is None or d is None or s == d:
            continue
        key = (s, d, e.index if not out.collapsed else 0)
        if key in seen:
            seen[key].pairs.append((e.src, e.dst))
            continue
        spine = gnodes[e.src].kind == "op" and gnodes[e.dst].kind == "op"
        long = spine and out.by_id[s].cluster != out.by_id[d].cluster
        seen[key] = SceneEdge(f"f_{s}_{d}_{key[2]}", s, d, [(e.src, e.dst)], spine, long)
        out.edges.append(seen[key])
    for src, dst in _custom_results(trace, out.iteration):  # the op whose value a custom-gradient op returns
        s, d = out.node_of.get(src), out.node_of.get(dst)
        if s is not None and d is not None and s != d and (s, d, -1) not in seen:
            seen[(s, d, -1)] = SceneEdge(f"r_{s}_{d}", s, d, [(src, dst)], True, out.by_id[s].cluster != out.by_id[d].cluster)
            out.edges.append(seen[(s, d, -1)])


def _custom_results(trace: Trace, iteration: int) -> list[tuple[int, int]]:
    """(op, custom-gradient op) pairs: the last op the function ran whose value it returned, so
    the function's result is drawn flowing into its box (no tape edge joins them: gradients
    reach the function's inputs through its gradient function only)."""
    gnodes, pairs = trace.graph.nodes, []
    ops = [i for i in trace.graph.iteration_nodes(iteration) if gnodes[i].kind == "op"]
    for nid in ops:
        node = gnodes[nid]
        if node.op != CUSTOM_OP or node.event is None:
            continue
        inner = f"{node.scope}/{node.label}" if node.scope else node.label
        value = trace.value_of(nid)
        found = [i for i in ops if gnodes[i].scope == inner and (gnodes[i].event or 0) < node.event
                 and value is not None and np.array_equal(trace.value_of(i), value)]
        if found:
            pairs.append((found[-1], nid))
    return pairs


__all__ = [
    "GROUP_PREFIX", "SceneEdge", "SceneGraph", "SceneNode", "build_graph", "cached_graph", "display_name", "leaf_names", "outermost", "scope_chain", "scope_prefixes",
]
