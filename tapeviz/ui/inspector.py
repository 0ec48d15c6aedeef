"""The inspector: the selected node and the event at the cursor, with real numbers.

Top: what the event does (the forward op, the chain rule of a backward step with the numbers
of one element, or ``after = before − lr × gradient`` for an update). Below: the selected node
(op, scope, shape, dtype, its local derivative) and its value and gradient as coloured grids.
"""

from __future__ import annotations

import numpy as np
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..engine.registry import REGISTRY
from ..trace import Snapshot, Trace
from ..view import Explanation
from ..view.names import display_name, node_short
from ..view.numbers import largest, stats_line
from ..view.numbers import shape_cross as shape_text
from ..view.shown import Shown
from .conceal import NO_SECRET, Concealer
from .number_grid import CELL, grid, heat_block
from .palette import Colours
from .session import Frame
from .strip_lines import StripLines

KIND_COLOUR = {"forward": "forward", "backward": "backward", "update": "update", "info": "muted"}
NUMBER_HEADINGS = ("updated value ", "value ", "gradient ∂L/")  # how the node's grids are titled below


def heading(text: str, role: str, colours: Colours) -> Text:
    return Text(text, style=colours.fg(role, bold=True))


def inspector_parts(
    trace: Trace, snap: Snapshot, node_id: int | None, explanation: Explanation, colours: Colours | None = None,
    width: int = 80, conceal: Concealer = NO_SECRET,
) -> list[tuple[Shown | None, RenderableType]]:
    """Everything the inspector shows, part by part, each with what its numbers are (a lesson
    hides an open question's answer only where that kind of number stands; ``conceal`` is
    applied here to the headings, whose shape and numbers differ, which come with ``None``; the
    caller applies it to the other parts).

    Prose wraps to ``width``; number grids show as many columns as fit and say how many more.
    """
    colours = colours or Colours.default()

    def titled(words: str, numbers: str, shows: Shown, role: str) -> tuple[None, Text]:
        return None, heading(conceal(words, Shown.SHAPE) + conceal(numbers, shows), role, colours)

    cols = max(1, (width + 1) // CELL)  # the last cell's trailing space may fall off the edge

    def heat(array: np.ndarray, shown: Shown) -> list[tuple[Shown | None, RenderableType]]:
        """The whole tensor as a heatmap above its numbers (not while a lesson hides them)."""
        if np.size(array) <= 1 or conceal.hides(shown):
            return []
        return [(shown, heat_block(np.asarray(array), colours, max_cols=width))]

    parts: list[tuple[Shown | None, RenderableType]] = [
        (Shown.SHAPE, heading(explanation.title, KIND_COLOUR.get(explanation.kind, "muted"), colours))
    ]
    for line in explanation.lines:  # an event's numbers: values, gradients and products mixed
        parts.append((Shown.OTHER, Padding(Text(line), (0, 0, 0, 2))))
    node = trace.graph.nodes.get(node_id) if node_id is not None else None
    if node is None:
        return parts
    kind = "parameter" if node.kind == "variable" and node.trainable else node.kind
    title = Text(display_name(trace, node.id), style=colours.fg(kind if kind in colours.roles else "op", bold=True))
    title.append(f"  ({kind})", style=colours.fg("muted"))
    facts = [f"op {node.op}"] if node.op else []  # the title names it; the scope says where it sits
    facts += [f"scope {node.scope or '(top)'}", f"shape {shape_text(node.shape)}", node.dtype]
    parts += [(Shown.SHAPE, Text("")), (Shown.SHAPE, title), (Shown.SHAPE, Text("  " + " · ".join(facts), style=colours.fg("muted")))]
    if node.op and node.op in REGISTRY:
        said = REGISTRY[node.op].derivative  # already reads "∂out/∂a = …": print it once, as it is
        parts.append((Shown.RULE, Padding(Text(said if said.startswith("∂") else f"derivative: {said}"), (0, 0, 0, 2))))
    keep = conceal.keep.get(node.id, ())  # a lesson question's columns: never elided
    computed = node.kind != "op" or node.id in snap.forward_done
    value = snap.values.get(node.id) if computed else None
    shows = Shown.INPUT if node.kind != "op" else Shown.GRADIENT if node.in_backward else Shown.VALUE
    if node.id in snap.updates:
        before, after = (np.asarray(a) for a in snap.updates[node.id])
        delta = after.astype(np.float64) - before.astype(np.float64)
        mark = largest(delta) if delta.ndim else None
        parts += [(Shown.SHAPE, Text("")),
                  titled(f"updated value {shape_text(after.shape)}: ", stats_line(after), shows, "update"),
                  *heat(after, shows), (shows, grid(after, colours, mark=mark, max_cols=cols, keep_cols=keep))]
        parts += [(Shown.OTHER, heading(f"change (after − before): {stats_line(delta)}", "update", colours)),
                  (Shown.OTHER, grid(delta, colours, mark=mark, max_cols=cols, keep_cols=keep))]
    elif value is not None:
        parts += [(Shown.SHAPE, Text("")),
                  titled(f"value {shape_text(np.shape(value))}: ", stats_line(np.asarray(value)), shows, "forward"),
                  *heat(np.asarray(value), shows), (shows, grid(np.asarray(value), colours, max_cols=cols, keep_cols=keep))]
    else:
        parts += [(Shown.SHAPE, Text("")), (Shown.SHAPE, Text("value: not computed yet at this event", style=colours.fg("muted")))]
    grad = snap.grads.get(node.id)
    if grad is not None:
        g = np.asarray(grad)
        mark = largest(g) if node.id in snap.current and g.ndim else None
        words = f"gradient ∂L/∂{node_short(trace, node.id)} {shape_text(g.shape)}: "
        parts += [titled(words, stats_line(g), Shown.GRADIENT, "backward"), *heat(g, Shown.GRADIENT),
                  (Shown.GRADIENT, grid(g, colours, mark=mark, max_cols=cols, keep_cols=keep))]
    elif snap.phase != "forward":
        parts.append((Shown.SHAPE, Text("gradient: none has reached this node yet", style=colours.fg("muted"))))
    return parts


def inspector_content(
    trace: Trace, snap: Snapshot, node_id: int | None, explanation: Explanation, colours: Colours | None = None,
    width: int = 80,
) -> RenderableType:
    """Everything the inspector shows, as one Rich renderable (also used by tests)."""
    return Group(*(part for _, part in inspector_parts(trace, snap, node_id, explanation, colours, width)))


class Inspector(StripLines, ScrollView, can_focus=True):
    """A scrollable panel showing ``inspector_content`` for the cursor and selection.

    It takes the keyboard focus first (Tab moves it on): ↑/↓ and PageUp/PageDown scroll it.

    The content is rendered to lines once per ``show`` and drawn with the Line API, so a new
    step never changes the screen's layout (no reflow of the other widgets).
    """

    _content: RenderableType = ""
    _args: tuple | None = None
    _strips: list[Strip] = []

    def on_resize(self) -> None:
        if self._args is not None:
            self.show(*self._args)

    def show(self, frame: Frame, colours: Colours) -> None:
        """Render what ``frame`` says about its event and node, in ``colours``."""
        snap, node_id = frame.snap, frame.node
        moved = self._args is None or (self._args[0].index, self._args[0].node) != (snap.index, node_id)
        self._args = (frame, colours)
        width = max(12, self.scrollable_content_region.width or self.size.width or 60)
        parts = inspector_parts(frame.trace, snap, node_id, frame.explanation, colours, width - 1, frame.conceal)
        self._content = Group(*(part for _, part in parts))
        console = self.app.console
        options = console.options.update(width=width - 1, height=None)
        self._strips = [
            frame.conceal.strip(Strip(line), shows) if shows is not None else Strip(line)
            for shows, part in parts for line in console.render_lines(part, options, pad=False)
        ]
        size = Size(width - 1, len(self._strips))
        if size.width == self.virtual_size.width:
            # Only the number of lines changed: update this view's scrollbars (what Textual does
            # for a size change without layout) instead of a layout pass over the whole screen.
            # A scrollbar that must appear or vanish still asks for layout through its reactive.
            self.set_reactive(Inspector.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size
        if moved:  # a new event or node starts at the same place, so stepping back shows the same view
            self.scroll_to(0, self._asked_numbers_line(node_id, frame.conceal), animate=False, immediate=True)
        self.refresh()

    def _asked_numbers_line(self, node_id: int | None, conceal: Concealer) -> int:
        """Where the view starts: the top, or, when a lesson question reads columns of the
        selected node, its first grid of numbers (under the event's explanation, a short
        inspector showed only the heading and the question's numbers were out of sight)."""
        if node_id is None or not conceal.keep.get(node_id):
            return 0
        for y, strip in enumerate(self._strips):
            if strip.text.startswith(NUMBER_HEADINGS):
                return y
        return 0

