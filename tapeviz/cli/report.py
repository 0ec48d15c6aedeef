"""Plain reports of a trace for the terminal (rich tables), used by ``tapeviz events``.

The words come from the view layer (``tapeviz.view.describe_event``); this module only lays
them out as a rich table. Events are numbered from 1, as in the UI and for ``--at``.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..trace import Trace
from ..view import describe_event, event_number


def events_table(trace: Trace, limit: int | None = None, indices: list[int] | None = None) -> Table:
    """One row per event: number, iteration, phase, what, scope, numbers; NaN/inf flagged."""
    # Names come from programs and trace files: Text objects keep them literal (no markup, and a
    # trailing backslash stays one backslash, which markup escaping would double).
    chosen = list(range(len(trace))) if indices is None else indices
    shown = f"{len(chosen[:limit])} of " if indices is not None and len(chosen) != len(trace) else ""
    title = f"{trace.title or 'trace'}: {shown}{len(trace)} events, {trace.iteration_count} iteration(s)"
    if trace.run is not None and trace.run.iterations > len(trace.run.kept):  # a bounded long run
        title += f"\n{trace.run.describe()}; only kept iterations have events"
    table = Table(title=Text(title))
    for column in ("#", "iter", "phase", "event", "scope", "numbers"):
        table.add_column(column, overflow="fold")
    first_bad = trace.first_nonfinite
    for i in chosen[:limit]:
        event = trace.events[i]
        what, where, numbers = describe_event(trace, event)
        cell = Text(numbers)
        bad = trace.nonfinite_at(i)
        if bad:  # NaN/inf is flagged where it appears, not left to spread unnoticed
            nodes = trace.graph.nodes
            names = ", ".join(nodes[t].name if t in nodes else f"#{t}" for t in bad)
            first = "first " if i == first_bad else ""
            cell.append(f"  ⚠ {first}NaN/inf in {names}", style="bold red")
        table.add_row(str(event_number(i)), str(trace.iteration(i) + 1), trace.phase(i), Text(what), Text(where), cell)
    if first_bad is not None:
        table.caption = Text(f"⚠ NaN or inf first appears at event {event_number(first_bad)}", style="bold red")
    return table


def print_events(trace: Trace, limit: int | None = None, console: Console | None = None,
                 indices: list[int] | None = None) -> None:
    (console or Console()).print(events_table(trace, limit, indices))


__all__ = ["describe_event", "events_table", "print_events"]
