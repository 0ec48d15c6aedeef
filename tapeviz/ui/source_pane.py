"""The source pane: the learner's program with the current event's line highlighted, like a debugger.

Each recorded op knows the line of the learner's code that ran it (``trace.sites``), and the
trace keeps the program's text (``trace.sources``, saved in trace files too). Events that are
not ops point at the line they belong to: a backward step at its forward op's line, the start of
``gradient()`` and its result at the loss's line, an accumulation at the op that made the
tensor, an update at the ``apply_gradients``/``assign_sub`` line when the program's text has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..engine import events as ev
from ..trace import Trace
from ..trace.sites import SourceSite
from .palette import Colours
from .session import Frame
from .strip_lines import StripLines

SOURCE_MIN_WIDTH = 140  # the pane is shown by default from this many terminal columns
_UPDATE_LINE = re.compile(r"\.(apply_gradients|assign_sub|assign_add|assign)\s*\(")


@dataclass(frozen=True)
class SourceSpot:
    """Where an event sits in the learner's program: the ``site`` (None: nowhere known) and why."""

    site: SourceSite | None
    why: str


def _op_site(trace: Trace, tensor_id: int) -> SourceSite | None:
    """The site of the op that produced tensor ``tensor_id`` (None for leaves and unknown ops)."""
    node = trace.graph.nodes.get(tensor_id)
    if node is None or node.event is None:
        return None
    event = trace.events[node.event]
    return trace.sites.get(event.op_id) if isinstance(event, ev.OpRecorded) else None


_FIT_CALL = re.compile(r"\.fit\s*\(")


def _line_text(trace: Trace, site: SourceSite) -> str:
    lines = trace.sources.get(site.file, "").splitlines()
    return lines[site.line - 1] if 0 < site.line <= len(lines) else ""


def _update_site(trace: Trace, index: int) -> SourceSite | None:
    """The line that updates the weights: the first ``apply_gradients``/``assign*`` call after the
    last op line of this iteration in the same file (else the first one in that file)."""
    iteration = trace.iterations[index]
    anchor: SourceSite | None = None
    for k in range(index - 1, -1, -1):
        if trace.iterations[k] != iteration:
            break
        e = trace.events[k]
        if isinstance(e, ev.OpRecorded) and e.op_id in trace.sites:
            anchor = trace.sites[e.op_id]
            break
    if anchor is None or anchor.file not in trace.sources:
        return None
    lines = trace.sources[anchor.file].splitlines()
    found = [n for n, text in enumerate(lines, 1) if _UPDATE_LINE.search(text) and not text.lstrip().startswith("#")]
    if not found:
        return None
    after = [n for n in found if n > anchor.line]
    line = after[0] if after else found[0]
    return SourceSite(anchor.file, line, anchor.function)


def event_spot(trace: Trace, index: int) -> SourceSpot:
    """Which line of the learner's program event ``index`` belongs to, and in what way."""
    e = trace.events[index]
    failure = trace.meta.get("failure") if index == len(trace) - 1 else None
    if isinstance(failure, dict) and failure.get("line"):  # post-mortem: the line that failed
        return SourceSpot(SourceSite(str(failure.get("file", "")), int(failure["line"]), ""),
                          f"✗ the program failed here: {str(failure.get('error', '')).split(': ', 1)[-1]}")
    if isinstance(e, ev.OpRecorded):
        site = trace.sites.get(e.op_id)
        return SourceSpot(site, "this line ran the op" if site else "recorded outside your program's text")
    if isinstance(e, ev.BackwardStep):
        site = trace.sites.get(e.op_id)
        return SourceSpot(site, "backward step of the op this line ran" if site else "backward step (no line known)")
    if isinstance(e, (ev.GradientStarted, ev.GradientsReturned)):
        site = _op_site(trace, e.targets[0]) if e.targets else None
        what = "gradient() starts from the loss made here" if isinstance(e, ev.GradientStarted) else \
            "gradient() returns: the loss was made here"
        return SourceSpot(site, what if site else "gradient() (no line known)")
    if isinstance(e, ev.GradientAccumulated):
        site = _op_site(trace, e.tensor_id)
        if site is not None:
            return SourceSpot(site, "gradients add up for the tensor made here")
        step = next((trace.events[k] for k in range(index - 1, -1, -1) if isinstance(trace.events[k], ev.BackwardStep)), None)
        site = trace.sites.get(step.op_id) if step is not None else None  # a leaf: where it was used
        return SourceSpot(site, "gradients add up from the uses on this line" if site else "gradients add up (no line known)")
    if isinstance(e, ev.VariableAssigned):
        site = trace.update_sites.get(index)  # the line the update came from, as recorded
        if site is not None and _FIT_CALL.search(_line_text(trace, site)):
            return SourceSpot(site, f"inside model.fit: update of {e.name}")
        site = site or _update_site(trace, index)  # (a trace saved before lines of updates were kept)
        return SourceSpot(site, f"update of {e.name}: this line changes the weights" if site else
                          f"update of {e.name} (the line is not known)")
    return SourceSpot(None, "")


class SourcePane(StripLines, ScrollView, can_focus=True):
    """The program's text with line numbers; the event's line highlighted and scrolled into view."""

    DEFAULT_CLASSES = "pane"
    _strips: list[Strip] = []
    _shown: tuple | None = None
    spot: SourceSpot = SourceSpot(None, "")

    _args: tuple[Frame, Colours] | None = None

    def on_resize(self) -> None:
        if self._args is not None:
            self._shown = None
            self.show(*self._args)

    def show(self, frame: Frame, colours: Colours) -> None:
        """Highlight the line of ``frame``'s event (redrawn only when the line or file changed)."""
        self._args = (frame, colours)
        trace = frame.trace
        spot = event_spot(trace, frame.index)
        site = spot.site
        key = (site.file if site else None, site.line if site else None, spot.why, id(colours), self.size)
        if key == self._shown:
            return
        self._shown = key
        self.spot = spot
        self.border_subtitle = f"line {site.line} · {spot.why}" if site else spot.why
        text = trace.sources.get(site.file) if site else None
        if site is not None and text is None:
            text = f"(the text of {site.file} was not kept)"
        if text is None:
            text = next(iter(trace.sources.values()), "(no program text in this trace)")
        self._render_text(text, site.line if site else None, colours)
        if site is not None:
            height = max(1, self.scrollable_content_region.height)
            self.scroll_to(0, max(0, site.line - 1 - height // 3), animate=False, immediate=True)
        self.refresh()

    def _render_text(self, text: str, current: int | None, colours: Colours) -> None:
        lines = text.splitlines() or [""]
        digits = len(str(len(lines)))
        strips = []
        width = 0
        for n, line in enumerate(lines, 1):
            row = Text(no_wrap=True)
            here = n == current
            row.append(("▶" if here else " ") + str(n).rjust(digits) + " ", colours.fg("highlight" if here else "muted"))
            row.append(line.expandtabs(4), colours.on("current") if here else "")
            strip = Strip(row.render(self.app.console))
            width = max(width, strip.cell_length)
            strips.append(strip)
        self._strips = strips
        self.virtual_size = Size(width, len(strips))

