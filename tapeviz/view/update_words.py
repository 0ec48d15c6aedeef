"""A variable's update in words: before, after and the rule that made it, with the numbers.

The inspector's lines for a ``VariableAssigned`` event (SGD's ``after = before − lr × gradient``,
or an optimizer's own rule with its slots, from ``updates``).
"""

from __future__ import annotations

import numpy as np

from ..engine import events as ev
from ..trace import Trace
from . import updates
from .names import variable_name
from .numbers import fmt, index_text, largest, pfmt, shape_of

__all__ = ["learning_rate", "update_lines"]


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


def update_lines(trace: Trace, event: ev.VariableAssigned, grad: np.ndarray | None) -> list[str]:
    """An assignment explained on its largest change: before, after, and the SGD formula."""
    before, after = np.asarray(event.before), np.asarray(event.after)
    if before.shape != after.shape:
        return [f"{event.method}: shape {shape_of(before)} → {shape_of(after)}"]
    if before.size == 0:
        return [f"{variable_name(trace, event.variable_id, event.name)}: {event.method} on an empty array {shape_of(before)}: nothing changes"]
    delta = after.astype(np.float64) - before.astype(np.float64)
    el = largest(delta) if before.ndim else ()
    lr = learning_rate(trace, before, after, grad)
    lines = [f"{variable_name(trace, event.variable_id, event.name)}{index_text(el)}: before {fmt(before[el])} → after {fmt(after[el])} (change {fmt(delta[el])})"]
    by_rule = updates.optimizer_lines(trace, event, el, grad) or updates.slot_event_lines(trace, event)
    if by_rule:  # an optimizer with slots (momentum, Adam's m and v): its own rule, in numbers
        lines.extend(by_rule)
    elif grad is not None and np.shape(grad) == before.shape:
        g = float(np.asarray(grad)[el])
        if lr is not None:
            lines.append(f"after = before − lr × gradient = {pfmt(before[el])} − {pfmt(lr)} × {pfmt(g)} = {pfmt(after[el])}")
            lines.append(f"learning rate {fmt(lr)}, gradient {fmt(g)}")
        else:
            lines.append(f"gradient {fmt(g)}")
    lines.append(f"largest change {fmt(np.max(np.abs(delta)))} over {before.size} weight(s)")
    return lines


