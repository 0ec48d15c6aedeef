"""Words for custom gradients (``@tf.custom_gradient``): which function, which gradient function,
and the ops that gradient function ran inside its op's backward step.

The engine records such a function as one op, ``custom_gradient``, whose attributes name the
function (``f``) and its gradient function (``grad_fn``); every op the gradient function runs
is an ``OpRecorded`` event with ``grad_fn_of`` set to that op's id (see
``tapeviz/engine/custom_gradient.py``).
"""

from __future__ import annotations

import weakref
from typing import Any

from ..engine import events as ev
from ..engine.events import BackwardStep
from ..trace import Trace
from .names import display_name, node_short
from .numbers import summary

__all__ = ["CUSTOM_OP", "custom_names", "custom_of", "custom_step_lines", "grad_fn_ops", "grad_fn_outputs", "op_event", "op_title"]

CUSTOM_OP = "custom_gradient"  # the engine's op for a @tf.custom_gradient function (engine/custom_gradient.py)


def custom_names(attrs: Any) -> tuple[str, str]:
    """(function, gradient function) a custom-gradient op's attributes name."""
    found = dict(attrs)
    return str(found.get("f", "custom_gradient")), str(found.get("grad_fn", "grad_fn"))


class _Index:
    """Each op's OpRecorded event and the ops each custom gradient function ran, by op id."""

    def __init__(self, trace: Trace) -> None:
        self.length = len(trace)
        self.ops: dict[int, ev.OpRecorded] = {}
        self.ran: dict[int, list[ev.OpRecorded]] = {}
        for e in trace.events:
            if isinstance(e, ev.OpRecorded):
                self.ops.setdefault(e.op_id, e)
                if e.grad_fn_of:
                    self.ran.setdefault(e.grad_fn_of, []).append(e)


_INDEX: weakref.WeakKeyDictionary[Trace, _Index] = weakref.WeakKeyDictionary()


def _index(trace: Trace) -> _Index:
    """Built once per trace and rebuilt when it grew (the timeline asks for every row)."""
    found = _INDEX.get(trace)
    if found is None or found.length != len(trace):
        found = _INDEX[trace] = _Index(trace)
    return found


def op_event(trace: Trace, op_id: int) -> ev.OpRecorded | None:
    """The OpRecorded event of op ``op_id`` (the trace's id), or None."""
    return _index(trace).ops.get(op_id)


def grad_fn_ops(trace: Trace, op_id: int) -> list[ev.OpRecorded]:
    """The ops the gradient function of custom-gradient op ``op_id`` ran, in order."""
    return list(_index(trace).ran.get(op_id, ()))


def grad_fn_outputs(trace: Trace) -> set[int]:
    """The tensor ids every custom gradient function in the trace computed."""
    return {e.output.id for ran in _index(trace).ran.values() for e in ran}


def custom_of(trace: Trace, op_id: int) -> tuple[str, str]:
    """(function, gradient function) of custom-gradient op ``op_id``."""
    found = op_event(trace, op_id)
    return custom_names(found.attrs) if found is not None else ("custom_gradient", "grad_fn")


def op_title(trace: Trace, e: ev.OpRecorded) -> str:
    """``multiply``, or ``logits = add`` when the learner's line named its result; a
    custom-gradient op by its function, ``clip_gradients [∇ backward]``; an op its gradient
    function ran, ``divide (in ∂ clip_gradients)``."""
    if e.op == CUSTOM_OP:  # as the graph names it: ``y = log1pexp [∇ grad]``
        f, g = custom_names(e.attrs)
        return f"{display_name(trace, e.output.id) if trace.graph.user_name(e.output.id) else f} [∇ {g}]"
    if e.grad_fn_of:
        return f"{e.op} (in ∂ {custom_of(trace, e.grad_fn_of)[0]})"
    return display_name(trace, e.output.id) if trace.graph.user_name(e.output.id) else e.op


def custom_step_lines(trace: Trace, e: BackwardStep) -> list[str]:
    """What a custom gradient function did in its op's backward step: its ops, with their values."""
    f, g = custom_of(trace, e.op_id)
    ran = grad_fn_ops(trace, e.op_id)
    lines = [f"{f} has a custom gradient: {g}(g) computed what this step sends ({len(ran)} op{'s' * (len(ran) != 1)}):"]
    for op in ran:
        ins = ", ".join(node_short(trace, r.id) for r in op.inputs)
        lines.append(f"  {op.op}({ins}) = {summary(op.output.value)}")
    for i, sent in zip(e.input_ids, e.input_grads):
        if sent is not None:
            lines.append(f"sent to {node_short(trace, i)}: {summary(sent)} (upstream was {summary(e.upstream)})")
    return lines
