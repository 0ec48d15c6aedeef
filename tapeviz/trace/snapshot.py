"""What a trace shows at one event: known values, gradients so far, visited nodes, updates.

The renderer and the terminal UI draw a ``Snapshot``. It is computed from the events of the
cursor's iteration only, so stepping stays fast however long the trace grows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..engine import events as ev
from .trace import Trace


@dataclass
class Snapshot:
    index: int
    phase: str
    iteration: int
    nodes: list[int]  # node ids drawn for this iteration
    values: dict[int, np.ndarray] = field(default_factory=dict)  # forward values known so far
    grads: dict[int, np.ndarray] = field(default_factory=dict)  # gradient totals received so far
    forward_done: set[int] = field(default_factory=set)  # op nodes computed so far
    backward_done: set[int] = field(default_factory=set)  # op nodes visited backwards so far
    grad_edges: dict[tuple[int, int], tuple[int, ...]] = field(default_factory=dict)  # (src, dst) -> grad shape
    updates: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # variable -> (before, after)
    current: set[int] = field(default_factory=set)  # nodes the event at the cursor is about
    current_edges: set[tuple[int, int]] = field(default_factory=set)
    loss: int | None = None  # node id of the gradient target, once the backward pass began
    sources: tuple[int, ...] = ()


def snapshot(trace: Trace, index: int) -> Snapshot:
    """The state of the cursor's iteration after applying events up to and including ``index``."""
    _check_index(trace, index)
    snap = _start(trace, trace.iteration(index))
    events = trace.events
    for i in range(trace.iteration_range(snap.iteration).start, index + 1):
        _apply(snap, events[i])
    snap.index, snap.phase = index, trace.phase(index)
    return snap


def snapshots(trace: Trace, indices: Iterable[int]) -> Iterator[Snapshot]:
    """``snapshot(trace, i)`` for each index in ascending order, walking each iteration once
    (frames of a long iteration cost one pass, not one pass per frame)."""
    wanted = sorted(set(indices))
    for index in wanted:
        _check_index(trace, index)
    events = trace.events
    snap: Snapshot | None = None
    position = -1
    for index in wanted:
        iteration = trace.iteration(index)
        if snap is None or snap.iteration != iteration:
            snap = _start(trace, iteration)
            position = trace.iteration_range(iteration).start - 1
        for i in range(position + 1, index + 1):
            _apply(snap, events[i])
        position = index
        yield _copy(snap, index, trace.phase(index))


def _check_index(trace: Trace, index: int) -> None:
    n = len(trace)
    if not 0 <= index < n:
        raise IndexError(f"event {index} is out of range: the trace has {n} events (0..{n - 1})")


def _start(trace: Trace, iteration: int) -> Snapshot:
    snap = Snapshot(-1, "", iteration, trace.graph.iteration_nodes(iteration))
    snap.values.update(_leaf_values(trace, iteration))
    return snap


def _copy(snap: Snapshot, index: int, phase: str) -> Snapshot:
    return Snapshot(
        index, phase, snap.iteration, snap.nodes, dict(snap.values), dict(snap.grads), set(snap.forward_done),
        set(snap.backward_done), dict(snap.grad_edges), dict(snap.updates), set(snap.current),
        set(snap.current_edges), snap.loss, snap.sources,
    )


def _apply(snap: Snapshot, e: object) -> None:
    """Fold one event into ``snap``; ``current`` ends up naming what this event is about."""
    snap.current, snap.current_edges = set(), set()
    if isinstance(e, ev.OpRecorded):
        snap.values[e.output.id] = e.output.value
        snap.forward_done.add(e.output.id)
        for ref in e.inputs:
            snap.values.setdefault(ref.id, ref.value)
        snap.current = {e.output.id}
        snap.current_edges = {(ref.id, e.output.id) for ref in e.inputs}
    elif isinstance(e, ev.GradientStarted):
        # A new gradient() call: show this backward pass's numbers, not a sum with the last one.
        snap.grads.clear()
        snap.backward_done.clear()
        snap.grad_edges.clear()
        if e.targets:
            snap.loss = e.targets[0]
            for t, seed in zip(e.targets, e.seeds):
                snap.grads[t] = seed
        snap.sources = e.sources
        snap.current = set(e.targets)
    elif isinstance(e, ev.BackwardStep):
        snap.backward_done.add(e.output_id)
        sent = [(s, g) for s, g in zip(e.input_ids, e.input_grads) if g is not None]
        for src, g in sent:
            before = snap.grads.get(src)
            snap.grads[src] = g if before is None else before + g
            snap.grad_edges[(src, e.output_id)] = tuple(g.shape)
        snap.current = {e.output_id} | {s for s, _ in sent}
        snap.current_edges = {(s, e.output_id) for s, _ in sent}
    elif isinstance(e, ev.GradientAccumulated):
        snap.grads[e.tensor_id] = e.total
        snap.current = {e.tensor_id}
    elif isinstance(e, ev.GradientsReturned):
        for s, g in zip(e.sources, e.grads):
            if s and g is not None:
                snap.grads[s] = g
        snap.current = {s for s in e.sources if s}
    elif isinstance(e, ev.VariableAssigned):
        before = snap.updates.get(e.variable_id, (e.before, e.after))[0]
        snap.updates[e.variable_id] = (before, e.after)
        snap.values[e.variable_id] = e.after
        snap.current = {e.variable_id}


def _leaf_values(trace: Trace, iteration: int) -> dict[int, np.ndarray]:
    """Each leaf's value as the iteration first read it (cached per iteration on the trace)."""
    cache = trace.__dict__.setdefault("_leaf_cache", {})
    key = (iteration, len(trace))
    found = cache.get(iteration)
    if found is not None and found[0] == key:
        return found[1]
    values: dict[int, np.ndarray] = {}
    events = trace.events
    nodes = trace.graph.nodes
    for i in trace.iteration_range(iteration):
        e = events[i]
        if isinstance(e, ev.OpRecorded):
            for ref in e.inputs:
                if ref.id not in values and nodes[ref.id].kind != "op":
                    values[ref.id] = ref.value
    cache[iteration] = (key, values)
    return values


def event_node(trace: Trace, index: int) -> int | None:
    """The node an event is mainly about: the op computed or differentiated, the weight updated."""
    e = trace.events[index]
    if isinstance(e, ev.OpRecorded):
        return e.output.id
    if isinstance(e, ev.BackwardStep):
        return e.output_id
    if isinstance(e, ev.GradientAccumulated):
        return e.tensor_id
    if isinstance(e, ev.VariableAssigned):
        return e.variable_id
    if isinstance(e, ev.GradientStarted):
        return e.targets[0] if e.targets else None
    if isinstance(e, ev.GradientsReturned):
        return next((s for s in e.sources if s), None)
    return None


def loss_node(trace: Trace, iteration: int) -> int | None:
    """The gradient target (the loss) of an iteration, or None if it took no gradient."""
    events = trace.events
    for i in trace.iteration_range(iteration):
        e = events[i]
        if isinstance(e, ev.GradientStarted) and e.targets:
            return e.targets[0]
    return None
