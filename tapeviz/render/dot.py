"""A trace at one event as DOT text: a pure function, no Graphviz binary, same text every time.

``dot_source(trace, at)`` draws the iteration that event ``at`` belongs to, as it stands
after that event: parameters (green cylinders), inputs and constants (blue notes), ops
(rounded boxes with op name, output shape and a value summary), the loss (red). Once the
backward pass reached a node it shows its gradient summary, and every edge gradient has
flowed along gets an orange arrow pointing back to the input, labelled with the gradient's
shape. The event at the cursor is yellow; ops not computed yet are grey; during the update
each parameter shows before → after. Scopes are clusters; ``collapse`` folds a scope into one box.

The drawing is built in two steps so the frame renderer can reuse it: ``build_scene`` turns
(trace, event) into a ``Scene`` of plain rows of text, and ``scene_dot`` writes a scene as DOT,
optionally with fixed positions from a layout and rows padded to a template.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..engine.events import (
    BackwardStep,
    GradientAccumulated,
    GradientsReturned,
    GradientStarted,
    OpRecorded,
    VariableAssigned,
)
from ..report import describe_event, summarize
from ..trace import Trace, loss_node, snapshot
from ..trace.snapshot import Snapshot
from .errors import RenderError
from .styles import FONT, PALETTE, SHAPES

# Rows a node label can have, top to bottom, and their font sizes.
SLOTS: tuple[str, ...] = ("title", "shape", "value", "grad", "update")
SLOT_SIZE: dict[str, int] = {"title": 12, "shape": 9, "value": 9, "grad": 9, "update": 9}
TITLE_ROWS: tuple[str, ...] = ("headline", "event")
SHOW_CHOICES: tuple[str, ...] = ("both", "values", "grads")
AT_WORDS: tuple[str, ...] = ("forward", "backward", "update", "end")
EVENT_TEXT_MAX = 125


@dataclass
class DrawNode:
    """One box of the drawing, with its label as plain (unescaped) text per slot."""

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
    id: str
    src: str
    dst: str
    grad: bool = False  # a gradient edge (drawn orange, arrow pointing back to src)
    label: str = ""
    pending: bool = False
    current: bool = False
    spine: bool = False  # op -> op: weighted so the main chain of ops runs straight
    long: bool = False  # op -> op across scopes: two ranks, so scope boxes stack instead of overlapping


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


# ---- the cursor ---------------------------------------------------------------------------
def resolve_at(trace: Trace, at: int | str | None) -> int:
    """An event index from ``at``: an int (negative counts from the end), a digit string, or

    ``forward`` (the last event of the first forward pass), ``backward`` (the middle event of the
    first backward pass), ``update`` (the last parameter assignment of the first update: every
    parameter updated) or ``end`` / None (the last event of the trace).
    """
    n = len(trace)
    if n == 0:
        raise RenderError("the trace has no events to draw")
    if at is None or at == "end":
        return n - 1
    if isinstance(at, str):
        word = at.strip().lower()
        if word.lstrip("-").isdigit():
            return resolve_at(trace, int(word))
        if word in ("forward", "backward", "update"):
            first, last = trace.first_of(word, 0), trace.last_of(word, 0)
            if first is None or last is None:
                raise RenderError(f"the trace has no {word} phase in its first iteration (events 0..{n - 1})")
            if word == "update":  # the last parameter assignment (an optimizer's own counter comes after)
                events = trace.events
                last = max(
                    (i for i in range(first, last + 1) if isinstance(events[i], VariableAssigned) and events[i].trainable),
                    default=last,
                )
            return (first + last) // 2 if word == "backward" else last
        raise RenderError(f"cannot place the cursor at {at!r}: give an event number 0..{n - 1} or one of {', '.join(AT_WORDS)}")
    if isinstance(at, (bool, float)) or not isinstance(at, (int, np.integer)):
        raise RenderError(f"cannot place the cursor at {at!r}: give an event number 0..{n - 1} or one of {', '.join(AT_WORDS)}")
    index = int(at) + n if at < 0 else int(at)
    if not 0 <= index < n:
        raise RenderError(f"event {at} is out of range: the trace has {n} events (0..{n - 1})")
    return index


# ---- text ----------------------------------------------------------------------------------
# control characters (XML forbids them in HTML-like labels) become spaces
_CONTROLS = {c: " " for c in [*range(0x20), 0x7F]}


def _clean(text: str) -> str:
    """Text Graphviz can take: no control characters, no lone surrogates."""
    if text.isascii():
        return text if text.isprintable() else text.translate(_CONTROLS)
    return text.translate(_CONTROLS).encode("utf-8", "replace").decode("utf-8")


def html_escape(text: str) -> str:
    """Escape text for a Graphviz HTML-like label (&, <, >, quotes; control characters become spaces)."""
    return _clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def quote(text: str) -> str:
    """A DOT double-quoted string whose text Graphviz shows literally (also in escString attrs)."""
    return '"' + _clean(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def shape_text(shape: Sequence[int], dtype: str = "float32") -> str:
    text = "scalar" if len(shape) == 0 else "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    return text if dtype == "float32" else f"{text} {dtype}"


def update_text(before: np.ndarray, after: np.ndarray) -> str:
    """A parameter's change in one line: small tensors entry by entry, larger ones by mean and max |Δ|."""
    if before.size <= 4:
        return f"{summary(before)} → {summary(after)}"
    delta = float(np.max(np.abs(np.asarray(after, dtype=np.float64) - np.asarray(before, dtype=np.float64))))
    return f"mean {float(before.mean()):.3g} → {float(after.mean()):.3g} · |Δ| ≤ {delta:.2g}"


def summary(value: np.ndarray) -> str:
    """``tapeviz.report.summarize`` with negative zeros shown as 0."""
    if value.dtype.kind == "f":
        value = value + value.dtype.type(0.0)
    return summarize(value)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- scene ---------------------------------------------------------------------------------
def _collapse_roots(scopes: Iterable[str], collapse: Sequence[str]) -> list[str]:
    """The scope paths the ``collapse`` names pick, outermost first (a name matches a path's tail)."""
    known = sorted(set(s for s in scopes if s))
    prefixes: set[str] = set()
    for s in known:
        parts = s.split("/")
        prefixes.update("/".join(parts[: k + 1]) for k in range(len(parts)))
    roots: list[str] = []
    for spec in collapse:
        name = spec.strip("/")
        hits = sorted(p for p in prefixes if p == name or p.endswith("/" + name))
        if not name or not hits:
            shown = ", ".join(sorted(prefixes)) or "none"
            raise RenderError(f"cannot collapse {spec!r}: no such scope in this iteration (scopes: {shown})")
        roots.extend(hits)
    # keep only the outermost of nested roots
    roots = sorted(set(roots), key=lambda p: (p.count("/"), p))
    outer: list[str] = []
    for r in roots:
        if not any(r == o or r.startswith(o + "/") for o in outer):
            outer.append(r)
    return outer


def _root_of(scope: str, roots: Sequence[str]) -> str | None:
    for r in roots:
        if scope == r or scope.startswith(r + "/"):
            return r
    return None


def build_scene(
    trace: Trace,
    at: int | str | None = None,
    collapse: Sequence[str] = (),
    rankdir: str = "TB",
    show: str = "both",
    snap: Snapshot | None = None,
) -> Scene:
    """What the image of ``trace`` at event ``at`` shows, as plain text (see module doc)."""
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise RenderError(f"rankdir must be TB or LR, not {rankdir!r}")
    if show not in SHOW_CHOICES:
        raise RenderError(f"show must be one of {', '.join(SHOW_CHOICES)}, not {show!r}")
    index = resolve_at(trace, at)
    snap = snap if snap is not None and snap.index == index else snapshot(trace, index)
    graph = trace.graph
    gnodes = graph.nodes
    loss = loss_node(trace, snap.iteration)
    roots = _collapse_roots((gnodes[i].scope for i in snap.nodes), collapse) if collapse else []
    values, grads, updates, current = snap.values, snap.grads, snap.updates, snap.current
    show_values, show_grads = show in ("both", "values"), show in ("both", "grads")

    nodes: list[DrawNode] = []
    clusters: dict[str, str] = {}
    drawn: dict[int, str] = {}  # graph node id -> DOT node id
    groups: dict[str, DrawNode] = {}
    members: dict[str, list[int]] = {}

    def add_cluster(scope: str) -> None:
        if not scope or scope in clusters:
            return
        parent = scope.rsplit("/", 1)[0] if "/" in scope else ""
        add_cluster(parent)
        clusters[scope] = scope.rsplit("/", 1)[-1]

    for nid in snap.nodes:
        node = gnodes[nid]
        root = _root_of(node.scope, roots) if roots else None
        if root is not None:
            gid = f"s{roots.index(root)}"
            drawn[nid] = gid
            members.setdefault(root, []).append(nid)
            if root not in groups:
                parent = root.rsplit("/", 1)[0] if "/" in root else ""
                add_cluster(parent)
                groups[root] = DrawNode(gid, "group", {}, parent, tooltip=f"scope {root} (collapsed)")
                nodes.append(groups[root])
            continue
        add_cluster(node.scope)
        did = f"n{nid}"
        drawn[nid] = did
        rows: dict[str, str] = {}
        if node.kind == "op":
            kind = "loss" if nid == loss else "op"
            rows["title"] = node.label + (" (loss)" if kind == "loss" else "")
            rows["shape"] = shape_text(node.shape, node.dtype)
            pending = nid not in snap.forward_done
            if show_values and not pending and nid in values:
                rows["value"] = summary(values[nid])
        else:
            pending = False
            if node.kind == "variable":
                kind = "parameter" if node.trainable else "variable"
                rows["title"] = node.label
                rows["shape"] = f"{'parameter' if node.trainable else 'variable'} {shape_text(node.shape, node.dtype)}"
            else:
                kind = "constant"
                scalar = int(np.prod(node.shape)) == 1 if node.shape else True
                rows["title"] = "constant" if scalar else "input"
                rows["shape"] = shape_text(node.shape, node.dtype)
            if show_values:
                value = updates[nid][0] if nid in updates else values.get(nid)
                if value is not None:
                    rows["value"] = summary(value)
        if show_grads and nid in grads:
            rows["grad"] = "∇ " + summary(grads[nid])
        if nid in updates:
            rows["update"] = update_text(*updates[nid])
        bad = _nonfinite(values.get(nid) if not pending else None) or _nonfinite(grads.get(nid))
        tip = f"{node.name} · {rows.get('shape', '')}" + (" · contains NaN/inf" if bad else "")
        nodes.append(DrawNode(
            did, kind, rows, node.scope, pending=pending, current=nid in current,
            backward=nid in snap.backward_done or nid in grads, updated=nid in updates,
            dashed=(node.kind == "variable" and not node.trainable) or node.in_backward,
            nonfinite=bad, tooltip=tip,
        ))

    consumers: dict[int, list[int]] = {}
    if groups:
        for e in graph.iteration_edges(snap.iteration):
            consumers.setdefault(e.src, []).append(e.dst)
    for root, group in groups.items():
        ids = members[root]
        ops = [i for i in ids if gnodes[i].kind == "op"]
        params = [i for i in ids if gnodes[i].kind == "variable"]
        inside = set(ids)
        leaving = [i for i in ops if any(c not in inside for c in consumers.get(i, ()))]
        out = leaving[-1] if leaving else (ops[-1] if ops else ids[-1])  # what the scope hands on
        group.rows["title"] = root.rsplit("/", 1)[-1]
        group.rows["shape"] = f"{len(ops)} op{'s' * (len(ops) != 1)} · {len(params)} parameter{'s' * (len(params) != 1)}"
        group.pending = bool(ops) and not any(i in snap.forward_done for i in ops)
        if show_values and not group.pending and out in values:
            group.rows["value"] = f"out {shape_text(gnodes[out].shape, gnodes[out].dtype)} {summary(values[out])}"
        if show_grads and out in grads:
            group.rows["grad"] = "∇ out " + summary(grads[out])
        changed = [i for i in params if i in updates]
        if changed:
            group.rows["update"] = f"{len(changed)} parameter{'s' * (len(changed) != 1)} updated"
        group.current = any(i in current for i in ids)
        group.backward = any(i in snap.backward_done or i in grads for i in ids)
        group.updated = bool(changed)
        if loss is not None and loss in ids:
            group.kind = "group"

    cluster_of = {n.id: n.cluster for n in nodes}
    edges: list[DrawEdge] = []
    seen: set[tuple[str, str, int]] = set()
    for e in graph.iteration_edges(snap.iteration):
        s, d = drawn.get(e.src), drawn.get(e.dst)
        if s is None or d is None or s == d:
            continue
        key = (s, d, e.index if not roots else 0)
        if key in seen:
            continue
        seen.add(key)
        spine = gnodes[e.src].kind == "op" and gnodes[e.dst].kind == "op"
        edges.append(DrawEdge(
            f"f_{s}_{d}_{key[2]}", s, d, pending=e.dst not in snap.forward_done,
            current=(e.src, e.dst) in snap.current_edges and e.dst in current and snap.phase == "forward",
            spine=spine, long=spine and cluster_of[s] != cluster_of[d],
        ))
    gseen: set[tuple[str, str]] = set()
    for (src, dst), gshape in snap.grad_edges.items():
        s, d = drawn.get(src), drawn.get(dst)
        if s is None or d is None or s == d or (s, d) in gseen:
            continue
        gseen.add((s, d))
        both_ops = gnodes[src].kind == "op" and gnodes[dst].kind == "op"
        edges.append(DrawEdge(
            f"g_{s}_{d}", s, d, grad=True, label="∇ " + shape_text(gshape),
            current=(src, dst) in snap.current_edges and snap.phase == "backward",
            long=both_ops and cluster_of[s] != cluster_of[d], spine=both_ops,
        ))

    title = {"headline": _headline(trace, snap, loss), "event": _event_line(trace, index)}
    return Scene(nodes, edges, clusters, title, rankdir, index)


def _headline(trace: Trace, snap: Snapshot, loss: int | None) -> str:
    name = trace.title or "trace"
    parts = [
        name,
        f"iteration {snap.iteration + 1}",
        f"{snap.phase} pass" if snap.phase != "update" else "update",
        f"event #{snap.index} of {len(trace)}",
    ]
    value = trace.loss_at(snap.iteration)
    if value is not None and loss is not None and loss in snap.forward_done:
        parts.append(f"loss {value:.4g}")
    return " · ".join(parts)


def _where(trace: Trace, tensor_id: int) -> str:
    """A node for prose: ``matmul in dense_1`` (label, then its innermost scope)."""
    node = trace.graph.nodes.get(tensor_id)
    if node is None:
        return f"#{tensor_id}"
    scope = node.scope.rsplit("/", 1)[-1]
    return f"{node.label} in {scope}" if scope else node.label


def _label(trace: Trace, tensor_id: int) -> str:
    node = trace.graph.nodes.get(tensor_id)
    return node.label if node is not None else f"#{tensor_id}"


def _event_line(trace: Trace, index: int) -> str:
    """What the event at the cursor did, in one sentence with its numbers."""
    from ..engine.registry import REGISTRY

    e = trace.events[index]
    if isinstance(e, OpRecorded):
        out = e.output.value
        text = f"now: forward — {_where(trace, e.output.id)} computed {shape_text(out.shape)} = {summary(out)}"
    elif isinstance(e, GradientStarted):
        target = ", ".join(_where(trace, t) for t in e.targets)
        seed = summary(e.seeds[0]) if e.seeds else "1"
        text = f"now: gradient() starts the backward pass at {target} with ∇ = {seed}"
    elif isinstance(e, BackwardStep):
        to = [_label(trace, i) for i, g in zip(e.input_ids, e.input_grads) if g is not None]
        opdef = REGISTRY.get(e.op)
        rule = f" · rule: {opdef.derivative}" if opdef is not None and opdef.derivative else ""
        text = f"now: backward through {_where(trace, e.output_id)} — ∇ to {', '.join(to) or 'no input'}{rule}"
    elif isinstance(e, GradientAccumulated):
        text = f"now: ∇ of {_where(trace, e.tensor_id)} adds up: {summary(e.before)} + {summary(e.added)} = {summary(e.total)}"
    elif isinstance(e, GradientsReturned):
        text = f"now: gradient() returns ∇ for {', '.join(_where(trace, s) for s in e.sources if s) or 'nothing'}"
    elif isinstance(e, VariableAssigned):
        name = "/".join(e.name.split("/")[-2:])
        text = f"now: update — {name}.{e.method}: {update_text(e.before, e.after)}"
    else:  # an event kind added later: the report's wording
        what, where, numbers = describe_event(trace, e)
        text = f"now: {what} {where} {numbers}"
    if trace.nonfinite_at(index):
        first = " (the first in the trace)" if trace.first_nonfinite == index else ""
        text = f"⚠ NaN/inf produced here{first} · " + text
    return _clip(text, EVENT_TEXT_MAX)


def _nonfinite(value: np.ndarray | None) -> bool:
    return value is not None and value.dtype.kind == "f" and not bool(np.isfinite(value).all())


# ---- DOT text ------------------------------------------------------------------------------
@dataclass
class Layout:
    """Fixed positions from one ``dot`` run (points, y up), keyed by DOT node/edge/cluster ids."""

    bb: str
    nodes: dict[str, tuple[str, float, float]]  # id -> (pos, width, height)
    edges: dict[str, tuple[str, str | None]]  # id -> (pos spline, label pos)
    clusters: dict[str, tuple[str, str | None]]  # cluster DOT name -> (bb, label pos)
    label_pos: str | None = None


def _node_label(node: DrawNode, slots: Sequence[str] | None, title_color: str, text_color: str) -> str:
    cells = []
    for slot in slots if slots is not None else [s for s in SLOTS if s in node.rows]:
        text = node.rows.get(slot, "")
        size = SLOT_SIZE[slot]
        body = html_escape(text) if text else "&#160;"
        if slot == "title":
            body = f"<B>{body}</B>"
            color = title_color
        elif slot == "grad":
            color = PALETTE["grad"] if not node.pending else text_color
        elif slot == "update":
            color = PALETTE["update"]
        elif slot == "shape":
            color = PALETTE["muted"] if not node.pending else text_color
        else:
            color = text_color
        cells.append(f'<TR><TD><FONT POINT-SIZE="{size}" COLOR="{color}">{body}</FONT></TD></TR>')
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(cells) + "</TABLE>>"


def _node_attrs(node: DrawNode, slots: Sequence[str] | None = None) -> list[str]:
    kind = node.kind
    fill, border = PALETTE[f"{kind}.fill"], PALETTE[f"{kind}.border"]
    title_color = text_color = PALETTE["text"]
    penwidth = 1.6 if kind in ("parameter", "loss", "group") else 1.2
    if node.pending and not node.current:
        fill, border = PALETTE["pending.fill"], PALETTE["pending.border"]
        title_color = text_color = PALETTE["pending.text"]
    elif kind in ("op", "loss") and node.backward:
        border = PALETTE["grad"]
        penwidth = 1.8
    if node.updated:
        border = PALETTE["update"]
        penwidth = 2.2
    if node.nonfinite:  # NaN/inf: the one thing that must not be missed
        border, penwidth = PALETTE["nonfinite"], 3.2
    if node.current:
        fill, penwidth = PALETTE["current.fill"], 3.2
        border = PALETTE["nonfinite"] if node.nonfinite else PALETTE["current.border"]
    style = ["filled"]
    if kind in ("op", "loss"):
        style.insert(0, "rounded")
    if node.dashed or node.pending:
        style.append("dashed")
    return [
        f"shape={SHAPES[kind]}",
        f'style="{",".join(style)}"',
        f'fillcolor="{fill}"',
        f'color="{border}"',
        f"penwidth={penwidth}",
        f"label={_node_label(node, slots, title_color, text_color)}",
        f"tooltip={quote(node.tooltip)}",
    ]


def _edge_attrs(edge: DrawEdge, rankdir: str = "TB") -> list[str]:
    attrs = _edge_look(edge)
    if edge.spine and edge.grad and not edge.long:
        # a return lane beside the chain of ops: on its right (TB) or below it (LR)
        attrs += ["tailport=se", f"headport={'ne' if rankdir in ('TB', 'BT') else 'sw'}"]
    elif edge.spine:
        attrs.append("weight=4")
    if edge.long:
        attrs.append("minlen=2")
    return attrs


def _edge_look(edge: DrawEdge) -> list[str]:
    if edge.grad:
        attrs = [
            "dir=back", f'color="{PALETTE["grad"]}"', f'fontcolor="{PALETTE["grad"]}"',
            f"penwidth={3.0 if edge.current else 1.6}", "arrowtail=normal",
            f"label={quote(edge.label)}",
        ]
        if edge.current:
            attrs.append('style="bold"')
        return attrs
    if edge.pending:
        return [f'color="{PALETTE["pending.border"]}"', 'style="dashed"']
    if edge.current:
        return [f'color="{PALETTE["current.border"]}"', "penwidth=2.6"]
    return []


def _title_label(title: dict[str, str], rows: Sequence[str] | None = None) -> str:
    head = html_escape(title.get("headline", "")) or "&#160;"
    event = html_escape(title.get("event", "")) or "&#160;"
    c = PALETTE
    legend = (
        f'<FONT COLOR="{c["parameter.border"]}">■</FONT> parameter   '
        f'<FONT COLOR="{c["constant.border"]}">■</FONT> input / constant   '
        f'<FONT COLOR="{c["op.border"]}">▢</FONT> op   '
        f'<FONT COLOR="{c["loss.border"]}">■</FONT> loss   '
        f'<FONT COLOR="{c["grad"]}">◀━ gradient ∇ (shape)</FONT>   '
        f'<FONT COLOR="{c["update"]}">update before → after</FONT>   '
        f'<FONT COLOR="{c["current.border"]}">■</FONT> this event   '
        f'<FONT COLOR="{c["pending.text"]}">grey: not computed yet</FONT>   '
        f'<FONT COLOR="{c["nonfinite"]}">▢ NaN/inf</FONT>'
    )
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="15"><B>{head}</B></FONT></TD></TR>'
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="11">{event}</FONT></TD></TR>'
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10">{legend}</FONT></TD></TR>'
        "</TABLE>>"
    )


def scene_dot(scene: Scene, layout: Layout | None = None, template: Scene | None = None) -> str:
    """DOT text for a scene. With a layout, every node/edge/cluster gets fixed positions (for
    ``neato -n2``); with a template, labels keep the template's rows and absent edges stay, invisible,
    so that every frame of a sequence has the same boxes in the same places."""
    out: list[str] = ["digraph tapeviz {\n"]
    w = out.append
    graph_attrs = [
        f"rankdir={scene.rankdir}", f'fontname="{FONT}"', f'bgcolor="{PALETTE["background"]}"',
        "labelloc=t", "labeljust=l", "nodesep=0.3", "ranksep=0.42", "pad=0.25",
        f"label={_title_label(template.title if template is not None and layout is None else scene.title)}",
    ]
    if layout is not None:
        graph_attrs.append(f'bb="{layout.bb}"')
        if layout.label_pos:
            graph_attrs.append(f'lp="{layout.label_pos}"')
        graph_attrs.append('splines=true')
    w(f"\tgraph [{' '.join(graph_attrs)}]\n")
    w(f'\tnode [fontname="{FONT}" fontsize=10 margin="0.10,0.05"]\n')
    w(f'\tedge [fontname="{FONT}" fontsize=9 arrowsize=0.7 color="{PALETTE["forward.edge"]}"]\n')

    tmpl_nodes = {n.id: n for n in template.nodes} if template is not None else {}
    by_cluster: dict[str, list[DrawNode]] = {}
    for node in scene.nodes:
        by_cluster.setdefault(node.cluster, []).append(node)
    children: dict[str, list[str]] = {}
    for path in scene.clusters:
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        children.setdefault(parent, []).append(path)
    cluster_ids = {path: f"cluster_{k}" for k, path in enumerate(scene.clusters)}

    def emit_node(node: DrawNode, indent: str) -> None:
        t = tmpl_nodes.get(node.id)
        attrs = _node_attrs(node, [s for s in SLOTS if s in t.rows] if t is not None else None)
        if layout is not None and node.id in layout.nodes:
            pos, width, height = layout.nodes[node.id]
            attrs += [f'pos="{pos}"', f"width={width}", f"height={height}", "fixedsize=true"]
        w(f"{indent}{node.id} [{' '.join(attrs)}]\n")

    def emit_cluster(path: str, indent: str) -> None:
        cid = cluster_ids[path]
        w(f"{indent}subgraph {cid} {{\n")
        inner = indent + "\t"
        attrs = [
            f"label=<<FONT COLOR=\"{PALETTE['cluster.text']}\" POINT-SIZE=\"11\"><I>{html_escape(scene.clusters[path])}</I></FONT>>",
            'style="rounded,filled"', f'fillcolor="{PALETTE["cluster.fill"]}"', f'color="{PALETTE["cluster.border"]}"',
            "labeljust=l", f"tooltip={quote('scope ' + path)}",
        ]
        if layout is not None and cid in layout.clusters:
            bb, lp = layout.clusters[cid]
            attrs.append(f'bb="{bb}"')
            if lp:
                attrs.append(f'lp="{lp}"')
        w(f"{inner}graph [{' '.join(attrs)}]\n")
        for child in children.get(path, []):
            emit_cluster(child, inner)
        for node in by_cluster.get(path, []):
            emit_node(node, inner)
        w(f"{indent}}}\n")

    for child in children.get("", []):
        emit_cluster(child, "\t")
    for node in by_cluster.get("", []):
        emit_node(node, "\t")

    edges = scene.edges
    if template is not None:
        have = {e.id for e in edges}
        edges = edges + [
            DrawEdge(e.id, e.src, e.dst, grad=e.grad, label=e.label) for e in template.edges if e.id not in have
        ]
        hidden = {e.id for e in edges} - have
    else:
        hidden = set()
    for edge in edges:
        attrs = _edge_attrs(edge, scene.rankdir)
        if edge.id in hidden:
            attrs = [a for a in attrs if not a.startswith("style=")] + ["style=invis"]
        attrs.insert(0, f"id={quote(edge.id)}")
        if layout is not None and edge.id in layout.edges:
            pos, lp = layout.edges[edge.id]
            attrs.append(f'pos="{pos}"')
            if lp:
                attrs.append(f'lp="{lp}"')
        w(f"\t{edge.src} -> {edge.dst} [{' '.join(attrs)}]\n")
    if layout is not None:
        # two invisible points pin the drawing to the layout's bounding box: every frame the same size
        x0, y0, x1, y1 = layout.bb.split(",")
        for name, x, y in (("corner_lo", x0, y0), ("corner_hi", x1, y1)):
            w(f'\t{name} [shape=point style=invis width=0.01 height=0.01 fixedsize=true label="" pos="{x},{y}"]\n')
    w("}\n")
    return "".join(out)


def dot_source(
    trace: Trace,
    at: int | str | None = None,
    collapse: Sequence[str] = (),
    rankdir: str = "TB",
    show: str = "both",
) -> str:
    """DOT text of ``trace`` after event ``at`` (default: the last event); see the module doc.

    ``collapse`` names scopes to draw as one box each (a name matches a scope path or its tail,
    e.g. ``dense`` matches ``simple_model/dense``); ``show`` is ``both`` (values and gradients),
    ``values`` or ``grads``. Deterministic: the same trace gives the same text byte for byte.
    """
    return scene_dot(build_scene(trace, at, collapse, rankdir, show))


__all__ = [
    "AT_WORDS", "DrawEdge", "DrawNode", "Layout", "SLOTS", "Scene", "build_scene", "dot_source", "html_escape",
    "loss_node", "quote", "resolve_at", "scene_dot", "shape_text",
]
