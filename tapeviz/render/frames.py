"""Frames over a range of events with one layout: nothing jumps, every frame has the same size.

How: build the scene of every frame, merge them into a template (each label row as wide as it
ever gets, every edge that ever appears), lay the template out ONCE with ``dot``, then draw
each frame with those fixed positions through ``neato -n2``, which only draws. Frames are
rendered a few per Graphviz call and split apart again; Pillow assembles an animated GIF.
"""

from __future__ import annotations

import io
import json
import os
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..trace import Trace, snapshots
from ..view import event_number
from .cursor import check_index, resolve_at
from .dot import Layout, Scene, build_scene, scene_dot
from .errors import PillowMissing, RenderError
from .files import atomic_write, check_writable
from .gv import pipe
from .styles import PALETTE

FRAME_MS = 650  # how long each event stays on screen in a GIF
HOLD_MS = 1800  # phase boundaries and the last frame stay longer
CHUNK = 6  # frames per Graphviz call (progress updates between calls)
GIF_DPI = 72
PNG_DPI = 96

Progress = Callable[[str, int, int], None]  # (what, done, total)


def default_range(trace: Trace, at: int | str | None = None) -> range:
    """The list indices of the events to animate: the whole iteration of event ``at`` (a number
    from 1 or a word, as for ``resolve_at``); by default (None or ``end``) the first full training
    iteration (the first with an update, else the first)."""
    if len(trace) == 0:
        raise RenderError("the trace has no events to draw")
    if at is None or at == "end":
        for it in range(trace.iteration_count):
            if trace.first_of("update", it) is not None:
                return trace.iteration_range(it)
        return trace.iteration_range(0)
    return trace.iteration_range(trace.iteration(resolve_at(trace, at)))


def template_scene(scenes: Sequence[Scene]) -> Scene:
    """A scene as large as any of ``scenes``: per node and slot the longest text; all edges."""
    last = scenes[-1]
    rows: dict[str, dict[str, str]] = {}
    for scene in scenes:
        for node in scene.nodes:
            mine = rows.setdefault(node.id, {})
            for slot, text in node.rows.items():
                if len(text) > len(mine.get(slot, "")):
                    mine[slot] = text
    nodes, placed = [], set()
    for scene in (last, *scenes):  # frames from several iterations: each one's own inputs get a place
        for node in scene.nodes:
            if node.id in placed:
                continue
            placed.add(node.id)
            copy = type(node)(**{**node.__dict__, "rows": rows[node.id]})
            copy.pending = copy.current = False
            nodes.append(copy)
    edges, seen = [], set()
    for scene in (last, *scenes):
        for edge in scene.edges:
            if edge.id not in seen:
                seen.add(edge.id)
                edges.append(type(edge)(**{**edge.__dict__, "pending": False, "current": False}))
    title: dict[str, str] = {}
    for scene in scenes:
        for key, text in scene.title.items():
            if len(text) > len(title.get(key, "")):
                title[key] = text
    clusters = dict(last.clusters)
    for scene in scenes:
        for path, label in scene.clusters.items():
            clusters.setdefault(path, label)
    return Scene(nodes, edges, clusters, title, last.rankdir, last.index)


def parse_layout(data: bytes) -> Layout:
    """Positions from ``dot -Tjson0`` output."""
    doc = json.loads(data.decode("utf-8"))
    nodes: dict[str, tuple[str, float, float]] = {}
    clusters: dict[str, tuple[str, str | None]] = {}
    for obj in doc.get("objects", []):
        name = obj.get("name", "")
        if "bb" in obj and name.startswith("cluster"):
            clusters[name] = (obj["bb"], obj.get("lp"))
        elif "pos" in obj:
            nodes[name] = (obj["pos"], float(obj["width"]), float(obj["height"]))
    edges = {e["id"]: (e["pos"], e.get("lp")) for e in doc.get("edges", []) if "id" in e and "pos" in e}
    layout = Layout(doc["bb"], nodes, edges, clusters, doc.get("lp"))
    if "lwidth" in doc:
        layout.__dict__["title_width"] = float(doc["lwidth"]) * 72
    return layout


def split_pngs(data: bytes) -> list[bytes]:
    """Cut a stream of concatenated PNG files (one per graph) into single files."""
    sig = b"\x89PNG\r\n\x1a\n"
    out: list[bytes] = []
    pos = 0
    while pos < len(data):
        if data[pos : pos + 8] != sig:
            raise RenderError("Graphviz returned something that is not a PNG image")
        p = pos + 8
        while True:
            (length,) = struct.unpack(">I", data[p : p + 4])
            kind = data[p + 4 : p + 8]
            p += 12 + length
            if kind == b"IEND":
                break
            if p >= len(data):
                raise RenderError("Graphviz returned a truncated PNG image")
        out.append(data[pos:p])
        pos = p
    return out


@dataclass
class FramePlan:
    """The frames of a range of events with their one shared layout (the only ``dot`` run)."""

    trace: Trace
    events: list[int]
    scenes: list[Scene]
    template: Scene
    layout: Layout


def plan_frames(
    trace: Trace,
    events: Sequence[int] | range | None = None,
    collapse: Sequence[str] = (),
    rankdir: str = "TB",
    show: str = "both",
) -> FramePlan:
    """Scenes for ``events`` (list indices; default: ``default_range``) and ONE ``dot`` layout of their template."""
    events = list(default_range(trace) if events is None else events)
    if not events:
        raise RenderError("no events to draw")
    for i in events:
        check_index(trace, i)
    walked = {snap.index: snap for snap in snapshots(trace, events)}  # one pass per iteration
    scenes = [build_scene(trace, i, collapse, rankdir, show, snap=walked[i]) for i in events]
    template = template_scene(scenes)
    layout = parse_layout(pipe("dot", "json0", scene_dot(template)))
    return FramePlan(trace, events, scenes, template, layout)


def draw_frames(plan: FramePlan, fmt: str = "png", dpi: int = PNG_DPI, progress: Progress | None = None) -> list[bytes]:
    """Draw every frame of a plan at its fixed positions with ``neato -n2`` (no new layout).

    ``png`` frames are drawn a few per Graphviz call and split apart; ``svg``/``pdf`` take one
    call per frame; ``dot`` returns the positioned DOT text of each frame."""
    sources = [_frame_source(scene_dot(s, plan.layout, plan.template), dpi) for s in plan.scenes]
    images: list[bytes] = []
    total = len(sources)
    if progress:
        progress("drawing frames", 0, total)
    if fmt == "png":
        for start in range(0, total, CHUNK):
            chunk = sources[start : start + CHUNK]
            images.extend(split_pngs(pipe("neato", "png", "".join(chunk), no_op=2)))
            if progress:
                progress("drawing frames", len(images), total)
        if len(images) != total:
            raise RenderError(f"Graphviz drew {len(images)} frames instead of {total}")
    else:
        for src in sources:
            images.append(src.encode() if fmt == "dot" else pipe("neato", fmt, src, no_op=2))
            if progress:
                progress("drawing frames", len(images), total)
    return images


def render_frames(
    trace: Trace,
    events: Sequence[int] | range | None = None,
    collapse: Sequence[str] = (),
    rankdir: str = "TB",
    show: str = "both",
    fmt: str = "png",
    dpi: int = PNG_DPI,
    progress: Progress | None = None,
) -> list[bytes]:
    """One image per event of ``events`` (default: ``default_range``), all laid out by ONE ``dot`` run."""
    return draw_frames(plan_frames(trace, events, collapse, rankdir, show), fmt, dpi, progress)


def _frame_source(src: str, dpi: int) -> str:
    return src.replace("\tgraph [", f"\tgraph [dpi={dpi} ", 1)


def frame_durations(trace: Trace, events: Sequence[int]) -> list[int]:
    """Milliseconds per frame: longer on the last event of each phase and on the final frame."""
    out = []
    for k, i in enumerate(events):
        last = k == len(events) - 1
        boundary = not last and trace.phase(events[k + 1]) != trace.phase(i)
        out.append(HOLD_MS if last or boundary else FRAME_MS)
    return out


def write_frames(
    trace: Trace,
    folder: str | os.PathLike[str],
    events: Sequence[int] | range | None = None,
    collapse: Sequence[str] = (),
    rankdir: str = "TB",
    show: str = "both",
    progress: Progress | None = None,
    prefix: str = "event-",
    plan: FramePlan | None = None,
) -> list[Path]:
    """Write one PNG per event into ``folder`` (created if missing), named by event number
    (``event-0001.png`` is the first event, as the UI and ``tapeviz events`` count)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise RenderError(f"cannot write frames into {folder}: it is a file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    plan = plan or plan_frames(trace, events, collapse, rankdir, show)
    events = plan.events
    check_writable(folder / f"{prefix}{event_number(events[0]):04d}.png")
    images = draw_frames(plan, "png", PNG_DPI, progress)
    paths = []
    for i, data in zip(events, images):
        paths.append(atomic_write(folder / f"{prefix}{event_number(i):04d}.png", data))
    return paths


class _PaletteMap:
    """Maps RGB frames onto one fixed palette exactly: nearest palette colour per distinct colour,
    remembered across frames in a 2**24 lookup table (frames share almost all their colours)."""

    def __init__(self, entries: list[int]) -> None:
        self.entries = entries
        self.table = np.array(entries, dtype=np.int32).reshape(-1, 3)
        self.lut = np.zeros(1 << 24, dtype=np.uint8)
        self.known = np.zeros(1 << 24, dtype=bool)

    def __call__(self, rgb: np.ndarray, image_mod: Any) -> Any:
        packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
        flat = packed.reshape(-1)
        seen = np.bincount(flat, minlength=1 << 24).astype(bool)
        new = np.flatnonzero(seen & ~self.known)
        if len(new):
            cols = np.stack([(new >> 16) & 255, (new >> 8) & 255, new & 255], axis=1).astype(np.int32)
            for start in range(0, len(cols), 4096):
                block = cols[start : start + 4096, None, :] - self.table[None, :, :]
                self.lut[new[start : start + 4096]] = np.argmin((block * block).sum(axis=2), axis=1)
            self.known[new] = True
        out = image_mod.fromarray(self.lut[packed], mode="P")
        out.putpalette(self.entries)
        return out


def gif_bytes(trace: Trace, events: Sequence[int], images: Sequence[bytes]) -> bytes:
    """An animated GIF of PNG frames, all mapped onto one shared palette (no flicker)."""
    try:
        from PIL import Image
    except ImportError:
        raise PillowMissing() from None
    frames = [Image.open(io.BytesIO(data)).convert("RGB") for data in images]
    # one palette for every frame, learnt from the first, middle and last frames side by side
    picks = [frames[0], frames[len(frames) // 2], frames[-1]]
    w, h = frames[0].size
    sheet = Image.new("RGB", (w * len(picks), h), "white")
    for k, im in enumerate(picks):
        sheet.paste(im, (k * w, 0))
    # the style colours themselves (and pure white) are kept exactly; the rest is learnt
    keys = sorted({PALETTE[k] for k in PALETTE} | {"#ffffff", "#000000"})
    learnt = sheet.quantize(colors=256 - len(keys), method=Image.Quantize.MEDIANCUT)
    entries = (learnt.getpalette() or [])[: 3 * (256 - len(keys))]
    for colour in keys:
        entries += [int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)]
    mapper = _PaletteMap(entries)
    quantized = [mapper(np.asarray(im, dtype=np.uint8), Image) for im in frames]
    out = io.BytesIO()
    quantized[0].save(
        out, format="GIF", save_all=True, append_images=quantized[1:], duration=frame_durations(trace, events),
        loop=0, optimize=False, disposal=1,
    )
    return out.getvalue()


def check_pillow() -> None:
    """PillowMissing unless Pillow can be imported (checked before any slow work)."""
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        raise PillowMissing() from None


def write_gif(
    trace: Trace,
    path: str | os.PathLike[str],
    events: Sequence[int] | range | None = None,
    collapse: Sequence[str] = (),
    rankdir: str = "TB",
    show: str = "both",
    progress: Progress | None = None,
    dpi: int = GIF_DPI,
    plan: FramePlan | None = None,
) -> Path:
    """Write an animated GIF of one frame per event (default: the first full training iteration)."""
    check_writable(path)
    check_pillow()
    plan = plan or plan_frames(trace, events, collapse, rankdir, show)
    events = plan.events
    images = draw_frames(plan, "png", dpi, progress)
    if progress:
        progress("writing GIF", 0, 1)
    data = gif_bytes(trace, events, images)
    if progress:
        progress("writing GIF", 1, 1)
    return atomic_write(path, data)


__all__ = [
    "FramePlan", "check_pillow", "default_range", "draw_frames", "plan_frames", "frame_durations", "gif_bytes", "parse_layout", "render_frames", "split_pngs",
    "template_scene", "write_frames", "write_gif",
]
