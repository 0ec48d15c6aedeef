"""``tapeviz events SOURCE [--iteration N] [--phase P] [--events A..B] [--at N] [--format table|json|csv] [--keep P]``.

The recorded events as a table for people, or as data (one record per event, the same keys in
JSON and CSV; see ``tapeviz.view.records.FIELDS``) for a worksheet or a plot. The selection flags
are shared with ``tapeviz export`` (:func:`add_selection_args`). Output to a pipe or a file is
never wrapped to the terminal's width.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from typing import TextIO

from .browse import add_keep_option
from .common import add_budget_options, apply_budget, count

FORMATS = ("table", "json", "csv")


def _events_arg(text: str) -> tuple[int | None, int | None]:
    from ..view.selection import SelectionError, parse_events

    try:
        return parse_events(text)
    except SelectionError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("invalid --events ")) from None


def _iteration_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(f"invalid iteration {text!r}: give a number from 1 (negative counts from the end)")
    return value


def add_selection_args(p: argparse.ArgumentParser) -> None:
    """``--iteration``, ``--phase`` and ``--events``: which events a command works on."""
    p.add_argument("--iteration", type=_iteration_arg, default=None, metavar="N",
                   help="only training iteration N (from 1; -1 is the last)")
    p.add_argument("--phase", choices=("forward", "backward", "update"), default=None,
                   help="only the events of this phase")
    p.add_argument("--events", type=_events_arg, default=None, metavar="A..B",
                   help="only events A to B (numbers as listed here and in the UI; A.. or ..B leave an end open)")


def selection_of(args: argparse.Namespace):  # noqa: ANN201  (view.selection.Selection, imported late)
    from ..view.selection import Selection

    return Selection(getattr(args, "iteration", None), getattr(args, "phase", None), getattr(args, "events", None))


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``tapeviz events``."""
    p = sub.add_parser("events", help="print the recorded events of a source as a table, JSON or CSV")
    p.add_argument("source")
    add_selection_args(p)
    p.add_argument("--at", default=None, help="only event N (from 1), or forward|backward|update|end as for export")
    p.add_argument("--format", choices=FORMATS, default="table", help="table (default) for people; json or csv for data")
    p.add_argument("--limit", type=count, default=None, help="print at most this many events")
    add_budget_options(p)
    add_keep_option(p)
    p.set_defaults(run=run_events)


def chosen_events(trace, args: argparse.Namespace) -> list[int]:  # noqa: ANN001
    """The list indices the flags choose (every event when none is given)."""
    from ..view.selection import SelectionError, select_events

    indices = list(range(len(trace))) if selection_of(args).empty else select_events(trace, selection_of(args))
    if getattr(args, "at", None) is not None:
        from ..render.cursor import resolve_at

        at = resolve_at(trace, args.at)
        if at not in indices:
            raise SelectionError(f"--at {args.at} (event {at + 1}) is not among {selection_of(args).describe()}")
        indices = [at]
    return indices


def replayed_when_summarised(trace, args: argparse.Namespace):  # noqa: ANN001, ANN201
    """``--iteration N`` naming an iteration a bounded run only summarised: that iteration
    recorded again in full (trace/replay.py), as a trace of its own; otherwise ``trace``.
    Where it cannot be replayed, one line says why (a TapevizError: the CLI exits 2)."""
    it = getattr(args, "iteration", None)
    if it is None or trace.run is None:
        return trace
    count = trace.iteration_count
    chosen = it - 1 if 0 < it <= count else count + it if -count <= it < 0 else None
    if chosen is None or not trace.is_summarised(chosen):
        return trace
    from ..trace.replay import ReplayError, replay, replay_problem

    problem = replay_problem(trace, chosen)
    if problem:
        raise ReplayError(f"{problem}; `tapeviz export-run` draws the run's summaries")
    print(f"tapeviz: iteration {chosen + 1:,} was summarised: replaying it (the program runs again up to it)…",
          file=sys.stderr, flush=True)
    return replay(trace, chosen)


def run_events(args: argparse.Namespace) -> int:
    from ..engine.errors import ProgramError
    from ..sources import load_source
    from .browse import say_stopped

    apply_budget(args)
    try:
        trace = load_source(args.source, keep=args.keep)
    except ProgramError as exc:  # a program that failed: the events it recorded, then its error
        failed = getattr(exc, "trace", None)
        if failed is not None and len(failed):
            _print_chosen(failed, args)
        raise
    trace = replayed_when_summarised(trace, args)
    _print_chosen(trace, args)
    say_stopped(trace)
    return 0


def _print_chosen(trace, args: argparse.Namespace) -> None:  # noqa: ANN001
    indices = chosen_events(trace, args)[: args.limit]
    try:
        _print(trace, indices, args.format)
    except BrokenPipeError:  # `tapeviz events ... | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _print(trace, indices: list[int], fmt: str) -> None:  # noqa: ANN001
    if fmt == "table":
        from rich.console import Console

        from .report import print_events

        out = sys.stdout
        console = Console() if out.isatty() else Console(file=out, width=100_000, soft_wrap=True, color_system=None)
        print_events(trace, console=console, indices=indices)
    else:
        write_records(trace, indices, fmt, sys.stdout)
    sys.stdout.flush()


def write_records(trace, indices: list[int], fmt: str, out: TextIO) -> None:  # noqa: ANN001
    """One record per event as JSON (a list of objects) or CSV (a header, then one row each)."""
    from ..view.records import FIELDS, csv_row, event_record, json_safe

    if fmt == "json":
        rows = (json.dumps(json_safe(event_record(trace, i)), ensure_ascii=False, allow_nan=False) for i in indices)
        out.write("[\n" + ",\n".join(rows) + "\n]\n")  # a list of objects, one per line
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for i in indices:
        writer.writerow(csv_row(event_record(trace, i)))


__all__ = ["add_selection_args", "chosen_events", "register", "replayed_when_summarised", "run_events", "selection_of",
           "write_records"]
