"""``tapeviz export SOURCE [-o FILE] [--at ...] [--frames DIR] [--collapse SCOPE ...] [--rankdir LR|TB]``.

The format comes from FILE's suffix: .png .svg .pdf .dot (the tape at one event) or .gif (one frame
per event of a training iteration). ``--at`` places the cursor:

* ``N`` — event number N as listed by ``tapeviz events`` and the UI (from 1; negative counts from the end);
* ``forward`` — the last event of the first forward pass (every op computed, the loss known);
* ``backward`` — the middle event of the first backward pass (gradients half-way back);
* ``update`` — the last parameter assignment of the first update (every parameter updated);
* ``end`` (default) — the last event of the trace.

``--iteration N``, ``--phase forward|backward|update`` and ``--events A..B`` choose events as for
``tapeviz events`` (they combine). A GIF or ``--frames DIR`` has one frame per chosen event; an
image shows the last chosen event (or ``--at``, which must then be among them). Without a choice,
the frames cover the whole iteration of the ``--at`` event; with the default ``end`` they cover
the first full training iteration. Frames are named ``event-NNNN.png``
after their event number; ``--frames DIR`` without ``-o`` writes only the frames. Every failure is
one line on stderr with exit code 2 and no file left.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .common import UsageError
from .events import add_selection_args, chosen_events, replayed_when_summarised, selection_of

if TYPE_CHECKING:  # the renderer (graphviz) loads only when export runs
    from ..render.frames import Progress


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``tapeviz export``."""
    p = sub.add_parser("export", help="write the tape as PNG, SVG, PDF, DOT or an animated GIF")
    p.add_argument("source")
    p.add_argument("-o", "--output", default=None, help="file to write; its suffix picks the format")
    p.add_argument("--at", default=None,
                   help="event number N (from 1, as `tapeviz events` lists them), or forward|backward|update|end (default)")
    add_selection_args(p)
    p.add_argument("--frames", metavar="DIR", help="write one numbered PNG per event of the range into DIR")
    p.add_argument("--collapse", nargs="+", action="extend", default=[], metavar="SCOPE",
                   help="draw these scopes as one box")
    p.add_argument("--rankdir", choices=["LR", "TB"], default="TB")
    p.add_argument("--inputs-inside", action="store_true",
                   help="draw each weight, constant or label that feeds one op inside that op's box, as the "
                        "terminal's graph pane does (still images and DOT)")
    p.set_defaults(run=run_export)


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    bar = RichProgress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    )
    tasks: dict[str, int] = {}

    def update(what: str, done: int, total: int) -> None:
        if what not in tasks:
            tasks[what] = bar.add_task(what, total=total)
        bar.update(tasks[what], completed=done, total=total)

    with bar:
        yield update


def _which(events: list[int] | range, args: argparse.Namespace) -> str:
    """``events 14..26`` and, when the user chose, what they chose (a phase need not be contiguous)."""
    span = f"events {events[0] + 1}..{events[-1] + 1}"
    selection = selection_of(args)
    return span if selection.empty else f"{span} ({selection.describe()})"


def run_export(args: argparse.Namespace) -> int:
    """Run ``tapeviz export``; raise TapevizError subclasses for anything the user can fix."""
    from ..render.dot import build_scene, resolve_at
    from ..render.export import output_format, render
    from ..render.files import check_writable
    from ..render.frames import check_pillow, default_range, plan_frames, write_frames, write_gif
    from ..sources import load_source

    output = getattr(args, "output", None)
    frames_dir = getattr(args, "frames", None)
    if not output and not frames_dir:
        raise UsageError("export needs -o FILE (an image or a .gif) or --frames DIR")
    fmt = output_format(output) if output else None
    if output:
        check_writable(output)
    collapse = list(getattr(args, "collapse", None) or [])
    rankdir = getattr(args, "rankdir", None) or "TB"
    at_arg = getattr(args, "at", None) or "end"
    inside = bool(getattr(args, "inputs_inside", False))
    if inside and (frames_dir or fmt == "gif"):
        raise UsageError("--inputs-inside draws still images and DOT, not --frames or GIFs")

    trace = replayed_when_summarised(load_source(args.source), args)
    frame_events: list[int] | None = None
    if selection_of(args).empty:
        index = resolve_at(trace, at_arg)
    else:
        frame_events = chosen_events(trace, argparse.Namespace(**{**vars(args), "at": None}))
        index = frame_events[-1] if args.at is None else chosen_events(trace, args)[0]
    build_scene(trace, index, collapse, rankdir)  # bad --collapse names fail here, before any file
    show_progress = sys.stderr.isatty()
    name = trace.title or args.source

    with _progress(show_progress) as progress:
        if fmt == "gif" or frames_dir:
            events = frame_events if frame_events is not None else default_range(trace, at_arg)
            if fmt == "gif":
                check_pillow()
            plan = plan_frames(trace, events, collapse, rankdir)  # one layout for frames and GIF
        if frames_dir:
            paths = write_frames(trace, frames_dir, progress=progress, plan=plan)
            print(f"wrote {len(paths)} frames to {frames_dir} ({_which(events, args)} of {name})")
        if fmt == "gif":
            write_gif(trace, output, progress=progress, plan=plan)
            print(f"wrote {output}: {len(events)} frames, {_which(events, args)} of {name}")
            return 0
    if not output:
        return 0
    render(trace, output, index + 1, collapse, rankdir, inputs_inside=inside)
    print(f"wrote {output}: {name} at event {index + 1} of {len(trace)} ({trace.phase(index)}, iteration {trace.iteration(index) + 1})")
    return 0


__all__ = ["register", "run_export"]
