"""The loss of the iterations up to the cursor, as a one-line sparkline with numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from ..view import event_number
from ..view.shown import Shown
from .palette import Colours
from .session import Frame

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int) -> str:
    """The last ``width`` values as bar characters scaled between their min and max."""
    shown = list(values)[-max(1, width):]
    if not shown:
        return ""
    finite = [v for v in shown if math.isfinite(v)]
    if not finite:
        return "!" * len(shown)
    lo, hi = min(finite), max(finite)
    if hi - lo < 1e-12:
        return "".join(BARS[3] if math.isfinite(v) else "!" for v in shown)
    # a NaN or infinite loss gets "!" rather than a bar: it has no height on this scale
    return "".join(BARS[min(7, int((v - lo) / (hi - lo) * 7 + 0.5))] if math.isfinite(v) else "!" for v in shown)


def loss_text(
    losses: Sequence[float], current: int | None, width: int, colours: Colours,
    computed: bool = True, computed_at: int | None = None,
) -> Text:
    """The losses known at the cursor: of the iterations before ``current``, and of ``current``
    once ``computed`` (``computed_at``: the event, numbered from 1, that computes it)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if not losses:
        # not "no gradient taken": a gradient() call may have happened and returned None
        text.append("loss: none yet (no gradient() of a recorded scalar)", colours.fg("muted"))
        return text
    now = losses[current] if current is not None and current < len(losses) else None
    known = list(losses[:current] if now is not None else losses)
    if now is not None and computed:
        known.append(now)
    total = len(losses)
    text.append(f"{len(known)} of {total} iteration{'s' * (total != 1)}", colours.fg("muted"))
    if known:
        text.append("\n" + sparkline(known, max(4, width)), colours.fg("loss"))
        text.append(f"\nfirst {known[0]:.4f}\nlast  {known[-1]:.4f}")
    if now is not None:
        until = f" until event {computed_at}" if computed_at is not None else ""
        if len("here  —" + until) > width and computed_at is not None:
            until = f" (event {computed_at})"  # a narrow pane: the event number is what matters
        shown = f"{now:.4f}" if computed else f"—{until}"
        text.append(f"\nhere  {shown}", colours.fg("highlight"))
    return text


def tries_text(tries: Sequence[tuple[str, Sequence[float]]], width: int, colours: Colours) -> Text:
    """The earlier runs of a lesson's what-if, newest first: each one's sparkline and its last
    loss, with the value it was run with (``lr=0.05``)."""
    text = Text("\nearlier runs", colours.fg("muted"))
    for said, losses in reversed(tries):
        line = sparkline(losses, min(8, max(4, width // 3)))
        text.append(f"\n{line} ", colours.fg("muted"))
        text.append(f"{losses[-1]:.4g} {said}" if losses else said)
    return text


class LossCurve(Static):
    """Sparkline of the losses known at the cursor, with the cursor's iteration."""

    def show(self, frame: Frame, colours: Colours) -> None:
        width = (self.size.width or 30) - 2
        computed, at = frame.loss_computed, None
        if not computed and (node := frame.loss_node()) is not None:
            found = frame.trace.graph.nodes.get(node)
            at = event_number(found.event) if found is not None and found.event is not None else None
        text = loss_text(frame.losses, frame.snap.iteration, width, colours, computed, at)
        if frame.tries:
            text.append(tries_text(frame.tries, width, colours))
        text = frame.conceal.text(text, Shown.LOSS)
        if text == getattr(self, "_shown", None):
            return  # unchanged (most steps stay in one iteration): no repaint
        self._shown = text
        self.update(text, layout=False)  # the box's size is set by CSS, not by its text
