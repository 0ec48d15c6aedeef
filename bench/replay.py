"""The numpy work an engine step does, replayed without any bookkeeping: the floor of the design.

``replay_of(record_step)`` runs the step once under a tape, then returns a function that calls
only each recorded op's registered forward on its input arrays and each VJP on ``fastops`` with
the upstream gradients of that run (plus ``sum_to_shape`` where broadcasting is undone). No
tensors, no tape, no events: what is left when every line of Python bookkeeping is gone. The
benchmarks print its time next to the full step so the two can be compared in one process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tapeviz.engine as E
from tapeviz.engine import fastops


def replay_of(record_step: Callable[[E.GradientTape], tuple[E.Tensor, list[E.Tensor]]]) -> Callable[[], None]:
    """``record_step(tape)`` runs the forward pass inside ``tape`` and returns (target, sources)."""
    with E.GradientTape() as tape:
        target, sources = record_step(tape)
    records = list(tape._records)  # noqa: SLF001
    forwards = [(r.op.forward, [t._value for t in r.inputs], r.attrs) for r in records]
    needed = {s._id for s in sources}  # noqa: SLF001
    for r in records:
        if any(t._id in needed for t in r.inputs):  # noqa: SLF001
            needed.add(r.output._id)  # noqa: SLF001
    grads: dict[int, np.ndarray] = {target._id: np.ones_like(target._value)}  # noqa: SLF001
    backward: list[tuple[Any, np.ndarray, Any, tuple[bool, ...]]] = []
    for r in reversed(records):
        upstream = grads.get(r.output._id)  # noqa: SLF001
        if upstream is None:
            continue
        needs = tuple(t._id in needed for t in r.inputs)  # noqa: SLF001
        if not any(needs):
            continue
        backward.append((r.op.vjp, upstream, r, needs))
        for t, need, g in zip(r.inputs, needs, r.op.vjp(fastops, upstream, r, needs)):
            if need and g is not None:
                g = fastops.sum_to_shape(g, t._value.shape)  # noqa: SLF001
                grads[t._id] = g if t._id not in grads else grads[t._id] + g  # noqa: SLF001

    def replay() -> None:
        for forward, arrays, attrs in forwards:
            forward(*arrays, **attrs)
        for vjp, upstream, r, needs in backward:
            for t, need, g in zip(r.inputs, needs, vjp(fastops, upstream, r, needs)):
                if need and g is not None and g.shape != t._value.shape:  # noqa: SLF001
                    fastops.sum_to_shape(g, t._value.shape)  # noqa: SLF001

    return replay
