"""The status line: phase in words, event k/N, iteration, loss, what the graph shows."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..view import event_number
from ..view.shown import Shown
from .palette import Colours
from .session import Frame


def status_text(frame: Frame, colours: Colours, width: int | None = None) -> Text:
    """The one line for ``frame``; every colour from the theme. When the full line is wider
    than ``width``, a shorter wording, so that what the graph shows is not cut off."""
    text = _status(frame, colours, short=False)
    if width is not None and text.cell_len > width:
        text = _status(frame, colours, short=True)
    return text


def _status(frame: Frame, colours: Colours, short: bool) -> Text:
    sep = " · " if short else "  ·  "
    text = Text(no_wrap=True, overflow="ellipsis")
    phase = frame.snap.phase
    text.append(f" {phase} ", colours.on(phase if phase in colours.roles else "muted"))
    text.append(f"  event {event_number(frame.index)}/{frame.length}")
    text.append(f"{sep}{'it' if short else 'iteration'} {frame.snap.iteration + 1}/{frame.iterations}")
    text.append(f"{sep}loss ")
    text.append(frame.conceal(f"{frame.loss:.4f}", Shown.LOSS) if frame.loss_computed else "—", colours.fg("loss", bold=True))
    text.append(f"{sep}{'' if short else 'graph '}shows ")
    grads = frame.mode == "grads"
    text.append("gradients" if grads else "values", colours.fg("grad" if grads else "forward"))
    if frame.nonfinite_from is not None:
        text.append(f"{sep}⚠ NaN/inf since event {event_number(frame.nonfinite_from)}", colours.fg("nonfinite", bold=True))
    if frame.playing:
        text.append(f"{sep}▶ playing", colours.fg("highlight", bold=True))
    if frame.busy:
        text.append(f"{sep}{frame.busy}", colours.fg("highlight"))
    return text


class StatusLine(Static):
    """One line of text, shown again only when it changed."""

    last_text = ""

    def show(self, frame: Frame, colours: Colours) -> None:
        self._last = (frame, colours)
        text = status_text(frame, colours, self.size.width or None)
        if text == getattr(self, "_shown", None):
            return  # same line: no repaint
        self._shown = text
        self.last_text = text.plain
        self.update(text, layout=False)  # one line of fixed height: no layout pass needed

    def on_resize(self) -> None:
        last = getattr(self, "_last", None)
        if last is not None:
            self.show(*last)  # the wording depends on the width
