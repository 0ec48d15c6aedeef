"""What every ``tapeviz`` command shares: the parser that fails in one line, the exit codes."""

from __future__ import annotations

import argparse

from ..engine.errors import TapevizError
from ..trace.guards import printable

EXIT_USAGE = 2


class UsageError(TapevizError):
    """A command line that cannot work as given (a flag missing or out of place)."""


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line as one line on stderr with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"tapeviz: error: {message} (see 'tapeviz --help')\n")


def count(text: str) -> int:
    """A whole number ≥ 0 (``--limit -3`` would otherwise silently drop the last three events)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r} (give a whole number like 20)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}: it cannot be negative")
    return value


def add_budget_options(p: argparse.ArgumentParser) -> None:
    """``--max-events`` and ``--max-mb``: the recording budget of a ``.py`` program."""
    from ..trace.budget import DEFAULT

    p.add_argument("--max-events", type=count, default=None, metavar="N",
                   help=f"stop a program that records more than N events (default {DEFAULT.events:,})")
    p.add_argument("--max-mb", type=count, default=None, metavar="MB",
                   help=f"stop a program whose recorded arrays pass MB megabytes (default {DEFAULT.megabytes:,})")


def apply_budget(args: argparse.Namespace) -> None:
    from ..trace import budget

    budget.configure(getattr(args, "max_events", None), getattr(args, "max_mb", None))


__all__ = ["EXIT_USAGE", "Parser", "UsageError", "add_budget_options", "apply_budget", "count", "printable"]
