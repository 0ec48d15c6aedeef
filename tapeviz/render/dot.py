"""A trace at one event as DOT text: a pure function, no Graphviz binary, same text every time.

``dot_source(trace, at)`` draws the iteration that event ``at`` (numbered from 1, as people see
events) belongs to, as it stands after that event: parameters (green cylinders), inputs and
constants (blue notes), ops (rounded boxes with op name, output shape and a value summary), the
loss (red). Once the backward pass reached a node it shows its gradient summary, and every edge
gradient has flowed along gets an orange arrow pointing back to the input, labelled with the
gradient's shape. The event at the cursor is yellow; ops not computed yet are grey; during the
update each parameter shows before → after. Scopes are clusters; ``collapse`` folds a scope.

What the image says comes from the view layer (``tapeviz.view.build_scene``: rows of plain text
and flags); this module checks the options, then writes that ``Scene`` as DOT with ``scene_dot``,
optionally with fixed positions from a layout and rows padded to a template (frame sequences).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..trace import Snapshot, Trace, loss_node
from ..view import SHOW_CHOICES, SLOTS, DrawEdge, DrawNode, Scene, outermost, scope_prefixes
from ..view import build_scene as view_scene
from ..view.numbers import shape_text
from .cursor import AT_WORDS, check_index, resolve_at
from .errors import RenderError
from .styles import FONT, PALETTE, SHAPES

SLOT_SIZE: dict[str, int] = {"title": 12, "shape": 9, "value": 9, "grad": 9, "update": 9, "optimizer": 9}  # font size per row


# ---- options -------------------------------------------------------------------------------
def collapse_roots(trace: Trace, iteration: int, collapse: Sequence[str]) -> list[str]:
    """The scope paths the ``collapse`` names pick in ``iteration``, outermost only (a name
    matches a scope path or its tail: ``dense`` matches ``simple_model/dense``)."""
    gnodes = trace.graph.nodes
    prefixes = scope_prefixes(gnodes[i].scope for i in trace.graph.iteration_nodes(iteration))
    roots: list[str] = []
    for spec in collapse:
        name = spec.strip("/")
        hits = [p for p in prefixes if p == name or p.endswith("/" + name)]
        if not name or not hits:
            shown = ", ".join(prefixes) or "none"
            raise RenderError(f"cannot collapse {spec!r}: no such scope in this iteration (scopes: {shown})")
        roots.extend(hits)
    return outermost(roots)


def build_scene(
    trace: Trace,
    index: int,
    collapse: Sequence[str] = (),
    rankdir: str = "TB",
    show: str = "both",
    snap: Snapshot | None = None,
) -> Scene:
    """The view's ``Scene`` after event ``index`` (a 0-based list index), with the options an
    image takes checked first: each is a one-line RenderError a user can act on."""
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise RenderError(f"rankdir must be TB or LR, not {rankdir!r}")
    if show not in SHOW_CHOICES:
        raise RenderError(f"show must be one of {', '.join(SHOW_CHOICES)}, not {show!r}")
    index = check_index(trace, index)
    roots = collapse_roots(trace, trace.iteration(index), collapse) if collapse else []
    return view_scene(trace, index, roots, show, snap, rankdir)


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
        elif slot == "optimizer":
            color = PALETTE["slot"]
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
        if edge.tooltip:  # the chain rule of the step at the cursor
            attrs.append(f"tooltip={quote(edge.tooltip)}")
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
        mine = {n.id for n in scene.nodes}  # (a template spanning iterations has others' nodes too)
        edges = edges + [
            DrawEdge(e.id, e.src, e.dst, grad=e.grad, label=e.label) for e in template.edges
            if e.id not in have and e.src in mine and e.dst in mine
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

    ``at`` is an event number from 1 as ``tapeviz events`` and the UI show it (negative counts
    from the end), or ``forward``/``backward``/``update``/``end``. ``collapse`` names scopes to
    draw as one box each (a name matches a scope path or its tail, e.g. ``dense`` matches
    ``simple_model/dense``); ``show`` is ``both`` (values and gradients), ``values`` or ``grads``.
    Deterministic: the same trace gives the same text byte for byte.
    """
    return scene_dot(build_scene(trace, resolve_at(trace, at), collapse, rankdir, show))


__all__ = [
    "AT_WORDS", "DrawEdge", "DrawNode", "Layout", "SLOTS", "Scene", "build_scene", "collapse_roots", "dot_source",
    "html_escape", "loss_node", "quote", "resolve_at", "scene_dot", "shape_text",
]
