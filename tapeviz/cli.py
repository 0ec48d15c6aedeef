"""Command line: argument parsing and error reporting only; the work lives in the layers below.

Every error a user can cause is printed as one line on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .engine.errors import ProgramError, TapevizError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other failure
        self.exit(EXIT_USAGE, f"tapeviz: error: {message} (see 'tapeviz --help')\n")


def _count(text: str) -> int:
    """A whole number ≥ 0 (``--limit -3`` would otherwise silently drop the last three events)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r} (give a whole number like 20)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}: it cannot be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tapeviz",
        description="See automatic differentiation: step through what a GradientTape records, "
        "how gradients flow back, and how SGD changes the weights.",
    )
    parser.add_argument("--version", action="version", version="tapeviz 0.1.0")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("open", help="open the terminal UI on an example, a .py program or a saved trace")
    p.add_argument("source", help="example name (seed, seed-fixed, square, ...), program.py, or trace file")

    p = sub.add_parser("events", help="print the recorded events of a source as a table")
    p.add_argument("source")
    p.add_argument("--limit", type=_count, default=None, help="print at most this many events")

    p = sub.add_parser("save", help="record a source and save its trace file")
    p.add_argument("source")
    p.add_argument("-o", "--output", required=True, help="trace file to write (.tapeviz)")

    p = sub.add_parser("export", help="write the tape as PNG, SVG, PDF, DOT or an animated GIF")
    p.add_argument("source")
    p.add_argument("-o", "--output", required=True, help="file to write; its suffix picks the format")
    p.add_argument("--at", default="end", help="event number N (from 1, as `tapeviz events` lists them), or forward|backward|update|end")
    p.add_argument("--frames", metavar="DIR", help="write one numbered PNG per event of the range into DIR")
    p.add_argument("--collapse", nargs="*", default=[], metavar="SCOPE", help="draw these scopes as one box")
    p.add_argument("--rankdir", choices=["LR", "TB"], default="TB")

    p = sub.add_parser("lessons", help="list the guided lessons (or --check them all)")
    p.add_argument("--check", action="store_true", help="run every lesson headless and report")
    p.add_argument("--dir", default=None, help="lessons folder (default: the bundled lessons/)")

    p = sub.add_parser("lesson", help="open a guided lesson in the terminal UI")
    p.add_argument("id", help="lesson number or slug")
    p.add_argument("--dir", default=None)
    return parser


def _cmd_default(args: argparse.Namespace) -> int:
    from .sources import example_names

    return _open_ui("seed" if "seed" in example_names() else "two-layer")


def _cmd_open(args: argparse.Namespace) -> int:
    return _open_ui(args.source)


def _open_ui(source: str) -> int:
    try:
        from .ui import run_app
    except ImportError:  # the terminal UI is not built yet: show the events instead
        from .report import print_events
        from .sources import load_source

        print_events(load_source(source))
        return 0
    return run_app(source)


def _cmd_events(args: argparse.Namespace) -> int:
    from .report import print_events
    from .sources import load_source

    print_events(load_source(args.source), limit=args.limit)
    return 0


def _cmd_save(args: argparse.Namespace) -> int:
    from .sources import load_source

    trace = load_source(args.source)
    trace.save(args.output)
    print(f"saved {len(trace)} events to {args.output}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .render.cli_export import run_export

    return run_export(args)


def _cmd_lessons(args: argparse.Namespace) -> int:
    from .lessons.cli import run_lessons

    return run_lessons(args)


def _cmd_lesson(args: argparse.Namespace) -> int:
    from .lessons.cli import run_lesson

    return run_lesson(args)


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: _cmd_default,
    "open": _cmd_open,
    "events": _cmd_events,
    "save": _cmd_save,
    "export": _cmd_export,
    "lessons": _cmd_lessons,
    "lesson": _cmd_lesson,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ProgramError as exc:
        print(f"tapeviz: error: {exc}", file=sys.stderr)
        if exc.details:
            print(exc.details, file=sys.stderr)
        return EXIT_USAGE
    except TapevizError as exc:
        print(f"tapeviz: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        name = f" {exc.filename}" if exc.filename else ""
        print(f"tapeviz: error:{name}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
