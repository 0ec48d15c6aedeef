"""What every ``tapeviz`` command shares: the parser that fails in one line, the exit codes."""

from __future__ import annotations

import argparse

from ..engine.errors import TapevizError

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


__all__ = ["EXIT_USAGE", "Parser", "UsageError", "count"]
