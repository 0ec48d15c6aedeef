"""Stable names for places in a trace: pointers like ``backward of layer1/matmul``.

A lesson never says "event 17". It names a node by its scope path and op (``simple_model/dense_1/matmul``,
a suffix such as ``dense_1/matmul`` is enough when it is unique) or by a variable's path, and
says which event about that node it means::

    NODE                      the forward op that produced NODE (same as "forward of NODE")
    forward of NODE           for a variable or constant: the first op that read it
    backward of NODE          the backward step of op NODE (its upstream gradient times its local derivatives)
    gradient of NODE          the last event that added to NODE's gradient
    accumulation of NODE      the first time NODE's gradient was summed from two uses
    update of NODE            the optimizer's assignment to variable NODE
    start of PHASE / end of PHASE     PHASE is forward, backward or update
    start of call N / end of call N   the N-th tape.gradient() call: seeds / returned gradients
    start / end               the first / last event

NODE may be ``NAME#K`` (the K-th op of that name, counting from 0, when one runs twice) or
``input K of NODE`` (the K-th input of an op, e.g. a constant batch). Any pointer may end with
``in call N`` and ``in iteration N`` (1-based; ``in the last iteration``); the default is call 1 of
iteration 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..engine.events import (
    BackwardStep,
    GradientAccumulated,
    GradientsReturned,
    GradientStarted,
    OpRecorded,
    VariableAssigned,
)
from ..trace import Node, Trace


class ResolveError(ValueError):
    """A pointer that names nothing in the trace (or too many things); one clear line."""


@dataclass(frozen=True)
class Target:
    """Where a pointer lands: an event index, the node to select (if any), the iteration (0-based)."""

    event: int
    node: int | None
    iteration: int


@dataclass(frozen=True)
class Call:
    """One ``tape.gradient()`` (or one row of a jacobian): events ``start..end`` inclusive."""

    start: int
    end: int
    tape_id: int


_ITER_RE = re.compile(r"\s+in\s+(?:the\s+)?(?:iteration\s+(\d+)|(last)\s+iteration)\s*$")
_CALL_RE = re.compile(r"\s+in\s+call\s+(\d+)\s*$")
_KIND_RE = re.compile(r"^(forward|backward|gradient|accumulation|update)\s+of\s+(.+)$")
_PHASE_RE = re.compile(r"^(start|end)\s+of\s+(forward|backward|update)$")
_CALL_EDGE_RE = re.compile(r"^(start|end)\s+of\s+call\s+(\d+)$")
_INPUT_RE = re.compile(r"^input\s+(\d+)\s+of\s+(.+)$")


class Resolver:
    """Turns pointers into event indexes and node ids of one trace."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self._calls: dict[int, list[Call]] = {}

    # ---- parsing the suffixes ------------------------------------------------------
    def _split(self, text: str) -> tuple[str, int, int]:
        """(core pointer, iteration 0-based, call 1-based) from a pointer with optional suffixes."""
        core = " ".join(text.strip().split())
        iteration, call = 0, 1
        for _ in range(2):
            m = _ITER_RE.search(core)
            if m:
                if m.group(2):
                    iteration = self.trace.iteration_count - 1
                else:
                    n = int(m.group(1))
                    if not 1 <= n <= self.trace.iteration_count:
                        raise ResolveError(
                            f"{text!r}: iteration {n} does not exist (the trace has {self.trace.iteration_count})"
                        )
                    iteration = n - 1
                core = core[: m.start()]
                continue
            m = _CALL_RE.search(core)
            if m:
                call = int(m.group(1))
                core = core[: m.start()]
        if not core:
            raise ResolveError(f"{text!r}: empty pointer")
        return core, iteration, call

    # ---- gradient calls ----------------------------------------------------------------
    def calls(self, iteration: int = 0) -> list[Call]:
        """The gradient computations of one iteration, in order."""
        found = self._calls.get(iteration)
        if found is not None:
            return found
        events = self.trace.events
        found = []
        open_at: dict[int, int] = {}
        for i in self.trace.iteration_range(iteration):
            e = events[i]
            if isinstance(e, GradientStarted):
                open_at[e.tape_id] = i
            elif isinstance(e, GradientsReturned) and e.tape_id in open_at:
                found.append(Call(open_at.pop(e.tape_id), i, e.tape_id))
        found.sort(key=lambda c: c.start)
        self._calls[iteration] = found
        return found

    def call(self, iteration: int, number: int, text: str = "") -> Call:
        calls = self.calls(iteration)
        if not 1 <= number <= len(calls):
            raise ResolveError(
                f"{text or 'pointer'}: call {number} does not exist: iteration {iteration + 1} has "
                f"{len(calls)} gradient call(s)"
            )
        return calls[number - 1]

    # ---- nodes -------------------------------------------------------------------------
    def node(self, text: str) -> Node:
        core, iteration, _ = self._split(text)
        return self._node(core, iteration, text)

    def node_in(self, text: str) -> tuple[Node, int, int]:
        """The node a pointer names plus its iteration and call (for answers)."""
        core, iteration, call = self._split(text)
        m = _KIND_RE.match(core)
        if m:
            core = m.group(2)
        return self._node(core, iteration, text), iteration, call

    def _node(self, name: str, iteration: int, text: str) -> Node:
        graph = self.trace.graph
        m = _INPUT_RE.match(name)
        if m:
            op = self._node(m.group(2), iteration, text)
            k = int(m.group(1))
            if not op.is_op:
                raise ResolveError(f"{text!r}: {op.name} is a {op.kind}, it has no inputs")
            if k >= len(op.inputs):
                raise ResolveError(f"{text!r}: {op.name} has {len(op.inputs)} input(s), numbered from 0")
            return graph.nodes[op.inputs[k]]
        base, _, k = name.partition("#")
        base = base.strip().strip("/")
        if base.endswith(":0"):
            base = base[:-2]
        if k and not k.isdigit():
            raise ResolveError(f"{text!r}: after '#' comes a number (which repeat, from 0)")
        visible = set(graph.iteration_nodes(iteration))
        candidates = [
            n for nid, n in graph.nodes.items()
            if nid in visible and (n.name == base or n.name.endswith("/" + base))
        ]
        if not candidates:
            close = sorted({n.name for n in graph.nodes.values() if base.split("/")[-1] in n.name})[:6]
            hint = f" (similar: {', '.join(close)})" if close else ""
            raise ResolveError(f"{text!r}: no node named {base!r} in iteration {iteration + 1}{hint}")
        if k:
            keyed = [n for n in candidates if n.key.rsplit("#", 1)[-1] == k and n.is_op]
            if len(keyed) == 1:
                return keyed[0]
            if not keyed:
                raise ResolveError(f"{text!r}: {base!r} has no repeat #{k} in iteration {iteration + 1}")
            candidates = keyed
        if len(candidates) > 1:
            names = ", ".join(n.key if n.is_op else n.name for n in candidates[:6])
            raise ResolveError(f"{text!r} is ambiguous: it matches {names}; name one of them")
        return candidates[0]

    # ---- events ------------------------------------------------------------------------
    def resolve(self, text: str) -> Target:
        """The event (and node) a pointer names; ResolveError if none or several."""
        core, iteration, call_no = self._split(text)
        trace = self.trace
        if core in ("start", "end"):
            if len(trace) == 0:
                raise ResolveError(f"{text!r}: the trace is empty")
            rng = trace.iteration_range(iteration) if _has_iteration(text) else range(len(trace))
            index = rng[0] if core == "start" else rng[-1]
            return Target(index, None, trace.iteration(index))
        m = _PHASE_RE.match(core)
        if m:
            edge, phase = m.groups()
            index = trace.first_of(phase, iteration) if edge == "start" else trace.last_of(phase, iteration)
            if index is None:
                raise ResolveError(f"{text!r}: iteration {iteration + 1} has no {phase} events")
            return Target(index, None, iteration)
        m = _CALL_EDGE_RE.match(core)
        if m:
            c = self.call(iteration, int(m.group(2)), text)
            index = c.start if m.group(1) == "start" else c.end
            return Target(index, None, iteration)
        kind = "forward"
        m = _KIND_RE.match(core)
        if m:
            kind, core = m.group(1), m.group(2)
        node = self._node(core, iteration, text)
        index = self._event_for(kind, node, iteration, call_no, text)
        return Target(index, node.id, iteration)

    def _event_for(self, kind: str, node: Node, iteration: int, call_no: int, text: str) -> int:
        events = self.trace.events
        rng = self.trace.iteration_range(iteration)
        if kind == "forward":
            if node.is_op:
                assert node.event is not None
                return node.event
            for i in rng:
                e = events[i]
                if isinstance(e, OpRecorded) and any(r.id == node.id for r in e.inputs):
                    return i
            raise ResolveError(f"{text!r}: nothing read {node.name} in iteration {iteration + 1}")
        if kind == "update":
            if node.kind != "variable":
                raise ResolveError(f"{text!r}: {node.name} is a {node.kind}; only variables are updated")
            for i in rng:
                e = events[i]
                if isinstance(e, VariableAssigned) and e.variable_id == node.id:
                    return i
            raise ResolveError(f"{text!r}: {node.name} was not assigned in iteration {iteration + 1}")
        c = self.call(iteration, call_no, text)
        span = range(c.start, c.end + 1)
        if kind == "backward":
            if not node.is_op:
                raise ResolveError(
                    f"{text!r}: {node.name} is a {node.kind}, not an op, so it has no backward step "
                    "(use 'gradient of' for the moment its gradient is complete)"
                )
            for i in span:
                e = events[i]
                if isinstance(e, BackwardStep) and e.output_id == node.id:
                    return i
            raise ResolveError(f"{text!r}: the backward pass of call {call_no} never visited {node.name}")
        if kind == "accumulation":
            for i in span:
                e = events[i]
                if isinstance(e, GradientAccumulated) and e.tensor_id == node.id:
                    return i
            raise ResolveError(f"{text!r}: {node.name}'s gradient was never summed from two uses in call {call_no}")
        # gradient of NODE: the last event that added to its gradient
        last = None
        for i in span:
            e = events[i]
            if isinstance(e, GradientStarted) and node.id in e.targets:
                last = i
            elif isinstance(e, BackwardStep) and any(
                src == node.id and g is not None for src, g in zip(e.input_ids, e.input_grads)
            ):
                last = i
            elif isinstance(e, GradientAccumulated) and e.tensor_id == node.id:
                last = i
        if last is None:
            raise ResolveError(f"{text!r}: {node.name} received no gradient in call {call_no}")
        return last


def _has_iteration(text: str) -> bool:
    return bool(re.search(r"\bin\s+(?:the\s+)?(?:iteration\s+\d+|last\s+iteration)\s*$", text.strip()))
