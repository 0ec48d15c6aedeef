"""Fill in the table (``@table``): the backward pass, one row per op input, entered by the learner.

Each row is one input of one op: the *upstream* gradient arriving at the op's backward step, the
op's *local* derivative with respect to that input, and the gradient it *sent* there (upstream ×
local). Every expected number comes from the trace: upstream and sent are the op's recorded
``BackwardStep``; local is the op's own elementwise derivative (``OpDef.local``) at the values the
forward pass recorded. The learner types a row as three numbers; each is judged at the step's
precision, and a row is done when all three are right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..engine.events import BackwardStep, OpRecorded
from ..engine.registry import REGISTRY
from ..trace import Trace
from ..view.names import node_short
from .model import Precision, Table
from .resolve import ResolveError, Resolver

PRECISION = Precision("sf", 3)
CELLS = ("upstream", "local", "sent")
SPLIT_RE = re.compile(r"[\s,;]+")


class TableError(ResolveError):
    """A @table the trace cannot fill: an op with no backward step, a tensor, no local rule."""


@dataclass(frozen=True)
class Row:
    """One input of one op in the backward pass, with the trace's numbers."""

    op: str  # the op's node name, as the graph shows it
    op_node: int
    input: str  # the input's node name
    input_node: int
    k: int  # which input of the op
    upstream: float
    local: float
    sent: float

    @property
    def cells(self) -> tuple[float, float, float]:
        return (self.upstream, self.local, self.sent)

    @property
    def label(self) -> str:
        return f"{self.op} → {self.input}"


def table_rows(trace: Trace, resolver: Resolver, table: Table) -> list[Row]:
    """The rows of ``table`` from the trace (call 1 of iteration 1), in the order the ops are named."""
    rows: list[Row] = []
    for pointer in table.ops:
        back = trace.events[resolver.resolve(f"backward of {pointer}").event]
        forward = trace.events[resolver.resolve(pointer).event]
        if not isinstance(back, BackwardStep) or not isinstance(forward, OpRecorded):
            raise TableError(f"@table: {pointer!r} names no op with a backward step")
        opdef = REGISTRY.get(forward.op)
        if opdef is None or opdef.local is None:
            raise TableError(f"@table: {forward.op} has no elementwise local derivative to fill a row with")
        arrays = [np.asarray(r.value, dtype=float) for r in forward.inputs]
        out = np.asarray(forward.output.value, dtype=float)
        locals_ = opdef.local(*arrays, out, **dict(forward.attrs))
        upstream = np.asarray(back.upstream, dtype=float)
        if upstream.size != 1 or out.size != 1:
            raise TableError(f"@table: {pointer!r} computes a tensor of shape {out.shape}; a table row holds one number")
        for k, (ref, sent) in enumerate(zip(forward.inputs, back.input_grads)):
            if sent is None or locals_[k] is None:
                continue
            rows.append(Row(
                op=node_short(trace, forward.output.id), op_node=forward.output.id,
                input=node_short(trace, ref.id), input_node=ref.id, k=k,
                upstream=float(upstream.ravel()[0]), local=float(np.asarray(locals_[k], dtype=float).ravel()[0]),
                sent=float(np.asarray(sent, dtype=float).ravel()[0]),
            ))
    if not rows:
        raise TableError("@table: the ops it names sent no gradient: nothing to fill in")
    return rows


def parse_row(text: str) -> list[float] | str:
    """Three numbers typed for a row, or the message saying why they are not."""
    from .answers import ExpressionError, parse_number

    parts = [p for p in SPLIT_RE.split(text.strip()) if p]
    if len(parts) != 3:
        return "type three numbers: upstream, local and sent (e.g. 2, -0.5, -1)"
    values = []
    for part in parts:
        try:
            values.append(parse_number(part))
        except ExpressionError:
            return f"{part!r} is not a number: type upstream, local and sent (e.g. 2, -0.5, -1)"
    return values


def judge_row(row: Row, values: list[float], precision: Precision = PRECISION) -> tuple[bool, ...]:
    """Whether each typed cell rounds like the trace's number at ``precision``."""
    return tuple(precision.same(v, c) for v, c in zip(values, row.cells))
