"""How the graph looks at one event: box states, text rows, and the ``Scene`` an image shows.

The structure comes from ``tapeviz.view.graph`` (cached per iteration); everything here is read
off a ``Snapshot`` of the cursor's event, so stepping only recomputes this part:

* ``node_state`` — pending, computed, current, reached by the backward pass, updated
  (``node_nonfinite``: a NaN or infinity in its value or gradient);
* ``edge_word`` — an edge's state in one word, for narrow drawings;
* ``node_rows`` — the text rows of an image's box; ``box_line`` — a terminal box's changing line;
* ``build_scene`` — all of it for one image: ``DrawNode``/``DrawEdge`` rows and flags, gradient
  edges, clusters and the two title rows. Plain text only: DOT syntax lives in the render layer.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..engine.events import BackwardStep
from ..trace import Trace, snapshot
from ..trace.snapshot import Snapshot
from .chain_rule import chain_rule
from .events import event_number, event_sentence
from .failure import FAILED_BOX, failed_box_lines, program_failure
from .graph import SceneGraph, SceneNode, cached_graph, inlined_leaves
from .numbers import compact, nonfinite, shape_text, summary, update_text, value_range
from .updates import slot_row, slot_symbols, slots_by_weight

# rows of a box, top to bottom ("optimizer": a weight's optimizer slots during the update)
SLOTS: tuple[str, ...] = ("title", "shape", "inputs", "value", "grad", "update", "optimizer")
SHOW_CHOICES: tuple[str, ...] = ("both", "values", "grads")


@dataclass(frozen=True)
class NodeState:
    """How a box stands at an event."""

    pending: bool  # an op (or every op of a scope) the forward pass has not computed yet
    computed: bool  # it holds a value: a leaf read, an op computed, a scope with an op computed
    current: bool  # the event at the cursor is about it
    reached: bool  # the backward pass has reached it (it has a gradient)
    updated: bool  # the optimizer assigned it in this iteration

    @property
    def word(self) -> str:
        """The strongest state in one word: current, updated, grad, done or pending."""
        if self.current:
            return "current"
        if self.updated:
            return "updated"
        if self.reached:
            return "grad"
        return "done" if self.computed else "pending"


def node_state(node: SceneNode, snap: Snapshot) -> NodeState:
    """The state of ``node`` at the snapshot's event."""
    members = node.members
    if node.kind == "group":
        done = any(i in snap.forward_done for i in node.ops)
        return NodeState(
            pending=bool(node.ops) and not done, computed=done,
            current=any(i in snap.current for i in members),
            reached=any(i in snap.backward_done or i in snap.grads for i in members),
            updated=any(i in snap.updates for i in members),
        )
    nid = members[0]
    pending = node.is_op and nid not in snap.forward_done
    return NodeState(
        pending=pending, computed=not pending if node.is_op else nid in snap.values,
        current=nid in snap.current, reached=nid in snap.backward_done or nid in snap.grads,
        updated=nid in snap.updates,
    )


def node_nonfinite(node: SceneNode, snap: Snapshot, state: NodeState) -> bool:
    """True when a tensor's value (once computed) or gradient holds a NaN or an infinity
    (a collapsed scope is not checked: its members' boxes are what would show it)."""
    if node.kind == "group":
        return False
    nid = node.output
    return nonfinite(snap.values.get(nid) if not state.pending else None) or nonfinite(snap.grads.get(nid))


def edge_word(pairs: Sequence[tuple[int, int]], snap: Snapshot) -> str:
    """An edge's state for a narrow drawing: current, grad, done or pending (any pair counts)."""
    state = "pending"
    for src, dst in pairs:
        if (src, dst) in snap.current_edges:
            return "current"
        if (src, dst) in snap.grad_edges:
            state = "grad"
        elif state == "pending" and dst in snap.forward_done:
            state = "done"
    return state


def node_rows(node: SceneNode, snap: Snapshot, state: NodeState, show: str = "both") -> dict[str, str]:
    """The text rows of an image's box at an event (see ``SLOTS``)."""
    values, grads, updates = snap.values, snap.grads, snap.updates
    show_values, show_grads = show in ("both", "values"), show in ("both", "grads")
    rows = {"title": node.title, "shape": node.detail}
    out = node.output
    if node.kind == "group":
        if show_values and not state.pending and out in values:
            value = values[out]
            rows["value"] = f"out {shape_text(value.shape, value.dtype.name)} {summary(value, plain_zero=True)}"
        if show_grads and out in grads:
            rows["grad"] = "∇ out " + summary(grads[out], plain_zero=True)
        changed = sum(1 for i in node.members if i in updates)
        if changed:
            rows["update"] = f"{changed} parameter{'s' * (changed != 1)} updated"
        return rows
    if show_values:
        if node.is_op:
            found = values.get(out) if not state.pending else None
        else:
            found = updates[out][0] if out in updates else values.get(out)
        if found is not None:
            rows["value"] = summary(found, plain_zero=True)
    if show_grads and out in grads:
        rows["grad"] = "∇ " + summary(grads[out], plain_zero=True)
    if out in updates:
        rows["update"] = update_text(*updates[out])
    return rows


def box_line(node: SceneNode, snap: Snapshot, mode: str) -> str:
    """The one changing line of a narrow box: its value range, or its gradient in ``grads`` mode.

    A collapsed scope shows the op whose output leaves the scope (``node.output``), as an image's
    box does: that is the tensor the rest of the graph (and the backward pass) sees.
    """
    nid = node.output
    if mode == "grads":
        g = snap.grads.get(nid)
        return "∇ ·" if g is None else "∇ " + value_range(np.asarray(g))
    if nid in snap.updates:
        before, after = snap.updates[nid]
        delta = np.asarray(after, np.float64) - np.asarray(before, np.float64)
        return "Δ " + compact(float(np.max(np.abs(delta)))) if delta.size else "Δ"
    value = snap.values.get(nid)
    if value is None or (node.is_op and nid not in snap.forward_done):
        return "·"
    return value_range(np.asarray(value))


# ---- one image -----------------------------------------------------------------------------
@dataclass
class DrawNode:
    """One box of an image, with its label as plain (unescaped) text per slot."""

    id: str
    kind: str  # parameter, variable, constant, op, loss, group
    rows: dict[str, str]
    cluster: str  # scope path of the cluster it sits in ("" = top level)
    pending: bool = False  # an op the forward pass has not computed yet
    current: bool = False  # the event at the cursor is about this node
    backward: bool = False  # the backward pass has reached it
    updated: bool = False  # the optimizer assigned it in this iteration
    dashed: bool = False  # a non-trainable variable, or an op recorded during a backward pass
    nonfinite: bool = False  # its value or gradient holds a NaN or an infinity
    tooltip: str = ""


@dataclass
class DrawEdge:
    """One arrow of an image: forward, or a gradient flowing back (drawn pointing to ``src``)."""

    id: str
    src: str
    dst: str
    grad: bool = False  # a gradient edge
    label: str = ""
    pending: bool = False
    current: bool = False
    spine: bool = False  # op -> op: weighted so the main chain of ops runs straight
    long: bool = False  # op -> op across scopes: two ranks, so scope boxes stack instead of overlapping
    tooltip: str = ""  # the gradient edge of the backward step at the cursor: its chain rule


@dataclass
class Scene:
    """Everything one image shows, as text: nodes, edges, clusters, title rows."""

    nodes: list[DrawNode]
    edges: list[DrawEdge]
    clusters: dict[str, str]  # scope path -> cluster label, in drawing order
    title: dict[str, str]  # headline / event -> text
    rankdir: str = "TB"
    index: int = 0
    extra: dict[str, object] = field(default_factory=dict)


def build_scene(
    trace: Trace,
    index: int,
    collapsed: Collection[str] = (),
    show: str = "both",
    snap: Snapshot | None = None,
    rankdir: str = "TB",
) -> Scene:
    """The image of ``trace`` after event ``index`` (a list index): the iteration it belongs to,
    ``collapsed`` scope paths as one box each, values and/or gradients per ``show``."""
    snap = snap if snap is not None and snap.index == index else snapshot(trace, index)
    graph = cached_graph(trace, snap.iteration, collapsed)
    event = trace.events[index]
    steps = chain_rule(trace, event) if isinstance(event, BackwardStep) else []
    stepped = graph.node_of.get(event.output_id) if steps else None  # type: ignore[union-attr]
    nodes: list[DrawNode] = []
    for node in graph.nodes:
        state = node_state(node, snap)
        bad = node_nonfinite(node, snap, state)
        tip = node.tooltip + (" · contains NaN/inf" if bad else "")
        if node.id == stepped:  # the op the backward pass is going through: upstream × local = sent
            tip += " · chain rule: " + " | ".join(step.short() for step in steps)
        nodes.append(DrawNode(
            node.id, node.kind, node_rows(node, snap, state, show), node.cluster, pending=state.pending,
            current=state.current, backward=state.reached, updated=state.updated, dashed=node.dashed,
            nonfinite=bad, tooltip=tip,
        ))
    _add_optimizer_rows(trace, snap, graph, nodes)
    forward = snap.phase == "forward"
    edges = [
        DrawEdge(
            e.id, e.src, e.dst, pending=e.pairs[0][1] not in snap.forward_done,
            current=forward and e.pairs[0] in snap.current_edges and e.pairs[0][1] in snap.current,
            spine=e.spine, long=e.long,
        )
        for e in graph.edges
    ]
    edges += _grad_edges(trace, graph, snap, {step.input_id: step.short() for step in steps})
    if index == len(trace) - 1:
        _add_failed_op(trace, graph, nodes, edges)
    title = {"headline": headline(trace, snap, graph.loss), "event": event_sentence(trace, index)}
    return Scene(nodes, edges, dict(graph.clusters), title, rankdir, index)


def _failed_inputs(trace: Trace) -> frozenset[int]:
    """Post-mortem: the trace nodes the failed op was given (drawn as boxes with edges into it)."""
    failure = program_failure(trace)
    return frozenset(t for t in failure.tensors if t) if failure is not None and failure.op else frozenset()


def _add_failed_op(trace: Trace, graph: SceneGraph, nodes: list[DrawNode], edges: list[DrawEdge]) -> None:
    """Post-mortem, at the last event: the op the program failed at as a box of its own (✗, the
    op and line, its inputs' names and shapes, the error's one line) in the error colour, with an
    edge from each input the drawing has, as the terminal's graph pane draws it."""
    failure = program_failure(trace)
    if failure is None or failure.op is None:
        return
    title, inputs, reason = failed_box_lines(failure, width=48, reason_lines=2)
    rows = {"title": title, "inputs": "\n".join(inputs), "value": " ".join(reason)}
    nodes.append(DrawNode(FAILED_BOX, "op", rows, "", nonfinite=True, tooltip=failure.error))
    for src in dict.fromkeys(graph.node_of[t] for t in failure.tensors if t in graph.node_of):
        edges.append(DrawEdge(f"e_{src}_{FAILED_BOX}", src, FAILED_BOX))


def fold_inputs(trace: Trace, scene: Scene, collapsed: Collection[str] = ()) -> Scene:
    """The same image with every leaf that feeds one op drawn inside that op's box, as the
    terminal's graph pane draws it (``inlined_leaves``): the op gains an ``inputs`` row, one line
    per input (``← kernel 10×5``, with its gradient and update once it has them), and the leaf's
    box and edges go. The program's input and shared leaves stay boxes."""
    graph = cached_graph(trace, trace.iteration(scene.index), collapsed)
    inside = inlined_leaves(trace, graph, _failed_inputs(trace))  # (the failed op's inputs stay boxes)
    if not inside:
        return scene
    by_id = {n.id: n for n in scene.nodes}
    for leaf, host in inside.items():
        node, into = by_id.get(leaf), by_id.get(host)
        if node is None or into is None:
            continue
        line = f"← {graph.by_id[leaf].label}"
        for slot, mark in (("grad", " · "), ("update", " · ")):
            if slot in node.rows:
                line += mark + node.rows[slot]
        into.rows["inputs"] = (into.rows["inputs"] + "\n" if "inputs" in into.rows else "") + line
        into.current = into.current or node.current
        into.updated = into.updated or node.updated
        into.nonfinite = into.nonfinite or node.nonfinite
    gone = set(inside)
    scene.nodes = [n for n in scene.nodes if n.id not in gone]
    scene.edges = [e for e in scene.edges if e.src not in gone and e.dst not in gone]
    return scene


def _add_optimizer_rows(trace: Trace, snap: Snapshot, graph: SceneGraph, nodes: list[DrawNode]) -> None:
    """During the update, each weight's optimizer slots (momentum; Adam's m and v) as a row of its
    box, once this update step has assigned them (plain SGD has none: its boxes do not change)."""
    start = trace.first_of("update", snap.iteration) if snap.phase == "update" else None
    found = slots_by_weight(trace, start, snap.index) if start is not None else {}
    if not found:
        return
    gnodes, symbols = trace.graph.nodes, slot_symbols(trace)
    for node, draw in zip(graph.nodes, nodes):
        slots = found.get(gnodes[node.output].name) if node.kind != "group" and node.output in gnodes else None
        if slots:
            draw.rows["optimizer"] = slot_row(slots, symbols)


def _grad_edges(trace: Trace, graph: SceneGraph, snap: Snapshot, chain: dict[int, str]) -> list[DrawEdge]:
    """The edges gradients have flowed along so far, labelled with the gradient's shape; ``chain``:
    the chain-rule line of each input the step at the cursor sent a gradient to (edge tooltips)."""
    gnodes, node_of, by_id = trace.graph.nodes, graph.node_of, graph.by_id
    edges: list[DrawEdge] = []
    seen: set[tuple[str, str]] = set()
    for (src, dst), gshape in snap.grad_edges.items():
        s, d = node_of.get(src), node_of.get(dst)
        if s is None or d is None or s == d or (s, d) in seen:
            continue
        seen.add((s, d))
        both_ops = gnodes[src].kind == "op" and gnodes[dst].kind == "op"
        current = (src, dst) in snap.current_edges and snap.phase == "backward"
        edges.append(DrawEdge(
            f"g_{s}_{d}", s, d, grad=True, label="∇ " + shape_text(gshape), current=current,
            long=both_ops and by_id[s].cluster != by_id[d].cluster, spine=both_ops,
            tooltip=chain.get(src, "") if current else "",
        ))
    return edges


def loss_known(snap: Snapshot, loss: int | None) -> bool:
    """The one rule for showing an iteration's loss (image titles, the UI's header and loss
    pane): once the op computing it, node ``loss``, has been recorded."""
    return loss is not None and loss in snap.forward_done


def headline(trace: Trace, snap: Snapshot, loss: int | None) -> str:
    """An image's first title row: trace, iteration, phase, event number, loss once computed."""
    parts = [
        trace.title or "trace",
        f"iteration {snap.iteration + 1}",
        f"{snap.phase} pass" if snap.phase != "update" else "update",
        f"event {event_number(snap.index)} of {len(trace)}",
    ]
    value = trace.loss_at(snap.iteration)
    if value is not None and loss_known(snap, loss):
        parts.append(f"loss {value:.4g}")
    return " · ".join(parts)


__all__ = [
    "DrawEdge", "DrawNode", "NodeState", "SHOW_CHOICES", "SLOTS", "Scene", "box_line", "build_scene", "edge_word", "fold_inputs",
    "headline", "loss_known", "node_nonfinite", "node_rows", "node_state",
]
