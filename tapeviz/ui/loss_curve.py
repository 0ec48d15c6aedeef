"""The loss over the iterations trained so far, as a one-line sparkline with numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from ..view.shown import Shown
from .conceal import NO_SECRET, Concealer
from .palette import Colours

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


def loss_text(losses: Sequence[float], current: int | None, width: int, colours: Colours) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if not losses:
        # not "no gradient taken": a gradient() call may have happened and returned None
        text.append("loss: none yet (no gradient() of a recorded scalar)", colours.fg("muted"))
        return text
    text.append(f"{len(losses)} iteration{'s' if len(losses) != 1 else ''}\n", colours.fg("muted"))
    text.append(sparkline(losses, max(4, width)) + "\n", colours.fg("loss"))
    text.append(f"first {losses[0]:.4f}\nlast  {losses[-1]:.4f}")
    if current is not None and current < len(losses):
        text.append(f"\nhere  {losses[current]:.4f}", colours.fg("highlight"))
    return text


class LossCurve(Static):
    """Sparkline of the trace's losses, with the cursor's iteration."""

    def show(self, losses: Sequence[float], current: int | None, colours: Colours, conceal: Concealer = NO_SECRET) -> None:
        width = (self.size.width or 30) - 2
        text = conceal.text(loss_text(losses, current, width, colours), Shown.LOSS)
        if text == getattr(self, "_shown", None):
            return  # unchanged (most steps stay in one iteration): no repaint
        self._shown = text
        self.update(text, layout=False)  # the box's size is set by CSS, not by its text
