"""Plain reports of a trace for the terminal (rich tables), used by ``tapeviz events``."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .engine.events import (
    BackwardStep,
    Event,
    GradientAccumulated,
    GradientsReturned,
    GradientStarted,
    OpRecorded,
    VariableAssigned,
)
from .trace import Trace


def summarize(value: np.ndarray | None) -> str:
    """A short text for an array: a scalar's value, a few entries, or min/mean/max."""
    if value is None:
        return "None"
    if value.size == 1:
        return f"{float(value.reshape(())):.4g}" if value.dtype.kind == "f" else str(value.reshape(()).item())
    if value.size <= 4:
        return "[" + ", ".join(f"{float(v):.3g}" for v in value.reshape(-1)) + "]"
    if value.dtype.kind == "b":
        return f"{int(value.sum())}/{value.size} true"
    return f"min {value.min():.3g} · mean {value.mean():.3g} · max {value.max():.3g}"


def describe_event(trace: Trace, event: Event) -> tuple[str, str, str]:
    """(what, where, numbers) for one event, in words a learner can read."""
    nodes = trace.graph.nodes

    def name(i: int) -> str:
        if not i:  # a source the tape never watched: it has no id in the trace
            return "(unwatched source)"
        node = nodes.get(i)
        return node.name if node else f"tensor #{i} (not used by a recorded op)"

    if isinstance(event, OpRecorded):
        ins = ", ".join(f"{name(r.id)} {tuple(r.shape)}" for r in event.inputs)
        return f"{event.op}", event.scope, f"({ins}) → {tuple(event.output.shape)} = {summarize(event.output.value)}"
    if isinstance(event, GradientStarted):
        return "gradient()", "", f"target {', '.join(name(t) for t in event.targets)}, seed {summarize(event.seeds[0]) if event.seeds else ''}"
    if isinstance(event, BackwardStep):
        sent = ", ".join(f"→ {name(i)}: {summarize(g)}" for i, g in zip(event.input_ids, event.input_grads) if g is not None)
        return f"∂ {event.op}", event.scope, f"upstream {summarize(event.upstream)}; {sent}"
    if isinstance(event, GradientAccumulated):
        return "accumulate", "", f"{name(event.tensor_id)}: {summarize(event.before)} + {summarize(event.added)} = {summarize(event.total)}"
    if isinstance(event, GradientsReturned):
        return "gradients", "", "; ".join(f"{name(s)}: {summarize(g)}" for s, g in zip(event.sources, event.grads))
    if isinstance(event, VariableAssigned):
        return event.method, event.name, f"{summarize(event.before)} → {summarize(event.after)}"
    return type(event).__name__, "", ""


def events_table(trace: Trace, limit: int | None = None) -> Table:
    # Names come from programs and trace files: Text objects keep them literal (no markup, and a
    # trailing backslash stays one backslash, which markup escaping would double).
    table = Table(title=Text(f"{trace.title or 'trace'}: {len(trace)} events, {trace.iteration_count} iteration(s)"))
    for column in ("#", "iter", "phase", "event", "scope", "numbers"):
        table.add_column(column, overflow="fold")
    first_bad = trace.first_nonfinite
    for i, event in enumerate(trace.events[:limit]):
        what, where, numbers = describe_event(trace, event)
        cell = Text(numbers)
        bad = trace.nonfinite_at(i)
        if bad:  # NaN/inf is flagged where it appears, not left to spread unnoticed
            nodes = trace.graph.nodes
            names = ", ".join(nodes[t].name if t in nodes else f"#{t}" for t in bad)
            first = "first " if i == first_bad else ""
            cell.append(f"  ⚠ {first}NaN/inf in {names}", style="bold red")
        table.add_row(str(i), str(trace.iteration(i) + 1), trace.phase(i), Text(what), Text(where), cell)
    if first_bad is not None:
        table.caption = Text(f"⚠ NaN or inf first appears at event {first_bad}", style="bold red")
    return table


def print_events(trace: Trace, limit: int | None = None, console: Console | None = None) -> None:
    (console or Console()).print(events_table(trace, limit))
