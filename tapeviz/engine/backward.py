"""The backward pass: one walk over a tape's records, newest first.

1. Find what needs a gradient: the sources, and every recorded output that depends on one.
2. Seed each target with its upstream gradient (ones, or ``output_gradients``).
3. Visit the records in reverse order. Each op whose output has a gradient sends
   ``upstream × local derivative`` (its VJP) to the inputs that need one; a gradient in the
   broadcast output shape is summed down to the input's shape.
4. Where a tensor feeds several ops, the gradients arriving at it are added up.
5. Return the gradient of each source (None if it is not connected).

Each step is emitted as an event (``BackwardStep``, ``GradientAccumulated``, ...) so a learner
can watch it. With no outer tape recording, the VJPs compute on plain arrays (``fastops``);
otherwise on the recording API, so that an outer tape records this pass (higher-order
gradients).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import api, fastops
from .events import (
    BackwardStep,
    GradientAccumulated,
    GradientsReturned,
    GradientStarted,
    emit,
    listeners,
    pulses,
)
from .registry import OpRecord, state
from .tensor import Tensor, _tensor_ids

__all__ = ["backward"]

Grad = Any  # a Tensor (recorded pass) or an ndarray (fastops pass)


def backward(
    tape_id: int, records: list[OpRecord], watched: set[int],
    targets: list[Tensor], seeds: list[Tensor], sources: list[Tensor],
    why_none: Callable[[list[Tensor], list[Tensor], list[Any]], tuple[str, ...]] | None = None,
) -> list[Tensor | None]:
    """d(sum of targets)/d(each source) over ``records``; see the module docstring for the steps.

    ``why_none`` says why each None result is None; it is asked only while a listener records.
    """
    state.backward_depth += 1
    try:
        source_ids = _source_ids(targets, sources, watched)
        if pulses:
            for pulse in tuple(pulses):
                pulse("gradient")
        if listeners:
            emit(GradientStarted(tape_id, tuple(t._id for t in targets), _event_ids(sources), tuple(s._value for s in seeds)))
        needed = _needing_gradients(records, source_ids)  # 1. what needs a gradient
        xp = api if state.tapes else fastops
        grads: dict[int, Grad] = {}  # the gradient reached so far at each tensor id
        for target, seed in zip(targets, seeds):  # 2. seed the targets
            if target._id in needed:
                _arrive(grads, target._id, seed if xp is api else seed._value, tape_id, xp)
        for rec in reversed(records):  # 3. newest op first: upstream × local, to each input
            upstream = grads.get(rec.output._id)
            if upstream is None:
                continue
            inputs = rec.inputs
            needs = tuple([t._id in needed for t in inputs])
            if True not in needs:
                continue
            sent = _send(xp, rec, upstream, needs)
            if listeners:
                emit(BackwardStep(
                    tape_id, rec.id, rec.op.name, rec.scope, rec.output._id, _frozen_array(upstream),
                    tuple([t._id for t in inputs]), tuple([None if g is None else _frozen_array(g) for g in sent]),
                ))
            for t, g in zip(inputs, sent):  # 4. gradients meeting at a tensor add up (after the step's event)
                if g is not None:
                    _arrive(grads, t._id, g, tape_id, xp)
        result = [_returned(grads.get(i)) for i in source_ids]  # 5. one gradient (or None) per source
        if listeners:
            reasons = why_none(targets, sources, result) if why_none is not None and any(g is None for g in result) else ()
            emit(GradientsReturned(
                tape_id, tuple(t._id for t in targets), _event_ids(sources),
                tuple(None if g is None else g._value for g in result), reasons,
            ))
        return result
    finally:
        state.backward_depth -= 1


def _source_ids(targets: list[Tensor], sources: list[Tensor], watched: set[int]) -> list[int]:
    """Each source's tensor id, or 0 when it cannot get a gradient (not watched, not float).

    A source that is itself one of the targets is connected (d t/d t = 1) even if unwatched.
    """
    target_objects = {id(t) for t in targets}
    ids = []
    for s in sources:
        if s._value.dtype.kind != "f":
            ids.append(0)
        elif id(s) in target_objects:
            if not s._id:
                s._id = next(_tensor_ids)
            ids.append(s._id)
        else:
            ids.append(s._id if s._id and s._id in watched else 0)
    return ids


def _event_ids(sources: list[Tensor]) -> tuple[int, ...]:
    """Each source's tensor id as events name it (only built while a listener records): a
    source no op used gets an id here, so the trace can name it when explaining its None."""
    for s in sources:
        if not s._id:
            s._id = next(_tensor_ids)
    return tuple([s._id for s in sources])


def _needing_gradients(records: list[OpRecord], source_ids: list[int]) -> set[int]:
    """The sources, and every float output recorded from something that depends on one."""
    needed = {i for i in source_ids if i}
    for rec in records:
        for t in rec.inputs:
            if t._id in needed:
                if rec.output._value.dtype.kind == "f":
                    needed.add(rec.output._id)
                break
    return needed


def _send(xp: Any, rec: OpRecord, upstream: Grad, needs: tuple[bool, ...]) -> list[Grad | None]:
    """The op's VJP, each gradient brought to its input's shape and dtype (None where not needed)."""
    vjp = rec.op.vjp
    if vjp is None:
        raise LookupError(f"gradient registry has no entry for: {rec.op.name}")
    sent: list[Grad | None] = []
    for t, need, g in zip(rec.inputs, needs, vjp(xp, upstream, rec, needs)):
        if need and g is not None:
            value = t._value
            array = g._value if isinstance(g, Tensor) else g
            if array.shape != value.shape:  # the input was broadcast: sum the gradient back down
                g = xp.sum_to_shape(g, value.shape)
                array = g._value if isinstance(g, Tensor) else g
            if array.dtype != value.dtype:
                g = xp.cast(g, value.dtype)
        sent.append(g if need else None)
    return sent


def _arrive(grads: dict[int, Grad], tensor_id: int, g: Grad, tape_id: int, xp: Any) -> None:
    """A gradient arrives at a tensor: the first is kept, each later one is added to it (an event)."""
    before = grads.get(tensor_id)
    if before is None:
        grads[tensor_id] = g
        return
    total = grads[tensor_id] = xp.add(before, g)
    if listeners:
        emit(GradientAccumulated(tape_id, tensor_id, _frozen_array(before), _frozen_array(g), _frozen_array(total)))


def _returned(g: Grad | None) -> Tensor | None:
    """A source's gradient as handed back: a tensor (a fastops array is frozen and wrapped)."""
    if g is None or isinstance(g, Tensor):
        return g
    g.setflags(write=False)
    return Tensor._wrap(g)


def _frozen_array(g: Grad) -> np.ndarray:
    """A gradient's array (fastops give arrays, the recording API tensors), marked read-only
    before it leaves the engine in an event."""
    a = g._value if isinstance(g, Tensor) else g
    a.setflags(write=False)
    return a
