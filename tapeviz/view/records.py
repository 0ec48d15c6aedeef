"""Events as data: one flat record per event for ``tapeviz events --format json|csv``.

Every record has the same keys, so a table library reads the output directly
(``pandas.read_csv``/``read_json``). Numbers are the trace's own: a tensor's value where it is a
single number, else its min/mean/max; gradients where they are single numbers. A value that is
not finite is NaN/inf in CSV and null (with ``nonfinite`` true) in JSON.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine import events as ev
from ..engine.events import Event
from ..trace import Trace
from .events import describe_event, event_number
from .names import row_names, variable_name
from .none_words import source_words

FIELDS: tuple[str, ...] = (
    "number", "iteration", "phase", "kind", "op", "scope", "tensor", "shape", "inputs", "input_shapes",
    "value", "min", "mean", "max", "before", "gradients", "nonfinite", "what",
)
"""The columns, in order. ``tensor`` is the event's main tensor (an op's output, the gradient's
target, the tensor whose gradient adds up, the variable assigned); ``value``/``min``/``mean``/``max``
describe its array (for a backward step: the upstream gradient); ``inputs`` are the op's inputs or
the tensors given gradients; ``gradients`` the gradient each of those got, where a single number."""

KINDS: dict[type, str] = {
    ev.OpRecorded: "op", ev.GradientStarted: "gradient_started", ev.BackwardStep: "backward_step",
    ev.GradientAccumulated: "gradient_accumulated", ev.GradientsReturned: "gradients_returned",
    ev.VariableAssigned: "variable_assigned",
}


def _shape(array: Any) -> str:
    shape = np.shape(array)
    return "x".join(str(d) for d in shape) if shape else "scalar"


def _number(array: Any) -> float | None:
    """A single number's value (None when the array holds more than one, or none)."""
    if array is None:
        return None
    a = np.asarray(array)
    if a.size != 1 or a.dtype.kind not in "biuf":
        return None
    return float(a.reshape(-1)[0])


def _stats(array: Any) -> tuple[float | None, float | None, float | None]:
    if array is None:
        return None, None, None
    a = np.asarray(array)
    if a.size == 0 or a.dtype.kind not in "biuf":
        return None, None, None
    with np.errstate(all="ignore"):
        a = a.astype(np.float64, copy=False)
        return float(a.min()), float(a.mean()), float(a.max())


def _finite(*arrays: Any) -> bool:
    for array in arrays:
        if array is None:
            continue
        a = np.asarray(array)
        if a.dtype.kind in "fc" and a.size and not np.isfinite(a).all():
            return False
    return True


def event_record(trace: Trace, index: int) -> dict[str, Any]:
    """The record of event ``index`` (0-based), with every key of ``FIELDS``."""
    event: Event = trace.events[index]
    what, where, numbers = describe_event(trace, event)
    record: dict[str, Any] = dict.fromkeys(FIELDS)
    record.update(number=event_number(index), iteration=trace.iteration(index) + 1, phase=trace.phase(index),
                  kind=KINDS.get(type(event), type(event).__name__), op="", scope=where, tensor="", shape="",
                  inputs=[], input_shapes=[], gradients=[], what=f"{what}: {numbers}" if numbers else what)
    main: Any = None
    extra: list[Any] = []
    if isinstance(event, ev.OpRecorded):
        main = event.output.value
        record.update(op=event.op, tensor=row_names(trace, [event.output.id])[0],
                      inputs=row_names(trace, [r.id for r in event.inputs]),
                      input_shapes=[_shape(r.value) for r in event.inputs])
    elif isinstance(event, ev.GradientStarted):
        main = event.seeds[0] if event.seeds else None
        record.update(tensor="; ".join(row_names(trace, event.targets)))
    elif isinstance(event, ev.BackwardStep):
        main = event.upstream
        given = [(i, g) for i, g in zip(event.input_ids, event.input_grads) if g is not None]
        record.update(op=event.op, tensor=row_names(trace, [event.output_id])[0],
                      inputs=row_names(trace, [i for i, _ in given]), input_shapes=[_shape(g) for _, g in given],
                      gradients=[_number(g) for _, g in given])
        extra = [g for _, g in given]
    elif isinstance(event, ev.GradientAccumulated):
        main = event.total
        record.update(tensor=row_names(trace, [event.tensor_id])[0], before=_number(event.before),
                      gradients=[_number(event.added)])
        extra = [event.before, event.added]
    elif isinstance(event, ev.GradientsReturned):
        record.update(tensor="; ".join(row_names(trace, event.targets)), inputs=list(source_words(trace, event)),
                      input_shapes=[_shape(g) if g is not None else "" for g in event.grads],
                      gradients=[_number(g) for g in event.grads])
        extra = list(event.grads)
    elif isinstance(event, ev.VariableAssigned):
        main = event.after
        record.update(op=event.method, tensor=variable_name(trace, event.variable_id, event.name),
                      before=_number(event.before))
        extra = [event.before]
    if main is not None:
        record["shape"] = _shape(main)
        record["value"] = _number(main)
        record["min"], record["mean"], record["max"] = _stats(main)
    record["nonfinite"] = not _finite(main, *extra)
    return record


def json_safe(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with NaN and infinities as null (JSON has no words for them)."""
    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return {key: clean(value) for key, value in record.items()}


def csv_row(record: dict[str, Any]) -> list[str]:
    """``record`` as CSV cells: lists joined with ``; ``, numbers in full precision, None empty."""
    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, list):
            return "; ".join(cell(v) for v in value) if any(v not in (None, "") for v in value) else ""
        return str(value)

    return [cell(record[key]) for key in FIELDS]


__all__ = ["FIELDS", "KINDS", "csv_row", "event_record", "json_safe"]
