"""The status line: phase in words, event k/N, iteration, loss, what the graph shows."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from ..view import event_number
from . import palette as P


def status_text(phase: str, index: int, length: int, iteration: int, iterations: int, loss: float | None,
                mode: str, playing: bool = False, busy: str = "", nonfinite_from: int | None = None) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    colour = P.PHASE_COLOURS.get(phase, P.COLOURS["muted"])
    text.append(f" {phase} ", Style(color="#101010", bgcolor=colour, bold=True))
    text.append(f"  event {event_number(index)}/{length}")
    text.append(f"  ·  iteration {iteration + 1}/{iterations}")
    text.append("  ·  loss ")
    text.append("—" if loss is None else f"{loss:.4f}", Style(color=P.COLOURS["loss"], bold=True))
    text.append("  ·  graph shows ")
    text.append("gradients" if mode == "grads" else "values", P.fg("grad") if mode == "grads" else P.fg("forward"))
    if nonfinite_from is not None:
        text.append(f"  ·  ⚠ NaN/inf since event {event_number(nonfinite_from)}", P.fg("nonfinite", bold=True))
    if playing:
        text.append("  ·  ▶ playing", P.fg("current", bold=True))
    if busy:
        text.append(f"  ·  {busy}", P.fg("current"))
    return text


class StatusLine(Static):
    """One line of text; the app calls ``show`` after every move."""

    def show(self, **fields: object) -> None:
        text = status_text(**fields)  # type: ignore[arg-type]
        if text == getattr(self, "_shown", None):
            return  # same line: no repaint
        self._shown = text
        self.last_text = text.plain
        self.update(text, layout=False)  # one line of fixed height: no layout pass needed
