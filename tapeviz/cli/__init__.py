"""Command line: argument parsing and error reporting only; the work lives in the layers below.

One module per command group registers its sub-commands (``register(sub)``) and the function that
runs each (``set_defaults(run=...)``). Every error a user can cause is printed as one line on
stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..engine.errors import ProgramError, TapevizError
from . import browse, events, export, lessons, runs, serve
from .common import EXIT_USAGE, Parser, UsageError, printable

GROUPS = (browse, events, export, lessons, serve, runs)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="tapeviz",
        description="See automatic differentiation: step through what a GradientTape records, "
        "how gradients flow back, and how SGD changes the weights.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"tapeviz {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    for group in GROUPS:
        group.register(sub)
    parser.set_defaults(run=browse.run_default)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``tapeviz`` command; returns the exit code (2 for anything the user can fix)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except ProgramError as exc:
        print(f"tapeviz: error: {printable(str(exc))}", file=sys.stderr)
        if exc.details:
            print(printable(exc.details), file=sys.stderr)
        return EXIT_USAGE
    except TapevizError as exc:
        print(f"tapeviz: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader went away (`tapeviz lessons | head`): stop quietly, as cat does; point
        # stdout at devnull so the interpreter's final flush does not complain either
        import os

        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except OSError as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        print(f"tapeviz: error: {name}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


__all__ = ["EXIT_USAGE", "UsageError", "build_parser", "main"]
