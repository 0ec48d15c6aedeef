"""Backward walks done wrong, beside the right one, computed from a recorded trace.

``walk(trace, how)`` runs the backward pass of one gradient call again from the recorded forward
values, with each op's own VJP from the registry, in one of three ways:

- ``right``: ops in reverse recording order (a topological order), gradients summed (``+=``);
- ``order``: ops visited breadth-first from the target as they are first reached, each once,
  so an op used twice may pass its gradient on before every share has arrived;
- ``assign``: the right order, but a tensor's gradient is *replaced* (``=``) by each new share.

Pure: nothing is recorded and the trace is not changed. Lessons read the results through the
expression functions of ``walk_functions``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import fastops
from ..engine.events import BackwardStep, GradientStarted, OpRecorded
from ..engine.registry import REGISTRY, OpRecord
from ..engine.tensor import Tensor
from ..trace import Trace
from ..view.names import node_short
from .resolve import ResolveError, Resolver

HOW = ("right", "order", "assign")


@dataclass
class Walk:
    """One backward walk: which ops it visited in what order, and every tensor's final gradient."""

    how: str
    order: list[int] = field(default_factory=list)  # op node ids, as visited
    upstream: dict[int, np.ndarray] = field(default_factory=dict)  # what each op held when visited
    grads: dict[int, np.ndarray] = field(default_factory=dict)  # final gradient per tensor id


def _vjp(event: OpRecorded, upstream: np.ndarray, needs: tuple[bool, ...]) -> list[np.ndarray | None]:
    """The op's registered VJP on plain arrays, each gradient reduced to its input's shape."""
    op = REGISTRY[event.op]
    inputs = tuple(Tensor._wrap(np.asarray(r.value)) for r in event.inputs)
    record = OpRecord(event.op_id, op, inputs, Tensor._wrap(np.asarray(event.output.value)), dict(event.attrs), event.scope)
    assert op.vjp is not None
    sent = op.vjp(fastops, np.asarray(upstream), record, needs)
    out: list[np.ndarray | None] = []
    for ref, need, g in zip(event.inputs, needs, sent):
        if not need or g is None:
            out.append(None)
            continue
        g = np.asarray(g._value if isinstance(g, Tensor) else g)
        if g.shape != ref.value.shape:
            g = np.asarray(fastops.sum_to_shape(g, ref.value.shape))
        out.append(g)
    return out


def walk(trace: Trace, how: str, start: int, end: int) -> Walk:
    """Walk the backward pass of the gradient call spanning events ``start..end`` in way ``how``."""
    if how not in HOW:
        raise ValueError(f"a walk is one of {', '.join(HOW)}, not {how!r}")
    events = trace.events
    seeds: dict[int, np.ndarray] = {}
    steps: dict[int, BackwardStep] = {}
    for i in range(start, end + 1):
        e = events[i]
        if isinstance(e, GradientStarted):
            for t, s in zip(e.targets, e.seeds):
                seeds[t] = np.asarray(s, dtype=np.float64)
        elif isinstance(e, BackwardStep):
            steps[e.output_id] = e  # which inputs need a gradient: those the real walk sent one to
    forward = {nid: events[n.event] for nid, n in trace.graph.nodes.items() if n.is_op and nid in steps}
    result = Walk(how, grads=dict(seeds))

    def visit(nid: int) -> None:
        upstream = result.grads.get(nid)
        if upstream is None or nid not in forward:
            return
        result.order.append(nid)
        result.upstream[nid] = upstream
        event = forward[nid]
        needs = tuple(g is not None for g in steps[nid].input_grads)
        for ref, g in zip(event.inputs, _vjp(event, upstream, needs)):
            if g is None:
                continue
            have = result.grads.get(ref.id)
            result.grads[ref.id] = g if have is None or how == "assign" else have + g

    if how == "order":
        seen: set[int] = set(seeds)
        queue = deque(sorted(seeds))
        while queue:
            nid = queue.popleft()
            visit(nid)
            if nid in forward:
                for ref in forward[nid].inputs:
                    if ref.id not in seen:
                        seen.add(ref.id)
                        queue.append(ref.id)
    else:
        for nid in sorted(forward, key=lambda n: trace.graph.nodes[n].event or 0, reverse=True):
            visit(nid)
    return result


def used(w: Walk, t: int) -> np.ndarray | None:
    """The gradient that counted for tensor ``t``: what an op held when it was visited and
    passed on (shares arriving later are never passed on), a leaf's final total."""
    return w.upstream[t] if t in w.upstream else (None if t in w.order else w.grads.get(t))


def tensors(right: Walk) -> list[int]:
    """The tensors of a walk: ops in the right visiting order, then the leaves."""
    return list(right.order) + [t for t in right.grads if t not in right.order]


def differs(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return (a is None) != (b is None) or (a is not None and not np.allclose(a, b, rtol=1e-6, atol=1e-9))


def first_difference(right: Walk, wrong: Walk, names: Callable[[int], str]) -> str | None:
    """The first tensor, in the right walk's order (ops, then the leaves), whose gradient differs."""
    for t in tensors(right):
        if differs(used(right, t), used(wrong, t)):
            return names(t)
    return None


def walk_functions(trace: Trace, resolver: Resolver) -> dict[str, Callable[..., Any]]:
    """Expression functions over the walks of call 1 of iteration 1 (cached per trace)."""
    cache: dict[str, Walk] = {}

    def get(how: str) -> Walk:
        if how not in cache:
            calls = resolver.calls(0)
            if not calls:
                raise ResolveError("this trace has no gradient call to walk")
            cache[how] = walk(trace, how, calls[0].start, calls[0].end)
        return cache[how]

    def label(nid: int) -> str:
        return node_short(trace, nid)  # the learner's name (a, L) where the program gave one

    def walk_grad(pointer: str, how: str = "right") -> np.ndarray | None:
        """The gradient that counted for node ``pointer`` under walk ``how`` (see ``used``)."""
        return used(get(how), resolver.node(pointer).id)

    def walk_order(how: str = "right") -> str:
        """The ops in the order walk ``how`` visited them."""
        return ", ".join(label(n) for n in get(how).order)

    def first_wrong(how: str) -> str:
        found = first_difference(get("right"), get(how), label)
        return found if found is not None else "none"

    def walk_table(how: str) -> str:
        """An aligned text table: every tensor of the walk, its right gradient and walk ``how``'s."""
        right, wrong = get("right"), get(how)
        if how == "right":
            rows = [("tensor", "gradient")] + [(label(t), _num(used(right, t))) for t in tensors(right)]
        else:
            rows = [("tensor", "right", _title(how), "")]
            for t in tensors(right):
                a, b = used(right, t), used(wrong, t)
                rows.append((label(t), _num(a), _num(b), "✗" if differs(a, b) else ""))
        widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
        return "\n".join(  # names left, numbers right-aligned under their headings, a mark after
            "  ".join([f"{r[0]:<{widths[0]}}", *(f"{c:>{w}}" for c, w in zip(r[1:3], widths[1:3])), *r[3:]]).rstrip()
            for r in rows
        )

    return {"walk_grad": walk_grad, "walk_order": walk_order, "first_wrong": first_wrong, "walk_table": walk_table}


def _title(how: str) -> str:
    return {"right": "gradient", "order": "wrong order", "assign": "= instead of +="}[how]


def _num(v: np.ndarray | None) -> str:
    if v is None:
        return "None"
    arr = np.asarray(v, dtype=np.float64)
    if arr.size == 1:
        return f"{float(arr.reshape(())):.4g}"
    return "[" + ", ".join(f"{float(x):.4g}" for x in arr.reshape(-1)[:4]) + (", …]" if arr.size > 4 else "]")
