"""``tapeviz export-run SOURCE -o FILE.png``: a run's loss and per-weight norms over every iteration."""

from __future__ import annotations

import argparse
from pathlib import Path

from .browse import add_keep_option, say_stopped
from .common import UsageError, add_budget_options, apply_budget


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``tapeviz export-run``."""
    p = sub.add_parser("export-run", help="draw a run's loss and per-weight gradient/update norms over every iteration (PNG)")
    p.add_argument("source", help="a saved trace, a .py program (recorded under --keep) or an example")
    p.add_argument("-o", "--output", required=True, help="image to write (.png)")
    add_budget_options(p)
    add_keep_option(p)
    p.set_defaults(run=run_export_run)


def run_export_run(args: argparse.Namespace) -> int:
    from ..render.run_plot import run_plot_png
    from ..sources import load_source
    from ..view.numbers import counted
    from ..view.run_view import run_data

    out = Path(args.output)
    if out.suffix.lower() != ".png":
        raise UsageError(f"{out}: export-run writes a PNG: give a file name ending in .png")
    if not out.parent.is_dir():
        raise UsageError(f"{out}: directory {out.parent} does not exist")
    apply_budget(args)
    trace = load_source(args.source, keep=args.keep)
    say_stopped(trace)
    data = run_data(trace)
    if not data.iterations:
        raise UsageError(f"{args.source}: nothing to plot: it recorded no iteration")
    run_plot_png(data, out, title=trace.title)
    print(f"wrote {out} ({counted(data.iterations, 'iteration')}, {len(data.kept)} kept in full)")
    return 0


__all__ = ["register", "run_export_run"]
