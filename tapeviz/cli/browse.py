"""``tapeviz [open SOURCE]``, ``tapeviz events SOURCE`` and ``tapeviz save SOURCE -o FILE``."""

from __future__ import annotations

import argparse
import sys

from .common import add_budget_options, apply_budget, count


def register(sub: argparse._SubParsersAction) -> None:
    """Add the commands that open, list or save one source."""
    p = sub.add_parser("open", help="open the terminal UI on an example, a .py program or a saved trace")
    p.add_argument("source", help="example name (seed, seed-fixed, square, ...), program.py, or trace file")
    add_budget_options(p)
    p.set_defaults(run=run_open)

    p = sub.add_parser("events", help="print the recorded events of a source as a table")
    p.add_argument("source")
    p.add_argument("--limit", type=count, default=None, help="print at most this many events")
    add_budget_options(p)
    p.set_defaults(run=run_events)

    p = sub.add_parser("save", help="record a source and save its trace file")
    p.add_argument("source")
    p.add_argument("-o", "--output", required=True, help="trace file to write (.tapeviz)")
    add_budget_options(p)
    p.set_defaults(run=run_save)


def default_source() -> str:
    """What plain ``tapeviz`` opens: the article's network."""
    from ..sources import example_names

    return "seed" if "seed" in example_names() else "two-layer"


def run_default(args: argparse.Namespace) -> int:
    return open_ui(default_source())


def run_open(args: argparse.Namespace) -> int:
    apply_budget(args)
    return open_ui(args.source)


def open_ui(source: str) -> int:
    from ..ui import run_app

    return run_app(source)


def run_events(args: argparse.Namespace) -> int:
    from ..sources import load_source
    from .report import print_events

    apply_budget(args)
    trace = load_source(args.source)
    print_events(trace, limit=args.limit)
    _say_stopped(trace)
    return 0


def _say_stopped(trace) -> None:  # noqa: ANN001
    """One line on stderr when the recording budget stopped the program (what was kept is used)."""
    if trace.meta.get("stopped"):
        print(f"tapeviz: note: {trace.meta['stopped']}", file=sys.stderr)


def run_save(args: argparse.Namespace) -> int:
    from ..sources import load_source

    apply_budget(args)
    trace = load_source(args.source)
    _say_stopped(trace)
    trace.save(args.output)
    print(f"saved {len(trace)} events to {args.output}")
    return 0


__all__ = ["default_source", "open_ui", "register", "run_default", "run_events", "run_open", "run_save"]
