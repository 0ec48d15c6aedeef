"""Why ``tape.gradient()`` gave a source None: the cause, as one of ``events.NONE_REASONS``.

Asked only while a listener records (the answer goes into ``GradientsReturned.reasons``), so
it costs nothing otherwise. The checks go from the plainest cause to the subtlest:

1. dtype: gradients exist for floating-point tensors only (the source's, then the target's);
2. watching: a tensor the tape never watched (a ``tf.constant``, a value computed outside the
   block), a non-trainable variable, a trainable one when the tape ignores accessed variables;
3. paths: the source is watched, but every path from it to the target is cut — by
   ``tf.stop_gradient`` (recorded, with no gradient) or by ops run inside
   ``tape.stop_recording()`` (which the tape remembers in ``_missed`` while a listener records);
   with no path at all, the target simply does not depend on the source.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .registry import OpRecord
from .tensor import Tensor, Variable

if TYPE_CHECKING:
    from .tape import GradientTape

__all__ = ["none_reasons"]


def none_reasons(tape: GradientTape, targets: list[Tensor], sources: list[Tensor], grads: list[Any]) -> tuple[str, ...]:
    """One reason per source: "" where ``grads`` has a gradient, else why it is None."""
    target_ids = {t._id for t in targets if t._id}
    integer_target = bool(targets) and all(t._value.dtype.kind != "f" for t in targets)
    return tuple(
        "" if g is not None else _reason(tape, s, target_ids, integer_target) for s, g in zip(sources, grads)
    )


def _reason(tape: GradientTape, source: Tensor, target_ids: set[int], integer_target: bool) -> str:
    if source._value.dtype.kind != "f":
        return "integer"
    if integer_target:
        return "integer_target"
    if not (source._id and source._id in tape._watched):
        if isinstance(source, Variable):
            if not source.trainable:
                return "not_trainable"
            if not tape._watch_accessed:
                return "unwatched_variable"
            # trainable, so watched when read on the tape: it was read only while paused, or never
            return "stop_recording" if _paused_path(tape, source, target_ids) else "unconnected"
        return "unwatched"
    records = tape._records
    if _reaches(source._id, records, target_ids):
        cut = [r for r in records if r.op.name != "stop_gradient"]
        if not _reaches(source._id, cut, target_ids):
            return "stop_gradient"
        return "unconnected"  # connected only through ops with no gradient (integer casts, ...)
    return "stop_recording" if _paused_path(tape, source, target_ids) else "unconnected"


def _paused_path(tape: GradientTape, source: Tensor, target_ids: set[int]) -> bool:
    """Is there a path from ``source`` to a target once the ops the tape missed are added?"""
    if not source._id or not any(paused for _, paused in tape._missed):
        return False
    everything = sorted([*tape._records, *(r for r, _ in tape._missed)], key=lambda r: r.id)
    return _reaches(source._id, everything, target_ids)


def _reaches(start: int, records: Iterable[OpRecord], target_ids: set[int]) -> bool:
    """Does a target depend on tensor ``start`` through ``records`` (in the order they ran)?"""
    reached = {start}
    for rec in records:
        if any(t._id in reached for t in rec.inputs):
            reached.add(rec.output._id)
    return not reached.isdisjoint(target_ids)
