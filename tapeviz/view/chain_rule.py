"""The chain rule of a backward step, as data with the real numbers.

For each input that received a gradient, one ``ChainStep``: the upstream gradient times the
local derivative gives the gradient sent to the input, at the input's largest element.
Elementwise ops use the registry's ``local`` partials; other ops (matmul, reductions, the softmax
family) give their own chain-rule data (``OpDef.explain``, ``tapeviz.engine.chain``). Every number
comes from the trace's arrays.

The inspector (``explain``'s backward lines), the Jupyter stepper and the images' tooltips all
read these steps: ``ChainStep.lines()`` for the full text, ``ChainStep.short()`` for one line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.chain import ChainContext, Formula, Product, SumOfProducts
from ..engine.events import BackwardStep, OpRecorded
from ..engine.registry import REGISTRY, OpDef
from ..trace import Trace
from .names import node_label, node_short
from .numbers import fmt, largest, pfmt
from .numbers import index_text as idx

SHOWN_TERMS = 3  # terms of a sum written out before "…"

# What a ChainStep says, by its ``kind``:
#   product    upstream × local = sent (elementwise ops; Product explanations)
#   broadcast  Σ upstream × local over the outputs an input element was broadcast to
#   formula    = formula = numbers = sent (Formula explanations: softmax, norm, …)
#   sum        = formula with operands, then a·b + c·d + … = sent (matmul)
#   rule       the sent number with the op's derivative statement (no finer data)
#   shape      only the shape of the gradient sent (the op is not in the trace or the registry)
KINDS = ("product", "broadcast", "formula", "sum", "rule", "shape")


@dataclass(frozen=True)
class ChainStep:
    """One input's chain-rule step, at the element of the gradient sent with the largest size."""

    kind: str  # one of KINDS
    input_id: int  # the tensor that received the gradient
    name: str  # how people read that tensor (``x``, ``dense/kernel``, an op's label)
    element: tuple[int, ...] = ()
    sent: float | None = None  # the gradient sent, at ``element`` (None for ``shape``)
    upstream: float | None = None  # product: the upstream factor
    local: float | str | None = None  # product: the local derivative (a number, or text such as ``1/4``)
    terms: tuple[tuple[float, float], ...] = ()  # broadcast and sum: the (a, b) of each a·b
    formula: str = ""  # formula and sum: the symbolic form; rule: the op's derivative statement
    numbers: str = ""  # formula: the formula with the numbers put in
    operands: tuple[tuple[str, tuple[int, ...]], ...] = ()  # sum: the factors with their shapes
    upstream_shape: tuple[int, ...] = ()  # rule: the shapes the summary names
    sent_shape: tuple[int, ...] = ()

    @property
    def head(self) -> str:
        """``∂L/∂x[0, 1]``: the number this step explains."""
        return f"∂L/∂{self.name}{idx(self.element)}"

    def lines(self) -> list[str]:
        """The inspector's text: one line, or two where a sum is written out term by term."""
        head, kind = self.head, self.kind
        if kind == "product":
            local = self.local if isinstance(self.local, str) else pfmt(self.local)
            return [f"{head}: upstream {pfmt(self.upstream)} × local {local} = sent {fmt(self.sent)}"]
        if kind == "broadcast":
            return [
                f"{head}: broadcast to {len(self.terms)} outputs, so Σ upstream × local",
                f"  = {_terms(self.terms)} = sent {fmt(self.sent)}",
            ]
        if kind == "formula":
            return [f"{head} = {self.formula} = {self.numbers} = {fmt(self.sent)}"]
        if kind == "sum":
            operands = " · ".join(f"{name} {_shape_text(shape)}" for name, shape in self.operands)
            return [f"{head} = {self.formula}  with {operands}", f"  = {_terms(self.terms)} = {fmt(self.sent)}"]
        if kind == "rule":
            return [f"{head} = {fmt(self.sent)}   (upstream g {_shape_text(self.upstream_shape)} → sent "
                    f"{_shape_text(self.sent_shape)}: {self.formula})"]
        return [f"gradient sent to {self.name}: shape {self.sent_shape}"]

    def short(self) -> str:
        """One line (an image tooltip): the step without the terms of a sum."""
        if self.kind == "broadcast":
            return f"{self.head}: Σ upstream × local over {len(self.terms)} outputs = sent {fmt(self.sent)}"
        if self.kind == "sum":
            return f"{self.head} = {self.formula} = {fmt(self.sent)}"
        return self.lines()[0]


def chain_rule(trace: Trace, event: BackwardStep) -> list[ChainStep]:
    """One step per input of ``event`` that received a gradient."""
    forward = _forward_event(trace, event.output_id)
    opdef = REGISTRY.get(event.op)
    if forward is None or opdef is None:
        return [
            ChainStep("shape", i, _name(trace, i), sent_shape=tuple(np.shape(g)))
            for i, g in zip(event.input_ids, event.input_grads) if g is not None
        ]
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
    steps: list[ChainStep] = []
    for k, (src, sent) in enumerate(zip(event.input_ids, event.input_grads)):
        if sent is None:
            continue
        sent = np.asarray(sent)
        who = _name(trace, src)
        if sent.size == 0:  # nothing to pick an element from: the shape is the whole story
            steps.append(ChainStep("shape", src, who, sent_shape=sent.shape))
            continue
        el = largest(sent)
        found: ChainStep | None = None
        if locals_ is not None and k < len(locals_) and locals_[k] is not None:
            found = _elementwise(src, who, g, np.broadcast_to(locals_[k], out.shape), sent, el)
        elif opdef.explain is not None:
            found = _op_step(opdef, src, who, ChainContext(k, tuple(arrays), out, attrs, g, sent, el, names))
        steps.append(found or ChainStep(
            "rule", src, who, el, float(sent[el]), formula=opdef.derivative, upstream_shape=g.shape, sent_shape=sent.shape,
        ))
    return steps


def chain_rule_lines(trace: Trace, event: BackwardStep) -> list[str]:
    """The inspector's chain-rule lines of ``event``: one (or two) per input that received a gradient."""
    return [line for step in chain_rule(trace, event) for line in step.lines()]


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


def _broadcast_slice(out_shape: tuple[int, ...], in_shape: tuple[int, ...], element: tuple[int, ...]) -> tuple:
    """The output positions that input ``element`` was broadcast to (an index expression)."""
    lead = len(out_shape) - len(in_shape)
    index: list[object] = [slice(None)] * lead
    for k, d in enumerate(in_shape):
        index.append(slice(None) if d == 1 and out_shape[lead + k] != 1 else element[k])
    return tuple(index)


def _terms(pairs: tuple[tuple[float, float], ...]) -> str:
    shown = " + ".join(f"{pfmt(a)}·{pfmt(b)}" for a, b in pairs[:SHOWN_TERMS])
    return shown + (f" + … ({len(pairs)} terms)" if len(pairs) > SHOWN_TERMS else "")


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")" if shape else "scalar"


def _elementwise(src: int, who: str, g: np.ndarray, local: np.ndarray, sent: np.ndarray, el: tuple[int, ...]) -> ChainStep:
    if sent.shape == g.shape:
        return ChainStep("product", src, who, el, float(sent[el]), upstream=float(g[el]), local=float(local[el]))
    where = _broadcast_slice(g.shape, sent.shape, el)
    gs, ls = np.asarray(g[where]).reshape(-1), np.asarray(local[where]).reshape(-1)
    return ChainStep("broadcast", src, who, el, float(sent[el]), terms=tuple(zip(gs.tolist(), ls.tolist())))


def _op_step(opdef: OpDef, src: int, who: str, context: ChainContext) -> ChainStep | None:
    """The op's own chain-rule data (``OpDef.explain``) as a step."""
    try:
        found = opdef.explain(context)  # type: ignore[misc]
    except Exception:  # an explanation that cannot take these arrays: fall back to the summary
        return None
    el = context.element
    if isinstance(found, Product):
        local = found.local if isinstance(found.local, str) else float(found.local)
        return ChainStep("product", src, who, el, float(found.sent), upstream=float(found.upstream), local=local)
    if isinstance(found, Formula):
        numbers = found.pattern.format(*(pfmt(x) for x in found.numbers))
        return ChainStep("formula", src, who, el, float(found.sent), formula=found.formula, numbers=numbers)
    if isinstance(found, SumOfProducts):
        return ChainStep("sum", src, who, el, float(found.sent), terms=tuple(found.terms), formula=found.formula,
                         operands=tuple(found.operands))
    return None


__all__ = ["KINDS", "SHOWN_TERMS", "ChainStep", "chain_rule", "chain_rule_lines"]
