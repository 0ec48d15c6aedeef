"""Python API for images: ``to_graphviz(trace, at=...)`` and ``render(trace, path, at=...)``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import graphviz

from ..trace import Trace
from .cursor import resolve_at
from .dot import build_scene, dot_source, scene_dot
from .errors import GraphvizMissing, RenderError
from .files import atomic_write, check_writable
from .gv import pipe

FORMATS: dict[str, str] = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".dot": "dot", ".gv": "dot", ".gif": "gif"}


def output_format(path: str | os.PathLike[str]) -> str:
    """The format a file name asks for, from its suffix; RenderError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        shown = f"'{suffix}'" if suffix else "no suffix"
        raise RenderError(f"{path}: cannot tell the image format from {shown}; use .png, .svg, .pdf, .dot or .gif")
    return FORMATS[suffix]


def to_graphviz(
    trace: Trace,
    at: int | str | None = None,
    collapse: Sequence[str] = (),
    rankdir: str = "TB",
    show: str = "both",
) -> graphviz.Digraph:
    """The tape at event ``at`` (numbered from 1; default: the last) as a ``graphviz.Digraph``
    (shows inline in Jupyter).

    Its ``.source`` is exactly ``tapeviz.render.dot.dot_source(trace, at, ...)``.
    """
    lines = dot_source(trace, at, collapse, rankdir, show).splitlines(keepends=True)
    return graphviz.Digraph(name="tapeviz", body=lines[1:-1])


def render(
    trace: Trace,
    path: str | os.PathLike[str],
    at: int | str | None = None,
    collapse: Sequence[str] = (),
    rankdir: str = "TB",
    show: str = "both",
    progress: object = None,
    inputs_inside: bool = False,
) -> Path:
    """Write the tape at event ``at`` to ``path`` as PNG, SVG, PDF or DOT (by suffix), atomically.

    ``at`` is an event number as the UI and ``tapeviz events`` show it (from 1; negative counts
    from the end) or ``forward``/``backward``/``update``/``end`` (default).

    A ``.gif`` path writes an animated GIF of the iteration ``at`` falls in (by default the first
    full training iteration), one frame per event. Without Graphviz's ``dot`` program this raises
    ``GraphvizMissing`` after writing the DOT source beside ``path`` (``name.dot``).
    ``inputs_inside`` (still images and DOT) draws each leaf that feeds one op inside that op's
    box, as the terminal's graph pane does.
    """
    fmt = output_format(path)
    target = check_writable(path)
    if fmt == "gif":
        if inputs_inside:
            raise RenderError("inputs inside their ops is drawn for still images and DOT, not GIFs")
        from .frames import default_range, write_gif

        events = default_range(trace, at)
        try:
            return write_gif(trace, target, events, collapse, rankdir, show, progress)  # type: ignore[arg-type]
        except GraphvizMissing:
            source = dot_source(trace, at, collapse, rankdir, show)
            raise GraphvizMissing(str(write_dot_beside(target, source))) from None
    source = scene_dot(build_scene(trace, resolve_at(trace, at), collapse, rankdir, show, inputs_inside=inputs_inside))
    if fmt == "dot":
        return atomic_write(target, source)
    try:
        data = pipe("dot", fmt, source)
    except GraphvizMissing:
        raise GraphvizMissing(str(write_dot_beside(target, source))) from None
    return atomic_write(target, data)


def write_dot_beside(target: Path, source: str) -> Path:
    """Save DOT text next to an image that could not be drawn (``out.png`` → ``out.dot``)."""
    beside = target.with_suffix(".dot") if target.suffix.lower() != ".dot" else target
    return atomic_write(beside, source)


__all__ = ["FORMATS", "output_format", "render", "to_graphviz", "write_dot_beside"]
