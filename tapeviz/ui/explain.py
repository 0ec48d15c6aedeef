"""What the event at the cursor means, in words and real numbers (no Textual import).

For a backward step this is the chain rule for one element of each input: the upstream
gradient times the local derivative gives the gradient sent to the input. Elementwise ops use
the registry's ``local`` partials; other ops (matmul, reductions, the softmax family) give
their own chain-rule data (``OpDef.explain``), written out here with the actual numbers; for an update it is ``after = before − lr × gradient``.
Every number comes from the trace's arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine.chain import ChainContext, Formula, Product, SumOfProducts
from ..engine.events import (
    BackwardStep,
    GradientAccumulated,
    GradientsReturned,
    GradientStarted,
    OpRecorded,
    VariableAssigned,
)
from ..engine.registry import REGISTRY, OpDef
from ..trace import Trace

SHOWN_TERMS = 3  # terms of a sum written out before "…"


@dataclass
class Explanation:
    """A titled block of lines for the inspector; ``kind`` picks its colour."""

    kind: str  # forward | backward | update | info
    title: str
    lines: list[str] = field(default_factory=list)


def fmt(x: float) -> str:
    """A number in a short, stable form (4 significant digits)."""
    x = float(x)
    if x == 0:
        return "0"
    if abs(x) >= 1e4 or abs(x) < 1e-3:
        return f"{x:.3e}"
    return f"{x:.4g}"


def pfmt(x: float) -> str:
    """Like ``fmt`` but negative numbers in parentheses, for products and sums of products."""
    text = fmt(x)
    return f"({text})" if text.startswith("-") else text


def idx(element: tuple[int, ...]) -> str:
    return "[" + ",".join(str(i) for i in element) + "]" if element else ""


def largest(array: np.ndarray) -> tuple[int, ...]:
    """The element with the largest magnitude (the first one on ties): the one worth showing."""
    a = np.asarray(array)
    if a.ndim == 0 or a.size == 0:
        return ()
    flat = np.abs(a.astype(np.float64, copy=False)).reshape(-1)
    return tuple(int(i) for i in np.unravel_index(int(np.nanargmax(flat)) if flat.size else 0, a.shape))


def _name(trace: Trace, node_id: int) -> str:
    node = trace.graph.nodes.get(node_id)
    if node is None:
        return f"#{node_id}"
    if node.kind == "variable":
        return "/".join(node.name.split("/")[-2:])
    return node.label if node.kind != "op" else f"{node.label}#{node.id}"


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


def _shape(a: np.ndarray) -> str:
    return _shape_text(a.shape)


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
# updates


def learning_rate(trace: Trace, before: np.ndarray, after: np.ndarray, grad: np.ndarray | None) -> float | None:
    """The SGD step size: from the trace's meta if given, else (before − after) / gradient."""
    for key in ("learning_rate", "lr"):
        if key in trace.meta:
            try:
                return float(trace.meta[key])
            except (TypeError, ValueError):
                pass
    if grad is None or np.shape(grad) != np.shape(before):
        return None
    g = np.asarray(grad, dtype=np.float64)
    mask = np.abs(g) > 1e-12
    if not mask.any():
        return None
    ratios = (np.asarray(before, np.float64) - np.asarray(after, np.float64))[mask] / g[mask]
    return float(np.median(ratios))


def update_lines(trace: Trace, event: VariableAssigned, grad: np.ndarray | None) -> list[str]:
    before, after = np.asarray(event.before), np.asarray(event.after)
    if before.shape != after.shape:
        return [f"{event.method}: shape {_shape(before)} → {_shape(after)}"]
    delta = after.astype(np.float64) - before.astype(np.float64)
    el = largest(delta) if before.ndim else ()
    lr = learning_rate(trace, before, after, grad)
    lines = [f"{event.name}{idx(el)}: before {fmt(before[el])} → after {fmt(after[el])} (change {fmt(delta[el])})"]
    if grad is not None and np.shape(grad) == before.shape:
        g = float(np.asarray(grad)[el])
        if lr is not None:
            lines.append(f"after = before − lr × gradient = {pfmt(before[el])} − {pfmt(lr)} × {pfmt(g)} = {pfmt(after[el])}")
            lines.append(f"learning rate {fmt(lr)}, gradient {fmt(g)}")
        else:
            lines.append(f"gradient {fmt(g)}")
    lines.append(f"largest change {fmt(np.max(np.abs(delta)))} over {before.size} weight(s)")
    return lines


# ---------------------------------------------------------------------------------------------
# any event


def explain(trace: Trace, index: int, grads: dict[int, np.ndarray] | None = None) -> Explanation:
    """The explanation of event ``index`` (``grads``: gradients known at the cursor, for updates);
    an event that produced a NaN or infinity from finite numbers says so first."""
    found = _explain(trace, index, grads)
    bad = trace.nonfinite_at(index)
    if bad:
        names = ", ".join(_name(trace, i) for i in bad)
        found.lines.insert(0, f"⚠ a NaN or infinity appears here, in {names}: later ops only carry it along")
    return found


def _explain(trace: Trace, index: int, grads: dict[int, np.ndarray] | None = None) -> Explanation:
    event = trace.events[index]
    if isinstance(event, OpRecorded):
        opdef = REGISTRY.get(event.op)
        ins = ", ".join(f"{_name(trace, r.id)} {_shape(np.asarray(r.value))}" for r in event.inputs)
        lines = [f"out = {event.op}({ins}) → {_shape(np.asarray(event.output.value))}"]
        if opdef is not None:
            lines.append(f"local derivative: {opdef.derivative}")
        if event.in_backward:
            lines.append("recorded by an outer tape during a backward pass")
        return Explanation("forward", f"forward: {event.op}" + (f" in {event.scope}" if event.scope else ""), lines)
    if isinstance(event, GradientStarted):
        target = ", ".join(_name(trace, t) for t in event.targets)
        seed = fmt(np.asarray(event.seeds[0]).reshape(-1)[0]) if event.seeds and np.size(event.seeds[0]) else "1"
        return Explanation("backward", "backward pass starts", [
            f"tape.gradient({target}, …): the seed ∂L/∂L = {seed}",
            "gradients now flow from the loss back through every recorded op",
        ])
    if isinstance(event, BackwardStep):
        opdef = REGISTRY.get(event.op)
        lines = [f"upstream gradient g = ∂L/∂{_name(trace, event.output_id)} {_shape(np.asarray(event.upstream))}"]
        if opdef is not None:
            lines.append(f"local derivative: {opdef.derivative}")
        lines.extend(chain_rule_lines(trace, event))
        return Explanation("backward", f"backward: ∂ {event.op}" + (f" in {event.scope}" if event.scope else ""), lines)
    if isinstance(event, GradientAccumulated):
        el = largest(np.asarray(event.total))
        return Explanation("backward", "gradients add up", [
            f"{_name(trace, event.tensor_id)} feeds several ops, so its gradients are summed:",
            f"{idx(el) or 'value'}: {fmt(np.asarray(event.before)[el])} + {fmt(np.asarray(event.added)[el])} = {fmt(np.asarray(event.total)[el])}",
        ])
    if isinstance(event, GradientsReturned):
        lines = []
        for s, g in zip(event.sources, event.grads):
            if g is None:
                lines.append(f"{_name(trace, s)}: None (not connected to the loss)")
            else:
                ga = np.asarray(g)
                lines.append(f"{_name(trace, s)} {_shape(ga)}: max |g| {fmt(np.max(np.abs(ga)))}")
        return Explanation("backward", "tape.gradient() returns", lines)
    if isinstance(event, VariableAssigned):
        grad = (grads or {}).get(event.variable_id)
        return Explanation("update", f"update: {event.method} on {event.name}", update_lines(trace, event, grad))
    return Explanation("info", type(event).__name__, [])
