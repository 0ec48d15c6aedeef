"""The graph pane: the tape drawn with box-drawing characters, re-coloured at every step.

A ``ScrollView`` on Textual's Line API. The canvas (characters and style keys) comes from
``tapeviz.render.terminal_layout`` once per graph structure; stepping only swaps the map from
style keys to colours and the one summary line inside each box, so nothing is laid out again.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..render.terminal_layout import Box, Canvas, TerminalLayout, edge_style
from ..trace import Snapshot
from ..view.heatmap import glyph, half_block_rows, heatmap
from ..view.numbers import compact
from ..view.shown import Shown
from .conceal import NO_SECRET
from .graph_model import (
    BOXES,
    HEAT_CELLS,
    HEAT_ROWS,
    OUTLINES,
    GraphSpec,
    edge_states,
    node_states,
    summary,
)
from .palette import Colours
from .session import Frame

LEAVES = ("variable", "parameter", "constant")
_NO_STYLE = Style()


def summary_shows(text: str, kind: str, in_backward: bool = False) -> Shown:
    """What a box's changing line shows: a gradient (∇, or the value of an op an outer tape
    recorded during a backward pass), an update's change (Δ), or a value, the program's own
    input for a variable or constant."""
    if text.startswith("∇") or in_backward:
        return Shown.GRADIENT
    if text.startswith("Δ"):
        return Shown.OTHER
    return Shown.INPUT if kind in LEAVES else Shown.VALUE

class GraphPane(ScrollView, can_focus=False):
    """Boxes and edges of one iteration's graph, styled by the snapshot at the cursor."""

    class NodeClicked(Message):
        """A box was clicked; ``node_id`` is the trace node it stands for."""

        def __init__(self, node_id: int) -> None:
            super().__init__()
            self.node_id = node_id

    class Resized(Message):
        """The pane's drawing area is now ``width`` × ``height`` cells (the fit view follows it)."""

        def __init__(self, width: int, height: int) -> None:
            super().__init__()
            self.width, self.height = width, height

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.spec: GraphSpec | None = None
        self.graph_layout: TerminalLayout | None = None
        self.canvas: Canvas | None = None
        self.message = "laying out the graph…"
        self._styles: dict[str, Style] = {}
        self._overlay: dict[int, list[tuple[int, str, Style]]] = {}
        self._rows: dict[int, list[Segment]] = {}
        self._combo: dict[object, tuple[Style, Style]] = {}  # style key -> (base, base + its style)
        self.states: dict[str, str] = {}
        self.selected: str | None = None
        self.colours = Colours.default()
        self._new_size = True  # the canvas size changed: scroll limits are known after the next refresh
        self.conceal = NO_SECRET
        self.in_backward: frozenset[int] = frozenset()  # ops an outer tape recorded in a backward pass
        self.badges: Mapping[int, str] = {}  # node id -> a mark on its box's top border (a lesson's @order)

    # ---- data in ------------------------------------------------------------------------
    def set_message(self, text: str) -> None:
        """Show a one-line message instead of the graph (while laying out, or on error)."""
        self.message = text
        self.spec, self.graph_layout, self.canvas = None, None, None  # the next layout is drawn anew
        self.virtual_size = Size(len(text), 1)
        self._new_size = True
        self._rows.clear()
        self.refresh()

    def set_layout(self, spec: GraphSpec, layout: TerminalLayout, canvas: Canvas) -> None:
        """Use a new layout (a new graph structure or a scope collapsed/expanded)."""
        self.spec, self.graph_layout, self.canvas = spec, layout, canvas
        self.virtual_size = Size(canvas.width, canvas.height)
        self._new_size = True
        self._rows.clear()
        self.refresh()

    def show(self, frame: Frame, colours: Colours) -> None:
        """Draw ``frame``'s graph: a message until it is laid out, then its boxes in ``colours``."""
        self.colours = colours
        self.conceal = frame.conceal  # a lesson's open question: its giveaway numbers are hidden
        if frame.layout is None:
            if not self._same_graph(frame.spec):
                self.set_message("laying out the graph…")
                return
            # the fit view is trying a more detailed drawing of this graph: keep this one meanwhile
        elif self.spec is not frame.spec:
            self.set_layout(frame.spec, *frame.layout)
        nodes = frame.trace.graph.nodes
        self.in_backward = frozenset(i for i, n in nodes.items() if n.in_backward) if frame.conceal else frozenset()
        self.badges = frame.badges
        self.paint(frame.snap, frame.selected_lid, frame.mode)

    def _same_graph(self, spec: GraphSpec) -> bool:
        """Does the drawing on screen show the same nodes as ``spec`` (perhaps in less detail)?"""
        shown = self.spec
        return (
            shown is not None and self.canvas is not None
            and (shown.key == spec.key or (shown.iteration, shown.collapsed) == (spec.iteration, spec.collapsed))
        )

    def paint(self, snap: Snapshot, selected: str | None, mode: str) -> None:
        """Colour the canvas for ``snap``; ``selected`` is a layout id, ``mode`` values|grads."""
        if self.spec is None or self.graph_layout is None:
            return
        spec, c = self.spec, self.colours
        outline = spec.detail in OUTLINES
        self.selected = selected
        self.states = states = node_states(spec, snap)
        styles: dict[str, Style] = {}
        overlay: dict[int, list[tuple[int, str, Style]]] = {}
        for lid, box in self.graph_layout.nodes.items():
            state = states.get(lid, "pending")
            kind = spec.kinds.get(lid, "op")
            role = "pending" if state == "pending" else (kind if kind in c.roles else "op")
            border = {
                "pending": c.fg("pending"),
                "done": c.fg(role),
                "grad": c.fg("grad"),
                "updated": c.fg("update", bold=True),
                "current": c.fg("current-line", bold=True),
            }[state]
            label = c.current if state == "current" else c.fg(role, bold=kind in ("loss", "parameter"))
            if lid == selected:
                border = c.fg("selected", bold=True)
            if kind == "failed":  # post-mortem: the op the program failed at, in the error colour
                border = label = c.fg("nonfinite", bold=True)
            if outline and state != "current" and (state in ("grad", "updated") or lid == selected):
                label = border  # an outline has no borders: its names carry the state

            styles[f"node:{lid}"] = border
            styles[f"label:{lid}"] = label
            text = summary(spec, snap, lid, mode)
            if state == "current":
                sstyle = c.current
            elif text.startswith("∇") and text != "∇ ·":
                sstyle = c.fg("grad")
            elif text.startswith("Δ"):
                sstyle = c.fg("update", bold=True)
            else:
                sstyle = c.fg("muted") if state == "pending" else c.text
            inner = box.w - 2
            if spec.detail in BOXES:
                self._paint_box(overlay, spec, snap, lid, box, mode, state, sstyle, kind)
            elif inner > 0 and box.h >= 4:
                text = text if len(text) <= inner else text[: inner - 1] + "…"
                output = spec.boxes[lid].output if lid in spec.boxes else None
                text = self.conceal(text, summary_shows(text, kind, output in self.in_backward))
                x = box.x + 1 + (inner - len(text)) // 2
                overlay.setdefault(box.y + 2, []).append((x, text, sstyle))
        marks: dict[str, list[str]] = {}
        for nid, mark in self.badges.items():  # on the top border, right-aligned
            lid = spec.lid_of.get(nid)
            if lid in self.graph_layout.nodes and not outline:
                marks.setdefault(lid, []).append(mark)
        for lid, found in marks.items():
            box = self.graph_layout.nodes[lid]
            text = f" {' · '.join(found)} "[: max(0, box.w - 2)]
            overlay.setdefault(box.y, []).append((box.right - len(text), text, c.on("grad")))
        for t, h in spec.edges:
            if spec.kinds.get(h) == "failed":  # the inputs the failed op was given
                styles[edge_style(t, h)] = c.fg("nonfinite")
        for (t, h), state in edge_states(spec, snap).items():
            styles[edge_style(t, h)] = {
                "pending": c.fg("pending"),
                "done": c.fg("edge"),
                "grad": c.fg("grad"),
                "current": c.fg("current-line", bold=True),
            }[state]
        for name in self.graph_layout.clusters:
            styles[f"cluster:{name}"] = c.fg("cluster")
            styles[f"cluster-title:{name}"] = c.fg("group", italic=True)
        self._styles, self._overlay = styles, overlay
        self._combo: dict[object, tuple[Style, Style]] = {}
        self._rows.clear()
        self.refresh()
        focus = {selected} if selected in self.graph_layout.nodes else set()
        self._reveal(focus or {spec.lid_of[n] for n in snap.current if n in spec.lid_of})

    def _paint_box(
        self, overlay: dict[int, list[tuple[int, str, Style]]], spec: GraphSpec, snap: Snapshot,
        lid: str, box: Box, mode: str, state: str, sstyle: Style, kind: str,
    ) -> None:
        """A box of a ``BOXES`` drawing: its value (gradient in ``grads`` mode) as a heatmap with
        its range, or as one line; each input line with its change in the update."""
        c, scene = self.colours, spec.boxes.get(lid)
        if scene is None:
            return
        inputs = spec.inputs.get(lid, [])
        inner = box.w - 2
        first = box.y + 1 + spec.title_rows.get(lid, 1)  # the first row under the title
        for k, leaf in enumerate(inputs):  # an input's gradient, or its change in the update
            out = spec.boxes[leaf].output
            name = f"← {spec.boxes[leaf].name} "
            if out in snap.updates:
                before, after = snap.updates[out]
                delta = np.abs(np.asarray(after, np.float64) - np.asarray(before, np.float64))
                text = name + (f"Δ{float(delta.max()):.1g}" if delta.size else "Δ")
                text = self.conceal(text[:inner].ljust(inner), Shown.OTHER)
                overlay.setdefault(first + k, []).append((box.x + 1, text, c.fg("update", bold=True)))
            elif mode == "grads" and out in snap.grads:
                room = inner - len(name) - 1
                if self.conceal.hides(Shown.GRADIENT) or room < 1:
                    continue
                x = box.x + 1
                overlay.setdefault(first + k, []).append((x, name + "∇", c.fg("grad")))
                cells = half_block_rows(heatmap(snap.grads[out], max_rows=2, max_cols=room))
                for j, (t, b, has_b) in enumerate(cells[0] if cells else []):
                    overlay[first + k].append((x + len(name) + 1 + j, *self._heat_cell(t, b, has_b)))
        top = first + len(inputs)
        rows = spec.value_rows.get(lid, 1)
        out = scene.output
        if mode == "grads":
            array = snap.grads.get(out)
        elif out in snap.updates:
            array = snap.updates[out][1]
        elif state == "pending" or (scene.is_op and out not in snap.forward_done):
            array = None
        else:
            array = snap.values.get(out)
        shows = summary_shows("∇" if mode == "grads" else "", kind, out in self.in_backward)
        if rows < 2 or array is None or np.asarray(array).size <= 1:
            text = summary(spec, snap, lid, mode)
            text = text if len(text) <= inner else text[: inner - 1] + "…"
            text = self.conceal(text, summary_shows(text, kind, out in self.in_backward))
            overlay.setdefault(top, []).append((box.x + 1 + (inner - len(text)) // 2, text, sstyle))
            return
        if self.conceal.hides_picture(array, shows, out):  # a lesson's open question: no picture of its answer
            overlay.setdefault(top, []).append((box.x + 1, "?" * min(inner, HEAT_CELLS), sstyle))
            return
        if mode != "grads" and out in snap.updates and rows >= 2:  # the update: before over after
            self._paint_update(overlay, snap.updates[out], box.x + 1, top, inner, sstyle)
            return
        hm = heatmap(array, max_rows=2 * HEAT_ROWS, max_cols=HEAT_CELLS)
        legend_style = c.fg("grad") if mode == "grads" else sstyle
        legend = [self.conceal(compact(hm.lo), shows), self.conceal(compact(hm.hi), shows) if hm.hi != hm.lo else ""]
        if hm.nonfinite:
            legend[1] = (legend[1] + " !")[: 7]
        x0 = box.x + 1
        for r, cells in enumerate(half_block_rows(hm)[:rows]):
            for k, (top_level, bottom_level, has_bottom) in enumerate(cells):
                overlay.setdefault(top + r, []).append((x0 + k, *self._heat_cell(top_level, bottom_level, has_bottom)))
            width = len(cells)
            room = inner - width - 1
            if room > 0 and r < len(legend):
                overlay[top + r].append((x0 + width + 1, legend[r][:room].ljust(room), legend_style))
        if len(half_block_rows(hm)) < 2 and legend[1]:
            room = inner - hm.cols - 1
            overlay.setdefault(top + 1, []).append((x0 + hm.cols + 1, legend[1][:room], legend_style))

    def _paint_update(
        self, overlay: dict[int, list[tuple[int, str, Style]]], change: tuple, x0: int, top: int, inner: int,
        style: Style,
    ) -> None:
        """A weight's box in the update: its first rows before (upper line) and after (lower line)
        on one colour scale, with the largest change."""
        before = np.asarray(change[0], np.float64)
        after = np.asarray(change[1], np.float64)
        both = heatmap(np.stack([before.reshape(-1), after.reshape(-1)]) if before.size == after.size else after, 2, HEAT_CELLS)
        delta = np.abs(after - before) if before.shape == after.shape else np.zeros(0)
        words = ["before", f"→ Δ≤{compact(float(delta.max())) if delta.size else '?'}"]
        for r in range(min(2, both.rows)):
            levels = both.levels[r]
            for k, level in enumerate(levels):
                overlay.setdefault(top + r, []).append((x0 + k, *self._heat_cell(level, level, True)))
            room = inner - len(levels) - 1
            if room > 0:
                overlay[top + r].append((x0 + len(levels) + 1, words[r][:room].ljust(room), self.colours.fg("update", bold=True) if r else style))

    def _heat_cell(self, top: float | None, bottom: float | None, has_bottom: bool) -> tuple[str, Style]:
        """One half-block cell: the upper tensor row as the glyph's colour, the lower as the
        cell's background; without colours a sign/size glyph of the upper one."""
        c = self.colours
        if self.app_no_color:
            return glyph(top), c.text
        def colour(level: float | None):  # noqa: ANN202
            if level is None:
                return c.roles["nonfinite"].rich_color
            return c.diverging(level, 1.0).bgcolor
        fg = colour(top)
        bg = colour(bottom) if has_bottom else c.background.rich_color
        return "▀", Style(color=fg, bgcolor=bg)

    @property
    def app_no_color(self) -> bool:
        """True when the terminal shows no colours (``NO_COLOR``): heatmaps use glyphs."""
        try:
            return bool(self.app.no_color)
        except Exception:  # not mounted (rendering outside an app)
            return bool(os.environ.get("NO_COLOR"))

    def _reveal(self, lids: set[str]) -> None:
        """Centre the boxes of the current event (the same position for the same event, always)."""
        if not lids or self.graph_layout is None:
            return
        boxes = [self.graph_layout.nodes[lid] for lid in lids if lid in self.graph_layout.nodes]
        if not boxes:
            return
        x0 = min(b.x for b in boxes)
        y0 = min(b.y for b in boxes)
        x1 = max(b.right for b in boxes) + 1
        y1 = max(b.bottom for b in boxes) + 1
        region = Region(x0, y0, x1 - x0, y1 - y0)
        if self._new_size:  # after a new layout the scroll limits are only known after the next refresh
            self.call_after_refresh(self._scroll_into_view, region)
        else:  # scroll now, so the step is painted once (not once before and once after scrolling)
            self._scroll_into_view(region)

    def _scroll_into_view(self, region: Region) -> None:
        """Centre ``region``: the offset depends only on the region, never on the old offset."""
        view = self.scrollable_content_region.size
        if not view.area:
            return
        self._new_size = False
        x = max(0, region.x + region.width // 2 - view.width // 2)
        if self.spec is not None and self.spec.detail in OUTLINES:  # rows read from their start
            x = max(0, region.right - view.width)
        y = max(0, region.y + region.height // 2 - view.height // 2)
        self.scroll_to(x, y, animate=False, force=True, immediate=True)

    def node_at(self, x: int, y: int) -> str | None:
        """The layout id of the box at canvas cell ``(x, y)``, if any."""
        if self.graph_layout is None:
            return None
        for lid, box in self.graph_layout.nodes.items():
            if box.contains_point(x, y):
                return lid
        return None

    def on_resize(self, event: events.Resize) -> None:
        size = self.size
        if size.area:
            self.post_message(self.Resized(size.width, size.height))

    def pan(self, dx: int, dy: int) -> None:
        """Scroll by ``dx``, ``dy`` quarter-panes (the next step scrolls back to its event)."""
        view = self.scrollable_content_region.size
        self.scroll_relative(dx * max(1, view.width // 4), dy * max(1, view.height // 4), animate=False)

    # ---- drawing ------------------------------------------------------------------------
    def _row(self, cy: int) -> list[Segment]:
        cached = self._rows.get(cy)
        if cached is not None:
            return cached
        assert self.canvas is not None
        base = self.rich_style
        row = self.canvas.rows[cy]
        chars = [c for c, _ in row]
        drawn = self.conceal("".join(chars), Shown.SHAPE)  # names and shapes; same length
        if len(drawn) == len(chars):
            chars = list(drawn)
        keys: list[object] = [k for _, k in row]
        for x, text, style in self._overlay.get(cy, ()):
            for j, ch in enumerate(text):
                if 0 <= x + j < len(chars):
                    chars[x + j] = ch
                    keys[x + j] = style
        segments: list[Segment] = []
        run: list[str] = []
        current: object = None
        combined = self._combined
        for ch, key in zip(chars, keys):
            if key is not current and run:
                segments.append(Segment("".join(run), combined(current, base)))
                run = []
            current = key
            run.append(ch)
        if run:
            segments.append(Segment("".join(run), combined(current, base)))
        self._rows[cy] = segments
        return segments

    def _combined(self, key: object, base: Style) -> Style:
        """``base`` plus the style of ``key`` (a style key or a Style), remembered until the next paint."""
        slot = key if key.__class__ is str else id(key)
        found = self._combo.get(slot)
        if found is None or found[0] is not base:
            found = self._combo[slot] = (base, base + self._style_of(key))
        return found[1]

    def _style_of(self, key: object) -> Style:
        if isinstance(key, Style):
            return key
        if not key:
            return _NO_STYLE
        return self._styles.get(str(key), _NO_STYLE)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        cy = y + scroll_y
        if self.canvas is None:
            text = self.message if cy == 0 else ""
            return Strip([Segment(text, base + self.colours.fg("muted"))]).extend_cell_length(width, base).crop(scroll_x, scroll_x + width)
        if cy >= self.canvas.height:
            return Strip.blank(width, base)
        strip = Strip(self._row(cy), self.canvas.width)  # concealed as the row was built
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.spec is None:
            return
        lid = self.node_at(offset.x + int(self.scroll_offset.x), offset.y + int(self.scroll_offset.y))
        if lid is not None and self.spec.members.get(lid):
            event.stop()
            self.post_message(self.NodeClicked(self.spec.members[lid][-1]))

