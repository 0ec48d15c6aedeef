"""The chain rule of a backward step, in words and real numbers (no Textual import).

For a backward step this is the chain rule for one element of each input: the upstream
gradient times the local derivative gives the gradient sent to the input. Elementwise ops use
the registry's ``local`` partials; matmul, reductions and the softmax family get their own
formula with the actual shapes. Every number comes from the trace's arrays. The rest of the
inspector's explanation (every other event kind, updates) is ``tapeviz.view.explain``'s.
"""

from __future__ import annotations

import numpy as np

from ..engine.events import BackwardStep, OpRecorded
from ..engine.registry import REGISTRY
from ..trace import Trace
from ..view import Explanation, learning_rate, update_lines
from ..view import explain as view_explain
from ..view.events import node_short as _name
from ..view.numbers import fmt, largest, pfmt
from ..view.numbers import index_text as idx
from ..view.numbers import shape_of as _shape

SHOWN_TERMS = 3  # terms of a sum written out before "…"

__all__ = ["Explanation", "chain_rule_lines", "explain", "fmt", "largest", "learning_rate", "pfmt", "update_lines"]


def _forward_event(trace: Trace, op_node: int) -> OpRecorded | None:
    node = trace.graph.nodes.get(op_node)
    if node is None or node.event is None:
        return None
    event = trace.events[node.event]
    return event if isinstance(event, OpRecorded) else None


def _sum_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``x`` over the axes that broadcasting added or stretched to reach ``shape``."""
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(shape) if d == 1 and x.shape[i + lead] != 1)
    return np.sum(x, axis=axes, keepdims=True).reshape(shape) if axes else x.reshape(shape)


def _broadcast_slice(out_shape: tuple[int, ...], in_shape: tuple[int, ...], element: tuple[int, ...]) -> tuple:
    """The output positions that input ``element`` was broadcast to (an index expression)."""
    lead = len(out_shape) - len(in_shape)
    index: list[object] = [slice(None)] * lead
    for k, d in enumerate(in_shape):
        index.append(slice(None) if d == 1 and out_shape[lead + k] != 1 else element[k])
    return tuple(index)


def _terms(pairs: list[tuple[float, float]]) -> str:
    shown = " + ".join(f"{pfmt(a)}·{pfmt(b)}" for a, b in pairs[:SHOWN_TERMS])
    return shown + (f" + … ({len(pairs)} terms)" if len(pairs) > SHOWN_TERMS else "")


# ---------------------------------------------------------------------------------------------
# backward steps


def chain_rule_lines(trace: Trace, event: BackwardStep) -> list[str]:
    """One chain-rule line (or two) per input that received a gradient."""
    forward = _forward_event(trace, event.output_id)
    opdef = REGISTRY.get(event.op)
    lines: list[str] = []
    if forward is None or opdef is None:
        return [f"gradient sent to {_name(trace, i)}: shape {g.shape}" for i, g in zip(event.input_ids, event.input_grads) if g is not None]
    arrays = [np.asarray(r.value) for r in forward.inputs]
    out = np.asarray(forward.output.value)
    attrs = dict(forward.attrs)
    g = np.asarray(event.upstream)
    locals_: tuple[np.ndarray | None, ...] | None = None
    if opdef.local is not None:
        try:
            locals_ = opdef.local(*arrays, out, **attrs)
        except Exception:  # a local rule that cannot take these attrs: fall back to the summary
            locals_ = None
    for k, (src, sent) in enumerate(zip(event.input_ids, event.input_grads)):
        if sent is None:
            continue
        sent = np.asarray(sent)
        el = largest(sent)
        who = _name(trace, src)
        head = f"∂L/∂{who}{idx(el)}"
        if locals_ is not None and k < len(locals_) and locals_[k] is not None:
            lines.extend(_elementwise(head, g, np.broadcast_to(locals_[k], out.shape), sent, el))
        elif event.op == "matmul" and arrays[0].ndim == 2 and arrays[1].ndim == 2:
            lines.extend(_matmul(head, k, arrays, g, sent, el, attrs, [_name(trace, r.id) for r in forward.inputs]))
        elif event.op in ("reduce_sum", "reduce_mean"):
            lines.extend(_reduction(head, event.op, arrays[0], g, sent, el, attrs))
        elif event.op == "log_softmax":
            lines.extend(_log_softmax(head, out, g, sent, el, attrs))
        elif event.op == "softmax_cross_entropy_with_logits" and k == 1:
            lines.extend(_xent_logits(head, arrays, g, sent, el, attrs))
        elif event.op == "softmax":
            lines.extend(_softmax(head, out, g, sent, el, attrs))
        else:
            lines.append(f"{head} = {fmt(sent[el])}   (upstream g {_shape(g)} → sent {_shape(sent)}: {opdef.derivative})")
    return lines


def _elementwise(head: str, g: np.ndarray, local: np.ndarray, sent: np.ndarray, el: tuple[int, ...]) -> list[str]:
    out_shape = g.shape
    if sent.shape == out_shape:
        return [f"{head}: upstream {pfmt(g[el])} × local {pfmt(local[el])} = sent {fmt(sent[el])}"]
    where = _broadcast_slice(out_shape, sent.shape, el)
    gs, ls = np.asarray(g[where]).reshape(-1), np.asarray(local[where]).reshape(-1)
    pairs = list(zip(gs.tolist(), ls.tolist()))
    return [
        f"{head}: broadcast to {len(pairs)} outputs, so Σ upstream × local",
        f"  = {_terms(pairs)} = sent {fmt(sent[el])}",
    ]


def _matmul(
    head: str, k: int, arrays: list[np.ndarray], g: np.ndarray, sent: np.ndarray, el: tuple[int, ...],
    attrs: dict, names: list[str],
) -> list[str]:
    ta, tb = bool(attrs.get("transpose_a")), bool(attrs.get("transpose_b"))
    a = arrays[0].T if ta else arrays[0]
    b = arrays[1].T if tb else arrays[1]
    an, bn = names
    if k == 0:  # element of a: a_eff[p, q] = Σ_j g[p, j] · b_eff[q, j]
        p, q = (el[1], el[0]) if ta else el
        pairs = list(zip(g[p, :].tolist(), b[q, :].tolist()))
        formula = f"Σ_j g[{p},j]·{bn}[{q},j]" if not tb else f"Σ_j g[{p},j]·{bn}[j,{q}]"
        shapes = f"g {_shape(g)} · {bn}ᵀ {_shape(arrays[1])}"
    else:  # element of b: b_eff[p, q] = Σ_r a_eff[r, p] · g[r, q]
        p, q = (el[1], el[0]) if tb else el
        pairs = list(zip(a[:, p].tolist(), g[:, q].tolist()))
        formula = f"Σ_r {an}[r,{p}]·g[r,{q}]" if not ta else f"Σ_r {an}[{p},r]·g[r,{q}]"
        shapes = f"{an}ᵀ {_shape(arrays[0])} · g {_shape(g)}"
    return [f"{head} = {formula}  with {shapes}", f"  = {_terms(pairs)} = {fmt(sent[el])}"]


def _axes(axis: object, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted(int(a) % ndim for a in items))  # type: ignore[arg-type]


def _reduction(head: str, op: str, a: np.ndarray, g: np.ndarray, sent: np.ndarray, el: tuple[int, ...], attrs: dict) -> list[str]:
    axes = _axes(attrs.get("axis"), a.ndim)
    keep = tuple(0 if i in axes else el[i] for i in range(a.ndim))
    if attrs.get("keepdims"):
        up_el = keep
    else:
        up_el = tuple(el[i] for i in range(a.ndim) if i not in axes)
    upstream = float(np.asarray(g)[up_el]) if g.ndim else float(g)
    if op == "reduce_sum":
        return [f"{head}: upstream {pfmt(upstream)} × local 1 = sent {fmt(sent[el])}"]
    n = int(np.prod([a.shape[i] for i in axes])) if axes else 1
    return [f"{head}: upstream {pfmt(upstream)} × local 1/{n} = sent {fmt(sent[el])}"]


def _log_softmax(head: str, out: np.ndarray, g: np.ndarray, sent: np.ndarray, el: tuple[int, ...], attrs: dict) -> list[str]:
    axis = int(attrs.get("axis", -1)) % out.ndim
    row = tuple(slice(None) if i == axis else el[i] for i in range(out.ndim))
    total = float(np.sum(g[row]))
    soft = float(np.exp(out[el]))
    return [f"{head} = g − softmax·Σg = {pfmt(g[el])} − {pfmt(soft)}×{pfmt(total)} = {fmt(sent[el])}"]


def _xent_logits(head: str, arrays: list[np.ndarray], g: np.ndarray, sent: np.ndarray, el: tuple[int, ...], attrs: dict) -> list[str]:
    labels, logits = arrays
    axis = int(attrs.get("axis", -1)) % logits.ndim
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    soft = np.exp(shifted) / np.sum(np.exp(shifted), axis=axis, keepdims=True)
    row = tuple(e for i, e in enumerate(el) if i != axis)
    upstream = float(np.asarray(g)[row]) if np.ndim(g) else float(g)
    return [f"{head} = g·(softmax − label) = {pfmt(upstream)}×({pfmt(soft[el])} − {pfmt(labels[el])}) = {fmt(sent[el])}"]


def _softmax(head: str, out: np.ndarray, g: np.ndarray, sent: np.ndarray, el: tuple[int, ...], attrs: dict) -> list[str]:
    axis = int(attrs.get("axis", -1)) % out.ndim
    row = tuple(slice(None) if i == axis else el[i] for i in range(out.ndim))
    dot = float(np.sum(g[row] * out[row]))
    return [f"{head} = out·(g − Σg·out) = {pfmt(out[el])}×({pfmt(g[el])} − {pfmt(dot)}) = {fmt(sent[el])}"]


# ---------------------------------------------------------------------------------------------
# any event


def explain(trace: Trace, index: int, grads: dict[int, np.ndarray] | None = None) -> Explanation:
    """The inspector's explanation of event ``index`` (``tapeviz.view.explain``) with the chain
    rule of this module for backward steps; ``grads``: gradients known at the cursor."""
    return view_explain(trace, index, grads, chain_rule=chain_rule_lines)
