"""The chain rule of a backward step, in words and real numbers (no Textual import).

For a backward step this is the chain rule for one element of each input: the upstream
gradient times the local derivative gives the gradient sent to the input. Elementwise ops use
the registry's ``local`` partials; other ops (matmul, reductions, the softmax family) give
their own chain-rule data (``OpDef.explain``), written out here with the actual numbers.
Every number comes from the trace's arrays. The rest of the inspector's explanation (every
other event kind, updates) is ``tapeviz.view.explain``'s.
"""

from __future__ import annotations

import numpy as np

from ..engine.chain import ChainContext, Formula, Product, SumOfProducts
from ..engine.events import BackwardStep, OpRecorded
from ..engine.registry import REGISTRY, OpDef
from ..trace import Trace
from ..view import Explanation, learning_rate, update_lines
from ..view import explain as view_explain
from ..view.names import node_label, node_short
from ..view.numbers import fmt, largest, pfmt
from ..view.numbers import index_text as idx
from ..view.numbers import shape_of as _shape

SHOWN_TERMS = 3  # terms of a sum written out before "…"

__all__ = ["Explanation", "chain_rule_lines", "explain", "fmt", "largest", "learning_rate", "pfmt", "update_lines"]


def _name(trace: Trace, tensor_id: int) -> str:
    """A node in a chain-rule line: the learner's name, a weight's ``dense/kernel``, else the op's
    label (never an internal id such as ``power#3``)."""
    return node_short(trace, tensor_id) if tensor_id in trace.graph.nodes else node_label(trace, tensor_id)


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
    names = tuple(_name(trace, r.id) for r in forward.inputs)
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
        if sent.size == 0:  # nothing to pick an element from: the shape is the whole story
            lines.append(f"∂L/∂{who} is empty, shape {_shape(sent)}")
            continue
        head = f"∂L/∂{who}{idx(el)}"
        if locals_ is not None and k < len(locals_) and locals_[k] is not None:
            lines.extend(_elementwise(head, g, np.broadcast_to(locals_[k], out.shape), sent, el))
        elif opdef.explain is not None and (
            found := _op_explanation(opdef, head, ChainContext(k, tuple(arrays), out, attrs, g, sent, el, names))
        ):
            lines.extend(found)
        else:
            lines.append(f"{head} = {fmt(sent[el])}   (upstream g {_shape(g)} → sent {_shape(sent)}: {opdef.derivative})")
    return lines


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")" if shape else "scalar"


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


def _op_explanation(opdef: OpDef, head: str, context: ChainContext) -> list[str]:
    """The op's own chain-rule data (``OpDef.explain``) written out with formatted numbers."""
    try:
        found = opdef.explain(context)  # type: ignore[misc]
    except Exception:  # an explanation that cannot take these arrays: fall back to the summary
        return []
    if isinstance(found, Product):
        local = found.local if isinstance(found.local, str) else pfmt(found.local)
        return [f"{head}: upstream {pfmt(found.upstream)} × local {local} = sent {fmt(found.sent)}"]
    if isinstance(found, Formula):
        numbers = found.pattern.format(*(pfmt(x) for x in found.numbers))
        return [f"{head} = {found.formula} = {numbers} = {fmt(found.sent)}"]
    if isinstance(found, SumOfProducts):
        operands = " · ".join(f"{name} {_shape_text(shape)}" for name, shape in found.operands)
        return [
            f"{head} = {found.formula}  with {operands}",
            f"  = {_terms(list(found.terms))} = {fmt(found.sent)}",
        ]
    return []


# ---------------------------------------------------------------------------------------------
# any event


def explain(trace: Trace, index: int, grads: dict[int, np.ndarray] | None = None) -> Explanation:
    """The inspector's explanation of event ``index`` (``tapeviz.view.explain``) with the chain
    rule of this module for backward steps; ``grads``: gradients known at the cursor."""
    return view_explain(trace, index, grads, chain_rule=chain_rule_lines)
