"""The status line: phase in words, event k/N, iteration, loss, what the graph shows."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..engine.events import GradientStarted
from ..view import event_number
from ..view.shown import Shown
from .palette import Colours
from .session import Frame


def loss_node(frame: Frame) -> int | None:
    """The node of the loss of the cursor's iteration: the first target of its ``gradient()``."""
    iteration, events, of = frame.snap.iteration, frame.events, frame.iterations_of
    for k in range(frame.index, frame.length):
        if of[k] != iteration:
            break
        e = events[k]
        if isinstance(e, GradientStarted):
            return e.targets[0] if e.targets else None
    return None


def loss_computed(frame: Frame) -> bool:
    """True once the cursor has passed the op that computes the loss (the header shows it then)."""
    if frame.loss is None:
        return False
    if frame.snap.phase != "forward":
        return True
    node = loss_node(frame)
    return node is not None and node in frame.snap.forward_done


def status_text(frame: Frame, colours: Colours) -> Text:
    """The one line for ``frame``; every colour from the theme."""
    text = Text(no_wrap=True, overflow="ellipsis")
    phase = frame.snap.phase
    text.append(f" {phase} ", colours.on(phase if phase in colours.roles else "muted"))
    text.append(f"  event {event_number(frame.index)}/{frame.length}")
    text.append(f"  ·  iteration {frame.snap.iteration + 1}/{frame.iterations}")
    text.append("  ·  loss ")
    text.append(frame.conceal(f"{frame.loss:.4f}", Shown.LOSS) if loss_computed(frame) else "—", colours.fg("loss", bold=True))
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
