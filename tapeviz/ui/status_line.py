"""The status line: phase in words, event k/N, iteration, loss, what the graph shows."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..view import event_number
from .palette import Colours
from .session import Frame


def status_text(frame: Frame, colours: Colours) -> Text:
    """The one line for ``frame``; every colour from the theme."""
    text = Text(no_wrap=True, overflow="ellipsis")
    phase = frame.snap.phase
    text.append(f" {phase} ", colours.on(phase if phase in colours.roles else "muted"))
    text.append(f"  event {event_number(frame.index)}/{frame.length}")
    text.append(f"  ·  iteration {frame.snap.iteration + 1}/{frame.iterations}")
    text.append("  ·  loss ")
    text.append(frame.conceal(f"{frame.loss:.4f}") if frame.loss_computed else "—", colours.fg("loss", bold=True))
    text.append("  ·  graph shows ")
    grads = frame.mode == "grads"
    text.append("gradients" if grads else "values", colours.fg("grad" if grads else "forward"))
    if frame.nonfinite_from is not None:
        text.append(f"  ·  ⚠ NaN/inf since event {event_number(frame.nonfinite_from)}", colours.fg("nonfinite", bold=True))
    if frame.playing:
        text.append("  ·  ▶ playing", colours.fg("highlight", bold=True))
    if frame.busy:
        text.append(f"  ·  {frame.busy}", colours.fg("highlight"))
    return text


class StatusLine(Static):
    """One line of text, shown again only when it changed."""

    last_text = ""

    def show(self, frame: Frame, colours: Colours) -> None:
        text = status_text(frame, colours)
        if text == getattr(self, "_shown", None):
            return  # same line: no repaint
        self._shown = text
        self.last_text = text.plain
        self.update(text, layout=False)  # one line of fixed height: no layout pass needed
