"""``tapeviz [open SOURCE]`` and ``tapeviz save SOURCE -o FILE`` (``tapeviz events`` is in events.py)."""

from __future__ import annotations

import argparse
import sys

from .common import add_budget_options, apply_budget


def register(sub: argparse._SubParsersAction) -> None:
    """Add the commands that open, list or save one source."""
    p = sub.add_parser("open", help="open the terminal UI on an example, a .py program or a saved trace")
    p.add_argument("source", help="example name (seed, keras_fit_adam, ...: see `tapeviz examples`), program.py, or trace file")
    add_budget_options(p)
    p.set_defaults(run=run_open)

    p = sub.add_parser("examples", help="list the examples `tapeviz open NAME` takes, one line each")
    p.set_defaults(run=run_examples)

    p = sub.add_parser("save", help="record a source and save its trace file")
    p.add_argument("source")
    p.add_argument("-o", "--output", required=True, help="trace file to write (.tapeviz)")
    add_budget_options(p)
    add_keep_option(p)
    p.set_defaults(run=run_save)


def add_keep_option(p: argparse.ArgumentParser) -> None:
    """``--keep POLICY``: which iterations of a long program keep every array (trace/keep.py)."""
    p.add_argument(
        "--keep", type=keep_policy, default=True, metavar="POLICY",
        help="for a .py program's long runs: which iterations keep every array, the rest keep a summary "
        "(default first=5,last=5,every=100,nan=on,spike=3,anomalies=20,budget=256MB; rules: first=N, "
        "last=N, every=K, pin=I, nan=on|off, spike=F, anomalies=N, budget=SIZE; 'all' keeps everything)",
    )


def keep_policy(text: str) -> object:
    from ..trace.keep import KeepPolicyError, as_policy

    try:
        policy = as_policy(text)
    except KeepPolicyError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return "all" if policy is None else policy


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


def run_examples(args: argparse.Namespace) -> int:
    from ..sources import example_listing

    rows = example_listing()
    width = max(len(name) for name, _ in rows)
    for name, line in rows:
        print(f"{name:<{width}}  {line}".rstrip())
    return 0


def say_stopped(trace) -> None:  # noqa: ANN001
    """One line on stderr when the recording budget stopped the program (what was kept is used)."""
    if trace.meta.get("stopped"):
        print(f"tapeviz: note: {trace.meta['stopped']}", file=sys.stderr)


def run_save(args: argparse.Namespace) -> int:
    from ..sources import load_source

    apply_budget(args)
    trace = load_source(args.source, keep=args.keep)
    say_stopped(trace)
    trace.save(args.output)
    print(f"saved {len(trace)} events to {args.output}")
    if trace.run is not None and trace.run.iterations > len(trace.run.kept):
        print(trace.run.describe())
    return 0


__all__ = [
    "add_keep_option", "default_source", "keep_policy", "open_ui", "register", "run_default", "run_examples",
    "run_open", "run_save", "say_stopped",
]
